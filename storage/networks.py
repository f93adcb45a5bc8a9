"""Networks: a named neighbourhood network with its hosts, key figures and group chats."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.database import Database


class NameTaken(Exception):
    """Another network already has this name (names are compared without regard to case)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"a network named {name!r} already exists")
        self.name = name


@dataclass(frozen=True)
class Network:
    id: int
    name: str
    area: str | None
    created_by: int | None  # None once the creator used /forget
    created_at: str
    coordinators_see_replies: bool = False  # the network asks for them to read its replies


def _network(row: sqlite3.Row) -> Network:
    values = dict(row)
    values["coordinators_see_replies"] = bool(values["coordinators_see_replies"])
    return Network(**values)


async def set_coordinators_see_replies(db: Database, network_id: int, on: bool) -> bool:
    """The network's choice whether the coordinators read its replies and call lists; True
    when it changed."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE networks SET coordinators_see_replies = ?"
            " WHERE id = ? AND coordinators_see_replies <> ?",
            (int(on), network_id, int(on)),
        )
        return cursor.rowcount > 0


async def create(
    db: Database, name: str, area: str | None, created_by: int, now: datetime
) -> Network:
    """A new network; `NameTaken` if the name is in use in any case, ValueError if blank."""
    name = " ".join(name.split())
    if not name:
        raise ValueError("a network needs a name")
    async with db.transaction() as conn:
        try:
            cursor = await conn.execute(
                "INSERT INTO networks (name, area, created_by, created_at) VALUES (?, ?, ?, ?)"
                " RETURNING *",
                (name, area or None, created_by, now.isoformat()),
            )
        except sqlite3.IntegrityError as exc:
            if "UNIQUE" in str(exc):
                raise NameTaken(name) from exc
            raise
        row = await cursor.fetchone()
        await cursor.close()
    assert row is not None
    return _network(row)


async def get(db: Database, network_id: int) -> Network | None:
    row = await db.fetch_one("SELECT * FROM networks WHERE id = ?", (network_id,))
    return _network(row) if row is not None else None


async def by_name(db: Database, name: str) -> Network | None:
    """The network called `name`, in any case and with any spacing."""
    row = await db.fetch_one("SELECT * FROM networks WHERE name = ?", (" ".join(name.split()),))
    return _network(row) if row is not None else None


async def all(db: Database) -> list[Network]:
    rows = await db.fetch_all("SELECT * FROM networks ORDER BY name")
    return [_network(row) for row in rows]


async def count(db: Database) -> int:
    row = await db.fetch_one("SELECT count(*) FROM networks")
    return int(row[0]) if row is not None else 0


async def for_user(db: Database, user_id: int) -> list[Network]:
    """The networks in which `user_id` is an approved member (in any role)."""
    rows = await db.fetch_all(
        "SELECT n.* FROM networks n JOIN memberships m ON m.network_id = n.id"
        " WHERE m.user_id = ? AND m.status = 'approved' ORDER BY n.name",
        (user_id,),
    )
    return [_network(row) for row in rows]


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: the networks they created stay, without the reference."""
    cursor = await conn.execute(
        "UPDATE networks SET created_by = NULL WHERE created_by = ?", (user_id,)
    )
    return cursor.rowcount

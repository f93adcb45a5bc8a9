"""The audit: an append-only record of who did what, in which network, and when.

Rows are added (`add`) and read (`page`, `about`); nothing here changes or deletes one, except
the two ways out the privacy rules require: `forget` takes a person's id out of every row
(inside the caller's /forget transaction), and `prune` deletes rows older than the retention
window. The table's trigger refuses any other change (migration 0016).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from storage.database import Database

SUBJECT_KINDS = ("person", "incident", "invite", "group", "network")


@dataclass(frozen=True)
class Subject:
    """What an act was about, as a reference: never a name or a text."""

    kind: str  # one of SUBJECT_KINDS
    id: int | None  # None: a person who deleted their data


@dataclass(frozen=True)
class Entry:
    id: int
    at: str
    actor_id: int | None  # None: they deleted their data
    action: str
    network_id: int | None
    subject: Subject | None


def _entry(row: sqlite3.Row) -> Entry:
    kind = row["subject_kind"]
    return Entry(
        id=row["id"],
        at=row["at"],
        actor_id=row["actor_id"],
        action=row["action"],
        network_id=row["network_id"],
        subject=Subject(kind, row["subject_id"]) if kind is not None else None,
    )


async def add(
    db: Database,
    now: datetime,
    actor_id: int | None,
    action: str,
    network_ids: Sequence[int | None],
    subject: Subject | None,
) -> None:
    """One row per network (an alert to three networks is in each one's audit), at once."""
    if subject is not None and subject.kind not in SUBJECT_KINDS:
        raise ValueError(f"unknown subject kind {subject.kind!r}")
    rows = [
        (
            now.astimezone(UTC).isoformat(),
            actor_id,
            action,
            network_id,
            subject.kind if subject else None,
            subject.id if subject else None,
        )
        for network_id in network_ids
    ]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO audit (at, actor_id, action, network_id, subject_kind, subject_id)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )


def _scope(network_id: int | None) -> tuple[str, tuple[int, ...]]:
    return ("WHERE network_id = ?", (network_id,)) if network_id is not None else ("", ())


async def page(db: Database, network_id: int | None, *, offset: int, limit: int) -> list[Entry]:
    """Newest first: the rows of one network, or (None) of every network and of none."""
    where, params = _scope(network_id)
    rows = await db.fetch_all(
        f"SELECT * FROM audit {where} ORDER BY id DESC LIMIT ? OFFSET ?", (*params, limit, offset)
    )
    return [_entry(row) for row in rows]


async def count(db: Database, network_id: int | None) -> int:
    where, params = _scope(network_id)
    row = await db.fetch_one(f"SELECT count(*) FROM audit {where}", params)
    return int(row[0]) if row is not None else 0


async def about(db: Database, user_id: int) -> list[Entry]:
    """The rows in which `user_id` acted or was acted upon, oldest first (for /mydata)."""
    rows = await db.fetch_all(
        "SELECT * FROM audit WHERE actor_id = ?"
        " UNION SELECT * FROM audit WHERE subject_kind = 'person' AND subject_id = ?"
        " ORDER BY id",
        (user_id, user_id),
    )
    return [_entry(row) for row in rows]


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person; runs inside the caller's transaction. The facts stay, their
    id goes: as actor and as subject they become "a member who deleted their data"."""
    acted = await conn.execute("UPDATE audit SET actor_id = NULL WHERE actor_id = ?", (user_id,))
    about = await conn.execute(
        "UPDATE audit SET subject_id = NULL WHERE subject_kind = 'person' AND subject_id = ?",
        (user_id,),
    )
    return acted.rowcount + about.rowcount


async def prune(db: Database, before: datetime, *, batch: int = 2000) -> int:
    """Delete the rows older than `before` (the retention window), `batch` rows per transaction
    so that an alert never waits long for the writer; returns how many went."""
    cutoff = before.astimezone(UTC).isoformat()
    pruned = 0
    while True:
        async with db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE at < ? LIMIT ?)",
                (cutoff, batch),
            )
        pruned += cursor.rowcount
        if cursor.rowcount < batch:
            return pruned

"""Talents and reach: the short items a member keeps in three lists (what they can do, what
they would like to learn, whom they reach), and finding them for /whocan.

Items belong to the person, not to one network, and exist only while the person is an approved
member somewhere: `add` refuses a non-member in the same transaction, `let_go_unless_member`
runs when someone leaves a network, and /forget deletes them (`forget`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage.database import Database
from storage.retention import Batch

KINDS = ("can", "learn", "reach")


@dataclass(frozen=True)
class Talent:
    id: int
    user_id: int
    kind: str  # can | learn | reach
    text: str
    created_at: str


class Added(StrEnum):
    """What became of items to add."""

    ADDED = "added"
    FULL = "full"  # the list would hold more than it may: nothing was added
    NOT_MEMBER = "not_member"  # no approved membership (any more): nothing was added


def _talent(row: sqlite3.Row) -> Talent:
    return Talent(row["id"], row["user_id"], row["kind"], row["text"], row["created_at"])


async def of_user(db: Database, user_id: int) -> list[Talent]:
    """The person's items, per list in the order they were added."""
    rows = await db.fetch_all(
        "SELECT * FROM talents WHERE user_id = ? ORDER BY kind, id", (user_id,)
    )
    return [_talent(row) for row in rows]


async def add(
    db: Database,
    user_id: int,
    kind: str,
    texts: Sequence[str],
    now: datetime,
    most: int,
) -> tuple[Added, list[str]]:
    """Add `texts` to the person's `kind` list, all or none: at most `most` items in the list.
    An item already there (in any case) is not added twice. Returns what happened and the
    items that were new."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT 1 FROM memberships WHERE user_id = ? AND status = 'approved' LIMIT 1",
            (user_id,),
        ) as cursor:
            if await cursor.fetchone() is None:
                return Added.NOT_MEMBER, []
        async with conn.execute(
            "SELECT text FROM talents WHERE user_id = ? AND kind = ?", (user_id, kind)
        ) as cursor:
            there = {row["text"].casefold() for row in await cursor.fetchall()}
        new: list[str] = []
        for text in texts:
            if text.casefold() not in there:
                there.add(text.casefold())
                new.append(text)
        if len(there) > most:
            return Added.FULL, []
        await conn.executemany(
            "INSERT INTO talents (user_id, kind, text, created_at) VALUES (?, ?, ?, ?)",
            [(user_id, kind, text, now.isoformat()) for text in new],
        )
    return Added.ADDED, new


async def remove(db: Database, user_id: int, talent_id: int) -> Talent | None:
    """Remove one of the person's own items; None if it is not (or no longer) theirs."""
    async with db.transaction() as conn:
        async with conn.execute(
            "DELETE FROM talents WHERE id = ? AND user_id = ? RETURNING *", (talent_id, user_id)
        ) as cursor:
            row = await cursor.fetchone()
    return _talent(row) if row is not None else None


@dataclass(frozen=True)
class Holder:
    """A member with items, as one network knows them: who to show in /whocan's answer."""

    user_id: int
    network_id: int
    display_name: str | None
    phone: str | None  # only when they show it to the members of this network


async def holders(db: Database, network_ids: Sequence[int]) -> list[Holder]:
    """The approved members of these networks who have at least one item, once per network;
    a phone number only where the member chose to show it to that network's members."""
    if not network_ids:
        return []
    marks = ", ".join("?" * len(network_ids))
    rows = await db.fetch_all(
        "SELECT m.user_id, m.network_id, m.display_name,"
        " CASE WHEN m.phone_to_members THEN m.phone END AS phone"
        f" FROM memberships m WHERE m.status = 'approved' AND m.network_id IN ({marks})"
        " AND EXISTS (SELECT 1 FROM talents t WHERE t.user_id = m.user_id)"
        " ORDER BY m.network_id, m.user_id",
        tuple(network_ids),
    )
    return [Holder(**dict(row)) for row in rows]


async def of_users(db: Database, user_ids: Sequence[int]) -> list[Talent]:
    """The items of these people (for /whocan, the members of the asker's networks)."""
    found: list[Talent] = []
    ids = list(dict.fromkeys(user_ids))
    for start in range(0, len(ids), 500):  # SQLite's limit on parameters, with room
        chunk = ids[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        rows = await db.fetch_all(
            f"SELECT * FROM talents WHERE user_id IN ({marks}) ORDER BY user_id, kind, id",
            tuple(chunk),
        )
        found += [_talent(row) for row in rows]
    return found


async def let_go_unless_member(db: Database, user_id: int) -> int:
    """After someone left a network: their items go when no approved membership is left."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM talents WHERE user_id = ? AND NOT EXISTS (SELECT 1 FROM memberships"
            " WHERE user_id = ? AND status = 'approved')",
            (user_id, user_id),
        )
        return cursor.rowcount


async def drop_of_non_members(db: Database) -> Batch:
    """The retention job's safety net: items of whoever is no approved member anywhere (the
    lists are short, so one batch)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM talents WHERE user_id NOT IN"
            " (SELECT user_id FROM memberships WHERE status = 'approved')"
        )
        return Batch(cursor.rowcount, False)


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: every item of theirs."""
    cursor = await conn.execute("DELETE FROM talents WHERE user_id = ?", (user_id,))
    return cursor.rowcount

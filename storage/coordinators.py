"""Coordinators appointed through the bot (those in the configuration are not stored), and the
audit trail of who appointed or withdrew whom, and when."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage.database import Database


@dataclass(frozen=True)
class Coordinator:
    user_id: int
    appointed_by: int | None  # None once the appointer used /forget
    appointed_at: str
    name: str | None = None  # as Telegram's picker named them to the appointer


@dataclass(frozen=True)
class Change:
    """One line of the audit trail: `user_id` was appointed or withdrawn by `by_user_id`."""

    id: int
    user_id: int | None
    change: str  # "appointed" or "withdrawn"
    by_user_id: int | None
    at: str


def _coordinator(row: sqlite3.Row) -> Coordinator:
    return Coordinator(**dict(row))


async def _record(
    conn: aiosqlite.Connection, user_id: int, change: str, by: int, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO coordinator_changes (user_id, change, by_user_id, at) VALUES (?, ?, ?, ?)",
        (user_id, change, by, now.isoformat()),
    )


async def appoint(
    db: Database, user_id: int, by: int, now: datetime, name: str | None = None
) -> bool:
    """Make `user_id` a coordinator, with the audit row; False if they already were (the first
    appointment stays, and nothing is recorded)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO coordinators (user_id, appointed_by, appointed_at, name)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO NOTHING",
            (user_id, by, now.isoformat(), name[:200] if name else None),
        )
        if cursor.rowcount == 0:
            return False
        await _record(conn, user_id, "appointed", by, now)
        return True


class Withdrawal(StrEnum):
    """How withdrawing an appointment went."""

    WITHDRAWN = "withdrawn"
    NOT_APPOINTED = "not_appointed"  # not (or no longer) an appointed coordinator
    LAST = "last"  # they are the only coordinator left: nobody could appoint another


async def withdraw(
    db: Database, user_id: int, by: int, now: datetime, configured: Collection[int]
) -> Withdrawal:
    """End `user_id`'s appointment, with the audit row, unless no coordinator would be left
    (`configured`: the coordinators of the configuration file, who always remain)."""
    others = [c for c in configured if c != user_id]
    async with db.transaction() as conn:
        cursor = await conn.execute("SELECT 1 FROM coordinators WHERE user_id = ?", (user_id,))
        if await cursor.fetchone() is None:
            return Withdrawal.NOT_APPOINTED
        cursor = await conn.execute(
            "SELECT COUNT(*) FROM coordinators WHERE user_id != ?", (user_id,)
        )
        row = await cursor.fetchone()
        if not others and (row is None or row[0] == 0):
            return Withdrawal.LAST
        await conn.execute("DELETE FROM coordinators WHERE user_id = ?", (user_id,))
        await _record(conn, user_id, "withdrawn", by, now)
        return Withdrawal.WITHDRAWN


async def dismiss(db: Database, user_id: int) -> bool:
    """End an appointment without a trace; False if `user_id` was not an appointed coordinator.
    (People withdraw one another with `withdraw`, which keeps the audit row.)"""
    async with db.transaction() as conn:
        cursor = await conn.execute("DELETE FROM coordinators WHERE user_id = ?", (user_id,))
        return cursor.rowcount > 0


async def get(db: Database, user_id: int) -> Coordinator | None:
    row = await db.fetch_one("SELECT * FROM coordinators WHERE user_id = ?", (user_id,))
    return _coordinator(row) if row is not None else None


async def is_appointed(db: Database, user_id: int) -> bool:
    return (await get(db, user_id)) is not None


async def all(db: Database) -> list[Coordinator]:
    rows = await db.fetch_all("SELECT * FROM coordinators ORDER BY appointed_at, user_id")
    return [_coordinator(row) for row in rows]


async def changes(db: Database, user_id: int) -> list[Change]:
    """The audit trail about `user_id` (as the coordinator), oldest first."""
    rows = await db.fetch_all(
        "SELECT * FROM coordinator_changes WHERE user_id = ? ORDER BY at, id", (user_id,)
    )
    return [Change(**dict(row)) for row in rows]


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person; runs inside the caller's transaction.

    Their own appointment goes; the coordinators they appointed stay, without the reference;
    the audit trail keeps its rows (others' history) without their id on either side.
    """
    deleted = await conn.execute("DELETE FROM coordinators WHERE user_id = ?", (user_id,))
    nulled = await conn.execute(
        "UPDATE coordinators SET appointed_by = NULL WHERE appointed_by = ?", (user_id,)
    )
    about = await conn.execute(
        "UPDATE coordinator_changes SET user_id = NULL WHERE user_id = ?", (user_id,)
    )
    done_by = await conn.execute(
        "UPDATE coordinator_changes SET by_user_id = NULL WHERE by_user_id = ?", (user_id,)
    )
    return deleted.rowcount + nulled.rowcount + about.rowcount + done_by.rowcount

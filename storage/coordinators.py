"""Coordinators appointed through the bot (those in the configuration are not stored)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.database import Database


@dataclass(frozen=True)
class Coordinator:
    user_id: int
    appointed_by: int | None  # None once the appointer used /forget
    appointed_at: str


def _coordinator(row: sqlite3.Row) -> Coordinator:
    return Coordinator(**dict(row))


async def appoint(db: Database, user_id: int, by: int, now: datetime) -> bool:
    """Make `user_id` a coordinator; False if they already were (the first appointment stays)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO coordinators (user_id, appointed_by, appointed_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO NOTHING",
            (user_id, by, now.isoformat()),
        )
        return cursor.rowcount > 0


async def dismiss(db: Database, user_id: int) -> bool:
    """End an appointment; False if `user_id` was not an appointed coordinator."""
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


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person; runs inside the caller's transaction.

    Their own appointment goes; the coordinators they appointed stay, without the reference.
    """
    deleted = await conn.execute("DELETE FROM coordinators WHERE user_id = ?", (user_id,))
    nulled = await conn.execute(
        "UPDATE coordinators SET appointed_by = NULL WHERE appointed_by = ?", (user_id,)
    )
    return deleted.rowcount + nulled.rowcount

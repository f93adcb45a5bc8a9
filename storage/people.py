"""People: the few facts kept about a Telegram user outside any network."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.database import Database


@dataclass(frozen=True)
class Person:
    user_id: int
    language: str | None
    created_at: str
    last_active_at: str
    blocked_at: str | None
    privacy_version: int | None = None  # the privacy notice's version agreed to (domain.consent)
    privacy_agreed_at: str | None = None


def _person(row: sqlite3.Row | None) -> Person | None:
    return Person(**dict(row)) if row is not None else None


async def get(db: Database, user_id: int) -> Person | None:
    return _person(await db.fetch_one("SELECT * FROM people WHERE user_id = ?", (user_id,)))


async def languages(db: Database, user_ids: Iterable[int]) -> dict[int, str | None]:
    """The chosen language of many people at once (None: no choice, or not known)."""
    wanted = list(dict.fromkeys(user_ids))
    chosen: dict[int, str | None] = dict.fromkeys(wanted)
    for start in range(0, len(wanted), 500):  # SQLite limits the parameters of one query
        part = wanted[start : start + 500]
        rows = await db.fetch_all(
            f"SELECT user_id, language FROM people WHERE user_id IN ({','.join('?' * len(part))})",
            part,
        )
        chosen.update({row["user_id"]: row["language"] for row in rows})
    return chosen


async def set_language(db: Database, user_id: int, language: str, now: datetime) -> None:
    stamp = now.isoformat()
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO people (user_id, language, created_at, last_active_at)"
            " VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET language = excluded.language,"
            " last_active_at = excluded.last_active_at",
            (user_id, language, stamp, stamp),
        )


async def touch(db: Database, user_id: int, now: datetime) -> None:
    """Record activity of a known person; it clears a block (writing to the bot unblocks it)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE people SET last_active_at = ?, blocked_at = NULL WHERE user_id = ?",
            (now.isoformat(), user_id),
        )


async def mark_blocked(db: Database, user_id: int, now: datetime) -> bool:
    """The person blocked the bot; returns whether we knew them."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE people SET blocked_at = ? WHERE user_id = ? AND blocked_at IS NULL",
            (now.isoformat(), user_id),
        )
        return cursor.rowcount > 0


async def delete(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person; runs inside the caller's transaction."""
    cursor = await conn.execute("DELETE FROM people WHERE user_id = ?", (user_id,))
    return cursor.rowcount

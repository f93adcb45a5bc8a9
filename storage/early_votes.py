"""Votes in a poll the bot has not recorded yet: kept until the poll is, then counted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.database import Database


@dataclass(frozen=True)
class EarlyVote:
    poll_id: str
    user_id: int
    option_ids: list[int]


async def keep(
    db: Database, poll_id: str, user_id: int, option_ids: list[int], now: datetime
) -> None:
    """Keep a person's latest vote in a poll not known yet (a later vote replaces it)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO early_votes (poll_id, user_id, option_ids, voted_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (poll_id, user_id) DO UPDATE SET option_ids = excluded.option_ids,"
            " voted_at = excluded.voted_at",
            (poll_id, user_id, json.dumps(option_ids), now.isoformat()),
        )


async def take(db: Database, poll_id: str) -> list[EarlyVote]:
    """The votes kept for a poll, in the order they came; they are gone from here after."""
    async with db.transaction() as conn:
        async with conn.execute(
            "DELETE FROM early_votes WHERE poll_id = ? RETURNING poll_id, user_id, option_ids,"
            " voted_at",
            (poll_id,),
        ) as cursor:
            rows = sorted(await cursor.fetchall(), key=lambda row: row["voted_at"])
    return [
        EarlyVote(row["poll_id"], row["user_id"], json.loads(row["option_ids"])) for row in rows
    ]


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person (inside `storage.privacy.forget_person`'s transaction)."""
    cursor = await conn.execute("DELETE FROM early_votes WHERE user_id = ?", (user_id,))
    return cursor.rowcount

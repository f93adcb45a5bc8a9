"""The updates the bot has taken on lately, by Telegram's update id (see handlers.once)."""

from __future__ import annotations

from datetime import datetime

from storage.database import Database


async def first_time(db: Database, update_id: int, now: datetime) -> bool:
    """Record that update `update_id` is being handled; False if it was recorded before."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO handled_updates (update_id, received_at) VALUES (?, ?)"
            " ON CONFLICT (update_id) DO NOTHING",
            (update_id, now.isoformat()),
        )
        return cursor.rowcount > 0


async def prune(db: Database, before: datetime) -> int:
    """Forget the updates received before `before`; returns how many."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM handled_updates WHERE received_at < ?", (before.isoformat(),)
        )
        return cursor.rowcount

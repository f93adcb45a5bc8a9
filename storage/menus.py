"""Menus: which command menu each person's private chat shows (see domain.menus)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.database import Database


@dataclass(frozen=True)
class Standing:
    """What decides a person's menu, read for many people at once (the sweep at start)."""

    user_id: int
    language: str | None  # chosen with /language or in the intake
    signature: str | None  # the menu their chat shows now; None: the default one
    member: bool  # approved in some network
    host: bool  # approved as police chief or municipality in some network


async def signature(db: Database, user_id: int) -> str | None:
    row = await db.fetch_one("SELECT signature FROM menus WHERE user_id = ?", (user_id,))
    return row[0] if row is not None else None


async def record(
    conn: aiosqlite.Connection, user_id: int, signature: str | None, now: datetime
) -> None:
    """The menu now on its way to `user_id`'s chat (None: the default one); in the caller's
    transaction, with the delivery that sets it."""
    if signature is None:
        await conn.execute("DELETE FROM menus WHERE user_id = ?", (user_id,))
        return
    await conn.execute(
        "INSERT INTO menus (user_id, signature, set_at) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id) DO UPDATE SET signature = excluded.signature,"
        " set_at = excluded.set_at",
        (user_id, signature, now.isoformat()),
    )


async def unrecord(db: Database, user_id: int, signature: str) -> bool:
    """Telegram never took that menu: forget it, so that the next refresh sends it again."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM menus WHERE user_id = ? AND signature = ?", (user_id, signature)
        )
        return cursor.rowcount > 0


async def standings(db: Database, after: int, limit: int) -> list[Standing]:
    """Everyone the bot knows (people, and whoever has a menu of their own) with a user id
    above `after`, in order, `limit` at a time."""
    rows = await db.fetch_all(
        "WITH known AS (SELECT user_id FROM people WHERE user_id > ?1"
        "  UNION SELECT user_id FROM menus WHERE user_id > ?1"
        "  ORDER BY user_id LIMIT ?2)"
        " SELECT k.user_id, p.language, m.signature,"
        "  EXISTS (SELECT 1 FROM memberships WHERE user_id = k.user_id"
        "   AND status = 'approved') AS member,"
        "  EXISTS (SELECT 1 FROM memberships WHERE user_id = k.user_id AND status = 'approved'"
        "   AND role IN ('police_chief', 'municipality')) AS host"
        " FROM known AS k LEFT JOIN people AS p USING (user_id)"
        " LEFT JOIN menus AS m USING (user_id) ORDER BY k.user_id",
        (after, limit),
    )
    return [
        Standing(
            row["user_id"],
            row["language"],
            row["signature"],
            bool(row["member"]),
            bool(row["host"]),
        )
        for row in rows
    ]

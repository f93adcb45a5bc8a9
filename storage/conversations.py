"""Conversations: what a person is in the middle of in their private chat with the bot.

One row a person: the flow (`alert`, `plan`, `topic`, `reply`, `intake`, ...), the step it is
at, what was chosen so far as JSON, and when it expires if abandoned. Opening a flow replaces
whatever was open; the replaced one is returned, so the person can be told what was dropped.
Expiry is a fact the reader checks (`Conversation.expired`): the row stays until the person next
writes, so the bot can say what lapsed.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.database import Database


@dataclass(frozen=True)
class Conversation:
    user_id: int
    flow: str
    step: str
    data: dict[str, Any]
    expires_at: str
    updated_at: str

    def expired(self, now: datetime) -> bool:
        return self.expires_at <= now.isoformat()


def _conversation(row: sqlite3.Row | None) -> Conversation | None:
    if row is None:
        return None
    return Conversation(**{**dict(row), "data": json.loads(row["data"])})


async def get(db: Database, user_id: int) -> Conversation | None:
    """The person's conversation, expired or not."""
    row = await db.fetch_one("SELECT * FROM conversations WHERE user_id = ?", (user_id,))
    return _conversation(row)


async def open(
    db: Database,
    user_id: int,
    flow: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
    expires_at: datetime,
) -> Conversation | None:
    """Start (or carry on) `flow` at `step`; returns what was open before, if anything."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT * FROM conversations WHERE user_id = ?", (user_id,)
        ) as cursor:
            before = _conversation(await cursor.fetchone())
        await conn.execute(
            "INSERT OR REPLACE INTO conversations"
            " (user_id, flow, step, data, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            (user_id, flow, step, json.dumps(data), expires_at.isoformat(), now.isoformat()),
        )
    return before


async def close(db: Database, user_id: int, flows: tuple[str, ...] = ()) -> Conversation | None:
    """End the person's conversation (only if it is one of `flows`, when given); what it was."""
    only = f" AND flow IN ({', '.join('?' * len(flows))})" if flows else ""
    async with db.transaction() as conn:
        async with conn.execute(
            f"DELETE FROM conversations WHERE user_id = ?{only} RETURNING *", (user_id, *flows)
        ) as cursor:
            return _conversation(await cursor.fetchone())


async def close_about(conn: aiosqlite.Connection, flow: str, key: str, value: int) -> int:
    """Within a transaction: end every `flow` conversation whose data has `key` = `value`
    (e.g. the typing of an alert draft's text once that draft is sent)."""
    cursor = await conn.execute(
        "DELETE FROM conversations WHERE flow = ? AND json_extract(data, '$.' || ?) = ?",
        (flow, key, value),
    )
    return cursor.rowcount


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: their conversation, and others' replies about them."""
    cursor = await conn.execute(
        "DELETE FROM conversations WHERE user_id = ? OR json_extract(data, '$.about_user_id') = ?",
        (user_id, user_id),
    )
    return cursor.rowcount

"""The live messages of a meeting's answers: each group's count and the members' private
invitations and reminders whose buttons mark their answer (`domain.timeline` keeps them true).

A message is recorded when Telegram confirms it, marked stale whenever the answers it shows may
have changed, and brought up to date by the refresh; it goes once it shows its final state.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import aiosqlite

from storage.database import Database


@dataclass(frozen=True)
class AnswerMessage:
    chat_id: int
    message_id: int
    meeting_id: int
    round: int
    user_id: int | None  # None: a group's count
    text: str
    answer: str | None  # private: the answer its buttons mark
    stale: bool

    @property
    def in_group(self) -> bool:
        return self.user_id is None


def _message(row: sqlite3.Row) -> AnswerMessage:
    return AnswerMessage(**{**dict(row), "stale": bool(row["stale"])})


async def record(
    db: Database,
    *,
    chat_id: int,
    message_id: int,
    meeting_id: int,
    round_: int,
    user_id: int | None,
    text: str,
    answer: str | None,
) -> None:
    """A sent message, stale (answers may have changed while it was on its way); a newer count
    in the same group makes the older ones stale too (they now point to it)."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO meeting_answer_messages (chat_id, message_id, meeting_id,"
            " round, user_id, text, answer, stale) VALUES (?, ?, ?, ?, ?, ?, ?, 1)",
            (chat_id, message_id, meeting_id, round_, user_id, text, answer),
        )
        if user_id is None:
            await conn.execute(
                "UPDATE meeting_answer_messages SET stale = 1 WHERE meeting_id = ?"
                " AND chat_id = ? AND user_id IS NULL AND message_id < ?",
                (meeting_id, chat_id, message_id),
            )


async def mark_stale(db: Database, meeting_id: int, user_id: int | None = None) -> None:
    """Answers of the meeting changed: its group counts are stale, and (with `user_id`) that
    member's private messages."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE meeting_answer_messages SET stale = 1 WHERE meeting_id = ?"
            " AND (user_id IS NULL OR user_id = ?)",
            (meeting_id, user_id),
        )


async def mark_all_stale(db: Database, meeting_id: int) -> int:
    """The meeting itself changed (closed, moved, cancelled): every message of it is stale;
    returns how many there are."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE meeting_answer_messages SET stale = 1 WHERE meeting_id = ?",
            (meeting_id,),
        )
    return cursor.rowcount


async def mark_groups_stale(db: Database, network_id: int | None = None) -> int:
    """The members changed (someone approved or removed): the counts of the network's meetings
    (or every network's) are stale; returns how many there are."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE meeting_answer_messages SET stale = 1 WHERE user_id IS NULL"
            " AND (? IS NULL OR meeting_id IN (SELECT id FROM meetings WHERE network_id = ?))",
            (network_id, network_id),
        )
    return cursor.rowcount


async def take_stale(db: Database, limit: int = 200) -> list[AnswerMessage]:
    """Stale messages, no longer marked: an answer that comes while they are being brought up
    to date marks them again (`again` puts one back whose edit did not go through)."""
    async with db.transaction() as conn:
        async with conn.execute(
            "UPDATE meeting_answer_messages SET stale = 0 WHERE rowid IN (SELECT rowid FROM"
            " meeting_answer_messages WHERE stale = 1 ORDER BY meeting_id LIMIT ?) RETURNING *",
            (limit,),
        ) as cursor:
            rows = await cursor.fetchall()
    found = [_message(row) for row in rows]
    # A meeting's together, each group's count before the members' messages.
    return sorted(found, key=lambda m: (m.meeting_id, not m.in_group, m.chat_id, m.message_id))


async def again(db: Database, message: AnswerMessage) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE meeting_answer_messages SET stale = 1 WHERE chat_id = ? AND message_id = ?",
            (message.chat_id, message.message_id),
        )


async def any_stale(db: Database) -> bool:
    row = await db.fetch_one(
        "SELECT EXISTS (SELECT 1 FROM meeting_answer_messages WHERE stale = 1)"
    )
    return row is not None and bool(row[0])


async def of_meeting(db: Database, meeting_id: int) -> list[AnswerMessage]:
    rows = await db.fetch_all(
        "SELECT * FROM meeting_answer_messages WHERE meeting_id = ? ORDER BY chat_id, message_id",
        (meeting_id,),
    )
    return [_message(row) for row in rows]


async def shown(
    db: Database, chat_id: int, message_id: int, text: str, answer: str | None = None
) -> None:
    """The message now shows `text` (and, in a private chat, marks `answer`)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE meeting_answer_messages SET text = ?, answer = ?"
            " WHERE chat_id = ? AND message_id = ?",
            (text, answer, chat_id, message_id),
        )


async def marked(db: Database, chat_id: int, message_id: int, answer: str | None) -> None:
    """A member's private message now marks `answer` (they pressed it there)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE meeting_answer_messages SET answer = ? WHERE chat_id = ? AND message_id = ?",
            (answer, chat_id, message_id),
        )


async def settled(db: Database, chat_id: int, message_id: int) -> None:
    """The message shows its final state (or is gone): no more edits."""
    async with db.transaction() as conn:
        await conn.execute(
            "DELETE FROM meeting_answer_messages WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: their private answer messages (the foreign key does it too,
    when the person goes)."""
    cursor = await conn.execute("DELETE FROM meeting_answer_messages WHERE user_id = ?", (user_id,))
    return cursor.rowcount

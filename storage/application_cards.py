"""Each approver's copy of an application (the card with Approve / Reject), recorded when sent,
so that once someone decides, `domain.approval` edits every copy to say who decided. A copy is
kept a day after it was edited, so that one which arrives late learns from the others who it
was."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.database import Database


@dataclass(frozen=True)
class Card:
    chat_id: int
    message_id: int
    network_id: int
    user_id: int  # the applicant
    decided_by: int | None
    decider_name: str | None
    edited_at: str | None = None


def _card(row: sqlite3.Row) -> Card:
    return Card(**dict(row))


async def record(
    db: Database, chat_id: int, message_id: int, network_id: int, user_id: int
) -> list[Card]:
    """A copy that went out; returns every recorded copy of the application (with this one),
    so a copy that arrives after the decision learns who decided from the others."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO application_cards (chat_id, message_id, network_id, user_id)"
            " VALUES (?, ?, ?, ?)",
            (chat_id, message_id, network_id, user_id),
        )
        async with conn.execute(
            "SELECT * FROM application_cards WHERE network_id = ? AND user_id = ?",
            (network_id, user_id),
        ) as cursor:
            return [_card(row) for row in await cursor.fetchall()]


async def note_decider(
    db: Database, network_id: int, user_id: int, decided_by: int, name: str
) -> None:
    """Who decided, as they were named, on every copy still to be edited."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE application_cards SET decided_by = ?, decider_name = ?"
            " WHERE network_id = ? AND user_id = ?",
            (decided_by, name, network_id, user_id),
        )


async def of_application(db: Database, network_id: int, user_id: int) -> list[Card]:
    rows = await db.fetch_all(
        "SELECT * FROM application_cards WHERE network_id = ? AND user_id = ?"
        " ORDER BY chat_id, message_id",
        (network_id, user_id),
    )
    return [_card(row) for row in rows]


async def decided(db: Database, limit: int = 200) -> list[Card]:
    """Copies of applications decided since they went out: to be edited."""
    rows = await db.fetch_all(
        "SELECT c.* FROM application_cards c JOIN memberships m"
        " ON m.network_id = c.network_id AND m.user_id = c.user_id"
        " WHERE c.edited_at IS NULL AND m.status IN ('approved', 'rejected')"
        " ORDER BY c.network_id, c.user_id, c.chat_id LIMIT ?",
        (limit,),
    )
    return [_card(row) for row in rows]


async def edited(
    db: Database,
    chat_id: int,
    message_id: int,
    now: datetime,
    *,
    application: tuple[int, int] | None = None,
    decider: tuple[int, str] | None = None,
) -> None:
    """The copy shows the decision (or is gone): it needs nothing more. With `application`
    (network, applicant) and `decider` (id, name), it is recorded so if it was not yet – the
    decider's own copy, so that a copy arriving late learns from it who decided."""
    async with db.transaction() as conn:
        if application is not None and decider is not None:
            await conn.execute(
                "INSERT INTO application_cards (chat_id, message_id, network_id, user_id,"
                " decided_by, decider_name, edited_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (chat_id, message_id) DO UPDATE SET edited_at = excluded.edited_at,"
                " decided_by = excluded.decided_by, decider_name = excluded.decider_name",
                (chat_id, message_id, *application, *decider, now.isoformat()),
            )
            return
        await conn.execute(
            "UPDATE application_cards SET edited_at = ? WHERE chat_id = ? AND message_id = ?",
            (now.isoformat(), chat_id, message_id),
        )


async def drop_edited(db: Database, before: datetime) -> int:
    """Copies edited before `before` are kept no longer."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM application_cards WHERE edited_at < ?", (before.isoformat(),)
        )
    return cursor.rowcount


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: the copies they received and, as the applicant, the copies
    about them (the foreign key takes those too); as the decider, their name."""
    cursor = await conn.execute(
        "DELETE FROM application_cards WHERE chat_id = ? OR user_id = ?", (user_id, user_id)
    )
    removed = cursor.rowcount
    cursor = await conn.execute(
        "UPDATE application_cards SET decided_by = NULL, decider_name = NULL WHERE decided_by = ?",
        (user_id,),
    )
    return removed + cursor.rowcount

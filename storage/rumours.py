"""Rumours a member passed on to the hosts, their verdicts and counter-messages, and each host's
copy of a rumour (the card kept true through the editor port). Plain SQL over `rumours` and
`rumour_cards` (migration 0021)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from storage.database import Database

STATUSES = ("open", "true", "false", "unknown")
LABELS = ("shareable", "network")


@dataclass(frozen=True)
class Rumour:
    id: int
    network_id: int
    raised_by: int | None  # None once the member deleted their data
    text: str | None  # None once the member deleted their data
    status: str  # open / true / false / unknown
    judged_by: int | None
    judged_at: str | None
    counter_text: str | None
    counter_label: str | None  # shareable / network
    counter_by: int | None
    counter_sent_at: str | None
    created_at: str
    updated_at: str


def stamp(moment: datetime) -> str:
    """The text form the table compares its moments in: ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat()


def _rumour(row: sqlite3.Row) -> Rumour:
    return Rumour(**dict(row))


async def add(db: Database, network_id: int, raised_by: int, text: str, now: datetime) -> Rumour:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO rumours (network_id, raised_by, text, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) RETURNING *",
            (network_id, raised_by, text, stamp(now), stamp(now)),
        )
        row = await cursor.fetchone()
    assert row is not None
    return _rumour(row)


async def get(db: Database, rumour_id: int) -> Rumour | None:
    row = await db.fetch_one("SELECT * FROM rumours WHERE id = ?", (rumour_id,))
    return _rumour(row) if row is not None else None


async def open_of(db: Database, network_ids: list[int], offset: int, limit: int) -> list[Rumour]:
    """Open rumours of these networks, oldest first (one page)."""
    marks = ",".join("?" * len(network_ids)) or "NULL"
    rows = await db.fetch_all(
        f"SELECT * FROM rumours WHERE status = 'open' AND text IS NOT NULL"
        f" AND network_id IN ({marks}) ORDER BY id LIMIT ? OFFSET ?",
        (*network_ids, limit, offset),
    )
    return [_rumour(row) for row in rows]


async def count_open(db: Database, network_ids: list[int]) -> int:
    marks = ",".join("?" * len(network_ids)) or "NULL"
    row = await db.fetch_one(
        f"SELECT count(*) FROM rumours WHERE status = 'open' AND text IS NOT NULL"
        f" AND network_id IN ({marks})",
        tuple(network_ids),
    )
    return int(row[0]) if row is not None else 0


async def raised_by(db: Database, user_id: int) -> list[Rumour]:
    rows = await db.fetch_all("SELECT * FROM rumours WHERE raised_by = ? ORDER BY id", (user_id,))
    return [_rumour(row) for row in rows]


async def judge(
    db: Database,
    rumour_id: int,
    status: str,
    by: int,
    now: datetime,
    shown: tuple[int, int] | None = None,
) -> tuple[bool, Rumour | None]:
    """Set the verdict; (changed, the rumour as it is now). Unchanged when it already had
    this verdict (a double press): the rumour as it stands then. `shown`: the copy (chat,
    message) the verdict was given on, which its handler edits itself: the job leaves it."""
    if status not in STATUSES[1:]:
        raise ValueError(f"not a verdict: {status}")
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE rumours SET status = ?, judged_by = ?, judged_at = ?, updated_at = ?"
            " WHERE id = ? AND status <> ? AND text IS NOT NULL",
            (status, by, stamp(now), stamp(now), rumour_id, status),
        )
        changed = cursor.rowcount == 1
        if changed:
            chat_id, message_id = shown or (0, 0)
            await conn.execute(
                "UPDATE rumour_cards SET stale = stale + 1 WHERE rumour_id = ?"
                " AND NOT (chat_id = ? AND message_id = ?)",
                (rumour_id, chat_id, message_id),
            )
        async with conn.execute("SELECT * FROM rumours WHERE id = ?", (rumour_id,)) as found:
            row = await found.fetchone()
    return changed, (_rumour(row) if row is not None else None)


async def send_counter(
    conn: aiosqlite.Connection, rumour_id: int, text: str, label: str, by: int, now: datetime
) -> bool:
    """Record the counter-message inside the caller's transaction (which queues it); False
    when one was sent already (a double press, or another host first)."""
    if label not in LABELS:
        raise ValueError(f"not a label: {label}")
    cursor = await conn.execute(
        "UPDATE rumours SET counter_text = ?, counter_label = ?, counter_by = ?,"
        " counter_sent_at = ?, updated_at = ? WHERE id = ? AND counter_sent_at IS NULL",
        (text, label, by, stamp(now), stamp(now), rumour_id),
    )
    if cursor.rowcount != 1:
        return False
    await conn.execute(
        "UPDATE rumour_cards SET stale = stale + 1 WHERE rumour_id = ?", (rumour_id,)
    )
    return True


# --- each host's copy ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    chat_id: int
    message_id: int
    rumour_id: int
    stale: int  # changes since it was last brought up to date


async def record_card(db: Database, chat_id: int, message_id: int, rumour_id: int) -> bool:
    """A copy that went out; whether the rumour changed since it was queued (judged,
    answered, its raiser's data deleted), read in the same statement, so a change committed
    meanwhile is never missed. True: the copy is to be edited."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO rumour_cards (chat_id, message_id, rumour_id, stale)"
            " SELECT ?, ?, id, (updated_at <> created_at OR text IS NULL) FROM rumours"
            " WHERE id = ? ON CONFLICT (chat_id, message_id) DO NOTHING RETURNING stale",
            (chat_id, message_id, rumour_id),
        )
        row = await cursor.fetchone()
    return bool(row and row[0])


async def card_edited_here(db: Database, chat_id: int, message_id: int, rumour_id: int) -> None:
    """A copy its handler just edited to show the rumour as it is: recorded as up to date."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO rumour_cards (chat_id, message_id, rumour_id, stale)"
            " SELECT ?, ?, id, 0 FROM rumours WHERE id = ?"
            " ON CONFLICT (chat_id, message_id) DO UPDATE SET stale = 0",
            (chat_id, message_id, rumour_id),
        )


async def stale_cards(db: Database, limit: int = 200) -> list[Card]:
    rows = await db.fetch_all(
        "SELECT chat_id, message_id, rumour_id, stale FROM rumour_cards WHERE stale > 0"
        " ORDER BY rumour_id, chat_id LIMIT ?",
        (limit,),
    )
    return [Card(**dict(row)) for row in rows]


async def card_shown(db: Database, card: Card) -> None:
    """The copy shows the rumour as it was read with `card`: up to date, unless it changed
    again since."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE rumour_cards SET stale = 0 WHERE chat_id = ? AND message_id = ? AND stale = ?",
            (card.chat_id, card.message_id, card.stale),
        )


# --- privacy ------------------------------------------------------------------------------------


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person. As the raiser: the rumour's text and their id go, and every
    host's copy is marked to be edited to say so (what is left – a network, a verdict, a sent
    counter-message – names nobody, and goes with the retention window). As a host: their id
    as judge or sender, and the copies they received."""
    await conn.execute(
        "UPDATE rumour_cards SET stale = stale + 1 WHERE rumour_id IN"
        " (SELECT id FROM rumours WHERE raised_by = ?)",
        (user_id,),
    )
    cursor = await conn.execute(
        "UPDATE rumours SET raised_by = NULL, text = NULL WHERE raised_by = ?", (user_id,)
    )
    removed = cursor.rowcount
    for column in ("judged_by", "counter_by"):
        cursor = await conn.execute(
            f"UPDATE rumours SET {column} = NULL WHERE {column} = ?", (user_id,)
        )
        removed += cursor.rowcount
    cursor = await conn.execute("DELETE FROM rumour_cards WHERE chat_id = ?", (user_id,))
    return removed + cursor.rowcount


async def drop_old(db: Database, before: datetime, batch: int) -> int:
    """The retention step: up to `batch` rumours last changed before `before` go, with their
    copies' rows; returns how many."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM rumours WHERE id IN"
            " (SELECT id FROM rumours WHERE updated_at < ? ORDER BY id LIMIT ?)",
            (stamp(before), batch),
        )
    return cursor.rowcount

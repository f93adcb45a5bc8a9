"""Signals: a member's short report to the hosts of their network, its status, and each host's
copy of its card (migration 0020).

A status changes once: `take` and `close` are conditional updates, so of two hosts who press at
the same moment one wins and the other learns who did. Every change bumps `rev`; a card whose
`shown_rev` is behind is edited to show it (`domain.signals.settle_cards`).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from storage.database import Database

OPEN = ("received", "looking")


@dataclass(frozen=True)
class NewSignal:
    network_id: int
    reporter_id: int
    anonymous: bool
    danger_now: bool
    what: str
    place: str | None
    latitude: float | None
    longitude: float | None
    happened: str  # now, today, earlier, typed
    happened_text: str | None
    urgency: str  # low, today, urgent


@dataclass(frozen=True)
class Signal:
    id: int
    network_id: int
    reporter_id: int
    anonymous: bool
    danger_now: bool
    what: str
    place: str | None
    latitude: float | None
    longitude: float | None
    happened: str
    happened_text: str | None
    urgency: str
    status: str
    answers: int
    created_at: str
    updated_at: str
    taken_by: int | None
    taken_at: str | None
    closed_by: int | None
    closed_at: str | None
    closing_word: str | None
    rev: int

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class Card:
    chat_id: int
    message_id: int
    signal_id: int
    shown_rev: int


def _signal(row: sqlite3.Row) -> Signal:
    values = dict(row)
    values["anonymous"] = bool(values["anonymous"])
    values["danger_now"] = bool(values["danger_now"])
    return Signal(**values)


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


async def add(db: Database, new: NewSignal, now: datetime) -> Signal:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO signals (network_id, reporter_id, anonymous, danger_now, what, place,"
            " latitude, longitude, happened, happened_text, urgency, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                new.network_id,
                new.reporter_id,
                int(new.anonymous),
                int(new.danger_now),
                new.what,
                new.place,
                new.latitude,
                new.longitude,
                new.happened,
                new.happened_text,
                new.urgency,
                stamp(now),
                stamp(now),
            ),
        )
        signal_id = cursor.lastrowid
    found = await get(db, int(signal_id or 0))
    assert found is not None
    return found


async def get(db: Database, signal_id: int) -> Signal | None:
    row = await db.fetch_one("SELECT * FROM signals WHERE id = ?", (signal_id,))
    return _signal(row) if row is not None else None


async def take(db: Database, signal_id: int, host_id: int, now: datetime) -> bool:
    """Received → being looked at, by `host_id`; False when it was not waiting any more."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE signals SET status = 'looking', taken_by = ?, taken_at = ?, updated_at = ?,"
            " rev = rev + 1 WHERE id = ? AND status = 'received'",
            (host_id, stamp(now), stamp(now), signal_id),
        )
    return cursor.rowcount == 1


async def answered(db: Database, signal_id: int, host_id: int, now: datetime) -> bool:
    """A host answered: counted; an answer to a signal nobody took yet takes it. False when it
    is closed."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE signals SET answers = answers + 1, updated_at = ?, rev = rev + 1,"
            " status = 'looking', taken_by = coalesce(taken_by, ?),"
            " taken_at = coalesce(taken_at, ?) WHERE id = ? AND status IN ('received', 'looking')",
            (stamp(now), host_id, stamp(now), signal_id),
        )
    return cursor.rowcount == 1


async def close(
    db: Database, signal_id: int, host_id: int, word: str | None, now: datetime
) -> bool:
    """Closed by `host_id`, with an optional closing word; False when it was closed already."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE signals SET status = 'closed', closed_by = ?, closed_at = ?, closing_word = ?,"
            " updated_at = ?, rev = rev + 1 WHERE id = ? AND status IN ('received', 'looking')",
            (host_id, stamp(now), word, stamp(now), signal_id),
        )
    return cursor.rowcount == 1


async def open_in(db: Database, network_ids: list[int], limit: int = 1000) -> list[Signal]:
    """The open signals of these networks: urgent first, then the newest."""
    if not network_ids:
        return []
    marks = ", ".join("?" for _ in network_ids)
    rows = await db.fetch_all(
        f"SELECT * FROM signals WHERE network_id IN ({marks}) AND status IN ('received', 'looking')"
        " ORDER BY (urgency = 'urgent') DESC, id DESC LIMIT ?",
        (*network_ids, limit),
    )
    return [_signal(row) for row in rows]


# --- the hosts' copies ---------------------------------------------------------------------------


async def record_card(
    db: Database, chat_id: int, message_id: int, signal_id: int, rev: int
) -> None:
    """A copy Telegram confirmed, showing `rev`."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO signal_cards (chat_id, message_id, signal_id, shown_rev)"
            " SELECT ?, ?, id, ? FROM signals WHERE id = ?"
            " ON CONFLICT (chat_id, message_id) DO UPDATE SET shown_rev = excluded.shown_rev",
            (chat_id, message_id, rev, signal_id),
        )


async def stale_cards(db: Database, limit: int = 200) -> list[tuple[Card, Signal]]:
    """Copies that show an older state than their signal's."""
    rows = await db.fetch_all(
        "SELECT c.chat_id AS c_chat, c.message_id AS c_message, c.shown_rev AS c_rev, s.*"
        " FROM signal_cards c JOIN signals s ON s.id = c.signal_id"
        " WHERE c.shown_rev < s.rev ORDER BY c.signal_id, c.chat_id LIMIT ?",
        (limit,),
    )
    found = []
    for row in rows:
        values = {k: row[k] for k in row.keys() if not k.startswith("c_")}
        card = Card(row["c_chat"], row["c_message"], row["id"], row["c_rev"])
        found.append((card, _signal_of(values)))
    return found


def _signal_of(values: dict[str, Any]) -> Signal:
    values["anonymous"] = bool(values["anonymous"])
    values["danger_now"] = bool(values["danger_now"])
    return Signal(**values)


async def card_shown(db: Database, chat_id: int, message_id: int, rev: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE signal_cards SET shown_rev = max(shown_rev, ?)"
            " WHERE chat_id = ? AND message_id = ?",
            (rev, chat_id, message_id),
        )


async def cards_of(db: Database, signal_id: int) -> list[Card]:
    rows = await db.fetch_all(
        "SELECT * FROM signal_cards WHERE signal_id = ? ORDER BY chat_id, message_id",
        (signal_id,),
    )
    return [Card(**dict(row)) for row in rows]


# --- privacy -------------------------------------------------------------------------------------


async def data_of(db: Database, user_id: int) -> list[dict[str, Any]]:
    """/mydata: the signals this person sent (not who handled them)."""
    rows = await db.fetch_all(
        "SELECT s.*, n.name AS network FROM signals s LEFT JOIN networks n ON n.id = s.network_id"
        " WHERE s.reporter_id = ? ORDER BY s.id",
        (user_id,),
    )
    return [
        {
            "network": row["network"],
            "sent_at": row["created_at"],
            "danger_now": bool(row["danger_now"]),
            "what": row["what"],
            "where": row["place"],
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "when": row["happened_text"] or row["happened"],
            "urgency": row["urgency"],
            "without_your_name": bool(row["anonymous"]),
            "status": row["status"],
            "answers_received": row["answers"],
            "closed_at": row["closed_at"],
            "closing_word": row["closing_word"],
        }
        for row in rows
    ]


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: the signals they sent (their cards go along), the copies
    they received as a host, and their id as the host who handled one."""
    cursor = await conn.execute("DELETE FROM signals WHERE reporter_id = ?", (user_id,))
    removed = cursor.rowcount
    cursor = await conn.execute("DELETE FROM signal_cards WHERE chat_id = ?", (user_id,))
    removed += cursor.rowcount
    for column in ("taken_by", "closed_by"):
        cursor = await conn.execute(
            f"UPDATE signals SET {column} = NULL WHERE {column} = ?",
            (user_id,),
        )
        removed += cursor.rowcount
    return removed


async def drop_old(db: Database, before: datetime, batch: int) -> tuple[int, bool]:
    """Signals closed (or, never closed, last changed) before `before` go, with their cards;
    returns how many and whether more may wait."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM signals WHERE id IN (SELECT id FROM signals"
            " WHERE coalesce(closed_at, updated_at) < ? LIMIT ?)",
            (stamp(before), batch),
        )
    return cursor.rowcount, cursor.rowcount == batch

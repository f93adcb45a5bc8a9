"""Meetings: a network's meal meetings, their timeline steps, polls, answers, topics and drafts.

A meeting is planned in one go; its timeline steps are claimed with `take_step` in the same
transaction as the deliveries they queue, so a step is done at most once per round, whatever
restarts. Rescheduling starts a new round: answers are cleared and the steps come again.
Agreed actions are in `storage.actions`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from storage import deliveries
from storage.database import Database
from storage.deliveries import NewDelivery


@dataclass(frozen=True)
class Meeting:
    id: int
    network_id: int
    starts_at: str
    venue_kind: str
    venue_name: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    meal_note: str | None
    status: str
    poll_days: int
    remind_days: int
    deadline_days: int
    round: int
    planned_at: str
    created_by: int | None
    created_at: str
    cancelled_at: str | None
    attendance_confirmed_at: str | None
    next_look_at: str | None = None  # see to_look_at

    @property
    def start(self) -> datetime:
        return datetime.fromisoformat(self.starts_at)

    @property
    def is_planned(self) -> bool:
        return self.status == "planned"


@dataclass(frozen=True)
class Venue:
    address: str
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class Answer:
    """A current member of the meeting's network and what they answered (None: nothing)."""

    user_id: int
    display_name: str | None
    role: str
    diet: str | None
    answer: str | None
    attended: bool | None


@dataclass(frozen=True)
class Poll:
    poll_id: str
    meeting_id: int
    round: int
    chat_id: int
    message_id: int
    closed_at: str | None


@dataclass(frozen=True)
class Topic:
    id: int
    meeting_id: int
    user_id: int | None
    text: str
    anonymous: bool
    created_at: str
    display_name: str | None


@dataclass(frozen=True)
class Draft:
    user_id: int
    kind: str
    step: str
    network_id: int | None
    meeting_id: int | None
    data: dict[str, Any]
    updated_at: str


def _meeting(row: sqlite3.Row) -> Meeting:
    return Meeting(**dict(row))


# --- venues ------------------------------------------------------------------------------------


async def venue(db: Database, network_id: int, kind: str) -> Venue | None:
    row = await db.fetch_one(
        "SELECT address, latitude, longitude FROM meeting_venues WHERE network_id = ? AND kind = ?",
        (network_id, kind),
    )
    return Venue(**dict(row)) if row is not None else None


async def remember_venue(db: Database, network_id: int, kind: str, place: Venue) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO meeting_venues (network_id, kind, address, latitude, longitude)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (network_id, kind) DO UPDATE SET"
            " address = excluded.address, latitude = excluded.latitude,"
            " longitude = excluded.longitude",
            (network_id, kind, place.address, place.latitude, place.longitude),
        )


# --- meetings ----------------------------------------------------------------------------------


async def create(
    db: Database,
    *,
    network_id: int,
    starts_at: datetime,
    venue_kind: str,
    venue_name: str | None,
    place: Venue | None,
    meal_note: str | None,
    created_by: int,
    now: datetime,
    lead_days: tuple[int, int, int] = (21, 7, 3),
) -> Meeting:
    """A planned meeting; `lead_days` are the poll, reminder and deadline days before it."""
    async with db.transaction() as conn:
        async with conn.execute(
            "INSERT INTO meetings (network_id, starts_at, venue_kind, venue_name, address,"
            " latitude, longitude, meal_note, planned_at, created_by, created_at,"
            " poll_days, remind_days, deadline_days)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
            (
                network_id,
                starts_at.isoformat(),
                venue_kind,
                venue_name,
                place.address if place else None,
                place.latitude if place else None,
                place.longitude if place else None,
                meal_note,
                now.isoformat(),
                created_by,
                now.isoformat(),
                *lead_days,
            ),
        ) as cursor:
            row = await cursor.fetchone()
    assert row is not None
    return _meeting(row)


async def get(db: Database, meeting_id: int) -> Meeting | None:
    row = await db.fetch_one("SELECT * FROM meetings WHERE id = ?", (meeting_id,))
    return _meeting(row) if row is not None else None


async def planned(db: Database) -> list[Meeting]:
    """Every meeting not cancelled whose timeline may still have steps to take."""
    rows = await db.fetch_all(
        "SELECT * FROM meetings WHERE status = 'planned' AND attendance_confirmed_at IS NULL"
        " ORDER BY starts_at, id"
    )
    return [_meeting(row) for row in rows]


NEVER = datetime(9999, 12, 31, tzinfo=UTC)  # next_look_at once no step is left


def _look_key(when: datetime) -> str:
    """next_look_at as stored: UTC to the second, so the text compares like the time."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


async def to_look_at(db: Database, until: datetime) -> list[Meeting]:
    """The running meetings whose next look falls by `until` (or is not known yet), by index:
    with a year of history behind and nothing due, none."""
    rows = await db.fetch_all(
        "SELECT * FROM meetings WHERE status = 'planned' AND attendance_confirmed_at IS NULL"
        " AND coalesce(next_look_at, '') <= ? ORDER BY coalesce(next_look_at, ''), id",
        (_look_key(until),),
    )
    return [_meeting(row) for row in rows]


async def set_next_look(db: Database, meeting_id: int, when: datetime) -> None:
    """Note when the sweep should next look at the meeting (only when it changed)."""
    key = _look_key(when)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE meetings SET next_look_at = ? WHERE id = ? AND next_look_at IS NOT ?",
            (key, meeting_id, key),
        )


async def of_network(
    db: Database, network_id: int, *, after: datetime | None = None, include_cancelled: bool = False
) -> list[Meeting]:
    rows = await db.fetch_all(
        "SELECT * FROM meetings WHERE network_id = ? AND (? OR status = 'planned')"
        " AND (? IS NULL OR starts_at > ?) ORDER BY starts_at, id",
        (
            network_id,
            include_cancelled,
            after.isoformat() if after else None,
            after.isoformat() if after else None,
        ),
    )
    return [_meeting(row) for row in rows]


async def reschedule(
    db: Database, meeting_id: int, starts_at: datetime, items: list[NewDelivery], now: datetime
) -> Meeting | None:
    """A new date: a new round (answers cleared, steps again); queue `items` with it."""
    async with db.transaction() as conn:
        async with conn.execute(
            "UPDATE meetings SET starts_at = ?, round = round + 1, planned_at = ?,"
            " next_look_at = NULL WHERE id = ? AND status = 'planned' RETURNING *",
            (starts_at.isoformat(), now.isoformat(), meeting_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        await conn.execute(
            "UPDATE attendance SET answer = NULL, answered_at = NULL WHERE meeting_id = ?",
            (meeting_id,),
        )
        await deliveries.add_many(conn, items, now)
    return _meeting(row)


async def cancel(
    db: Database, meeting_id: int, items: list[NewDelivery], now: datetime
) -> Meeting | None:
    async with db.transaction() as conn:
        async with conn.execute(
            "UPDATE meetings SET status = 'cancelled', cancelled_at = ?"
            " WHERE id = ? AND status = 'planned' RETURNING *",
            (now.isoformat(), meeting_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        await deliveries.add_many(conn, items, now)
    return _meeting(row)


# --- the timeline ------------------------------------------------------------------------------


async def steps_done(db: Database, meeting_id: int, round_: int) -> set[str]:
    rows = await db.fetch_all(
        "SELECT step FROM meeting_steps WHERE meeting_id = ? AND round = ?", (meeting_id, round_)
    )
    return {row["step"] for row in rows}


async def steps_done_of(db: Database, meetings: Iterable[Meeting]) -> dict[int, set[str]]:
    """The steps done in the current round of many meetings, in few queries."""
    rounds = {m.id: m.round for m in meetings}
    done: dict[int, set[str]] = {meeting_id: set() for meeting_id in rounds}
    ids = list(rounds)
    for start in range(0, len(ids), 500):  # SQLite limits the parameters of one query
        part = ids[start : start + 500]
        rows = await db.fetch_all(
            "SELECT meeting_id, round, step FROM meeting_steps"
            f" WHERE meeting_id IN ({','.join('?' * len(part))})",
            part,
        )
        for row in rows:
            if rounds[row["meeting_id"]] == row["round"]:
                done[row["meeting_id"]].add(row["step"])
    return done


async def take_step(
    db: Database,
    meeting: Meeting,
    step: str,
    items: Iterable[NewDelivery],
    now: datetime,
    *,
    prefill_attended: bool = False,
) -> bool:
    """Claim a step of the meeting's current round and queue its messages; False if it was
    done before, or the meeting was cancelled or rescheduled meanwhile."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT 1 FROM meetings WHERE id = ? AND status = 'planned' AND round = ?",
            (meeting.id, meeting.round),
        ) as cursor:
            if await cursor.fetchone() is None:
                return False
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO meeting_steps (meeting_id, round, step, done_at)"
            " VALUES (?, ?, ?, ?)",
            (meeting.id, meeting.round, step, now.isoformat()),
        )
        if cursor.rowcount == 0:
            return False
        await deliveries.add_many(conn, list(items), now)
        if prefill_attended:  # the hosts' list starts from who said yes
            await conn.execute(
                "UPDATE attendance SET attended = (answer = 'yes')"
                " WHERE meeting_id = ? AND attended IS NULL",
                (meeting.id,),
            )
    return True


# --- polls ---------------------------------------------------------------------------------------


def _poll(row: sqlite3.Row) -> Poll:
    return Poll(**dict(row))


async def record_poll(
    db: Database, poll_id: str, meeting_id: int, round_: int, chat_id: int, message_id: int
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO meeting_polls (poll_id, meeting_id, round, chat_id, message_id)"
            " VALUES (?, ?, ?, ?, ?)",
            (poll_id, meeting_id, round_, chat_id, message_id),
        )


async def poll(db: Database, poll_id: str) -> Poll | None:
    row = await db.fetch_one("SELECT * FROM meeting_polls WHERE poll_id = ?", (poll_id,))
    return _poll(row) if row is not None else None


async def open_polls(db: Database, meeting_id: int) -> list[Poll]:
    rows = await db.fetch_all(
        "SELECT * FROM meeting_polls WHERE meeting_id = ? AND closed_at IS NULL", (meeting_id,)
    )
    return [_poll(row) for row in rows]


async def close_polls(
    db: Database,
    meeting_id: int,
    build: Any,
    now: datetime,
    *,
    round_: int | None = None,
    also: Iterable[NewDelivery] = (),
) -> int:
    """Mark the meeting's open polls closed (of one round, or all) and queue `build(poll)` for
    each – the stopPoll deliveries – in one transaction, with `also` if any closed; returns how
    many."""
    async with db.transaction() as conn:
        async with conn.execute(
            "UPDATE meeting_polls SET closed_at = ? WHERE meeting_id = ? AND closed_at IS NULL"
            " AND (? IS NULL OR round = ?) RETURNING *",
            (now.isoformat(), meeting_id, round_, round_),
        ) as cursor:
            closed = [_poll(row) for row in await cursor.fetchall()]
        extra = list(also) if closed else []
        await deliveries.add_many(conn, [build(p) for p in closed] + extra, now)
    return len(closed)


# --- answers -------------------------------------------------------------------------------------


async def answers(db: Database, meeting: Meeting) -> list[Answer]:
    """Every approved member of the meeting's network with their answer: removed members are
    not in it, so they drop out of headcounts."""
    rows = await db.fetch_all(
        "SELECT m.user_id, m.display_name, m.role, m.diet, a.answer, a.attended"
        " FROM memberships m LEFT JOIN attendance a"
        "   ON a.meeting_id = ? AND a.user_id = m.user_id"
        " WHERE m.network_id = ? AND m.status = 'approved'"
        " ORDER BY m.display_name COLLATE NOCASE, m.user_id",
        (meeting.id, meeting.network_id),
    )
    return [
        Answer(
            user_id=row["user_id"],
            display_name=row["display_name"],
            role=row["role"],
            diet=row["diet"],
            answer=row["answer"],
            attended=None if row["attended"] is None else bool(row["attended"]),
        )
        for row in rows
    ]


async def set_answer(
    db: Database, meeting_id: int, user_id: int, answer: str | None, now: datetime
) -> None:
    """The member's answer (None: retracted) – from the poll or the buttons alike."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO attendance (meeting_id, user_id, answer, answered_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (meeting_id, user_id) DO UPDATE SET answer = excluded.answer,"
            " answered_at = excluded.answered_at",
            (meeting_id, user_id, answer, now.isoformat() if answer else None),
        )


async def set_attended(db: Database, meeting_id: int, user_id: int, attended: bool) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO attendance (meeting_id, user_id, attended) VALUES (?, ?, ?)"
            " ON CONFLICT (meeting_id, user_id) DO UPDATE SET attended = excluded.attended",
            (meeting_id, user_id, attended),
        )


async def confirm_attendance(db: Database, meeting: Meeting, now: datetime) -> bool:
    """A host confirms who came; those not ticked (and unset) count as not attended."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE meetings SET attendance_confirmed_at = coalesce(attendance_confirmed_at, ?)"
            " WHERE id = ?",
            (now.isoformat(), meeting.id),
        )
        await conn.execute(
            "INSERT OR IGNORE INTO attendance (meeting_id, user_id, attended)"
            " SELECT ?, user_id, 0 FROM memberships WHERE network_id = ? AND status = 'approved'",
            (meeting.id, meeting.network_id),
        )
        await conn.execute(
            "UPDATE attendance SET attended = 0 WHERE meeting_id = ? AND attended IS NULL",
            (meeting.id,),
        )
    return cursor.rowcount > 0


# --- topics --------------------------------------------------------------------------------------


async def add_topic(
    db: Database, meeting_id: int, user_id: int, text: str, anonymous: bool, now: datetime
) -> int:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO meeting_topics (meeting_id, user_id, text, anonymous, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (meeting_id, user_id, text, anonymous, now.isoformat()),
        )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def topics(db: Database, meeting: Meeting) -> list[Topic]:
    rows = await db.fetch_all(
        "SELECT t.*, m.display_name FROM meeting_topics t LEFT JOIN memberships m"
        " ON m.user_id = t.user_id AND m.network_id = ? WHERE t.meeting_id = ? ORDER BY t.id",
        (meeting.network_id, meeting.id),
    )
    return [Topic(**{**dict(row), "anonymous": bool(row["anonymous"])}) for row in rows]


# --- statistics ----------------------------------------------------------------------------------


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: answers and actions go by the foreign keys; meetings they
    planned stay, without the reference. (Drafts are conversations: storage.conversations.)"""
    total = 0
    for statement in (
        "UPDATE meetings SET created_by = NULL WHERE created_by = ?",
        "UPDATE actions SET created_by = NULL WHERE created_by = ?",
    ):
        cursor = await conn.execute(statement, (user_id,))
        total += cursor.rowcount
    return total


async def data_of(db: Database, user_id: int) -> dict[str, Any]:
    """A person's answers, topics and actions, for /mydata."""
    answers = await db.fetch_all(
        "SELECT m.starts_at AS meeting, a.answer, a.answered_at, a.attended"
        " FROM attendance a JOIN meetings m ON m.id = a.meeting_id WHERE a.user_id = ?"
        " ORDER BY m.starts_at",
        (user_id,),
    )
    topics = await db.fetch_all(
        "SELECT text, anonymous, created_at FROM meeting_topics WHERE user_id = ? ORDER BY id",
        (user_id,),
    )
    actions = await db.fetch_all(
        "SELECT what, due_on, status, done_at FROM actions WHERE owner_id = ? ORDER BY id",
        (user_id,),
    )
    return {
        "meeting_answers": [dict(row) for row in answers],
        "agenda_topics": [dict(row) for row in topics],
        "actions": [dict(row) for row in actions],
    }

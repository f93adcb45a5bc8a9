"""The mood pulse: pulses, who was asked while one is open, the answers, and each network's
schedule (migration 0022).

A person's id is kept only as long as it is needed: who was asked, until the pulse closes; who
answered, until it closes, unless they signed their answer; a signed answer's words and name
until the retention window ends (`drop_old_words`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from storage import deliveries
from storage.database import Database
from storage.deliveries import NewDelivery

KINDS = ("asked", "monthly", "after_incident")


def stamp(moment: datetime) -> str:
    """The text form the tables compare their moments in: ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Pulse:
    id: int
    network_id: int
    kind: str
    opened_at: str
    closes_at: str
    asked: int
    reminded_at: str | None
    closed_at: str | None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def open_at(self, now: datetime) -> bool:
        """Still taking answers at `now` (the closing job may not have run yet)."""
        return self.closed_at is None and stamp(now) < self.closes_at


@dataclass(frozen=True)
class Answer:
    pulse_id: int
    user_id: int | None
    mood: str
    words: str | None
    signed: bool
    answered_at: str


@dataclass(frozen=True)
class Schedule:
    network_id: int
    monthly: bool = False
    next_monthly_at: str | None = None
    after_incident: bool = True
    after_incident_at: str | None = None


@dataclass(frozen=True)
class Past:
    """A pulse as the network's history shows it: when, how many asked and answered, the moods."""

    pulse: Pulse
    answers: int
    moods: dict[str, int]


def _pulse(row: sqlite3.Row) -> Pulse:
    return Pulse(**dict(row))


def _answer(row: sqlite3.Row) -> Answer:
    values = dict(row)
    values.pop("id", None)
    values["signed"] = bool(values["signed"])
    return Answer(**values)


def _schedule(row: sqlite3.Row) -> Schedule:
    values = dict(row)
    values["monthly"] = bool(values["monthly"])
    values["after_incident"] = bool(values["after_incident"])
    return Schedule(**values)


# --- pulses ---------------------------------------------------------------------------------


async def open_pulse(
    db: Database,
    network_id: int,
    kind: str,
    asked: Iterable[int],
    now: datetime,
    closes_at: datetime,
    questions: Callable[[int], list[NewDelivery]],
) -> Pulse | None:
    """A new open pulse of `network_id` asking `asked`, with `questions(pulse id)` queued in
    the same transaction; None when the network has an open pulse already."""
    people = list(dict.fromkeys(asked))
    async with db.transaction() as conn:
        try:
            cursor = await conn.execute(
                "INSERT INTO pulses (network_id, kind, opened_at, closes_at, asked)"
                " VALUES (?, ?, ?, ?, ?)",
                (network_id, kind, stamp(now), stamp(closes_at), len(people)),
            )
        except sqlite3.IntegrityError:
            return None
        pulse_id = cursor.lastrowid
        assert pulse_id is not None
        await conn.executemany(
            "INSERT INTO pulse_asked (pulse_id, user_id) VALUES (?, ?)",
            [(pulse_id, user_id) for user_id in people],
        )
        await deliveries.add_many(conn, questions(pulse_id), now)
        async with conn.execute("SELECT * FROM pulses WHERE id = ?", (pulse_id,)) as found:
            row = await found.fetchone()
    assert row is not None
    return _pulse(row)


async def get(db: Database, pulse_id: int) -> Pulse | None:
    row = await db.fetch_one("SELECT * FROM pulses WHERE id = ?", (pulse_id,))
    return _pulse(row) if row is not None else None


async def open_of(db: Database, network_id: int) -> Pulse | None:
    row = await db.fetch_one(
        "SELECT * FROM pulses WHERE network_id = ? AND closed_at IS NULL", (network_id,)
    )
    return _pulse(row) if row is not None else None


async def open_pulses(db: Database) -> list[Pulse]:
    rows = await db.fetch_all("SELECT * FROM pulses WHERE closed_at IS NULL ORDER BY id")
    return [_pulse(row) for row in rows]


async def history(db: Database, network_id: int, *, offset: int, limit: int) -> list[Past]:
    """The network's closed pulses, newest first, with their numbers (no person in them)."""
    rows = await db.fetch_all(
        "SELECT * FROM pulses WHERE network_id = ? AND closed_at IS NOT NULL"
        " ORDER BY opened_at DESC, id DESC"
        " LIMIT ? OFFSET ?",
        (network_id, limit, offset),
    )
    found = []
    for row in rows:
        pulse = _pulse(row)
        counts = await db.fetch_all(
            "SELECT mood, count(*) AS n FROM pulse_answers WHERE pulse_id = ? GROUP BY mood",
            (pulse.id,),
        )
        moods = {count["mood"]: int(count["n"]) for count in counts}
        found.append(Past(pulse, sum(moods.values()), moods))
    return found


async def count(db: Database, network_id: int) -> int:
    """How many closed pulses the network has."""
    row = await db.fetch_one(
        "SELECT count(*) FROM pulses WHERE network_id = ? AND closed_at IS NOT NULL", (network_id,)
    )
    return int(row[0]) if row is not None else 0


# --- who was asked, and their answers --------------------------------------------------------


async def members(db: Database, network_id: int) -> list[int]:
    """The approved members of a network, to ask."""
    rows = await db.fetch_all(
        "SELECT user_id FROM memberships WHERE network_id = ? AND status = 'approved'"
        " ORDER BY user_id",
        (network_id,),
    )
    return [int(row[0]) for row in rows]


async def was_asked(db: Database, pulse_id: int, user_id: int) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM pulse_asked WHERE pulse_id = ? AND user_id = ?", (pulse_id, user_id)
    )
    return row is not None


async def not_answered(db: Database, pulse_id: int) -> list[int]:
    """Who was asked, is still an approved member, and has not answered."""
    rows = await db.fetch_all(
        "SELECT a.user_id FROM pulse_asked a JOIN pulses p ON p.id = a.pulse_id"
        " JOIN memberships m ON m.network_id = p.network_id AND m.user_id = a.user_id"
        " AND m.status = 'approved'"
        " WHERE a.pulse_id = ? AND a.user_id NOT IN"
        " (SELECT user_id FROM pulse_answers WHERE pulse_id = ? AND user_id IS NOT NULL)"
        " ORDER BY a.user_id",
        (pulse_id, pulse_id),
    )
    return [int(row[0]) for row in rows]


async def answer_of(db: Database, pulse_id: int, user_id: int) -> Answer | None:
    row = await db.fetch_one(
        "SELECT * FROM pulse_answers WHERE pulse_id = ? AND user_id = ?", (pulse_id, user_id)
    )
    return _answer(row) if row is not None else None


async def answers(db: Database, pulse_id: int) -> list[Answer]:
    rows = await db.fetch_all(
        "SELECT * FROM pulse_answers WHERE pulse_id = ? ORDER BY answered_at, id", (pulse_id,)
    )
    return [_answer(row) for row in rows]


async def answered_count(db: Database, pulse_id: int) -> int:
    row = await db.fetch_one("SELECT count(*) FROM pulse_answers WHERE pulse_id = ?", (pulse_id,))
    return int(row[0]) if row is not None else 0


_STILL_OPEN = "SELECT 1 FROM pulses WHERE id = ? AND closed_at IS NULL AND closes_at > ?"


async def _still_open(conn: aiosqlite.Connection, pulse_id: int, now: datetime) -> bool:
    async with conn.execute(_STILL_OPEN, (pulse_id, stamp(now))) as cursor:
        return await cursor.fetchone() is not None


async def save_mood(db: Database, pulse_id: int, user_id: int, mood: str, now: datetime) -> bool:
    """`user_id`'s mood (a new answer, or a changed one); False when the pulse has closed."""
    async with db.transaction() as conn:
        if not await _still_open(conn, pulse_id, now):
            return False
        await conn.execute(
            "INSERT INTO pulse_answers (pulse_id, user_id, mood, answered_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (pulse_id, user_id) DO UPDATE SET mood = excluded.mood,"
            " answered_at = excluded.answered_at",
            (pulse_id, user_id, mood, stamp(now)),
        )
    return True


async def change_answer(
    db: Database, pulse_id: int, user_id: int, now: datetime, **fields: Any
) -> bool:
    """Set `words` or `signed` of an answer given; False when the pulse has closed or there is
    no answer to change."""
    allowed = {"words", "signed"}
    if not fields or set(fields) - allowed:
        raise ValueError(f"only {allowed} change")
    sets = ", ".join(f"{name} = ?" for name in fields)
    async with db.transaction() as conn:
        if not await _still_open(conn, pulse_id, now):
            return False
        cursor = await conn.execute(
            f"UPDATE pulse_answers SET {sets} WHERE pulse_id = ? AND user_id = ?",
            (*fields.values(), pulse_id, user_id),
        )
        return cursor.rowcount > 0


async def mark_reminded(
    db: Database, pulse_id: int, now: datetime, items: list[NewDelivery]
) -> bool:
    """The one reminder, queued; False when it went already or the pulse closed."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE pulses SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL"
            " AND closed_at IS NULL",
            (stamp(now), pulse_id),
        )
        if cursor.rowcount == 0:
            return False
        await deliveries.add_many(conn, items, now)
    return True


async def close(db: Database, pulse_id: int, now: datetime, items: list[NewDelivery]) -> bool:
    """Close an open pulse with its tally queued: who was asked goes, and unsigned answers
    lose who gave them. False when it was closed already."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE pulses SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
            (stamp(now), pulse_id),
        )
        if cursor.rowcount == 0:
            return False
        await conn.execute("DELETE FROM pulse_asked WHERE pulse_id = ?", (pulse_id,))
        await conn.execute(
            "UPDATE pulse_answers SET user_id = NULL WHERE pulse_id = ? AND signed = 0",
            (pulse_id,),
        )
        await deliveries.add_many(conn, items, now)
    return True


# --- schedules ------------------------------------------------------------------------------


async def schedule_of(db: Database, network_id: int) -> Schedule:
    """The network's schedule; the defaults when it never changed one."""
    row = await db.fetch_one("SELECT * FROM pulse_schedules WHERE network_id = ?", (network_id,))
    return _schedule(row) if row is not None else Schedule(network_id)


async def schedules(db: Database) -> list[Schedule]:
    """The schedules with something due: a monthly pulse, or one after an alert."""
    rows = await db.fetch_all(
        "SELECT * FROM pulse_schedules WHERE (monthly = 1 AND next_monthly_at IS NOT NULL)"
        " OR (after_incident = 1 AND after_incident_at IS NOT NULL) ORDER BY network_id"
    )
    return [_schedule(row) for row in rows]


async def set_monthly(db: Database, network_id: int, on: bool, next_at: datetime | None) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO pulse_schedules (network_id, monthly, next_monthly_at) VALUES (?, ?, ?)"
            " ON CONFLICT (network_id) DO UPDATE SET monthly = excluded.monthly,"
            " next_monthly_at = excluded.next_monthly_at",
            (network_id, int(on), stamp(next_at) if next_at else None),
        )


async def set_after_incident(db: Database, network_id: int, on: bool) -> None:
    """Switch the pulse after an alert closes; switched off, one already due is dropped."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO pulse_schedules (network_id, after_incident) VALUES (?, ?)"
            " ON CONFLICT (network_id) DO UPDATE SET after_incident = excluded.after_incident,"
            " after_incident_at = CASE WHEN excluded.after_incident = 1"
            " THEN after_incident_at END",
            (network_id, int(on)),
        )


async def plan_after_incident(db: Database, network_id: int, at: datetime) -> bool:
    """A pulse due at `at` after an alert closed, if the network has that switched on; a
    later one replaces an earlier one still waiting (one pulse after a busy week). False
    when switched off."""
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO pulse_schedules (network_id) VALUES (?) ON CONFLICT DO NOTHING",
            (network_id,),
        )
        cursor = await conn.execute(
            "UPDATE pulse_schedules SET after_incident_at ="
            " max(coalesce(after_incident_at, ''), ?) WHERE network_id = ? AND after_incident = 1",
            (stamp(at), network_id),
        )
        return cursor.rowcount > 0


async def take_after_incident(db: Database, network_id: int, now: datetime) -> bool:
    """The pulse after an alert is due now: taken (cleared), once; False if it is not due."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE pulse_schedules SET after_incident_at = NULL WHERE network_id = ?"
            " AND after_incident = 1 AND after_incident_at IS NOT NULL"
            " AND after_incident_at <= ?",
            (network_id, stamp(now)),
        )
        return cursor.rowcount > 0


async def take_monthly(db: Database, network_id: int, now: datetime, next_at: datetime) -> bool:
    """The monthly pulse is due now: taken, the next one set to `next_at`; False if not due."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE pulse_schedules SET next_monthly_at = ? WHERE network_id = ?"
            " AND monthly = 1 AND next_monthly_at IS NOT NULL AND next_monthly_at <= ?",
            (stamp(next_at), network_id, stamp(now)),
        )
        return cursor.rowcount > 0


# --- privacy --------------------------------------------------------------------------------


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: their open and signed answers, and that they were asked.
    (An unsigned answer of a closed pulse carries nobody's id: it is nobody's any more.)"""
    cursor = await conn.execute("DELETE FROM pulse_answers WHERE user_id = ?", (user_id,))
    removed = cursor.rowcount
    cursor = await conn.execute("DELETE FROM pulse_asked WHERE user_id = ?", (user_id,))
    return removed + cursor.rowcount


async def data_of(db: Database, user_id: int) -> list[dict[str, Any]]:
    """For /mydata: their answers still linked to them (open, or signed)."""
    rows = await db.fetch_all(
        "SELECT n.name AS network, p.opened_at, p.closes_at, p.closed_at, a.mood, a.words,"
        " a.signed, a.answered_at FROM pulse_answers a JOIN pulses p ON p.id = a.pulse_id"
        " JOIN networks n ON n.id = p.network_id WHERE a.user_id = ? ORDER BY a.answered_at",
        (user_id,),
    )
    return [
        {
            "network": row["network"],
            "asked_at": row["opened_at"],
            "open": row["closed_at"] is None,
            "mood": row["mood"],
            "words": row["words"],
            "with_your_name": bool(row["signed"]),
            "answered_at": row["answered_at"],
        }
        for row in rows
    ]


async def drop_old_words(conn: aiosqlite.Connection, before: datetime, batch: int) -> int:
    """Retention: the words and signatures of answers of closed pulses given before `before`
    go (the mood stays, as a number of the network's history); returns how many changed."""
    cursor = await conn.execute(
        "UPDATE pulse_answers SET words = NULL, signed = 0, user_id = NULL WHERE id IN"
        " (SELECT a.id FROM pulse_answers a JOIN pulses p ON p.id = a.pulse_id"
        " WHERE p.closed_at IS NOT NULL AND a.answered_at < ?"
        " AND (a.words IS NOT NULL OR a.user_id IS NOT NULL) LIMIT ?)",
        (stamp(before), batch),
    )
    return cursor.rowcount

"""Closing reminders: how often an open incident reminded its sender to close it, and when
"Later" asked for the next one. The reminder's messages are queued in the same transaction as
the count, claimed with a conditional write, so a restart or a double run never sends one twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from storage import deliveries
from storage.database import Database
from storage.deliveries import NewDelivery


@dataclass(frozen=True)
class Reminded:
    incident_id: int
    sent: int
    last_at: str
    next_at: str | None


def _reminded(row: sqlite3.Row) -> Reminded:
    return Reminded(**dict(row))


async def get(db: Database, incident_id: int) -> Reminded | None:
    row = await db.fetch_one(
        "SELECT * FROM incident_closing_reminders WHERE incident_id = ?", (incident_id,)
    )
    return _reminded(row) if row is not None else None


async def of_incidents(db: Database, incident_ids: Iterable[int]) -> dict[int, Reminded]:
    """The reminder rows of these incidents, in one read (those never reminded are absent)."""
    ids = list(incident_ids)
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = await db.fetch_all(
        f"SELECT * FROM incident_closing_reminders WHERE incident_id IN ({marks})", ids
    )
    return {row["incident_id"]: _reminded(row) for row in rows}


async def record(
    db: Database, incident_id: int, sent_before: int, items: list[NewDelivery], now: datetime
) -> bool:
    """Claim reminder number `sent_before + 1` of an open incident and queue its messages;
    False if it was sent already (another run) or the incident is closed."""
    stamp = now.isoformat()
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT 1 FROM incidents WHERE id = ? AND status = 'open'", (incident_id,)
        ) as cursor:
            if await cursor.fetchone() is None:
                return False
        if sent_before == 0:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO incident_closing_reminders (incident_id, sent, last_at)"
                " VALUES (?, 1, ?)",
                (incident_id, stamp),
            )
        else:
            cursor = await conn.execute(
                "UPDATE incident_closing_reminders SET sent = sent + 1, last_at = ?,"
                " next_at = NULL WHERE incident_id = ? AND sent = ?",
                (stamp, incident_id, sent_before),
            )
        if cursor.rowcount == 0:
            return False
        await deliveries.add_many(conn, items, now)
    return True


async def postpone(db: Database, incident_id: int, when: datetime, most: int) -> bool:
    """ "Later": the next reminder at `when`; False once `most` reminders went out (or none)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE incident_closing_reminders SET next_at = ? WHERE incident_id = ? AND sent < ?",
            (when.isoformat(), incident_id, most),
        )
        return cursor.rowcount > 0

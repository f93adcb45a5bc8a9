"""Agreed actions: what a network agreed at a meeting, who does it, by when, and how it went.

The owner's reminders and the hosts' overdue notice are steps claimed with `take_step` in the
same transaction as their deliveries, so none is sent twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from storage import deliveries
from storage.database import Database
from storage.deliveries import NewDelivery


@dataclass(frozen=True)
class AgreedAction:
    id: int
    network_id: int
    meeting_id: int | None
    what: str
    owner_id: int | None
    due_on: str
    status: str
    created_by: int | None
    created_at: str
    progress_at: str | None
    done_at: str | None
    owner_name: str | None

    @property
    def due(self) -> date:
        return date.fromisoformat(self.due_on)

    @property
    def is_open(self) -> bool:
        return self.status != "done"


_SELECT = (
    "SELECT a.*, m.display_name AS owner_name FROM actions a"
    " LEFT JOIN memberships m ON m.network_id = a.network_id AND m.user_id = a.owner_id"
)


def _action(row: sqlite3.Row) -> AgreedAction:
    return AgreedAction(**dict(row))


async def create(
    db: Database,
    *,
    network_id: int,
    meeting_id: int | None,
    what: str,
    owner_id: int,
    due_on: date,
    created_by: int,
    build: Callable[[int], list[NewDelivery]],
    now: datetime,
) -> int:
    """Record the action and queue `build(its id)` – the owner's message – with it."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO actions (network_id, meeting_id, what, owner_id, due_on, created_by,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                network_id,
                meeting_id,
                what,
                owner_id,
                due_on.isoformat(),
                created_by,
                now.isoformat(),
            ),
        )
        assert cursor.lastrowid is not None
        action_id = cursor.lastrowid
        await deliveries.add_many(conn, build(action_id), now)
    return action_id


async def get(db: Database, action_id: int) -> AgreedAction | None:
    row = await db.fetch_one(f"{_SELECT} WHERE a.id = ?", (action_id,))
    return _action(row) if row is not None else None


async def of_network(db: Database, network_id: int) -> list[AgreedAction]:
    rows = await db.fetch_all(
        f"{_SELECT} WHERE a.network_id = ? ORDER BY a.status = 'done', a.due_on, a.id",
        (network_id,),
    )
    return [_action(row) for row in rows]


async def still_open(db: Database) -> list[AgreedAction]:
    rows = await db.fetch_all(f"{_SELECT} WHERE a.status <> 'done' ORDER BY a.due_on, a.id")
    return [_action(row) for row in rows]


async def open_from_before(db: Database, network_id: int, meeting_id: int) -> list[AgreedAction]:
    """Open actions of a network from other (earlier) meetings, for the agenda."""
    rows = await db.fetch_all(
        f"{_SELECT} WHERE a.network_id = ? AND a.status <> 'done'"
        " AND (a.meeting_id IS NULL OR a.meeting_id <> ?) ORDER BY a.due_on, a.id",
        (network_id, meeting_id),
    )
    return [_action(row) for row in rows]


async def set_status(
    db: Database,
    action_id: int,
    status: str,
    now: datetime,
    items: Iterable[NewDelivery] = (),
) -> bool:
    """In progress or done, and `items` (the news of it) queued with it; False if it was done
    already (then nothing is queued)."""
    column = "done_at" if status == "done" else "progress_at"
    async with db.transaction() as conn:
        cursor = await conn.execute(
            f"UPDATE actions SET status = ?, {column} = ? WHERE id = ? AND status <> 'done'",
            (status, now.isoformat(), action_id),
        )
        changed = cursor.rowcount > 0
        if changed:
            await deliveries.add_many(conn, list(items), now)
    return changed


async def steps_done(db: Database, action_id: int) -> set[str]:
    rows = await db.fetch_all("SELECT step FROM action_steps WHERE action_id = ?", (action_id,))
    return {row["step"] for row in rows}


async def take_step(
    db: Database, action_id: int, step: str, items: Iterable[NewDelivery], now: datetime
) -> bool:
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT 1 FROM actions WHERE id = ? AND status <> 'done'", (action_id,)
        ) as cursor:
            if await cursor.fetchone() is None:
                return False
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO action_steps (action_id, step, done_at) VALUES (?, ?, ?)",
            (action_id, step, now.isoformat()),
        )
        if cursor.rowcount == 0:
            return False
        await deliveries.add_many(conn, list(items), now)
    return True


async def on_time(db: Database, network_id: int) -> sqlite3.Row | None:
    """How many actions are done, and done by their due date (compared as local dates)."""
    return await db.fetch_one(
        "SELECT count(*) AS total, coalesce(sum(status = 'done'), 0) AS done"
        " FROM actions WHERE network_id = ?",
        (network_id,),
    )

"""The coordinators' monthly digest: who switched it off, which months went out, and the one
number of it no other repository counts (members gone quiet)."""

from __future__ import annotations

from datetime import UTC, datetime

import aiosqlite

from storage.database import Database


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


async def is_on(db: Database, user_id: int) -> bool:
    """On unless the coordinator switched it off."""
    row = await db.fetch_one("SELECT on_ FROM digest_choices WHERE user_id = ?", (user_id,))
    return row is None or bool(row[0])


async def switch(db: Database, user_id: int, on: bool, now: datetime) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO digest_choices (user_id, on_, changed_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET on_ = excluded.on_,"
            " changed_at = excluded.changed_at",
            (user_id, int(on), _stamp(now)),
        )


async def was_sent(db: Database, user_id: int, month: str) -> bool:
    row = await db.fetch_one(
        "SELECT 1 FROM digests_sent WHERE user_id = ? AND month = ?", (user_id, month)
    )
    return row is not None


async def any_sent(db: Database, month: str) -> bool:
    """Whether the bot sent any coordinator `month`'s digest (it was running then)."""
    row = await db.fetch_one("SELECT 1 FROM digests_sent WHERE month = ? LIMIT 1", (month,))
    return row is not None


async def take(conn: aiosqlite.Connection, user_id: int, month: str, now: datetime) -> bool:
    """Mark `month`'s digest of `user_id` sent, inside the transaction that queues it; False
    when it was already (a second run of the same month sends nothing)."""
    cursor = await conn.execute(
        "INSERT INTO digests_sent (user_id, month, sent_at) VALUES (?, ?, ?)"
        " ON CONFLICT (user_id, month) DO NOTHING",
        (user_id, month, _stamp(now)),
    )
    return cursor.rowcount > 0


async def quiet_members(db: Database, network_id: int, since: datetime) -> int:
    """Members of the network since before `since` (admitted then) whom it asked something
    since then — a meeting of it planned or held, an alert that reached them — and who gave no
    sign: answered no meeting of it, came to none, hosted none, sent no alert, acknowledged or
    answered no alert to it. A network that asked nothing has members with nothing to answer
    (that it has not met is said apart). A count only: which neighbour fell quiet is the
    network's hosts' to know, not the coordinator's."""
    moment = _stamp(since)
    row = await db.fetch_one(
        "SELECT count(*) FROM memberships AS m WHERE m.network_id = ?"
        " AND m.status = 'approved' AND m.decided_at <= ?"
        # asked: a meeting of the network in the window, or an alert that reached them
        " AND (EXISTS (SELECT 1 FROM meetings AS g WHERE g.network_id = m.network_id"
        "   AND g.status = 'planned' AND (g.created_at >= ? OR g.starts_at >= ?))"
        "  OR EXISTS (SELECT 1 FROM incident_recipients AS r JOIN incidents AS i"
        "   ON i.id = r.incident_id WHERE r.user_id = m.user_id"
        "   AND r.network_id = m.network_id AND i.created_at >= ?))"
        # no sign: no answer, no coming, no hosting ...
        " AND NOT EXISTS (SELECT 1 FROM attendance AS a JOIN meetings AS g ON g.id = a.meeting_id"
        "  WHERE a.user_id = m.user_id AND g.network_id = m.network_id"
        "  AND (a.answered_at >= ? OR (a.attended = 1 AND g.starts_at >= ?)))"
        " AND NOT EXISTS (SELECT 1 FROM meetings AS g WHERE g.network_id = m.network_id"
        "  AND g.created_by = m.user_id AND g.created_at >= ?)"
        # ... no alert sent, acknowledged or answered
        " AND NOT EXISTS (SELECT 1 FROM incidents AS i WHERE i.created_by = m.user_id"
        "  AND i.created_at >= ?)"
        " AND NOT EXISTS (SELECT 1 FROM incident_recipients AS r"
        "  WHERE r.user_id = m.user_id AND r.network_id = m.network_id"
        "  AND (r.acknowledged_at >= ? OR r.replied_at >= ?))",
        (network_id, *[moment] * 10),
    )
    assert row is not None
    return int(row[0])


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    removed = 0
    for table in ("digest_choices", "digests_sent"):
        cursor = await conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
        removed += cursor.rowcount
    return removed


async def drop_old(db: Database, month: str) -> int:
    """The record of digests sent for months before `month` ('YYYY-MM') goes."""
    async with db.transaction() as conn:
        cursor = await conn.execute("DELETE FROM digests_sent WHERE month < ?", (month,))
        return cursor.rowcount

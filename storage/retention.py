"""Retention: the deletes of the daily job, in batches (`domain.retention` decides what and when).

Every step works in short transactions of at most `batch` rows, so that a year of history of a
thousand networks never holds the one writer for long: between two batches, whoever else waits
to write goes first. Every step is idempotent: what is done stays done, and a step stopped half
way (a restart) goes on where it was. The walks through deliveries and replies go by id and
remember how far they came (`retention_progress`), so a daily run reads only what became old
since the day before.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

import aiosqlite

from storage import pulse
from storage.database import Database
from storage.privacy import CUT_SQL

RUNS_KEPT = 100


def stamp(moment: datetime) -> str:
    """The text form the tables compare their moments in: ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Batch:
    """One batch of a step: how many rows it changed or deleted, and whether more may wait."""

    rows: int
    more: bool


async def _done_to(db: Database, walk: str) -> int:
    row = await db.fetch_one("SELECT done_to FROM retention_progress WHERE walk = ?", (walk,))
    return int(row[0]) if row is not None else 0


async def _advance(conn: aiosqlite.Connection, walk: str, done_to: int) -> None:
    await conn.execute(
        "INSERT INTO retention_progress (walk, done_to) VALUES (?, ?)"
        " ON CONFLICT (walk) DO UPDATE SET done_to = max(done_to, excluded.done_to)",
        (walk, done_to),
    )


def _changes(conn: aiosqlite.Connection) -> int:
    return int(conn.total_changes)


# --- message bodies -------------------------------------------------------------------------------


async def cut_bodies(db: Database, before: datetime, batch: int) -> Batch:
    """Deliveries queued before `before` that have ended: those of an incident keep only what
    its numbers need (their body is cut), the others go. Stops at one still pending (it ends
    within its lifetime, and is taken the next day)."""
    done_to = await _done_to(db, "bodies")
    rows = await db.fetch_all(
        "SELECT id, created_at < ? AS old, status = 'pending' AS waiting FROM deliveries"
        " WHERE id > ? ORDER BY id LIMIT ?",
        (stamp(before), done_to, batch),
    )
    last = done_to
    for row in rows:
        if not row["old"] or row["waiting"]:
            break
        last = row["id"]
    if last == done_to:
        return Batch(0, False)
    async with db.transaction() as conn:
        start = _changes(conn)
        await conn.execute(
            "DELETE FROM deliveries WHERE id > ?1 AND id <= ?2 AND incident_id IS NULL"
            " AND NOT EXISTS (SELECT 1 FROM deliveries AS r WHERE r.reply_to = deliveries.id)",
            (done_to, last),
        )
        await conn.execute(
            f"UPDATE deliveries SET params = {CUT_SQL}"
            f" WHERE id > ?1 AND id <= ?2 AND params <> {CUT_SQL}",
            (done_to, last),
        )
        changed = _changes(conn) - start
        await _advance(conn, "bodies", last)
    return Batch(changed, last == rows[-1]["id"] and len(rows) == batch)


async def cut_body(db: Database, delivery_id: int) -> str | None:
    """One delivery that ended keeps only what its status needs (`privacy.cut`); returns its
    kind as stored, or None when there was nothing to cut."""
    async with db.transaction() as conn:
        async with conn.execute(
            f"UPDATE deliveries SET params = {CUT_SQL} WHERE id = ? AND status <> 'pending'"
            f" AND params <> {CUT_SQL} RETURNING kind",
            (delivery_id,),
        ) as cursor:
            row = await cursor.fetchone()
    return str(row[0]) if row is not None else None


async def drop_delivery(db: Database, delivery_id: int) -> bool:
    """One delivery that ended goes altogether (nothing answers it)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM deliveries WHERE id = ? AND status <> 'pending'"
            " AND NOT EXISTS (SELECT 1 FROM deliveries AS r WHERE r.reply_to = deliveries.id)",
            (delivery_id,),
        )
        return cursor.rowcount > 0


# --- incidents ------------------------------------------------------------------------------------

_SUMMARISE = """
INSERT OR IGNORE INTO incident_summaries (incident_id, created_at, closed_at, severity, sharing,
    network_ids, group_chats, reached, acknowledged, replied, moods, asked_to_call, unreachable,
    summarised_at)
SELECT i.id, i.created_at, i.closed_at, i.severity, i.sharing,
    (SELECT json_group_array(network_id) FROM incident_networks WHERE incident_id = i.id),
    (SELECT count(*) FROM deliveries WHERE incident_id = i.id AND kind = 'alert_group'
        AND status = 'sent'),
    (SELECT count(*) FROM incident_recipients WHERE incident_id = i.id),
    (SELECT count(acknowledged_at) FROM incident_recipients WHERE incident_id = i.id),
    (SELECT count(*) FROM incident_recipients WHERE incident_id = i.id
        AND (mood IS NOT NULL OR replied_at IS NOT NULL)),
    (SELECT coalesce(json_group_object(mood, n), '{{}}') FROM (SELECT mood, count(*) AS n
        FROM incident_recipients WHERE incident_id = i.id AND mood IS NOT NULL GROUP BY mood)),
    (SELECT count(call_me_at) FROM incident_recipients WHERE incident_id = i.id),
    (SELECT count(unreachable_at) FROM incident_recipients WHERE incident_id = i.id),
    ?
FROM incidents AS i WHERE {where}
"""


async def summarise_replies(db: Database, before: datetime, now: datetime, batch: int) -> Batch:
    """Incidents sent before `before`: their numbers are kept as a summary, then what members
    said (mood, words, a request to be called) goes; acknowledgements stay with the incident."""
    done_to = await _done_to(db, "replies")
    rows = await db.fetch_all(
        "SELECT id, created_at < ? AS old FROM incidents WHERE id > ? ORDER BY id LIMIT ?",
        (stamp(before), done_to, batch),
    )
    last = done_to
    for row in rows:
        if not row["old"]:
            break
        last = row["id"]
    if last == done_to:
        return Batch(0, False)
    async with db.transaction() as conn:
        await conn.execute(
            _SUMMARISE.format(where="i.id > ? AND i.id <= ?"), (stamp(now), done_to, last)
        )
        cursor = await conn.execute(
            "UPDATE incident_recipients SET mood = NULL, reply_text = NULL, call_me_at = NULL"
            " WHERE incident_id > ? AND incident_id <= ?"
            " AND (mood IS NOT NULL OR reply_text IS NOT NULL OR call_me_at IS NOT NULL)",
            (done_to, last),
        )
        changed = cursor.rowcount
        await _advance(conn, "replies", last)
    return Batch(changed, last == rows[-1]["id"] and len(rows) == batch)


async def drop_incidents(db: Database, before: datetime, now: datetime, batch: int) -> Batch:
    """Incidents sent before `before` go with everything about them (recipients, deliveries),
    leaving their summary."""
    rows = await db.fetch_all(
        "SELECT id FROM incidents WHERE created_at < ? ORDER BY id LIMIT ?", (stamp(before), batch)
    )
    ids = [row["id"] for row in rows]
    if not ids:
        return Batch(0, False)
    marks = ",".join("?" * len(ids))
    async with db.transaction() as conn:
        start = _changes(conn)
        await conn.execute(_SUMMARISE.format(where=f"i.id IN ({marks})"), (stamp(now), *ids))
        summarised = _changes(conn) - start
        # Its deliveries go by the foreign key, answers and what they answer in one statement.
        await conn.execute(f"DELETE FROM incidents WHERE id IN ({marks})", ids)
        changed = _changes(conn) - start - summarised
    return Batch(changed, len(ids) == batch)


# --- people's details -----------------------------------------------------------------------------


async def drop_ended_memberships(db: Database, before: datetime, batch: int) -> Batch:
    """Memberships that ended (rejected, left, removed) before `before` go, with what the person
    told for them and their join links."""
    async with db.transaction() as conn:
        start = _changes(conn)
        cursor = await conn.execute(
            "DELETE FROM memberships WHERE rowid IN (SELECT rowid FROM memberships"
            " WHERE status IN ('rejected', 'removed')"
            " AND coalesce(removed_at, decided_at) < ? LIMIT ?)",
            (stamp(before), batch),
        )
        deleted = cursor.rowcount
        changed = _changes(conn) - start
    return Batch(changed, deleted == batch)


async def drop_pulse_words(db: Database, before: datetime, batch: int) -> Batch:
    """The words and signatures of mood pulse answers given before `before` (the moods stay,
    without anyone's id)."""
    async with db.transaction() as conn:
        changed = await pulse.drop_old_words(conn, before, batch)
    return Batch(changed, changed == batch)


async def drop_drafts(db: Database, before: datetime, batch: int) -> Batch:
    """Alert drafts last touched before `before` (sent ones: the incident has the text;
    abandoned ones: long expired)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM incident_drafts WHERE id IN (SELECT id FROM incident_drafts"
            " WHERE updated_at < ? LIMIT ?)",
            (stamp(before), batch),
        )
        return Batch(cursor.rowcount, cursor.rowcount == batch)


# --- the runs -------------------------------------------------------------------------------------


async def last_finished(db: Database) -> datetime | None:
    """When the last run that went to its end finished."""
    row = await db.fetch_one("SELECT max(finished_at) FROM retention_runs")
    return datetime.fromisoformat(row[0]) if row is not None and row[0] else None


async def start_run(db: Database, now: datetime) -> int:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO retention_runs (started_at) VALUES (?)", (stamp(now),)
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid


async def finish_run(db: Database, run_id: int, now: datetime, counts: dict[str, int]) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE retention_runs SET finished_at = ?, counts = ? WHERE id = ?",
            (stamp(now), json.dumps(counts), run_id),
        )
        await conn.execute("DELETE FROM retention_runs WHERE id <= ?", (run_id - RUNS_KEPT,))

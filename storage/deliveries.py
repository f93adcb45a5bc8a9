"""Deliveries: the durable outbox of messages the bot sends on its own initiative.

A delivery is written in the same transaction as the thing it announces (an incident, a
follow-up, a meeting reminder). The dispatcher takes pending ones in priority order and
records each outcome; a delivery recorded as sent is never sent again.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from storage.database import Database

# Priorities: lower goes first. Alerts by severity, group posts before private messages, and
# any alert before routine traffic (meeting reminders).
SEVERITY_RANK = {"critical": 0, "urgent": 1, "info": 2, "routine": 3}


# How long a message makes sense when its builder does not say (a routine notice).
DEFAULT_LIFETIME = timedelta(days=1)
# Final states, each with its reason in `error`.
FINAL = ("sent", "failed", "unreachable", "cancelled", "expired")


def priority(severity: str, *, group: bool) -> int:
    return SEVERITY_RANK[severity] * 2 + (0 if group else 1)


def stamp(moment: datetime) -> str:
    """One text form for every moment the table compares: ISO 8601 in UTC."""
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class Delivery:
    id: int
    chat_id: int
    priority: int
    method: str
    params: dict[str, Any]
    kind: str
    incident_id: int | None
    network_id: int | None
    user_id: int | None
    reply_to: int | None
    pin: bool
    status: str
    attempts: int
    not_before: str | None
    message_id: int | None
    sent_at: str | None
    error: str | None
    created_at: str
    about_user_id: int | None = None
    expires_at: str | None = None
    last_try_at: str | None = None
    # Read by `due` only: the Telegram message id of the delivery this one answers, once sent.
    replied_message_id: int | None = None
    channel: str = "telegram"  # or 'whatsapp' (storage.whatsapp): chosen when queued

    @property
    def is_private(self) -> bool:
        return self.chat_id > 0

    def expires(self) -> datetime | None:
        return datetime.fromisoformat(self.expires_at) if self.expires_at else None


@dataclass(frozen=True)
class NewDelivery:
    chat_id: int
    priority: int
    kind: str
    params: Mapping[str, Any]
    method: str = "sendMessage"
    incident_id: int | None = None
    network_id: int | None = None
    user_id: int | None = None
    reply_to: int | None = None
    pin: bool = False
    about_user_id: int | None = None  # whose words it carries, if not the recipient's
    # Not sent after this moment (it ends 'expired'); None: DEFAULT_LIFETIME after queueing.
    expires_at: datetime | None = None


def from_row(row: sqlite3.Row) -> Delivery:
    """A delivery from a row of `SELECT * FROM deliveries` (other repositories read them too)."""
    values = dict(row)
    values["params"] = json.loads(values["params"])
    values["pin"] = bool(values["pin"])
    return Delivery(**values)


# The channel is chosen when queued: a private delivery in a network where the member chose
# WhatsApp (and has not stopped it there) goes out on WhatsApp; the rest on Telegram, and so do
# a chat's command menu (a Telegram thing that does no harm) and a picture (it waits in
# storage.media for Telegram's upload).
_INSERT = (
    "INSERT INTO deliveries (chat_id, priority, method, params, kind, incident_id,"
    " network_id, user_id, reply_to, pin, created_at, about_user_id, expires_at, channel)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? > 0 AND ? NOT IN ('menu', 'photo')"
    " AND EXISTS (SELECT 1 FROM channel_choices AS cc JOIN wa_contacts AS wc"
    "  ON wc.user_id = cc.user_id WHERE cc.network_id = ? AND cc.user_id = ?"
    "  AND cc.channel = 'whatsapp' AND wc.stopped_at IS NULL)"
    " THEN 'whatsapp' ELSE 'telegram' END)"
)


def _row(new: NewDelivery, now: datetime) -> tuple[Any, ...]:
    expires = new.expires_at if new.expires_at is not None else now + DEFAULT_LIFETIME
    return (
        new.chat_id,
        new.priority,
        new.method,
        json.dumps(dict(new.params), ensure_ascii=False),
        new.kind,
        new.incident_id,
        new.network_id,
        new.user_id,
        new.reply_to,
        new.pin,
        stamp(now),
        new.about_user_id,
        stamp(expires),
        new.chat_id,
        new.method,
        new.network_id,
        new.chat_id,
    )


async def add(conn: aiosqlite.Connection, new: NewDelivery, now: datetime) -> int:
    """Queue one delivery inside the caller's transaction; returns its id."""
    cursor = await conn.execute(_INSERT, _row(new, now))
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def add_many(
    conn: aiosqlite.Connection, items: Iterable[NewDelivery], now: datetime
) -> list[int]:
    """Queue many deliveries at once (a broadcast); returns their ids, in order.

    One statement for all rows keeps the transaction short, so the first group post of an
    alert leaves sooner. Inside the caller's write transaction nobody else inserts, so the new
    rows take the ids right after the largest one.
    """
    rows = [_row(item, now) for item in items]
    if not rows:
        return []
    async with conn.execute("SELECT coalesce(max(id), 0) FROM deliveries") as cursor:
        found = await cursor.fetchone()
    first = (found[0] if found is not None else 0) + 1
    await conn.executemany(_INSERT, rows)
    return list(range(first, first + len(rows)))


async def get(db: Database, delivery_id: int) -> Delivery | None:
    row = await db.fetch_one("SELECT * FROM deliveries WHERE id = ?", (delivery_id,))
    return from_row(row) if row is not None else None


async def due(
    db: Database,
    now: datetime,
    limit: int,
    taken: Collection[int] = (),
    *,
    paused_too: bool = False,
) -> list[Delivery]:
    """Pending Telegram deliveries that may go now, most urgent first (then oldest first);
    WhatsApp's are the WhatsApp dispatcher's (storage.whatsapp.due).

    `taken`: ids the caller holds already (on the wire, or sent and not yet recorded); they are
    skipped. One query however many: it reads `limit` rows more than are taken and leaves the
    taken ones out here, so its text and plan never grow with them.

    `paused_too` also takes deliveries still pausing before their next try: during an outage
    the probe sends the most urgent one, whatever its pause, to notice Telegram's return at once.

    Each delivery carries `replied_message_id`, the Telegram message id of the delivery it
    answers (`reply_to`) once that is sent, so sending it needs no second look.
    """
    moment = stamp(now)
    pause = "" if paused_too else " AND (not_before IS NULL OR not_before <= ?)"
    rows = await db.fetch_all(
        "SELECT d.*, (SELECT r.message_id FROM deliveries AS r WHERE r.id = d.reply_to"
        "  AND r.status = 'sent' AND r.channel = 'telegram') AS replied_message_id"
        " FROM deliveries AS d WHERE status = 'pending' AND channel = 'telegram'"
        f"{pause} AND (expires_at IS NULL OR expires_at > ?)"
        # In order within a chat: a later part of a long text waits for the part before it,
        # and a follow-up for the message it answers.
        " AND NOT (d.kind LIKE '%:more' AND EXISTS (SELECT 1 FROM deliveries AS p"
        "  WHERE p.id = d.id - 1 AND p.status = 'pending'))"
        " AND NOT (d.reply_to IS NOT NULL AND EXISTS (SELECT 1 FROM deliveries AS r"
        "  WHERE r.id = d.reply_to AND r.status = 'pending'))"
        " ORDER BY priority, id LIMIT ?",
        (*([] if paused_too else [moment]), moment, limit + len(taken)),
    )
    return [from_row(row) for row in rows if row["id"] not in taken][:limit]


async def mark_sent(
    db: Database,
    delivery_id: int,
    message_id: int,
    now: datetime,
    then: Iterable[NewDelivery] = (),
) -> None:
    """Sent: record Telegram's message id, and queue what must follow it (a pin) with it."""
    await mark_all_sent(db, [SentRecord(delivery_id, message_id, tuple(then))], now)


@dataclass(frozen=True)
class SentRecord:
    """One sent delivery: Telegram's message id, and what must follow it (a pin)."""

    delivery_id: int
    message_id: int
    then: tuple[NewDelivery, ...] = ()


async def mark_all_sent(db: Database, records: Sequence[SentRecord], now: datetime) -> None:
    """Record many sent deliveries in one transaction (a fan-out records its copies in
    batches); what must follow one is queued only if this call marked it sent."""
    sql = (
        "UPDATE deliveries SET status = 'sent', message_id = ?, sent_at = ?,"
        " attempts = attempts + 1, error = NULL WHERE id = ? AND status = 'pending'"
    )
    moment = stamp(now)
    async with db.transaction() as conn:
        plain = [(r.message_id, moment, r.delivery_id) for r in records if not r.then]
        if plain:
            await conn.executemany(sql, plain)
        for record in records:
            if record.then:
                cursor = await conn.execute(sql, (record.message_id, moment, record.delivery_id))
                if cursor.rowcount:
                    for item in record.then:
                        await add(conn, item, now)


async def postpone(db: Database, delivery_id: int, not_before: datetime) -> None:
    """Telegram asked us to wait (429): not a failed attempt, just not yet."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE deliveries SET not_before = ? WHERE id = ? AND status = 'pending'",
            (stamp(not_before), delivery_id),
        )


async def retry_later(
    db: Database, delivery_id: int, not_before: datetime, error: str, now: datetime
) -> int:
    """Count a failed attempt and try again later; returns the attempts so far."""
    async with db.transaction() as conn:
        async with conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, not_before = ?, error = ?,"
            " last_try_at = ? WHERE id = ? AND status = 'pending' RETURNING attempts",
            (stamp(not_before), error, stamp(now), delivery_id),
        ) as cursor:
            row = await cursor.fetchone()
    return int(row[0]) if row is not None else 0


async def give_up(db: Database, delivery_id: int, status: str, error: str) -> None:
    """Final: 'failed' (Telegram refused it), 'unreachable' (the person blocked the bot) or
    'expired' (it no longer makes sense), with the reason."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE deliveries SET status = ?, error = ?, attempts = attempts + 1"
            " WHERE id = ? AND status = 'pending'",
            (status, error, delivery_id),
        )


async def expire_due(db: Database, now: datetime) -> list[Delivery]:
    """Pending deliveries whose moment has passed end 'expired'; returns them."""
    async with db.transaction() as conn:
        async with conn.execute(
            "UPDATE deliveries SET status = 'expired',"
            " error = coalesce('expired; last error: ' || error, 'expired before it could be sent')"
            " WHERE status = 'pending' AND expires_at <= ? RETURNING *",
            (stamp(now),),
        ) as cursor:
            rows = await cursor.fetchall()
    return [from_row(row) for row in rows]


async def expire(
    conn: aiosqlite.Connection, incident_id: int, kinds: Iterable[str], why: str
) -> int:
    """End what is still queued of these kinds for an incident (e.g. reminders once closed)."""
    chosen = list(kinds)
    cursor = await conn.execute(
        "UPDATE deliveries SET status = 'expired', error = ? WHERE status = 'pending'"
        f" AND incident_id = ? AND kind IN ({','.join('?' * len(chosen))})",
        (why, incident_id, *chosen),
    )
    return cursor.rowcount


async def release(db: Database, since: datetime, now: datetime) -> int:
    """Telegram answers again: what waited out the outage may go now, in priority order."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE deliveries SET not_before = NULL WHERE status = 'pending'"
            " AND channel = 'telegram' AND not_before > ? AND last_try_at >= ?",
            (stamp(now), stamp(since)),
        )
        return cursor.rowcount


@dataclass(frozen=True)
class Queue:
    """How the outbox stands, for the operator and the senders."""

    pending: int
    oldest: str | None  # created_at of the oldest pending delivery


async def queue(db: Database) -> Queue:
    row = await db.fetch_one(
        "SELECT count(*), min(created_at) FROM deliveries WHERE status = 'pending'"
    )
    assert row is not None
    return Queue(pending=row[0], oldest=row[1])


async def move_chat(db: Database, old_chat_id: int, new_chat_id: int) -> int:
    """A group became a supergroup: its pending deliveries go to the new chat id."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE deliveries SET chat_id = ? WHERE chat_id = ? AND status = 'pending'",
            (new_chat_id, old_chat_id),
        )
        return cursor.rowcount


async def cancel_for_member(conn: aiosqlite.Connection, network_id: int, user_id: int) -> int:
    """A member left or was removed: what was still queued for them in that network is not sent."""
    cursor = await conn.execute(
        "UPDATE deliveries SET status = 'cancelled' WHERE status = 'pending'"
        " AND user_id = ? AND network_id = ?",
        (user_id, network_id),
    )
    return cursor.rowcount


async def supersede(conn: aiosqlite.Connection, chat_id: int, kind: str) -> int:
    """A newer delivery of `kind` replaces what is still queued of it for `chat_id` (a chat's
    menu: only the last one counts, and two sent at once could land in either order)."""
    cursor = await conn.execute(
        "UPDATE deliveries SET status = 'cancelled', error = 'superseded'"
        " WHERE status = 'pending' AND chat_id = ? AND kind = ?",
        (chat_id, kind),
    )
    return cursor.rowcount


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: their private deliveries, and copies of their words sent
    to others (a mood reply to the hosts), go; nothing more is sent.

    Follow-ups thread under earlier deliveries to the same person, so one statement deletes
    a whole thread at once (SQLite checks the reply_to references at the statement's end).
    """
    cursor = await conn.execute(
        "DELETE FROM deliveries WHERE user_id = ? OR about_user_id = ?", (user_id, user_id)
    )
    return cursor.rowcount


async def counts(db: Database, incident_id: int) -> dict[str, int]:
    """How the deliveries of one incident stand, by status."""
    rows = await db.fetch_all(
        "SELECT status, count(*) AS n FROM deliveries WHERE incident_id = ? GROUP BY status",
        (incident_id,),
    )
    return {row["status"]: row["n"] for row in rows}

"""Incidents: alerts being composed, the incidents sent, who got them and what came back.

An incident is written in one transaction with its networks, one recipient row per person and
the deliveries (the outbox) that carry it; follow-ups, reminders, the hosts' escalation list
and closing are queued the same way. Escalation steps and the Send button are claimed with a
conditional UPDATE, so a double tap or a restart never does a step twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage import conversations, deliveries
from storage.database import Database
from storage.deliveries import Delivery, NewDelivery

# The deliveries that carry the alert itself; follow-ups and reminders are counted apart.
ALERT_KINDS = ("alert_group", "alert_private")
CLOSED_ENDS = ("alert_reminder", "escalation", "closing_reminder")  # what closing ends unsent


# --- drafts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Draft:
    id: int
    user_id: int
    network_ids: list[int]
    severity: str
    sharing: str
    text: str | None
    step: str
    status: str
    incident_id: int | None
    created_at: str
    updated_at: str


def _draft(row: sqlite3.Row | None) -> Draft | None:
    if row is None:
        return None
    values = dict(row)
    values["network_ids"] = [int(n) for n in values["network_ids"].split(",") if n]
    return Draft(**values)


async def new_draft(
    db: Database,
    user_id: int,
    now: datetime,
    *,
    network_ids: Sequence[int] = (),
    step: str = "networks",
    severity: str = "urgent",
    sharing: str = "network_only",
    text: str | None = None,
) -> Draft:
    """Start composing; an older draft of the same person is dropped (one at a time)."""
    stamp = now.isoformat()
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE incident_drafts SET status = 'cancelled', updated_at = ?"
            " WHERE user_id = ? AND status = 'composing'",
            (stamp, user_id),
        )
        async with conn.execute(
            "INSERT INTO incident_drafts (user_id, network_ids, severity, sharing, text, step,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *",
            (user_id, _ids(network_ids), severity, sharing, text, step, stamp, stamp),
        ) as cursor:
            draft = _draft(await cursor.fetchone())
    assert draft is not None
    return draft


def _ids(network_ids: Iterable[int]) -> str:
    return ",".join(str(n) for n in network_ids)


async def get_draft(db: Database, draft_id: int) -> Draft | None:
    return _draft(await db.fetch_one("SELECT * FROM incident_drafts WHERE id = ?", (draft_id,)))


_DRAFT_FIELDS = frozenset({"network_ids", "severity", "sharing", "text", "step"})


async def update_draft(db: Database, draft_id: int, now: datetime, **fields: Any) -> Draft | None:
    """Change a draft still being composed; None if it was sent or cancelled meanwhile."""
    unknown = set(fields) - _DRAFT_FIELDS
    if unknown:
        raise ValueError(f"not draft fields: {sorted(unknown)}")
    if "network_ids" in fields:
        fields["network_ids"] = _ids(fields["network_ids"])
    names = sorted(fields)  # column names come from _DRAFT_FIELDS only
    assignments = ", ".join(f"{name} = ?" for name in names)
    async with db.transaction() as conn:
        async with conn.execute(
            f"UPDATE incident_drafts SET {assignments}, updated_at = ?"
            " WHERE id = ? AND status = 'composing' RETURNING *",
            (*(fields[name] for name in names), now.isoformat(), draft_id),
        ) as cursor:
            return _draft(await cursor.fetchone())


async def cancel_draft(db: Database, draft_id: int, now: datetime) -> bool:
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE incident_drafts SET status = 'cancelled', updated_at = ?"
            " WHERE id = ? AND status = 'composing'",
            (now.isoformat(), draft_id),
        )
        await conversations.close_about(conn, "alert", "draft_id", draft_id)
        return cursor.rowcount > 0


# --- prompts: what someone is about to type (kept in storage.conversations) -----------------


@dataclass(frozen=True)
class Prompt:
    user_id: int
    kind: str  # draft_text, reply, answer, update, close
    draft_id: int | None
    incident_id: int | None
    about_user_id: int | None
    text: str | None
    created_at: str


# --- incidents ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Incident:
    id: int
    created_by: int | None
    created_at: str
    severity: str
    sharing: str
    text: str
    status: str
    closed_at: str | None
    closed_by: int | None
    closing_text: str | None
    status_chat_id: int | None
    status_message_id: int | None
    reminded_at: str | None
    escalated_at: str | None
    status_text: str | None
    status_changed: bool
    network_ids: list[int]

    @property
    def is_open(self) -> bool:
        return self.status == "open"


_INCIDENT_COLUMNS = (
    "i.*, (SELECT group_concat(network_id) FROM (SELECT network_id FROM"
    " incident_networks WHERE incident_id = i.id ORDER BY network_id)) AS network_list"
)
_SELECT = f"SELECT {_INCIDENT_COLUMNS} FROM incidents i"


def _incident(row: sqlite3.Row | dict[str, Any]) -> Incident:
    values = dict(row)
    network_list = values.pop("network_list") or ""
    values["network_ids"] = [int(n) for n in str(network_list).split(",") if n]
    values["status_changed"] = bool(values["status_changed"])
    return Incident(**values)


async def get(db: Database, incident_id: int) -> Incident | None:
    row = await db.fetch_one(f"{_SELECT} WHERE i.id = ?", (incident_id,))
    return _incident(row) if row is not None else None


async def open_incidents(db: Database) -> list[Incident]:
    rows = await db.fetch_all(f"{_SELECT} WHERE i.status = 'open' ORDER BY i.id")
    return [_incident(row) for row in rows]


async def open_in_networks(db: Database, network_ids: Iterable[int]) -> list[Incident]:
    """The open incidents sent to any of these networks, through the index by network."""
    wanted = list(dict.fromkeys(network_ids))
    if not wanted:
        return []
    rows = await db.fetch_all(
        f"{_SELECT} WHERE i.status = 'open' AND i.id IN (SELECT incident_id FROM"
        f" incident_networks WHERE network_id IN ({','.join('?' * len(wanted))})) ORDER BY i.id",
        wanted,
    )
    return [_incident(row) for row in rows]


async def latest(db: Database, *, only_open: bool = True, limit: int = 10) -> list[Incident]:
    rows = await db.fetch_all(
        f"{_SELECT} WHERE (? = 0 OR i.status = 'open') ORDER BY i.id DESC LIMIT ?",
        (1 if only_open else 0, limit),
    )
    return [_incident(row) for row in rows]


async def create(
    db: Database,
    *,
    sender_id: int,
    network_ids: Sequence[int],
    severity: str,
    sharing: str,
    text: str,
    recipients: dict[int, int],
    build: Callable[[int], list[NewDelivery]],
    now: datetime,
    draft_id: int | None = None,
) -> int | None:
    """Store an incident, its networks, recipients (user → network) and its deliveries at once.

    `build(incident_id)` makes the deliveries (their buttons carry the id). With a draft, only
    the press that turns it from 'composing' into 'sent' creates the incident: a second press
    gets None.
    """
    stamp = now.isoformat()
    async with db.transaction() as conn:
        if draft_id is not None:
            cursor = await conn.execute(
                "UPDATE incident_drafts SET status = 'sent', updated_at = ?"
                " WHERE id = ? AND status = 'composing'",
                (stamp, draft_id),
            )
            if cursor.rowcount == 0:
                return None
        cursor = await conn.execute(
            "INSERT INTO incidents (created_by, created_at, severity, sharing, text)"
            " VALUES (?, ?, ?, ?, ?)",
            (sender_id, stamp, severity, sharing, text),
        )
        incident_id = cursor.lastrowid
        assert incident_id is not None
        await conn.executemany(
            "INSERT INTO incident_networks (incident_id, network_id) VALUES (?, ?)",
            [(incident_id, n) for n in dict.fromkeys(network_ids)],
        )
        await conn.executemany(
            "INSERT INTO incident_recipients (incident_id, user_id, network_id) VALUES (?, ?, ?)",
            [(incident_id, user, network) for user, network in recipients.items()],
        )
        await deliveries.add_many(conn, build(incident_id), now)
        if draft_id is not None:
            await conn.execute(
                "UPDATE incident_drafts SET incident_id = ? WHERE id = ?", (incident_id, draft_id)
            )
            await conversations.close_about(conn, "alert", "draft_id", draft_id)
    return incident_id


async def set_status_message(
    db: Database, incident_id: int, chat_id: int, message_id: int, text: str
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE incidents SET status_chat_id = ?, status_message_id = ?, status_text = ?"
            " WHERE id = ?",
            (chat_id, message_id, text, incident_id),
        )


async def mark_changed(db: Database, incident_id: int) -> None:
    """Something the sender's status message shows changed; the status job will look."""
    async with db.transaction() as conn:
        await conn.execute("UPDATE incidents SET status_changed = 1 WHERE id = ?", (incident_id,))


async def mark_sending_changed(db: Database) -> None:
    """Every status message of an incident that still has messages to send may change."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE incidents SET status_changed = 1 WHERE status_message_id IS NOT NULL"
            " AND id IN (SELECT incident_id FROM deliveries WHERE status = 'pending'"
            " AND incident_id IS NOT NULL)"
        )


async def take_changed(db: Database) -> list[Incident]:
    """The incidents whose status message may need an edit; the flag is cleared."""
    async with db.transaction() as conn:
        async with conn.execute(
            "UPDATE incidents SET status_changed = 0 WHERE status_changed = 1"
            " AND status_message_id IS NOT NULL RETURNING id"
        ) as cursor:
            ids = [row["id"] for row in await cursor.fetchall()]
    found = [await get(db, incident_id) for incident_id in sorted(ids)]
    return [incident for incident in found if incident is not None]


async def set_status_text(db: Database, incident_id: int, text: str) -> None:
    async with db.transaction() as conn:
        await conn.execute("UPDATE incidents SET status_text = ? WHERE id = ?", (text, incident_id))


async def close(
    db: Database,
    incident_id: int,
    by: int,
    closing_text: str | None,
    items: list[NewDelivery],
    now: datetime,
) -> bool:
    """Close an open incident and queue its closing message; False if it was closed already."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE incidents SET status = 'closed', closed_at = ?, closed_by = ?,"
            " closing_text = ?, status_changed = 1 WHERE id = ? AND status = 'open'",
            (now.isoformat(), by, closing_text, incident_id),
        )
        if cursor.rowcount == 0:
            return False
        # Reminders and call lists are about acknowledging an open alert: no longer needed.
        await deliveries.expire(conn, incident_id, CLOSED_ENDS, "incident closed")
        await deliveries.add_many(conn, items, now)
    return True


async def add_follow_up(
    db: Database, incident_id: int, items: list[NewDelivery], now: datetime
) -> bool:
    """Queue an /update of an open incident; False if it was closed meanwhile."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT 1 FROM incidents WHERE id = ? AND status = 'open'", (incident_id,)
        ) as cursor:
            if await cursor.fetchone() is None:
                return False
        await deliveries.add_many(conn, items, now)
    return True


async def alert_deliveries(db: Database, incident_id: int) -> list[Delivery]:
    """The deliveries that carried the alert (to follow up under), except cancelled ones."""
    rows = await db.fetch_all(
        "SELECT * FROM deliveries WHERE incident_id = ? AND kind IN (?, ?)"
        " AND status NOT IN ('cancelled', 'unreachable') ORDER BY id",
        (incident_id, *ALERT_KINDS),
    )
    return [deliveries.from_row(row) for row in rows]


# --- recipients ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    incident_id: int
    user_id: int
    network_id: int
    acknowledged_at: str | None
    mood: str | None
    reply_text: str | None
    replied_at: str | None
    call_me_at: str | None
    unreachable_at: str | None
    reminded_at: str | None
    # From the membership in `network_id`:
    display_name: str | None
    phone: str | None  # only when the member chose to share it
    still_member: bool  # approved in one of the incident's networks


# Each field of a Recipient, in SQL over r (incident_recipients) and m (the membership).
_RECIPIENT_COLUMNS = {
    **{
        name: f"r.{name}"
        for name in (
            "incident_id", "user_id", "network_id", "acknowledged_at", "mood", "reply_text",
            "replied_at", "call_me_at", "unreachable_at", "reminded_at",
        )
    },
    "display_name": "m.display_name",
    "phone": "CASE WHEN m.phone_to_hosts = 1 THEN m.phone END",
    "still_member": "EXISTS (SELECT 1 FROM memberships a JOIN incident_networks n"
    "   ON n.network_id = a.network_id AND n.incident_id = r.incident_id"
    "   WHERE a.user_id = r.user_id AND a.status = 'approved')",
}  # fmt: skip
_MEMBERSHIP_OF_R = "memberships m ON m.network_id = r.network_id AND m.user_id = r.user_id"
_RECIPIENTS = (
    "SELECT "
    + ", ".join(f"{sql} AS {name}" for name, sql in _RECIPIENT_COLUMNS.items())
    + f" FROM incident_recipients r LEFT JOIN {_MEMBERSHIP_OF_R}"
)
_THEIRS = "rcp_"  # the prefix of a recipient's columns read together with the incident's


def _recipient(row: sqlite3.Row | dict[str, Any]) -> Recipient:
    values = dict(row)
    values["still_member"] = bool(values["still_member"])
    return Recipient(**values)


async def recipient(db: Database, incident_id: int, user_id: int) -> Recipient | None:
    row = await db.fetch_one(
        f"{_RECIPIENTS} WHERE r.incident_id = ? AND r.user_id = ?", (incident_id, user_id)
    )
    return _recipient(row) if row is not None else None


async def with_recipient(
    db: Database, incident_id: int, user_id: int
) -> tuple[Incident | None, Recipient | None]:
    """The incident and this person's part in it, in one read (a button press on an alert)."""
    theirs = ", ".join(f"{sql} AS {_THEIRS}{name}" for name, sql in _RECIPIENT_COLUMNS.items())
    rows = await db.fetch_all(
        f"SELECT {_INCIDENT_COLUMNS}, {theirs} FROM incidents i"
        " LEFT JOIN incident_recipients r ON r.incident_id = i.id AND r.user_id = ?"
        f" LEFT JOIN {_MEMBERSHIP_OF_R} WHERE i.id = ?",
        (user_id, incident_id),
    )
    if not rows:
        return None, None
    values = dict(rows[0])
    mine = {name: values.pop(f"{_THEIRS}{name}") for name in _RECIPIENT_COLUMNS}
    incident = _incident(values)
    return incident, _recipient(mine) if mine["user_id"] is not None else None


async def recipients(db: Database, incident_id: int) -> list[Recipient]:
    rows = await db.fetch_all(
        f"{_RECIPIENTS} WHERE r.incident_id = ? ORDER BY m.display_name COLLATE NOCASE, r.user_id",
        (incident_id,),
    )
    return [_recipient(row) for row in rows]


async def _stamp(db: Database, incident_id: int, user_id: int, column: str, now: datetime) -> bool:
    """Set `column` once (first time counts); True if this call set it."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            f"UPDATE incident_recipients SET {column} = ? WHERE incident_id = ? AND user_id = ?"
            f" AND {column} IS NULL",
            (now.isoformat(), incident_id, user_id),
        )
        changed = cursor.rowcount > 0
        if changed:
            await _changed(conn, incident_id)
    return changed


async def _changed(conn: aiosqlite.Connection, incident_id: int) -> None:
    await conn.execute("UPDATE incidents SET status_changed = 1 WHERE id = ?", (incident_id,))


async def acknowledge(db: Database, incident_id: int, user_id: int, now: datetime) -> bool:
    """ "Seen": True the first time, False when noted already."""
    return await _stamp(db, incident_id, user_id, "acknowledged_at", now)


async def ask_to_be_called(db: Database, incident_id: int, user_id: int, now: datetime) -> bool:
    return await _stamp(db, incident_id, user_id, "call_me_at", now)


async def mark_unreachable(db: Database, incident_id: int, user_id: int, now: datetime) -> bool:
    return await _stamp(db, incident_id, user_id, "unreachable_at", now)


async def set_mood(db: Database, incident_id: int, user_id: int, mood: str, now: datetime) -> None:
    """A mood counts as having seen the alert, too."""
    stamp = now.isoformat()
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE incident_recipients SET mood = ?, replied_at = ?,"
            " acknowledged_at = coalesce(acknowledged_at, ?)"
            " WHERE incident_id = ? AND user_id = ?",
            (mood, stamp, stamp, incident_id, user_id),
        )
        await _changed(conn, incident_id)


async def set_reply_text(
    db: Database, incident_id: int, user_id: int, text: str, now: datetime
) -> None:
    stamp = now.isoformat()
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE incident_recipients SET reply_text = ?, replied_at = ?,"
            " acknowledged_at = coalesce(acknowledged_at, ?)"
            " WHERE incident_id = ? AND user_id = ?",
            (text, stamp, stamp, incident_id, user_id),
        )
        await _changed(conn, incident_id)


@dataclass(frozen=True)
class Progress:
    """Where an alert stands: its first deliveries, and what the recipients did."""

    total: int = 0  # deliveries of the alert itself (group chats and people)
    sent: int = 0
    pending: int = 0
    unreachable: int = 0  # people who blocked the bot or never started it
    failed: int = 0
    expired: int = 0  # not sent in time: Telegram could not be reached within the window
    acknowledged: int = 0
    replies: int = 0  # a mood or a written reply
    call_me: int = 0
    # On WhatsApp (whatsapp.dispatcher), still pending: the doorbell rang and the member has not
    # tapped yet; held back by WhatsApp's daily limit of members outside their 24 hours.
    at_the_door: int = 0
    held_back: int = 0

    @property
    def done(self) -> bool:
        return self.pending == 0


async def progress(db: Database, incident_id: int) -> Progress:
    """The numbers of the sender's status line."""
    row = await db.fetch_one(
        "SELECT count(*) AS total,"
        " coalesce(sum(status = 'sent'), 0) AS sent,"
        " coalesce(sum(status = 'pending'), 0) AS pending,"
        " coalesce(sum(status = 'failed'), 0) AS failed,"
        " coalesce(sum(status = 'expired'), 0) AS expired,"
        " coalesce(sum(status = 'pending' AND error LIKE 'held back: %'), 0) AS held_back,"
        " coalesce(sum(status = 'pending' AND channel = 'whatsapp' AND EXISTS (SELECT 1"
        "  FROM wa_messages AS w WHERE w.delivery_id = deliveries.id"
        "  AND w.template IS NOT NULL AND w.state <> 'failed')), 0) AS at_the_door"
        " FROM deliveries WHERE incident_id = ? AND kind IN (?, ?)",
        (incident_id, *ALERT_KINDS),
    )
    people = await db.fetch_one(
        "SELECT coalesce(sum(acknowledged_at IS NOT NULL), 0) AS acknowledged,"
        " coalesce(sum(mood IS NOT NULL OR reply_text IS NOT NULL), 0) AS replies,"
        " coalesce(sum(call_me_at IS NOT NULL), 0) AS call_me,"
        " coalesce(sum(unreachable_at IS NOT NULL), 0) AS unreachable"
        " FROM incident_recipients WHERE incident_id = ?",
        (incident_id,),
    )
    assert row is not None and people is not None
    return Progress(
        total=row["total"],
        sent=row["sent"],
        pending=row["pending"],
        failed=row["failed"],
        expired=row["expired"],
        unreachable=people["unreachable"],
        acknowledged=people["acknowledged"],
        replies=people["replies"],
        call_me=people["call_me"],
        at_the_door=row["at_the_door"],
        held_back=row["held_back"],
    )


# --- escalation ---------------------------------------------------------------------------


async def record_reminder(
    db: Database, incident_id: int, items: list[NewDelivery], user_ids: list[int], now: datetime
) -> bool:
    """Claim the reminder step and queue the reminders; False if done before or closed."""
    stamp = now.isoformat()
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE incidents SET reminded_at = ? WHERE id = ? AND reminded_at IS NULL"
            " AND status = 'open'",
            (stamp, incident_id),
        )
        if cursor.rowcount == 0:
            return False
        await deliveries.add_many(conn, items, now)
        await conn.executemany(
            "UPDATE incident_recipients SET reminded_at = ? WHERE incident_id = ? AND user_id = ?",
            [(stamp, incident_id, user_id) for user_id in user_ids],
        )
    return True


async def record_escalation(
    db: Database, incident_id: int, items: list[NewDelivery], now: datetime
) -> bool:
    """Claim the escalation step and queue the hosts' lists; False if done before or closed."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE incidents SET escalated_at = ? WHERE id = ? AND escalated_at IS NULL"
            " AND status = 'open'",
            (now.isoformat(), incident_id),
        )
        if cursor.rowcount == 0:
            return False
        await deliveries.add_many(conn, items, now)
    return True


async def private_alert_deliveries(db: Database, incident_id: int) -> dict[int, int]:
    """Per person, the id of the delivery that brought them the alert (to thread a reminder
    under), in one read."""
    rows = await db.fetch_all(
        "SELECT user_id, min(id) AS id FROM deliveries WHERE incident_id = ?"
        " AND kind = 'alert_private' AND user_id IS NOT NULL GROUP BY user_id",
        (incident_id,),
    )
    return {row["user_id"]: row["id"] for row in rows}


async def queue(db: Database, items: list[NewDelivery], now: datetime) -> None:
    """Queue deliveries about an incident on their own (e.g. a member's reply for the hosts)."""
    async with db.transaction() as conn:
        await deliveries.add_many(conn, items, now)


# --- privacy -------------------------------------------------------------------------------


async def responses_of(db: Database, user_id: int) -> list[dict[str, Any]]:
    """What a person did with the alerts they received, for /mydata."""
    rows = await db.fetch_all(
        "SELECT r.incident_id, n.name AS network, r.acknowledged_at, r.mood, r.reply_text,"
        " r.replied_at, r.call_me_at, r.unreachable_at, r.reminded_at"
        " FROM incident_recipients r JOIN networks n ON n.id = r.network_id"
        " WHERE r.user_id = ? ORDER BY r.incident_id",
        (user_id,),
    )
    return [dict(row) for row in rows]


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: their drafts and pending inputs go; incidents they sent or
    closed stay for the others who received them, without the reference to them. Their answers
    (incident_recipients) go as well."""
    total = 0
    for statement, params in (
        ("DELETE FROM incident_drafts WHERE user_id = ?", (user_id,)),
        ("UPDATE incidents SET created_by = NULL WHERE created_by = ?", (user_id,)),
        ("UPDATE incidents SET closed_by = NULL WHERE closed_by = ?", (user_id,)),
        ("DELETE FROM incident_recipients WHERE user_id = ?", (user_id,)),
    ):
        cursor = await conn.execute(statement, params)
        total += cursor.rowcount
    return total

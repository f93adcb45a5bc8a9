"""WhatsApp: who is reachable there, which channel each member chose per network, the messages
sent (for their statuses and for reading a typed reply), and the templates' state.

A person's key stays their Telegram user id; `wa_contacts` adds their WhatsApp identity, given
when they wrote to the bot's number with their code (that message is the opt-in). The 24-hour
window runs from their last message or tap (`last_inbound_at`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from storage import deliveries
from storage.database import Database
from storage.deliveries import Delivery, stamp

# Meta's customer service window: free-form messages only within 24 h of the member's last
# message; outside it only a template (our doorbell).
WINDOW = timedelta(hours=24)
TELEGRAM = "telegram"
WHATSAPP = "whatsapp"
STOPPED = "stopped by the member"


@dataclass(frozen=True)
class Contact:
    user_id: int
    wa_user: str
    phone: str | None
    consent_at: str
    consent_source: str
    last_inbound_at: str | None
    stopped_at: str | None
    doorbell_at: str | None

    def window_open(self, now: datetime) -> bool:
        """Free-form messages may go: the member wrote or tapped in the last 24 hours."""
        return self.last_inbound_at is not None and (
            datetime.fromisoformat(self.last_inbound_at) > now - WINDOW
        )

    def doorbell_waiting(self, now: datetime) -> bool:
        """A doorbell rang since their last message, less than a day ago: what else comes for
        them waits for their tap instead of ringing again."""
        if self.doorbell_at is None:
            return False
        rung = datetime.fromisoformat(self.doorbell_at)
        answered = self.last_inbound_at
        if answered is not None and datetime.fromisoformat(answered) >= rung:
            return False
        return rung > now - WINDOW


def _contact(row: sqlite3.Row | None) -> Contact | None:
    return Contact(**dict(row)) if row is not None else None


async def get_contact(db: Database, user_id: int) -> Contact | None:
    return _contact(await db.fetch_one("SELECT * FROM wa_contacts WHERE user_id = ?", (user_id,)))


async def contact_by_wa_user(db: Database, wa_user: str) -> Contact | None:
    return _contact(await db.fetch_one("SELECT * FROM wa_contacts WHERE wa_user = ?", (wa_user,)))


async def link(
    db: Database, user_id: int, wa_user: str, phone: str | None, source: str, now: datetime
) -> Contact:
    """The person wrote from WhatsApp with their code: record the identity and the consent
    (that first message also opens the window). A new WhatsApp user for the same person
    replaces the old one (a changed number); one WhatsApp user belongs to one person."""
    moment = stamp(now)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT OR IGNORE INTO people (user_id, created_at, last_active_at) VALUES (?, ?, ?)",
            (user_id, moment, moment),
        )
        await conn.execute(
            "DELETE FROM wa_contacts WHERE wa_user = ? AND user_id <> ?", (wa_user, user_id)
        )
        await conn.execute(
            "INSERT INTO wa_contacts (user_id, wa_user, phone, consent_at, consent_source,"
            " last_inbound_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET wa_user = excluded.wa_user,"
            " phone = excluded.phone, consent_at = excluded.consent_at,"
            " consent_source = excluded.consent_source,"
            " last_inbound_at = excluded.last_inbound_at, stopped_at = NULL, doorbell_at = NULL",
            (user_id, wa_user, phone, moment, source, moment),
        )
    contact = await get_contact(db, user_id)
    assert contact is not None
    return contact


async def unlink(db: Database, user_id: int) -> bool:
    """The person takes WhatsApp away: their identity and choices go, and what was queued for
    them there goes back to Telegram. Returns whether they were linked."""
    async with db.transaction() as conn:
        cursor = await conn.execute("DELETE FROM wa_contacts WHERE user_id = ?", (user_id,))
        await conn.execute("DELETE FROM channel_choices WHERE user_id = ?", (user_id,))
        await conn.execute(
            "UPDATE deliveries SET channel = 'telegram' WHERE status = 'pending'"
            " AND channel = 'whatsapp' AND chat_id = ?",
            (user_id,),
        )
        return cursor.rowcount > 0


async def touch_window(db: Database, user_id: int, now: datetime) -> None:
    """The member wrote or tapped: the 24-hour window opens (again) from now."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE wa_contacts SET last_inbound_at = ? WHERE user_id = ?", (stamp(now), user_id)
        )


async def stop(db: Database, user_id: int, now: datetime) -> int:
    """The stop keyword: nothing more is sent on WhatsApp until they write START; what was
    queued for them there ends at once. Returns how many deliveries ended."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE wa_contacts SET stopped_at = ? WHERE user_id = ?", (stamp(now), user_id)
        )
        cursor = await conn.execute(
            "UPDATE deliveries SET status = 'cancelled', error = ? WHERE status = 'pending'"
            " AND channel = 'whatsapp' AND chat_id = ?",
            (STOPPED, user_id),
        )
        return cursor.rowcount


async def restart(db: Database, user_id: int, now: datetime) -> None:
    """START after a stop: messages may come again (the message also opens the window)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE wa_contacts SET stopped_at = NULL, last_inbound_at = ? WHERE user_id = ?",
            (stamp(now), user_id),
        )


async def set_channel(
    db: Database, network_id: int, user_id: int, channel: str, now: datetime
) -> None:
    """How the bot reaches this member in this network from now on (Telegram: no row)."""
    async with db.transaction() as conn:
        if channel == TELEGRAM:
            await conn.execute(
                "DELETE FROM channel_choices WHERE network_id = ? AND user_id = ?",
                (network_id, user_id),
            )
        else:
            await conn.execute(
                "INSERT INTO channel_choices (network_id, user_id, channel, chosen_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (network_id, user_id) DO UPDATE SET"
                " channel = excluded.channel, chosen_at = excluded.chosen_at",
                (network_id, user_id, channel, stamp(now)),
            )


async def channels_of(db: Database, user_id: int) -> dict[int, str]:
    """The channel this person chose per network (networks not listed: Telegram)."""
    rows = await db.fetch_all(
        "SELECT network_id, channel FROM channel_choices WHERE user_id = ?", (user_id,)
    )
    return {row["network_id"]: row["channel"] for row in rows}


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person (inside the caller's transaction): their WhatsApp identity,
    choices and sent-message records go."""
    removed = 0
    for sql in (
        "DELETE FROM wa_messages WHERE user_id = ?",
        "DELETE FROM channel_choices WHERE user_id = ?",
        "DELETE FROM wa_contacts WHERE user_id = ?",
    ):
        cursor = await conn.execute(sql, (user_id,))
        removed += cursor.rowcount
    return removed


# Templates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TemplateState:
    name: str
    language: str
    status: str
    category: str
    updated_at: str

    @property
    def usable(self) -> bool:
        """Only an approved utility template is ever sent."""
        return self.status == "APPROVED" and self.category == "UTILITY"


async def set_template_state(
    db: Database,
    name: str,
    language: str,
    status: str | None = None,
    category: str | None = None,
    *,
    now: datetime,
) -> TemplateState:
    """Record what Meta last reported of a template (a field not given stays as it was; a
    template never reported before counts as PENDING UTILITY)."""
    moment = stamp(now)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO wa_templates (name, language, status, category, updated_at)"
            " VALUES (?, ?, coalesce(?, 'PENDING'), coalesce(?, 'UTILITY'), ?)"
            " ON CONFLICT (name, language) DO UPDATE SET"
            " status = coalesce(?, status), category = coalesce(?, category),"
            " updated_at = excluded.updated_at",
            (name, language, status, category, moment, status, category),
        )
    state = await template_state(db, name, language)
    assert state is not None
    return state


async def template_state(db: Database, name: str, language: str) -> TemplateState | None:
    row = await db.fetch_one(
        "SELECT * FROM wa_templates WHERE name = ? AND language = ?", (name, language)
    )
    return TemplateState(**dict(row)) if row is not None else None


# The outbox of the WhatsApp channel ---------------------------------------------------------


async def due(
    db: Database,
    now: datetime,
    limit: int,
    taken: Sequence[int] = (),
    *,
    paused_too: bool = False,
) -> list[tuple[Delivery, Contact | None]]:
    """Pending WhatsApp deliveries that may go now, most urgent first, each with the member's
    contact (None: no longer linked). Held back: those of a member whose doorbell rang and
    who has not answered yet, and later parts of a text whose earlier part is pending.
    `paused_too`: also those pausing before their next try (an outage's probe)."""
    moment = stamp(now)
    pause = (
        " AND (d.error IS NULL OR d.error NOT LIKE 'held back: %')"  # a limit, not a pause
        if paused_too
        else " AND (d.not_before IS NULL OR d.not_before <= ?)"
    )
    rows = await db.fetch_all(
        "SELECT d.*, c.user_id AS c_user_id, c.wa_user AS c_wa_user, c.phone AS c_phone,"
        " c.consent_at AS c_consent_at, c.consent_source AS c_consent_source,"
        " c.last_inbound_at AS c_last_inbound_at, c.stopped_at AS c_stopped_at,"
        " c.doorbell_at AS c_doorbell_at"
        " FROM deliveries AS d LEFT JOIN wa_contacts AS c ON c.user_id = d.chat_id"
        " WHERE d.channel = 'whatsapp' AND d.status = 'pending'"
        f"{pause} AND (d.expires_at IS NULL OR d.expires_at > ?)"
        " AND NOT (d.kind LIKE '%:more' AND EXISTS (SELECT 1 FROM deliveries AS p"
        "  WHERE p.id = d.id - 1 AND p.status = 'pending'))"
        # A follow-up after the message it answers, as on Telegram.
        " AND NOT (d.reply_to IS NOT NULL AND EXISTS (SELECT 1 FROM deliveries AS r"
        "  WHERE r.id = d.reply_to AND r.status = 'pending'))"
        # The doorbell rang, no answer since, less than a day ago: wait for the tap.
        " AND NOT (c.doorbell_at IS NOT NULL AND c.doorbell_at > ?"
        "  AND (c.last_inbound_at IS NULL OR c.last_inbound_at < c.doorbell_at))"
        " ORDER BY d.priority, d.id LIMIT ?",
        (*([] if paused_too else [moment]), moment, stamp(now - WINDOW), limit + len(taken)),
    )
    found = []
    for row in rows:
        if row["id"] in taken:
            continue
        values = dict(row)
        contact_values = {
            key.removeprefix("c_"): values.pop(key) for key in list(values) if key.startswith("c_")
        }
        values["params"] = json.loads(values["params"])
        values["pin"] = bool(values["pin"])
        delivery = Delivery(**values)
        contact = Contact(**contact_values) if contact_values["user_id"] is not None else None
        found.append((delivery, contact))
    return found[:limit]


async def record_message(
    db: Database,
    wamid: str,
    delivery: Delivery,
    now: datetime,
    *,
    template: str | None = None,
    actions: Sequence[str] = (),
    final: bool,
) -> int:
    """A message WhatsApp accepted for a delivery; `final`: the delivery is sent with it (the
    doorbell is not: it rings, and the delivery waits). Returns the message's row id."""
    moment = stamp(now)
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO wa_messages (wamid, delivery_id, user_id, template, actions, state,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'accepted', ?, ?)"
            " ON CONFLICT (wamid) DO NOTHING",
            (
                wamid,
                delivery.id,
                delivery.chat_id,
                template,
                json.dumps(list(actions)) if actions else None,
                moment,
                moment,
            ),
        )
        row_id = cursor.lastrowid or 0
        if template is not None:
            await conn.execute(
                "UPDATE wa_contacts SET doorbell_at = ? WHERE user_id = ?",
                (moment, delivery.chat_id),
            )
        if final:
            await conn.execute(
                "UPDATE deliveries SET status = 'sent', message_id = ?, sent_at = ?,"
                " attempts = attempts + 1, error = NULL WHERE id = ? AND status = 'pending'",
                (row_id, moment, delivery.id),
            )
    return row_id


async def to_telegram(db: Database, delivery_ids: Sequence[int], why: str) -> int:
    """WhatsApp cannot carry these: they go (back) to Telegram, with the reason kept."""
    if not delivery_ids:
        return 0
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE deliveries SET channel = 'telegram', not_before = NULL, error = ?"
            f" WHERE status = 'pending' AND id IN ({','.join('?' * len(delivery_ids))})",
            (why, *delivery_ids),
        )
        return cursor.rowcount


async def held_for_doorbell(db: Database, user_id: int) -> list[int]:
    """The pending WhatsApp deliveries of a member (waiting for their tap, or not yet tried)."""
    rows = await db.fetch_all(
        "SELECT id FROM deliveries WHERE status = 'pending' AND channel = 'whatsapp'"
        " AND chat_id = ? ORDER BY priority, id",
        (user_id,),
    )
    return [row["id"] for row in rows]


async def members_reached_outside_window(db: Database, now: datetime) -> set[int]:
    """Members a template went to in the last 24 hours (Meta caps how many per day)."""
    rows = await db.fetch_all(
        "SELECT DISTINCT user_id FROM wa_messages WHERE template IS NOT NULL AND created_at > ?",
        (stamp(now - WINDOW),),
    )
    return {row["user_id"] for row in rows}


async def oldest_template_since(db: Database, now: datetime) -> datetime | None:
    """When the oldest template of the last 24 hours went (the cap frees a place a day later)."""
    row = await db.fetch_one(
        "SELECT min(created_at) FROM wa_messages WHERE template IS NOT NULL AND created_at > ?",
        (stamp(now - WINDOW),),
    )
    return datetime.fromisoformat(row[0]) if row is not None and row[0] else None


@dataclass(frozen=True)
class SentMessage:
    wamid: str
    delivery_id: int | None
    user_id: int
    template: str | None
    actions: list[str]
    state: str
    error_code: int | None
    created_at: str


def _message(row: sqlite3.Row | None) -> SentMessage | None:
    if row is None:
        return None
    values = dict(row)
    values["actions"] = json.loads(values["actions"]) if values["actions"] else []
    values.pop("updated_at")
    return SentMessage(**values)


async def message(db: Database, wamid: str) -> SentMessage | None:
    return _message(await db.fetch_one("SELECT * FROM wa_messages WHERE wamid = ?", (wamid,)))


async def last_interactive(db: Database, user_id: int) -> SentMessage | None:
    """The last message with buttons sent to a member: a typed reply answers its buttons."""
    return _message(
        await db.fetch_one(
            "SELECT * FROM wa_messages WHERE user_id = ? AND actions IS NOT NULL"
            " ORDER BY created_at DESC, rowid DESC LIMIT 1",
            (user_id,),
        )
    )


# Forward only: a status never goes back (a late 'sent' after 'read' changes nothing).
ORDER = {"accepted": 0, "sent": 1, "delivered": 2, "read": 3, "failed": 4}


async def set_state(
    db: Database, wamid: str, state: str, error_code: int | None, now: datetime
) -> SentMessage | None:
    """Move a sent message's state forward; None when the wamid is not ours (or forgotten).
    'failed' only replaces a state before 'delivered' (WhatsApp may report it late)."""
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT state FROM wa_messages WHERE wamid = ?", (wamid,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return None
        current = row[0]
        forward = (
            ORDER[current] < ORDER["delivered"]
            if state == "failed"
            else current != "failed" and ORDER[state] > ORDER[current]
        )
        if forward:
            await conn.execute(
                "UPDATE wa_messages SET state = ?, error_code = ?, updated_at = ? WHERE wamid = ?",
                (state, error_code, stamp(now), wamid),
            )
    return await message(db, wamid)


async def queue(db: Database) -> dict[str, deliveries.Queue]:
    """How the outbox stands per channel (pending, oldest), for the operator."""
    rows = await db.fetch_all(
        "SELECT channel, count(*) AS n, min(created_at) AS oldest FROM deliveries"
        " WHERE status = 'pending' GROUP BY channel"
    )
    found = {TELEGRAM: deliveries.Queue(0, None), WHATSAPP: deliveries.Queue(0, None)}
    for row in rows:
        found[row["channel"]] = deliveries.Queue(row["n"], row["oldest"])
    return found


async def parts_sent(db: Database, delivery_id: int) -> int:
    """How many parts of a delivery (a long text goes in several messages) went already; the
    doorbell is not a part."""
    row = await db.fetch_one(
        "SELECT count(*) FROM wa_messages WHERE delivery_id = ? AND template IS NULL",
        (delivery_id,),
    )
    return int(row[0]) if row is not None else 0


async def last_message_at(db: Database, user_id: int) -> datetime | None:
    """When the last message went to this member (WhatsApp paces messages to one member)."""
    row = await db.fetch_one(
        "SELECT max(created_at) FROM wa_messages WHERE user_id = ?", (user_id,)
    )
    return datetime.fromisoformat(row[0]) if row is not None and row[0] else None


async def close_window(db: Database, user_id: int) -> None:
    """WhatsApp says the member's window is closed (131047) though we thought it open: the
    next message rings the doorbell."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE wa_contacts SET last_inbound_at = NULL, doorbell_at = NULL WHERE user_id = ?",
            (user_id,),
        )


async def clear_doorbell(db: Database, user_id: int) -> None:
    """The doorbell did not ring after all (it failed late): it may ring again."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE wa_contacts SET doorbell_at = NULL WHERE user_id = ?", (user_id,)
        )


async def reopen(db: Database, delivery_id: int, channel: str, error: str) -> bool:
    """A delivery recorded as sent did not arrive (WhatsApp reported it failed afterwards):
    pending again, on `channel`. False when it is not a sent WhatsApp delivery."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE deliveries SET status = 'pending', message_id = NULL, sent_at = NULL,"
            " channel = ?, error = ?, not_before = NULL WHERE id = ? AND status = 'sent'"
            " AND channel = 'whatsapp'",
            (channel, error, delivery_id),
        )
        return cursor.rowcount > 0


HELD_BACK = "held back: "  # the start of `error` of a delivery a WhatsApp limit holds back


async def hold(db: Database, delivery_ids: Sequence[int], until: datetime, why: str) -> int:
    """A limit of WhatsApp's holds these back until `until` (not a failed try); `error` says
    so, starting with HELD_BACK, for the sender's status."""
    if not delivery_ids:
        return 0
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE deliveries SET not_before = ?, error = ? WHERE status = 'pending'"
            f" AND id IN ({','.join('?' * len(delivery_ids))})",
            (stamp(until), HELD_BACK + why, *delivery_ids),
        )
        return cursor.rowcount


async def needing_doorbell(db: Database, now: datetime) -> list[tuple[int, int, int | None]]:
    """Pending WhatsApp deliveries of members whose window is closed: (id, user, network)."""
    rows = await db.fetch_all(
        "SELECT d.id, d.chat_id, d.network_id FROM deliveries AS d"
        " JOIN wa_contacts AS c ON c.user_id = d.chat_id"
        " WHERE d.status = 'pending' AND d.channel = 'whatsapp'"
        " AND (c.last_inbound_at IS NULL OR c.last_inbound_at <= ?) ORDER BY d.id",
        (stamp(now - WINDOW),),
    )
    return [(row[0], row[1], row[2]) for row in rows]


async def release(db: Database, since: datetime, now: datetime) -> int:
    """The Graph API answers again: what waited out the outage may go now."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE deliveries SET not_before = NULL WHERE status = 'pending'"
            " AND channel = 'whatsapp' AND not_before > ? AND last_try_at >= ?",
            (stamp(now), stamp(since)),
        )
        return cursor.rowcount


async def networks_on_whatsapp(db: Database) -> list[int]:
    """Networks with at least one member reached on WhatsApp."""
    rows = await db.fetch_all(
        "SELECT DISTINCT network_id FROM channel_choices WHERE channel = 'whatsapp'"
        " ORDER BY network_id"
    )
    return [row[0] for row in rows]

"""What the bot holds about one person, and forgetting it: the /mydata and /forget backends.

Each repository that stores personal data adds its part here, so that /mydata shows all of it
and /forget removes all of it in one transaction.

Forgetting goes beyond the rows that carry the person's id: the texts the bot or others wrote
that name them (a call list with their number, a headcount, "Petra approved Ahmed", an alert
that names them) are found by their name as they gave it, their phone number in any spelling
and their Telegram id, and cut (a message already sent keeps only what its delivery status
needs) or redacted (what is still on its way, and the network's own records).
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
from markupsafe import escape

from storage import (
    answer_messages,
    application_cards,
    audit,
    conversations,
    coordinators,
    deliveries,
    digest,
    group_chats,
    incidents,
    invites,
    meetings,
    memberships,
    networks,
    people,
    pulse,
    rumours,
    signals,
    talents,
    wa_links,
    whatsapp,
)
from storage.database import Database

# Every place a person's Telegram user id is stored, for `has_data`. References in other
# people's records (who decided, who invited) count: /forget removes those too.
_REFERENCES = (
    ("people", "user_id"),
    ("memberships", "user_id"),
    ("memberships", "decided_by"),
    ("memberships", "removed_by"),
    ("group_invite_links", "user_id"),
    ("coordinators", "user_id"),
    ("coordinators", "appointed_by"),
    ("coordinator_changes", "user_id"),
    ("coordinator_changes", "by_user_id"),
    ("networks", "created_by"),
    ("invites", "created_by"),
    ("invites", "used_by"),
    ("invites", "revoked_by"),
    ("group_chats", "added_by"),
    ("group_chats", "linked_by"),
    ("incidents", "created_by"),
    ("incidents", "closed_by"),
    ("incident_recipients", "user_id"),
    ("incident_drafts", "user_id"),
    ("attendance", "user_id"),
    ("meeting_topics", "user_id"),
    ("actions", "owner_id"),
    ("conversations", "user_id"),
    ("meeting_answer_messages", "user_id"),
    ("application_cards", "chat_id"),
    ("application_cards", "user_id"),
    ("application_cards", "decided_by"),
    ("audit", "actor_id"),
    ("pulse_asked", "user_id"),
    ("digest_choices", "user_id"),
    ("digests_sent", "user_id"),
    ("pulse_answers", "user_id"),
    ("signals", "reporter_id"),
    ("signals", "taken_by"),
    ("signals", "closed_by"),
    ("signal_cards", "chat_id"),
    ("rumours", "raised_by"),
    ("rumours", "judged_by"),
    ("rumours", "counter_by"),
    ("rumour_cards", "chat_id"),
    ("talents", "user_id"),
    ("wa_contacts", "user_id"),
    ("channel_choices", "user_id"),
    ("wa_messages", "user_id"),
    ("wa_link_codes", "user_id"),
    ("wa_awaiting", "user_id"),
)


async def export_person(db: Database, user_id: int) -> dict[str, Any]:
    """Everything stored about `user_id`, as a JSON-ready document.

    Only the person's own data: of a decision on their application the fact and the date, not
    who made it.
    """
    person = await people.get(db, user_id)
    document: dict[str, Any] = {"telegram_user_id": user_id}
    document["profile"] = (
        {
            "language": person.language,
            "first_stored_at": person.created_at,
            "last_active_at": person.last_active_at,
            "blocked_bot_at": person.blocked_at,
            "privacy_notice_version_agreed_to": person.privacy_version,
            "privacy_notice_agreed_at": person.privacy_agreed_at,
        }
        if person
        else None
    )
    names = {network.id: network.name for network in await networks.all(db)}
    document["memberships"] = [
        {
            "network": names.get(m.network_id),
            "role": m.role,
            "status": m.status,
            "display_name": m.display_name,
            "organisation": m.organisation,
            "reach": m.reach,
            "phone": m.phone,
            "phone_on_call_list": m.phone_to_hosts,
            "phone_shown_to_members": m.phone_to_members,
            "diet": m.diet,
            "consent_given_at": m.consent_at,
            "applied_at": m.submitted_at,
            "decided_at": m.decided_at,
            "joined_group_at": m.joined_at,
            "last_active_at": m.last_active_at,
            "removed_at": m.removed_at,
            "left_yourself": (m.removed_by == user_id) if m.removed_at else None,
        }
        for m in await memberships.for_user(db, user_id)
    ]
    links = await db.fetch_all(
        "SELECT * FROM group_invite_links WHERE user_id = ? ORDER BY id", (user_id,)
    )
    document["group_invite_links"] = [
        {
            "network": names.get(row["network_id"]),
            "link": row["invite_link"],
            "created_at": row["created_at"],
            "revoked_at": row["revoked_at"],
        }
        for row in links
    ]
    document["alerts_received"] = await incidents.responses_of(db, user_id)
    document |= await meetings.data_of(db, user_id)
    document["mood_pulse_answers"] = await pulse.data_of(db, user_id)  # open, or signed
    document["signals"] = await signals.data_of(db, user_id)
    document["rumours_raised"] = [  # what you passed on, and what the hosts made of it
        {
            "network": names.get(r.network_id),
            "text": r.text,
            "verdict": r.status,
            "raised_at": r.created_at,
            "counter_message_sent": r.counter_sent_at is not None,
        }
        for r in await rumours.raised_by(db, user_id)
    ]
    document["talents"] = [  # what you can do, want to learn, whom you reach (/profile)
        {"list": t.kind, "text": t.text, "added_at": t.created_at}
        for t in await talents.of_user(db, user_id)
    ]
    document["whatsapp"] = await _whatsapp_of(db, user_id, names)
    appointment = await coordinators.get(db, user_id)
    document["coordinator"] = (
        {"appointed_at": appointment.appointed_at} if appointment is not None else None
    )
    document["coordinator_changes"] = [  # the fact and the date, not who made the change
        {"change": change.change, "at": change.at}
        for change in await coordinators.changes(db, user_id)
    ]
    document["audit"] = [  # what you did and what was done about you: not who, nor to whom
        {
            "what": entry.action,
            "network": names.get(entry.network_id) if entry.network_id else None,
            "at": entry.at,
            "by_you": entry.actor_id == user_id,
        }
        for entry in await audit.about(db, user_id)
    ]
    return document


async def _whatsapp_of(db: Database, user_id: int, names: dict[int, str]) -> dict[str, Any] | None:
    """The person's WhatsApp link (whatsapp.inbound), their channel per network, and the
    messages sent to them there (when and how far they came, not what they said)."""
    contact = await whatsapp.get_contact(db, user_id)
    codes = await wa_links.codes_of(db, user_id)
    if contact is None and not codes:
        return None
    choices = await db.fetch_all(
        "SELECT network_id, channel, chosen_at FROM channel_choices WHERE user_id = ?"
        " ORDER BY network_id",
        (user_id,),
    )
    sent = await db.fetch_one(
        "SELECT count(*), min(created_at), max(created_at) FROM wa_messages WHERE user_id = ?",
        (user_id,),
    )
    return {
        "whatsapp_id": contact.wa_user if contact else None,
        "phone": contact.phone if contact else None,
        "consent_at": contact.consent_at if contact else None,
        "consent_source": contact.consent_source if contact else None,
        "last_message_from_you_at": contact.last_inbound_at if contact else None,
        "stopped_at": contact.stopped_at if contact else None,
        "channel_per_network": [
            {
                "network": names.get(row["network_id"]),
                "channel": row["channel"],
                "chosen_at": row["chosen_at"],
            }
            for row in choices
        ],
        "messages_sent": {
            "count": sent[0] if sent else 0,
            "first_at": sent[1] if sent else None,
            "last_at": sent[2] if sent else None,
        },
        "link_codes": [
            {
                "made_at": c.created_at,
                "source": c.source,
                "expires_at": c.expires_at,
                "used_at": c.used_at,
            }
            for c in codes
        ],
    }


async def has_data(db: Database, user_id: int) -> bool:
    checks = " UNION ALL ".join(
        f"SELECT 1 FROM {table} WHERE {column} = ?" for table, column in _REFERENCES
    )
    row = await db.fetch_one(f"SELECT EXISTS ({checks})", (user_id,) * len(_REFERENCES))
    return row is not None and bool(row[0])


async def forget_person(
    db: Database, user_id: int, *, names: Iterable[str] = (), keep_from: int | None = None
) -> int:
    """Delete every row about `user_id` at once; returns how many rows went or were cleared.

    What is only theirs is deleted; records that belong to other people too (a network they
    created, an invite they made, a decision on someone else) stay without their id, and every
    text that names them is cut or redacted (`scrub`). `names`: more names they go by (their
    Telegram name). `keep_from`: deliveries from this id on are the notices of this very
    forgetting ("Ahmed left Noord"); they go out as written and are cut once sent.
    Afterwards the write-ahead log is emptied into the file, so no old copy of a page lingers.
    """
    traces = await traces_of(db, user_id, names)
    # Looked for with the reader first (a full scan must not hold up the writer), then checked
    # again, with what came since, inside the transaction.
    found = await mentions(db, traces)
    async with db.transaction() as conn:
        # Everything in their own private chat, and every copy of their words sent to others,
        # in one statement: follow-ups thread under earlier messages of the same chat. (Their
        # chat's messages without their user id, the menus, were found by the reader.)
        own = ",".join(str(int(i)) for i in found.own_chat) or "NULL"
        cursor = await conn.execute(
            "DELETE FROM deliveries WHERE user_id = ?1 OR about_user_id = ?1"
            f" OR id IN ({own}) OR (id > ?2 AND chat_id = ?1)",
            (user_id, found.deliveries_to),
        )
        removed = cursor.rowcount
        # Memberships first: they refer to `people` and to invites.
        removed += await memberships.forget(conn, user_id)
        removed += await coordinators.forget(conn, user_id)
        removed += await invites.forget(conn, user_id)
        removed += await networks.forget(conn, user_id)
        removed += await group_chats.forget(conn, user_id)
        removed += await deliveries.forget(conn, user_id)
        removed += await incidents.forget(conn, user_id)
        removed += await meetings.forget(conn, user_id)
        removed += await conversations.forget(conn, user_id)
        removed += await answer_messages.forget(conn, user_id)
        removed += await application_cards.forget(conn, user_id)
        removed += await pulse.forget(conn, user_id)
        removed += await signals.forget(conn, user_id)
        removed += await audit.forget(conn, user_id)  # the facts stay, without their id
        removed += await rumours.forget(conn, user_id)  # a sent counter-message stays
        removed += await talents.forget(conn, user_id)
        removed += await digest.forget(conn, user_id)
        removed += await whatsapp.forget(conn, user_id)  # their link, choices, messages there
        removed += await wa_links.forget(conn, user_id)
        removed += await _forget_own_words(conn, user_id)
        removed += await people.delete(conn, user_id)
        removed += await scrub(conn, traces, found, keep_from=keep_from)
    await db.checkpoint()
    return removed


async def _forget_own_words(conn: aiosqlite.Connection, user_id: int) -> int:
    """What they wrote for the hosts goes with them: the topics they proposed (an anonymous one
    too: its words can say who wrote it)."""
    cursor = await conn.execute("DELETE FROM meeting_topics WHERE user_id = ?", (user_id,))
    return cursor.rowcount


# --- finding a person in texts ----------------------------------------------------------------

REDACTED = "…"
# The kind a notice of a forgetting gets ("Ahmed left Noord"): sent as written, then cut.
FORGOTTEN_NOTICE = "forgotten_notice"
CONTINUED = ":more"  # a later part of a long text (bot.outbox.CONTINUED)
# Button labels cut a name short (`meeting_texts.attended_buttons`, the hosts' Answer button).
_CUT_NAMES_AT = (30, 40)
_PHONE_DIGITS = 9  # the national number without its trunk prefix: 6 9999 1234
_SEPARATORS = r"[\s\-.()/]*"


@dataclass(frozen=True)
class Traces:
    """How a person can be recognised in a text: their names as they gave them (and as the
    bot's HTML and cut-short buttons show them), their phone number in any spelling, their
    Telegram id as a whole number."""

    user_id: int
    names: tuple[str, ...]
    phones: tuple[str, ...]

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        return _pattern(self)

    def literals(self) -> list[str]:
        """Plain strings at least one of which is in every text that names them: a first,
        cheap look in SQL before the pattern decides."""
        found = {str(self.user_id)}
        for name in self.names:
            for form in (name, str(escape(name))):
                found |= {_json_inner(form[:n]) for n in (*_CUT_NAMES_AT, len(form))}
        found |= {_digits(phone)[-4:] for phone in self.phones if len(_digits(phone)) >= 6}
        return sorted(found)

    def named_in(self, text: str) -> bool:
        return bool(self.pattern.search(text))

    def redact(self, text: str) -> str:
        return self.pattern.sub(REDACTED, text)


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _json_inner(text: str) -> str:
    """`text` as it appears inside a JSON string (the deliveries' params)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _pattern(traces: Traces) -> re.Pattern[str]:
    parts = [rf"(?<!\d){traces.user_id}(?!\d)"]
    forms: set[tuple[str, bool]] = set()
    for name in traces.names:
        for form in (name, str(escape(name))):
            forms.add((form, True))
            forms |= {(form[:n], False) for n in _CUT_NAMES_AT if len(form) > n}
    for form, whole in sorted(forms, key=lambda f: (-len(f[0]), f)):
        parts.append(rf"(?<!\w){re.escape(form)}" + (r"(?!\w)" if whole else ""))
    for phone in traces.phones:
        digits = _digits(phone)
        if len(digits) < 6:
            continue
        core = digits[-_PHONE_DIGITS:]
        # +31 6 9999 1234, 0031-6-99991234, 06 99 99 12 34, (06) 9999-1234 ...
        prefix = rf"(?:(?:\+|00){_SEPARATORS}\d{{1,3}}{_SEPARATORS}|0{_SEPARATORS})?"
        parts.append(rf"(?<!\d){prefix}" + _SEPARATORS.join(core) + r"(?!\d)")
    return re.compile("|".join(parts))


async def traces_of(db: Database, user_id: int, names: Iterable[str] = ()) -> Traces:
    """The person's names and phone numbers, from everything the bot keeps about them."""
    rows = await db.fetch_all(
        "SELECT display_name AS name, phone FROM memberships WHERE user_id = ?1"
        " UNION SELECT name, NULL FROM coordinators WHERE user_id = ?1"
        " UNION SELECT decider_name, NULL FROM application_cards WHERE decided_by = ?1",
        (user_id,),
    )
    found = [*names, *(row["name"] for row in rows if row["name"])]
    # Shorter names cannot be told apart from ordinary words; their id and number still count.
    usable = tuple(dict.fromkeys(n.strip() for n in found if len(n.strip()) >= 3))
    phones = tuple(dict.fromkeys(row["phone"] for row in rows if row["phone"]))
    return Traces(user_id, usable, phones)


# The texts of other records that can name a person: (table, key, text column). Deliveries and
# conversations are handled on their own (JSON, and what is still to be sent).
_FREE_TEXTS = (
    ("incidents", "id", "text"),
    ("incidents", "id", "closing_text"),
    ("incidents", "id", "status_text"),
    ("incident_drafts", "id", "text"),
    ("meeting_topics", "id", "text"),
    ("actions", "id", "what"),
    ("meetings", "id", "meal_note"),
    ("meeting_answer_messages", "rowid", "text"),
    ("pulse_answers", "id", "words"),
    ("rumours", "id", "text"),
    ("rumours", "id", "counter_text"),
)
_JSON_TEXTS = (("deliveries", "id", "params"), ("conversations", "user_id", "data"))


@dataclass(frozen=True)
class Mentions:
    """Rows that may name a person, from a first look: keys per (table, column), and the
    largest delivery id looked at (what was queued later is looked at again)."""

    rows: dict[tuple[str, str], list[int]]
    deliveries_to: int
    own_chat: list[int]  # deliveries to their private chat


async def mentions(db: Database, traces: Traces) -> Mentions:
    """Where `traces` may be found, looked for with the reader (no write lock held)."""
    literals = traces.literals()
    anywhere = " OR ".join(["instr(text, ?) > 0"] * len(literals))
    found: dict[tuple[str, str], list[int]] = {}
    for table, key, column in (*_FREE_TEXTS, *_JSON_TEXTS):
        rows = await db.fetch_all(
            f"SELECT key, text FROM (SELECT {key} AS key, {column} AS text FROM {table})"
            f" WHERE text IS NOT NULL AND ({anywhere})",
            literals,
        )
        found[(table, column)] = [row["key"] for row in rows if traces.named_in(row["text"])]
    row = await db.fetch_one("SELECT coalesce(max(id), 0) FROM deliveries")
    own = await db.fetch_all("SELECT id FROM deliveries WHERE chat_id = ?", (traces.user_id,))
    return Mentions(found, row[0] if row is not None else 0, [r["id"] for r in own])


async def scrub(
    conn: aiosqlite.Connection, traces: Traces, found: Mentions, *, keep_from: int | None = None
) -> int:
    """Inside the transaction: every text `found` named the person (and every delivery queued
    since) is checked again and redacted, cut or, for a half-typed conversation, dropped."""
    changed = 0
    for table, key, column in _FREE_TEXTS:
        for row in await _rows(conn, table, key, column, found.rows[(table, column)]):
            if row["text"] is not None and traces.named_in(row["text"]):
                await conn.execute(
                    f"UPDATE {table} SET {column} = ? WHERE {key} = ?",
                    (traces.redact(row["text"]), row["key"]),
                )
                changed += 1
    talks = found.rows[("conversations", "data")]
    for row in await _rows(conn, "conversations", "user_id", "data", talks):
        if traces.named_in(row["text"]):  # someone was about to write about them: start again
            await conn.execute("DELETE FROM conversations WHERE user_id = ?", (row["key"],))
            changed += 1
    return changed + await _scrub_deliveries(conn, traces, found, keep_from)


async def _rows(
    conn: aiosqlite.Connection, table: str, key: str, column: str, keys: Sequence[int]
) -> list[sqlite3.Row]:
    if not keys:
        return []
    marks = ",".join("?" * len(keys))
    async with conn.execute(
        f"SELECT {key} AS key, {column} AS text FROM {table} WHERE {key} IN ({marks})", keys
    ) as cursor:
        return list(await cursor.fetchall())


async def _scrub_deliveries(
    conn: aiosqlite.Connection, traces: Traces, found: Mentions, keep_from: int | None
) -> int:
    ids = found.rows[("deliveries", "params")]
    marks = ",".join("?" * len(ids)) or "NULL"
    async with conn.execute(
        f"SELECT id, kind, status, params FROM deliveries WHERE id IN ({marks}) OR id > ?",
        (*ids, found.deliveries_to),
    ) as cursor:
        rows = await cursor.fetchall()
    changed = 0
    for row in rows:
        if not traces.named_in(row["params"]):
            continue
        if keep_from is not None and row["id"] >= keep_from and row["status"] == "pending":
            # The notices of this very forgetting ("Ahmed left Noord") go out as written; their
            # kind says to cut them, and empty the log, once they are sent.
            continued = CONTINUED if row["kind"].endswith(CONTINUED) else ""
            await conn.execute(
                "UPDATE deliveries SET kind = ? WHERE id = ?",
                (FORGOTTEN_NOTICE + continued, row["id"]),
            )
            continue
        params = json.loads(row["params"])
        kept = redact_params(params, traces) if row["status"] == "pending" else cut(params)
        await conn.execute(
            "UPDATE deliveries SET params = ? WHERE id = ?",
            (json.dumps(kept, ensure_ascii=False), row["id"]),
        )
        changed += 1
    return changed


def cut(params: dict[str, Any]) -> dict[str, Any]:
    """What a delivery that ended still needs of its params: only the message it acted on (a
    pin's, an unpin's). Its text and buttons are of no further use: what stays true after
    sending (a status, a count, an application's copies) keeps its own record."""
    return {key: params[key] for key in ("message_id",) if key in params}


# `cut` in SQL, for many rows at once (storage.retention).
CUT_SQL = (
    "CASE WHEN json_type(params, '$.message_id') IS NULL THEN '{}'"
    " ELSE json_object('message_id', json_extract(params, '$.message_id')) END"
)


def redact_params(params: dict[str, Any], traces: Traces) -> dict[str, Any]:
    """A delivery still to be sent, without the person: their name, number and id become "…"
    in every text, and a button that acts on them (its data carries their id) goes."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return traces.redact(value)
        if isinstance(value, list):
            return [clean(item) for item in value]
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        return value

    acts_on_them = re.compile(rf"(?<!\d){traces.user_id}(?!\d)")
    kept = dict(params)
    if "buttons" in kept:
        rows = [
            [b for b in row if not any(acts_on_them.search(str(v)) for v in b.values())]
            for row in kept["buttons"]
        ]
        kept["buttons"] = [row for row in rows if row]
        if not kept["buttons"]:
            del kept["buttons"]
    return {key: clean(value) for key, value in kept.items()}


async def next_delivery_id(db: Database) -> int:
    """The id the next delivery queued will have (or a larger one)."""
    row = await db.fetch_one("SELECT coalesce(max(id), 0) + 1 FROM deliveries")
    return int(row[0]) if row is not None else 1

"""Linking WhatsApp to a person, and the WhatsApp webhooks already handled.

- **Link codes.** A one-time code a member sends from WhatsApp to say "this WhatsApp is me"
  (`whatsapp.inbound`). Eight characters of an alphabet without look-alikes (no 0/O, 1/I/L),
  single use, valid for `DEFAULT_TTL`; a new code for the same person replaces their unused
  one. Checking a code does not use it: `use` does, once the link is stored.
- **Webhooks seen.** Meta sends a webhook again when it thinks we did not take it; each item
  (a message, a status, a template update) is handled once by its key (`record`); the item
  waits in the table until it is handled, so one answered just before a stop is not lost.
- **Awaiting.** What a member's next typed text on WhatsApp is taken as, when a tap asked for
  words (the few words after 💬 Reply; the confirmation of FORGET ME).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

import aiosqlite

from storage.database import Database
from storage.deliveries import DEFAULT_LIFETIME, priority

DEFAULT_TTL = timedelta(hours=24)
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read aloud or retyped safely
CODE_LENGTH = 8


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


@dataclass(frozen=True)
class LinkCode:
    code: str
    user_id: int
    network_id: int | None  # the network it was made for (None: the person alone)
    source: str  # 'profile' | 'invite'
    created_at: str
    expires_at: str
    used_at: str | None


class Refusal(StrEnum):
    """Why a link code does not link."""

    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


def _code(row: sqlite3.Row) -> LinkCode:
    return LinkCode(**dict(row))


def normalise(text: str) -> str:
    """A code as typed ("4f7k 2q9a", "4F7K-2Q9A") in its stored form."""
    return "".join(ch for ch in text.upper() if ch.isalnum())


async def new_code(
    db: Database,
    user_id: int,
    network_id: int | None,
    source: str,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> LinkCode:
    """A fresh code for `user_id`; their earlier unused codes stop working."""
    async with db.transaction() as conn:
        await conn.execute(
            "DELETE FROM wa_link_codes WHERE user_id = ? AND used_at IS NULL", (user_id,)
        )
        while True:
            code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
            try:
                async with conn.execute(
                    "INSERT INTO wa_link_codes"
                    " (code, user_id, network_id, source, created_at, expires_at)"
                    " VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
                    (code, user_id, network_id, source, _stamp(now), _stamp(now + ttl)),
                ) as cursor:
                    row = await cursor.fetchone()
                assert row is not None
                return _code(row)
            except sqlite3.IntegrityError:  # the same code by chance (one in 10^12): again
                continue


async def check(db: Database, code: str, now: datetime) -> LinkCode | Refusal:
    """The code if it links now; otherwise why not. Nothing is changed."""
    row = await db.fetch_one("SELECT * FROM wa_link_codes WHERE code = ?", (normalise(code),))
    if row is None:
        return Refusal.UNKNOWN
    found = _code(row)
    if found.used_at is not None:
        return Refusal.USED
    if found.expires_at <= _stamp(now):
        return Refusal.EXPIRED
    return found


async def use(db: Database, code: str, now: datetime) -> bool:
    """Mark the code used; False if it was used meanwhile."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE wa_link_codes SET used_at = ? WHERE code = ? AND used_at IS NULL",
            (_stamp(now), normalise(code)),
        )
        return cursor.rowcount > 0


async def open_code(db: Database, user_id: int, now: datetime) -> LinkCode | None:
    """The person's code that still works, if any."""
    row = await db.fetch_one(
        "SELECT * FROM wa_link_codes WHERE user_id = ? AND used_at IS NULL AND expires_at > ?"
        " ORDER BY created_at DESC LIMIT 1",
        (user_id, _stamp(now)),
    )
    return _code(row) if row is not None else None


async def codes_of(db: Database, user_id: int) -> list[LinkCode]:
    rows = await db.fetch_all(
        "SELECT * FROM wa_link_codes WHERE user_id = ? ORDER BY created_at", (user_id,)
    )
    return [_code(row) for row in rows]


async def drop_codes(db: Database, user_id: int) -> int:
    """The person's unused codes stop working (they unlinked, or linked another way)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM wa_link_codes WHERE user_id = ? AND used_at IS NULL", (user_id,)
        )
        return cursor.rowcount


# --- webhooks seen -----------------------------------------------------------------------------


async def record(db: Database, key: str, item: str, now: datetime) -> bool:
    """Record a webhook item (JSON) to be handled; False if its key was seen before (a repeat)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT OR IGNORE INTO wa_webhooks_seen (key, seen_at, item) VALUES (?, ?, ?)",
            (key, _stamp(now), item),
        )
        return cursor.rowcount > 0


async def handled(db: Database, key: str, now: datetime) -> None:
    """The item is handled: only its key stays (a repeat is still known)."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE wa_webhooks_seen SET item = NULL, done_at = ? WHERE key = ?",
            (_stamp(now), key),
        )


async def unhandled(db: Database) -> list[tuple[str, str]]:
    """Items recorded but not handled (the bot stopped in between), oldest first."""
    rows = await db.fetch_all(
        "SELECT key, item FROM wa_webhooks_seen WHERE done_at IS NULL ORDER BY seen_at, rowid"
    )
    return [(row["key"], row["item"] or "{}") for row in rows]


# --- what the next typed text is -----------------------------------------------------------------


@dataclass(frozen=True)
class Awaiting:
    user_id: int
    what: str  # 'reply' | 'forget'
    ref_id: int | None
    since: str


async def await_text(
    db: Database, user_id: int, what: str, ref_id: int | None, now: datetime
) -> None:
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO wa_awaiting (user_id, what, ref_id, since) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET what = excluded.what,"
            " ref_id = excluded.ref_id, since = excluded.since",
            (user_id, what, ref_id, _stamp(now)),
        )


async def awaiting(db: Database, user_id: int) -> Awaiting | None:
    row = await db.fetch_one("SELECT * FROM wa_awaiting WHERE user_id = ?", (user_id,))
    return Awaiting(**dict(row)) if row is not None else None


async def stop_awaiting(db: Database, user_id: int) -> None:
    async with db.transaction() as conn:
        await conn.execute("DELETE FROM wa_awaiting WHERE user_id = ?", (user_id,))


# --- answers on WhatsApp -------------------------------------------------------------------

ANSWER_KIND = "wa_answer"


async def queue_answer(
    db: Database,
    user_id: int,
    text: str,
    buttons: list[list[dict[str, str]]],
    now: datetime,
) -> int:
    """Queue an answer to what a member wrote or tapped on WhatsApp: it goes out there, paced
    like everything else sent to them, whatever channel they chose per network (they are
    talking to us there). Returns the delivery's id."""
    params: dict[str, object] = {"text": text}
    if buttons:
        params["buttons"] = buttons
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO deliveries (chat_id, priority, method, params, kind, user_id, pin,"
            " created_at, expires_at, channel) VALUES (?, ?, 'message', ?, ?, ?, 0, ?, ?,"
            " 'whatsapp')",
            (
                user_id,
                priority("urgent", group=False),
                json.dumps(params, ensure_ascii=False),
                ANSWER_KIND,
                user_id,
                _stamp(now),
                _stamp(now + DEFAULT_LIFETIME),
            ),
        )
        return cursor.lastrowid or 0


async def recent_buttons(db: Database, user_id: int, limit: int) -> list[list[str]]:
    """The action strings of the last `limit` messages with buttons sent to a member on
    WhatsApp (`storage.whatsapp` records them), newest first: a typed word may answer one."""
    rows = await db.fetch_all(
        "SELECT actions FROM wa_messages WHERE user_id = ? AND actions IS NOT NULL"
        " ORDER BY created_at DESC, rowid DESC LIMIT ?",
        (user_id, limit),
    )
    return [list(json.loads(row["actions"])) for row in rows]


async def pending_incidents(db: Database, user_id: int) -> list[int]:
    """The alerts whose copy for this member still waits to go out on WhatsApp."""
    rows = await db.fetch_all(
        "SELECT DISTINCT incident_id FROM deliveries WHERE status = 'pending'"
        " AND channel = 'whatsapp' AND chat_id = ? AND incident_id IS NOT NULL",
        (user_id,),
    )
    return [row[0] for row in rows]


# --- /forget and retention -----------------------------------------------------------------------


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Inside /forget's transaction: the person's codes and what was awaited from them."""
    removed = 0
    for table in ("wa_link_codes", "wa_awaiting"):
        cursor = await conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
        removed += cursor.rowcount
    return removed


async def give_up(db: Database, seen_before: datetime, now: datetime) -> int:
    """Items recorded before `seen_before` and still not handled (their handling failed at
    every start since): their words and numbers go; `purge` then takes their keys."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE wa_webhooks_seen SET item = NULL, done_at = ?"
            " WHERE done_at IS NULL AND seen_at < ?",
            (_stamp(now), _stamp(seen_before)),
        )
        return cursor.rowcount


async def purge(
    db: Database,
    now: datetime,
    *,
    seen_before: datetime,
    awaited_before: datetime,
    messages_before: datetime,
) -> int:
    """Retention: used and expired codes, handled webhook keys seen before `seen_before`, words
    awaited since before `awaited_before`, and the records of WhatsApp messages sent before
    `messages_before` (`storage.whatsapp`: their states and buttons, needed only while the
    member may still tap or the statuses still come)."""
    async with db.transaction() as conn:
        removed = 0
        cursor = await conn.execute(
            "DELETE FROM wa_link_codes WHERE used_at IS NOT NULL OR expires_at <= ?",
            (_stamp(now),),
        )
        removed += cursor.rowcount
        cursor = await conn.execute(
            "DELETE FROM wa_webhooks_seen WHERE done_at IS NOT NULL AND seen_at < ?",
            (_stamp(seen_before),),
        )
        removed += cursor.rowcount
        cursor = await conn.execute(
            "DELETE FROM wa_awaiting WHERE since < ?", (_stamp(awaited_before),)
        )
        removed += cursor.rowcount
        cursor = await conn.execute(
            "DELETE FROM wa_messages WHERE created_at < ?", (_stamp(messages_before),)
        )
        removed += cursor.rowcount
        return removed

"""Invites: the single-use deep links through which a person enters one network in one role.

A code is `secrets.token_urlsafe`, so it is unguessable and fits a deep-link payload (at most 64
characters of A-Z a-z 0-9 _ -). Redeeming it consumes it and opens the person's intake in the
same transaction, so an invite is never used without a membership to show for it, or twice.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import aiosqlite

from storage.database import Database

DEFAULT_TTL = timedelta(days=7)
# 24 random bytes: 192 bits, written as 32 URL-safe characters.
CODE_BYTES = 24
CODE_SHAPE = re.compile(r"[A-Za-z0-9_-]{32}")


@dataclass(frozen=True)
class Invite:
    id: int
    code: str
    network_id: int
    role: str
    created_by: int | None  # None once the creator used /forget
    created_at: str
    expires_at: str
    used_by: int | None
    used_at: str | None
    revoked_at: str | None
    revoked_by: int | None


class Refusal(StrEnum):
    """Why an invite could not be redeemed."""

    MALFORMED = "malformed"  # not an invite code at all (checked before any query)
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    REVOKED = "revoked"
    ALREADY_MEMBER = "already_member"  # the invite stays open for someone else
    APPLIED = "applied"  # an application to that network awaits the hosts; the invite stays open


def _invite(row: sqlite3.Row) -> Invite:
    return Invite(**dict(row))


def is_code(text: str) -> bool:
    """Whether `text` has the shape of an invite code (a /start payload may be something else)."""
    return CODE_SHAPE.fullmatch(text) is not None


async def create(
    db: Database,
    network_id: int,
    role: str,
    created_by: int,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> Invite:
    """A new open invite to `network_id` as `role`, valid for `ttl`."""
    if ttl <= timedelta(0):
        raise ValueError("an invite must be valid for some time")
    code = secrets.token_urlsafe(CODE_BYTES)
    async with db.transaction() as conn:
        async with conn.execute(
            "INSERT INTO invites (code, network_id, role, created_by, created_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?, ?) RETURNING *",
            (code, network_id, role, created_by, now.isoformat(), (now + ttl).isoformat()),
        ) as cursor:
            row = await cursor.fetchone()
    assert row is not None
    return _invite(row)


async def get(db: Database, invite_id: int) -> Invite | None:
    row = await db.fetch_one("SELECT * FROM invites WHERE id = ?", (invite_id,))
    return _invite(row) if row is not None else None


async def by_code(db: Database, code: str) -> Invite | None:
    if not is_code(code):
        return None
    row = await db.fetch_one("SELECT * FROM invites WHERE code = ?", (code,))
    return _invite(row) if row is not None else None


def _refusal(invite: Invite, now: str) -> Refusal | None:
    # A deliberate revocation says most, then use, then the passing of time.
    if invite.revoked_at is not None:
        return Refusal.REVOKED
    if invite.used_at is not None:
        return Refusal.USED
    if invite.expires_at <= now:
        return Refusal.EXPIRED
    return None


async def redeem(db: Database, code: str, user_id: int, now: datetime) -> Invite | Refusal:
    """Use the invite `code` for `user_id`: their membership (re)starts in status 'intake'.

    Returns the used invite, or why not. A person already approved in that network gets
    `Refusal.ALREADY_MEMBER`, one whose application there awaits the hosts `Refusal.APPLIED`;
    either way the invite stays open and nothing of theirs changes. Someone rejected or
    removed earlier starts a fresh intake: their earlier answers and decision are cleared.
    """
    if not is_code(code):
        return Refusal.MALFORMED
    stamp = now.isoformat()
    async with db.transaction() as conn:
        async with conn.execute("SELECT * FROM invites WHERE code = ?", (code,)) as cursor:
            row = await cursor.fetchone()
        if row is None:
            return Refusal.UNKNOWN
        invite = _invite(row)
        refusal = _refusal(invite, stamp)
        if refusal is not None:
            return refusal
        async with conn.execute(
            "SELECT status FROM memberships WHERE network_id = ? AND user_id = ?",
            (invite.network_id, user_id),
        ) as cursor:
            existing = await cursor.fetchone()
        if existing is not None and existing["status"] == "approved":
            return Refusal.ALREADY_MEMBER
        if existing is not None and existing["status"] == "awaiting_approval":
            return Refusal.APPLIED
        # Conditional even inside the transaction: the row decides, not what we read above.
        async with conn.execute(
            "UPDATE invites SET used_by = ?, used_at = ?"
            " WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?"
            " RETURNING *",
            (user_id, stamp, invite.id, stamp),
        ) as cursor:
            used = await cursor.fetchone()
        if used is None:
            return Refusal.USED
        await conn.execute(
            "INSERT INTO people (user_id, created_at, last_active_at) VALUES (?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET last_active_at = excluded.last_active_at",
            (user_id, stamp, stamp),
        )
        await conn.execute(
            "INSERT INTO memberships (network_id, user_id, role, status, invite_id,"
            " last_active_at) VALUES (?, ?, ?, 'intake', ?, ?)"
            " ON CONFLICT (network_id, user_id) DO UPDATE SET"
            " role = excluded.role, status = 'intake', intake_step = NULL,"
            " display_name = NULL, organisation = NULL, reach = NULL, phone = NULL,"
            " phone_to_hosts = 0, phone_to_members = 0, diet = NULL, consent_at = NULL,"
            " invite_id = excluded.invite_id,"
            " submitted_at = NULL, decided_by = NULL, decided_at = NULL, joined_at = NULL,"
            " last_active_at = excluded.last_active_at, removed_at = NULL, removed_by = NULL",
            (invite.network_id, user_id, invite.role, invite.id, stamp),
        )
    return _invite(used)


async def list_open(db: Database, network_id: int, now: datetime) -> list[Invite]:
    """Invites of `network_id` that can still be used, oldest first."""
    rows = await db.fetch_all(
        "SELECT * FROM invites WHERE network_id = ? AND used_at IS NULL"
        " AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at, id",
        (network_id, now.isoformat()),
    )
    return [_invite(row) for row in rows]


async def revoke(db: Database, invite_id: int, by: int, now: datetime) -> bool:
    """Withdraw an invite that is still open; False if it was used, revoked or expired already."""
    stamp = now.isoformat()
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE invites SET revoked_at = ?, revoked_by = ?"
            " WHERE id = ? AND used_at IS NULL AND revoked_at IS NULL AND expires_at > ?",
            (stamp, by, invite_id, stamp),
        )
        return cursor.rowcount > 0


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: invites they made or used stay, without the reference."""
    total = 0
    for column in ("created_by", "used_by", "revoked_by"):
        cursor = await conn.execute(
            f"UPDATE invites SET {column} = NULL WHERE {column} = ?", (user_id,)
        )
        total += cursor.rowcount
    return total

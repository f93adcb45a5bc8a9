"""Memberships: a person's place in a network, from intake through approval to leaving.

A membership starts when an invite is redeemed (see `storage.invites.redeem`) in status
'intake'; the answers are saved one step at a time; `submit` hands it to the hosts
('awaiting_approval'); `decide` approves or rejects it exactly once; `remove` ends it, whether
a host removed the member or they left themselves. The personal join links sent to approved
members live here too, because they end with the membership.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage import deliveries
from storage.database import Database

# The answers of the intake conversation, which `save_intake` may write. Names are columns.
INTAKE_FIELDS = frozenset(
    {"display_name", "organisation", "reach", "phone", "phone_to_hosts", "phone_to_members", "diet"}
)
# Answers a host needs before an application can be judged.
REQUIRED_FIELDS = ("display_name",)


@dataclass(frozen=True)
class Membership:
    network_id: int
    user_id: int
    role: str
    status: str
    intake_step: str | None
    display_name: str | None
    organisation: str | None
    reach: str | None
    phone: str | None
    phone_to_hosts: bool  # on the call list of this network's police chief and municipality
    phone_to_members: bool  # in /contacts for the other members
    diet: str | None
    consent_at: str | None
    invite_id: int | None
    submitted_at: str | None
    decided_by: int | None  # None once the decider used /forget
    decided_at: str | None
    joined_at: str | None
    last_active_at: str | None
    removed_at: str | None
    removed_by: int | None


@dataclass(frozen=True)
class GroupInviteLink:
    """The personal join link of one approved member for one group chat."""

    id: int
    network_id: int
    user_id: int
    chat_id: int
    invite_link: str
    created_at: str
    revoked_at: str | None


def _membership(row: sqlite3.Row) -> Membership:
    values = dict(row)
    values["phone_to_hosts"] = bool(values["phone_to_hosts"])
    values["phone_to_members"] = bool(values["phone_to_members"])
    return Membership(**values)


def _maybe(row: sqlite3.Row | None) -> Membership | None:
    return _membership(row) if row is not None else None


def _link(row: sqlite3.Row) -> GroupInviteLink:
    return GroupInviteLink(**dict(row))


async def _fetch(conn: aiosqlite.Connection, network_id: int, user_id: int) -> Membership | None:
    async with conn.execute(
        "SELECT * FROM memberships WHERE network_id = ? AND user_id = ?", (network_id, user_id)
    ) as cursor:
        return _maybe(await cursor.fetchone())


# --- reading -----------------------------------------------------------------------------


async def get(db: Database, network_id: int, user_id: int) -> Membership | None:
    return _maybe(
        await db.fetch_one(
            "SELECT * FROM memberships WHERE network_id = ? AND user_id = ?",
            (network_id, user_id),
        )
    )


async def for_user(db: Database, user_id: int) -> list[Membership]:
    """Every membership of a person, in every network and status."""
    rows = await db.fetch_all(
        "SELECT * FROM memberships WHERE user_id = ? ORDER BY network_id", (user_id,)
    )
    return [_membership(row) for row in rows]


async def in_intake(db: Database, user_id: int) -> list[Membership]:
    """The intakes a person has not submitted yet (to resume the conversation after a restart)."""
    rows = await db.fetch_all(
        "SELECT * FROM memberships WHERE user_id = ? AND status = 'intake' ORDER BY network_id",
        (user_id,),
    )
    return [_membership(row) for row in rows]


async def roster(
    db: Database, network_id: int, *, include_removed: bool = False
) -> list[Membership]:
    """The people of a network for its hosts: hosts first, then by status and name."""
    rows = await db.fetch_all(
        "SELECT * FROM memberships WHERE network_id = ? AND (? OR status <> 'removed')"
        " ORDER BY role = 'key_figure', CASE status WHEN 'approved' THEN 0"
        " WHEN 'awaiting_approval' THEN 1 WHEN 'intake' THEN 2 WHEN 'rejected' THEN 3"
        " ELSE 4 END, display_name COLLATE NOCASE, user_id",
        (network_id, include_removed),
    )
    return [_membership(row) for row in rows]


async def awaiting_approval(db: Database, network_id: int) -> list[Membership]:
    """Submitted applications of a network, oldest first."""
    rows = await db.fetch_all(
        "SELECT * FROM memberships WHERE network_id = ? AND status = 'awaiting_approval'"
        " ORDER BY submitted_at, user_id",
        (network_id,),
    )
    return [_membership(row) for row in rows]


async def awaiting_approval_count(db: Database) -> int:
    """Submitted applications of all networks together, in one query."""
    row = await db.fetch_one("SELECT count(*) FROM memberships WHERE status = 'awaiting_approval'")
    return int(row[0]) if row is not None else 0


@dataclass(frozen=True)
class Numbers:
    """A network's numbers for the coordinator's overview."""

    approved: int = 0
    awaiting_approval: int = 0
    group_chats: int = 0


async def numbers_of(db: Database, network_ids: Iterable[int]) -> dict[int, Numbers]:
    """Members, applicants and group chats of several networks, in two queries."""
    ids = list(dict.fromkeys(network_ids))
    found = {n: Numbers() for n in ids}
    if not ids:
        return found
    marks = ",".join("?" * len(ids))
    counted: dict[int, dict[str, int]] = {n: {} for n in ids}
    for row in await db.fetch_all(
        "SELECT network_id, status, count(*) AS n FROM memberships"
        f" WHERE network_id IN ({marks}) AND status IN ('approved', 'awaiting_approval')"
        " GROUP BY network_id, status",
        ids,
    ):
        counted[row["network_id"]][row["status"]] = row["n"]
    for row in await db.fetch_all(
        "SELECT network_id, count(*) AS n FROM group_chats"
        f" WHERE network_id IN ({marks}) AND left_at IS NULL GROUP BY network_id",
        ids,
    ):
        counted[row["network_id"]]["groups"] = row["n"]
    return {
        n: Numbers(c.get("approved", 0), c.get("awaiting_approval", 0), c.get("groups", 0))
        for n, c in counted.items()
    }


async def hosts_of(db: Database, network_id: int) -> list[Membership]:
    """The approved police chief(s) and municipality contact(s) of a network."""
    rows = await db.fetch_all(
        "SELECT * FROM memberships WHERE network_id = ? AND status = 'approved'"
        " AND role IN ('police_chief', 'municipality') ORDER BY role, user_id",
        (network_id,),
    )
    return [_membership(row) for row in rows]


async def approved_roles(db: Database, user_id: int) -> dict[int, str]:
    """network_id → role for every network in which `user_id` is approved."""
    rows = await db.fetch_all(
        "SELECT network_id, role FROM memberships WHERE user_id = ? AND status = 'approved'",
        (user_id,),
    )
    return {row["network_id"]: row["role"] for row in rows}


async def approved_member_of_chat(db: Database, chat_id: int, user_id: int) -> bool:
    """Whether `user_id` is an approved member of the network this group chat is linked to."""
    row = await db.fetch_one(
        "SELECT 1 FROM group_chats g JOIN memberships m ON m.network_id = g.network_id"
        " WHERE g.chat_id = ? AND g.left_at IS NULL AND m.user_id = ?"
        " AND m.status = 'approved'",
        (chat_id, user_id),
    )
    return row is not None


# --- the intake ----------------------------------------------------------------------------


async def save_intake(
    db: Database,
    network_id: int,
    user_id: int,
    now: datetime,
    *,
    step: str | None = None,
    answers: Mapping[str, str | bool | None] | None = None,
    consent: bool | None = None,
) -> Membership | None:
    """Store answers and the step reached, while the intake is open.

    `answers` keys are from `INTAKE_FIELDS`; `consent=True` records consent now, `False`
    withdraws it, `None` leaves it. Returns the updated membership, or None if the person has
    no open intake in that network (it was submitted, decided or never started).
    """
    answers = dict(answers or {})
    unknown = set(answers) - INTAKE_FIELDS
    if unknown:
        raise ValueError(f"not intake answers: {sorted(unknown)}")
    stamp = now.isoformat()
    # Column names come from INTAKE_FIELDS only, never from the caller's text.
    assignments = [f"{field} = ?" for field in sorted(answers)]
    values: list[object] = [answers[field] for field in sorted(answers)]
    if step is not None:
        assignments.append("intake_step = ?")
        values.append(step)
    if consent is not None:
        assignments.append("consent_at = ?")
        values.append(stamp if consent else None)
    assignments.append("last_active_at = ?")
    values.append(stamp)
    async with db.transaction() as conn:
        async with conn.execute(
            f"UPDATE memberships SET {', '.join(assignments)}"
            " WHERE network_id = ? AND user_id = ? AND status = 'intake' RETURNING *",
            (*values, network_id, user_id),
        ) as cursor:
            return _maybe(await cursor.fetchone())


class Submission(StrEnum):
    SUBMITTED = "submitted"
    NO_CONSENT = "no_consent"  # the privacy notice was not agreed to
    INCOMPLETE = "incomplete"  # a required answer is missing
    NOT_IN_INTAKE = "not_in_intake"  # no open intake: submitted already, decided, or none


async def submit(db: Database, network_id: int, user_id: int, now: datetime) -> Submission:
    """Hand the intake to the hosts: 'intake' → 'awaiting_approval', only with consent."""
    stamp = now.isoformat()
    async with db.transaction() as conn:
        membership = await _fetch(conn, network_id, user_id)
        if membership is None or membership.status != "intake":
            return Submission.NOT_IN_INTAKE
        if membership.consent_at is None:
            return Submission.NO_CONSENT
        if any(not getattr(membership, field) for field in REQUIRED_FIELDS):
            return Submission.INCOMPLETE
        await conn.execute(
            "UPDATE memberships SET status = 'awaiting_approval', submitted_at = ?,"
            " last_active_at = ? WHERE network_id = ? AND user_id = ? AND status = 'intake'",
            (stamp, stamp, network_id, user_id),
        )
    return Submission.SUBMITTED


async def cancel_intake(db: Database, network_id: int, user_id: int) -> bool:
    """/cancel: drop an unsubmitted intake and its answers. Its invite is open again (until it
    expires), so the person can start over with the same link."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE invites SET used_by = NULL, used_at = NULL WHERE used_by = ? AND id ="
            " (SELECT invite_id FROM memberships"
            "  WHERE network_id = ? AND user_id = ? AND status = 'intake')",
            (user_id, network_id, user_id),
        )
        cursor = await conn.execute(
            "DELETE FROM memberships WHERE network_id = ? AND user_id = ? AND status = 'intake'",
            (network_id, user_id),
        )
        return cursor.rowcount > 0


# --- the decision --------------------------------------------------------------------------


class Outcome(StrEnum):
    DECIDED = "decided"  # this call made the decision
    ALREADY_DECIDED = "already_decided"  # someone decided before: see membership.decided_by
    NOT_SUBMITTED = "not_submitted"  # still in intake, or removed
    UNKNOWN = "unknown"  # no such membership


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    membership: Membership | None  # the state after this call

    @property
    def decided_here(self) -> bool:
        return self.outcome is Outcome.DECIDED


async def decide(
    db: Database, network_id: int, user_id: int, decision: str, by: int, now: datetime
) -> Decision:
    """Approve or reject a submitted application, exactly once.

    A second press, or a second host at the same moment, gets `ALREADY_DECIDED` with the
    membership as the first decision left it (status, decided_by, decided_at).
    """
    if decision not in ("approved", "rejected"):
        raise ValueError(f"a decision is 'approved' or 'rejected', not {decision!r}")
    async with db.transaction() as conn:
        # The status condition makes the decision: only one UPDATE can find it awaiting.
        async with conn.execute(
            "UPDATE memberships SET status = ?, decided_by = ?, decided_at = ?"
            " WHERE network_id = ? AND user_id = ? AND status = 'awaiting_approval'"
            " RETURNING *",
            (decision, by, now.isoformat(), network_id, user_id),
        ) as cursor:
            decided = _maybe(await cursor.fetchone())
        if decided is not None:
            return Decision(Outcome.DECIDED, decided)
        current = await _fetch(conn, network_id, user_id)
    if current is None:
        return Decision(Outcome.UNKNOWN, None)
    if current.decided_at is not None and current.status in ("approved", "rejected"):
        return Decision(Outcome.ALREADY_DECIDED, current)
    return Decision(Outcome.NOT_SUBMITTED, current)


# --- life in the network -------------------------------------------------------------------


async def save_details(
    db: Database,
    network_id: int,
    user_id: int,
    now: datetime,
    details: Mapping[str, str | bool | None],
) -> Membership | None:
    """A member changes their own details (/profile): the intake's answers, while approved.

    `details` keys are from `INTAKE_FIELDS`. Returns the updated membership, or None if the
    person is not (or no longer) an approved member of the network.
    """
    unknown = set(details) - INTAKE_FIELDS
    if unknown or not details:
        raise ValueError(f"not details of a member: {sorted(unknown) or 'none given'}")
    # Column names come from INTAKE_FIELDS only, never from the caller's text.
    assignments = [f"{field} = ?" for field in sorted(details)]
    values: list[object] = [details[field] for field in sorted(details)]
    async with db.transaction() as conn:
        async with conn.execute(
            f"UPDATE memberships SET {', '.join(assignments)}, last_active_at = ?"
            " WHERE network_id = ? AND user_id = ? AND status = 'approved' RETURNING *",
            (*values, now.isoformat(), network_id, user_id),
        ) as cursor:
            return _maybe(await cursor.fetchone())


async def mark_joined(db: Database, chat_id: int, user_id: int, now: datetime) -> bool:
    """An approved member entered a group chat of their network; the first entry counts."""
    stamp = now.isoformat()
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE memberships SET joined_at = coalesce(joined_at, ?), last_active_at = ?"
            " WHERE user_id = ? AND status = 'approved' AND network_id ="
            " (SELECT network_id FROM group_chats WHERE chat_id = ?)",
            (stamp, stamp, user_id, chat_id),
        )
        return cursor.rowcount > 0


async def touch(db: Database, network_id: int, user_id: int, now: datetime) -> None:
    """Record that a member was active in (or for) a network."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE memberships SET last_active_at = ? WHERE network_id = ? AND user_id = ?"
            " AND status <> 'removed'",
            (now.isoformat(), network_id, user_id),
        )


async def touch_in_chat(db: Database, chat_id: int, user_id: int, now: datetime) -> None:
    """Record activity of a member in a group chat, for the network that chat belongs to."""
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE memberships SET last_active_at = ? WHERE user_id = ? AND status = 'approved'"
            " AND network_id = (SELECT network_id FROM group_chats WHERE chat_id = ?)",
            (now.isoformat(), user_id, chat_id),
        )


@dataclass(frozen=True)
class Removal:
    """What removing a member changed, and what is left to do in Telegram."""

    removed: bool  # False if there was nothing to remove (unknown, or removed already)
    membership: Membership | None
    links_to_revoke: list[GroupInviteLink]  # their personal join links, now marked revoked
    chats: list[int]  # the network's group chats to take them out of


async def remove(db: Database, network_id: int, user_id: int, by: int, now: datetime) -> Removal:
    """End a membership in any status: removed by a host, or `by == user_id` for /leave."""
    stamp = now.isoformat()
    async with db.transaction() as conn:
        async with conn.execute(
            "UPDATE memberships SET status = 'removed', removed_at = ?, removed_by = ?"
            " WHERE network_id = ? AND user_id = ? AND status <> 'removed' RETURNING *",
            (stamp, by, network_id, user_id),
        ) as cursor:
            removed = _maybe(await cursor.fetchone())
        if removed is None:
            return Removal(False, await _fetch(conn, network_id, user_id), [], [])
        async with conn.execute(
            "UPDATE group_invite_links SET revoked_at = ?"
            " WHERE network_id = ? AND user_id = ? AND revoked_at IS NULL RETURNING *",
            (stamp, network_id, user_id),
        ) as cursor:
            links = sorted((_link(row) for row in await cursor.fetchall()), key=lambda x: x.id)
        async with conn.execute(
            "SELECT chat_id FROM group_chats WHERE network_id = ? AND left_at IS NULL"
            " ORDER BY chat_id",
            (network_id,),
        ) as cursor:
            chats = [row["chat_id"] for row in await cursor.fetchall()]
        # Alerts and reminders still queued for them in this network are not sent any more.
        await deliveries.cancel_for_member(conn, network_id, user_id)
    return Removal(True, removed, links, chats)


# --- personal join links -------------------------------------------------------------------


async def record_invite_link(
    db: Database, network_id: int, user_id: int, chat_id: int, invite_link: str, now: datetime
) -> GroupInviteLink | None:
    """Keep the join link made for an approved member; None if they are no longer approved."""
    async with db.transaction() as conn:
        membership = await _fetch(conn, network_id, user_id)
        if membership is None or membership.status != "approved":
            return None
        async with conn.execute(
            "INSERT INTO group_invite_links (network_id, user_id, chat_id, invite_link,"
            " created_at) VALUES (?, ?, ?, ?, ?) RETURNING *",
            (network_id, user_id, chat_id, invite_link, now.isoformat()),
        ) as cursor:
            row = await cursor.fetchone()
    assert row is not None
    return _link(row)


async def open_invite_links(db: Database, network_id: int, user_id: int) -> list[GroupInviteLink]:
    rows = await db.fetch_all(
        "SELECT * FROM group_invite_links WHERE network_id = ? AND user_id = ?"
        " AND revoked_at IS NULL ORDER BY id",
        (network_id, user_id),
    )
    return [_link(row) for row in rows]


async def revoke_invite_link(db: Database, invite_link: str, now: datetime) -> bool:
    """Mark one join link revoked (for example once the member has joined with it)."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE group_invite_links SET revoked_at = ?"
            " WHERE invite_link = ? AND revoked_at IS NULL",
            (now.isoformat(), invite_link),
        )
        return cursor.rowcount > 0


# --- privacy -------------------------------------------------------------------------------


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person; runs inside the caller's transaction.

    Their memberships and join links go; other members keep their records, only without the
    reference to who decided on or removed them.
    """
    links = await conn.execute("DELETE FROM group_invite_links WHERE user_id = ?", (user_id,))
    own = await conn.execute("DELETE FROM memberships WHERE user_id = ?", (user_id,))
    decided = await conn.execute(
        "UPDATE memberships SET decided_by = NULL WHERE decided_by = ?", (user_id,)
    )
    removed = await conn.execute(
        "UPDATE memberships SET removed_by = NULL WHERE removed_by = ?", (user_id,)
    )
    return links.rowcount + own.rowcount + decided.rowcount + removed.rowcount

"""What a network's numbers read (/stats, the coordinators' digest): read-only, plain SQL.

Every query takes `since` (a UTC moment): only what happened from then on counts. What the
retention job already deleted is not here to count, so the caller chooses `since` no earlier
than the windows allow (domain.health).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.database import Database


def stamp(moment: datetime) -> str:
    return moment.isoformat()


@dataclass(frozen=True)
class HeldMeeting:
    """A meal meeting whose hosts confirmed who came."""

    id: int
    starts_at: str
    said_yes: int
    came: int


@dataclass(frozen=True)
class MemberAttendance:
    """How many of the confirmed meetings since the window's start a member came to, of how
    many were held while they were a member (a host's ticking marks every member then)."""

    user_id: int
    name: str | None
    came: int
    held: int


@dataclass(frozen=True)
class SeenBy:
    """One person an alert reached privately in this network: when (and whether) they saw it."""

    incident_id: int
    created_at: str  # the alert's
    acknowledged_at: str | None  # "seen" (a mood or words count too: storage.incidents)
    unreachable: bool  # Telegram refused it (blocked bot): never had the chance to see it


@dataclass(frozen=True)
class ActionState:
    created_at: str
    due_on: str
    status: str
    done_at: str | None


@dataclass(frozen=True)
class PulseMoods:
    """A closed mood pulse: when it was asked, how many were asked, the moods as numbers."""

    id: int
    opened_at: str
    asked: int
    moods: dict[str, int]


async def meetings_held(db: Database, network_id: int, since: datetime) -> list[HeldMeeting]:
    """The meetings since `since` whose attendance was confirmed, oldest first."""
    rows = await db.fetch_all(
        "SELECT m.id, m.starts_at, coalesce(sum(a.answer = 'yes'), 0) AS said_yes,"
        " coalesce(sum(a.attended = 1), 0) AS came"
        " FROM meetings m LEFT JOIN attendance a ON a.meeting_id = m.id"
        " WHERE m.network_id = ? AND m.status = 'planned'"
        " AND m.attendance_confirmed_at IS NOT NULL AND m.starts_at >= ?"
        " GROUP BY m.id ORDER BY m.starts_at, m.id",
        (network_id, stamp(since)),
    )
    return [HeldMeeting(**dict(row)) for row in rows]


async def meetings_unconfirmed(
    db: Database, network_id: int, since: datetime, now: datetime
) -> int:
    """Meetings since `since` that took place but whose hosts have not yet ticked who came."""
    row = await db.fetch_one(
        "SELECT count(*) FROM meetings WHERE network_id = ? AND status = 'planned'"
        " AND attendance_confirmed_at IS NULL AND starts_at >= ? AND starts_at < ?",
        (network_id, stamp(since), stamp(now)),
    )
    return int(row[0]) if row is not None else 0


async def member_attendance(
    db: Database, network_id: int, since: datetime
) -> list[MemberAttendance]:
    """Each approved member with the number of confirmed meetings since `since` they came to
    and were a member at, by name."""
    rows = await db.fetch_all(
        "SELECT ms.user_id, ms.display_name AS name, coalesce(sum(a.attended = 1), 0) AS came,"
        " count(a.attended) AS held"
        " FROM memberships ms LEFT JOIN attendance a ON a.user_id = ms.user_id"
        "   AND a.meeting_id IN (SELECT id FROM meetings WHERE network_id = ?"
        "   AND status = 'planned' AND attendance_confirmed_at IS NOT NULL AND starts_at >= ?)"
        " WHERE ms.network_id = ? AND ms.status = 'approved'"
        " GROUP BY ms.user_id ORDER BY ms.display_name COLLATE NOCASE, ms.user_id",
        (network_id, stamp(since), network_id),
    )
    return [MemberAttendance(**dict(row)) for row in rows]


async def alerts_seen(db: Database, network_id: int, since: datetime) -> list[SeenBy]:
    """Everyone alerts since `since` reached privately as a member of this network, by alert."""
    rows = await db.fetch_all(
        "SELECT i.id AS incident_id, i.created_at, r.acknowledged_at,"
        " r.unreachable_at IS NOT NULL AS unreachable"
        " FROM incidents i JOIN incident_recipients r ON r.incident_id = i.id"
        " WHERE r.network_id = ? AND i.created_at >= ?"
        " ORDER BY i.created_at, i.id",
        (network_id, stamp(since)),
    )
    return [
        SeenBy(
            incident_id=row["incident_id"],
            created_at=row["created_at"],
            acknowledged_at=row["acknowledged_at"],
            unreachable=bool(row["unreachable"]),
        )
        for row in rows
    ]


async def alerts_sent(db: Database, network_id: int, since: datetime) -> list[tuple[int, str]]:
    """The alerts since `since` that went to this network (id, created_at), oldest first: also
    those that reached nobody privately (only the group chat)."""
    rows = await db.fetch_all(
        "SELECT i.id, i.created_at FROM incidents i"
        " JOIN incident_networks n ON n.incident_id = i.id"
        " WHERE n.network_id = ? AND i.created_at >= ? ORDER BY i.created_at, i.id",
        (network_id, stamp(since)),
    )
    return [(int(row["id"]), str(row["created_at"])) for row in rows]


async def actions_agreed(db: Database, network_id: int, since: datetime) -> list[ActionState]:
    """The actions agreed since `since`, oldest first."""
    rows = await db.fetch_all(
        "SELECT created_at, due_on, status, done_at FROM actions"
        " WHERE network_id = ? AND created_at >= ? ORDER BY created_at, id",
        (network_id, stamp(since)),
    )
    return [ActionState(**dict(row)) for row in rows]


async def pulses_closed(db: Database, network_id: int, since: datetime) -> list[PulseMoods]:
    """The closed mood pulses asked since `since`, oldest first, with their moods counted."""
    rows = await db.fetch_all(
        "SELECT p.id, p.opened_at, p.asked, a.mood, count(a.id) AS n"
        " FROM pulses p LEFT JOIN pulse_answers a ON a.pulse_id = p.id"
        " WHERE p.network_id = ? AND p.closed_at IS NOT NULL AND p.opened_at >= ?"
        " GROUP BY p.id, a.mood ORDER BY p.opened_at, p.id",
        (network_id, stamp(since)),
    )
    found: dict[int, PulseMoods] = {}
    for row in rows:
        pulse = found.setdefault(
            row["id"], PulseMoods(row["id"], row["opened_at"], int(row["asked"]), {})
        )
        if row["mood"] is not None:
            pulse.moods[row["mood"]] = int(row["n"])
    return list(found.values())

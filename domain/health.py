"""A network's health in numbers: what it produces itself, over the past year.

Who comes to the meal meetings (per meeting, and per member for the hosts), how fast an alert
is seen, how the mood pulse moves, and which agreed actions get done: the numbers its hosts and
coordinators evaluate the network with (/stats, `domain.health_texts`), and that the
coordinators' monthly digest reuses.

History stays honest: a number counts only what the database still holds. Meetings, their
attendance, agreed actions and the moods of closed pulses are kept (as numbers) while the
network lives, so they count over a year (`YEAR`). Who received an alert and when they saw it
goes with the incident after `[retention] incident_days` (`domain.retention`): the alerts count
from the later of the two starts, and the texts say from when and why.

"Time until seen" runs from the moment the host sent the alert to the moment the member
tapped "Seen" (a mood or a few words count as seen too, `storage.incidents.set_mood`): what a
host wants to know is how fast the network heard it, the way there included. A member the
alert could not reach (they blocked the bot) is counted apart, not as "not seen".
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.context import Context
from domain.meetings import done_on_time
from storage import health as store
from storage.health import HeldMeeting, MemberAttendance, PulseMoods

YEAR = timedelta(days=365)  # the numbers look back this far
FAST = 15  # minutes: "seen within a quarter of an hour"
HOUR = 60


@dataclass(frozen=True)
class AlertSeen:
    """One alert as this network took it: whom it reached and how fast each saw it."""

    incident_id: int
    created_at: datetime
    reached: int  # members it reached privately (the unreachable not counted)
    unreachable: int
    minutes: tuple[float, ...]  # time until seen of each who saw it, shortest first

    @property
    def seen(self) -> int:
        return len(self.minutes)

    @property
    def not_seen(self) -> int:
        return self.reached - self.seen

    @property
    def median(self) -> float | None:
        return statistics.median(self.minutes) if self.minutes else None

    @property
    def fast(self) -> int:
        """Seen within a quarter of an hour."""
        return sum(1 for m in self.minutes if m <= FAST)

    @property
    def within_hour(self) -> int:
        """Seen after a quarter of an hour, within the hour."""
        return sum(1 for m in self.minutes if FAST < m <= HOUR)

    @property
    def later(self) -> int:
        return sum(1 for m in self.minutes if m > HOUR)


@dataclass(frozen=True)
class Actions:
    """The actions agreed in the window, by how they went."""

    agreed: int
    on_time: int
    late: int
    open: int
    overdue: int  # of the open ones: past their date

    @property
    def done(self) -> int:
        return self.on_time + self.late


@dataclass(frozen=True)
class ActionMonth:
    """The actions agreed in one month, by how they went (for the chart)."""

    month: date  # its first day
    on_time: int
    late: int
    open: int
    overdue: int


@dataclass(frozen=True)
class Health:
    """A network's numbers. `since`: where meetings, actions and pulses start counting;
    `alerts_since`: where alerts do (the retention window may start later)."""

    network_id: int
    now: datetime
    since: datetime
    alerts_since: datetime
    alerts_cut: bool  # whether the retention window, not the year, sets `alerts_since`
    incident_days: int
    meetings: list[HeldMeeting]
    unconfirmed: int  # meetings held whose attendance no host ticked yet
    members: list[MemberAttendance] | None  # None: not for this person (hosts only)
    alerts: list[AlertSeen]
    pulses: list[PulseMoods]
    actions: Actions
    action_months: list[ActionMonth]

    @property
    def came(self) -> int:
        return sum(m.came for m in self.meetings)

    @property
    def average_came(self) -> float | None:
        return self.came / len(self.meetings) if self.meetings else None

    @property
    def seen_minutes(self) -> list[float]:
        return sorted(m for alert in self.alerts for m in alert.minutes)

    @property
    def median_seen(self) -> float | None:
        minutes = self.seen_minutes
        return statistics.median(minutes) if minutes else None

    @property
    def reached(self) -> int:
        return sum(alert.reached for alert in self.alerts)

    @property
    def moods(self) -> dict[str, int]:
        total: dict[str, int] = {}
        for pulse in self.pulses:
            for mood, n in pulse.moods.items():
                total[mood] = total.get(mood, 0) + n
        return total

    @property
    def pulse_answers(self) -> int:
        return sum(sum(p.moods.values()) for p in self.pulses)

    @property
    def pulse_asked(self) -> int:
        return sum(p.asked for p in self.pulses)


def windows(now: datetime, incident_days: int) -> tuple[datetime, datetime, bool]:
    """The year's start, the alerts' start, and whether retention moved the latter."""
    since = now - YEAR
    kept = now - timedelta(days=incident_days)
    return since, max(since, kept), kept > since


def alerts_of(rows: Sequence[store.SeenBy], sent: Sequence[tuple[int, str]]) -> list[AlertSeen]:
    """Each alert with the times until seen of who it reached; alerts reaching nobody
    privately (only a group chat) are left out: there is nothing to time."""
    by_id: dict[int, list[store.SeenBy]] = {}
    for row in rows:
        by_id.setdefault(row.incident_id, []).append(row)
    alerts = []
    for incident_id, created_at in sent:
        people = by_id.get(incident_id, [])
        if not people:
            continue
        start = datetime.fromisoformat(created_at)
        minutes = sorted(
            max(0.0, (datetime.fromisoformat(p.acknowledged_at) - start).total_seconds() / 60)
            for p in people
            if p.acknowledged_at is not None and not p.unreachable
        )
        unreachable = sum(1 for p in people if p.unreachable)
        alerts.append(
            AlertSeen(incident_id, start, len(people) - unreachable, unreachable, tuple(minutes))
        )
    return alerts


def _month(day: date) -> date:
    return day.replace(day=1)


def actions_of(
    rows: Sequence[store.ActionState], today: date, tz: ZoneInfo
) -> tuple[Actions, list[ActionMonth]]:
    """How the agreed actions went: done on time (by the end of their day, local time), done
    late, open, and of those past their date; in total and per month agreed."""
    months: dict[date, list[int]] = {}
    for row in rows:
        due = date.fromisoformat(row.due_on)
        done_at = datetime.fromisoformat(row.done_at) if row.done_at else None
        month = months.setdefault(
            _month(datetime.fromisoformat(row.created_at).astimezone(tz).date()), [0, 0, 0, 0]
        )
        if row.status == "done":
            month[0 if done_on_time(due, done_at, tz) else 1] += 1
        elif due < today:
            month[3] += 1
        else:
            month[2] += 1
    per_month = [ActionMonth(m, *counts) for m, counts in sorted(months.items())]
    total = Actions(
        agreed=len(rows),
        on_time=sum(m.on_time for m in per_month),
        late=sum(m.late for m in per_month),
        open=sum(m.open + m.overdue for m in per_month),
        overdue=sum(m.overdue for m in per_month),
    )
    return total, per_month


async def of_network(ctx: Context, network_id: int, *, with_members: bool) -> Health:
    """The numbers of one network now. `with_members`: the per-member attendance too, which
    only the network's own hosts see (need-to-know: a coordinator sees the network's numbers,
    not which neighbour stayed away)."""
    db, tz = ctx.database, ctx.settings.bot.tz
    now = ctx.clock.now()
    incident_days = ctx.settings.retention.incident_days
    since, alerts_since, cut = windows(now, incident_days)
    actions, months = actions_of(
        await store.actions_agreed(db, network_id, since), now.astimezone(tz).date(), tz
    )
    return Health(
        network_id=network_id,
        now=now,
        since=since,
        alerts_since=alerts_since,
        alerts_cut=cut,
        incident_days=incident_days,
        meetings=await store.meetings_held(db, network_id, since),
        unconfirmed=await store.meetings_unconfirmed(db, network_id, since, now),
        members=await store.member_attendance(db, network_id, since) if with_members else None,
        alerts=alerts_of(
            await store.alerts_seen(db, network_id, alerts_since),
            await store.alerts_sent(db, network_id, alerts_since),
        ),
        pulses=await store.pulses_closed(db, network_id, since),
        actions=actions,
        action_months=months,
    )

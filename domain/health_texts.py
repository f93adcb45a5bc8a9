"""What /stats shows of a network's numbers (`domain.health`): a picture per subject with its
key numbers in the caption, for those who would rather read, and one line for each subject
without numbers yet (no empty charts).

Every caption fits Telegram's 1,024 characters whatever the data: a list that grows (meetings,
members) is cut with "… and N more", which the picture still shows. Every caption says from
when it counts; the alerts' says why older alerts are missing when retention is the reason.
Chart labels carry no emoji: the charts' font has none.
"""

from __future__ import annotations

import functools
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal

from bot.fit import visible_length
from bot.i18n import Translator
from domain import charts
from domain.charts import Series
from domain.health import Health
from domain.incidents import MOOD_ICON, MOODS, mood_name
from domain.labels import day_text

CAPTION = 1024  # characters of a photo's caption after entity parsing
TREND_MIN = 4  # alerts seen by someone: fewer make no trend, the alerts' picture says it all
TREND_CAP = 180  # minutes: a slower alert is drawn at the top ("180+"), the rest stays legible

# Each mood its own colour, in every chart (Okabe & Ito: told apart by colour-blind readers).
MOOD_COLOUR = {"calm": "#009E73", "worried": "#E69F00", "tense": "#D55E00", "rumours": "#CC79A7"}


@dataclass(frozen=True)
class Picture:
    """One chart to send: its file name, its caption (HTML), and how to draw it (CPU work for
    a worker thread: `asyncio.to_thread(picture.draw)`)."""

    name: str
    caption: str
    draw: Callable[[], bytes]


@dataclass(frozen=True)
class Report:
    pictures: list[Picture]
    without: str | None  # the subjects without numbers, one line each; None: every one has


def fit_caption(
    head: Sequence[str], items: Sequence[str], tail: Sequence[str], more: Callable[[int], str]
) -> str:
    """`head`, as many of `items` as fit, "… and N more" when some do not, and `tail`: one
    caption within Telegram's limit."""

    def joined(shown: int) -> str:
        middle = list(items[:shown])
        if shown < len(items):
            middle.append(more(len(items) - shown))
        return "\n".join([*head, *middle, *tail])

    shown = len(items)
    while shown > 0 and visible_length(joined(shown)) > CAPTION:
        shown -= 1
    return joined(shown)


def short_day(_: Translator, day: date) -> str:
    """A day under a chart's axis: "12 mrt" / "12 Mar"."""
    return str(format_date(day, "d MMM", locale=_.language))


def moment_labels(_: Translator, moments: Sequence[datetime | str], tz: ZoneInfo) -> list[str]:
    """A label under a chart's axis for each moment: its day ("6 dec"), and its time as well
    ("6 dec 21:40") when another moment falls on the same day, so two alerts of one evening
    are told apart."""
    local = [_local(moment, tz) for moment in moments]
    days = Counter(when.date() for when in local)
    return [
        short_day(_, when.date()) + (f" {when:%H:%M}" if days[when.date()] > 1 else "")
        for when in local
    ]


def moment_items(
    _: Translator, moments: Sequence[datetime | str], tz: ZoneInfo, this_year: int
) -> list[str]:
    """Each moment as a caption's list says it: "6 december", or "6 december, 21:40" when
    another moment falls on the same day."""
    local = [_local(moment, tz) for moment in moments]
    days = Counter(when.date() for when in local)
    return [
        day_text(_, when.date(), this_year=this_year)
        + (f", {when:%H:%M}" if days[when.date()] > 1 else "")
        for when in local
    ]


def month_label(_: Translator, day: date) -> str:
    return str(format_date(day, "MMM y", locale=_.language))


def duration_text(_: Translator, minutes: float) -> str:
    """How long, said the way a person would: "under a minute", "12 minutes", "3 hours"."""
    if minutes < 1:
        return _("under a minute")
    if minutes < 90:
        n = round(minutes)
        return _.ngettext("{n} minute", "{n} minutes", n, n=n)
    if minutes < 36 * 60:
        n = round(minutes / 60)
        return _.ngettext("{n} hour", "{n} hours", n, n=n)
    n = round(minutes / (24 * 60))
    return _.ngettext("{n} day", "{n} days", n, n=n)


def _local(moment: datetime | str, tz: ZoneInfo) -> datetime:
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return when.astimezone(tz)


def _local_day(moment: datetime | str, tz: ZoneInfo) -> date:
    return _local(moment, tz).date()


def _title(_: Translator, network: str, subject: str) -> str:
    return _("📊 <b>{network}</b> · {subject}", network=network, subject=subject)


def report(_: Translator, network: str, health: Health, tz: ZoneInfo) -> Report:
    """The pictures of a network's numbers, and a line for each subject without any."""
    this_year = health.now.astimezone(tz).year
    since = day_text(_, _local_day(health.since, tz), this_year=this_year)
    alerts_since = day_text(_, _local_day(health.alerts_since, tz), this_year=this_year)
    year_note = _("<i>Counted over the past year, since {day}.</i>", day=since)
    pictures: list[Picture] = []
    without: list[str] = []

    # Meal meetings: per meeting, then (hosts only) per member. A chart of nothing but zeros
    # is an empty chart too: a line says it instead.
    meetings = health.meetings
    if any(m.came or m.said_yes for m in meetings):
        pictures.append(_meetings(_, network, health, tz, this_year, year_note))
        if health.members:
            pictures.append(_members(_, network, health, year_note))
    else:
        line = (
            _.ngettext(
                "• Meal meetings: {n} held since {day}, nobody came.",
                "• Meal meetings: {n} held since {day}, nobody came.",
                len(meetings),
                n=len(meetings),
                day=since,
            )
            if meetings
            else _("• Meal meetings: none with confirmed attendance since {day}.", day=since)
        )
        if health.unconfirmed:
            line += " " + _unconfirmed(_, health.unconfirmed)
        without.append(line)

    # Alerts: how fast they were seen.
    note = " " + _alerts_note(_, health) if health.alerts_cut else ""
    if health.reached:
        pictures.append(_alerts(_, network, health, tz, alerts_since))
        if sum(a.median is not None for a in health.alerts) >= TREND_MIN:
            pictures.append(_trend(_, network, health, tz, alerts_since))
    elif health.alerts:  # every member it went to had blocked the bot
        n = len(health.alerts)
        without.append(
            _.ngettext(
                "• Alerts: {n} since {day}, but the bot could reach no member.",
                "• Alerts: {n} since {day}, but the bot could reach no member.",
                n,
                n=n,
                day=alerts_since,
            )
            + note
        )
    else:
        without.append(_("• Alerts: none to members since {day}.", day=alerts_since) + note)

    # The mood pulse.
    if health.pulse_answers:
        pictures.append(_pulse(_, network, health, tz, year_note))
    elif health.pulses:
        n = len(health.pulses)
        without.append(
            _.ngettext(
                "• Mood pulse: {n} since {day}, nobody answered.",
                "• Mood pulse: {n} since {day}, nobody answered.",
                n,
                n=n,
                day=since,
            )
        )
    else:
        without.append(_("• Mood pulse: none closed since {day}.", day=since))

    # Agreed actions.
    if health.actions.agreed:
        pictures.append(_actions(_, network, health, year_note))
    else:
        without.append(_("• Agreed actions: none agreed since {day}.", day=since))

    text = None
    if without:
        head = _("📊 <b>{network}</b>", network=network)
        text = "\n".join([head, *without])
    return Report(pictures, text)


def _unconfirmed(_: Translator, n: int) -> str:
    return _.ngettext(
        "{n} meeting still waits for the police chief or the municipality to tick who came.",
        "{n} meetings still wait for the police chief or the municipality to tick who came.",
        n,
        n=n,
    )


def _alerts_note(_: Translator, health: Health) -> str:
    return _(
        "Older alerts are deleted after {days} days.",
        days=health.incident_days,
    )


def _meetings(
    _: Translator, network: str, health: Health, tz: ZoneInfo, this_year: int, note: str
) -> Picture:
    meetings = health.meetings
    average = health.average_came or 0.0
    shown_average = format_decimal(round(average, 1), locale=_.language)
    head = [
        _title(_, network, _("meal meetings")),
        _.ngettext(
            "{n} meeting held, {average} came on average.",
            "{n} meetings held, {average} came on average.",
            len(meetings),
            n=len(meetings),
            average=shown_average,
        ),
    ]
    days = moment_items(_, [m.starts_at for m in meetings], tz, this_year)
    items = [
        _("• {day}: {came} came ({yes} had said yes)", day=day, came=m.came, yes=m.said_yes)
        for m, day in reversed(list(zip(meetings, days, strict=True)))  # the oldest is cut
    ]
    tail = [_unconfirmed(_, health.unconfirmed)] if health.unconfirmed else []
    caption = fit_caption(head, items, [*tail, note], lambda n: _more(_, n))
    labels = moment_labels(_, [m.starts_at for m in meetings], tz)
    draw = functools.partial(
        charts.bars,
        labels,
        [
            Series(str(_("said yes")), [m.said_yes for m in meetings]),
            Series(str(_("came")), [m.came for m in meetings]),
        ],
        title=str(_("Who came to the meal meetings")),
        value_label=str(_("members")),
    )
    return Picture("meetings", caption, draw)


def _more(_: Translator, n: int) -> str:
    return _.ngettext("… and {n} more in the picture", "… and {n} more in the picture", n, n=n)


def _members(_: Translator, network: str, health: Health, note: str) -> Picture:
    """Who came, member by member: of the meetings held since each joined, so that who
    joined in spring is not counted absent at the meal in January."""
    members = health.members or []
    head = [
        _title(_, network, _("who came")),
        _("Per member: came, of the meetings since they joined."),
    ]
    items = [
        _(
            "• {name}: {came} of {held}",
            name=m.name or _("a member"),
            came=m.came,
            held=m.held,
        )
        if m.held
        else _("• {name}: no meeting yet since joining", name=m.name or _("a member"))
        for m in members
    ]
    caption = fit_caption(head, items, [note], lambda n: _more(_, n))
    draw = functools.partial(
        charts.bars,
        [m.name or str(_("a member")) for m in members],
        [
            Series(str(_("came")), [m.came for m in members], "#0072B2"),
            Series(str(_("did not come")), [m.held - m.came for m in members], "#BBBBBB"),
        ],
        title=str(_("Who came, member by member")),
        value_label=str(_("meetings")),
        horizontal=True,
        stacked=True,
    )
    return Picture("members", caption, draw)


def _alerts(_: Translator, network: str, health: Health, tz: ZoneInfo, since: str) -> Picture:
    alerts = health.alerts
    reached, seen = health.reached, len(health.seen_minutes)
    fast = sum(a.fast for a in alerts)
    hour = sum(a.within_hour for a in alerts)
    later = sum(a.later for a in alerts)
    not_seen = sum(a.not_seen for a in alerts)
    unreachable = sum(a.unreachable for a in alerts)
    lines = [
        _title(_, network, _("alerts seen")),
        _.ngettext(
            "{n} alert reached members {reached} times; {seen} times it was seen.",
            "{n} alerts reached members {reached} times; {seen} times they were seen.",
            len(alerts),
            n=len(alerts),
            reached=reached,
            seen=seen,
        ),
    ]
    median = health.median_seen
    if median is not None:
        lines.append(_("Half of them within {time}.", time=duration_text(_, median)))
    lines.append(
        _(
            "Within 15 minutes: {fast} · within the hour: {hour} · later: {later} · "
            "not seen: {not_seen}",
            fast=fast,
            hour=hour,
            later=later,
            not_seen=not_seen,
        )
    )
    if unreachable:
        lines.append(
            _.ngettext(
                "{n} time the bot could not reach a member (blocked).",
                "{n} times the bot could not reach a member (blocked).",
                unreachable,
                n=unreachable,
            )
        )
    # Each alert, the latest first: how it went, and so the trend.
    this_year = health.now.astimezone(tz).year
    days = moment_items(_, [a.created_at for a in alerts], tz, this_year)
    items = [
        _(
            "• {day}: seen by {seen} of {reached}, half of them within {time}",
            day=day,
            seen=a.seen,
            reached=a.reached,
            time=duration_text(_, a.median),
        )
        if a.median is not None
        else _("• {day}: seen by none of {reached}", day=day, reached=a.reached)
        for a, day in reversed(list(zip(alerts, days, strict=True)))
    ]
    caption = fit_caption(lines, items, [_alerts_since(_, health, since)], lambda n: _more(_, n))
    draw = functools.partial(
        charts.bars,
        moment_labels(_, [a.created_at for a in alerts], tz),
        [
            Series(str(_("within 15 min")), [a.fast for a in alerts], "#009E73"),
            Series(str(_("within the hour")), [a.within_hour for a in alerts], "#56B4E9"),
            Series(str(_("later")), [a.later for a in alerts], "#E69F00"),
            Series(str(_("not seen")), [a.not_seen for a in alerts], "#BBBBBB"),
        ],
        title=str(_("How fast each alert was seen")),
        value_label=str(_("members")),
        stacked=True,
    )
    return Picture("alerts", caption, draw)


def _alerts_since(_: Translator, health: Health, since: str) -> str:
    return (
        _(
            "<i>Since {day}: older alerts are deleted after {days} days.</i>",
            day=since,
            days=health.incident_days,
        )
        if health.alerts_cut
        else _("<i>Counted over the past year, since {day}.</i>", day=since)
    )


def _trend(_: Translator, network: str, health: Health, tz: ZoneInfo, since: str) -> Picture:
    """Whether the network hears an alert faster than before: per alert, within how long half
    of those it reached saw it, as a line (an alert nobody saw is a gap). A very slow alert is
    drawn at the top, so that one night does not flatten the rest."""
    alerts = health.alerts
    medians = [a.median for a in alerts if a.median is not None]
    half = len(medians) // 2  # at least 2 (TREND_MIN): "the first {n} alerts" is plural
    early, late = statistics.median(medians[:half]), statistics.median(medians[-half:])
    lines = [
        _title(_, network, _("alerts over time")),
        _(
            "Half of those it reached saw an alert within {early} in the first {n} alerts, "
            "within {late} in the last {n}.",
            early=duration_text(_, early),
            late=duration_text(_, late),
            n=half,
        ),
        _alerts_since(_, health, since),
    ]
    caption = fit_caption(lines, [], [], lambda n: "")
    ticks: dict[float, str] = {0: "0", 15: "15", 30: "30", 60: "60", 120: "120"}
    ticks[TREND_CAP] = f"{TREND_CAP}+"
    draw = functools.partial(
        charts.line,
        moment_labels(_, [a.created_at for a in alerts], tz),
        [
            Series(
                "",
                [None if a.median is None else min(a.median, TREND_CAP) for a in alerts],
                "#0072B2",
            )
        ],
        title=str(_("Half saw each alert within")),
        value_label=str(_("minutes")),
        low=-5,
        high=TREND_CAP * 1.05,
        tick_labels=ticks,
    )
    return Picture("trend", caption, draw)


def _pulse(_: Translator, network: str, health: Health, tz: ZoneInfo, note: str) -> Picture:
    pulses = health.pulses
    moods = health.moods
    lines = [
        _title(_, network, _("mood pulse")),
        _.ngettext(
            "{n} pulse: {answers} answers from {asked} asked.",
            "{n} pulses: {answers} answers from {asked} asked.",
            len(pulses),
            n=len(pulses),
            answers=health.pulse_answers,
            asked=health.pulse_asked,
        ),
    ]
    if moods:
        lines.append(
            " · ".join(
                f"{MOOD_ICON[m]} {mood_name(_, m)} {moods[m]}" for m in MOODS if moods.get(m)
            )
        )
    latest = pulses[-1]
    lines.append(
        _(
            "Latest, {day}: {moods}",
            day=day_text(_, _local_day(latest.opened_at, tz)),
            moods=" · ".join(
                f"{MOOD_ICON[m]} {latest.moods[m]}" for m in MOODS if latest.moods.get(m)
            )
            or _("no answers"),
        )
    )
    lines.append(note)
    caption = fit_caption(lines, [], [], lambda n: "")
    draw = functools.partial(
        charts.bars,
        [short_day(_, _local_day(p.opened_at, tz)) for p in pulses],
        [
            Series(str(mood_name(_, m)), [p.moods.get(m, 0) for p in pulses], MOOD_COLOUR[m])
            for m in MOODS
        ],
        title=str(_("Moods in each pulse")),
        value_label=str(_("answers")),
        stacked=True,
    )
    return Picture("pulse", caption, draw)


def _actions(_: Translator, network: str, health: Health, note: str) -> Picture:
    actions = health.actions
    months = health.action_months
    lines = [
        _title(_, network, _("agreed actions")),
        _(
            "{done} of {total} done, {on_time} of them on time",
            done=actions.done,
            total=actions.agreed,
            on_time=actions.on_time,
        ),
        _(
            "Done late: {late} · still open: {open}, of which past their date: {overdue}",
            late=actions.late,
            open=actions.open,
            overdue=actions.overdue,
        ),
        note,
    ]
    caption = fit_caption(lines, [], [], lambda n: "")
    draw = functools.partial(
        charts.bars,
        [month_label(_, m.month) for m in months],
        [
            Series(str(_("done on time")), [m.on_time for m in months], "#009E73"),
            Series(str(_("done late")), [m.late for m in months], "#E69F00"),
            Series(str(_("open")), [m.open for m in months], "#56B4E9"),
            Series(str(_("past their date")), [m.overdue for m in months], "#D55E00"),
        ],
        title=str(_("Agreed actions, by the month agreed")),
        value_label=str(_("actions")),
        stacked=True,
    )
    return Picture("actions", caption, draw)

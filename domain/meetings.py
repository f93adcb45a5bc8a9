"""The rules of meal meetings, as plain functions a test can call.

Reading a date and time as people type them (Dutch and English), proposing a year of meetings,
the timeline of a meeting (poll, reminder, deadline, the day before, afterwards) and of an
agreed action, which steps are due at a given moment, and the caterer's headcount line. All
moments are aware datetimes; "local" means the network's time zone, and steps keep their local
wall-clock time across daylight-saving changes. No Telegram, no database.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from domain.holidays import free_day

ANSWERS = ("yes", "no", "maybe")  # also the order of the poll's options
VENUE_KINDS = ("police_station", "town_hall", "other")
MEETINGS_A_YEAR = 5
MORNING = time(10, 0)  # reminders that are not about a time of day go out at 10:00 local
FOLLOW_UP_AFTER = timedelta(hours=3)  # the hosts confirm who came after the meal
TOPICS_CLOSE_DAYS = 2


# --- typed dates and times ---------------------------------------------------------------------

_NL_MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december"
)
_EN_MONTHS = "january february march april may june july august september october november december"
_SHORT_MONTHS = (
    "jan:1 feb:2 mrt:3 mar:3 apr:4 jun:6 jul:7 aug:8 sep:9 sept:9 okt:10 oct:10 nov:11 dec:12"
)
MONTHS: Mapping[str, int] = {
    **{m: i for i, m in enumerate(_NL_MONTHS.split(), start=1)},
    **{m: i for i, m in enumerate(_EN_MONTHS.split(), start=1)},
    **{k: int(v) for k, v in (pair.split(":") for pair in _SHORT_MONTHS.split())},
}
_WEEKDAY_NAMES = (
    "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag",
    "monday tuesday wednesday thursday friday saturday sunday",
    "ma di wo do vr za zo",
    "mon tue wed thu fri sat sun",
)
WEEKDAYS: Mapping[str, int] = {
    name: i for names in _WEEKDAY_NAMES for i, name in enumerate(names.split())
}
RELATIVE = {"vandaag": 0, "today": 0, "morgen": 1, "tomorrow": 1, "overmorgen": 2}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_TIME_PATTERNS = (
    re.compile(r"(?<![\d./-])(\d{1,2})[:.](\d{2})(?![\d./-])\s*(am|pm)?\b"),
    re.compile(r"\b(\d{1,2})\s*(am|pm)\b"),
    re.compile(r"\b(\d{1,2})\s*(?:u|uur|h)\b"),
)
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th|e)?\s+({_MONTH})\.?(?:\s+(\d{{4}}))?\b")
_MONTH_DAY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?\b")
_NUMERIC = re.compile(r"\b(\d{1,2})([-/.])(\d{1,2})(?:\2(\d{2}|\d{4}))?\b")
_WORD = re.compile(r"[a-z]+")


@dataclass(frozen=True)
class Parsed:
    """A date, and the time of day if one was typed."""

    day: date
    at: time | None


@dataclass(frozen=True)
class Ambiguous:
    """`3/4`: the 3rd of April or the 4th of March? The person chooses."""

    options: tuple[date, ...]


class Unreadable(StrEnum):
    unknown = "unknown"  # no date found
    impossible = "impossible"  # 31 February, 25:00


DateReading = Parsed | Ambiguous | Unreadable


def _year_for(month: int, day: int, today: date) -> date | None:
    """The next time this day and month come round (today counts)."""
    for year in (today.year, today.year + 1, today.year + 2, today.year + 3, today.year + 4):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue  # 29 February: the next leap year
        if candidate >= today:
            return candidate
    return None


def _full_year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _make(year: int | None, month: int, day: int, today: date) -> date | Unreadable:
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        return Unreadable.impossible
    if year is None:
        found = _year_for(month, day, today)
        return found if found is not None else Unreadable.impossible
    try:
        return date(year, month, day)
    except ValueError:
        return Unreadable.impossible


def _read_time(text: str) -> tuple[time | Unreadable | None, str]:
    """The time of day in `text` (and the text without it)."""
    for pattern in _TIME_PATTERNS:
        found = pattern.search(text)
        if found is None:
            continue
        groups = found.groups()
        hour = int(groups[0])
        minute, half = 0, None
        if pattern is _TIME_PATTERNS[0]:
            minute, half = int(groups[1]), groups[2]
        elif pattern is _TIME_PATTERNS[1]:
            half = groups[1]
        if half is not None:
            if not 1 <= hour <= 12:
                return Unreadable.impossible, text
            hour = hour % 12 + (12 if half == "pm" else 0)
        if hour > 23 or minute > 59:
            return Unreadable.impossible, text
        return time(hour, minute), text[: found.start()] + " " + text[found.end() :]
    return None, text


def read_date(text: str, today: date) -> DateReading:
    """A date (and maybe a time) typed the usual Dutch or English way.

    "12 maart 19:00", "12-3 om 19u", "March 12 7pm", "vrijdag 19:00", "morgen 18.30",
    "12/03/2026". Dashes and dots are day-month (Dutch); "3/4" with a slash could be either
    and comes back `Ambiguous`. Without a year, the next time that date comes round.
    """
    cleaned = " ".join(text.casefold().replace(",", " ").split())
    at, rest = _read_time(cleaned)
    if isinstance(at, Unreadable):
        return at
    day: date | Unreadable | None = None
    if found := _DAY_MONTH.search(rest):
        year = int(found.group(3)) if found.group(3) else None
        day = _make(year, MONTHS[found.group(2)], int(found.group(1)), today)
    elif found := _MONTH_DAY.search(rest):
        year = int(found.group(3)) if found.group(3) else None
        day = _make(year, MONTHS[found.group(1)], int(found.group(2)), today)
    elif found := _NUMERIC.search(rest):
        first, separator, second = int(found.group(1)), found.group(2), int(found.group(3))
        year = _full_year(found.group(4)) if found.group(4) else None
        if separator == "/" and first != second and first <= 12 and second <= 12:
            options = [_make(year, second, first, today), _make(year, first, second, today)]
            dates = tuple(sorted({o for o in options if isinstance(o, date)}))
            if len(dates) == 2:
                return Ambiguous(dates)
            if not dates:
                return Unreadable.impossible
            day = dates[0]
        elif separator == "/" and second > 12 >= first:
            day = _make(year, first, second, today)  # 3/14: only month/day makes sense
        else:
            day = _make(year, second, first, today)
    else:
        words = _WORD.findall(rest)
        for word in words:
            if word in RELATIVE:
                day = today + timedelta(days=RELATIVE[word])
                break
            if word in WEEKDAYS:
                ahead = (WEEKDAYS[word] - today.weekday()) % 7
                if "volgende" in words or "next" in words:
                    ahead = ahead or 7
                day = today + timedelta(days=ahead)
                break
    if day is None:
        return Unreadable.unknown
    if isinstance(day, Unreadable):
        return day
    return Parsed(day, at)


def read_time(text: str) -> time | Unreadable:
    """Only a time of day: "19:00", "7pm", "19u"."""
    at, _rest = _read_time(" ".join(text.casefold().split()))
    if at is None:
        return Unreadable.unknown
    return at


def local(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The moment a local date and wall-clock time mean in `tz`, in UTC.

    A time that does not exist (in the hour skipped in spring) moves forward an hour, as the
    clocks on the wall do.
    """
    naive = datetime.combine(day, at)
    moment = naive.replace(tzinfo=tz)
    back = moment.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != naive:  # a gap: the wall clock jumped over this time
        moment = (naive + timedelta(hours=1)).replace(tzinfo=tz)
    return moment.astimezone(UTC)


def shift_days(moment: datetime, days: int, tz: ZoneInfo, at: time | None = None) -> datetime:
    """`days` calendar days later (or earlier) in `tz`, keeping the wall-clock time (or `at`)."""
    wall = moment.astimezone(tz)
    return local(wall.date() + timedelta(days=days), at or wall.time().replace(tzinfo=None), tz)


def in_the_past(starts_at: datetime, now: datetime) -> bool:
    return starts_at <= now


def clashes(starts_at: datetime, others: Iterable[datetime], tz: ZoneInfo) -> bool:
    """Another meeting of the same network on the same local day."""
    day = starts_at.astimezone(tz).date()
    return any(other.astimezone(tz).date() == day for other in others)


USUAL_WEEKDAY = 3  # Thursday: a network without meetings yet is offered Thursdays
USUAL_FROM_LAST = 5  # the usual weekday is read from the network's last five meetings


def usual_weekday(starts: Iterable[datetime], tz: ZoneInfo, default: int = USUAL_WEEKDAY) -> int:
    """The weekday (0 = Monday) a network meets on: the most common one of its last five
    meetings, the latest one deciding a tie; `default` for a network that never met."""
    latest = sorted(starts)[-USUAL_FROM_LAST:]
    if not latest:
        return default
    days = [moment.astimezone(tz).weekday() for moment in latest]
    counted = Counter(days)
    most = max(counted.values())
    return next(day for day in reversed(days) if counted[day] == most)


def next_ordinary(day: date) -> date:
    """`day`, or the same weekday a week later (and so on) when it is a holiday."""
    while free_day(day) is not None:
        day += timedelta(weeks=1)
    return day


def date_buttons(
    today: date,
    weekday: int = USUAL_WEEKDAY,
    weeks_ahead: int = 3,
    count: int = 8,
    taken: Collection[date] = (),
) -> list[date]:
    """Dates to offer as buttons: `count` dates on `weekday`, the first `weeks_ahead` weeks
    out, skipping Dutch holidays and the days around New Year (`domain.holidays`) and the
    days `taken` by another meeting of the network."""
    day = today + timedelta(weeks=weeks_ahead)
    day += timedelta(days=(weekday - day.weekday()) % 7)
    found: list[date] = []
    while len(found) < count:
        if free_day(day) is None and day not in taken:
            found.append(day)
        day += timedelta(weeks=1)
    return found


def year_plan(today: date, weekday: int, count: int = MEETINGS_A_YEAR) -> list[date]:
    """`count` dates on `weekday` spread evenly over the coming year, the first in 3+ weeks;
    one that falls on a holiday moves a week on."""
    first = today + timedelta(weeks=3)
    first += timedelta(days=(weekday - first.weekday()) % 7)
    gap_weeks = 52 / count
    return [next_ordinary(first + timedelta(weeks=round(i * gap_weeks))) for i in range(count)]


def month_weeks(year: int, month: int) -> list[list[date | None]]:
    """The weeks of a month, Monday to Sunday, for a calendar page; None outside the month."""
    first = date(year, month, 1)
    weeks: list[list[date | None]] = []
    day = first - timedelta(days=first.weekday())
    while day.month == month or day < first:
        weeks.append(
            [d if d.month == month else None for d in (day + timedelta(n) for n in range(7))]
        )
        day += timedelta(weeks=1)
    return weeks


def add_months(year: int, month: int, months: int) -> tuple[int, int]:
    """(year, month) `months` later (or earlier)."""
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


# --- where: a place on the map ---------------------------------------------------------------

# The European Netherlands as a rough outline (latitude, longitude), clockwise from the Belgian
# coast; it is right to within a few kilometres of the border, which is all a friendly word about
# a pin "outside the Netherlands" needs. The Wadden islands are inside.
_NETHERLANDS = (
    (51.37, 3.37), (51.27, 3.55), (51.21, 3.80), (51.35, 4.24), (51.44, 4.50), (51.43, 4.75),
    (51.44, 4.93), (51.32, 5.08), (51.26, 5.34), (51.30, 5.56), (51.18, 5.84), (51.05, 5.80),
    (50.98, 5.76), (50.85, 5.62), (50.75, 5.69), (50.76, 6.02), (50.85, 6.08), (50.92, 6.03),
    (51.05, 5.90), (51.17, 6.12), (51.37, 6.22), (51.52, 6.09), (51.72, 5.95), (51.83, 6.10),
    (51.85, 6.40), (51.87, 6.80), (52.07, 6.75), (52.23, 7.07), (52.46, 7.02), (52.63, 6.75),
    (52.65, 7.05), (53.00, 7.20), (53.32, 7.21), (53.70, 6.90), (53.55, 6.00), (53.50, 5.00),
    (53.20, 4.70), (52.95, 4.60), (52.40, 4.45), (52.10, 4.15), (51.95, 3.95), (51.70, 3.60),
    (51.55, 3.40),
)  # fmt: skip


def in_the_netherlands(latitude: float, longitude: float) -> bool:
    """Whether a pin lies in the (European) Netherlands, roughly: ray casting over the outline."""
    inside = False
    for (lat1, lon1), (lat2, lon2) in zip(
        _NETHERLANDS, (*_NETHERLANDS[1:], _NETHERLANDS[0]), strict=True
    ):
        if (lat1 > latitude) != (lat2 > latitude):
            crossing = lon1 + (latitude - lat1) * (lon2 - lon1) / (lat2 - lat1)
            if longitude < crossing:
                inside = not inside
    return inside


def coordinates_text(latitude: float, longitude: float) -> str:
    """ "52.37910, 4.90030": a pin shown as text where no address was given."""
    return f"{latitude:.5f}, {longitude:.5f}"


# --- the timeline of a meeting -------------------------------------------------------------------


class Step(StrEnum):
    poll = "poll"  # the attendance poll in the group, answer buttons privately
    remind = "remind"  # who has not answered: privately, and named in the group
    deadline = "deadline"  # the poll closes; the hosts get the headcount and diets
    day_before = "day_before"  # everyone coming: time, venue, agenda, open actions
    follow_up = "follow_up"  # the hosts confirm who came


@dataclass(frozen=True)
class Leads:
    """How long before the meeting each step comes, in days (settable per meeting)."""

    poll: int = 21
    remind: int = 7
    deadline: int = 3


def timeline(
    starts_at: datetime, planned_at: datetime, tz: ZoneInfo, leads: Leads = Leads()
) -> dict[Step, datetime]:
    """When each step of a meeting falls, in UTC; steps at the wall-clock time of the meeting.

    The poll goes out `leads.poll` days before, or at once when the meeting is nearer. The
    deadline is `leads.deadline` days before; when that is not after the poll, halfway between
    the poll and the meeting. The 7-day reminder only comes when it falls between the poll and
    the deadline. The day before, at 10:00; afterwards, three hours after the start.
    """
    poll = max(shift_days(starts_at, -leads.poll, tz), planned_at)
    deadline = shift_days(starts_at, -leads.deadline, tz)
    if deadline <= poll:
        deadline = poll + (starts_at - poll) / 2
    steps = {Step.poll: poll}
    remind = shift_days(starts_at, -leads.remind, tz)
    if poll < remind < deadline:
        steps[Step.remind] = remind
    steps[Step.deadline] = deadline
    day_before = shift_days(starts_at, -1, tz, MORNING)
    if day_before > poll:
        steps[Step.day_before] = day_before
    steps[Step.follow_up] = starts_at + FOLLOW_UP_AFTER
    return steps


def still_makes_sense(step: Step, steps: Mapping[Step, datetime], starts_at: datetime) -> datetime:
    """Until when a step is worth doing if it was missed (the bot was down)."""
    if step in (Step.poll, Step.remind):
        return steps[Step.deadline]  # asking for answers after the deadline is pointless
    if step in (Step.deadline, Step.day_before):
        return starts_at  # a headcount or a reminder for a meeting already begun is not
    return datetime.max.replace(tzinfo=UTC)  # confirming who came makes sense any time


def due_steps(
    steps: Mapping[Step, datetime], starts_at: datetime, done: Iterable[str], now: datetime
) -> list[Step]:
    """The steps to take now, in order: fallen due, not done, and still making sense."""
    finished = set(done)
    return [
        step
        for step, when in steps.items()
        if step not in finished and when <= now < still_makes_sense(step, steps, starts_at)
    ]


def next_due(steps: Mapping[Step, datetime], done: Iterable[str], now: datetime) -> datetime | None:
    """When the next step not yet done falls, if one is still to come."""
    finished = set(done)
    upcoming = [when for step, when in steps.items() if step not in finished and when > now]
    return min(upcoming) if upcoming else None


def topics_open(starts_at: datetime, now: datetime, tz: ZoneInfo) -> bool:
    """Topics can be proposed until two days before (then the agenda is made)."""
    return now < shift_days(starts_at, -TOPICS_CLOSE_DAYS, tz)


# --- agreed actions ------------------------------------------------------------------------------


class ActionStep(StrEnum):
    week_before = "week_before"
    day_before = "day_before"
    overdue = "overdue"  # the hosts hear it is late


def action_timeline(due_on: date, created_at: datetime, tz: ZoneInfo) -> dict[ActionStep, datetime]:
    """Reminders to the owner a week and a day before the due date, at 10:00; the day after it,
    the hosts hear it is overdue. A reminder that would come before the action existed is left
    out."""
    steps = {
        ActionStep.week_before: local(due_on - timedelta(days=7), MORNING, tz),
        ActionStep.day_before: local(due_on - timedelta(days=1), MORNING, tz),
        ActionStep.overdue: local(due_on + timedelta(days=1), MORNING, tz),
    }
    return {s: when for s, when in steps.items() if s is ActionStep.overdue or when > created_at}


def action_due_steps(
    steps: Mapping[ActionStep, datetime],
    due_on: date,
    done: Iterable[str],
    now: datetime,
    tz: ZoneInfo,
) -> list[ActionStep]:
    """Reminders only before the due date has passed; the overdue notice once, any time after."""
    finished = set(done)
    end_of_due = local(due_on + timedelta(days=1), time(0, 0), tz)
    return [
        step
        for step, when in steps.items()
        if step not in finished and when <= now and (step is ActionStep.overdue or now < end_of_due)
    ]


def done_on_time(due_on: date, done_at: datetime | None, tz: ZoneInfo) -> bool:
    return done_at is not None and done_at.astimezone(tz).date() <= due_on


# --- the headcount -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Headcount:
    coming: int
    maybe: int
    not_coming: int
    no_answer: int
    diets: tuple[tuple[str, int], ...]  # (diet, how many coming need it), most first


def headcount(answers: Iterable[tuple[str | None, str | None]]) -> Headcount:
    """From (answer, diet) per current member: who comes, and the diets of those coming."""
    tally: Counter[str] = Counter()
    diets: Counter[str] = Counter()
    for answer, diet in answers:
        tally[answer or "none"] += 1
        if answer == "yes" and diet and diet.strip() and diet != "none":
            diets[diet.strip()] += 1
    return Headcount(
        coming=tally["yes"],
        maybe=tally["maybe"],
        not_coming=tally["no"],
        no_answer=tally["none"],
        diets=tuple(sorted(diets.items(), key=lambda item: (-item[1], item[0].casefold()))),
    )


def headcount_line(_: Translator, count: Headcount, diet_name: Callable[[str], str]) -> str:
    """ "14 coming: 5 halal, 2 vegetarian, 1 nut allergy · 3 maybe · 2 no answer"."""
    coming = _.ngettext("{n} coming", "{n} coming", count.coming)
    if count.diets:
        listed = ", ".join(f"{n} {diet_name(diet)}" for diet, n in count.diets)
        coming = _("{coming}: {diets}", coming=coming, diets=listed)
    parts = [coming, _.ngettext("{n} maybe", "{n} maybe", count.maybe)]
    if count.not_coming:
        parts.append(_.ngettext("{n} not coming", "{n} not coming", count.not_coming))
    parts.append(_.ngettext("{n} no answer", "{n} no answer", count.no_answer))
    return " · ".join(parts)

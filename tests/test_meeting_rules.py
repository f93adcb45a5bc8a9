"""The rules of meal meetings: typed dates, the year plan, the timeline, the headcount."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import translator
from domain import meetings as rules
from domain.meetings import ActionStep, Ambiguous, Parsed, Step, Unreadable

AMS = ZoneInfo("Europe/Amsterdam")
TODAY = date(2026, 2, 10)  # a Tuesday


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("12 maart 19:00", Parsed(date(2026, 3, 12), time(19, 0))),
        ("12-3 om 19u", Parsed(date(2026, 3, 12), time(19, 0))),
        ("March 12 7pm", Parsed(date(2026, 3, 12), time(19, 0))),
        ("vrijdag 19:00", Parsed(date(2026, 2, 13), time(19, 0))),
        ("morgen 18.30", Parsed(date(2026, 2, 11), time(18, 30))),
        ("12.03.2027", Parsed(date(2027, 3, 12), None)),
        ("13/03/2027", Parsed(date(2027, 3, 13), None)),
        ("3/14 at 6:30 pm", Parsed(date(2026, 3, 14), time(18, 30))),
        ("5 januari", Parsed(date(2027, 1, 5), None)),  # passed this year: next year
        ("29 februari 2028 19:00", Parsed(date(2028, 2, 29), time(19, 0))),
        ("thursday 12th march 2026 19:00", Parsed(date(2026, 3, 12), time(19, 0))),
    ],
)
def test_dates_are_read_the_dutch_and_english_way(typed: str, expected: Parsed) -> None:
    assert rules.read_date(typed, TODAY) == expected


def test_an_ambiguous_date_asks() -> None:
    assert rules.read_date("3/4 19:00", TODAY) == Ambiguous((date(2026, 3, 4), date(2026, 4, 3)))


@pytest.mark.parametrize("typed", ["31 februari", "30-2", "12 maart 25:00", "13pm"])
def test_impossible_dates(typed: str) -> None:
    assert rules.read_date(typed, TODAY) is Unreadable.impossible


def test_no_date_at_all() -> None:
    assert rules.read_date("soon-ish", TODAY) is Unreadable.unknown


def test_local_times_survive_the_clock_change() -> None:
    # 29 March 2026 the clocks go forward in Amsterdam: 19:00 is 17:00 UTC, the day before 18:00.
    starts = rules.local(date(2026, 3, 29), time(19, 0), AMS)
    assert starts == datetime(2026, 3, 29, 17, 0, tzinfo=UTC)
    assert rules.shift_days(starts, -1, AMS) == datetime(2026, 3, 28, 18, 0, tzinfo=UTC)
    # 02:30 does not exist that night: the wall clock's 03:30.
    assert rules.local(date(2026, 3, 29), time(2, 30), AMS).astimezone(AMS).hour == 3


def test_the_timeline_of_a_meeting() -> None:
    starts = rules.local(date(2026, 10, 25), time(19, 0), AMS)  # clocks go back that night
    planned = datetime(2026, 9, 1, tzinfo=UTC)
    steps = rules.timeline(starts, planned, AMS)
    local = {step: when.astimezone(AMS) for step, when in steps.items()}
    assert local[Step.poll] == datetime(2026, 10, 4, 19, 0, tzinfo=AMS)
    assert local[Step.remind] == datetime(2026, 10, 18, 19, 0, tzinfo=AMS)
    assert local[Step.deadline] == datetime(2026, 10, 22, 19, 0, tzinfo=AMS)
    assert local[Step.day_before] == datetime(2026, 10, 24, 10, 0, tzinfo=AMS)
    assert steps[Step.follow_up] == starts + timedelta(hours=3)


def test_a_near_meeting_polls_at_once_and_skips_the_week_reminder() -> None:
    now = datetime(2026, 3, 1, 12, tzinfo=UTC)
    starts = rules.local(date(2026, 3, 6), time(19, 0), AMS)
    steps = rules.timeline(starts, now, AMS)
    assert steps[Step.poll] == now
    assert Step.remind not in steps
    assert steps[Step.poll] < steps[Step.deadline] < steps[Step.day_before] < starts


def test_missed_steps_run_only_while_they_make_sense() -> None:
    starts = rules.local(date(2026, 5, 21), time(19, 0), AMS)
    steps = rules.timeline(starts, datetime(2026, 3, 1, tzinfo=UTC), AMS)
    # Down from before the poll until after the deadline: the poll and reminder are pointless,
    # the headcount still helps.
    after_deadline = steps[Step.deadline] + timedelta(hours=5)
    assert rules.due_steps(steps, starts, set(), after_deadline) == [Step.deadline]
    # Back after the meeting: only confirming who came.
    assert rules.due_steps(steps, starts, set(), starts + timedelta(days=1)) == [Step.follow_up]
    assert rules.due_steps(steps, starts, {"follow_up"}, starts + timedelta(days=1)) == []
    assert rules.next_due(steps, {"poll"}, steps[Step.poll]) == steps[Step.remind]


def test_topics_close_two_days_before() -> None:
    starts = rules.local(date(2026, 5, 21), time(19, 0), AMS)
    assert rules.topics_open(starts, starts - timedelta(days=2, minutes=1), AMS)
    assert not rules.topics_open(starts, starts - timedelta(days=2), AMS)


def test_a_year_of_five_on_one_weekday() -> None:
    dates = rules.year_plan(TODAY, weekday=3)
    assert len(dates) == 5
    assert all(d.weekday() == 3 for d in dates)
    assert dates[0] >= TODAY + timedelta(weeks=3)
    gaps = {(b - a).days for a, b in pairwise(dates)}
    # About ten weeks apart; one that fell on a holiday (here Christmas Eve, then New Year's
    # Eve) moved on a week at a time.
    assert gaps <= {70, 77, 84, 91}
    assert (dates[-1] - dates[0]).days < 365


def test_clashes_are_per_local_day() -> None:
    one = rules.local(date(2026, 5, 21), time(19, 0), AMS)
    assert rules.clashes(rules.local(date(2026, 5, 21), time(12, 0), AMS), [one], AMS)
    assert not rules.clashes(rules.local(date(2026, 5, 22), time(0, 30), AMS), [one], AMS)


def test_the_headcount_line_for_the_caterer() -> None:
    answers = (
        [("yes", "halal")] * 5
        + [("yes", "vegetarian")] * 2
        + [("yes", "nut allergy")]
        + [("yes", "none")] * 6
        + [("maybe", "halal")] * 3
        + [(None, None)] * 2
        + [("no", None)]
    )
    count = rules.headcount(answers)
    _ = translator("en")
    line = rules.headcount_line(_, count, str)
    assert line == (
        "14 coming: 5 halal, 2 vegetarian, 1 nut allergy · 3 maybe · 1 not coming · 2 no answer"
    )


def test_action_reminders_and_the_overdue_notice() -> None:
    created = datetime(2026, 4, 1, tzinfo=UTC)
    due = date(2026, 5, 1)
    steps = rules.action_timeline(due, created, AMS)
    assert list(steps) == [ActionStep.week_before, ActionStep.day_before, ActionStep.overdue]
    week = steps[ActionStep.week_before]
    assert rules.action_due_steps(steps, due, set(), week, AMS) == [ActionStep.week_before]
    late = datetime(2026, 5, 10, tzinfo=UTC)  # reminders missed: only the overdue notice
    assert rules.action_due_steps(steps, due, {"week_before"}, late, AMS) == [ActionStep.overdue]
    # Agreed three days before it is due: no week-before reminder.
    assert ActionStep.week_before not in rules.action_timeline(
        due, datetime(2026, 4, 28, tzinfo=UTC), AMS
    )
    assert rules.done_on_time(due, datetime(2026, 5, 1, 20, tzinfo=UTC), AMS)
    assert not rules.done_on_time(due, datetime(2026, 5, 1, 23, tzinfo=UTC), AMS)

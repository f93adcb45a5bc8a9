"""The days a network does not meet, and the dates offered for a new meeting (pure functions)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import translator
from domain import meetings as rules
from domain.holidays import FreeDay, easter, free_day, free_day_name, holidays, kings_day

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("year", "sunday"),
    [
        (2008, date(2008, 3, 23)),  # early
        (2011, date(2011, 4, 24)),  # late
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2028, date(2028, 4, 16)),
        (2038, date(2038, 4, 25)),  # as late as it gets
        (2285, date(2285, 3, 22)),  # as early as it gets
    ],
)
def test_easter(year: int, sunday: date) -> None:
    assert easter(year) == sunday


def test_kings_day_moves_to_saturday_when_the_27th_is_a_sunday() -> None:
    assert kings_day(2025) == date(2025, 4, 26)  # 27 April 2025 was a Sunday
    assert kings_day(2031) == date(2031, 4, 26)
    assert kings_day(2026) == date(2026, 4, 27)
    assert kings_day(2028) == date(2028, 4, 27)  # a Thursday


def test_the_holidays_of_2026() -> None:
    assert holidays(2026) == {
        date(2026, 1, 1): FreeDay.new_years_day,
        date(2026, 4, 3): FreeDay.good_friday,
        date(2026, 4, 5): FreeDay.easter,
        date(2026, 4, 6): FreeDay.easter_monday,
        date(2026, 4, 27): FreeDay.kings_day,
        date(2026, 5, 4): FreeDay.remembrance,
        date(2026, 5, 5): FreeDay.liberation_day,
        date(2026, 5, 14): FreeDay.ascension,
        date(2026, 5, 24): FreeDay.whitsun,
        date(2026, 5, 25): FreeDay.whit_monday,
        date(2026, 12, 25): FreeDay.christmas,
        date(2026, 12, 26): FreeDay.boxing_day,
    }


@pytest.mark.parametrize("year", range(2024, 2040))
def test_moving_feasts_keep_their_weekday(year: int) -> None:
    named = {why: day for day, why in holidays(year).items()}
    assert named[FreeDay.good_friday].weekday() == 4
    assert named[FreeDay.easter].weekday() == named[FreeDay.whitsun].weekday() == 6
    assert named[FreeDay.easter_monday].weekday() == named[FreeDay.whit_monday].weekday() == 0
    assert named[FreeDay.ascension].weekday() == 3
    assert named[FreeDay.kings_day].weekday() != 6


def test_the_days_around_new_year() -> None:
    for day in (date(2026, 12, 24), date(2026, 12, 27), date(2026, 12, 31), date(2027, 1, 2)):
        assert free_day(day) is FreeDay.year_end, day
    assert free_day(date(2026, 12, 25)) is FreeDay.christmas  # the named day wins
    assert free_day(date(2027, 1, 1)) is FreeDay.new_years_day
    assert free_day(date(2026, 12, 23)) is None
    assert free_day(date(2027, 1, 3)) is None
    assert free_day(date(2026, 3, 12)) is None


def test_every_reason_has_a_name_in_both_languages() -> None:
    for language in ("nl", "en"):
        _ = translator(language)
        names = {free_day_name(_, why) for why in FreeDay}
        assert len(names) == len(FreeDay)
    assert free_day_name(translator("en"), FreeDay.kings_day) == "King's Day"


# --- the dates offered for a new meeting ------------------------------------------------------


def test_date_buttons_skip_ascension_day() -> None:
    offered = rules.date_buttons(date(2026, 4, 20), weekday=3)  # a Monday; 14 May is Hemelvaart
    assert len(offered) == 8 and all(d.weekday() == 3 for d in offered)
    assert offered[0] == date(2026, 5, 21)
    assert date(2026, 5, 14) not in offered
    assert offered == sorted(offered) and len(set(offered)) == 8


def test_date_buttons_never_start_on_new_years_eve() -> None:
    offered = rules.date_buttons(date(2026, 12, 1), weekday=3)  # 3 weeks out: Tuesday 22 Dec
    assert offered[0] == date(2027, 1, 7)  # not the 24th, not the 31st
    assert all(free_day(d) is None for d in offered)


def test_date_buttons_skip_kings_day_and_the_fourth_of_may_on_thursdays_of_2028() -> None:
    offered = rules.date_buttons(date(2028, 3, 27), weekday=3)
    assert date(2028, 4, 27) not in offered and date(2028, 5, 4) not in offered
    assert date(2028, 5, 25) not in offered  # Hemelvaart
    assert offered[:3] == [date(2028, 4, 20), date(2028, 5, 11), date(2028, 5, 18)]


@pytest.mark.parametrize("year", range(2026, 2036))
def test_no_year_offers_a_free_day(year: int) -> None:
    for weekday in range(5):
        for start in (date(year, 1, 5), date(year, 4, 1), date(year, 11, 30)):
            assert all(
                free_day(d) is None and d.weekday() == weekday
                for d in rules.date_buttons(start, weekday=weekday)
            )
            assert all(free_day(d) is None for d in rules.year_plan(start, weekday))


def test_a_year_plan_moves_a_holiday_a_week_on() -> None:
    # From 16 Nov 2026 on Thursdays: the fourth date would be Ascension Day 2027 (6 May).
    plan = rules.year_plan(date(2026, 11, 16), weekday=3)
    assert date(2027, 5, 6) not in plan and date(2027, 5, 13) in plan
    assert all(d.weekday() == 3 for d in plan)


def test_the_usual_weekday_comes_from_the_last_meetings() -> None:
    def at(*days: date) -> list[datetime]:
        return [datetime(d.year, d.month, d.day, 17, 0, tzinfo=UTC) for d in days]

    assert rules.usual_weekday([], AMS) == 3  # no meetings yet: Thursday
    tuesdays = at(date(2026, 1, 6), date(2026, 3, 3), date(2026, 5, 12))
    assert rules.usual_weekday(tuesdays, AMS) == 1
    # One Wednesday among Tuesdays does not change it; a tie goes to the latest.
    assert rules.usual_weekday([*tuesdays, *at(date(2026, 6, 10))], AMS) == 1
    assert rules.usual_weekday(at(date(2026, 1, 6), date(2026, 2, 4)), AMS) == 2
    # Only the last five count: six old Mondays, then five Fridays.
    mondays = at(*(date(2025, 1, 6) + timedelta(weeks=i) for i in range(6)))
    fridays = at(*(date(2026, 1, 2) + timedelta(weeks=i) for i in range(5)))
    assert rules.usual_weekday([*fridays, *mondays], AMS) == 4
    # Late in the evening in UTC is the next day in Amsterdam.
    assert rules.usual_weekday([datetime(2026, 3, 4, 23, 30, tzinfo=UTC)], AMS) == 3


def test_a_month_page_has_whole_weeks() -> None:
    february = rules.month_weeks(2026, 2)  # starts on a Sunday
    assert february[0] == [None] * 6 + [date(2026, 2, 1)]
    assert february[-1][-1] is None and february[-1][-2] == date(2026, 2, 28)
    assert all(len(week) == 7 for week in february)
    days = [d for week in rules.month_weeks(2026, 12) for d in week if d is not None]
    assert days == [date(2026, 12, n) for n in range(1, 32)]
    assert rules.add_months(2026, 12, 1) == (2027, 1)
    assert rules.add_months(2026, 1, -1) == (2025, 12)


def test_a_pin_in_or_outside_the_netherlands() -> None:
    assert rules.in_the_netherlands(52.3791, 4.9003)  # Amsterdam Centraal
    assert rules.in_the_netherlands(50.8514, 5.6910)  # Maastricht
    assert rules.in_the_netherlands(53.4520, 6.8330)  # Groningen's coast
    assert rules.in_the_netherlands(53.0500, 4.8000)  # Texel
    assert not rules.in_the_netherlands(50.8503, 4.3517)  # Brussels
    assert not rules.in_the_netherlands(51.2194, 4.4025)  # Antwerp
    assert not rules.in_the_netherlands(50.7753, 6.0839)  # Aachen
    assert not rules.in_the_netherlands(41.0082, 28.9784)  # Istanbul
    assert not rules.in_the_netherlands(-33.9249, 18.4241)  # Cape Town
    assert rules.coordinates_text(52.3791, 4.9003) == "52.37910, 4.90030"


def test_date_buttons_leave_out_the_days_with_a_meeting() -> None:
    offered = rules.date_buttons(date(2026, 2, 10), weekday=3, taken={date(2026, 3, 5)})
    assert offered[:2] == [date(2026, 3, 12), date(2026, 3, 19)]

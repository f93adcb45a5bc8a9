"""Dates read one way per kind, in Dutch and English (docs/GLOSSARY.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import translator
from domain.labels import day_button, day_of, day_text, moment_text, status_name, time_text
from domain.meeting_texts import due_text, when_text
from storage.meetings import Meeting

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Thursday 12 March 2026, 19:00 in Amsterdam (CET, UTC+1).
EVENING = datetime(2026, 3, 12, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "donderdag 12 maart, 19:00"), ("en", "Thursday 12 March, 19:00")],
)
def test_a_moment_names_the_weekday_day_month_and_time(language: str, expected: str) -> None:
    _ = translator(language)
    assert moment_text(_, EVENING, AMSTERDAM, this_year=2026) == expected
    assert moment_text(_, EVENING.isoformat(), AMSTERDAM, this_year=2026) == expected


def test_the_year_shows_only_when_it_is_not_this_year() -> None:
    _ = translator("nl")
    assert moment_text(_, EVENING, AMSTERDAM, this_year=2025) == "donderdag 12 maart 2026, 19:00"
    assert day_text(_, date(2026, 3, 12), this_year=2026) == "12 maart"
    assert day_text(_, date(2027, 1, 5), this_year=2026) == "5 januari 2027"
    assert day_text(translator("en"), date(2027, 1, 5), this_year=2026) == "5 January 2027"


def test_a_day_and_a_time_are_read_in_the_networks_time_zone() -> None:
    _ = translator("nl")
    late = datetime(2026, 6, 30, 22, 30, tzinfo=UTC)  # 00:30 on 1 July in Amsterdam (CEST)
    assert day_of(_, late, AMSTERDAM, this_year=2026) == "1 juli"
    assert day_of(_, late.isoformat(), AMSTERDAM, this_year=2026) == "1 juli"
    assert time_text(late, AMSTERDAM) == "00:30"


def test_someone_filling_in_the_form_is_applying() -> None:
    assert status_name(translator("en"), "intake") == "applying"
    assert status_name(translator("nl"), "intake") == "bezig met aanmelding"


def test_a_day_on_a_button_is_short() -> None:
    assert day_button(translator("nl"), date(2026, 3, 12)) == "do 12 mrt"
    assert day_button(translator("en"), date(2026, 3, 12)) == "Thu 12 Mar"


def test_a_meeting_and_a_due_date_name_the_year_only_when_it_is_not_this_one() -> None:
    _ = translator("nl")
    meeting = Meeting(
        id=1,
        network_id=1,
        starts_at=datetime(2027, 1, 14, 18, 0, tzinfo=UTC).isoformat(),
        venue_kind="town_hall",
        venue_name=None,
        address=None,
        latitude=None,
        longitude=None,
        meal_note=None,
        status="planned",
        poll_days=21,
        remind_days=7,
        deadline_days=3,
        round=1,
        planned_at=EVENING.isoformat(),
        created_by=None,
        created_at=EVENING.isoformat(),
        cancelled_at=None,
        attendance_confirmed_at=None,
    )
    assert when_text(_, meeting, AMSTERDAM, this_year=2026) == "donderdag 14 januari 2027, 19:00"
    assert when_text(_, meeting, AMSTERDAM, this_year=2027) == "donderdag 14 januari, 19:00"
    assert due_text(_, date(2027, 1, 5), this_year=2027) == "5 januari"

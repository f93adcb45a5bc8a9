"""Dates read one way per kind, in Dutch and English (docs/GLOSSARY.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.i18n import translator
from domain.labels import day_of, day_text, moment_text, status_name, time_text

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

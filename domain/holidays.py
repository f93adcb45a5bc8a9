"""Days a network does not meet over a meal: Dutch public holidays, the evening of 4 May and
the days around New Year.

Pure functions, for the date buttons of a new meeting (`domain.meetings.date_buttons`) and
the calendar page. Written out here rather than taken from a library such as `holidays`: the
list is short and fixed by law or custom, Easter is one well-known formula, and what we skip
is not the same as "a legal day off" — Goede Vrijdag and the evening of Remembrance Day
(Dodenherdenking, 4 May) are working days for many, and the whole stretch from Christmas Eve
to 2 January is not a holiday at all, but a meal meeting then is a poor choice. Bevrijdingsdag
counts every year, not only in the lustrum years when it is a general day off.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from bot.i18n import Translator


class FreeDay(StrEnum):
    """Why a day is skipped."""

    new_years_day = "new_years_day"  # Nieuwjaarsdag, 1 January
    good_friday = "good_friday"  # Goede Vrijdag
    easter = "easter"  # Eerste Paasdag
    easter_monday = "easter_monday"  # Tweede Paasdag
    kings_day = "kings_day"  # Koningsdag: 27 April, the 26th when the 27th is a Sunday
    remembrance = "remembrance"  # Dodenherdenking, the evening of 4 May
    liberation_day = "liberation_day"  # Bevrijdingsdag, 5 May
    ascension = "ascension"  # Hemelvaartsdag, 39 days after Easter
    whitsun = "whitsun"  # Eerste Pinksterdag
    whit_monday = "whit_monday"  # Tweede Pinksterdag
    christmas = "christmas"  # Eerste Kerstdag
    boxing_day = "boxing_day"  # Tweede Kerstdag
    year_end = "year_end"  # 24 December to 2 January: people are away or with family


def easter(year: int) -> date:
    """Easter Sunday in the Gregorian calendar (the anonymous algorithm of Meeus, Jones and
    Butcher, valid for every year from 1583)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    leap = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * leap) // 451
    month, day = divmod(h + leap - 7 * m + 114, 31)
    return date(year, month, day + 1)


def kings_day(year: int) -> date:
    """Koningsdag: 27 April, or Saturday the 26th when the 27th falls on a Sunday."""
    day = date(year, 4, 27)
    return day - timedelta(days=1) if day.weekday() == 6 else day


def holidays(year: int) -> dict[date, FreeDay]:
    """The named days of `year` a meeting is not planned on, by date."""
    sunday = easter(year)
    return {
        date(year, 1, 1): FreeDay.new_years_day,
        sunday - timedelta(days=2): FreeDay.good_friday,
        sunday: FreeDay.easter,
        sunday + timedelta(days=1): FreeDay.easter_monday,
        kings_day(year): FreeDay.kings_day,
        date(year, 5, 4): FreeDay.remembrance,
        date(year, 5, 5): FreeDay.liberation_day,
        sunday + timedelta(days=39): FreeDay.ascension,
        sunday + timedelta(days=49): FreeDay.whitsun,
        sunday + timedelta(days=50): FreeDay.whit_monday,
        date(year, 12, 25): FreeDay.christmas,
        date(year, 12, 26): FreeDay.boxing_day,
    }


def free_day(day: date) -> FreeDay | None:
    """Why no meeting is planned on `day`, or None for an ordinary day."""
    named = holidays(day.year).get(day)
    if named is not None:
        return named
    if (day.month == 12 and day.day >= 24) or (day.month == 1 and day.day <= 2):
        return FreeDay.year_end
    return None


def free_day_name(_: Translator, why: FreeDay) -> str:
    """ "Koningsdag", "the days around New Year": what a person is told a day is."""
    names = {
        FreeDay.new_years_day: _("New Year's Day"),
        FreeDay.good_friday: _("Good Friday"),
        FreeDay.easter: _("Easter Sunday"),
        FreeDay.easter_monday: _("Easter Monday"),
        FreeDay.kings_day: _("King's Day"),
        FreeDay.remembrance: _("Remembrance Day (the evening of 4 May)"),
        FreeDay.liberation_day: _("Liberation Day"),
        FreeDay.ascension: _("Ascension Day"),
        FreeDay.whitsun: _("Whit Sunday"),
        FreeDay.whit_monday: _("Whit Monday"),
        FreeDay.christmas: _("Christmas Day"),
        FreeDay.boxing_day: _("Boxing Day"),
        FreeDay.year_end: _("the days around New Year"),
    }
    return str(names[why])

"""How the domain's words read: roles, membership states, dietary needs, days and moments.

Dates have one form per kind (docs/GLOSSARY.md): a moment is "donderdag 12 maart, 19:00"
("Thursday 12 March, 19:00"), a day "12 maart" ("12 March"), a time "19:00"; the year only
when it is not this year's. A day on a button, where space is short: "do 12 mrt".
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from bot.i18n import Html, Translator, escape
from domain.access import Role


def role_name(_: Translator, role: str) -> Html:
    """The role as people say it: police chief, municipality contact, key figure."""
    names: dict[str, Html] = {
        Role.police_chief: _("police chief"),
        Role.municipality: _("municipality contact"),
        Role.key_figure: _("key figure"),
    }
    return names.get(role, Html(escape(role)))


def status_name(_: Translator, status: str) -> Html:
    names = {
        "intake": _("applying"),
        "awaiting_approval": _("awaiting approval"),
        "approved": _("approved"),
        "rejected": _("rejected"),
        "removed": _("removed"),
    }
    return names.get(status, Html(escape(status)))


def _local(when: datetime | str, tz: ZoneInfo) -> datetime:
    moment_ = datetime.fromisoformat(when) if isinstance(when, str) else when
    return moment_.astimezone(tz)


def moment_text(
    _: Translator, when: datetime | str, tz: ZoneInfo, *, this_year: int | None = None
) -> str:
    """A moment: "donderdag 12 maart, 19:00" / "Thursday 12 March, 19:00" in `tz`; with the
    year ("… 12 maart 2027, 19:00") when it is not `this_year`."""
    local = _local(when, tz)
    day = "EEEE d MMMM" if local.year == this_year or this_year is None else "EEEE d MMMM y"
    return str(format_datetime(local, f"{day}, HH:mm", tzinfo=tz, locale=_.language))


def day_text(_: Translator, day: date, *, this_year: int | None = None) -> str:
    """A day: "12 maart" / "12 March"; "12 maart 2027" when it is not `this_year`."""
    pattern = "d MMMM" if day.year == this_year or this_year is None else "d MMMM y"
    return str(format_date(day, pattern, locale=_.language))


def day_of(
    _: Translator, when: datetime | str, tz: ZoneInfo, *, this_year: int | None = None
) -> str:
    """The day of a stored moment, as `day_text` says it."""
    return day_text(_, _local(when, tz).date(), this_year=this_year)


def day_button(_: Translator, day: date) -> str:
    """A day on a button, where a row holds four: "do 12 mrt" / "Thu 12 Mar"."""
    return str(format_date(day, "EEE d MMM", locale=_.language))


def time_text(when: datetime | str, tz: ZoneInfo) -> str:
    """A time of day: "19:00", the same in every language."""
    return _local(when, tz).strftime("%H:%M")


def diet_name(_: Translator, diet: str | None) -> str:
    """A dietary need as shown: the button's label, or what the person typed."""
    names = {
        "none": _("no special needs"),
        "halal": _("halal"),
        "vegetarian": _("vegetarian"),
        "vegan": _("vegan"),
        "kosher": _("kosher"),
    }
    if diet is None:
        return _("not given")
    return names.get(diet, diet)

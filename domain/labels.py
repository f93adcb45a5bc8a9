"""How the domain's words read: roles, membership states, dietary needs and moments."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

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
        "intake": _("in intake"),
        "awaiting_approval": _("awaiting approval"),
        "approved": _("approved"),
        "rejected": _("rejected"),
        "removed": _("removed"),
    }
    return names.get(status, Html(escape(status)))


def moment(_: Translator, iso: str, tz: ZoneInfo, *, long: bool = False) -> str:
    """A stored UTC moment as a reader in the network's time zone says it."""
    when = datetime.fromisoformat(iso).astimezone(tz)
    pattern = "EEEE d MMMM y, HH:mm" if long else "d MMM y, HH:mm"
    return str(format_datetime(when, pattern, tzinfo=tz, locale=_.language))


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

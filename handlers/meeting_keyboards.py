"""The buttons of the meeting conversations (/meeting, /meetings, /topic, /action), apart from
their flow. Every step of a conversation carries Cancel (`handlers.conversation`).

Callback data: mtg:net:<network> · mtg:ynet:<network> · mtg:day:<yyyymmdd> · mtg:time:<hhmm> ·
mtg:cal:<yyyymm> (a calendar page) · mtg:free:<yyyymmdd> (a holiday on it) · mtg:blank ·
mtg:venue:<kind> · mtg:pin:skip · mtg:note:skip · mtg:ok · mtg:no · mtg:ywd:<weekday> ·
mtg:yadj:<index> · mtg:yok · mtg:move:<meeting> · mtg:cancel:<meeting> · mtg:cancelok:<meeting> ·
top:<meeting>:named|anon · act:net:<network> · act:who:<user> · act:due:<yyyymmdd>.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.fit import keyboard_rows
from bot.i18n import Translator
from domain import meetings as rules
from domain.holidays import free_day
from domain.labels import day_button, day_text
from handlers.common import network_rows
from handlers.conversation import with_cancel
from storage.memberships import Membership
from storage.networks import Network

TIMES = ("17:30", "18:00", "18:30", "19:00")
WEEKDAYS = 5  # Monday to Friday


def networks(found: Sequence[Network], prefix: str) -> InlineKeyboardMarkup:
    """Which network: the first step, before anything is open to cancel."""
    return InlineKeyboardMarkup(network_rows(found, lambda n: f"{prefix}:{n.id}"))


def days(_: Translator, choices: Sequence[date], month: date) -> InlineKeyboardMarkup:
    """The offered dates, and "📅 Another day" for a calendar page (of `month`)."""
    buttons = [
        InlineKeyboardButton(day_button(_, d), callback_data=f"mtg:day:{d:%Y%m%d}") for d in choices
    ]
    other = InlineKeyboardButton(_("📅 Another day"), callback_data=f"mtg:cal:{month:%Y%m}")
    return with_cancel(_, InlineKeyboardMarkup([*keyboard_rows(buttons, 4), [other]]))


BLANK = "mtg:blank"  # a cell of the calendar that is not a day to choose
MONTHS_AHEAD = 12  # how far the calendar pages go


def calendar(_: Translator, year: int, month: int, today: date) -> InlineKeyboardMarkup:
    """A month as a page of buttons, Monday to Sunday: a day to choose, "(25)" for a holiday
    (`mtg:free:`, which says which), "·" for days gone; ◀ and ▶ turn the month (from this
    month to a year ahead). At most 7 + 6 × 7 + 3 + 1 buttons."""
    monday = today - timedelta(days=today.weekday())
    header = [
        InlineKeyboardButton(
            str(format_date(monday + timedelta(days=i), "EEEEEE", locale=_.language)),
            callback_data=BLANK,
        )
        for i in range(7)
    ]
    rows = [header]
    for week in rules.month_weeks(year, month):
        row = []
        for day in week:
            if day is None or day < today:
                row.append(InlineKeyboardButton("·", callback_data=BLANK))
            elif free_day(day) is not None:
                row.append(
                    InlineKeyboardButton(f"({day.day})", callback_data=f"mtg:free:{day:%Y%m%d}")
                )
            else:
                row.append(
                    InlineKeyboardButton(str(day.day), callback_data=f"mtg:day:{day:%Y%m%d}")
                )
        rows.append(row)
    turn = []
    if (year, month) > (today.year, today.month):
        before = rules.add_months(year, month, -1)
        turn.append(InlineKeyboardButton("◀", callback_data=f"mtg:cal:{before[0]}{before[1]:02d}"))
    turn.append(
        InlineKeyboardButton(
            str(format_date(date(year, month, 1), "MMMM y", locale=_.language)), callback_data=BLANK
        )
    )
    if (year, month) < rules.add_months(today.year, today.month, MONTHS_AHEAD):
        after = rules.add_months(year, month, 1)
        turn.append(InlineKeyboardButton("▶", callback_data=f"mtg:cal:{after[0]}{after[1]:02d}"))
    rows.append(turn)
    return with_cancel(_, InlineKeyboardMarkup(rows))


def which_day(_: Translator, options: Sequence[date], this_year: int) -> InlineKeyboardMarkup:
    """“Did you mean…?”: one button per reading of an ambiguous date."""
    rows = [
        [
            InlineKeyboardButton(
                day_text(_, d, this_year=this_year), callback_data=f"mtg:day:{d:%Y%m%d}"
            )
        ]
        for d in options
    ]
    return with_cancel(_, InlineKeyboardMarkup(rows))


def times(_: Translator) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(t, callback_data=f"mtg:time:{t.replace(':', '')}") for t in TIMES
    ]
    return with_cancel(_, InlineKeyboardMarkup([buttons]))


def skip_place_name(_: Translator, can_skip: bool) -> InlineKeyboardMarkup:
    """Under "what should the invitation say?" after a pin: Skip (the police station or the
    town hall need no name) and Cancel."""
    rows = [[InlineKeyboardButton(_("Skip"), callback_data="mtg:pin:skip")]] if can_skip else []
    return with_cancel(_, InlineKeyboardMarkup(rows))


def venues(_: Translator) -> InlineKeyboardMarkup:
    return with_cancel(
        _,
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("🚓 Police station"), callback_data="mtg:venue:police_station"
                    )
                ],
                [InlineKeyboardButton(_("🏛 Town hall"), callback_data="mtg:venue:town_hall")],
                [InlineKeyboardButton(_("📍 Another place"), callback_data="mtg:venue:other")],
            ]
        ),
    )


def skip_note(_: Translator) -> InlineKeyboardMarkup:
    return with_cancel(
        _, InlineKeyboardMarkup([[InlineKeyboardButton(_("Skip"), callback_data="mtg:note:skip")]])
    )


def plan_it(_: Translator) -> InlineKeyboardMarkup:
    """Under the summary: plan it, or stop (the flow's own Cancel: "nothing was planned")."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("✅ Plan it"), callback_data="mtg:ok"),
                InlineKeyboardButton(_("✖️ Cancel"), callback_data="mtg:no"),
            ]
        ]
    )


def proposal(_: Translator, count: int) -> InlineKeyboardMarkup:
    adjust = [
        InlineKeyboardButton(_("✏️ {n}", n=i), callback_data=f"mtg:yadj:{i - 1}")
        for i in range(1, count + 1)
    ]
    return InlineKeyboardMarkup(
        [
            adjust,
            [
                InlineKeyboardButton(_("✅ Looks good"), callback_data="mtg:yok"),
                InlineKeyboardButton(_("✖️ Cancel"), callback_data="mtg:no"),
            ],
        ]
    )


def weekdays(_: Translator) -> InlineKeyboardMarkup:
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday")]
    rows = [[InlineKeyboardButton(n, callback_data=f"mtg:ywd:{i}")] for i, n in enumerate(names)]
    return with_cancel(_, InlineKeyboardMarkup(rows))


def move_or_cancel(_: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    """A host's buttons under a coming meeting in /meetings."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("🗓 Move"), callback_data=f"mtg:move:{meeting_id}"),
                InlineKeyboardButton(
                    _("✖️ Cancel meeting"), callback_data=f"mtg:cancel:{meeting_id}"
                ),
            ]
        ]
    )


def sure_to_cancel(_: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("✖️ Yes, cancel it"), callback_data=f"mtg:cancelok:{meeting_id}")]]
    )


# --- /topic and /action ------------------------------------------------------------------------


def named_or_not(_: Translator, meeting_id: int) -> InlineKeyboardMarkup:
    return with_cancel(
        _,
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("👤 With my name"), callback_data=f"top:{meeting_id}:named"
                    ),
                    InlineKeyboardButton(
                        _("🕶 Without my name"), callback_data=f"top:{meeting_id}:anon"
                    ),
                ]
            ]
        ),
    )


def action_networks(_: Translator, found: Sequence[Network]) -> InlineKeyboardMarkup:
    # More than MAX_CHOICES networks (a coordinator's): the first ones only.
    return with_cancel(_, InlineKeyboardMarkup(network_rows(found, lambda n: f"act:net:{n.id}")))


def owners(_: Translator, people: Sequence[Membership]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            (m.display_name or str(m.user_id))[:30], callback_data=f"act:who:{m.user_id}"
        )
        for m in people
    ]
    # Within Telegram's shape limits, beside Cancel.
    return with_cancel(_, InlineKeyboardMarkup(keyboard_rows(buttons, 2)))


def due_dates(_: Translator, options: Sequence[tuple[str, date]]) -> InlineKeyboardMarkup:
    row = [InlineKeyboardButton(label, callback_data=f"act:due:{d:%Y%m%d}") for label, d in options]
    return with_cancel(_, InlineKeyboardMarkup([row]))

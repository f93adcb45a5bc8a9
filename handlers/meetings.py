"""/meeting and /meetings: hosts plan meal meetings (one, or a year of five), move and cancel
them; everyone sees the coming ones.

Planning is a short conversation in the private chat: network, date and time (typed the usual
Dutch or English way, or with buttons: the network's usual weekday without holidays, or a
calendar page), venue (Telegram's location button, a pin from the attachment menu, or typed),
a note about the meal, a summary with ✅. Every
answer is stored as the person's conversation (`handlers.conversation`), so a restart loses
nothing, and every step has Cancel. What ✅, Move and Cancel do is `domain.meeting_plans`; the
timeline runs in `domain.timeline`; the buttons are `handlers.meeting_keyboards`; topics,
actions and statistics are in `handlers.meeting_agenda`.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Html
from bot.render import keyboard
from bot.replies import edit_message, reply_text, send_text
from bot.services import Services
from domain import meeting_plans, timeline
from domain import meeting_texts as texts
from domain import meetings as rules
from domain.access import Action, allowed, networks_where
from domain.holidays import free_day, free_day_name
from domain.labels import day_text, moment_text
from domain.meetings import Ambiguous, Parsed, Unreadable
from handlers import conversation as talk
from handlers import guard, meeting_agenda, meeting_timeline, pickers
from handlers import meeting_keyboards as keys
from handlers.common import more_choices, networks_to_act_on, permit_button
from storage import meetings as store
from storage.meetings import Draft, Meeting, Venue

log = logging.getLogger(__name__)

PLAN_FLOWS = ("plan", "year", "reschedule")
_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


def today(svc: Services) -> date:
    return svc.clock.now().astimezone(svc.settings.bot.tz).date()


def this_year(svc: Services) -> int:
    """Dates in this year are said without it."""
    return today(svc).year


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer in the chat: under a pressed button, or to a typed message."""
    message = update.effective_message
    assert message is not None
    await send_text(message.get_bot(), message.chat_id, text, markup)


# --- /meeting: plan one --------------------------------------------------------------------------


async def meeting_command(update: Update, context: BotContext) -> None:
    """A host starts planning a meal meeting: network, date, venue, meal, confirm."""
    assert update.effective_message and update.effective_user
    _ = await context.texts()
    name = " ".join(context.args or [])
    found = await networks_to_act_on(update, context, name, Action.plan_meeting)
    if not found:
        return
    if len(found) == 1:
        await start_plan(update, context, "plan", found[0].id)
        return
    await update.effective_message.reply_text(
        _("Which network is the meeting for?") + more_choices(_, found, "/meeting"),
        reply_markup=keys.networks(found, "mtg:net"),
    )


async def start_plan(
    update: Update, context: BotContext, kind: str, network_id: int, meeting_id: int | None = None
) -> None:
    assert update.effective_user
    svc = context.services
    dropped = await talk.save_draft(
        svc,
        update.effective_user.id,
        kind,
        "date",
        svc.clock.now(),
        network_id=network_id,
        meeting_id=meeting_id,
    )
    await talk.tell_dropped(update, context, dropped)
    await ask_date(update, context)


async def start_year(update: Update, context: BotContext, network_id: int) -> None:
    assert update.effective_user
    svc = context.services
    dropped = await talk.save_draft(
        svc, update.effective_user.id, "year", "weekday", svc.clock.now(), network_id=network_id
    )
    await talk.tell_dropped(update, context, dropped)
    await ask_weekday(update, context)


async def ask_date(update: Update, context: BotContext) -> None:
    """Dates on the network's usual weekday (the year plan's weekday), holidays left out."""
    assert update.effective_user
    _ = await context.texts()
    svc = context.services
    draft = await talk.draft(svc, update.effective_user.id)
    assert draft is not None and draft.network_id is not None
    weekday = int(draft.data["weekday"]) if draft.kind == "year" else None
    choices = await meeting_plans.date_choices(svc, draft.network_id, today(svc), weekday)
    await reply(
        update,
        _(
            "🗓 When is the meeting? Type a date and time, for example “12 March 19:00” or "
            "“vrijdag 19:00”, or choose a day:"
        ),
        keys.days(_, choices, today(svc)),
    )


async def ask_time(update: Update, context: BotContext, day: date) -> None:
    _ = await context.texts()
    await reply(
        update,
        _(
            "🕖 At what time on {day}? Choose, or type it (e.g. 18:45).",
            day=day_text(_, day, this_year=this_year(context.services)),
        ),
        keys.times(_),
    )


async def ask_venue(update: Update, context: BotContext) -> None:
    _ = await context.texts()
    await reply(update, _("📍 Where?"), keys.venues(_))


async def ask_note(update: Update, context: BotContext) -> None:
    _ = await context.texts()
    await reply(
        update,
        _(
            "🥘 Anything about the meal for the invitation (e.g. “Surinamese buffet”)? "
            "Type it, or skip."
        ),
        keys.skip_note(_),
    )


async def ask_weekday(update: Update, context: BotContext) -> None:
    _ = await context.texts()
    await reply(update, _("On which weekday does the network usually meet?"), keys.weekdays(_))


async def ask_place(update: Update, context: BotContext, kind: str) -> None:
    """Where: Telegram's location button, a pin from the attachment menu, or typed."""
    _ = await context.texts()
    if kind == "other":
        text = _(
            "📍 Where is it? Are you there now? Tap <b>📍 Send where I am now</b>. Or drop a "
            "pin anywhere with 📎 → Location. Or type the name of the place and its address, "
            "e.g. “Buurthuis De Boog, Boogstraat 3”."
        )
    else:
        text = _(
            "📍 Where is it? Are you there now? Tap <b>📍 Send where I am now</b>. Or drop a "
            "pin anywhere with 📎 → Location. Or type the address. I will remember it."
        )
    assert update.effective_chat
    await update.effective_chat.send_message(text, reply_markup=pickers.place_keyboard(_))


async def ask_pin_name(update: Update, context: BotContext, kind: str) -> None:
    """After a bare pin: the words the invitation shows beside it."""
    _ = await context.texts()
    if kind == "other":
        text = _(
            "What is the place called? Add the address after a comma if you like, e.g. "
            "“Buurthuis De Boog, Boogstraat 3”."
        )
    else:
        text = _("And its address, as the invitation should show it? Type it, or skip.")
    await reply(update, text, keys.skip_place_name(_, can_skip=kind != "other"))


async def chosen_moment(
    update: Update, context: BotContext, draft: Draft, day: date, at: time
) -> None:
    """A date and time: checked (past, clash), then on to the venue – or the new date applied."""
    svc = context.services
    _ = await context.texts()
    starts_at = rules.local(day, at, svc.settings.bot.tz)
    if rules.in_the_past(starts_at, svc.clock.now()):
        await reply(update, _("That moment has passed. Please choose a date in the future."))
        return
    assert draft.network_id is not None
    # A year's other proposed dates count too: two on one day is a clash.
    adjusted = int(draft.data.get("index", -1))
    also = [
        iso
        for i, iso in enumerate(draft.data.get("dates", []) if draft.kind == "year" else [])
        if i != adjusted
    ]
    if await meeting_plans.clashes(
        svc, draft.network_id, starts_at, besides=draft.meeting_id, also=also
    ):
        await reply(
            update,
            _(
                "{network} already has a meeting on {day}. Please choose another day "
                "(or move that one with /meetings).",
                network=await timeline.network_name(svc, draft.network_id),
                day=day_text(_, day, this_year=this_year(svc)),
            ),
        )
        return
    if draft.kind == "reschedule":
        assert draft.meeting_id is not None
        await talk.clear_draft(svc, draft.user_id)
        await move(update, context, draft.meeting_id, starts_at)
        return
    if draft.kind == "year":
        dates = list(draft.data.get("dates", []))
        dates[int(draft.data["index"])] = starts_at.isoformat()
        await save(svc, draft, "proposal", dates=dates)
        await show_proposal(update, context)
        return
    await save(svc, draft, "venue", starts_at=starts_at.isoformat())
    await ask_venue(update, context)


async def save(svc: Services, draft: Draft, step: str, **data: Any) -> None:
    await talk.save_draft(
        svc,
        draft.user_id,
        draft.kind,
        step,
        svc.clock.now(),
        network_id=draft.network_id,
        meeting_id=draft.meeting_id,
        data={**draft.data, **data},
    )


async def take_date(update: Update, context: BotContext, draft: Draft, text: str) -> None:
    svc = context.services
    _ = await context.texts()
    if draft.step == "time":
        at = rules.read_time(text)
        if isinstance(at, Unreadable):
            await reply(update, _("I could not read a time in that. Please type it like 19:00."))
            return
        await time_chosen(update, context, draft, at)
        return
    reading = rules.read_date(text, today(svc))
    if isinstance(reading, Ambiguous):
        await reply(update, _("Did you mean…?"), keys.which_day(_, reading.options, this_year(svc)))
        if "at" in text or ":" in text:
            parsed_time = rules.read_time(text)
            if isinstance(parsed_time, time):
                await save(svc, draft, draft.step, at=parsed_time.strftime("%H:%M"))
        return
    if reading is Unreadable.impossible:
        await reply(update, _("That date or time does not exist. Please check it and try again."))
        return
    if not isinstance(reading, Parsed):
        await reply(
            update,
            _(
                "I could not read a date in that. Try “12 March 19:00”, “12-3 om 19u” "
                "or “vrijdag 19:00”."
            ),
        )
        return
    await with_day(update, context, draft, reading.day, reading.at)


async def with_day(
    update: Update, context: BotContext, draft: Draft, day: date, at: time | None
) -> None:
    svc = context.services
    if at is None and draft.data.get("at"):
        at = time.fromisoformat(draft.data["at"])
    if at is None and draft.kind == "year" and "index" in draft.data:  # keep the usual time
        old = datetime.fromisoformat(draft.data["dates"][int(draft.data["index"])])
        at = old.astimezone(svc.settings.bot.tz).time().replace(tzinfo=None)
    if at is None:
        await save(svc, draft, "time", day=day.isoformat())
        await ask_time(update, context, day)
        return
    await chosen_moment(update, context, draft, day, at)


async def time_chosen(update: Update, context: BotContext, draft: Draft, at: time) -> None:
    """A time of day: for a year plan the proposal of five dates, otherwise the moment."""
    svc = context.services
    if draft.kind == "year" and "dates" not in draft.data:
        days = rules.year_plan(today(svc), int(draft.data["weekday"]))
        tz = svc.settings.bot.tz
        await save(svc, draft, "proposal", dates=[rules.local(d, at, tz).isoformat() for d in days])
        await show_proposal(update, context)
        return
    await chosen_moment(update, context, draft, date.fromisoformat(draft.data["day"]), at)


def read_place(text: str) -> tuple[str, float | None, float | None]:
    """“Stationsplein 1, Amsterdam | 52.3791, 4.9003”: the address and optional coordinates."""
    address, _sep, where = text.partition("|")
    found = _COORDINATES.match(where) if where else None
    if found:
        lat, lon = float(found.group(1)), float(found.group(2))
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return address.strip(), lat, lon
    return " ".join(text.split()) if not found and where else address.strip(), None, None


async def take_place(update: Update, context: BotContext, draft: Draft, text: str) -> None:
    """Typed at the place step: Cancel, "type the address", or the address (or name) itself;
    after a bare pin (step pin_name), the words the invitation shows beside it."""
    message = update.effective_message
    assert message is not None
    svc = context.services
    _ = await context.texts()
    kind = draft.data["venue_kind"]
    if pickers.pressed(text, "Cancel"):
        await talk.clear_draft(svc, draft.user_id)
        await message.reply_text(_("Stopped: nothing was planned."), reply_markup=pickers.REMOVE)
        return
    if draft.step == "place" and pickers.pressed(text, "⌨️ Type the address"):
        typed = (
            _("Type the name of the place and its address, e.g. “Buurthuis De Boog, Boogstraat 3”.")
            if kind == "other"
            else _("Type the address, e.g. “Stationsplein 1, Amsterdam”.")
        )
        await message.reply_text(typed + " " + _("(/cancel stops.)"), reply_markup=pickers.REMOVE)
        return
    if pickers.pressed(text, "📍 Send where I am now"):  # typed, or an app without the button
        await message.reply_text(
            _("Please share it with 📎 → Location, or type the address."),
            reply_markup=pickers.place_keyboard(_),
        )
        return
    lat, lon = draft.data.get("lat"), draft.data.get("lon")
    if draft.step == "pin_name":
        words = " ".join(text.split())
    else:
        words, lat, lon = read_place(text)
    if not words:
        await message.reply_text(_("Please type the address."))
        return
    name: str | None = None
    address: str | None = words[:300]
    if kind == "other":
        first, _sep, rest = words.partition(",")
        name, address = first.strip()[:200], rest.strip()[:300] or None
    await place_known(update, context, draft, name=name, address=address, lat=lat, lon=lon)


async def place_known(
    update: Update,
    context: BotContext,
    draft: Draft,
    *,
    name: str | None,
    address: str | None,
    lat: float | None,
    lon: float | None,
) -> None:
    """The venue is complete: remembered for the network (police station, town hall), the
    keyboard of the place step goes, and on to the meal."""
    svc = context.services
    _ = await context.texts()
    kind = draft.data["venue_kind"]
    if kind != "other":
        if not address and lat is not None and lon is not None:
            address = rules.coordinates_text(lat, lon)
        assert draft.network_id is not None and address
        await store.remember_venue(svc.database, draft.network_id, kind, Venue(address, lat, lon))
    await save(svc, draft, "note", address=address, lat=lat, lon=lon, venue_name=name)
    where = ", ".join(part for part in (name, address) if part) or _("the pin on the map")
    assert update.effective_chat
    await update.effective_chat.send_message(
        _("📍 {where}", where=where), reply_markup=pickers.REMOVE
    )
    await ask_note(update, context)


async def take_shared(update: Update, context: BotContext) -> bool:
    """A pin (the location button or 📎 → Location, anywhere on earth) or a place from the list
    under the map, while a plan asks where."""
    message = update.effective_message
    assert message is not None and update.effective_user
    svc = context.services
    draft = await talk.draft(svc, update.effective_user.id)
    if (
        draft is None
        or draft.kind not in PLAN_FLOWS
        or draft.step not in ("place", "pin_name")
        or message.location is None
    ):
        return False
    _ = await context.texts()
    lat, lon = message.location.latitude, message.location.longitude
    if not rules.in_the_netherlands(lat, lon):
        log.info("user %s: a venue outside the Netherlands (%s, %s)", draft.user_id, lat, lon)
        await message.reply_text(
            _(
                "That pin is outside the Netherlands ({where}). Fine: I will use it, and "
                "show it on the map.",
                where=rules.coordinates_text(lat, lon),
            )
        )
    venue = message.venue
    kind = draft.data["venue_kind"]
    if venue is not None:  # a place with a name and an address
        name = venue.title[:200] if kind == "other" else None
        address = (venue.address or (venue.title if kind != "other" else ""))[:300] or None
        await place_known(update, context, draft, name=name, address=address, lat=lat, lon=lon)
        return True
    await save(svc, draft, "pin_name", lat=lat, lon=lon)
    await message.reply_text(_("📍 Got it."), reply_markup=pickers.REMOVE)
    await ask_pin_name(update, context, kind)
    return True


async def show_summary(update: Update, context: BotContext, draft: Draft) -> None:
    svc = context.services
    _ = await context.texts()
    tz, year = svc.settings.bot.tz, this_year(svc)
    starts_at = draft.data.get("starts_at") or draft.data["dates"][0]
    preview = meeting_plans.preview(draft.network_id or 0, draft.data, starts_at, svc)
    lat, lon = preview.latitude, preview.longitude
    if lat is not None and lon is not None and update.effective_chat:
        await update.effective_chat.send_venue(  # where it is on the map, before ✅
            latitude=lat,
            longitude=lon,
            title=str(texts.venue_title(_, preview))[:100],
            address=preview.address or rules.coordinates_text(lat, lon),
        )
    name = await timeline.network_name(svc, draft.network_id or 0)
    if draft.kind == "year":
        when = "\n".join(
            _("• {when}", when=moment_text(_, d, tz, this_year=year)) for d in draft.data["dates"]
        )
        text = _(
            "Plan these meetings of {network}?\n{when}\n📍 {where}",
            network=name,
            when=Html(when),
            where=texts.venue_text(_, preview),
        )
    else:
        text = _(
            "Plan this meeting?\n\n{meeting}",
            meeting=texts.invitation_text(_, name, preview, tz, this_year=year),
        )
    await reply(update, text, keys.plan_it(_))


async def plan_confirmed(update: Update, context: BotContext, draft: Draft) -> None:
    """✅: the meeting(s) are planned; the poll goes out at its time (at once if near)."""
    svc = context.services
    _ = await context.texts()
    assert draft.network_id is not None and update.effective_user
    tz, year = svc.settings.bot.tz, this_year(svc)
    wanted = draft.data["dates"] if draft.kind == "year" else [draft.data["starts_at"]]
    await talk.clear_draft(svc, draft.user_id)
    done = await meeting_plans.plan(
        svc, draft.network_id, draft.data, wanted, update.effective_user.id
    )
    lines = [
        _(
            "✅ Planned: {when}. The poll goes out {poll}; I remind who has not answered and "
            "send you the headcount with the diets.",
            when=texts.when_text(_, m, tz, this_year=year),
            poll=moment_text(_, timeline.timeline_of(svc, m)[rules.Step.poll], tz, this_year=year),
        )
        for m in done.meetings
    ]
    lines += [
        _(
            "⚠️ Not planned (past, or another meeting that day): {when}",
            when=moment_text(_, iso, tz, this_year=year),
        )
        for iso in done.skipped
    ]
    await reply(update, "\n".join(lines))


# --- /meetings plan: a year of five --------------------------------------------------------------


async def show_proposal(update: Update, context: BotContext) -> None:
    assert update.effective_user
    svc = context.services
    _ = await context.texts()
    draft = await talk.draft(svc, update.effective_user.id)
    assert draft is not None
    tz, year = svc.settings.bot.tz, this_year(svc)
    dates = draft.data["dates"]
    lines: list[str] = [_("🗓 A year of meetings – adjust any, then ✅:")]
    lines += [f"{i}. {moment_text(_, d, tz, this_year=year)}" for i, d in enumerate(dates, start=1)]
    await reply(update, "\n".join(lines), keys.proposal(_, len(dates)))


# --- /meetings: what is coming; hosts move or cancel -----------------------------------------


async def meetings_command(update: Update, context: BotContext) -> None:
    """The coming meetings of your networks; hosts get Move and Cancel buttons.
    `/meetings plan [NETWORK]` proposes a year of five."""
    assert update.effective_message and update.effective_user
    _ = await context.texts()
    args = context.args or []
    if args and args[0].lower() in ("plan", "plannen"):
        await plan_year(update, context, " ".join(args[1:]))
        return
    svc = context.services
    actor = await guard.actor_of(update, context)
    tz, year = svc.settings.bot.tz, this_year(svc)
    mine = await networks_where(svc.database, actor, Action.take_part)
    if not mine:
        await guard.refuse(update, context, _("Meal meetings are for the members of a network."))
        return
    shown = False
    for network in mine:
        for meeting in await store.of_network(svc.database, network.id, after=svc.clock.now()):
            shown = True
            text: str = texts.invitation_text(_, network.name, meeting, tz, this_year=year)
            people = await store.answers(svc.database, meeting)
            markup: InlineKeyboardMarkup | None
            if allowed(actor, Action.plan_meeting, network.id):
                text += "\n" + texts.headcount_line(_, people)
                topics = await store.topics(svc.database, meeting)
                if topics:
                    text += "\n" + _("<b>Topics</b>") + "\n" + texts.topic_lines(_, topics)
                markup = keys.move_or_cancel(_, meeting.id)
            else:
                chosen = next((p.answer for p in people if p.user_id == actor.user_id), None)
                markup = keyboard(texts.answer_buttons(_, meeting.id, chosen))
            await reply_text(update.effective_message, text, markup)
    if not shown:
        await update.effective_message.reply_text(_("No meal meetings are planned yet."))


async def plan_year(update: Update, context: BotContext, name: str) -> None:
    """/meetings plan [NETWORK]: five meetings on the network's usual weekday."""
    assert update.effective_message
    _ = await context.texts()
    found = await networks_to_act_on(update, context, name, Action.plan_meeting)
    if not found:
        return
    if len(found) > 1:
        await update.effective_message.reply_text(
            _("Which network is the plan for?") + more_choices(_, found, "/meetings plan"),
            reply_markup=keys.networks(found, "mtg:ynet"),
        )
        return
    await start_year(update, context, found[0].id)


async def move(update: Update, context: BotContext, meeting_id: int, starts_at: datetime) -> None:
    """A new date: everyone who answered hears it and is asked again; a new poll follows."""
    _ = await context.texts()
    moved = await meeting_plans.move(context.services, meeting_id, starts_at)
    if moved is None:
        await reply(update, _("This meeting was cancelled."))
        return
    updated, asked = moved
    svc = context.services
    when = texts.when_text(_, updated, svc.settings.bot.tz, this_year=this_year(svc))
    if not asked:
        await reply(update, _("✅ Moved to {when}.", when=when))
        return
    await reply(
        update,
        _.ngettext(
            "✅ Moved to {when}. The one person who had answered is asked again.",
            "✅ Moved to {when}. The {n} people who had answered are asked again.",
            asked,
            when=when,
        ),
    )


# --- buttons about one meeting: a host of its network ------------------------------------------


async def _meeting_pressed(update: Update, context: BotContext) -> Meeting | None:
    """The planned meeting a host's button is about (mtg:<what>:<meeting>), if still so."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _ = await context.texts()
    meeting = await store.get(context.services.database, int(query.data.split(":")[2]))
    if meeting is None or not meeting.is_planned:
        await query.answer(_("This meeting was cancelled."), show_alert=True)
        return None
    if await permit_button(update, context, Action.plan_meeting, meeting.network_id) is None:
        return None
    await query.answer()
    return meeting


async def move_pressed(update: Update, context: BotContext) -> None:
    """🗓 Move: a new date, asked as when planning."""
    meeting = await _meeting_pressed(update, context)
    if meeting is not None:
        await start_plan(update, context, "reschedule", meeting.network_id, meeting.id)


async def cancel_pressed(update: Update, context: BotContext) -> None:
    """✖️ Cancel under a meeting: are you sure?"""
    meeting = await _meeting_pressed(update, context)
    if meeting is None:
        return
    _ = await context.texts()
    await reply(
        update,
        _(
            "Cancel the meal meeting of {when}? Everyone will be told.",
            when=texts.when_text(
                _, meeting, context.services.settings.bot.tz, this_year=this_year(context.services)
            ),
        ),
        keys.sure_to_cancel(_, meeting.id),
    )


async def cancel_confirmed(update: Update, context: BotContext) -> None:
    """✖️ Yes, cancel it: the poll closes and everyone hears it."""
    meeting = await _meeting_pressed(update, context)
    if meeting is None:
        return
    _ = await context.texts()
    if not await meeting_plans.cancel(context.services, meeting):
        await reply(update, _("This meeting was cancelled already."))
        return
    await reply(update, _("✖️ Cancelled. Everyone is told."))


# --- buttons that start a plan -------------------------------------------------------------------


async def _network_pressed(update: Update, context: BotContext) -> int | None:
    query = update.callback_query
    assert query is not None and query.data is not None
    network_id = int(query.data.split(":")[2])
    if await permit_button(update, context, Action.plan_meeting, network_id) is None:
        return None
    await query.answer()
    return network_id


async def network_pressed(update: Update, context: BotContext) -> None:
    """The network of a meeting to plan."""
    network_id = await _network_pressed(update, context)
    if network_id is not None:
        await start_plan(update, context, "plan", network_id)


async def year_network_pressed(update: Update, context: BotContext) -> None:
    """The network of a year to plan."""
    network_id = await _network_pressed(update, context)
    if network_id is not None:
        await start_year(update, context, network_id)


# --- buttons of an open plan ---------------------------------------------------------------------


async def _plan_pressed(
    update: Update, context: BotContext, steps: tuple[str, ...] = (), kinds: tuple[str, ...] = ()
) -> Draft | None:
    """The open plan a button belongs to, if the button fits its step (`steps`, any if empty)
    and kind (`kinds`); its maker may have lost the role since the plan began."""
    query = update.callback_query
    assert query is not None and update.effective_user
    _ = await context.texts()
    svc = context.services
    draft = await talk.draft(svc, update.effective_user.id)
    if draft is None or draft.kind not in PLAN_FLOWS or draft.network_id is None:
        await query.answer(_("This button no longer works."), show_alert=True)
        return None
    if await permit_button(update, context, Action.plan_meeting, draft.network_id) is None:
        return None
    await query.answer()
    if (steps and draft.step not in steps) or (kinds and draft.kind not in kinds):
        await reply(update, _("This button no longer works."))
        return None
    return draft


def _value(update: Update) -> str:
    assert update.callback_query is not None and update.callback_query.data is not None
    return update.callback_query.data.split(":")[2]


async def stop_pressed(update: Update, context: BotContext) -> None:
    """✖️ Cancel under the summary or the proposal: nothing is planned."""
    draft = await _plan_pressed(update, context)
    if draft is None:
        return
    _ = await context.texts()
    await talk.clear_draft(context.services, draft.user_id)
    await reply(update, _("Stopped: nothing was planned."))


async def day_pressed(update: Update, context: BotContext) -> None:
    draft = await _plan_pressed(update, context, ("date", "time", "adjust"))
    if draft is not None:
        day = datetime.strptime(_value(update), "%Y%m%d").date()
        await with_day(update, context, draft, day, None)


async def time_pressed(update: Update, context: BotContext) -> None:
    draft = await _plan_pressed(update, context, ("time",))
    if draft is not None:
        value = _value(update)
        await time_chosen(update, context, draft, time(int(value[:2]), int(value[2:])))


async def weekday_pressed(update: Update, context: BotContext) -> None:
    draft = await _plan_pressed(update, context, kinds=("year",))
    if draft is None:
        return
    svc = context.services
    weekday = int(_value(update))
    await save(svc, draft, "time", weekday=weekday, day=today(svc).isoformat())
    await ask_time(update, context, rules.year_plan(today(svc), weekday)[0])


async def adjust_pressed(update: Update, context: BotContext) -> None:
    """✏️ n: another date for one of the year's meetings."""
    draft = await _plan_pressed(update, context, kinds=("year",))
    if draft is not None:
        await save(context.services, draft, "adjust", index=int(_value(update)))
        await ask_date(update, context)


async def proposal_taken(update: Update, context: BotContext) -> None:
    """✅ Looks good: on to the venue."""
    draft = await _plan_pressed(update, context, kinds=("year",))
    if draft is not None:
        await save(context.services, draft, "venue")
        await ask_venue(update, context)


async def venue_pressed(update: Update, context: BotContext) -> None:
    """A kind of venue: a known address is used; otherwise it is asked for."""
    kind = _value(update)
    draft = await _plan_pressed(update, context, ("venue",))
    if draft is None or draft.network_id is None:
        return
    if kind not in rules.VENUE_KINDS:
        _ = await context.texts()
        await reply(update, _("This button no longer works."))
        return
    svc = context.services
    known = await store.venue(svc.database, draft.network_id, kind) if kind != "other" else None
    if known is None:
        await save(svc, draft, "place", venue_kind=kind)
        await ask_place(update, context, kind)
        return
    await save(
        svc,
        draft,
        "note",
        venue_kind=kind,
        address=known.address,
        lat=known.latitude,
        lon=known.longitude,
    )
    await ask_note(update, context)


async def pin_skipped(update: Update, context: BotContext) -> None:
    """Skip under "its address?" after a pin: the police station or town hall, on the map."""
    draft = await _plan_pressed(update, context, ("pin_name",))
    if draft is None:
        return
    if draft.data.get("venue_kind") == "other":  # a place of its own needs a name
        _ = await context.texts()
        await reply(update, _("This button no longer works."))
        return
    await place_known(
        update,
        context,
        draft,
        name=None,
        address=None,
        lat=draft.data.get("lat"),
        lon=draft.data.get("lon"),
    )


async def calendar_pressed(update: Update, context: BotContext) -> None:
    """📅 Another day, ◀ or ▶: a month of days as buttons, in the same message."""
    draft = await _plan_pressed(update, context, ("date", "time", "adjust"))
    query = update.callback_query
    if draft is None or query is None:
        return
    value = _value(update)
    year, month = int(value[:4]), int(value[4:])
    first = today(context.services)
    last = rules.add_months(first.year, first.month, keys.MONTHS_AHEAD)
    if not 1 <= month <= 12 or not (first.year, first.month) <= (year, month) <= last:
        year, month = first.year, first.month  # a forged or stale page: this month
    _ = await context.texts()
    await edit_message(
        query,
        _(
            "🗓 Choose a day, or type a date. Days in brackets are holidays or the days around "
            "New Year."
        ),
        keys.calendar(_, year, month, first),
    )


async def free_pressed(update: Update, context: BotContext) -> None:
    """A holiday on the calendar page: which one, and how to have it anyway."""
    query = update.callback_query
    assert query is not None
    _ = await context.texts()
    day = datetime.strptime(_value(update), "%Y%m%d").date()
    why = free_day(day)
    if why is None:  # an old page: the day is an ordinary one after all
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    said = _(
        "{day} is {holiday}: not a good evening for a meal meeting. If you want it anyway, "
        "type the date.",
        day=day_text(_, day, this_year=this_year(context.services)),
        holiday=free_day_name(_, why),
    )
    await query.answer(said.unescape(), show_alert=True)  # an alert is plain text


async def blank_pressed(update: Update, context: BotContext) -> None:
    """A cell of the calendar that is no day to choose (a weekday's name, a day gone)."""
    assert update.callback_query
    await update.callback_query.answer()


async def note_skipped(update: Update, context: BotContext) -> None:
    draft = await _plan_pressed(update, context, ("note",))
    if draft is not None:
        await save(context.services, draft, "confirm", note=None)
        await show_summary(update, context, await _fresh(context.services, draft))


async def plan_taken(update: Update, context: BotContext) -> None:
    """✅ Plan it."""
    draft = await _plan_pressed(update, context, ("confirm",))
    if draft is not None:
        await plan_confirmed(update, context, draft)


async def forged(update: Update, context: BotContext) -> None:
    """A planning button we never send (words for numbers): it no longer works."""
    assert update.callback_query
    _ = await context.texts()
    await update.callback_query.answer(_("This button no longer works."), show_alert=True)


async def _fresh(svc: Services, draft: Draft) -> Draft:
    found = await talk.draft(svc, draft.user_id)
    assert found is not None
    return found


# --- typed text ----------------------------------------------------------------------------------


async def take_text(update: Update, context: BotContext) -> bool:
    """Typed text of a plan: a date, an address or a meal note its step is waiting for."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return False
    svc = context.services
    draft = await talk.draft(svc, user.id)
    if draft is None or draft.kind not in PLAN_FLOWS:
        return False
    text = message.text.strip()
    if draft.step in ("date", "time", "adjust"):
        await take_date(update, context, draft, text)
    elif draft.step in ("place", "pin_name"):
        await take_place(update, context, draft, text)
    elif draft.step == "note":
        await save(svc, draft, "confirm", note=text[:300])
        await show_summary(update, context, await _fresh(svc, draft))
    else:
        return False
    return True


BUTTONS = (
    (move_pressed, r"move:\d+"),
    (cancel_pressed, r"cancel:\d+"),
    (cancel_confirmed, r"cancelok:\d+"),
    (network_pressed, r"net:\d+"),
    (year_network_pressed, r"ynet:\d+"),
    (stop_pressed, r"no"),
    (day_pressed, r"day:\d{8}"),
    (time_pressed, r"time:\d{4}"),
    (weekday_pressed, r"ywd:\d+"),
    (adjust_pressed, r"yadj:\d+"),
    (proposal_taken, r"yok"),
    (venue_pressed, r"venue:\w+"),
    (pin_skipped, r"pin:skip"),
    (calendar_pressed, r"cal:\d{6}"),
    (free_pressed, r"free:\d{8}"),
    (blank_pressed, r"blank"),
    (note_skipped, r"note:skip"),
    (plan_taken, r"ok"),
)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("meeting", meeting_command, filters=private))
    application.add_handler(CommandHandler("meetings", meetings_command, filters=private))
    meeting_timeline.register(application)  # poll answers, answer and attendance buttons
    for handler, data in BUTTONS:
        application.add_handler(CallbackQueryHandler(handler, pattern=f"^mtg:{data}$"))
    application.add_handler(CallbackQueryHandler(forged, pattern=r"^mtg:"))  # after the rest
    meeting_agenda.register(application)
    # Typed dates, places and notes reach `take_text`, pins `take_shared`, through
    # handlers.conversation.

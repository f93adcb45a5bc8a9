"""/meeting and /meetings: hosts plan meal meetings (one, or a year of five), move and cancel
them; everyone sees the coming ones.

Planning is a short conversation in the private chat: network, date and time (typed the usual
Dutch or English way, or with buttons), venue, a note about the meal, a summary with ✅. Every
answer is stored as the person's conversation (`handlers.conversation`), so a restart loses
nothing. The timeline itself runs in
`handlers.meeting_timeline`; topics, actions and statistics are in `handlers.meeting_agenda`.

Callback data: mtg:net:<network> · mtg:day:<yyyymmdd> · mtg:time:<hhmm> ·
mtg:venue:<kind> · mtg:note:skip · mtg:ok · mtg:no · mtg:ywd:<weekday> · mtg:yadj:<index> ·
mtg:yok · mtg:move:<meeting> · mtg:cancel:<meeting> · mtg:cancelok:<meeting>.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

from babel.dates import format_date
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    filters,
)

from bot import services
from bot.i18n import Html, Translator, translator
from bot.notify import language_of
from bot.replies import reply_text, send_text
from bot.services import Services
from domain import meetings as rules
from domain.access import Action, allowed, networks_where
from domain.labels import moment
from domain.meetings import Ambiguous, Parsed, Unreadable
from handlers import conversation as talk
from handlers import guard, meeting_agenda, meeting_timeline
from handlers.common import more_choices, network_named, network_rows, permit_button
from handlers.meeting_timeline import (
    ROUTINE_GROUP,
    ROUTINE_PRIVATE,
    answer_buttons,
    invitation_text,
    network_name,
    params,
    schedule,
    venue_text,
    when_text,
)
from storage import group_chats, networks
from storage import meetings as store
from storage.deliveries import NewDelivery
from storage.meetings import Draft, Meeting, Venue

log = logging.getLogger(__name__)

TIMES = ("17:30", "18:00", "18:30", "19:00")
_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


# --- shared pieces -------------------------------------------------------------------------------


def today(svc: Services) -> date:
    return svc.clock.now().astimezone(svc.settings.bot.tz).date()


def day_label(_: Translator, day: date) -> str:
    return str(format_date(day, "EEE d MMM", locale=_.language))


def network_buttons(found: list[networks.Network], prefix: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(network_rows(found, lambda n: f"{prefix}:{n.id}"))


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Answer in the chat: under a pressed button, or to a typed message."""
    message = update.effective_message
    assert message is not None
    await send_text(message.get_bot(), message.chat_id, text, markup)


# --- /meeting: plan one --------------------------------------------------------------------------


async def meeting_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A host starts planning a meal meeting: network, date, venue, meal, confirm."""
    assert update.effective_message and update.effective_user
    _ = await services.texts_for(update, context)
    name = " ".join(context.args or [])
    if name:
        network = await network_named(update, context, name)
        if network is None:
            return
        if await guard.permit(update, context, Action.plan_meeting, network.id) is None:
            return
        await start_plan(update, context, "plan", network.id)
        return
    found = await guard.networks_for(update, context, Action.plan_meeting)
    if not found:
        await guard.refuse(update, context, guard.refusal_text(_, Action.plan_meeting))
        return
    if len(found) == 1:
        await start_plan(update, context, "plan", found[0].id)
        return
    await update.effective_message.reply_text(
        _("Which network is the meeting for?") + more_choices(_, found, "/meeting"),
        reply_markup=network_buttons(found, "mtg:net"),
    )


async def start_plan(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    kind: str,
    network_id: int,
    meeting_id: int | None = None,
) -> None:
    assert update.effective_user
    svc = services.of(context)
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


async def ask_date(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _ = await services.texts_for(update, context)
    days = rules.date_buttons(today(services.of(context)))
    buttons = [
        InlineKeyboardButton(day_label(_, d), callback_data=f"mtg:day:{d:%Y%m%d}") for d in days
    ]
    await reply(
        update,
        _(
            "🗓 When is the meeting? Type a date and time, for example “12 March 19:00” or "
            "“vrijdag 19:00”, or choose a day:"
        ),
        InlineKeyboardMarkup([buttons[i : i + 4] for i in range(0, len(buttons), 4)]),
    )


async def ask_time(update: Update, context: ContextTypes.DEFAULT_TYPE, day: date) -> None:
    _ = await services.texts_for(update, context)
    buttons = [
        InlineKeyboardButton(t, callback_data=f"mtg:time:{t.replace(':', '')}") for t in TIMES
    ]
    await reply(
        update,
        _("🕖 At what time on {day}? Choose, or type it (e.g. 18:45).", day=day_label(_, day)),
        InlineKeyboardMarkup([buttons]),
    )


async def ask_venue(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _ = await services.texts_for(update, context)
    await reply(
        update,
        _("📍 Where?"),
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


async def ask_note(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _ = await services.texts_for(update, context)
    await reply(
        update,
        _(
            "🥘 Anything about the meal for the invitation (e.g. “Surinamese buffet”)? "
            "Type it, or skip."
        ),
        InlineKeyboardMarkup([[InlineKeyboardButton(_("Skip"), callback_data="mtg:note:skip")]]),
    )


async def chosen_moment(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, day: date, at: time
) -> None:
    """A date and time: checked (past, clash), then on to the venue – or the new date applied."""
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    tz = svc.settings.bot.tz
    starts_at = rules.local(day, at, tz)
    if rules.in_the_past(starts_at, svc.clock.now()):
        await reply(update, _("That moment has passed. Please choose a date in the future."))
        return
    assert draft.network_id is not None
    others = [
        m.start
        for m in await store.of_network(svc.database, draft.network_id)
        if m.id != draft.meeting_id
    ]
    if draft.kind == "year":  # the other proposed dates count too: two on one day is a clash
        adjusted = int(draft.data.get("index", -1))
        others += [
            datetime.fromisoformat(iso)
            for i, iso in enumerate(draft.data.get("dates", []))
            if i != adjusted
        ]
    if rules.clashes(starts_at, others, tz):
        await reply(
            update,
            _(
                "{network} already has a meeting on {day}. Please choose another day "
                "(or move that one with /meetings).",
                network=await network_name(svc, draft.network_id),
                day=day_label(_, day),
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


async def take_date(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, text: str
) -> None:
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    if draft.step == "time":
        at = rules.read_time(text)
        if isinstance(at, Unreadable):
            await reply(update, _("I could not read a time in that. Please type it like 19:00."))
            return
        await time_chosen(update, context, draft, at)
        return
    reading = rules.read_date(text, today(svc))
    if isinstance(reading, Ambiguous):
        await reply(
            update,
            _("Did you mean…?"),
            InlineKeyboardMarkup(
                [
                    [
                        InlineKeyboardButton(
                            str(format_date(d, "EEEE d MMMM y", locale=_.language)),
                            callback_data=f"mtg:day:{d:%Y%m%d}",
                        )
                    ]
                    for d in reading.options
                ]
            ),
        )
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
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, day: date, at: time | None
) -> None:
    svc = services.of(context)
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


async def time_chosen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, at: time
) -> None:
    """A time of day: for a year plan the proposal of five dates, otherwise the moment."""
    svc = services.of(context)
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


async def take_place(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, text: str
) -> None:
    svc = services.of(context)
    address, lat, lon = read_place(text)
    if not address:
        return
    kind = draft.data["venue_kind"]
    name = None
    if kind == "other":
        name, _sep, rest = address.partition(",")
        name, address = name.strip(), rest.strip() or name.strip()
    else:
        assert draft.network_id is not None
        await store.remember_venue(
            svc.database, draft.network_id, kind, Venue(address[:300], lat, lon)
        )
    await save(svc, draft, "note", address=address[:300], lat=lat, lon=lon, venue_name=name)
    await ask_note(update, context)


async def show_summary(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> None:
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    preview = draft_meeting(
        draft, draft.data.get("starts_at") or draft.data["dates"][0], lead_days(svc)
    )
    name = await network_name(svc, draft.network_id or 0)
    if draft.kind == "year":
        when = "\n".join(
            _("• {when}", when=moment(_, d, svc.settings.bot.tz, long=True))
            for d in draft.data["dates"]
        )
        text = _(
            "Plan these meetings of {network}?\n{when}\n📍 {where}",
            network=name,
            when=Html(when),
            where=venue_text(_, preview),
        )
    else:
        text = _(
            "Plan this meeting?\n\n{meeting}",
            meeting=invitation_text(_, name, preview, svc.settings.bot.tz),
        )
    await reply(
        update,
        text,
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(_("✅ Plan it"), callback_data="mtg:ok"),
                    InlineKeyboardButton(_("✖️ Cancel"), callback_data="mtg:no"),
                ]
            ]
        ),
    )


def lead_days(svc: Services) -> tuple[int, int, int]:
    """The poll, reminder and deadline days before a meeting, from the settings."""
    leads = svc.settings.meetings
    return leads.poll_days, leads.remind_days, leads.deadline_days


def draft_meeting(draft: Draft, starts_at: str, leads: tuple[int, int, int]) -> Meeting:
    """What the meeting will look like, for the summary."""
    data = draft.data
    return Meeting(
        id=0,
        network_id=draft.network_id or 0,
        starts_at=starts_at,
        venue_kind=data.get("venue_kind", "other"),
        venue_name=data.get("venue_name"),
        address=data.get("address"),
        latitude=data.get("lat"),
        longitude=data.get("lon"),
        meal_note=data.get("note"),
        status="planned",
        poll_days=leads[0],
        remind_days=leads[1],
        deadline_days=leads[2],
        round=1,
        planned_at=starts_at,
        created_by=None,
        created_at=starts_at,
        cancelled_at=None,
        attendance_confirmed_at=None,
    )


async def plan_confirmed(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> None:
    """✅: the meeting(s) are planned; the poll goes out at its time (at once if near)."""
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    assert draft.network_id is not None and update.effective_user
    tz = svc.settings.bot.tz
    data = draft.data
    wanted = data["dates"] if draft.kind == "year" else [data["starts_at"]]
    existing = [m.start for m in await store.of_network(svc.database, draft.network_id)]
    planned, skipped = [], []
    for iso in wanted:
        starts_at = datetime.fromisoformat(iso)
        if rules.in_the_past(starts_at, svc.clock.now()) or rules.clashes(starts_at, existing, tz):
            skipped.append(iso)
            continue
        place = (
            Venue(data["address"], data.get("lat"), data.get("lon"))
            if data.get("address")
            else None
        )
        meeting = await store.create(
            svc.database,
            network_id=draft.network_id,
            starts_at=starts_at,
            venue_kind=data["venue_kind"],
            venue_name=data.get("venue_name"),
            place=place,
            meal_note=data.get("note"),
            created_by=update.effective_user.id,
            now=svc.clock.now(),
            lead_days=lead_days(svc),
        )
        existing.append(starts_at)
        planned.append(meeting)
    await talk.clear_draft(svc, draft.user_id)
    for meeting in planned:
        log.info("meeting %s planned for network %s", meeting.id, meeting.network_id)
        await meeting_timeline.run_due(svc, meeting.id)
        await schedule(context.job_queue, svc, meeting.id)
    lines = [
        _(
            "✅ Planned: {when}. The poll goes out {poll}; I remind who has not answered and "
            "send you the headcount with the diets.",
            when=when_text(_, m, tz),
            poll=moment(_, meeting_timeline.timeline_of(svc, m)[rules.Step.poll].isoformat(), tz),
        )
        for m in planned
    ]
    lines += [
        _("⚠️ Not planned (past, or another meeting that day): {when}", when=moment(_, iso, tz))
        for iso in skipped
    ]
    await reply(update, "\n".join(lines))


# --- /meetings plan: a year of five --------------------------------------------------------------


async def show_proposal(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_user
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    draft = await talk.draft(svc, update.effective_user.id)
    assert draft is not None
    tz = svc.settings.bot.tz
    dates = draft.data["dates"]
    lines: list[str] = [_("🗓 A year of meetings – adjust any, then ✅:")]
    lines += [f"{i}. {moment(_, d, tz, long=True)}" for i, d in enumerate(dates, start=1)]
    adjust = [
        InlineKeyboardButton(_("✏️ {n}", n=i), callback_data=f"mtg:yadj:{i - 1}")
        for i in range(1, len(dates) + 1)
    ]
    await reply(
        update,
        "\n".join(lines),
        InlineKeyboardMarkup(
            [
                adjust,
                [
                    InlineKeyboardButton(_("✅ Looks good"), callback_data="mtg:yok"),
                    InlineKeyboardButton(_("✖️ Cancel"), callback_data="mtg:no"),
                ],
            ]
        ),
    )


WEEKDAY_KEYS = ("Mon", "Tue", "Wed", "Thu", "Fri")


async def ask_weekday(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _ = await services.texts_for(update, context)
    names = [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday")]
    await reply(
        update,
        _("On which weekday does the network usually meet?"),
        InlineKeyboardMarkup(
            [[InlineKeyboardButton(n, callback_data=f"mtg:ywd:{i}")] for i, n in enumerate(names)]
        ),
    )


# --- /meetings: what is coming; hosts move or cancel -----------------------------------------


async def meetings_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The coming meetings of your networks; hosts get Move and Cancel buttons.
    `/meetings plan [NETWORK]` proposes a year of five."""
    assert update.effective_message and update.effective_user
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    args = context.args or []
    if args and args[0].lower() in ("plan", "plannen"):
        name = " ".join(args[1:])
        if name:
            network = await network_named(update, context, name)
            if network is None:
                return
            if await guard.permit(update, context, Action.plan_meeting, network.id) is None:
                return
            found = [network]
        else:
            found = await guard.networks_for(update, context, Action.plan_meeting)
            if not found:
                await guard.refuse(update, context, guard.refusal_text(_, Action.plan_meeting))
                return
        if len(found) > 1:
            await update.effective_message.reply_text(
                _("Which network is the plan for?") + more_choices(_, found, "/meetings plan"),
                reply_markup=network_buttons(found, "mtg:ynet"),
            )
            return
        dropped = await talk.save_draft(
            svc,
            update.effective_user.id,
            "year",
            "weekday",
            svc.clock.now(),
            network_id=found[0].id,
        )
        await talk.tell_dropped(update, context, dropped)
        await ask_weekday(update, context)
        return
    actor = await guard.actor_of(update, context)
    tz = svc.settings.bot.tz
    mine = await networks_where(svc.database, actor, Action.take_part)
    if not mine:
        await guard.refuse(update, context, _("Meal meetings are for the members of a network."))
        return
    shown = False
    for network in mine:
        for meeting in await store.of_network(svc.database, network.id, after=svc.clock.now()):
            shown = True
            is_host = allowed(actor, Action.plan_meeting, network.id)
            text: str = invitation_text(_, network.name, meeting, tz)
            people = await store.answers(svc.database, meeting)
            if is_host:
                count = rules.headcount((p.answer, p.diet) for p in people)
                line = rules.headcount_line(_, count, lambda d: meeting_timeline.diet_name(_, d))
                topics = await store.topics(svc.database, meeting)
                text += "\n" + line
                if topics:
                    text += (
                        "\n" + _("<b>Topics</b>") + "\n" + meeting_timeline.topic_lines(_, topics)
                    )
                markup = InlineKeyboardMarkup(
                    [
                        [
                            InlineKeyboardButton(
                                _("🗓 Move"), callback_data=f"mtg:move:{meeting.id}"
                            ),
                            InlineKeyboardButton(
                                _("✖️ Cancel"), callback_data=f"mtg:cancel:{meeting.id}"
                            ),
                        ]
                    ]
                )
            else:
                mine_ = next((p.answer for p in people if p.user_id == actor.user_id), None)
                markup = answer_buttons(_, meeting.id, mine_)
            await reply_text(update.effective_message, text, markup)
    if not shown:
        await update.effective_message.reply_text(_("No meal meetings are planned yet."))


async def move(
    update: Update, context: ContextTypes.DEFAULT_TYPE, meeting_id: int, starts_at: datetime
) -> None:
    """A new date: everyone who answered hears it and is asked again; a new poll follows."""
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    meeting = await store.get(svc.database, meeting_id)
    if meeting is None or not meeting.is_planned:
        await reply(update, _("This meeting was cancelled."))
        return
    answered = [p for p in await store.answers(svc.database, meeting) if p.answer is not None]
    moved = draft_moved(meeting, starts_at)
    name = await network_name(svc, meeting.network_id)
    tz = svc.settings.bot.tz
    items = await news_for(
        svc,
        meeting,
        [p.user_id for p in answered],
        "meeting_moved",
        lambda _: params(moved_text(_, name, moved, tz), answer_buttons(_, meeting.id)),
        lambda _: params(moved_group_text(_, moved, tz)),
    )
    await meeting_timeline.close_polls(svc, meeting)
    updated = await store.reschedule(svc.database, meeting.id, starts_at, items, svc.clock.now())
    if updated is None:
        await reply(update, _("This meeting was cancelled."))
        return
    svc.dispatcher.wake()
    await meeting_timeline.run_due(svc, meeting.id)
    await schedule(context.job_queue, svc, meeting.id)
    await reply(
        update,
        _(
            "✅ Moved to {when}. {n} who had answered are asked again.",
            when=when_text(_, updated, tz),
            n=len(answered),
        ),
    )


def moved_text(_: Translator, name: str, moved: Meeting, tz: Any) -> str:
    return _(
        "🗓 The meal meeting has moved. Are you coming on the new date?\n\n{meeting}",
        meeting=Html(invitation_text(_, name, moved, tz)),
    )


def moved_group_text(_: Translator, moved: Meeting, tz: Any) -> str:
    return _(
        "🗓 The meal meeting has moved to {when}. Please answer again.",
        when=when_text(_, moved, tz),
    )


def cancelled_text(_: Translator, name: str, meeting: Meeting, tz: Any) -> str:
    return _(
        "✖️ The meal meeting of {network} on {when} is cancelled.",
        network=name,
        when=when_text(_, meeting, tz),
    )


async def news_for(
    svc: Services,
    meeting: Meeting,
    people: list[int],
    kind: str,
    private: Callable[[Translator], dict[str, Any]],
    group: Callable[[Translator], dict[str, Any]],
) -> list[NewDelivery]:
    """News about a meeting for these people (each in their language) and its group chats
    (in the default language), as routine deliveries."""
    items = [
        NewDelivery(
            chat_id=user_id,
            priority=ROUTINE_PRIVATE,
            kind=kind,
            params=private(await language_of(svc, user_id)),
            network_id=meeting.network_id,
            user_id=user_id,
        )
        for user_id in people
    ]
    in_groups = group(translator(svc.settings.bot.default_language))
    for chat in await group_chats.for_network(svc.database, meeting.network_id):
        items.append(
            NewDelivery(
                chat_id=chat.chat_id,
                priority=ROUTINE_GROUP,
                kind=f"{kind}_group",
                params=in_groups,
                network_id=meeting.network_id,
            )
        )
    return items


def draft_moved(meeting: Meeting, starts_at: datetime) -> Meeting:
    from dataclasses import replace

    return replace(meeting, starts_at=starts_at.isoformat())


async def cancel_meeting(
    update: Update, context: ContextTypes.DEFAULT_TYPE, meeting: Meeting
) -> None:
    """The poll closes and everyone hears it."""
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    tz = svc.settings.bot.tz
    name = await network_name(svc, meeting.network_id)
    items = await news_for(
        svc,
        meeting,
        [p.user_id for p in await store.answers(svc.database, meeting)],
        "meeting_cancelled",
        lambda _: params(cancelled_text(_, name, meeting, tz)),
        lambda _: params(cancelled_text(_, name, meeting, tz)),
    )
    if await store.cancel(svc.database, meeting.id, items, svc.clock.now()) is None:
        await reply(update, _("This meeting was cancelled already."))
        return
    await meeting_timeline.close_polls(svc, meeting)
    await schedule(context.job_queue, svc, meeting.id)
    svc.dispatcher.wake()
    await reply(update, _("✖️ Cancelled. Everyone is told."))


# --- buttons -------------------------------------------------------------------------------------


# The planning buttons whose value is a number (an id, a date, a time, an index).
NUMBERED_BUTTONS = frozenset(
    {"move", "cancel", "cancelok", "net", "ynet", "day", "time", "ywd", "yadj"}
)


async def button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every planning button: mtg:<what>[:<value>]."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    what, _sep, value = query.data.removeprefix("mtg:").partition(":")
    if what in NUMBERED_BUTTONS and not value.isdigit():  # forged: not what we ever send
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    # Buttons about one meeting: a host of its network.
    if what in ("move", "cancel", "cancelok"):
        meeting = await store.get(svc.database, int(value))
        if meeting is None or not meeting.is_planned:
            await query.answer(_("This meeting was cancelled."), show_alert=True)
            return
        if await permit_button(update, context, Action.plan_meeting, meeting.network_id) is None:
            return
        await query.answer()
        if what == "move":
            await start_plan(update, context, "reschedule", meeting.network_id, meeting.id)
        elif what == "cancel":
            await reply(
                update,
                _(
                    "Cancel the meal meeting of {when}? Everyone will be told.",
                    when=when_text(_, meeting, svc.settings.bot.tz),
                ),
                InlineKeyboardMarkup(
                    [
                        [
                            InlineKeyboardButton(
                                _("✖️ Yes, cancel it"), callback_data=f"mtg:cancelok:{meeting.id}"
                            )
                        ]
                    ]
                ),
            )
        else:
            await cancel_meeting(update, context, meeting)
        return
    if what in ("net", "ynet"):
        network_id = int(value)
        if await permit_button(update, context, Action.plan_meeting, network_id) is None:
            return
        await query.answer()
        if what == "net":
            await start_plan(update, context, "plan", network_id)
        else:
            dropped = await talk.save_draft(
                svc,
                update.effective_user.id,
                "year",
                "weekday",
                svc.clock.now(),
                network_id=network_id,
            )
            await talk.tell_dropped(update, context, dropped)
            await ask_weekday(update, context)
        return
    draft = await talk.draft(svc, update.effective_user.id)
    if (
        draft is None
        or draft.kind not in ("plan", "year", "reschedule")
        or draft.network_id is None
    ):
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    # The host may have lost the role since the draft began.
    if await permit_button(update, context, Action.plan_meeting, draft.network_id) is None:
        return
    await query.answer()
    if what == "no":
        await talk.clear_draft(svc, draft.user_id)
        await reply(update, _("Stopped: nothing was planned."))
    elif what == "day" and draft.step in ("date", "time", "adjust"):
        day = datetime.strptime(value, "%Y%m%d").date()
        await with_day(update, context, draft, day, None)
    elif what == "time" and draft.step == "time":
        await time_chosen(update, context, draft, time(int(value[:2]), int(value[2:])))
    elif what == "ywd" and draft.kind == "year":
        await save(svc, draft, "time", weekday=int(value), day=today(svc).isoformat())
        await ask_time(update, context, rules.year_plan(today(svc), int(value))[0])
    elif what == "yadj" and draft.kind == "year":
        await save(svc, draft, "adjust", index=int(value))
        await ask_date(update, context)
    elif what == "yok" and draft.kind == "year":
        await save(svc, draft, "venue")
        await ask_venue(update, context)
    elif what == "venue" and value in rules.VENUE_KINDS and draft.step == "venue":
        known = (
            await store.venue(svc.database, draft.network_id, value) if value != "other" else None
        )
        if known is not None:
            await save(
                svc,
                draft,
                "note",
                venue_kind=value,
                address=known.address,
                lat=known.latitude,
                lon=known.longitude,
            )
            await ask_note(update, context)
            return
        await save(svc, draft, "place", venue_kind=value)
        if value == "other":
            text = _(
                "What is the place called, and its address? For a pin on the map, add the "
                "coordinates after a | – e.g. “Buurthuis De Boog, Boogstraat 3 | 52.3845, 4.9021”."
            )
        else:
            text = _(
                "What is its address? For a pin on the map, add the coordinates after a | – "
                "e.g. “Stationsplein 1, Amsterdam | 52.3791, 4.9003”. I will remember it."
            )
        await reply(update, text)
    elif what == "note" and draft.step == "note":
        await save(svc, draft, "confirm", note=None)
        await show_summary(update, context, await _fresh(svc, draft))
    elif what == "ok" and draft.step == "confirm":
        await plan_confirmed(update, context, draft)
    else:
        await reply(update, _("This button no longer works."))


async def _fresh(svc: Services, draft: Draft) -> Draft:
    found = await talk.draft(svc, draft.user_id)
    assert found is not None
    return found


# --- typed text ----------------------------------------------------------------------------------


async def take_text(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> bool:
    """Typed text of a plan: a date, an address or a meal note its step is waiting for."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return False
    svc = services.of(context)
    draft = await talk.draft(svc, user.id)
    if draft is None or draft.kind not in ("plan", "year", "reschedule"):
        return False
    assert isinstance(update, Update)
    text = message.text.strip()
    if draft.step in ("date", "time", "adjust"):
        await take_date(update, context, draft, text)
    elif draft.step == "place":
        await take_place(update, context, draft, text)
    elif draft.step == "note":
        await save(svc, draft, "confirm", note=text[:300])
        await show_summary(update, context, await _fresh(svc, draft))
    else:
        return False
    return True


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("meeting", meeting_command, filters=private))
    application.add_handler(CommandHandler("meetings", meetings_command, filters=private))
    meeting_timeline.register(application)  # poll answers, answer and attendance buttons
    application.add_handler(CallbackQueryHandler(button, pattern=r"^mtg:"))
    meeting_agenda.register(application)
    # Typed dates, places and notes reach `take_text` through handlers.conversation.

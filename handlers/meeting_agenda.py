"""/topic, /action, /actions and /stats: the agenda before a meal meeting, the agreed actions
after it, and the numbers a network can evaluate itself with.

Callback data: top:<meeting>:named|anon (topic with or without my name) ·
act:net:<network> · act:who:<user> · act:due:<yyyymmdd> (recording an action) ·
act:prog:<action> · act:done:<action> (the owner reports progress).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

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
from bot.fit import keyboard_rows
from bot.i18n import Html, Translator
from bot.notify import language_of
from bot.replies import reply_text, send_text
from domain import meetings as rules
from domain.access import Action, allowed
from domain.meetings import Parsed
from handlers import conversation as talk
from handlers import guard
from handlers.common import network_named, network_rows, permit_button
from handlers.meeting_timeline import (
    ROUTINE_PRIVATE,
    action_buttons,
    action_line,
    due_text,
    hosts,
    params,
    run_action_due,
    when_text,
)
from storage import actions as action_store
from storage import deliveries, memberships, networks
from storage import meetings as store
from storage.actions import AgreedAction
from storage.deliveries import NewDelivery
from storage.meetings import Meeting

log = logging.getLogger(__name__)


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    assert message is not None
    await send_text(message.get_bot(), message.chat_id, text, markup)


# --- /topic --------------------------------------------------------------------------------------


async def topic_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Any member proposes a topic for the next meeting, until two days before."""
    assert update.effective_message and update.effective_user
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    mine = await guard.networks_for(update, context, Action.take_part)
    if not mine:
        await guard.refuse(update, context, _("Meal meetings are for the members of a network."))
        return
    now, tz = svc.clock.now(), svc.settings.bot.tz
    coming = [m for n in mine for m in await store.of_network(svc.database, n.id, after=now)]
    open_ = [m for m in coming if rules.topics_open(m.start, now, tz)]
    if not open_:
        if coming:
            await update.effective_message.reply_text(
                _(
                    "The agenda for {when} is closed (two days before the meeting). Raise it at "
                    "the table, or tell one of the hosts.",
                    when=when_text(_, coming[0], tz),
                )
            )
        else:
            await update.effective_message.reply_text(_("No meal meeting is planned yet."))
        return
    meeting = min(open_, key=lambda m: m.starts_at)
    text = " ".join(context.args or []).strip()
    dropped = await talk.save_draft(
        svc,
        update.effective_user.id,
        "topic",
        "anon" if text else "text",
        now,
        network_id=meeting.network_id,
        meeting_id=meeting.id,
        data={"text": text[:500]},
    )
    await talk.tell_dropped(update, context, dropped)
    if text:
        await ask_anonymous(update, context, meeting)
    else:
        await update.effective_message.reply_text(
            _("What would you like to put on the agenda of {when}?", when=when_text(_, meeting, tz))
        )


async def ask_anonymous(
    update: Update, context: ContextTypes.DEFAULT_TYPE, meeting: Meeting
) -> None:
    _ = await services.texts_for(update, context)
    await reply(
        update,
        _("👤 Shall the hosts see it with your name, or without?"),
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("👤 With my name"), callback_data=f"top:{meeting.id}:named"
                    ),
                    InlineKeyboardButton(
                        _("🕶 Without my name"), callback_data=f"top:{meeting.id}:anon"
                    ),
                ]
            ]
        ),
    )


async def topic_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """With or without my name: the topic goes on the list."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    _prefix, meeting_id, how = query.data.split(":")
    draft = await talk.draft(svc, update.effective_user.id)
    meeting = await store.get(svc.database, int(meeting_id))
    if draft is None or draft.kind != "topic" or meeting is None or draft.meeting_id != meeting.id:
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    if await permit_button(update, context, Action.take_part, meeting.network_id) is None:
        return
    tz = svc.settings.bot.tz
    if not meeting.is_planned or not rules.topics_open(meeting.start, svc.clock.now(), tz):
        await talk.clear_draft(svc, draft.user_id)
        await query.answer(
            _("The agenda is closed: please raise it at the table."), show_alert=True
        )
        return
    await store.add_topic(
        svc.database, meeting.id, draft.user_id, draft.data["text"], how == "anon", svc.clock.now()
    )
    await talk.clear_draft(svc, draft.user_id)
    await query.answer()
    await reply(
        update,
        _("📝 Thank you! It is on the list for {when}.", when=when_text(_, meeting, tz))
        + ("\n" + _("The hosts will not see who proposed it.") if how == "anon" else ""),
    )


# --- /action -------------------------------------------------------------------------------------


async def action_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A host records an agreed action: what, who (any member), by when."""
    assert update.effective_message and update.effective_user
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    found = await guard.networks_for(update, context, Action.record_action)
    if not found:
        await guard.refuse(update, context, guard.refusal_text(_, Action.record_action))
        return
    what = " ".join(context.args or []).strip()[:500]
    if len(found) > 1:
        dropped = await talk.save_draft(
            svc,
            update.effective_user.id,
            "action",
            "network",
            svc.clock.now(),
            data={"what": what},
        )
        await talk.tell_dropped(update, context, dropped)
        await update.effective_message.reply_text(
            _("Which network agreed it?"),
            # More than MAX_CHOICES networks (a coordinator's): the first ones only.
            reply_markup=InlineKeyboardMarkup(network_rows(found, lambda n: f"act:net:{n.id}")),
        )
        return
    await action_for(update, context, found[0].id, what)


async def action_for(
    update: Update, context: ContextTypes.DEFAULT_TYPE, network_id: int, what: str
) -> None:
    assert update.effective_user
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    # The action belongs to the network's latest meeting that has begun, if any.
    held = [
        m for m in await store.of_network(svc.database, network_id) if m.start <= svc.clock.now()
    ]
    meeting_id = held[-1].id if held else None
    step = "who" if what else "what"
    dropped = await talk.save_draft(
        svc,
        update.effective_user.id,
        "action",
        step,
        svc.clock.now(),
        network_id=network_id,
        meeting_id=meeting_id,
        data={"what": what},
    )
    await talk.tell_dropped(update, context, dropped)
    if what:
        await ask_owner(update, context, network_id)
    else:
        await reply(update, _("✍️ What was agreed? Type it in a sentence."))


async def ask_owner(update: Update, context: ContextTypes.DEFAULT_TYPE, network_id: int) -> None:
    _ = await services.texts_for(update, context)
    people = [
        m
        for m in await memberships.roster(services.of(context).database, network_id)
        if m.status == "approved"
    ]
    buttons = [
        InlineKeyboardButton(
            (m.display_name or str(m.user_id))[:30], callback_data=f"act:who:{m.user_id}"
        )
        for m in people
    ]
    await reply(
        update,
        _("👤 Who does it? Any member can."),
        InlineKeyboardMarkup(keyboard_rows(buttons, 2)),  # within Telegram's shape limits
    )


async def ask_due(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    _ = await services.texts_for(update, context)
    svc = services.of(context)
    today = svc.clock.now().astimezone(svc.settings.bot.tz).date()
    options = [
        (_("in 2 weeks"), today + timedelta(weeks=2)),
        (_("in a month"), today + timedelta(days=30)),
        (_("in 3 months"), today + timedelta(days=91)),
    ]
    await reply(
        update,
        _("📅 By when? Choose, or type a date (e.g. “1 June”)."),
        InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(label, callback_data=f"act:due:{d:%Y%m%d}")
                    for label, d in options
                ]
            ]
        ),
    )


async def record_action(update: Update, context: ContextTypes.DEFAULT_TYPE, due_on: date) -> None:
    assert update.effective_user
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    draft = await talk.draft(svc, update.effective_user.id)
    assert draft is not None and draft.network_id is not None
    today = svc.clock.now().astimezone(svc.settings.bot.tz).date()
    if due_on < today:
        await reply(update, _("That date has passed. Please choose a date in the future."))
        return
    owner_id = int(draft.data["owner"])
    owner = await memberships.get(svc.database, draft.network_id, owner_id)
    if owner is None or owner.status != "approved":
        await talk.clear_draft(svc, draft.user_id)
        await reply(update, _("That person is not in this network (any more)."))
        return
    what = draft.data["what"]
    lang = await language_of(svc, owner_id)
    network = await networks.get(svc.database, draft.network_id)
    network_name = network.name if network else "?"

    def build(action_id: int) -> list[NewDelivery]:
        text = agreed_text(lang, network_name, due_on, what)
        return [
            NewDelivery(
                chat_id=owner_id,
                priority=ROUTINE_PRIVATE,
                kind="action_new",
                params=params(text, action_buttons(lang, action_id)),
                network_id=draft.network_id,
                user_id=owner_id,
            )
        ]

    action_id = await action_store.create(
        svc.database,
        network_id=draft.network_id,
        meeting_id=draft.meeting_id,
        what=what,
        owner_id=owner_id,
        due_on=due_on,
        created_by=update.effective_user.id,
        build=build,
        now=svc.clock.now(),
    )
    await talk.clear_draft(svc, draft.user_id)
    svc.dispatcher.wake()
    await run_action_due(svc, action_id)
    log.info("action %s recorded in network %s", action_id, draft.network_id)
    await reply(
        update,
        _(
            "✅ Recorded: {what} – {owner}, by {due}. I told {owner} and will remind them. "
            "Another one? /action",
            what=what,
            owner=owner.display_name or _("a member"),
            due=due_text(_, due_on),
        ),
    )


def agreed_text(_: Translator, network_name: str, due_on: date, what: str) -> str:
    return _(
        "📌 At the meal meeting of {network} you agreed to do this, by {due}:\n<b>{what}</b>\n"
        "Let the network know how it goes with the buttons.",
        network=network_name,
        due=due_text(_, due_on),
        what=what,
    )


def done_text(_: Translator, action: AgreedAction, tz: Any) -> str:
    return _("✅ Done: {line}", line=Html(action_line(_, action, tz)))


async def action_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The /action conversation's buttons, and the owner's 🔄 In progress / ✅ Done."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    _prefix, what, value = query.data.split(":")
    if what in ("prog", "done"):
        await progress(update, context, int(value), what)
        return
    draft = await talk.draft(svc, update.effective_user.id)
    if draft is None or draft.kind != "action":
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    network_id = int(value) if what == "net" else draft.network_id
    if (
        network_id is None
        or await permit_button(update, context, Action.record_action, network_id) is None
    ):
        return
    if what == "net":
        await query.answer()
        await action_for(update, context, network_id, draft.data.get("what", ""))
    elif what == "who" and draft.step == "who":
        member = await memberships.get(svc.database, network_id, int(value))
        if member is None or member.status != "approved":
            await query.answer(_("That person is not in this network."), show_alert=True)
            return
        await query.answer()
        await talk.save_draft(
            svc,
            draft.user_id,
            "action",
            "due",
            svc.clock.now(),
            network_id=network_id,
            meeting_id=draft.meeting_id,
            data={**draft.data, "owner": member.user_id},
        )
        await ask_due(update, context)
    elif what == "due" and draft.step == "due":
        await query.answer()
        await record_action(update, context, datetime.strptime(value, "%Y%m%d").date())
    else:
        await query.answer(_("This button no longer works."), show_alert=True)


async def progress(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action_id: int, what: str
) -> None:
    """The owner (or a host) marks an action in progress or done; done ones reach the hosts."""
    query = update.callback_query
    assert query is not None and update.effective_user
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    action = await action_store.get(svc.database, action_id)
    if action is None:
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    actor = await guard.actor_of(update, context)
    if actor.user_id != action.owner_id and not allowed(
        actor, Action.record_action, action.network_id
    ):
        await guard.refuse(
            update, context, _("Only the person who does it, or a host, can say how it goes.")
        )
        return
    if (
        actor.user_id == action.owner_id
        and await permit_button(update, context, Action.take_part, action.network_id) is None
    ):
        return
    if not action.is_open:
        await query.answer(_("This one is done already. 🎉"))
        return
    status = "done" if what == "done" else "in_progress"
    await action_store.set_status(svc.database, action.id, status, svc.clock.now())
    tz = svc.settings.bot.tz
    if status == "done":
        await query.answer(_("Well done – thank you! 🎉"))
        items = []
        for host in await hosts(svc, action.network_id):
            if host == actor.user_id:
                continue
            lang = await language_of(svc, host)
            items.append(
                NewDelivery(
                    chat_id=host,
                    priority=ROUTINE_PRIVATE,
                    kind="action_done",
                    params=params(done_text(lang, action, tz)),
                    network_id=action.network_id,
                    user_id=host,
                )
            )
        if items:
            async with svc.database.transaction() as conn:
                await deliveries.add_many(conn, items, svc.clock.now())
            svc.dispatcher.wake()
        await query.edit_message_reply_markup(None)
    else:
        await query.answer(_("Noted: in progress. Thank you!"))


# --- /actions ------------------------------------------------------------------------------------


async def actions_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A network's agreed actions: open ones first; hosts see which are overdue."""
    assert update.effective_message
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    name = " ".join(context.args or [])
    if name:
        network = await network_named(update, context, name)
        if network is None:
            return
        if await guard.permit(update, context, Action.take_part, network.id) is None:
            return
        found = [network]
    else:
        found = await guard.networks_for(update, context, Action.take_part)
        if not found:
            await guard.refuse(
                update, context, _("Meal meetings are for the members of a network.")
            )
            return
    actor = await guard.actor_of(update, context)
    tz = svc.settings.bot.tz
    today = svc.clock.now().astimezone(tz).date()
    parts = []
    for network in found:
        listed = await action_store.of_network(svc.database, network.id)
        lines: list[str] = [_("<b>Agreed actions of {network}</b>", network=network.name)]
        open_ = [a for a in listed if a.is_open]
        overdue = [a for a in open_ if a.due < today]
        if allowed(actor, Action.record_action, network.id) and overdue:
            lines.append(_("⚠️ Overdue:"))
            lines += [action_line(_, a, tz) for a in overdue]
        upcoming = [a for a in open_ if a not in overdue]
        if upcoming:
            lines.append(_("Open:"))
            lines += [
                action_line(_, a, tz) + (" 🔄" if a.status == "in_progress" else "")
                for a in upcoming
            ]
        done = len(listed) - len(open_)
        if not open_ and not done:
            lines.append(_("None yet: after a meeting, a host records them with /action."))
        elif done:
            lines.append(_.ngettext("✅ {n} done", "✅ {n} done", done))
        parts.append("\n".join(lines))
    text = "\n\n".join(parts)
    await reply_text(update.effective_message, text)


# --- /stats --------------------------------------------------------------------------------------


async def stats_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The hosts' numbers: attendance per meeting and per member, actions done on time."""
    assert update.effective_message
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    name = " ".join(context.args or [])
    if not name:
        found = await guard.networks_for(update, context, Action.view_stats)
        if not found:
            await guard.refuse(update, context, guard.refusal_text(_, Action.view_stats))
            return
        if len(found) > 1:
            await update.effective_message.reply_text(_("Which network? Send /stats NETWORK."))
            return
        network = found[0]
    else:
        named = await network_named(update, context, name)
        if named is None:
            return
        network = named
    if await guard.permit(update, context, Action.view_stats, network.id) is None:
        return
    tz = svc.settings.bot.tz
    lines = [_("📊 <b>{network}</b>", network=network.name), "", _("<b>Meetings</b>")]
    per_meeting = await store.attendance_per_meeting(svc.database, network.id)
    for row in per_meeting:
        when = datetime.fromisoformat(row["starts_at"]).astimezone(tz).date()
        lines.append(
            _(
                "• {day}: {came} came ({yes} had said yes)",
                day=due_text(_, when),
                came=row["attended"],
                yes=row["said_yes"],
            )
        )
    if not per_meeting:
        lines.append(_("• none held yet (attendance is confirmed after each meeting)"))
    lines += ["", _("<b>Members</b>")]
    for row in await store.attendance_per_member(svc.database, network.id):
        lines.append(
            _(
                "• {name}: {came} of {held}",
                name=row["display_name"] or _("a member"),
                came=row["attended"],
                held=row["held"],
            )
        )
    listed = await action_store.of_network(svc.database, network.id)
    on_time = sum(
        1
        for a in listed
        if rules.done_on_time(a.due, datetime.fromisoformat(a.done_at) if a.done_at else None, tz)
    )
    done = sum(1 for a in listed if not a.is_open)
    lines += [
        "",
        _("<b>Agreed actions</b>"),
        _(
            "{done} of {total} done, {on_time} of them on time",
            done=done,
            total=len(listed),
            on_time=on_time,
        ),
    ]
    text = "\n".join(lines)
    await reply_text(update.effective_message, text)


# --- typed text ----------------------------------------------------------------------------------


async def take_text(update: Update, context: CallbackContext[Any, Any, Any, Any]) -> bool:
    """Typed text of a /topic or /action: the topic or the action someone is typing."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return False
    svc = services.of(context)
    draft = await talk.draft(svc, user.id)
    if draft is None or draft.kind not in ("topic", "action"):
        return False
    text = message.text.strip()
    if draft.kind == "topic" and draft.step == "text" and draft.meeting_id is not None:
        meeting = await store.get(svc.database, draft.meeting_id)
        if meeting is None:
            return False
        await talk.save_draft(
            svc,
            user.id,
            "topic",
            "anon",
            svc.clock.now(),
            network_id=draft.network_id,
            meeting_id=draft.meeting_id,
            data={"text": text[:500]},
        )
        await ask_anonymous(update, context, meeting)
        return True
    if draft.kind == "action" and draft.step == "what" and draft.network_id is not None:
        await talk.save_draft(
            svc,
            user.id,
            "action",
            "who",
            svc.clock.now(),
            network_id=draft.network_id,
            meeting_id=draft.meeting_id,
            data={"what": text[:500]},
        )
        await ask_owner(update, context, draft.network_id)
        return True
    if draft.kind == "action" and draft.step == "due":
        _ = await services.texts_for(update, context)
        today = svc.clock.now().astimezone(svc.settings.bot.tz).date()
        reading = rules.read_date(text, today)
        if not isinstance(reading, Parsed):
            await reply(update, _("I could not read that date. Try “1 June” or “15-6”."))
            return True
        await record_action(update, context, reading.day)
        return True
    return False


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("topic", topic_command, filters=private))
    application.add_handler(CommandHandler("action", action_command, filters=private))
    application.add_handler(CommandHandler("actions", actions_command, filters=private))
    application.add_handler(CommandHandler("stats", stats_command, filters=private))
    application.add_handler(CallbackQueryHandler(topic_button, pattern=r"^top:\d+:(named|anon)$"))
    application.add_handler(
        CallbackQueryHandler(action_button, pattern=r"^act:(net|who|due|prog|done):\d+$")
    )
    # The typed topic or action reaches `take_text` through handlers.conversation.

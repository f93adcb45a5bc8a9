"""/topic, /action and /actions: the agenda before a meal meeting and the agreed actions after
it (a network's numbers, /stats, are `handlers.stats`).

Callback data: top:<meeting>:named|anon (topic with or without my name) ·
act:net:<network> · act:who:<user> · act:due:<yyyymmdd> (recording an action) ·
act:prog:<action> · act:done:<action> (the owner reports progress).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.replies import reply_text, send_text
from domain import agenda
from domain import meetings as rules
from domain.access import Action, allowed
from domain.labels import day_text, moment_text
from domain.meeting_texts import action_line
from domain.meetings import Parsed
from handlers import conversation as talk
from handlers import guard
from handlers import meeting_keyboards as keys
from handlers.common import networks_to_act_on, permit_button
from storage import actions as action_store
from storage import meetings as store
from storage import memberships
from storage.meetings import Draft, Meeting

log = logging.getLogger(__name__)


async def reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    assert message is not None
    await send_text(message.get_bot(), message.chat_id, text, markup)


# --- /topic --------------------------------------------------------------------------------------


async def topic_command(update: Update, context: BotContext) -> None:
    """Any member proposes a topic for the next meeting, until two days before."""
    assert update.effective_message and update.effective_user
    svc = context.services
    _ = await context.texts()
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
                    "the table, or tell the police chief or the municipality.",
                    when=moment_text(_, coming[0].start, tz, this_year=now.year),
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
            _(
                "What would you like to put on the agenda for {when}?",
                when=moment_text(_, meeting.start, tz, this_year=now.year),
            ),
            reply_markup=talk.with_cancel(_),
        )


async def ask_anonymous(update: Update, context: BotContext, meeting: Meeting) -> None:
    _ = await context.texts()
    await reply(
        update,
        _("👤 Shall the police chief and the municipality see it with your name, or without?"),
        keys.named_or_not(_, meeting.id),
    )


async def topic_button(update: Update, context: BotContext) -> None:
    """With or without my name: the topic goes on the list."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user
    svc = context.services
    _ = await context.texts()
    _prefix, meeting_id, how = query.data.split(":")
    draft = await talk.draft(svc, update.effective_user.id)
    meeting = await store.get(svc.database, int(meeting_id))
    if draft is None or draft.kind != "topic" or meeting is None or draft.meeting_id != meeting.id:
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    if await permit_button(update, context, Action.take_part, meeting.network_id) is None:
        return
    tz = svc.settings.bot.tz
    taken = await agenda.propose_topic(
        svc, meeting, draft.user_id, draft.data["text"], anonymous=how == "anon"
    )
    await talk.clear_draft(svc, draft.user_id)
    if not taken:
        await query.answer(
            _("The agenda is closed: please raise it at the table."), show_alert=True
        )
        return
    await query.answer()
    await reply(
        update,
        _(
            "📝 Thank you! It is on the agenda for {when}.",
            when=moment_text(_, meeting.start, tz, this_year=svc.clock.now().year),
        )
        + (
            "\n" + _("The police chief and the municipality will not see who proposed it.")
            if how == "anon"
            else ""
        ),
    )


# --- /action -------------------------------------------------------------------------------------


async def action_command(update: Update, context: BotContext) -> None:
    """A host records an agreed action: what, who (any member), by when."""
    assert update.effective_message and update.effective_user
    svc = context.services
    _ = await context.texts()
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
            reply_markup=keys.action_networks(_, found),
        )
        return
    await action_for(update, context, found[0].id, what)


async def action_for(update: Update, context: BotContext, network_id: int, what: str) -> None:
    assert update.effective_user
    svc = context.services
    _ = await context.texts()
    meeting_id = await agenda.latest_held(svc, network_id)
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
        await reply(update, _("✍️ What was agreed? Type it in a sentence."), talk.with_cancel(_))


async def ask_owner(update: Update, context: BotContext, network_id: int) -> None:
    _ = await context.texts()
    people = [
        m
        for m in await memberships.roster(context.services.database, network_id)
        if m.status == "approved"
    ]
    await reply(update, _("👤 Who will do it? Any member can."), keys.owners(_, people))


async def ask_due(update: Update, context: BotContext) -> None:
    _ = await context.texts()
    svc = context.services
    today = svc.clock.now().astimezone(svc.settings.bot.tz).date()
    options = [
        (_("in 2 weeks"), today + timedelta(weeks=2)),
        (_("in a month"), today + timedelta(days=30)),
        (_("in 3 months"), today + timedelta(days=91)),
    ]
    await reply(
        update, _("📅 By when? Choose, or type a date (e.g. “1 June”)."), keys.due_dates(_, options)
    )


async def record_action(update: Update, context: BotContext, due_on: date) -> None:
    assert update.effective_user
    svc = context.services
    _ = await context.texts()
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
    await talk.clear_draft(svc, draft.user_id)
    await agenda.record_action(
        svc,
        network_id=draft.network_id,
        meeting_id=draft.meeting_id,
        what=what,
        owner_id=owner_id,
        due_on=due_on,
        host_id=update.effective_user.id,
    )
    await reply(
        update,
        _(
            "✅ Recorded: {what} – {owner}, by {due}. I told {owner} and will remind them. "
            "Another one? /action",
            what=what,
            owner=owner.display_name or _("a member"),
            due=day_text(_, due_on, this_year=today.year),
        ),
    )


async def _action_pressed(update: Update, context: BotContext) -> tuple[Draft, int] | None:
    """The open /action draft a button belongs to, and the network it is for (act:net names
    it; the later steps have it), if its maker may still record actions there."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user
    _ = await context.texts()
    _prefix, what, value = query.data.split(":")
    draft = await talk.draft(context.services, update.effective_user.id)
    if draft is None or draft.kind != "action":
        await query.answer(_("This button no longer works."), show_alert=True)
        return None
    network_id = int(value) if what == "net" else draft.network_id
    if (
        network_id is None
        or await permit_button(update, context, Action.record_action, network_id) is None
    ):
        return None
    if what != "net" and draft.step != what:
        await query.answer(_("This button no longer works."), show_alert=True)
        return None
    return draft, network_id


async def action_network_pressed(update: Update, context: BotContext) -> None:
    """The network that agreed the action."""
    found = await _action_pressed(update, context)
    if found is None:
        return
    draft, network_id = found
    assert update.callback_query
    await update.callback_query.answer()
    await action_for(update, context, network_id, draft.data.get("what", ""))


async def owner_pressed(update: Update, context: BotContext) -> None:
    """Who does it: any approved member of the network."""
    found = await _action_pressed(update, context)
    if found is None:
        return
    draft, network_id = found
    query = update.callback_query
    assert query is not None and query.data is not None
    svc = context.services
    member = await memberships.get(svc.database, network_id, int(query.data.split(":")[2]))
    if member is None or member.status != "approved":
        _ = await context.texts()
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


async def due_pressed(update: Update, context: BotContext) -> None:
    """By when: the action is recorded."""
    if await _action_pressed(update, context) is None:
        return
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    await record_action(update, context, datetime.strptime(query.data[8:], "%Y%m%d").date())


async def progress_pressed(update: Update, context: BotContext) -> None:
    """The owner's 🔄 In progress / ✅ Done."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _prefix, what, value = query.data.split(":")
    await progress(update, context, int(value), what)


async def progress(update: Update, context: BotContext, action_id: int, what: str) -> None:
    """The owner (or a host) marks an action in progress or done; done ones reach the hosts."""
    query = update.callback_query
    assert query is not None and update.effective_user
    svc = context.services
    _ = await context.texts()
    action = await action_store.get(svc.database, action_id)
    if action is None:
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    actor = await guard.actor_of(update, context)
    if actor.user_id != action.owner_id and not allowed(
        actor, Action.record_action, action.network_id
    ):
        await guard.refuse(
            update,
            context,
            _(
                "Only the person who does it, the police chief or the municipality can say how "
                "it goes."
            ),
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
    done = what == "done"
    await agenda.report_progress(svc, action, done, actor.user_id)
    if done:
        await query.answer(_("Well done – thank you! 🎉"))
        await query.edit_message_reply_markup(None)
    else:
        await query.answer(_("Noted: in progress. Thank you!"))


# --- /actions ------------------------------------------------------------------------------------


async def actions_command(update: Update, context: BotContext) -> None:
    """A network's agreed actions: open ones first; hosts see which are overdue."""
    assert update.effective_message
    svc = context.services
    _ = await context.texts()
    name = " ".join(context.args or [])
    found = await networks_to_act_on(
        update,
        context,
        name,
        Action.take_part,
        _("Meal meetings are for the members of a network."),
    )
    if not found:
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
            lines += [action_line(_, a, tz, this_year=today.year) for a in overdue]
        upcoming = [a for a in open_ if a not in overdue]
        if upcoming:
            lines.append(_("Open:"))
            lines += [
                action_line(_, a, tz, this_year=today.year)
                + (" 🔄" if a.status == "in_progress" else "")
                for a in upcoming
            ]
        done = len(listed) - len(open_)
        if not open_ and not done:
            lines.append(
                _(
                    "None yet: after a meeting, the police chief or the municipality records "
                    "them with /action."
                )
            )
        elif done:
            lines.append(_.ngettext("✅ {n} done", "✅ {n} done", done))
        parts.append("\n".join(lines))
    text = "\n\n".join(parts)
    await reply_text(update.effective_message, text)


# --- typed text ----------------------------------------------------------------------------------


async def take_text(update: Update, context: BotContext) -> bool:
    """Typed text of a /topic or /action: the topic or the action someone is typing."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return False
    svc = context.services
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
        _ = await context.texts()
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
    application.add_handler(CallbackQueryHandler(topic_button, pattern=r"^top:\d+:(named|anon)$"))
    application.add_handler(CallbackQueryHandler(action_network_pressed, pattern=r"^act:net:\d+$"))
    application.add_handler(CallbackQueryHandler(owner_pressed, pattern=r"^act:who:\d+$"))
    application.add_handler(CallbackQueryHandler(due_pressed, pattern=r"^act:due:\d{8}$"))
    application.add_handler(
        CallbackQueryHandler(progress_pressed, pattern=r"^act:(prog|done):\d+$")
    )
    # The typed topic or action reaches `take_text` through handlers.conversation.

"""What members do with an alert, and hosts answering them.

A member acknowledges (✅ Seen), gives the mood and perhaps a few words (💬 Reply), or asks to
be called (📞 Call me). All of it goes to the incident's hosts and its sender only (the
coordinators where the network asks for it: /replies), never to the group; a host can answer
the member privately.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.render import keyboard
from bot.replies import edit_message, reply_text
from domain import alert_texts, alerts
from domain import incidents as rules
from domain.access import Action, allowed
from domain.notify import tell
from domain.ports import Keyboard
from handlers import conversation as talk
from handlers import guard
from handlers.alert_common import buttons, managed
from handlers.common import more_choices, network_rows, networks_to_act_on, stale_button
from storage import incidents as store
from storage import networks
from storage.incidents import Incident, Recipient

# --- the buttons on an alert ---------------------------------------------------------------


async def _as_recipient(
    update: Update, context: BotContext, incident_id: str
) -> tuple[Incident, Recipient] | None:
    """The incident and this person's part in it; otherwise a polite alert and None."""
    assert update.callback_query and update.effective_user
    svc = context.services
    _ = await context.texts()
    incident, person = await store.with_recipient(
        svc.database, int(incident_id), update.effective_user.id
    )
    if incident is None:
        await update.callback_query.answer(_("I don't know this alert any more."), show_alert=True)
        return None
    if person is None:
        await update.callback_query.answer(_("This alert was not sent to you."), show_alert=True)
        return None
    if not person.still_member:
        await update.callback_query.answer(
            _("This alert is no longer for you: you are not in its network any more."),
            show_alert=True,
        )
        return None
    return incident, person


async def acknowledge(update: Update, context: BotContext, args: list[str]) -> None:
    """✅ Seen: the hosts can count on you having it."""
    assert update.callback_query
    found = await _as_recipient(update, context, args[0])
    if found is None:
        return
    incident, person = found
    svc = context.services
    _ = await context.texts()
    if await store.acknowledge(svc.database, incident.id, person.user_id, svc.clock.now()):
        await update.callback_query.answer(_("✅ Thank you – noted that you have seen it."))
    else:
        await update.callback_query.answer(_("Already noted – thank you!"))


def mood_keyboard(_: Translator, incident_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    alert_texts.mood_label(_, mood), callback_data=f"inc:mood:{incident_id}:{mood}"
                )
            ]
            for mood in rules.MOODS
        ]
    )


async def reply(update: Update, context: BotContext, args: list[str]) -> None:
    """💬 Reply: first the mood, in one tap."""
    query = update.callback_query
    assert query and query.message
    found = await _as_recipient(update, context, args[0])
    if found is None:
        return
    incident, _person = found
    _ = await context.texts()
    await query.answer()
    await context.bot.send_message(
        query.message.chat.id,
        _(
            "How is the mood around you? Your answer goes to the police chief and the "
            "municipality, not to the group."
        ),
        reply_markup=mood_keyboard(_, incident.id),
        reply_parameters=ReplyParameters(query.message.message_id),
    )


async def choose_mood(update: Update, context: BotContext, args: list[str]) -> None:
    """A mood: the hosts hear it at once; then a few words may follow (or not)."""
    query = update.callback_query
    assert query
    if len(args) < 2 or args[1] not in rules.MOODS:
        await stale_button(update, context)
        return
    found = await _as_recipient(update, context, args[0])
    if found is None:
        return
    incident, person = found
    mood = args[1]
    svc = context.services
    _ = await context.texts()
    await store.set_mood(svc.database, incident.id, person.user_id, mood, svc.clock.now())
    dropped = await talk.set_prompt(
        svc, person.user_id, "reply", svc.clock.now(), incident_id=incident.id
    )
    await talk.tell_dropped(update, context, dropped)
    await query.answer()
    that_is_all = InlineKeyboardButton(
        _("No, that's all"), callback_data=f"inc:notext:{incident.id}"
    )
    await edit_message(
        query,
        _(
            "Noted: {mood}. Anything to add? Type it now – it goes to the police chief and "
            "the municipality, not to the group.",
            mood=alert_texts.mood_label(_, mood),
        ),
        reply_markup=talk.with_cancel(_, InlineKeyboardMarkup([[that_is_all]])),
    )
    await alerts.tell_hosts_about(svc, incident, person, mood=mood)


async def no_text(update: Update, context: BotContext, args: list[str]) -> None:
    """ "No, that's all" after a mood."""
    query = update.callback_query
    assert query and update.effective_user
    svc = context.services
    _ = await context.texts()
    prompt = await talk.get_prompt(svc, update.effective_user.id)
    if prompt is not None and prompt.kind == "reply" and str(prompt.incident_id) == args[0]:
        await talk.clear_prompt(svc, update.effective_user.id, "reply")
    await query.answer()
    await edit_message(
        query, _("Thank you – the police chief and the municipality know how it is around you.")
    )


async def call_me(update: Update, context: BotContext, args: list[str]) -> None:
    """📞 Call me: the hosts are asked to call, with the number if the member shared it."""
    query = update.callback_query
    assert query
    found = await _as_recipient(update, context, args[0])
    if found is None:
        return
    incident, person = found
    svc = context.services
    _ = await context.texts()
    if not await store.ask_to_be_called(svc.database, incident.id, person.user_id, svc.clock.now()):
        await query.answer(
            _("You asked already – the police chief and the municipality know."), show_alert=True
        )
        return
    if person.phone:
        answer = _(
            "📞 I asked the police chief and the municipality to call you. 🚨 Emergency? Call 112."
        )
    else:
        answer = _(
            "📞 I asked the police chief and the municipality to call you. You have not shared "
            "a phone number, so they may answer you here. 🚨 Emergency? Call 112."
        )
    await query.answer(answer, show_alert=True)
    await alerts.tell_hosts_about(svc, incident, person, call=True)


async def take_reply(update: Update, context: BotContext, incident: Incident, typed: str) -> None:
    """The few words a member typed after the mood: on to the hosts."""
    assert update.effective_message and update.effective_user
    svc = context.services
    _ = await context.texts()
    person = await store.recipient(svc.database, incident.id, update.effective_user.id)
    await talk.clear_prompt(svc, update.effective_user.id, "reply")
    if person is None or not person.still_member:
        await update.effective_message.reply_text(
            _("This alert is no longer for you: you are not in its network any more.")
        )
        return
    text = typed.strip()[: rules.MAX_TEXT]
    await store.set_reply_text(svc.database, incident.id, person.user_id, text, svc.clock.now())
    await update.effective_message.reply_text(
        _("Thank you – I passed it on to the police chief and the municipality, not to the group.")
    )
    await alerts.tell_hosts_about(svc, incident, person, text=text)


# --- hosts answering a member --------------------------------------------------------------


async def answer_member(update: Update, context: BotContext, args: list[str]) -> None:
    """ "Answer <name>": the host types the answer next."""
    query = update.callback_query
    assert query and update.effective_user
    if len(args) < 2:
        await stale_button(update, context)
        return
    incident = await managed(update, context, args[0])
    if incident is None:
        return
    svc = context.services
    _ = await context.texts()
    person = await store.recipient(svc.database, incident.id, int(args[1]))
    if person is None:
        await stale_button(update, context)
        return
    await talk.set_prompt(
        svc,
        update.effective_user.id,
        "answer",
        svc.clock.now(),
        incident_id=incident.id,
        about_user_id=person.user_id,
    )
    await query.answer()
    await context.bot.send_message(
        update.effective_user.id,
        _(
            "Type your answer to {name} now; only they will read it.",
            name=alert_texts.name_of(_, person),
        ),
        reply_markup=talk.with_cancel(_),
    )


async def take_answer(
    update: Update,
    context: BotContext,
    incident: Incident,
    member_id: int,
    typed: str,
) -> None:
    """The answer a host typed: privately to the member, never to the group."""
    assert update.effective_message and update.effective_user
    svc = context.services
    _ = await context.texts()
    await talk.clear_prompt(svc, update.effective_user.id, "answer")
    actor = await guard.actor_of(update, context)
    person = await store.recipient(svc.database, incident.id, member_id)
    if not alerts.may_manage(actor, incident) or person is None:
        await guard.refuse(update, context)
        return
    name = await alerts.host_name(svc, incident, actor.user_id, update.effective_user.full_name)
    text = typed.strip()[: rules.MAX_TEXT]

    def compose(_: Translator) -> tuple[str, Keyboard]:
        return (
            _(
                "💬 Answer from {host} about alert #{id}:\n{text}",
                host=name,
                id=incident.id,
                text=text,
            ),
            (),
        )

    member = alert_texts.name_of(_, person)
    if await tell(svc, [member_id], compose, about_user_id=update.effective_user.id):
        await update.effective_message.reply_text(_("Sent to {name}.", name=member))
    else:
        await update.effective_message.reply_text(
            _("I could not reach {name}: they may have blocked me.", name=member)
        )


# --- /replies: whether the coordinators read a network's replies --------------------------------


async def readers_command(update: Update, context: BotContext) -> None:
    """The network's choice, with the button to change it; a picker for several networks."""
    message = update.effective_message
    assert message
    _ = await context.texts()
    name = " ".join(context.args or [])
    found = await networks_to_act_on(update, context, name, Action.send_alert)
    if not found:
        return
    if len(found) == 1:
        network = found[0]
        text = alert_texts.readers_text(_, network)
        await reply_text(message, text, keyboard(alert_texts.readers_keyboard(_, network)))
        return
    rows = network_rows(found, lambda n: f"rdr:show:{n.id}")
    text = _("Which network?") + more_choices(_, found, "/replies")
    await reply_text(message, text, InlineKeyboardMarkup(rows))


async def readers_pressed(update: Update, context: BotContext) -> None:
    """A network picked, or its choice changed (by its hosts or a coordinator)."""
    query, user = update.callback_query, update.effective_user
    assert query and query.data and user
    _prefix, verb, network_id = query.data.split(":")
    actor = await guard.actor_of(update, context)
    if not allowed(actor, Action.send_alert, int(network_id)):
        await stale_button(update, context)
        return
    svc = context.services
    if verb in ("on", "off"):
        await alerts.let_coordinators_read(svc, int(network_id), verb == "on", user.id)
    network = await networks.get(svc.database, int(network_id))
    if network is None:
        await stale_button(update, context)
        return
    await query.answer()
    _ = await context.texts()
    text = alert_texts.readers_text(_, network)
    await edit_message(query, text, keyboard(alert_texts.readers_keyboard(_, network)))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(
        CommandHandler("replies", readers_command, filters=filters.ChatType.PRIVATE)
    )
    application.add_handler(
        CallbackQueryHandler(readers_pressed, pattern=r"^rdr:(show|on|off):\d{1,20}$")
    )
    application.add_handler(
        buttons(
            {
                "ack": acknowledge,
                "reply": reply,
                "mood": choose_mood,
                "notext": no_text,
                "call": call_me,
                "ans": answer_member,
            },
            two_numbers=("ans",),
        )
    )
    # What members and hosts type after a button reaches `handlers.incidents.take_text` through
    # handlers.conversation.

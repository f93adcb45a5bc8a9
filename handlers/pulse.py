"""/pulse and the mood pulse's buttons (`domain.pulse`).

Hosts (police chief, municipality) and coordinators: `/pulse` shows a network's pulse — what is
open, the monthly and after-alert schedules, the earlier pulses as a short table — with buttons
to ask now and to switch the schedules; in several networks a button per network picks one,
or `/pulse Noord` names it. Members answer the question they got privately with a mood, then
may add a few words (typed: the `pulse` conversation) and their name. An answer after the
pulse closed, or to a pulse one was not asked, gets a designed answer.

Callback data: see `domain.pulse_texts`.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot import services
from bot.context import BotContext
from bot.i18n import Translator
from bot.render import keyboard
from bot.replies import edit_message, reply_text
from bot.services import Services
from domain import pulse
from domain import pulse_texts as texts
from domain.access import Action
from domain.labels import day_of
from handlers import conversation as talk
from handlers.common import (
    more_choices,
    network_rows,
    networks_to_act_on,
    permit_button,
    stale_button,
)
from storage import networks
from storage import pulse as store
from storage.conversations import Conversation

log = logging.getLogger(__name__)

FLOW = "pulse"


def refusal(_: Translator) -> str:
    return _(
        "/pulse is for the police chief and the municipality of a network, and for "
        "coordinators: they ask the members what is going on in the neighbourhood. When they ask "
        "you, the question comes here, in our private chat."
    )


async def show(
    query_or_message: Any, context: BotContext, network_id: int, page: int, *, edit: bool
) -> None:
    _ = await context.texts()
    found = await pulse.overview(context.services, _, network_id, page)
    text: str
    if found is None:
        text, markup = _("This network no longer exists."), None
    else:
        text, markup = found[0], keyboard(found[1])
    if edit:
        await edit_message(query_or_message, text, markup)
    else:
        await reply_text(query_or_message, text, markup)


# --- for the hosts --------------------------------------------------------------------------


async def pulse_command(update: Update, context: BotContext) -> None:
    """/pulse [network]: the network's pulse, or a choice of networks."""
    message = update.effective_message
    assert message
    _ = await context.texts()
    name = " ".join(context.args or [])
    found = await networks_to_act_on(update, context, name, Action.run_pulse, refusal(_))
    if not found:
        return
    if len(found) == 1:
        await show(message, context, found[0].id, 0, edit=False)
        return
    rows = network_rows(found, lambda n: f"pulse:n:{n.id}:0")
    text = _("Which network's mood pulse?") + more_choices(_, found, "/pulse")
    await reply_text(message, text, InlineKeyboardMarkup(rows))


def _ids(data: str) -> list[int]:
    return [int(part) for part in data.split(":")[2:]]


async def _host_button(update: Update, context: BotContext) -> int | None:
    """The network of a host's button, if the person may run its pulse; else answered."""
    query = update.callback_query
    assert query and query.data
    network_id = _ids(query.data)[0]
    if await networks.get(context.services.database, network_id) is None:
        await stale_button(update, context)
        return None
    if await permit_button(update, context, Action.run_pulse, network_id) is None:
        return None
    return network_id


async def overview_button(update: Update, context: BotContext) -> None:
    """A network picked, ◀ ▶, or Back: the overview, in the same message."""
    query = update.callback_query
    assert query and query.data
    network_id = await _host_button(update, context)
    if network_id is None:
        return
    await query.answer()
    await show(query, context, network_id, _ids(query.data)[1], edit=True)


async def ask_button(update: Update, context: BotContext) -> None:
    """Ask now: how many will be asked, and a confirmation."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    network_id = await _host_button(update, context)
    if network_id is None:
        return
    _ = await context.texts()
    svc = context.services
    network = await networks.get(svc.database, network_id)
    assert network is not None
    if await store.open_of(svc.database, network_id) is not None:
        await query.answer(_("A mood pulse of this network is open already."), show_alert=True)
        await show(query, context, network_id, 0, edit=True)
        return
    asked = await pulse.to_ask(svc, network_id, update.effective_user.id)
    await query.answer()
    if not asked:
        await edit_message(query, nobody_text(_, network.name), keyboard(back(_, network_id)))
        return
    text = texts.confirm_ask(
        _, texts.network_name(network.name), len(asked), svc.settings.pulse.open_days
    )
    await edit_message(query, text, keyboard(texts.confirm_buttons(_, network_id)))


def nobody_text(_: Translator, network: str) -> str:
    return _(
        "{network} has no other members to ask yet. Invite key figures first (/invite).",
        network=texts.network_name(network),
    )


def back(_: Translator, network_id: int) -> list[list[Any]]:
    return [texts.confirm_buttons(_, network_id)[1]]


async def go_button(update: Update, context: BotContext) -> None:
    """Yes, ask: the pulse starts; the overview shows it open."""
    query = update.callback_query
    assert query and update.effective_user
    network_id = await _host_button(update, context)
    if network_id is None:
        return
    _ = await context.texts()
    svc = context.services
    started = await pulse.start(svc, network_id, "asked", by=update.effective_user.id)
    tz = svc.settings.bot.tz
    if started.outcome is pulse.Start.STARTED and started.pulse is not None:
        closes = day_of(_, started.pulse.closes_at, tz)
        await query.answer(
            _.ngettext(
                "Asked {n} member. You get the tally on {day}.",
                "Asked {n} members. You get the tally on {day}.",
                started.pulse.asked,
                day=closes,
            ),
            show_alert=True,
        )
    elif started.outcome is pulse.Start.ALREADY_OPEN:
        await query.answer(_("A mood pulse of this network is open already."), show_alert=True)
    elif started.outcome is pulse.Start.NOBODY:
        network = await networks.get(svc.database, network_id)
        await query.answer(nobody_text(_, network.name if network else "?"), show_alert=True)
    else:
        await stale_button(update, context)
        return
    await show(query, context, network_id, 0, edit=True)


async def switch_button(update: Update, context: BotContext) -> None:
    """Monthly or after an alert, switched on or off."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    network_id = await _host_button(update, context)
    if network_id is None:
        return
    _ = await context.texts()
    svc = context.services
    which, on = query.data.split(":")[1], query.data.endswith(":1")
    by = update.effective_user.id
    if which == "mon":
        schedule = await pulse.switch_monthly(svc, network_id, on, by)
        if on and schedule.next_monthly_at:
            day = day_of(_, schedule.next_monthly_at, svc.settings.bot.tz)
            said = _("Monthly mood pulse on: the first on {day}.", day=day)
        else:
            said = _("Monthly mood pulse off.")
    else:
        await pulse.switch_after_incident(svc, network_id, on, by)
        said = _("Mood pulse after an alert on.") if on else _("Mood pulse after an alert off.")
    await query.answer(said)
    await show(query, context, network_id, 0, edit=True)


# --- for the members ------------------------------------------------------------------------


async def _refused(update: Update, context: BotContext, outcome: pulse.Answered) -> bool:
    """A designed answer for every outcome but SAVED; True when one was given."""
    query = update.callback_query
    assert query
    _ = await context.texts()
    if outcome is pulse.Answered.SAVED:
        return False
    if outcome is pulse.Answered.CLOSED:
        await query.answer(texts.closed(_), show_alert=True)
        try:
            await query.edit_message_text(texts.closed(_))
        except BadRequest as exc:  # too old to edit, or unchanged: the alert said it
            log.info("closed pulse's message not edited: %s", exc)
    elif outcome is pulse.Answered.NO_ANSWER:
        await query.answer(_("Tap a mood first; then you can add words."), show_alert=True)
    else:
        await stale_button(update, context)
    return True


async def _show_card(update: Update, context: BotContext, pulse_id: int) -> None:
    query = update.callback_query
    assert query and update.effective_user
    _ = await context.texts()
    found = await pulse.card(context.services, _, pulse_id, update.effective_user.id)
    if found is not None:
        await edit_message(query, found[0], keyboard(found[1]))


async def mood_button(update: Update, context: BotContext) -> None:
    """A mood tapped: saved (or changed), and thanks with what can be added."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    _prefix, _verb, pulse_id, mood = query.data.split(":")
    outcome = await pulse.answer(context.services, int(pulse_id), update.effective_user.id, mood)
    if await _refused(update, context, outcome):
        return
    _ = await context.texts()
    await query.answer(_("Thank you!"))
    await _show_card(update, context, int(pulse_id))


async def sign_button(update: Update, context: BotContext) -> None:
    """With my name, or anonymous after all."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    pulse_id, on = _ids(query.data)
    outcome = await pulse.sign(context.services, pulse_id, update.effective_user.id, bool(on))
    if await _refused(update, context, outcome):
        return
    _ = await context.texts()
    await query.answer(
        _("Your name is with your answer.") if on else _("Your answer is anonymous again.")
    )
    await _show_card(update, context, pulse_id)


async def words_button(update: Update, context: BotContext) -> None:
    """A few words with it: the next text typed is taken."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    pulse_id = _ids(query.data)[0]
    svc = context.services
    user_id = update.effective_user.id
    outcome = await pulse.may_add(svc, pulse_id, user_id)
    if await _refused(update, context, outcome):
        return
    await query.answer()
    card = query.message.message_id if query.message is not None else None
    dropped = await talk.open_flow(
        svc, user_id, FLOW, "words", {"pulse_id": pulse_id, "card": card}
    )
    await talk.tell_dropped(update, context, dropped)
    _ = await context.texts()
    assert update.effective_chat
    await update.effective_chat.send_message(texts.ask_words(_), reply_markup=talk.with_cancel(_))


async def take_text(update: Update, context: BotContext) -> bool:
    """The words typed for an answer."""
    message, user = update.effective_message, update.effective_user
    assert message and user
    svc = context.services
    found = await talk.current(svc, user.id)
    if found is None or found.flow != FLOW or not message.text:
        return False
    _ = await context.texts()
    pulse_id = int(found.data.get("pulse_id") or 0)
    outcome = await pulse.add_words(svc, pulse_id, user.id, message.text)
    if outcome is pulse.Answered.TOO_LONG:
        length = len(pulse.clean_words(message.text))
        await message.reply_text(texts.words_too_long(_, length), reply_markup=talk.with_cancel(_))
        return True
    if outcome is pulse.Answered.EMPTY:
        await message.reply_text(texts.ask_words(_), reply_markup=talk.with_cancel(_))
        return True
    await talk.close(svc, user.id, FLOW)
    if outcome is pulse.Answered.CLOSED:
        await message.reply_text(texts.closed(_))
        return True
    if outcome is not pulse.Answered.SAVED:
        await message.reply_text(_("This button no longer works."))
        return True
    await message.reply_text(_("Noted, thank you."))
    shown = await pulse.card(svc, _, pulse_id, user.id)
    card = found.data.get("card")
    if shown is None:
        return True
    try:
        if card is None:
            raise BadRequest("no card")
        await context.bot.edit_message_text(
            shown[0], message.chat_id, int(card), reply_markup=keyboard(shown[1])
        )
    except BadRequest as exc:  # too old to edit: a new card below
        log.info("pulse card %s not edited (%s): sent anew", card, exc)
        await message.reply_text(shown[0], reply_markup=keyboard(shown[1]))
    return True


async def describe(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Your words for the mood pulse")


# --- at start -------------------------------------------------------------------------------


async def plan_at_start(context: ContextTypes.DEFAULT_TYPE) -> None:
    await pulse.plan_all(services.of(context))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    talk.add_flow(application, talk.Flow(FLOW, take_text, describe))
    application.add_handler(CommandHandler("pulse", pulse_command, filters=private))
    application.add_handler(
        CallbackQueryHandler(overview_button, pattern=r"^pulse:n:\d{1,20}:\d{1,6}$")
    )
    application.add_handler(CallbackQueryHandler(ask_button, pattern=r"^pulse:ask:\d{1,20}$"))
    application.add_handler(CallbackQueryHandler(go_button, pattern=r"^pulse:go:\d{1,20}$"))
    application.add_handler(
        CallbackQueryHandler(switch_button, pattern=r"^pulse:(mon|aft):\d{1,20}:[01]$")
    )
    application.add_handler(
        CallbackQueryHandler(
            mood_button, pattern=r"^pulse:m:\d{1,20}:(calm|worried|tense|rumours)$"
        )
    )
    application.add_handler(CallbackQueryHandler(words_button, pattern=r"^pulse:w:\d{1,20}$"))
    application.add_handler(CallbackQueryHandler(sign_button, pattern=r"^pulse:s:\d{1,20}:[01]$"))
    assert application.job_queue is not None
    # Rebuilt from the database at start: open pulses' reminders and closings, the schedules.
    application.job_queue.run_once(plan_at_start, when=0, name="pulse-at-start")

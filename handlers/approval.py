"""Approval: a host (or coordinator) approves or rejects an application with one button.

The decision and its consequences are `domain.approval`'s: made exactly once, so whoever
presses second, be it a double tap or another host at the same moment, hears who decided what
and when; every other approver's copy of the card is edited to show it. The buttons come from
`domain.intake_texts.application_keyboard`.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from telegram import CallbackQuery, Message, Update, User
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot import services
from bot.context import BotContext
from bot.i18n import Html
from bot.replies import edit_message
from domain import approval
from domain.access import Action
from handlers import guard
from storage import memberships
from storage.memberships import Membership, Outcome

log = logging.getLogger(__name__)

CALLBACK = approval.DECISION
CARDS_SWEEP = 60.0  # seconds: copies whose edit failed are tried again, also after a restart


async def name_of(
    context: BotContext, network_id: int, user_id: int | None, presser: User
) -> str | None:
    """How a decider is named: their name in the network, else their Telegram first name."""
    if user_id is None:  # the decider has since deleted their data
        return None
    member = await memberships.get(context.services.database, network_id, user_id)
    if member is not None and member.display_name:
        return member.display_name
    if user_id == presser.id:
        return presser.first_name
    try:
        chat = await context.bot.get_chat(user_id)
    except TelegramError:
        return None
    return chat.first_name or chat.full_name


async def decide(update: Update, context: BotContext) -> None:
    """Approve/Reject on an application: decided once; a second press hears who decided."""
    query = update.callback_query
    assert query and query.data
    decision = approval.read_decision(query.data)
    assert decision is not None
    verdict, network_id, user_id = decision
    actor = await guard.permit(update, context, Action.decide_application, network_id)
    if actor is None:
        return
    svc = context.services
    _ = await context.texts()
    decided = await approval.decide(svc, network_id, user_id, verdict, actor.user_id)
    network, membership = decided.network, decided.membership
    if network is None:
        await close(query, _("This application no longer exists."))
        return
    if membership is None:
        await close(
            query,
            _("This application no longer exists: the person stopped or deleted their data."),
        )
        return
    if decided.outcome is Outcome.NOT_SUBMITTED:
        await close(query, _("This application is no longer open for a decision."))
        return
    who = await name_of(context, network_id, membership.decided_by, query.from_user) or _("someone")
    when = approval.when_decided(_, svc, membership.decided_at)
    shown = approval.decided_card_text(_, network, membership, who, when)
    if decided.outcome is Outcome.ALREADY_DECIDED:
        # A late press (another approver was first): who decided, and this copy shows it too.
        await query.answer(approval.already_text(_, membership.status, who, when), show_alert=True)
        await edit_message(query, shown)
        await _card_shown(svc, query, membership, who)
        return
    await query.answer(_("Approved.") if verdict == "approved" else _("Rejected."))
    await edit_message(query, shown)
    await _card_shown(svc, query, membership, who)
    await approval.announce(svc, network, membership, decider=who, decider_id=actor.user_id)


async def _card_shown(
    svc: services.Services, query: CallbackQuery, membership: Membership, who: str
) -> None:
    message = query.message
    if isinstance(message, Message):
        await approval.card_shown(svc, message.chat_id, message.message_id, membership, who)


async def close(query: CallbackQuery, text: str) -> None:
    """An alert for a button that can no longer do anything, and the buttons go."""
    await query.answer(text, show_alert=True)
    message = query.message
    if not isinstance(message, Message) or not message.text or not message.reply_markup:
        return  # e.g. a forged button on a message that has none
    try:
        await edit_message(query, Html(message.text_html))  # the same text, without buttons
    except TelegramError as exc:
        log.warning("could not remove stale decide buttons: %s", exc)


async def settle_cards(context: BotContext) -> None:
    """At start and every minute: copies of decided applications whose edit did not go
    through yet (an outage, a restart) show the decision."""
    approval.kick(context.services)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(decide, pattern=CALLBACK))
    svc = services.of(application)
    svc.delivery_listeners.append(functools.partial(approval.on_delivery, svc))
    svc.outage_listeners.append(functools.partial(approval.on_outage, svc))
    assert application.job_queue is not None
    # Rebuilt from the database at start: copies decided while the bot was down are edited.
    application.job_queue.run_once(settle_cards, when=0, name="application-cards-at-start")
    application.job_queue.run_repeating(
        settle_cards, interval=CARDS_SWEEP, first=CARDS_SWEEP, name="application-cards-sweep"
    )

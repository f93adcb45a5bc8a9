"""Approval: a host (or coordinator) approves or rejects an application with one button.

The decision and its consequences are `domain.approval`'s: made exactly once, so whoever
presses second, be it a double tap or another host at the same moment, hears who decided what
and when. The buttons come from `domain.intake_texts.application_keyboard`.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, Message, Update, User
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot.context import BotContext
from bot.i18n import Html, Translator
from bot.replies import edit_message
from bot.services import Services
from domain import approval
from domain.access import Action
from domain.intake_texts import application_text
from handlers import guard
from storage import memberships
from storage.memberships import Outcome

log = logging.getLogger(__name__)

# decide:<approve|reject>:<network id>:<user id> (at most 64 bytes: ids are at most 20 digits)
CALLBACK = re.compile(r"^decide:(approve|reject):(\d{1,20}):(\d{1,20})$")
VERDICTS = {"approve": "approved", "reject": "rejected"}


def moment(decided_at: str | None, now: datetime, svc: Services) -> str:
    """When a decision was made, as people read it: the time today, else date and time."""
    if decided_at is None:
        return "?"
    local = datetime.fromisoformat(decided_at).astimezone(svc.settings.bot.tz)
    if local.date() == now.astimezone(svc.settings.bot.tz).date():
        return local.strftime("%H:%M")
    return local.strftime("%d-%m-%Y %H:%M")


def outcome_line(_: Translator, status: str, who: str, when: str) -> str:
    if status == "approved":
        return _("✅ Approved by {name} at {time}", name=who, time=when)
    return _("❌ Rejected by {name} at {time}", name=who, time=when)


def already_text(_: Translator, status: str, who: str, when: str) -> str:
    if status == "approved":
        return _("Already approved by {name} at {time}.", name=who, time=when)
    return _("Already rejected by {name} at {time}.", name=who, time=when)


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
    match = CALLBACK.match(query.data)
    assert match
    verdict, network_id, user_id = VERDICTS[match[1]], int(match[2]), int(match[3])
    actor = await guard.permit(update, context, Action.decide_application, network_id)
    if actor is None:
        return
    svc = context.services
    _ = await context.texts()
    decision = await approval.decide(svc, network_id, user_id, verdict, actor.user_id)
    network, membership = decision.network, decision.membership
    if network is None:
        await close(query, _("This application no longer exists."))
        return
    if membership is None:
        await close(
            query,
            _("This application no longer exists: the person stopped or deleted their data."),
        )
        return
    if decision.outcome is Outcome.NOT_SUBMITTED:
        await close(query, _("This application is no longer open for a decision."))
        return
    who = await name_of(context, network_id, membership.decided_by, query.from_user) or _("someone")
    when = moment(membership.decided_at, svc.clock.now(), svc)
    shown = Html(
        f"{application_text(_, network, membership)}\n\n"
        f"{outcome_line(_, membership.status, who, when)}"
    )
    if decision.outcome is Outcome.ALREADY_DECIDED:
        await query.answer(already_text(_, membership.status, who, when), show_alert=True)
        await edit_message(query, shown)
        return
    await query.answer(_("Approved.") if verdict == "approved" else _("Rejected."))
    await edit_message(query, shown)
    await approval.announce(svc, network, membership, decider=who, decider_id=actor.user_id)


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


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(decide, pattern=CALLBACK))

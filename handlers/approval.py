"""Approval: a host (or coordinator) approves or rejects an application with one button.

The decision is made exactly once (`memberships.decide`): whoever presses second, be it a
double tap or another host at the same moment, hears who decided what and when. An approved
member gets their personal join link(s) to the network's group chat; a rejected applicant
gets a kind message. The buttons come from `domain.intake_texts.application_keyboard`.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, Message, Update, User
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler

from bot import group_links
from bot.context import BotContext
from bot.i18n import Html, Translator
from bot.replies import edit_message
from bot.services import Services
from domain import notify
from domain.access import Action
from domain.intake_texts import application_text
from domain.ports import Keyboard
from handlers import guard
from storage import group_chats, memberships, networks
from storage.memberships import Membership, Outcome
from storage.networks import Network

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
    network = await networks.get(svc.database, network_id)
    if network is None:
        log.warning("decide button for unknown network %s from user %s", network_id, actor.user_id)
        await close(query, _("This application no longer exists."))
        return
    now = svc.clock.now()
    decision = await memberships.decide(
        svc.database, network_id, user_id, verdict, actor.user_id, now
    )
    membership = decision.membership
    if decision.outcome is Outcome.UNKNOWN or membership is None:
        log.info("decision on unknown application %s/%s", network_id, user_id)
        await close(
            query,
            _("This application no longer exists: the person stopped or deleted their data."),
        )
        return
    if decision.outcome is Outcome.NOT_SUBMITTED:
        log.info("decision on application %s/%s in %s", network_id, user_id, membership.status)
        await close(query, _("This application is no longer open for a decision."))
        return
    who = await name_of(context, network_id, membership.decided_by, query.from_user) or _("someone")
    when = moment(membership.decided_at, now, svc)
    shown = Html(
        f"{application_text(_, network, membership)}\n\n"
        f"{outcome_line(_, membership.status, who, when)}"
    )
    if decision.outcome is Outcome.ALREADY_DECIDED:
        await query.answer(already_text(_, membership.status, who, when), show_alert=True)
        await edit_message(query, shown)
        return
    log.info("user %s %s user %s in network %s", actor.user_id, verdict, user_id, network_id)
    await query.answer(_("Approved.") if verdict == "approved" else _("Rejected."))
    await edit_message(query, shown)
    if verdict == "approved":
        await welcome_member(context, network, user_id)
    else:
        await tell_rejected(context, network, user_id)
    await tell_other_hosts(context, network, membership, who, actor.user_id)


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


async def welcome_member(context: BotContext, network: Network, user_id: int) -> None:
    """The new member hears the news in their language, and gets their group join link(s)."""
    svc = context.services
    has_group = bool(await group_chats.for_network(svc.database, network.id))

    def compose(_: Translator) -> tuple[str, Keyboard]:
        text: str = _(
            "Good news: the hosts of {network} have approved your membership. Welcome! 🎉",
            network=network.name,
        )
        if has_group:
            text += "\n\n" + _("Your personal link to the group chat follows.")
        else:
            text += "\n\n" + _(
                "The network's group chat isn't set up yet. I'll send you your personal link "
                "as soon as it is."
            )
        text += "\n\n" + _("🚨 Emergency? Always call 112 first.")
        return text, ()

    await notify.tell(svc, [user_id], compose)
    if has_group:
        sent = await group_links.invite_to_groups(context.bot, svc, network.id, [user_id])
        log.info("sent %d join link(s) to user %s for network %s", sent, user_id, network.id)


async def tell_rejected(context: BotContext, network: Network, user_id: int) -> None:
    """A rejected applicant gets a kind word, without a reason."""

    def compose(_: Translator) -> tuple[str, Keyboard]:
        return _(
            "Thank you for your interest in {network} and for your time. The hosts have decided "
            "not to add you to the network. Questions? Please talk to the person who invited "
            "you.",
            network=network.name,
        ), ()

    await notify.tell(context.services, [user_id], compose)


async def tell_other_hosts(
    context: BotContext,
    network: Network,
    membership: Membership,
    decider: str,
    decider_id: int,
) -> None:
    """The other hosts and coordinators learn who decided, so nobody decides twice."""
    svc = context.services
    others = [
        uid
        for uid in await notify.hosts_and_coordinators(svc, network.id)
        if uid not in (decider_id, membership.user_id)
    ]
    name = membership.display_name or "–"

    def compose(_: Translator) -> tuple[str, Keyboard]:
        if membership.status == "approved":
            text = _(
                "{decider} approved {name} for {network}.",
                decider=decider,
                name=name,
                network=network.name,
            )
        else:
            text = _(
                "{decider} rejected the application of {name} for {network}.",
                decider=decider,
                name=name,
                network=network.name,
            )
        return text, ()

    await notify.tell(svc, others, compose)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CallbackQueryHandler(decide, pattern=CALLBACK))

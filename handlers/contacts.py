"""/contacts: a member sees, per network, the members who chose to show their number to the
other members (`domain.contacts`). In one network the list comes at once; in several a button
per network picks one (`cts:<network id>`), or `/contacts Noord` names it. Someone who is not
an approved member of the network hears why, never an empty list.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.replies import edit_message, reply_text
from domain import contacts
from handlers import guard
from handlers.common import more_choices, network_named, network_rows
from storage import memberships, networks
from storage.networks import Network

log = logging.getLogger(__name__)


async def shown(_: Translator, context: BotContext, network: Network, user_id: int) -> str:
    svc = context.services
    viewer = await memberships.get(svc.database, network.id, user_id)
    return contacts.contacts_text(_, network, await contacts.listed(svc, network.id), viewer)


async def contacts_command(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message and user
    _ = await context.texts()
    db = context.services.database
    actor = await guard.actor_of(update, context)
    if context.args:
        network = await network_named(update, context, " ".join(context.args))
        if network is None:
            return
        if actor.role_in(network.id) is None:
            log.info("refused /contacts of network %s to user %s", network.id, user.id)
            await reply_text(message, contacts.not_member_text(_, network))
            return
        await reply_text(message, await shown(_, context, network, user.id))
        return
    mine = [n for n in await networks.all(db) if actor.role_in(n.id) is not None]
    if not mine:
        log.info("refused /contacts to user %s: in no network", user.id)
        await reply_text(message, contacts.strangers_text(_))
        return
    if len(mine) == 1:
        await reply_text(message, await shown(_, context, mine[0], user.id))
        return
    rows = network_rows(mine, lambda n: f"cts:{n.id}")
    text = contacts.which_text(_) + more_choices(_, mine, "/contacts")
    await reply_text(message, text, InlineKeyboardMarkup(rows))


async def picked(update: Update, context: BotContext) -> None:
    query, user = update.callback_query, update.effective_user
    assert query and query.data and user
    _ = await context.texts()
    network = await networks.get(context.services.database, int(query.data.split(":")[1]))
    if network is None:
        await query.answer()
        await edit_message(query, _("That network no longer exists."))
        return
    actor = await guard.actor_of(update, context)
    await query.answer()
    if actor.role_in(network.id) is None:
        log.info("refused /contacts of network %s to user %s (button)", network.id, user.id)
        await edit_message(query, contacts.not_member_text(_, network))
        return
    await edit_message(query, await shown(_, context, network, user.id))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("contacts", contacts_command, filters=private))
    application.add_handler(CallbackQueryHandler(picked, pattern=r"^cts:\d{1,20}$"))

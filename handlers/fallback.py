"""The last word: unknown commands get a polite answer and stale or forged buttons are answered.

In a group the bot answers /help (and /link); any other command of ours typed there gets one
short reply that points to the private chat, with a button that opens it, so the group stays
calm and nobody is met with silence.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from handlers import guard
from storage import group_chats, networks

log = logging.getLogger(__name__)


def private_chat_button(_: Translator, bot_username: str) -> InlineKeyboardMarkup:
    """A button that opens the private chat with the bot (a plain t.me link: no invite)."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("Open our private chat"), url=f"https://t.me/{bot_username}")]]
    )


def our_commands(application: Application[Any, Any, Any, Any, Any, Any]) -> frozenset[str]:
    """Every command some handler of ours takes."""
    return frozenset(
        command
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    )


async def group_command(update: Update, context: BotContext) -> None:
    """A command typed in a group that only the private chat answers (or that we don't know):
    one short reply with the way to the private chat; to a non-member, who may use the bot."""
    message = update.effective_message
    assert message and message.text and update.effective_user
    command, _sep, addressee = message.text.split()[0].partition("@")
    to_us = addressee.lower() == (context.bot.username or "").lower()
    if addressee and not to_us:
        return  # /command@other_bot
    known = command[1:].lower() in our_commands(context.application)
    if not known and not to_us:
        return  # a bare command we don't have is another bot's
    _ = await context.texts()
    actor = await guard.actor_of(update, context)
    chat = await group_chats.get(context.services.database, message.chat.id)
    network_id = chat.network_id if chat is not None else None
    member = actor.is_coordinator or (
        network_id in actor.roles if network_id is not None else bool(actor.roles)
    )
    if not member:
        network = await networks.get(context.services.database, network_id) if network_id else None
        text = _(
            "I work for the members of {network}. Joining goes by a personal invite; our "
            "private chat tells you how.",
            network=network.name if network else _("this network"),
        )
    elif known:
        text = _("{command} works in our private chat, so the group stays calm.", command=command)
    else:
        text = _(
            "I don't know {command}. In the group: /help. Everything else works in our private "
            "chat.",
            command=command,
        )
    log.info(
        "pointed user %s from chat %s to the private chat (%s)",
        actor.user_id,
        message.chat.id,
        command,
    )
    await message.reply_text(text, reply_markup=private_chat_button(_, context.bot.username))


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command we don't know, or one this person may not use: say so, point to /help."""
    message = update.effective_message
    assert message and message.text
    command, _sep, addressee = message.text.split()[0].partition("@")
    if message.chat.type != "private" and addressee.lower() != (context.bot.username or "").lower():
        return  # a channel: not ours to answer
    _ = await context.texts()
    await message.reply_text(
        _(
            "Sorry, {command} is not something you can do here. /help shows what you can.",
            command=command,
        )
    )


async def private_text(update: Update, context: BotContext) -> None:
    """Text typed in the private chat with nothing open (see handlers.conversation): /help."""
    assert update.effective_message
    _ = await context.texts()
    await update.effective_message.reply_text(
        _("I work with commands and buttons. /help shows what you can do. 🚨 Emergency? Call 112.")
    )


async def stale_button(update: Update, context: BotContext) -> None:
    """A button nobody handles (old, forged or from a removed feature): answer it, refuse it."""
    query = update.callback_query
    assert query
    user = query.from_user
    log.warning("refused unknown callback data %r from user %s", query.data, user.id)
    _ = await context.texts()
    await query.answer(_("This button no longer works."), show_alert=True)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(
        MessageHandler(filters.COMMAND & filters.ChatType.GROUPS, group_command)
    )
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    # Photos, stickers and the like in the private chat (typed text: handlers.conversation).
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, private_text)
    )
    application.add_handler(CallbackQueryHandler(stale_button))

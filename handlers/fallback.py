"""The last word: unknown commands get a polite answer and stale or forged buttons are answered."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, MessageHandler, filters

from bot.context import BotContext

log = logging.getLogger(__name__)


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command we don't know, or one this person may not use: say so, point to /help."""
    message = update.effective_message
    assert message and message.text
    command, _sep, addressee = message.text.split()[0].partition("@")
    if message.chat.type != "private" and addressee.lower() != (context.bot.username or "").lower():
        return  # in a group, a bare /command may be meant for another bot
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
    application.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    # Photos, stickers and the like in the private chat (typed text: handlers.conversation).
    application.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & ~filters.COMMAND, private_text)
    )
    application.add_handler(CallbackQueryHandler(stale_button))

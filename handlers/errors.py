"""The error handler: log what failed with its context, and tell the person briefly."""

from __future__ import annotations

import logging
from typing import Any

from telegram import Chat, Update
from telegram.error import ChatMigrated, Forbidden, NetworkError, TelegramError
from telegram.ext import Application, ContextTypes

from bot import services
from bot.i18n import Translator, pick_language, translator
from handlers import groups
from storage import people

log = logging.getLogger(__name__)


def describe(update: object) -> str:
    """Which update failed, without its content (messages may be sensitive)."""
    if not isinstance(update, Update):
        return "no update"
    kind = next((k for k in Update.ALL_TYPES if getattr(update, k, None) is not None), None)
    parts = [f"update {update.update_id}" + (f" ({kind})" if kind else "")]
    if update.effective_chat:
        parts.append(f"chat {update.effective_chat.id}")
    if update.effective_user:
        parts.append(f"user {update.effective_user.id}")
    message = update.effective_message
    if message and message.text and message.text.startswith("/"):
        parts.append(f"command {message.text.split()[0]}")
    if update.callback_query:
        parts.append(f"button {update.callback_query.data!r}")
    return ", ".join(parts)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Never a traceback or silence in a chat: a log line with context and a short apology."""
    error = context.error
    if isinstance(error, Forbidden):
        # The person blocked the bot or the bot left the group: nobody to tell, just record it.
        log.warning("cannot write (%s): %s", describe(update), error.message)
        if (
            isinstance(update, Update)
            and update.effective_chat
            and update.effective_chat.type == "private"
        ):
            svc = services.of(context)
            await people.mark_blocked(svc.database, update.effective_chat.id, svc.clock.now())
        return
    if isinstance(error, ChatMigrated) and isinstance(update, Update) and update.effective_chat:
        # The group became a supergroup while we answered it: keep its link under the new id.
        log.warning("chat %s migrated to %s", update.effective_chat.id, error.new_chat_id)
        await groups.follow_migration(
            services.of(context), update.effective_chat.id, error.new_chat_id
        )
        return
    if isinstance(error, NetworkError) and not isinstance(update, Update):
        log.warning("network trouble: %s", error)
        return
    log.error("handling failed (%s)", describe(update), exc_info=error)
    if isinstance(update, Update):
        await _apologise(update, context)


async def _apologise(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A short apology where only the person sees it, in their language; never into a group
    for an update the person did not send there (a join request, a member change, a vote)."""
    _ = await _texts_for(update, context)
    text = _(
        "Sorry, something went wrong on our side. Please try again in a moment. "
        "🚨 Emergency? Call 112."
    )
    chat = update.effective_chat
    message = update.message
    try:
        if update.callback_query:  # the answer shows to the person who pressed, nobody else
            await update.callback_query.answer(text, show_alert=True)
        elif chat is not None and chat.type == Chat.PRIVATE:
            await context.bot.send_message(chat.id, text)
        elif update.chat_join_request:  # the bot may write to whoever asks to join, privately
            await context.bot.send_message(update.chat_join_request.user_chat_id, text)
        elif message is not None and message.text and message.text.startswith("/"):
            # A command someone typed in a group: the answer goes where they asked.
            await message.reply_text(text)
        else:
            log.info("no apology: nobody to tell privately (%s)", describe(update))
    except TelegramError as exc:
        log.warning("could not apologise (%s): %s", describe(update), exc)


async def _texts_for(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Translator:
    """The person's language; if the database is what failed, their app's language."""
    try:
        return await services.texts_for(update, context)
    except Exception:
        user = update.effective_user
        code = user.language_code if user is not None else None
        default = services.of(context).settings.bot.default_language
        return translator(pick_language(None, code, default))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_error_handler(on_error)

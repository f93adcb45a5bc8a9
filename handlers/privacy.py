"""/privacy, /mydata and /forget: people see what we keep about them and can delete it."""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot import services
from bot.i18n import Html, escape
from bot.replies import edit_message
from storage import privacy

log = logging.getLogger(__name__)

# A message holds 4096 characters; leave room for the heading and the <pre> wrapper.
_CHUNK = 3500


async def show_privacy(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The privacy notice: what is stored, why, who sees it and for how long."""
    assert update.effective_message
    _ = await services.texts_for(update, context)
    await update.effective_message.reply_text(
        _(
            "<b>Privacy</b>\n\n"
            "<b>What we store:</b> your Telegram user id, and only what you give us – today "
            "that is your language choice, and when you last used the bot.\n"
            "<b>What we never store:</b> the messages in your group chat.\n"
            "<b>Why:</b> to run your network, nothing else. Nothing is sold or shared.\n"
            "<b>How long:</b> until you delete it. /mydata shows everything we keep; /forget "
            "deletes it all at once.\n\n"
            "Questions? Ask your coordinator."
        )
    )


async def show_my_data(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Everything stored about the person, as a JSON document."""
    assert update.effective_message and update.effective_user
    _ = await services.texts_for(update, context)
    svc = services.of(context)
    document = await privacy.export_person(svc.database, update.effective_user.id)
    dumped = json.dumps(document, indent=2, ensure_ascii=False)
    heading = _("This is everything we store about you:")
    chunks = [dumped[i : i + _CHUNK] for i in range(0, len(dumped), _CHUNK)]
    for index, chunk in enumerate(chunks):
        block = Html(f'<pre><code class="language-json">{escape(chunk)}</code></pre>')
        await update.effective_message.reply_text(f"{heading}\n{block}" if index == 0 else block)


def forget_keyboard(_: Any) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Yes, delete my data"), callback_data="forget:yes")],
            [InlineKeyboardButton(_("No, keep it"), callback_data="forget:no")],
        ]
    )


async def ask_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Asks for confirmation before deleting anything."""
    assert update.effective_message and update.effective_user
    _ = await services.texts_for(update, context)
    if not await privacy.has_data(services.of(context).database, update.effective_user.id):
        await update.effective_message.reply_text(
            _("We store nothing about you, so there is nothing to delete.")
        )
        return
    await update.effective_message.reply_text(
        _(
            "Delete everything we store about you? This cannot be undone. "
            "You can always start again with /start."
        ),
        reply_markup=forget_keyboard(_),
    )


async def confirm_forget(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The confirmation buttons: delete everything in one go, or keep it."""
    query = update.callback_query
    assert query and query.data
    _ = await services.texts_for(update, context)
    await query.answer()
    if query.data == "forget:no":
        await edit_message(query, _("Nothing was deleted."))
        return
    removed = await privacy.forget_person(services.of(context).database, query.from_user.id)
    log.info("forgot user %s (%d rows)", query.from_user.id, removed)
    if removed:
        await edit_message(query, _("Done: everything we stored about you is deleted."))
    else:
        await edit_message(query, _("There was nothing left to delete."))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("privacy", show_privacy, filters=private))
    application.add_handler(CommandHandler("mydata", show_my_data, filters=private))
    application.add_handler(CommandHandler("forget", ask_forget, filters=private))
    application.add_handler(CallbackQueryHandler(confirm_forget, pattern=r"^forget:(yes|no)$"))

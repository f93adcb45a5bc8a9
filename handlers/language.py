"""/language: each person picks Dutch or English; otherwise their Telegram app language counts."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import LANGUAGE_NAMES, translator
from bot.replies import edit_message
from domain import menus
from storage import people

PATTERN = r"^lang:(nl|en)$"


def language_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(name, callback_data=f"lang:{code}")
                for code, name in LANGUAGE_NAMES.items()
            ]
        ]
    )


async def ask_language(update: Update, context: BotContext) -> None:
    """Shows the two languages as buttons; `/language en` switches at once."""
    assert update.effective_message and update.effective_user
    if context.args and context.args[0].lower() in LANGUAGE_NAMES:
        text = await switch(context, update.effective_user.id, context.args[0].lower())
        await update.effective_message.reply_text(text)
        return
    _ = await context.texts()
    await update.effective_message.reply_text(
        _("Which language shall I use with you?"), reply_markup=language_keyboard()
    )


async def choose_language(update: Update, context: BotContext) -> None:
    """A language button: store the choice and confirm in the new language."""
    query = update.callback_query
    assert query and query.data
    code = query.data.removeprefix("lang:")
    text = await switch(context, query.from_user.id, code)
    await query.answer()
    await edit_message(query, text)


async def switch(context: BotContext, user_id: int, code: str) -> str:
    """Store the person's language (also from /profile); the confirmation, in that language."""
    svc = context.services
    await people.set_language(svc.database, user_id, code, svc.clock.now())
    await menus.refresh(svc, user_id)  # the menu speaks the new language too
    context.forget_texts()  # what follows in this update speaks the new language
    _ = translator(code)
    return _("I'll write to you in English from now on.")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(
        CommandHandler("language", ask_language, filters=filters.ChatType.PRIVATE)
    )
    application.add_handler(CallbackQueryHandler(choose_language, pattern=PATTERN))

"""Small helpers for answering people that every feature needs.

Texts that grow with data go through `send_text` / `reply_text`: a text longer than a message
holds arrives as several messages, in order, with the buttons under the last one.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Bot, CallbackQuery, InlineKeyboardMarkup, Message
from telegram.error import BadRequest

from bot.fit import split

log = logging.getLogger(__name__)


async def send_text(
    bot: Bot,
    chat_id: int,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
    **kwargs: Any,
) -> Message:
    """Send `text` to a chat as one message, or as several if it is too long for one; the
    buttons (and anything else in `kwargs`) go with the last part, which is returned."""
    *first, last = split(text)
    for part in first:
        await bot.send_message(chat_id, part)
    return await bot.send_message(chat_id, last, reply_markup=reply_markup, **kwargs)


async def reply_text(
    message: Message,
    text: str,
    reply_markup: InlineKeyboardMarkup | None = None,
    **kwargs: Any,
) -> Message:
    """`Message.reply_text` for a text of any length: `send_text` into the same chat."""
    return await send_text(message.get_bot(), message.chat_id, text, reply_markup, **kwargs)


async def edit_message(
    query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the message behind a button; a double tap that changes nothing is fine.

    A text too long for one message replaces it with its first part; the rest follows as new
    messages, the buttons under the last.
    """
    first, *rest = split(text)
    try:
        await query.edit_message_text(first, reply_markup=None if rest else reply_markup)
    except BadRequest as exc:
        if "message is not modified" not in exc.message.lower():  # PTB capitalises it
            raise
        log.debug("edit skipped, message unchanged (double tap)")
    if rest and isinstance(query.message, Message):
        *middle, last = rest
        for part in middle:
            await query.message.get_bot().send_message(query.message.chat_id, part)
        await query.message.get_bot().send_message(
            query.message.chat_id, last, reply_markup=reply_markup
        )

"""Small helpers for answering people that every feature needs."""

from __future__ import annotations

import logging

from telegram import CallbackQuery, InlineKeyboardMarkup
from telegram.error import BadRequest

log = logging.getLogger(__name__)


async def edit_message(
    query: CallbackQuery, text: str, reply_markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the message behind a button; a double tap that changes nothing is fine."""
    try:
        await query.edit_message_text(text, reply_markup=reply_markup)
    except BadRequest as exc:
        if "message is not modified" not in exc.message:
            raise
        log.debug("edit skipped, message unchanged (double tap)")

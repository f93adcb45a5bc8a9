"""Keeps track of whether people can be reached: activity, and blocking or unblocking the bot.

It runs in its own handler group beside every feature, so it sees each update without taking
it away from the handler that answers it.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import ChatMember, Update
from telegram.ext import Application, ContextTypes, TypeHandler

from bot import services
from storage import people

log = logging.getLogger(__name__)
TRACKING_GROUP = -1


async def track(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Note that a known person is active, or that they blocked or unblocked the bot."""
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return
    svc = services.of(context)
    now = svc.clock.now()
    change = update.my_chat_member
    if change is None:
        if update.effective_user:  # writing to the bot also ends a block
            await people.touch(svc.database, update.effective_user.id, now)
        return
    if change.new_chat_member.status == ChatMember.BANNED:
        if await people.mark_blocked(svc.database, chat.id, now):
            log.info("user %s blocked the bot", chat.id)
    elif change.new_chat_member.status == ChatMember.MEMBER:
        await people.touch(svc.database, chat.id, now)
        log.info("user %s unblocked the bot", chat.id)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, track), group=TRACKING_GROUP)

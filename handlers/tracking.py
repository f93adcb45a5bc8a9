"""Keeps track of whether people can be reached: activity, and blocking or unblocking the bot."""

from __future__ import annotations

import logging
from typing import Any

from telegram import ChatMember, Update
from telegram.ext import Application, ChatMemberHandler, ContextTypes, TypeHandler

from bot import services
from storage import people

log = logging.getLogger(__name__)
TRACKING_GROUP = -1


async def note_activity(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A known person wrote or pressed something: they are active (and not blocking us)."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or update.my_chat_member is not None or chat is None or chat.type != "private":
        return
    svc = services.of(context)
    await people.touch(svc.database, user.id, svc.clock.now())


async def private_chat_status(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The person blocked or unblocked the bot in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != "private":
        return
    svc = services.of(context)
    user_id = change.chat.id
    if change.new_chat_member.status == ChatMember.BANNED:
        if await people.mark_blocked(svc.database, user_id, svc.clock.now()):
            log.info("user %s blocked the bot", user_id)
    elif change.new_chat_member.status == ChatMember.MEMBER:
        await people.touch(svc.database, user_id, svc.clock.now())
        log.info("user %s unblocked the bot", user_id)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, note_activity), group=TRACKING_GROUP)
    application.add_handler(
        ChatMemberHandler(private_chat_status, ChatMemberHandler.MY_CHAT_MEMBER)
    )

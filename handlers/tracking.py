"""Keeps track of whether people can be reached: activity, and blocking or unblocking the bot.

It runs in its own handler group beside every feature, so it sees each update without taking
it away from the handler that answers it. Activity is written at most once per `TOUCH_EVERY`
per person: the person is read anyway (for their language, `BotContext.person`), and a write
transaction on every update is what an ack storm would otherwise pay for.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from telegram import ChatMember, Update
from telegram.ext import Application, TypeHandler

from bot.context import BotContext
from storage import people
from storage.people import Person

log = logging.getLogger(__name__)
TRACKING_GROUP = -2
TOUCH_EVERY = timedelta(minutes=5)  # "last active" needs no finer grain than this


def _recently_active(person: Person, now: datetime) -> bool:
    """Known, reachable and active within `TOUCH_EVERY`: nothing to write."""
    if person.blocked_at is not None:
        return False
    try:
        return now - datetime.fromisoformat(person.last_active_at) < TOUCH_EVERY
    except (TypeError, ValueError):  # an unreadable stamp is simply renewed
        return False


async def track(update: Update, context: BotContext) -> None:
    """Note that a known person is active, or that they blocked or unblocked the bot."""
    chat = update.effective_chat
    if chat is None or chat.type != "private":
        return
    svc = context.services
    now = svc.clock.now()
    change = update.my_chat_member
    if change is None:
        if update.effective_user:  # writing to the bot also ends a block
            person = await context.person()
            if person is not None and not _recently_active(person, now):
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

"""/whocan: a member asks who in their networks can help, and who reaches whom.

`/whocan <need>` answers at once; `/whocan` alone asks what is needed, and the `whocan`
conversation takes the typed answer (/cancel and expiry as everywhere). The answer comes in
the four questions of `domain.talents`, with two buttons under it that put the need on the
asker's own list of what they can do or want to learn (`who:<can|learn>:<need>`). Only in the
private chat: a /whocan in the group is pointed there by `handlers.fallback`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.render import keyboard
from bot.replies import reply_text
from bot.services import Services
from domain import talents
from domain.talents import Kind, Problem
from handlers import conversation as talk
from handlers.conversation import Flow
from storage import memberships
from storage.conversations import Conversation

log = logging.getLogger(__name__)

FLOW = "whocan"
ASK = "need"  # the flow's one step: what is needed
CALLBACK = re.compile(r"^who:(can|learn|reach):(.+)$", re.DOTALL)


async def is_member(svc: Services, user_id: int) -> bool:
    return bool(await memberships.approved_roles(svc.database, user_id))


async def whocan_command(update: Update, context: BotContext) -> None:
    """/whocan <need>: who can help with it; /whocan alone: the bot asks what is needed."""
    message, user = update.effective_message, update.effective_user
    assert message and user
    _ = await context.texts()
    svc = context.services
    if not await is_member(svc, user.id):
        log.info("refused /whocan to user %s: in no network", user.id)
        await message.reply_text(talents.not_a_member_text(_))
        return
    need = " ".join(context.args or [])
    if need.strip():
        await answer(update, context, need)
        return
    busy = await talk.current(svc, user.id)
    if busy is not None and busy.flow != FLOW:
        # Something else is half-done (an application, a draft): it is not dropped for this.
        await message.reply_text(talents.empty_need_text(_))
        return
    await talk.open_flow(svc, user.id, FLOW, ASK)
    await message.reply_text(talents.ask_text(_), reply_markup=talk.with_cancel(_))


async def take_text(update: Update, context: BotContext) -> bool:
    """The need, typed after /whocan asked for it."""
    message, user = update.effective_message, update.effective_user
    assert message and message.text is not None and user
    svc = context.services
    found = await talk.current(svc, user.id)
    if found is None or found.flow != FLOW:
        return False
    if await answer(update, context, message.text):
        await talk.close(svc, user.id, FLOW)
    return True


async def answer(update: Update, context: BotContext, text: str) -> bool:
    """Search and answer; False if the need was refused (the person may type it again)."""
    message, user = update.effective_message, update.effective_user
    assert message and user
    _ = await context.texts()
    svc = context.services
    need = talents.need_of(text)
    if need is Problem.EMPTY:
        await message.reply_text(talents.empty_need_text(_))
        return False
    if need is Problem.TOO_LONG:
        await message.reply_text(talents.too_long_need_text(_))
        return False
    assert isinstance(need, str)
    if not talents.terms(need):
        log.info("user %s asked /whocan without a word to search on", user.id)
        await message.reply_text(talents.no_words_text(_, need))
        return False
    found = await talents.search(svc, user.id, need)
    if found is None:  # left their last network meanwhile
        await message.reply_text(talents.not_a_member_text(_))
        return True
    text = talents.answer_text(_, found)
    rows = talents.answer_keyboard(_, need, reached=bool(found.reach))
    if not rows:
        text = text + "\n" + talents.too_long_for_buttons_text(_)
    await reply_text(message, text, keyboard(rows))
    return True


async def pressed(update: Update, context: BotContext) -> None:
    """🙋 I can do this / 📚 I want to learn this / 🤝 I reach them too: the need goes on the
    asker's own list."""
    query = update.callback_query
    assert query and query.data
    match = CALLBACK.match(query.data)
    assert match
    _ = await context.texts()
    svc = context.services
    user_id = query.from_user.id
    kind = Kind(match[1])
    items = talents.items_of(match[2])
    if not isinstance(items, list):
        log.warning("refused /whocan button %r from user %s", query.data, user_id)
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    outcome, new = await talents.add(svc, user_id, kind, items)
    if outcome is talents.Added.NOT_MEMBER:
        await query.answer(talents.not_a_member_text(_), show_alert=True)
        return
    if outcome is talents.Added.FULL:
        await query.answer(talents.full_text(_, kind), show_alert=True)
        return
    await query.answer()
    await context.bot.send_message(user_id, talents.added_text(_, kind, new, items))


async def describe(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Your /whocan question")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    talk.add_flow(application, Flow(FLOW, take_text, describe, "/whocan"))
    application.add_handler(
        CommandHandler("whocan", whocan_command, filters=filters.ChatType.PRIVATE)
    )
    application.add_handler(CallbackQueryHandler(pressed, pattern=CALLBACK))

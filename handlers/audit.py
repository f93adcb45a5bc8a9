"""/audit: coordinators read who did what, newest first, for all networks or one.

`/audit` shows every network together, `/audit Noord` one network; ◀ ▶ turn the pages and a
button chooses another network (a page of names at a time, so a thousand networks fit).
Everyone else hears the audit is for coordinators.

Callback data: `audit:show:<all|network_id>:<page>` and `audit:pick:<page>`.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.fit import cut_label, keyboard_rows
from bot.i18n import Translator
from bot.replies import edit_message, reply_text
from domain import audit
from handlers import guard
from handlers.common import network_named, page_count, page_row, stale_button
from storage import networks

log = logging.getLogger(__name__)

NETWORKS_PER_PAGE = 24  # network buttons on one page of the choice, two to a row
ALL = "all"


def refusal(_: Translator) -> str:
    return _(
        "The audit is for coordinators: it shows who did what in every network. Ask a "
        "coordinator if you need to know something from it."
    )


def page_keyboard(_: Translator, scope: str, page: int, pages: int) -> InlineKeyboardMarkup:
    rows = []
    turn = page_row(f"audit:show:{scope}", page, pages)
    if turn:
        rows.append(turn)
    choose = [InlineKeyboardButton(_("Choose a network"), callback_data="audit:pick:0")]
    if scope != ALL:
        choose.insert(0, InlineKeyboardButton(_("All networks"), callback_data="audit:show:all:0"))
    rows.append(choose)
    return InlineKeyboardMarkup(rows)


async def show(
    _: Translator, context: BotContext, network_id: int | None, page: int
) -> tuple[str, InlineKeyboardMarkup]:
    shown = await audit.view(context.services, _, network_id, page)
    scope = ALL if network_id is None else str(network_id)
    return shown.text, page_keyboard(_, scope, shown.page, shown.pages)


async def audit_command(update: Update, context: BotContext) -> None:
    """The newest records: of every network, or of the one named."""
    message = update.effective_message
    assert message
    _ = await context.texts()
    actor = await guard.actor_of(update, context)
    if not actor.is_coordinator:
        log.info("refused /audit to user %s", actor.user_id)
        await guard.refuse(update, context, refusal(_))
        return
    network_id = None
    if context.args:
        network = await network_named(update, context, " ".join(context.args))
        if network is None:
            return
        network_id = network.id
    text, keyboard = await show(_, context, network_id, 0)
    await reply_text(message, text, keyboard)


async def turn_page(update: Update, context: BotContext) -> None:
    """◀ ▶, All networks, or a network chosen: that page, in the same message."""
    query = update.callback_query
    assert query and query.data
    if not (await guard.actor_of(update, context)).is_coordinator:
        await stale_button(update, context)
        return
    _prefix, _verb, scope, page = query.data.split(":")
    network_id = None if scope == ALL else int(scope)
    if network_id is not None and await networks.get(context.services.database, network_id) is None:
        await stale_button(update, context)
        return
    await query.answer()
    _ = await context.texts()
    text, keyboard = await show(_, context, network_id, int(page))
    await edit_message(query, text, keyboard)


async def pick_network(update: Update, context: BotContext) -> None:
    """Choose a network: a page of names, ◀ ▶ for more, or type its name."""
    query = update.callback_query
    assert query and query.data
    if not (await guard.actor_of(update, context)).is_coordinator:
        await stale_button(update, context)
        return
    await query.answer()
    _ = await context.texts()
    found = await networks.all(context.services.database)
    pages = page_count(len(found), NETWORKS_PER_PAGE)
    page = min(max(int(query.data.split(":")[2]), 0), pages - 1)
    shown = found[page * NETWORKS_PER_PAGE : (page + 1) * NETWORKS_PER_PAGE]
    buttons = [
        InlineKeyboardButton(cut_label(n.name), callback_data=f"audit:show:{n.id}:0") for n in shown
    ]
    rows = keyboard_rows(buttons, 2, reserved=3)
    turn = page_row("audit:pick", page, pages)
    if turn:
        rows.append(turn)
    rows.append([InlineKeyboardButton(_("All networks"), callback_data="audit:show:all:0")])
    text = _("Whose audit? Choose a network, or type /audit and its name.")
    if pages > 1:
        text += "\n" + _(
            "{first}–{last} of {total}",
            first=page * NETWORKS_PER_PAGE + 1,
            last=page * NETWORKS_PER_PAGE + len(shown),
            total=len(found),
        )
    await edit_message(query, text, InlineKeyboardMarkup(rows))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("audit", audit_command, filters=private))
    application.add_handler(
        CallbackQueryHandler(turn_page, pattern=r"^audit:show:(all|\d{1,20}):\d{1,6}$")
    )
    application.add_handler(CallbackQueryHandler(pick_network, pattern=r"^audit:pick:\d{1,6}$"))

"""/digest: a coordinator sees whether their monthly digest is on, and switches it with a button.

Callback data: `digest:<0|1>` (switch off, on), `digest:x` (the button under a digest: off).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, ContextTypes, filters

from bot import services
from bot.context import BotContext
from bot.i18n import Translator
from bot.render import keyboard
from bot.replies import edit_message
from domain import digest
from domain.ports import Button
from handlers import guard

log = logging.getLogger(__name__)


def _shown(_: Translator, context: BotContext, on: bool) -> tuple[str, list[list[Button]]]:
    settings = context.services.settings.digest
    if not settings.enabled:
        return _("The monthly digest is switched off for everyone in the bot's settings."), []
    when = _(
        "It comes on day {day} of each month at {hour}:00: networks that have not met, members "
        "gone quiet, actions past their date, alerts and signals left open, with one chart.",
        day=settings.day,
        hour=settings.hour,
    )
    if on:
        head = _("Your monthly digest is <b>on</b>.")
        button = Button(str(_("Switch it off")), "digest:0")
    else:
        head = _("Your monthly digest is <b>off</b>.")
        button = Button(str(_("Switch it on")), "digest:1")
    return f"{head}\n{when}", [[button]]


async def digest_command(update: Update, context: BotContext) -> None:
    message = update.effective_message
    user = update.effective_user
    assert message and user
    _ = await context.texts()
    if not (await guard.actor_of(update, context)).is_coordinator:
        await message.reply_text(
            _("The monthly digest is for coordinators. /help shows what you can do.")
        )
        return
    text, buttons = _shown(_, context, await digest.is_on(context.services, user.id))
    await message.reply_text(text, reply_markup=keyboard(buttons))


async def digest_pressed(update: Update, context: BotContext) -> None:
    query = update.callback_query
    user = update.effective_user
    assert query and query.data and user
    _ = await context.texts()
    if not (await guard.actor_of(update, context)).is_coordinator:
        await query.answer(_("The monthly digest is for coordinators."), show_alert=True)
        return
    on = query.data.endswith(":1")
    await digest.switch(context.services, user.id, on)
    await query.answer(_("Switched on.") if on else _("Switched off."))
    text, buttons = _shown(_, context, on)
    await edit_message(query, text, keyboard(buttons))


async def off_pressed(update: Update, context: BotContext) -> None:
    """ "Switch the digest off" under a digest: off, and the button goes (the digest stays)."""
    query = update.callback_query
    user = update.effective_user
    assert query and user
    _ = await context.texts()
    if not (await guard.actor_of(update, context)).is_coordinator:
        await query.answer(_("The monthly digest is for coordinators."), show_alert=True)
        return
    await digest.switch(context.services, user.id, False)
    await query.answer(_("Switched off. /digest switches it on again."), show_alert=True)
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest as exc:  # an old message, or the button already gone
        log.info("digest button of user %s not removed: %s", user.id, exc)


async def plan_at_start(context: ContextTypes.DEFAULT_TYPE) -> None:
    digest.plan(services.of(context))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("digest", digest_command, filters=private))
    application.add_handler(CallbackQueryHandler(digest_pressed, pattern=r"^digest:[01]$"))
    application.add_handler(CallbackQueryHandler(off_pressed, pattern=rf"^{digest.OFF}$"))
    assert application.job_queue is not None
    # Rebuilt at start: the month's digest job (a month missed while down goes out now).
    application.job_queue.run_once(plan_at_start, when=0, name="digest-at-start")

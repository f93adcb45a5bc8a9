"""/stats: a network's health in pictures, with the key numbers in each caption.

For the network's police chief and municipality contact, and for coordinators. `/stats Noord`
sends the pictures at once; `/stats` alone asks which network (when there is more than one).
Who came, member by member, is for the network's own hosts only: a coordinator sees the
network's numbers, not which neighbour stayed away (`domain.health.of_network`).

The pictures are sent straight from here, like /export's files: they answer the person who
asked, now, and are worth nothing after an outage. Each is drawn in a worker thread
(`asyncio.to_thread`) so the bot keeps answering others meanwhile, with "sending a photo…" at
the top of the chat as progress.

Callback data: `stats:<network_id>`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.constants import ChatAction
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.replies import edit_message, send_text
from domain import health, health_texts
from domain.access import Action, Actor
from handlers import guard
from handlers.common import more_choices, network_rows, networks_to_act_on
from handlers.networks import network_button
from storage.networks import Network

log = logging.getLogger(__name__)


async def stats_command(update: Update, context: BotContext) -> None:
    """The pictures of the network named, or the choice of a network."""
    message = update.effective_message
    assert message
    _ = await context.texts()
    choices = await networks_to_act_on(
        update, context, " ".join(context.args or []), Action.view_stats
    )
    if len(choices) == 1:
        await send_stats(update, context, choices[0], await guard.actor_of(update, context))
    elif choices:
        await message.reply_text(
            _("Which network's numbers do you want to see?") + more_choices(_, choices, "/stats"),
            reply_markup=InlineKeyboardMarkup(network_rows(choices, lambda n: f"stats:{n.id}")),
        )


async def stats_pressed(update: Update, context: BotContext) -> None:
    """A network chosen under /stats: its pictures."""
    query = update.callback_query
    assert query and query.data
    found = await network_button(update, context, int(query.data.split(":")[1]), Action.view_stats)
    if found is None:
        return
    network, actor = found
    await query.answer()
    _ = await context.texts()
    await edit_message(query, _("The numbers of {network}:", network=network.name))
    await send_stats(update, context, network, actor)


async def send_stats(update: Update, context: BotContext, network: Network, actor: Actor) -> None:
    """Each picture with its caption, then a line for each subject without numbers yet."""
    chat = update.effective_chat
    assert chat
    _ = await context.texts()
    svc = context.services
    numbers = await health.of_network(svc, network.id, with_members=actor.is_host_of(network.id))
    shown = health_texts.report(_, network.name, numbers, svc.settings.bot.tz)
    for picture in shown.pictures:
        try:
            await context.bot.send_chat_action(chat.id, ChatAction.UPLOAD_PHOTO)
        except TelegramError as exc:  # only the progress sign: the photo itself will tell
            log.debug("no 'upload photo' sign for user %s: %s", actor.user_id, exc)
        try:
            png = await asyncio.to_thread(picture.draw)
        except Exception:
            # A chart that cannot be drawn (a bug in the numbers or in matplotlib) must not
            # cost the person the numbers themselves: they get the caption as text.
            log.exception("/stats of network %s: the %s picture failed", network.id, picture.name)
            await send_text(context.bot, chat.id, picture.caption)
            continue
        try:
            await context.bot.send_photo(
                chat.id, InputFile(png, filename=f"{picture.name}.png"), caption=picture.caption
            )
        except Forbidden:
            log.info(
                "user %s blocked the bot during /stats of network %s", actor.user_id, network.id
            )
            return
        except TelegramError as exc:
            log.warning(
                "/stats of network %s to user %s: the %s picture not sent: %s",
                network.id,
                actor.user_id,
                picture.name,
                exc,
            )
            await context.bot.send_message(
                chat.id,
                _(
                    "I could not send the pictures just now. "
                    "Please try /stats again in a few minutes."
                ),
            )
            return
    if shown.without:
        await send_text(context.bot, chat.id, shown.without)
    log.info(
        "/stats of network %s to user %s: %d pictures",
        network.id,
        actor.user_id,
        len(shown.pictures),
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("stats", stats_command, filters=private))
    application.add_handler(CallbackQueryHandler(stats_pressed, pattern=r"^stats:\d{1,20}$"))

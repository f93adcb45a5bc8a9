"""/export: a network's files — its members and attendance, for an access request, or its
numbers (meetings, agreed actions, alerts), for its hosts and coordinators to work with.

For the network's police chief and municipality contact, and for coordinators: the same people
who see the roster. `/export Noord` asks which of the two; `/export` alone asks which network
first (when there is more than one). Every export that left the bot is recorded in the audit.

Callback data: `export:k:<network_id>` (the network chosen: which files?),
`export:<network_id>` (members and attendance), `export:n:<network_id>` (the numbers).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardMarkup, InputFile, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.render import keyboard
from bot.replies import edit_message, send_text
from domain import audit, export
from domain.access import Action
from domain.ports import Button
from handlers.common import more_choices, network_rows, networks_to_act_on
from handlers.networks import network_button
from storage.networks import Network

log = logging.getLogger(__name__)


async def export_command(update: Update, context: BotContext) -> None:
    """The files of the network named, or the choice of a network."""
    message = update.effective_message
    assert message
    _ = await context.texts()
    refusal = _(
        "Only a network's police chief, its municipality contact or a coordinator can export "
        "its members and attendance. /help shows what you can do."
    )
    choices = await networks_to_act_on(
        update, context, " ".join(context.args or []), Action.view_roster, refusal
    )
    if len(choices) == 1:
        text, markup = _kinds(_, choices[0])
        await message.reply_text(text, reply_markup=markup)
    elif choices:
        await message.reply_text(
            _("Which network's files do you want?") + more_choices(_, choices, "/export"),
            reply_markup=InlineKeyboardMarkup(network_rows(choices, lambda n: f"export:k:{n.id}")),
        )


def _kinds(_: Translator, network: Network) -> tuple[str, InlineKeyboardMarkup | None]:
    """The choice between the two exports of a network."""
    text = _(
        "Which files of {network}? <b>Members and attendance</b> is what we keep about the "
        "members, for an access request. <b>Numbers</b> are its meetings, agreed actions and "
        "how alerts were taken, without names of who reacted.",
        network=network.name,
    )
    return text, keyboard(
        [
            [Button(str(_("Members and attendance")), f"export:{network.id}")],
            [Button(str(_("Numbers: meetings, actions, alerts")), f"export:n:{network.id}")],
        ]
    )


async def _pressed(update: Update, context: BotContext) -> Network | None:
    """The network whose id ends the pressed button's data, when the presser may export it
    (else they were told why); the button is answered."""
    query = update.callback_query
    assert query and query.data
    network_id = int(query.data.rsplit(":", 1)[1])
    found = await network_button(update, context, network_id, Action.view_roster)
    if found is None:
        return None
    await query.answer()
    return found[0]


async def kinds_pressed(update: Update, context: BotContext) -> None:
    """A network chosen under /export: which of its files."""
    network = await _pressed(update, context)
    if network is not None:
        assert update.callback_query
        text, markup = _kinds(await context.texts(), network)
        await edit_message(update.callback_query, text, markup)


async def numbers_pressed(update: Update, context: BotContext) -> None:
    """The numbers of a network, as files."""
    network = await _pressed(update, context)
    if network is not None:
        assert update.callback_query
        _ = await context.texts()
        await edit_message(
            update.callback_query, _("The numbers of {network}:", network=network.name)
        )
        await send_numbers(update, context, network)


async def export_pressed(update: Update, context: BotContext) -> None:
    """A network chosen under /export: its files."""
    network = await _pressed(update, context)
    if network is not None:
        assert update.callback_query
        _ = await context.texts()
        text = _("Members and attendance of {network}:", network=network.name)
        await edit_message(update.callback_query, text)
        await send_export(update, context, network)


async def send_numbers(update: Update, context: BotContext, network: Network) -> None:
    """The three files of the numbers; recorded in the audit once the first arrived."""
    chat = update.effective_chat
    assert chat
    _ = await context.texts()
    svc = context.services
    numbers = await export.gather_numbers(svc, network.id)
    if numbers is None or numbers.empty:
        await send_text(
            context.bot,
            chat.id,
            _(
                "{network} has no meetings with confirmed attendance, agreed actions or alerts "
                "yet, so there are no numbers to export.",
                network=network.name,
            ),
        )
        return
    await send_text(
        context.bot,
        chat.id,
        _(
            "The numbers of {network} as files that open in Excel. This export is recorded in "
            "the audit.",
            network=network.name,
        ),
    )
    files = export.number_files(_, numbers, svc.clock.now(), svc.settings.bot.tz)
    await _send_files(update, context, network, files, audit.Act.EXPORTED_NUMBERS)


async def send_export(update: Update, context: BotContext, network: Network) -> None:
    """The three files, one after the other; recorded in the audit once the first arrived."""
    chat, user = update.effective_chat, update.effective_user
    assert chat and user
    _ = await context.texts()
    svc = context.services
    gathered = await export.gather(svc, network.id)
    if gathered is None or gathered.empty:
        await send_text(
            context.bot,
            chat.id,
            _(
                "Nobody has joined or applied to {network} yet, so there is nothing to export.",
                network=network.name,
            ),
        )
        return
    now = svc.clock.now()
    await send_text(
        context.bot,
        chat.id,
        _(
            "Here is what we keep about the members of {network}, for an access request. The "
            "files hold personal data: keep them safe and delete them once the request is "
            "answered. This export is recorded in the audit.",
            network=network.name,
        ),
    )
    files = export.files(_, gathered, now, svc.settings.bot.tz)
    await _send_files(update, context, network, files, audit.Act.EXPORTED)


async def _send_files(
    update: Update,
    context: BotContext,
    network: Network,
    files: list[export.File],
    act: audit.Act,
) -> None:
    """Files one after the other; the audit records the export (`act`: which files) once the
    first arrived."""
    chat, user = update.effective_chat, update.effective_user
    assert chat and user
    _ = await context.texts()
    svc = context.services
    sent = 0
    failed: str | None = None
    for file in files:
        try:
            await context.bot.send_document(
                chat.id, InputFile(file.content, filename=file.name), caption=file.caption
            )
        except Forbidden:
            log.info("user %s blocked the bot during the export of network %s", user.id, network.id)
            break
        except TelegramError as exc:
            log.warning(
                "export of network %s to user %s: %s not sent: %s",
                network.id,
                user.id,
                file.name,
                exc,
            )
            failed = file.name
            break
        sent += 1
        if sent == 1:  # personal data has left the bot: that is what the audit records
            await audit.record(svc, user.id, act, network.id, audit.network(network.id))
    log.info("network %s exported to user %s: %d files", network.id, user.id, sent)
    if failed is not None:
        await context.bot.send_message(
            chat.id,
            _(
                "I could not send {file} just now. Please try /export again in a few minutes.",
                file=failed,
            ),
        )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("export", export_command, filters=private))
    application.add_handler(CallbackQueryHandler(export_pressed, pattern=r"^export:\d{1,20}$"))
    application.add_handler(CallbackQueryHandler(kinds_pressed, pattern=r"^export:k:\d{1,20}$"))
    application.add_handler(CallbackQueryHandler(numbers_pressed, pattern=r"^export:n:\d{1,20}$"))

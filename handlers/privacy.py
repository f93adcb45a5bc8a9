"""/privacy, /mydata and /forget: people see what we keep about them and can delete it.

/forget first takes the person out of every network and its group chats (the same steps as
removing a member, `domain.removal`), then deletes their data in one transaction.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import services
from bot.context import BotContext
from bot.replies import edit_message, reply_text
from domain import audit, menus, my_data, removal
from storage import memberships, networks, privacy

log = logging.getLogger(__name__)


async def show_privacy(update: Update, context: BotContext) -> None:
    """The privacy notice: what is stored, why, who sees it and for how long."""
    assert update.effective_message
    _ = await context.texts()
    await update.effective_message.reply_text(
        _(
            "<b>Privacy</b>\n\n"
            "<b>What we store:</b> your Telegram user id, your language choice and when you "
            "last used the bot. If you join a network, also what you tell us in the intake: "
            "your name, your organisation, the people you reach, your phone number if you give "
            "it and whether the police chief and municipality may call it, and your diet for "
            "the meals. /profile changes these. "
            "With that: your role, your status (awaiting approval, approved, rejected, removed), "
            "when you agreed to this notice, when the hosts decided, when you joined the group "
            "chat and when you were last active.\n"
            "<b>What we never store:</b> the messages in your group chat.\n"
            "<b>Who sees what:</b> the hosts of your network (its police chief and municipality "
            "contact) and the coordinators see your intake, to decide on it and to keep the "
            "network going; they see your phone number only if you chose to share it, on the "
            "call list after an incident. Other members see your name, organisation and the "
            "communities you reach – never your phone number.\n"
            "<b>Why:</b> to run your network, nothing else. Nothing is sold or shared outside "
            "it.\n"
            "<b>How long:</b> until you delete it. If you leave a network or are removed, the "
            "record of your membership stays so the hosts know who was in it, until you use "
            "/forget. /mydata shows everything we keep; /forget takes you out of your networks "
            "and deletes it all at once.\n\n"
            "Questions? Ask your coordinator."
        )
    )


async def show_my_data(update: Update, context: BotContext) -> None:
    """A short summary of what we keep about the person, and all of it as a JSON file."""
    message = update.effective_message
    assert message and update.effective_user
    _ = await context.texts()
    svc = context.services
    user_id = update.effective_user.id
    if not await privacy.has_data(svc.database, user_id):
        await message.reply_text(
            _("We store nothing about you: not even your language. /privacy says why.")
        )
        return
    record = await privacy.export_person(svc.database, user_id)
    configured = user_id in svc.settings.access.coordinators
    now = svc.clock.now()
    tz = svc.settings.bot.tz
    text = my_data.summary(_, record, tz, now=now, configured_coordinator=configured)
    await reply_text(message, text)
    document = json.dumps(my_data.readable(_, record, now), indent=2, ensure_ascii=False)
    try:
        await message.reply_document(
            InputFile(document.encode(), filename=my_data.file_name(now)),
            caption=_(
                "Everything we keep about you, as a file (JSON). It holds your personal "
                "details: keep it somewhere safe."
            ),
        )
    except Forbidden:
        log.info("user %s blocked the bot before their /mydata file was sent", user_id)
    except TelegramError as exc:
        log.warning("could not send the /mydata file to user %s: %s", user_id, exc)
        await message.reply_text(
            _(
                "I could not send the file just now. The summary above is complete as far as "
                "it goes; for the file, please try /mydata again in a few minutes."
            )
        )


def forget_keyboard(_: Any) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Yes, delete my data"), callback_data="forget:yes")],
            [InlineKeyboardButton(_("No, keep it"), callback_data="forget:no")],
        ]
    )


async def ask_forget(update: Update, context: BotContext) -> None:
    """Asks for confirmation before deleting anything."""
    assert update.effective_message and update.effective_user
    _ = await context.texts()
    if not await privacy.has_data(context.services.database, update.effective_user.id):
        await update.effective_message.reply_text(
            _("We store nothing about you, so there is nothing to delete.")
        )
        return
    svc = context.services
    names = await network_names(svc, update.effective_user.id)
    if names:
        question = _(
            "Delete everything we store about you? This also takes you out of your networks "
            "({networks}) and their group chats, and their hosts are told you left. This cannot "
            "be undone. You can always start again with /start.",
            networks=", ".join(names),
        )
    else:
        question = _(
            "Delete everything we store about you? This cannot be undone. "
            "You can always start again with /start."
        )
    await update.effective_message.reply_text(question, reply_markup=forget_keyboard(_))


async def network_names(svc: services.Services, user_id: int) -> list[str]:
    """The networks a person is still part of (in any status but removed)."""
    known = {network.id: network.name for network in await networks.all(svc.database)}
    return [
        known[m.network_id]
        for m in await memberships.for_user(svc.database, user_id)
        if m.status != "removed" and m.network_id in known
    ]


async def confirm_forget(update: Update, context: BotContext) -> None:
    """The confirmation buttons: delete everything in one go, or keep it."""
    query = update.callback_query
    assert query and query.data
    _ = await context.texts()
    await query.answer()
    if query.data == "forget:no":
        await edit_message(query, _("Nothing was deleted."))
        return
    svc = context.services
    user = query.from_user
    departures = await removal.leave_every_network(svc, user.id, user.full_name)
    removed = await privacy.forget_person(svc.database, user.id)
    await menus.refresh(svc, user.id)  # an appointed coordinator's appointment went too
    log.info("forgot user %s (%d rows, %d networks)", user.id, removed, len(departures))
    if not removed:
        await edit_message(query, _("There was nothing left to delete."))
        return
    await audit.record(svc, None, audit.Act.FORGOT, [d.network_id for d in departures])
    lines = [_("Done: everything we stored about you is deleted.")]
    if departures:
        lines.append(
            _(
                "You are no longer in {networks}. Thank you for everything you did for the "
                "neighbourhood.",
                networks=", ".join(d.network_name for d in departures),
            )
        )
    still_in = [title for d in departures for title in removal.groups_left_to_leave(d.failures)]
    if still_in:
        groups = list(dict.fromkeys(still_in))
        lines.append(
            _.ngettext(
                "I could not take you out of {groups}: please leave it yourself.",
                "I could not take you out of {groups}: please leave them yourself.",
                len(groups),
                groups=", ".join(groups),
            )
        )
    await edit_message(query, "\n".join(lines))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("privacy", show_privacy, filters=private))
    application.add_handler(CommandHandler("mydata", show_my_data, filters=private))
    application.add_handler(CommandHandler("forget", ask_forget, filters=private))
    application.add_handler(CallbackQueryHandler(confirm_forget, pattern=r"^forget:(yes|no)$"))

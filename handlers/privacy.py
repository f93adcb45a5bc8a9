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
from bot.i18n import Translator
from bot.replies import edit_message, reply_text
from bot.settings import Settings
from domain import (
    consent,
    forget,
    my_data,
    pulse_texts,
    removal,
    retention,
    rumour_texts,
    talents,
    whatsapp_link,
)
from storage import memberships, networks, privacy

log = logging.getLogger(__name__)


PRIVACY_MORE = "privacy:more"


def short_privacy(_: Translator, settings: Settings) -> str:
    """/privacy at a glance: what, who sees it, how long, and the person's rights."""
    return _(
        "<b>Privacy</b>\n"
        "We keep your language and, if you join a network, your answers (name, organisation, "
        "reach, phone, diet) and how you answer alerts and meetings.\n"
        "<b>Who sees it:</b> the police chief, the municipality and the coordinators; your "
        "phone number only if you allow it. Other members see your name, organisation and "
        "reach.\n"
        "{how_long}\n"
        "/mydata shows it all, /profile changes it, /forget deletes it.",
        how_long=how_long(_, settings),
    )


def how_long(_: Translator, settings: Settings) -> str:
    """How long we keep it, in one line of the short notice: the windows in force."""
    kept = retention.windows(settings)

    def days(n: int) -> str:
        return _.ngettext("{n} day", "{n} days", n, n=n)

    return _(
        "<b>How long:</b> messages {messages}, answers to alerts {replies}, your details "
        "{memberships} after you leave.",
        messages=days(kept.message_days),
        replies=days(kept.reply_days),
        memberships=days(kept.ended_membership_days),
    )


def full_privacy(_: Translator, settings: Settings) -> str:
    """/privacy in full, behind the More button: everything the bot stores, and why; and the
    notice's version and date (`domain.consent`)."""
    notice = _(
        "<b>Privacy in full</b>\n\n"
        "<b>What we store:</b> your Telegram user id, your language and when you last used "
        "the bot. If you apply to a network, also your answers: your name, your organisation, "
        "the communities you reach, your phone number if you give it and whether the police "
        "chief and the municipality may call it, and your diet for the meals. With that: your "
        "role, your status (applying, awaiting approval, approved, rejected, removed), when "
        "you agreed to this notice, when your application was decided, when you joined the "
        "group chat and when you were last active. And what you do in the network: how you "
        "answered alerts (seen, the mood, your words, a request to be called), your answers "
        "about meetings, the topics you proposed and the actions you took on.\n"
        "<b>What we never store:</b> the messages in your group chat.\n"
        "<b>Who sees what:</b> the police chief and the municipality of your network and the "
        "coordinators see your application, to decide on it and to keep the network going. "
        "They see your phone number only if you chose to share it, on the call list after an "
        "incident. Your answers to alerts and who comes to a meeting go to them too, never to "
        "the group. Other members see your name, organisation and the communities you reach "
        "– never your phone number.\n"
        "<b>Why:</b> to run your network, nothing else. Nothing is sold or shared outside "
        "it.\n"
        "{how_long}\n"
        "<b>Your rights:</b> /mydata shows everything we keep, /profile changes your "
        "details, /forget takes you out of your networks and deletes it all at once.\n\n"
        "Questions? Ask your coordinator.",
        how_long=how_long_in_full(_, settings),
    )
    if whatsapp_link.offered(settings):
        return f"{notice}\n\n{whatsapp_link.privacy_text(_, settings)}\n{consent.version_text(_)}"
    return f"{notice}\n{consent.version_text(_)}"


def how_long_in_full(_: Translator, settings: Settings) -> str:
    """How long we keep what, in the full notice: the windows in force ([retention])."""
    kept = retention.windows_text(_, settings)
    return (
        f"{kept} {pulse_texts.window_text(_, settings.retention.pulse_days)} "
        f"{talents.privacy_text(_)} {rumour_texts.privacy_text(_)}"
    )


async def show_privacy(update: Update, context: BotContext) -> None:
    """The privacy notice in a few lines, with More for all of it."""
    assert update.effective_message
    _ = await context.texts()
    more = InlineKeyboardMarkup([[InlineKeyboardButton(_("More"), callback_data=PRIVACY_MORE)]])
    await update.effective_message.reply_text(
        short_privacy(_, context.services.settings), reply_markup=more
    )


async def show_full_privacy(update: Update, context: BotContext) -> None:
    """More under /privacy: the whole notice, in the same message."""
    query = update.callback_query
    assert query
    _ = await context.texts()
    await query.answer()
    await edit_message(query, full_privacy(_, context.services.settings))


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
            "({networks}) and their group chats, and their police chief and municipality are "
            "told you left. This cannot be undone. You can always start again with /start.",
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
    forgotten = await forget.forget(svc, user.id, user.full_name)
    departures = forgotten.departures
    if not forgotten.rows:
        await edit_message(query, _("There was nothing left to delete."))
        return
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
    application.add_handler(CallbackQueryHandler(show_full_privacy, pattern=f"^{PRIVACY_MORE}$"))
    application.add_handler(CommandHandler("mydata", show_my_data, filters=private))
    application.add_handler(CommandHandler("forget", ask_forget, filters=private))
    application.add_handler(CallbackQueryHandler(confirm_forget, pattern=r"^forget:(yes|no)$"))

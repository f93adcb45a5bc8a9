"""The permission guard every handler uses: who is this, and may they do this here?

The rules themselves are the table in `domain.access`; this module applies them to an update and
gives a refused person a short, polite answer (a message, or an alert on a button) and the log
a line, so no handler writes its own permission ifs.

The consent guard runs before every feature (handler group -1): a member who agreed to an older
privacy notice (`domain.consent`) gets, for any private command or button, the short notice of
what changed with Agree / Read more / I'd rather stop, and nothing else until they agree.
Left through always: alerts and the answers to them (safety first), and what a person needs to
decide — /privacy, /mydata, /forget, /leave, /language, /cancel, /start, /help.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackQueryHandler,
    ContextTypes,
    TypeHandler,
)

from bot import services
from bot.context import BotContext, texts_of
from bot.i18n import Translator
from bot.replies import edit_message, reply_text
from domain import consent
from domain.access import RULES, Action, Actor, allowed, load_actor, networks_where
from handlers import privacy
from storage.networks import Network

log = logging.getLogger(__name__)


async def actor_of(update: Update, context: ContextTypes.DEFAULT_TYPE) -> Actor:
    """The person behind the update, with their coordinator status and approved roles."""
    assert update.effective_user
    svc = services.of(context)
    return await load_actor(
        svc.database, update.effective_user.id, svc.settings.access.coordinators
    )


async def networks_for(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action
) -> list[Network]:
    """The networks in which the person behind the update may do `action`."""
    actor = await actor_of(update, context)
    return await networks_where(services.of(context).database, actor, action)


async def permit(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    action: Action,
    network_id: int | None = None,
) -> Actor | None:
    """The actor if they may do `action`; otherwise they are told so and None comes back."""
    actor = await actor_of(update, context)
    if allowed(actor, action, network_id):
        return actor
    log.info("refused %s (network %s) to user %s", action, network_id, actor.user_id)
    _ = await texts_of(update, context)
    await refuse(update, context, refusal_text(_, action))
    return None


async def refuse(
    update: Update, context: ContextTypes.DEFAULT_TYPE, text: str | None = None
) -> None:
    """A short polite no, as a message or as an alert on the pressed button."""
    _ = await texts_of(update, context)
    text = text or refusal_text(_)
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    elif update.effective_message:
        await update.effective_message.reply_text(text)


def refusal_text(_: Translator, action: Action | None = None) -> str:
    """Who may do it instead, so the person knows whom to ask."""
    if action is not None and not RULES[action]:
        return _("Sorry, only a coordinator can do that. /help shows what you can do.")
    return _(
        "Sorry, only the network's police chief, its municipality contact or a coordinator "
        "can do that. /help shows what you can do."
    )


# --- consent to a changed privacy notice --------------------------------------------------------

CONSENT_GROUP = -1  # after `once` (-3) and tracking (-2), before every feature (0)
CONSENT_PATTERN = r"^consent:(yes|more|stop)$"
# What a member who has not agreed again may still use: alerts (a police chief sends one in an
# emergency, not after a privacy question), and what it takes to read, decide and leave.
FREE_COMMANDS = frozenset(
    {"alert", "update", "close"}
    | {"privacy", "mydata", "forget", "leave", "language", "cancel", "start", "help"}
)
# Buttons left through: alerts, their follow-ups and the answers to them (`inc:`), and those of
# the free commands.
FREE_BUTTONS = ("inc:", "consent:", "privacy:", "forget:", "leave:", "lang:")


def _asks_something(update: Update) -> bool:
    """A private command or button that is not left through while the notice waits."""
    chat = update.effective_chat
    if chat is None or chat.type != "private" or update.effective_user is None:
        return False
    query = update.callback_query
    if query is not None:
        return not (query.data or "").startswith(FREE_BUTTONS)
    message = update.message
    if message is None or not message.text or not message.text.startswith("/"):
        return False  # typed words go to an open conversation (an alert's reply among them)
    words = message.text[1:].split(maxsplit=1)
    command = words[0].split("@", 1)[0].lower() if words else ""
    return command not in FREE_COMMANDS


def consent_keyboard(_: Translator, *, more: bool = True) -> InlineKeyboardMarkup:
    rows = [[InlineKeyboardButton(_("Agree"), callback_data="consent:yes")]]
    if more:
        rows.append([InlineKeyboardButton(_("Read more"), callback_data="consent:more")])
    rows.append([InlineKeyboardButton(_("I'd rather stop"), callback_data="consent:stop")])
    return InlineKeyboardMarkup(rows)


async def ask_consent(update: Update, context: BotContext) -> None:
    """Before any use: a member who agreed to an older notice is asked to agree to this one."""
    if not _asks_something(update):
        return
    assert update.effective_user
    svc = context.services
    user_id = update.effective_user.id
    if not await consent.to_ask(svc, user_id, await context.person()):
        return
    log.info("user %s is asked to agree to privacy notice %s", user_id, consent.VERSION)
    _ = await context.texts()
    text = consent.question_text(_)
    if update.callback_query:
        await update.callback_query.answer()
        if update.effective_message:
            await reply_text(update.effective_message, text, consent_keyboard(_))
    elif update.effective_message:
        await reply_text(update.effective_message, text, consent_keyboard(_))
    raise ApplicationHandlerStop


async def answer_consent(update: Update, context: BotContext) -> None:
    """Agree, Read more or I'd rather stop, under the changed notice."""
    query = update.callback_query
    assert query and query.data
    _ = await context.texts()
    svc = context.services
    await query.answer()
    choice = query.data.split(":", 1)[1]
    if choice == "more":
        text = privacy.full_privacy(_, svc.settings)
        await edit_message(query, text, consent_keyboard(_, more=False))
        return
    if not await consent.to_ask(svc, query.from_user.id, await context.person()):
        await edit_message(query, _("You already agreed to this privacy notice. Thank you!"))
        return
    if choice == "yes":
        await consent.agree(svc, query.from_user.id)
        log.info("user %s agreed to privacy notice %s", query.from_user.id, consent.VERSION)
        await edit_message(
            query,
            _(
                "Thank you! Your answer is noted. Carry on where you were: /help shows what "
                "you can do."
            ),
        )
        return
    await consent.decline(svc, query.from_user.id)
    log.info(
        "user %s would rather not agree to privacy notice %s", query.from_user.id, consent.VERSION
    )
    await edit_message(
        query,
        _(
            "That's fine. /leave takes you out of a network, /forget deletes everything we "
            "keep about you. Until you agree, you still receive alerts and can answer them; "
            "for anything else I'll ask again."
        ),
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, ask_consent), group=CONSENT_GROUP)
    application.add_handler(CallbackQueryHandler(answer_consent, pattern=CONSENT_PATTERN))

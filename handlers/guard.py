"""The permission guard every handler uses: who is this, and may they do this here?

The rules themselves are the table in `domain.access`; this module applies them to an update and
gives a refused person a short, polite answer (a message, or an alert on a button) and the log
a line, so no handler writes its own permission ifs.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.ext import ContextTypes

from bot import services
from bot.context import texts_of
from bot.i18n import Translator
from domain.access import RULES, Action, Actor, allowed, load_actor, networks_where
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

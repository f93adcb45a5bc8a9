"""Pieces several membership handlers share: finding a network by the name someone typed,
and keyboards built from lists (networks to choose from, pages of a long list)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from telegram import InlineKeyboardButton, Update
from telegram.ext import ContextTypes

from bot import render, services
from bot.context import texts_of
from bot.fit import cut_label
from bot.i18n import Translator
from domain import ports
from domain.access import Action, Actor, allowed, close_matches
from handlers import guard
from storage import memberships, networks
from storage.networks import Network

log = logging.getLogger(__name__)

# Network buttons in one "which network?" keyboard. Telegram takes at most 100 buttons in
# all; a coordinator with a thousand networks types the name instead.
MAX_CHOICES = 40


async def networks_to_act_on(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    name: str,
    action: Action,
    refusal: str | None = None,
) -> list[Network]:
    """The network typed after a command (if the person may do `action` there), or else every
    network where they may; empty when the person has been answered already (unknown name, no
    permission: `refusal`, or the guard's own words)."""
    if name:
        network = await network_named(update, context, name)
        if network is None or await guard.permit(update, context, action, network.id) is None:
            return []
        return [network]
    found = await guard.networks_for(update, context, action)
    if not found:
        _ = await texts_of(update, context)
        await guard.refuse(update, context, refusal or guard.refusal_text(_, action))
    return found


async def network_named(
    update: Update, context: ContextTypes.DEFAULT_TYPE, name: str
) -> Network | None:
    """The network called `name`; if there is none, the person hears so, with close matches."""
    assert update.effective_message
    db = services.of(context).database
    network = await networks.by_name(db, name.strip())
    if network is not None:
        return network
    _ = await texts_of(update, context)
    matches = close_matches(name, [n.name for n in await networks.all(db)])
    if matches:
        text = _(
            "I don't know a network called “{name}”. Did you mean: {matches}?",
            name=name,
            matches=", ".join(matches),
        )
    else:
        text = _("I don't know a network called “{name}”. /networks lists them.", name=name)
    await update.effective_message.reply_text(text)
    return None


def network_rows(
    choices: Sequence[Network], data: Callable[[Network], str]
) -> list[list[InlineKeyboardButton]]:
    """One button per network (the first `MAX_CHOICES`), labelled with its name cut short."""
    return [
        [InlineKeyboardButton(cut_label(n.name), callback_data=data(n))]
        for n in choices[:MAX_CHOICES]
    ]


def more_choices(_: Translator, choices: Sequence[Network], command: str) -> str:
    """A line under a "which network?" question whose keyboard could not show them all:
    how to name one of the others (`command` is e.g. "/members")."""
    hidden = len(choices) - MAX_CHOICES
    if hidden <= 0:
        return ""
    example = f"{command} {choices[MAX_CHOICES].name}"
    return "\n" + _(
        "…and {n} more: type the name, for example {example}", n=hidden, example=example
    )


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def page_row(data: str, page: int, pages: int) -> list[InlineKeyboardButton]:
    """`ports.page_turn` as Telegram buttons (`nets:page` → `nets:page:3`)."""
    return [render.button(b) for b in ports.page_turn(data, page, pages)]


async def permit_button(
    update: Update, context: ContextTypes.DEFAULT_TYPE, action: Action, network_id: int
) -> Actor | None:
    """`guard.permit` for a button; someone removed from the network hears it no longer works."""
    assert update.effective_user
    svc = services.of(context)
    membership = await memberships.get(svc.database, network_id, update.effective_user.id)
    if membership is not None and membership.status == "removed":
        actor = await guard.actor_of(update, context)
        if not allowed(actor, action, network_id):
            log.info("old button of removed member %s (network %s)", actor.user_id, network_id)
            _ = await texts_of(update, context)
            await guard.refuse(update, context, _("This button no longer works."))
            return None
        return actor
    return await guard.permit(update, context, action, network_id)


async def stale_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A button about a network, invite or member that is gone."""
    _ = await texts_of(update, context)
    await guard.refuse(update, context, _("This button no longer works."))

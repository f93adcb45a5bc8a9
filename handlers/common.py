"""Pieces several membership handlers share: finding a network by the name someone typed."""

from __future__ import annotations

from telegram import Update
from telegram.ext import ContextTypes

from bot import services
from bot.access import close_matches
from storage import networks
from storage.networks import Network


async def network_named(
    update: Update, context: ContextTypes.DEFAULT_TYPE, name: str
) -> Network | None:
    """The network called `name`; if there is none, the person hears so, with close matches."""
    assert update.effective_message
    db = services.of(context).database
    network = await networks.by_name(db, name.strip())
    if network is not None:
        return network
    _ = await services.texts_for(update, context)
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

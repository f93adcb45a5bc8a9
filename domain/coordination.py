"""What coordinators do beyond a single network: set networks up and appoint coordinators."""

from __future__ import annotations

import logging
from enum import StrEnum

from bot.i18n import Translator
from domain.context import Context
from domain.notify import tell
from domain.ports import Keyboard
from storage import coordinators, networks
from storage.networks import NameTaken, Network

log = logging.getLogger(__name__)


async def create_network(ctx: Context, name: str, area: str | None, by: int) -> Network | None:
    """A new network (permission is the caller's to check); None when the name is taken."""
    try:
        network = await networks.create(ctx.database, name, area, by, ctx.clock.now())
    except NameTaken:
        return None
    log.info("network %s (%s) created by %s", network.id, network.name, by)
    return network


class Appointed(StrEnum):
    """How appointing a coordinator went."""

    TOLD = "told"  # appointed, and the news is on its way to them
    NOT_TOLD = "not_told"  # appointed, but they blocked the bot: someone must tell them
    ALREADY = "already"  # they were a coordinator already (in the settings or appointed)


async def appoint(ctx: Context, user_id: int, *, by: int, by_name: str) -> Appointed:
    """Make `user_id` a coordinator and tell them privately."""
    if ctx.is_configured_coordinator(user_id) or not await coordinators.appoint(
        ctx.database, user_id, by, ctx.clock.now()
    ):
        return Appointed.ALREADY
    log.info("user %s appointed coordinator by %s", user_id, by)

    def compose(_: Translator) -> tuple[str, Keyboard]:
        return (
            _(
                "{name} appointed you as a <b>coordinator</b> of Bondgenoten: you can now set up "
                "networks, invite their hosts and vet members. /networks shows them all.",
                name=by_name,
            ),
            (),
        )

    return Appointed.TOLD if await tell(ctx, [user_id], compose) else Appointed.NOT_TOLD

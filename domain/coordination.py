"""What coordinators do beyond a single network: set networks up, appoint coordinators and
withdraw them (each change recorded: who, whom, when)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from bot.i18n import Translator
from domain import audit, menus
from domain.context import Context
from domain.notify import tell
from domain.ports import Keyboard
from storage import coordinators, memberships, networks
from storage.coordinators import Coordinator, Withdrawal
from storage.networks import NameTaken, Network

log = logging.getLogger(__name__)


async def create_network(ctx: Context, name: str, area: str | None, by: int) -> Network | None:
    """A new network (permission is the caller's to check); None when the name is taken."""
    try:
        network = await networks.create(ctx.database, name, area, by, ctx.clock.now())
    except NameTaken:
        return None
    log.info("network %s (%s) created by %s", network.id, network.name, by)
    await audit.record(ctx, by, audit.Act.CREATED, network.id, audit.network(network.id))
    return network


class Standing(StrEnum):
    """Where a person stands before someone appoints them."""

    YOURSELF = "yourself"  # the person appointing: a coordinator already
    CONFIGURED = "configured"  # a coordinator through [access] coordinators
    APPOINTED = "appointed"  # appointed through the bot earlier
    NONE = "none"  # not a coordinator: they can be appointed


async def standing(ctx: Context, user_id: int, asker: int) -> tuple[Standing, Coordinator | None]:
    """Whether `user_id` can be appointed by `asker`, and their appointment if they have one."""
    if user_id == asker:
        return Standing.YOURSELF, await coordinators.get(ctx.database, user_id)
    if ctx.is_configured_coordinator(user_id):
        return Standing.CONFIGURED, None
    appointment = await coordinators.get(ctx.database, user_id)
    if appointment is not None:
        return Standing.APPOINTED, appointment
    return Standing.NONE, None


class Appointed(StrEnum):
    """How appointing a coordinator went."""

    TOLD = "told"  # appointed, and the news is on its way to them
    NOT_TOLD = "not_told"  # appointed, but they blocked the bot: someone must tell them
    ALREADY = "already"  # they were a coordinator already (in the settings or appointed)


NEWS = "coordinator_appointed"  # the kind of the notice to the new coordinator
WITHDRAWN_NEWS = "coordinator_withdrawn"


async def appoint(
    ctx: Context, user_id: int, *, by: int, by_name: str, name: str | None = None
) -> Appointed:
    """Make `user_id` a coordinator (recorded with who did it and when) and tell them
    privately. `name`: what Telegram's picker called them, for the list of coordinators.

    Someone who never opened a chat with the bot is appointed all the same: the picker vouches
    for the account, and they are a coordinator the moment they press Start. The news to them
    then fails, and `not_reached` tells the appointer how to reach them.
    """
    if ctx.is_configured_coordinator(user_id) or not await coordinators.appoint(
        ctx.database, user_id, by, ctx.clock.now(), name
    ):
        return Appointed.ALREADY
    log.info("user %s appointed coordinator by %s", user_id, by)
    await audit.record(ctx, by, audit.Act.APPOINTED, None, audit.person(user_id))
    await menus.refresh(ctx, user_id)

    def compose(_: Translator) -> tuple[str, Keyboard]:
        return (
            _(
                "{name} made you a <b>coordinator</b> of Bondgenoten: you can now set up "
                "networks, invite their police chief and municipality, and vet members. "
                "/networks shows them all.",
                name=by_name,
            ),
            (),
        )

    told = await tell(ctx, [user_id], compose, kind=NEWS)
    return Appointed.TOLD if told else Appointed.NOT_TOLD


async def not_reached(ctx: Context, user_id: int, link: str) -> bool:
    """The news of `user_id`'s appointment could not be delivered (they never opened a chat
    with the bot, or blocked it): the appointer hears how to reach them. False when there is
    nobody to tell (the appointment is gone, or its appointer used /forget)."""
    appointment = await coordinators.get(ctx.database, user_id)
    if appointment is None or appointment.appointed_by is None:
        return False
    log.info("the news of %s's appointment did not reach them", user_id)

    def compose(_: Translator) -> tuple[str, Keyboard]:
        return (
            _(
                "My message to {name} did not arrive: they have not started a chat with me "
                "yet. Send them this link and ask them to tap <b>Start</b>:\n{link}\n"
                "They are a coordinator already; after Start they see it.",
                name=appointment.name or _("the new coordinator"),
                link=link,
            ),
            (),
        )

    return bool(await tell(ctx, [appointment.appointed_by], compose, kind="coordinator_unreached"))


class Withdrawn(StrEnum):
    """How withdrawing a coordinator went."""

    DONE = "done"  # withdrawn; they are told
    CONFIGURED = "configured"  # in the configuration file: only its keeper can change that
    LAST = "last"  # the last coordinator: nobody could appoint another
    NOT_APPOINTED = "not_appointed"  # not (or no longer) a coordinator


async def withdraw(ctx: Context, user_id: int, *, by: int, by_name: str) -> Withdrawn:
    """End `user_id`'s appointment (recorded with who did it and when) and tell them; a
    coordinator from the configuration and the last coordinator stay."""
    if ctx.is_configured_coordinator(user_id):
        return Withdrawn.CONFIGURED
    outcome = await coordinators.withdraw(
        ctx.database, user_id, by, ctx.clock.now(), ctx.settings.access.coordinators
    )
    if outcome is Withdrawal.LAST:
        return Withdrawn.LAST
    if outcome is Withdrawal.NOT_APPOINTED:
        return Withdrawn.NOT_APPOINTED
    log.info("user %s withdrawn as coordinator by %s", user_id, by)
    await audit.record(ctx, by, audit.Act.WITHDRAWN, None, audit.person(user_id))
    await menus.refresh(ctx, user_id)

    def compose(_: Translator) -> tuple[str, Keyboard]:
        return (
            _(
                "{name} ended your role as coordinator of Bondgenoten. Your place in "
                "networks stays as it is.",
                name=by_name,
            ),
            (),
        )

    if user_id != by:
        await tell(ctx, [user_id], compose, kind=WITHDRAWN_NEWS)
    return Withdrawn.DONE


@dataclass(frozen=True)
class Listed:
    """A coordinator in the list: from the configuration, or appointed by someone."""

    user_id: int
    name: str | None
    configured: bool
    appointed_by: int | None = None
    appointed_at: str | None = None


async def everyone(ctx: Context) -> list[Listed]:
    """Every coordinator: those of the configuration file first, then the appointed ones in
    the order they were appointed. Names as the picker gave them, or a membership's."""
    configured = list(dict.fromkeys(ctx.settings.access.coordinators))
    listed = [
        Listed(user_id, await known_name(ctx, user_id), configured=True) for user_id in configured
    ]
    for appointment in await coordinators.all(ctx.database):
        if appointment.user_id in configured:
            continue
        listed.append(
            Listed(
                appointment.user_id,
                appointment.name or await known_name(ctx, appointment.user_id),
                configured=False,
                appointed_by=appointment.appointed_by,
                appointed_at=appointment.appointed_at,
            )
        )
    return listed


async def known_name(ctx: Context, user_id: int) -> str | None:
    """The name we know someone by: the picker's (appointed), else a network's."""
    appointment = await coordinators.get(ctx.database, user_id)
    if appointment is not None and appointment.name:
        return appointment.name
    for membership in await memberships.for_user(ctx.database, user_id):
        if membership.display_name:
            return membership.display_name
    return None

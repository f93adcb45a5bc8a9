"""Deciding an application, and what follows from the decision.

The decision is made exactly once (`memberships.decide`): whoever decides second hears who
decided what and when. An approved member hears the news and gets their personal join links
to the network's group chats; a rejected applicant gets a kind word; the other hosts and the
coordinators learn who decided, so nobody decides twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.i18n import Translator
from domain import group_links, notify
from domain.context import Context
from domain.ports import Keyboard
from storage import group_chats, memberships, networks
from storage.memberships import Membership, Outcome
from storage.networks import Network

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Decision:
    """How deciding went (`Outcome.DECIDED` only for the one who decided); `network` None when
    the network is gone, `membership` None when the application is."""

    outcome: Outcome
    network: Network | None
    membership: Membership | None


async def decide(ctx: Context, network_id: int, user_id: int, verdict: str, by: int) -> Decision:
    """Record `verdict` ("approved" or "rejected") on the application, unless decided already.
    The consequences follow with `announce`, once the decider has seen the outcome."""
    network = await networks.get(ctx.database, network_id)
    if network is None:
        log.warning("decision for unknown network %s from user %s", network_id, by)
        return Decision(Outcome.UNKNOWN, None, None)
    decided = await memberships.decide(
        ctx.database, network_id, user_id, verdict, by, ctx.clock.now()
    )
    membership = decided.membership
    if decided.outcome is Outcome.UNKNOWN or membership is None:
        log.info("decision on unknown application %s/%s", network_id, user_id)
        return Decision(Outcome.UNKNOWN, network, None)
    if decided.outcome is Outcome.NOT_SUBMITTED:
        log.info("decision on application %s/%s in %s", network_id, user_id, membership.status)
    elif decided.outcome is not Outcome.ALREADY_DECIDED:
        log.info("user %s %s user %s in network %s", by, verdict, user_id, network_id)
    return Decision(decided.outcome, network, membership)


async def announce(
    ctx: Context, network: Network, membership: Membership, *, decider: str, decider_id: int
) -> None:
    """The applicant hears the decision (a member gets their join links), and the other hosts
    and coordinators hear who made it."""
    if membership.status == "approved":
        await welcome_member(ctx, network, membership.user_id)
    else:
        await tell_rejected(ctx, network, membership.user_id)
    await tell_other_hosts(ctx, network, membership, decider, decider_id)


async def welcome_member(ctx: Context, network: Network, user_id: int) -> None:
    """The new member hears the news in their language, and gets their group join link(s)."""
    has_group = bool(await group_chats.for_network(ctx.database, network.id))

    def compose(_: Translator) -> tuple[str, Keyboard]:
        text: str = _(
            "Good news: the hosts of {network} have approved your membership. Welcome! 🎉",
            network=network.name,
        )
        if has_group:
            text += "\n\n" + _("Your personal link to the group chat follows.")
        else:
            text += "\n\n" + _(
                "The network's group chat isn't set up yet. I'll send you your personal link "
                "as soon as it is."
            )
        text += "\n\n" + _("🚨 Emergency? Always call 112 first.")
        return text, ()

    await notify.tell(ctx, [user_id], compose)
    if has_group:
        sent = await group_links.invite_to_groups(ctx, network.id, [user_id])
        log.info("sent %d join link(s) to user %s for network %s", sent, user_id, network.id)


async def tell_rejected(ctx: Context, network: Network, user_id: int) -> None:
    """A rejected applicant gets a kind word, without a reason."""

    def compose(_: Translator) -> tuple[str, Keyboard]:
        return _(
            "Thank you for your interest in {network} and for your time. The hosts have decided "
            "not to add you to the network. Questions? Please talk to the person who invited "
            "you.",
            network=network.name,
        ), ()

    await notify.tell(ctx, [user_id], compose)


async def tell_other_hosts(
    ctx: Context, network: Network, membership: Membership, decider: str, decider_id: int
) -> None:
    """The other hosts and coordinators learn who decided, so nobody decides twice."""
    others = [
        uid
        for uid in await notify.hosts_and_coordinators(ctx, network.id)
        if uid not in (decider_id, membership.user_id)
    ]
    name = membership.display_name or "–"

    def compose(_: Translator) -> tuple[str, Keyboard]:
        if membership.status == "approved":
            text = _(
                "{decider} approved {name} for {network}.",
                decider=decider,
                name=name,
                network=network.name,
            )
        else:
            text = _(
                "{decider} rejected the application of {name} for {network}.",
                decider=decider,
                name=name,
                network=network.name,
            )
        return text, ()

    await notify.tell(ctx, others, compose)

"""Taking a person out of a network: the one routine behind remove, /leave and /forget.

The database decides first (`memberships.remove`, one transaction). Then the groups port does
what that means in the chat platform: the person is taken out of each group chat of the
network (free to come back through a later invite) and their personal join links are
withdrawn. What the platform refuses comes back as `Failure`s, so whoever acted hears what is
left to do by hand (for example: give the bot back its right to ban users).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from enum import StrEnum

from bot.i18n import Html, Translator
from domain import audit, menus
from domain.context import Context
from domain.notify import hosts_and_coordinators, tell
from domain.ports import Keyboard, Refusal
from storage import group_chats, memberships, networks, talents
from storage.memberships import GroupInviteLink, Membership

log = logging.getLogger(__name__)


class Problem(StrEnum):
    """Why the bot could not finish taking someone out of one group chat."""

    NO_BAN_RIGHT = "no_ban_right"  # the admin right "Ban users" (can_restrict_members)
    NO_INVITE_RIGHT = "no_invite_right"  # the admin right "Invite users via link"
    NOT_IN_CHAT = "not_in_chat"  # the bot was removed from the group
    ADMIN = "admin"  # the person is an administrator there: only a human can remove them
    OTHER = "other"


@dataclass(frozen=True)
class Failure:
    chat_id: int
    title: str
    problem: Problem


@dataclass(frozen=True)
class Departure:
    """A person taken out of one network, and what Telegram would not do."""

    network_id: int
    network_name: str
    removed: bool  # False if they were removed already (nothing happened)
    membership: Membership | None
    failures: list[Failure] = field(default_factory=list)


async def take_out(ctx: Context, network_id: int, user_id: int, by: int) -> Departure:
    """End `user_id`'s membership of `network_id` (`by == user_id` when leaving) and take them
    out of its group chats."""
    db = ctx.database
    network = await networks.get(db, network_id)
    name = network.name if network is not None else str(network_id)
    removal = await memberships.remove(db, network_id, user_id, by, ctx.clock.now())
    if not removal.removed:
        return Departure(network_id, name, False, removal.membership)
    log.info("user %s out of network %s (by %s)", user_id, network_id, by)
    if by != user_id:  # removed by someone else; leaving is one's own business
        await audit.record(ctx, by, audit.Act.REMOVED, network_id, audit.person(user_id))
    await menus.refresh(ctx, user_id)
    # Talents and reach live as long as a membership: out of the last network, they go.
    if await talents.let_go_unless_member(db, user_id):
        log.info("user %s: talents deleted with their last membership", user_id)
    failures = await out_of_groups(ctx, user_id, removal.chats, removal.links_to_revoke)
    return Departure(network_id, name, True, removal.membership, failures)


async def out_of_groups(
    ctx: Context, user_id: int, chats: list[int], links: list[GroupInviteLink]
) -> list[Failure]:
    """Take `user_id` out of each chat and withdraw their links; what failed comes back."""
    failures: list[Failure] = []
    for chat_id in chats:
        refused = await ctx.groups.remove(chat_id, user_id)
        if refused is not None:
            failures.append(await _failure(ctx, chat_id, refused, Problem.NO_BAN_RIGHT))
    for link in links:
        refused = await ctx.groups.revoke_link(link.chat_id, link.invite_link)
        if refused is not None and refused is not Refusal.GONE:  # gone: nothing to withdraw
            failures.append(await _failure(ctx, link.chat_id, refused, Problem.NO_INVITE_RIGHT))
    for failure in failures:
        log.warning(
            "could not take user %s out of chat %s: %s", user_id, failure.chat_id, failure.problem
        )
    return failures


PROBLEMS = {
    Refusal.NOT_IN_CHAT: Problem.NOT_IN_CHAT,
    Refusal.ADMIN: Problem.ADMIN,
}


async def _failure(ctx: Context, chat_id: int, refused: Refusal, rights: Problem) -> Failure:
    """`rights`: the problem when the bot lacks a right, named for the step that needed it."""
    problem = rights if refused is Refusal.NO_RIGHTS else PROBLEMS.get(refused, Problem.OTHER)
    chat = await group_chats.get(ctx.database, chat_id)
    title = chat.title if chat is not None and chat.title else str(chat_id)
    return Failure(chat_id, title, problem)


def failure_line(_: Translator, failure: Failure, name: str) -> str:
    """What is left to do by hand in one group chat to take `name` out of it."""
    group = failure.title
    if failure.problem is Problem.NO_BAN_RIGHT:
        return _(
            "⚠️ “{group}”: I could not take {name} out – I need the admin right “Ban users” there.",
            group=group,
            name=name,
        )
    if failure.problem is Problem.NO_INVITE_RIGHT:
        return _(
            "⚠️ “{group}”: I could not withdraw the personal join link of {name} – I need the "
            "admin right “Invite users via link” there.",
            group=group,
            name=name,
        )
    if failure.problem is Problem.NOT_IN_CHAT:
        return _(
            "⚠️ “{group}”: I am no longer in that group, so I could not take {name} out.",
            group=group,
            name=name,
        )
    if failure.problem is Problem.ADMIN:
        return _(
            "⚠️ “{group}”: {name} is an administrator there, so another administrator has to "
            "do this.",
            group=group,
            name=name,
        )
    return _(
        "⚠️ “{group}”: Telegram did not let me take {name} out; please check.",
        group=group,
        name=name,
    )


def failure_lines(_: Translator, failures: list[Failure], name: str) -> str:
    """What is left to do by hand to take `name` out, one line per group chat and problem."""
    unique = {(f.chat_id, f.problem): f for f in failures}
    return "\n".join(failure_line(_, failure, name) for failure in unique.values())


def groups_left_to_leave(failures: list[Failure]) -> list[str]:
    """The titles of the group chats a person must still leave themselves."""
    return list(
        dict.fromkeys(f.title for f in failures if f.problem is not Problem.NO_INVITE_RIGHT)
    )


def member_name(_: Translator, membership: Membership | None) -> str:
    if membership is not None and membership.display_name:
        return membership.display_name
    return _("a member")


async def tell_about_departure(
    ctx: Context, departure: Departure, user_id: int, *, by: int, by_name: str
) -> None:
    """The hosts and coordinators hear who went (and who removed whom); a removed member is
    told kindly. The person who acted is not told again."""
    network, membership = departure.network_name, departure.membership
    left = by == user_id

    def to_hosts(_: Translator) -> tuple[str, Keyboard]:
        name = member_name(_, membership)
        if left:
            text = _("{member} has left the network {network}.", member=name, network=network)
        else:
            text = _(
                "{remover} removed {member} from the network {network}.",
                remover=by_name,
                member=name,
                network=network,
            )
        if departure.failures:
            text = Html(f"{text}\n{failure_lines(_, departure.failures, name)}")
        return text, ()

    hosts = await hosts_and_coordinators(ctx, departure.network_id)
    await tell(ctx, [h for h in hosts if h not in (by, user_id)], to_hosts)
    if left:
        return

    def to_member(_: Translator) -> tuple[str, Keyboard]:
        return (
            _(
                "You are no longer a member of the network {network}. Thank you for everything "
                "you did for the neighbourhood. If you think this is a mistake, please talk to "
                "its police chief or municipality contact.",
                network=network,
            ),
            (),
        )

    await tell(ctx, [user_id], to_member)


async def remove(
    ctx: Context, network_id: int, user_id: int, *, by: int, by_name: str
) -> Departure:
    """A host removes a member: out of the network and its group chats, the others told."""
    departure = await take_out(ctx, network_id, user_id, by)
    if departure.removed:
        await tell_about_departure(ctx, departure, user_id, by=by, by_name=by_name)
    return departure


async def leave(ctx: Context, network_id: int, user_id: int, *, name: str) -> Departure:
    """A member leaves: out of the network and its group chats, the hosts told."""
    departure = await take_out(ctx, network_id, user_id, user_id)
    if departure.removed:
        await tell_about_departure(ctx, departure, user_id, by=user_id, by_name=name)
    return departure


async def leave_every_network(ctx: Context, user_id: int, name: str) -> list[Departure]:
    """Before forgetting someone: out of every network and its group chats, the hosts told."""
    departures = []
    for membership in await memberships.for_user(ctx.database, user_id):
        if membership.status == "removed":
            continue
        departure = await take_out(ctx, membership.network_id, user_id, user_id)
        if not departure.removed:
            continue
        departures.append(departure)
        # The hosts know only of applications handed to them and of members.
        if membership.status in ("awaiting_approval", "approved"):
            await tell_about_departure(ctx, departure, user_id, by=user_id, by_name=name)
    return departures

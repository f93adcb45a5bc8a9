"""Invites: a host or coordinator makes a single-use invite for a role, and may revoke it.

The invite is a code (storage.invites) that works once until it expires; redeeming it starts
the intake (domain.intake). `read_invite` reads what `/invite` was given.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from domain import audit
from domain.access import Role
from domain.context import Context
from storage import invites
from storage.invites import Invite

log = logging.getLogger(__name__)


# What people may type for a role: the code's names and the words of the method, Dutch and
# English (one or two words).
ROLE_WORDS: dict[str, Role] = {
    "police_chief": Role.police_chief,
    "police chief": Role.police_chief,
    "politiechef": Role.police_chief,
    "teamchef": Role.police_chief,
    "municipality": Role.municipality,
    "gemeente": Role.municipality,
    "key_figure": Role.key_figure,
    "key figure": Role.key_figure,
    "sleutelfiguur": Role.key_figure,
}


def read_role(words: str) -> Role | None:
    """A role as typed ("sleutelfiguur", "key figure", "police-chief"), or None."""
    return ROLE_WORDS.get(" ".join(words.casefold().replace("-", "_").split()))


@dataclass(frozen=True)
class Wanted:
    """What `/invite …` asked for, read with the network names in mind."""

    network: str | None = None  # a network's name as it is stored
    role: Role | None = None
    unknown_role: str | None = None  # typed after a network's name, but no role
    unknown_network: str | None = None  # typed where a network's name belongs, but no network


def read_invite(words: Sequence[str], names: Collection[str]) -> Wanted:
    """`/invite Wijk Noord sleutelfiguur`: the network and the role, either of them missing,
    the role first or last. Knowing the networks' names, a word that is no role is not taken
    for part of a name: `/invite Noord baas` is Noord, with "baas" an unknown role."""
    known = {name.casefold(): name for name in names}
    words = [w for w in words if w]
    typed = " ".join(words)
    if not words:
        return Wanted()
    if typed.casefold() in known:
        return Wanted(network=known[typed.casefold()])
    for size in (2, 1):  # a role at the end, then at the start
        for role_words, rest in ((words[-size:], words[:-size]), (words[:size], words[size:])):
            if len(words) < size or (role := read_role(" ".join(role_words))) is None:
                continue
            name = " ".join(rest)
            if not name:
                return Wanted(role=role)
            if name.casefold() in known:
                return Wanted(network=known[name.casefold()], role=role)
            return Wanted(role=role, unknown_network=name)
    for size in range(len(words) - 1, 0, -1):  # the longest network name in front
        name = " ".join(words[:size])
        if name.casefold() in known:
            return Wanted(network=known[name.casefold()], unknown_role=" ".join(words[size:]))
    return Wanted(unknown_network=typed)


async def make(ctx: Context, network_id: int, role: Role, by: int) -> Invite:
    """A fresh invite for `role` in the network, working until the configured days pass.
    Permission is the caller's to check."""
    invite = await invites.create(
        ctx.database,
        network_id,
        role,
        by,
        ctx.clock.now(),
        timedelta(days=ctx.settings.membership.invite_days),
    )
    log.info("invite %s to network %s as %s by %s", invite.id, network_id, role, by)
    await audit.record(ctx, by, audit.Act.INVITED, network_id, audit.invite(invite.id))
    return invite


class Revoked(StrEnum):
    """How revoking an invite went."""

    REVOKED = "revoked"  # this call did it: the link no longer works
    ALREADY = "already"  # someone revoked it before (or it is gone)
    USED = "used"  # it was used, so there is nothing left to revoke
    EXPIRED = "expired"


async def revoke(ctx: Context, invite_id: int, by: int) -> Revoked:
    """Make the invite stop working; revoking it twice is harmless."""
    if await invites.revoke(ctx.database, invite_id, by, ctx.clock.now()):
        log.info("invite %s revoked by %s", invite_id, by)
        return Revoked.REVOKED
    current = await invites.get(ctx.database, invite_id)
    if current is None or current.revoked_at is not None:
        return Revoked.ALREADY
    if current.used_at is not None:
        return Revoked.USED
    return Revoked.EXPIRED

"""Invites: a host or coordinator makes a single-use invite for a role, and may revoke it.

The invite is a code (storage.invites) that works once until it expires; redeeming it starts
the intake (domain.intake).
"""

from __future__ import annotations

import logging
from datetime import timedelta
from enum import StrEnum

from domain.access import Role
from domain.context import Context
from storage import invites
from storage.invites import Invite

log = logging.getLogger(__name__)


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

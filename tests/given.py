"""Given, for a test: people who already went through invite, intake, approval.

The story under test is driven through the sandbox; what came before it is written straight
into the database with the same repositories the bot uses.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sandbox import SimUser
from storage import invites, memberships, people
from storage.database import Database


async def approved(
    db: Database,
    network_id: int,
    user: SimUser,
    role: str,
    by: int,
    *,
    name: str | None = None,
    phone: str | None = None,
    language: str | None = None,
    members_phone: bool = False,
) -> None:
    """`user` was invited by `by`, answered the intake (name, optionally a shown phone number
    and a language) and was approved in `role`. `members_phone`: the other members may see
    the number too (/contacts)."""
    now = datetime.now(UTC)
    invite = await invites.create(db, network_id, role, by, now)
    assert isinstance(await invites.redeem(db, invite.code, user.id, now), invites.Invite)
    answers: dict[str, str | bool | None] = {"display_name": name or user.first_name}
    if phone:
        answers |= {"phone": phone, "phone_to_hosts": True, "phone_to_members": members_phone}
    await memberships.save_intake(db, network_id, user.id, now, answers=answers, consent=True)
    await memberships.submit(db, network_id, user.id, now)
    assert (await memberships.decide(db, network_id, user.id, "approved", by, now)).decided_here
    if language:
        await people.set_language(db, user.id, language, now)

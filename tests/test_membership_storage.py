"""Networks and vetted membership, as stored: invites, intake, approval, group chats, forgetting."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage import coordinators, group_chats, invites, memberships, networks, people, privacy
from storage.database import Database
from storage.group_chats import BotRights, LinkOutcome
from storage.invites import Refusal
from storage.memberships import Outcome, Submission
from storage.networks import NameTaken, Network

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
CARLA = 100  # coordinator from the configuration
PETRA = 200  # police chief
MARCO = 300  # municipality
AYSE = 400  # key figure
BRAM = 500  # another key figure
ADMIN_RIGHTS = BotRights(can_invite_users=True, can_restrict_members=True)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bondgenoten.sqlite3")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture
async def noord(db: Database) -> Network:
    return await networks.create(db, "Noord", "Amsterdam-Noord", CARLA, NOW)


async def apply(
    db: Database, network: Network, user_id: int, role: str = "key_figure", name: str = "Ayşe"
) -> None:
    """A person redeems an invite, answers the intake, consents and submits."""
    invite = await invites.create(db, network.id, role, CARLA, NOW)
    assert isinstance(await invites.redeem(db, invite.code, user_id, NOW), invites.Invite)
    answers = {"display_name": name, "organisation": "Moskee Al-Nour", "reach": "jongeren"}
    await memberships.save_intake(db, network.id, user_id, NOW, answers=answers, consent=True)
    assert await memberships.submit(db, network.id, user_id, NOW) is Submission.SUBMITTED


async def approve(db: Database, network: Network, user_id: int, role: str = "key_figure") -> None:
    await apply(db, network, user_id, role)
    decision = await memberships.decide(db, network.id, user_id, "approved", CARLA, NOW)
    assert decision.decided_here


# --- networks and coordinators -------------------------------------------------------------


async def test_a_network_name_is_taken_in_any_case(db: Database, noord: Network) -> None:
    with pytest.raises(NameTaken):
        await networks.create(db, "  NOORD ", None, CARLA, NOW)
    assert await networks.by_name(db, "noord") == noord
    assert await networks.get(db, noord.id) == noord
    with pytest.raises(ValueError):
        await networks.create(db, "   ", None, CARLA, NOW)
    zuid = await networks.create(db, "Zuid", None, CARLA, NOW)
    assert await networks.all(db) == [noord, zuid]


async def test_a_person_sees_only_the_networks_they_are_approved_in(
    db: Database, noord: Network
) -> None:
    zuid = await networks.create(db, "Zuid", None, CARLA, NOW)
    await approve(db, noord, AYSE)
    await apply(db, zuid, AYSE)  # still awaiting approval there
    assert await networks.for_user(db, AYSE) == [noord]
    assert [m.network_id for m in await memberships.for_user(db, AYSE)] == [noord.id, zuid.id]


async def test_a_coordinator_appoints_another_once(db: Database) -> None:
    assert await coordinators.appoint(db, BRAM, CARLA, NOW)
    assert not await coordinators.appoint(db, BRAM, PETRA, NOW + timedelta(hours=1))
    assert await coordinators.is_appointed(db, BRAM)
    assert not await coordinators.is_appointed(db, AYSE)
    [appointed] = await coordinators.all(db)
    assert (appointed.user_id, appointed.appointed_by) == (BRAM, CARLA)
    assert await coordinators.dismiss(db, BRAM)
    assert not await coordinators.is_appointed(db, BRAM)


# --- invites -------------------------------------------------------------------------------


async def test_an_invite_code_is_unguessable_and_fits_a_deep_link(
    db: Database, noord: Network
) -> None:
    made = [await invites.create(db, noord.id, "key_figure", PETRA, NOW) for _ in range(20)]
    codes = {invite.code for invite in made}
    assert len(codes) == 20
    for code in codes:
        assert len(code) <= 64 and invites.is_code(code)
        assert set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
    assert made[0].expires_at == (NOW + timedelta(days=7)).isoformat()


async def test_an_invite_can_be_used_once(db: Database, noord: Network) -> None:
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
    used = await invites.redeem(db, invite.code, AYSE, NOW)
    assert isinstance(used, invites.Invite)
    assert (used.used_by, used.used_at) == (AYSE, NOW.isoformat())
    membership = await memberships.get(db, noord.id, AYSE)
    assert membership is not None
    assert (membership.status, membership.role, membership.invite_id) == (
        "intake",
        "key_figure",
        invite.id,
    )
    assert await people.get(db, AYSE) is not None  # a member is a person we keep data about
    assert await invites.redeem(db, invite.code, BRAM, NOW) is Refusal.USED
    assert await invites.redeem(db, invite.code, AYSE, NOW) is Refusal.USED
    assert await memberships.get(db, noord.id, BRAM) is None


async def test_two_people_racing_for_one_invite_get_one_membership(
    db: Database, noord: Network
) -> None:
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
    results = await asyncio.gather(
        *(invites.redeem(db, invite.code, user, NOW) for user in (AYSE, BRAM))
    )
    assert sum(isinstance(result, invites.Invite) for result in results) == 1
    assert Refusal.USED in results
    assert len(await memberships.roster(db, noord.id)) == 1


async def test_an_expired_invite_is_refused_and_says_so(db: Database, noord: Network) -> None:
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW, ttl=timedelta(days=1))
    later = NOW + timedelta(days=1)
    assert await invites.redeem(db, invite.code, AYSE, later) is Refusal.EXPIRED
    assert await memberships.get(db, noord.id, AYSE) is None
    assert await invites.list_open(db, noord.id, later) == []
    assert not await invites.revoke(db, invite.id, PETRA, later)


async def test_a_revoked_invite_is_refused_and_says_so(db: Database, noord: Network) -> None:
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
    other = await invites.create(db, noord.id, "municipality", CARLA, NOW)
    assert await invites.list_open(db, noord.id, NOW) == [invite, other]
    assert await invites.revoke(db, invite.id, PETRA, NOW)
    assert not await invites.revoke(db, invite.id, PETRA, NOW)  # only an open one
    assert await invites.redeem(db, invite.code, AYSE, NOW) is Refusal.REVOKED
    assert await invites.list_open(db, noord.id, NOW) == [other]


async def test_a_used_invite_cannot_be_revoked(db: Database, noord: Network) -> None:
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
    await invites.redeem(db, invite.code, AYSE, NOW)
    assert not await invites.revoke(db, invite.id, PETRA, NOW)
    stored = await invites.get(db, invite.id)
    assert stored is not None and stored.revoked_at is None


@pytest.mark.parametrize(
    "code",
    ["", "hello", "x" * 65, "a" * 31, "a" * 33, "abc def ghi jkl mno pqr stu vwx yz", "é" * 32],
)
async def test_something_that_is_no_invite_code_is_malformed(
    db: Database, noord: Network, code: str
) -> None:
    assert await invites.redeem(db, code, AYSE, NOW) is Refusal.MALFORMED


async def test_an_unknown_code_is_refused(db: Database, noord: Network) -> None:
    assert await invites.redeem(db, "A" * 32, AYSE, NOW) is Refusal.UNKNOWN


async def test_an_approved_member_does_not_use_up_a_second_invite(
    db: Database, noord: Network
) -> None:
    await approve(db, noord, AYSE)
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
    assert await invites.redeem(db, invite.code, AYSE, NOW) is Refusal.ALREADY_MEMBER
    assert await invites.list_open(db, noord.id, NOW) == [invite]
    membership = await memberships.get(db, noord.id, AYSE)
    assert membership is not None and membership.status == "approved"


async def test_a_rejected_person_with_a_new_invite_starts_a_fresh_intake(
    db: Database, noord: Network
) -> None:
    await apply(db, noord, AYSE)
    await memberships.decide(db, noord.id, AYSE, "rejected", PETRA, NOW)
    invite = await invites.create(db, noord.id, "key_figure", CARLA, NOW)
    assert isinstance(await invites.redeem(db, invite.code, AYSE, NOW), invites.Invite)
    membership = await memberships.get(db, noord.id, AYSE)
    assert membership is not None
    assert membership.status == "intake"
    assert membership.display_name is None and membership.decided_by is None


# --- the intake ----------------------------------------------------------------------------


async def test_the_intake_survives_a_restart_step_by_step(tmp_path: Path) -> None:
    path = tmp_path / "b.sqlite3"
    db = await Database.open(path)
    try:
        noord = await networks.create(db, "Noord", None, CARLA, NOW)
        invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
        await invites.redeem(db, invite.code, AYSE, NOW)
        answers: dict[str, str | bool | None] = {
            "display_name": "Ayşe",
            "phone": "+31 6 1234 5678",
            "phone_to_hosts": True,
        }
        await memberships.save_intake(db, noord.id, AYSE, NOW, step="diet", answers=answers)
    finally:
        await db.close()
    db = await Database.open(path)
    try:
        [intake] = await memberships.in_intake(db, AYSE)
        assert (intake.intake_step, intake.display_name, intake.phone_to_hosts) == (
            "diet",
            "Ayşe",
            True,
        )
    finally:
        await db.close()


async def test_an_intake_is_not_submitted_without_consent(db: Database, noord: Network) -> None:
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
    await invites.redeem(db, invite.code, AYSE, NOW)
    assert await memberships.submit(db, noord.id, AYSE, NOW) is Submission.NO_CONSENT
    await memberships.save_intake(db, noord.id, AYSE, NOW, consent=True)
    assert await memberships.submit(db, noord.id, AYSE, NOW) is Submission.INCOMPLETE
    await memberships.save_intake(db, noord.id, AYSE, NOW, answers={"display_name": "Ayşe"})
    assert await memberships.submit(db, noord.id, AYSE, NOW) is Submission.SUBMITTED
    assert await memberships.submit(db, noord.id, AYSE, NOW) is Submission.NOT_IN_INTAKE
    [waiting] = await memberships.awaiting_approval(db, noord.id)
    assert waiting.user_id == AYSE and waiting.submitted_at == NOW.isoformat()


async def test_a_submitted_intake_can_no_longer_be_changed(db: Database, noord: Network) -> None:
    await apply(db, noord, AYSE)
    changed = await memberships.save_intake(db, noord.id, AYSE, NOW, answers={"diet": "halal"})
    assert changed is None
    with pytest.raises(ValueError, match="not intake answers"):
        await memberships.save_intake(db, noord.id, AYSE, NOW, answers={"status": "approved"})


async def test_cancel_drops_the_intake_and_opens_the_invite_again(
    db: Database, noord: Network
) -> None:
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
    await invites.redeem(db, invite.code, AYSE, NOW)
    assert await memberships.cancel_intake(db, noord.id, AYSE)
    assert await memberships.get(db, noord.id, AYSE) is None
    reopened = await invites.get(db, invite.id)
    assert reopened is not None and (reopened.used_by, reopened.used_at) == (None, None)
    assert isinstance(await invites.redeem(db, invite.code, AYSE, NOW), invites.Invite)
    assert await memberships.cancel_intake(db, noord.id, AYSE)
    later = NOW + invites.DEFAULT_TTL
    assert await invites.redeem(db, invite.code, AYSE, later) is Refusal.EXPIRED


async def test_the_database_refuses_a_submitted_application_without_consent(
    db: Database, noord: Network
) -> None:
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
    await invites.redeem(db, invite.code, AYSE, NOW)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction() as conn:
            await conn.execute("UPDATE memberships SET status = 'awaiting_approval'")


# --- the decision --------------------------------------------------------------------------


async def test_a_host_approves_and_the_decision_records_who_and_when(
    db: Database, noord: Network
) -> None:
    await apply(db, noord, AYSE)
    later = NOW + timedelta(hours=2)
    decision = await memberships.decide(db, noord.id, AYSE, "approved", PETRA, later)
    assert decision.outcome is Outcome.DECIDED
    assert decision.membership is not None
    assert (decision.membership.status, decision.membership.decided_by) == ("approved", PETRA)
    assert decision.membership.decided_at == later.isoformat()


async def test_two_hosts_approving_at_once_make_one_decision_and_the_second_learns_who_decided(
    db: Database, noord: Network
) -> None:
    await apply(db, noord, AYSE)
    first, second = await asyncio.gather(
        memberships.decide(db, noord.id, AYSE, "approved", PETRA, NOW),
        memberships.decide(db, noord.id, AYSE, "rejected", MARCO, NOW),
    )
    assert [first.outcome, second.outcome] == [Outcome.DECIDED, Outcome.ALREADY_DECIDED]
    assert second.membership is not None
    assert (second.membership.status, second.membership.decided_by) == ("approved", PETRA)


async def test_pressing_approve_twice_decides_once(db: Database, noord: Network) -> None:
    await apply(db, noord, AYSE)
    results = await asyncio.gather(
        *(memberships.decide(db, noord.id, AYSE, "approved", PETRA, NOW) for _ in range(5))
    )
    assert sum(result.decided_here for result in results) == 1


async def test_an_application_still_in_intake_cannot_be_decided(
    db: Database, noord: Network
) -> None:
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
    await invites.redeem(db, invite.code, AYSE, NOW)
    decision = await memberships.decide(db, noord.id, AYSE, "approved", PETRA, NOW)
    assert decision.outcome is Outcome.NOT_SUBMITTED
    unknown = await memberships.decide(db, noord.id, BRAM, "approved", PETRA, NOW)
    assert unknown.outcome is Outcome.UNKNOWN and unknown.membership is None
    with pytest.raises(ValueError):
        await memberships.decide(db, noord.id, AYSE, "maybe", PETRA, NOW)


async def test_hosts_are_the_approved_police_chief_and_municipality(
    db: Database, noord: Network
) -> None:
    await approve(db, noord, PETRA, "police_chief")
    await approve(db, noord, MARCO, "municipality")
    await approve(db, noord, AYSE)
    await apply(db, noord, BRAM, "police_chief")  # not approved yet
    assert [m.user_id for m in await memberships.hosts_of(db, noord.id)] == [MARCO, PETRA]
    assert await memberships.approved_roles(db, PETRA) == {noord.id: "police_chief"}


# --- group chats ---------------------------------------------------------------------------


async def test_a_group_is_recorded_when_the_bot_is_added_and_linked_once(
    db: Database, noord: Network
) -> None:
    chat = await group_chats.record_added(db, -1, "Noord", PETRA, NOW, True, ADMIN_RIGHTS)
    assert not chat.linked and chat.rights == ADMIN_RIGHTS
    linked = await group_chats.link(db, -1, noord.id, PETRA, NOW)
    assert linked.outcome is LinkOutcome.LINKED
    again = await group_chats.link(db, -1, noord.id, MARCO, NOW)
    assert again.outcome is LinkOutcome.ALREADY_LINKED
    assert again.chat is not None and again.chat.linked_by == PETRA
    assert [c.chat_id for c in await group_chats.for_network(db, noord.id)] == [-1]


async def test_a_group_of_another_network_is_not_taken_over(db: Database, noord: Network) -> None:
    zuid = await networks.create(db, "Zuid", None, CARLA, NOW)
    await group_chats.record_added(db, -1, "Noord", PETRA, NOW, True, ADMIN_RIGHTS)
    await group_chats.link(db, -1, noord.id, PETRA, NOW)
    result = await group_chats.link(db, -1, zuid.id, CARLA, NOW)
    assert result.outcome is LinkOutcome.LINKED_ELSEWHERE
    assert result.chat is not None and result.chat.network_id == noord.id
    unknown = await group_chats.link(db, -99, zuid.id, CARLA, NOW)
    assert unknown.outcome is LinkOutcome.UNKNOWN_CHAT


async def test_a_migrated_group_stays_linked(db: Database, noord: Network) -> None:
    await approve(db, noord, AYSE)
    await group_chats.record_added(db, -1, "Noord", PETRA, NOW, True, ADMIN_RIGHTS)
    await group_chats.link(db, -1, noord.id, PETRA, NOW)
    link = "https://t.me/+personal-ayse"
    await memberships.record_invite_link(db, noord.id, AYSE, -1, link, NOW)
    # Once from the service message, once from a ChatMigrated error: the same outcome.
    first = await group_chats.migrate(db, -1, -1001)
    second = await group_chats.migrate(db, -1, -1001)
    assert first == second
    assert first is not None
    assert (first.chat_id, first.network_id, first.migrated_from) == (-1001, noord.id, -1)
    assert await group_chats.get(db, -1) is None
    assert await memberships.approved_member_of_chat(db, -1001, AYSE)
    [moved] = await memberships.open_invite_links(db, noord.id, AYSE)
    assert moved.chat_id == -1001


async def test_a_migration_merges_with_a_supergroup_the_bot_saw_first(
    db: Database, noord: Network
) -> None:
    await group_chats.record_added(db, -1, "Noord", PETRA, NOW, True, ADMIN_RIGHTS)
    await group_chats.link(db, -1, noord.id, PETRA, NOW)
    await group_chats.record_added(db, -1001, "Noord", None, NOW, True, ADMIN_RIGHTS)
    merged = await group_chats.migrate(db, -1, -1001)
    assert merged is not None and merged.network_id == noord.id
    assert [c.chat_id for c in await group_chats.for_network(db, noord.id)] == [-1001]
    assert await group_chats.migrate(db, -5, -1005) is None  # neither known


async def test_an_unlinked_group_is_left_after_a_day(db: Database, noord: Network) -> None:
    await group_chats.record_added(db, -1, "Noord", PETRA, NOW, False, BotRights())
    await group_chats.record_added(db, -2, "Zomaar", PETRA, NOW, False, BotRights())
    await group_chats.link(db, -1, noord.id, PETRA, NOW)
    a_day_later = NOW + timedelta(days=1, minutes=1)
    stale = await group_chats.unlinked_older_than(db, a_day_later - timedelta(days=1))
    assert [c.chat_id for c in stale] == [-2]
    assert await group_chats.mark_left(db, -2, a_day_later)
    assert await group_chats.unlinked_older_than(db, a_day_later) == []
    assert (await group_chats.link(db, -2, noord.id, PETRA, NOW)).outcome is (
        LinkOutcome.UNKNOWN_CHAT
    )


async def test_the_bots_rights_are_kept_up_to_date(db: Database) -> None:
    await group_chats.record_added(db, -1, "Noord", PETRA, NOW, False, BotRights())
    assert await group_chats.update_rights(db, -1, True, ADMIN_RIGHTS)
    chat = await group_chats.get(db, -1)
    assert chat is not None and chat.bot_is_admin and chat.rights == ADMIN_RIGHTS
    assert not await group_chats.update_rights(db, -7, True, ADMIN_RIGHTS)


async def test_only_approved_members_of_the_linked_network_may_join_its_group(
    db: Database, noord: Network
) -> None:
    zuid = await networks.create(db, "Zuid", None, CARLA, NOW)
    await approve(db, noord, AYSE)
    await approve(db, zuid, BRAM)
    await apply(db, noord, MARCO)  # awaiting approval
    await group_chats.record_added(db, -1, "Noord", PETRA, NOW, True, ADMIN_RIGHTS)
    assert not await memberships.approved_member_of_chat(db, -1, AYSE)  # not linked yet
    await group_chats.link(db, -1, noord.id, PETRA, NOW)
    assert await memberships.approved_member_of_chat(db, -1, AYSE)
    assert not await memberships.approved_member_of_chat(db, -1, BRAM)
    assert not await memberships.approved_member_of_chat(db, -1, MARCO)
    assert await memberships.mark_joined(db, -1, AYSE, NOW)
    assert not await memberships.mark_joined(db, -1, BRAM, NOW)
    later = NOW + timedelta(days=3)
    await memberships.touch_in_chat(db, -1, AYSE, later)
    membership = await memberships.get(db, noord.id, AYSE)
    assert membership is not None
    assert (membership.joined_at, membership.last_active_at) == (NOW.isoformat(), later.isoformat())


# --- leaving -------------------------------------------------------------------------------


async def test_removing_a_member_revokes_their_access(db: Database, noord: Network) -> None:
    await approve(db, noord, AYSE)
    await group_chats.record_added(db, -1, "Noord", PETRA, NOW, True, ADMIN_RIGHTS)
    await group_chats.link(db, -1, noord.id, PETRA, NOW)
    link = await memberships.record_invite_link(db, noord.id, AYSE, -1, "https://t.me/+a", NOW)
    assert link is not None
    removal = await memberships.remove(db, noord.id, AYSE, PETRA, NOW)
    assert removal.removed and removal.chats == [-1]
    assert [gone.invite_link for gone in removal.links_to_revoke] == ["https://t.me/+a"]
    assert await memberships.open_invite_links(db, noord.id, AYSE) == []
    assert not await memberships.approved_member_of_chat(db, -1, AYSE)
    assert await networks.for_user(db, AYSE) == []
    assert await memberships.roster(db, noord.id) == []
    assert [m.status for m in await memberships.roster(db, noord.id, include_removed=True)] == [
        "removed"
    ]
    again = await memberships.remove(db, noord.id, AYSE, PETRA, NOW)
    assert not again.removed and again.links_to_revoke == []
    # No join link is made for someone who is no longer a member.
    assert await memberships.record_invite_link(db, noord.id, AYSE, -1, "x", NOW) is None


async def test_the_roster_shows_hosts_first_with_status_joined_and_last_active(
    db: Database, noord: Network
) -> None:
    await approve(db, noord, AYSE)
    await approve(db, noord, PETRA, "police_chief")
    await apply(db, noord, BRAM)
    roster = await memberships.roster(db, noord.id)
    assert [(m.user_id, m.role, m.status) for m in roster] == [
        (PETRA, "police_chief", "approved"),
        (AYSE, "key_figure", "approved"),
        (BRAM, "key_figure", "awaiting_approval"),
    ]


# --- privacy -------------------------------------------------------------------------------


async def test_mydata_shows_a_members_own_data_but_not_who_decided(
    db: Database, noord: Network
) -> None:
    await approve(db, noord, AYSE)
    await coordinators.appoint(db, AYSE, CARLA, NOW)
    document = await privacy.export_person(db, AYSE)
    [membership] = document["memberships"]
    assert membership["network"] == "Noord" and membership["status"] == "approved"
    assert membership["display_name"] == "Ayşe" and membership["decided_at"] == NOW.isoformat()
    assert document["coordinator"] == {"appointed_at": NOW.isoformat()}
    assert str(CARLA) not in repr(document)


async def test_forgetting_a_member_removes_every_trace_but_keeps_other_members_records_intact(
    db: Database, noord: Network
) -> None:
    await approve(db, noord, PETRA, "police_chief")
    await group_chats.record_added(db, -1, "Noord", PETRA, NOW, True, ADMIN_RIGHTS)
    await group_chats.link(db, -1, noord.id, PETRA, NOW)
    # Petra invites and approves Ayşe, who gets a join link; Petra also appoints Bram.
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
    await invites.redeem(db, invite.code, AYSE, NOW)
    await memberships.save_intake(db, noord.id, AYSE, NOW, answers={"display_name": "A"})
    await memberships.save_intake(db, noord.id, AYSE, NOW, consent=True)
    await memberships.submit(db, noord.id, AYSE, NOW)
    await memberships.decide(db, noord.id, AYSE, "approved", PETRA, NOW)
    await memberships.record_invite_link(db, noord.id, AYSE, -1, "https://t.me/+a", NOW)
    await memberships.record_invite_link(db, noord.id, PETRA, -1, "https://t.me/+p", NOW)
    await coordinators.appoint(db, PETRA, CARLA, NOW)
    await coordinators.appoint(db, BRAM, PETRA, NOW)
    open_invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)

    assert await privacy.has_data(db, PETRA)
    assert await privacy.forget_person(db, PETRA) > 0

    assert not await privacy.has_data(db, PETRA)
    assert await memberships.for_user(db, PETRA) == []
    assert not await coordinators.is_appointed(db, PETRA)
    assert await people.get(db, PETRA) is None
    # Ayşe stays a member, approved, with her join link; only who decided is gone.
    ayse = await memberships.get(db, noord.id, AYSE)
    assert ayse is not None and ayse.status == "approved"
    assert ayse.decided_by is None and ayse.decided_at == NOW.isoformat()
    assert len(await memberships.open_invite_links(db, noord.id, AYSE)) == 1
    # The network, its group, Bram's appointment and the invites stay, without Petra's id.
    network = await networks.get(db, noord.id)
    assert network is not None
    chat = await group_chats.get(db, -1)
    assert chat is not None and chat.network_id == noord.id and chat.linked_by is None
    [bram] = await coordinators.all(db)
    assert (bram.user_id, bram.appointed_by) == (BRAM, None)
    used = await invites.get(db, invite.id)
    assert used is not None and used.created_by is None and used.used_by == AYSE
    assert await invites.list_open(db, noord.id, NOW) == [await invites.get(db, open_invite.id)]
    integrity = await db.fetch_all("PRAGMA foreign_key_check")
    assert integrity == []


async def test_forgetting_the_user_of_an_invite_keeps_the_invite_used(
    db: Database, noord: Network
) -> None:
    invite = await invites.create(db, noord.id, "key_figure", PETRA, NOW)
    await invites.redeem(db, invite.code, AYSE, NOW)
    assert await privacy.has_data(db, AYSE)
    await privacy.forget_person(db, AYSE)
    assert not await privacy.has_data(db, AYSE)
    assert await invites.redeem(db, invite.code, BRAM, NOW) is Refusal.USED
    assert await privacy.export_person(db, AYSE) == {
        "telegram_user_id": AYSE,
        "profile": None,
        "memberships": [],
        "group_invite_links": [],
        "alerts_received": [],
        "meeting_answers": [],
        "agenda_topics": [],
        "actions": [],
        "mood_pulse_answers": [],
        "rumours_raised": [],
        "coordinator": None,
        "coordinator_changes": [],
        "signals": [],
        "talents": [],
        "audit": [],
        "whatsapp": None,
    }


async def test_a_stranger_has_no_data(db: Database) -> None:
    assert not await privacy.has_data(db, AYSE)
    assert await privacy.forget_person(db, AYSE) == 0

"""A network's group chat: linking it, admitting only approved members, migration, leaving."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import services
from bot.app import BotApplication, build_application, running
from bot.clock import ManualClock
from bot.settings import Settings
from sandbox import Sandbox, SimChat, SimUser
from storage import group_chats, memberships, networks
from storage.database import Database
from tests import given
from tests.conftest import eventually

ADMIN = {"can_invite_users": True, "can_restrict_members": True, "can_promote_members": True}
BOT_RIGHTS = {"can_invite_users": True, "can_restrict_members": True}


async def approved(db: Database, network_id: int, user: SimUser, role: str, by: int) -> None:
    """Arrange: someone approved in the network, after talking to the bot privately."""
    await user.send("/start")
    await user.expect(None)
    await given.approved(db, network_id, user, role, by, language=user.language_code[:2])


@pytest.fixture
def db(app: BotApplication) -> Database:
    return services.of(app).database


@pytest.fixture
async def noord(db: Database, coordinator: SimUser) -> networks.Network:
    return await networks.create(db, "Noord", "Amsterdam-Noord", coordinator.id, datetime.now(UTC))


@pytest.fixture
def chief(sandbox: Sandbox) -> SimUser:
    return sandbox.add_user("Karin", last_name="Smit", language_code="en")


@pytest.fixture
def group(sandbox: Sandbox, coordinator: SimUser, chief: SimUser) -> SimChat:
    return sandbox.add_group("Wijk Noord", members=[coordinator, chief], admins=[coordinator])


async def test_the_bot_added_to_a_group_says_what_to_do_next(
    app: BotApplication, db: Database, group: SimChat, coordinator: SimUser
) -> None:
    await group.add_bot(by=coordinator)
    hello = await group.expect("/link")
    assert "Gebruikers uitnodigen via link" in hello.text and "verbannen" in hello.text
    recorded = await group_chats.get(db, group.id)
    assert recorded is not None and not recorded.linked and not recorded.bot_is_admin


async def test_linking_asks_for_missing_rights_then_links_and_sends_personal_links(
    app: BotApplication,
    sandbox: Sandbox,
    db: Database,
    noord: networks.Network,
    group: SimChat,
    coordinator: SimUser,
    chief: SimUser,
) -> None:
    await approved(db, noord.id, chief, "police_chief", coordinator.id)
    await group.add_bot(by=coordinator)
    await group.expect("/link")
    await coordinator.send("/link Noord", chat=group)
    refusal = await group.expect("nodig")  # the coordinator speaks Dutch
    assert "Gebruikers verbannen" in refusal.text and "/link" in refusal.text
    assert not (await group_chats.get(db, group.id)).linked  # type: ignore[union-attr]

    await group.set_bot_rights(by=coordinator, rights={"can_invite_users": True})
    await coordinator.send("/link Noord", chat=group)
    still = await group.expect("nodig")
    assert "verbannen" in still.text and "uitnodigen" not in still.text

    await group.set_bot_rights(by=coordinator, rights=BOT_RIGHTS)
    await coordinator.send("/link Noord", chat=group)
    await group.expect("nu de groepschat van Noord")
    link_message = await chief.expect("personal link")
    (button,) = [b for row in link_message.buttons for b in row]
    assert button.url

    # The chief uses the link: a join request, approved because she is an approved member.
    chief_leaves_first = chief.in_chat(group) == "member"
    if chief_leaves_first:
        await chief.leave(group)
    request = await chief.join(button.url)
    assert request is not None
    await sandbox.wait_for(lambda: request.approved)
    assert chief.in_chat(group) == "member"

    async def joined() -> bool:
        member = await memberships.get(db, noord.id, chief.id)
        return member is not None and member.joined_at is not None

    await eventually(joined)


async def test_a_strangers_join_request_is_declined_and_the_hosts_are_told(
    app: BotApplication,
    sandbox: Sandbox,
    db: Database,
    noord: networks.Network,
    group: SimChat,
    coordinator: SimUser,
    chief: SimUser,
) -> None:
    await coordinator.send("/start")
    await coordinator.expect("Je bent coördinator")
    await approved(db, noord.id, chief, "police_chief", coordinator.id)
    await group.add_bot(by=coordinator, rights=BOT_RIGHTS)
    await coordinator.send("/link Noord", chat=group)
    await group.expect("nu de groepschat van Noord")
    link_message = await chief.expect("personal link")
    leaked = link_message.buttons[0][0].url
    assert leaked
    stranger = sandbox.add_user("Mallory", username="mallory", language_code="en")
    request = await stranger.join(leaked)
    assert request is not None
    await sandbox.wait_for(lambda: request.declined)
    assert stranger.in_chat(group) != "member"
    warning = await chief.expect("Mallory (@mallory) asked to join")
    assert "declined" in warning.text
    await coordinator.expect("Mallory (@mallory) wilde in de groepschat")
    # Telegram lets the bot write to a requester only until the request is processed: the
    # stranger reads why first, then the request is declined.
    told = await stranger.expect("only for approved members")
    (told_at,) = [e.seq for e in sandbox.events if e.message is told and e.kind == "message"]
    (declined_at,) = [e.seq for e in sandbox.events if e.kind == "join_declined"]
    assert told_at < declined_at


async def test_link_is_refused_to_key_figures_and_suggests_names(
    app: BotApplication,
    sandbox: Sandbox,
    db: Database,
    noord: networks.Network,
    coordinator: SimUser,
    chief: SimUser,
) -> None:
    figure = sandbox.add_user("Fatima", language_code="en")
    await approved(db, noord.id, figure, "key_figure", coordinator.id)
    group = sandbox.add_group("Buurt", members=[coordinator, figure], admins=[coordinator])
    await group.add_bot(by=coordinator, rights=BOT_RIGHTS)
    await group.expect("/link")
    await figure.send("/link Noord", chat=group)
    await group.expect("only the network's police chief")
    await figure.send("/link Nord", chat=group)
    await group.expect("Did you mean: Noord?")
    await figure.send("/link", chat=group)
    await group.expect("/link Noord")
    assert not (await group_chats.get(db, group.id)).linked  # type: ignore[union-attr]
    await figure.send("/link Noord")
    await figure.expect("in the group chat you want to connect")


async def test_a_group_serves_one_network(
    app: BotApplication, db: Database, noord: networks.Network, group: SimChat, coordinator: SimUser
) -> None:
    await networks.create(db, "Zuid", None, coordinator.id, datetime.now(UTC))
    await group.add_bot(by=coordinator, rights=BOT_RIGHTS)
    await coordinator.send("/link Noord", chat=group)
    await group.expect("nu de groepschat van Noord")
    await coordinator.send("/link Noord", chat=group)
    await group.expect("al de groepschat van Noord")
    await coordinator.send("/link Zuid", chat=group)
    await group.expect("hoort al bij Noord")
    assert (await group_chats.get(db, group.id)).network_id == noord.id  # type: ignore[union-attr]


async def test_a_migrated_group_stays_linked(
    app: BotApplication,
    sandbox: Sandbox,
    db: Database,
    noord: networks.Network,
    group: SimChat,
    coordinator: SimUser,
) -> None:
    await group.add_bot(by=coordinator, rights=BOT_RIGHTS)
    await coordinator.send("/link Noord", chat=group)
    await group.expect("nu de groepschat van Noord")
    old_id = group.id
    new_id = await group.migrate_to_supergroup(by=coordinator)

    async def moved() -> bool:
        chat = await group_chats.get(db, new_id)
        return chat is not None and chat.network_id == noord.id

    await eventually(moved)
    assert await group_chats.get(db, old_id) is None
    await coordinator.send("/link Noord", chat=group)  # the driver follows to the supergroup
    reply = await group.expect("al de groepschat van Noord")
    assert reply.chat.id == new_id


async def test_hosts_hear_when_the_bot_is_removed_from_a_linked_group(
    app: BotApplication,
    db: Database,
    noord: networks.Network,
    group: SimChat,
    coordinator: SimUser,
    chief: SimUser,
) -> None:
    await coordinator.send("/start")
    await coordinator.expect("Je bent coördinator")
    await approved(db, noord.id, chief, "police_chief", coordinator.id)
    await group.add_bot(by=coordinator, rights=BOT_RIGHTS)
    await coordinator.send("/link Noord", chat=group)
    await group.expect("nu de groepschat van Noord")
    await chief.expect("personal link")
    await group.remove_bot(by=coordinator)
    await chief.expect("I was removed from the group “Wijk Noord”")
    await coordinator.expect("verwijderd")

    async def left() -> bool:
        chat = await group_chats.get(db, group.id)
        return chat is not None and chat.left_at is not None

    await eventually(left)


async def test_a_group_nobody_links_is_left_after_a_day(
    sandbox: Sandbox, settings: Settings, tmp_path: Path, coordinator: SimUser
) -> None:
    clock = ManualClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))
    application = build_application(settings, clock=clock)
    group = sandbox.add_group("Ergens", members=[coordinator], admins=[coordinator])
    async with running(application):
        await group.add_bot(by=coordinator, rights=BOT_RIGHTS)
        await group.expect("/link")
        (job,) = application.job_queue.get_jobs_by_name("leave-unlinked-groups")  # type: ignore[union-attr]
        clock.advance(timedelta(hours=23))
        await job.run(application)
        assert coordinator.in_chat(group) == "creator"
        assert sandbox.bot_membership(group).present  # type: ignore[union-attr]
        clock.advance(timedelta(hours=2))
        await job.run(application)
        await group.expect("binnen 24 uur")
        assert not sandbox.bot_membership(group).present  # type: ignore[union-attr]
        await job.run(application)  # nothing left to do, nothing said twice
        assert len(group.bot_messages()) == 2

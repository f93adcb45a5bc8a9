"""Approval, end to end: a host approves or rejects an application with one button, once."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot import services
from bot.app import BotApplication, build_application, running
from bot.settings import Settings
from sandbox import Sandbox, SimChat, SimMessage, SimUser
from storage import group_chats, invites, memberships
from storage.group_chats import BotRights
from storage.networks import Network
from tests import given
from tests.conftest import eventually
from tests.test_intake import (
    apply_through_the_bot,
    db_of,
    in_english,
    invite_code,
    noord,
    now,
    reachable,
)


async def approved_member(
    app: BotApplication, network: Network, user: SimUser, role: str, by: SimUser
) -> None:
    """Arranged in storage: `user` went through intake and approval, and writes in English."""
    await given.approved(db_of(app), network.id, user, role, by.id, language="en")
    await reachable(user)


async def linked_group(
    app: BotApplication, sandbox: Sandbox, network: Network, host: SimUser
) -> SimChat:
    group = sandbox.add_group("Buurtnetwerk Noord", members=[host], admins=[host])
    await group.add_bot(by=host, rights={"can_invite_users": True, "can_restrict_members": True})
    db = db_of(app)
    rights = BotRights(can_invite_users=True, can_restrict_members=True)
    await group_chats.record_added(db, group.id, group.title, host.id, now(), True, rights)
    await group_chats.link(db, group.id, network.id, host.id, now())
    return group


def hhmm(app: BotApplication, decided_at: str | None) -> str:
    assert decided_at is not None
    tz = services.of(app).settings.bot.tz
    return datetime.fromisoformat(decided_at).astimezone(tz).strftime("%H:%M")


class Noord:
    """A network with two hosts (Petra, police; Marco, municipality), a key figure and Ayşe,
    who has just applied."""

    def __init__(self, app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> None:
        self.app, self.sandbox, self.coordinator = app, sandbox, coordinator
        self.petra = sandbox.add_user("Petra", language_code="en")
        self.marco = sandbox.add_user("Marco", language_code="en")
        self.bram = sandbox.add_user("Bram", language_code="en")
        self.ayse = sandbox.add_user("Ayşe", language_code="en")

    async def set_up(self, *, with_group: bool = True) -> Noord:
        self.network = await noord(self.app, self.coordinator)
        await in_english(self.coordinator)
        await approved_member(self.app, self.network, self.petra, "police_chief", self.coordinator)
        await approved_member(self.app, self.network, self.marco, "municipality", self.coordinator)
        await approved_member(self.app, self.network, self.bram, "key_figure", self.petra)
        self.group = (
            await linked_group(self.app, self.sandbox, self.network, self.petra)
            if with_group
            else None
        )
        code = await invite_code(self.app, self.network, self.petra)
        await apply_through_the_bot(self.ayse, code)
        return self

    async def application_for(self, host: SimUser) -> SimMessage:
        return await host.expect("New application for Noord")

    async def status(self) -> memberships.Membership:
        membership = await memberships.get(db_of(self.app), self.network.id, self.ayse.id)
        assert membership is not None
        return membership


@pytest.fixture
async def world(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    return await Noord(app, sandbox, coordinator).set_up()


async def test_every_host_and_the_coordinator_get_the_application(world: Noord) -> None:
    for host in (world.petra, world.marco, world.coordinator):
        application = await world.application_for(host)
        assert "Name: Ayşe" in application.text
        assert "Role: key figure" in application.text
        assert "one-to-one" in application.text
        data = [b.callback_data for row in application.buttons for b in row]
        assert data == [
            f"decide:approve:{world.network.id}:{world.ayse.id}",
            f"decide:reject:{world.network.id}:{world.ayse.id}",
        ]
        assert all(len(d.encode()) <= 64 for d in data if d)
    assert not [m for m in world.bram.private_chat.bot_messages() if "application" in m.text]


async def test_an_approved_member_gets_a_personal_join_link(world: Noord, sandbox: Sandbox) -> None:
    application = await world.application_for(world.petra)
    answer = await (await world.petra.press(application, "✅ Approve")).answered()
    assert answer.get("text") == "Approved." and not answer.get("show_alert")

    news = await world.ayse.expect("approved your membership")
    assert "Noord" in news.text and "link to the group chat follows" in news.text
    welcome = await world.ayse.expect("Join its group chat")
    [[button]] = welcome.buttons
    assert button.text == "Join the group" and button.url
    assert world.group is not None
    request = await world.ayse.join(button.url)
    assert request is not None and request.chat is world.group

    membership = await world.status()
    assert membership.status == "approved" and membership.decided_by == world.petra.id
    when = hhmm(world.app, membership.decided_at)
    await sandbox.wait_for(lambda: f"✅ Approved by Petra ({when})" in application.text)
    assert application.buttons == []
    told = await world.marco.expect("Petra approved Ayşe for Noord")
    assert told.buttons == []
    await world.coordinator.expect("Petra approved Ayşe for Noord")
    links = await memberships.open_invite_links(db_of(world.app), world.network.id, world.ayse.id)
    assert [link.invite_link for link in links] == [button.url]


async def test_a_double_tap_decides_once_and_tells_who_decided(
    world: Noord, sandbox: Sandbox
) -> None:
    application = await world.application_for(world.petra)
    first = await world.petra.press(application, "✅ Approve")
    second = await world.petra.press(application, "✅ Approve")
    answers = [await first.answered(), await second.answered()]
    when = hhmm(world.app, (await world.status()).decided_at)
    assert answers[0]["text"] == "Approved."
    assert answers[1] == {
        **answers[1],
        "text": f"Already approved by Petra ({when}).",
        "show_alert": True,
    }
    await world.ayse.expect("Join its group chat")
    welcomes = [m for m in world.ayse.private_chat.bot_messages() if "approved" in m.text]
    assert len(welcomes) == 1


async def test_two_hosts_at_once_make_one_decision(world: Noord, sandbox: Sandbox) -> None:
    for_petra = await world.application_for(world.petra)
    for_marco = await world.application_for(world.marco)
    by_marco = await world.marco.press(for_marco, "❌ Reject")
    by_petra = await world.petra.press(for_petra, "✅ Approve")
    marco_answer, petra_answer = await by_marco.answered(), await by_petra.answered()

    membership = await world.status()
    assert membership.status == "rejected" and membership.decided_by == world.marco.id
    when = hhmm(world.app, membership.decided_at)
    assert marco_answer["text"] == "Rejected."
    assert petra_answer["text"] == f"Already rejected by Marco ({when})."
    assert petra_answer["show_alert"] is True
    await sandbox.wait_for(lambda: f"❌ Rejected by Marco ({when})" in for_petra.text)
    assert for_petra.buttons == [] and for_marco.buttons == []

    await world.ayse.expect("will not become a member")
    assert not [m for m in world.ayse.private_chat.bot_messages() if "approved" in m.text]
    assert (
        await memberships.open_invite_links(db_of(world.app), world.network.id, world.ayse.id) == []
    )


async def test_a_rejected_applicant_gets_a_kind_word(world: Noord, sandbox: Sandbox) -> None:
    application = await world.application_for(world.coordinator)
    await (await world.coordinator.press(application, "❌ Reject")).answered()
    kind = await world.ayse.expect("Thank you for your interest in Noord")
    assert "will not become a member" in kind.text
    membership = await world.status()
    assert membership.status == "rejected"
    assert membership.decided_by == world.coordinator.id and membership.decided_at is not None
    await world.petra.expect("Carla rejected the application of Ayşe for Noord")
    when = hhmm(world.app, membership.decided_at)
    late = await world.application_for(world.marco)
    # Marco's copy shows it; a press that was on its way before the edit hears who decided.
    await world.sandbox.wait_for(lambda: f"❌ Rejected by Carla ({when})" in late.text)
    assert late.buttons == []
    stale = f"decide:approve:{world.network.id}:{world.ayse.id}"
    answer = await (await world.marco.press(late, data=stale)).answered()
    assert answer["text"] == f"Already rejected by Carla ({when})."


async def test_a_forged_decide_button_is_refused(world: Noord, sandbox: Sandbox) -> None:
    stranger = sandbox.add_user("Mallory", language_code="en")
    forged = f"decide:approve:{world.network.id}:{world.ayse.id}"
    for presser in (world.bram, stranger):
        await presser.send("/help")
        reply = await presser.expect("What you can do here")
        answer = await (await presser.press(reply, data=forged)).answered()
        assert answer["show_alert"] is True
        assert "only the network's police chief" in answer["text"]
    assert (await world.status()).status == "awaiting_approval"

    # A host of the network pressing a stale button for nobody, or for no network.
    await world.petra.send("/help")
    reply = await world.petra.expect("What you can do here")
    nobody = f"decide:approve:{world.network.id}:42"
    answer = await (await world.petra.press(reply, data=nobody)).answered()
    assert answer["show_alert"] is True and "no longer exists" in answer["text"]
    await world.coordinator.send("/help")
    reply = await world.coordinator.expect("What you can do here")
    answer = await (await world.coordinator.press(reply, data="decide:reject:999:1")).answered()
    assert answer["show_alert"] is True and "no longer exists" in answer["text"]
    await world.petra.send("/help")
    reply = await world.petra.expect("What you can do here")
    bad_shape = await (await world.petra.press(reply, data="decide:maybe:1:2")).answered()
    assert bad_shape["show_alert"] is True  # the general "this button no longer works"


async def test_a_button_for_a_withdrawn_application_says_so(world: Noord, sandbox: Sandbox) -> None:
    application = await world.application_for(world.petra)
    # Marco took Ayşe off the roster before Petra got to her application.
    db = db_of(world.app)
    await memberships.remove(db, world.network.id, world.ayse.id, world.marco.id, now())
    answer = await (await world.petra.press(application, "✅ Approve")).answered()
    assert answer["show_alert"] is True and "no longer open" in answer["text"]
    await sandbox.wait_for(lambda: application.buttons == [])
    assert (await world.status()).status == "removed"


async def test_a_second_invite_leaves_a_pending_application_as_it_is(world: Noord) -> None:
    application = await world.application_for(world.petra)
    # Marco, not knowing she applied already, sends Ayşe a link too, and she opens it.
    code = await invite_code(world.app, world.network, world.marco)
    await world.ayse.send(f"/start {code}")
    told = await world.ayse.expect("You have already applied to Noord")
    assert "as soon as it is decided" in told.text and "stays unused" in told.text
    pending = await world.status()
    assert (pending.status, pending.display_name, pending.reach) == (
        "awaiting_approval",
        "Ayşe",
        "jongeren",
    )
    unused = await invites.by_code(db_of(world.app), code)
    assert unused is not None and unused.used_at is None

    answer = await (await world.petra.press(application, "✅ Approve")).answered()
    assert answer["text"] == "Approved."
    await world.ayse.expect("approved your membership")


async def test_without_a_group_the_member_hears_the_link_follows(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    world = await Noord(app, sandbox, coordinator).set_up(with_group=False)
    application = await world.application_for(world.marco)
    await (await world.marco.press(application, "✅ Approve")).answered()
    news = await world.ayse.expect("approved your membership")
    assert "group chat isn't set up yet" in news.text
    assert "112" in news.text
    assert not [m for m in world.ayse.private_chat.bot_messages() if m.buttons]


# --- every approver's copy shows the decision -----------------------------------------------------


async def cards_to_edit(app: BotApplication) -> int:
    rows = await db_of(app).fetch_all("SELECT * FROM application_cards WHERE edited_at IS NULL")
    return len(rows)


async def cards_recorded(app: BotApplication, count: int) -> None:
    """The copies are recorded once Telegram confirmed them (so they can be edited later)."""

    async def recorded() -> bool:
        return await cards_to_edit(app) == count

    await eventually(recorded)


async def test_one_host_decides_and_every_other_copy_says_who_and_loses_its_buttons(
    world: Noord, sandbox: Sandbox
) -> None:
    for_petra = await world.application_for(world.petra)
    for_marco = await world.application_for(world.marco)
    for_carla = await world.application_for(world.coordinator)
    await cards_recorded(world.app, 3)
    await (await world.marco.press(for_marco, "✅ Approve")).answered()

    when = hhmm(world.app, (await world.status()).decided_at)
    for copy in (for_petra, for_carla, for_marco):
        await sandbox.wait_for(lambda c=copy: f"✅ Approved by Marco ({when})" in c.text)  # type: ignore[misc]
        assert copy.buttons == []
        assert "Name: Ayşe" in copy.text  # still the application it was
    await cards_recorded(world.app, 0)  # nothing left to edit
    # Ayşe hears truthfully who approved her, and in what role.
    news = await world.ayse.expect("approved your membership")
    assert news.text.startswith("Good news: Marco (municipality")
    assert "has approved your membership of Noord" in news.text and "hosts" not in news.text


async def test_a_coordinator_who_approves_is_named_as_the_coordinator(
    world: Noord, sandbox: Sandbox
) -> None:
    for_carla = await world.application_for(world.coordinator)
    for_petra = await world.application_for(world.petra)
    await (await world.coordinator.press(for_carla, "✅ Approve")).answered()
    news = await world.ayse.expect("approved your membership")
    assert news.text.startswith("Good news: Carla (coordinator) has approved your membership")
    when = hhmm(world.app, (await world.status()).decided_at)
    await sandbox.wait_for(lambda: f"✅ Approved by Carla ({when})" in for_petra.text)
    assert for_petra.buttons == []


async def test_a_restart_between_the_decision_and_the_edit_loses_nothing(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    async with running(build_application(settings)) as app:
        world = await Noord(app, sandbox, coordinator).set_up()
        for_petra = await world.application_for(world.petra)
        for_marco = await world.application_for(world.marco)
        for_carla = await world.application_for(world.coordinator)
        await cards_recorded(app, 3)
        # Telegram does not take edits in Marco's chat for a while.
        sandbox.faults.outage(methods=["editMessageText"], chat_ids=[world.marco.id])
        await (await world.petra.press(for_petra, "❌ Reject")).answered()
        when = hhmm(app, (await world.status()).decided_at)
        await sandbox.wait_for(lambda: f"❌ Rejected by Petra ({when})" in for_carla.text)
        await sandbox.wait_for(
            lambda: ("editMessageText", 502) in sandbox.faults.injected, timeout=15
        )
        assert for_marco.buttons != []  # not edited yet: it is still to be edited
        await cards_recorded(app, 1)
    sandbox.faults.recover()

    async with running(build_application(settings)) as app:  # at start, it is edited
        world.app = app
        await sandbox.wait_for(lambda: f"❌ Rejected by Petra ({when})" in for_marco.text)
        assert for_marco.buttons == []
        await cards_recorded(app, 0)
        # A press that was on its way before the edit hears who decided.
        stale = f"decide:approve:{world.network.id}:{world.ayse.id}"
        answer = await (await world.marco.press(for_marco, data=stale)).answered()
        assert answer["text"] == f"Already rejected by Petra ({when})."
        assert answer["show_alert"] is True
        assert (await world.status()).status == "rejected"


async def test_a_copy_that_arrives_after_the_decision_shows_it_at_once(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    async with running(build_application(settings)) as app:
        world = Noord(app, sandbox, coordinator)
        # Marco's copy is held up on its way (Telegram answers late), Petra decides meanwhile.
        sandbox.faults.slow("sendMessage", 3, chat_id=world.marco.id, after=True)
        await world.set_up()
        for_petra = await world.application_for(world.petra)
        await (await world.petra.press(for_petra, "✅ Approve")).answered()
        when = hhmm(app, (await world.status()).decided_at)
        for_marco = await world.application_for(world.marco)
        await sandbox.wait_for(lambda: f"✅ Approved by Petra ({when})" in for_marco.text)
        assert for_marco.buttons == []
        sandbox.faults.slow("sendMessage", 0, chat_id=world.marco.id)

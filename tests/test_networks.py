"""Networks end to end: a coordinator sets one up, everyone sees their own (appointing
coordinators: test_appoint)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import services
from bot.app import BotApplication
from sandbox import Sandbox, SimChat, SimUser
from storage import group_chats, invites, memberships, networks
from storage.group_chats import BotRights
from storage.networks import Network
from tests import given

FULL_RIGHTS = {"can_invite_users": True, "can_restrict_members": True}


# --- arranging the world (shared with test_invites and test_roster) ------------------------


async def in_english(user: SimUser) -> None:
    """The person starts talking to the bot, in English (the Dutch catalog is done later)."""
    await user.send("/language en")
    await user.expect("I'll write to you in English from now on.")


async def a_network(app: BotApplication, name: str = "Noord", by: int = 1) -> Network:
    db = services.of(app).database
    return await networks.create(db, name, None, by, datetime.now(UTC))


async def a_member(
    app: BotApplication, network: Network, user: SimUser, role: str, name: str
) -> None:
    """`user` went through the intake and the hosts approved them."""
    await given.approved(services.of(app).database, network.id, user, role, 1, name=name)


async def a_linked_group(
    app: BotApplication,
    sandbox: Sandbox,
    network: Network,
    owner: SimUser,
    members: list[SimUser],
    rights: dict[str, bool] | None = None,
) -> SimChat:
    """The network's group chat, with the bot as administrator and `members` in it."""
    group = sandbox.add_group(f"{network.name} chat", members=[owner, *members], admins=[owner])
    rights = FULL_RIGHTS if rights is None else rights
    await group.add_bot(by=owner, rights=rights)
    db = services.of(app).database
    now = datetime.now(UTC)
    await group_chats.record_added(
        db, group.id, group.title, owner.id, now, True, BotRights(**rights)
    )
    await group_chats.link(db, group.id, network.id, owner.id, now)
    return group


# --- /newnetwork ---------------------------------------------------------------------------


async def test_a_coordinator_sets_up_a_network_and_invites_its_police_chief(
    app: BotApplication, coordinator: SimUser
) -> None:
    await in_english(coordinator)
    await coordinator.send("/newnetwork Noord | Amsterdam-Noord")
    created = await coordinator.expect("The network Noord in Amsterdam-Noord is set up")
    assert "/link Noord" in created.text  # what to do next
    assert created.button_texts() == [
        "Invite a police chief",
        "Invite a municipality contact",
        "Invite a key figure",
    ]
    db = services.of(app).database
    network = await networks.by_name(db, "noord")
    assert network is not None and network.area == "Amsterdam-Noord"
    assert network.created_by == coordinator.id

    await (await coordinator.press(created, "Invite a police chief")).answered()
    sent = await coordinator.expect("invite for a police chief of Noord")
    [open_invite] = await invites.list_open(db, network.id, datetime.now(UTC))
    assert open_invite.role == "police_chief"
    assert f"https://t.me/bondgenoten_bot?start={open_invite.code}" in sent.text


async def test_a_taken_name_or_no_name_gets_a_clear_answer(
    app: BotApplication, coordinator: SimUser
) -> None:
    await in_english(coordinator)
    await a_network(app, "Noord")
    await coordinator.send("/newnetwork noord")
    await coordinator.expect("There is already a network called “noord”")
    await coordinator.send("/newnetwork")
    answer = await coordinator.expect("Give the network a name")
    assert "/newnetwork Noord | Amsterdam-Noord" in answer.text
    assert [n.name for n in await networks.all(services.of(app).database)] == ["Noord"]


async def test_a_key_figure_cannot_create_a_network(app: BotApplication, sandbox: Sandbox) -> None:
    ayse = sandbox.add_user("Ayşe", language_code="en")
    await in_english(ayse)
    noord = await a_network(app)
    await a_member(app, noord, ayse, "key_figure", "Ayşe")
    await ayse.send("/newnetwork Zuid")
    await ayse.expect("Sorry, only")
    assert await networks.by_name(services.of(app).database, "Zuid") is None


# --- /networks -----------------------------------------------------------------------------


async def test_each_person_sees_the_networks_they_may_see(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    petra = sandbox.add_user("Petra", language_code="en")
    ayse = sandbox.add_user("Ayşe", language_code="en")
    stranger = sandbox.add_user("Sam", language_code="en")
    for user in (coordinator, petra, ayse, stranger):
        await in_english(user)
    noord = await a_network(app, "Noord")
    await a_network(app, "Zuid")
    await a_member(app, noord, petra, "police_chief", "Petra")
    await a_member(app, noord, ayse, "key_figure", "Ayşe")
    await a_linked_group(app, sandbox, noord, petra, [ayse])
    db = services.of(app).database
    waiting = await invites.create(db, noord.id, "key_figure", petra.id, datetime.now(UTC))
    bram = sandbox.add_user("Bram", language_code="en")
    await invites.redeem(db, waiting.code, bram.id, datetime.now(UTC))
    await memberships.save_intake(
        db, noord.id, bram.id, datetime.now(UTC), answers={"display_name": "Bram"}, consent=True
    )
    await memberships.submit(db, noord.id, bram.id, datetime.now(UTC))

    await coordinator.send("/networks")
    overview = await coordinator.expect("All networks")
    assert "Noord\n2 members · 1 awaiting approval · 1 group chat" in overview.text
    assert "Zuid\n0 members · 0 awaiting approval · 0 group chats" in overview.text

    await petra.send("/networks")
    own = await petra.expect("Your networks")
    assert "Noord – you are its police chief" in own.text
    assert "Zuid" not in own.text
    await ayse.send("/networks")
    assert "Noord – you are its key figure" in (await ayse.expect("Your networks")).text

    await stranger.send("/networks")
    answer = await stranger.expect("You are not in a network yet")
    assert "invitation" in answer.text
    await in_english(bram)
    await bram.send("/networks")
    assert "(Noord) is still open" in (await bram.expect("not in a network yet")).text

"""Who may do what, walked through every command and button of the membership feature.

The table below is the specification, written out by hand (not derived from domain.access): for
each command or button, the people who may use it. Everyone else must get a polite refusal
that says who can, and nothing may happen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot import services
from bot.app import BotApplication
from sandbox import Sandbox, SimChat, SimUser
from storage import invites, memberships
from tests.test_networks import a_linked_group, a_member, a_network, in_english

REFUSAL = "Sorry, only"
EVERYONE = ("coordinator", "chief", "municipality", "key_figure", "other_host", "stranger")
HOSTS = ("coordinator", "chief", "municipality")


@dataclass
class World:
    people: dict[str, SimUser]
    group: SimChat
    noord_id: int
    applicant: SimUser
    target: SimUser


@pytest.fixture
async def world(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> World:
    noord = await a_network(app, "Noord", coordinator.id)
    zuid = await a_network(app, "Zuid", coordinator.id)
    people = {"coordinator": coordinator}
    for key, network, role in (
        ("chief", noord, "police_chief"),
        ("municipality", noord, "municipality"),
        ("key_figure", noord, "key_figure"),
        ("other_host", zuid, "police_chief"),
        ("stranger", None, None),
    ):
        person = sandbox.add_user(key.replace("_", " ").title(), language_code="en")
        if network is not None and role is not None:
            await a_member(app, network, person, role, person.first_name)
        people[key] = person
    for person in people.values():
        await in_english(person)
    applicant = sandbox.add_user("Applicant", language_code="en")
    await in_english(applicant)
    await a_member(app, noord, applicant, "key_figure", "Applicant")  # a member to remove
    target = sandbox.add_user("Target", language_code="en")
    group = await a_linked_group(app, sandbox, noord, coordinator, list(people.values())[1:])
    return World(people, group, noord.id, applicant, target)


COMMANDS: list[tuple[str, tuple[str, ...]]] = [
    ("/newnetwork Net-{who}", ("coordinator",)),
    ("/appoint {target}", ("coordinator",)),
    ("/coordinators", ("coordinator",)),
    ("/invite Noord key_figure", HOSTS),
    ("/invite Noord police_chief", ("coordinator",)),
    ("/invite Noord municipality", ("coordinator",)),
    ("/invites Noord", HOSTS),
    ("/members Noord", HOSTS),
]


@pytest.mark.parametrize(("command", "allowed"), COMMANDS, ids=[c for c, _a in COMMANDS])
async def test_private_commands(world: World, command: str, allowed: tuple[str, ...]) -> None:
    for who in EVERYONE:
        person = world.people[who]
        await person.send(command.format(who=who, target=world.target.id))
        answer = await person.expect(None)
        refused = REFUSAL in (answer.text or "")
        assert refused == (who not in allowed), f"{command} by {who}: {answer.text!r}"


async def test_linking_the_group(world: World) -> None:
    await world.group.expect("Hello")  # the bot's greeting when it was added
    for who in EVERYONE:
        await world.people[who].send("/link Noord", chat=world.group)
        answer = await world.group.expect(None)
        refused = REFUSAL in (answer.text or "")
        assert refused == (who not in HOSTS), f"/link by {who}: {answer.text!r}"


BUTTONS: list[tuple[str, tuple[str, ...]]] = [
    ("inv:new:{nid}:key_figure", HOSTS),
    ("inv:new:{nid}:police_chief", ("coordinator",)),
    ("inv:pick:{nid}", HOSTS),
    ("roster:remove:{nid}:{applicant}", HOSTS),
    ("roster:show:{nid}:1", HOSTS),
    ("coord:wd:{applicant}", ("coordinator",)),
    ("coord:list:0", ("coordinator",)),
]


@pytest.mark.parametrize(("data", "allowed"), BUTTONS, ids=[b for b, _a in BUTTONS])
async def test_buttons(world: World, data: str, allowed: tuple[str, ...]) -> None:
    for who in EVERYONE:
        person = world.people[who]
        await person.send("/help")
        anchor = await person.expect("What you can do here")
        forged = data.format(nid=world.noord_id, applicant=world.applicant.id)
        answer = await (await person.press(anchor, data=forged)).answered()
        refused = REFUSAL in (answer.get("text") or "")
        assert refused == (who not in allowed), f"{forged} by {who}: {answer}"


async def test_deciding_an_application(app: BotApplication, world: World, sandbox: Sandbox) -> None:
    """Only hosts and coordinators decide; after the first decision the others hear who."""
    db = services.of(app).database
    now = datetime.now(UTC)
    newcomer = sandbox.add_user("Newcomer", language_code="en")
    await in_english(newcomer)
    invite = await invites.create(db, world.noord_id, "key_figure", world.people["chief"].id, now)
    await invites.redeem(db, invite.code, newcomer.id, now)
    await memberships.save_intake(
        db, world.noord_id, newcomer.id, now, answers={"display_name": "Newcomer"}, consent=True
    )
    await memberships.submit(db, world.noord_id, newcomer.id, now)
    outcomes = {}
    for who in ("key_figure", "other_host", "stranger", "chief", "municipality", "coordinator"):
        person = world.people[who]
        await person.send("/help")
        anchor = await person.expect("What you can do here")
        data = f"decide:approve:{world.noord_id}:{newcomer.id}"
        answer = await (await person.press(anchor, data=data)).answered()
        outcomes[who] = answer.get("text") or ""
    for who in ("key_figure", "other_host", "stranger"):
        assert REFUSAL in outcomes[who], (who, outcomes[who])
    assert REFUSAL not in outcomes["chief"]
    for who in ("municipality", "coordinator"):
        assert "Already approved by" in outcomes[who], (who, outcomes[who])
    decided = await memberships.get(db, world.noord_id, newcomer.id)
    assert decided is not None and decided.status == "approved"
    assert decided.decided_by == world.people["chief"].id

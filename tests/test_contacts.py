"""/contacts: a member sees the members of their network who chose to show their number to the
other members – nobody else, and nobody who is not (or no longer) an approved member.

Noord: Petra (police chief: the hosts may call her, members may not see it), Bram (key figure,
shows his number to members), Aylin (key figure, both), Kees (showed it, then left) and Wim
(showed it, application not yet approved). Zuid: Bram again, and nobody shows a number there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot import services
from bot.app import BotApplication
from bot.fit import LIMIT, visible_length
from bot.i18n import translator
from domain import contacts
from sandbox import Sandbox, SimUser
from storage import invites, memberships, networks
from storage.database import Database
from storage.memberships import Membership
from storage.networks import Network
from tests import given

NOW = datetime.now(UTC)


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


@dataclass
class World:
    noord: Network
    zuid: Network
    petra: SimUser
    bram: SimUser
    aylin: SimUser
    kees: SimUser
    wim: SimUser


@pytest.fixture
async def world(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> World:
    db = db_of(app)
    noord = await networks.create(db, "Noord", None, coordinator.id, NOW)
    zuid = await networks.create(db, "Zuid", None, coordinator.id, NOW)
    petra, bram, aylin, kees, wim = (
        sandbox.add_user(name, language_code="en")
        for name in ("Petra", "Bram", "Aylin", "Kees", "Wim")
    )
    await given.approved(db, noord.id, petra, "police_chief", coordinator.id, phone="+31611110000")
    await given.approved(
        db, noord.id, bram, "key_figure", petra.id, phone="+31622220000", members_phone=True
    )
    await memberships.save_details(db, noord.id, bram.id, NOW, {"phone_to_hosts": False})
    await memberships.save_details(db, noord.id, bram.id, NOW, {"organisation": "Moskee Noord"})
    await given.approved(
        db, noord.id, aylin, "key_figure", petra.id, phone="+31633330000", members_phone=True
    )
    await given.approved(
        db, noord.id, kees, "key_figure", petra.id, phone="+31644440000", members_phone=True
    )
    await memberships.remove(db, noord.id, kees.id, kees.id, NOW)
    invite = await invites.create(db, noord.id, "key_figure", petra.id, NOW)
    await invites.redeem(db, invite.code, wim.id, NOW)
    answers = {"display_name": "Wim", "phone": "+31655550000", "phone_to_members": True}
    await memberships.save_intake(db, noord.id, wim.id, NOW, answers=answers, consent=True)
    await memberships.submit(db, noord.id, wim.id, NOW)
    await given.approved(db, zuid.id, bram, "key_figure", coordinator.id)
    return World(noord, zuid, petra, bram, aylin, kees, wim)


async def test_a_member_sees_only_who_chose_to_show_their_number_to_members(
    world: World, sandbox: Sandbox
) -> None:
    bram = world.bram
    await bram.send("/contacts")
    which = await bram.expect("Whose contacts")
    assert which.button_texts() == ["Noord", "Zuid"]
    await bram.press(which, "Noord")
    await sandbox.wait_for(lambda: "Contacts in Noord" in (which.text or ""))
    text = which.text or ""
    assert "Aylin" in text and "+31633330000" in text
    assert "Bram · Moskee Noord" in text and "+31622220000" in text
    assert "Your own number is in this list" in text
    for hidden in ("Petra", "+31611110000", "Kees", "+31644440000", "Wim", "+31655550000"):
        assert hidden not in text  # hosts only / left / not yet approved

    await bram.send("/contacts Zuid")
    nobody = await bram.expect("Nobody in Zuid shows their number")
    assert "Your own number is not in this list" in nobody.text

    await world.petra.send("/contacts")  # one network: the list at once
    petra_sees = await world.petra.expect("Contacts in Noord")
    assert "Aylin" in petra_sees.text and "Your own number is not in this list" in petra_sees.text


async def test_strangers_former_members_and_applicants_get_a_reason_not_a_list(
    app: BotApplication, world: World, sandbox: Sandbox
) -> None:
    for outsider in (world.kees, world.wim, sandbox.add_user("Mallory", language_code="en")):
        await outsider.send("/contacts")
        answer = await outsider.expect("/contacts is for members of a network")
        assert "+316" not in answer.text
    await world.kees.send("/contacts Noord")
    await world.kees.expect("Only members of Noord see its contacts")

    # Bram's picker is still on screen when he leaves Zuid: the button no longer shows it.
    bram = world.bram
    await bram.send("/contacts")
    which = await bram.expect("Whose contacts")
    await memberships.remove(db_of(app), world.zuid.id, bram.id, bram.id, NOW)
    await bram.press(which, "Zuid")
    await sandbox.wait_for(lambda: "Only members of Zuid" in (which.text or ""))


def member(i: int) -> Membership:
    return Membership(
        network_id=1,
        user_id=i,
        role="key_figure",
        status="approved",
        intake_step=None,
        display_name="&" * 63 + str(i % 10),
        organisation="<" * 300,
        reach=None,
        phone="+" + "9" * 30,
        phone_to_hosts=False,
        phone_to_members=True,
        diet=None,
        consent_at=None,
        invite_id=None,
        submitted_at=None,
        decided_by=None,
        decided_at=None,
        joined_at=None,
        last_active_at=None,
        removed_at=None,
        removed_by=None,
    )


@pytest.mark.parametrize("language", ["nl", "en"])
def test_fifteen_members_with_the_longest_details_fit_one_message(language: str) -> None:
    _ = translator(language)
    network = Network(1, "N" * 200, None, None, NOW.isoformat())
    listed = [member(i) for i in range(15)]
    text = contacts.contacts_text(_, network, listed, listed[0])
    assert visible_length(text) <= LIMIT
    assert text.count("+" + "9" * 30) == 15

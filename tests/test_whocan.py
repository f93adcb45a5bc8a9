"""/whocan: a member finds who in their own networks can help, who reaches whom, and who wants
to learn it; if nobody, the bot asks who they know, whether they can do it, or want to learn it.

Noord: Karin (police chief), Ahmed (key figure: translates Arabic, reaches the mosque, shows
his number to the members), Eve (wants to learn Arabic, shows no number), Wim (who asks) and
Sam (in Noord and Zuid, known differently in each, shows his number only in Zuid). Zuid: Hank
(police chief) and Zoë (translates Arabic, never found from Noord). Carla coordinates and is a
member of no network. A group chat is linked to Noord.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot import services
from bot.app import BotApplication
from bot.fit import LIMIT, visible_length
from bot.i18n import translator
from domain import talents
from domain.talents import Kind
from sandbox import Sandbox, SimChat, SimMessage, SimUser
from storage import group_chats, memberships, networks
from storage import talents as store
from storage.database import Database
from storage.group_chats import BotRights
from storage.networks import Network
from tests import given

NOW = datetime.now(UTC)
AHMED_PHONE = "+31622220000"
SAM_PHONE = "+31677770000"


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


@dataclass
class World:
    noord: Network
    zuid: Network
    karin: SimUser
    ahmed: SimUser
    eve: SimUser
    wim: SimUser
    sam: SimUser
    hank: SimUser
    zoe: SimUser
    carla: SimUser
    group: SimChat
    db: Database


async def items(db: Database, user: SimUser, kind: str, *texts: str) -> None:
    outcome, _new = await store.add(db, user.id, kind, list(texts), NOW, talents.MOST)
    assert outcome is store.Added.ADDED


@pytest.fixture
async def world(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> World:
    db = db_of(app)
    noord = await networks.create(db, "Noord", None, coordinator.id, NOW)
    zuid = await networks.create(db, "Zuid", None, coordinator.id, NOW)
    karin, ahmed, eve, wim, sam, hank, zoe = (
        sandbox.add_user(name, language_code="en")
        for name in ("Karin", "Ahmed", "Eve", "Wim", "Sam", "Hank", "Zoë")
    )
    by = coordinator.id
    await given.approved(db, noord.id, karin, "police_chief", by, phone="+31611110000")
    await given.approved(
        db, noord.id, ahmed, "key_figure", by, phone=AHMED_PHONE, members_phone=True
    )
    await given.approved(db, noord.id, eve, "key_figure", by, phone="+31633330000")
    await given.approved(db, noord.id, wim, "key_figure", by)
    await given.approved(db, noord.id, sam, "key_figure", by, name="Sam N")
    await given.approved(db, zuid.id, sam, "key_figure", by, name="Sam Z")
    await memberships.save_details(
        db, zuid.id, sam.id, NOW, {"phone": SAM_PHONE, "phone_to_members": True}
    )
    await given.approved(db, zuid.id, hank, "police_chief", by)
    await given.approved(db, zuid.id, zoe, "key_figure", by, phone="+31688880000")
    await memberships.save_details(db, zuid.id, zoe.id, NOW, {"phone_to_members": True})
    await items(db, ahmed, "can", "Arabisch vertalen", "koken")
    await items(db, ahmed, "reach", "de moskee")
    await items(db, eve, "learn", "Arabisch")
    await items(db, sam, "can", "Arabische les geven")
    await items(db, sam, "reach", "de voetbalclub")
    await items(db, zoe, "can", "Arabisch tolk")
    group = sandbox.add_group("Wijk Noord", members=[karin, ahmed, wim], admins=[karin])
    await group.add_bot(by=karin, rights={"can_invite_users": True, "can_restrict_members": True})
    rights = BotRights(can_invite_users=True, can_restrict_members=True)
    await group_chats.record_added(db, group.id, group.title, karin.id, NOW, True, rights)
    await group_chats.link(db, group.id, noord.id, karin.id, NOW)
    return World(noord, zuid, karin, ahmed, eve, wim, sam, hank, zoe, coordinator, group, db)


async def tap(user: SimUser, message: SimMessage, label: str) -> dict[str, object]:
    return await (await user.press(message, label)).answered()


def entries(answer: SimMessage) -> list[str]:
    return [line for line in answer.text.splitlines() if line.startswith("• ")]


# --- who can, who reaches whom, who wants to learn it ----------------------------------------


async def test_a_member_finds_who_can_and_who_wants_to_learn_it(world: World) -> None:
    wim = world.wim
    await wim.send("/whocan arabisch")
    answer = await wim.expect("Who can help with “arabisch”?")
    text = answer.text
    assert "🙋 Who can do this" in text and "📚 Who wants to learn it too" in text
    # Ahmed shows his number to the members; Sam only to Zuid's; Eve to nobody.
    assert entries(answer) == [
        f"• Ahmed: Arabisch vertalen · 📞 {AHMED_PHONE}",
        "• Sam N: Arabische les geven · ✉️ via the police chief or municipality",
        "• Eve: Arabisch · ✉️ via the police chief or municipality",
    ]
    assert "The police chief and the municipality of your network can put you in touch" in text
    assert "Do you know someone else who can?" in text
    # Nothing from Zuid: not Zoë, not Sam's name or number there.
    for elsewhere in ("Zoë", "tolk", "Sam Z", SAM_PHONE, "Zuid", "koken"):
        assert elsewhere not in text, elsewhere
    assert answer.button_texts() == ["🙋 I can do this", "📚 I want to learn this"]

    # Who reaches whom.
    await wim.send("/whocan de Moskeeën")
    reach = await wim.expect("Who can help with “de Moskeeën”?")
    assert "🤝 Who is in touch with them" in reach.text
    assert entries(reach) == [f"• Ahmed: de moskee · 📞 {AHMED_PHONE}"]
    assert "put you in touch" not in reach.text
    assert reach.button_texts()[-1] == "🤝 I reach them too"
    await tap(wim, reach, "🤝 I reach them too")
    await wim.expect("On your list “Whom I reach”: de Moskeeën")

    # Wim can do it too: one tap puts it on his own list.
    await tap(wim, answer, "🙋 I can do this")
    added = await wim.expect("On your list “What I can do”: arabisch")
    assert "/profile" in added.text
    assert [(t.kind, t.text) for t in await store.of_user(world.db, wim.id)] == [
        ("can", "arabisch"),
        ("reach", "de Moskeeën"),
    ]


async def test_nobody_then_the_four_questions_and_the_need_goes_on_ones_own_list(
    world: World,
) -> None:
    wim, db = world.wim, world.db
    await wim.send("/whocan fietsen repareren")
    answer = await wim.expect("Nobody in Noord has “fietsen repareren” on their list yet.")
    assert "Do you know someone who can? Ask them, or ask the police chief" in answer.text
    assert "Can you do it yourself? 📚 Would you like to learn it? Tap below." in answer.text
    assert entries(answer) == []
    await tap(wim, answer, "📚 I want to learn this")
    await wim.expect("On your list “What I want to learn”: fietsen repareren")
    await tap(wim, answer, "📚 I want to learn this")  # a second tap adds nothing
    await wim.expect("“fietsen repareren” was already on your list “What I want to learn”.")
    assert [(t.kind, t.text) for t in await store.of_user(db, wim.id)] == [
        ("learn", "fietsen repareren")
    ]
    # Now Eve asks: Wim wants to learn it, nobody can do it yet.
    await world.eve.send("/whocan fiets")
    learners = await world.eve.expect("Nobody in Noord has “fiets” on their list yet.")
    assert entries(learners) == [
        "• Wim: fietsen repareren · ✉️ via the police chief or municipality"
    ]


async def test_an_empty_need_is_asked_for_and_bad_needs_get_a_reason(world: World) -> None:
    wim = world.wim
    await wim.send("/whocan")
    asked = await wim.expect("What are you looking for?")
    assert asked.button_texts() == ["Cancel"]
    await wim.send("de het een")  # nothing to search on: asked again
    await wim.expect("I can't search on “de het een”")
    await wim.send("x" * 61)
    await wim.expect("at most 60 characters")
    await wim.send("koken")
    found = await wim.expect("Who can help with “koken”?")
    assert entries(found) == [f"• Ahmed: koken · 📞 {AHMED_PHONE}"]
    await wim.send("moskee")  # the question was answered: the next text is no question
    await wim.expect("I work with commands and buttons")

    await wim.send("/whocan")
    await wim.expect("What are you looking for?")
    await wim.send("/cancel")
    await wim.expect("Your /whocan question")
    await wim.send("/whocan   ")
    await wim.expect("What are you looking for?")


async def test_a_need_too_long_for_a_button_points_to_profile(world: World) -> None:
    need = "é" * 40  # 80 bytes: no button could carry it
    await world.wim.send(f"/whocan {need}")
    answer = await world.wim.expect(f"Nobody in Noord has “{need}”")
    assert answer.buttons == [] or answer.button_texts() == []
    assert "To put it on your own list, use /profile." in answer.text


async def test_an_open_application_is_not_dropped_for_a_question(
    app: BotApplication, world: World
) -> None:
    db = db_of(app)
    from storage import invites

    invite = await invites.create(db, world.zuid.id, "key_figure", world.carla.id, NOW)
    await world.wim.send(f"/start {invite.code}")
    await world.wim.expect("What name")
    await world.wim.send("/whocan")
    await world.wim.expect("Type what you are looking for after /whocan")
    await world.wim.send("Wim")  # still his application's answer
    await world.wim.expect("organisation")


# --- who may ask, and what reaches whom ----------------------------------------------------


async def test_permission_matrix(world: World, sandbox: Sandbox) -> None:
    stranger = sandbox.add_user("Bob", language_code="en")
    # A stranger and a coordinator who is in no network: told what it is for, nothing found.
    for outsider in (stranger, world.carla):
        await outsider.send("/language en")
        await outsider.expect("English")
        await outsider.send("/whocan arabisch")
        refused = await outsider.expect("It is for members of a network")
        assert "Ahmed" not in refused.text and refused.buttons == []
    # A member of another network (Zoë): her own network only, herself left out.
    await world.zoe.send("/whocan arabisch")
    zuid = await world.zoe.expect("Who can help with “arabisch”?")
    assert entries(zuid) == [f"• Sam Z: Arabische les geven · 📞 {SAM_PHONE}"]
    # A host of another network (Hank): Zuid's members, never Noord's.
    await world.hank.send("/whocan arabisch")
    hank = await world.hank.expect("Who can help with “arabisch”?")
    assert [e.split(":")[0] for e in entries(hank)] == ["• Sam Z", "• Zoë"]
    assert "Ahmed" not in hank.text and AHMED_PHONE not in hank.text
    # A member and a host of Noord get the same answer: a host sees no more here.
    answers = []
    for asker in (world.wim, world.karin):
        await asker.send("/whocan arabisch")
        answers.append(await asker.expect("Who can help with “arabisch”?"))
    assert entries(answers[0]) == entries(answers[1]) and len(entries(answers[0])) == 3
    # Sam, in both networks, sees both, each named as its network knows them.
    await world.sam.send("/whocan arabisch")
    both = await world.sam.expect("Who can help with “arabisch”?")
    assert entries(both) == [
        f"• Ahmed (Noord): Arabisch vertalen · 📞 {AHMED_PHONE}",
        "• Zoë (Zuid): Arabisch tolk · 📞 +31688880000",
        "• Eve (Noord): Arabisch · ✉️ via the police chief or municipality",
    ]
    # A removed member is refused, and the button under an old answer adds nothing.
    old = answers[0]
    await memberships.remove(world.db, world.noord.id, world.wim.id, world.wim.id, NOW)
    await world.wim.send("/whocan arabisch")
    await world.wim.expect("It is for members of a network")
    refused_tap = await tap(world.wim, old, "🙋 I can do this")
    assert refused_tap["show_alert"] is True
    assert await store.of_user(world.db, world.wim.id) == []


async def test_nothing_reaches_the_group_and_whocan_there_points_to_the_private_chat(
    world: World,
) -> None:
    await world.wim.send("/whocan arabisch", chat=world.group)
    pointed = await world.group.expect("works in our private chat")
    assert "Ahmed" not in pointed.text
    await world.wim.send("/whocan arabisch")
    await world.wim.expect("Who can help")
    for said in world.group.bot_messages():  # the pointer, and the bot's own hello
        for secret in ("Ahmed", "Arabisch vertalen", "Who can help", AHMED_PHONE):
            assert secret not in (said.text or ""), said.text
    # Nobody else heard of the question either.
    for other in (world.ahmed, world.eve, world.karin):
        assert not [m for m in other.private_chat.bot_messages() if "arabisch" in (m.text or "")]


# --- Telegram's limits ----------------------------------------------------------------------


async def test_a_large_network_answer_fits_telegrams_limits(
    app: BotApplication, world: World, sandbox: Sandbox
) -> None:
    db = db_of(app)
    long_item = "Arabisch " + "&" * (talents.ITEM_LIMIT - 9)
    for n in range(40):
        member = sandbox.add_user(f"M{n}", language_code="en")
        await given.approved(
            db, world.noord.id, member, "key_figure", world.carla.id, name=f"{n:02d}" + "<" * 62
        )
        await items(db, member, "can", *(f"{long_item[:-2]}{i}" for i in range(10)))
        await items(db, member, "reach", long_item)
        await items(db, member, "learn", long_item)
    await world.wim.send("/whocan arabisch")
    first = await world.wim.expect("Who can help with “arabisch”?")

    async def all_parts() -> list[SimMessage]:
        return [
            m for m in world.wim.private_chat.bot_messages() if m.message_id >= first.message_id
        ]

    await sandbox.wait_for(lambda: any(m.buttons for m in world.wim.private_chat.bot_messages()))
    parts = await all_parts()
    assert all(visible_length(m.html or m.text) <= LIMIT for m in parts)
    assert sum(len(m.text) for m in parts) > 0
    text = "\n".join(m.text for m in parts)
    assert text.count("…and ") == 3  # each question shows its first ten, and says how many more
    assert re.search(r"…and 3\d more", text)
    assert parts[-1].button_texts() == [
        "🙋 I can do this",
        "📚 I want to learn this",
        "🤝 I reach them too",
    ]


def test_every_text_has_a_dutch_translation() -> None:
    nl = translator("nl")
    assert talents.list_name(nl, Kind.CAN) == "Wat ik kan"
    assert talents.list_name(nl, Kind.LEARN) == "Wat ik wil leren"
    assert talents.list_name(nl, Kind.REACH) == "Wie ik bereik"


async def test_a_dutch_member_reads_the_four_questions_in_dutch(world: World) -> None:
    from storage import people

    await people.set_language(world.db, world.wim.id, "nl", NOW)
    await world.wim.send("/whocan arabisch")
    found = await world.wim.expect("Wie kan helpen met “arabisch”?")
    assert "🙋 Wie kan dit" in found.text and "📚 Wie het ook wil leren" in found.text
    assert "• Eve: Arabisch · ✉️ via politiechef of gemeente" in found.text
    assert found.button_texts() == ["🙋 Ik kan dit", "📚 Ik wil dit leren"]
    await world.wim.send("/whocan zwemles")
    nobody = await world.wim.expect("Nog niemand in Noord heeft “zwemles” op de lijst staan.")
    assert "Ken je iemand die dit kan?" in nobody.text
    assert "Kun je het zelf? 📚 Wil je het leren?" in nobody.text

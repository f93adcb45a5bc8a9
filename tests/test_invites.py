"""Invites end to end: single-use links, typed or through buttons, listed and revoked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import services
from bot.app import BotApplication
from bot.i18n import translator
from domain.access import Role
from domain.invites import Wanted, read_invite
from domain.labels import moment_text
from sandbox import Sandbox, SimUser
from storage import invites
from storage.invites import Refusal
from tests.test_networks import a_member, a_network, in_english


def link_code(text: str) -> str:
    return text.split("?start=", 1)[1].split()[0]


async def test_a_typed_invite_says_for_whom_until_when_and_that_it_works_once(
    app: BotApplication, coordinator: SimUser
) -> None:
    await in_english(coordinator)
    noord = await a_network(app, "Wijk Noord")
    await coordinator.send("/invite Wijk Noord politiechef")
    sent = await coordinator.expect("invite for a police chief of Wijk Noord")
    assert "https://t.me/bondgenoten_bot?start=" in sent.text
    assert "works once" in sent.text
    assert sent.button_texts() == ["Revoke this invite"]

    svc = services.of(app)
    made = await invites.by_code(svc.database, link_code(sent.text))
    assert made is not None
    assert (made.network_id, made.role, made.created_by) == (
        noord.id,
        "police_chief",
        coordinator.id,
    )
    expires = datetime.fromisoformat(made.expires_at)
    created = datetime.fromisoformat(made.created_at)
    assert (expires - created).days == svc.settings.membership.invite_days
    tz = svc.settings.bot.tz
    until = moment_text(
        translator("en"), expires, tz, this_year=svc.clock.now().astimezone(tz).year
    )
    assert until in sent.text

    for word, role in (("municipality", "municipality"), ("sleutelfiguur", "key_figure")):
        await coordinator.send(f"/invite wijk noord {word}")
        other = await coordinator.expect("invite for a")
        found = await invites.by_code(svc.database, link_code(other.text))
        assert found is not None and found.role == role


async def test_without_arguments_buttons_ask_for_the_network_and_the_role(
    app: BotApplication, coordinator: SimUser
) -> None:
    await in_english(coordinator)
    await a_network(app, "Noord")
    zuid = await a_network(app, "Zuid")
    await coordinator.send("/invite")
    question = await coordinator.expect("Which network is the invite for?")
    assert question.button_texts() == ["Noord", "Zuid"]
    await (await coordinator.press(question, "Zuid")).answered()
    sandbox = coordinator.world
    assert sandbox is not None
    await sandbox.wait_for(lambda: "Who is the invite for in Zuid?" in (question.text or ""))
    assert question.button_texts() == [
        "Invite a police chief",
        "Invite a municipality contact",
        "Invite a key figure",
    ]
    await (await coordinator.press(question, "Invite a key figure")).answered()
    sent = await coordinator.expect("invite for a key figure of Zuid")
    made = await invites.by_code(services.of(app).database, link_code(sent.text))
    assert made is not None and made.network_id == zuid.id

    await coordinator.send("/invite Noord")  # the role is missing: buttons for it
    roles = await coordinator.expect("Who is the invite for in Noord?")
    assert len(roles.button_texts()) == 3


async def test_a_host_invites_key_figures_but_not_other_hosts(
    app: BotApplication, sandbox: Sandbox
) -> None:
    petra = sandbox.add_user("Petra", language_code="en")
    await in_english(petra)
    noord = await a_network(app, "Noord")
    await a_member(app, noord, petra, "police_chief", "Petra")

    await petra.send("/invite Noord key_figure")
    await petra.expect("invite for a key figure of Noord")
    await petra.send("/invite Noord gemeente")
    await petra.expect("Sorry, only")
    await petra.send("/invite")  # her only network is chosen for her; only her roles offered
    roles = await petra.expect("Who is the invite for in Noord?")
    assert roles.button_texts() == ["Invite a key figure"]
    forged = await petra.press(roles, data=f"inv:new:{noord.id}:police_chief")
    assert (await forged.answered())["show_alert"] is True
    db = services.of(app).database
    open_invites = await invites.list_open(db, noord.id, datetime.now(UTC))
    assert [i.role for i in open_invites] == ["key_figure"]


async def test_a_key_figure_cannot_invite(app: BotApplication, sandbox: Sandbox) -> None:
    ayse = sandbox.add_user("Ayşe", language_code="en")
    await in_english(ayse)
    noord = await a_network(app, "Noord")
    await a_member(app, noord, ayse, "key_figure", "Ayşe")
    await ayse.send("/invite Noord key_figure")
    await ayse.expect("Sorry, only")
    await ayse.send("/invites")
    await ayse.expect("Sorry, only")
    assert await invites.list_open(services.of(app).database, noord.id, datetime.now(UTC)) == []


async def test_open_invites_are_listed_and_revoking_twice_is_harmless(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    petra = sandbox.add_user("Petra", language_code="en")
    await in_english(coordinator)
    await in_english(petra)
    noord = await a_network(app, "Noord")
    zuid = await a_network(app, "Zuid")
    await a_member(app, noord, petra, "police_chief", "Petra")
    db = services.of(app).database
    now = datetime.now(UTC)
    mine = await invites.create(db, noord.id, "key_figure", petra.id, now)
    theirs = await invites.create(db, noord.id, "municipality", coordinator.id, now)
    await invites.create(db, zuid.id, "key_figure", coordinator.id, now)

    await petra.send("/invites")
    listed = await petra.expect("Open invites")
    assert "1. key figure for Noord – made by you" in listed.text
    assert "2. municipality contact for Noord – made by a coordinator" in listed.text
    assert "Zuid" not in listed.text  # not her network
    assert listed.button_texts() == ["Revoke 1 (key figure)", "Revoke 2 (municipality contact)"]

    first = await petra.press(listed, "Revoke 1 (key figure)")
    second = await petra.press(listed, data=f"inv:revoke:{mine.id}")  # a double tap
    answers = sorted([(await first.answered())["text"], (await second.answered())["text"]])
    assert answers == [
        "Revoked: this invite link no longer works.",
        "This invite was already revoked.",
    ]
    await sandbox.wait_for(lambda: "is revoked" in (listed.text or ""))
    assert listed.button_texts() == ["Revoke 2 (municipality contact)"]
    revoked = await invites.get(db, mine.id)
    assert revoked is not None and revoked.revoked_by == petra.id
    assert await invites.redeem(db, mine.code, 999, datetime.now(UTC)) is Refusal.REVOKED
    assert [i.id for i in await invites.list_open(db, noord.id, datetime.now(UTC))] == [theirs.id]

    await coordinator.send("/invites Zuid")
    assert "for Zuid" in (await coordinator.expect("Open invites")).text


async def test_the_revoke_button_under_a_new_invite(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    await in_english(coordinator)
    await a_network(app, "Noord")
    await coordinator.send("/invite Noord key_figure")
    sent = await coordinator.expect("invite for a key figure")
    answer = await (await coordinator.press(sent, "Revoke this invite")).answered()
    assert answer["text"] == "Revoked: this invite link no longer works."
    await sandbox.wait_for(lambda: sent.buttons == [])
    assert "The invite for a key figure is revoked." in (sent.text or "")
    made = await invites.by_code(services.of(app).database, link_code(sent.text or ""))
    assert made is not None and made.revoked_at is not None


async def test_an_unknown_network_name_offers_the_networks_closest_first(
    app: BotApplication, coordinator: SimUser
) -> None:
    await in_english(coordinator)
    await a_network(app, "Zuid")
    await a_network(app, "Noord")
    await coordinator.send("/invite Nord key_figure")
    which = await coordinator.expect("I don't know a network called “Nord”. Which one do you mean?")
    assert which.button_texts() == ["Noord", "Zuid"]  # the closest first; the role is kept
    await (await coordinator.press(which, "Noord")).answered()
    await coordinator.expect("invite for a key figure of Noord")
    await coordinator.send("/invites Oost")
    await coordinator.expect("I don't know a network called “Oost”. /networks lists them.")


async def test_a_word_that_is_no_role_is_not_read_as_part_of_the_name(
    app: BotApplication, coordinator: SimUser
) -> None:
    await in_english(coordinator)
    await a_network(app, "Noord")
    await a_network(app, "Wijk Zuid")
    await coordinator.send("/invite Noord baas")
    roles = await coordinator.expect("“baas” is not a role I know.")
    assert "Who is the invite for in Noord?" in (roles.text or "")
    assert roles.button_texts() == [
        "Invite a police chief",
        "Invite a municipality contact",
        "Invite a key figure",
    ]
    await (await coordinator.press(roles, "Invite a municipality contact")).answered()
    await coordinator.expect("invite for a municipality contact of Noord")

    for typed, expected in (
        ("/invite sleutelfiguur Wijk Zuid", "invite for a key figure of Wijk Zuid"),
        ("/invite wijk zuid key figure", "invite for a key figure of Wijk Zuid"),
        ("/invite Wijk Zuid police-chief", "invite for a police chief of Wijk Zuid"),
    ):
        await coordinator.send(typed)
        await coordinator.expect(expected)
    await coordinator.send("/invite teamchef")  # the role without a network: which network?
    which = await coordinator.expect("Which network is the invite for?")
    assert which.button_texts() == ["Noord", "Wijk Zuid"]


async def test_a_host_with_one_network_is_asked_only_for_the_role(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    noord = await a_network(app, "Noord")
    petra = sandbox.add_user("Petra", language_code="en")
    await a_member(app, noord, petra, "police_chief", "Petra")
    await in_english(petra)
    await petra.send("/invite Noord boss")
    roles = await petra.expect("“boss” is not a role I know.")
    assert roles.button_texts() == ["Invite a key figure"]  # hosts invite key figures only
    await petra.send("/invite Nord")
    which = await petra.expect("I don't know a network called “Nord”. Which one do you mean?")
    assert which.button_texts() == ["Noord"]  # only where she may invite


NAMES = ["Noord", "Wijk Zuid", "Key Figure Club"]


@pytest.mark.parametrize(
    ("typed", "wanted"),
    [
        ("", Wanted()),
        ("Noord", Wanted(network="Noord")),
        ("noord sleutelfiguur", Wanted(network="Noord", role=Role.key_figure)),
        ("gemeente Wijk Zuid", Wanted(network="Wijk Zuid", role=Role.municipality)),
        ("Wijk Zuid key figure", Wanted(network="Wijk Zuid", role=Role.key_figure)),
        ("Key Figure Club", Wanted(network="Key Figure Club")),  # a name wins over a role
        ("Noord baas", Wanted(network="Noord", unknown_role="baas")),
        ("Wijk Zuid de baas", Wanted(network="Wijk Zuid", unknown_role="de baas")),
        ("Nord key_figure", Wanted(role=Role.key_figure, unknown_network="Nord")),
        ("Oost", Wanted(unknown_network="Oost")),
        ("teamchef", Wanted(role=Role.police_chief)),
    ],
)
def test_reading_what_invite_was_given(typed: str, wanted: Wanted) -> None:
    assert read_invite(typed.split(), NAMES) == wanted

"""The intake, end to end: from an invite link to an application on the hosts' phones."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot import services
from bot.app import BotApplication, build_application, running
from bot.settings import Settings
from domain.intake_steps import (
    FIRST,
    Position,
    Problem,
    Step,
    after,
    clean,
    correct,
    decode,
    name_offer,
)
from sandbox import Sandbox, SimUser, actions
from storage import invites, memberships, networks, people
from storage.database import Database
from storage.networks import Network
from tests.conftest import eventually

REMOVE_KEYBOARD = {"remove_keyboard": True}


def now() -> datetime:
    return datetime.now(UTC)


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


async def noord(app: BotApplication, coordinator: SimUser) -> Network:
    return await networks.create(db_of(app), "Noord", "Amsterdam-Noord", coordinator.id, now())


async def invite_code(
    app: BotApplication, network: Network, by: SimUser, role: str = "key_figure"
) -> str:
    return (await invites.create(db_of(app), network.id, role, by.id, now())).code


async def in_english(user: SimUser) -> None:
    """The person talks to the bot in English (the coordinator's app is Dutch)."""
    await user.send("/language en")
    await user.expect("I'll write to you in English from now on.")


async def reachable(user: SimUser, help_heading: str = "What you can do here") -> None:
    """The person has talked to the bot, so it may write to them."""
    await user.send("/help")
    await user.expect(help_heading)


async def apply_through_the_bot(user: SimUser, code: str, *, reach: str = "jongeren") -> None:
    """The shortest intake: Telegram name, no organisation, no phone, no diet, English."""
    await user.send(f"/start {code}")
    await user.expect("You are invited")
    await user.press(await user.expect("What name"), name_offer(user.first_name, user.last_name))
    await user.press(await user.expect("organisation"), "Skip")
    await user.expect("communities do you reach")
    await user.send(reach)
    await user.expect("phone number")
    await user.send("No thanks")
    await user.expect("no phone number")
    await user.press(await user.expect("dietary needs"), "no special needs")
    await user.press(await user.expect("Which language"), "English")
    await user.press(await user.expect("Do you agree?"), "I agree")
    await user.press(await user.expect("Your application for"), "✅ Submit")
    await user.expect("awaiting approval")


async def open_intake(
    app: BotApplication, network: Network, user: SimUser
) -> memberships.Membership | None:
    return await memberships.get(db_of(app), network.id, user.id)


# --- the rules of the conversation -------------------------------------------------------


def test_the_questions_come_in_order_and_skip_what_does_not_apply() -> None:
    steps = [FIRST]
    while steps[-1].step is not Step.REVIEW:
        steps.append(after(steps[-1]))
    assert [p.step for p in steps] == [
        Step.NAME,
        Step.ORGANISATION,
        Step.REACH,
        Step.PHONE,
        Step.DIET,
        Step.LANGUAGE,
        Step.CONSENT,
        Step.REVIEW,
    ]
    assert after(Position(Step.PHONE), has_phone=True) == Position(Step.SHARE_PHONE)
    assert after(Position(Step.SHARE_PHONE)) == Position(Step.MEMBERS_PHONE)
    assert after(Position(Step.MEMBERS_PHONE)) == Position(Step.DIET)
    assert after(Position(Step.DIET), other_diet=True) == Position(Step.DIET_OTHER)
    assert after(Position(Step.DIET_OTHER)) == Position(Step.LANGUAGE)


def test_a_correction_returns_to_the_review_after_what_it_implies() -> None:
    phone = correct(Step.PHONE)
    assert after(phone, has_phone=True) == Position(Step.SHARE_PHONE, correcting=True)
    assert after(after(phone, has_phone=True)) == Position(Step.MEMBERS_PHONE, correcting=True)
    assert after(after(after(phone, has_phone=True))) == Position(Step.REVIEW)
    assert after(phone) == Position(Step.REVIEW)
    assert after(correct(Step.DIET), other_diet=True) == Position(Step.DIET_OTHER, True)
    assert after(Position(Step.DIET_OTHER, True)) == Position(Step.REVIEW)
    assert after(correct(Step.NAME)) == Position(Step.REVIEW)
    with pytest.raises(ValueError):
        correct(Step.CONSENT)


def test_the_step_is_stored_as_text_and_read_back() -> None:
    for position in (FIRST, Position(Step.DIET_OTHER), correct(Step.REACH), Position(Step.REVIEW)):
        assert decode(position.encode()) == position
    assert decode(None) == FIRST
    assert decode("no-such-step") == FIRST


def test_typed_answers_are_tidied_and_limited() -> None:
    assert clean(Step.NAME, "  Eve \n Jansen ") == "Eve Jansen"
    assert clean(Step.NAME, "   ") is Problem.EMPTY
    assert clean(Step.NAME, "x" * 64) == "x" * 64
    assert clean(Step.NAME, "x" * 65) is Problem.TOO_LONG
    assert clean(Step.REACH, " jongeren\n  ouders  ") == "jongeren\nouders"
    assert clean(Step.REACH, "x" * 301) is Problem.TOO_LONG
    assert name_offer("Eve", None) == "Eve"
    assert name_offer("E" * 40, "J" * 40) is None  # too long to be a display name


# --- end to end ----------------------------------------------------------------------------


async def test_an_invited_key_figure_answers_every_question_and_the_hosts_get_the_intake(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    network = await noord(app, coordinator)
    await in_english(coordinator)
    code = await invite_code(app, network, coordinator)
    eve = sandbox.add_user("Eve", last_name="Jansen", language_code="en")

    await eve.send(f"/start {code}")
    intro = await eve.expect("You are invited to the network")
    assert "Noord (Amsterdam-Noord)" in intro.text
    assert "key figure" in intro.text
    assert "members can call on each other" in intro.text
    assert "stays in the network" in intro.text
    assert "112" in intro.text
    assert "/cancel" in intro.text

    name = await eve.expect("What name")
    assert name.button_texts() == ["Eve Jansen", "Cancel"]  # Cancel under every step
    await (await eve.press(name, "Eve Jansen")).answered()
    await sandbox.wait_for(lambda: name.text.endswith("✓ Eve Jansen") and not name.buttons)

    organisation = await eve.expect("organisation")
    assert organisation.button_texts() == ["Skip", "Cancel"]
    await eve.send("Stichting Buurtkracht")

    await eve.expect("communities do you reach")
    await eve.send("young people in Noord")

    phone = await eve.expect("phone number")
    assert phone.keyboard == [["📱 Share my number"], ["No thanks", "Cancel"]]
    assert phone.reply_markup and phone.reply_markup["keyboard"][0][0]["request_contact"] is True
    await eve.share_contact("31612345678")
    noted = await eve.expect("noted: +31612345678")
    assert noted.reply_markup == REMOVE_KEYBOARD

    share = await eve.expect("call you in an emergency")
    await eve.press(share, "Yes, they may call me")
    members = await eve.expect("other members of Noord see your number")
    assert members.button_texts() == ["Yes, show it to members", "No, keep it private", "Cancel"]
    await eve.press(members, "No, keep it private")

    diet = await eve.expect("dietary needs")
    assert diet.button_texts() == [
        "no special needs",
        "halal",
        "vegetarian",
        "vegan",
        "kosher",
        "Other…",
        "Cancel",
    ]
    await eve.press(diet, "Other…")
    await eve.expect("keep in mind for the meals")
    await eve.send("no pork, and no alcohol at the table")

    await eve.press(await eve.expect("Which language"), "English")

    consent = await eve.expect("Do you agree?")
    assert "What we store" in consent.text and "Who sees it" in consent.text
    await eve.press(consent, "I agree")

    review = await eve.expect("Your application for Noord")
    for shown in (
        "Name: Eve Jansen",
        "Organisation: Stichting Buurtkracht",
        "Communities you reach: young people in Noord",
        "Phone: +31612345678 (the police chief and municipality may call you)",
        "Meals: no pork, and no alcohol at the table",
        "Language: English",
    ):
        assert shown in review.text
    assert "✅ Submit" in review.button_texts()

    # A correction: back to that one question, then a fresh review.
    await eve.press(review, "✏️ Organisation")
    await eve.expect("organisation")
    await eve.send("Moskee Al-Nour")
    review = await eve.expect("Your application for Noord")
    assert "Organisation: Moskee Al-Nour" in review.text
    assert "Name: Eve Jansen" in review.text

    await eve.press(review, "✅ Submit")
    done = await eve.expect("awaiting approval")
    assert "as soon as it is decided" in done.text

    application = await coordinator.expect("New application for Noord")
    for shown in (
        "Name: Eve Jansen",
        "Role: key figure",
        "Organisation: Moskee Al-Nour",
        "Communities they reach: young people in Noord",
        "Meals: no pork, and no alcohol at the table",
        "Phone: +31612345678",  # she chose to show it
    ):
        assert shown in application.text
    assert "Approve only after a one-to-one conversation" in application.text
    assert application.button_texts() == ["✅ Approve", "❌ Reject"]

    stored = await open_intake(app, network, eve)
    assert stored is not None
    assert stored.status == "awaiting_approval"
    assert (stored.display_name, stored.organisation, stored.reach) == (
        "Eve Jansen",
        "Moskee Al-Nour",
        "young people in Noord",
    )
    assert (stored.phone, stored.phone_to_hosts, stored.phone_to_members) == (
        "+31612345678",
        True,
        False,
    )
    assert stored.diet == "no pork, and no alcohol at the table"
    assert stored.consent_at is not None and stored.submitted_at is not None
    person = await people.get(db_of(app), eve.id)
    assert person is not None and person.language == "en"


async def test_a_phone_number_not_shown_never_reaches_the_hosts(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    network = await noord(app, coordinator)
    await in_english(coordinator)
    ayse = sandbox.add_user("Ayşe", language_code="en")
    await ayse.send(f"/start {await invite_code(app, network, coordinator)}")
    await ayse.press(await ayse.expect("What name"), "Ayşe")
    await ayse.press(await ayse.expect("organisation"), "Skip")
    await ayse.send("moeders in de wijk")
    await ayse.expect("phone number")
    await ayse.share_contact("+31687654321")
    await ayse.press(await ayse.expect("call you in an emergency"), "No")
    await ayse.press(await ayse.expect("see your number"), "No, keep it private")
    await ayse.press(await ayse.expect("dietary needs"), "halal")
    await ayse.press(await ayse.expect("Which language"), "English")
    await ayse.press(await ayse.expect("Do you agree?"), "I agree")
    review = await ayse.expect("Your application")
    assert "+31687654321 (not shared)" in review.text
    assert "Organisation: none" in review.text
    await ayse.press(review, "✅ Submit")
    application = await coordinator.expect("New application for Noord")
    assert "Meals: halal" in application.text
    assert "31687654321" not in application.text


async def test_someone_elses_contact_and_bad_answers_are_refused_with_the_reason(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    network = await noord(app, coordinator)
    eve = sandbox.add_user("Eve", language_code="en")
    bob = sandbox.add_user("Bob", language_code="en")
    await eve.send(f"/start {await invite_code(app, network, coordinator)}")
    await eve.expect("What name")
    await eve.send("E" * 65)
    assert "at most 64 characters" in (await eve.expect("bit long")).text
    await eve.send("Eve")
    await eve.expect("organisation")
    await eve.send("O" * 301)
    assert "at most 300 characters" in (await eve.expect("bit long")).text
    await eve.send("Buurtkracht")
    await eve.send("jongeren")
    await eve.expect("phone number")

    await eve.send("06-12345678")  # typed: only the button gives a number that is really hers
    hint = await eve.expect("use the buttons below")
    assert hint.keyboard == [["📱 Share my number"], ["No thanks", "Cancel"]]

    world = sandbox
    forwarded = world.add_message(
        eve.private_chat,
        eve,
        contact={"phone_number": "31611111111", "first_name": "Bob", "user_id": bob.id},
    )
    actions.deliver(world, forwarded)
    await eve.expect("someone else's number")
    stored = await open_intake(app, network, eve)
    assert stored is not None and stored.phone is None

    await eve.share_contact("31622222222")
    await eve.expect("noted: +31622222222")
    stored = await open_intake(app, network, eve)
    assert stored is not None and stored.phone == "+31622222222"

    share = await eve.expect("call you in an emergency")
    await eve.send("yes please")  # a button question answered by typing
    await eve.expect("Please answer with one of the buttons")
    again = await eve.expect("call you in an emergency")
    await eve.press(again, "Yes, they may call me")
    late = await (await eve.press(share, "No")).answered()  # the old copy
    assert late["text"] == "That question has been answered already."
    await eve.press(await eve.expect("see your number"), "Yes, show it to members")
    await eve.expect("dietary needs")
    stored = await open_intake(app, network, eve)
    assert stored is not None and (stored.phone_to_hosts, stored.phone_to_members) == (True, True)


async def test_every_refused_invite_gets_its_own_answer(
    app: BotApplication,
    sandbox: Sandbox,
    coordinator: SimUser,
    caplog: pytest.LogCaptureFixture,
) -> None:
    db = db_of(app)
    network = await noord(app, coordinator)
    eve = sandbox.add_user("Eve", language_code="en")
    bob = sandbox.add_user("Bob", language_code="en")

    with caplog.at_level(logging.INFO, logger="handlers.intake"):
        await eve.send("/start hello")
        await eve.expect("this link doesn't work")
        await eve.send(f"/start {'A' * 32}")  # the shape of a code, but nobody made it
        await eve.expect("this link doesn't work")

        long_ago = now() - timedelta(days=30)
        expired = await invites.create(db, network.id, "key_figure", coordinator.id, long_ago)
        await eve.send(f"/start {expired.code}")
        await eve.expect("has expired. Please ask the person who invited you for a new one")

        revoked = await invites.create(db, network.id, "key_figure", coordinator.id, now())
        assert await invites.revoke(db, revoked.id, coordinator.id, now())
        await eve.send(f"/start {revoked.code}")
        await eve.expect("was withdrawn")

        used = await invite_code(app, network, coordinator)
        await apply_through_the_bot(bob, used)
        await eve.send(f"/start {used}")
        await eve.expect("has already been used")

        await memberships.decide(db, network.id, bob.id, "approved", coordinator.id, now())
        await bob.send(f"/start {await invite_code(app, network, coordinator)}")
        await bob.expect("already a member of this network")

    refusals = [r.getMessage() for r in caplog.records if "refused an invite" in r.getMessage()]
    assert [line.rsplit(": ", 1)[1] for line in refusals] == [
        "malformed",
        "unknown",
        "expired",
        "revoked",
        "used",
        "already_member",
    ]
    assert await memberships.for_user(db, eve.id) == []


async def test_start_again_continues_where_the_person_left_off(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    network = await noord(app, coordinator)
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send(f"/start {await invite_code(app, network, coordinator)}")
    await eve.send("Eve")
    await eve.expect("organisation")

    await eve.send("/start")
    back = await eve.expect("carry on with your application")
    assert "Noord" in back.text
    await eve.expect("organisation")

    other = await invite_code(app, network, coordinator)
    await eve.send(f"/start {other}")
    back = await eve.expect("carry on with your application")
    assert "other link stays valid" in back.text
    await eve.expect("organisation")
    still_open = await invites.by_code(db_of(app), other)
    assert still_open is not None and still_open.used_at is None


async def test_cancel_stops_the_intake_and_says_what_that_means(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    network = await noord(app, coordinator)
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send(f"/start {await invite_code(app, network, coordinator)}")
    await eve.send("Eve")
    await eve.send("Buurtkracht")
    await eve.send("jongeren")
    await eve.expect("phone number")  # the contact keyboard is showing

    await eve.send("/cancel")
    stopped = await eve.expect("Stopped")
    assert "nothing was sent to anyone" in stopped.text
    assert "ask the person who invited you for a new one" in stopped.text
    assert stopped.reply_markup == REMOVE_KEYBOARD
    assert await open_intake(app, network, eve) is None

    await eve.send("/cancel")
    await eve.expect("nothing to stop")
    await eve.send("Eve")  # no intake any more: the usual answer
    await eve.expect("I work with commands and buttons")


async def test_without_consent_nothing_is_submitted(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    network = await noord(app, coordinator)
    await in_english(coordinator)
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send(f"/start {await invite_code(app, network, coordinator)}")
    await eve.send("Eve")
    await eve.press(await eve.expect("organisation"), "Skip")
    await eve.send("jongeren")
    await eve.expect("phone number")
    await eve.send("No thanks")
    await eve.press(await eve.expect("dietary needs"), "vegan")
    await eve.press(await eve.expect("Which language"), "English")
    consent = await eve.expect("Do you agree?")
    await (await eve.press(consent, "I don't agree")).answered()
    await sandbox.wait_for(lambda: "Without your consent" in consent.text)
    assert "nothing has been sent" in consent.text
    assert consent.button_texts() == ["I agree after all", "Stop my application"]
    stored = await open_intake(app, network, eve)
    assert stored is not None and stored.status == "intake" and stored.consent_at is None

    await eve.press(consent, "Stop my application")
    await eve.expect("Stopped")
    assert await open_intake(app, network, eve) is None
    assert not [m for m in coordinator.private_chat.bot_messages() if "application" in m.text]


async def test_free_text_without_an_intake_gets_the_usual_answer(
    app: BotApplication, sandbox: Sandbox
) -> None:
    stranger = sandbox.add_user("Bob", language_code="en")
    await stranger.send("hello, can I join?")
    await stranger.expect("I work with commands and buttons")
    await stranger.share_contact("31600000000")
    await stranger.expect("I work with commands and buttons")
    await stranger.send("/start")
    await stranger.expect("Welcome to Bondgenoten")


async def test_a_restart_in_the_middle_of_the_intake_loses_nothing(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    eve = sandbox.add_user("Eve", language_code="en")
    async with running(build_application(settings)) as first:
        network = await noord(first, coordinator)
        await eve.send(f"/start {await invite_code(first, network, coordinator)}")
        await eve.send("Eve")
        await eve.expect("organisation")
        await eve.send("Buurtkracht")
        await eve.expect("communities do you reach")

    await eve.send("jongeren en ouders")  # typed while the bot is down
    async with running(build_application(settings)) as second:
        await eve.expect("phone number")
        await eve.send("No thanks")
        await eve.expect("dietary needs")
        await eve.send("/start")
        await eve.expect("carry on with your application")
        await eve.press(await eve.expect("dietary needs"), "kosher")
        await eve.expect("Which language")
        stored = await memberships.get(services.of(second).database, network.id, eve.id)
        assert stored is not None
        assert (stored.display_name, stored.organisation, stored.reach, stored.diet) == (
            "Eve",
            "Buurtkracht",
            "jongeren en ouders",
            "kosher",
        )
        assert decode(stored.intake_step) == Position(Step.LANGUAGE)


async def test_a_display_name_with_markup_arrives_escaped_at_the_hosts(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    network = await noord(app, coordinator)
    await in_english(coordinator)
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send(f"/start {await invite_code(app, network, coordinator)}")
    await eve.expect("What name")
    await eve.send("<b>Eve & Co</b>")
    await eve.send("<i>Stichting</i>")
    await eve.send("a & b <script>")
    await eve.expect("phone number")
    await eve.send("No thanks")
    await eve.press(await eve.expect("dietary needs"), "no special needs")
    await eve.press(await eve.expect("Which language"), "English")
    await eve.press(await eve.expect("Do you agree?"), "I agree")
    review = await eve.expect("Your application")
    assert "Name: <b>Eve & Co</b>" in review.text
    await eve.press(review, "✅ Submit")

    application = await coordinator.expect("New application")
    assert "<b>Eve & Co</b>" in application.text
    assert application.html is not None
    assert "&lt;b&gt;Eve &amp; Co&lt;/b&gt;" in application.html
    assert "&lt;i&gt;Stichting&lt;/i&gt;" in application.html
    assert "a &amp; b &lt;script&gt;" in application.html
    bold = [
        application.text[e["offset"] : e["offset"] + e["length"]]
        for e in application.entities
        if e["type"] == "bold"
    ]
    assert "<b>Eve & Co</b>" not in bold


async def test_buttons_of_a_closed_intake_are_answered(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    network = await noord(app, coordinator)
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send(f"/start {await invite_code(app, network, coordinator)}")
    await eve.send("Eve")
    organisation_question = await eve.expect("organisation")
    await eve.send("/cancel")
    await eve.expect("Stopped")
    answer = await (await eve.press(organisation_question, "Skip")).answered()
    assert answer == {**answer, "text": "This application is no longer open.", "show_alert": True}
    forged = await (await eve.press(organisation_question, data="intake:999:name:tg")).answered()
    assert forged["show_alert"] is True

    async def nothing_stored() -> bool:
        return await memberships.for_user(db_of(app), eve.id) == []

    await eventually(nothing_stored)

"""/profile: a member sees their details and changes each of them on one card, per network."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.fit import LIMIT, visible_length
from bot.i18n import translator
from bot.settings import Settings
from domain import profile
from domain.intake_steps import Problem
from domain.intake_texts import problem_text
from domain.labels import diet_name, role_name
from domain.profile import What
from sandbox import Sandbox, SimMessage, SimUser, actions
from storage import invites, memberships, networks, people
from storage.database import Database
from storage.memberships import Membership
from storage.networks import Network
from tests.given import approved
from tests.test_meetings import bot

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REMOVE_KEYBOARD = {"remove_keyboard": True}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[BotApplication]:
    async with bot(settings, clock) as application:
        yield application


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


@dataclass
class Noord:
    network: Network
    eve: SimUser  # a key figure, English
    karin: SimUser  # the police chief


@pytest.fixture
async def noord(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    db = db_of(app)
    network = await networks.create(db, "Noord", "Amsterdam-Noord", coordinator.id, START)
    eve = sandbox.add_user("Eve", last_name="Jansen", language_code="en")
    karin = sandbox.add_user("Karin", language_code="nl")
    await approved(db, network.id, karin, "police_chief", coordinator.id)
    await approved(db, network.id, eve, "key_figure", coordinator.id, name="Eve")
    return Noord(network, eve, karin)


async def stored(app: BotApplication, network: Network, user: SimUser) -> Membership:
    found = await memberships.get(db_of(app), network.id, user.id)
    assert found is not None
    return found


async def tap(user: SimUser, message: SimMessage, label: str) -> dict[str, object]:
    return await (await user.press(message, label)).answered()


async def changed(sandbox: Sandbox, card: SimMessage, shown: str) -> None:
    """The card (the same message) comes to show `shown`."""
    await sandbox.wait_for(lambda: shown in (card.text or ""))


# --- the rules -----------------------------------------------------------------------------


def test_typed_details_follow_the_intakes_rules() -> None:
    assert profile.typed(What.NAME, "  Eve \n Jansen ") == {"display_name": "Eve Jansen"}
    assert profile.typed(What.NAME, "x" * 64) == {"display_name": "x" * 64}
    assert profile.typed(What.NAME, "x" * 65) is Problem.TOO_LONG
    assert profile.typed(What.NAME, "  ") is Problem.EMPTY
    assert profile.typed(What.ORGANISATION, "o" * 301) is Problem.TOO_LONG
    assert profile.typed(What.REACH, " jongeren\n ouders ") == {"reach": "jongeren\nouders"}
    assert profile.typed(What.DIET_OTHER, "geen varkensvlees") == {"diet": "geen varkensvlees"}
    assert profile.contact_number("31612345678") == "+31612345678"
    assert profile.contact_number(" +31612345678") == "+31612345678"


def test_every_button_fits_in_telegrams_64_bytes() -> None:
    choices = ["vegetarian", profile.REMOVE, profile.TELEGRAM_NAME, "yes", "nl"]
    for what in What:
        for choice in ["", *choices]:
            assert len(profile.data(2**63, what, choice).encode()) <= 64, (what, choice)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_card_with_every_detail_at_its_longest_fits_one_message(language: str) -> None:
    _ = translator(language)
    network = Network(1, "N" * 200, "A" * 200, None, START.isoformat())
    longest = Membership(
        network_id=1,
        user_id=1,
        role="municipality",
        status="approved",
        intake_step=None,
        display_name="&" * 64,
        organisation="<" * 300,
        reach=">" * 300,
        phone="+" + "9" * 30,
        phone_to_hosts=True,
        phone_to_members=True,
        diet="é" * 300,
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
    card = profile.card_text(_, network, longest, profile.saved_text(_))
    assert visible_length(card) < LIMIT
    for what in (What.NAME, What.ORGANISATION, What.REACH, What.DIET, What.PHONE, What.SHARE):
        text, rows = profile.step(_, network, longest, what, "E" * 64)
        assert visible_length(text) < LIMIT
        assert all(len(b.action.encode()) <= 64 for row in rows for b in row)


# --- end to end ----------------------------------------------------------------------------


async def test_a_member_changes_each_detail_on_one_card(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    eve = noord.eve
    await eve.send("/profile")
    card = await eve.expect("Your details in Noord")
    assert "(key figure)" in card.text
    for shown in ("Name: Eve", "Organisation: none", "Phone: not given", "Language: English"):
        assert shown in card.text
    assert card.button_texts() == [
        "✏️ Name",
        "✏️ Organisation",
        "✏️ Communities",
        "✏️ Meals",
        "✏️ Phone",
        "✏️ Language",
        "🙋 I can",
        "📚 I'd learn",
        "🤝 I reach",
        "✔️ Done",
    ]

    # The name: typed, on the same card.
    await tap(eve, card, "✏️ Name")
    await changed(sandbox, card, "What name should Noord know you by?")
    assert card.button_texts() == ["Eve Jansen", "Cancel"]
    await eve.send("Eve de Wit")
    await changed(sandbox, card, "Name: Eve de Wit")
    assert card.text.startswith("✓ Saved.")
    assert (await stored(app, noord.network, eve)).display_name == "Eve de Wit"
    # ... or the Telegram name with one tap.
    await tap(eve, card, "✏️ Name")
    await changed(sandbox, card, "Type a new one")
    await tap(eve, card, "Eve Jansen")
    await changed(sandbox, card, "Name: Eve Jansen")

    # The organisation: typed, then removed again.
    await tap(eve, card, "✏️ Organisation")
    await changed(sandbox, card, "Which organisation")
    assert card.button_texts() == ["Cancel"]  # nothing to remove yet
    await eve.send("Stichting Buurtkracht")
    await changed(sandbox, card, "Organisation: Stichting Buurtkracht")
    await tap(eve, card, "✏️ Organisation")
    await changed(sandbox, card, "Now: Stichting Buurtkracht")
    await tap(eve, card, "No organisation")
    await changed(sandbox, card, "Organisation: none")
    assert (await stored(app, noord.network, eve)).organisation is None

    # The communities she reaches.
    await tap(eve, card, "✏️ Communities")
    await changed(sandbox, card, "Which people or communities")
    await eve.send("ouders op De Regenboog")
    await changed(sandbox, card, "Communities you reach: ouders op De Regenboog")

    # The meals: a button, or her own words.
    await tap(eve, card, "✏️ Meals")
    await changed(sandbox, card, "dietary needs for the meals of Noord")
    await tap(eve, card, "halal")
    await changed(sandbox, card, "Meals: halal")
    await tap(eve, card, "✏️ Meals")
    await changed(sandbox, card, "Now: halal")
    assert "✓ halal" in card.button_texts()
    await tap(eve, card, "Other…")
    await changed(sandbox, card, "keep in mind for the meals")
    await eve.send("geen varkensvlees, geen alcohol")
    await changed(sandbox, card, "Meals: geen varkensvlees, geen alcohol")

    # The phone: Telegram's contact button, then who may see it.
    await tap(eve, card, "✏️ Phone")
    await changed(sandbox, card, "Your phone number for Noord")
    pad = await eve.expect("Share my number")
    assert pad.keyboard == [["📱 Share my number"], ["Cancel"]]
    assert pad.reply_markup and pad.reply_markup["keyboard"][0][0]["request_contact"] is True
    await eve.share_contact("31612345678")
    noted = await eve.expect("noted: +31612345678")
    assert noted.reply_markup == REMOVE_KEYBOARD
    await changed(sandbox, card, "May the police chief and the municipality of Noord call you")
    assert "Nobody else sees it there" in card.text
    await tap(eve, card, "Yes, they may call me")
    await changed(sandbox, card, "the police chief and municipality may call you")
    mine = await stored(app, noord.network, eve)
    assert (mine.phone, mine.phone_to_hosts, mine.phone_to_members) == ("+31612345678", True, False)
    # The two choices are separate: the members' list, then the call list off again.
    await tap(eve, card, "✏️ Members see my number")
    await changed(sandbox, card, "May the other members of Noord see your number")
    await tap(eve, card, "Yes, show it to members")
    await changed(sandbox, card, "may call you; members see it")
    mine = await stored(app, noord.network, eve)
    assert (mine.phone_to_hosts, mine.phone_to_members) == (True, True)
    assert "✏️ Who may call me" in card.button_texts()
    await tap(eve, card, "✏️ Who may call me")
    await changed(sandbox, card, "Now: yes")
    await tap(eve, card, "No")
    await changed(sandbox, card, "+31612345678 (members see it)")
    mine = await stored(app, noord.network, eve)
    assert (mine.phone_to_hosts, mine.phone_to_members) == (False, True)
    # ... and removed.
    await tap(eve, card, "✏️ Phone")
    await eve.expect("Share my number")
    await changed(sandbox, card, "Now: +31612345678")
    await tap(eve, card, "🗑 Remove my number")
    gone = await eve.expect("Your number is removed")
    assert gone.reply_markup == REMOVE_KEYBOARD
    await changed(sandbox, card, "Phone: not given")
    mine = await stored(app, noord.network, eve)
    assert (mine.phone, mine.phone_to_hosts, mine.phone_to_members) == (None, False, False)

    # The language: the card speaks it at once.
    await tap(eve, card, "✏️ Language")
    await changed(sandbox, card, "Which language")
    await tap(eve, card, "Nederlands")
    await changed(sandbox, card, "Je gegevens in Noord")
    assert "Taal: Nederlands" in card.text
    person = await people.get(db_of(app), eve.id)
    assert person is not None and person.language == "nl"

    await tap(eve, card, "✔️ Klaar")
    await sandbox.wait_for(lambda: not card.buttons)
    assert "Naam: Eve Jansen" in card.text
    # Everything happened on one card: no other message carries details.
    assert [m for m in eve.private_chat.bot_messages() if "Noord" in (m.text or "")] == [card]


async def test_a_dutch_member_reads_and_changes_the_card_in_dutch(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    nl = translator("nl")
    karin = noord.karin
    await karin.send("/profile")
    card = await karin.expect("Je gegevens in Noord")
    assert f"({role_name(nl, 'police_chief')})" in card.text
    assert "Tik op wat je wilt aanpassen." in card.text
    await tap(karin, card, nl("✏️ Meals"))
    await changed(sandbox, card, "Je dieetwensen voor het eten bij Noord?")
    await tap(karin, card, diet_name(nl, "vegetarian"))
    await changed(sandbox, card, "✓ Opgeslagen.")
    assert (await stored(app, noord.network, karin)).diet == "vegetarian"
    await tap(karin, card, nl("✏️ Name"))
    await changed(sandbox, card, "Onder welke naam kent Noord je?")
    await karin.send("K" * 65)
    refused = await karin.expect("64")
    assert refused.text == problem_text(nl, Problem.TOO_LONG, 64)
    await karin.send("/cancel")
    await karin.expect("Gestopt: er is niets veranderd.")
    await changed(sandbox, card, "Tik op wat je wilt aanpassen.")
    assert (await stored(app, noord.network, karin)).display_name == "Karin"


async def test_bad_typed_answers_get_the_reason_and_change_nothing(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    eve = noord.eve
    await eve.send("/profile")
    card = await eve.expect("Your details in Noord")

    await tap(eve, card, "✏️ Name")
    await changed(sandbox, card, "What name should Noord know you by?")
    await eve.send("E" * 65)
    assert (await eve.expect("bit long")).text == (
        "That is a bit long: at most 64 characters, please."
    )
    await eve.send("  \n  ")
    await eve.expect("I didn't get an answer there")
    assert (await stored(app, noord.network, eve)).display_name == "Eve"
    await eve.send("E" * 64)  # the longest name there is
    await changed(sandbox, card, "Name: " + "E" * 64)

    # Markup in a name is shown as typed, never as markup.
    await tap(eve, card, "✏️ Name")
    await changed(sandbox, card, "Type a new one")
    await eve.send("<b>Eve & Co</b>")
    await changed(sandbox, card, "Name: <b>Eve & Co</b>")
    assert card.html is not None and "&lt;b&gt;Eve &amp; Co&lt;/b&gt;" in card.html
    assert not [e for e in card.entities if card.text[e["offset"] :].startswith("Eve & Co")]
    await tap(eve, card, "✏️ Name")
    await changed(sandbox, card, "Now: <b>Eve & Co</b>")

    # The organisation and the communities: at most 300 characters, tidied.
    await tap(eve, card, "Cancel")
    await changed(sandbox, card, "Tap what you want to change.")
    await tap(eve, card, "✏️ Organisation")
    await changed(sandbox, card, "Which organisation")
    await eve.send("O" * 301)
    assert "at most 300 characters" in (await eve.expect("bit long")).text
    await eve.send("O" * 300)
    await changed(sandbox, card, "Organisation: " + "O" * 300)
    await tap(eve, card, "✏️ Communities")
    await changed(sandbox, card, "Which people or communities")
    await eve.send("  jongeren \n   ouders  ")
    await changed(sandbox, card, "Communities you reach: jongeren\nouders")
    await tap(eve, card, "✏️ Meals")
    await changed(sandbox, card, "Now: not given")
    await tap(eve, card, "Other…")
    await changed(sandbox, card, "keep in mind for the meals")
    await eve.send("D" * 301)
    assert "at most 300 characters" in (await eve.expect("bit long")).text
    mine = await stored(app, noord.network, eve)
    assert (mine.display_name, mine.organisation, mine.reach, mine.diet) == (
        "<b>Eve & Co</b>",
        "O" * 300,
        "jongeren\nouders",
        None,
    )


async def test_the_phone_accepts_only_her_own_number_from_the_button(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    eve, karin = noord.eve, noord.karin
    await eve.send("/profile")
    card = await eve.expect("Your details in Noord")
    await tap(eve, card, "✏️ Phone")
    await eve.expect("Share my number")
    await eve.send("06-12345678")  # typed: only the button gives a number that is hers
    hint = await eve.expect("use the button below")
    assert hint.keyboard == [["📱 Share my number"], ["Cancel"]]
    # Someone else's contact card, sent from the attachment menu.
    card_of_karin = {"phone_number": "31699999999", "first_name": "Karin", "user_id": karin.id}
    actions.deliver(sandbox, sandbox.add_message(eve.private_chat, eve, contact=card_of_karin))
    await eve.expect("someone else's number")
    assert (await stored(app, noord.network, eve)).phone is None

    await eve.send("Cancel")  # the keyboard's Cancel
    stopped = await eve.expect("Stopped: nothing was changed.")
    assert stopped.reply_markup == REMOVE_KEYBOARD
    await changed(sandbox, card, "Tap what you want to change.")
    await eve.share_contact("31612345678")  # nothing asks for a number any more
    await eve.expect("I work with commands and buttons")
    assert (await stored(app, noord.network, eve)).phone is None

    # Another button of the card takes the phone keyboard away too.
    await tap(eve, card, "✏️ Phone")
    await eve.expect("Share my number")
    await changed(sandbox, card, "Your phone number for Noord")
    await tap(eve, card, "Cancel")
    stays = await eve.expect("Your number stays as it was.")
    assert stays.reply_markup == REMOVE_KEYBOARD
    await changed(sandbox, card, "Tap what you want to change.")

    # Who may see it is asked only when there is a number.
    assert "✏️ Who may call me" not in card.button_texts()
    assert "✏️ Members see my number" not in card.button_texts()
    late = await (await eve.press(card, data=f"prof:{noord.network.id}:share:yes")).answered()
    assert late["show_alert"] is True and "no phone number" in str(late["text"])
    assert not (await stored(app, noord.network, eve)).phone_to_hosts


async def test_profile_during_an_open_application_carries_on_with_the_application(
    app: BotApplication, sandbox: Sandbox, noord: Noord, coordinator: SimUser
) -> None:
    db = db_of(app)
    eve = noord.eve
    await eve.send("/profile")
    old_card = await eve.expect("Your details in Noord")
    zuid = await networks.create(db, "Zuid", None, coordinator.id, START)
    invite = await invites.create(db, zuid.id, "key_figure", coordinator.id, START)
    await eve.send(f"/start {invite.code}")
    await eve.expect("What name")

    await eve.send("/profile")
    first = await eve.expect("First let's finish your application for Zuid")
    assert "/cancel" in first.text
    await eve.expect("What name")  # the question she is at, again
    answer = await tap(eve, old_card, "✏️ Name")  # an older card of Noord
    assert answer["show_alert"] is True
    assert answer["text"] == "First finish your application for Zuid (or stop it with /cancel)."
    await eve.send("Eve")  # still the application's answer, not a new name for Noord
    await eve.expect("organisation")
    assert (await stored(app, noord.network, eve)).display_name == "Eve"
    application = await memberships.get(db, zuid.id, eve.id)
    assert application is not None and application.display_name == "Eve"


async def test_strangers_applicants_and_former_members_are_told_where_they_stand(
    app: BotApplication, sandbox: Sandbox, noord: Noord, coordinator: SimUser
) -> None:
    db = db_of(app)
    stranger = sandbox.add_user("Bob", language_code="en")
    await stranger.send("/profile")
    told = await stranger.expect("not a member of a network")
    assert "/start" in told.text

    ayse = sandbox.add_user("Ayşe", language_code="en")
    invite = await invites.create(db, noord.network.id, "key_figure", coordinator.id, START)
    await invites.redeem(db, invite.code, ayse.id, START)
    await memberships.save_intake(
        db, noord.network.id, ayse.id, START, answers={"display_name": "Ayşe"}, consent=True
    )
    await memberships.submit(db, noord.network.id, ayse.id, START)
    await ayse.send("/profile")
    waiting = await ayse.expect("Your application for Noord is waiting for a decision")
    assert "/start" in waiting.text

    eve = noord.eve
    await eve.send("/profile")
    card = await eve.expect("Your details in Noord")
    await memberships.remove(db, noord.network.id, eve.id, noord.karin.id, START)
    refused = await tap(eve, card, "✏️ Name")
    assert refused == {
        **refused,
        "text": "You are no longer a member of Noord, so nothing was changed there.",
        "show_alert": True,
    }
    await eve.send("/profile")
    await eve.expect("not a member of a network")


async def test_stale_and_forged_buttons_are_answered_and_change_nothing(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    eve = noord.eve
    nid = noord.network.id
    await eve.send("/profile")
    card = await eve.expect("Your details in Noord")
    for forged in (
        "prof:999:name",  # no such network
        f"prof:{nid}:salary",  # no such detail
        f"prof:{nid}:diet:caviar",  # no such choice
        f"prof:{nid}:lang:xx",  # no such language
    ):
        answer = await (await eve.press(card, data=forged)).answered()
        assert answer["show_alert"] is True, forged
    assert (await stored(app, noord.network, eve)).diet is None

    # A step left open on an old card: typing after Done changes nothing.
    await tap(eve, card, "✏️ Name")
    await changed(sandbox, card, "Type a new one")
    await eve.send("/profile")
    second = await eve.expect("Your details in Noord")
    await tap(eve, second, "✔️ Done")
    await sandbox.wait_for(lambda: not second.buttons)
    assert "Saved. /profile opens your details again." in second.text
    await eve.send("Mallory")
    await eve.expect("I work with commands and buttons")
    assert (await stored(app, noord.network, eve)).display_name == "Eve"


async def test_details_are_per_network_and_the_language_is_the_persons(
    app: BotApplication, sandbox: Sandbox, noord: Noord, coordinator: SimUser
) -> None:
    db = db_of(app)
    eve = noord.eve
    zuid = await networks.create(db, "Zuid", None, coordinator.id, START)
    await approved(db, zuid.id, eve, "key_figure", coordinator.id, name="Eve Z")
    await eve.send("/profile")
    choice = await eve.expect("You are in 2 networks")
    assert choice.button_texts() == ["Noord", "Zuid"]
    await tap(eve, choice, "Zuid")
    await changed(sandbox, choice, "Your details in Zuid")
    assert "Name: Eve Z" in choice.text
    assert choice.button_texts()[-2:] == ["◀️ My networks", "✔️ Done"]
    await tap(eve, choice, "✏️ Name")
    await changed(sandbox, choice, "What name should Zuid know you by?")
    await eve.send("Eve van Zuid")
    await changed(sandbox, choice, "Name: Eve van Zuid")
    assert (await stored(app, noord.network, eve)).display_name == "Eve"
    await tap(eve, choice, "◀️ My networks")
    await changed(sandbox, choice, "You are in 2 networks")
    await tap(eve, choice, "Noord")
    await changed(sandbox, choice, "Name: Eve\n")

    await eve.send("/profile zuid")  # a network by its name
    direct = await eve.expect("Your details in Zuid")
    assert "Name: Eve van Zuid" in direct.text
    await eve.send("/profile West")
    await eve.expect("You are not a member of a network called “West”")
    await eve.send("/profile " + "W" * 4000)  # echoed cut short, within Telegram's limits
    unknown = await eve.expect("You are not a member of a network called")
    assert len(unknown.text) < 200


async def test_cancel_and_expiry_end_a_detail_being_typed(
    app: BotApplication, sandbox: Sandbox, noord: Noord, clock: ManualClock
) -> None:
    eve = noord.eve
    await eve.send("/profile")
    card = await eve.expect("Your details in Noord")
    await tap(eve, card, "✏️ Communities")
    await changed(sandbox, card, "Which people or communities")
    await eve.send("/cancel")
    await eve.expect("Stopped: nothing was changed.")
    await changed(sandbox, card, "Tap what you want to change.")
    await eve.send("jongeren")
    await eve.expect("I work with commands and buttons")

    await tap(eve, card, "✏️ Communities")
    await changed(sandbox, card, "Which people or communities")
    clock.advance(timedelta(minutes=61))  # [bot] conversation_minutes is 60 by default
    await eve.send("jongeren")
    lapsed = await eve.expect("has expired")
    assert lapsed.text.startswith("Changing your details for Noord has expired")
    assert "/profile" in lapsed.text
    await eve.expect("I work with commands and buttons")
    assert (await stored(app, noord.network, eve)).reach is None

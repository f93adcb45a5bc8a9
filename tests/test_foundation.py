"""The first commands, end to end: the real bot over HTTP against the sandbox."""

from __future__ import annotations

import json
import logging

import pytest

from bot import services
from bot.app import ALLOWED_UPDATES, BotApplication
from sandbox import Sandbox, SimUser
from storage import people
from tests.conftest import eventually, not_


@pytest.fixture
def stranger(sandbox: Sandbox) -> SimUser:
    return sandbox.add_user("Ahmed", username="ahmed", language_code="nl")


async def test_a_stranger_learns_what_this_is_and_how_to_get_in(
    app: BotApplication, stranger: SimUser
) -> None:
    await stranger.send("/start")
    welcome = await stranger.expect("Welkom bij Bondgenoten")
    assert "uitnodiging" in welcome.text
    assert "112" in welcome.text
    assert "coördinator" in welcome.text  # who to ask


async def test_a_coordinator_gets_an_overview(app: BotApplication, coordinator: SimUser) -> None:
    await coordinator.send("/start")
    overview = await coordinator.expect("Hallo Carla")
    assert "coördinator" in overview.text
    await coordinator.send("/help")
    help_text = (await coordinator.expect("/language")).text
    assert "/newnetwork" in help_text and "/alert" in help_text


async def test_language_follows_the_app_then_the_choice(
    app: BotApplication, sandbox: Sandbox
) -> None:
    eve = sandbox.add_user("Eve", language_code="en-GB")
    await eve.send("/start")
    await eve.expect("Welcome to Bondgenoten")
    await eve.send("/language")
    question = await eve.expect("Which language")
    assert question.button_texts() == ["Nederlands", "English"]
    # A double tap: both presses reach the bot before the buttons disappear.
    first = await eve.press(question, "Nederlands")
    second = await eve.press(question, "Nederlands")
    for press in (first, second):
        assert not (await press.answered()).get("show_alert")
    await sandbox.wait_for(lambda: question.text == "Vanaf nu praat ik Nederlands met je.")
    assert question.buttons == []
    await eve.send("/help")
    await eve.expect("Wat je hier kunt doen")
    await eve.send("/language en")
    await eve.expect("I'll write to you in English from now on.")
    await eve.send("/help")
    await eve.expect("What you can do here")


async def test_mydata_shows_the_data_and_forget_deletes_it(
    app: BotApplication, sandbox: Sandbox
) -> None:
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send("/forget")
    await eve.expect("nothing to delete")
    await eve.send("/language nl")
    await eve.expect("Nederlands")
    await eve.send("/mydata")
    await eve.expect("Wat we van je bewaren")
    sent = await eve.expect("als bestand (JSON)")
    assert sent.file is not None
    document = json.loads(sent.file)
    assert document["telegram_user_id"] == eve.id
    assert document["you"]["language"] == "nl"

    await eve.send("/forget")
    question = await eve.expect("niet terugdraaien")
    await (await eve.press(question, "Nee, bewaren")).answered()
    await sandbox.wait_for(lambda: question.text == "Er is niets gewist.")

    await eve.send("/forget")
    question = await eve.expect("niet terugdraaien")
    await (await eve.press(question, "Ja, wis mijn gegevens")).answered()
    await sandbox.wait_for(lambda: "is gewist" in question.text)
    await eve.send("/mydata")
    await eve.expect("We store nothing about you")  # her choice went with it: app language


async def test_a_forged_button_is_answered_and_refused(
    app: BotApplication, sandbox: Sandbox, stranger: SimUser
) -> None:
    await stranger.send("/start")
    welcome = await stranger.expect("Welkom")
    answer = await (await stranger.press(welcome, data="admin:grant:everything")).answered()
    assert answer["text"] == "Deze knop werkt niet meer."
    assert answer["show_alert"] is True
    forged_language = await (await stranger.press(welcome, data="lang:xx")).answered()
    assert forged_language["text"] == "Deze knop werkt niet meer."


async def test_a_display_name_with_markup_arrives_escaped(
    app: BotApplication, sandbox: Sandbox
) -> None:
    eve = sandbox.add_user("<b>Eve & Co</b>", language_code="en")
    await eve.send("/start")
    welcome = await eve.expect("Welcome to Bondgenoten")
    assert "<b>Eve & Co</b>" in welcome.text
    assert "&lt;b&gt;Eve &amp; Co&lt;/b&gt;" in welcome.html
    bold = [e for e in welcome.entities if e["type"] == "bold"]
    assert [welcome.text[e["offset"] : e["offset"] + e["length"]] for e in bold] == ["Bondgenoten"]


async def test_unknown_commands_and_free_text_get_a_polite_answer(
    app: BotApplication, stranger: SimUser
) -> None:
    await stranger.send("/weather")
    refusal = await stranger.expect("/weather werkt hier niet")
    assert "/help" in refusal.text
    await stranger.send("hallo?")
    await stranger.expect("commando's en knoppen")


async def test_a_429_is_waited_out_and_the_reply_still_arrives(
    app: BotApplication, sandbox: Sandbox, stranger: SimUser
) -> None:
    sandbox.faults.fail_next(
        "sendMessage",
        chat_id=stranger.id,
        error_code=429,
        description="Too Many Requests: retry after 1",
        retry_after=1,
    )
    await stranger.send("/start")
    await stranger.expect("Welkom bij Bondgenoten")
    sends = [r for r in sandbox.requests if r.method == "sendMessage"]
    assert [r.error_code for r in sends] == [429, None]


async def test_a_blocked_user_is_logged_and_the_bot_carries_on(
    app: BotApplication, sandbox: Sandbox, stranger: SimUser, caplog: pytest.LogCaptureFixture
) -> None:
    await stranger.send("/language nl")  # now the bot knows her
    await stranger.expect("Nederlands")
    sandbox.faults.fail_next(
        "sendMessage",
        chat_id=stranger.id,
        error_code=403,
        description="Forbidden: bot was blocked by the user",
    )
    with caplog.at_level(logging.WARNING):
        await stranger.send("/help")
        other = sandbox.add_user("Bob", language_code="en")
        await other.send("/start")
        await other.expect("Welcome")
    assert any(
        "cannot write" in r.getMessage() and str(stranger.id) in r.getMessage()
        for r in caplog.records
    )
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    await stranger.send("/mydata")
    await stranger.expect("Wat we van je bewaren")
    sent = await stranger.expect("als bestand (JSON)")
    assert sent.file is not None
    assert json.loads(sent.file)["you"]["you_blocked_the_bot_at"] is None  # writing unblocks


async def test_blocking_the_bot_is_recorded(
    app: BotApplication, sandbox: Sandbox, stranger: SimUser
) -> None:
    await stranger.send("/language nl")
    await stranger.expect("Nederlands")
    db = services.of(app).database

    async def blocked() -> bool:
        person = await people.get(db, stranger.id)
        return person is not None and person.blocked_at is not None

    await stranger.block_bot()
    await eventually(blocked)
    await stranger.unblock_bot()
    await eventually(lambda: not_(blocked))


async def test_a_failure_gets_an_apology_not_silence(
    app: BotApplication, sandbox: Sandbox, stranger: SimUser, caplog: pytest.LogCaptureFixture
) -> None:
    sandbox.faults.fail_next(
        "sendMessage", chat_id=stranger.id, error_code=500, description="Internal Server Error"
    )
    with caplog.at_level(logging.ERROR):
        await stranger.send("/privacy")
        apology = await stranger.expect("er ging bij ons iets mis")
    assert "112" in apology.text
    assert any(
        "handling failed" in r.getMessage() and "/privacy" in r.getMessage() for r in caplog.records
    )


async def test_updates_the_bot_does_not_handle_are_ignored(
    app: BotApplication, sandbox: Sandbox, stranger: SimUser, caplog: pytest.LogCaptureFixture
) -> None:
    group = sandbox.add_group("Wijk Noord", members=[stranger], admins=[stranger])
    await group.add_bot(by=stranger)
    greeting = await group.expect("/link")
    with caplog.at_level(logging.WARNING):
        await stranger.send("gezellig hier", chat=group)
        await stranger.send("/weather", chat=group)  # a bare command: maybe for another bot
        await stranger.send("/help", chat=group)
        reply = await group.expect("Ik help dit netwerk")
    assert [m.text for m in group.bot_messages()] == [greeting.text, reply.text]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    polls = [r for r in sandbox.requests if r.method == "getUpdates"]
    assert sorted(polls[-1].params["allowed_updates"]) == sorted(ALLOWED_UPDATES)


async def test_command_menus_are_published_per_scope_and_language(
    app: BotApplication, sandbox: Sandbox
) -> None:
    english = sandbox.commands(scope_type="all_private_chats", language_code="en")
    dutch = sandbox.commands(scope_type="all_private_chats", language_code="nl")
    default = sandbox.commands(scope_type="all_private_chats", language_code="")
    # Strangers' menu; members, hosts and coordinators get their own (tests/test_menus.py).
    assert [c["command"] for c in english] == ["start", "language", "privacy", "help"]
    assert {c["command"]: c["description"] for c in dutch}["privacy"] != (
        {c["command"]: c["description"] for c in english}["privacy"]
    )
    assert default == dutch
    assert [
        c["command"] for c in sandbox.commands(scope_type="all_group_chats", language_code="en")
    ] == ["help"]
    assert [
        c["command"]
        for c in sandbox.commands(scope_type="all_chat_administrators", language_code="en")
    ] == ["help", "link"]

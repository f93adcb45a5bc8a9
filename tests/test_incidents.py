"""Rapid-response incident alerts, end to end: compose, fan out, acknowledge, reply, follow up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot import services
from bot.app import BotApplication
from domain.alerts import send_alert
from sandbox import Sandbox, SimChat, SimMessage, SimUser
from storage import group_chats, memberships, networks
from storage import incidents as store
from storage.database import Database
from tests import given
from tests.conftest import eventually

GROUP_RIGHTS = {"can_invite_users": True, "can_restrict_members": True, "can_pin_messages": True}


async def approved(
    db: Database,
    network_id: int,
    user: SimUser,
    role: str,
    by: int,
    *,
    phone: str | None = None,
) -> None:
    """Arrange: someone approved in the network, who writes in English and started the bot."""
    user.started = True
    await given.approved(db, network_id, user, role, by, phone=phone, language="en")


async def linked_group(
    db: Database, sandbox: Sandbox, network_id: int, coordinator: SimUser, members: list[SimUser]
) -> SimChat:
    group = sandbox.add_group("Wijk Noord", members=[coordinator, *members], admins=[coordinator])
    await group.add_bot(by=coordinator, rights=GROUP_RIGHTS)
    await group.expect("/link")
    result = await group_chats.link(db, group.id, network_id, coordinator.id, datetime.now(UTC))
    assert result.chat is not None
    return group


@dataclass
class Noord:
    network: networks.Network
    chief: SimUser
    alderman: SimUser  # the municipality contact
    fatima: SimUser  # key figure, shared her phone number
    ahmed: SimUser  # key figure
    group: SimChat

    @property
    def key_figures(self) -> list[SimUser]:
        return [self.fatima, self.ahmed]


@pytest.fixture
def db(app: BotApplication) -> Database:
    return services.of(app).database


@pytest.fixture
async def noord(db: Database, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    network = await networks.create(db, "Noord", None, coordinator.id, datetime.now(UTC))
    chief = sandbox.add_user("Karin", last_name="Smit", language_code="en")
    alderman = sandbox.add_user("Wim", language_code="en")
    fatima = sandbox.add_user("Fatima", language_code="en")
    ahmed = sandbox.add_user("Ahmed", language_code="en")
    await approved(db, network.id, chief, "police_chief", coordinator.id)
    await approved(db, network.id, alderman, "municipality", coordinator.id)
    await approved(db, network.id, fatima, "key_figure", coordinator.id, phone="+31 6 1234 5678")
    await approved(db, network.id, ahmed, "key_figure", coordinator.id)
    group = await linked_group(db, sandbox, network.id, coordinator, [chief, fatima, ahmed])
    return Noord(network, chief, alderman, fatima, ahmed, group)


def texts(chat: SimChat) -> list[str]:
    return [m.text or "" for m in chat.resolve().bot_messages()]


def find(chat: SimChat, part: str) -> SimMessage:
    """A bot message already in the chat (edited ones are not new messages)."""
    return next(m for m in chat.bot_messages() if part in (m.text or ""))


async def compose_critical(chief: SimUser, text: str) -> SimMessage:
    """The chief goes through /alert step by step up to the preview."""
    await chief.send("/alert")
    step = await chief.expect("How serious is it?")  # each step edits this message
    await (await chief.press(step, "🔴 Critical")).answered()
    await _wait_text(step, "May the members share it")
    await (await chief.press(step, "🔒 Network only")).answered()
    await _wait_text(step, "Now type the text of the alert")
    await chief.send(text)
    return await chief.expect("Preview")


async def test_the_whole_loop_of_a_critical_alert(
    app: BotApplication, sandbox: Sandbox, db: Database, noord: Noord
) -> None:
    chief, fatima, ahmed, group = noord.chief, noord.fatima, noord.ahmed, noord.group
    preview = await compose_critical(chief, "A stabbing near the market square. Police on site.")
    assert "🔴 <b>CRITICAL</b> · network only" in (preview.html or "")
    assert "It reaches 3 people and 1 group chat." in (preview.text or "")
    assert "Call 112" in (preview.text or "")
    await (await chief.press(preview, "📤 Send")).answered()
    await _wait_text(preview, "Sent as alert #1")

    # The group gets the text without buttons, pinned because it is critical.
    post = await group.expect("A stabbing near the market square")
    assert post.buttons == [] and (post.text or "").startswith("🔴")  # in Dutch: the default
    await sandbox.wait_for(lambda: post.pinned)
    # Every member privately, with the buttons; the sender not.
    alert = await fatima.expect("A stabbing near the market square")
    assert alert.button_texts() == ["✅ Seen", "💬 Reply", "📞 Call me"]
    assert "📍 Noord" in (alert.text or "") and "112" in (alert.text or "")
    await ahmed.expect("A stabbing")
    await noord.alderman.expect("A stabbing")
    assert not any("✅ Seen" in m.button_texts() for m in chief.private_chat.bot_messages())

    # Seen, twice.
    first = await (await fatima.press(alert, "✅ Seen")).answered()
    assert "noted" in first["text"]
    again = await (await fatima.press(alert, "✅ Seen")).answered()
    assert "Already noted" in again["text"]

    # The mood, then a few words: to the hosts only.
    await (await fatima.press(alert, "💬 Reply")).answered()
    moods = await fatima.expect("How is the mood around you?")
    assert moods.reply_to is not None and moods.reply_to.message_id == alert.message_id
    await (await fatima.press(moods, "😠 tense")).answered()
    heard = await chief.expect("the mood is 😠 tense")
    assert "Fatima (Noord) on alert #1" in (heard.text or "")
    assert heard.button_texts() == ["Answer Fatima"]
    await noord.alderman.expect("the mood is 😠 tense")
    await _wait_text(moods, "Anything to add?")
    await fatima.send("Youths are gathering at the square, rumours about revenge.")
    await fatima.expect("passed it on to the police chief and the municipality")
    await chief.expect("Youths are gathering")
    await noord.alderman.expect("Youths are gathering")
    for chat in (group, ahmed.private_chat):
        assert not any("tense" in t or "Youths" in t for t in texts(chat))

    # The chief answers Fatima, privately.
    await (await chief.press(heard, "Answer Fatima")).answered()
    await chief.expect("Type your answer to Fatima")
    await chief.send("Thank you, a patrol is on its way to the square.")
    answer = await fatima.expect("Answer from Karin about alert #1")
    assert "a patrol is on its way" in (answer.text or "")
    await chief.expect("Sent to Fatima.")
    assert not any("patrol" in t for t in texts(group) + texts(ahmed.private_chat))

    # The live status message reaches its final counts.
    status = find(chief.private_chat, "Alert #1 is")
    await sandbox.wait_for(
        lambda: (
            (status.text or "").startswith("✅ Alert #1 is out: sent 4/4 · acknowledged 1")
            and "replies 1" in (status.text or "")
        ),
        timeout=15,
    )

    # A follow-up, threaded under the original in every chat.
    await chief.send("/update The suspect has been arrested.")
    await chief.expect("Update to alert #1 is on its way")
    update = await group.expect("The suspect has been arrested.")
    assert update.reply_to is not None and update.reply_to.message_id == post.message_id
    private = await fatima.expect("The suspect has been arrested.")
    assert private.reply_to is not None and private.reply_to.message_id == alert.message_id

    # Closing, with a word to everyone.
    await chief.send("/close It is calm again. Thank you all.")
    await chief.expect("Alert #1 is closed")
    closing = await ahmed.expect("It is calm again.")
    assert closing.reply_to is not None
    await group.expect("It is calm again.")
    await sandbox.wait_for(lambda: not post.pinned)  # closed: no longer on top of the group
    incident = await store.get(db, 1)
    assert incident is not None and incident.status == "closed" and incident.closed_by == chief.id
    # Acknowledging stays possible after closing.
    ahmeds_alert = next(m for m in ahmed.private_chat.bot_messages() if m.buttons)
    late = await (await ahmed.press(ahmeds_alert, "✅ Seen")).answered()
    assert "noted" in late["text"]

    # /incident: who received, acknowledged, replied.
    await chief.send("/incident 1")
    report = await chief.expect("Alert #1")
    assert "closed" in (report.text or "")
    assert "😠 tense 1" in (report.text or "")
    assert "Acknowledged: 2 of 3" in (report.text or "")
    assert "Not acknowledged yet: Wim" in (report.text or "")
    assert "Youths are gathering" in (report.text or "")


async def test_the_shortcut_goes_to_the_preview_which_can_change_and_cancel(
    app: BotApplication, db: Database, noord: Noord
) -> None:
    chief = noord.chief
    await chief.send("/alert Noord Unrest after the match tonight.")
    preview = await chief.expect("Preview")
    assert "🟠 URGENT · network only" in (preview.text or "")
    await (await chief.press(preview, "🔵 Info")).answered()
    await _wait_text(preview, "🔵 INFO")
    await (await chief.press(preview, "📣 Make it shareable")).answered()
    await _wait_text(preview, "may be shared with your following")
    await (await chief.press(preview, "Cancel")).answered()
    await _wait_text(preview, "Cancelled: the alert was not sent.")
    assert await db.fetch_all("SELECT * FROM incidents") == []
    assert await db.fetch_all("SELECT * FROM deliveries") == []
    assert not any("Unrest" in t for t in texts(noord.fatima.private_chat) + texts(noord.group))


async def _wait_text(message: SimMessage, part: str) -> None:
    assert message.chat.world is not None
    await message.chat.world.wait_for(lambda: part in (message.text or ""))


async def test_send_pressed_twice_makes_one_incident(
    app: BotApplication, sandbox: Sandbox, db: Database, noord: Noord
) -> None:
    chief = noord.chief
    await chief.send("/alert Noord Fire in the community centre, keep away.")
    preview = await chief.expect("Preview")
    first = await chief.press(preview, "📤 Send")
    second = await chief.press(preview, "📤 Send")
    await first.answered()
    await second.answered()
    await services.of(app).dispatcher.idle()
    await noord.fatima.expect("Fire in the community centre")
    rows = await db.fetch_all("SELECT id FROM incidents")
    assert len(rows) == 1
    assert sum("Fire in the community" in t for t in texts(noord.fatima.private_chat)) == 1


async def test_an_empty_or_too_long_text_is_asked_again(
    app: BotApplication, db: Database, noord: Noord
) -> None:
    chief = noord.chief
    await chief.send("/alert Noord")
    await chief.expect("Now type the text of the alert (at most 3500 characters)")
    await chief.send("x" * 3501)
    await chief.expect("That text has 3501 characters; an alert can have at most 3500.")
    await chief.send("Short and clear.")
    preview = await chief.expect("Preview")
    assert "Short and clear." in (preview.text or "")


async def test_the_draft_survives_a_restart_of_the_bot(
    sandbox: Sandbox, settings: object, coordinator: SimUser
) -> None:
    from bot.app import build_application, running

    async with running(build_application(settings)) as app:  # type: ignore[arg-type]
        db = services.of(app).database
        network = await networks.create(db, "Noord", None, coordinator.id, datetime.now(UTC))
        chief = sandbox.add_user("Karin", language_code="en")
        fatima = sandbox.add_user("Fatima", language_code="en")
        await approved(db, network.id, chief, "police_chief", coordinator.id)
        await approved(db, network.id, fatima, "key_figure", coordinator.id)
        await chief.send("/alert")
        step = await chief.expect("How serious is it?")
        await (await chief.press(step, "🟠 Urgent")).answered()
        await _wait_text(step, "May the members share it")
        await (await chief.press(step, "📣 May be shared with your following")).answered()
        await _wait_text(step, "Now type the text")
    async with running(build_application(settings)) as app:  # type: ignore[arg-type]
        await chief.send("Power cut in the whole district.")
        preview = await chief.expect("Preview")
        assert "URGENT · may be shared with your following" in (preview.text or "")
        await (await chief.press(preview, "📤 Send")).answered()
        await fatima.expect("Power cut in the whole district.")


async def test_a_member_answers_the_mood_without_text_and_asks_to_be_called(
    app: BotApplication, db: Database, noord: Noord
) -> None:
    svc = services.of(app)
    await send_alert(svc, noord.chief.id, [noord.network.id], "urgent", "shareable", "Hi")
    alert = await noord.fatima.expect("URGENT · may be shared with your following")
    await (await noord.fatima.press(alert, "💬 Reply")).answered()
    moods = await noord.fatima.expect("How is the mood")
    await (await noord.fatima.press(moods, "🙂 calm")).answered()
    await noord.chief.expect("the mood is 🙂 calm")
    await _wait_text(moods, "Anything to add?")
    await (await noord.fatima.press(moods, "No, that's all")).answered()
    await _wait_text(moods, "the municipality know how it is")
    # Free text now is not a reply any more.
    await noord.fatima.send("hello?")
    await noord.fatima.expect("I work with commands and buttons")

    called = await (await noord.fatima.press(alert, "📞 Call me")).answered()
    assert "asked the police chief and the municipality to call you" in called["text"]
    call = await noord.chief.expect("asks to be called about alert #1")
    assert "+31 6 1234 5678" in (call.text or "")
    twice = await (await noord.fatima.press(alert, "📞 Call me")).answered()
    assert "asked already" in twice["text"]
    ahmeds = await noord.ahmed.expect("URGENT")
    await (await noord.ahmed.press(ahmeds, "📞 Call me")).answered()
    no_phone = await noord.chief.expect("Ahmed (Noord) asks to be called")
    assert "no phone number shared" in (no_phone.text or "")


async def test_buttons_of_unknown_incidents_strangers_and_removed_members(
    app: BotApplication, sandbox: Sandbox, db: Database, noord: Noord
) -> None:
    svc = services.of(app)
    fatima, chief = noord.fatima, noord.chief
    await send_alert(svc, chief.id, [noord.network.id], "info", "network_only", "Hi all")
    alert = await fatima.expect("Hi all")
    unknown = await (await fatima.press(alert, data="inc:ack:999")).answered()
    assert unknown["show_alert"] and "don't know this alert" in unknown["text"]
    forged = await (await fatima.press(alert, data="inc:zap:1")).answered()
    assert "no longer works" in forged["text"]
    # The sender is not a recipient.
    status = await chief.expect("Alert #1")
    not_yours = await (await chief.press(status, data="inc:ack:1")).answered()
    assert "not sent to you" in not_yours["text"]
    # A member removed after the alert reached her.
    await memberships.remove(db, noord.network.id, fatima.id, chief.id, datetime.now(UTC))
    gone = await (await fatima.press(alert, "✅ Seen")).answered()
    assert "no longer for you" in gone["text"]
    gone_reply = await (await fatima.press(alert, "💬 Reply")).answered()
    assert "no longer for you" in gone_reply["text"]


async def test_a_member_removed_while_the_alert_is_queued_does_not_get_it(
    app: BotApplication, db: Database, noord: Noord
) -> None:
    svc = services.of(app)
    await svc.dispatcher.stop()  # the alert waits in the outbox
    await send_alert(svc, noord.chief.id, [noord.network.id], "urgent", "network_only", "Queued")
    await memberships.remove(
        db, noord.network.id, noord.ahmed.id, noord.chief.id, datetime.now(UTC)
    )
    await svc.dispatcher.start()
    await svc.dispatcher.idle()
    await noord.fatima.expect("Queued")
    assert not any("Queued" in t for t in texts(noord.ahmed.private_chat))


async def test_blocked_member_429_and_a_group_migration_during_the_fan_out(
    app: BotApplication, sandbox: Sandbox, db: Database, noord: Noord, coordinator: SimUser
) -> None:
    svc = services.of(app)
    await noord.ahmed.block_bot()
    sandbox.faults.fail_next("sendMessage", chat_id=noord.fatima.id, error_code=429, retry_after=1)
    await svc.dispatcher.stop()
    await send_alert(svc, noord.chief.id, [noord.network.id], "critical", "network_only", "Riots")
    old_id = noord.group.id
    new_id = await noord.group.migrate_to_supergroup(by=coordinator)
    await svc.dispatcher.start()
    await noord.fatima.expect("Riots")
    post = await noord.group.expect("Riots")
    assert post.chat.id == new_id != old_id
    await sandbox.wait_for(lambda: post.pinned)
    await svc.dispatcher.idle()
    assert sum("Riots" in t for t in texts(noord.fatima.private_chat)) == 1

    async def marked() -> bool:
        person = await store.recipient(db, 1, noord.ahmed.id)
        return person is not None and person.unreachable_at is not None

    await eventually(marked)
    status = await noord.chief.expect("Alert #1")
    await sandbox.wait_for(lambda: "unreachable 1" in (status.text or ""), timeout=15)
    await noord.chief.send("/incident 1")
    report = await noord.chief.expect("Alert #1 ·")
    assert "Unreachable: Ahmed" in (report.text or "")


async def test_update_and_close_choose_among_several_open_incidents(
    app: BotApplication, db: Database, noord: Noord
) -> None:
    svc = services.of(app)
    chief = noord.chief
    await send_alert(svc, chief.id, [noord.network.id], "urgent", "network_only", "First")
    await send_alert(svc, chief.id, [noord.network.id], "info", "network_only", "Second")
    await chief.send("/update More news")
    choice = await chief.expect("Which alert do you want to update?")
    assert [row[0].text for row in choice.buttons][-1] == "Cancel"  # under the two incidents
    assert len(choice.buttons) == 3
    await (await chief.press(choice, choice.buttons[1][0].text)).answered()
    await _wait_text(choice, "Update to alert #2")
    follow = await noord.fatima.expect("More news")
    assert follow.reply_to is not None and "Second" in (follow.reply_to.text or "")
    await chief.send("/close")
    choice = await chief.expect("Which alert do you want to close?")
    await (await chief.press(choice, choice.buttons[0][0].text)).answered()
    await _wait_text(choice, "Alert #1 is closed. No more reminders")
    assert (await store.get(db, 1)).status == "closed"  # type: ignore[union-attr]
    assert (await store.get(db, 2)).status == "open"  # type: ignore[union-attr]
    await chief.send("/incident")
    listing = await chief.expect("Open alerts:")
    assert [b.text for row in listing.buttons for b in row] == ["#2 🔵 Second"]
    await (await chief.press(listing, "#2 🔵 Second")).answered()
    await _wait_text(listing, "Alert #2")


# --- who may do what -------------------------------------------------------------------------


REFUSAL = "only the network's police chief, its municipality contact or a coordinator"


async def test_who_may_alert_follow_up_and_see_incidents(
    app: BotApplication, sandbox: Sandbox, db: Database, noord: Noord, coordinator: SimUser
) -> None:
    svc = services.of(app)
    zuid = await networks.create(db, "Zuid", None, coordinator.id, datetime.now(UTC))
    other_chief = sandbox.add_user("Olga", language_code="en")
    await approved(db, zuid.id, other_chief, "police_chief", coordinator.id)
    stranger = sandbox.add_user("Mallory", language_code="en")
    stranger.started = True
    fatima, chief = noord.fatima, noord.chief
    await send_alert(svc, chief.id, [noord.network.id], "urgent", "network_only", "Noord only")
    alert = await fatima.expect("Noord only")

    # Key figures and strangers: refused everywhere.
    for person in (fatima, stranger):
        for command in (
            "/alert",
            "/alert Noord Hello",
            "/update x",
            "/close",
            "/incident",
            "/incident 1",
        ):
            await person.send(command)
            await person.expect(REFUSAL)
    # A host of another network: not this network's incidents.
    await other_chief.send("/alert Noord Hello")
    await other_chief.expect(REFUSAL)
    await other_chief.send("/incident 1")
    await other_chief.expect(REFUSAL)
    await other_chief.send("/update Anything")
    await other_chief.expect("You have no open alert")
    await other_chief.send("/alert")
    await other_chief.expect("How serious is it?")  # straight on: Zuid is her only network
    # Host-only buttons pressed by others.
    forged = await (await fatima.press(alert, data=f"inc:ans:1:{noord.ahmed.id}")).answered()
    assert REFUSAL in forged["text"]
    shown = await (await fatima.press(alert, data="inc:show:1")).answered()
    assert REFUSAL in shown["text"]
    olga_msg = other_chief.private_chat.bot_messages()[-1]
    olga_press = await (await other_chief.press(olga_msg, data="inc:show:1")).answered()
    assert REFUSAL in olga_press["text"]
    # Someone else's draft.
    draft_press = await (await fatima.press(alert, data="inc:send:1")).answered()
    assert "no longer works" in draft_press["text"]

    # The municipality contact and the coordinator may.
    await noord.alderman.send("/alert Noord From the town hall")
    await noord.alderman.expect("Preview")
    await noord.alderman.send("/incident 1")
    await noord.alderman.expect("Alert #1 ·")
    await coordinator.send("/language en")  # Carla's app is Dutch
    await coordinator.expect("I'll write to you in English from now on.")
    await coordinator.send("/alert")
    choose = await coordinator.expect("Which networks should it reach?")
    assert choose.button_texts() == ["Noord", "Zuid", "All networks", "Next ➡️"]
    nothing = await (await coordinator.press(choose, "Next ➡️")).answered()
    assert "at least one network" in nothing["text"]
    await (await coordinator.press(choose, "Zuid")).answered()
    await _wait_text(choose, "")
    await coordinator.private_chat.world.wait_for(  # type: ignore[union-attr]
        lambda: "✓ Zuid" in choose.button_texts()
    )
    await (await coordinator.press(choose, "All networks")).answered()
    await coordinator.private_chat.world.wait_for(  # type: ignore[union-attr]
        lambda: choose.button_texts()[:2] == ["✓ Noord", "✓ Zuid"]
    )
    await (await coordinator.press(choose, "Next ➡️")).answered()
    await _wait_text(choose, "How serious is it?")
    await coordinator.send("/incident 1")
    await coordinator.expect("Alert #1 ·")
    await coordinator.send("/close")
    await coordinator.expect("Alert #1 is closed")


async def test_a_members_words_to_the_hosts_go_with_their_forget(
    app: BotApplication, sandbox: Sandbox, db: Database, noord: Noord
) -> None:
    """The hosts get a member's reply through the outbox; /forget removes those copies too."""
    chief, fatima = noord.chief, noord.fatima
    preview = await compose_critical(chief, "Unrest near the station.")
    await (await chief.press(preview, "📤 Send")).answered()
    alert = await fatima.expect("Unrest near the station.")
    await (await fatima.press(alert, "💬 Reply")).answered()
    moods = await fatima.expect("How is the mood around you?")
    await (await fatima.press(moods, "😟 worried")).answered()
    await chief.expect("the mood is 😟 worried")
    about = "SELECT count(*) AS n FROM deliveries WHERE about_user_id = ?"
    assert (await db.fetch_one(about, (fatima.id,)))["n"] >= 2  # type: ignore[index]
    await fatima.send("/forget")
    question = await fatima.expect("cannot be undone")
    await (await fatima.press(question, button_starting(question, "Yes"))).answered()
    await sandbox.wait_for(lambda: "deleted" in (question.text or ""))
    assert (await db.fetch_one(about, (fatima.id,)))["n"] == 0  # type: ignore[index]


def button_starting(message: SimMessage, prefix: str) -> str:
    return next(b.text for row in message.buttons for b in row if b.text.startswith(prefix))

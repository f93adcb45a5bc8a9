"""One conversation at a time: a draft left alone expires, /cancel ends whatever is open, a new
flow replaces the old one, and an intake stopped with /cancel starts again from the same link."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.settings import Settings
from domain.alerts import send_alert
from sandbox import Sandbox, SimMessage, SimUser
from storage import incidents, invites, networks
from tests.test_meetings import Noord, arrange, bot, plan

START = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)  # Tuesday 10 February 2026, 10:00 in Amsterdam
NOTHING_OPEN = "I work with commands and buttons"


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[BotApplication]:
    async with bot(settings, clock) as application:
        yield application


@pytest.fixture
async def noord(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    return await arrange(app, sandbox, coordinator)


async def test_a_meeting_draft_left_alone_expires_with_a_word(
    noord: Noord, clock: ManualClock
) -> None:
    karin = noord.karin
    await karin.send("/meeting")
    await karin.expect("When is the meeting?")
    clock.advance(timedelta(minutes=61))  # [bot] conversation_minutes is 60 by default

    await karin.send("Thanks, see you at the market")
    lapsed = await karin.expect("has expired")
    assert lapsed.text == "Your draft meeting for Noord has expired; start again with /meeting."
    await karin.expect(NOTHING_OPEN)  # the text is not read as a date
    assert not any("date" in (m.text or "") for m in karin.private_chat.bot_messages()[-2:])

    await karin.send("/cancel")
    await karin.expect("nothing to stop")


async def test_a_draft_within_the_hour_carries_on(noord: Noord, clock: ManualClock) -> None:
    karin = noord.karin
    await karin.send("/meeting")
    await karin.expect("When is the meeting?")
    clock.advance(timedelta(minutes=59))
    await karin.send("12 maart 19:00")
    await karin.expect("Where?")


async def test_cancel_ends_a_meeting_plan_and_says_what_stopped(noord: Noord) -> None:
    karin = noord.karin
    await karin.send("/meeting")
    await karin.expect("When is the meeting?")
    await karin.send("/cancel")
    stopped = await karin.expect("Stopped")
    assert stopped.text == "Stopped. Your draft meeting for Noord was discarded."
    await karin.send("12 maart 19:00")
    await karin.expect(NOTHING_OPEN)


async def test_cancel_ends_a_topic_and_an_action(noord: Noord) -> None:
    await plan(noord, "12 maart 19:00")
    ahmed, karin = noord.ahmed, noord.karin
    await ahmed.send("/topic")
    await ahmed.expect("What would you like to put on the agenda")
    await ahmed.send("/cancel")
    await ahmed.expect("Stopped. Your topic for the meeting was discarded.")
    await ahmed.send("Youth on the square")
    await ahmed.expect(NOTHING_OPEN)

    await karin.send("/action")
    await karin.expect("What")
    await karin.send("/cancel")
    await karin.expect("Stopped. Your draft action was discarded.")


async def test_cancel_ends_an_alert_draft(app: BotApplication, noord: Noord) -> None:
    karin = noord.karin
    await karin.send("/alert")
    await karin.expect("How serious is it?")
    await karin.send("/cancel")
    await karin.expect("Cancelled: the alert was not sent.")
    rows = await services.of(app).database.fetch_all("SELECT status FROM incident_drafts")
    assert [row["status"] for row in rows] == ["cancelled"]


async def test_cancel_ends_a_reply_typed_after_an_alert_button(
    app: BotApplication, noord: Noord
) -> None:
    svc = services.of(app)
    await send_alert(svc, noord.karin.id, [noord.network_id], "urgent", "shareable", "Unrest")
    ahmed = noord.ahmed
    alert = await ahmed.expect("Unrest")
    await (await ahmed.press(alert, "💬 Reply")).answered()
    moods = await ahmed.expect("How is the mood")
    await (await ahmed.press(moods, "🙂 calm")).answered()
    await noord.karin.expect("the mood is 🙂 calm")

    await ahmed.send("/cancel")
    await ahmed.expect("Stopped. Your reply to alert #1 was discarded.")
    await ahmed.send("All quiet here")
    await ahmed.expect(NOTHING_OPEN)
    recipient = await incidents.recipient(svc.database, 1, ahmed.id)
    assert recipient is not None and recipient.reply_text is None


async def test_a_new_flow_replaces_the_open_one_with_a_word(noord: Noord) -> None:
    karin = noord.karin
    await karin.send("/meeting")
    await karin.expect("When is the meeting?")
    await karin.send("/alert")
    await karin.expect("Your draft meeting for Noord was discarded: you started something new.")
    await karin.expect("How serious is it?")
    await karin.send("12 maart 19:00")  # not a date for the dropped meeting, not an alert text
    await karin.expect(NOTHING_OPEN)
    await karin.send("/cancel")
    await karin.expect("Cancelled: the alert was not sent.")


async def test_an_intake_stopped_with_cancel_starts_again_from_the_same_link(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser, clock: ManualClock
) -> None:
    db = services.of(app).database
    network = await networks.create(db, "Zuid", None, coordinator.id, clock.now())
    invite = await invites.create(db, network.id, "key_figure", coordinator.id, clock.now())
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send(f"/start {invite.code}")
    await eve.expect("What name should the network know you by?")
    await eve.send("Eve")
    await eve.expect("organisation")

    await eve.send("/cancel")
    stopped = await eve.expect("Stopped")
    assert "Open the same invite link again before" in (stopped.text or "")

    clock.advance(timedelta(days=3))
    await eve.send(f"/start {invite.code}")
    await eve.expect("Welcome! You are invited to the network")
    await eve.expect("What name should the network know you by?")
    await eve.send("Eve")
    await eve.expect("organisation")
    await eve.send("/cancel")
    await eve.expect("Stopped")

    clock.advance(timedelta(days=5))  # the invite was valid for 7 days
    await eve.send(f"/start {invite.code}")
    await eve.expect("This invite link has expired")


# --- the Cancel button under every step -----------------------------------------------------


async def test_every_intake_step_has_cancel_and_pressing_it_keeps_the_link_usable(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser, clock: ManualClock
) -> None:
    db = services.of(app).database
    network = await networks.create(db, "Zuid", None, coordinator.id, clock.now())
    invite = await invites.create(db, network.id, "key_figure", coordinator.id, clock.now())
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send(f"/start {invite.code}")
    await eve.expect("Welcome! You are invited to the network")

    name = await eve.expect("What name should the network know you by?")
    assert "Cancel" in name.button_texts()
    await eve.send("Eve")
    organisation = await eve.expect("organisation")
    assert "Cancel" in organisation.button_texts()
    await sandbox.wait_for(lambda: not name.buttons)  # answered by typing: its buttons go
    await eve.press(organisation, "Skip")
    reach = await eve.expect("communities do you reach")
    assert reach.button_texts() == ["Cancel"]
    await eve.send("young people")
    phone = await eve.expect("phone number")
    assert phone.keyboard is not None and ["No thanks", "Cancel"] in phone.keyboard
    await eve.send("No thanks")
    diet = await eve.expect("dietary needs")
    assert "Cancel" in diet.button_texts()
    await eve.press(diet, "Other…")
    other = await eve.expect("keep in mind for the meals")
    assert other.button_texts() == ["Cancel"]
    await eve.send("no pork")
    language = await eve.expect("Which language")
    assert "Cancel" in language.button_texts()
    await eve.press(language, "English")
    consent = await eve.expect("Do you agree?")
    assert "Cancel" in consent.button_texts()
    await eve.press(consent, "I agree")
    review = await eve.expect("Your application for Zuid")
    assert "Cancel" in review.button_texts()

    await (await eve.press(review, "Cancel")).answered()
    stopped = await eve.expect("Stopped")
    assert "Open the same invite link again before" in (stopped.text or "")
    await sandbox.wait_for(lambda: not review.buttons)

    await eve.send(f"/start {invite.code}")
    await eve.expect("Welcome! You are invited to the network")
    await eve.expect("What name should the network know you by?")


async def test_the_phone_keyboards_cancel_stops_the_intake(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser, clock: ManualClock
) -> None:
    db = services.of(app).database
    network = await networks.create(db, "Zuid", None, coordinator.id, clock.now())
    invite = await invites.create(db, network.id, "key_figure", coordinator.id, clock.now())
    eve = sandbox.add_user("Eve", language_code="en")
    await eve.send(f"/start {invite.code}")
    await eve.send("Eve")
    await eve.press(await eve.expect("organisation"), "Skip")
    await eve.send("young people")
    await eve.expect("phone number")
    await eve.send("Cancel")
    stopped = await eve.expect("Stopped")
    assert stopped.reply_markup == {"remove_keyboard": True}
    await eve.send("Eve")
    await eve.expect(NOTHING_OPEN)


async def test_the_cancel_button_ends_a_reply_after_an_alert_button(
    app: BotApplication, noord: Noord
) -> None:
    svc = services.of(app)
    await send_alert(svc, noord.karin.id, [noord.network_id], "urgent", "shareable", "Unrest")
    ahmed = noord.ahmed
    alert = await ahmed.expect("Unrest")
    await (await ahmed.press(alert, "💬 Reply")).answered()
    moods = await ahmed.expect("How is the mood")
    await (await ahmed.press(moods, "🙂 calm")).answered()
    await noord.karin.expect("the mood is 🙂 calm")  # told after the mood's message is edited
    assert moods.button_texts() == ["No, that's all", "Cancel"]

    await (await ahmed.press(moods, "Cancel")).answered()
    await ahmed.expect("Stopped. Your reply to alert #1 was discarded.")
    await ahmed.send("All quiet here")
    await ahmed.expect(NOTHING_OPEN)


async def test_the_cancel_button_ends_a_hosts_answer(app: BotApplication, noord: Noord) -> None:
    svc = services.of(app)
    await send_alert(svc, noord.karin.id, [noord.network_id], "urgent", "shareable", "Unrest")
    ahmed, karin = noord.ahmed, noord.karin
    alert = await ahmed.expect("Unrest")
    await (await ahmed.press(alert, "💬 Reply")).answered()
    await (await ahmed.press(await ahmed.expect("How is the mood"), "🙂 calm")).answered()
    told = await karin.expect("the mood is 🙂 calm")
    answer = next(label for label in told.button_texts() if label.startswith("Answer"))
    await (await karin.press(told, answer)).answered()
    prompt = await karin.expect("Type your answer to")
    assert prompt.button_texts() == ["Cancel"]

    await (await karin.press(prompt, "Cancel")).answered()
    await karin.expect("Stopped. Your answer about alert #1 was discarded.")
    await karin.send("We are on our way")
    await karin.expect(NOTHING_OPEN)


@pytest.mark.parametrize("command", ["/update The police are on site", "/close"])
async def test_the_cancel_button_ends_an_update_or_close_choice(
    app: BotApplication, noord: Noord, command: str
) -> None:
    svc = services.of(app)
    for text in ("Unrest", "Fire"):
        await send_alert(svc, noord.karin.id, [noord.network_id], "urgent", "shareable", text)
    karin = noord.karin
    await karin.send(command)
    choice = await karin.expect("Which alert do you want to")
    assert choice.button_texts()[-1] == "Cancel"

    await (await karin.press(choice, "Cancel")).answered()
    await karin.expect("Stopped.")
    incident = await incidents.get(svc.database, 1)
    assert incident is not None and incident.closed_at is None


def cancels(message: SimMessage) -> bool:
    """The step shows Cancel: the conversation's own, the plan's ✖️ Cancel (mtg:no), or the
    Cancel of a reply keyboard (the place step's location button)."""
    data = {b.callback_data for row in message.buttons for b in row}
    return "talk:cancel" in data or "mtg:no" in data or ["Cancel"] in message.keyboard


async def step(user: SimUser, pattern: str) -> SimMessage:
    shown = await user.expect(pattern)
    assert cancels(shown), f"no Cancel under {pattern!r}: {shown.button_texts()}"
    return shown


async def test_every_step_of_planning_a_meeting_shows_cancel(noord: Noord) -> None:
    karin = noord.karin
    await karin.send("/meeting")
    await step(karin, "When is the meeting?")
    await karin.send("12 maart")
    await step(karin, "At what time")
    await karin.send("19:00")
    where = await step(karin, "Where?")
    await (await karin.press(where, "📍 Another place")).answered()
    await step(karin, "Where is it?")
    await karin.send("Buurthuis De Boog, Boogstraat 3")
    await step(karin, "Anything about the meal")
    await karin.send("Soep")
    await step(karin, "Plan this meeting?")

    await karin.send("/meetings plan")
    await step(karin, "On which weekday")
    await karin.send("/meeting")
    await karin.expect("was discarded")
    await karin.expect("When is the meeting?")
    await karin.send("3/4 19:00")  # 3 April or 4 March
    ambiguous = await step(karin, "Did you mean")
    await (await karin.press(ambiguous, "Cancel")).answered()
    stopped = await karin.expect("Stopped.")
    assert stopped.text == "Stopped. Your draft meeting for Noord was discarded."
    await karin.send("12 maart 19:00")
    await karin.expect(NOTHING_OPEN)


async def test_every_step_of_a_year_plan_shows_cancel(noord: Noord) -> None:
    karin = noord.karin
    await karin.send("/meetings plan")
    weekday = await step(karin, "On which weekday")
    await (await karin.press(weekday, "Thursday")).answered()
    at = await step(karin, "At what time")
    await (await karin.press(at, "19:00")).answered()
    proposal = await step(karin, "A year of meetings")
    await (await karin.press(proposal, "✏️ 2")).answered()
    await step(karin, "When is the meeting?")
    await karin.send("/cancel")
    await karin.expect("Stopped. Your draft meeting for Noord was discarded.")


async def test_every_step_of_a_topic_and_an_action_shows_cancel(noord: Noord) -> None:
    await plan(noord, "12 maart 19:00")
    ahmed, karin = noord.ahmed, noord.karin
    await ahmed.send("/topic")
    await step(ahmed, "What would you like to put on the agenda")
    await ahmed.send("Youth on the square")
    named = await step(ahmed, "Shall the police chief and the municipality see it")
    await (await ahmed.press(named, "Cancel")).answered()
    await ahmed.expect("Stopped. Your topic for the meeting was discarded.")

    await karin.send("/action")
    await step(karin, "What was agreed?")
    await karin.send("Fix the street lamp")
    who = await step(karin, "Who will do it?")
    await (await karin.press(who, "Ahmed")).answered()
    due = await step(karin, "By when?")
    await (await karin.press(due, "Cancel")).answered()
    await karin.expect("Stopped. Your draft action was discarded.")
    await karin.send("1 June")
    await karin.expect(NOTHING_OPEN)

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
from sandbox import Sandbox, SimUser
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
    assert stopped.text == "Stopped. Your draft meeting for Noord is dropped."
    await karin.send("12 maart 19:00")
    await karin.expect(NOTHING_OPEN)


async def test_cancel_ends_a_topic_and_an_action(noord: Noord) -> None:
    await plan(noord, "12 maart 19:00")
    ahmed, karin = noord.ahmed, noord.karin
    await ahmed.send("/topic")
    await ahmed.expect("What would you like to put on the agenda")
    await ahmed.send("/cancel")
    await ahmed.expect("Stopped. Your topic for the meeting is dropped.")
    await ahmed.send("Youth on the square")
    await ahmed.expect(NOTHING_OPEN)

    await karin.send("/action")
    await karin.expect("What")
    await karin.send("/cancel")
    await karin.expect("Stopped. Your draft action is dropped.")


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
    await ahmed.expect("Stopped. Your reply to alert #1 is dropped.")
    await ahmed.send("All quiet here")
    await ahmed.expect(NOTHING_OPEN)
    recipient = await incidents.recipient(svc.database, 1, ahmed.id)
    assert recipient is not None and recipient.reply_text is None


async def test_a_new_flow_replaces_the_open_one_with_a_word(noord: Noord) -> None:
    karin = noord.karin
    await karin.send("/meeting")
    await karin.expect("When is the meeting?")
    await karin.send("/alert")
    await karin.expect("Your draft meeting for Noord is dropped: you started something new.")
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
    await eve.expect("Welcome! You are invited to join the network")
    await eve.expect("What name should the network know you by?")
    await eve.send("Eve")
    await eve.expect("organisation")
    await eve.send("/cancel")
    await eve.expect("Stopped")

    clock.advance(timedelta(days=5))  # the invite was valid for 7 days
    await eve.send(f"/start {invite.code}")
    await eve.expect("This invite link has expired")

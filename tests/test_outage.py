"""Telegram goes away for ten minutes, answers slowly, or the database stumbles: every message
still arrives, and exactly once. The bot's clock is moved; the outage itself is the sandbox's."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import services
from bot.app import BotApplication, build_application, running
from bot.clock import ManualClock
from bot.settings import Settings
from domain.alerts import close_incident, send_alert
from sandbox import Sandbox, SimChat, SimUser
from storage import deliveries, group_chats, networks
from storage import incidents as incident_store
from storage.database import Database
from storage.deliveries import NewDelivery, priority
from tests.conftest import eventually, make_settings
from tests.test_incidents import approved, linked_group

START = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)  # a night in November
MODES = ["5xx", "drop", "timeout"]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def quick(sandbox: Sandbox, tmp_path: Path, coordinator: SimUser) -> Settings:
    """Settings whose sends give up waiting after a second, so a hanging Telegram is quick."""
    settings = make_settings(
        sandbox, tmp_path / "bot.sqlite3", access={"coordinators": [coordinator.id]}
    )
    settings.telegram.read_timeout = 1.0
    return settings


@asynccontextmanager
async def bot(settings: Settings, clock: ManualClock) -> AsyncIterator[BotApplication]:
    async with running(build_application(settings, clock=clock)) as application:
        yield application


async def network_of(app: BotApplication, sandbox: Sandbox, coordinator: SimUser, size: int):
    """A network with a police chief, `size` key figures and a linked group chat."""
    db = services.of(app).database
    network = await networks.create(db, "Noord", None, coordinator.id, datetime.now(UTC))
    chief = sandbox.add_user("Karin", language_code="en")
    await approved(db, network.id, chief, "police_chief", coordinator.id)
    members = [sandbox.add_user(f"Member {n}", language_code="en") for n in range(size)]
    for person in members:
        await approved(db, network.id, person, "key_figure", coordinator.id)
    group = await linked_group(db, sandbox, network.id, coordinator, [chief, *members])
    return network, chief, members, group


async def outage_of(sandbox: Sandbox, clock: ManualClock, minutes: int, mode: str) -> None:
    """Telegram is down for `minutes` by the bot's clock, on every method."""
    sandbox.faults.outage(mode)
    for _ in range(minutes * 2):
        clock.advance(timedelta(seconds=30))
        await asyncio.sleep(0.15)
    sandbox.faults.recover()


def ok_sends(sandbox: Sandbox, method: str, chat_id: int, part: str = "") -> int:
    return sum(
        1
        for r in sandbox.requests
        if r.ok
        and r.method == method
        and str(r.params.get("chat_id")) == str(chat_id)
        and part in str(r.params.get("text", r.params.get("question", "")))
    )


async def all_sent(db: Database) -> bool:
    row = await db.fetch_one("SELECT count(*) FROM deliveries WHERE status = 'pending'")
    return row is not None and row[0] == 0


async def settled(db: Database, clock: ManualClock, limit: int = 300) -> None:
    """After the outage, time goes on (a second per turn) until nothing is left to send."""
    for _ in range(limit):
        if await all_sent(db):
            return
        clock.advance(timedelta(seconds=1))
        await asyncio.sleep(0.1)
    raise AssertionError("deliveries still pending after the outage")


@pytest.mark.parametrize("mode", MODES)
async def test_a_critical_alert_through_ten_minutes_of_outage_arrives_once_everywhere(
    sandbox: Sandbox, quick: Settings, clock: ManualClock, coordinator: SimUser, mode: str
) -> None:
    async with bot(quick, clock) as app:
        svc = services.of(app)
        network, chief, members, group = await network_of(app, sandbox, coordinator, 12)
        sandbox.faults.outage(mode)
        incident_id = await send_alert(
            svc,
            chief.id,
            [network.id],
            "critical",
            "network_only",
            "Stabbing at the market",
        )
        await outage_of(sandbox, clock, 10, mode)
        assert svc.dispatcher.outage is not None  # it noticed, and waits for Telegram
        await settled(svc.database, clock)
        await sandbox.wait_for(lambda: any(m.pinned for m in group.bot_messages()), timeout=15)
        assert svc.dispatcher.outage is None
        states = await deliveries.counts(svc.database, incident_id)
    assert states == {"sent": 1 + 1 + 12 + 1}  # the group, its pin, the members, the status
    for person in members:
        assert ok_sends(sandbox, "sendMessage", person.id, "Stabbing at the market") == 1
    assert ok_sends(sandbox, "sendMessage", group.id, "Stabbing at the market") == 1
    assert ok_sends(sandbox, "pinChatMessage", group.id) == 1
    assert ok_sends(sandbox, "sendMessage", chief.id, f"Alert #{incident_id}") == 1
    assert sandbox.faults.injected  # the outage really happened, and was felt


async def test_the_sender_sees_waiting_for_telegram_then_everything_arrives(
    sandbox: Sandbox, quick: Settings, clock: ManualClock, coordinator: SimUser
) -> None:
    async with bot(quick, clock) as app:
        svc = services.of(app)
        network, chief, members, group = await network_of(app, sandbox, coordinator, 4)
        # Telegram fails for the members and the group; the chief's chat still works.
        down = [group.id, *(m.id for m in members)]
        sandbox.faults.outage("5xx", methods=["sendMessage"], chat_ids=down)
        incident_id = await send_alert(
            svc, chief.id, [network.id], "urgent", "network_only", "Unrest at the square"
        )
        status = await chief.expect(f"Alert #{incident_id}")
        await sandbox.wait_for(
            lambda: "Telegram is not answering" in (status.text or ""), timeout=20
        )
        assert "the 5 messages still waiting" in (status.text or "")
        clock.advance(timedelta(minutes=10))
        sandbox.faults.recover()
        await sandbox.wait_for(lambda: "is out" in (status.text or ""), timeout=20)
        await settled(svc.database, clock)
    assert "sent 5/5" in (status.text or "")
    for person in members:
        assert ok_sends(sandbox, "sendMessage", person.id, "Unrest at the square") == 1
    assert ok_sends(sandbox, "sendMessage", group.id, "Unrest at the square") == 1


async def test_an_alert_that_cannot_reach_the_group_in_its_window_is_told_to_the_sender(
    sandbox: Sandbox, quick: Settings, clock: ManualClock, coordinator: SimUser
) -> None:
    quick.incidents.delivery_window_hours = 1
    async with bot(quick, clock) as app:
        svc = services.of(app)
        network, chief, _members, group = await network_of(app, sandbox, coordinator, 2)
        sandbox.faults.outage("5xx", methods=["sendMessage"])
        await send_alert(svc, chief.id, [network.id], "info", "network_only", "Power cut")
        await sandbox.wait_for(lambda: svc.dispatcher.outage is not None, timeout=15)
        clock.advance(timedelta(minutes=61))

        async def ended() -> bool:
            row = await svc.database.fetch_one(
                "SELECT count(*) FROM deliveries WHERE status = 'pending' AND kind LIKE 'alert_%'"
                " AND kind <> 'alert_notice'"
            )
            return row is not None and row[0] == 0

        await eventually(ended, timeout=20)
        rows = await svc.database.fetch_all(
            "SELECT kind, status, error FROM deliveries WHERE incident_id IS NOT NULL"
            " AND kind <> 'alert_notice'"
        )
        sandbox.faults.recover()
        clock.advance(timedelta(minutes=5))
        notice = await chief.expect("did not reach the group chat of Noord", timeout=20)
    assert len(rows) == 4  # the group post, the status, two members
    assert {r["status"] for r in rows} == {"expired"}
    assert all("expired" in r["error"] for r in rows)
    assert "Telegram could not be reached in time" in (notice.text or "")
    assert ok_sends(sandbox, "sendMessage", group.id, "Power cut") == 0


async def test_closing_an_incident_ends_its_queued_reminders(
    sandbox: Sandbox, quick: Settings, clock: ManualClock, coordinator: SimUser
) -> None:
    async with bot(quick, clock) as app:
        svc = services.of(app)
        network, chief, members, _group = await network_of(app, sandbox, coordinator, 2)
        await svc.dispatcher.stop()
        incident_id = await send_alert(
            svc, chief.id, [network.id], "critical", "network_only", "Fire"
        )
        from domain.alerts import escalate_due

        clock.advance(timedelta(minutes=16))
        assert await escalate_due(svc, incident_id)  # the reminder is queued, not yet sent
        assert await close_incident(svc, incident_id, chief.id, "All clear")
        rows = await svc.database.fetch_all(
            "SELECT status, error FROM deliveries WHERE kind = 'alert_reminder'"
        )
        await svc.dispatcher.start()
        await svc.dispatcher.idle()
    assert [(r["status"], r["error"]) for r in rows] == [("expired", "incident closed")] * 2
    for person in members:
        assert ok_sends(sandbox, "sendMessage", person.id, "Have you seen this alert") == 0
        assert ok_sends(sandbox, "sendMessage", person.id, "All clear") == 1


def routine(chat_id: int, text: str, **extra: Any) -> NewDelivery:
    return NewDelivery(
        chat_id=chat_id,
        priority=priority("routine", group=chat_id < 0),
        kind="test",
        params={"text": text},
        **extra,
    )


async def queue(app: BotApplication, items: list[NewDelivery], now: datetime) -> list[int]:
    svc = services.of(app)
    async with svc.database.transaction() as conn:
        ids = await deliveries.add_many(conn, items, now)
    svc.dispatcher.wake()
    return ids


@pytest.mark.parametrize("mode", MODES)
async def test_telegram_back_is_noticed_within_seconds_though_every_pause_runs_for_minutes(
    sandbox: Sandbox, quick: Settings, clock: ManualClock, mode: str
) -> None:
    # The bot's clock stands still: every delivery that failed waits for a pause that never
    # ends by itself. Only the probe, one try a second, can notice that Telegram is back.
    members = [sandbox.add_user(f"Lid {n}") for n in range(3)]
    for member in members:
        member.started = True
    async with bot(quick, clock) as app:
        dispatcher = services.of(app).dispatcher
        sandbox.faults.outage(mode, methods=["sendMessage"])
        await queue(app, [routine(m.id, "Straks") for m in members], clock.now())

        async def in_outage() -> bool:
            return dispatcher.outage is not None

        await eventually(in_outage, timeout=20)
        await asyncio.sleep(2.5)  # probes fail too, and pause their deliveries further
        sandbox.faults.recover()
        for member in members:
            await member.expect("Straks", timeout=15)
        assert dispatcher.outage is None
    for member in members:
        assert ok_sends(sandbox, "sendMessage", member.id, "Straks") == 1


async def test_a_send_that_telegram_answers_after_ten_seconds_is_sent_once(
    app: BotApplication, sandbox: Sandbox
) -> None:
    person = sandbox.add_user("Slow")
    person.started = True
    sandbox.faults.slow("sendMessage", 10)
    (delivery_id,) = await queue(app, [routine(person.id, "patience")], datetime.now(UTC))
    db = services.of(app).database

    async def recorded() -> bool:
        found = await deliveries.get(db, delivery_id)
        return found is not None and found.status == "sent"

    await eventually(recorded, timeout=25)
    sandbox.faults.slow("sendMessage", 0)
    await services.of(app).dispatcher.idle()
    assert ok_sends(sandbox, "sendMessage", person.id, "patience") == 1
    assert len(person.private_chat.bot_messages()) == 1


async def test_a_stop_with_a_poll_on_the_wire_then_a_restart_makes_one_poll(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    group = sandbox.add_group("Wijk Noord", members=[coordinator], admins=[coordinator])
    poll = NewDelivery(
        chat_id=group.id,
        priority=priority("routine", group=True),
        kind="meeting_poll:1:1",
        method="sendPoll",
        params={"question": "Coming on Thursday?", "options": [{"text": "Yes"}, {"text": "No"}]},
    )
    async with running(build_application(settings)) as app:
        await group.add_bot(by=coordinator)
        sandbox.faults.slow("sendPoll", 4)
        await queue(app, [poll], datetime.now(UTC))
        await sandbox.wait_for(lambda: any(r.method == "sendPoll" for r in sandbox.requests))
        # Leaving the block stops the bot while the poll is on the wire.
    sandbox.faults.slow("sendPoll", 0)
    async with running(build_application(settings)) as app:
        await services.of(app).dispatcher.idle()
        await asyncio.sleep(0.5)
    assert len([m for m in group.bot_messages() if m.poll is not None]) == 1
    assert len([r for r in sandbox.requests if r.method == "sendPoll"]) == 1


async def test_a_wait_longer_than_the_messages_life_ends_it_at_once(
    sandbox: Sandbox, quick: Settings, clock: ManualClock
) -> None:
    person = sandbox.add_user("Busy")
    person.started = True
    sandbox.faults.fail_next("sendMessage", chat_id=person.id, error_code=429, retry_after=7200)
    async with bot(quick, clock) as app:
        svc = services.of(app)
        (delivery_id,) = await queue(
            app,
            [routine(person.id, "meeting tonight", expires_at=clock.now() + timedelta(hours=1))],
            clock.now(),
        )

        async def ended() -> bool:
            found = await deliveries.get(svc.database, delivery_id)
            return found is not None and found.status == "expired"

        await eventually(ended)
        found = await deliveries.get(svc.database, delivery_id)
    assert found is not None and "asked to wait 7200 s" in (found.error or "")
    assert person.private_chat.bot_messages() == []


async def test_our_own_mistake_is_refused_once_logged_and_not_retried(
    app: BotApplication, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    person = sandbox.add_user("Reader")
    person.started = True
    html = {"text": "<b>unclosed", "parse_mode": "HTML"}
    broken = replace(routine(person.id, "<b>unclosed"), params=html)
    with caplog.at_level(logging.ERROR, logger="bot.dispatcher"):
        (delivery_id,) = await queue(app, [broken], datetime.now(UTC))
        await services.of(app).dispatcher.idle()
    found = await deliveries.get(services.of(app).database, delivery_id)
    assert found is not None and found.status == "failed"
    assert "parse entities" in (found.error or "")
    assert len([r for r in sandbox.requests if r.method == "sendMessage"]) == 1
    [line] = [r.getMessage() for r in caplog.records if "ended failed" in r.getMessage()]
    assert "sendMessage" in line and "parse entities" in line


async def test_the_dispatcher_survives_a_failing_database_and_sends_once(
    app: BotApplication, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [sandbox.add_user(f"P{n}") for n in range(5)]
    for person in people:
        person.started = True
    dispatcher = services.of(app).dispatcher
    real_due, real_mark_sent = deliveries.due, deliveries.mark_all_sent
    broken = {"due": 3, "mark_sent": 4}

    async def due(*args: Any, **kwargs: Any) -> Any:
        if broken["due"]:
            broken["due"] -= 1
            raise sqlite3.OperationalError("disk I/O error")
        return await real_due(*args, **kwargs)

    async def mark_sent(*args: Any, **kwargs: Any) -> Any:
        if broken["mark_sent"]:
            broken["mark_sent"] -= 1
            raise sqlite3.OperationalError("database is locked")
        return await real_mark_sent(*args, **kwargs)

    monkeypatch.setattr(deliveries, "due", due)
    monkeypatch.setattr(deliveries, "mark_all_sent", mark_sent)
    await queue(app, [routine(p.id, "still here") for p in people], datetime.now(UTC))

    async def done() -> bool:
        return await all_sent(services.of(app).database)

    await eventually(done, timeout=30)
    assert dispatcher.loop_restarts == 3
    assert broken == {"due": 0, "mark_sent": 0}
    for person in people:
        assert ok_sends(sandbox, "sendMessage", person.id, "still here") == 1


async def test_a_group_that_became_a_supergroup_during_the_outage_gets_the_post_there(
    sandbox: Sandbox, quick: Settings, clock: ManualClock, coordinator: SimUser
) -> None:
    async with bot(quick, clock) as app:
        svc = services.of(app)
        network, chief, _members, group = await network_of(app, sandbox, coordinator, 1)
        old_id = group.id
        sandbox.faults.outage("drop", methods=["sendMessage"])
        await send_alert(svc, chief.id, [network.id], "urgent", "network_only", "Smoke")
        new_id = await group.migrate_to_supergroup(by=coordinator)
        await outage_of(sandbox, clock, 10, "drop")
        await settled(svc.database, clock)
        moved = await group_chats.get(svc.database, new_id)
    assert moved is not None and new_id != old_id
    new_chat: SimChat = sandbox.chat(new_id)
    assert sum("Smoke" in (m.text or "") for m in new_chat.bot_messages()) == 1


async def test_the_delivery_window_and_read_timeout_are_settings(settings: Settings) -> None:
    assert settings.incidents.delivery_window == timedelta(hours=24)
    assert settings.telegram.read_timeout == 30.0
    assert incident_store.CLOSED_ENDS == ("alert_reminder", "escalation", "closing_reminder")


async def meeting_jobs(app: BotApplication) -> None:
    """What the scheduler would run now, by our clock (without waiting for the outbox)."""
    assert app.job_queue is not None
    for job in app.job_queue.jobs():
        if job.name and job.name.startswith("meeting-"):
            await job.run(app)


@pytest.mark.parametrize("mode", MODES)
async def test_a_meeting_poll_reminder_and_headcount_through_outages_arrive_once(
    sandbox: Sandbox, quick: Settings, coordinator: SimUser, mode: str
) -> None:
    from tests import test_group_count as group_count
    from tests import test_meetings as meetings

    clock = ManualClock(meetings.START)
    async with meetings.bot(quick, clock) as app:
        svc = services.of(app)
        noord = await meetings.arrange(app, sandbox, coordinator)
        await meetings.plan(noord, "12 maart 19:00")
        members = [noord.karin, noord.ahmed, noord.wim, noord.fatima]

        clock.advance(timedelta(days=9, hours=9))  # the poll is due, Telegram is down
        sandbox.faults.outage(mode)
        await meeting_jobs(app)
        await outage_of(sandbox, clock, 10, mode)
        await settled(svc.database, clock)
        [count] = group_count.counts(noord.group)  # the group's count: the meeting's poll
        for person in members:
            assert meetings.count(person.private_chat, "Are you coming?") == 1

        clock.advance(timedelta(days=14))  # a week before: the reminder, Telegram down again
        sandbox.faults.outage(mode)
        await meeting_jobs(app)
        await outage_of(sandbox, clock, 10, mode)
        await settled(svc.database, clock)
        for person in members:
            assert meetings.count(person.private_chat, "We have not heard from you yet") == 1

        clock.advance(timedelta(days=4))  # the deadline: headcount and the poll closes
        sandbox.faults.outage(mode)
        await meeting_jobs(app)
        await outage_of(sandbox, clock, 10, mode)
        await settled(svc.database, clock)
        assert meetings.count(noord.karin.private_chat, "Headcount") == 1
        # The reminder's fresh count shows the final numbers; the first points to it.
        fresh = group_count.counts(noord.group)[-1]
        await sandbox.wait_for(lambda: "Eindstand" in (fresh.text or ""), timeout=15)
        assert fresh is not count and fresh.buttons == [] and count.buttons == []
    assert meetings.count(noord.group, "Bijeenkomst") == 2  # each count once, through outages
    assert not [r for r in sandbox.requests if r.method in ("sendPoll", "stopPoll")]

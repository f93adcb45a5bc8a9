"""Who has not acknowledged gets one reminder, then the hosts a list to call – across restarts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot import services
from bot.app import BotApplication, build_application, running
from bot.clock import ManualClock
from bot.settings import Settings
from domain.alerts import send_alert
from sandbox import Sandbox, SimUser
from storage import incidents as store
from storage import networks
from tests.conftest import eventually
from tests.test_incidents import approved, texts

# Critical alerts by default: a reminder after 15 minutes, the hosts' list after 30.
REMIND = timedelta(minutes=16)
ESCALATE = timedelta(minutes=31)


@dataclass
class People:
    chief: SimUser
    fatima: SimUser  # acknowledges
    ahmed: SimUser  # does not; shared his phone number
    bea: SimUser  # does not; no phone number


@asynccontextmanager
async def bot(settings: Settings, clock: ManualClock) -> AsyncIterator[BotApplication]:
    async with running(build_application(settings, clock=clock)) as app:
        yield app


async def arrange(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> tuple[People, int]:
    db = services.of(app).database
    network = await networks.create(db, "Noord", None, coordinator.id, datetime.now(UTC))
    people = People(
        *(sandbox.add_user(n, language_code="en") for n in ("Karin", "Fatima", "Ahmed", "Bea"))
    )
    await approved(db, network.id, people.chief, "police_chief", coordinator.id)
    await approved(db, network.id, people.fatima, "key_figure", coordinator.id)
    await approved(db, network.id, people.ahmed, "key_figure", coordinator.id, phone="+31 6 5555")
    await approved(db, network.id, people.bea, "key_figure", coordinator.id)
    return people, network.id


async def run_jobs(app: BotApplication, prefix: str = "incident-") -> None:
    """What the scheduler would run: the incident jobs, now, by our clock."""
    assert app.job_queue is not None
    for job in app.job_queue.jobs():
        if job.name and job.name.startswith(prefix):
            await job.run(app)
    await services.of(app).dispatcher.idle()


async def started_up(app: BotApplication) -> None:
    """The start-up job (rebuilding escalation from the database) has run."""
    queue = app.job_queue
    assert queue is not None

    async def ran() -> bool:
        return not queue.get_jobs_by_name("incident-escalations-at-start")

    await eventually(ran)
    await services.of(app).dispatcher.idle()


def reminders(user: SimUser) -> list[str]:
    return [t for t in texts(user.private_chat) if "Have you seen this alert?" in t]


def call_lists(user: SimUser) -> list[str]:
    return [t for t in texts(user.private_chat) if "have not acknowledged it yet" in t]


async def test_one_reminder_then_the_hosts_list_and_a_restart_repeats_nothing(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(datetime.now(UTC))
    async with bot(settings, clock) as app:
        people, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        incident_id = await send_alert(
            svc,
            people.chief.id,
            [network_id],
            "critical",
            "network_only",
            "Shots fired",
        )
        await svc.dispatcher.idle()
        alert = await people.fatima.expect("Shots fired")
        await (await people.fatima.press(alert, "✅ Seen")).answered()
        await run_jobs(app)  # nothing is due yet
        assert reminders(people.ahmed) == []

        clock.advance(REMIND)
        await run_jobs(app)
        reminder = await people.ahmed.expect("Have you seen this alert?")
        original = next(
            m for m in people.ahmed.private_chat.bot_messages() if "Shots" in (m.text or "")
        )
        assert reminder.reply_to is not None and reminder.reply_to.message_id == original.message_id
        assert "✅ Seen" in reminder.button_texts()
        await people.bea.expect("Have you seen this alert?")
        assert reminders(people.fatima) == []  # she acknowledged
        await run_jobs(app)
        assert len(reminders(people.ahmed)) == 1
        assert call_lists(people.chief) == []

    async with bot(settings, clock) as app:  # a restart before the second step
        await started_up(app)
        assert len(reminders(people.ahmed)) == 1
        assert app.job_queue is not None
        assert app.job_queue.get_jobs_by_name(f"incident-{incident_id}-escalate")
        clock.advance(ESCALATE - REMIND)
        await run_jobs(app)
        call = await people.chief.expect("have not acknowledged it yet")
        assert "Ahmed – +31 6 5555" in (call.text or "")
        assert "Bea – no phone number shared" in (call.text or "")
        assert "Fatima" not in (call.text or "")
        await run_jobs(app)

    async with bot(settings, clock) as app:  # and again: nothing twice
        await started_up(app)
        clock.advance(timedelta(hours=5))
        await run_jobs(app)
        assert len(reminders(people.ahmed)) == 1 and len(reminders(people.bea)) == 1
        assert len(call_lists(people.chief)) == 1
        incident = await store.get(services.of(app).database, incident_id)
        assert incident is not None and incident.reminded_at and incident.escalated_at


async def test_steps_that_fell_due_while_the_bot_was_down_run_once_at_start(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(datetime.now(UTC))
    async with bot(settings, clock) as app:
        people, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        await send_alert(
            svc, people.chief.id, [network_id], "urgent", "shareable", "Unrest downtown"
        )
        await svc.dispatcher.idle()
        await people.ahmed.expect("Unrest downtown")
    clock.advance(timedelta(hours=4))  # urgent: 60 and 180 minutes, both passed while down
    async with bot(settings, clock) as app:
        await people.ahmed.expect("Have you seen this alert?")
        await people.chief.expect("have not acknowledged it yet")
        await started_up(app)
    async with bot(settings, clock) as app:
        await started_up(app)
        await run_jobs(app)
    assert len(reminders(people.ahmed)) == 1
    assert len(call_lists(people.chief)) == 1


async def test_closing_stops_escalation_and_info_is_never_escalated(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(datetime.now(UTC))
    async with bot(settings, clock) as app:
        people, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        urgent = await send_alert(
            svc,
            people.chief.id,
            [network_id],
            "urgent",
            "network_only",
            "Closed soon",
        )
        await send_alert(
            svc,
            people.chief.id,
            [network_id],
            "info",
            "network_only",
            "Just so you know",
        )
        await svc.dispatcher.idle()
        await people.chief.send("/close")
        choice = await people.chief.expect("Which alert do you want to close?")
        await (await people.chief.press(choice, choice.buttons[0][0].text)).answered()
        await sandbox.wait_for(lambda: "is closed" in (choice.text or ""))
        assert (await store.get(svc.database, urgent)).status == "closed"  # type: ignore[union-attr]
        clock.advance(timedelta(hours=5))
        await run_jobs(app)
        assert reminders(people.ahmed) == [] and call_lists(people.chief) == []


async def test_an_alert_queued_before_a_restart_is_delivered_after_it_exactly_once(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(datetime.now(UTC))
    async with bot(settings, clock) as app:
        people, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        await svc.dispatcher.stop()  # as if the bot died right after Send
        await send_alert(svc, people.chief.id, [network_id], "critical", "network_only", "Evacuate")
    assert all(
        not any("Evacuate" in t for t in texts(p.private_chat))
        for p in (people.fatima, people.ahmed, people.bea)
    )
    async with bot(settings, clock) as app:
        await services.of(app).dispatcher.idle()
        await people.bea.expect("Evacuate")
    async with bot(settings, clock) as app:
        await services.of(app).dispatcher.idle()
    for person in (people.fatima, people.ahmed, people.bea):
        assert sum("Evacuate" in t for t in texts(person.private_chat)) == 1

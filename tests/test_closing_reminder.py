"""A closing word for every incident: an alert still open after some hours reminds its sender to
close it with a word — on a moved clock, across restarts, never to anyone else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.settings import Settings
from domain import closing_reminders as closing
from domain.alerts import close_incident, send_alert
from domain.closing_reminders import MOST, due_at
from sandbox import Sandbox, SimMessage, SimUser
from storage import incidents as store
from storage import memberships, networks
from storage.closing_reminders import Reminded
from tests.conftest import eventually
from tests.test_incident_escalation import bot, run_jobs
from tests.test_incidents import approved, linked_group, texts

HOURS = 12  # the default [incidents] close_reminder_hours
OPENING = "has been open for"


def reminders(user: SimUser) -> list[str]:
    return [t for t in texts(user.private_chat) if OPENING in t]


def last_reminder(user: SimUser) -> SimMessage:
    return [m for m in user.private_chat.bot_messages() if OPENING in (m.text or "")][-1]


async def started_up(app: BotApplication) -> None:
    """The start-up job (rebuilding the reminders from the database) has run."""
    queue = app.job_queue
    assert queue is not None

    async def ran() -> bool:
        return not queue.get_jobs_by_name("incident-closing-at-start")

    await eventually(ran)
    await services.of(app).dispatcher.idle()


async def arrange(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> tuple[SimUser, SimUser, SimUser, int]:
    """Noord: Karin (police chief, sends), Mo (municipality), Fatima (key figure), a group."""
    db = services.of(app).database
    network = await networks.create(db, "Noord", None, coordinator.id, datetime.now(UTC))
    chief, mo, fatima = (sandbox.add_user(n, language_code="en") for n in ("Karin", "Mo", "Fatima"))
    await approved(db, network.id, chief, "police_chief", coordinator.id)
    await approved(db, network.id, mo, "municipality", coordinator.id)
    await approved(db, network.id, fatima, "key_figure", coordinator.id)
    return chief, mo, fatima, network.id


# --- the rule --------------------------------------------------------------------------------


def test_the_first_reminder_after_the_hours_the_next_only_when_later_asked() -> None:
    sent = datetime(2026, 3, 1, 9, tzinfo=UTC)
    assert due_at(sent, None, 12) == sent + timedelta(hours=12)
    once = Reminded(1, 1, (sent + timedelta(hours=12)).isoformat(), None)
    assert due_at(sent, once, 12) is None  # ignored: not asked again
    later = sent + timedelta(hours=30)
    asked = Reminded(1, 1, once.last_at, later.isoformat())
    assert due_at(sent, asked, 12) == later
    enough = Reminded(1, MOST, once.last_at, later.isoformat())
    assert due_at(sent, enough, 12) is None


# --- the stories -----------------------------------------------------------------------------


async def test_the_reminder_comes_after_the_hours_survives_restarts_and_later_asks_again(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(datetime.now(UTC))
    async with bot(settings, clock) as app:
        chief, mo, fatima, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        group = await linked_group(svc.database, sandbox, network_id, coordinator, [fatima])
        incident_id = await send_alert(
            svc, chief.id, [network_id], "info", "network_only", "Water main burst on Dorpsweg"
        )
        await svc.dispatcher.idle()
        await fatima.expect("Water main burst")
        clock.advance(timedelta(hours=HOURS) - timedelta(minutes=1))
        await run_jobs(app)
        assert reminders(chief) == []  # not before

    async with bot(settings, clock) as app:  # a restart before it is due
        await started_up(app)
        assert app.job_queue is not None
        assert app.job_queue.get_jobs_by_name(closing.job_name(incident_id))
        clock.advance(timedelta(minutes=2))
        await run_jobs(app)
        await sandbox.wait_for(lambda: len(reminders(chief)) == 1)
        first = last_reminder(chief)
        assert "12 hours" in (first.text or "") and "Water main burst" in (first.text or "")
        assert "keeps worrying" in (first.text or "")
        assert first.button_texts() == ["✍️ Close with a word", "⏰ Later"]
        await run_jobs(app)
        assert len(reminders(chief)) == 1  # once
        # What reaches whom: the sender alone; never the group, a member or the other host.
        assert reminders(mo) == [] and reminders(fatima) == []
        assert not any(OPENING in t for t in texts(group))

        await (await chief.press(first, "⏰ Later")).answered()
        await sandbox.wait_for(lambda: "ask again" in (first.text or ""))
        assert "in 12 hours" in (first.text or "")
        assert first.button_texts() == ["✍️ Close with a word"]
        clock.advance(timedelta(hours=HOURS - 1))
        await run_jobs(app)
        assert len(reminders(chief)) == 1

    async with bot(settings, clock) as app:  # a restart while "Later" waits
        await started_up(app)
        clock.advance(timedelta(hours=1, minutes=1))
        await run_jobs(app)
        await sandbox.wait_for(lambda: len(reminders(chief)) == 2)
        second = last_reminder(chief)
        assert "⏰ Later" in second.button_texts()
        await (await chief.press(last_reminder(chief), "⏰ Later")).answered()
        clock.advance(timedelta(hours=HOURS, minutes=1))
        await run_jobs(app)
        await sandbox.wait_for(lambda: len(reminders(chief)) == 3)
        third = last_reminder(chief)
        assert "last reminder" in (third.text or "")
        assert third.button_texts() == ["✍️ Close with a word"]  # no more "Later"
        # A forged or old "Later" after the last one gets a designed answer, and nothing more.
        answer = await (await chief.press(third, data=f"inc:later:{incident_id}")).answered()
        assert answer.get("text") is None
        await sandbox.wait_for(lambda: "last reminder about alert" in (third.text or ""))
        clock.advance(timedelta(days=3))
        await run_jobs(app)
        assert len(reminders(chief)) == MOST


async def test_closing_with_a_word_from_the_reminder_ends_it_and_later_after_it_is_answered(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(datetime.now(UTC))
    async with bot(settings, clock) as app:
        chief, _mo, fatima, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        incident_id = await send_alert(
            svc, chief.id, [network_id], "info", "network_only", "Smoke near the school"
        )
        closed_at_once = await send_alert(
            svc, chief.id, [network_id], "info", "network_only", "Road closed for a fair"
        )
        await svc.dispatcher.idle()
        assert await close_incident(svc, closed_at_once, chief.id, None)
        assert app.job_queue is not None
        assert not app.job_queue.get_jobs_by_name(closing.job_name(closed_at_once))  # cancelled
        clock.advance(timedelta(hours=HOURS, minutes=1))
        await run_jobs(app)
        reminder = await chief.expect(OPENING)
        assert "Smoke near the school" in (reminder.text or "")
        assert not any("Road closed" in t for t in reminders(chief))  # closed: none

        await (await chief.press(reminder, "✍️ Close with a word")).answered()
        await chief.expect("close")  # the closing flow's own question
        await chief.send("All clear: it was a barbecue.")
        preview = await chief.expect("barbecue")
        await (await chief.press(preview, "✅ Close and send")).answered()
        await fatima.expect("All clear: it was a barbecue.")
        incident = await store.get(svc.database, incident_id)
        assert incident is not None and not incident.is_open

        # Buttons pressed after closing: designed answers, nothing sent.
        later = await (await chief.press(reminder, "⏰ Later")).answered()
        assert "closed already" in later["text"] and later.get("show_alert")
        again = await (await chief.press(reminder, data=f"inc:close:{incident_id}")).answered()
        assert "closed already" in again["text"]
        assert "Thank you: no more reminders" in (reminder.text or "")
        assert reminder.buttons == []
        before = len(texts(chief.private_chat))
        clock.advance(timedelta(days=2))
        await run_jobs(app)
        assert len(texts(chief.private_chat)) == before


async def test_when_the_sender_is_gone_the_other_hosts_are_reminded(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(datetime.now(UTC))
    async with bot(settings, clock) as app:
        chief, mo, fatima, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        await send_alert(svc, chief.id, [network_id], "info", "network_only", "Power cut")
        await svc.dispatcher.idle()
        removal = await memberships.remove(
            svc.database, network_id, chief.id, coordinator.id, clock.now()
        )
        assert removal is not None
        clock.advance(timedelta(hours=HOURS, minutes=1))
        await run_jobs(app)
        reminder = await mo.expect(OPENING)
        assert "no longer in the network" in (reminder.text or "")
        assert reminders(chief) == [] and reminders(fatima) == []
        await (await mo.press(reminder, "⏰ Later")).answered()
        await sandbox.wait_for(lambda: "ask again" in (reminder.text or ""))


async def test_who_may_press_later(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    """Stranger, member of another network, member, host of another network: refused; the
    hosts of the incident's networks and a coordinator: heard."""
    clock = ManualClock(datetime.now(UTC))
    async with bot(settings, clock) as app:
        chief, mo, fatima, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        zuid = await networks.create(svc.database, "Zuid", None, coordinator.id, clock.now())
        other_member, other_host, stranger = (
            sandbox.add_user(n, language_code="en") for n in ("Olga", "Henk", "Sam")
        )
        await approved(svc.database, zuid.id, other_member, "key_figure", coordinator.id)
        await approved(svc.database, zuid.id, other_host, "police_chief", coordinator.id)
        stranger.started = True
        incident_id = await send_alert(svc, chief.id, [network_id], "info", "network_only", "Gas")
        await svc.dispatcher.idle()
        clock.advance(timedelta(hours=HOURS, minutes=1))
        await run_jobs(app)
        await chief.expect(OPENING)
        data = f"inc:later:{incident_id}"
        for person in (stranger, other_member, fatima, other_host):
            await person.send("/help")
            shown = await person.expect()
            answer = await (await person.press(shown, data=data)).answered()
            assert "Sorry, only" in answer["text"], person.first_name
        for person in (mo, coordinator):
            await person.send("/help")
            shown = await person.expect()
            await (await person.press(shown, data=data)).answered()
            await sandbox.wait_for(lambda shown=shown: f"#{incident_id}" in (shown.text or ""))
        reminded = await store.get(svc.database, incident_id)
        assert reminded is not None and reminded.is_open


async def test_a_reminder_still_queued_when_the_alert_closes_is_never_sent(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(datetime.now(UTC))
    async with bot(settings, clock) as app:
        chief, _mo, fatima, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        incident_id = await send_alert(svc, chief.id, [network_id], "info", "network_only", "Fog")
        await svc.dispatcher.idle()
        await fatima.expect("Fog")
        await svc.dispatcher.stop()  # Telegram out of reach as the reminder falls due
        clock.advance(timedelta(hours=HOURS, minutes=1))
        assert await closing.remind_due(svc, incident_id)
        assert await close_incident(svc, incident_id, chief.id, "The fog has lifted.")
    async with bot(settings, clock) as app:
        await started_up(app)
        await fatima.expect("The fog has lifted.")
        assert reminders(chief) == []


def test_a_reminder_is_silent_at_night_by_the_local_clock() -> None:
    tz = ZoneInfo("Europe/Amsterdam")
    assert closing.at_night(datetime(2026, 12, 6, 2, 0, tzinfo=UTC), tz)  # 03:00 there
    assert closing.at_night(datetime(2026, 12, 6, 21, 30, tzinfo=UTC), tz)  # 22:30
    assert not closing.at_night(datetime(2026, 12, 6, 6, 0, tzinfo=UTC), tz)  # 07:00
    assert not closing.at_night(datetime(2026, 12, 6, 14, 0, tzinfo=UTC), tz)  # 15:00


async def test_a_reminder_due_at_night_comes_without_a_sound_and_by_day_with_one(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    """An alert sent at three in the afternoon is twelve hours open at three at night: the
    police chief is reminded, but the phone stays quiet. 'Later' then asks at three by day."""
    clock = ManualClock(datetime(2026, 12, 6, 14, 0, tzinfo=UTC))  # 15:00 in Amsterdam
    async with bot(settings, clock) as app:
        chief, _mo, _fatima, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        await send_alert(
            svc, chief.id, [network_id], "info", "network_only", "Water main burst on Dorpsweg"
        )
        await svc.dispatcher.idle()
        clock.advance(timedelta(hours=HOURS, minutes=1))
        await run_jobs(app)
        await sandbox.wait_for(lambda: len(reminders(chief)) == 1)
        night = last_reminder(chief)
        assert night.options.get("disable_notification") is True
        await (await chief.press(night, "⏰ Later")).answered()
        clock.advance(timedelta(hours=HOURS, minutes=1))
        await run_jobs(app)
        await sandbox.wait_for(lambda: len(reminders(chief)) == 2)
        assert not last_reminder(chief).options.get("disable_notification")

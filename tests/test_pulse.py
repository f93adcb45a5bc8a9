"""The mood pulse: a host asks "what lives in the neighbourhood?", members answer privately and
anonymously (words and a name if they like), the hosts get the tally at closing — and nothing
of it reaches the group chat, another network, or anyone who was not asked.

Noord: Karin (police chief), Ahmed and Wim (key figures), its group chat. Zuid: Zoe (police
chief) and Zack (key figure). Carla coordinates. The clock is ours: days pass in a moment, and
the bot restarts between the steps of a schedule.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import services
from bot.app import BotApplication, build_application, running
from bot.clock import ManualClock
from bot.fit import LIMIT, visible_length
from bot.i18n import translator
from bot.outbox import fit
from bot.settings import Settings, load_settings
from domain import pulse, pulse_texts
from domain import retention as daily_job
from domain.alerts import close_incident, send_alert
from sandbox import Sandbox, SimChat, SimMessage, SimUser
from storage import networks, people, retention
from storage import pulse as store
from storage.database import Database
from storage.deliveries import NewDelivery
from storage.pulse import Answer, Past, Pulse, Schedule
from tests.conftest import eventually
from tests.test_forget_everywhere import scan_tables
from tests.test_incidents import approved, linked_group, texts

# Tuesday 10 March 2026, 09:00 UTC (10:00 in Amsterdam).
START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
QUESTION = "What is going on in the neighbourhood?"
TALLY = "Mood pulse of"


@dataclass
class World:
    noord: int
    zuid: int
    karin: SimUser
    ahmed: SimUser
    wim: SimUser
    zoe: SimUser
    zack: SimUser
    group: SimChat


@asynccontextmanager
async def bot(settings: Settings, clock: ManualClock) -> AsyncIterator[BotApplication]:
    async with running(build_application(settings, clock=clock)) as app:
        await started_up(app)
        yield app


async def started_up(app: BotApplication) -> None:
    """The start-up job (plans rebuilt from the database) has run."""
    queue = app.job_queue
    assert queue is not None

    async def ran() -> bool:
        return not queue.get_jobs_by_name("pulse-at-start")

    await eventually(ran)


async def run_jobs(app: BotApplication) -> None:
    """What the scheduler would run: the pulse's jobs, now, by our clock."""
    assert app.job_queue is not None
    for job in app.job_queue.jobs():
        if job.name and job.name.startswith(pulse.JOBS):
            await job.run(app)
    await services.of(app).dispatcher.idle()


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


async def arrange(app: BotApplication, sandbox: Sandbox, carla: SimUser) -> World:
    db = db_of(app)
    noord = await networks.create(db, "Noord", None, carla.id, START)
    zuid = await networks.create(db, "Zuid", None, carla.id, START)
    karin, ahmed, wim, zoe, zack = (
        sandbox.add_user(name, language_code="en")
        for name in ("Karin", "Ahmed", "Wim", "Zoe", "Zack")
    )
    await approved(db, noord.id, karin, "police_chief", carla.id)
    await approved(db, noord.id, ahmed, "key_figure", karin.id)
    await approved(db, noord.id, wim, "key_figure", karin.id)
    await approved(db, zuid.id, zoe, "police_chief", carla.id)
    await approved(db, zuid.id, zack, "key_figure", zoe.id)
    group = await linked_group(db, sandbox, noord.id, carla, [karin, ahmed, wim])
    await people.set_language(db, carla.id, "en", START)  # the coordinator reads English here
    return World(noord.id, zuid.id, karin, ahmed, wim, zoe, zack, group)


def said(user: SimUser, part: str) -> list[str]:
    return [t for t in texts(user.private_chat) if part in t]


def question_of(user: SimUser) -> SimMessage:
    return next(m for m in user.private_chat.bot_messages() if QUESTION in (m.text or ""))


async def tap(user: SimUser, message: SimMessage, label: str) -> dict[str, object]:
    return await (await user.press(message, label)).answered()


async def press_data(user: SimUser, message: SimMessage, data: str) -> dict[str, object]:
    """A button pressed with data of our choosing (a crafted or an old button)."""
    return await (await user.press(message, data=data)).answered()


# --- the story ------------------------------------------------------------------------------


async def test_a_host_asks_members_answer_anonymously_and_the_hosts_get_the_tally(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        world = await arrange(app, sandbox, coordinator)
        karin, ahmed, wim = world.karin, world.ahmed, world.wim
        db = db_of(app)

        await karin.send("/pulse")  # one network: its overview at once
        overview = await karin.expect("Mood pulse · Noord")
        assert "No mood pulse is open now" in overview.text
        assert "No earlier mood pulses yet" in overview.text
        await tap(karin, overview, "Ask now")
        await sandbox.wait_for(lambda: "Ask the 2 members of Noord" in (overview.text or ""))
        answer = await tap(karin, overview, "Yes, ask")
        assert "Asked 2 members" in str(answer["text"])
        await sandbox.wait_for(lambda: "Open now" in (overview.text or ""))
        assert "0 of 2 members answered so far" in overview.text
        assert "Ask now" not in overview.button_texts()  # one open pulse at a time

        asked = await ahmed.expect(QUESTION)
        assert "anonymous" in asked.text and "112" in asked.text
        assert asked.button_texts() == [
            "🙂 calm",
            "😟 worried",
            "😠 tense",
            "👂 rumours going round",
        ]
        await wim.expect(QUESTION)
        assert said(karin, QUESTION) == []  # she asked: she is not asked herself

        # Ahmed: worried, with a few words (too many at first).
        await tap(ahmed, asked, "😟 worried")
        await sandbox.wait_for(lambda: "Thank you! Your answer: 😟 worried" in (asked.text or ""))
        assert "Anonymous: nobody sees who gave this answer." in asked.text
        await tap(ahmed, asked, "✏️ A few words with it")
        await ahmed.expect("Type a few words")
        await ahmed.send("x" * 300)
        await ahmed.expect("That is 300 characters")
        await ahmed.send("Jongeren hangen 's avonds  rond bij het winkelcentrum")
        await ahmed.expect("Noted, thank you.")
        await sandbox.wait_for(lambda: "Your words:" in (asked.text or ""))
        assert "rond bij het winkelcentrum" in asked.text

        # Wim: calm, changes it to tense, signs, adds words.
        wims = question_of(wim)
        await tap(wim, wims, "🙂 calm")
        await sandbox.wait_for(lambda: "Your answer: 🙂 calm" in (wims.text or ""))
        await tap(wim, wims, "😠 tense")
        await sandbox.wait_for(lambda: "Your answer: 😠 tense" in (wims.text or ""))
        assert "✓ 😠 tense" in wims.button_texts()
        await tap(wim, wims, "With my name")
        await sandbox.wait_for(lambda: "Your name is with it" in (wims.text or ""))
        await tap(wim, wims, "✏️ A few words with it")
        await wim.expect("Type a few words")
        await wim.send("Onrust na het incident bij de moskee")
        await wim.expect("Noted, thank you.")

        # While it is open, the hosts see how many answered – not what.
        await karin.send("/pulse")
        running_now = await karin.expect("Open now")
        assert "2 of 2 members answered so far" in running_now.text
        assert "worried" not in running_now.text and "tense" not in running_now.text

        clock.advance(timedelta(days=2, minutes=1))  # a day before closing: everyone answered
        await run_jobs(app)
        assert said(ahmed, "Still a moment?") == [] and said(wim, "Still a moment?") == []
        assert said(karin, TALLY) == []

        clock.advance(timedelta(days=1))
        await run_jobs(app)
        tally = await karin.expect(TALLY)
        assert "2 of 2 members answered." in tally.text
        assert "😟 worried 1 · 😠 tense 1" in tally.text
        assert "Few answers" in tally.text
        assert "“Jongeren hangen 's avonds rond bij het winkelcentrum”" in tally.text
        assert "“Onrust na het incident bij de moskee” — Wim" in tally.text
        assert "Ahmed" not in tally.text  # he did not sign
        await run_jobs(app)
        assert len(said(karin, TALLY)) == 1  # once

        # Closed: the answers keep no id but the signed one; who was asked is gone.
        rows = await db.fetch_all("SELECT user_id, signed FROM pulse_answers ORDER BY id")
        assert [(r["user_id"], r["signed"]) for r in rows] == [(None, 0), (wim.id, 1)]
        assert await db.fetch_all("SELECT * FROM pulse_asked") == []

        # An answer after closing gets a designed answer, and changes nothing.
        late = await tap(ahmed, asked, "🙂 calm")
        assert "This mood pulse is closed" in str(late["text"])
        await sandbox.wait_for(lambda: "This mood pulse is closed" in (asked.text or ""))
        assert len(await db.fetch_all("SELECT * FROM pulse_answers")) == 2

        # The history, for the hosts: numbers only, flagged as few.
        await karin.send("/pulse")
        history = await karin.expect("Earlier")
        assert "10 March · 2 of 2 · 😟 worried 1 · 😠 tense 1 ⚠️" in history.text
        assert "Wim" not in history.text and "moskee" not in history.text
        assert "Ask now" in history.button_texts()

        # The audit holds that Karin asked.
        acts = await db.fetch_all("SELECT actor_id, action, network_id FROM audit")
        assert (karin.id, "pulse_asked", world.noord) in [tuple(a) for a in acts]

        # What reached whom: the question only to who was asked, the tally only to Karin.
        sent = await db.fetch_all(
            "SELECT kind, chat_id, network_id FROM deliveries WHERE kind LIKE 'pulse%'"
        )
        to = {(r["kind"], r["chat_id"]) for r in sent}
        assert to == {
            (pulse.QUESTION, ahmed.id),
            (pulse.QUESTION, wim.id),
            (pulse.TALLY, karin.id),
        }
        assert {r["network_id"] for r in sent} == {world.noord}
        assert [t for t in texts(world.group) if "wijk" in t or "sfeer" in t.lower()] == []
        for outsider in (world.zoe, world.zack, coordinator):
            assert said(outsider, QUESTION) == [] and said(outsider, TALLY) == []
        assert said(ahmed, TALLY) == [] and said(wim, TALLY) == []


# --- who may do what ------------------------------------------------------------------------


async def test_every_role_gets_what_it_may_from_pulse_and_its_buttons(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        world = await arrange(app, sandbox, coordinator)
        db = db_of(app)
        stranger = sandbox.add_user("Mallory", language_code="en")
        stranger.started = True
        refusal = "/pulse is for the police chief and the municipality"

        for outsider in (stranger, world.zack, world.ahmed):  # no host anywhere
            await outsider.send("/pulse")
            await outsider.expect(refusal)
        await world.zack.send("/pulse Noord")  # member of another network
        await world.zack.expect("Sorry, only the network's police chief")
        await world.ahmed.send("/pulse Noord")  # member
        await world.ahmed.expect("Sorry, only the network's police chief")
        await world.zoe.send("/pulse")  # host of another network: her own only
        zoes = await world.zoe.expect("Mood pulse · Zuid")
        await world.zoe.send("/pulse Noord")
        await world.zoe.expect("Sorry, only the network's police chief")
        await world.karin.send("/pulse")  # host
        await world.karin.expect("Mood pulse · Noord")
        await coordinator.send("/pulse")  # coordinator: every network, by choice
        which = await coordinator.expect("Which network's mood pulse?")
        assert which.button_texts() == ["Noord", "Zuid"]
        await tap(coordinator, which, "Noord")
        await sandbox.wait_for(lambda: "· Noord" in (which.text or ""))

        await world.karin.send("/help")  # /help names it for hosts only
        assert "/pulse" in (await world.karin.expect("What you can do here")).text
        await world.ahmed.send("/help")
        assert "/pulse" not in (await world.ahmed.expect("What you can do here")).text

        # Crafted host buttons for Noord, from people who may not: refused, nothing changes.
        noord = world.noord
        for data in (f"pulse:go:{noord}", f"pulse:mon:{noord}:1", f"pulse:aft:{noord}:0"):
            for who, message in ((world.zoe, zoes), (world.ahmed, None), (stranger, None)):
                shown = message or await nudge(who)
                answer = await press_data(who, shown, data)
                assert answer.get("show_alert") and "Sorry" in str(answer["text"]), (who, data)
        assert await store.open_of(db, noord) is None
        assert await store.schedule_of(db, noord) == Schedule(noord)
        assert await db.fetch_all("SELECT * FROM audit WHERE action LIKE 'pulse%'") == []

        # The coordinator may ask; the question goes to all three members of Noord.
        await tap(coordinator, which, "Ask now")
        await sandbox.wait_for(lambda: "Ask the 3 members" in (which.text or ""))
        await tap(coordinator, which, "Yes, ask")
        opened = await store.open_of(db, noord)
        assert opened is not None and opened.asked == 3
        await services.of(app).dispatcher.idle()
        asked = await world.ahmed.expect(QUESTION)
        await world.karin.expect(QUESTION)

        # A second ask while it is open: a designed answer.
        again = await press_data(world.karin, await nudge(world.karin), f"pulse:go:{noord}")
        assert "open already" in str(again["text"])

        # Answer buttons: only who was asked, while a member.
        mood = f"pulse:m:{opened.id}:calm"
        for who in (stranger, world.zack, world.zoe, coordinator):
            answer = await press_data(who, await nudge(who), mood)
            assert "no longer works" in str(answer["text"]), who
        await press_data(world.ahmed, asked, mood)
        await press_data(world.karin, question_of(world.karin), f"pulse:m:{opened.id}:tense")
        words = await press_data(world.wim, question_of(world.wim), f"pulse:w:{opened.id}")
        assert "Tap a mood first" in str(words["text"])
        answers = await store.answers(db, opened.id)
        assert sorted(a.user_id or 0 for a in answers) == sorted([world.ahmed.id, world.karin.id])


async def nudge(user: SimUser) -> SimMessage:
    """A message of the bot in `user`'s chat to press a crafted button under."""
    await user.send("/language")
    return await user.expect("")


# --- schedules and restarts -----------------------------------------------------------------


async def test_monthly_and_after_alert_pulses_start_on_time_across_restarts_and_close(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        world = await arrange(app, sandbox, coordinator)
        karin, ahmed, wim = world.karin, world.ahmed, world.wim
        await karin.send("/pulse")
        overview = await karin.expect("Every month: off.")
        switched = await tap(karin, overview, "Monthly: switch on")
        assert "the first on 1 April" in str(switched["text"])
        await sandbox.wait_for(lambda: "Every month: on (next on 1 April)" in (overview.text or ""))
        # Zuid does not want a pulse after its alerts.
        await world.zoe.send("/pulse")
        zuid = await world.zoe.expect("A few days after an alert closes: on.")
        await tap(world.zoe, zuid, "After an alert: switch off")
        await sandbox.wait_for(lambda: "after an alert closes: off" in (zuid.text or ""))
        acts = [tuple(a) for a in await db_of(app).fetch_all("SELECT actor_id, action FROM audit")]
        assert (karin.id, "pulse_monthly_on") in acts
        assert (world.zoe.id, "pulse_after_alert_off") in acts

    clock.advance(timedelta(days=21, hours=22, minutes=59))  # 1 April, 09:59 in Amsterdam
    async with bot(settings, clock) as app:
        await run_jobs(app)
        assert said(ahmed, QUESTION) == []
        clock.advance(timedelta(minutes=2))  # 10:01
        await run_jobs(app)
        asked = await ahmed.expect(QUESTION)
        await wim.expect(QUESTION)
        await karin.expect(QUESTION)  # a scheduled pulse asks every member, hosts too
        await run_jobs(app)
        assert len(said(ahmed, QUESTION)) == 1
        await tap(ahmed, asked, "🙂 calm")
        schedule = await store.schedule_of(db_of(app), world.noord)
        assert schedule.next_monthly_at == "2026-05-01T08:00:00+00:00"

    clock.advance(timedelta(days=2))  # a restart, then the day before closing
    async with bot(settings, clock) as app:
        await run_jobs(app)
        reminder = await wim.expect("Still a moment?")
        assert "closes on 4 April" in reminder.text and len(reminder.button_texts()) == 4
        await karin.expect("Still a moment?")
        assert said(ahmed, "Still a moment?") == []  # he answered
        await run_jobs(app)
        assert len(said(wim, "Still a moment?")) == 1

    clock.advance(timedelta(days=1))
    async with bot(settings, clock) as app:  # closed after a restart, on time
        await run_jobs(app)
        tally = await karin.expect(TALLY)
        assert "1 of 3 members answered." in tally.text and "🙂 calm 1" in tally.text

        # An alert to both networks closes: Noord gets a pulse three days later at 10:00.
        svc = services.of(app)
        incident = await send_alert(
            svc, karin.id, [world.noord, world.zuid], "urgent", "network_only", "Unrest"
        )
        await svc.dispatcher.idle()
        clock.advance(timedelta(hours=5))  # 4 April, 15:01 in Amsterdam
        assert await close_incident(svc, incident, karin.id, "Calm again")
        schedule = await store.schedule_of(svc.database, world.noord)
        assert schedule.after_incident_at == "2026-04-07T08:00:00+00:00"
        assert (await store.schedule_of(svc.database, world.zuid)).after_incident_at is None

    clock.advance(timedelta(days=2, hours=18, minutes=58))  # 7 April, 09:59: a restart first
    async with bot(settings, clock) as app:
        await run_jobs(app)
        assert said(ahmed, QUESTION) == []  # his answer to April's shows his card now
        clock.advance(timedelta(minutes=2))
        await run_jobs(app)
        await sandbox.wait_for(lambda: len(said(ahmed, QUESTION)) == 1)
        assert "A few days after the last alert" in said(ahmed, QUESTION)[-1]
        assert said(world.zack, QUESTION) == [] and said(world.zoe, QUESTION) == []
        opened = await store.open_of(db_of(app), world.noord)
        assert opened is not None and opened.kind == "after_incident"


async def test_the_history_is_a_paged_table_of_numbers(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        world = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        for week in range(10):
            started = await pulse.start(svc, world.noord, "asked", by=world.karin.id)
            assert started.pulse is not None
            if week % 2:
                await pulse.answer(svc, started.pulse.id, world.wim.id, "rumours")
            clock.advance(timedelta(days=7))
            assert await pulse.close(svc, started.pulse.id)
        await pulse.start(svc, world.noord, "asked", by=world.karin.id)  # one open now
        await svc.dispatcher.idle()
        await world.karin.send("/pulse")
        table = await world.karin.expect("Earlier · 1–8 of 10")
        assert "Open now" in table.text
        rows = [line for line in table.text.splitlines() if " of 2 · " in line]
        assert len(rows) == 8 and rows[0].startswith("12 May")  # newest first
        assert "👂 rumours going round 1 ⚠️" in table.text and "0 of 2 · no answers ⚠️" in table.text
        await tap(world.karin, table, "▶")
        await sandbox.wait_for(lambda: "9–10 of 10" in (table.text or ""))
        assert "10 March" in table.text and table.button_texts()[0] == "◀"
        assert visible_length(table.text) <= LIMIT


# --- privacy --------------------------------------------------------------------------------


async def test_mydata_shows_the_open_answer_and_forget_removes_every_trace(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        world = await arrange(app, sandbox, coordinator)
        ahmed, db = world.ahmed, db_of(app)
        svc = services.of(app)
        started = await pulse.start(svc, world.noord, "asked", by=world.karin.id)
        assert started.pulse is not None
        await svc.dispatcher.idle()
        asked = await ahmed.expect(QUESTION)
        await tap(ahmed, asked, "😟 worried")
        await sandbox.wait_for(lambda: "With my name" in asked.button_texts())
        await tap(ahmed, asked, "With my name")
        await sandbox.wait_for(lambda: "Anonymous after all" in asked.button_texts())
        await tap(ahmed, asked, "✏️ A few words with it")
        await ahmed.send("Zorgen over de avondklok")
        await ahmed.expect("Noted, thank you.")

        await ahmed.send("/mydata")
        summary = await ahmed.expect("What we keep about you")
        assert "Mood pulse: 1 answer still open, 1 with your name" in summary.text
        record = await db.fetch_all(
            "SELECT words FROM pulse_answers WHERE user_id = ?", (ahmed.id,)
        )
        assert [r["words"] for r in record] == ["Zorgen over de avondklok"]

        await ahmed.send("/forget")
        question = await ahmed.expect("Delete everything we store about you?")
        await tap(ahmed, question, "Yes, delete my data")
        await sandbox.wait_for(lambda: "everything we stored about you is deleted" in question.text)
        await svc.dispatcher.idle()
        hits = [h for h in await scan_tables(db, ahmed, "+31600000000") if "pulse" in h]
        assert hits == []
        assert await db.fetch_all("SELECT * FROM pulse_answers") == []
        assert await store.not_answered(db, started.pulse.id) == [world.wim.id]


async def test_retention_takes_the_words_and_names_and_keeps_the_moods(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        world = await arrange(app, sandbox, coordinator)
        svc, db = services.of(app), db_of(app)
        started = await pulse.start(svc, world.noord, "asked", by=world.karin.id)
        assert started.pulse is not None
        pulse_id = started.pulse.id
        assert await pulse.answer(svc, pulse_id, world.wim.id, "tense") is pulse.Answered.SAVED
        assert await pulse.sign(svc, pulse_id, world.wim.id, True) is pulse.Answered.SAVED
        words = await pulse.add_words(svc, pulse_id, world.wim.id, "Spanning in de straat")
        assert words is pulse.Answered.SAVED
        clock.advance(timedelta(days=3, minutes=1))
        assert await pulse.close(svc, pulse_id)
        await svc.dispatcher.idle()
        kept = settings.retention.pulse_days
        early = await retention.drop_pulse_words(db, clock.now() - timedelta(days=kept), 100)
        assert early.rows == 0
        clock.advance(timedelta(days=kept))
        counts = await daily_job.run(svc)  # the daily retention job, as it runs at night
        assert counts["pulse words"] == 1
        rows = await db.fetch_all("SELECT user_id, words, signed, mood FROM pulse_answers")
        assert [tuple(r) for r in rows] == [(None, None, 0, "tense")]
        past = await store.history(db, world.noord, offset=0, limit=8)
        assert past[0].moods == {"tense": 1}


# --- rules and texts ------------------------------------------------------------------------


async def test_words_are_checked_and_a_closed_pulse_takes_nothing(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        world = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        started = await pulse.start(svc, world.noord, "asked", by=world.karin.id)
        assert started.pulse is not None
        pid, wim = started.pulse.id, world.wim.id
        assert await pulse.add_words(svc, pid, wim, "ok") is pulse.Answered.NO_ANSWER
        assert await pulse.answer(svc, pid, wim, "calm") is pulse.Answered.SAVED
        assert await pulse.add_words(svc, pid, wim, "   ") is pulse.Answered.EMPTY
        assert await pulse.add_words(svc, pid, wim, "a" * 281) is pulse.Answered.TOO_LONG
        assert await pulse.answer(svc, pid, wim, "sleepy") is pulse.Answered.GONE
        again = await pulse.start(svc, world.noord, "asked", by=world.karin.id)
        assert again.outcome is pulse.Start.ALREADY_OPEN and again.pulse == started.pulse
        clock.advance(timedelta(days=3))  # the moment it closes, before the job ran
        assert await pulse.answer(svc, pid, wim, "tense") is pulse.Answered.CLOSED
        assert await pulse.sign(svc, pid, wim, True) is pulse.Answered.CLOSED
        empty = await networks.create(svc.database, "Leeg", None, coordinator.id, START)
        nobody = await pulse.start(svc, empty.id, "asked", by=coordinator.id)
        assert nobody.outcome is pulse.Start.NOBODY


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_tally_and_the_table_fit_a_message_however_many_answered(language: str) -> None:
    _ = translator(language)
    zone = ZoneInfo("Europe/Amsterdam")
    opened, closes = "2026-03-10T09:00:00+00:00", "2026-03-13T09:00:00+00:00"
    opened = Pulse(1, 1, "asked", opened, closes, 900, None, closes)
    answers = [
        Answer(1, 1000 + i, "worried", "w" * pulse_texts.WORDS_MAX, True, "2026-03-11")
        for i in range(900)
    ]
    names = {1000 + i: "N" * 200 for i in range(900)}
    text = pulse_texts.tally(_, "Noord", opened, answers, names, zone, this_year=2026)
    assert visible_length(text) > LIMIT  # it is split into parts by the outbox (bot.outbox.fit)
    parts = fit([NewDelivery(1, 1, "pulse_tally", {"text": text}, method="message")])
    assert all(visible_length(p.params["text"]) <= LIMIT for p in parts) and len(parts) > 1
    past = [Past(opened, 900, {"worried": 900, "calm": 0}) for _i in range(pulse_texts.PER_PAGE)]
    schedule = Schedule(1, True, "2026-04-01T08:00:00+00:00")
    table = pulse_texts.overview(
        _, "N" * 40, (opened, 899), schedule, past, zone, this_year=2026, first=0, total=100
    )
    assert visible_length(table) <= LIMIT
    buttons = pulse_texts.overview_buttons(
        _, 10**18, can_ask=True, schedule=Schedule(1), page=3, pages=9
    )
    for row in buttons:
        for button in row:
            assert len(button.action.encode()) <= 64
    for mood_row in pulse_texts.mood_buttons(_, 10**18):
        assert all(len(b.action.encode()) <= 64 for b in mood_row)


def test_a_scheduled_pulse_starts_at_ten_on_its_day_in_amsterdam() -> None:
    settings = load_settings(None, telegram={"token": "1:" + "a" * 35})
    ctx = services.Services(settings=settings, clock=ManualClock(START))
    assert pulse.next_monthly(ctx, START) == datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    december = datetime(2026, 12, 20, 12, tzinfo=UTC)
    assert pulse.next_monthly(ctx, december) == datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    closed = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)  # 23:30 on Saturday in Amsterdam
    assert pulse.after_incident_moment(ctx, closed) == datetime(2026, 3, 31, 8, 0, tzinfo=UTC)


async def test_a_pulse_asked_at_night_reaches_the_members_without_a_sound(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    """A host who asks at half past eleven at night does not wake the members: the question
    comes quietly. By day (the other tests' START) it rings as usual."""
    clock = ManualClock(datetime(2026, 3, 10, 22, 30, tzinfo=UTC))  # 23:30 in Amsterdam
    async with bot(settings, clock) as app:
        world = await arrange(app, sandbox, coordinator)
        started = await pulse.start(services.of(app), world.noord, "asked", world.karin.id)
        assert started.pulse is not None
        await world.ahmed.expect(QUESTION)
        assert question_of(world.ahmed).options.get("disable_notification") is True
        clock.advance(timedelta(days=settings.pulse.open_days, hours=1))  # 00:30: closed
        await run_jobs(app)
        tally = await world.karin.expect("Mood pulse of Noord")
        assert tally.options.get("disable_notification") is True

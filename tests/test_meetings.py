"""Meal meetings end to end: plan, poll, answers, reminders, headcount, agenda, who came, actions –
with the bot restarted between the steps, and every message sent exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot import services
from bot.app import BotApplication, build_application, running
from bot.clock import ManualClock
from bot.settings import Settings
from sandbox import Sandbox, SimChat, SimMessage, SimUser
from storage import group_chats, invites, memberships, networks, people
from storage import meetings as store
from storage.database import Database
from tests.conftest import eventually
from tests.test_incidents import GROUP_RIGHTS, texts

START = datetime(2026, 2, 10, 9, 0, tzinfo=UTC)  # Tuesday 10 February 2026, 10:00 in Amsterdam


@asynccontextmanager
async def bot(settings: Settings, clock: ManualClock) -> AsyncIterator[BotApplication]:
    async with running(build_application(settings, clock=clock)) as app:
        await started_up(app)
        yield app


async def started_up(app: BotApplication) -> None:
    queue = app.job_queue
    assert queue is not None

    async def ran() -> bool:
        return not queue.get_jobs_by_name("meeting-sweep-at-start")

    await eventually(ran)
    await services.of(app).dispatcher.idle()


async def run_jobs(app: BotApplication) -> None:
    """What the scheduler would run now, by our clock: every meeting job."""
    assert app.job_queue is not None
    for job in app.job_queue.jobs():
        if job.name and job.name.startswith("meeting-"):
            await job.run(app)
    await services.of(app).dispatcher.idle()


async def member(
    db: Database, network_id: int, user: SimUser, role: str, diet: str | None = None
) -> None:
    user.started = True
    now = datetime.now(UTC)
    invite = await invites.create(db, network_id, role, 1, now)
    assert isinstance(await invites.redeem(db, invite.code, user.id, now), invites.Invite)
    answers: dict[str, str | bool | None] = {"display_name": user.first_name, "diet": diet}
    await memberships.save_intake(db, network_id, user.id, now, answers=answers, consent=True)
    await memberships.submit(db, network_id, user.id, now)
    assert (await memberships.decide(db, network_id, user.id, "approved", 1, now)).decided_here
    await people.set_language(db, user.id, "en", now)


@dataclass
class Noord:
    network_id: int
    karin: SimUser  # police chief, a host
    ahmed: SimUser  # key figure, halal
    wim: SimUser  # key figure, vegetarian
    fatima: SimUser  # key figure, never answers in time
    mallory: SimUser  # in the group chat, not in the network
    group: SimChat


async def arrange(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    db = services.of(app).database
    network = await networks.create(db, "Noord", None, coordinator.id, datetime.now(UTC))
    karin, ahmed, wim, fatima, mallory = (
        sandbox.add_user(n, language_code="en")
        for n in ("Karin", "Ahmed", "Wim", "Fatima", "Mallory")
    )
    await member(db, network.id, karin, "police_chief")
    await member(db, network.id, ahmed, "key_figure", "halal")
    await member(db, network.id, wim, "key_figure", "vegetarian")
    await member(db, network.id, fatima, "key_figure", "nut allergy")
    group = sandbox.add_group(
        "Wijk Noord",
        members=[coordinator, karin, ahmed, wim, fatima, mallory],
        admins=[coordinator],
    )
    await group.add_bot(by=coordinator, rights=GROUP_RIGHTS)
    await group.expect("/link")
    await group_chats.link(db, group.id, network.id, coordinator.id, datetime.now(UTC))
    return Noord(network.id, karin, ahmed, wim, fatima, mallory, group)


async def tap(user: SimUser, message: SimMessage, label: str) -> None:
    await (await user.press(message, label)).answered()


async def plan(noord: Noord, when: str) -> SimMessage:
    """Karin plans a meeting at the police station by typing the date."""
    karin = noord.karin
    await karin.send("/meeting")
    await karin.expect("When is the meeting?")
    await karin.send(when)
    where = await karin.expect("Where?")
    await tap(karin, where, "🚓 Police station")
    await karin.expect("Where is it?")
    await karin.send("Stationsplein 1, Amsterdam | 52.3791, 4.9003")  # coordinates: still read
    await karin.expect("Anything about the meal")
    await karin.send("Surinamese buffet")
    summary = await karin.expect("Plan this meeting?")
    assert "Surinamese buffet" in (summary.text or "")
    await tap(karin, summary, "✅ Plan it")
    return await karin.expect("Planned")


def count(chat: SimChat, part: str) -> int:
    return sum(part in t for t in texts(chat))


def polls(chat: SimChat) -> list[SimMessage]:
    return [m for m in chat.resolve().bot_messages() if m.poll is not None]


async def test_the_whole_timeline_across_restarts(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        planned = await plan(noord, "12 maart 19:00")
        assert "Thursday 12 March, 19:00" in (planned.text or "")
        await run_jobs(app)
        assert polls(noord.group) == []  # 21 days before: 19 February

    clock.advance(timedelta(days=9, hours=9))  # 19 February, 19:00 in Amsterdam
    async with bot(settings, clock) as app:  # the missed poll goes out at start
        await run_jobs(app)
        # The group's poll is the bot's count with answer buttons (tests/test_group_count.py).
        poll = await noord.group.expect("Nog niet gehoord: 4")
        assert polls(noord.group) == []
        assert poll.button_texts() == ["✅ Ja", "❌ Nee", "🤔 Misschien"]  # the group's language
        invitation = await noord.wim.expect("Are you coming?")
        await tap(noord.ahmed, poll, "✅ Ja")
        await tap(noord.karin, poll, "✅ Ja")
        refused = await (await noord.mallory.press(poll, "✅ Ja")).answered()
        assert refused["show_alert"] is True  # not in the network: not counted
        await tap(noord.wim, invitation, "🤔 Maybe")
        meeting = (await store.planned(services.of(app).database))[0]

        async def counted() -> bool:
            answers = await store.answers(services.of(app).database, meeting)
            return sorted(str(a.answer) for a in answers) == ["None", "maybe", "yes", "yes"]

        await eventually(counted)
        assert [
            p.display_name for p in await store.answers(services.of(app).database, meeting)
        ] == [
            "Ahmed",
            "Fatima",
            "Karin",
            "Wim",
        ]
        await run_jobs(app)
        await sandbox.wait_for(lambda: "Komen: 2 · 🤔 Misschien: 1" in (poll.text or ""))

    clock.advance(timedelta(days=14))  # 5 March: a week before
    async with bot(settings, clock) as app:
        await run_jobs(app)
        reminder = await noord.fatima.expect("We have not heard from you yet")
        assert "✅ Yes" in reminder.button_texts()
        fresh = await noord.group.expect("Nog niet iedereen heeft geantwoord")  # Dutch, a count
        assert "Fatima" not in (fresh.text or "")  # the group gets numbers, not names
        assert count(noord.ahmed.private_chat, "We have not heard") == 0
        await noord.ahmed.send("/topic Youth gathering on the square")
        asked = await noord.ahmed.expect("with your name, or without?")
        await tap(noord.ahmed, asked, "🕶 Without my name")
        await noord.ahmed.expect("It is on the agenda")
        await run_jobs(app)

    clock.advance(timedelta(days=4))  # 9 March, 19:00: the deadline
    async with bot(settings, clock) as app:
        await run_jobs(app)
        headcount = await noord.karin.expect("Headcount")
        assert "2 coming: 1 halal · 1 maybe · 1 no answer" in (headcount.text or "")
        assert "Youth gathering on the square" in (headcount.text or "")
        assert "(Ahmed)" not in (headcount.text or "")  # raised without his name

        await sandbox.wait_for(lambda: "Eindstand" in (fresh.text or "") and not fresh.buttons)
        late = await (await noord.fatima.press(reminder, "✅ Yes")).answered()
        assert "Answering is closed" in late.get("text", "")
        await run_jobs(app)

    clock.advance(timedelta(days=1, hours=15))  # 11 March, 10:00: the day before
    async with bot(settings, clock) as app:
        await run_jobs(app)
        tomorrow = await noord.ahmed.expect("See you tomorrow")
        assert "Youth gathering on the square" in (tomorrow.text or "")
        assert "Stationsplein 1" in (tomorrow.text or "")

        async def venue_sent() -> bool:
            return any(m.venue for m in noord.ahmed.private_chat.bot_messages())

        await eventually(venue_sent)
        assert count(noord.wim.private_chat, "See you tomorrow") == 0  # maybe: not "coming"
        await noord.fatima.send("/topic Too late?")
        await noord.fatima.expect("The agenda for")  # closed two days before

    clock.advance(timedelta(days=1, hours=12))  # 12 March, 22:00: afterwards
    async with bot(settings, clock) as app:
        await run_jobs(app)
        who = await noord.karin.expect("Please confirm who came")
        assert "✅ Ahmed" in who.button_texts() and "▫️ Wim" in who.button_texts()
        await tap(noord.karin, who, "▫️ Wim")
        await sandbox.wait_for(lambda: "✅ Wim" in who.button_texts())
        await tap(noord.karin, who, "💾 Confirm")
        await sandbox.wait_for(lambda: "3 came" in (who.text or ""))

        await noord.karin.send("/action Homework support in the community centre")
        whom = await noord.karin.expect("Who will do it?")
        assert "Mallory" not in whom.button_texts()
        forged = await noord.karin.press(whom, data=f"act:who:{noord.mallory.id}")
        refused = await forged.answered()
        assert "not in this network" in refused.get("text", "")
        await tap(noord.karin, whom, "Ahmed")
        await noord.karin.expect("By when?")
        await noord.karin.send("1 april")
        await noord.karin.expect("Recorded")
        told = await noord.ahmed.expect("you agreed to do this")
        assert "Homework support" in (told.text or "")

    clock.advance(timedelta(days=13, hours=11))  # 25 March, 09:00 UTC: 10:00 a week before
    async with bot(settings, clock) as app:
        await run_jobs(app)
        reminded = await noord.ahmed.expect("Reminder of what you agreed")
        await tap(noord.ahmed, reminded, "✅ Done")
        await noord.karin.expect("✅ Done: • Homework support")
        await noord.karin.send("/stats Noord")
        stats = await noord.karin.expect("📊")  # pictures, the numbers in their captions
        assert stats.photo is not None and "3 came (2 had said yes)" in (stats.caption or "")
        await noord.karin.expect("1 of 1 done, 1 of them on time")
        await noord.wim.send("/actions")
        await noord.wim.expect("✅ 1 done")

    # Exactly once, across six starts.
    assert count(noord.group, "Bijeenkomst") == 2  # the count, and the reminder's fresh one
    assert count(noord.fatima.private_chat, "We have not heard from you yet") == 1
    assert count(noord.karin.private_chat, "Headcount") == 1
    assert count(noord.ahmed.private_chat, "See you tomorrow") == 1
    assert count(noord.karin.private_chat, "3 came – ") == 1  # the list, edited in place
    assert count(noord.ahmed.private_chat, "Reminder of what you agreed") == 1


async def test_on_the_day_the_clocks_change_a_1900_meeting_is_at_1900_local(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(datetime(2026, 3, 26, 9, 0, tzinfo=UTC))  # Thursday, still CET
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        planned = await plan(noord, "zondag 19:00")  # 29 March: summer time starts at 02:00
        assert "Sunday 29 March, 19:00" in (planned.text or "")
        [meeting] = await store.planned(services.of(app).database)
        assert meeting.start == datetime(2026, 3, 29, 17, 0, tzinfo=UTC)  # 19:00 CEST
        await run_jobs(app)  # the poll, at once: the meeting is near
        poll = await noord.group.expect("Nog niet gehoord")
        await tap(noord.ahmed, poll, "✅ Ja")
        await eventually(lambda: _said_yes(app, meeting.id, noord.ahmed.id))
        clock.advance(timedelta(days=2))  # Saturday 28 March, 10:00 CET = 09:00 UTC
        await run_jobs(app)
        tomorrow = await noord.ahmed.expect("See you tomorrow")
        assert "19:00" in (tomorrow.text or "")
        clock.advance(timedelta(days=1, hours=10, minutes=59))  # Sunday 19:59 UTC = 21:59 CEST
        await run_jobs(app)
        assert count(noord.karin.private_chat, "Please confirm who came") == 0
        clock.advance(timedelta(minutes=1))  # 22:00 CEST: three hours after 19:00 local
        await run_jobs(app)
        await noord.karin.expect("Please confirm who came")


async def _said_yes(app: BotApplication, meeting_id: int, user_id: int) -> bool:
    meeting = await store.get(services.of(app).database, meeting_id)
    assert meeting is not None
    answers = await store.answers(services.of(app).database, meeting)
    return any(a.user_id == user_id and a.answer == "yes" for a in answers)


async def test_missed_while_down_the_headcount_runs_and_pointless_reminders_do_not(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        await plan(noord, "12 maart 19:00")
    clock.advance(timedelta(days=28))  # 10 March: poll, reminder and deadline all missed
    async with bot(settings, clock) as app:
        await noord.karin.expect("Headcount")  # at start, once
        assert count(noord.group, "Bijeenkomst") == 0  # the poll no longer makes sense
        assert count(noord.fatima.private_chat, "We have not heard") == 0
        await run_jobs(app)
    clock.advance(timedelta(days=3))  # 13 March: the meeting is past
    async with bot(settings, clock) as app:
        await noord.karin.expect("Please confirm who came")
        assert count(noord.ahmed.private_chat, "See you tomorrow") == 0
        assert count(noord.karin.private_chat, "Headcount") == 1


async def test_bad_input_and_who_may_do_what(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        ahmed, karin = noord.ahmed, noord.karin
        for command in ("/meeting", "/meetings plan", "/action Something", "/stats Noord"):
            await ahmed.send(command)
            await ahmed.expect("only the network's police chief")
        await noord.mallory.send("/topic Hello")
        await noord.mallory.expect("for the members of a network")

        await karin.send("/meeting")
        await karin.expect("When is the meeting?")
        await karin.send("1 januari 2026 19:00")
        await karin.expect("That moment has passed")
        await karin.send("31 februari 19:00")
        await karin.expect("does not exist")
        await karin.send("whenever")
        await karin.expect("I could not read a date")
        await karin.send("3/4 19:00")
        choice = await karin.expect("Did you mean")
        await tap(karin, choice, "3 April")
        where = await karin.expect("Where?")
        await tap(karin, where, "🏛 Town hall")
        await karin.expect("Where is it?")
        await karin.send("Buikslotermeerplein 2000")  # no coordinates: sent as text
        note = await karin.expect("Anything about the meal")
        await tap(karin, note, "Skip")
        summary = await karin.expect("Plan this meeting?")
        await tap(karin, summary, "✅ Plan it")
        await karin.expect("Planned")

        await karin.send("/meeting")
        await karin.expect("When is the meeting?")
        await karin.send("3 april 12:00")
        await karin.expect("already has a meeting on")

        await ahmed.send("/meetings")
        mine = await ahmed.expect("Meal meeting of Noord")
        assert "🗓 Move" not in mine.button_texts()
        forged = await ahmed.press(mine, data=f"mtg:cancel:{1}")
        assert "only the network's police chief" in (await forged.answered()).get("text", "")

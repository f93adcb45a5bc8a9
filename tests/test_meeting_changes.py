"""Changes to meal meetings: moving and cancelling one, the year plan, lead times from the
settings, who may do what, and a member who is taken out of the network."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.settings import Settings, SettingsError, load_settings
from domain import meetings as rules
from domain.removal import take_out
from handlers import conversation as talk
from sandbox import Sandbox, SimMessage, SimUser
from storage import actions as action_store
from storage import meetings as store
from storage import networks
from storage.database import Database
from tests.conftest import eventually, make_settings
from tests.test_group_count import TALLY, shows, tally
from tests.test_incidents import texts
from tests.test_meetings import (
    START,
    Noord,
    arrange,
    bot,
    count,
    member,
    plan,
    polls,
    run_jobs,
    tap,
)

TOKEN = "123456789:AAFakeTokenForTheSettingsTests_abcdefgh"


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


async def the_meeting(app: BotApplication) -> store.Meeting:
    [meeting] = await store.planned(db_of(app))
    return meeting


async def answers_of(app: BotApplication, meeting_id: int) -> dict[str, str | None]:
    meeting = await store.get(db_of(app), meeting_id)
    assert meeting is not None
    return {str(a.display_name): a.answer for a in await store.answers(db_of(app), meeting)}


async def poll_goes_out(noord: Noord, app: BotApplication, clock: ManualClock) -> SimMessage:
    """From START to 19 February 19:00 (21 days before 12 March): the poll – the count with
    answer buttons – is in the group."""
    clock.advance(timedelta(days=9, hours=9))
    await run_jobs(app)
    assert polls(noord.group) == []
    [poll] = answer_posts(noord)
    return poll


def answer_posts(noord: Noord) -> list[SimMessage]:
    """The bot's counts in the group, oldest first, whatever they show now (final: no tally)."""
    return [
        m
        for m in noord.group.resolve().bot_messages()
        if any(TALLY.search(t) for t in [*m.edits, m.text or ""])
    ]


async def listing(host: SimUser) -> SimMessage:
    """/meetings, as a host sees it: the coming meeting with 🗓 Move and ✖️ Cancel meeting."""
    await host.send("/meetings")
    while True:
        found = await host.expect("Meal meeting of")
        if "🗓 Move" in found.button_texts():
            return found


# --- 1. moving a meeting --------------------------------------------------------------------------


async def test_moving_a_meeting_asks_everyone_who_answered_again(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        await plan(noord, "12 maart 19:00")
        old = await poll_goes_out(noord, app, clock)
        invitation = await noord.wim.expect("Are you coming?")
        await tap(noord.ahmed, old, "✅ Ja")
        await tap(noord.wim, invitation, "🤔 Maybe")
        meeting = await the_meeting(app)

        async def two_answered() -> bool:
            found = await answers_of(app, meeting.id)
            return found["Ahmed"] == "yes" and found["Wim"] == "maybe"

        await eventually(two_answered)

        listed = await listing(noord.karin)
        await tap(noord.karin, listed, "🗓 Move")
        await noord.karin.expect("When is the meeting?")
        await noord.karin.send("5 maart 19:00")  # two weeks away: the new poll goes out at once
        moved = await noord.karin.expect("Moved to")
        assert "Thursday 5 March, 19:00" in (moved.text or "")
        assert "The 2 people who had answered are asked again" in (moved.text or "")

        for who in (noord.ahmed, noord.wim):
            told = await who.expect("The meal meeting has moved")
            assert "Thursday 5 March, 19:00" in (told.text or "")
            assert "✅ Yes" in told.button_texts()
        assert count(noord.fatima.private_chat, "has moved") == 0  # she had not answered

        def old_closed_new_out() -> bool:
            found = answer_posts(noord)
            return len(found) == 2 and "verplaatst naar" in (found[0].text or "")

        await sandbox.wait_for(old_closed_new_out, timeout=15)
        new = answer_posts(noord)[1]
        assert old.buttons == [] and "5 maart" in (old.text or "")
        await shows(sandbox, new, 0, 0, 0, 4)  # a new round: everyone is asked again
        assert await answers_of(app, meeting.id) == {
            "Ahmed": None,
            "Fatima": None,
            "Karin": None,
            "Wim": None,
        }

    async with bot(settings, clock) as app:  # a restart right after the move
        await run_jobs(app)
        await tap(noord.ahmed, new, "❌ Nee")  # no, this time
        again = await noord.fatima.expect("Are you coming?")  # the new round's invitation
        await tap(noord.fatima, again, "✅ Yes")

        async def new_answers() -> bool:
            found = await answers_of(app, meeting.id)
            return found["Ahmed"] == "no" and found["Fatima"] == "yes"

        await eventually(new_answers)

    clock.advance(timedelta(days=11))  # 2 March 19:00: three days before the new date
    async with bot(settings, clock) as app:
        await run_jobs(app)
        headcount = await noord.karin.expect("Headcount")
        line = headcount.text or ""
        assert "1 coming: 1 nut allergy" in line  # Fatima; Ahmed's old yes no longer counts
        assert "1 not coming" in line and "2 no answer" in line
        assert "0 maybe" in line and "❔ No answer: Karin, Wim" in line  # Wim's maybe is gone
        await eventually(lambda: _closed(noord, 1))
        assert tally(new) == (1, 0, 1, 2) and "Eindstand" in (new.text or "")
        await run_jobs(app)

    # Exactly once, across three starts.
    assert len(answer_posts(noord)) == 2
    for who in (noord.ahmed, noord.wim):
        assert count(who.private_chat, "The meal meeting has moved") == 1
    # The note about the move, the old count pointing to the new date, the new count.
    assert sum("5 maart" in t for t in texts(noord.group)) == 3
    assert count(noord.karin.private_chat, "Headcount") == 1
    assert count(noord.karin.private_chat, "Moved to") == 1


async def _closed(noord: Noord, index: int) -> bool:
    """The count shows its final state: no buttons to answer with."""
    found = answer_posts(noord)
    return len(found) > index and not found[index].buttons


# --- 2. cancelling a meeting ----------------------------------------------------------------------


async def test_cancelling_closes_the_poll_tells_everyone_and_stops_the_timeline(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        await plan(noord, "12 maart 19:00")
        poll = await poll_goes_out(noord, app, clock)
        await tap(noord.ahmed, poll, "✅ Ja")
        meeting = await the_meeting(app)

        async def ahmed_said_yes() -> bool:
            return (await answers_of(app, meeting.id))["Ahmed"] == "yes"

        await eventually(ahmed_said_yes)

        listed = await listing(noord.karin)
        await tap(noord.karin, listed, "✖️ Cancel meeting")
        sure = await noord.karin.expect("Cancel the meal meeting of")
        assert (await store.get(db_of(app), meeting.id)).is_planned  # type: ignore[union-attr]
        await tap(noord.karin, sure, "✖️ Yes, cancel it")
        await noord.karin.expect("Cancelled. Everyone is told.")

        # Everyone: who answered, who did not, and the group (in Dutch).
        for who in (noord.ahmed, noord.wim, noord.fatima, noord.karin):
            told = await who.expect("is cancelled")
            assert "Thursday 12 March, 19:00" in (told.text or "")
        await noord.group.expect("is afgelast")
        await eventually(lambda: _closed(noord, 0), timeout=15)
        assert "Geannuleerd" in (poll.text or "")
        cancelled = await store.get(db_of(app), meeting.id)
        assert cancelled is not None and cancelled.status == "cancelled"

        # Pressing again, or answering afterwards, changes nothing.
        again = await (await noord.karin.press(sure, "✖️ Yes, cancel it")).answered()
        assert "cancelled" in again.get("text", "")
        invitation = next(
            m for m in noord.wim.private_chat.bot_messages() if "Are you coming?" in (m.text or "")
        )
        late = await (await noord.wim.press(invitation, "✅ Yes")).answered()
        assert "cancelled" in late.get("text", "")

    for days in (14, 4, 2, 1, 2):  # the reminder, deadline, day before, afterwards, later
        clock.advance(timedelta(days=days))
        async with bot(settings, clock) as app:
            await run_jobs(app)

    for who in (noord.ahmed, noord.wim, noord.fatima, noord.karin):
        assert count(who.private_chat, "is cancelled") == 1
    assert count(noord.fatima.private_chat, "We have not heard") == 0
    assert count(noord.ahmed.private_chat, "See you tomorrow") == 0
    assert count(noord.karin.private_chat, "Headcount") == 0
    assert count(noord.karin.private_chat, "Please confirm who came") == 0
    assert count(noord.group, "afgelast") == 1
    assert len(answer_posts(noord)) == 1


# --- 5. who may do what ---------------------------------------------------------------------------

PEOPLE = ("carla", "karin", "marco", "ahmed", "wim", "zoe", "mallory")
# carla: coordinator · karin: police chief of Noord · marco: municipality of Noord ·
# ahmed, wim: key figures of Noord (wim does the agreed action) · zoe: police chief of Zuid ·
# mallory: in Noord's group chat, in no network.
HOSTS = {"carla", "karin", "marco"}
MEMBERS = {"karin", "marco", "ahmed", "wim"}

# Written out by hand: who may, per command and button (about Noord's meeting and action).
MAY: dict[str, set[str]] = {
    "/meeting Noord": HOSTS,
    "/meetings plan Noord": HOSTS,
    "/action Fix the street lamp": HOSTS,
    "/stats Noord": HOSTS,
    "/topic Parking at the school": MEMBERS | {"carla"},
    "top:{m}:named": MEMBERS | {"carla"},
    "/actions Noord": MEMBERS | {"carla"},
    "mtg:move:{m}": HOSTS,
    "mtg:cancel:{m}": HOSTS,
    "mtg:cancelok:{m}": HOSTS,
    "mtg:here:{m}:{ahmed}": HOSTS,
    "mtg:herok:{m}": HOSTS,
    "mtg:att:{m}:yes": MEMBERS,  # only members' answers count: a coordinator is not asked
    "act:prog:{a}": HOSTS | {"wim"},
    "act:done:{a}": HOSTS | {"wim"},
}

POLITE_NO = (
    "Sorry, only the network's police chief, its municipality contact or a coordinator",
    "Meal meetings are for the members of a network.",
    "This button no longer works.",
    "Only the person who does it, the police chief or the municipality can say how it goes.",
    "No meal meeting is planned yet.",  # a host elsewhere: nothing of Noord's is offered
)

TABLES = (
    "meetings",
    "conversations",
    "attendance",
    "meeting_topics",
    "meeting_polls",
    "meeting_steps",
    "actions",
    "action_steps",
    "deliveries",
)


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: [tuple(row) for row in await db.fetch_all(f"SELECT * FROM {table} ORDER BY rowid")]
        for table in TABLES
    }


async def first_reply(user: SimUser) -> str:
    first = await user.expect()
    return first.text or first.caption or ""  # /stats answers with pictures


async def test_who_may_plan_move_cancel_answer_and_record(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        db = db_of(app)
        marco, zoe = (sandbox.add_user(n, language_code="en") for n in ("Marco", "Zoe"))
        await member(db, noord.network_id, marco, "municipality")
        zuid = await networks.create(db, "Zuid", None, coordinator.id, datetime.now(UTC))
        await member(db, zuid.id, zoe, "police_chief")
        noord.mallory.started = True
        people = {
            "carla": coordinator,
            "karin": noord.karin,
            "marco": marco,
            "ahmed": noord.ahmed,
            "wim": noord.wim,
            "zoe": zoe,
            "mallory": noord.mallory,
        }
        await coordinator.send("/language en")
        await coordinator.expect()

        def meeting_on(day: int, month: int) -> Any:
            return store.create(
                db,
                network_id=noord.network_id,
                starts_at=rules.local(date(2026, month, day), time(19, 0), settings.bot.tz),
                venue_kind="police_station",
                venue_name=None,
                place=None,
                meal_note=None,
                created_by=noord.karin.id,
                now=clock.now(),
            )

        m = (await meeting_on(12, 3)).id
        # Each host who may cancel gets a meeting of their own to cancel.
        days = zip(sorted(HOSTS), (5, 12, 19), strict=True)
        spare = {who: (await meeting_on(day, 5)).id for who, day in days}
        a = await action_store.create(
            db,
            network_id=noord.network_id,
            meeting_id=m,
            what="Fix the street lamp",
            owner_id=noord.wim.id,
            due_on=date(2026, 4, 1),
            created_by=noord.karin.id,
            build=lambda _id: [],
            now=clock.now(),
        )
        helped = {}
        for name, user in people.items():
            await user.send("/help")
            helped[name] = await user.expect()

        async def happened(what: str, name: str, answer: str) -> None:
            """What an allowed attempt must have done; then the world is put back."""
            user = people[name]
            draft = await talk.draft(services.of(app), user.id)
            if what == "/meeting Noord":
                assert draft and draft.kind == "plan" and draft.network_id == noord.network_id
            elif what == "/meetings plan Noord":
                assert draft and draft.kind == "year" and draft.network_id == noord.network_id
            elif what.startswith("/action "):
                assert draft and draft.kind == "action"
                if name == "carla":  # a coordinator first picks the network
                    assert "Which network" in answer
                else:
                    assert draft.network_id == noord.network_id
            elif what.startswith("/topic"):
                assert draft and draft.kind == "topic" and draft.meeting_id == m
                return  # the topic button comes next
            elif what == "/stats Noord":
                assert "📊" in answer  # the agreed action's picture, then what has no numbers
                await user.expect("• Meal meetings: none")
            elif what == "/actions Noord":
                assert "Fix the street lamp" in answer
            elif what.startswith("top:"):
                [topic] = await store.topics(db, (await store.get(db, m)))  # type: ignore[arg-type]
                assert topic.user_id == user.id
                await user.expect("It is on the agenda")
            elif what.startswith("mtg:move"):
                await user.expect("When is the meeting?")
                draft = await talk.draft(services.of(app), user.id)
                assert draft and draft.kind == "reschedule" and draft.meeting_id == m
            elif what.startswith("mtg:cancel:"):
                await user.expect("Cancel the meal meeting")
            elif what.startswith("mtg:cancelok"):
                await user.expect("Everyone is told")
                assert (await store.get(db, spare[name])).status == "cancelled"  # type: ignore[union-attr]
            elif what.startswith("mtg:here:"):
                row = await db.fetch_one(
                    "SELECT attended FROM attendance WHERE meeting_id = ? AND user_id = ?",
                    (m, noord.ahmed.id),
                )
                assert row is not None and row["attended"] == 1
            elif what.startswith("mtg:herok"):
                assert (await store.get(db, m)).attendance_confirmed_at  # type: ignore[union-attr]
            elif what.startswith("mtg:att"):
                found = await answers_of(app, m)
                assert found[user.first_name] == "yes"
            elif what.startswith("act:"):
                expected = "done" if what.startswith("act:done") else "in_progress"
                assert (await action_store.get(db, a)).status == expected  # type: ignore[union-attr]
            await talk.clear_draft(services.of(app), user.id)
            async with db.transaction() as conn:
                await conn.execute("DELETE FROM attendance")
                await conn.execute("DELETE FROM meeting_topics")
                await conn.execute("UPDATE meetings SET attendance_confirmed_at = NULL")
                await conn.execute("UPDATE actions SET status = 'open', done_at = NULL")

        for what, may in MAY.items():
            for name in PEOPLE:
                user = people[name]
                await services.of(app).dispatcher.idle()
                before = await snapshot(db)
                filled = what.format(m=m, a=a, ahmed=noord.ahmed.id)
                if name in may and what.startswith("mtg:cancelok"):
                    filled = f"mtg:cancelok:{spare[name]}"
                if filled.startswith("/"):
                    await user.send(filled)
                    answer = await first_reply(user)
                else:
                    pressed = await user.press(helped[name], data=filled)
                    answer = (await pressed.answered()).get("text", "")
                if name == "zoe" and what.startswith("/action "):
                    # A host elsewhere records for her own network, and cannot reach into Noord.
                    draft = await talk.draft(services.of(app), zoe.id)
                    assert draft and draft.network_id == zuid.id and "Who will do it?" in answer
                    whom = await user.press(helped[name], data=f"act:who:{noord.ahmed.id}")
                    assert "not in this network" in (await whom.answered()).get("text", "")
                    switch = await user.press(helped[name], data=f"act:net:{noord.network_id}")
                    assert "Sorry, only" in (await switch.answered()).get("text", "")
                    assert (await talk.draft(services.of(app), zoe.id)) == draft
                    await talk.clear_draft(services.of(app), zoe.id)
                    continue
                if name in may:
                    assert not any(no in answer for no in POLITE_NO), (what, name, answer)
                    await happened(what, name, answer)
                else:
                    assert any(no in answer for no in POLITE_NO), (what, name, answer)
                    await services.of(app).dispatcher.idle()
                    assert await snapshot(db) == before, (what, name)


# --- 4. lead times from the settings --------------------------------------------------------------


async def test_the_poll_goes_out_as_many_days_before_as_the_settings_say(
    sandbox: Sandbox, tmp_path: Path, coordinator: SimUser
) -> None:
    settings = make_settings(
        sandbox,
        tmp_path / "bot.sqlite3",
        access={"coordinators": [coordinator.id]},
        meetings={"poll_days": 10},
    )
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        planned = await plan(noord, "12 maart 19:00")
        assert "The poll goes out Monday 2 March, 19:00" in (planned.text or "")
        clock.advance(timedelta(days=9, hours=9))  # 19 February: 21 days before
        await run_jobs(app)
        assert answer_posts(noord) == []
        clock.advance(timedelta(days=11, seconds=-1))  # 2 March, 18:59:59
        await run_jobs(app)
        assert answer_posts(noord) == []
    clock.advance(timedelta(seconds=1))  # 2 March, 19:00: ten days before
    async with bot(settings, clock) as app:
        await run_jobs(app)
        assert len(answer_posts(noord)) == 1
        meeting = await store.get(db_of(app), 1)
        assert meeting is not None and meeting.poll_days == 10 and meeting.remind_days == 7


@pytest.mark.parametrize(
    "leads",
    [
        {"poll_days": 7, "remind_days": 7},
        {"poll_days": 5},  # below the default reminder's 7
        {"remind_days": 3, "deadline_days": 3},
    ],
)
def test_lead_times_out_of_order_are_a_settings_error(leads: dict[str, int]) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(None, telegram={"token": TOKEN}, meetings=leads)
    assert "setting meetings" in str(raised.value)
    assert "poll_days > remind_days > deadline_days" in str(raised.value)


def test_lead_times_in_order_are_read() -> None:
    settings = load_settings(
        None,
        telegram={"token": TOKEN},
        meetings={"poll_days": 28, "remind_days": 10, "deadline_days": 4},
    )
    assert (settings.meetings.poll_days, settings.meetings.remind_days) == (28, 10)
    assert settings.meetings.deadline_days == 4


# --- 3. /meetings plan: a year of five ------------------------------------------------------------


def typed(day: Any) -> str:
    return f"{day.day}.{day.month:02d}.{day.year}"


async def test_a_year_of_five_is_proposed_adjusted_and_planned_without_clashes(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    tz = settings.bot.tz
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        karin = noord.karin
        proposed = rules.year_plan(START.date(), weekday=3)
        taken = proposed[1] - timedelta(days=1)  # a Wednesday with a meeting already
        await plan(noord, f"{typed(taken)} 19:00")

        await karin.send("/meetings plan")
        weekday = await karin.expect("On which weekday")
        await tap(karin, weekday, "Thursday")
        at = await karin.expect("At what time")
        await tap(karin, at, "19:00")
        proposal = await karin.expect("A year of meetings")
        lines = [
            line
            for line in (proposal.text or "").splitlines()
            if line[:2] in {"1.", "2.", "3.", "4.", "5."}
        ]
        assert len(lines) == 5 and all("Thursday" in line and "19:00" in line for line in lines)
        gaps = [(b - a).days for a, b in pairwise(proposed)]
        # Roughly evenly over the year; a date on a holiday moves on a week at a time.
        assert all(63 <= gap <= 91 for gap in gaps)

        await tap(karin, proposal, "✏️ 2")
        await karin.expect("When is the meeting?")
        await karin.send(typed(taken))  # the day that already has a meeting
        refused = await karin.expect("already has a meeting on")
        assert "Please choose another day" in (refused.text or "")
        await karin.send(typed(proposed[2]))  # the day of the third proposed one: a clash too
        await karin.expect("already has a meeting on")
        moved = proposed[1] + timedelta(days=1)  # the Friday instead
        await karin.send(typed(moved))
        again = await karin.expect("A year of meetings")
        assert "Friday" in (again.text or "").splitlines()[2]

        await tap(karin, again, "✅ Looks good")
        where = await karin.expect("Where?")
        await tap(karin, where, "🚓 Police station")  # remembered from the first meeting
        note = await karin.expect("Anything about the meal")
        await tap(karin, note, "Skip")
        summary = await karin.expect("Plan these meetings of Noord?")
        await tap(karin, summary, "✅ Plan it")
        done = await karin.expect("Planned")
        assert "Not planned" not in (done.text or "")
        assert (done.text or "").count("✅ Planned") == 5

        planned = await store.of_network(db_of(app), noord.network_id)
        days = [m.start.astimezone(tz) for m in planned]
        assert len(days) == 6 and len({d.date() for d in days}) == 6  # no two on one day
        assert {d.time().strftime("%H:%M") for d in days} == {"19:00"}
        assert sorted(d.date() for d in days) == sorted([taken, moved, proposed[0], *proposed[2:]])


# --- 6. a member taken out of the network ---------------------------------------------------------


async def test_a_removed_member_drops_out_of_the_counts(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        await plan(noord, "12 maart 19:00")
        poll = await poll_goes_out(noord, app, clock)
        invitation = await noord.fatima.expect("Are you coming?")
        await tap(noord.ahmed, poll, "✅ Ja")
        await tap(noord.fatima, poll, "✅ Ja")
        await tap(noord.wim, poll, "🤔 Misschien")
        meeting = await the_meeting(app)

        async def three_answered() -> bool:
            found = await answers_of(app, meeting.id)
            return sum(answer is not None for answer in found.values()) == 3

        await eventually(three_answered)
        svc = services.of(app)
        departure = await take_out(svc, noord.network_id, noord.fatima.id, noord.karin.id)
        assert departure.removed
        assert "Fatima" not in await answers_of(app, meeting.id)

        listed = await listing(noord.karin)
        assert "1 coming: 1 halal · 1 maybe · 1 no answer" in (listed.text or "")
        late = await (await noord.fatima.press(invitation, "✅ Yes")).answered()
        assert "no longer works" in late.get("text", "")
        assert "Fatima" not in await answers_of(app, meeting.id)

    clock.advance(timedelta(days=14))  # a week before
    async with bot(settings, clock) as app:
        await run_jobs(app)
        fresh = await noord.group.expect("Nog niet iedereen heeft geantwoord")
        await shows(sandbox, fresh, 1, 1, 0, 1)  # Karin has not answered; Fatima is not counted
        assert "Karin" not in (fresh.text or "")  # numbers, not names
        assert count(noord.fatima.private_chat, "We have not heard") == 0

    clock.advance(timedelta(days=4))  # the deadline
    async with bot(settings, clock) as app:
        await run_jobs(app)
        headcount = await noord.karin.expect("Headcount")
        assert "1 coming: 1 halal · 1 maybe · 1 no answer" in (headcount.text or "")
        assert "nut allergy" not in (headcount.text or "") and "Fatima" not in (
            headcount.text or ""
        )


async def test_forged_planning_buttons_with_words_for_numbers_are_refused(
    app: BotApplication, sandbox: Sandbox
) -> None:
    someone = sandbox.add_user("Someone", language_code="en")
    await someone.send("/help")
    anchor = await someone.expect("What you can do here")
    for data in ("mtg:move:abc", "mtg:day:tomorrow", "mtg:yadj:-1"):
        answer = await (await someone.press(anchor, data=data)).answered()
        assert answer["show_alert"] is True and "no longer works" in answer["text"], data

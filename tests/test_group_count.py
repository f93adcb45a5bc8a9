"""One truthful count in the group: the meeting's answers have one record, whatever button set
them (under the group's count or in the private chat), and the group's count, a member's own
buttons and the hosts' headcount all show that record – through changes of mind, a long member
list, an outage and a restart. The group sees numbers, never names."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.settings import Settings
from domain import meeting_plans
from domain import meetings as rules
from domain.ports import POLL
from sandbox import Sandbox, SimChat, SimMessage, SimUser
from storage import answer_messages
from storage import meetings as store
from storage.deliveries import NewDelivery, priority
from tests.conftest import eventually
from tests.test_meetings import START, Noord, arrange, bot, member, polls, run_jobs, tap

SUNDAY = date(2026, 2, 15)  # five days after START: the count goes out at once
TWELVE_MARCH = date(2026, 3, 12)  # the count goes out on 19 February, the reminder on 5 March


async def plan(app: BotApplication, noord: Noord, day: date) -> None:
    """Karin planned a meeting at the police station at 19:00 (how she plans it with buttons is
    tests/test_meetings.py's story)."""
    svc = services.of(app)
    starts_at = rules.local(day, time(19, 0), svc.settings.bot.tz)
    details = {
        "venue_kind": "police_station",
        "address": "Stationsplein 1, Amsterdam",
        "lat": 52.3791,
        "lon": 4.9003,
        "note": "Surinamese buffet",
    }
    done = await meeting_plans.plan(
        svc, noord.network_id, details, [starts_at.isoformat()], noord.karin.id
    )
    assert done.meetings


TALLY = re.compile(
    r"✅ Komen: (\d+) · 🤔 Misschien: (\d+) · ❌ Komen niet: (\d+) · ❔ Nog niet gehoord: (\d+)"
)


def counts(group: SimChat) -> list[SimMessage]:
    """The bot's count messages in the group, oldest first."""
    return [m for m in group.resolve().bot_messages() if TALLY.search(m.text or "")]


def tally(message: SimMessage) -> tuple[int, int, int, int]:
    found = TALLY.search(message.text or "")
    assert found is not None, message.text
    coming, maybe, no, silent = (int(n) for n in found.groups())
    return coming, maybe, no, silent


async def shows(
    sandbox: Sandbox, message: SimMessage, coming: int, maybe: int, no: int, silent: int
) -> None:
    """The count comes to show these numbers (a few seconds: many answers, one edit)."""
    await sandbox.wait_for(lambda: tally(message) == (coming, maybe, no, silent), timeout=15)


async def answers(app: BotApplication) -> dict[str, str | None]:
    db = services.of(app).database
    [meeting] = await store.planned(db)
    return {str(a.display_name): a.answer for a in await store.answers(db, meeting)}


def shown_in_group(group: SimChat) -> list[str]:
    """Everything the bot ever showed in the group: each message's text and its earlier texts."""
    return [t for m in group.resolve().bot_messages() for t in [*m.edits, m.text or ""]]


def no_names(group: SimChat, people: list[SimUser]) -> None:
    """Issue 10: the group sees numbers, not who answered what or who has not answered."""
    for text in shown_in_group(group):
        for person in people:
            assert person.first_name not in text, (person.first_name, text)


async def near_meeting(app: BotApplication, noord: Noord) -> SimMessage:
    """Karin plans a meeting next Sunday: the count goes out at once."""
    await plan(app, noord, SUNDAY)
    await run_jobs(app)
    await noord.group.expect("Nog niet gehoord")
    [count] = counts(noord.group)
    return count


async def test_a_maybe_given_privately_shows_in_the_group_and_in_the_headcount(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        count = await near_meeting(app, noord)
        assert polls(noord.group) == []  # no native poll: it could not show a private answer
        assert tally(count) == (0, 0, 0, 4)
        assert "Bijeenkomst van Noord" in (count.text or "")
        assert count.button_texts() == ["✅ Ja", "❌ Nee", "🤔 Misschien"]  # the group's language

        invitation = await noord.wim.expect("Are you coming?")
        await tap(noord.wim, invitation, "🤔 Maybe")  # privately
        await shows(sandbox, count, 0, 1, 0, 3)  # not "Misschien 0"

        clock.advance(timedelta(days=3))  # Friday: past the deadline
        await run_jobs(app)
        headcount = await noord.karin.expect("Headcount")
        assert "0 coming · 1 maybe · 3 no answer" in (headcount.text or "")
        # The group's last word agrees with the hosts' headcount, and takes no more answers.
        await sandbox.wait_for(lambda: "Eindstand" in (count.text or ""), timeout=15)
        assert tally(count) == (0, 1, 0, 3)
        assert count.buttons == []
        no_names(noord.group, [noord.karin, noord.ahmed, noord.wim, noord.fatima])


async def test_a_member_answers_in_the_group_and_privately_and_is_counted_once(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        count = await near_meeting(app, noord)
        invitation = await noord.ahmed.expect("Are you coming?")

        # In the group: only Ahmed sees what he chose; the count follows.
        noted = await (await noord.ahmed.press(count, "✅ Ja")).answered()
        assert noted["text"] == "Noted: Yes. The group sees only the numbers, not your name."
        assert not noted.get("show_alert")
        await shows(sandbox, count, 1, 0, 0, 3)
        assert count.button_texts() == ["✅ Ja", "❌ Nee", "🤔 Misschien"]  # nobody's choice marked
        # His own private invitation marks the answer he gave in the group.
        await sandbox.wait_for(lambda: "• ✅ Yes •" in invitation.button_texts(), timeout=15)

        # Then privately: the same record changes; the group follows.
        await tap(noord.ahmed, invitation, "🤔 Maybe")
        await sandbox.wait_for(lambda: "• 🤔 Maybe •" in invitation.button_texts())
        await shows(sandbox, count, 0, 1, 0, 3)
        assert (await answers(app))["Ahmed"] == "maybe"

        # Fatima the other way round: privately first, then in the group.
        fatima = await noord.fatima.expect("Are you coming?")
        await tap(noord.fatima, fatima, "✅ Yes")
        await shows(sandbox, count, 1, 1, 0, 2)
        await (await noord.fatima.press(count, "❌ Nee")).answered()
        await shows(sandbox, count, 0, 1, 1, 2)
        await sandbox.wait_for(lambda: "• ❌ No •" in fatima.button_texts(), timeout=15)

        # Someone in the group chat who is not in the network, and the coordinator, are told
        # so and not counted.
        for outsider in (noord.mallory, coordinator):
            refused = await (await outsider.press(count, "✅ Ja")).answered()
            assert refused["show_alert"] is True
            assert refused["text"] in (
                "Meal meetings are for the members of a network.",
                "Bijeenkomsten zijn voor de leden van een netwerk.",
            )
        assert await answers(app) == {"Ahmed": "maybe", "Fatima": "no", "Karin": None, "Wim": None}
        await run_jobs(app)
        assert tally(count) == (0, 1, 1, 2)
        no_names(noord.group, [noord.karin, noord.ahmed, noord.wim, noord.fatima, noord.mallory])


async def test_changes_of_mind_leave_one_answer_and_a_count_that_adds_up(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        count = await near_meeting(app, noord)
        for label in ("✅ Ja", "❌ Nee", "🤔 Misschien", "✅ Ja"):
            await (await noord.wim.press(count, label)).answered()
        for label in ("❌ Nee", "🤔 Misschien"):
            await (await noord.karin.press(count, label)).answered()
        await shows(sandbox, count, 1, 1, 0, 2)
        assert await answers(app) == {"Ahmed": None, "Fatima": None, "Karin": "maybe", "Wim": "yes"}
        # Every state the group saw added up to the four members: never a stray tally.
        for text in shown_in_group(noord.group):
            found = TALLY.search(text)
            if found:
                assert sum(int(n) for n in found.groups()) == 4, text
        assert len(counts(noord.group)) == 1  # edited in place, not posted again


async def test_fifteen_members_with_long_names(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        db = services.of(app).database
        many = []
        for i in range(11):
            name = f"Anne-Marie {i:02d} van den Berghe-Oudshoorn tot Lichtenvoorde"
            person = sandbox.add_user(name, language_code="en")
            await member(db, noord.network_id, person, "key_figure", "halal" if i % 2 else None)
            many.append(person)
        count = await near_meeting(app, noord)
        assert tally(count) == (0, 0, 0, 15)
        assert len(count.text or "") < 1000  # numbers only: it does not grow with the names
        data = [b.callback_data or "" for row in count.buttons for b in row]
        assert data and all(len(d.encode()) <= 64 for d in data)

        invitations = [await p.expect("Are you coming?") for p in many]
        for i, (person, invitation) in enumerate(zip(many, invitations, strict=True)):
            await tap(person, invitation, "✅ Yes" if i < 8 else "🤔 Maybe")
        await shows(sandbox, count, 8, 3, 0, 4)

        clock.advance(timedelta(days=3))
        await run_jobs(app)
        headcount = await noord.karin.expect("Headcount")
        assert "8 coming: 4 halal · 3 maybe · 4 no answer" in (headcount.text or "")
        parts = [m.text or "" for m in noord.karin.private_chat.bot_messages()]
        assert all(len(t) <= 4096 for t in parts)
        listed = "\n".join(parts)
        assert all(p.first_name in listed for p in many)  # the hosts get every name, privately
        await sandbox.wait_for(lambda: "Eindstand" in (count.text or ""), timeout=15)
        assert tally(count) == (8, 3, 0, 4)
        no_names(noord.group, [*many, noord.karin, noord.ahmed, noord.wim, noord.fatima])


async def test_an_outage_while_the_count_is_edited_and_a_restart_lose_no_answer(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        count = await near_meeting(app, noord)
        sandbox.faults.outage(methods=["editMessageText"], chat_ids=[noord.group.id])
        await (await noord.ahmed.press(count, "✅ Ja")).answered()
        invitation = await noord.wim.expect("Are you coming?")
        await tap(noord.wim, invitation, "🤔 Maybe")

        def tried() -> bool:
            return ("editMessageText", 502) in sandbox.faults.injected

        await sandbox.wait_for(tried, timeout=15)  # the edit was tried and not taken
        assert tally(count) == (0, 0, 0, 4)  # unchanged, not half-changed

        sandbox.faults.recover()  # Telegram takes edits again: the next try brings it up to date
        await shows(sandbox, count, 1, 1, 0, 2)

        sandbox.faults.outage(methods=["editMessageText"], chat_ids=[noord.group.id])
        await (await noord.fatima.press(count, "❌ Nee")).answered()
        injected = len(sandbox.faults.injected)
        await sandbox.wait_for(lambda: len(sandbox.faults.injected) > injected, timeout=15)
    # The bot stops while the group's count is behind; Telegram comes back meanwhile.
    sandbox.faults.recover()
    assert tally(count) == (1, 1, 0, 2)

    async with bot(settings, clock) as app:  # at start, what is behind is brought up to date
        await shows(sandbox, count, 1, 1, 1, 1)
        assert await answers(app) == {"Ahmed": "yes", "Fatima": "no", "Karin": None, "Wim": "maybe"}
        assert not await answer_messages.any_stale(services.of(app).database)


async def test_the_reminder_posts_a_fresh_count_and_names_nobody(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        await plan(app, noord, TWELVE_MARCH)
        clock.advance(timedelta(days=9, hours=9))  # 19 February: the poll
        await run_jobs(app)
        [first] = counts(noord.group)
        await (await noord.ahmed.press(first, "✅ Ja")).answered()
        await shows(sandbox, first, 1, 0, 0, 3)

        clock.advance(timedelta(days=14))  # 5 March: a week before
        await run_jobs(app)
        await noord.fatima.expect("We have not heard from you yet")  # privately, by name
        fresh = await noord.group.expect("Nog niet iedereen heeft geantwoord")
        assert fresh is not first and tally(fresh) == (1, 0, 0, 3)
        # The older count points to the fresh one; only the fresh one takes answers.
        await sandbox.wait_for(lambda: "nieuwer bericht" in (first.text or ""), timeout=15)
        assert first.buttons == [] and counts(noord.group) == [fresh]
        await (await noord.wim.press(fresh, "🤔 Misschien")).answered()
        await shows(sandbox, fresh, 1, 1, 0, 2)
        no_names(noord.group, [noord.karin, noord.ahmed, noord.wim, noord.fatima])


async def test_a_native_poll_from_an_earlier_version_makes_way_for_the_count(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        await plan(app, noord, TWELVE_MARCH)  # the poll is due on 19 February
        db = services.of(app).database
        [meeting] = await store.planned(db)
        # What an earlier version did at the poll step: a native poll in the group.
        legacy = NewDelivery(
            chat_id=noord.group.id,
            priority=priority("routine", group=True),
            kind=f"meeting_poll:{meeting.id}:{meeting.round}",
            method=POLL,
            params={"question": "Komen jullie?", "options": [{"text": "Ja"}, {"text": "Nee"}]},
            network_id=noord.network_id,
        )
        assert await store.take_step(db, meeting, "poll", [legacy], datetime.now(UTC))
        services.of(app).dispatcher.wake()

        async def recorded() -> bool:
            return bool(await store.open_polls(db, meeting.id))

        await eventually(recorded)

    clock.advance(timedelta(days=9, hours=9))
    async with bot(settings, clock) as app:  # the new version looks at it at start
        await run_jobs(app)
        await noord.group.expect("Nog niet gehoord")
        [poll] = polls(noord.group)
        await sandbox.wait_for(lambda: bool(poll.poll and poll.poll.is_closed))
        [count] = counts(noord.group)
        assert tally(count) == (0, 0, 0, 4)
        await run_jobs(app)
        assert len(counts(noord.group)) == 1  # once


async def test_a_press_before_the_bot_has_recorded_the_count_is_not_lost(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    """Telegram shows the count to the group before it answers the bot's sendMessage: a member
    who answers at once is counted (the button carries its meeting), nobody waits meanwhile,
    and the count shows it as soon as it is recorded."""
    clock = ManualClock(datetime(2026, 3, 26, 9, 0, tzinfo=UTC))
    async with bot(settings, clock) as app:
        noord = await arrange(app, sandbox, coordinator)
        db = services.of(app).database
        sandbox.faults.slow("sendMessage", 3, chat_id=noord.group.id, after=True)
        await plan(app, noord, date(2026, 3, 29))  # near: the count goes out at once
        count = await noord.group.expect("Nog niet gehoord")
        await (await noord.ahmed.press(count, "✅ Ja")).answered()  # before the bot knows it
        assert (await answers(app))["Ahmed"] == "yes"
        [meeting] = await store.planned(db)
        recorded = await answer_messages.of_meeting(db, meeting.id)
        assert not [m for m in recorded if m.in_group]  # the bot has not heard of it yet
        await noord.wim.send("/meetings")  # the bot answers others meanwhile
        await noord.wim.expect("Meal meeting of Noord")
        await shows(sandbox, count, 1, 0, 0, 3)  # recorded: it shows what came before
        sandbox.faults.slow("sendMessage", 0, chat_id=noord.group.id)

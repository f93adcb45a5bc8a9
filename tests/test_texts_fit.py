"""Every text fits: messages that grow with data arrive whole, however big the data.

A network at its largest realistic size — 15 members with 64-character names and long diets,
12 agenda topics of the maximum 500 characters, 30 open actions — and a coordinator with
1,000 networks. Telegram refuses a text over 4,096 characters; the sandbox does the same, so
each story checks that every part arrived, that each part fits, and that nothing was refused.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.fit import LIMIT
from bot.settings import Settings
from sandbox import Sandbox, SimMessage, SimUser
from storage import actions, group_chats, networks
from storage import meetings as store
from storage.database import Database
from storage.meetings import Venue
from tests.conftest import eventually
from tests.test_incidents import GROUP_RIGHTS
from tests.test_meetings import START, bot, member, run_jobs

NAME = 64  # the longest name the intake accepts
DIET = 300  # the longest diet described in the intake
TOPIC = 500  # the longest agenda topic
ACTION = 500  # the longest agreed action


def long_name(n: int) -> str:
    return f"Member {n:02} " + "van der Berg-Ouaali " * 3 + "x" * NAME


def long_diet(n: int) -> str:
    return (f"diet {n:02}: no pork, no nuts & no gluten; " * 10)[:DIET]


def refused(sandbox: Sandbox) -> list[str]:
    """What Telegram would have refused (long polling aside: a restart may end a poll)."""
    return [
        f"{r.method}: {r.description}"
        for r in sandbox.requests
        if not r.ok and r.method != "getUpdates"
    ]


def parts_since(user: SimUser, mark: int) -> list[SimMessage]:
    return user.private_chat.bot_messages()[mark:]


def assert_each_fits(parts: list[SimMessage]) -> None:
    for part in parts:
        assert part.text is not None
        assert 0 < len(part.text) <= LIMIT


# --- a network at its largest --------------------------------------------------------------


async def biggest_network(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> tuple[int, SimUser, list[SimUser]]:
    """Karin hosts; 14 key figures with long names, each with a long diet of their own."""
    db = services.of(app).database
    network = await networks.create(db, "Noord", None, coordinator.id, datetime.now(UTC))
    karin = sandbox.add_user("Karin", language_code="en")
    await member(db, network.id, karin, "police_chief")
    people = [sandbox.add_user(long_name(n)[:NAME], language_code="en") for n in range(14)]
    for n, person in enumerate(people):
        await member(db, network.id, person, "key_figure", long_diet(n))
    group = sandbox.add_group(
        "Wijk Noord", members=[coordinator, karin, *people], admins=[coordinator]
    )
    await group.add_bot(by=coordinator, rights=GROUP_RIGHTS)
    await group_chats.link(db, group.id, network.id, karin.id, datetime.now(UTC))
    return network.id, karin, people


async def full_agenda(db: Database, meeting: store.Meeting, people: list[SimUser]) -> list[str]:
    """12 topics of the longest kind, by members who give their name."""
    texts = []
    for n in range(12):
        text = (f"Topic {n:02}: " + "the mood on the square after dark & what we do. " * 12)[:TOPIC]
        texts.append(text.rstrip())
        await store.add_topic(db, meeting.id, people[n].id, texts[-1], False, START)
    return texts


async def open_actions(db: Database, network_id: int, people: list[SimUser]) -> list[str]:
    """30 agreed actions from earlier meetings, still open."""
    whats = []
    for n in range(30):
        what = (f"Action {n:02}: organise homework support in the community room. " * 10)[:ACTION]
        what = what.rstrip()
        whats.append(what)
        await actions.create(
            db,
            network_id=network_id,
            meeting_id=None,
            what=what,
            owner_id=people[n % len(people)].id,
            due_on=date(2026, 6, 1),
            created_by=people[0].id,
            build=lambda _id: [],
            now=START,
        )
    return whats


async def test_the_headcount_and_the_agenda_at_their_largest_arrive_whole(
    sandbox: Sandbox, coordinator: SimUser, settings: Settings
) -> None:
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        db = services.of(app).database
        network_id, karin, people = await biggest_network(app, sandbox, coordinator)
        meeting = await store.create(
            db,
            network_id=network_id,
            starts_at=START + timedelta(days=5, hours=9),  # Sunday 15 February, 19:00
            venue_kind="police_station",
            venue_name=None,
            place=Venue("Stationsplein 1, Amsterdam", None, None),
            meal_note="Surinamese buffet",
            created_by=karin.id,
            now=START,
        )
        topics = await full_agenda(db, meeting, people)
        whats = await open_actions(db, network_id, people)
        for n, person in enumerate([karin, *people]):
            answer = "yes" if n < 11 else ("maybe" if n < 13 else None)
            await store.set_answer(db, meeting.id, person.id, answer, START)
        await run_jobs(app)  # the poll: the meeting is near

        # The deadline, three days before: Karin gets the headcount for the caterer.
        clock.advance(timedelta(days=2, hours=9))
        before = len(karin.private_chat.bot_messages())
        await run_jobs(app)
        headcount = parts_since(karin, before)
        assert len(headcount) > 1
        assert_each_fits(headcount)
        shown = "\n".join(p.text or "" for p in headcount)
        assert "Headcount" in shown
        assert all(person.first_name in shown for person in people)
        for n in range(10):  # the diets of everyone coming
            assert long_diet(n).strip() in " ".join(shown.split())
        for topic in topics:
            assert topic in shown

        # The day before: everyone coming gets the agenda with every open action.
        clock.advance(timedelta(days=2))
        marks = {p.id: len(p.private_chat.bot_messages()) for p in people}
        await run_jobs(app)
        coming = people[:10]
        for person in coming:
            agenda = parts_since(person, marks[person.id])
            assert len(agenda) > 1
            assert_each_fits(agenda)
            shown = "\n".join(p.text or "" for p in agenda)
            assert "See you tomorrow" in shown
            assert all(topic in shown for topic in topics)
            assert all(what in shown for what in whats)
        assert parts_since(people[12], marks[people[12].id]) == []  # maybe: no agenda

        # A member asks for the actions: all 30, over several messages.
        before = len(people[1].private_chat.bot_messages())
        await people[1].send("/actions")

        async def all_listed() -> bool:
            shown = "\n".join(p.text or "" for p in parts_since(people[1], before))
            return all(what in shown for what in whats)

        await eventually(all_listed)
        assert_each_fits(parts_since(people[1], before))
    assert refused(sandbox) == []


async def test_the_roster_of_a_full_network_pages_with_short_buttons(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    _network_id, karin, people = await biggest_network(app, sandbox, coordinator)
    await karin.send("/members")
    first = await karin.expect("Members of Noord")
    assert "1–10 of 15" in (first.text or "")
    assert all(len(label) <= 50 for label in first.button_texts())
    await (await karin.press(first, "▶")).answered()

    async def turned() -> bool:
        return people[-1].first_name in (first.text or "")

    await eventually(turned)
    assert all(len(b.callback_data or "") <= 64 for row in first.buttons for b in row)
    assert refused(sandbox) == []


# --- a coordinator with a thousand networks --------------------------------------------------


async def a_thousand_networks(app: BotApplication, coordinator: SimUser) -> list[str]:
    db = services.of(app).database
    names = [f"Netwerk {n:04} " + "Amsterdam-Noord Buiksloterham " * 2 for n in range(1000)]
    for name in names:
        await networks.create(db, name, "Amsterdam", coordinator.id, START)
    return [" ".join(name.split()) for name in names]


async def test_a_coordinator_pages_through_a_thousand_networks(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    names = await a_thousand_networks(app, coordinator)
    await coordinator.send("/networks")
    overview = await coordinator.expect("Alle netwerken")
    assert "1–20 van 1000" in (overview.text or "")
    assert names[0] in (overview.text or "") and names[20] not in (overview.text or "")
    assert overview.button_texts() == ["▶"]
    await (await coordinator.press(overview, "▶")).answered()

    async def second_page() -> bool:
        return "21–40 van 1000" in (overview.text or "")

    await eventually(second_page)
    assert names[20] in (overview.text or "")
    assert overview.button_texts() == ["◀", "▶"]
    assert len(overview.text or "") <= LIMIT
    assert refused(sandbox) == []


async def test_choosing_among_a_thousand_networks_fits_telegrams_keyboard(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    names = await a_thousand_networks(app, coordinator)
    for command in ("/members", "/invite", "/meeting", "/alert"):
        await coordinator.send(command)
        question = await coordinator.expect("netwerk")
        assert "nog 960" in (question.text or "")
        assert sum(len(row) for row in question.buttons) <= 100
        assert all(len(label) <= 42 for label in question.button_texts())
        assert names[0][:30] in question.button_texts()[0]
    assert refused(sandbox) == []

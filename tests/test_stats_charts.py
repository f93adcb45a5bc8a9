"""/stats: a network's health as pictures, the key numbers in each caption.

Noord, seen on 15 September 2026: Petra (police chief) and Marco (municipality) host it; Bram
and Anna are key figures; Carla coordinates. Over the past year Noord held two meal meetings
whose attendance was confirmed (and one more, a year and a half ago, that no longer counts; one
this month still waits for who came), sent three alerts (one before the 200 days this bot keeps
alerts), asked two mood pulses and agreed five actions (one before the year).

Each picture is decoded (a PNG, a phone's width, far from one colour) and each caption's
numbers are checked against what the database holds.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from matplotlib.image import imread

from bot import services
from bot.app import BotApplication, build_application, running
from bot.clock import ManualClock
from bot.settings import Settings
from domain import charts
from sandbox import Sandbox, SimMessage, SimUser
from storage import actions, incidents, meetings, networks, people, pulse
from storage.database import Database
from tests import given
from tests.conftest import make_settings

NOW = datetime(2026, 9, 15, 10, 0, tzinfo=UTC)
KEPT_DAYS = 200  # [retention] incident_days: alerts from before 27 February 2026 are gone


@dataclass
class Noord:
    id: int
    petra: SimUser
    marco: SimUser
    bram: SimUser
    anna: SimUser
    carla: SimUser


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path, coordinator: SimUser) -> Settings:  # type: ignore[no-untyped-def]
    return make_settings(
        sandbox,
        tmp_path / "bot.sqlite3",
        access={"coordinators": [coordinator.id]},
        retention={"incident_days": KEPT_DAYS},
    )


@asynccontextmanager
async def bot(settings: Settings) -> AsyncIterator[BotApplication]:
    async with running(build_application(settings, clock=ManualClock(NOW))) as app:
        yield app


def at(month: int, day: int, hour: int = 18, minute: int = 0, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


async def meeting(db: Database, noord: Noord, when: datetime, said_yes, came, confirm=True):  # type: ignore[no-untyped-def]
    held = await meetings.create(
        db,
        network_id=noord.id,
        starts_at=when,
        venue_kind="police_station",
        venue_name=None,
        place=None,
        meal_note=None,
        created_by=noord.petra.id,
        now=when - timedelta(days=30),
    )
    for user in said_yes:
        await meetings.set_answer(db, held.id, user.id, "yes", when - timedelta(days=10))
    for user in came:
        await meetings.set_attended(db, held.id, user.id, True)
    if confirm:
        await meetings.confirm_attendance(db, held, when + timedelta(hours=3))


async def alert(db: Database, noord: Noord, when: datetime, seen: dict[int, float], to) -> int:  # type: ignore[no-untyped-def]
    """An alert at `when` to `to`; `seen`: user id → minutes until they tapped Seen."""
    incident = await incidents.create(
        db,
        sender_id=noord.petra.id,
        network_ids=[noord.id],
        severity="urgent",
        sharing="network_only",
        text="Unrest at the square",
        recipients={user.id: noord.id for user in to},
        build=lambda _id: [],
        now=when,
    )
    assert incident is not None
    for user_id, minutes in seen.items():
        await incidents.acknowledge(db, incident, user_id, when + timedelta(minutes=minutes))
    await incidents.close(db, incident, noord.petra.id, None, [], when + timedelta(days=1))
    return incident


async def mood_pulse(db: Database, noord: Noord, when: datetime, moods) -> None:  # type: ignore[no-untyped-def]
    asked = [noord.marco, noord.bram, noord.anna, noord.carla]
    opened = await pulse.open_pulse(
        db, noord.id, "asked", [u.id for u in asked], when, when + timedelta(days=3), lambda _: []
    )
    assert opened is not None
    for user, mood in zip(asked, moods, strict=False):
        await pulse.save_mood(db, opened.id, user.id, mood, when + timedelta(hours=1))
    await pulse.close(db, opened.id, when + timedelta(days=3), [])


async def action(  # type: ignore[no-untyped-def]
    db: Database, noord: Noord, agreed: datetime, due: date, done: datetime | None
) -> None:
    action_id = await actions.create(
        db,
        network_id=noord.id,
        meeting_id=None,
        what="Fix the street lamp",
        owner_id=noord.bram.id,
        due_on=due,
        created_by=noord.petra.id,
        build=lambda _id: [],
        now=agreed,
    )
    if done is not None:
        await actions.set_status(db, action_id, "done", done)


@pytest.fixture
async def noord(settings: Settings, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    db = await Database.open(settings.database.path)
    try:
        created = await networks.create(
            db, "Noord", "Amsterdam-Noord", coordinator.id, at(1, 5, year=2025)
        )
        petra, marco, bram, anna = (
            sandbox.add_user(name, language_code="en")
            for name in ("Petra", "Marco", "Bram", "Anna")
        )
        await given.approved(db, created.id, petra, "police_chief", coordinator.id)
        await given.approved(db, created.id, marco, "municipality", coordinator.id)
        await given.approved(db, created.id, bram, "key_figure", petra.id)
        await given.approved(db, created.id, anna, "key_figure", petra.id)
        for user in (petra, marco, bram, anna, coordinator):
            await people.set_language(db, user.id, "en", NOW - timedelta(days=400))
            user.started = True
        noord = Noord(created.id, petra, marco, bram, anna, coordinator)

        await meeting(db, noord, at(3, 12), said_yes=[petra, bram], came=[petra, bram, anna])
        noor = sandbox.add_user("Noor", language_code="en")  # joins in spring
        await given.approved(db, created.id, noor, "key_figure", petra.id)
        await meeting(db, noord, at(6, 10), said_yes=[petra, bram, anna], came=[petra, noor])
        await meeting(db, noord, at(3, 1, year=2025), said_yes=[bram], came=[bram, anna])
        await meeting(db, noord, at(9, 1), said_yes=[anna], came=[], confirm=False)

        await alert(db, noord, at(1, 10), {bram.id: 1}, to=[bram])  # before the 200 days
        await alert(db, noord, at(5, 1), {bram.id: 5, anna.id: 90}, to=[bram, anna, marco])
        second = await alert(db, noord, at(8, 1), {bram.id: 20}, to=[bram, anna])
        await incidents.mark_unreachable(db, second, anna.id, at(8, 1))

        await mood_pulse(db, noord, at(4, 1), ["calm", "calm", "worried"])
        await mood_pulse(db, noord, at(7, 1), ["tense", "calm"])

        await action(db, noord, at(3, 12), date(2026, 4, 1), at(3, 30))  # on time
        await action(db, noord, at(6, 10), date(2026, 6, 30), at(7, 5))  # late
        await action(db, noord, at(6, 10), date(2026, 8, 1), None)  # past its date
        await action(db, noord, at(9, 1), date(2026, 10, 1), None)  # open
        await action(db, noord, at(5, 1, year=2025), date(2025, 6, 1), None)  # before the year
    finally:
        await db.close()
    return noord


def decoded(message: SimMessage) -> np.ndarray:
    """The photo's PNG read back: a phone's width, a sane height, far from one colour."""
    assert message.photo is not None and message.file is not None
    assert message.file.startswith(b"\x89PNG")
    image = imread(io.BytesIO(message.file), format="png")
    height, width = image.shape[:2]
    assert width == charts.WIDTH_PX and 500 <= height <= 5000
    pixels = (image[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    assert len(np.unique(pixels, axis=0)) > 50, "a picture of (almost) one colour"
    assert message.photo[-1]["width"] == width and message.photo[-1]["height"] == height
    return image


async def photos(user: SimUser, count: int) -> list[SimMessage]:
    chat = user.private_chat
    assert chat.world is not None

    def arrived() -> bool:
        return len([m for m in chat.bot_messages() if m.photo is not None]) >= count

    await chat.world.wait_for(arrived)
    return [m for m in chat.bot_messages() if m.photo is not None]


async def one_number(db: Database, sql: str, *params: object) -> int:
    row = await db.fetch_one(sql, params)
    assert row is not None
    return int(row[0])


async def test_a_host_sees_the_networks_year_in_five_pictures(
    settings: Settings, noord: Noord
) -> None:
    async with bot(settings) as app:
        db = services.of(app).database
        await noord.petra.send("/stats Noord")
        shots = await photos(noord.petra, 5)
        for shot in shots:
            decoded(shot)
            assert (shot.caption or "").startswith("📊 Noord · ")
            assert len(shot.caption or "") <= 1024
        meetings_, members, alerts, moods, agreed = (s.caption or "" for s in shots)

        # Meal meetings: the two confirmed ones of the past year, the latest first.
        since = (NOW - timedelta(days=365)).isoformat()
        held = await one_number(
            db,
            "SELECT count(*) FROM meetings WHERE network_id = ?"
            " AND attendance_confirmed_at IS NOT NULL AND starts_at >= ?",
            noord.id,
            since,
        )
        came = await one_number(
            db,
            "SELECT count(*) FROM attendance a JOIN meetings m ON m.id = a.meeting_id"
            " WHERE m.network_id = ? AND m.attendance_confirmed_at IS NOT NULL"
            " AND m.starts_at >= ? AND a.attended = 1",
            noord.id,
            since,
        )
        assert (held, came) == (2, 5)
        assert "2 meetings held, 2.5 came on average." in meetings_
        assert (
            "• 10 June: 2 came (3 had said yes)\n• 12 March: 3 came (2 had said yes)" in meetings_
        )
        assert (
            "1 meeting still waits for the police chief or the municipality to tick who came."
            in meetings_
        )
        assert "Counted over the past year, since 15 September 2025." in meetings_

        # Who came, member by member: for the hosts; Noor counts from when she joined.
        assert "Per member: came, of the meetings since they joined." in members
        shown = ["• Anna: 1 of 2", "• Bram: 1 of 2", "• Marco: 0 of 2", "• Noor: 1 of 1"]
        assert "\n".join([*shown, "• Petra: 2 of 2"]) in members

        # Alerts: the two within the 200 days; Marco never saw the first, Anna was unreachable
        # for the second.
        assert "2 alerts reached members 4 times; 3 times they were seen." in alerts
        assert "Half of them within 20 minutes." in alerts  # 5, 20 and 90 minutes
        assert "Within 15 minutes: 1 · within the hour: 1 · later: 1 · not seen: 1" in alerts
        assert "1 time the bot could not reach a member (blocked)." in alerts
        assert (
            "• 1 August: seen by 1 of 1, half of them within 20 minutes\n"
            "• 1 May: seen by 2 of 3, half of them within 48 minutes"  # 5 and 90
        ) in alerts
        assert "Since 27 February: older alerts are deleted after 200 days." in alerts
        acknowledged = await one_number(
            db,
            "SELECT count(acknowledged_at) FROM incident_recipients r"
            " JOIN incidents i ON i.id = r.incident_id"
            " WHERE r.network_id = ? AND i.created_at >= ?",
            noord.id,
            (NOW - timedelta(days=KEPT_DAYS)).isoformat(),
        )
        assert acknowledged == 3

        # The mood pulse.
        assert "2 pulses: 5 answers from 8 asked." in moods
        assert "🙂 calm 3 · 😟 worried 1 · 😠 tense 1" in moods
        assert "Latest, 1 July: 🙂 1 · 😠 1" in moods

        # Agreed actions within the year.
        assert "2 of 4 done, 1 of them on time" in agreed
        assert "Done late: 1 · still open: 2, of which past their date: 1" in agreed

        # Nothing lacked numbers, so no text came after the pictures.
        assert not [m for m in noord.petra.private_chat.bot_messages() if "📊" in (m.text or "")]


async def test_a_coordinator_sees_the_numbers_but_not_who_stayed_away(
    settings: Settings, noord: Noord
) -> None:
    async with bot(settings) as app:
        await noord.carla.send("/stats Noord")
        shots = await photos(noord.carla, 4)
        await app.update_queue.join()
        captions = [s.caption or "" for s in shots]
        assert [c.split("\n")[0] for c in captions] == [
            "📊 Noord · meal meetings",
            "📊 Noord · alerts seen",
            "📊 Noord · mood pulse",
            "📊 Noord · agreed actions",
        ]
        for name in ("Anna", "Bram", "Marco", "Noor", "Petra"):
            assert all(f"{name}:" not in c for c in captions)
        await noord.bram.send("/stats Noord")  # a key figure: not theirs to see
        refused = await noord.bram.expect()
        assert refused.photo is None


async def test_a_network_without_numbers_gets_one_line_per_subject_and_no_empty_chart(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    db = services.of(app).database
    zuid = await networks.create(db, "Zuid", None, coordinator.id, datetime.now(UTC))
    zoe = sandbox.add_user("Zoë", language_code="nl")
    await given.approved(db, zuid.id, zoe, "police_chief", coordinator.id)
    zoe.started = True
    await zoe.send("/stats")
    told = await zoe.expect("📊")
    assert told.photo is None
    lines = (told.text or "").split("\n")
    assert lines[0] == "📊 Zuid" and len(lines) == 5
    assert all(line.startswith("• ") for line in lines[1:])
    assert "Bijeenkomsten" in lines[1] or "bijeenkomsten" in lines[1]  # Dutch, her language


async def test_a_coordinator_picks_the_network_and_a_refused_picture_is_said(
    settings: Settings, noord: Noord, sandbox: Sandbox
) -> None:
    async with bot(settings) as app:
        db = services.of(app).database
        await networks.create(db, "Zuid", None, noord.carla.id, NOW)
        await noord.carla.send("/stats")
        choice = await noord.carla.expect("Which network")
        sandbox.faults.fail_next("sendPhoto", error_code=400, description="Bad Request: boom")
        await noord.carla.press(choice, "Noord")
        sorry = await noord.carla.expect("could not send the pictures")
        assert "/stats" in (sorry.text or "")
        assert not [m for m in noord.carla.private_chat.bot_messages() if m.photo is not None]
        await noord.carla.send("/stats Noord")
        decoded((await photos(noord.carla, 4))[0])

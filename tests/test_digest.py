"""The coordinators' monthly digest: on the 1st at 9:00 (local time) each coordinator who has it on
gets which networks are falling quiet — no meeting for two months, members quiet for as long (a
count, no names), actions past their date, alerts and signals left open — and one chart; once a
month whatever the restarts, a month missed while the bot was down goes out at its start, and a
coordinator switches theirs off with a button under /digest.

Noord: Karin (police chief), Ahmed and Wim (key figures); it met in February, Ahmed answered.
Zuid: Zoe (police chief) and Zack; its last meeting was in October. Carla and Dirk coordinate.
The clock is ours: the bot restarts between the steps of the schedule.
"""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from PIL import Image

from bot import services
from bot.app import BotApplication, build_application, running
from bot.clock import ManualClock
from bot.settings import Settings
from domain import digest
from domain.alerts import send_alert
from sandbox import Sandbox, SimMessage, SimUser
from storage import actions, meetings, networks, people, signals
from storage import digest as store
from storage.privacy import forget_person
from storage.signals import NewSignal
from tests.conftest import eventually, make_settings
from tests.given import approved

# Wednesday 20 February 2030, 10:00 UTC; the digest is due 1 March, 9:00 in Amsterdam (8:00 UTC).
START = datetime(2030, 2, 20, 10, 0, tzinfo=UTC)
DUE = datetime(2030, 3, 1, 8, 0, tzinfo=UTC)
HEAD = "Your monthly digest, "


@dataclass
class World:
    noord: int
    zuid: int
    carla: SimUser
    dirk: SimUser


@asynccontextmanager
async def bot(settings: Settings, clock: ManualClock) -> AsyncIterator[BotApplication]:
    async with running(build_application(settings, clock=clock)) as app:
        queue = app.job_queue
        assert queue is not None

        async def planned() -> bool:
            return not queue.get_jobs_by_name("digest-at-start")

        await eventually(planned)
        yield app


async def run_jobs(app: BotApplication) -> None:
    """What the scheduler would run now, by our clock: the digest's job."""
    assert app.job_queue is not None
    for job in app.job_queue.jobs():
        if job.name == digest.JOB:
            await job.run(app)
    await services.of(app).dispatcher.idle()


async def arrange(app: BotApplication, sandbox: Sandbox, carla: SimUser, dirk: SimUser) -> World:
    svc = services.of(app)
    db = svc.database
    noord = (await networks.create(db, "Noord", None, carla.id, START)).id
    zuid = (await networks.create(db, "Zuid", None, carla.id, START)).id
    karin, ahmed, wim, zoe, zack = (
        sandbox.add_user(name, language_code="en")
        for name in ("Karin", "Ahmed", "Wim", "Zoe", "Zack")
    )
    for user in (karin, ahmed, wim, zoe, zack, carla, dirk):
        user.started = True
    for user in (carla, dirk):  # the coordinators chose English
        await people.set_language(db, user.id, "en", START)
    await approved(db, noord, karin, "police_chief", carla.id)
    await approved(db, noord, ahmed, "key_figure", karin.id)
    await approved(db, noord, wim, "key_figure", karin.id)
    await approved(db, zuid, zoe, "police_chief", carla.id)
    await approved(db, zuid, zack, "key_figure", zoe.id)
    met = await meeting(app, noord, karin.id, datetime(2030, 2, 12, 18, 0, tzinfo=UTC))
    await meetings.set_answer(db, met, ahmed.id, "yes", datetime(2030, 2, 5, 9, 0, tzinfo=UTC))
    await meeting(app, zuid, zoe.id, datetime(2029, 10, 1, 18, 0, tzinfo=UTC))
    await actions.create(
        db,
        network_id=noord,
        meeting_id=met,
        what="Homework room with the library",
        owner_id=wim.id,
        due_on=date(2030, 2, 15),
        created_by=karin.id,
        build=lambda _id: [],
        now=START - timedelta(days=8),
    )
    await actions.create(  # not yet due: not counted
        db,
        network_id=noord,
        meeting_id=met,
        what="Ask the youth workers",
        owner_id=ahmed.id,
        due_on=date(2030, 3, 30),
        created_by=karin.id,
        build=lambda _id: [],
        now=START - timedelta(days=8),
    )
    await signals.add(
        db,
        NewSignal(
            noord,
            ahmed.id,
            False,
            False,
            "Scooters at night",
            None,
            None,
            None,
            "today",
            None,
            "low",
        ),
        START,
    )
    await send_alert(svc, zoe.id, [zuid], "info", "network_only", "Fireworks tonight, stay calm")
    await svc.dispatcher.idle()
    return World(noord, zuid, carla, dirk)


async def meeting(app: BotApplication, network_id: int, by: int, at: datetime) -> int:
    db = services.of(app).database
    made = await meetings.create(
        db,
        network_id=network_id,
        starts_at=at,
        venue_kind="police_station",
        venue_name=None,
        place=None,
        meal_note=None,
        created_by=by,
        now=at - timedelta(days=30),
    )
    return made.id


def world_member(sandbox: Sandbox, name: str) -> SimUser:
    return next(u for u in sandbox.users.values() if u.first_name == name)


def digests(user: SimUser) -> list[SimMessage]:
    return [m for m in user.private_chat.bot_messages() if (m.text or "").startswith(HEAD)]


def charts_of(user: SimUser) -> list[SimMessage]:
    return [m for m in user.private_chat.bot_messages() if m.photo]


async def test_the_monthly_digest_comes_once_on_time_across_restarts_and_can_be_switched_off(
    sandbox: Sandbox, tmp_path, coordinator: SimUser
) -> None:
    carla = coordinator
    carla.language_code = "en"
    dirk = sandbox.add_user("Dirk", language_code="en")
    settings = make_settings(
        sandbox, tmp_path / "bot.sqlite3", access={"coordinators": [carla.id, dirk.id]}
    )
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        await arrange(app, sandbox, carla, dirk)
        await dirk.send("/digest")
        shown = await dirk.expect("Your monthly digest is on.")
        assert "day 1 of each month at 9:00" in shown.text
        await (await dirk.press(shown, "Switch it off")).answered()
        await sandbox.wait_for(lambda: "is off" in (shown.text or ""))
        assert not await store.is_on(services.of(app).database, dirk.id)
        # A member is no coordinator: no digest for them.
        await world_member(sandbox, "Ahmed").send("/digest")
        await world_member(sandbox, "Ahmed").expect("The monthly digest is for coordinators.")

    clock.advance(
        DUE - timedelta(minutes=1) - clock.now()
    )  # 1 March, 8:59 in Amsterdam: a restart first
    async with bot(settings, clock) as app:
        await run_jobs(app)
        assert digests(carla) == []
        clock.advance(timedelta(minutes=2))
        await run_jobs(app)
        (message,) = digests(carla)
        text = message.text or ""
        assert "March 2030" in text
        assert "2 of your 2 networks need attention" in text
        noord = next(line for line in text.splitlines() if line.startswith("• Noord"))
        zuid = next(line for line in text.splitlines() if line.startswith("• Zuid"))
        # Noord met on 12 February; Wim answered nothing since 1 January, Ahmed did, Karin
        # hosted it.
        assert "no meeting" not in noord
        assert "1 member quiet" in noord and "1 action past its date" in noord
        assert "1 signal open" in noord and "alert" not in noord
        # Zuid last met on 1 October; Zoe's alert reached Zack, who did not acknowledge it.
        assert "no meeting since 1 October 2029" in zuid
        assert "1 member quiet" in zuid and "1 alert open" in zuid
        assert "Counted since 1 January 2030." in text and "365 days" in text
        (picture,) = charts_of(carla)
        assert picture.file is not None
        image = Image.open(io.BytesIO(picture.file))
        assert image.width == 1080 and image.height >= 400
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 50  # a chart, not a blank frame
        # 1 quiet + 1 overdue + 1 signal in Noord, 1 quiet + 1 alert in Zuid.
        assert "5 things to look at in 2 of your networks" in (picture.caption or "")
        assert digests(dirk) == [] and charts_of(dirk) == []  # switched off
        row = await services.of(app).database.fetch_one("SELECT count(*) FROM delivery_media")
        assert row is not None and row[0] == 0  # the picture's bytes went once it was sent

    clock.advance(timedelta(days=2))  # a restart within the month: nothing again
    async with bot(settings, clock) as app:
        await run_jobs(app)
        assert len(digests(carla)) == 1 and len(charts_of(carla)) == 1

        # The button under the digest switches it off; the digest itself stays.
        (message,) = digests(carla)
        assert message.button_texts() == ["Switch the digest off"]
        answer = await (await carla.press(message, "Switch the digest off")).answered()
        assert "/digest switches it on again" in str(answer["text"])
        await sandbox.wait_for(lambda: message.button_texts() == [])
        assert (message.text or "").startswith(HEAD)
        assert not await store.is_on(services.of(app).database, carla.id)
        await carla.send("/digest")
        shown = await carla.expect("Your monthly digest is off.")
        await (await carla.press(shown, "Switch it on")).answered()
        await sandbox.wait_for(lambda: "is on" in (shown.text or ""))

    # The bot is down on 1 April; it starts on the 3rd: April's digest goes out then, once.
    clock.advance(datetime(2030, 4, 3, 12, 0, tzinfo=UTC) - clock.now())
    async with bot(settings, clock) as app:
        await run_jobs(app)
        await sandbox.wait_for(lambda: len(digests(carla)) == 2)
        assert "April 2030" in (digests(carla)[-1].text or "")
        await run_jobs(app)
        assert len(digests(carla)) == 2
        # /forget takes both her choice and the months she got.
        db = services.of(app).database
        await store.switch(db, carla.id, False, clock.now())
        await forget_person(db, carla.id)
        for table in ("digest_choices", "digests_sent"):
            row = await db.fetch_one(f"SELECT count(*) FROM {table} WHERE user_id = ?", (carla.id,))
            assert row is not None and row[0] == 0


async def test_a_bot_started_for_the_first_time_after_the_1st_waits_for_the_next_month(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    dirk = sandbox.add_user("Dirk", language_code="en")
    clock = ManualClock(DUE + timedelta(days=2))  # 3 March: this month's moment has passed
    async with bot(settings, clock) as app:
        await arrange(app, sandbox, coordinator, dirk)
        await run_jobs(app)
        assert digests(coordinator) == [] and charts_of(coordinator) == []
        clock.advance(datetime(2030, 4, 1, 7, 1, tzinfo=UTC) - clock.now())  # 1 April, 9:01
        await run_jobs(app)
        await sandbox.wait_for(lambda: len(digests(coordinator)) == 1)


def test_the_digest_is_due_on_its_day_and_hour_in_local_time(settings: Settings) -> None:
    from domain.context import Context

    ctx = Context(settings, ManualClock(START))
    assert digest.this_month(ctx, START) == datetime(2030, 2, 1, 8, 0, tzinfo=UTC)
    assert digest.next_month(ctx, START) == DUE
    july = datetime(2030, 7, 10, tzinfo=UTC)
    assert digest.next_month(ctx, july) == datetime(2030, 8, 1, 7, 0, tzinfo=UTC)  # summer time
    december = datetime(2030, 12, 31, 23, 30, tzinfo=UTC)  # already 1 January in Amsterdam
    assert digest.this_month(ctx, december) == datetime(2031, 1, 1, 8, 0, tzinfo=UTC)
    assert digest.months_before(DUE, 2, settings.bot.tz) == datetime(2030, 1, 1, 8, 0, tzinfo=UTC)


def test_a_digest_of_many_networks_fits_telegram_in_parts_and_its_chart_stays_readable(
    settings: Settings,
) -> None:
    from bot.fit import LIMIT, visible_length
    from bot.i18n import translator
    from bot.outbox import fit
    from domain.context import Context
    from storage.deliveries import NewDelivery

    ctx = Context(settings, ManualClock(DUE))
    states = [
        digest.NetworkState(n, f"Wijk {n} — {'Noord' * 8}", None, n % 7, n % 3, n % 2, n % 5, True)
        for n in range(1, 400)
    ]
    found = digest.Digest("2030-03", DUE.date(), START, states)
    _ = translator("nl")
    text = digest.text(_, found, ctx)
    assert text.startswith("<b>Je maandoverzicht, maart 2030</b>")
    assert "nog geen bijeenkomst" in text and "Geteld sinds" in text
    assert "meldingen en wie ze zag 365 dagen, afgesloten signalen 180 dagen." in text
    parts = fit([NewDelivery(chat_id=1, priority=0, kind="digest", params={"text": text})])
    assert len(parts) > 1
    assert all(visible_length(str(p.params["text"])) <= LIMIT for p in parts)
    picture = digest.chart_of(_, found)
    assert picture is not None
    png, caption = picture
    image = Image.open(io.BytesIO(png))
    assert image.width == 1080 and len(caption) <= 1024  # 15 networks at most in the chart


async def test_the_chart_comes_after_the_message_it_points_to_even_when_that_must_wait(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    """The chart's caption says "the message above says which": when Telegram fails the
    message once, the chart waits for it instead of arriving first."""
    dirk = sandbox.add_user("Dirk", language_code="en")
    clock = ManualClock(DUE - timedelta(minutes=5))
    async with bot(settings, clock) as app:
        await arrange(app, sandbox, coordinator, dirk)
        sandbox.faults.fail_next("sendMessage", chat_id=coordinator.id, error_code=502)
        clock.advance(timedelta(minutes=6))
        await run_jobs(app)  # the message waits for its next try; the chart must too
        assert charts_of(coordinator) == [] and digests(coordinator) == []
        clock.advance(timedelta(minutes=5))
        services.of(app).dispatcher.wake()
        await sandbox.wait_for(lambda: len(charts_of(coordinator)) == 1)
        shown = [m for m in coordinator.private_chat.bot_messages() if m.photo or m.text]
        assert (shown[-2].text or "").startswith(HEAD) and shown[-1].photo


def test_the_chart_caption_says_how_many_networks_it_shows_of_how_many() -> None:
    from bot.i18n import translator

    def state(n: int, quiet: int) -> digest.NetworkState:
        return digest.NetworkState(n, f"Wijk {n}", None, quiet, 0, 0, 0, False)

    _ = translator("en")
    one = digest.Digest("2030-03", DUE.date(), START, [state(1, 3), state(2, 0)])
    picture = digest.chart_of(_, one)
    assert picture is not None
    assert picture[1].startswith("3 things to look at in 1 of your networks;"), picture[1]
    # 20 networks need attention, the chart has room for 15: the caption says so, and counts
    # what the chart shows (1 + 2 + ... + 15 quiet members in the 15 that need it most).
    many = digest.Digest("2030-03", DUE.date(), START, [state(n, n) for n in range(1, 21)])
    many = digest.Digest(
        many.month, many.day, many.since, sorted(many.networks, key=lambda s: -s.attention)
    )
    picture = digest.chart_of(_, many)
    assert picture is not None
    assert "the 15 of 20 networks that need it most" in picture[1], picture[1]
    assert picture[1].startswith(f"{sum(range(6, 21))} things to look at"), picture[1]
    nl = digest.chart_of(translator("nl"), many)
    assert nl is not None and "15 van de 20 netwerken" in nl[1], nl[1]


async def test_quiet_members_are_those_asked_who_did_not_answer(
    sandbox: Sandbox, tmp_path, coordinator: SimUser
) -> None:
    """A member counts as quiet only when the network asked something (a meeting, an alert)
    and they gave no sign: who came to a meeting without answering the invitation, or hosted
    it, is not quiet; a network that asked nothing shows that it has not met, not that all of
    its members fell quiet."""
    dirk = sandbox.add_user("Dirk", language_code="en")
    settings = make_settings(sandbox, tmp_path / "bot.sqlite3")
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        world = await arrange(app, sandbox, coordinator, dirk)
        db = services.of(app).database
        wim = world_member(sandbox, "Wim")
        (met,) = await meetings.of_network(db, world.noord)
        await meetings.set_attended(db, met.id, wim.id, True)  # came, without answering
        still = (await networks.create(db, "Stil", None, coordinator.id, START)).id
        for name in ("Sanne", "Sem"):  # in Stil since December; it asked them nothing
            member = sandbox.add_user(name, language_code="en")
            member.started = True
            await approved(db, still, member, "key_figure", coordinator.id)
        async with db.transaction() as conn:
            await conn.execute(
                "UPDATE memberships SET decided_at = ?", ("2029-12-01T00:00:00+00:00",)
            )
        found = await digest.gather(services.of(app), DUE)
        quiet = {s.name: s.quiet_members for s in found.networks}
        # Noord: Karin hosted the meeting, Ahmed answered, Wim came. Zuid: Zoe sent the alert,
        # Zack did not acknowledge it. Stil: nobody was asked anything.
        assert quiet == {"Noord": 0, "Zuid": 1, "Stil": 0}, quiet
        assert next(s for s in found.networks if s.name == "Stil").not_met


async def test_a_restart_over_the_digest_hour_still_sends_it_to_a_coordinator_new_to_it(
    sandbox: Sandbox, tmp_path, coordinator: SimUser
) -> None:
    """The bot was sending digests last month (Carla got March's); Dirk had his off then and
    switched it on since. The bot restarts over 1 April, 9:00: April's goes to both, once."""
    carla = coordinator
    dirk = sandbox.add_user("Dirk", language_code="en")
    settings = make_settings(
        sandbox, tmp_path / "bot.sqlite3", access={"coordinators": [carla.id, dirk.id]}
    )
    clock = ManualClock(DUE - timedelta(minutes=5))
    async with bot(settings, clock) as app:
        await arrange(app, sandbox, carla, dirk)
        db = services.of(app).database
        await store.switch(db, dirk.id, False, clock.now())
        clock.advance(timedelta(minutes=6))
        await run_jobs(app)
        assert len(digests(carla)) == 1 and digests(dirk) == []
        await store.switch(db, dirk.id, True, clock.now())
    clock.advance(datetime(2030, 4, 1, 7, 0, 30, tzinfo=UTC) - clock.now())  # 9:00:30
    async with bot(settings, clock) as app:
        await run_jobs(app)
        await sandbox.wait_for(lambda: len(digests(carla)) == 2 and len(digests(dirk)) == 1)
        assert "April 2030" in (digests(dirk)[0].text or "")
        await run_jobs(app)
        assert len(digests(carla)) == 2 and len(digests(dirk)) == 1


async def test_a_network_named_with_html_characters_still_gets_its_digest_through(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    """The digest is HTML: a network called 'Oost & <West>' is shown as typed, not refused
    by Telegram (which would lose the whole month's digest)."""
    dirk = sandbox.add_user("Dirk", language_code="en")
    clock = ManualClock(DUE - timedelta(minutes=5))
    async with bot(settings, clock) as app:
        await arrange(app, sandbox, coordinator, dirk)
        db = services.of(app).database
        await networks.create(db, "Oost & <West>", None, coordinator.id, START)
        clock.advance(timedelta(minutes=6))
        await run_jobs(app)
        await sandbox.wait_for(lambda: len(digests(coordinator)) == 1)
        (message,) = digests(coordinator)
        assert "• Oost & <West>: no meeting yet" in (message.text or "")


async def test_a_coordinator_who_blocked_the_bot_gets_no_digest_queued(
    sandbox: Sandbox, tmp_path, coordinator: SimUser
) -> None:
    """Like every notice (domain.notify): a person who blocked the bot is not written to, so
    no month of digests piles up as failed deliveries for the operator to wonder about."""
    carla = coordinator
    dirk = sandbox.add_user("Dirk", language_code="en")
    settings = make_settings(
        sandbox, tmp_path / "bot.sqlite3", access={"coordinators": [carla.id, dirk.id]}
    )
    clock = ManualClock(DUE - timedelta(minutes=5))
    async with bot(settings, clock) as app:
        await arrange(app, sandbox, carla, dirk)
        db = services.of(app).database
        await dirk.block_bot()

        async def blocked() -> bool:
            person = await people.get(db, dirk.id)
            return person is not None and person.blocked_at is not None

        await eventually(blocked)
        clock.advance(timedelta(minutes=6))
        await run_jobs(app)
        await sandbox.wait_for(lambda: len(digests(carla)) == 1)
        row = await db.fetch_one(
            "SELECT count(*) FROM deliveries WHERE chat_id = ? AND kind LIKE 'digest%'",
            (dirk.id,),
        )
        assert row is not None and row[0] == 0

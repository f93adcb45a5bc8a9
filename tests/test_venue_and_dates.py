"""Planning a meal meeting with buttons: dates on the network's usual weekday without holidays,
a calendar page for another day, and the venue from Telegram's location button, a pin from the
attachment menu (anywhere on earth), a place from the list under the map, or a typed address.

It is Monday 20 April 2026: three weeks out, Thursday 14 May is Ascension Day (Hemelvaart).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.settings import Settings
from sandbox import Sandbox, SimMessage, SimUser
from storage import meetings as store
from tests.test_meetings import Noord, arrange, bot, tap

START = datetime(2026, 4, 20, 8, 0, tzinfo=UTC)  # Monday 20 April 2026, 10:00 in Amsterdam


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[BotApplication]:
    async with bot(settings, clock) as application:
        yield application


@pytest.fixture
async def noord(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    return await arrange(app, sandbox, coordinator)


def day_buttons(message: SimMessage) -> list[str]:
    return [
        b.text
        for row in message.buttons
        for b in row
        if (b.callback_data or "").startswith("mtg:day:")
    ]


async def to_the_venue(karin: SimUser, where: str, when: str = "21 mei 19:00") -> None:
    """Karin starts a plan (for 21 May, 19:00) and chooses the kind of place."""
    await karin.send("/meeting")
    await karin.expect("When is the meeting?")
    await karin.send(when)
    asked = await karin.expect("Where?")
    await tap(karin, asked, where)


async def finish(karin: SimUser) -> SimMessage:
    meal = await karin.expect("Anything about the meal")
    await tap(karin, meal, "Skip")
    summary = await karin.expect("Plan this meeting?")
    await tap(karin, summary, "✅ Plan it")
    await karin.expect("Planned")
    return summary


# --- dates ---------------------------------------------------------------------------------


async def test_date_buttons_are_thursdays_without_ascension_day(noord: Noord) -> None:
    await noord.karin.send("/meeting")
    asked = await noord.karin.expect("When is the meeting?")
    days = day_buttons(asked)
    assert len(days) == 8 and all(d.startswith("Thu") for d in days), days
    assert days[0] == "Thu 21 May" and "Thu 14 May" not in days
    assert asked.button_texts()[-2:] == ["📅 Another day", "Cancel"]


async def test_date_buttons_follow_the_weekday_the_network_meets_on(
    app: BotApplication, noord: Noord
) -> None:
    db = services.of(app).database
    for when in (datetime(2025, 11, 4, 18, 0, tzinfo=UTC), datetime(2026, 2, 3, 18, 0, tzinfo=UTC)):
        await store.create(  # two Tuesdays in the past
            db,
            network_id=noord.network_id,
            starts_at=when,
            venue_kind="town_hall",
            venue_name=None,
            place=None,
            meal_note=None,
            created_by=noord.karin.id,
            now=when - timedelta(days=30),
            lead_days=(21, 7, 3),
        )
    await noord.karin.send("/meeting")
    asked = await noord.karin.expect("When is the meeting?")
    days = day_buttons(asked)
    assert all(d.startswith("Tue") for d in days), days
    assert days[0] == "Tue 12 May"  # 5 May is Liberation Day


async def test_another_day_on_a_calendar_page(sandbox: Sandbox, noord: Noord) -> None:
    karin = noord.karin
    await karin.send("/meeting")
    asked = await karin.expect("When is the meeting?")
    await tap(karin, asked, "📅 Another day")
    await sandbox.wait_for(lambda: "Choose a day" in (asked.text or ""))
    april = asked.button_texts()
    assert april[:7] == ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
    assert "19" not in april and "20" in april  # the days gone are dots
    assert "(27)" in april and "27" not in april  # King's Day
    assert "◀" not in april and "April 2026" in april and "▶" in april

    holiday = await (await karin.press(asked, "(27)")).answered()
    assert "is King's Day" in holiday["text"] and "type the date" in holiday["text"]
    await (await karin.press(asked, "Mo")).answered()  # a weekday's name: nothing happens

    await tap(karin, asked, "▶")
    await sandbox.wait_for(lambda: "May 2026" in asked.button_texts())
    may = asked.button_texts()
    assert {"(4)", "(5)", "(14)", "(24)", "(25)"} <= set(may)  # 4 May evening, Liberation, …
    assert len([b for row in asked.buttons for b in row]) <= 100
    await tap(karin, asked, "26")
    at = await karin.expect("At what time on 26 May?")
    await tap(karin, at, "19:00")
    await karin.expect("Where?")


async def test_a_forged_calendar_page_shows_this_month(sandbox: Sandbox, noord: Noord) -> None:
    karin = noord.karin
    await karin.send("/meeting")
    asked = await karin.expect("When is the meeting?")
    await (await karin.press(asked, data="mtg:cal:209912")).answered()
    await sandbox.wait_for(lambda: "April 2026" in asked.button_texts())
    refused = await (await karin.press(asked, data="mtg:free:20260521")).answered()
    assert "no longer works" in refused["text"]  # 21 May is an ordinary day


# --- the venue ----------------------------------------------------------------------------


async def test_the_location_button_and_an_address_for_the_police_station(
    app: BotApplication, noord: Noord
) -> None:
    karin = noord.karin
    await to_the_venue(karin, "🚓 Police station")
    where = await karin.expect("Where is it?")
    assert where.keyboard == [["📍 Send where I am now"], ["⌨️ Type the address"], ["Cancel"]]
    assert where.reply_markup["keyboard"][0][0]["request_location"] is True  # type: ignore[index]
    await karin.send_location(52.3791, 4.9003, via_button=True)
    got = await karin.expect("📍 Got it.")
    assert got.removes_keyboard
    address = await karin.expect("And its address")
    assert address.button_texts() == ["Skip", "Cancel"]
    await karin.send("Stationsplein 1, Amsterdam")
    await karin.expect("📍 Stationsplein 1, Amsterdam")
    summary = await finish(karin)
    pin = karin.private_chat.bot_messages()[karin.private_chat.bot_messages().index(summary) - 1]
    assert pin.venue is not None and pin.venue["location"]["latitude"] == 52.3791

    [meeting] = await store.of_network(services.of(app).database, noord.network_id)
    assert (meeting.address, meeting.latitude, meeting.longitude) == (
        "Stationsplein 1, Amsterdam",
        52.3791,
        4.9003,
    )
    known = await store.venue(services.of(app).database, noord.network_id, "police_station")
    assert known is not None and known.latitude == 52.3791  # the next plan skips the question


async def test_a_pin_without_words_for_the_town_hall(app: BotApplication, noord: Noord) -> None:
    karin = noord.karin
    await to_the_venue(karin, "🏛 Town hall")
    await karin.expect("Where is it?")
    await karin.send_location(52.3676, 4.9041)  # 📎 → Location
    skip = await karin.expect("And its address")
    await tap(karin, skip, "Skip")
    await karin.expect("📍 52.36760, 4.90410")
    await finish(karin)
    [meeting] = await store.of_network(services.of(app).database, noord.network_id)
    assert (meeting.address, meeting.latitude) == ("52.36760, 4.90410", 52.3676)


async def test_a_pin_outside_the_netherlands_is_accepted_and_shown(
    app: BotApplication, noord: Noord
) -> None:
    karin = noord.karin
    await to_the_venue(karin, "📍 Another place")
    await karin.expect("Where is it?")
    await karin.send_location(41.0082, 28.9784)  # Istanbul, from the attachment menu
    await karin.expect("That pin is outside the Netherlands (41.00820, 28.97840). Fine")
    await karin.expect("📍 Got it.")
    name = await karin.expect("What is the place called?")
    assert name.button_texts() == ["Cancel"]  # a place of its own needs a name: no Skip
    await (await karin.press(name, data="mtg:pin:skip")).answered()  # forged: no Skip here
    await karin.expect("This button no longer works.")
    await karin.send("Kültür Merkezi")
    await karin.expect("📍 Kültür Merkezi")
    summary = await finish(karin)
    assert "Kültür Merkezi" in (summary.text or "")
    [meeting] = await store.of_network(services.of(app).database, noord.network_id)
    assert (meeting.venue_name, meeting.latitude, meeting.longitude) == (
        "Kültür Merkezi",
        41.0082,
        28.9784,
    )
    assert not meeting.address


async def test_a_place_from_the_list_under_the_map(app: BotApplication, noord: Noord) -> None:
    karin = noord.karin
    await to_the_venue(karin, "📍 Another place")
    await karin.expect("Where is it?")
    await karin.send_venue(52.3845, 4.9021, "Buurthuis De Boog", "Boogstraat 3, Amsterdam")
    await karin.expect("📍 Buurthuis De Boog, Boogstraat 3, Amsterdam")
    await finish(karin)
    [meeting] = await store.of_network(services.of(app).database, noord.network_id)
    assert (meeting.venue_name, meeting.address, meeting.latitude) == (
        "Buurthuis De Boog",
        "Boogstraat 3, Amsterdam",
        52.3845,
    )


async def test_a_typed_address_without_a_pin(app: BotApplication, noord: Noord) -> None:
    karin = noord.karin
    await to_the_venue(karin, "🏛 Town hall")
    await karin.expect("Where is it?")
    await karin.tap("⌨️ Type the address")
    typing = await karin.expect("Type the address")
    assert typing.removes_keyboard
    await karin.send("Amstel 1, Amsterdam")
    await karin.expect("📍 Amstel 1, Amsterdam")
    await finish(karin)
    db = services.of(app).database
    known = await store.venue(db, noord.network_id, "town_hall")
    assert known is not None and (known.address, known.latitude) == ("Amstel 1, Amsterdam", None)

    # The next plan at the town hall asks no more; its date buttons leave 21 May out.
    await karin.send("/meeting")
    asked = await karin.expect("When is the meeting?")
    assert day_buttons(asked)[0] == "Thu 28 May"
    await karin.send("28 mei 19:00")
    await tap(karin, await karin.expect("Where?"), "🏛 Town hall")
    await karin.expect("Anything about the meal")

    await to_the_venue(karin, "📍 Another place", "4 juni 19:00")
    await karin.expect("Where is it?")
    await karin.send("Buurthuis De Boog")  # a name, no address
    await karin.expect("📍 Buurthuis De Boog")


async def test_what_was_not_asked_for_and_cancel(noord: Noord, clock: ManualClock) -> None:
    karin = noord.karin
    await karin.send_location(52.37, 4.90)  # nothing open
    not_asked = await karin.expect("I wasn't asking for that just now.")
    assert not_asked.removes_keyboard

    await karin.send("/meeting")
    await karin.expect("When is the meeting?")
    await karin.send_location(52.37, 4.90)  # the date step waits for a date
    await karin.expect("I wasn't asking for that just now.")
    await karin.send("21 mei 19:00")
    await tap(karin, await karin.expect("Where?"), "📍 Another place")
    await karin.expect("Where is it?")
    await karin.tap("Cancel")
    stopped = await karin.expect("Stopped: nothing was planned.")
    assert stopped.removes_keyboard and karin.private_chat.reply_keyboard is None
    await karin.send("Buurthuis De Boog")
    await karin.expect("I work with commands and buttons")

    await to_the_venue(karin, "📍 Another place")
    await karin.expect("Where is it?")
    await karin.send("/cancel")
    assert (await karin.expect("Stopped.")).removes_keyboard

    await to_the_venue(karin, "📍 Another place")
    await karin.expect("Where is it?")
    clock.advance(timedelta(minutes=61))  # the plan lapses with the keyboard still shown
    await karin.send_location(52.37, 4.90, via_button=True)
    lapsed = await karin.expect("has expired")
    assert lapsed.removes_keyboard
    await karin.expect("I wasn't asking for that just now.")

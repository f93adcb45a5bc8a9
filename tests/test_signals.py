"""Signals (issue 11): a member tells the hosts what they saw — 112 first when there is danger
now — and the hosts pick it up, answer and close it through the bot; the reporter sees each
change. Nothing of a signal reaches a group chat, another network, or anyone but its network's
police chief and municipality contact (every chat of the sandbox is read to check).

Noord: Karin (police chief), Wim (municipality), Ahmed and Fatima (key figures), with a group
chat. Zuid: Henk (police chief) and Bram (key figure), with a group chat of its own. Carla is a
coordinator at no table; Mallory a stranger.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import services
from bot.app import BotApplication
from bot.settings import Settings
from domain import retention, signals
from domain.signals import WhatProblem, check_what, names_by_looks_only
from sandbox import Sandbox, SimChat, SimMessage, SimUser
from sandbox import actions as sim
from storage import audit, networks, privacy
from storage import signals as store
from storage.database import Database
from tests import given
from tests.conftest import eventually
from tests.test_approval import linked_group
from tests.test_intake import in_english, reachable

WHAT = "Twee jongens trapten tegen de deur van het buurthuis en renden weg richting park"
ANSWER = "Dank je. Er rijdt nu een agent langs."
KARIN_PHONE = "+31611112222"


class World:
    def __init__(self, app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> None:
        self.app, self.sandbox, self.carla = app, sandbox, coordinator
        self.karin = sandbox.add_user("Karin", language_code="en")
        self.wim = sandbox.add_user("Wim", language_code="en")
        self.ahmed = sandbox.add_user("Ahmed", language_code="en")
        self.fatima = sandbox.add_user("Fatima", language_code="en")
        self.henk = sandbox.add_user("Henk", language_code="en")
        self.bram = sandbox.add_user("Bram", language_code="en")
        self.mallory = sandbox.add_user("Mallory", language_code="en")

    @property
    def db(self) -> Database:
        return services.of(self.app).database

    async def set_up(self) -> World:
        now = datetime.now(UTC)
        self.noord = await networks.create(self.db, "Noord", None, self.carla.id, now)
        self.zuid = await networks.create(self.db, "Zuid", None, self.carla.id, now)
        for network, user, role, name, phone in (
            (self.noord, self.karin, "police_chief", "Karin", KARIN_PHONE),
            (self.noord, self.wim, "municipality", "Wim Verhoeven", None),
            (self.noord, self.ahmed, "key_figure", "Ahmed Zwartkop", None),
            (self.noord, self.fatima, "key_figure", "Fatima Bakkal", None),
            (self.zuid, self.henk, "police_chief", "Henk", None),
            (self.zuid, self.bram, "key_figure", "Bram", None),
        ):
            await given.approved(
                self.db,
                network.id,
                user,
                role,
                self.carla.id,
                name=name,
                phone=phone,
                language="en",
            )
            await reachable(user)
        await in_english(self.carla)
        await reachable(self.mallory)
        self.noord_group = await linked_group(self.app, self.sandbox, self.noord, self.karin)
        self.zuid_group = await linked_group(self.app, self.sandbox, self.zuid, self.henk)
        return self


@pytest.fixture
async def world(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> World:
    return await World(app, sandbox, coordinator).set_up()


def texts_in(chat: SimChat) -> list[str]:
    """Every text the bot showed in a chat, each version of an edited message, and buttons."""
    found = []
    for message in chat.bot_messages():
        found += [*message.edits, message.text or "", message.caption or ""]
        found += message.button_texts()
    return found


def nowhere_but(sandbox: Sandbox, allowed: list[SimUser], *words: str) -> None:
    """None of `words` is in any chat of the sandbox but the private chats of `allowed`."""
    allowed_ids = {user.private_chat.id for user in allowed}
    leaks = [
        f"{word!r} in {chat.label}"
        for chat in sandbox.chats.values()
        if chat.id not in allowed_ids
        for text in texts_in(chat)
        for word in words
        if word in text
    ]
    assert not leaks, leaks


def user_world(user: SimUser) -> Any:
    return user.private_chat._world()


async def send_photo(sandbox: Sandbox, user: SimUser) -> None:
    """A photo from the gallery in the private chat (the sandbox's user has no photo verb)."""
    world = user.private_chat._world()
    photo = [{"file_id": "AgAD-photo", "file_unique_id": "ph1", "width": 90, "height": 90}]
    message = world.add_message(user.private_chat, user, extra={"photo": photo})
    sim.deliver(world, message)


async def report(
    user: SimUser,
    *,
    danger: bool,
    what: str = WHAT,
    urgency: str | None = "🟠 Today, please",
    named: bool = True,
) -> SimMessage:
    """Through the whole flow up to the preview (one network)."""
    await user.send("/signal")
    question = await user.expect("Is there danger right now")
    await user.press(question, "🚨 Yes, danger now" if danger else "No")
    if danger:
        await user.expect("Call 112 now")
    await user.expect("What happened")
    await user.send(what)
    await user.expect("Where?")
    await user.send("Buurthuis De Boog, Boogstraat 3")
    await user.expect("Noted")
    when = await user.expect("When did it happen")
    await user.press(when, "Just now")
    if urgency is not None:
        await user.press(await user.expect("How urgent"), urgency)
    name = await user.expect("With your name")
    await user.press(name, "With my name" if named else "Without my name")
    return await user.expect("Your signal for")


# --- the whole story --------------------------------------------------------------------------


async def test_danger_now_shows_112_first_and_the_hosts_take_answer_and_close(
    world: World, sandbox: Sandbox
) -> None:
    ahmed, karin, wim = world.ahmed, world.karin, world.wim
    await ahmed.send("/signal")
    question = await ahmed.expect("Is there danger right now")
    assert "never to the group chat" in question.text
    await ahmed.press(question, "🚨 Yes, danger now")
    gate = await ahmed.expect("Call 112 now")
    assert gate.html is not None and "<code>112</code>" in gate.html  # one tap copies it
    await ahmed.expect("What happened")
    await ahmed.send(WHAT)
    await ahmed.expect("Where?")
    await ahmed.send_location(52.39, 4.92, via_button=True)
    await ahmed.expect("Got it")
    await ahmed.press(await ahmed.expect("When did it happen"), "Just now")
    # Danger now: urgent, no question about it.
    name = await ahmed.expect("With your name")
    await ahmed.press(name, "With my name")
    preview = await ahmed.expect("Your signal for Noord")
    assert "urgent" in preview.text and "Ahmed Zwartkop" in preview.text
    await ahmed.press(preview, "📨 Send")
    await ahmed.expect("Sent to the police chief and the municipality of Noord")

    cards = {}
    for host in (karin, wim):
        card = await host.expect("Signal #")
        assert WHAT in card.text and "Ahmed Zwartkop" in card.text
        assert "told to call 112" in card.text and "urgent" in card.text
        assert "Nobody has picked it up yet" in card.text
        assert card.button_texts() == ["👀 I'll take this", "💬 Answer", "✅ Close"]
        cards[host.id] = card
    signal = (await store.open_in(world.db, [world.noord.id]))[0]
    assert signal.danger_now and signal.urgency == "urgent" and signal.latitude == 52.39

    # Karin takes it: Ahmed hears so, Wim's copy shows who took it; Wim's late press is told.
    taken = await karin.press(cards[karin.id], "👀 I'll take this")
    assert "picked it up" in (await taken.answered())["text"]
    await ahmed.expect("is being looked at by Karin (police chief)")

    async def wims_copy_shows_karin() -> bool:
        return "Being looked at by Karin" in (cards[wim.id].text or "")

    await eventually(wims_copy_shows_karin)
    assert cards[wim.id].button_texts() == ["💬 Answer", "✅ Close"]
    late = await wim.press(cards[wim.id], data=f"sig:take:{signal.id}")
    assert (await late.answered())["text"] == "Already picked up by Karin (police chief)."

    # Karin answers through the bot: Ahmed gets her words, never her number.
    await karin.press(cards[karin.id], "💬 Answer")
    await karin.expect("Type your answer to signal")
    await karin.send(ANSWER)
    await karin.expect("Sent to the member")
    answer = await ahmed.expect("Karin (police chief) answers your signal")
    assert ANSWER in answer.text and KARIN_PHONE not in answer.text
    # Ahmed replies with a detail; both hosts get it, with Answer under it.
    await ahmed.press(answer, "💬 Reply")
    await ahmed.expect("Type your reply for the police chief and the municipality")
    await ahmed.send("Ze droegen een rode tas")
    await ahmed.expect("Sent to the police chief and the municipality")
    for host in (karin, wim):
        back = await host.expect("Ahmed Zwartkop replies about signal")
        assert "Ze droegen een rode tas" in back.text and back.button_texts() == ["💬 Answer"]
    forged = await world.fatima.press(
        world.fatima.private_chat.bot_messages()[-1], data=f"sig:re:{signal.id}"
    )
    assert (await forged.answered())["text"] == "This button no longer works."

    # Karin closes it with a word; both copies lose their buttons.
    await karin.press(cards[karin.id], "✅ Close")
    await karin.expect("Type a closing word")
    await karin.send("De jongens zijn aangesproken.")
    await karin.expect("is closed")
    closed = await ahmed.expect("was closed by Karin")
    assert "De jongens zijn aangesproken." in closed.text

    async def every_copy_closed() -> bool:
        return all(
            "Closed by Karin" in (card.text or "") and not card.buttons for card in cards.values()
        )

    await eventually(every_copy_closed)
    again = await wim.press(cards[wim.id], data=f"sig:close:{signal.id}")
    assert (await again.answered())["text"] == "Already closed by Karin (police chief)."
    late_reply = await ahmed.press(answer, "💬 Reply")
    assert "That signal is closed" in (await late_reply.answered())["text"]

    acts = [
        entry.action for entry in await audit.page(world.db, world.noord.id, offset=0, limit=50)
    ]
    assert {"signal_taken", "signal_answered", "signal_closed"} <= set(acts)
    # Nothing of it anywhere else: not in the group chats, not to Fatima, Zuid or Carla.
    nowhere_but(sandbox, [ahmed, karin, wim], WHAT[:30], ANSWER, "aangesproken", "rode tas")


async def test_looks_a_photo_an_empty_what_and_a_change_before_sending_anonymously(
    world: World, sandbox: Sandbox
) -> None:
    fatima, karin = world.fatima, world.karin
    await fatima.send("/signal")
    await fatima.press(await fatima.expect("Is there danger right now"), "No")
    await fatima.expect("What happened")
    await send_photo(sandbox, fatima)
    warned = await fatima.expect("I don't keep photos")
    assert "in words" in warned.text
    voice = {"file_id": "AwAD-voice", "file_unique_id": "vo1", "duration": 4}
    sent = user_world(fatima).add_message(fatima.private_chat, fatima, extra={"voice": voice})
    sim.deliver(user_world(fatima), sent)
    await fatima.expect("I keep only typed words for a signal")
    await fatima.send("…?")
    await fatima.expect("I need a few words about what happened")
    looks = "Een donkere jongen met een hoofddoek-dragende vrouw, Marokkaans"
    await fatima.send(looks)
    await fatima.expect("What did you see them do")
    await fatima.send(looks)  # advice, not a wall: the second time it is taken
    await fatima.expect("Where?")
    await fatima.send("Skip")
    await fatima.expect("Noted")
    await fatima.expect("When did it happen")
    await fatima.send("gisteren rond 22:00")
    await fatima.press(await fatima.expect("How urgent"), "🟢 It can wait")
    await fatima.press(await fatima.expect("With your name"), "Without my name")
    preview = await fatima.expect("Your signal for Noord")
    assert "a member of Noord" in preview.text and "Fatima" not in preview.text
    assert "gisteren rond 22:00" in preview.text and "not given" in preview.text
    await fatima.press(preview, "✏️ Change")
    await fatima.press(await fatima.expect("What do you want to change"), "Where")
    await fatima.expect("Where?")
    await fatima.send("Marktplein")
    await fatima.expect("Noted")
    preview = await fatima.expect("Your signal for Noord")
    assert "Marktplein" in preview.text
    await fatima.press(preview, "📨 Send")
    await fatima.expect("Sent to the police chief")
    card = await karin.expect("Signal #")
    assert "a member of Noord" in card.text and "Fatima" not in card.text
    assert "Marktplein" in card.text and "can wait" in card.text
    kept = (await store.open_in(world.db, [world.noord.id]))[0]
    assert kept.reporter_id == fatima.id and kept.anonymous  # she still hears back
    nowhere_but(sandbox, [fatima, karin, world.wim], "Marktplein")


async def test_a_member_of_two_networks_chooses_and_a_network_without_hosts_keeps_it(
    world: World, sandbox: Sandbox
) -> None:
    """Fatima is in Noord and in West, which has no police chief or municipality contact yet:
    she picks West; the signal waits, she hears so, and the coordinators hear only that one
    waits, not what it says."""
    west = await networks.create(world.db, "West", None, world.carla.id, datetime.now(UTC))
    await given.approved(world.db, west.id, world.fatima, "key_figure", world.carla.id)
    await world.fatima.send("/signal")
    choice = await world.fatima.expect("Which network is your signal for")
    assert choice.button_texts() == ["Noord", "West", "Cancel"]
    await world.fatima.press(choice, "West")
    await world.fatima.press(await world.fatima.expect("Is there danger right now"), "No")
    await world.fatima.expect("What happened")
    await world.fatima.send("Iemand spuit graffiti op de muur van de school")
    await world.fatima.expect("Where?")
    await world.fatima.send("Skip")
    await world.fatima.press(await world.fatima.expect("When did it happen"), "Earlier today")
    await world.fatima.press(await world.fatima.expect("How urgent"), "🟢 It can wait")
    await world.fatima.press(await world.fatima.expect("With your name"), "With my name")
    await world.fatima.press(await world.fatima.expect("Your signal for West"), "📨 Send")
    await world.fatima.expect("Kept for West. It has no police chief")
    notice = await world.carla.expect("A member of West sent a signal")
    assert "graffiti" not in notice.text
    assert len(await store.open_in(world.db, [west.id])) == 1
    nowhere_but(sandbox, [world.fatima], "graffiti")


async def test_cancel_at_a_step_sends_nothing(world: World) -> None:
    ahmed = world.ahmed
    await ahmed.send("/signal")
    await ahmed.press(await ahmed.expect("Is there danger right now"), "No")
    await ahmed.expect("What happened")
    await ahmed.send(WHAT)
    await ahmed.expect("Where?")
    await ahmed.send("/cancel")
    await ahmed.expect("Your signal was discarded")
    assert await store.open_in(world.db, [world.noord.id]) == []


# --- who may do what ----------------------------------------------------------------------


async def test_permission_matrix(world: World, sandbox: Sandbox) -> None:
    """Stranger, member of another network, member, host of another network, host and
    coordinator, for /signal, /signals and a card's buttons."""
    # In the group chat /signal only points to the private chat.
    await world.karin.send("/signal", chat=world.noord_group)
    await world.noord_group.expect("works in our private chat")
    # /signal: members (hosts too) of a network; not a stranger, not a coordinator as such.
    await world.mallory.send("/signal")
    await world.mallory.expect("Only members of a network can send a signal")
    await world.carla.send("/signal")
    await world.carla.expect("Only members of a network can send a signal")
    preview = await report(world.bram, danger=False, what="Bram zag iemand een fiets stelen")
    await world.bram.press(preview, "📨 Send")
    await world.bram.expect("Sent to the police chief and the municipality of Zuid")
    await world.henk.expect("Bram zag iemand")
    preview = await report(world.ahmed, danger=False)
    await world.ahmed.press(preview, "📨 Send")
    await world.karin.expect("Signal #")
    noord = (await store.open_in(world.db, [world.noord.id]))[0]
    # A host reports too (to the other host of the network).
    preview = await report(world.wim, danger=False, what="Wim hoorde ruzie en glasgerinkel")
    await world.wim.press(preview, "📨 Send")
    await world.karin.expect("Wim hoorde ruzie")

    # /signals: the hosts of a network see its open signals, and nobody else does.
    for user in (world.mallory, world.ahmed, world.bram, world.carla):
        await user.send("/signals")
        await user.expect("Signals go to the police chief and the municipality contact")
    await world.karin.send("/signals")
    listed = await world.karin.expect("open signals")
    assert "Twee jongens" in listed.text and "Bram zag" not in listed.text
    await world.henk.send("/signals")
    listed = await world.henk.expect("open signal")
    assert "Bram zag" in listed.text and "Twee jongens" not in listed.text

    # The card's buttons, forged by everyone but the hosts of Noord, are refused.
    for user in (world.ahmed, world.fatima, world.henk, world.bram, world.carla, world.mallory):
        own = user.private_chat.bot_messages()[-1]
        for verb in ("take", "ans", "close", "show"):
            pressed = await user.press(own, data=f"sig:{verb}:{noord.id}")
            assert "Sorry" in (await pressed.answered())["text"]
    assert (await store.get(world.db, noord.id)).status == "received"  # type: ignore[union-attr]
    # Karin's "show" sends her the card again.
    own = world.karin.private_chat.bot_messages()[-1]
    await world.karin.press(own, data=f"sig:show:{noord.id}")
    again = await world.karin.expect(f"Signal #{noord.id}")
    assert "Twee jongens" in again.text
    nowhere_but(sandbox, [world.ahmed, world.karin, world.wim], "Twee jongens", "Wim hoorde")
    nowhere_but(sandbox, [world.bram, world.henk], "Bram zag")


# --- privacy ------------------------------------------------------------------------------------


async def test_forget_mydata_and_retention(world: World) -> None:
    preview = await report(world.ahmed, danger=False)
    await world.ahmed.press(preview, "📨 Send")
    card = await world.karin.expect("Signal #")
    await world.karin.press(card, "👀 I'll take this")
    await world.ahmed.expect("is being looked at")
    signal = (await store.open_in(world.db, [world.noord.id]))[0]

    await world.ahmed.send("/mydata")
    await world.ahmed.expect("Signals you sent: 1, 1 still open")
    await world.ahmed.send("/privacy")
    notice = await world.ahmed.expect("Privacy")
    await world.ahmed.press(notice, "More")  # the whole notice, in the same message
    await world.sandbox.wait_for(
        lambda: "A signal you sent, 180 days after it was closed" in (notice.text or "")
    )
    record = await privacy.export_person(world.db, world.ahmed.id)
    assert [s["what"] for s in record["signals"]] == [WHAT]
    assert "taken_by" not in record["signals"][0]  # not who handled it

    # The host forgets: the signal stays, without her id; the reporter forgets: it is gone.
    await privacy.forget_person(world.db, world.karin.id)
    kept = await store.get(world.db, signal.id)
    assert kept is not None and kept.taken_by is None
    await privacy.forget_person(world.db, world.ahmed.id)
    assert await store.get(world.db, signal.id) is None
    for table, column in (("signals", "reporter_id"), ("signals", "taken_by")):
        for user in (world.ahmed, world.karin):
            row = await world.db.fetch_one(
                f"SELECT count(*) FROM {table} WHERE {column} = ?", (user.id,)
            )
            assert row is not None and row[0] == 0
    assert not await privacy.has_data(world.db, world.ahmed.id)
    # Nor his words, anywhere: every table of the database is read.
    tables = await world.db.fetch_all("SELECT name FROM sqlite_master WHERE type = 'table'")
    for (table,) in tables:
        for row in await world.db.fetch_all(f"SELECT * FROM {table}"):
            assert WHAT[:30] not in " ".join(str(value) for value in row), table

    # Retention: a closed signal goes `signal_days` after closing, an open one stays.
    svc = services.of(world.app)
    preview = await report(world.fatima, danger=False)
    await world.fatima.press(preview, "📨 Send")
    await world.fatima.expect("Sent to")
    (left,) = await store.open_in(world.db, [world.noord.id])
    later = datetime.now(UTC) + timedelta(days=svc.settings.retention.signal_days + 1)
    assert await store.close(world.db, left.id, world.wim.id, None, datetime.now(UTC))
    counts = await retention_run_at(world, later - timedelta(days=2))
    assert counts.get("signals") == 0 and await store.get(world.db, left.id) is not None
    counts = await retention_run_at(world, later)
    assert counts.get("signals") == 1 and await store.get(world.db, left.id) is None
    assert signals.window(svc).days == svc.settings.retention.signal_days


async def retention_run_at(world: World, moment: datetime) -> dict[str, int]:
    svc = services.of(world.app)
    clock = svc.clock
    svc.clock = FixedClock(moment)  # type: ignore[assignment]
    try:
        return await retention.run(svc)
    finally:
        svc.clock = clock  # type: ignore[assignment]


class FixedClock:
    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


# --- the rules, on their own ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Een zwarte man",
        "Een slanke zwarte man van de overkant, gezien door mij",
        "Marokkaanse jongens bij de school",
        "a woman in a headscarf",
        "Drie buitenlanders",
        "Twee moslims bij het station",
        "black guy near the shop",
    ],
)
def test_looks_without_behaviour_asks_for_behaviour(text: str) -> None:
    assert names_by_looks_only(text)


@pytest.mark.parametrize(
    "text",
    [
        "Een man in een zwarte jas trapte tegen de deur en rende weg",
        "Een zwarte auto reed drie keer langs",
        "A white van with plate 12-ABC-3 stopped and a man grabbed a bag",
        "Jongens gooiden stenen naar de bus",
        "Twee witte mannen bij de achterdeur, een witte bestelbus op de hoek",
        "Ruzie op het plein, iemand riep om hulp",  # no looks at all
        "",
    ],
)
def test_behaviour_or_no_looks_passes(text: str) -> None:
    assert not names_by_looks_only(text)


def test_what_must_say_something_and_be_short() -> None:
    assert check_what("  ") is WhatProblem.EMPTY
    assert check_what("…?!") is WhatProblem.EMPTY
    assert check_what(None) is WhatProblem.EMPTY
    assert check_what("x" * (signals.MAX_WHAT + 1)) is WhatProblem.TOO_LONG
    assert check_what("  Ruzie op het plein ") == "Ruzie op het plein"


def test_the_longest_card_and_its_buttons_fit_telegram() -> None:
    """A card with every field at its longest stays within one message; the buttons' data
    within 64 bytes, with ids of 20 digits."""
    from bot.fit import LIMIT, visible_length
    from bot.i18n import translator
    from domain import signal_texts
    from storage.signals import Signal

    longest = Signal(
        id=10**19,
        network_id=1,
        reporter_id=2,
        anonymous=False,
        danger_now=True,
        what="w" * signals.MAX_WHAT,
        place="p" * signals.MAX_PLACE,
        latitude=None,
        longitude=None,
        happened="typed",
        happened_text="t" * signals.MAX_WHEN,
        urgency="urgent",
        status="closed",
        answers=99,
        created_at=datetime.now(UTC).isoformat(),
        updated_at=datetime.now(UTC).isoformat(),
        taken_by=3,
        taken_at=None,
        closed_by=3,
        closed_at=None,
        closing_word="c" * signals.MAX_WORD,
        rev=9,
    )
    name = "n" * 200
    for language in ("nl", "en"):
        _ = translator(language)
        text = signal_texts.card(_, longest, name, name, name, name, UTC)  # type: ignore[arg-type]
        assert visible_length(text) < LIMIT
        opened = Signal(**{**longest.__dict__, "status": "received"})
        for row in signal_texts.card_buttons(_, opened):
            assert all(len(button.action.encode()) <= 64 for button in row)


async def test_signals_come_in_pages_of_ten(world: World) -> None:
    now = datetime.now(UTC)
    for n in range(12):
        new = store.NewSignal(
            network_id=world.noord.id,
            reporter_id=world.ahmed.id,
            anonymous=True,
            danger_now=False,
            what=f"Signaal nummer {n}: iemand gooide een steen door een ruit",
            place=None,
            latitude=None,
            longitude=None,
            happened="today",
            happened_text=None,
            urgency="low",
        )
        await store.add(world.db, new, now)
    await world.karin.send("/signals")
    first = await world.karin.expect("12 open signals")
    assert "page 1 of 2" in first.text and first.text.count("Signaal nummer") == 10
    assert len(first.buttons) == 11 and first.button_texts()[-1] == "▶"
    before = len(first.edits)
    await world.karin.press(first, "▶")
    await world.sandbox.wait_for(lambda: len(first.edits) > before)
    assert "page 2 of 2" in first.text and first.text.count("Signaal nummer") == 2
    assert "Ahmed" not in first.text  # sent without his name


async def test_a_host_who_stops_closing_hears_the_closing_word_was_dropped(
    world: World,
) -> None:
    """/cancel after ✅ Close: the host hears what stopped in words that read, and the signal
    stays open."""
    ahmed, karin = world.ahmed, world.karin
    preview = await report(ahmed, danger=False)
    await ahmed.press(preview, "📨 Send")
    card = await karin.expect("Signal #")
    signal = (await store.open_in(world.db, [world.noord.id]))[0]
    await karin.press(card, "✅ Close")
    await karin.expect("Type a closing word")
    await karin.send("/cancel")
    stopped = await karin.expect("Stopped.")
    assert f"Your closing word for signal #{signal.id} was discarded" in stopped.text
    assert await store.open_in(world.db, [world.noord.id]) != []


async def test_at_night_only_an_urgent_signal_rings_the_hosts_phones(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    """A police chief at night: a signal that can wait (or waits for the day) comes without a
    sound; an urgent one, or one with danger at the time, rings. By day every card rings."""
    from bot.clock import ManualClock
    from tests.test_closing_reminder import arrange
    from tests.test_incident_escalation import bot

    clock = ManualClock(datetime(2026, 12, 6, 2, 0, tzinfo=UTC))  # 03:00 in Amsterdam
    async with bot(settings, clock) as app:
        chief, _mo, fatima, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)

        async def card(urgency: str, danger: bool = False) -> SimMessage:
            what = f"{urgency} {danger} {clock.now().hour}: iemand trapte tegen een deur"
            new = store.NewSignal(
                network_id,
                fatima.id,
                False,
                danger,
                what,
                "Dorpsweg",
                None,
                None,
                "now",
                None,
                urgency,
            )
            await signals.submit(svc, new)
            return await chief.expect(what)

        for urgency in ("low", "today"):
            assert (await card(urgency)).options.get("disable_notification") is True
        assert not (await card("urgent")).options.get("disable_notification")
        assert not (await card("low", danger=True)).options.get("disable_notification")
        clock.advance(timedelta(hours=10))  # 13:00
        assert not (await card("low")).options.get("disable_notification")

"""The rumour desk: a member passes on a rumour, the hosts of that network judge it and answer
the network with a counter-message; nobody but the hosts learns who raised it.

Noord: Karin (police chief), Petra (municipality), Wim and Ahmed (key figures), and its linked
group chat. Zuid: Zoe (police chief) and Bram (key figure). Carla coordinates; Mallory is a
stranger.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from bot import services
from bot.app import BotApplication, build_application, running
from bot.clock import ManualClock
from bot.fit import LIMIT, MAX_BUTTONS, visible_length
from bot.i18n import translator
from bot.settings import Settings
from domain import retention, rumours
from domain import rumour_texts as texts
from handlers import rumours as rumour_handlers
from sandbox import Sandbox, SimChat, SimMessage, SimUser
from storage import networks, people
from storage import rumours as store
from storage.database import Database
from storage.networks import Network
from tests.conftest import eventually
from tests.test_incidents import approved, linked_group

RUMOUR = "er gaat rond dat het buurthuis aan de Dorpsstraat dichtgaat"
COUNTER = "Het buurthuis blijft open. De gemeente zoekt wel een nieuwe beheerder."


@dataclass
class World:
    noord: Network
    zuid: Network
    karin: SimUser
    petra: SimUser
    wim: SimUser
    ahmed: SimUser
    zoe: SimUser
    bram: SimUser
    mallory: SimUser
    group: SimChat


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


@pytest.fixture
async def world(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> World:
    db = db_of(app)
    now = datetime.now(UTC)
    noord = await networks.create(db, "Noord", None, coordinator.id, now)
    zuid = await networks.create(db, "Zuid", None, coordinator.id, now)
    karin, petra, wim, ahmed, zoe, bram, mallory = (
        sandbox.add_user(name, language_code="en")
        for name in ("Karin", "Petra", "Wim", "Ahmed", "Zoe", "Bram", "Mallory")
    )
    mallory.started = True
    await approved(db, noord.id, karin, "police_chief", coordinator.id)
    await approved(db, noord.id, petra, "municipality", coordinator.id)
    await approved(db, noord.id, wim, "key_figure", karin.id)
    await approved(db, noord.id, ahmed, "key_figure", karin.id)
    await approved(db, zuid.id, zoe, "police_chief", coordinator.id)
    await approved(db, zuid.id, bram, "key_figure", zoe.id)
    group = await linked_group(db, sandbox, noord.id, coordinator, [karin, wim, ahmed])
    return World(noord, zuid, karin, petra, wim, ahmed, zoe, bram, mallory, group)


def all_texts(chat: SimChat) -> list[str]:
    return [m.text or "" for m in chat.resolve().bot_messages()]


async def raise_rumour(member: SimUser, text: str = RUMOUR) -> SimMessage:
    """`member` (in one network) passes on `text` up to the confirmation."""
    await member.send("/rumour")
    await member.expect("What goes round?")
    await member.send(text)
    preview = await member.expect("This goes to the police chief and the municipality")
    await (await member.press(preview, "📨 Send")).answered()
    assert member.world is not None
    await member.world.wait_for(lambda: "reached the police chief" in (preview.text or ""))
    return preview


async def wait_text(sandbox: Sandbox, message: SimMessage, part: str) -> None:
    await sandbox.wait_for(lambda: part in (message.text or ""))


# --- the story ---------------------------------------------------------------------------------


async def test_a_rumour_is_judged_and_answered_with_a_counter_message_that_never_names_the_raiser(
    app: BotApplication, sandbox: Sandbox, world: World, coordinator: SimUser
) -> None:
    wim, karin, petra = world.wim, world.karin, world.petra
    await wim.send("/rumour")  # one network: straight to the question
    await wim.expect("Only the police chief and the municipality of Noord see it")
    await wim.send("Er gaat rond dat…")
    await wim.expect("I don't see what goes round yet")
    await wim.send("x" * (rumours.TEXT_LIMIT + 1))
    await wim.expect(f"a rumour fits in {rumours.TEXT_LIMIT}")
    await wim.send(RUMOUR)
    preview = await wim.expect("This goes to the police chief and the municipality of Noord")
    assert RUMOUR in (preview.text or "")
    await (await wim.press(preview, "📨 Send")).answered()
    await wait_text(sandbox, preview, "Nobody else learns that you raised it")

    karins = await karin.expect("Rumour #")
    petras = await petra.expect("Rumour #")
    for card in (karins, petras):
        assert RUMOUR in (card.text or "") and "Passed on by Wim (key figure)" in (card.text or "")
        assert card.button_texts() == [
            "✅ True",
            "❌ Not true",
            "❔ Not known yet",
            "📣 Counter-message",
        ]

    # Karin: not true. Petra's copy shows it; Wim hears it; Petra's late press hears who.
    answer = await (await karin.press(karins, "❌ Not true")).answered()
    assert "Marked ❌ not true" in answer.get("text", "")
    await wait_text(sandbox, petras, "Verdict: ❌ not true – Karin")
    verdict = await wim.expect("looked at the rumour you passed on")
    assert "not true" in (verdict.text or "") and "Karin" not in (verdict.text or "")
    late = await (await petra.press(petras, "❌ Not true")).answered()
    assert "Already marked ❌ not true by Karin" in late.get("text", "")

    # Karin's counter-message: too long, then right, labelled, previewed, sent once.
    await (await karin.press(karins, "📣 Counter-message")).answered()
    await karin.expect("Counter-message for rumour")
    await karin.send("y" * (rumours.COUNTER_LIMIT + 1))
    await karin.expect(f"a counter-message fits in {rumours.COUNTER_LIMIT}")
    await karin.send(COUNTER)
    label = await karin.expect("May the members pass it on")
    await (await karin.press(label, "✅ May be shared")).answered()
    await wait_text(sandbox, label, "It reaches 3 members of the network")
    assert COUNTER in (label.text or "")
    await (await karin.press(label, "📣 Send to the network")).answered()
    await wait_text(sandbox, label, "on its way to 3 members of Noord")
    again = await (await karin.press(label, data="rum:cs")).answered()
    assert "no longer works" in again.get("text", "")

    for member in (wim, world.ahmed, petra):
        got = await member.expect("Counter-message · Noord")
        shown = got.text or ""
        assert COUNTER in shown and "May be shared" in shown
        assert "in your own words" in shown
        assert "Wim" not in shown and "buurthuis aan de Dorpsstraat" not in shown
    await wait_text(sandbox, petras, "Counter-message sent by Karin")
    assert "📣 Counter-message" not in petras.button_texts()
    twice = await (await petra.press(petras, data=f"rum:c:{rumour_id(karins)}")).answered()
    assert "already sent by Karin" in twice.get("text", "")

    # What reached whom: nothing in the group, nothing in Zuid, nothing for the coordinator.
    for chat in (world.group, world.zoe.private_chat, world.bram.private_chat):
        assert not [t for t in all_texts(chat) if "buurthuis" in t.lower() or "Rumour" in t]
    assert not [t for t in all_texts(coordinator.private_chat) if "umour" in t]
    # Only the hosts saw who raised it.
    assert not [t for t in all_texts(world.ahmed.private_chat) if "Wim" in t or "Dorpsstraat" in t]
    rows = await db_of(app).fetch_all("SELECT action FROM audit WHERE action LIKE '%r%'")
    assert {"rumour_judged", "counter_sent"} <= {row["action"] for row in rows}


def rumour_id(card: SimMessage) -> int:
    for row in card.buttons:
        for button in row:
            if button.callback_data and button.callback_data.startswith("rum:v:"):
                return int(button.callback_data.split(":")[2])
    raise AssertionError("no verdict button")


async def test_the_rumours_list_pages_and_judges_and_only_open_ones_stay(
    app: BotApplication, sandbox: Sandbox, world: World
) -> None:
    db = db_of(app)
    now = datetime.now(UTC)
    for i in range(rumours.PER_PAGE + 2):
        await store.add(db, world.noord.id, world.wim.id, f"ik hoorde dat er iets {i} is", now)
    await store.add(db, world.zuid.id, world.bram.id, "ik hoorde dat Zuid iets heeft", now)
    karin = world.karin
    await karin.send("/rumours")
    page = await karin.expect("Open rumours")
    assert f"1–{rumours.PER_PAGE} of {rumours.PER_PAGE + 2}" in (page.text or "")
    assert "Zuid" not in (page.text or "") and "passed on by Wim (key figure)" in (page.text or "")
    assert "▶" in page.button_texts()
    await (await karin.press(page, "▶")).answered()
    await wait_text(sandbox, page, f"6–{rumours.PER_PAGE + 2} of")
    await (await karin.press(page, "✅ #7")).answered()
    await wait_text(sandbox, page, "6–6 of 6")
    assert "#7" not in (page.text or "")
    rumour = await store.get(db, 7)
    assert rumour is not None and rumour.status == "true" and rumour.judged_by == karin.id
    await world.wim.expect("Their verdict: ✅ true")


# --- who may do what ---------------------------------------------------------------------------


async def test_permission_matrix_for_raising_reading_judging_and_answering(
    app: BotApplication, sandbox: Sandbox, world: World, coordinator: SimUser
) -> None:
    db = db_of(app)
    await people.set_language(db, coordinator.id, "en", datetime.now(UTC))
    await raise_rumour(world.wim)
    card = await world.karin.expect("Rumour #")
    rid = rumour_id(card)

    # /rumour: members of any role may; strangers and a coordinator in no network may not.
    for outsider in (world.mallory, coordinator):
        await outsider.send("/rumour")
        await outsider.expect("/rumour is for members of a network")
    await world.zoe.send("/rumour")
    await world.zoe.expect("Only the police chief and the municipality of Zuid see it")
    await world.zoe.send("/cancel")
    await world.zoe.expect("Your rumour was discarded")

    # /rumours: only the hosts of a network see its rumours.
    for outsider in (world.mallory, world.ahmed, world.bram, coordinator):
        await outsider.send("/rumours")
        await outsider.expect("/rumours is for the police chief and the municipality")
    await world.zoe.send("/rumours")
    await world.zoe.expect("No open rumours in your networks")
    await world.petra.send("/rumours")
    listed = await world.petra.expect("One open rumour")
    assert "passed on by Wim" in (listed.text or "")

    # The buttons, forged by everyone who is not a host of Noord.
    for outsider in (world.mallory, world.ahmed, world.bram, world.zoe, coordinator):
        await outsider.send("/help")
        there = await outsider.expect("/privacy")
        for data in (f"rum:v:{rid}:true", f"rum:c:{rid}", f"rum:lv:{rid}:false:0"):
            answer = await (await outsider.press(there, data=data)).answered()
            assert "Only the police chief and the municipality of Noord" in answer.get("text", "")
    rumour = await store.get(db, rid)
    assert rumour is not None and rumour.status == "open" and rumour.counter_sent_at is None

    # A coordinator reads along where the network shares members' replies: without the name.
    await networks.set_coordinators_see_replies(db, world.noord.id, True)
    await coordinator.send("/rumours")
    shown = await coordinator.expect("One open rumour")
    assert RUMOUR in (shown.text or "") and "Wim" not in (shown.text or "")
    await (await coordinator.press(shown, f"❔ #{rid}")).answered()
    rumour = await store.get(db, rid)
    assert rumour is not None and rumour.status == "unknown"
    assert rumour.judged_by == coordinator.id

    # A button for a rumour that is no longer kept.
    await store.drop_old(db, datetime(2100, 1, 1, tzinfo=UTC), 100)
    gone = await (await world.karin.press(card, "✅ True")).answered()
    assert "no longer kept" in gone.get("text", "")


# --- the group chat ----------------------------------------------------------------------------


async def test_a_rumour_typed_in_the_group_gets_one_pointer_to_the_private_chat(
    app: BotApplication, sandbox: Sandbox, world: World
) -> None:
    group = world.group
    await world.ahmed.send("Goedemorgen allemaal, mooi weer vandaag", chat=group)
    await world.ahmed.send("Ik hoorde dat de moskee dichtgaat", chat=group)
    pointer = await group.expect("Heard a rumour?")
    assert [b.url for row in pointer.buttons for b in row] == [
        f"https://t.me/{sandbox.bot_username}?start=rumour"
    ]
    await world.wim.send("Er gaan geruchten over de school", chat=group)
    await world.wim.send("/help", chat=group)
    await group.expect("I support this neighbourhood network")
    pointers = [t for t in all_texts(group) if "Heard a rumour?" in t]
    assert len(pointers) == 1  # not the greeting, and once per few minutes
    assert not [t for t in all_texts(group) if "moskee" in t]

    # The button opens the private chat with /start rumour.
    await world.ahmed.send("/start rumour")
    await world.ahmed.expect("What goes round?")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Er gaat rond dat de school sluit", True),
        ("ik heb gehoord dat er iets was", True),
        ("Is dat een gerucht?", True),
        ("I heard that the bridge is closed", True),
        ("Any rumours about the market?", True),
        ("Ik HOORDE dát: de bus rijdt niet", True),  # case and accents do not matter
        ("Ik hoor het wel, tot straks", False),
        ("Wat een geruchtmakende zaak", False),
        ("He is a rumourmonger", False),
        ("Goedemorgen, de vergadering is om acht uur", False),
        ("", False),
    ],
)
def test_looks_like_rumour(text: str, expected: bool) -> None:
    assert rumours.looks_like_rumour(text) is expected


@pytest.mark.parametrize(
    ("text", "empty"),
    [("Er gaat rond dat…", True), ("gerucht!", True), ("er gaat rond dat de bus stopt", False)],
)
def test_an_empty_rumour_is_only_its_announcing_phrase(text: str, empty: bool) -> None:
    assert rumours.is_empty(text) is empty


# --- privacy ------------------------------------------------------------------------------------


async def scan(db: Database, user_id: int, words: list[str]) -> list[str]:
    hits = []
    tables = await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    for (table,) in tables:
        for row in await db.fetch_all(f"SELECT * FROM {table}"):
            for column in row.keys():
                value = row[column]
                if value == user_id or (isinstance(value, str) and any(w in value for w in words)):
                    hits.append(f"{table}.{column} = {value!r}")
    return hits


async def test_forget_takes_what_someone_raised_and_leaves_a_sent_counter_message(
    app: BotApplication, sandbox: Sandbox, world: World
) -> None:
    db = db_of(app)
    wim, karin = world.wim, world.karin
    await raise_rumour(wim)
    answered = await karin.expect("Rumour #")
    await raise_rumour(wim, "ik hoorde dat de markt verhuist naar het plein")
    unanswered = await karin.expect("markt verhuist")
    await (await karin.press(answered, "📣 Counter-message")).answered()
    await karin.expect("Counter-message for rumour")
    await karin.send(COUNTER)
    label = await karin.expect("May the members pass it on")
    await (await karin.press(label, "🔒 Network only")).answered()
    await wait_text(sandbox, label, "Preview")
    await (await karin.press(label, "📣 Send to the network")).answered()
    got = await world.ahmed.expect("Counter-message · Noord")
    assert "Network only" in (got.text or "") and "keep this within the network" in (got.text or "")

    await wim.send("/mydata")
    summary = await wim.expect("What we keep about you")
    assert "Rumours you passed on: 2" in (summary.text or "")

    words = ["Dorpsstraat", "markt verhuist"]
    assert await scan(db, wim.id, words)
    await wim.send("/forget")
    question = await wim.expect("Delete everything we store about you?")
    await (await wim.press(question, "Yes, delete my data")).answered()
    await wait_text(sandbox, question, "everything we stored about you is deleted")

    async def forgotten() -> bool:
        return not await scan(db, wim.id, words)

    await eventually(forgotten)
    # Every host's copy says the rumour went with its raiser; the answer stays, without them.
    for card in (answered, unanswered):
        await wait_text(sandbox, card, "deleted their data, and the rumour with it")
        assert card.button_texts() == []

    async def only_the_counter_message() -> bool:
        kept = await db.fetch_all("SELECT counter_text, raised_by, text FROM rumours")
        return [tuple(row) for row in kept] == [(COUNTER, None, None), (None, None, None)]

    await eventually(only_the_counter_message)


# --- limits -------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_longest_card_list_and_counter_message_fit(language: str) -> None:
    _ = translator(language)
    network = Network(1, "N" * 200, None, None, datetime.now(UTC).isoformat())
    now = datetime.now(UTC).isoformat()
    rumour = store.Rumour(
        id=10**19,
        network_id=1,
        raised_by=1,
        text="<&" * (rumours.TEXT_LIMIT // 2),
        status="false",
        judged_by=2,
        judged_at=now,
        counter_text="&" * rumours.COUNTER_LIMIT,
        counter_label="shareable",
        counter_by=2,
        counter_sent_at=now,
        created_at=now,
        updated_at=now,
    )
    name = "W" * 64 + " (key figure)"
    card = texts.card_text(
        _,
        network,
        rumour,
        raiser=name,
        judge=name,
        judged_when="zaterdag 12 december 2026, 14:00",
        counter_by=name,
        received="zaterdag 12 december 2026, 14:00",
    )
    assert visible_length(card) <= LIMIT
    entries = [
        texts.list_entry(_, network, rumour, raiser=name, received="12 december 2026, 14:00")
        for _i in range(rumours.PER_PAGE)
    ]
    page = "\n\n".join([texts.list_head(_, 10**6, 1, 5), *entries, texts.list_foot(_)])
    assert visible_length(page) <= LIMIT
    buttons = texts.list_buttons(_, [rumour] * rumours.PER_PAGE, 9999)
    assert sum(len(row) for row in buttons) + 2 <= MAX_BUTTONS
    assert all(len(b.action.encode()) <= 64 for row in buttons for b in row)
    assert all(len(b.action.encode()) <= 64 for row in texts.card_buttons(_, rumour) for b in row)
    counter = texts.counter_message(_, network, "&" * rumours.COUNTER_LIMIT, "shareable", name)
    assert visible_length(texts.counter_preview(_, counter, 10**6)) <= LIMIT


async def test_a_network_without_hosts_keeps_no_rumour_and_says_whom_to_tell(
    app: BotApplication, sandbox: Sandbox, coordinator: SimUser
) -> None:
    db = db_of(app)
    oost = await networks.create(db, "Oost", None, coordinator.id, datetime.now(UTC))
    lone = sandbox.add_user("Lone", language_code="en")
    await approved(db, oost.id, lone, "key_figure", coordinator.id)
    sent = await raise_rumour_expecting(lone, "Oost has no police chief or municipality")
    assert "Please tell a coordinator" in (sent.text or "")
    assert await db.fetch_all("SELECT * FROM rumours") == []


async def raise_rumour_expecting(member: SimUser, part: str) -> SimMessage:
    await member.send("/rumour")
    await member.expect("What goes round?")
    await member.send(RUMOUR)
    preview = await member.expect("This goes to the police chief and the municipality")
    await (await member.press(preview, "📨 Send")).answered()
    assert member.world is not None
    await member.world.wait_for(lambda: part in (preview.text or ""))
    return preview


async def test_the_retention_job_deletes_a_rumour_its_window_after_its_last_change(
    app: BotApplication, world: World
) -> None:
    svc = services.of(app)
    db = db_of(app)
    now = svc.clock.now()
    window = timedelta(days=svc.settings.retention.rumour_days)
    old = await store.add(
        db, world.noord.id, world.wim.id, "ik hoorde dat het oud is", now - window
    )
    fresh = await store.add(db, world.noord.id, world.wim.id, "ik hoorde dat het nieuw is", now)
    counts = await retention.run(svc)
    assert counts["rumours"] == 1
    assert await store.get(db, old.id) is None
    assert await store.get(db, fresh.id) is not None


async def test_a_member_of_two_networks_chooses_one_and_only_its_hosts_get_the_rumour(
    app: BotApplication, sandbox: Sandbox, world: World, coordinator: SimUser
) -> None:
    ahmed = world.ahmed
    await approved(db_of(app), world.zuid.id, ahmed, "key_figure", world.zoe.id)
    await ahmed.send("/rumour ik hoorde dat de markt op het plein stopt")  # typed at once
    which = await ahmed.expect("About which network is the rumour?")
    assert which.button_texts() == ["Noord", "Zuid", "Cancel"]
    await (await ahmed.press(which, "Zuid")).answered()
    preview = await ahmed.expect("This goes to the police chief and the municipality of Zuid")
    await (await ahmed.press(preview, "📨 Send")).answered()
    await wait_text(sandbox, preview, "Nobody else learns that you raised it")
    card = await world.zoe.expect("Rumour #")
    assert "markt op het plein" in (card.text or "") and "Ahmed" in (card.text or "")
    for elsewhere in (world.karin, world.petra, world.wim, world.bram):
        assert not [t for t in all_texts(elsewhere.private_chat) if "markt" in t]
    assert not [t for t in all_texts(world.group) if "markt" in t]


async def test_a_copy_telegram_would_not_edit_shows_the_verdict_after_a_restart(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    karin, petra, wim = (sandbox.add_user(n, language_code="en") for n in ("Karin", "Petra", "Wim"))
    async with running(build_application(settings)) as app:
        db = db_of(app)
        noord = await networks.create(db, "Noord", None, coordinator.id, datetime.now(UTC))
        await approved(db, noord.id, karin, "police_chief", coordinator.id)
        await approved(db, noord.id, petra, "municipality", coordinator.id)
        await approved(db, noord.id, wim, "key_figure", karin.id)
        await raise_rumour(wim)
        karins, petras = await karin.expect("Rumour #"), await petra.expect("Rumour #")

        async def recorded() -> bool:
            return len(await db.fetch_all("SELECT * FROM rumour_cards")) == 2

        await eventually(recorded)
        sandbox.faults.fail_next("editMessageText", chat_id=petra.id, times=1000)
        await (await karin.press(karins, "❌ Not true")).answered()
        await wait_text(sandbox, karins, "Verdict: ❌ not true – Karin")
        await wim.expect("Their verdict")
    assert "not judged yet" in (petras.text or "")  # Telegram did not take the edit

    sandbox.faults.clear()
    async with running(build_application(settings)):
        await wait_text(sandbox, petras, "Verdict: ❌ not true – Karin")


async def test_the_group_hears_the_pointer_again_only_after_the_pause(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(datetime.now(UTC))
    ahmed = sandbox.add_user("Ahmed", language_code="en")
    async with running(build_application(settings, clock=clock)) as app:
        db = db_of(app)
        noord = await networks.create(db, "Noord", None, coordinator.id, datetime.now(UTC))
        await approved(db, noord.id, ahmed, "key_figure", coordinator.id)
        group = await linked_group(db, sandbox, noord.id, coordinator, [ahmed])

        def pointers() -> int:
            return sum("Heard a rumour?" in t for t in all_texts(group))

        await ahmed.send("I heard that the bridge closes", chat=group)
        await sandbox.wait_for(lambda: pointers() == 1)
        clock.advance(rumour_handlers.POINTER_PAUSE - timedelta(seconds=1))
        await ahmed.send("More rumours about the bridge", chat=group)
        await ahmed.send("/help", chat=group)
        await group.expect("I support this neighbourhood network")
        assert pointers() == 1
        clock.advance(timedelta(seconds=2))
        await ahmed.send("I heard that the bridge is closed for a month", chat=group)
        await sandbox.wait_for(lambda: pointers() == 2)


async def test_a_screenshot_sent_as_the_rumour_is_not_kept_and_the_member_is_asked_for_words(
    world: World, sandbox: Sandbox
) -> None:
    """A rumour often arrives as a screenshot from another chat, or a photo of someone: it is
    not kept and goes to nobody; the member hears why and types the rumour in words."""
    from tests.test_signals import send_photo

    wim, karin = world.wim, world.karin
    await wim.send("/rumour")
    await wim.expect("What goes round?")
    await send_photo(sandbox, wim)
    warned = await wim.expect("I don't keep photos")
    assert "in words" in (warned.text or "")
    assert "/help" not in (warned.text or "")
    await wim.send(RUMOUR)  # the rumour's flow is still open: the words are taken
    await wim.expect("This goes to the police chief and the municipality")
    assert not any("photo" in t for t in all_texts(karin.private_chat))


async def test_at_night_a_rumour_and_a_counter_message_come_without_a_sound(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    """A rumour is never an emergency: at three at night the hosts' copies, the members'
    counter-message and the verdict to who raised it arrive quietly; by day they ring."""
    from tests.test_closing_reminder import arrange
    from tests.test_incident_escalation import bot

    clock = ManualClock(datetime(2026, 12, 6, 2, 0, tzinfo=UTC))  # 03:00 in Amsterdam
    async with bot(settings, clock) as app:
        chief, _mo, fatima, network_id = await arrange(app, sandbox, coordinator)
        svc = services.of(app)
        noord = await networks.get(svc.database, network_id)
        assert noord is not None
        raised = await rumours.raise_rumour(svc, noord, fatima.id, RUMOUR)
        assert raised.rumour is not None
        copy = await chief.expect("dichtgaat")
        assert copy.options.get("disable_notification") is True
        await rumours.send_counter(svc, raised.rumour, COUNTER, "network", chief.id)
        counter = await fatima.expect("Het buurthuis blijft open")
        assert counter.options.get("disable_notification") is True
        await rumours.judge(svc, raised.rumour, "false", chief.id)  # Fatima hears the verdict
        verdict = await fatima.expect("Their verdict")
        assert verdict.options.get("disable_notification") is True

        clock.advance(timedelta(hours=10))  # 13:00
        later = await rumours.raise_rumour(svc, noord, fatima.id, RUMOUR + " in mei")
        assert later.rumour is not None
        by_day = await chief.expect("in mei")
        assert not by_day.options.get("disable_notification")

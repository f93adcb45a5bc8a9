"""Talents and reach: a member keeps three short lists in /profile (what they can do, what they
want to learn, whom they reach); the lists live as long as a membership, /mydata shows them
and /forget removes them. The matching behind /whocan is a pure function, tested here too."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.fit import LIMIT, visible_length
from bot.i18n import translator
from bot.settings import Settings
from domain import profile, retention, talents
from domain.talents import Kind, Problem, score, stem, terms
from sandbox import Sandbox, SimMessage, SimUser
from storage import memberships, networks
from storage import talents as store
from storage.database import Database
from storage.memberships import Membership
from storage.networks import Network
from storage.talents import Talent
from tests.given import approved
from tests.test_forget_everywhere import scan_tables
from tests.test_meetings import bot

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# --- matching: a pure function ------------------------------------------------------------


@pytest.mark.parametrize(
    ("need", "item"),
    [
        ("arabisch", "Arabisch vertalen"),
        ("ARABISCH", "arabisch"),
        ("Arabic", "Arabisch vertalen"),  # the same stem across the languages
        ("vertaal", "Arabisch vertalen"),  # a doubled vowel and a verb ending
        ("moskee", "de Moskeeën van Noord"),  # accents and a plural
        ("fiets", "fietsenmaker"),  # a Dutch compound starts with the need
        ("fietsenmaker", "fiets repareren"),  # ... and the other way round
        ("translating", "translation into Turkish"),
        ("koken", "kook graag"),
        ("EHBO", "ehbo-diploma"),
        ("iemand die Arabisch kan", "Arabisch"),  # the words around the need are let go
    ],
)
def test_a_need_matches_an_item_whatever_its_form(need: str, item: str) -> None:
    assert score(terms(need), item) > 0


@pytest.mark.parametrize(
    ("need", "item"),
    [
        ("arabisch", "Turks"),
        ("kok", "kookboek schrijven"),  # three letters: only the word itself
        ("de", "de moskee"),  # a word that says nothing finds nothing
        ("voetbal", "basketbal"),
        ("IT", "wit schilderen"),  # never inside a word
    ],
)
def test_a_need_does_not_match_what_it_is_not(need: str, item: str) -> None:
    assert score(terms(need), item) == 0


def test_more_words_of_the_need_score_higher_and_stems_fold_forms() -> None:
    need = terms("Arabisch vertalen")
    assert score(need, "Arabisch vertalen") == 2
    assert score(need, "Arabische les") == 1
    assert stem("vertalen") == stem("vertaal") == "vertal"
    assert terms("de het een iemand die kan helpen") == ()
    assert terms("Moskeeën, moskee") == ("moske",)


def test_typed_items_are_split_tidied_and_checked() -> None:
    assert talents.items_of(" Arabisch  vertalen, koken;\n EHBO ,koken") == [
        "Arabisch vertalen",
        "koken",
        "EHBO",
    ]
    assert talents.items_of(" , ;\n") is Problem.EMPTY
    assert talents.items_of("kort, " + "x" * 61) is Problem.TOO_LONG  # all or nothing
    assert talents.items_of("x" * 60) == ["x" * 60]
    assert talents.need_of("  fiets \n repareren ") == "fiets repareren"
    assert talents.need_of("   ") is Problem.EMPTY
    assert talents.need_of("x" * 61) is Problem.TOO_LONG


def test_buttons_fit_in_64_bytes_or_are_not_offered() -> None:
    _ = translator("nl")
    for need in ("arabisch", "x" * 54, "é" * 27):
        rows = talents.answer_keyboard(_, need)
        assert rows and all(len(b.action.encode()) <= 64 for row in rows for b in row)
    assert talents.answer_keyboard(_, "é" * 40) == []  # 80 bytes: /profile instead
    for what in profile.LISTS:
        assert len(profile.data(2**63, what, f"x{2**63}").encode()) <= 64
    assert profile.removal_of("x12") == 12
    assert profile.removal_of("x") is None and profile.removal_of("xa1") is None


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_card_and_the_lists_at_their_longest_fit_one_message(language: str) -> None:
    _ = translator(language)
    network = Network(1, "N" * 200, "A" * 200, None, START.isoformat())
    longest = Membership(
        network_id=1,
        user_id=1,
        role="municipality",
        status="approved",
        intake_step=None,
        display_name="&" * 64,
        organisation="<" * 300,
        reach=">" * 300,
        phone="+" + "9" * 30,
        phone_to_hosts=True,
        phone_to_members=True,
        diet="é" * 300,
        consent_at=None,
        invite_id=None,
        submitted_at=None,
        decided_by=None,
        decided_at=None,
        joined_at=None,
        last_active_at=None,
        removed_at=None,
        removed_by=None,
    )
    full = {
        kind: [Talent(i, 1, kind, "&" * talents.ITEM_LIMIT, "") for i in range(talents.MOST)]
        for kind in Kind
    }
    card = profile.card_text(_, network, longest, profile.saved_text(_), talents=full)
    assert visible_length(card) < LIMIT
    for what, kind in profile.LISTS.items():
        note = talents.added_text(_, kind, ["&" * 60] * 10, ["&" * 60] * 10)
        text, rows = profile.list_step(_, network, what, full[kind], note, ">" * 300)
        assert visible_length(text) < LIMIT
        assert sum(len(row) for row in rows) <= 100


# --- the lists in /profile, end to end ----------------------------------------------------


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[BotApplication]:
    async with bot(settings, clock) as application:
        yield application


def db_of(app: BotApplication) -> Database:
    return services.of(app).database


@dataclass
class Noord:
    network: Network
    ahmed: SimUser  # a key figure, English
    karin: SimUser  # the police chief, Dutch


@pytest.fixture
async def noord(app: BotApplication, sandbox: Sandbox, coordinator: SimUser) -> Noord:
    db = db_of(app)
    network = await networks.create(db, "Noord", None, coordinator.id, START)
    ahmed = sandbox.add_user("Ahmed", language_code="en")
    karin = sandbox.add_user("Karin", language_code="nl")
    await approved(db, network.id, karin, "police_chief", coordinator.id)
    await approved(db, network.id, ahmed, "key_figure", coordinator.id)
    await memberships.save_details(db, network.id, ahmed.id, START, {"reach": "moskee, jongeren"})
    return Noord(network, ahmed, karin)


async def tap(user: SimUser, message: SimMessage, label: str) -> dict[str, object]:
    return await (await user.press(message, label)).answered()


async def changed(sandbox: Sandbox, card: SimMessage, shown: str) -> None:
    await sandbox.wait_for(lambda: shown in (card.text or ""))


async def texts_of(app: BotApplication, user: SimUser) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {kind: [] for kind in store.KINDS}
    for item in await store.of_user(db_of(app), user.id):
        found[item.kind].append(item.text)
    return found


async def test_a_member_keeps_three_lists_on_the_card(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    ahmed = noord.ahmed
    await ahmed.send("/profile")
    card = await ahmed.expect("Your details in Noord")
    for shown in ("What you bring", "You can: –", "You want to learn: –", "You reach: –"):
        assert shown in card.text

    # What he can do: several at once, tidied, each once.
    await tap(ahmed, card, "🙋 I can")
    await changed(sandbox, card, "What can you do?")
    assert "The members of all your networks see these with your name" in card.text
    assert card.button_texts() == ["◀️ Back"]
    await ahmed.send("Arabisch vertalen,  koken ; arabisch VERTALEN")
    await changed(sandbox, card, "✓ On your list “What I can do”: Arabisch vertalen, koken.")
    assert "1. Arabisch vertalen\n2. koken" in card.text
    assert card.button_texts() == ["🗑 Arabisch vertalen", "🗑 koken", "◀️ Back"]
    # Still open: another item, and one he had already.
    await ahmed.send("EHBO")
    await changed(sandbox, card, "3. EHBO")
    await ahmed.send("Koken")
    await changed(sandbox, card, "“Koken” was already on your list")
    assert (await texts_of(app, ahmed))["can"] == ["Arabisch vertalen", "koken", "EHBO"]

    # Removed with its button; a second tap on the same (now gone) item changes nothing.
    await tap(ahmed, card, "🗑 koken")
    await changed(sandbox, card, "🗑 Removed: koken.")
    assert card.button_texts() == ["🗑 Arabisch vertalen", "🗑 EHBO", "◀️ Back"]
    gone = await store.of_user(db_of(app), ahmed.id)
    assert [t.text for t in gone] == ["Arabisch vertalen", "EHBO"]
    stale = f"prof:{noord.network.id}:can:x{gone[0].id + 100}"
    await (await ahmed.press(card, data=stale)).answered()
    await changed(sandbox, card, "That item was already gone.")

    # Whom he reaches: the list offers what he wrote in his application as a start.
    await tap(ahmed, card, "◀️ Back")
    await changed(sandbox, card, "You can: Arabisch vertalen · EHBO")
    await tap(ahmed, card, "🤝 I reach")
    await changed(sandbox, card, "In your application you wrote: “moskee, jongeren”")
    await ahmed.send("de moskee")
    await changed(sandbox, card, "1. de moskee")
    assert "In your application you wrote" not in card.text
    # What he wants to learn.
    await tap(ahmed, card, "◀️ Back")
    await changed(sandbox, card, "You reach: de moskee")
    await tap(ahmed, card, "📚 I'd learn")
    await changed(sandbox, card, "What would you like to learn?")
    await ahmed.send("Nederlandse les geven")
    await changed(sandbox, card, "1. Nederlandse les geven")
    await ahmed.send("/cancel")
    await ahmed.expect("Closed: your list is as shown.")
    await changed(sandbox, card, "You want to learn: Nederlandse les geven")
    assert "You reach: de moskee" in card.text
    assert await texts_of(app, ahmed) == {
        "can": ["Arabisch vertalen", "EHBO"],
        "learn": ["Nederlandse les geven"],
        "reach": ["de moskee"],
    }
    await ahmed.send("nog iets")  # the list is closed: typing adds nothing
    await ahmed.expect("I work with commands and buttons")
    assert len(await store.of_user(db_of(app), ahmed.id)) == 4


async def test_bad_items_get_the_reason_and_a_full_list_takes_nothing(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    karin = noord.karin  # in Dutch
    await karin.send("/profile")
    card = await karin.expect("Je gegevens in Noord")
    await tap(karin, card, "🙋 Ik kan")
    await changed(sandbox, card, "Wat kun je?")
    await karin.send("kort, " + "x" * 61)
    refused = await karin.expect("per onderdeel")
    assert "60" in refused.text
    await karin.send(" , ")
    await karin.expect("Ik zie geen antwoord")
    assert await store.of_user(db_of(app), karin.id) == []
    await karin.send(", ".join(f"vak {n}" for n in range(1, 10)))
    await changed(sandbox, card, "9. vak 9")
    await karin.send("vak 10, vak 11")  # two more would make eleven: none is added
    full = await karin.expect("hoogstens 10")
    assert "/profile" in full.text
    assert len(await store.of_user(db_of(app), karin.id)) == 9
    await karin.send("vak 10")
    await changed(sandbox, card, "De lijst is vol (10)")
    assert len(await store.of_user(db_of(app), karin.id)) == 10
    # Markup is shown as typed.
    await tap(karin, card, "🗑 vak 1")
    await changed(sandbox, card, "Weggehaald: vak 1")
    await karin.send("<b>bold</b> & co")
    await changed(sandbox, card, "<b>bold</b> & co")
    assert card.html is not None and "&lt;b&gt;bold&lt;/b&gt; &amp; co" in card.html


# --- privacy: as long as a membership, /mydata, /forget -------------------------------------


async def test_the_lists_go_with_the_last_membership_and_nobody_else_can_touch_them(
    app: BotApplication, sandbox: Sandbox, noord: Noord, coordinator: SimUser
) -> None:
    db = db_of(app)
    ahmed, karin = noord.ahmed, noord.karin
    zuid = await networks.create(db, "Zuid", None, coordinator.id, START)
    await approved(db, zuid.id, ahmed, "key_figure", coordinator.id)
    await store.add(db, ahmed.id, "can", ["Arabisch vertalen"], START, 10)
    mine = await store.of_user(db, ahmed.id)
    # Karin cannot remove his item with a forged button of her own card.
    await karin.send("/profile")
    card = await karin.expect("Je gegevens in Noord")
    await (await karin.press(card, data=f"prof:{noord.network.id}:can:x{mine[0].id}")).answered()
    await changed(sandbox, card, "Dat item was al weg.")
    assert await store.of_user(db, ahmed.id) == mine

    # He leaves Noord: he is still in Zuid, so his lists stay.
    await ahmed.send("/leave Noord")
    question = await ahmed.expect("Leave Noord?")
    await tap(ahmed, question, "Yes, leave")
    await sandbox.wait_for(lambda: "You have left Noord." in (question.text or ""))
    assert await store.of_user(db, ahmed.id) == mine
    # Out of Zuid as well (removed by the coordinator): nothing of them is left.
    await carla_removes(app, zuid.id, ahmed.id, coordinator.id)
    assert await store.of_user(db, ahmed.id) == []
    # And a non-member cannot store any (a list step kept open from before, for instance).
    outcome, _new = await store.add(db, ahmed.id, "can", ["koken"], START, 10)
    assert outcome is store.Added.NOT_MEMBER
    assert await store.of_user(db, ahmed.id) == []


async def carla_removes(app: BotApplication, network_id: int, user_id: int, by: int) -> None:
    from domain import removal

    await removal.take_out(services.of(app), network_id, user_id, by)


async def test_the_retention_job_deletes_lists_no_membership_carries(
    app: BotApplication, noord: Noord
) -> None:
    db = db_of(app)
    await store.add(db, noord.ahmed.id, "reach", ["de moskee"], START, 10)
    await store.add(db, noord.karin.id, "can", ["EHBO"], START, 10)
    # A membership ended by a path that forgot the lists (an older version, a manual fix).
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE memberships SET status = 'removed', removed_at = ? WHERE user_id = ?",
            (START.isoformat(), noord.ahmed.id),
        )
    counts = await retention.run(services.of(app))
    assert counts["talents"] == 1
    assert await store.of_user(db, noord.ahmed.id) == []
    assert [t.text for t in await store.of_user(db, noord.karin.id)] == ["EHBO"]


async def test_mydata_shows_the_lists_and_forget_removes_them(
    app: BotApplication, sandbox: Sandbox, noord: Noord
) -> None:
    db = db_of(app)
    ahmed = noord.ahmed
    await store.add(db, ahmed.id, "can", ["Arabisch vertalen", "koken"], START, 10)
    await store.add(db, ahmed.id, "reach", ["de moskee"], START, 10)
    await ahmed.send("/mydata")
    summary = await ahmed.expect("What we keep about you")
    assert "What you bring: 2 things you can do, 0 to learn, 1 community you reach" in (
        summary.text
    )
    file = await ahmed.expect("Everything we keep about you, as a file")
    assert file.file is not None
    record = json.loads(file.file)
    assert record["what_you_can_do_want_to_learn_and_reach"] == [
        {"list": "can", "item": "Arabisch vertalen", "added_at": START.isoformat()},
        {"list": "can", "item": "koken", "added_at": START.isoformat()},
        {"list": "reach", "item": "de moskee", "added_at": START.isoformat()},
    ]

    await ahmed.send("/privacy")
    notice = await ahmed.expect("Privacy")
    await tap(ahmed, notice, "More")
    await changed(sandbox, notice, "the members of your networks find them with /whocan")

    await ahmed.send("/forget")
    question = await ahmed.expect("Delete everything we store about you?")
    await tap(ahmed, question, "Yes, delete my data")
    await sandbox.wait_for(lambda: "everything we stored about you is deleted" in question.text)
    await services.of(app).dispatcher.idle()
    assert await store.of_user(db, ahmed.id) == []
    left = await scan_tables(db, ahmed, "+31600000000")
    assert not [hit for hit in left if "talents" in hit], left
    # His items are nowhere: not in any table, not in a message the bot keeps.
    tables = await db.fetch_all(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    )
    for (table,) in tables:
        for row in await db.fetch_all(f"SELECT * FROM {table}"):
            for value in row:
                if isinstance(value, str):
                    assert "Arabisch vertalen" not in value and "de moskee" not in value, table

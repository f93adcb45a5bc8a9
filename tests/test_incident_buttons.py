"""The buttons under an alert's status message: update, close, who has not seen it.

The sender's live status message (and /incident's view) carries 🔁 Update, ✅ Close and
👀 Who has not seen it through every edit; a closed alert keeps only the list. Typed text only
where a host writes prose: the update and the closing word, each with a preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from bot import services
from bot.app import BotApplication
from bot.fit import LIMIT, visible_length
from bot.i18n import translator
from domain.alert_texts import not_seen_page
from domain.alerts import send_alert
from sandbox import Sandbox, SimChat, SimMessage, SimUser
from storage import incidents as store
from storage import memberships, networks
from storage.database import Database
from storage.incidents import Recipient
from tests import given
from tests.test_incidents import REFUSAL, approved, linked_group, texts
from tests.test_texts_fit import NAME, refused

STATUS = ["🔁 Update", "✅ Close", "👀 Who has not seen it"]
STATUS_NL = ["🔁 Aanvullen", "✅ Afsluiten", "👀 Wie heeft het nog niet gezien?"]
CLOSED = ["👀 Who has not seen it"]
NOT_OPEN = "This question is no longer open"


@dataclass
class Network:
    id: int
    chief: SimUser
    alderman: SimUser  # the municipality contact: a host too
    fatima: SimUser  # key figure who shared her phone number
    ahmed: SimUser
    group: SimChat


@pytest.fixture
def db(app: BotApplication) -> Database:
    return services.of(app).database


@pytest.fixture
async def noord(db: Database, sandbox: Sandbox, coordinator: SimUser) -> Network:
    network = await networks.create(db, "Noord", None, coordinator.id, datetime.now(UTC))
    chief = sandbox.add_user("Karin", language_code="en")
    alderman = sandbox.add_user("Wim", language_code="en")
    fatima = sandbox.add_user("Fatima", language_code="en")
    ahmed = sandbox.add_user("Ahmed", language_code="en")
    await approved(db, network.id, chief, "police_chief", coordinator.id)
    await approved(db, network.id, alderman, "municipality", coordinator.id)
    await approved(db, network.id, fatima, "key_figure", coordinator.id, phone="+31 6 1234 5678")
    await approved(db, network.id, ahmed, "key_figure", coordinator.id)
    group = await linked_group(db, sandbox, network.id, coordinator, [chief, fatima, ahmed])
    return Network(network.id, chief, alderman, fatima, ahmed, group)


async def alert(
    app: BotApplication, noord: Network, text: str, sender: SimUser | None = None
) -> int:
    """An urgent alert sent as pressing Send does."""
    by = sender or noord.chief
    return await send_alert(services.of(app), by.id, [noord.id], "urgent", "network_only", text)


async def wait_text(message: SimMessage, part: str) -> None:
    assert message.chat.world is not None
    await message.chat.world.wait_for(lambda: part in (message.text or ""), timeout=15)


def short_data(message: SimMessage) -> bool:
    return all(len((b.callback_data or "").encode()) <= 64 for row in message.buttons for b in row)


# --- the status message --------------------------------------------------------------------


async def test_the_status_message_keeps_its_buttons_through_every_edit(
    app: BotApplication, sandbox: Sandbox, noord: Network
) -> None:
    await alert(app, noord, "Unrest at the station.")
    status = await noord.chief.expect("Alert #1")
    assert status.button_texts() == STATUS and short_data(status)
    members_copy = await noord.fatima.expect("Unrest at the station.")
    await (await noord.fatima.press(members_copy, "✅ Seen")).answered()
    await wait_text(status, "acknowledged 1")  # only an edit can say so
    assert status.button_texts() == STATUS
    # Nobody else gets the hosts' buttons.
    for chat in (noord.group, noord.fatima.private_chat):
        assert not any("🔁 Update" in m.button_texts() for m in chat.bot_messages())


async def test_the_sender_updates_from_the_status_message_with_a_preview(
    app: BotApplication, noord: Network
) -> None:
    chief, fatima = noord.chief, noord.fatima
    await alert(app, noord, "Unrest at the station.")
    status = await chief.expect("Alert #1")
    members_copy = await fatima.expect("Unrest at the station.")
    await (await chief.press(status, "🔁 Update")).answered()
    ask = await chief.expect("Type what is new")
    assert "Update to alert #1 (“Unrest at the station.”)" in (ask.text or "")
    assert ask.button_texts() == ["Cancel"]

    await chief.send("The suspect was arrested.")
    preview = await chief.expect("Preview")
    assert "this update goes to everyone who got alert #1" in (preview.text or "")
    assert "The suspect was arrested." in (preview.text or "")
    assert "It reaches 3 people and 1 group chat." in (preview.text or "")
    assert preview.button_texts() == ["📤 Send", "Cancel"] and short_data(preview)
    await chief.send("The suspect was arrested. The square is open again.")  # a new version
    newer = await chief.expect("Preview")
    older = await (await chief.press(preview, "📤 Send")).answered()
    assert older["show_alert"] and "newer preview" in older["text"]

    await (await chief.press(newer, "📤 Send")).answered()
    await wait_text(newer, "Update to alert #1 is on its way")
    update = await fatima.expect("The square is open again.")
    assert update.reply_to is not None and update.reply_to.message_id == members_copy.message_id
    await noord.group.expect("The square is open again.")
    twice = await (await chief.press(newer, data="inc:usend:1:2")).answered()
    assert NOT_OPEN in twice["text"]
    assert sum("arrested" in t for t in texts(fatima.private_chat)) == 1
    assert status.button_texts() == STATUS  # the status message itself stays as it was


async def test_another_host_closes_with_a_word_from_incident_then_buttons_know_it_is_closed(
    app: BotApplication, sandbox: Sandbox, db: Database, noord: Network
) -> None:
    chief, alderman, fatima = noord.chief, noord.alderman, noord.fatima
    await alert(app, noord, "Fire in the community centre.")
    status = await chief.expect("Alert #1")
    await alderman.send("/incident 1")
    report = await alderman.expect("Alert #1 ·")
    assert report.button_texts() == STATUS

    await (await alderman.press(report, "✅ Close")).answered()
    ask = await alderman.expect("Close alert #1")
    assert ask.button_texts() == ["✅ Close without a word", "Cancel"]
    await alderman.send("The fire is out. Thank you all.")
    preview = await alderman.expect("Preview")
    assert "alert #1 is closed with this word" in (preview.text or "")
    assert preview.button_texts() == ["✅ Close and send", "Cancel"]
    await (await alderman.press(preview, "✅ Close and send")).answered()
    await wait_text(preview, "Alert #1 is closed; the closing words are on their way.")
    closing = await fatima.expect("The fire is out.")
    assert closing.reply_to is not None
    incident = await store.get(db, 1)
    assert incident is not None and not incident.is_open and incident.closed_by == alderman.id

    # The sender's status message turns closed and keeps only the list.
    await wait_text(status, "🔒 Alert #1 is closed")
    assert status.button_texts() == CLOSED
    # Older buttons pressed after the close.
    late_update = await (await alderman.press(report, "🔁 Update")).answered()
    assert late_update["show_alert"] and "closed already" in late_update["text"]
    late_close = await (await alderman.press(report, "✅ Close")).answered()
    assert "was closed already" in late_close["text"]
    late_confirm = await (await alderman.press(ask, "✅ Close without a word")).answered()
    assert "was closed already" in late_confirm["text"]
    await (await chief.press(status, "👀 Who has not seen it")).answered()
    listing = await chief.expect("👀 Alert #1")
    assert "3 of 3 have not seen it yet." in (listing.text or "")
    # /incident of a closed alert: the list only.
    await alderman.send("/incident 1")
    closed_report = await alderman.expect("Alert #1 ·")
    assert closed_report.button_texts() == CLOSED


async def test_the_sender_closes_without_a_word(
    app: BotApplication, sandbox: Sandbox, db: Database, noord: Network
) -> None:
    chief = noord.chief
    await alert(app, noord, "Power cut downtown.")
    status = await chief.expect("Alert #1")
    await noord.fatima.expect("Power cut downtown.")
    await (await chief.press(status, "✅ Close")).answered()
    ask = await chief.expect("Close alert #1")
    await (await chief.press(ask, "✅ Close without a word")).answered()
    await wait_text(ask, "✅ Alert #1 is closed. No more reminders go out.")
    assert ask.button_texts() == []
    await wait_text(status, "🔒 Alert #1 is closed")
    assert status.button_texts() == CLOSED
    await services.of(app).dispatcher.idle()
    assert not any("Closed" in t for t in texts(noord.fatima.private_chat))  # no word, no post


# --- who may press them --------------------------------------------------------------------


async def test_a_member_and_a_host_who_is_no_longer_one_are_refused(
    app: BotApplication, db: Database, noord: Network, coordinator: SimUser
) -> None:
    chief, fatima = noord.chief, noord.fatima
    await alert(app, noord, "Unrest at the station.")
    status = await chief.expect("Alert #1")
    members_copy = await fatima.expect("Unrest at the station.")
    for data in (
        "inc:upd:1",
        "inc:close:1",
        "inc:who:1",
        "inc:whop:1:0",
        "inc:usend:1:1",
        "inc:csend:1:1",
        "inc:cnow:1",
    ):
        answer = await (await fatima.press(members_copy, data=data)).answered()
        assert answer["show_alert"] and REFUSAL in answer["text"], data
    forged = await (await fatima.press(members_copy, data="inc:whop:1")).answered()
    assert "no longer works" in forged["text"]
    assert not any("👀" in t for t in texts(fatima.private_chat))

    await memberships.remove(db, noord.id, chief.id, coordinator.id, datetime.now(UTC))
    for label in STATUS:
        answer = await (await chief.press(status, label)).answered()
        assert REFUSAL in answer["text"], label
    incident = await store.get(db, 1)
    assert incident is not None and incident.is_open


# --- the conversation ----------------------------------------------------------------------


async def test_cancel_stops_an_update_and_a_close_and_their_buttons_no_longer_act(
    app: BotApplication, db: Database, noord: Network
) -> None:
    chief = noord.chief
    await alert(app, noord, "Unrest at the station.")
    status = await chief.expect("Alert #1")
    await (await chief.press(status, "🔁 Update")).answered()
    await chief.expect("Type what is new")
    await chief.send("Never mind this one.")
    preview = await chief.expect("Preview")
    await chief.send("/cancel")
    await chief.expect("Your update to alert #1")
    late = await (await chief.press(preview, "📤 Send")).answered()
    assert NOT_OPEN in late["text"]
    await chief.send("Typed after the cancel.")
    await chief.expect("I work with commands and buttons")  # no flow takes it any more

    await (await chief.press(status, "✅ Close")).answered()
    ask = await chief.expect("Close alert #1")
    await (await chief.press(ask, "Cancel")).answered()
    await chief.expect("Closing alert #1")
    await chief.private_chat.world.wait_for(lambda: ask.buttons == [])  # type: ignore[union-attr]
    forged = await (await chief.press(ask, data="inc:cnow:1")).answered()
    assert NOT_OPEN in forged["text"]
    await services.of(app).dispatcher.idle()
    assert not any("Never mind" in t for t in texts(noord.fatima.private_chat))
    incident = await store.get(db, 1)
    assert incident is not None and incident.is_open


async def test_update_typed_alone_asks_for_the_text_after_a_choice(
    app: BotApplication, noord: Network
) -> None:
    chief, fatima = noord.chief, noord.fatima
    await alert(app, noord, "First")
    await chief.send("/update")
    await chief.expect("Type what is new")  # one open alert: no choice needed
    await chief.send("News about the first.")
    preview = await chief.expect("Preview")
    await (await chief.press(preview, "📤 Send")).answered()
    await fatima.expect("News about the first.")

    await alert(app, noord, "Second")
    await chief.send("/update")
    choice = await chief.expect("Which alert do you want to update?")
    await chief.send("Too early.")
    await chief.expect("First choose the alert with a button above")
    await (await chief.press(choice, choice.buttons[1][0].text)).answered()
    await wait_text(choice, "Update to alert #2")  # the choice becomes the question
    await chief.send("News about the second.")
    preview = await chief.expect("Preview")
    await (await chief.press(preview, "📤 Send")).answered()
    follow = await fatima.expect("News about the second.")
    assert follow.reply_to is not None and "Second" in (follow.reply_to.text or "")
    # Typed in full, it still goes at once.
    await chief.send("/close")
    choice = await chief.expect("Which alert do you want to close?")
    await (await chief.press(choice, choice.buttons[0][0].text)).answered()
    await wait_text(choice, "Alert #1 is closed")


async def test_a_text_too_long_is_asked_again(app: BotApplication, noord: Network) -> None:
    chief = noord.chief
    await alert(app, noord, "Unrest at the station.")
    status = await chief.expect("Alert #1")
    await (await chief.press(status, "🔁 Update")).answered()
    await chief.expect("Type what is new")
    await chief.send("x" * 3501)
    again = await chief.expect("That text has 3501 characters; at most 3500 fit.")
    assert again.button_texts() == ["Cancel"]
    await chief.send("Short.")
    await chief.expect("Preview")


# --- who has not seen it -------------------------------------------------------------------


async def test_who_has_not_seen_it_lists_the_waiting_with_their_shared_numbers(
    app: BotApplication, noord: Network
) -> None:
    chief = noord.chief
    await alert(app, noord, "Unrest at the station.")
    status = await chief.expect("Alert #1")
    await (await chief.press(status, "👀 Who has not seen it")).answered()
    listing = await chief.expect("👀 Alert #1")
    assert (listing.text or "").splitlines()[1:] == [
        "3 of 3 have not seen it yet.",
        "",
        "• Ahmed – no phone number shared",
        "• Fatima – +31 6 1234 5678",
        "• Wim – no phone number shared",
    ]
    assert listing.buttons == []  # one page: nothing to turn
    for person in (noord.fatima, noord.ahmed, noord.alderman):
        copy = await person.expect("Unrest at the station.")
        await (await person.press(copy, "✅ Seen")).answered()
        if person is noord.fatima:
            await (await chief.press(status, "👀 Who has not seen it")).answered()
            fewer = await chief.expect("👀 Alert #1")
            assert "2 of 3 have not seen it yet." in (fewer.text or "")
            assert "Fatima" not in (fewer.text or "")
    await (await chief.press(status, "👀 Who has not seen it")).answered()
    everyone = await chief.expect("👀 Alert #1")
    assert "Everyone who got it has seen it." in (everyone.text or "")
    assert not any("👀" in t for t in texts(noord.group))


def long_name(n: int) -> str:
    return (f"Lid {n:04} " + "van der Berg-Ouaali & Zn " * 3)[:NAME]


async def test_a_thousand_who_have_not_seen_it_page_within_telegrams_limits(
    app: BotApplication, sandbox: Sandbox, db: Database, coordinator: SimUser
) -> None:
    """In Dutch, whose lines are longer: 1,000 recipients with the longest names."""
    network = await networks.create(db, "Groot", None, coordinator.id, datetime.now(UTC))
    chief = sandbox.add_user("Karin", language_code="nl")
    chief.started = True
    await given.approved(db, network.id, chief, "police_chief", coordinator.id)
    names = [long_name(n) for n in range(1000)]
    for n, name in enumerate(names):
        person = sandbox.add_user(f"Lid {n}", language_code="nl")
        person.started = True
        phone = f"+31 6 {n:08}" if n % 2 else None
        await given.approved(db, network.id, person, "key_figure", chief.id, name=name, phone=phone)
    svc = services.of(app)
    await send_alert(svc, chief.id, [network.id], "urgent", "network_only", "Iedereen binnen.")
    status = await chief.expect("Melding #1")
    await wait_text(status, "1000/1000")
    assert status.button_texts() == STATUS_NL

    await (await chief.press(status, "👀 Wie heeft het nog niet gezien?")).answered()
    page = await chief.expect("👀 Melding #1")
    seen: list[str] = []
    pages = 0
    for _turn in range(100):
        pages += 1
        assert len(page.text or "") <= LIMIT and short_data(page)
        assert "1000 van de 1000 hebben de melding nog niet gezien." in (page.text or "")
        seen += [line for line in (page.text or "").splitlines() if line.startswith("• ")]
        if "▶" not in page.button_texts():
            break
        before = page.text
        await (await chief.press(page, "▶")).answered()
        await sandbox.wait_for(lambda: page.text != before)  # noqa: B023 - awaited at once
    assert pages > 10  # several pages, each turned in place
    assert [line[2:66] for line in seen] == names
    assert refused(sandbox) == []


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("count", [15, 1000])
def test_every_page_of_the_list_fits_and_shows_everyone_once(language: str, count: int) -> None:
    _ = translator(language)
    people = [
        Recipient(
            incident_id=123456789,
            user_id=n,
            network_id=1,
            acknowledged_at=None,
            mood=None,
            reply_text=None,
            replied_at=None,
            call_me_at=None,
            unreachable_at="2025-01-01T00:00:00+00:00" if n % 3 == 0 else None,
            reminded_at=None,
            display_name="<&>" * (NAME // 3) if n % 2 else "W" * NAME,
            phone="+31 6 1234 5678 (werk, na 18:00 thuis)" if n % 3 == 1 else None,
            still_member=True,
        )
        for n in range(count)
    ]
    shown: list[str] = []
    page, pages = 0, 0
    while True:
        text, rows, at = not_seen_page(_, 123456789, people, count, page)
        assert at == page and visible_length(text) <= LIMIT
        assert all(len(b.action.encode()) <= 64 for row in rows for b in row)
        shown += [line for line in text.splitlines() if line.startswith("• ")]
        pages += 1
        if not any(b.label == "▶" for row in rows for b in row):
            break
        page += 1
    assert len(shown) == count and (pages == 1 if count == 15 else pages > 10)
    # A page past the end (the list shrank since it was shown) shows the last one.
    assert not_seen_page(_, 123456789, people, count, 10_000)[2] == page


# --- Dutch ---------------------------------------------------------------------------------


async def test_a_dutch_coordinator_updates_and_closes_with_the_buttons(
    app: BotApplication, noord: Network, coordinator: SimUser
) -> None:
    coordinator.started = True
    await alert(app, noord, "Onrust bij het station.", sender=coordinator)
    status = await coordinator.expect("Melding #1")
    assert status.button_texts() == STATUS_NL
    await (await coordinator.press(status, "🔁 Aanvullen")).answered()
    ask = await coordinator.expect("Typ wat er nieuw is")
    assert ask.button_texts() == ["Annuleren"]
    await coordinator.send("De politie is ter plaatse.")
    preview = await coordinator.expect("Voorbeeld")
    assert "De melding bereikt 4 personen en 1 groepschat." in (preview.text or "")
    await (await coordinator.press(preview, "📤 Versturen")).answered()
    await wait_text(preview, "onderweg")
    await noord.fatima.expect("De politie is ter plaatse.")

    await (await coordinator.press(status, "✅ Afsluiten")).answered()
    confirm = await coordinator.expect("Melding #1 afsluiten")
    await (await coordinator.press(confirm, "✅ Afsluiten zonder slotwoord")).answered()
    await wait_text(confirm, "afgesloten")
    await wait_text(status, "🔒 Melding #1 is afgesloten")
    assert status.button_texts() == ["👀 Wie heeft het nog niet gezien?"]

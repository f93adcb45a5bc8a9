"""WhatsApp inbound: the webhook (signatures, repeats, what is not a payload) and what members
write and tap there, turned into the same use cases as Telegram's buttons.

The webhook tests run the real aiohttp server against the WhatsApp sandbox's signed webhooks;
the stories drive the whole application against both sandboxes (`tests/wa_world.py`).
"""

from __future__ import annotations

import io
import json
import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import aiohttp
import pytest

from bot import services
from bot.clock import ManualClock
from domain import consent, meeting_plans, pulse, retention, whatsapp_link
from domain import meetings as meeting_rules
from domain.alerts import send_alert
from sandbox import SimMessage
from storage import audit, memberships, wa_links
from storage import incidents as incident_store
from storage import pulse as pulse_store
from storage import whatsapp as wa_store
from storage.database import Database
from tests import test_wa_profile
from tests.conftest import eventually
from tests.test_forget_everywhere import scan_tables
from tests.test_meetings import run_jobs, tap
from tests.test_wa_profile import WaWorld
from wa_sandbox import WaSandbox, sign
from whatsapp import inbound, webhook
from whatsapp.webhook import Item, Webhook, items_of

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "app-s3cret-for-tests"
world = test_wa_profile.world  # the fixture: Noord, both sandboxes
VERIFY = "verify-me"


# --- reading what members type -------------------------------------------------------------------


def test_a_link_code_is_found_however_it_is_typed() -> None:
    assert inbound.link_code_in("KOPPEL 4F7K2Q9A") == "4F7K2Q9A"
    assert inbound.link_code_in("koppel: 4f7k 2q9a") == "4F7K2Q9A"
    assert inbound.link_code_in("Link 4F7K-2Q9A") == "4F7K2Q9A"
    assert inbound.link_code_in("4f7k2q9a") == "4F7K2Q9A"
    assert inbound.link_code_in("KOPPEL 4F7K2Q") is None  # too short
    assert inbound.link_code_in("KOPPEL 4F7K2Q9O") is None  # O is not in the alphabet
    assert inbound.link_code_in("hallo daar") is None
    assert inbound.link_code_in("") is None


def test_keywords_in_dutch_and_english_in_any_case() -> None:
    assert inbound.keyword_of("STOP") == inbound.STOP
    assert inbound.keyword_of(" stop! ") == inbound.STOP
    assert inbound.keyword_of("Start") == inbound.START
    assert inbound.keyword_of("mijn gegevens") == inbound.MY_DATA
    assert inbound.keyword_of("MY DATA") == inbound.MY_DATA
    assert inbound.keyword_of("Vergeet mij") == inbound.FORGET_ME
    assert inbound.keyword_of("forget me") == inbound.FORGET_ME
    assert inbound.keyword_of("HULP") == inbound.HELP
    assert inbound.keyword_of("stop de jongeren") is None  # a sentence is not a keyword


def test_a_typed_word_counts_as_the_tap_of_one_button() -> None:
    alert = ["inc:ack:12", "inc:reply:12", "inc:call:12"]
    assert inbound.typed_tap("Gezien", alert) == "inc:ack:12"
    assert inbound.typed_tap("ja", alert) == "inc:ack:12"
    assert inbound.typed_tap("seen ✅", alert) == "inc:ack:12"
    assert inbound.typed_tap("bel mij", alert) == "inc:call:12"
    assert inbound.typed_tap("2", alert) == "inc:reply:12"
    assert inbound.typed_tap("4", alert) is None
    assert inbound.typed_tap("wat is er gebeurd?", alert) is None
    meeting = ["mtg:att:5:yes", "mtg:att:5:no", "mtg:att:5:maybe"]
    assert inbound.typed_tap("Ja", meeting) == "mtg:att:5:yes"
    assert inbound.typed_tap("nee", meeting) == "mtg:att:5:no"
    assert inbound.typed_tap("Misschien", meeting) == "mtg:att:5:maybe"
    assert inbound.typed_tap("maybe", meeting) == "mtg:att:5:maybe"
    moods = ["pulse:m:3:calm", "pulse:m:3:worried", "pulse:m:3:tense", "pulse:m:3:rumours"]
    assert inbound.typed_tap("rustig", moods) == "pulse:m:3:calm"
    assert inbound.typed_tap("gespannen", moods) == "pulse:m:3:tense"
    forget = [inbound.FORGET_YES, inbound.FORGET_NO]
    assert inbound.typed_tap("ja", forget) is None  # deleting everything takes more than "ja"
    assert inbound.typed_tap("1", forget) is None  # ... or a "1"
    assert inbound.typed_tap("2", forget) == inbound.FORGET_NO
    assert inbound.typed_tap("Ja, wis alles", forget) == inbound.FORGET_YES
    assert inbound.typed_tap("nee", forget) == inbound.FORGET_NO
    action = ["act:prog:9", "act:done:9"]
    assert inbound.typed_tap("klaar", action) == "act:done:9"
    assert inbound.typed_tap("bezig", action) == "act:prog:9"


def test_an_emoji_typed_alone_counts_as_the_tap_it_stands_for() -> None:
    alert = ["inc:ack:12", "inc:reply:12", "inc:call:12"]
    assert inbound.typed_tap("👍", alert) == "inc:ack:12"
    assert inbound.typed_tap(" 👍🏽 ", alert) == "inc:ack:12"  # a skin tone, spaces
    assert inbound.typed_tap("✅", alert) == "inc:ack:12"
    assert inbound.typed_tap("✔️", alert) == "inc:ack:12"  # with its variation selector
    assert inbound.typed_tap("📞", alert) == "inc:call:12"
    assert inbound.typed_tap("😀", alert) is None
    meeting = ["mtg:att:5:yes", "mtg:att:5:no", "mtg:att:5:maybe"]
    assert inbound.typed_tap("👍", meeting) == "mtg:att:5:yes"
    assert inbound.typed_tap("👎", meeting) == "mtg:att:5:no"
    assert inbound.typed_tap("Ja, ik kom", meeting) == "mtg:att:5:yes"
    assert inbound.typed_tap("👍", [inbound.FORGET_YES, inbound.FORGET_NO]) is None
    assert inbound.typed_tap("✅", ["act:prog:9", "act:done:9"]) == "act:done:9"


def test_a_long_text_is_split_between_lines_into_parts_that_fit() -> None:
    lines = [f"line {i} " + "x" * 90 for i in range(200)]
    parts = inbound.split_text("\n".join(lines), 4096)
    assert len(parts) > 1 and all(len(p) <= 4096 for p in parts)
    assert "\n".join(parts) == "\n".join(lines)
    assert inbound.split_text("y" * 9000, 4096) == ["y" * 4096, "y" * 4096, "y" * 808]


def test_html_becomes_whatsapps_marks() -> None:
    assert inbound.as_whatsapp("<b>Let op</b> &amp; <i>snel</i>") == "*Let op* & _snel_"


# --- the webhook's payloads ----------------------------------------------------------------------


FIXTURES = Path("/work/shared/whatsapp-cloud-api/pywa-fixtures")


def fixture(name: str, example: str) -> dict[str, object]:
    loaded: dict[str, dict[str, object]] = json.loads((FIXTURES / f"{name}.json").read_text())
    return loaded[example]


@pytest.mark.skipif(not FIXTURES.exists(), reason="the shared pywa fixtures are not here")
def test_metas_example_payloads_give_one_keyed_item_each() -> None:
    [text] = items_of(fixture("message", "text"))
    assert text.key == "m:wamid.xyzxyz" and text.kind == "message"
    incoming = inbound.read_message(text.data)
    assert incoming is not None and incoming.text == "Body Text"
    assert incoming.wa_id == "972987654321" and incoming.bsuid == "US.13491208655302741918"
    [button] = items_of(fixture("callback_button", "button"))
    tapped = inbound.read_message(button.data)
    assert tapped is not None and tapped.action == "callback_data"
    [quick] = items_of(fixture("callback_button", "quick_reply"))
    quick_reply = inbound.read_message(quick.data)
    assert quick_reply is not None and quick_reply.action == "callback_data"
    [row] = items_of(fixture("callback_selection", "callback"))
    chosen = inbound.read_message(row.data)
    assert chosen is not None and chosen.action == "callback_data"
    [status] = items_of(fixture("message_status", "delivered"))
    assert status.key == "s:wamid.xyzxyz:delivered" and status.kind == "status"
    [failed] = items_of(fixture("message_status", "failed"))
    assert failed.kind == "status" and failed.data["errors"]
    [approved] = items_of(fixture("template_status_update", "approved"))
    assert approved.kind == "template" and approved.data["status"] == "APPROVED"
    [moved] = items_of(fixture("template_category_update", "marketing"))
    assert moved.data == {"name": "my_message_template", "language": "he", "category": "MARKETING"}
    [changed] = items_of(fixture("system", "phone_number_change"))
    number = inbound.read_message(changed.data)
    assert number is not None and number.kind == "system"
    assert number.system["wa_id"] == "972912345678"


# --- the webhook server --------------------------------------------------------------------------


class Recorder:
    def __init__(self) -> None:
        self.items: list[Item] = []
        self.fail = False

    async def handle(self, item: Item) -> None:
        if self.fail:
            raise RuntimeError("handling failed on purpose")
        self.items.append(item)


def free_socket() -> socket.socket:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "bot.sqlite3")
    yield database
    await database.close()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


async def serve(db: Database, clock: ManualClock, recorder: Recorder) -> tuple[Webhook, str]:
    hook = Webhook(db, clock, recorder.handle, app_secret=SECRET, verify_token=VERIFY)
    sock = free_socket()
    port = sock.getsockname()[1]
    await hook.start(sock)
    return hook, f"http://127.0.0.1:{port}/whatsapp"


async def test_meta_verifies_the_webhook_with_our_token_and_a_wrong_token_is_refused(
    db: Database, clock: ManualClock
) -> None:
    hook, url = await serve(db, clock, Recorder())
    try:
        async with WaSandbox(app_secret=SECRET, verify_token=VERIFY, now=clock.now) as wa:
            wa.webhook_url = url
            assert await wa.subscribe()
        async with WaSandbox(app_secret=SECRET, verify_token="guessed", now=clock.now) as wa:
            wa.webhook_url = url
            assert not await wa.subscribe()
    finally:
        await hook.stop()


async def test_a_repeated_webhook_is_handled_once(db: Database, clock: ManualClock) -> None:
    recorder = Recorder()
    hook, url = await serve(db, clock, recorder)
    try:
        async with WaSandbox(app_secret=SECRET, verify_token=VERIFY, now=clock.now) as wa:
            wa.webhook_url = url
            wa.webhooks.duplicate = True  # every payload twice, as Meta sometimes does
            ayse = wa.user("Ayşe", phone="31612345678")
            first = await ayse.write("Hallo")
            second = await ayse.write("Nog een keer")
            await wa.idle()
            await hook.idle()
            assert [d.status for d in wa.webhooks.deliveries] == [200, 200, 200, 200]
        assert [item.key for item in recorder.items] == [f"m:{first}", f"m:{second}"]
        assert hook.handled == 2
        # Handled: the key stays, the message itself does not.
        rows = await db.fetch_all("SELECT key, item, done_at FROM wa_webhooks_seen")
        assert {row["key"] for row in rows} == {f"m:{first}", f"m:{second}"}
        assert all(row["item"] is None and row["done_at"] for row in rows)
    finally:
        await hook.stop()


async def test_a_webhook_with_a_wrong_signature_is_refused_and_logged_without_the_secret(
    db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    hook, url = await serve(db, clock, recorder)
    caplog.set_level(logging.WARNING, logger="whatsapp.webhook")
    try:
        async with WaSandbox(app_secret="someone-elses", verify_token=VERIFY, now=clock.now) as wa:
            wa.webhook_url = url
            ayse = wa.user("Ayşe", phone="31612345678")
            await ayse.write("STOP")
            await wa.until(lambda: any(d.status == 403 for d in wa.webhooks.deliveries))
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=b"{}") as response:  # no signature at all
                assert response.status == 401
    finally:
        await hook.stop()
    assert recorder.items == [] and hook.handled == 0
    assert await db.fetch_all("SELECT * FROM wa_webhooks_seen") == []
    logged = caplog.text
    assert "refused (403)" in logged and "refused (401)" in logged
    assert SECRET not in logged and "someone-elses" not in logged and "STOP" not in logged


async def test_a_body_too_large_is_refused_unread_and_logged(
    db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    hook, url = await serve(db, clock, recorder)
    caplog.set_level(logging.WARNING, logger="whatsapp.webhook")
    text = "x" * (webhook.MAX_BODY + 1)
    body = json.dumps({"object": "whatsapp_business_account", "entry": [], "pad": text}).encode()
    try:
        async with aiohttp.ClientSession() as session:
            headers = {"X-Hub-Signature-256": sign(body, SECRET)}  # even signed
            async with session.post(url, data=io.BytesIO(body), headers=headers) as response:
                assert response.status == 413
    finally:
        await hook.stop()
    assert recorder.items == [] and hook.refused == 1
    assert await db.fetch_all("SELECT * FROM wa_webhooks_seen") == []
    assert "refused (413)" in caplog.text and "xxxx" not in caplog.text


async def test_a_signed_body_that_is_not_a_whatsapp_payload_is_answered_400(
    db: Database, clock: ManualClock, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    hook, url = await serve(db, clock, recorder)
    caplog.set_level(logging.WARNING, logger="whatsapp.webhook")
    try:
        async with aiohttp.ClientSession() as session:
            for body in (b"not json", b'{"object": "page", "entry": []}', b"[1, 2]"):
                headers = {"X-Hub-Signature-256": sign(body, SECRET)}
                async with session.post(url, data=body, headers=headers) as response:
                    assert response.status == 400, body
    finally:
        await hook.stop()
    assert recorder.items == []
    assert caplog.text.count("refused (400)") == 3


async def test_what_was_taken_but_not_handled_before_a_stop_is_handled_after_the_start(
    db: Database, clock: ManualClock
) -> None:
    recorder = Recorder()
    recorder.fail = True  # the bot is stopped in the middle, as far as this item goes
    hook, url = await serve(db, clock, recorder)
    try:
        async with WaSandbox(app_secret=SECRET, verify_token=VERIFY, now=clock.now) as wa:
            wa.webhook_url = url
            ayse = wa.user("Ayşe", phone="31612345678")
            wamid = await ayse.write("Gezien")
            await wa.idle()  # Meta got its 200: it will not send this again
            await hook.idle()
    finally:
        await hook.stop()
    assert recorder.items == [] and await wa_links.unhandled(db) != []
    recorder.fail = False
    again, _url = await serve(db, clock, recorder)
    try:
        await again.idle()
    finally:
        await again.stop()
    assert [item.key for item in recorder.items] == [f"m:{wamid}"]
    assert await wa_links.unhandled(db) == []


# --- the stories, through both sandboxes ---------------------------------------------------------


def status_of(world: WaWorld) -> SimMessage:
    return next(
        m for m in world.chief.private_chat.bot_messages() if "Alert #1 is" in (m.text or "")
    )


async def test_a_telegram_and_a_whatsapp_member_acknowledge_and_the_chief_counts_both(
    world: WaWorld,
) -> None:
    ayse_wa = world.ayse_wa
    await world.link(world.ayse, ayse_wa, world.network.id)
    svc = services.of(world.app)
    await send_alert(
        svc, world.chief.id, [world.network.id], "critical", "network_only", "Unrest at the square"
    )
    # Eve on Telegram, Ayşe on WhatsApp (not on Telegram: she chose WhatsApp for Noord).
    on_telegram = await world.eve.expect("Unrest at the square")
    on_whatsapp = await ayse_wa.wait_for(lambda m: "Unrest at the square" in m.text)
    assert on_whatsapp.kind == "interactive"
    assert on_whatsapp.buttons == ["✅ Seen", "💬 Reply", "📞 Call me"]
    assert not any("Unrest" in (m.text or "") for m in world.ayse.private_chat.bot_messages())

    await (await world.eve.press(on_telegram, "✅ Seen")).answered()
    seen = len(ayse_wa.inbox)
    await ayse_wa.tap(on_whatsapp, "✅ Seen")
    await ayse_wa.wait_for(lambda m: "noted that you have seen it" in m.text, after=seen)
    status = status_of(world)
    await world.sandbox.wait_for(lambda: "acknowledged 2" in (status.text or ""), timeout=15)

    # The mood and a few words from WhatsApp reach the chief, as from Telegram.
    seen = len(ayse_wa.inbox)
    await ayse_wa.tap(on_whatsapp, "💬 Reply")
    moods = await ayse_wa.wait_for(lambda m: "How is the mood" in m.text, after=seen)
    await ayse_wa.tap(moods, "😠 tense")
    await world.chief.expect("the mood is 😠 tense")
    await ayse_wa.wait_for(lambda m: "Anything to add?" in m.text, after=seen)
    await ayse_wa.write("Jongeren verzamelen zich bij het plein.")
    await world.chief.expect("Jongeren verzamelen zich")
    # A typed "bel mij" under the alert's buttons is the 📞 Call me tap.
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("bel mij")
    await world.chief.expect("asks to be called")
    await ayse_wa.wait_for(lambda m: "to call you" in m.text, after=seen)
    recipient = await incident_store.recipient(world.db, 1, world.ayse.id)
    assert recipient is not None and recipient.acknowledged_at and recipient.call_me_at
    assert recipient.mood == "tense" and recipient.reply_text


async def test_attendance_from_whatsapp_lands_in_the_same_headcount(world: WaWorld) -> None:
    ayse_wa = world.ayse_wa
    await world.link(world.ayse, ayse_wa, world.network.id)
    svc = services.of(world.app)
    day = (START + timedelta(days=30)).date()
    starts_at = meeting_rules.local(day, time(19, 0), svc.settings.bot.tz)
    details = {"venue_kind": "town_hall", "address": "Stadhuisplein 1"}
    await meeting_plans.plan(
        svc, world.network.id, details, [starts_at.isoformat()], world.chief.id
    )
    await run_jobs(world.app)
    world.clock.advance(timedelta(days=10))  # past the invitation (21 days before)
    await run_jobs(world.app)
    world.clock.advance(timedelta(days=14))  # the reminder (7 days before)
    await ayse_wa.write("Hoi")  # she wrote today: the reminder comes with its buttons
    await run_jobs(world.app)
    reminder = await world.eve.expect("We have not heard from you yet")
    await tap(world.eve, reminder, "✅ Yes")
    asked = await ayse_wa.wait_for(
        lambda m: "We have not heard from you yet" in m.text and m.kind == "interactive"
    )
    assert asked.buttons == ["✅ Yes", "❌ No", "🤔 Maybe"]
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("ja")  # typed: the tap on ✅ Yes
    await ayse_wa.wait_for(lambda m: "Noted: Yes" in m.text, after=seen)
    answer = await world.db.fetch_one(
        "SELECT answer FROM attendance WHERE user_id = ?", (world.ayse.id,)
    )
    assert answer is not None and answer["answer"] == "yes"
    world.clock.advance(timedelta(days=4))  # past the deadline: the headcount
    await run_jobs(world.app)
    headcount = await world.chief.expect("Headcount")
    assert "2 coming" in (headcount.text or "")
    assert "Ayşe" in (headcount.text or "") and "Eve" in (headcount.text or "")


async def test_stop_mid_incident_ends_her_whatsapp_messages_at_once(world: WaWorld) -> None:
    ayse_wa, wa = world.ayse_wa, world.wa
    # One message per member per 6 s (on the bot's clock, which stands still): the alert must
    # wait behind the welcome, and she writes STOP meanwhile.
    wa.pair_interval = 6.0
    await world.link(world.ayse, ayse_wa, world.network.id)
    svc = services.of(world.app)
    await send_alert(
        svc, world.chief.id, [world.network.id], "critical", "network_only", "Unrest at the square"
    )
    await world.eve.expect("Unrest at the square")
    await wa.until(lambda: any(r.error_code == 131056 for r in wa.requests))
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("STOP")
    world.clock.advance(timedelta(seconds=7))
    assert svc.whatsapp is not None
    svc.whatsapp.wake()  # the clock moved: the held confirmation may go now
    stopped = await ayse_wa.wait_for(lambda m: "Stopped" in m.text, after=seen)
    assert "START" in stopped.text
    status = status_of(world)
    await world.sandbox.wait_for(lambda: "unreachable 1" in (status.text or ""), timeout=15)
    world.clock.advance(timedelta(seconds=7))
    await world.idle()
    assert not any("Unrest" in m.text for m in ayse_wa.inbox)
    contact = await wa_store.get_contact(world.db, world.ayse.id)
    assert contact is not None and contact.stopped_at is not None
    cancelled = await world.db.fetch_one(
        "SELECT status, error FROM deliveries WHERE chat_id = ? AND incident_id = 1",
        (world.ayse.id,),
    )
    assert cancelled is not None and cancelled["status"] == "cancelled"
    # The next alert reaches her on Telegram.
    await send_alert(
        svc, world.chief.id, [world.network.id], "urgent", "network_only", "Market closed today"
    )
    await world.ayse.expect("Market closed today")
    assert not any("Market" in m.text for m in ayse_wa.inbox)
    # Stopped, she still has her rights there: MY DATA answers; chat hears how to start again.
    for said, heard in (("hallo", "Write START"), ("MY DATA", "You wrote STOP on")):
        seen = len(ayse_wa.inbox)
        await ayse_wa.write(said)
        world.clock.advance(timedelta(seconds=7))
        svc.whatsapp.wake()
        await ayse_wa.wait_for(lambda m, heard=heard: heard in m.text, after=seen)
    # START: WhatsApp again.
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("start")
    world.clock.advance(timedelta(seconds=7))
    await ayse_wa.wait_for(lambda m: "Welcome back: Noord" in m.text, after=seen)
    assert [e.action for e in await audit.about(world.db, world.ayse.id)] == [
        "wa_linked",
        "wa_stopped",
        "wa_restarted",
    ]


async def test_forget_me_on_whatsapp_deletes_everything_after_a_confirmation(
    world: WaWorld,
) -> None:
    ayse, ayse_wa = world.ayse, world.ayse_wa
    await world.link(ayse, ayse_wa, world.network.id)
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("MIJN GEGEVENS")
    mine = await ayse_wa.wait_for(lambda m: "What we keep about you" in m.text, after=seen)
    assert "WhatsApp id" in mine.text and "On WhatsApp: Noord" in mine.text
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("Vergeet mij")
    question = await ayse_wa.wait_for(lambda m: "Delete everything" in m.text, after=seen)
    assert question.buttons == ["Yes, delete all", "No, keep it"]
    seen = len(ayse_wa.inbox)
    await ayse_wa.tap(question, "No, keep it")
    await ayse_wa.wait_for(lambda m: "Nothing was deleted" in m.text, after=seen)
    assert await wa_store.get_contact(world.db, ayse.id) is not None
    # That question is answered: its Yes no longer deletes anything.
    seen = len(ayse_wa.inbox)
    await ayse_wa.tap(question, "Yes, delete all")
    await ayse_wa.wait_for(lambda m: "that question has lapsed" in m.text, after=seen)
    assert await wa_store.get_contact(world.db, ayse.id) is not None
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("FORGET ME")
    question = await ayse_wa.wait_for(lambda m: "Delete everything" in m.text, after=seen)
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("1")  # a lone number deletes nothing
    await ayse_wa.wait_for(lambda m: "did not understand" in m.text, after=seen)
    assert await wa_store.get_contact(world.db, ayse.id) is not None
    await ayse_wa.tap(question, "Yes, delete all")
    await ayse_wa.wait_for(lambda m: "everything we stored about you is deleted" in m.text)
    await world.chief.expect("has left the network Noord")
    await world.idle()

    async def forgotten() -> bool:
        return not await scan_tables(world.db, ayse, ayse_wa.phone or "")

    try:
        await eventually(forgotten, timeout=5)
    except AssertionError:
        found = "\n".join(await scan_tables(world.db, ayse, ayse_wa.phone or ""))
        raise AssertionError(f"left after FORGET ME:\n{found}") from None
    # Nor in the file's bytes: what she wrote and tapped there named her number and her id.
    path = services.of(world.app).settings.database.path
    await world.idle()
    raw = [ayse_wa.phone or "", ayse_wa.bsuid]
    left = [
        f"{file.name}: {trace}"
        for file in (path, path.with_name(path.name + "-wal"))
        if file.exists()
        for trace in raw
        if trace.encode() in file.read_bytes()
    ]
    assert left == []
    for table in ("wa_contacts", "channel_choices", "wa_link_codes", "wa_messages", "wa_awaiting"):
        assert (
            await world.db.fetch_all(f"SELECT * FROM {table} WHERE user_id = ?", (ayse.id,)) == []
        )
    # Afterwards she is a stranger there again.
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("Hallo?")
    await ayse_wa.wait_for(lambda m: "/profile" in m.text, after=seen)


async def test_a_thumbs_up_typed_under_an_alert_counts_as_seen(world: WaWorld) -> None:
    ayse_wa = world.ayse_wa
    await world.link(world.ayse, ayse_wa, world.network.id)
    svc = services.of(world.app)
    await send_alert(
        svc, world.chief.id, [world.network.id], "critical", "network_only", "Brand bij de school"
    )
    await ayse_wa.wait_for(lambda m: "Brand bij de school" in m.text)
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("👍")
    await ayse_wa.wait_for(lambda m: "noted that you have seen it" in m.text, after=seen)
    recipient = await incident_store.recipient(world.db, 1, world.ayse.id)
    assert recipient is not None and recipient.acknowledged_at is not None


async def test_someone_writing_random_codes_is_answered_five_times_an_hour_then_not_checked(
    world: WaWorld, caplog: pytest.LogCaptureFixture
) -> None:
    guesser = world.wa.user("Guesser", phone="31633334444")
    for attempt in range(inbound.STRANGER_TRIES):
        await guesser.write(f"KOPPEL 2222333{attempt + 2}")
        await world.idle()
    assert sum("ken ik niet" in m.text for m in guesser.inbox) == inbound.STRANGER_TRIES
    # Even a valid code is not checked now: one answer says why, then silence.
    code = await whatsapp_link.new_code(services.of(world.app), world.eve.id, None, "profile")
    await guesser.write(f"KOPPEL {code.code}")
    await guesser.wait_for(lambda m: "Te veel pogingen" in m.text)
    for _ in range(3):
        await guesser.write("KOPPEL 22223333")
    await world.idle()
    assert len(guesser.inbox) == inbound.STRANGER_TRIES + 1
    assert await wa_store.contact_by_wa_user(world.db, guesser.bsuid) is None
    assert "31633334444" not in caplog.text and code.code not in caplog.text
    # An hour later the code is checked again (it is still valid: a day).
    world.clock.advance(timedelta(hours=1, seconds=1))
    await guesser.write(f"KOPPEL {code.code}")
    await guesser.wait_for(lambda m: "linked to you" in m.text)
    contact = await wa_store.get_contact(world.db, world.eve.id)
    assert contact is not None and contact.wa_user == guesser.bsuid


async def test_the_statuses_of_an_answer_to_a_stranger_are_expected_not_unknown(
    world: WaWorld, caplog: pytest.LogCaptureFixture
) -> None:
    """An answer sent straight (no delivery, no row of ours) comes back as sent, delivered and
    read like any other: those statuses are expected, so no warning about an unknown message
    (one per answer, before) fills the operator's log."""
    caplog.set_level(logging.INFO, logger="whatsapp")
    stranger = world.wa.user("Someone", phone="31655556666")
    await stranger.write("hallo")
    await stranger.wait_for(lambda m: "Bondgenoten" in m.text)
    await world.idle()
    assert stranger.inbox and all(m.status == "read" for m in stranger.inbox)
    assert "unknown message" not in caplog.text


async def test_one_whatsapp_sending_a_second_persons_code_moves_and_the_first_is_told(
    world: WaWorld,
) -> None:
    # Ayşe linked her WhatsApp; Eve, on the same (shared) phone, sends her own code from it.
    ayse_wa = world.ayse_wa
    await world.link(world.ayse, ayse_wa, world.network.id)
    await world.link(world.eve, ayse_wa, world.network.id)
    await world.ayse.expect("now linked to someone else")
    assert await wa_store.get_contact(world.db, world.ayse.id) is None
    assert await wa_store.channels_of(world.db, world.ayse.id) == {}
    contact = await wa_store.get_contact(world.db, world.eve.id)
    assert contact is not None and contact.wa_user == ayse_wa.bsuid
    entries = await audit.about(world.db, world.ayse.id)
    assert [e.action for e in entries] == ["wa_linked", "wa_unlinked"]
    # An alert now reaches Ayşe on Telegram and Eve on that WhatsApp.
    svc = services.of(world.app)
    await send_alert(
        svc, world.chief.id, [world.network.id], "critical", "network_only", "Rook in de straat"
    )
    await world.ayse.expect("Rook in de straat")
    shown = await ayse_wa.wait_for(lambda m: "Rook in de straat" in m.text)
    await ayse_wa.tap(shown, "✅ Seen")
    await world.idle()
    eve = await incident_store.recipient(world.db, 1, world.eve.id)
    ayse = await incident_store.recipient(world.db, 1, world.ayse.id)
    assert eve is not None and eve.acknowledged_at is not None
    assert ayse is not None and ayse.acknowledged_at is None


async def test_the_mood_pulse_from_whatsapp_and_a_removed_member_tapping_it_again(
    world: WaWorld,
) -> None:
    ayse_wa = world.ayse_wa
    await world.link(world.ayse, ayse_wa, world.network.id)
    svc = services.of(world.app)
    started = await pulse.start(svc, world.network.id, "asked", by=world.chief.id)
    asked = await ayse_wa.wait_for(lambda m: "calm" in " ".join(m.buttons).casefold())
    calm = next(b for b in asked.buttons if "calm" in b.casefold())
    seen = len(ayse_wa.inbox)
    await ayse_wa.tap(asked, calm)
    await ayse_wa.wait_for(lambda m: m.text == "Thank you!", after=seen)
    assert started.pulse is not None
    answer = await pulse_store.answer_of(world.db, started.pulse.id, world.ayse.id)
    assert answer is not None and answer.mood == "calm"

    # Removed from Noord, she taps her old question: refused as on Telegram, nothing changes.
    await memberships.remove(world.db, world.network.id, world.ayse.id, world.chief.id, START)
    worried = next(b for b in asked.buttons if "worried" in b.casefold())
    seen = len(ayse_wa.inbox)
    await ayse_wa.tap(asked, worried)
    await ayse_wa.wait_for(lambda m: "This button no longer works" in m.text, after=seen)
    answer = await pulse_store.answer_of(world.db, started.pulse.id, world.ayse.id)
    assert answer is not None and answer.mood == "calm"


async def test_words_asked_after_a_mood_lapse_as_on_telegram(world: WaWorld) -> None:
    ayse_wa = world.ayse_wa
    await world.link(world.ayse, ayse_wa, world.network.id)
    svc = services.of(world.app)
    await send_alert(
        svc, world.chief.id, [world.network.id], "critical", "network_only", "Onrust bij het plein"
    )
    shown = await ayse_wa.wait_for(lambda m: "Onrust bij het plein" in m.text)
    seen = len(ayse_wa.inbox)
    await ayse_wa.tap(shown, "💬 Reply")
    moods = await ayse_wa.wait_for(lambda m: "How is the mood" in m.text, after=seen)
    await ayse_wa.tap(moods, "😠 tense")
    await ayse_wa.wait_for(lambda m: "Anything to add?" in m.text, after=seen)
    # She adds nothing; two hours later her "ja" is the ✅ Seen of the alert (her mood counted
    # as seen already), not words for the police chief.
    world.clock.advance(timedelta(minutes=svc.settings.bot.conversation_minutes + 60))
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("ja")
    await ayse_wa.wait_for(lambda m: "Already noted" in m.text, after=seen)
    await world.idle()
    assert not any("passed it on" in m.text for m in ayse_wa.inbox)
    recipient = await incident_store.recipient(world.db, 1, world.ayse.id)
    assert recipient is not None and recipient.acknowledged_at is not None
    assert recipient.reply_text is None
    assert await wa_links.awaiting(world.db, world.ayse.id) is None


async def test_after_the_privacy_notice_changed_only_alerts_work_on_whatsapp_as_on_telegram(
    world: WaWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    ayse_wa = world.ayse_wa
    await world.link(world.ayse, ayse_wa, world.network.id)
    svc = services.of(world.app)
    await pulse.start(svc, world.network.id, "asked", by=world.chief.id)
    asked = await ayse_wa.wait_for(lambda m: "calm" in " ".join(m.buttons).casefold())
    await send_alert(
        svc, world.chief.id, [world.network.id], "critical", "network_only", "Brand bij de school"
    )
    alert = await ayse_wa.wait_for(lambda m: "Brand bij de school" in m.text)
    monkeypatch.setattr(consent, "VERSION", consent.VERSION + 1)  # the notice changed

    seen = len(ayse_wa.inbox)
    await ayse_wa.tap(asked, next(b for b in asked.buttons if "calm" in b.casefold()))
    await ayse_wa.wait_for(lambda m: "privacy notice has changed" in m.text, after=seen)
    assert await pulse_store.answer_of(world.db, 1, world.ayse.id) is None
    # Safety first: she can still say she saw the alert.
    seen = len(ayse_wa.inbox)
    await ayse_wa.tap(alert, "✅ Seen")
    await ayse_wa.wait_for(lambda m: "noted that you have seen it" in m.text, after=seen)
    # Agreed (on Telegram), the mood works.
    await consent.agree(svc, world.ayse.id)
    seen = len(ayse_wa.inbox)
    await ayse_wa.tap(asked, next(b for b in asked.buttons if "calm" in b.casefold()))
    await ayse_wa.wait_for(lambda m: m.text == "Thank you!", after=seen)


async def test_a_signed_stop_replayed_after_its_key_was_purged_is_ignored(
    world: WaWorld, caplog: pytest.LogCaptureFixture
) -> None:
    ayse_wa = world.ayse_wa
    await world.link(world.ayse, ayse_wa, world.network.id)
    await ayse_wa.write("STOP")
    await ayse_wa.wait_for(lambda m: "Stopped" in m.text)
    [stop] = [p for p in world.wa.webhooks.confirmed if "STOP" in json.dumps(p)]
    await ayse_wa.write("START")
    await ayse_wa.wait_for(lambda m: "Welcome back" in m.text)
    # Ten days later, her STOP's key is gone with the retention; someone who kept the signed
    # body sends it again.
    svc = services.of(world.app)
    world.clock.advance(timedelta(days=10))
    await retention.run(svc)
    body = json.dumps(stop).encode()
    caplog.set_level(logging.WARNING, logger="whatsapp.webhook")
    async with aiohttp.ClientSession() as session:
        headers = {"X-Hub-Signature-256": sign(body, SECRET), "Content-Type": "application/json"}
        assert world.wa.webhook_url is not None
        async with session.post(world.wa.webhook_url, data=body, headers=headers) as response:
            assert response.status == 200
    await world.idle()
    contact = await wa_store.get_contact(world.db, world.ayse.id)
    assert contact is not None and contact.stopped_at is None
    assert "(a replay)" in caplog.text


async def test_a_message_recorded_before_a_long_stop_is_still_handled(
    db: Database, clock: ManualClock
) -> None:
    # Taken (answered 200) just before the bot went down for ten days: not a replay.
    old = int((clock.now() - timedelta(days=10)).timestamp())
    message = {"id": "wamid.before", "from": "31612345678", "timestamp": str(old), "type": "text"}
    item = Item("m:wamid.before", "message", {"message": message})
    await wa_links.record(db, item.key, item.to_json(), clock.now() - timedelta(days=10))
    recorder = Recorder()
    hook = Webhook(
        db,
        clock,
        recorder.handle,
        app_secret=SECRET,
        verify_token=VERIFY,
        max_age=timedelta(days=7),
    )
    await hook.start(free_socket())
    try:
        await hook.idle()
    finally:
        await hook.stop()
    assert [i.key for i in recorder.items] == ["m:wamid.before"]


async def test_a_changed_number_keeps_the_link(world: WaWorld) -> None:
    ayse_wa = world.ayse_wa
    await world.link(world.ayse, ayse_wa, world.network.id)
    await ayse_wa.change_number("31687654321")
    seen = len(ayse_wa.inbox)
    await ayse_wa.write("HELP")
    helped = await ayse_wa.wait_for(lambda m: "STOP" in m.text, after=seen)
    assert "Noord" in helped.text
    contact = await wa_store.get_contact(world.db, world.ayse.id)
    assert contact is not None and contact.phone == "31687654321"


async def test_an_item_whose_handling_failed_for_the_whole_retention_is_given_up(
    world: WaWorld, caplog: pytest.LogCaptureFixture
) -> None:
    # What Ayşe wrote was recorded, and its handling failed at every start since (a defect):
    # after [retention] wa_webhook_days her words and number go (and, that old, its key).
    words = {"message": {"from": "31612345678", "text": {"body": "Mijn buurman is weg"}}}
    await wa_links.record(world.db, "m:wamid.failing", json.dumps(words), world.clock.now())
    svc = services.of(world.app)
    world.clock.advance(timedelta(days=svc.settings.retention.wa_webhook_days - 1))
    await retention.run(svc)
    assert await wa_links.unhandled(world.db) != []  # a restart still tries it
    world.clock.advance(timedelta(days=2))
    caplog.set_level(logging.WARNING, logger="domain.retention")
    await retention.run(svc)
    assert await wa_links.unhandled(world.db) == []
    assert await world.db.fetch_all("SELECT * FROM wa_webhooks_seen WHERE item IS NOT NULL") == []
    assert "1 WhatsApp webhook item(s) still not handled" in caplog.text
    assert "buurman" not in caplog.text and "31612345678" not in caplog.text


async def test_retention_keeps_open_codes_and_unhandled_items_and_purges_the_rest(
    db: Database, clock: ManualClock
) -> None:
    now = clock.now()
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO people (user_id, created_at, last_active_at) VALUES (7, ?, ?)",
            (now.isoformat(), now.isoformat()),
        )
        await conn.execute(
            "INSERT INTO wa_messages (wamid, user_id, state, created_at, updated_at)"
            " VALUES ('wamid.old', 7, 'read', ?, ?), ('wamid.new', 7, 'sent', ?, ?)",
            (
                (now - timedelta(days=31)).isoformat(),
                now.isoformat(),
                (now - timedelta(days=29)).isoformat(),
                now.isoformat(),
            ),
        )
    used = await wa_links.new_code(db, 7, None, "profile", now - timedelta(hours=2))
    await wa_links.use(db, used.code, now - timedelta(hours=1))
    expired = await wa_links.new_code(db, 8, None, "profile", now - timedelta(hours=25))
    still_open = await wa_links.new_code(db, 9, None, "invite", now - timedelta(hours=1))
    await wa_links.record(db, "m:old", "{}", now - timedelta(days=8))
    await wa_links.handled(db, "m:old", now - timedelta(days=8))
    await wa_links.record(db, "m:waiting", "{}", now - timedelta(days=8))  # never handled
    await wa_links.record(db, "m:recent", "{}", now - timedelta(days=6))
    await wa_links.handled(db, "m:recent", now - timedelta(days=6))
    await wa_links.await_text(db, 7, "reply", 1, now - timedelta(days=2))

    gone = await wa_links.purge(
        db,
        now,
        seen_before=now - timedelta(days=7),
        awaited_before=now - timedelta(days=1),
        messages_before=now - timedelta(days=30),
    )
    assert gone == 5  # two codes, one key, one awaited text, one message record
    codes = {row["code"] for row in await db.fetch_all("SELECT code FROM wa_link_codes")}
    assert codes == {still_open.code} and expired.code not in codes
    keys = {row["key"] for row in await db.fetch_all("SELECT key FROM wa_webhooks_seen")}
    assert keys == {"m:waiting", "m:recent"}
    wamids = {row["wamid"] for row in await db.fetch_all("SELECT wamid FROM wa_messages")}
    assert wamids == {"wamid.new"}
    assert await wa_links.awaiting(db, 7) is None

"""WhatsApp inbound: the webhook (signatures, repeats, what is not a payload) and what members
write and tap there, turned into the same use cases as Telegram's buttons.

The webhook tests run the real aiohttp server against the WhatsApp sandbox's signed webhooks;
the stories drive the whole application against both sandboxes (`tests/wa_world.py`).
"""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from bot.clock import ManualClock
from storage import wa_links
from storage.database import Database
from wa_sandbox import WaSandbox, sign
from whatsapp import inbound
from whatsapp.webhook import Item, Webhook, items_of

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "app-s3cret-for-tests"
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
    action = ["act:prog:9", "act:done:9"]
    assert inbound.typed_tap("klaar", action) == "act:done:9"
    assert inbound.typed_tap("bezig", action) == "act:prog:9"


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

"""The WhatsApp channel, outbound: deliveries routed to the channel each member chose, sent
within WhatsApp's rules (the 24-hour window, the doorbell template, Meta's limits), and every
outcome recorded the way Telegram's are.

The storage rules first (routing, stop, the doorbell's hold, statuses forward only), then the
stories driven through the real application against both sandboxes (tests/wa_world.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

from bot import services
from bot.i18n import translator
from bot.settings import SettingsError, WhatsAppSettings, load_settings
from domain.alerts import send_alert
from domain.ports import Button
from sandbox import SimMessage, SimUser
from storage import deliveries, networks
from storage import whatsapp as wa
from storage.database import Database
from storage.deliveries import NewDelivery
from tests import given
from tests.conftest import eventually
from tests.test_monitoring import get, metrics
from tests.wa_world import WaWorld, wa_world
from whatsapp import render as wa_render
from whatsapp import statuses
from whatsapp.client import Client, Refused
from whatsapp.dispatcher import PAIR_MARGIN, WaDispatcher

# The bot waits its pair gap with a margin (whatsapp.dispatcher.PAIR_MARGIN): 6 s × 1.1.
PAIR_WAIT_S = 6 * PAIR_MARGIN

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AYSE, BRAM = 501, 502


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "wa.sqlite3")
    try:
        yield database
    finally:
        await database.close()


async def _network(db: Database) -> int:
    async with db.transaction() as conn:
        for user_id in (AYSE, BRAM):
            await conn.execute(
                "INSERT INTO people (user_id, created_at, last_active_at) VALUES (?, ?, ?)",
                (user_id, NOW.isoformat(), NOW.isoformat()),
            )
    return (await networks.create(db, "Noord", None, AYSE, NOW)).id


async def _queue(db: Database, network_id: int, chat_id: int, method: str = "message") -> int:
    item = NewDelivery(
        chat_id=chat_id,
        priority=3,
        kind="alert_private",
        params={"text": "<b>Brand</b> in de Eikstraat"},
        method=method,
        network_id=network_id,
        user_id=chat_id,
    )
    async with db.transaction() as conn:
        return await deliveries.add(conn, item, NOW)


async def _channel(db: Database, delivery_id: int) -> str:
    row = await db.fetch_one("SELECT channel FROM deliveries WHERE id = ?", (delivery_id,))
    assert row is not None
    return str(row[0])


async def test_a_delivery_goes_out_on_the_channel_the_member_chose(db: Database) -> None:
    network_id = await _network(db)
    await wa.link(db, AYSE, "NL.bsuid.ayse", "31612345678", "profile", NOW)
    await wa.set_channel(db, network_id, AYSE, wa.WHATSAPP, NOW)
    assert await wa.channels_of(db, AYSE) == {network_id: "whatsapp"}

    assert await _channel(db, await _queue(db, network_id, AYSE)) == "whatsapp"
    assert await _channel(db, await _queue(db, network_id, BRAM)) == "telegram"
    # A group post, a chat's menu and a picture stay on Telegram.
    assert await _channel(db, await _queue(db, network_id, -100123)) == "telegram"
    assert await _channel(db, await _queue(db, network_id, AYSE, "menu")) == "telegram"
    assert await _channel(db, await _queue(db, network_id, AYSE, "photo")) == "telegram"
    # Telegram's dispatcher never picks WhatsApp's.
    picked = {d.chat_id for d in await deliveries.due(db, NOW, 10)}
    assert AYSE not in picked or all(
        d.channel == "telegram" for d in await deliveries.due(db, NOW, 10)
    )
    assert [d.id for d, _ in await wa.due(db, NOW, 10)] == [1]

    # Back to Telegram: nothing more goes to WhatsApp.
    await wa.set_channel(db, network_id, AYSE, wa.TELEGRAM, NOW)
    assert await _channel(db, await _queue(db, network_id, AYSE)) == "telegram"


async def test_stop_ends_what_was_queued_and_routes_nothing_more(db: Database) -> None:
    network_id = await _network(db)
    await wa.link(db, AYSE, "NL.bsuid.ayse", None, "invite", NOW)
    await wa.set_channel(db, network_id, AYSE, wa.WHATSAPP, NOW)
    queued = await _queue(db, network_id, AYSE)

    assert await wa.stop(db, AYSE, NOW) == 1
    ended = await deliveries.get(db, queued)
    assert ended is not None and (ended.status, ended.error) == ("cancelled", wa.STOPPED)
    assert await _channel(db, await _queue(db, network_id, AYSE)) == "telegram"

    await wa.restart(db, AYSE, NOW)
    assert await _channel(db, await _queue(db, network_id, AYSE)) == "whatsapp"


async def test_a_changed_number_replaces_the_old_one(db: Database) -> None:
    await _network(db)
    await wa.link(db, AYSE, "old", "31600000001", "profile", NOW)
    await wa.link(db, AYSE, "new", "31600000002", "profile", NOW)
    assert await wa.contact_by_wa_user(db, "old") is None
    contact = await wa.get_contact(db, AYSE)
    assert contact is not None and (contact.wa_user, contact.phone) == ("new", "31600000002")
    # One WhatsApp user is one person: Bram linking it takes it from Ayşe.
    await wa.link(db, BRAM, "new", None, "profile", NOW)
    assert await wa.get_contact(db, AYSE) is None
    assert await wa.unlink(db, BRAM)
    assert not await wa.unlink(db, BRAM)


async def test_after_the_doorbell_the_member_s_messages_wait_for_their_answer(
    db: Database,
) -> None:
    network_id = await _network(db)
    await wa.link(db, AYSE, "NL.bsuid.ayse", None, "profile", NOW - timedelta(days=2))
    await wa.set_channel(db, network_id, AYSE, wa.WHATSAPP, NOW)
    first = await _queue(db, network_id, AYSE)
    (delivery, contact), *_ = await wa.due(db, NOW, 10)
    assert contact is not None and not contact.window_open(NOW)

    await wa.record_message(db, "wamid.1", delivery, NOW, template="doorbell", final=False)
    assert await wa.due(db, NOW, 10) == []  # held for her tap
    later = NOW + timedelta(minutes=5)
    await wa.touch_window(db, AYSE, later)
    ((again, contact),) = await wa.due(db, later, 10)
    assert again.id == first and contact is not None and contact.window_open(later)
    assert await wa.members_reached_outside_window(db, later) == {AYSE}

    # Unanswered for a day: the next message may ring again.
    await wa.record_message(
        db, "wamid.2", again, later + timedelta(hours=25), template="doorbell", final=False
    )
    assert await wa.due(db, later + timedelta(hours=26), 10) == []
    contact = await wa.get_contact(db, AYSE)
    assert contact is not None
    assert contact.doorbell_waiting(later + timedelta(hours=26))
    assert not contact.doorbell_waiting(later + timedelta(hours=49))


async def test_a_status_only_moves_forward(db: Database) -> None:
    network_id = await _network(db)
    await wa.link(db, AYSE, "NL.bsuid.ayse", None, "profile", NOW)
    await wa.set_channel(db, network_id, AYSE, wa.WHATSAPP, NOW)
    await _queue(db, network_id, AYSE)
    ((delivery, _),) = await wa.due(db, NOW, 10)
    row_id = await wa.record_message(
        db, "wamid.9", delivery, NOW, actions=["inc:ack:1", "inc:reply:1"], final=True
    )
    sent = await deliveries.get(db, delivery.id)
    assert sent is not None and (sent.status, sent.message_id) == ("sent", row_id)
    last = await wa.last_interactive(db, AYSE)
    assert last is not None and last.actions == ["inc:ack:1", "inc:reply:1"]

    for state, expected in [
        ("delivered", "delivered"),
        ("sent", "delivered"),
        ("read", "read"),
        ("failed", "read"),
        ("delivered", "read"),
    ]:
        message = await wa.set_state(db, "wamid.9", state, None, NOW)
        assert message is not None and message.state == expected
    assert await wa.set_state(db, "wamid.unknown", "read", None, NOW) is None


async def test_templates_keep_what_meta_last_said(db: Database) -> None:
    state = await wa.set_template_state(db, "doorbell", "nl", "APPROVED", "UTILITY", now=NOW)
    assert state.usable
    state = await wa.set_template_state(db, "doorbell", "nl", category="MARKETING", now=NOW)
    assert (state.status, state.category, state.usable) == ("APPROVED", "MARKETING", False)


async def test_the_queue_per_channel(db: Database) -> None:
    network_id = await _network(db)
    await wa.link(db, AYSE, "NL.bsuid.ayse", None, "profile", NOW)
    await wa.set_channel(db, network_id, AYSE, wa.WHATSAPP, NOW)
    await _queue(db, network_id, AYSE)
    await _queue(db, network_id, BRAM)
    await _queue(db, network_id, BRAM)
    queues = await wa.queue(db)
    assert (queues["whatsapp"].pending, queues["telegram"].pending) == (1, 2)


TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('phone_number_id = "1100200300"', "setting whatsapp.token is missing"),
        ('phone_number_id = "12ab"\ntoken = "t"', "setting whatsapp.phone_number_id is invalid"),
        ('display_phone = "06-abc"', "setting whatsapp.display_phone is invalid"),
        ('graph_url = "graph.facebook.com"', "setting whatsapp.graph_url is invalid"),
        ('api_version = "23"', "setting whatsapp.api_version is invalid"),
        ("messages_per_second = 0", "setting whatsapp.messages_per_second is invalid"),
        ("members_outside_window_per_day = 0", "whatsapp.members_outside_window_per_day"),
        ('listen = "127.0.0.1:8444"', "whatsapp.listen needs whatsapp.app_secret"),
        ('listen = "nowhere"', "setting whatsapp.listen is invalid"),
        ('token = "two words"', "setting whatsapp.token is invalid"),
    ],
)
def test_a_broken_whatsapp_setting_is_named(tmp_path: Path, section: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[telegram]\ntoken = "{TOKEN}"\n[whatsapp]\n{section}\n')
    with pytest.raises(SettingsError, match=message.replace(".", r"\.")) as caught:
        load_settings(path)
    assert "\n" not in str(caught.value) and "two words" not in str(caught.value)


def test_whatsapp_is_off_until_configured(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f'[telegram]\ntoken = "{TOKEN}"\n')
    assert not load_settings(path).whatsapp.enabled
    path.write_text(
        f'[telegram]\ntoken = "{TOKEN}"\n[whatsapp]\nphone_number_id = "1100200300"\n'
        'token = "EAAG"\ndisplay_phone = "+31 85 000 1234"\n'
    )
    settings = load_settings(path).whatsapp
    assert settings.enabled and settings.display_phone == "31850001234"
    assert (settings.messages_per_second, settings.members_outside_window_per_day) == (80, 250)


# --- rendering ----------------------------------------------------------------------------

EN = translator("en")


def test_what_a_member_typed_shows_as_typed() -> None:
    assert wa_render.to_whatsapp("a &amp;lt; b &lt; c &amp; d") == "a &lt; b < c & d"


def test_telegram_html_becomes_whatsapp_marks() -> None:
    html = (
        "<b>Brand</b> in de <i>Eikstraat</i> &amp; omgeving<br>"
        '<s>oud</s> <code>12</code> <a href="https://x.nl/a">kaart</a> <a href="tg://user?id=5">Eve</a>'
    )
    assert wa_render.to_whatsapp(html) == (
        "*Brand* in de _Eikstraat_ & omgeving\n~oud~ ```12``` kaart (https://x.nl/a) Eve"
    )


def _buttons(n: int) -> list[list[Button]]:
    return [[Button(f"Choice number {i} with a long label", f"x:{i}")] for i in range(n)]


def test_buttons_become_reply_buttons_a_list_or_numbered_lines() -> None:
    [three] = wa_render.message("Hi", _buttons(3), EN)
    assert three.kind == "buttons" and len(three.choices) == 3
    assert all(len(title) <= 20 for _a, title in three.choices)
    assert three.actions == ("x:0", "x:1", "x:2")
    [seven] = wa_render.message("Hi", _buttons(7), EN)
    assert seven.kind == "list" and seven.list_button == "Choose"
    assert all(len(title) <= 24 for _a, title in seven.choices)
    [many] = wa_render.message("Hi", _buttons(12), EN)
    assert many.kind == "text" and "12. Choice number 11" in many.text
    assert many.actions[11] == "x:11"
    [linked] = wa_render.message("Hi", [[Button("Map", url="https://x.nl/m")]], EN)
    assert (linked.kind, linked.text) == ("text", "Hi\n\nMap: https://x.nl/m")


def test_a_long_text_arrives_whole_in_parts_that_fit() -> None:
    paragraph = "Dit is een zin over de buurt die lang genoeg is. " * 20
    text = "\n\n".join(f"{i}: {paragraph}" for i in range(8))
    parts = wa_render.message(text, _buttons(2), EN)
    assert [p.kind for p in parts][-1] == "buttons"
    assert all(len(p.text) <= 4096 for p in parts) and len(parts[-1].text) <= 1024
    assert " ".join(" ".join(p.text.split()) for p in parts) == " ".join(text.split())


def test_a_venue_is_a_location_and_a_pin_has_no_whatsapp_form() -> None:
    base = deliveries.Delivery(
        id=1,
        chat_id=5,
        priority=3,
        method="venue",
        kind="meeting_venue",
        incident_id=None,
        network_id=1,
        user_id=5,
        reply_to=None,
        pin=False,
        status="pending",
        attempts=0,
        not_before=None,
        message_id=None,
        sent_at=None,
        error=None,
        created_at="",
        params={
            "latitude": 52.09,
            "longitude": 5.12,
            "title": "Buurthuis",
            "address": "Dorpsstraat 1",
        },
    )
    [place] = wa_render.render(base, EN)  # type: ignore[misc]
    assert place.kind == "location" and place.location == wa_render.Place(
        52.09, 5.12, "Buurthuis", "Dorpsstraat 1"
    )
    pin = dataclasses.replace(base, method="pin", params={"message_id": 3})
    assert isinstance(wa_render.render(pin, EN), wa_render.Unsendable)


# --- the stories, through the real application against both sandboxes ---------------------

__all__ = ["wa_world"]  # the fixture


async def alert(world: WaWorld, text: str = "Unrest at the square") -> int:
    svc = services.of(world.app)
    return await send_alert(
        svc, world.chief.id, [world.network.id], "critical", "network_only", text
    )


async def delivery_to(world: WaWorld, user_id: int, incident_id: int) -> deliveries.Delivery:
    row = await world.db.fetch_one(
        "SELECT id FROM deliveries WHERE incident_id = ? AND chat_id = ?"
        " AND kind = 'alert_private'",
        (incident_id, user_id),
    )
    assert row is not None
    found = await deliveries.get(world.db, row[0])
    assert found is not None
    return found


async def test_an_alert_reaches_telegram_members_and_a_whatsapp_member_in_her_window(
    wa_world: WaWorld,
) -> None:
    world = wa_world
    incident_id = await alert(world)
    await world.eve.expect("Unrest at the square")
    got = await world.ayse_wa.wait_for(lambda m: "Unrest at the square" in m.text)
    assert got.kind == "interactive" and got.buttons == ["✅ Seen", "💬 Reply", "📞 Call me"]
    assert got.button_ids == [
        f"inc:ack:{incident_id}",
        f"inc:reply:{incident_id}",
        f"inc:call:{incident_id}",
    ]
    # Not on Telegram as well: Noord reaches her on WhatsApp.
    assert not any("Unrest" in (m.text or "") for m in world.ayse.private_chat.bot_messages())

    async def recorded() -> bool:
        sent = await delivery_to(world, world.ayse.id, incident_id)
        assert sent.channel == "whatsapp"
        return sent.status == "sent"

    await eventually(recorded)
    assert all(request.ok for request in world.wa.requests)
    # Its buttons are kept for a typed reply ("gezien", "1").
    last = await wa.last_interactive(world.db, world.ayse.id)
    assert last is not None and last.actions[0] == f"inc:ack:{incident_id}"

    # The statuses come back: delivered, read (forward only).
    async def read() -> bool:
        message = await wa.message(world.db, got.wamid)
        return message is not None and message.state == "read"

    await eventually(read)


async def member(world: WaWorld, name: str) -> SimUser:
    user = world.sandbox.add_user(name, language_code="en")
    user.started = True
    await given.approved(
        world.db, world.network.id, user, "key_figure", world.chief.id, language="en"
    )
    return user


async def test_outside_her_window_the_doorbell_rings_and_her_tap_brings_the_alert(
    wa_world: WaWorld,
) -> None:
    world = wa_world
    bram = await member(world, "Bram")
    bram_wa = await world.on_whatsapp(bram, "Bram Kok", wrote_at=None)
    incident_id = await alert(world)
    bell = await bram_wa.wait_for(lambda m: m.kind == "template")
    assert bell.template is not None and bell.template.name == "bg_doorbell"
    assert bell.text == "New message from network Noord."  # never the alert itself
    assert bell.buttons == ["Show message"]
    await world.ayse_wa.wait_for(lambda m: "Unrest at the square" in m.text)
    # The alert waits for his answer: no free-form message outside the window.
    await world.outbox.idle()
    assert [m.kind for m in bram_wa.inbox] == ["template"]
    waiting = await delivery_to(world, bram.id, incident_id)
    assert (waiting.channel, waiting.status) == ("whatsapp", "pending")

    world.advance(10)
    await bram_wa.tap(bell, "Show message")
    got = await bram_wa.wait_for(lambda m: "Unrest at the square" in m.text)
    assert got.kind == "interactive" and got.buttons[0] == "✅ Seen"
    assert not [r for r in world.wa.requests if not r.ok]


async def test_a_paused_doorbell_is_never_sent_the_member_gets_telegram_and_hosts_hear(
    wa_world: WaWorld, coordinator: SimUser
) -> None:
    world = wa_world
    coordinator.started = True
    bram = await member(world, "Bram")
    bram_wa = await world.on_whatsapp(bram, "Bram Kok", wrote_at=None)
    world.wa.set_template("bg_doorbell", "en", status="PAUSED")  # Meta's webhook
    notice = await world.chief.expect("no longer accepts the bot's doorbell")
    assert "PAUSED" in (notice.text or "")
    await coordinator.expect("accepteert het belbericht van de bot niet meer")  # in Dutch

    await alert(world)
    await bram.expect("Unrest at the square")  # on Telegram instead
    await world.ayse_wa.wait_for(lambda m: "Unrest at the square" in m.text)  # in her window
    await world.outbox.idle()
    assert bram_wa.inbox == []
    assert not any(r.body.get("type") == "template" for r in world.wa.requests if r.body)


async def test_a_doorbell_refused_when_sent_moves_the_member_to_telegram(
    wa_world: WaWorld,
) -> None:
    world = wa_world
    bram = await member(world, "Bram")
    bram_wa = await world.on_whatsapp(bram, "Bram Kok", wrote_at=None)
    world.wa.templates[("bg_doorbell", "en")].status = "DISABLED"  # no webhook came
    await alert(world)
    await bram.expect("Unrest at the square")
    await world.chief.expect("no longer accepts the bot's doorbell")
    assert bram_wa.inbox == []
    assert [r.error_code for r in world.wa.requests if not r.ok] == [132016]
    state = await wa.template_state(world.db, "bg_doorbell", "en")
    assert state is not None and state.status == "DISABLED"


async def until_sent(world: WaWorld, delivery_id: int, *, step: float = 200) -> deliveries.Delivery:
    """Move the clock on (each retry waits a growing pause) until the delivery is sent; it
    must never end otherwise."""
    for _ in range(100):
        found = await deliveries.get(world.db, delivery_id)
        assert found is not None and found.status in ("pending", "sent"), found
        if found.status == "sent":
            return found
        world.advance(step)
        await asyncio.sleep(0.05)
    raise AssertionError(f"delivery {delivery_id} was not sent")


async def test_server_errors_and_lost_answers_are_never_final(wa_world: WaWorld) -> None:
    world = wa_world
    world.wa.fail(status=500, times=2, to=world.ayse_wa)
    world.wa.fail(status=503, times=1, to=world.ayse_wa)
    world.wa.lose_answer(times=1, to=world.ayse_wa)
    incident_id = await alert(world)
    delivery = await delivery_to(world, world.ayse.id, incident_id)
    sent = await until_sent(world, delivery.id, step=7)
    assert sent.attempts == 5  # four failed tries, then the one that went
    got = await world.ayse_wa.wait_for(lambda m: "Unrest at the square" in m.text)
    assert got.kind == "interactive"
    codes = [r.status for r in world.wa.requests if not r.ok]
    assert sorted(codes[:3]) == [500, 500, 503]


async def test_an_outage_of_the_graph_api_waits_and_everything_goes_when_it_answers(
    wa_world: WaWorld, coordinator: SimUser
) -> None:
    world = wa_world
    coordinator.started = True  # the operator (no ops_chat_id: the coordinators)
    await world.wa.down()
    incident_id = await alert(world)
    await world.eve.expect("Unrest at the square")  # Telegram goes on
    delivery = await delivery_to(world, world.ayse.id, incident_id)

    async def out() -> bool:
        world.advance(30)
        return world.outbox.waiting_for_channel

    await eventually(out)
    world.advance(3600)  # an hour: still waiting, not given up
    await asyncio.sleep(0.2)
    found = await deliveries.get(world.db, delivery.id)
    assert found is not None and found.status == "pending"
    assert found.error is not None and "no answer" in found.error
    # The operator sees it: health, and the queue per channel.
    status, body = await get(world.app, "/healthz")
    assert status == 503 and "WhatsApp not answering since" in body
    samples = await metrics(world.app)
    assert samples[("bondgenoten_whatsapp_outage", ())] == 1
    assert samples[("bondgenoten_channel_queue_pending", (("channel", "whatsapp"),))] == 1
    assert samples[("bondgenoten_channel_queue_pending", (("channel", "telegram"),))] == 0
    assert samples[("bondgenoten_loop_errors_total", (("loop", "whatsapp_dispatcher"),))] == 0
    oldest = ("bondgenoten_channel_queue_oldest_age_seconds", (("channel", "whatsapp"),))
    assert samples[oldest] >= 3600
    told = await coordinator.expect("WhatsApp heeft niet geantwoord sinds")
    assert "1 bericht wacht" in (told.text or "")

    await world.wa.up()
    got = await world.ayse_wa.wait_for(lambda m: "Unrest at the square" in m.text)
    assert got.kind == "interactive"
    await eventually(lambda: _not_waiting(world))
    await coordinator.expect("WhatsApp antwoordt weer")


async def _not_waiting(world: WaWorld) -> bool:
    return not world.outbox.waiting_for_channel


def status_of(world: WaWorld) -> SimMessage:
    return next(m for m in world.chief.private_chat.bot_messages() if "Alert #" in (m.text or ""))


async def test_one_message_per_six_seconds_to_a_member_and_meta_s_limits_are_waited_out(
    wa_world: WaWorld,
) -> None:
    world = wa_world
    first = await alert(world, "Unrest at the square")
    await world.ayse_wa.wait_for(lambda m: "Unrest at the square" in m.text)
    second = await alert(world, "Smoke in the Eikstraat")
    later = await delivery_to(world, world.ayse.id, second)
    # The clock stands still: the second waits for its six seconds, no request is wasted.
    await world.outbox.idle()
    waiting = await deliveries.get(world.db, later.id)
    assert waiting is not None and waiting.status == "pending" and waiting.not_before
    assert len(world.ayse_wa.inbox) == 1
    world.advance(PAIR_WAIT_S)
    await world.ayse_wa.wait_for(lambda m: "Smoke in the Eikstraat" in m.text)
    assert all(r.ok for r in world.wa.requests)
    assert first != second

    # Meta says "too fast" anyway (131056, 130429): waited out, not counted as a failed try.
    world.wa.fail(code=131056, to=world.ayse_wa)
    world.wa.fail(code=130429, to=world.ayse_wa)
    third = await alert(world, "Dog loose at the school")
    world.advance(PAIR_WAIT_S)
    delivery = await delivery_to(world, world.ayse.id, third)
    sent = await until_sent(world, delivery.id, step=7)
    assert sent.attempts == 1
    assert sorted(r.error_code or 0 for r in world.wa.requests if not r.ok) == [130429, 131056]


async def test_the_daily_limit_of_members_rung_holds_back_and_the_sender_sees_it(
    wa_world: WaWorld,
) -> None:
    world = wa_world
    services.of(world.app).settings.whatsapp.members_outside_window_per_day = 1
    bram = await member(world, "Bram")
    dirk = await member(world, "Dirk")
    bram_wa = await world.on_whatsapp(bram, "Bram Kok", wrote_at=None)
    dirk_wa = await world.on_whatsapp(dirk, "Dirk Bos", wrote_at=None)
    incident_id = await alert(world)
    await bram_wa.wait_for(lambda m: m.kind == "template")
    await world.outbox.idle()
    assert dirk_wa.inbox == []  # over the limit: held back, not lost
    held = await delivery_to(world, dirk.id, incident_id)
    assert held.status == "pending" and (held.error or "").startswith(wa.HELD_BACK)
    status = status_of(world)
    await world.sandbox.wait_for(
        lambda: (
            "held back by WhatsApp's daily limit 1" in (status.text or "")
            and "waiting for their tap 1" in (status.text or "")
        )
    )
    # It waits for the place Bram's doorbell frees a day later (or for the alert's end).
    assert held.not_before is not None
    assert datetime.fromisoformat(held.not_before) > world.clock.now() + timedelta(hours=23)
    assert not [r for r in world.wa.requests if not r.ok]


async def test_statuses_only_move_forward_and_a_late_window_failure_rings_the_doorbell(
    wa_world: WaWorld,
) -> None:
    world = wa_world
    svc = services.of(world.app)
    bram = await member(world, "Bram")
    now = world.clock.now()
    bram_wa = await world.on_whatsapp(bram, "Bram Kok", wrote_at=now - timedelta(hours=1))
    bram_wa.last_inbound = now - timedelta(hours=30)  # WhatsApp knows better than we do
    incident_id = await alert(world)

    # Accepted, then failed in a status webhook (131047): the alert is pending again, behind
    # the doorbell; nothing is lost.
    async def reopened() -> bool:
        delivery = await delivery_to(world, bram.id, incident_id)
        return delivery.status == "pending" and "24-hour window" in (delivery.error or "")

    await eventually(reopened)
    world.advance(7)  # one message per six seconds to him, the failed one too
    bell = await bram_wa.wait_for(lambda m: m.kind == "template")
    world.advance(10)
    await bram_wa.tap(bell, "Show message")
    got = await bram_wa.wait_for(
        lambda m: "Unrest at the square" in m.text and m.kind != "template"
    )
    assert got.kind == "interactive"

    async def read() -> bool:
        message = await wa.message(world.db, got.wamid)
        return message is not None and message.state == "read"

    await eventually(read)
    # A late or repeated status never moves it back; an unknown message is not ours.
    assert await statuses.apply_status(svc, got.wamid, "delivered", None, world.clock.now())
    assert await statuses.apply_status(svc, got.wamid, "failed", 131026, world.clock.now())
    message = await wa.message(world.db, got.wamid)
    assert message is not None and message.state == "read"
    sent = await delivery_to(world, bram.id, incident_id)
    assert (sent.status, sent.channel) == ("sent", "whatsapp")
    assert not await statuses.apply_status(svc, "wamid.unknown", "read", None, world.clock.now())


async def test_a_writer_cancelled_while_beginning_leaves_no_transaction_open(
    tmp_path: Path,
) -> None:
    """Found here: the webhook's worker, cancelled at stop while its BEGIN ran, left the
    transaction open and the database's close failed ('database table is locked')."""
    for _ in range(20):
        database = await Database.open(tmp_path / f"cancel-{_}.sqlite3")

        async def write(db: Database = database) -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO wa_templates VALUES ('t', 'nl', 'A', 'U', 'x')")

        task = asyncio.create_task(write())
        await asyncio.sleep(0)  # it is awaiting its BEGIN now
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        async with database.transaction() as conn:  # the next writer is not refused
            await conn.execute("DELETE FROM wa_templates")
        await database.close()  # nor is the checkpoint at close


async def test_what_whatsapp_refuses_or_cannot_carry_goes_on_telegram_instead(
    wa_world: WaWorld,
) -> None:
    world = wa_world
    world.wa.fail(code=131026, to=world.ayse_wa)  # Meta's verdict: undeliverable
    incident_id = await alert(world)
    await world.ayse.expect("Unrest at the square")  # the alert must arrive: on Telegram
    moved = await delivery_to(world, world.ayse.id, incident_id)
    assert moved.channel == "telegram" and "131026" in (moved.error or "")

    # Unlinked while a message waited: it goes on Telegram too.
    await world.wa.down()
    second = await alert(world, "Smoke in the Eikstraat")
    assert await wa.unlink(world.db, world.ayse.id)
    services.of(world.app).dispatcher.wake()
    await world.ayse.expect("Smoke in the Eikstraat")
    waited = await delivery_to(world, world.ayse.id, second)
    assert waited.channel == "telegram"


async def test_a_long_alert_arrives_whole_in_parts_paced_for_the_member(
    wa_world: WaWorld,
) -> None:
    world = wa_world
    sentence = "Bij de ingang van het winkelcentrum staat een groep met vuurwerk. "
    text = "\n\n".join(f"{n}. {sentence * 8}".strip() for n in range(6))[:3500]
    incident_id = await alert(world, text)
    first = await world.ayse_wa.wait_for(lambda m: m.kind == "text")
    await world.outbox.idle()
    assert len(world.ayse_wa.inbox) == 1  # the next part waits its six seconds
    delivery = await delivery_to(world, world.ayse.id, incident_id)
    assert delivery.status == "pending"
    world.advance(PAIR_WAIT_S)
    last = await world.ayse_wa.wait_for(lambda m: m.kind == "interactive")
    assert len(last.text) <= 1024 and last.buttons[0] == "✅ Seen"
    shown = " ".join(" ".join(m.text.split()) for m in (first, last))
    assert " ".join(text.split()) in shown  # nothing of it lost
    assert all(r.ok for r in world.wa.requests)

    async def sent() -> bool:
        return (await delivery_to(world, world.ayse.id, incident_id)).status == "sent"

    await eventually(sent)


async def test_what_waits_behind_the_doorbell_is_in_the_database_not_in_memory(
    wa_world: WaWorld,
) -> None:
    """A new outbox (as after a restart) knows the doorbell rang and what waits behind it."""
    world = wa_world
    svc = services.of(world.app)
    bram = await member(world, "Bram")
    bram_wa = await world.on_whatsapp(bram, "Bram Kok", wrote_at=None)
    await alert(world)
    bell = await bram_wa.wait_for(lambda m: m.kind == "template")
    await world.outbox.idle()
    await world.outbox.stop()
    fresh = WaDispatcher(svc, svc.wa_client)
    svc.whatsapp = fresh
    await fresh.start()
    world.advance(30)
    await fresh.idle()
    assert [m.kind for m in bram_wa.inbox] == ["template"]  # no second ring
    await bram_wa.tap(bell, "Show message")
    got = await bram_wa.wait_for(lambda m: "Unrest at the square" in m.text)
    assert got.kind == "interactive"


async def test_the_doorbell_rings_in_the_member_s_language(wa_world: WaWorld) -> None:
    world = wa_world
    fenna = world.sandbox.add_user("Fenna", language_code="nl")
    fenna.started = True
    await given.approved(
        world.db, world.network.id, fenna, "key_figure", world.chief.id, language="nl"
    )
    fenna_wa = await world.on_whatsapp(fenna, "Fenna de Boer", wrote_at=None)
    await alert(world)
    bell = await fenna_wa.wait_for(lambda m: m.kind == "template")
    assert bell.template is not None and bell.template.language == "nl"
    assert (bell.text, bell.buttons) == ("Nieuw bericht van netwerk Noord.", ["Toon bericht"])
    world.advance(10)
    await fenna_wa.tap(bell, "Toon bericht")
    got = await fenna_wa.wait_for(lambda m: "Unrest at the square" in m.text)
    assert got.buttons[0] == "✅ Gezien"


async def test_an_outage_s_probe_never_rings_a_second_time(wa_world: WaWorld) -> None:
    world = wa_world
    bram = await member(world, "Bram")
    bram_wa = await world.on_whatsapp(bram, "Bram Kok", wrote_at=None)
    await alert(world, "Unrest at the square")
    await bram_wa.wait_for(lambda m: m.kind == "template")
    await world.ayse_wa.wait_for(lambda m: "Unrest" in m.text)
    await world.wa.down()
    await alert(world, "Smoke in the Eikstraat")

    async def out() -> bool:
        world.advance(30)
        return world.outbox.waiting_for_channel

    await eventually(out)
    await world.wa.up()
    await world.ayse_wa.wait_for(lambda m: "Smoke" in m.text)
    await eventually(lambda: _not_waiting(world))
    await world.outbox.idle()
    assert [m.kind for m in bram_wa.inbox] == ["template"]


async def test_meta_s_own_daily_limit_reported_late_holds_back_too(wa_world: WaWorld) -> None:
    """Our cap is set higher than the number's real tier: WhatsApp takes the second doorbell,
    then reports it failed (131048). It rings again later, not at once; nothing is lost."""
    world = wa_world
    world.wa.unique_cap = 1
    bram = await member(world, "Bram")
    dirk = await member(world, "Dirk")
    bram_wa = await world.on_whatsapp(bram, "Bram Kok", wrote_at=None)
    dirk_wa = await world.on_whatsapp(dirk, "Dirk Bos", wrote_at=None)
    incident_id = await alert(world)
    await bram_wa.wait_for(lambda m: m.kind == "template")

    async def held() -> bool:
        delivery = await delivery_to(world, dirk.id, incident_id)
        return delivery.status == "pending" and (delivery.error or "").startswith(wa.HELD_BACK)

    await eventually(held)
    assert dirk_wa.inbox == [] or all(m.status == "failed" for m in dirk_wa.inbox)
    contact = await wa.get_contact(world.db, dirk.id)
    assert contact is not None and contact.doorbell_at is None  # it may ring again
    status = status_of(world)
    await world.sandbox.wait_for(
        lambda: "held back by WhatsApp's daily limit 1" in (status.text or "")
    )


async def test_a_proxy_s_html_error_page_is_a_passing_failure_in_one_short_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)

    async def bad_gateway(_request: web.Request) -> web.Response:
        page = "<html>\n<head><title>502 Bad Gateway</title></head>\n" + "<p>x</p>\n" * 500
        return web.Response(status=502, text=page, content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", bad_gateway)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    settings = WhatsAppSettings(
        phone_number_id="1100200300",
        token="EAAG-the-secret-token-42",
        graph_url=f"http://127.0.0.1:{port}",
    )
    client = Client(settings)
    try:
        result = await client.send("NL.1", wa_render.Outgoing("text", "Hallo"))
    finally:
        await client.close()
        await runner.cleanup()
    assert isinstance(result, Refused) and result.passing and result.transient
    assert "\n" not in result.reason and len(result.reason) < 300
    assert "the-secret-token" not in caplog.text and "the-secret-token" not in repr(result)

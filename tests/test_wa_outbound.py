"""The WhatsApp channel, outbound: deliveries routed to the channel each member chose, sent
within WhatsApp's rules (the 24-hour window, the doorbell template, Meta's limits), and every
outcome recorded the way Telegram's are.

The storage rules first (routing, stop, the doorbell's hold, statuses forward only), then the
stories driven through the real application against both sandboxes (tests/wa_world.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import services
from bot.i18n import translator
from bot.settings import SettingsError, load_settings
from domain.alerts import send_alert
from domain.ports import Button
from storage import deliveries, networks
from storage import whatsapp as wa
from storage.database import Database
from storage.deliveries import NewDelivery
from tests.conftest import eventually
from tests.wa_world import WaWorld, wa_world
from whatsapp import render as wa_render

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

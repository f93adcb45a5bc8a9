"""The WhatsApp channel, outbound: deliveries routed to the channel each member chose, sent
within WhatsApp's rules (the 24-hour window, the doorbell template, Meta's limits), and every
outcome recorded the way Telegram's are.

The storage rules first (routing, stop, the doorbell's hold, statuses forward only), then the
stories driven through the real application against both sandboxes (tests/wa_world.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.settings import SettingsError, load_settings
from storage import deliveries, networks
from storage import whatsapp as wa
from storage.database import Database
from storage.deliveries import NewDelivery

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

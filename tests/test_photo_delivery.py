"""A picture through the outbox (a `photo` delivery: the monthly digest's chart): it reaches
Telegram as a multipart sendPhoto with its caption, through an outage and a restart between, and
exactly once; its bytes wait in the database while it waits and are gone once it ended or the
person was forgotten. The outage is the sandbox's, the clock is moved."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.settings import Settings
from domain import ports
from sandbox import Sandbox, SimUser
from storage import deliveries, media
from storage.database import Database
from storage.deliveries import NewDelivery, priority
from storage.privacy import forget_person
from tests.conftest import eventually, make_settings
from tests.test_outage import bot, settled

START = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def quick(sandbox: Sandbox, tmp_path: Path, coordinator: SimUser) -> Settings:
    """Sends give up waiting after a second, so a hanging Telegram is quick."""
    settings = make_settings(
        sandbox, tmp_path / "bot.sqlite3", access={"coordinators": [coordinator.id]}
    )
    settings.telegram.read_timeout = 1.0
    return settings


def chart(width: int = 1080, height: int = 720) -> bytes:
    """A real PNG with more than one colour, as a chart is."""
    image = Image.new("RGB", (width, height), (255, 255, 255))
    for x in range(100, 300):
        for y in range(200, 600):
            image.putpixel((x, y), (30, 90, 200))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


async def queue_photo(app: BotApplication, chat_id: int, content: bytes, caption: str) -> int:
    svc = services.of(app)
    now = svc.clock.now()
    async with svc.database.transaction() as conn:
        delivery_id = await deliveries.add(
            conn,
            NewDelivery(
                chat_id=chat_id,
                priority=priority("routine", group=False),
                kind="digest_chart",
                method=ports.PHOTO,
                params=ports.photo(caption),
                user_id=chat_id,
                expires_at=now + timedelta(days=3),
            ),
            now,
        )
        await media.add(conn, delivery_id, content, "digest.png")
    svc.dispatcher.wake()
    return delivery_id


async def stored_pictures(db: Database) -> int:
    row = await db.fetch_one("SELECT count(*) FROM delivery_media")
    assert row is not None
    return int(row[0])


def photo_sends(sandbox: Sandbox, chat_id: int) -> int:
    return sum(
        1
        for r in sandbox.requests
        if r.ok and r.method == "sendPhoto" and str(r.params.get("chat_id")) == str(chat_id)
    )


async def test_a_picture_arrives_with_its_caption_and_its_bytes_go_once_sent(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    coordinator.started = True
    content = chart()
    async with bot(settings, ManualClock(START)) as app:
        db = services.of(app).database
        delivery_id = await queue_photo(app, coordinator.id, content, "<b>Noord</b>: 3 of 5 came")
        message = await coordinator.expect("Noord: 3 of 5 came")
        assert message.file == content and message.photo is not None
        assert message.photo[-1]["width"] == 1080 and message.photo[-1]["height"] == 720
        assert [(e["type"], e["offset"]) for e in message.caption_entities] == [("bold", 0)]
        assert "photo" not in (await db.fetch_one(
            "SELECT params FROM deliveries WHERE id = ?", (delivery_id,)
        ))[0]  # fmt: skip

        async def ended() -> bool:
            found = await deliveries.get(db, delivery_id)
            return found is not None and found.status == "sent"

        await eventually(ended)
        assert await stored_pictures(db) == 0


async def test_through_an_outage_and_a_restart_the_picture_arrives_once(
    sandbox: Sandbox, quick: Settings, coordinator: SimUser
) -> None:
    coordinator.started = True
    clock = ManualClock(START)
    content = chart()
    async with bot(quick, clock) as app:
        # Telegram's data centre for her chat is down (the bot can still start without it).
        sandbox.faults.outage("5xx", chat_ids=[coordinator.id])
        delivery_id = await queue_photo(app, coordinator.id, content, "The digest's chart")
        await outage_of_without_recovery(sandbox, clock, minutes=3)
        db = services.of(app).database
        assert await stored_pictures(db) == 1  # waits, with its bytes
        assert photo_sends(sandbox, coordinator.id) == 0
    # The bot restarts while her chat is still out of reach; then Telegram answers again.
    async with bot(quick, clock) as app:
        await outage_of_without_recovery(sandbox, clock, minutes=2)
        assert photo_sends(sandbox, coordinator.id) == 0
        sandbox.faults.recover()
        db = services.of(app).database
        await settled(db, clock)
        found = await deliveries.get(db, delivery_id)
        assert found is not None and found.status == "sent"
        assert photo_sends(sandbox, coordinator.id) == 1
        (message,) = [m for m in coordinator.private_chat.bot_messages() if m.photo]
        assert message.file == content and message.caption == "The digest's chart"
        assert await stored_pictures(db) == 0


async def outage_of_without_recovery(sandbox: Sandbox, clock: ManualClock, minutes: int) -> None:
    """Minutes pass by the bot's clock while Telegram stays as it is."""
    for _ in range(minutes * 2):
        clock.advance(timedelta(seconds=30))
        await asyncio.sleep(0.15)


async def test_a_picture_that_expired_or_whose_person_was_forgotten_leaves_no_bytes(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser, tmp_path: Path
) -> None:
    coordinator.started = True
    clock = ManualClock(START)
    async with bot(settings, clock) as app:
        svc = services.of(app)
        db = svc.database
        other = sandbox.add_user("Olga")
        sandbox.faults.outage("5xx", chat_ids=[coordinator.id, other.id])
        expiring = await queue_photo(app, coordinator.id, chart(), "Too late")
        clock.advance(timedelta(days=4))  # past its lifetime

        async def expired() -> bool:
            found = await deliveries.get(db, expiring)
            return found is not None and found.status == "expired"

        await eventually(expired)
        assert await stored_pictures(db) == 0

        await queue_photo(app, other.id, chart(), "For Olga")
        assert await stored_pictures(db) == 1
        await forget_person(db, other.id)
        assert await stored_pictures(db) == 0
        sandbox.faults.recover()
        assert photo_sends(sandbox, other.id) == 0

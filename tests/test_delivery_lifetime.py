"""The outbox's lifetime rules in the database: expiry, release after an outage, the migration
that brought them, and loops that go on past one bad item."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot import supervise
from storage import database, deliveries
from storage.database import Database
from storage.deliveries import NewDelivery

NOW = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)


def note(chat_id: int, **extra: object) -> NewDelivery:
    return NewDelivery(chat_id=chat_id, priority=7, kind="test", params={"text": "hi"}, **extra)  # type: ignore[arg-type]


async def test_a_delivery_lives_a_day_unless_its_builder_says_otherwise(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.transaction() as conn:
            routine, meeting = await deliveries.add_many(
                conn, [note(1), note(2, expires_at=NOW + timedelta(hours=2))], NOW
            )
        assert [d.id for d in await deliveries.due(db, NOW, 10)] == [routine, meeting]
        assert await deliveries.expire_due(db, NOW + timedelta(hours=1)) == []
        [ended] = await deliveries.expire_due(db, NOW + timedelta(hours=2))
        assert ended.id == meeting and ended.status == "expired"
        assert ended.error == "expired before it could be sent"
        assert [d.id for d in await deliveries.due(db, NOW + timedelta(hours=3), 10)] == [routine]
        assert await deliveries.due(db, NOW + timedelta(days=1), 10) == []  # past its day
    finally:
        await db.close()


async def test_recovery_releases_only_what_waited_out_the_outage(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.transaction() as conn:
            before, during, fresh = await deliveries.add_many(
                conn, [note(1), note(2), note(3)], NOW
            )
        later = NOW + timedelta(minutes=3)
        await deliveries.retry_later(db, before, later, "Bad Gateway", NOW - timedelta(hours=1))
        await deliveries.retry_later(db, during, later, "Bad Gateway", NOW)
        assert await deliveries.release(db, since=NOW - timedelta(seconds=5), now=NOW) == 1
        assert [d.id for d in await deliveries.due(db, NOW, 10)] == [during, fresh]
        found = await deliveries.get(db, during)
        assert found is not None and found.attempts == 1 and found.error == "Bad Gateway"
    finally:
        await db.close()


async def test_the_lifetime_migration_keeps_queued_messages_and_their_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.sqlite3"
    every = database.migrations()
    monkeypatch.setattr(database, "migrations", lambda: [m for m in every if m.version <= 6])
    db = await Database.open(path)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO deliveries (chat_id, priority, method, params, kind, created_at, status,"
            " message_id) VALUES (1, 0, 'sendMessage', '{}', 'alert_private', 'x', 'sent', 5)"
        )
        await conn.execute(
            "INSERT INTO deliveries (chat_id, priority, method, params, kind, created_at,"
            " reply_to) VALUES (1, 0, 'sendMessage', '{}', 'alert_update', 'x', 1)"
        )
    await db.close()
    monkeypatch.setattr(database, "migrations", lambda: every)
    db = await Database.open(path)
    try:
        sent, follow_up = [await deliveries.get(db, n) for n in (1, 2)]
        assert sent is not None and sent.status == "sent" and sent.expires_at is None
        assert follow_up is not None and follow_up.reply_to == 1 and follow_up.expires_at
        assert await db.fetch_all("PRAGMA foreign_key_check") == []
        await deliveries.give_up(db, 2, "expired", "the new final state is allowed")
        ended = await deliveries.get(db, 2)
        assert ended is not None and ended.status == "expired"
    finally:
        await db.close()


async def test_one_failing_item_does_not_stop_the_loop(caplog: pytest.LogCaptureFixture) -> None:
    done: list[int] = []

    async def work(n: int) -> None:
        if n == 2:
            raise RuntimeError("bad meeting")
        done.append(n)

    before = supervise.failures["test loop"]
    with caplog.at_level(logging.ERROR):
        failed = await supervise.each("test loop", [1, 2, 3], work, lambda n: f"item {n}")
    assert failed == 1 and done == [1, 3]
    assert supervise.failures["test loop"] == before + 1
    assert "test loop: item 2 failed" in caplog.text


async def test_later_parts_and_follow_ups_wait_for_what_they_follow(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.transaction() as conn:
            first, more, other = await deliveries.add_many(
                conn, [note(1), replace(note(1), kind="test:more"), note(2)], NOW
            )
            follow_up = await deliveries.add(conn, replace(note(1), reply_to=first), NOW)
        assert [d.id for d in await deliveries.due(db, NOW, 10)] == [first, other]
        await deliveries.retry_later(db, first, NOW + timedelta(minutes=1), "Bad Gateway", NOW)
        assert [d.id for d in await deliveries.due(db, NOW, 10)] == [other]  # nothing overtakes
        await deliveries.mark_sent(db, first, 11, NOW)
        assert [d.id for d in await deliveries.due(db, NOW, 10)] == [more, other, follow_up]
    finally:
        await db.close()

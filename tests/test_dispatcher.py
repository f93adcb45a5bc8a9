"""The dispatcher sends the outbox in priority order, within the flood limits, exactly once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot import services
from bot.app import BotApplication, build_application, running
from bot.settings import Settings
from sandbox import Sandbox, SimUser
from storage import deliveries, group_chats
from storage.database import Database
from storage.deliveries import NewDelivery, priority
from tests.conftest import make_settings


@pytest.fixture
async def limited() -> AsyncIterator[Sandbox]:
    """A sandbox with Telegram's flood limits on."""
    async with Sandbox(flood_limits=True) as sb:
        yield sb


def started(sandbox: Sandbox, count: int, prefix: str = "P") -> list[SimUser]:
    people = [sandbox.add_user(f"{prefix}{n}") for n in range(count)]
    for person in people:
        person.started = True  # they opened the bot once, long ago
    return people


async def queue(app: BotApplication, items: list[NewDelivery]) -> list[int]:
    svc = services.of(app)
    async with svc.database.transaction() as conn:
        ids = await deliveries.add_many(conn, items, datetime.now(UTC))
    svc.dispatcher.wake()
    return ids


def message(chat_id: int, text: str, severity: str = "routine", **extra: object) -> NewDelivery:
    group = chat_id < 0
    return NewDelivery(
        chat_id=chat_id,
        priority=priority(severity, group=group),
        kind="test",
        params={"text": text},
        **extra,  # type: ignore[arg-type]
    )


def sends_to(sandbox: Sandbox, chat_id: int) -> list[object]:
    return [
        r
        for r in sandbox.requests
        if r.method == "sendMessage" and r.params.get("chat_id") == chat_id
    ]


async def test_a_critical_alert_overtakes_routine_traffic_and_nothing_bounces(
    limited: Sandbox, tmp_path: Path
) -> None:
    settings = make_settings(limited, tmp_path / "b.sqlite3")
    async with running(build_application(settings)) as app:
        dispatcher = services.of(app).dispatcher
        crowd = started(limited, 80)
        await queue(app, [message(p.id, f"routine {n}") for n, p in enumerate(crowd)])
        chief = started(limited, 1, "Chief")[0]
        await queue(app, [message(chief.id, "critical!", "critical")])
        # How many were out when it was queued: the faster the bot, the more.
        out_then = len([r for r in limited.requests if r.method == "sendMessage"])
        await dispatcher.idle()
    sent = [r for r in limited.requests if r.method == "sendMessage" and r.ok]
    assert len(sent) == 81
    order = [r.params["text"] for r in sent]
    # Behind at most what was already out or in flight: it overtakes everything else.
    assert order.index("critical!") <= out_then + dispatcher.in_flight < 80
    assert limited.flood_429_count == 0


async def test_a_429_holds_only_that_chat(app: BotApplication, sandbox: Sandbox) -> None:
    slow, quick1, quick2 = started(sandbox, 3)
    sandbox.faults.fail_next("sendMessage", chat_id=slow.id, error_code=429, retry_after=2)
    await queue(app, [message(slow.id, "a"), message(quick1.id, "b"), message(quick2.id, "c")])
    await sandbox.wait_for(lambda: len(slow.private_chat.bot_messages()) == 1)
    assert [m.text for m in slow.private_chat.bot_messages()] == ["a"]
    ok = [r for r in sandbox.requests if r.method == "sendMessage" and r.ok]
    assert [r.params["text"] for r in ok] == ["b", "c", "a"]


async def test_server_errors_are_retried_and_sent_once(
    app: BotApplication, sandbox: Sandbox
) -> None:
    (person,) = started(sandbox, 1)
    sandbox.faults.fail_next("sendMessage", chat_id=person.id, error_code=502, times=2)
    (delivery_id,) = await queue(app, [message(person.id, "hello")])
    db = services.of(app).database
    await services.of(app).dispatcher.idle()
    # Retries wait a growing pause; idle() returns while it is not due yet, so wait for it.
    await sandbox.wait_for(lambda: len(person.private_chat.bot_messages()) == 1, timeout=20)
    await services.of(app).dispatcher.idle()
    record = await deliveries.get(db, delivery_id)
    assert record is not None and record.status == "sent" and record.attempts == 3
    assert len(person.private_chat.bot_messages()) == 1


async def test_a_blocked_person_is_marked_unreachable(
    app: BotApplication, sandbox: Sandbox
) -> None:
    (person,) = started(sandbox, 1)
    await person.block_bot()
    (delivery_id,) = await queue(app, [message(person.id, "hello")])
    await services.of(app).dispatcher.idle()
    record = await deliveries.get(services.of(app).database, delivery_id)
    assert record is not None and record.status == "unreachable"
    assert "blocked" in (record.error or "")


async def test_queued_messages_survive_a_restart_and_go_once(
    sandbox: Sandbox, settings: Settings
) -> None:
    people = started(sandbox, 5)
    async with running(build_application(settings)) as app:
        db = services.of(app).database
        await services.of(app).dispatcher.stop()  # as if the bot died right after queueing
        await queue(app, [message(p.id, "after the restart") for p in people])
    assert all(not p.private_chat.bot_messages() for p in people)
    async with running(build_application(settings)) as app:
        await services.of(app).dispatcher.idle()
    async with running(build_application(settings)) as app:  # and again: nothing twice
        await services.of(app).dispatcher.idle()
        db = services.of(app).database
        rows = await db.fetch_all("SELECT status FROM deliveries")
    assert [len(p.private_chat.bot_messages()) for p in people] == [1] * 5
    assert {r["status"] for r in rows} == {"sent"}


async def test_a_group_that_became_a_supergroup_gets_the_post_there(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    group = sandbox.add_group("Wijk Noord", members=[coordinator], admins=[coordinator])
    async with running(build_application(settings)) as app:
        await group.add_bot(by=coordinator, rights={"can_invite_users": True})
        await group.expect("/link")
        db: Database = services.of(app).database
        assert await group_chats.get(db, group.id) is not None
    old_id = group.id
    new_id = await group.migrate_to_supergroup(by=coordinator)
    async with running(build_application(settings)) as app:
        # Queued for the old id before the bot saw the migration: Telegram answers 400
        # with migrate_to_chat_id and the post follows the group.
        await services.of(app).dispatcher.stop()
        await queue(app, [message(old_id, "after the migration", "urgent")])
        await services.of(app).dispatcher.start()
        await services.of(app).dispatcher.idle()
        db = services.of(app).database
        moved = await group_chats.get(db, new_id)
    assert moved is not None
    new_chat = sandbox.chat(new_id)
    assert [m.text for m in new_chat.bot_messages()][-1] == "after the migration"


async def test_a_follow_up_is_sent_as_a_reply_to_the_message_it_follows(
    app: BotApplication, sandbox: Sandbox
) -> None:
    (person,) = started(sandbox, 1)
    svc = services.of(app)
    (original,) = await queue(app, [message(person.id, "the alert")])
    # Queued at once after it: it waits until the original is sent and recorded.
    (_follow_up,) = await queue(app, [message(person.id, "an update", reply_to=original)])
    await svc.dispatcher.idle()
    first, second = person.private_chat.bot_messages()
    assert (first.text, second.text) == ("the alert", "an update")
    [request] = [r for r in sends_to(sandbox, person.id) if r.params["text"] == "an update"]
    assert request.params["reply_parameters"]["message_id"] == first.message_id  # type: ignore[attr-defined]


async def test_what_was_sent_before_a_stop_is_recorded_and_never_sent_again(
    sandbox: Sandbox, settings: Settings
) -> None:
    people = started(sandbox, 30)
    async with running(build_application(settings)) as app:
        svc = services.of(app)
        await queue(app, [message(p.id, "just before the stop") for p in people])
        await sandbox.wait_for(lambda: all(p.private_chat.bot_messages() for p in people))
        await svc.dispatcher.stop()  # sent copies may still wait to be recorded together
        rows = await svc.database.fetch_all("SELECT status, message_id FROM deliveries")
    assert {r["status"] for r in rows} == {"sent"}
    assert all(r["message_id"] for r in rows)
    async with running(build_application(settings)) as app:
        await services.of(app).dispatcher.idle()
    assert [len(p.private_chat.bot_messages()) for p in people] == [1] * 30


async def test_the_queue_is_read_past_what_the_dispatcher_holds(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    db = await Database.open(tmp_path / "db.sqlite3")
    try:
        async with db.transaction() as conn:
            ids = await deliveries.add_many(conn, [message(n, f"m{n}") for n in range(1, 11)], now)
        held = set(ids[:4])  # on the wire, or sent and not recorded yet
        assert [d.id for d in await deliveries.due(db, now, 3, held)] == ids[4:7]
        assert [d.id for d in await deliveries.due(db, now, 10, held)] == ids[4:]
        assert await deliveries.due(db, now, 5, set(ids)) == []
        await deliveries.mark_all_sent(
            db, [deliveries.SentRecord(i, 100 + i) for i in ids[:4]], now
        )
        assert [d.id for d in await deliveries.due(db, now, 3)] == ids[4:7]
        again = await deliveries.get(db, ids[0])
        assert again is not None and (again.status, again.message_id) == ("sent", 100 + ids[0])
    finally:
        await db.close()

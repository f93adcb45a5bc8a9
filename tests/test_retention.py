"""Retention: the daily job keeps each thing as long as its window says, and no longer.

Fatima answers an alert (seen, a mood, a few words), Bea is removed from the network and Eva's
application is rejected. The bot's clock then moves a month, half a year and a year ahead,
with the bot restarted each time: the job runs through the real application and its scheduler,
message texts go first, then replies (their numbers kept), ended memberships, and finally the
incident itself, of which a summary stays. Run twice, it changes nothing the second time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot import services
from bot.app import BotApplication
from bot.clock import ManualClock
from bot.settings import Settings
from domain import removal, retention
from domain.alerts import send_alert
from sandbox import Sandbox, SimUser
from storage import invites, memberships, networks
from storage import retention as store
from storage.database import Database
from storage.deliveries import NewDelivery, add
from tests.conftest import eventually, make_settings
from tests.test_incident_escalation import bot
from tests.test_incidents import approved, linked_group

NOW = datetime.now(UTC)


async def run_retention(app: BotApplication) -> dict[str, int]:
    """The daily job, now by the bot's clock, as the scheduler runs it."""
    queue = app.job_queue
    assert queue is not None

    async def planned() -> bool:
        return bool(queue.get_jobs_by_name(retention.JOB))

    await eventually(planned)  # planned at start
    [job] = queue.get_jobs_by_name(retention.JOB)
    job.schedule_removal()
    await job.run(app)
    db = services.of(app).database
    row = await db.fetch_one("SELECT counts FROM retention_runs ORDER BY id DESC LIMIT 1")
    assert row is not None
    counts: dict[str, int] = json.loads(row["counts"])
    return counts


async def rejected(db: Database, network_id: int, user: SimUser, *, by: int) -> None:
    """`user` applied and was not admitted, just now."""
    invite = await invites.create(db, network_id, "key_figure", by, NOW)
    assert isinstance(await invites.redeem(db, invite.code, user.id, NOW), invites.Invite)
    answers: dict[str, str | bool | None] = {"display_name": user.first_name, "phone": "0612"}
    await memberships.save_intake(db, network_id, user.id, NOW, answers=answers, consent=True)
    await memberships.submit(db, network_id, user.id, NOW)
    assert (await memberships.decide(db, network_id, user.id, "rejected", by, NOW)).decided_here


async def bodies(db: Database, kind: str) -> list[dict[str, object]]:
    rows = await db.fetch_all("SELECT params FROM deliveries WHERE kind = ? ORDER BY id", (kind,))
    return [json.loads(row["params"]) for row in rows]


async def test_the_daily_job_keeps_each_thing_for_its_window_across_restarts(
    sandbox: Sandbox, settings: Settings, coordinator: SimUser
) -> None:
    clock = ManualClock(NOW)
    async with bot(settings, clock) as app:
        svc = services.of(app)
        db = svc.database
        network = await networks.create(db, "Noord", None, coordinator.id, NOW)
        names = ("Karin", "Fatima", "Bea", "Eva")
        karin, fatima, bea, eva = (sandbox.add_user(name, language_code="en") for name in names)
        await approved(db, network.id, karin, "police_chief", coordinator.id)
        await approved(db, network.id, fatima, "key_figure", coordinator.id, phone="+31 6 1111")
        await approved(db, network.id, bea, "key_figure", coordinator.id)
        await linked_group(db, sandbox, network.id, coordinator, [karin, fatima, bea])
        await rejected(db, network.id, eva, by=karin.id)

        incident_id = await send_alert(
            svc, karin.id, [network.id], "critical", "network_only", "Fire at the school"
        )
        await svc.dispatcher.idle()
        alert = await fatima.expect("Fire at the school")
        await (await fatima.press(alert, "✅ Seen")).answered()
        await (await fatima.press(alert, "💬 Reply")).answered()
        moods = await fatima.expect("How is the mood around you?")
        await (await fatima.press(moods, "😟 worried")).answered()
        await karin.expect("the mood is 😟 worried")
        await sandbox.wait_for(lambda: "Anything to add?" in (moods.text or ""))
        await fatima.send("The parents are gathering at the gate.")
        await karin.expect("The parents are gathering")
        await removal.remove(svc, network.id, bea.id, by=karin.id, by_name="Karin")
        await karin.send("/help")  # Karin has talked to the bot: she hears of Bea's removal
        await svc.dispatcher.idle()

        # What names someone other than its reader is cut as soon as it is sent.
        async def cut_once_sent() -> bool:
            # Mood and words, to Karin (Carla, a coordinator, only where the network asks).
            replies = await bodies(db, "alert_reply")
            notices = await bodies(db, "notice")  # Bea's removal, to the hosts
            return replies == [{}] * 2 and bool(notices) and all(b == {} for b in notices)

        await eventually(cut_once_sent)
        # The alert itself keeps its text for now.
        alerts = await bodies(db, "alert_private")
        assert all("Fire at the school" in str(b["text"]) for b in alerts)

        # Run now: nothing is old enough yet.
        counts = await run_retention(app)
        assert set(counts.values()) == {0}, counts

    clock.advance(timedelta(days=31))
    async with bot(settings, clock) as app:
        db = services.of(app).database
        counts = await run_retention(app)
        assert counts["messages"] > 0 and counts["replies"] == 0
        # Texts of the incident's messages are cut, its delivery rows stay for its numbers; the
        # other messages (the menus, the removal notice) are gone.
        assert all(b == {} for b in await bodies(db, "alert_private"))
        assert await bodies(db, "alert_group") == [{}]
        routine = await db.fetch_one("SELECT count(*) FROM deliveries WHERE incident_id IS NULL")
        assert routine is not None and routine[0] == 0
        [answer] = await db.fetch_all(
            "SELECT mood, reply_text FROM incident_recipients WHERE user_id = ?", (fatima.id,)
        )
        assert (answer["mood"], answer["reply_text"]) == (
            "worried",
            "The parents are gathering at the gate.",
        )
        assert await memberships.get(db, network.id, bea.id) is not None
        assert await memberships.get(db, network.id, eva.id) is not None
        # A second run the same day finds nothing more to do.
        again = await run_retention(app)
        assert set(again.values()) == {0}, again

    clock.advance(timedelta(days=150))  # 181 days after the alert
    async with bot(settings, clock) as app:
        db = services.of(app).database
        counts = await run_retention(app)
        assert counts["replies"] == 1 and counts["memberships"] >= 1
        [answer] = await db.fetch_all(
            "SELECT acknowledged_at, mood, reply_text FROM incident_recipients WHERE user_id = ?",
            (fatima.id,),
        )
        assert answer["acknowledged_at"] is not None
        assert (answer["mood"], answer["reply_text"]) == (None, None)
        assert await memberships.get(db, network.id, bea.id) is None  # removed 181 days ago
        assert await memberships.get(db, network.id, eva.id) is None  # not admitted, as long
        assert await memberships.get(db, network.id, fatima.id) is not None
        summary = await db.fetch_one(
            "SELECT * FROM incident_summaries WHERE incident_id = ?", (incident_id,)
        )
        assert summary is not None
        # It reached Fatima and Bea; Fatima acknowledged and replied.
        assert (summary["reached"], summary["acknowledged"], summary["replied"]) == (2, 1, 1)
        assert json.loads(summary["moods"]) == {"worried": 1}
        assert json.loads(summary["network_ids"]) == [network.id]
        assert summary["group_chats"] == 1

    clock.advance(timedelta(days=185))  # 366 days after the alert
    async with bot(settings, clock) as app:
        db = services.of(app).database
        counts = await run_retention(app)
        assert counts["incidents"] > 0
        for table in ("incidents", "incident_recipients", "incident_networks", "deliveries"):
            row = await db.fetch_one(f"SELECT count(*) FROM {table}")
            assert row is not None and row[0] == 0, table
        summary = await db.fetch_one(
            "SELECT acknowledged FROM incident_summaries WHERE incident_id = ?", (incident_id,)
        )
        assert summary is not None and summary["acknowledged"] == 1
        await karin.send(f"/incident {incident_id}")
        await karin.expect(f"I don't know alert {incident_id}")
        # The next run is planned for the next night.
        assert app.job_queue is not None
        assert app.job_queue.get_jobs_by_name(retention.JOB)


async def test_a_restart_the_same_day_plans_the_next_night_and_a_late_one_runs_soon(
    sandbox: Sandbox, settings: Settings
) -> None:
    tz = ZoneInfo("Europe/Amsterdam")
    evening = datetime(2026, 3, 2, 20, 0, tzinfo=tz).astimezone(UTC)
    clock = ManualClock(evening)
    async with bot(settings, clock) as app:
        svc = services.of(app)
        await run_retention(app)  # never ran: soon after the start
        assert await store.last_finished(svc.database) == evening
    clock.advance(timedelta(hours=2))
    async with bot(settings, clock) as app:
        svc = services.of(app)
        assert await retention.plan(svc) == datetime(2026, 3, 3, 4, 0, tzinfo=tz)
    clock.advance(timedelta(days=2))
    async with bot(settings, clock) as app:
        svc = services.of(app)
        assert await retention.plan(svc) == clock.now() + retention.START_DELAY


def test_the_next_run_is_the_next_night_also_when_the_clocks_change() -> None:
    tz = ZoneInfo("Europe/Amsterdam")
    before = datetime(2026, 3, 28, 23, 0, tzinfo=tz)  # the night the clocks go forward
    assert retention.next_run(before, 4, tz) == datetime(2026, 3, 29, 4, 0, tzinfo=tz)
    at_four = datetime(2026, 3, 29, 4, 0, tzinfo=tz)
    assert retention.next_run(at_four, 4, tz) == datetime(2026, 3, 30, 4, 0, tzinfo=tz)
    assert retention.next_run(at_four, 5, tz) == datetime(2026, 3, 29, 5, 0, tzinfo=tz)


@pytest.mark.parametrize("batch", [7, 1000])
async def test_message_texts_go_in_batches_and_stop_at_what_is_still_queued(
    tmp_path: object, batch: int
) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    db = await Database.open(tmp_path / "bot.sqlite3")
    try:
        old = NOW - timedelta(days=40)
        async with db.transaction() as conn:
            for n in range(25):
                delivery_id = await add(
                    conn,
                    NewDelivery(chat_id=1000 + n, priority=7, kind="notice", params={"text": "x"}),
                    old,
                )
                status = "pending" if n == 20 else "sent"
                await conn.execute(
                    "UPDATE deliveries SET status = ?, message_id = 1 WHERE id = ?",
                    (status, delivery_id),
                )
        taken, batches = 0, 0
        while True:
            done = await store.cut_bodies(db, NOW - timedelta(days=30), batch)
            taken += done.rows
            batches += 1
            if not done.more:
                break
        assert taken == 20  # up to the one still queued
        assert batches == (3 if batch == 7 else 1)
        left = await db.fetch_all("SELECT id FROM deliveries ORDER BY id")
        assert [row["id"] for row in left] == list(range(21, 26))
        assert (await store.cut_bodies(db, NOW - timedelta(days=30), batch)).rows == 0
    finally:
        await db.close()


def test_the_windows_are_the_settings(sandbox: Sandbox, tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    settings = make_settings(sandbox, tmp_path / "db", retention={"reply_days": 90})
    windows = retention.windows(settings)
    assert (windows.message_days, windows.reply_days, windows.incident_days) == (30, 90, 365)
    assert windows.ended_membership_days == 90 and windows.audit_days == 730


async def test_privacy_states_the_windows_in_force(sandbox: Sandbox, tmp_path: object) -> None:
    from pathlib import Path

    from bot.app import build_application, running

    assert isinstance(tmp_path, Path)
    windows = {"message_days": 14, "reply_days": 60, "incident_days": 400}
    settings = make_settings(sandbox, tmp_path / "bot.sqlite3", retention=windows)
    async with running(build_application(settings)):
        eve = sandbox.add_user("Eve", language_code="en")
        await eve.send("/privacy")
        notice = await eve.expect("Privacy")
        await (await eve.press(notice, "More")).answered()
        await sandbox.wait_for(lambda: "Privacy in full" in notice.text)
        for stated in (
            "a message from the bot, 14 days",
            "a request to be called), 60 days",
            "who received it, 400 days; after that only its numbers",
            "for a network, 90 days after you leave it",
        ):
            assert stated in notice.text
        anne = sandbox.add_user("Anne", language_code="nl")
        await anne.send("/privacy")
        notice = await anne.expect("Privacy")
        await (await anne.press(notice, "Meer")).answered()
        await sandbox.wait_for(lambda: "bericht van de bot: 14 dagen" in notice.text)

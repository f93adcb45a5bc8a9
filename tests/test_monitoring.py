"""An operator watches the bot: /healthz and /metrics over real HTTP, and notices in a chat
when sending is held back, when it recovers, and when messages do not arrive.

The real application runs against the sandbox; the bot's clock is moved, never waited for.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot import monitoring, services
from bot.app import BotApplication, build_application, running
from bot.cli import EXIT_ADDRESS, EXIT_CONFIG
from bot.clock import ManualClock
from bot.settings import Settings
from sandbox import Sandbox, SimUser
from tests.conftest import eventually, make_settings
from tests.test_cli import assert_no_token, assert_one_line, cli_run, free_port, sandbox_config
from tests.test_outage import queue, routine
from tests.test_webhook import webhook_settings

START = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)  # 02:30 in Amsterdam
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def watched(sandbox: Sandbox, tmp_path: Path, coordinator: SimUser) -> Settings:
    """Monitoring on a free loopback port; the coordinator hears the operator's notices."""
    coordinator.started = True
    settings = make_settings(
        sandbox,
        tmp_path / "bot.sqlite3",
        access={"coordinators": [coordinator.id]},
        monitoring={"listen": f"127.0.0.1:{free_port()}"},
    )
    settings.telegram.read_timeout = 1.0  # a hanging Telegram is noticed quickly
    return settings


@asynccontextmanager
async def bot(settings: Settings, clock: ManualClock) -> AsyncIterator[BotApplication]:
    async with running(build_application(settings, clock=clock)) as application:
        yield application


async def get(app: BotApplication, path: str) -> tuple[int, str]:
    monitor = monitoring.of(app)
    assert monitor is not None and monitor.port is not None
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{monitor.port}{path}") as response,
    ):
        return response.status, await response.text()


async def metrics(app: BotApplication) -> Samples:
    status, text = await get(app, "/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def people(sandbox: Sandbox, count: int) -> list[SimUser]:
    found = [sandbox.add_user(f"Lid {n}", language_code="nl") for n in range(count)]
    for person in found:
        person.started = True
    return found


async def test_all_is_well_then_a_stopped_dispatcher_is_reported_with_its_queue(
    sandbox: Sandbox, watched: Settings, clock: ManualClock
) -> None:
    async with bot(watched, clock) as app:
        svc = services.of(app)
        assert await get(app, "/healthz") == (200, "ok\n")

        user = sandbox.add_user("Ahmed", language_code="nl")
        await user.send("/start")
        await user.expect("Welkom bij Bondgenoten")

        # The dispatcher stops; a delivery waits, and a minute and a half passes.
        await svc.dispatcher.stop()
        [member] = people(sandbox, 1)
        await queue(app, [routine(member.id, "Tot donderdag")], clock.now())
        clock.advance(timedelta(seconds=90))
        status, body = await get(app, "/healthz")
        assert status == 503
        assert "dispatcher stalled for 90 s" in body
        waiting = await metrics(app)

        await svc.dispatcher.start()
        await member.expect("Tot donderdag")

        async def healthy() -> bool:
            return (await get(app, "/healthz"))[0] == 200

        await eventually(healthy)
        after = await metrics(app)

    assert waiting[("bondgenoten_queue_pending", ())] == 1
    assert waiting[("bondgenoten_queue_oldest_age_seconds", ())] == 90
    assert waiting[("bondgenoten_healthy", ())] == 0
    assert after[("bondgenoten_queue_pending", ())] == 0
    assert after[("bondgenoten_queue_oldest_age_seconds", ())] == 0
    assert after[("bondgenoten_healthy", ())] == 1
    assert after[("bondgenoten_updates_total", (("kind", "message"),))] >= 1
    assert after[("bondgenoten_update_handling_seconds_count", ())] >= 1
    sent = (("chat", "private"), ("outcome", "sent"), ("priority", "routine"))
    assert after[("bondgenoten_deliveries_total", sent)] == 1
    assert after[("bondgenoten_telegram_outage", ())] == 0
    assert after[("bondgenoten_telegram_429_total", ())] == 0
    assert after[("bondgenoten_loop_errors_total", (("loop", "dispatcher"),))] == 0
    assert after[("bondgenoten_scheduled_jobs", ())] >= 1
    assert after[("bondgenoten_delivery_retries_total", ())] == 0


async def test_an_update_delivered_twice_is_measured_twice_though_it_stops_early(
    sandbox: Sandbox, watched: Settings, clock: ManualClock
) -> None:
    async with bot(watched, clock) as app:
        user = sandbox.add_user("Ahmed", language_code="nl")
        await user.send("/start")
        # Telegram hands the same update over again; it stops in handler group -2.
        sandbox.push_raw_update(dict(sandbox.updates.pending[-1]))
        await user.expect("Welkom bij Bondgenoten")

        async def both_measured() -> bool:
            counted = await metrics(app)
            return counted[("bondgenoten_update_handling_seconds_count", ())] == 2

        await eventually(both_measured)
        counted = await metrics(app)
    assert counted[("bondgenoten_updates_total", (("kind", "message"),))] == 2
    assert len(user.private_chat.bot_messages()) == 1


async def test_an_outage_longer_than_five_minutes_is_told_to_the_operator_once_it_is_over(
    sandbox: Sandbox, watched: Settings, clock: ManualClock, coordinator: SimUser
) -> None:
    members = people(sandbox, 3)
    async with bot(watched, clock) as app:
        svc = services.of(app)
        sandbox.faults.outage("5xx")
        await queue(app, [routine(m.id, "Buurtoverleg") for m in members], clock.now())
        await eventually(in_outage(app), timeout=20)

        status, body = await get(app, "/healthz")
        assert status == 503
        assert "Telegram not answering since 02:30 (3 deliveries waiting" in body
        during = await metrics(app)

        # Seven minutes by the bot's clock; Telegram still fails every call.
        for _ in range(14):
            clock.advance(timedelta(seconds=30))
            await asyncio.sleep(0.15)

        async def held_back_queued() -> bool:
            row = await svc.database.fetch_one(
                "SELECT count(*) FROM deliveries WHERE kind = 'ops_notice'"
            )
            return row is not None and row[0] == 1

        await eventually(held_back_queued)
        status, body = await get(app, "/healthz")
        assert status == 503 and "getUpdates failing since 02:30" in body

        sandbox.faults.recover()
        held_back = await coordinator.expect("Verzenden staat stil", timeout=20)
        recovered = await coordinator.expect("Telegram antwoordt weer", timeout=20)
        for member in members:
            await member.expect("Buurtoverleg", timeout=20)
        await asyncio.sleep(0.5)  # nothing more comes
    assert during[("bondgenoten_telegram_outage", ())] == 1
    assert "sinds 02:30" in (held_back.text or "") and "Er wachten" in (held_back.text or "")
    assert "na 7 min" in (recovered.text or "")
    notices = coordinator.private_chat.bot_messages()
    assert [m.text for m in notices] == [held_back.text, recovered.text]


async def test_a_short_outage_is_not_told(
    sandbox: Sandbox, watched: Settings, clock: ManualClock, coordinator: SimUser
) -> None:
    members = people(sandbox, 3)
    async with bot(watched, clock) as app:
        sandbox.faults.outage("5xx")
        await queue(app, [routine(m.id, "Kort") for m in members], clock.now())
        await eventually(in_outage(app), timeout=20)
        clock.advance(timedelta(minutes=2))
        await asyncio.sleep(1.5)
        sandbox.faults.recover()
        for member in members:
            await member.expect("Kort", timeout=20)
        await asyncio.sleep(1.5)
    assert coordinator.private_chat.bot_messages() == []


async def test_many_messages_that_did_not_arrive_give_one_summary(
    sandbox: Sandbox, watched: Settings, clock: ManualClock, coordinator: SimUser
) -> None:
    members = people(sandbox, 30)
    async with bot(watched, clock) as app:
        svc = services.of(app)
        await svc.dispatcher.stop()
        soon = clock.now() + timedelta(minutes=1)
        copies = [routine(m.id, "Vanavond", expires_at=soon) for m in members]
        broken = replace(
            routine(members[0].id, "<b>kapot"), params={"text": "<b>kapot", "parse_mode": "HTML"}
        )
        await queue(app, [*copies, broken], clock.now())
        clock.advance(timedelta(minutes=2))  # their moment passes before they could go
        await svc.dispatcher.start()

        async def all_ended() -> bool:
            row = await svc.database.fetch_one(
                "SELECT count(*) FROM deliveries WHERE kind = 'test' AND status = 'pending'"
            )
            return row is not None and row[0] == 0

        await eventually(all_ended, timeout=20)
        clock.advance(timedelta(minutes=1))
        summary = await coordinator.expect("konden niet worden bezorgd", timeout=20)
        clock.advance(timedelta(minutes=2))
        await asyncio.sleep(1.5)  # a second summary would be due by now
        counted = await metrics(app)
    text = summary.text or ""
    assert text.startswith("⚠️ 31 berichten konden niet worden bezorgd:")
    assert "30 × test: verlopen" in text
    assert "1 × test: geweigerd door Telegram (Can't parse entities" in text
    assert len(coordinator.private_chat.bot_messages()) == 1
    expired = (("chat", "private"), ("outcome", "expired"), ("priority", "routine"))
    failed = (("chat", "private"), ("outcome", "failed"), ("priority", "routine"))
    assert counted[("bondgenoten_deliveries_total", expired)] == 30
    assert counted[("bondgenoten_deliveries_total", failed)] == 1
    for member in members:
        assert member.private_chat.bot_messages() == []


async def test_an_operator_notice_goes_to_the_ops_chat_in_its_language(
    sandbox: Sandbox, watched: Settings, clock: ManualClock, coordinator: SimUser
) -> None:
    operator = sandbox.add_user("Olga", language_code="en")
    operator.started = True
    watched.monitoring.ops_chat_id = operator.id
    watched.bot.default_language = "en"
    async with bot(watched, clock) as app:
        svc = services.of(app)
        [member] = people(sandbox, 1)
        sandbox.faults.fail_next("sendMessage", chat_id=member.id, error_code=400)
        await queue(app, [routine(member.id, "Hallo")], clock.now())

        async def ended() -> bool:
            row = await svc.database.fetch_one(
                "SELECT count(*) FROM deliveries WHERE kind = 'test' AND status = 'failed'"
            )
            return row is not None and row[0] == 1

        await eventually(ended)
        clock.advance(timedelta(minutes=1))
        notice = await operator.expect("could not be delivered", timeout=20)
    assert (notice.text or "").startswith("⚠️ 1 message could not be delivered:")
    assert "refused by Telegram" in (notice.text or "")
    assert coordinator.private_chat.bot_messages() == []


async def test_in_webhook_mode_healthz_watches_the_webhook_server(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    hook = free_port()
    sandbox.webhook_proxy = f"http://127.0.0.1:{hook}"  # where the proxy passes updates on
    settings = webhook_settings(sandbox, tmp_path, hook)
    settings.monitoring.listen = f"127.0.0.1:{free_port()}"
    async with running(build_application(settings)) as app:
        user = sandbox.add_user("Ahmed", language_code="nl")
        await user.send("/start")
        await user.expect("Welkom bij Bondgenoten")
        healthy = await get(app, "/healthz")
        assert app.updater is not None
        await app.updater.stop()  # the webhook server goes away
        stopped = await get(app, "/healthz")
        counted = await metrics(app)
    assert healthy == (200, "ok\n")
    assert stopped == (503, "not fetching updates: the updater is not running\n")
    assert counted[("bondgenoten_updates_total", (("kind", "message"),))] == 1


def in_outage(app: BotApplication) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return services.of(app).dispatcher.outage is not None

    return check


# ---- the command, as the operator runs it ----


async def test_a_busy_monitoring_port_stops_the_start_in_one_line(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        monitored = f'[monitoring]\nlisten = "127.0.0.1:{port}"\n'
        config = sandbox_config(sandbox, tmp_path, extra=monitored)
        code, out, err = await cli_run("run", "--config", str(config), timeout=60)
    assert code == EXIT_ADDRESS, err
    assert "Traceback" not in out + err
    assert_no_token(out + err, sandbox.token)
    last = err.splitlines()[-1]  # after the log of the start, one line says why
    assert last == (
        f"bondgenoten: cannot listen on 127.0.0.1:{port} (monitoring.listen): it is already "
        "in use (by another program, or another bondgenoten); stop that or choose another port"
    )


@pytest.mark.parametrize("address", ["9464", "localhost", "127.0.0.1:99999", "::1:9464"])
async def test_an_invalid_monitoring_address_is_a_settings_error(
    sandbox: Sandbox, tmp_path: Path, address: str
) -> None:
    config = sandbox_config(sandbox, tmp_path, extra=f'[monitoring]\nlisten = "{address}"\n')
    code, out, err = await cli_run("run", "--config", str(config))
    assert_one_line(code, EXIT_CONFIG, out, err, says="setting monitoring.listen is invalid")

"""What an operator watches: `GET /healthz` and `GET /metrics` on `[monitoring] listen`.

`/healthz` answers 200 "ok" while updates are being fetched (the updater runs and, when polling,
getUpdates has not been failing for a minute) and the dispatcher turned within the last minute;
otherwise 503 with one reason per line, e.g. "dispatcher stalled for 73 s" or "Telegram not
answering since 02:14 (412 deliveries waiting)".

`/metrics` is Prometheus text, names prefixed `bondgenoten_`. Most values are read at scrape
time from what the bot keeps anyway (the dispatcher's counters, the flood limiter's 429s, the
job queue, the outbox in the database); only updates and final delivery outcomes are counted
as they happen. Each application has its own registry, so several can run in one process.

The server is small and unauthenticated: it belongs on loopback (or a private network that only
the monitoring system reaches), never on the public internet.
"""

from __future__ import annotations

import logging
import time
from collections import Counter as Tally
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from telegram import Update
from telegram.ext import Application

from bot import listen, services, supervise
from bot.incoming import TolerantBot
from bot.ratelimit import FloodLimiter
from bot.updates import ChatOrderedUpdates
from domain.ports import Sent
from storage import deliveries
from storage import whatsapp as wa_store
from storage.deliveries import SEVERITY_RANK, Delivery

log = logging.getLogger(__name__)

_KEY = "monitor"
PREFIX = "bondgenoten"
# The dispatcher turns at least once a second; a minute without a turn means it is stuck.
TURN_WITHIN = timedelta(minutes=1)
# A failing getUpdates is retried by python-telegram-bot; failing for this long is trouble.
POLL_FAILING_FOR = timedelta(minutes=1)
# A long poll answers within poll_timeout; this much later without an answer, polling stopped.
POLL_SILENT_AFTER = timedelta(minutes=1)
SEVERITY_OF_RANK = {rank: name for name, rank in SEVERITY_RANK.items()}
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class TimedUpdates(ChatOrderedUpdates):
    """The update processor (several chats at once, each chat in order), counting and timing
    each update from its turn to its last handler group — also one that stops early (a repeat
    stopped in group -2, an error), which handlers in a late group would never see."""

    def __init__(self) -> None:
        super().__init__()
        # Not registered anywhere yet: each application's Monitor registers them in its own.
        self.handled = Counter(
            f"{PREFIX}_updates", "Updates handled, by kind", ["kind"], registry=None
        )
        self.seconds = Histogram(
            f"{PREFIX}_update_handling_seconds",
            "Time from an update's first handler to its last",
            buckets=LATENCY_BUCKETS,
            registry=None,
        )

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        started = time.perf_counter()
        try:
            await super().do_process_update(update, coroutine)
        finally:
            self.seconds.observe(time.perf_counter() - started)
            self.handled.labels(kind=kind_of(update)).inc()


def kind_of(update: object) -> str:
    """The update's kind ("message", "callback_query", ...); "unreadable" if unparsed."""
    if not isinstance(update, Update):
        return type(update).__name__
    for kind in Update.ALL_TYPES:
        if getattr(update, kind, None) is not None:
            return str(kind)
    return "unreadable"


@dataclass
class Polls:
    """How getUpdates went lately, by the bot's clock."""

    answered_at: datetime | None = None
    failing_since: datetime | None = None
    error: str = ""


@dataclass
class _Reading:
    """What /metrics and /healthz read from the database and the clock, once per request."""

    pending: int = 0
    oldest_age: float = 0.0
    problems: list[str] = field(default_factory=list)
    # Per channel ("telegram", "whatsapp"): (pending, age of the oldest in seconds).
    channels: dict[str, tuple[int, float]] = field(default_factory=dict)


class Monitor:
    """The metrics registry, the health check and the HTTP server of one application."""

    def __init__(self, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
        self.application = application
        self.svc = services.of(application)
        self.polls = Polls()
        # Final delivery outcomes: (outcome, severity, "group" | "private") -> count.
        self.outcomes: Tally[tuple[str, str, str]] = Tally()
        self.registry = CollectorRegistry()
        processor = application.update_processor
        if isinstance(processor, TimedUpdates):
            self.registry.register(processor.handled)
            self.registry.register(processor.seconds)
        self.registry.register(_Readings(self))
        ProcessCollector(namespace=PREFIX, registry=self.registry)
        self._reading = _Reading()
        self._runner: web.AppRunner | None = None
        self.port: int | None = None  # once listening
        if isinstance(application.bot, TolerantBot):
            application.bot.poll_listeners.append(self._polled)

    # --- what happens, as it happens ------------------------------------------------------

    def _polled(self, error: Exception | None) -> None:
        now = self.svc.clock.now()
        if error is None:
            self.polls.answered_at, self.polls.failing_since = now, None
            return
        if self.polls.failing_since is None:
            self.polls.failing_since = now
        self.polls.error = str(error) or type(error).__name__

    async def on_delivery(self, delivery: Delivery, outcome: str, _sent: Sent | None) -> None:
        severity = SEVERITY_OF_RANK.get(delivery.priority // 2, "routine")
        chat = "private" if delivery.priority % 2 else "group"
        self.outcomes[(outcome, severity, chat)] += 1

    # --- health ---------------------------------------------------------------------------

    async def problems(self) -> list[str]:
        """Why the bot is not healthy; empty when it is."""
        found = self._updates_problems()
        dispatcher = self.svc.sender if self.svc.outbox is not None else None
        now = self.svc.clock.now()
        if dispatcher is None or dispatcher.last_turn_at is None:
            found.append("dispatcher not started")
        elif now - dispatcher.last_turn_at > TURN_WITHIN:
            found.append(f"dispatcher stalled for {_seconds(now - dispatcher.last_turn_at)} s")
        if dispatcher is not None and dispatcher.outage is not None:
            waiting = await deliveries.queue(self.svc.database)
            found.append(
                f"Telegram not answering since {self._clock_time(dispatcher.outage.since)}"
                f" ({waiting.pending} deliveries waiting; last error: "
                f"{dispatcher.outage.last_error})"
            )
        found.extend(self._whatsapp_problems(now))
        return found

    def _whatsapp_problems(self, now: datetime) -> list[str]:
        outbox = self.svc.whatsapp
        if outbox is None:
            return []
        last_turn = getattr(outbox, "last_turn_at", None)
        if last_turn is not None and now - last_turn > TURN_WITHIN:
            return [f"WhatsApp dispatcher stalled for {_seconds(now - last_turn)} s"]
        outage = getattr(outbox, "outage", None)
        if outage is not None:
            return [
                f"WhatsApp not answering since {self._clock_time(outage.since)}"
                f" (last error: {outage.last_error})"
            ]
        return []

    def _updates_problems(self) -> list[str]:
        updater = self.application.updater
        if updater is None or not updater.running:
            return ["not fetching updates: the updater is not running"]
        now, polls = self.svc.clock.now(), self.polls
        if polls.failing_since is not None and now - polls.failing_since >= POLL_FAILING_FOR:
            since = self._clock_time(polls.failing_since)
            return [f"getUpdates failing since {since} ({polls.error})"]
        # In webhook mode there is no getUpdates, so nothing was ever answered: nothing to check.
        poll_timeout = timedelta(seconds=self.svc.settings.telegram.poll_timeout)
        if polls.answered_at is not None and now - polls.answered_at > (
            poll_timeout + POLL_SILENT_AFTER
        ):
            return [f"no answer to getUpdates for {_seconds(now - polls.answered_at)} s"]
        return []

    def _clock_time(self, moment: datetime) -> str:
        return moment.astimezone(self.svc.settings.bot.tz).strftime("%H:%M")

    async def read(self) -> _Reading:
        """Everything a scrape needs from the database, read now."""
        queue = await deliveries.queue(self.svc.database)
        age = 0.0
        if queue.oldest is not None:
            oldest = datetime.fromisoformat(queue.oldest)
            age = max(0.0, (self.svc.clock.now() - oldest).total_seconds())
        channels = {}
        for channel, waiting in (await wa_store.queue(self.svc.database)).items():
            channel_age = 0.0
            if waiting.oldest is not None:
                since = datetime.fromisoformat(waiting.oldest)
                channel_age = max(0.0, (self.svc.clock.now() - since).total_seconds())
            channels[channel] = (waiting.pending, channel_age)
        return _Reading(
            pending=queue.pending,
            oldest_age=age,
            problems=await self.problems(),
            channels=channels,
        )

    # --- HTTP -----------------------------------------------------------------------------

    async def _healthz(self, _request: web.Request) -> web.Response:
        try:
            problems = await self.problems()
        except Exception as exc:  # e.g. the database is closing: not healthy, and why
            log.warning("health check failed: %s", exc)
            problems = [f"health check failed: {type(exc).__name__}: {exc}"]
        if problems:
            return web.Response(status=503, text="\n".join(problems) + "\n")
        return web.Response(text="ok\n")

    async def _metrics(self, _request: web.Request) -> web.Response:
        try:
            self._reading = await self.read()
        except Exception as exc:  # still serve the counters; the gauges say "not healthy"
            log.warning("metrics: could not read the outbox: %s", exc)
            self._reading = _Reading(problems=[f"{type(exc).__name__}: {exc}"])
        body = generate_latest(self.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def start(self, address: str) -> None:
        """Serve /healthz and /metrics on `address`; `listen.Unusable` (one line) if it cannot."""
        host, port = listen.parse(address)
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except OSError as exc:
            await runner.cleanup()
            raise listen.unusable(exc, address, "monitoring.listen") from None
        self._runner = runner
        self.port = port
        log.info("monitoring on http://%s:%s/healthz and /metrics", host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


class _Readings(Collector):
    """The values read at scrape time (the database's part by `Monitor.read` just before)."""

    def __init__(self, monitor: Monitor) -> None:
        self.monitor = monitor

    def collect(self) -> Iterator[Metric]:
        monitor, reading = self.monitor, self.monitor._reading
        application = monitor.application
        dispatcher = monitor.svc.sender if monitor.svc.outbox is not None else None

        outcomes = CounterMetricFamily(
            f"{PREFIX}_deliveries",
            "Deliveries that ended: sent, unreachable, failed or expired; by priority",
            labels=["outcome", "priority", "chat"],
        )
        for (outcome, severity, chat), count in sorted(monitor.outcomes.items()):
            outcomes.add_metric([outcome, severity, chat], count)
        yield outcomes
        yield CounterMetricFamily(
            f"{PREFIX}_delivery_retries",
            "Sends that failed for a passing reason (5xx, time-out, no connection) and wait",
            value=dispatcher.outcomes["retried"] if dispatcher else 0,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_queue_pending", "Deliveries waiting to be sent", value=reading.pending
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_queue_oldest_age_seconds",
            "How long the oldest pending delivery has waited (0 when none waits)",
            value=reading.oldest_age,
        )
        pending = GaugeMetricFamily(
            f"{PREFIX}_channel_queue_pending",
            "Deliveries waiting to be sent, by channel",
            labels=["channel"],
        )
        oldest = GaugeMetricFamily(
            f"{PREFIX}_channel_queue_oldest_age_seconds",
            "How long the oldest pending delivery of a channel has waited (0 when none waits)",
            labels=["channel"],
        )
        for channel, (count, channel_age) in sorted(reading.channels.items()):
            pending.add_metric([channel], count)
            oldest.add_metric([channel], channel_age)
        yield pending
        yield oldest
        wa_outbox = monitor.svc.whatsapp
        yield GaugeMetricFamily(
            f"{PREFIX}_whatsapp_outage",
            "1 while the WhatsApp Cloud API is not answering (its deliveries wait)",
            value=1 if getattr(wa_outbox, "outage", None) is not None else 0,
        )
        wa_outcomes = CounterMetricFamily(
            f"{PREFIX}_whatsapp_sends",
            "What the WhatsApp dispatcher did: sent, doorbell, held_back, to_telegram, retried",
            labels=["outcome"],
        )
        for outcome, count in sorted(getattr(wa_outbox, "outcomes", {}).items()):
            wa_outcomes.add_metric([outcome], count)
        yield wa_outcomes
        limiter = getattr(application.bot, "rate_limiter", None)
        yield CounterMetricFamily(
            f"{PREFIX}_telegram_429",
            "Times Telegram answered 429 Too Many Requests",
            value=limiter.waited_429 if isinstance(limiter, FloodLimiter) else 0,
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_telegram_outage",
            "1 while Telegram is not answering the dispatcher (sending is held back)",
            value=1 if dispatcher is not None and dispatcher.outage is not None else 0,
        )
        errors = CounterMetricFamily(
            f"{PREFIX}_loop_errors",
            "Errors a supervised loop logged and went on past, by loop",
            labels=["loop"],
        )
        errors.add_metric(["dispatcher"], dispatcher.loop_restarts if dispatcher else 0)
        if monitor.svc.whatsapp is not None:
            restarts = getattr(monitor.svc.whatsapp, "loop_restarts", 0)
            errors.add_metric(["whatsapp_dispatcher"], restarts)
        for loop, count in sorted(supervise.failures.items()):
            errors.add_metric([loop], count)
        yield errors
        jobs = application.job_queue.jobs() if application.job_queue is not None else ()
        yield GaugeMetricFamily(f"{PREFIX}_scheduled_jobs", "Jobs scheduled", value=len(jobs))
        yield GaugeMetricFamily(
            f"{PREFIX}_healthy", "1 when /healthz answers 200", value=0 if reading.problems else 1
        )


def _seconds(delta: timedelta) -> int:
    return round(delta.total_seconds())


async def open_monitor(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Start the monitoring server when `[monitoring] listen` is set (from post_init)."""
    address = services.of(application).settings.monitoring.listen
    if not address:
        return
    monitor = Monitor(application)
    services.of(application).sender.listeners.append(monitor.on_delivery)
    application.bot_data[_KEY] = monitor  # before starting: a failed start is closed too
    await monitor.start(address)


async def close_monitor(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    monitor = application.bot_data.pop(_KEY, None)
    if isinstance(monitor, Monitor):
        await monitor.stop()


def of(application: Application[Any, Any, Any, Any, Any, Any]) -> Monitor | None:
    """The application's monitor, when monitoring is on."""
    monitor = application.bot_data.get(_KEY)
    return monitor if isinstance(monitor, Monitor) else None

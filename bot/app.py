"""The application factory: one python-telegram-bot `Application` wired to our services."""

from __future__ import annotations

import asyncio
import functools
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from typing import Any, TypeVar

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import Conflict, InvalidToken, TelegramError
from telegram.ext import Application, ContextTypes, Defaults

import handlers
from bot import commands, monitoring, ops_notices, services, webhook
from bot.clock import Clock, SystemClock
from bot.context import BotContext
from bot.dispatcher import Dispatcher
from bot.groups import TelegramGroups
from bot.incoming import ApplicationBuilder  # PTB's, skipping updates it cannot read
from bot.jobs import JobScheduler
from bot.ratelimit import FloodLimiter
from bot.settings import Settings, TelegramSettings
from domain import retention
from storage.database import Database, check_path, instance_lock, prepare

log = logging.getLogger(__name__)

# Exactly the update types some handler of ours acts on; Telegram sends nothing else.
ALLOWED_UPDATES = [
    Update.MESSAGE,
    Update.CALLBACK_QUERY,
    Update.MY_CHAT_MEMBER,
    Update.CHAT_MEMBER,
    Update.CHAT_JOIN_REQUEST,
    Update.POLL_ANSWER,
]

# Retry a request this often when Telegram answers 429 (flood), waiting retry_after each time.
FLOOD_RETRIES = 3

BotApplication = Application[Any, Any, Any, Any, Any, Any]
T = TypeVar("T")


def build_application(settings: Settings, *, clock: Clock | None = None) -> BotApplication:
    """A ready-to-start application: HTML by default, rate limited, every feature registered."""
    base = settings.telegram.base_url
    application = (
        ApplicationBuilder()
        .token(settings.telegram.token.get_secret_value())
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.bot.tz))
        # Handlers get `context.services` and `await context.texts()` (bot/context.py).
        .context_types(ContextTypes(context=BotContext))
        .rate_limiter(FloodLimiter(max_retries=FLOOD_RETRIES, pace=settings.telegram.flood_limits))
        # A slow Telegram gets time to answer (PTB's default of 5 s turned slow answers into
        # retries and duplicates); the outbox sets its own, longer, per send.
        .read_timeout(settings.telegram.read_timeout)
        .write_timeout(settings.telegram.read_timeout)
        # PTB's one-update-at-a-time processing, counted and timed for /metrics.
        .concurrent_updates(monitoring.TimedUpdates())
        .post_init(_open)
        .post_stop(_stop_sending)
        .post_shutdown(_close)
        .build()
    )
    # PTB's updater, whose webhook server reads updates as tolerantly as polling does.
    application.updater = webhook.Updater(application.bot, application.update_queue)
    services.attach(application, services.Services(settings=settings, clock=clock or SystemClock()))
    handlers.register_all(application)
    _keep_only_what_is_needed(application)
    return application


def _keep_only_what_is_needed(application: BotApplication) -> None:
    """Retention (issue 10): texts cut as their messages end, and the daily job, planned from
    the database at start."""
    svc = services.of(application)
    svc.delivery_listeners.append(functools.partial(retention.on_delivery, svc))
    assert application.job_queue is not None
    application.job_queue.run_once(_plan_retention, when=0, name="retention-at-start")


async def _plan_retention(context: ContextTypes.DEFAULT_TYPE) -> None:
    await retention.plan(services.of(context))


async def _open(application: BotApplication) -> None:
    svc = services.of(application)
    svc.db = await Database.open(svc.settings.database.path)
    await commands.publish(application.bot, svc.settings.bot.default_language)
    sender = Dispatcher(
        application.bot,
        svc.db,
        svc.clock,
        paid_broadcast=svc.settings.broadcast.paid,
        read_timeout=svc.settings.telegram.read_timeout,
    )
    sender.listeners.extend(svc.delivery_listeners)
    sender.outage_listeners.extend(svc.outage_listeners)
    # The domain's ports, the Telegram way: the outbox and editor, the JobQueue, the groups.
    svc.outbox = svc.editor = sender
    assert application.job_queue is not None
    svc.scheduler = JobScheduler(application.job_queue, svc.clock)
    svc.groups_port = TelegramGroups(application.bot)
    # The operator's view: /healthz and /metrics (a monitoring address that cannot be used
    # stops the start here, before anything is sent), and the operator's notices.
    await monitoring.open_monitor(application)
    ops_notices.open_notices(application)
    # Whatever was still queued when the bot last stopped goes out now.
    await sender.start()
    if svc.settings.whatsapp.enabled:
        await _open_whatsapp(svc)
    me = application.bot
    log.info("bot @%s ready (database %s)", me.username, svc.settings.database.path)


async def _open_whatsapp(svc: services.Services) -> None:
    """The WhatsApp channel ([whatsapp] configured): its outbox, supervised like Telegram's
    (`ctx.whatsapp`), and its webhook when `listen` is set (an address that cannot be bound
    stops the start, like the monitoring's)."""
    from whatsapp import inbound
    from whatsapp.client import Client
    from whatsapp.dispatcher import WaDispatcher

    client = Client(svc.settings.whatsapp)
    svc.wa_client = client
    outbox = WaDispatcher(svc, client)
    svc.whatsapp = outbox
    if svc.settings.whatsapp.listen:
        svc.wa_webhook = await inbound.start(svc, client.send_text)
    await outbox.start()
    log.info("WhatsApp channel on (number id %s)", svc.settings.whatsapp.phone_number_id)


async def _stop_sending(application: BotApplication) -> None:
    svc = services.of(application)
    if svc.wa_webhook is not None:
        await svc.wa_webhook.stop()
        svc.wa_webhook = None
    if svc.whatsapp is not None:
        await svc.whatsapp.stop()  # type: ignore[attr-defined]
        svc.whatsapp = None
    if svc.wa_client is not None:
        await svc.wa_client.close()
        svc.wa_client = None
    if svc.outbox is not None:
        await svc.sender.stop()


async def _close(application: BotApplication) -> None:
    svc = services.of(application)
    await ops_notices.close_notices(application)  # gathered failures go into the outbox
    await monitoring.close_monitor(application)
    if svc.db is not None:
        await svc.db.close()
        svc.db = None
    log.info("database closed")


class TokenRefused(Exception):
    """Telegram (or whatever answers at telegram.base_url) refused the token: no use retrying."""


class StoppedBeforeStart(Exception):
    """Asked to stop while still waiting for Telegram at start; nothing had started."""


# Telegram unreachable at start: try again after 1, 2, 4, ... seconds, at most a minute apart.
START_RETRY_FIRST = 1.0
START_RETRY_MAX = 60.0


@asynccontextmanager
async def running(
    application: BotApplication, *, stop: asyncio.Event | None = None
) -> AsyncIterator[BotApplication]:
    """Run the application until the block ends, then stop it cleanly.

    The same steps as `Application.run_polling` / `run_webhook`, but awaitable, so the CLI, the
    tests and the demo all run the bot the one way. Before anything else it takes the
    database's instance lock (`AlreadyRunning`: one bot per database) and applies migrations
    (`DatabaseUnusable`), then waits for Telegram as long as it takes (`TokenRefused` if the
    token is refused; `StoppedBeforeStart` if `stop` is set meanwhile). Updates come by long
    polling, or with `telegram.webhook_url` set through the webhook (`listen.Unusable` if its
    address cannot be bound, `webhook.WebhookRefused` if Telegram refuses the URL).
    """
    svc = services.of(application)
    path = svc.settings.database.path
    telegram = svc.settings.telegram
    check_path(path)
    with instance_lock(path), _webhook_socket(telegram) as sock:
        await prepare(path)
        await _reach_telegram(application, telegram.base_url, stop)
        try:
            if application.post_init:
                await application.post_init(application)
            assert application.updater is not None
            try:
                if sock is not None:
                    await webhook.start(application, telegram, ALLOWED_UPDATES, sock)
                else:
                    await _poll(application, telegram)
                await application.start()
                yield application
            finally:
                if application.updater.running:
                    await application.updater.stop()
                if application.running:
                    await application.stop()
                if application.post_stop:
                    await application.post_stop(application)
        finally:
            await application.shutdown()
            if application.post_shutdown:
                await application.post_shutdown(application)


@contextmanager
def _webhook_socket(telegram: TelegramSettings) -> Iterator[socket.socket | None]:
    """In webhook mode, its address bound before anything else is done (`listen.Unusable`)."""
    if not telegram.webhook_url:
        yield None
        return
    with webhook.bind(telegram) as sock:
        yield sock


async def _poll(application: BotApplication, telegram: TelegramSettings) -> None:
    """Long polling; a webhook left from webhook mode is deleted first, keeping what waits."""
    assert application.updater is not None
    await application.updater.start_polling(
        allowed_updates=ALLOWED_UPDATES,
        timeout=telegram.poll_timeout,
        error_callback=_polling_error,
        drop_pending_updates=False,
    )


async def _reach_telegram(
    application: BotApplication, base_url: str, stop: asyncio.Event | None
) -> None:
    """`application.initialize()` (getMe), retried with a capped backoff, one log line a try."""
    delay = START_RETRY_FIRST
    attempt = 1
    try:
        while True:
            try:
                await _unless_stopped(application.initialize(), stop)
            except InvalidToken:
                # PTB's own message carries the token itself; this one never does.
                raise TokenRefused(
                    f"Telegram at {base_url} refused the bot token; check telegram.token "
                    "(or BONDGENOTEN_TELEGRAM__TOKEN) against what @BotFather gave"
                ) from None
            except TelegramError as exc:  # network errors, time-outs, 5xx, 429
                log.warning(
                    "Telegram not reachable at %s (%s); try %d failed, trying again in %.0f s",
                    base_url,
                    _reason(exc),
                    attempt,
                    delay,
                )
            else:
                if attempt > 1:
                    log.info("Telegram reachable at %s after %d tries", base_url, attempt)
                return
            await _unless_stopped(asyncio.sleep(delay), stop)
            delay = min(delay * 2, START_RETRY_MAX)
            attempt += 1
    except BaseException:
        await application.bot.shutdown()  # the HTTP clients opened by the failed tries
        raise


async def _unless_stopped(step: Awaitable[T], stop: asyncio.Event | None) -> T:
    """Await `step`, or abandon it with `StoppedBeforeStart` as soon as `stop` is set."""
    if stop is None:
        return await step
    task = asyncio.ensure_future(step)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in (task, stopped):
            if not pending.done():
                pending.cancel()
                with suppress(asyncio.CancelledError):
                    await pending
    if task.cancelled() or not task.done():
        raise StoppedBeforeStart("stopped while waiting for Telegram")
    return task.result()


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__


def _polling_error(error: Exception) -> None:
    # Network trouble while long polling: PTB retries by itself; one line, no traceback.
    if isinstance(error, Conflict):
        log.error(
            "another bot is polling with this token (409 Conflict); run exactly one instance "
            "per token"
        )
        return
    log.warning("getUpdates failed, retrying: %s", _reason(error))

"""The application factory: one python-telegram-bot `Application` wired to our services."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, Defaults

import handlers
from bot import commands, services
from bot.clock import Clock, SystemClock
from bot.dispatcher import Dispatcher
from bot.incoming import ApplicationBuilder  # PTB's, skipping updates it cannot read
from bot.ratelimit import FloodLimiter
from bot.settings import Settings
from storage.database import Database

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


def build_application(settings: Settings, *, clock: Clock | None = None) -> BotApplication:
    """A ready-to-start application: HTML by default, rate limited, every feature registered."""
    base = settings.telegram.base_url
    application = (
        ApplicationBuilder()
        .token(settings.telegram.token.get_secret_value())
        .base_url(f"{base}/bot")
        .base_file_url(f"{base}/file/bot")
        .defaults(Defaults(parse_mode=ParseMode.HTML, tzinfo=settings.bot.tz))
        .rate_limiter(FloodLimiter(max_retries=FLOOD_RETRIES, pace=settings.telegram.flood_limits))
        .post_init(_open)
        .post_stop(_stop_sending)
        .post_shutdown(_close)
        .build()
    )
    services.attach(application, services.Services(settings=settings, clock=clock or SystemClock()))
    handlers.register_all(application)
    return application


async def _open(application: BotApplication) -> None:
    svc = services.of(application)
    svc.db = await Database.open(svc.settings.database.path)
    await commands.publish(application.bot, svc.settings.bot.default_language)
    svc.outbox = Dispatcher(
        application.bot,
        svc.db,
        svc.clock,
        paid_broadcast=svc.settings.broadcast.paid,
    )
    svc.outbox.listeners.extend(svc.delivery_listeners)
    # Whatever was still queued when the bot last stopped goes out now.
    await svc.outbox.start()
    me = application.bot
    log.info("bot @%s ready (database %s)", me.username, svc.settings.database.path)


async def _stop_sending(application: BotApplication) -> None:
    svc = services.of(application)
    if svc.outbox is not None:
        await svc.outbox.stop()


async def _close(application: BotApplication) -> None:
    svc = services.of(application)
    if svc.db is not None:
        await svc.db.close()
        svc.db = None
    log.info("database closed")


@asynccontextmanager
async def running(application: BotApplication) -> AsyncIterator[BotApplication]:
    """Run the application with long polling until the block ends, then stop it cleanly.

    The same steps as `Application.run_polling`, but awaitable, so the CLI, the tests and the
    demo all run the bot the one way.
    """
    svc = services.of(application)
    await application.initialize()
    try:
        if application.post_init:
            await application.post_init(application)
        assert application.updater is not None
        await application.updater.start_polling(
            allowed_updates=ALLOWED_UPDATES,
            timeout=svc.settings.telegram.poll_timeout,
            error_callback=_polling_error,
        )
        await application.start()
        try:
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


def _polling_error(error: Exception) -> None:
    # Network trouble while long polling: PTB retries by itself; one line, no traceback.
    log.warning("getUpdates failed, retrying: %s", error)

"""Each update is acted on once, also when Telegram delivers it again.

Telegram hands out an update again when the bot did not confirm it — it died between fetching
and confirming, or a webhook answer was lost. Acting on it twice resumes an intake twice,
answers a join request twice, counts a vote twice. So before any other handler group (-3: before
tracking) the update's id is recorded, and an id recorded before stops the update there.

The id is recorded before the work, not after it: a bot that dies while handling loses that one
update (the person can say it again) rather than doing half of it twice.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, ContextTypes, TypeHandler

from bot import services
from storage import handled_updates

log = logging.getLogger(__name__)
ONCE_GROUP = -3
# Telegram redelivers only what was not confirmed (minutes old); two days is ample.
KEEP_FOR = timedelta(days=2)
PRUNE_INTERVAL = timedelta(hours=1)


async def only_once(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Stop an update that was handled before; the person gets nothing a second time."""
    svc = services.of(context)
    try:
        first = await handled_updates.first_time(svc.database, update.update_id, svc.clock.now())
    except sqlite3.Error as exc:  # better acted on (once, most likely) than dropped
        log.warning("could not record update %s: %s", update.update_id, exc)
        return
    if not first:
        log.info("update %s was delivered again; not acted on twice", update.update_id)
        raise ApplicationHandlerStop


async def prune(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A job: forget the ids of updates older than `KEEP_FOR`."""
    svc = services.of(context)
    await handled_updates.prune(svc.database, svc.clock.now() - KEEP_FOR)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(TypeHandler(Update, only_once), group=ONCE_GROUP)
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        prune, interval=PRUNE_INTERVAL, first=timedelta(minutes=1), name="prune-handled-updates"
    )

"""Short notices for the operator: sending held back, Telegram back, messages that did not arrive.

They go to `[monitoring] ops_chat_id` (a person or a group; by default the coordinators of
`[access] coordinators`, each in their own language):

- Telegram has not answered for `[monitoring] held_back_minutes` (5): how long, how many wait;
- it answers again (only after such a notice): after how long, how many waited;
- deliveries that ended failed (Telegram refused them) or expired (their moment passed): one
  summary a minute at most, grouped by kind and reason, so a broadcast whose 300 copies expire
  gives one message, not 300.

They are deliveries like any other (routine, private), so an outage delays them but does not
lose them: they arrive after it, in order. One that fails itself is not reported again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from telegram.ext import Application

from bot import services
from bot.dispatcher import Outage
from bot.i18n import Html, Translator, translator
from bot.outbox import CONTINUED
from bot.services import Services
from domain.labels import time_text
from domain.notify import language_of
from domain.ports import Sent
from storage import deliveries
from storage import whatsapp as wa_store
from storage.deliveries import Delivery, NewDelivery, priority

log = logging.getLogger(__name__)

_KEY = "ops_notices"
KIND = "ops_notice"
BATCH_FOR = timedelta(minutes=1)  # failures are gathered this long into one summary
KEEP_FOR = timedelta(days=7)  # still worth reading after a long outage
TICK_S = 1.0  # how often to look whether a notice is due
SUMMARY_LINES = 6  # groups of (kind, outcome, reason) named in a summary; the rest are counted
REASON_CHARS = 120

Compose = Callable[[Translator], Html]


class OpsNotices:
    """Listens to the dispatcher and queues the operator's notices."""

    def __init__(self, svc: Services) -> None:
        self.svc = svc
        self._outage: Outage | None = None
        self._told_held_back = False
        self._wa_since: datetime | None = None  # a WhatsApp outage the operator was told of
        # (outcome, kind, reason) -> how many, since `_batch_since`.
        self._batch: Counter[tuple[str, str, str]] = Counter()
        self._batch_since: datetime | None = None
        self._task: asyncio.Task[None] | None = None

    def recipients(self) -> list[int]:
        chosen = self.svc.settings.monitoring.ops_chat_id
        return [chosen] if chosen is not None else list(self.svc.settings.access.coordinators)

    # --- what the dispatcher tells ---------------------------------------------------------

    async def on_outage(self, outage: Outage | None) -> None:
        if outage is not None:
            self._outage, self._told_held_back = outage, False
            return
        ended, told = self._outage, self._told_held_back
        self._outage, self._told_held_back = None, False
        if ended is None or not told:
            return  # shorter than held_back_minutes: nothing the operator needs to hear
        now = self.svc.clock.now()
        waited = (await deliveries.queue(self.svc.database)).pending
        minutes = _minutes(now - ended.since)
        log.warning("telling the operator: Telegram answers again after %d min", minutes)
        await self._queue(
            lambda _: _.ngettext(
                "✅ Telegram answers again ({now}) after {minutes} min. {n} message that waited "
                "goes out now.",
                "✅ Telegram answers again ({now}) after {minutes} min. {n} messages that waited "
                "go out now.",
                waited,
                now=self._clock_time(now),
                minutes=minutes,
            )
        )

    async def on_delivery(self, delivery: Delivery, outcome: str, _sent: Sent | None) -> None:
        if outcome not in ("failed", "expired") or delivery.kind.startswith(KIND):
            return
        if outcome == "failed":
            # The dispatcher tells the delivery as it was picked; its reason is in the database.
            delivery = await deliveries.get(self.svc.database, delivery.id) or delivery
        if self._batch_since is None:
            self._batch_since = self.svc.clock.now()
        kind = delivery.kind.removesuffix(CONTINUED).split(":")[0]
        reason = (delivery.error or "?").removeprefix("expired; ")[:REASON_CHARS]
        self._batch[(outcome, kind, reason)] += 1

    # --- what is due -----------------------------------------------------------------------

    async def tick(self) -> None:
        now = self.svc.clock.now()
        outage = self._outage
        held_back = timedelta(minutes=self.svc.settings.monitoring.held_back_minutes)
        if outage is not None and not self._told_held_back and now - outage.since >= held_back:
            self._told_held_back = True
            await self._held_back(outage, now)
        if self._batch_since is not None and now - self._batch_since >= BATCH_FOR:
            await self.flush()
        await self._whatsapp(now, held_back)

    async def _whatsapp(self, now: datetime, held_back: timedelta) -> None:
        """The WhatsApp channel's outage, told the same way: when it has lasted, and its end."""
        outage = getattr(self.svc.whatsapp, "outage", None)
        if outage is not None and self._wa_since is None and now - outage.since >= held_back:
            self._wa_since = outage.since
            waiting = (await wa_store.queue(self.svc.database))[wa_store.WHATSAPP].pending
            log.warning("telling the operator: WhatsApp held back since %s", outage.since)
            await self._queue(
                lambda _: _.ngettext(
                    "⚠️ WhatsApp has not answered since {since}. {n} message waits for it; "
                    "it goes out as soon as WhatsApp answers.\nLast error: {error}",
                    "⚠️ WhatsApp has not answered since {since}. {n} messages wait for it; "
                    "they go out as soon as WhatsApp answers.\nLast error: {error}",
                    waiting,
                    since=self._clock_time(outage.since),
                    error=outage.last_error[:REASON_CHARS],
                )
            )
        elif outage is None and self._wa_since is not None:
            since, self._wa_since = self._wa_since, None
            minutes = _minutes(now - since)
            await self._queue(
                lambda _: _(
                    "✅ WhatsApp answers again ({now}) after {minutes} min.",
                    now=self._clock_time(now),
                    minutes=minutes,
                )
            )

    async def _held_back(self, outage: Outage, now: datetime) -> None:
        waiting = (await deliveries.queue(self.svc.database)).pending
        minutes = _minutes(now - outage.since)
        log.warning("telling the operator: sending held back for %d min", minutes)
        await self._queue(
            lambda _: _.ngettext(
                "⚠️ Sending is held back: Telegram has not answered since {since} ({minutes} min "
                "at {now}). {n} message is waiting; it goes out as soon as Telegram answers.\n"
                "Last error: {error}",
                "⚠️ Sending is held back: Telegram has not answered since {since} ({minutes} min "
                "at {now}). {n} messages are waiting; they go out as soon as Telegram answers.\n"
                "Last error: {error}",
                waiting,
                since=self._clock_time(outage.since),
                minutes=minutes,
                now=self._clock_time(now),
                error=outage.last_error[:REASON_CHARS],
            )
        )

    async def flush(self) -> None:
        """One summary of the deliveries that ended since the last one."""
        batch, self._batch, self._batch_since = self._batch, Counter(), None
        if not batch:
            return
        log.warning("telling the operator: %d deliveries failed or expired", batch.total())
        await self._queue(lambda _: summary(_, batch))

    async def _queue(self, compose: Compose) -> None:
        """One delivery per recipient, each in their language, through the outbox."""
        targets = self.recipients()
        if not targets:
            log.warning("no operator to tell: set [monitoring] ops_chat_id or coordinators")
            return
        now, default = self.svc.clock.now(), self.svc.settings.bot.default_language
        items = []
        for chat_id in dict.fromkeys(targets):
            private = chat_id > 0
            _ = await language_of(self.svc, chat_id) if private else translator(default)
            items.append(
                NewDelivery(
                    chat_id=chat_id,
                    priority=priority("routine", group=not private),
                    kind=KIND,
                    params={"text": compose(_), "parse_mode": "HTML"},
                    user_id=chat_id if private else None,
                    expires_at=now + KEEP_FOR,
                )
            )
        async with self.svc.database.transaction() as conn:
            await deliveries.add_many(conn, items, now)
        if self.svc.outbox is not None:
            self.svc.outbox.wake()

    def _clock_time(self, moment: datetime) -> str:
        return time_text(moment, self.svc.settings.bot.tz)

    # --- running ---------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ops-notices")

    async def stop(self) -> None:
        """Stop looking; what is gathered so far is queued (it goes out at the next start)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            try:
                await self.tick()
            except Exception:
                log.exception("operator notices: failed; trying again in %.0f s", TICK_S)


def summary(_: Translator, batch: Counter[tuple[str, str, str]]) -> Html:
    """The summary: "⚠️ 300 messages could not be delivered:", then a line per kind and reason."""
    total = batch.total()
    lines = [
        _.ngettext(
            "⚠️ {n} message could not be delivered:", "⚠️ {n} messages could not be delivered:", total
        )
    ]
    named = batch.most_common(SUMMARY_LINES)
    for (outcome, kind, reason), count in named:
        if outcome == "failed":
            lines.append(
                _(
                    "• {count} × {kind}: refused by Telegram ({reason})",
                    count=count,
                    kind=kind,
                    reason=reason,
                )
            )
        else:
            lines.append(
                _("• {count} × {kind}: expired ({reason})", count=count, kind=kind, reason=reason)
            )
    rest = total - sum(count for _key, count in named)
    if rest:
        lines.append(
            _.ngettext(
                "• {n} more message, for other reasons",
                "• {n} more messages, for other reasons",
                rest,
            )
        )
    lines.append(_("The bot's log names each one."))
    return Html("\n".join(lines))


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def open_notices(application: Application[Any, Any, Any, Any, Any, Any]) -> OpsNotices:
    """Listen to the dispatcher and start looking for due notices (from post_init)."""
    svc = services.of(application)
    notices = OpsNotices(svc)
    svc.sender.listeners.append(notices.on_delivery)
    svc.sender.outage_listeners.append(notices.on_outage)
    notices.start()
    application.bot_data[_KEY] = notices
    return notices


async def close_notices(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    notices = application.bot_data.pop(_KEY, None)
    if isinstance(notices, OpsNotices):
        await notices.stop()

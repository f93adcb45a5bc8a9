"""The dispatcher: sends the queued deliveries, most urgent first, within Telegram's limits.

It keeps up to `in_flight` sends going at once and refills from the database as each one ends,
so a critical alert queued behind a thousand routine messages goes out within a moment. Each
outcome is recorded before the next look at the queue:

- sent: the Telegram message id is stored; that delivery is never sent again;
- 429: only that chat waits `retry_after` (the flood limiter holds it), the rest go on;
- 5xx, timeouts, dropped connections: retried with growing pauses, `max_attempts` times;
- 403 (blocked, kicked): 'unreachable', and listeners mark the person so;
- a group that became a supergroup: its record and pending deliveries move, and it is resent.

After a crash or restart, whatever is still pending is sent at start: at most the messages in
flight at the moment of the crash can arrive twice.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import warnings
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, Message, Poll, TelegramObject
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError
from telegram.warnings import PTBUserWarning

from bot.clock import Clock
from storage import deliveries, group_chats
from storage.database import Database
from storage.deliveries import Delivery

log = logging.getLogger(__name__)
# Deliveries store any Bot API method by name, so we call it by name on purpose.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

# Told how each delivery ended: "sent" (with the message Telegram returned), "unreachable" or
# "failed" (without).
Listener = Callable[[Delivery, str, Message | None], Awaitable[None]]
# What a method returns, where it is not the sent Message.
RESULT_TYPES: dict[str, type[TelegramObject] | None] = {"stopPoll": Poll, "unpinChatMessage": None}
IDLE_POLL_S = 1.0  # look again this often when idle (for retries that came due)
STOP_GRACE_S = 3.0  # let sends in flight record their outcome before stopping


class Dispatcher:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        clock: Clock,
        *,
        in_flight: int = 24,
        max_attempts: int = 6,
        paid_broadcast: bool = False,
    ) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.in_flight = in_flight
        self.max_attempts = max_attempts
        self.paid_broadcast = paid_broadcast
        self.listeners: list[Listener] = []
        self._wake = asyncio.Event()
        self._sending: dict[int, asyncio.Task[None]] = {}
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def wake(self) -> None:
        """New deliveries are queued: look at once instead of at the next poll."""
        self._wake.set()

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="dispatcher")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def idle(self) -> None:
        """Wait until nothing is due or in flight (for tests, the demo and benchmarks)."""
        # The queue lives in the database, so there is no event to wait on: look again.
        while self._sending or await deliveries.due(self.db, self.clock.now(), 1):  # noqa: ASYNC110
            await asyncio.sleep(0.02)

    async def _run(self) -> None:
        try:
            while not self._stopping:
                launched = await self._fill()
                if launched or self._sending:
                    waiters = [*self._sending.values(), asyncio.ensure_future(self._wake.wait())]
                    await asyncio.wait(waiters, timeout=IDLE_POLL_S, return_when="FIRST_COMPLETED")
                    waiters[-1].cancel()
                else:
                    try:
                        await asyncio.wait_for(self._wake.wait(), timeout=IDLE_POLL_S)
                    except TimeoutError:
                        pass
                self._wake.clear()
        finally:
            if self._sending:
                _done, pending = await asyncio.wait(self._sending.values(), timeout=STOP_GRACE_S)
                for task in pending:
                    task.cancel()

    async def _fill(self) -> int:
        free = self.in_flight - len(self._sending)
        if free <= 0:
            return 0
        batch = await deliveries.due(self.db, self.clock.now(), free, exclude=self._sending)
        for delivery in batch:
            task = asyncio.create_task(self._send(delivery), name=f"delivery-{delivery.id}")
            self._sending[delivery.id] = task
            task.add_done_callback(functools.partial(self._done, delivery.id))
        return len(batch)

    def _done(self, delivery_id: int, _task: asyncio.Task[None]) -> None:
        self._sending.pop(delivery_id, None)
        self._wake.set()

    async def _send(self, delivery: Delivery) -> None:
        try:
            await self._attempt(delivery)
        except Exception:  # never let one delivery stop the others
            log.exception("delivery %s: unexpected failure", delivery.id)
            await self._retry(delivery, "unexpected failure")

    async def _attempt(self, delivery: Delivery) -> None:
        params: dict[str, Any] = {**delivery.params, "chat_id": delivery.chat_id}
        if delivery.reply_to is not None:
            replied = await deliveries.message_id_of(self.db, delivery.reply_to)
            if replied is not None:
                params["reply_parameters"] = {
                    "message_id": replied,
                    "allow_sending_without_reply": True,
                }
        if self.paid_broadcast and delivery.kind.startswith("alert"):
            params["allow_paid_broadcast"] = True
        try:
            result = await self.bot.do_api_request(  # type: ignore[call-arg]
                delivery.method,
                api_kwargs=params,
                return_type=RESULT_TYPES.get(delivery.method, Message),
                rate_limit_args={"max_retries": 0},
            )
        except RetryAfter as exc:
            wait = exc._retry_after.total_seconds()
            await deliveries.postpone(self.db, delivery.id, self._later(wait))
            return
        except ChatMigrated as exc:
            await group_chats.migrate(self.db, delivery.chat_id, exc.new_chat_id)
            moved = await deliveries.move_chat(self.db, delivery.chat_id, exc.new_chat_id)
            log.warning(
                "chat %s became %s; %d deliveries follow it",
                delivery.chat_id,
                exc.new_chat_id,
                moved,
            )
            return  # pending under the new id: the next fill sends it there
        except Forbidden as exc:
            log.warning("delivery %s to %s: %s", delivery.id, delivery.chat_id, exc.message)
            await deliveries.give_up(self.db, delivery.id, "unreachable", exc.message)
            await self._tell(delivery, "unreachable")
            return
        except BadRequest as exc:
            log.error("delivery %s to %s refused: %s", delivery.id, delivery.chat_id, exc.message)
            await deliveries.give_up(self.db, delivery.id, "failed", exc.message)
            await self._tell(delivery, "failed")
            return
        except TelegramError as exc:  # 5xx, time-outs, dropped connections
            await self._retry(delivery, str(exc))
            return
        # Most methods answer with the sent Message; stopPoll with the Poll of the message it
        # names, unpinChatMessage with True.
        message = result if isinstance(result, Message) else None
        message_id = message.message_id if message else int(delivery.params["message_id"])
        await deliveries.mark_sent(self.db, delivery.id, message_id, self.clock.now())
        if delivery.pin:
            await self._pin(delivery, message_id)
        await self._tell(delivery, "sent", message)

    async def _retry(self, delivery: Delivery, error: str) -> None:
        attempts = delivery.attempts + 1
        if attempts >= self.max_attempts:
            log.error(
                "delivery %s to %s failed %d times: %s",
                delivery.id,
                delivery.chat_id,
                attempts,
                error,
            )
            await deliveries.give_up(self.db, delivery.id, "failed", error)
            await self._tell(delivery, "failed")
            return
        pause = min(60.0, 2.0**attempts) * random.uniform(0.5, 1.0)
        log.info("delivery %s: %s; retry %d in %.1f s", delivery.id, error, attempts, pause)
        await deliveries.retry_later(self.db, delivery.id, self._later(pause), error)

    async def _pin(self, delivery: Delivery, message_id: int) -> None:
        try:
            await self.bot.pin_chat_message(delivery.chat_id, message_id)
        except TelegramError as exc:  # the message is out; a missing pin right is not fatal
            log.warning("could not pin in chat %s: %s", delivery.chat_id, exc)

    async def _tell(self, delivery: Delivery, outcome: str, message: Message | None = None) -> None:
        for listener in self.listeners:
            try:
                await listener(delivery, outcome, message)
            except Exception:
                log.exception("listener failed for delivery %s", delivery.id)

    def _later(self, seconds: float) -> datetime:
        return self.clock.now() + timedelta(seconds=seconds)

"""The dispatcher: sends the queued deliveries, most urgent first, within Telegram's limits.

It keeps up to `in_flight` sends going at once and refills from the database as places free up,
so a critical alert queued behind a thousand routine messages goes out within a moment. Each
outcome is recorded before the delivery can be picked again:

- sent: the Telegram message id is stored; that delivery is never sent again (a pinned one
  queues its pin, so the pin survives an outage too);
- 429: only that chat waits `retry_after` (the flood limiter holds it), the rest go on; a wait
  past the message's lifetime ends it 'expired';
- 5xx, time-outs, dropped connections, Telegram unreachable: never final. The delivery waits a
  growing pause (capped at `MAX_PAUSE_S`) and is tried again until its lifetime ends
  (`expires_at`: an alert's window, the start of a meeting, a day for a routine notice);
- several of those in a row mean an outage: then one delivery a second goes out as a probe
  instead of a flood of doomed requests, and the first answer from Telegram releases everything
  that waited, most urgent first;
- 403 (blocked, kicked): 'unreachable'; 400 (our own mistake, named by Telegram): 'failed' and
  logged with the method and the cause, never retried blindly;
- a group that became a supergroup: its record and pending deliveries move, and it is resent.

The loop is supervised: an error in it is logged with its context and the loop goes on after a
pause. An outcome that cannot be recorded (the database is busy) is retried until it is, and
the delivery stays out of the queue meanwhile, so it is not sent twice.

Cheap per copy, for a fan-out to thousands: sent copies are recorded together, one transaction
at most `RECORD_EVERY_S` after they were sent (or as soon as `RECORD_BATCH` wait), listeners
told after it; kinds that must exist once, pinned messages and anything during an outage are
recorded at once, each on its own. The queue is read by one query however many deliveries are
held (`deliveries.due`), when a quarter of the places on the wire are free or something new
was queued, and a follow-up reads the message it answers in that same query. Telegram's answer
is read as plain data: only the message id, chat and poll id are needed.

Exactly once, as far as Telegram allows: sends wait `read_timeout` for an answer, twice that
for messages that must exist once (a poll, a pinned alert, a headcount), and a stop waits for
sends on the wire and records what was sent. Telegram has no idempotency key, so a message it
accepted but did not confirm within that time, or one on the wire or sent within the last
`RECORD_EVERY_S` when the process is killed, can arrive twice — never one of a kind that must
exist once: those are recorded before anything else happens.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import random
import warnings
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from telegram import Bot, InputFile, Message, Poll, TelegramObject
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.warnings import PTBUserWarning

from bot.clock import Clock
from bot.render import keyboard
from domain import ports
from domain.context import Listener, OutageListener
from domain.ports import Sent
from storage import deliveries, group_chats, media
from storage.database import Database
from storage.deliveries import Delivery, NewDelivery, SentRecord

log = logging.getLogger(__name__)
# Deliveries store any Bot API method by name, so we call it by name on purpose.
warnings.filterwarnings("ignore", message="Please use 'Bot.", category=PTBUserWarning)

__all__ = ["Dispatcher", "Listener", "Outage", "OutageListener"]

# The domain's words for what a delivery does, as Bot API methods. Other method names are Bot
# API names already (deliveries queued before the domain had its own words).
METHODS = {
    ports.MESSAGE: "sendMessage",
    ports.POLL: "sendPoll",
    ports.VENUE: "sendVenue",
    ports.PIN: "pinChatMessage",
    ports.UNPIN: "unpinChatMessage",
    ports.CLOSE_POLL: "stopPoll",
    ports.MENU: "setMyCommands",
    ports.PHOTO: "sendPhoto",
}
# What a method returns, where it is not the sent Message.
RESULT_TYPES: dict[str, type[TelegramObject] | None] = {
    "stopPoll": Poll,
    "unpinChatMessage": None,
    "pinChatMessage": None,
    "setMyCommands": None,
}
IDLE_POLL_S = 1.0  # look again this often when idle (for retries that came due)
LOOP_PAUSE_S = 2.0  # after an unexpected error in the loop, before going on
PROBE_EVERY_S = 1.0  # during an outage: one try a second, to notice the recovery at once
OUTAGE_AFTER = 3  # passing failures in a row, with no answer from Telegram between them
MAX_PAUSE_S = 180.0  # the longest one delivery waits between two tries
EXPIRE_EVERY_S = 5.0  # how often to end deliveries whose moment has passed
RECORD_PAUSES_S = (0.1, 0.5, 1.0, 2.0, 5.0)  # when the database is busy, then every 5 s
RECORD_EVERY_S = 0.2  # sent copies wait at most this long to be recorded together
RECORD_BATCH = 100  # ... or until this many wait
# Kinds whose copy must exist once: a retry after a time-out could show it twice.
MUST_BE_ONCE = ("meeting_poll", "meeting_headcount", "alert_pin")


@dataclass
class Outage:
    """Telegram is not answering: since when, how often it failed, and the last error."""

    since: datetime
    failures: int
    last_error: str


@dataclass(frozen=True)
class _Sent:
    message_id: int
    sent: Sent


@dataclass(frozen=True)
class _Retry:
    error: str
    passing: bool  # a failure of the way to Telegram (counts towards an outage)
    started: float = 0.0  # when the failed try began (event loop time)


@dataclass(frozen=True)
class _Wait:
    seconds: float


@dataclass(frozen=True)
class _Moved:
    new_chat_id: int


@dataclass(frozen=True)
class _Final:
    status: str  # "failed" or "unreachable"
    reason: str


_Result = _Sent | _Retry | _Wait | _Moved | _Final


def render(delivery: Delivery) -> tuple[str, dict[str, Any]]:
    """The Bot API method and parameters for a delivery: the domain's plain messages (text,
    buttons as data) become Telegram HTML with an inline keyboard."""
    params: dict[str, Any] = {**delivery.params, "chat_id": delivery.chat_id}
    method = METHODS.get(delivery.method, delivery.method)
    if delivery.method == ports.MESSAGE:
        params.setdefault("parse_mode", "HTML")
        markup = keyboard(ports.buttons_of(params))
        params.pop("buttons", None)
        if markup is not None:
            params["reply_markup"] = markup.to_dict()
    elif delivery.method == ports.PHOTO:
        params.setdefault("parse_mode", "HTML")  # the picture is added when sent (`_attempt`)
    elif delivery.method == ports.MENU:
        # A menu is set for a chat's scope; it names no chat_id of its own.
        scope = {"type": "chat", "chat_id": delivery.chat_id}
        params = {"commands": delivery.params["commands"], "scope": scope}
    return method, params


class Dispatcher:
    def __init__(
        self,
        bot: Bot,
        db: Database,
        clock: Clock,
        *,
        in_flight: int = 24,
        paid_broadcast: bool = False,
        read_timeout: float = 30.0,
    ) -> None:
        self.bot = bot
        self.db = db
        self.clock = clock
        self.in_flight = in_flight
        self.paid_broadcast = paid_broadcast
        self.read_timeout = read_timeout
        self.listeners: list[Listener] = []
        self.outage_listeners: list[OutageListener] = []
        self.outage: Outage | None = None
        # For the operator: outcomes so far, loop restarts, the last turn of the loop.
        self.outcomes: Counter[str] = Counter()
        self.loop_restarts = 0
        self.last_turn_at: datetime | None = None
        self._failures_in_row = 0
        self._first_failure_at: datetime | None = None
        self._last_answer = 0.0  # when Telegram last answered anything (event loop time)
        self._next_probe = 0.0
        self._next_expiry = 0.0
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._sending: dict[int, asyncio.Task[None]] = {}  # on the wire
        # Sent, to be recorded with the next batch; held out of the queue until then.
        self._unrecorded: dict[int, tuple[Delivery, _Sent]] = {}
        self._record_now = asyncio.Event()
        self._recorder: asyncio.Task[None] | None = None
        # Look at the queue again once this many places on the wire are free ...
        self._refill_at = max(1, in_flight // 4)
        self._news = False  # ... or at once when something new was queued.
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    @property
    def stop_grace(self) -> float:
        """How long a stop waits for sends on the wire: the longest a send may take."""
        return 2 * self.read_timeout + 5.0

    @property
    def waiting_for_channel(self) -> bool:
        """Telegram is not answering at the moment (the domain's word for an outage)."""
        return self.outage is not None

    def wake(self) -> None:
        """New deliveries are queued: look at once instead of at the next poll."""
        self._news = True
        self._wake.set()

    async def edit(
        self, chat_id: int, message_id: int, text: str, buttons: ports.Keyboard = ()
    ) -> bool:
        """The editor port: change a sent message's HTML text and buttons in place (a live
        status; Telegram drops buttons an edit does not repeat).

        False only when Telegram did not answer (try again later); a refusal (the message was
        deleted, or is unchanged) is final and logged: trying again would not help.
        """
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode="HTML",
                reply_markup=keyboard(buttons),
            )
        except BadRequest as exc:
            if "message is not modified" not in exc.message.lower():  # PTB capitalises
                log.warning("message %s in %s not edited: %s", message_id, chat_id, exc.message)
        except Forbidden as exc:
            log.warning("message %s in %s not edited: %s", message_id, chat_id, exc.message)
        except TelegramError as exc:
            log.warning("could not edit message %s in %s yet: %s", message_id, chat_id, exc)
            return False
        return True

    async def start(self) -> None:
        self._stopping = False
        self._stop.clear()
        self._task = asyncio.create_task(self._run(), name="dispatcher")

    async def stop(self) -> None:
        self._stopping = True
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def idle(self) -> None:
        """Wait until nothing is due or in flight (for tests, the demo and benchmarks)."""
        # The queue lives in the database, so there is no event to wait on: look again.
        while (  # noqa: ASYNC110
            self._sending or self._unrecorded or await deliveries.due(self.db, self.clock.now(), 1)
        ):
            await asyncio.sleep(0.02)

    # --- the loop ------------------------------------------------------------------------

    async def _run(self) -> None:
        try:
            while not self._stopping:
                try:
                    await self._turn()
                except Exception:
                    self.loop_restarts += 1
                    log.exception("the dispatcher failed; it goes on in %.0f s", LOOP_PAUSE_S)
                    await self._nap(LOOP_PAUSE_S)
        finally:
            await self._drain()

    async def _turn(self) -> None:
        self.last_turn_at = self.clock.now()
        loop = asyncio.get_running_loop()
        if loop.time() >= self._next_expiry:
            self._next_expiry = loop.time() + EXPIRE_EVERY_S
            for delivery in await deliveries.expire_due(self.db, self.clock.now()):
                self.outcomes["expired"] += 1
                log.warning(
                    "delivery %s (%s) to %s expired: %s",
                    delivery.id,
                    delivery.kind,
                    delivery.chat_id,
                    delivery.error,
                )
                await self._tell(delivery, "expired")
        await self._fill()
        # Woken by news, by enough sends ending (`_done`), or to look for retries come due.
        timeout = PROBE_EVERY_S if self.outage is not None else IDLE_POLL_S
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=timeout)
        except TimeoutError:
            pass
        self._wake.clear()

    async def _nap(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def _drain(self) -> None:
        """Let the sends on the wire end and record their outcome before stopping."""
        loop = asyncio.get_running_loop()
        until = loop.time() + self.stop_grace
        if self._sending:
            log.info(
                "waiting up to %.0f s for %d sends on the wire", self.stop_grace, len(self._sending)
            )
            _done, pending = await asyncio.wait(self._sending.values(), timeout=self.stop_grace)
            for task in pending:
                log.warning("%s still on the wire at stop: it may be sent again", task.get_name())
                task.cancel()
            if pending:
                await asyncio.wait(pending)
        recorder = self._recorder
        if recorder is None or recorder.done():
            return
        self._record_now.set()  # no waiting for a fuller batch now
        await asyncio.wait([recorder], timeout=max(1.0, until - loop.time()))
        if not recorder.done():
            log.warning(
                "%d sent deliveries not recorded at stop: they may be sent again",
                len(self._unrecorded),
            )
            recorder.cancel()
            await asyncio.wait([recorder])

    async def _fill(self) -> int:
        free = self.in_flight - len(self._sending)
        if self.outage is not None:
            # Probe, don't flood: one try a second until Telegram answers again.
            now = asyncio.get_running_loop().time()
            if now < self._next_probe:
                return 0
            self._next_probe = now + PROBE_EVERY_S
            free = min(free, 1)
        if free <= 0:
            return 0
        self._news = False
        # A probe does not wait out a delivery's pause: the pauses grow to minutes, and
        # Telegram's return must be noticed within a second, not when the next pause ends.
        batch = await deliveries.due(
            self.db,
            self.clock.now(),
            free,
            self._sending.keys() | self._unrecorded.keys(),
            paused_too=self.outage is not None,
        )
        for delivery in batch:
            task = asyncio.create_task(self._send(delivery), name=f"delivery-{delivery.id}")
            self._sending[delivery.id] = task
            task.add_done_callback(functools.partial(self._done, delivery.id))
        return len(batch)

    def _done(self, delivery_id: int, _task: asyncio.Task[None]) -> None:
        self._sending.pop(delivery_id, None)
        # One look at the queue for several free places, not one per ended send.
        free = self.in_flight - len(self._sending)
        if self._news or free >= self._refill_at or not self._sending:
            self._wake.set()

    # --- one delivery --------------------------------------------------------------------

    async def _send(self, delivery: Delivery) -> None:
        started = asyncio.get_running_loop().time()
        try:
            result = await self._attempt(delivery)
        except Exception as exc:  # never let one delivery stop the others
            log.exception("delivery %s: unexpected failure", delivery.id)
            result = _Retry(f"unexpected failure: {type(exc).__name__}", passing=False)
        if isinstance(result, _Retry):
            result = replace(result, started=started)
        if isinstance(result, _Sent) and self.outage is None and not _must_be_once(delivery):
            # Recorded with the next batch; until then it is held out of the queue.
            self._unrecorded[delivery.id] = (delivery, result)
            self._record_soon()
            return
        await self._until_recorded(delivery, result)

    async def _attempt(self, delivery: Delivery) -> _Result:
        method, params = render(delivery)
        if delivery.reply_to is not None and delivery.replied_message_id is not None:
            params["reply_parameters"] = {
                "message_id": delivery.replied_message_id,
                "allow_sending_without_reply": True,
            }
        if self.paid_broadcast and delivery.kind.startswith("alert"):
            params["allow_paid_broadcast"] = True
        if delivery.method == ports.PHOTO:
            # The picture waits in the database (not in the JSON params), read when sent.
            picture = await media.of(self.db, delivery.id)
            if picture is None:
                return _Final("failed", "its picture is no longer stored")
            params["photo"] = InputFile(picture.content, filename=picture.filename)
        once = _must_be_once(delivery)
        try:
            # The answer as plain data (return_type None): building a Message object from it
            # would cost more than the rest of the send; only three of its fields are used.
            result = await self.bot.do_api_request(  # type: ignore[call-arg]
                method,
                api_kwargs=params,
                return_type=None,
                rate_limit_args={"max_retries": 0},
                # Rather a late answer than a retry that may show the message twice.
                read_timeout=self.read_timeout * (2 if once else 1),
            )
        except RetryAfter as exc:
            return _Wait(exc._retry_after.total_seconds())
        except ChatMigrated as exc:
            return _Moved(exc.new_chat_id)
        except Forbidden as exc:
            return _Final("unreachable", exc.message)
        except BadRequest as exc:
            return _Final("failed", exc.message)
        except TimedOut as exc:
            if once:
                log.warning(
                    "delivery %s (%s): no answer in time; Telegram may have sent it already",
                    delivery.id,
                    delivery.kind,
                )
            return _Retry(f"time-out: {exc.message}", passing=True)
        except TelegramError as exc:  # 5xx, dropped connections, Telegram unreachable
            return _Retry(exc.message or type(exc).__name__, passing=True)
        return _sent(delivery, method, result)

    async def _until_recorded(self, delivery: Delivery, result: _Result) -> None:
        """Record the outcome; while the database refuses, try again (the delivery stays out
        of the queue meanwhile, so a sent message is not sent again)."""
        await _until_done(f"delivery {delivery.id}", lambda: self._record(delivery, result))

    def _record_soon(self) -> None:
        """A sent copy waits for the batch recorder; start it if it is not running."""
        if len(self._unrecorded) >= RECORD_BATCH:
            self._record_now.set()
        if self._recorder is None or self._recorder.done():
            self._recorder = asyncio.create_task(self._record_sent(), name="dispatcher-record")

    async def _record_sent(self) -> None:
        """Record the sent copies waiting, in one transaction, then tell the listeners; again
        while more wait. Each batch waits up to `RECORD_EVERY_S` for company (not at stop)."""
        while self._unrecorded:
            if not self._stopping:
                try:
                    await asyncio.wait_for(self._record_now.wait(), timeout=RECORD_EVERY_S)
                except TimeoutError:
                    pass
            self._record_now.clear()
            batch = list(self._unrecorded.values())
            records = [SentRecord(d.id, result.message_id) for d, result in batch]
            await _until_done(
                f"{len(batch)} sent deliveries",
                functools.partial(self._mark_all_sent, records),
            )
            for delivery, _result in batch:
                del self._unrecorded[delivery.id]
            if self.outage is None:  # (one that began since is not ended by older answers)
                self._heard()
            self.outcomes["sent"] += len(batch)
            for delivery, result in batch:
                await self._tell(delivery, "sent", result.sent)

    async def _record(self, delivery: Delivery, result: _Result) -> None:
        now = self.clock.now()
        match result:
            case _Sent(message_id, sent):
                await deliveries.mark_sent(
                    self.db, delivery.id, message_id, now, then=self._after(delivery, message_id)
                )
                self.outcomes["sent"] += 1
                await self._answered()
                await self._tell(delivery, "sent", sent)
            case _Retry(error, passing, started):
                await self._retry(delivery, error, passing, started, now)
            case _Wait(seconds):
                await self._answered()
                expires = delivery.expires()
                if expires is not None and now + timedelta(seconds=seconds) >= expires:
                    why = f"Telegram asked to wait {seconds:.0f} s, past the message's lifetime"
                    await self._end(delivery, "expired", why)
                else:
                    await deliveries.postpone(self.db, delivery.id, self._later(seconds))
            case _Moved(new_chat_id):
                await self._answered()
                await group_chats.migrate(self.db, delivery.chat_id, new_chat_id)
                moved = await deliveries.move_chat(self.db, delivery.chat_id, new_chat_id)
                log.warning(
                    "chat %s became %s; %d deliveries follow it",
                    delivery.chat_id,
                    new_chat_id,
                    moved,
                )
                # Still pending, under the new id: the next fill sends it there.
            case _Final(status, reason):
                await self._answered()
                await self._end(delivery, status, reason)

    def _after(self, delivery: Delivery, message_id: int) -> list[NewDelivery]:
        """What must follow a sent message: its pin, queued so that it survives an outage."""
        if not delivery.pin:
            return []
        return [
            NewDelivery(
                chat_id=delivery.chat_id,
                priority=delivery.priority,
                kind="alert_pin",
                method=ports.PIN,
                params={"message_id": message_id},
                incident_id=delivery.incident_id,
                network_id=delivery.network_id,
                expires_at=delivery.expires(),
            )
        ]

    async def _end(self, delivery: Delivery, status: str, reason: str) -> None:
        if status == "unreachable" or delivery.kind == "alert_pin":
            # Blocked by the person, or no pin right: a fact of life, not our mistake.
            log.warning("delivery %s to %s: %s", delivery.id, delivery.chat_id, reason)
        else:
            log.error(
                "delivery %s (%s, %s) to %s ended %s: %s",
                delivery.id,
                delivery.kind,
                delivery.method,
                delivery.chat_id,
                status,
                reason,
            )
        await deliveries.give_up(self.db, delivery.id, status, reason)
        self.outcomes[status] += 1
        await self._tell(replace(delivery, status=status, error=reason), status)

    async def _retry(
        self, delivery: Delivery, error: str, passing: bool, started: float, now: datetime
    ) -> None:
        attempts = delivery.attempts + 1
        pause = min(MAX_PAUSE_S, 2.0**attempts) * random.uniform(0.5, 1.0)
        if started < self._last_answer:
            # Telegram answered another request after this one began (a hung connection that
            # gave up late): old news, no sign of an outage. Try again soon.
            pause = random.uniform(0.5, 1.0)
        elif passing:
            await self._failed_passing(error, now)
        log.info("delivery %s: %s; try %d again in %.1f s", delivery.id, error, attempts, pause)
        self.outcomes["retried"] += 1
        await deliveries.retry_later(self.db, delivery.id, self._later(pause), error, now)

    # --- outages -------------------------------------------------------------------------

    async def _failed_passing(self, error: str, now: datetime) -> None:
        self._failures_in_row += 1
        if self._first_failure_at is None:
            self._first_failure_at = now
        if self.outage is not None:
            self.outage.failures += 1
            self.outage.last_error = error
            return
        if self._failures_in_row < OUTAGE_AFTER:
            return
        self.outage = Outage(self._first_failure_at, self._failures_in_row, error)
        queued = await deliveries.queue(self.db)
        log.warning(
            "Telegram is not answering (%s); %d deliveries wait, one try a second until it does",
            error,
            queued.pending,
        )
        await self._tell_outage(self.outage)

    def _heard(self) -> datetime | None:
        """Telegram answered: no failures in a row any more; when the first one was."""
        self._last_answer = asyncio.get_running_loop().time()
        self._failures_in_row = 0
        since, self._first_failure_at = self._first_failure_at, None
        return since

    async def _mark_all_sent(self, records: list[SentRecord]) -> None:
        await deliveries.mark_all_sent(self.db, records, self.clock.now())

    async def _answered(self) -> None:
        """Telegram answered (whatever it said): an outage is over."""
        since = self._heard()
        if self.outage is None:
            return
        outage, self.outage = self.outage, None
        now = self.clock.now()
        released = await deliveries.release(self.db, since or outage.since, now)
        log.warning(
            "Telegram answers again after %.0f s (%d failed tries); %d deliveries go now",
            (now - outage.since).total_seconds(),
            outage.failures,
            released,
        )
        self._wake.set()
        await self._tell_outage(None)

    async def _tell_outage(self, outage: Outage | None) -> None:
        for listener in self.outage_listeners:
            try:
                await listener(outage)
            except Exception:
                log.exception("outage listener failed")

    async def _tell(self, delivery: Delivery, outcome: str, sent: Sent | None = None) -> None:
        for listener in self.listeners:
            try:
                await listener(delivery, outcome, sent)
            except Exception:
                log.exception("listener failed for delivery %s", delivery.id)

    def _later(self, seconds: float) -> datetime:
        return self.clock.now() + timedelta(seconds=seconds)


def _must_be_once(delivery: Delivery) -> bool:
    """A copy that must exist once: a retry after a time-out could show it twice."""
    return delivery.pin or delivery.kind.startswith(MUST_BE_ONCE)


def _sent(delivery: Delivery, method: str, result: Any) -> _Sent:
    """What Telegram's answer says about a sent delivery.

    Most methods answer with the sent Message; stopPoll with the Poll of the message it
    names, pin and unpin with True: then the message is the one the delivery named.
    """
    if RESULT_TYPES.get(method, Message) is Message and isinstance(result, dict):
        message_id = int(result["message_id"])
        poll = result.get("poll")
        poll_id = str(poll["id"]) if isinstance(poll, dict) else None
        chat_id = int(result["chat"]["id"])
        return _Sent(message_id, Sent(chat_id, message_id, poll_id))
    message_id = int(delivery.params.get("message_id", 0))  # 0: a method about no message
    return _Sent(message_id, Sent(delivery.chat_id, message_id, None))


async def _until_done(what: str, record: Callable[[], Awaitable[None]]) -> None:
    """Run `record` until the database takes it, pausing longer each time it refuses."""
    for attempt in range(10_000):
        try:
            await record()
            return
        except Exception as exc:
            pause = RECORD_PAUSES_S[min(attempt, len(RECORD_PAUSES_S) - 1)]
            log.warning(
                "%s: outcome not recorded yet (%s: %s); again in %.1f s",
                what,
                type(exc).__name__,
                exc,
                pause,
            )
            await asyncio.sleep(pause)

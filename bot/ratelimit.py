"""Keeping under Telegram's flood limits for all the bot's traffic, instead of bouncing off them.

Telegram documents about 30 messages per second for a bot overall (1000 with paid broadcasts),
about one per second in a private chat (short bursts tolerated) and 20 per minute in a group.
python-telegram-bot's `AIORateLimiter` covers the overall and group limits, but pauses *every*
request after any 429 and cannot be told "no retries" per call; a broadcast to 1000 people needs
a 429 in one chat to hold that chat only. So this limiter:

- reserves a slot in up to three schedules per request (overall, the group, the private chat),
  each a GCRA ("virtual scheduling"): a rate plus a burst, no background task, fair in order;
- on a 429 holds only that chat for `retry_after`, unless several chats are told to wait at
  once — Telegram's sign of a bot-wide flood — and then holds everything;
- retries a 429 `max_retries` times (per call: `rate_limit_args={"max_retries": 0}` for none, so
  the dispatcher can reschedule the message itself and let other chats go first).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

# Methods that put something in a chat and so count against its limits.
SENDING_METHODS = frozenset(
    {
        "sendMessage", "sendPoll", "sendVenue", "sendContact", "sendLocation", "sendPhoto",
        "sendDocument", "copyMessage", "forwardMessage", "editMessageText",
        "editMessageReplyMarkup", "stopPoll",
    }
)  # fmt: skip
# This many different chats told to wait within GLOBAL_FLOOD_WINDOW means the bot as a whole
# is flooding: then everything waits.
GLOBAL_FLOOD_CHATS = 3
GLOBAL_FLOOD_WINDOW = 1.0


@dataclass
class Schedule:
    """GCRA: one slot every `interval` seconds, with `burst` slots allowed at once."""

    rate: float  # slots per second
    burst: float
    _theoretical: float = 0.0  # when the next slot would be free if there were no burst

    def reserve(self, now: float) -> float:
        """Reserve the next slot; returns how long to wait for it."""
        interval = 1.0 / self.rate
        start = max(now, self._theoretical - (self.burst - 1) * interval)
        self._theoretical = max(self._theoretical, now) + interval
        return start - now

    def hold(self, now: float, seconds: float) -> None:
        """Nothing before now + seconds (Telegram said so), and no burst right after."""
        self._theoretical = max(self._theoretical, now + seconds + (self.burst - 1) / self.rate)


@dataclass
class Limits:
    """A little under Telegram's limits: its clock starts when our first request *arrives*,
    so sends paced exactly at the limit can look too fast to it by a connection set-up."""

    overall_per_second: float = 29.0
    overall_burst: float = 25.0
    paid_per_second: float = 950.0
    private_per_second: float = 1.0
    private_burst: float = 2.0
    group_per_minute: float = 19.0
    group_burst: float = 18.0


@dataclass
class _State:
    overall: Schedule
    paid: Schedule
    chats: dict[int | str, Schedule] = field(default_factory=dict)
    recent_429: list[tuple[float, int | str]] = field(default_factory=list)


class FloodLimiter(BaseRateLimiter[dict[str, int]]):
    """A `BaseRateLimiter` for python-telegram-bot; see the module docstring."""

    def __init__(
        self,
        limits: Limits | None = None,
        max_retries: int = 3,
        clock: Callable[[], float] | None = None,
        *,
        pace: bool = True,
    ) -> None:
        self.limits = limits or Limits()
        self.pace = pace  # False: no pacing, only 429s are waited out (sandbox without limits)
        self.max_retries = max_retries
        self._clock = clock
        self._state = _State(
            overall=Schedule(self.limits.overall_per_second, self.limits.overall_burst),
            paid=Schedule(self.limits.paid_per_second, self.limits.paid_per_second / 2),
        )
        self.waited_429 = 0  # for benchmarks and logs: how often Telegram said "too fast"

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    def _now(self) -> float:
        return self._clock() if self._clock else asyncio.get_running_loop().time()

    def waiting(self) -> bool:
        """Whether a request is waiting for its turn right now (the demo waits for the bot to
        have said everything)."""
        now = self._now()
        schedules = [self._state.overall, self._state.paid, *self._state.chats.values()]
        return any(s._theoretical - s.burst / s.rate > now for s in schedules)

    def _chat_schedule(self, chat_id: int | str) -> Schedule:
        schedule = self._state.chats.get(chat_id)
        if schedule is None:
            is_group = isinstance(chat_id, str) or chat_id < 0
            limits = self.limits
            schedule = (
                Schedule(limits.group_per_minute / 60.0, limits.group_burst)
                if is_group
                else Schedule(limits.private_per_second, limits.private_burst)
            )
            self._state.chats[chat_id] = schedule
        return schedule

    async def _wait_turn(self, endpoint: str, chat_id: int | str | None, paid: bool) -> None:
        if not self.pace or chat_id is None or endpoint not in SENDING_METHODS:
            return
        # The chat's own turn first, then a slot overall at the moment it is really used, so
        # time spent waiting for a busy chat never bunches up overall sends.
        wait = self._chat_schedule(chat_id).reserve(self._now())
        if wait > 0:
            await asyncio.sleep(wait)
        overall = self._state.paid if paid else self._state.overall
        wait = overall.reserve(self._now())
        if wait > 0:
            await asyncio.sleep(wait)

    def _told_to_wait(self, chat_id: int | str | None, seconds: float) -> None:
        now = self._now()
        self.waited_429 += 1
        if chat_id is not None:
            self._chat_schedule(chat_id).hold(now, seconds)
        recent = [(t, c) for t, c in self._state.recent_429 if now - t <= GLOBAL_FLOOD_WINDOW]
        recent.append((now, chat_id if chat_id is not None else "?"))
        self._state.recent_429 = recent
        if chat_id is None or len({c for _t, c in recent}) >= GLOBAL_FLOOD_CHATS:
            log.warning("Telegram signals a bot-wide flood: everything waits %.1f s", seconds)
            self._state.overall.hold(now, seconds)
            self._state.paid.hold(now, seconds)
        else:
            log.info("chat %s must wait %.1f s (429)", chat_id, seconds)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, int] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        retries = (rate_limit_args or {}).get("max_retries", self.max_retries)
        chat_id = _chat_key(data.get("chat_id"))
        paid = bool(data.get("allow_paid_broadcast"))
        attempt = 0
        while True:
            await self._wait_turn(endpoint, chat_id, paid)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                seconds = exc._retry_after.total_seconds()
                self._told_to_wait(chat_id, seconds)
                if attempt >= retries:
                    raise
                attempt += 1
                if not self.pace:  # no schedule to hold it: wait here
                    await asyncio.sleep(seconds)


def _chat_key(chat_id: Any) -> int | str | None:
    if chat_id is None:
        return None
    try:
        return int(chat_id)
    except (TypeError, ValueError):
        return str(chat_id)

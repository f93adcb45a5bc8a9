"""Flood limits of the sandbox: token buckets modelled on Telegram's documented limits.

Telegram allows about 30 messages per second per bot overall (1000/s for paid
broadcasts), about one message per second in a private chat (short bursts are
tolerated) and 20 messages per minute in a group. Exceeding a limit is answered
with 429 "Too Many Requests: retry after N" and ``parameters.retry_after``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox._api import ApiError


@dataclass
class FloodConfig:
    """Bucket sizes (burst) and refill rates; small values make flood tests fast."""

    global_per_second: float = 30.0
    global_burst: float = 30.0
    paid_per_second: float = 1000.0
    paid_burst: float = 1000.0
    private_per_second: float = 1.0
    private_burst: float = 3.0
    group_per_minute: float = 20.0
    group_burst: float = 20.0


@dataclass
class TokenBucket:
    """A classic token bucket driven by an external clock (seconds)."""

    capacity: float
    rate: float  # tokens per second
    tokens: float = field(default=-1.0)
    stamp: float = 0.0

    def _refill(self, now: float) -> None:
        if self.tokens < 0:  # first use: a full bucket
            self.tokens, self.stamp = self.capacity, now
            return
        elapsed = max(0.0, now - self.stamp)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.stamp = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when available now)."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def take(self, now: float) -> None:
        self._refill(now)
        self.tokens -= 1.0


class FloodControl:
    """Per-bot and per-chat buckets; ``check`` raises the 429 Telegram would send."""

    def __init__(
        self, config: FloodConfig, clock: Callable[[], float], *, enabled: bool = True
    ) -> None:
        self.config = config
        self.enabled = enabled
        self._clock = clock
        self._global = TokenBucket(config.global_burst, config.global_per_second)
        self._paid = TokenBucket(config.paid_burst, config.paid_per_second)
        self._chats: dict[int, TokenBucket] = {}

    def reset(self) -> None:
        """Forget all spent tokens (e.g. between demo scenes)."""
        self._global = TokenBucket(self.config.global_burst, self.config.global_per_second)
        self._paid = TokenBucket(self.config.paid_burst, self.config.paid_per_second)
        self._chats.clear()

    def _chat_bucket(self, chat_id: int, private: bool) -> TokenBucket:
        bucket = self._chats.get(chat_id)
        if bucket is None:
            cfg = self.config
            if private:
                bucket = TokenBucket(cfg.private_burst, cfg.private_per_second)
            else:
                bucket = TokenBucket(cfg.group_burst, cfg.group_per_minute / 60.0)
            self._chats[chat_id] = bucket
        return bucket

    def check(
        self, chat_id: int, *, private: bool, counts_global: bool = True, paid: bool = False
    ) -> None:
        """Spend one token from every bucket involved, or raise 429 without spending."""
        if not self.enabled:
            return
        now = self._clock()
        buckets = [self._chat_bucket(chat_id, private)]
        if counts_global:
            buckets.append(self._paid if paid else self._global)
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            retry_after = max(1, math.ceil(wait))
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )
        for bucket in buckets:
            bucket.take(now)

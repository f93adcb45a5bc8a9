"""Fault injection: make the sandbox fail the way the real network and Telegram do.

Tests use it to prove the bot survives 429s, 5xx answers, dropped connections and
slow answers. A failed call never performs its action, so a retry is no duplicate.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

from sandbox._api import ApiError

_STANDARD_5XX = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class FaultRule:
    """One armed fault: ``kind`` is "fail" (answer an error) or "drop" (close socket)."""

    kind: str
    method: str
    chat_id: int | str | None
    times: int
    error_code: int = 0
    description: str = ""
    retry_after: int | None = None

    def matches(self, method: str, chat_id: Any) -> bool:
        if self.method.lower() != method.lower():
            return False
        return self.chat_id is None or str(self.chat_id) == str(chat_id)

    def error(self) -> ApiError:
        params = {"retry_after": self.retry_after} if self.retry_after is not None else None
        return ApiError(self.error_code, self.description, params)


@dataclass
class FaultDecision:
    """What the server must do for one request."""

    delay: float = 0.0
    drop: bool = False
    error: ApiError | None = None
    hang: bool = False  # no answer until the outage ends (or the client gives up), then drop
    # Perform the call at once, then answer only after this long: what the bot hears late
    # (a sent poll's id) has already happened for everyone else.
    delay_after: float = 0.0


OUTAGE_MODES = ("5xx", "drop", "timeout")
HANG_LIMIT_S = 120.0  # a hanging request is dropped after this long at the latest


class Faults:
    """The ``sandbox.faults`` controller."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._slow: dict[tuple[str, str | None], tuple[float, bool]] = {}
        self._rate_5xx = 0.0
        self._rate_429 = 0.0
        self._random_methods: set[str] | None = None
        self._rng = random.Random(0)
        self.injected: list[tuple[str, int | str]] = []  # (method, error code or "drop")
        self._outage: str | None = None
        self._outage_methods: set[str] | None = None
        self._outage_chats: set[str] | None = None
        self._recovered = asyncio.Event()

    def fail_next(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        error_code: int = 502,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` matching calls with this error (action not performed)."""
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
                retry_after = retry_after or 1
            else:
                description = _STANDARD_5XX.get(error_code, "Bad Request")
        self._rules.append(
            FaultRule("fail", method, chat_id, times, error_code, description, retry_after)
        )

    def drop_next(self, method: str, *, chat_id: int | str | None = None, times: int = 1) -> None:
        """Close the connection without any answer on the next matching call."""
        self._rules.append(FaultRule("drop", method, chat_id, times))

    def slow(
        self,
        method: str,
        seconds: float,
        *,
        chat_id: int | str | None = None,
        after: bool = False,
    ) -> None:
        """Delay every call of ``method`` (to ``chat_id`` only, if given) by ``seconds``
        (0 removes the delay). With ``after``, the call is performed at once and only its
        answer is late, as when Telegram has delivered a message before the bot hears so."""
        key = (method.lower(), None if chat_id is None else str(chat_id))
        if seconds <= 0:
            self._slow.pop(key, None)
        else:
            self._slow[key] = (seconds, after)

    def random_errors(
        self,
        rate_5xx: float = 0.0,
        rate_429: float = 0.0,
        seed: int = 0,
        methods: list[str] | None = None,
    ) -> None:
        """Fail a random share of calls (all methods but getUpdates unless ``methods``)."""
        self._rate_5xx, self._rate_429 = rate_5xx, rate_429
        self._rng = random.Random(seed)
        self._random_methods = {m.lower() for m in methods} if methods else None

    def outage(
        self,
        mode: str = "5xx",
        methods: list[str] | None = None,
        chat_ids: list[int] | None = None,
    ) -> None:
        """Telegram is down until ``recover()``: every call (of ``methods``, default all; to
        ``chat_ids``, default any — a data centre of Telegram's can fail alone) fails.

        "5xx" answers 502, "drop" closes the connection unanswered, "timeout" keeps the
        connection open without an answer until the client gives up or the outage ends, then
        drops it. Nothing that fails is performed, as when Telegram cannot be reached.
        """
        if mode not in OUTAGE_MODES:
            raise ValueError(f"outage mode must be one of {OUTAGE_MODES}")
        self._outage = mode
        self._outage_methods = {m.lower() for m in methods} if methods else None
        self._outage_chats = {str(c) for c in chat_ids} if chat_ids else None
        self._recovered.clear()

    def recover(self) -> None:
        """The outage is over: calls are answered again."""
        self._outage = None
        self._outage_methods = None
        self._outage_chats = None
        self._recovered.set()

    @property
    def in_outage(self) -> bool:
        return self._outage is not None

    async def wait_recovered(self, longest: float = HANG_LIMIT_S) -> None:
        try:
            await asyncio.wait_for(self._recovered.wait(), longest)
        except TimeoutError:
            pass

    def clear(self) -> None:
        self._rules.clear()
        self._slow.clear()
        self._rate_5xx = self._rate_429 = 0.0
        self.recover()

    def decide(self, method: str, chat_id: Any) -> FaultDecision:
        seconds, after = self._slow.get(
            (method.lower(), str(chat_id)), self._slow.get((method.lower(), None), (0.0, False))
        )
        decision = FaultDecision(delay_after=seconds) if after else FaultDecision(delay=seconds)
        if (
            self._outage is not None
            and (self._outage_methods is None or method.lower() in self._outage_methods)
            and (self._outage_chats is None or str(chat_id) in self._outage_chats)
        ):
            if self._outage == "5xx":
                decision.error = ApiError(502, "Bad Gateway")
                self.injected.append((method, 502))
            elif self._outage == "drop":
                decision.drop = True
                self.injected.append((method, "drop"))
            else:
                decision.hang = True
                self.injected.append((method, "timeout"))
            return decision
        for rule in self._rules:
            if rule.matches(method, chat_id):
                rule.times -= 1
                if rule.times <= 0:
                    self._rules.remove(rule)
                if rule.kind == "drop":
                    decision.drop = True
                    self.injected.append((method, "drop"))
                else:
                    decision.error = rule.error()
                    self.injected.append((method, rule.error_code))
                return decision
        if self._rate_5xx or self._rate_429:
            eligible = (
                method.lower() in self._random_methods
                if self._random_methods is not None
                else method != "getUpdates"
            )
            if eligible:
                roll = self._rng.random()
                if roll < self._rate_5xx:
                    decision.error = ApiError(502, "Bad Gateway")
                elif roll < self._rate_5xx + self._rate_429:
                    decision.error = ApiError(
                        429, "Too Many Requests: retry after 1", {"retry_after": 1}
                    )
                if decision.error is not None:
                    self.injected.append((method, decision.error.error_code))
        return decision

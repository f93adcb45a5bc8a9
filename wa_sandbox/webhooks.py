"""Webhooks as Meta sends them: signed, in order, repeated until the bot answers 2xx.

Each payload is POSTed as JSON with ``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw
body with the app secret>``. Only a 2xx answer confirms it; otherwise it is sent again (at once,
then after 1, 2, 4 … seconds, at most ``max_delay``) and nothing after it goes first. Meta also
delivers some webhooks more than once; ``duplicate`` does that for every payload (sent again
right after its first delivery), so the bot's dedupe is exercised.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

SIGNATURE_HEADER = "X-Hub-Signature-256"


def sign(body: bytes, app_secret: str) -> str:
    """The ``X-Hub-Signature-256`` value for a raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass
class Delivery:
    """One POST of a webhook: what was sent and how the bot answered (for tests)."""

    payload: dict[str, Any]
    status: int | None  # the HTTP answer; None when unreachable
    error: str = ""


class Webhooks:
    """The queue of webhooks to the bot and its one pusher."""

    def __init__(self, app_secret: str) -> None:
        self.app_secret = app_secret
        self.url: str | None = None
        self.duplicate = False
        self.max_delay = 30.0
        self.timeout = 10.0
        self.deliveries: list[Delivery] = []
        self.confirmed: list[dict[str, Any]] = []  # payloads the bot answered 2xx, in order
        self._queue: list[dict[str, Any]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._session: aiohttp.ClientSession | None = None

    def send(self, payload: dict[str, Any]) -> None:
        self._queue.append(payload)
        self._idle.clear()
        self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._queue)

    async def idle(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Until every queued webhook was confirmed by the bot."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    def start(self) -> None:
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        self._task = asyncio.create_task(self._push(), name="wa-sandbox-webhooks")

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _push(self) -> None:
        failures = 0
        while True:
            if not self._queue or self.url is None:
                self._wake.clear()
                if not self._queue:
                    self._idle.set()
                await self._wake.wait()
                continue
            payload = self._queue[0]
            if await self._post(payload):
                self._queue.pop(0)
                self.confirmed.append(payload)
                failures = 0
                if self.duplicate:
                    await self._post(payload)
                continue
            failures += 1
            delay = 0.0 if failures <= 1 else min(self.max_delay, 2.0 ** (failures - 2))
            with contextlib.suppress(TimeoutError):
                # a new URL (the bot came back elsewhere) retries at once
                self._wake.clear()
                await asyncio.wait_for(self._wake.wait(), delay)

    async def _post(self, payload: dict[str, Any]) -> bool:
        assert self._session is not None and self.url is not None
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign(body, self.app_secret),
        }
        try:
            async with self._session.post(self.url, data=body, headers=headers) as response:
                await response.read()
                self.deliveries.append(Delivery(payload, response.status))
                return 200 <= response.status <= 299
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self.deliveries.append(Delivery(payload, None, type(exc).__name__))
            return False

"""The bot's webhook, as Telegram runs it: setWebhook, deleteWebhook, getWebhookInfo, and a
pusher that POSTs every queued update to the webhook URL.

What Telegram does (tdlib/telegram-bot-api, ``Client.cpp`` and ``WebhookActor.cpp``), and so
does the sandbox:

* the URL must be https, on port 443, 80, 88 or 8443; the secret token 1-256 characters of
  ``A-Za-z0-9_-``; an empty URL deletes the webhook; setWebhook ends a waiting getUpdates with
  409, and getUpdates is refused with 409 while a webhook is set;
* each update is POSTed as JSON with ``Content-Type: application/json`` and, when set, the
  ``X-Telegram-Bot-Api-Secret-Token`` header; only a 2xx answer confirms it. Otherwise the same
  update is sent again, and nothing after it goes first: at once the first time, then after
  2, 4, 8 … seconds (at most a minute), or after the answer's ``Retry-After``;
* getWebhookInfo tells the pending update count and the last error ("Wrong response from the
  webhook: 403 Forbidden", "Connection refused", …) with its date.

The sandbox sends one update at a time (Telegram may use up to ``max_connections`` at once, in
order within a chat), and cannot speak TLS to the bot. Like the operator's reverse proxy, it
delivers an https webhook to the plain-HTTP origin in ``Sandbox.webhook_proxy`` (the bot's
``telegram.webhook_listen``), path and query unchanged::

    sandbox.webhook_proxy = "http://127.0.0.1:8443"   # the bot: webhook_listen = "127.0.0.1:8443"

Without it nothing is delivered and getWebhookInfo says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp

from sandbox._api import ApiError
from sandbox.updates import DEFAULT_ALLOWED, UPDATE_TYPES

if TYPE_CHECKING:
    from sandbox.sandbox import Sandbox

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
PORTS = (443, 80, 88, 8443)
NOT_HTTPS = "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
BAD_PORT = "Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443"
_SECRET_SHAPE = re.compile(r"^[A-Za-z0-9_-]*$")
# Telegram's pause between deliveries of an update that failed: none after the first failure,
# then doubling from 2 s up to this (WEBHOOK_MAX_RESEND_TIMEOUT; Telegram adds a random part).
MAX_DELAY = 60.0
MAX_RETRY_AFTER = 3600


class Webhook:
    """The webhook of the one simulated bot: its settings, its delivery state, its pusher."""

    def __init__(self, sb: Sandbox) -> None:
        self._sb = sb
        self.url = ""
        self.secret_token = ""
        self.max_connections = 40
        self.last_error_date = 0
        self.last_error_message = ""
        self.attempts = 0  # POSTs made, answered or not (for tests)
        self.max_delay = MAX_DELAY
        self.timeout = 30.0  # seconds Telegram waits for the webhook's answer
        self._task: asyncio.Task[None] | None = None

    @property
    def active(self) -> bool:
        return bool(self.url)

    async def set(self, params: dict[str, Any]) -> None:
        """setWebhook, with parameters validated against api.json."""
        url = str(params["url"])
        if not url:
            await self.delete(drop_pending_updates=bool(params.get("drop_pending_updates")))
            return
        secret = str(params.get("secret_token") or "")
        max_connections = min(100, max(1, int(params.get("max_connections") or 40)))
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ApiError(400, "Bad Request: invalid webhook URL specified")
        if len(secret) > 256:
            raise ApiError(400, "Bad Request: secret token is too long")
        if not _SECRET_SHAPE.match(secret):
            raise ApiError(400, "Bad Request: secret token contains unallowed characters")
        if parts.scheme != "https":
            raise ApiError(400, NOT_HTTPS)
        if (parts.port or 443) not in PORTS:
            raise ApiError(400, BAD_PORT)
        queue = self._sb.updates
        if params.get("drop_pending_updates"):
            queue.pending.clear()
        queue.allow(params.get("allowed_updates"))
        if (url, secret, max_connections) == (self.url, self.secret_token, self.max_connections):
            return  # "Webhook is already set": deliveries go on as they were
        await self._stop_pushing()
        queue.end_long_poll()
        self.url, self.secret_token, self.max_connections = url, secret, max_connections
        self._task = asyncio.create_task(self._push(), name="sandbox-webhook")

    async def delete(self, *, drop_pending_updates: bool = False) -> None:
        """deleteWebhook. Pending updates stay, for getUpdates."""
        if drop_pending_updates:
            self._sb.updates.pending.clear()
        await self._stop_pushing()
        self.url = self.secret_token = ""

    def info(self) -> dict[str, Any]:
        """getWebhookInfo's result."""
        queue = self._sb.updates
        info: dict[str, Any] = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": sum(queue.kind_of(u) in queue.allowed for u in queue.pending),
        }
        if self.last_error_date:
            info["last_error_date"] = self.last_error_date
            info["last_error_message"] = self.last_error_message
        if self.active:
            info["max_connections"] = self.max_connections
            info["ip_address"] = "127.0.0.1"
        if queue.allowed != DEFAULT_ALLOWED:
            info["allowed_updates"] = [kind for kind in UPDATE_TYPES if kind in queue.allowed]
        return info

    async def close(self) -> None:
        """Sandbox stop: no more deliveries (the settings stay, as at Telegram)."""
        await self._stop_pushing()

    # ---- delivery ----
    async def _stop_pushing(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _push(self) -> None:
        queue = self._sb.updates
        failures = 0
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            while (update := await queue.next_update()) is not None:
                error, retry_after = await self._post(session, update)
                if error is None:
                    queue.confirm(update["update_id"])
                    failures = 0
                    self._sb.notify()
                    continue
                failures += 1
                self.last_error_date = self._sb.now()
                self.last_error_message = error
                self._sb.notify()
                await asyncio.sleep(retry_after or self._backoff(failures))

    def _backoff(self, failures: int) -> float:
        return 0.0 if failures <= 1 else min(self.max_delay, 2.0 ** (failures - 1))

    async def _post(
        self, session: aiohttp.ClientSession, update: dict[str, Any]
    ) -> tuple[str | None, float]:
        """(None, 0) when the webhook answered 2xx, else (Telegram's error text, Retry-After)."""
        target = self._target()
        if target is None:
            return (
                f"sandbox: cannot reach {urlsplit(self.url).hostname}; set Sandbox.webhook_proxy "
                "to the bot's listen address",
                0,
            )
        headers = {"Content-Type": "application/json"}
        if self.secret_token:
            headers[SECRET_HEADER] = self.secret_token
        self.attempts += 1
        try:
            async with session.post(
                target, data=json.dumps(update, ensure_ascii=False).encode(), headers=headers
            ) as response:
                await response.read()
                if 200 <= response.status <= 299:
                    return None, 0
                retry_after = _retry_after(response.headers.get("Retry-After"))
                return (
                    f"Wrong response from the webhook: {response.status} {response.reason}",
                    retry_after,
                )
        except TimeoutError:
            return "Read timeout expired", 0
        except aiohttp.ClientConnectorError as exc:
            if exc.os_error.errno == errno.ECONNREFUSED:
                return "Connection refused", 0
            return f"Connection failed: {exc.os_error.strerror or exc}", 0
        except aiohttp.ClientError:
            return "Webhook connection closed", 0

    def _target(self) -> str | None:
        proxy = self._sb.webhook_proxy
        if proxy is None:
            return None
        parts = urlsplit(self.url)
        path = parts.path or "/"
        return f"{proxy.rstrip('/')}{path}" + (f"?{parts.query}" if parts.query else "")


def _retry_after(value: str | None) -> float:
    try:
        return float(min(MAX_RETRY_AFTER, max(0, int(value or 0))))
    except ValueError:
        return 0.0

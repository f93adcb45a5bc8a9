"""Webhook mode: Telegram POSTs each update to the bot instead of the bot long-polling for it.

This is python-telegram-bot's own webhook server (tornado, `Updater.start_webhook`) with these
differences, which is why `Updater` below replaces PTB's:

- An update the library cannot read is answered 200 and skipped, logged once by id and kind
  (`bot.incoming.parse_update`, as in polling). PTB answers it 400, and Telegram redelivers
  whatever is not answered 2xx, so one odd update would come back forever.
- A request without the right `X-Telegram-Bot-Api-Secret-Token` is refused with 403 and one log
  line that never contains a secret; nothing of it is handled. The comparison takes constant
  time. PTB logs such a request only at DEBUG, with the wrong token in it, and logs every
  update's whole content at DEBUG; we log neither.
- The address is bound at start, before anything else (`bind`), so one in use ends the start
  in one line with nothing changed; the server serves before Telegram is told the URL, and a
  webhook Telegram refuses stops the server again.

The bot listens on plain HTTP on a loopback address; a reverse proxy terminates TLS at the
public https URL and passes the path on unchanged. Back to long polling, PTB's `start_polling`
deletes the webhook first (keeping what Telegram holds for the bot).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path
from socket import socket
from typing import TYPE_CHECKING, Any, NoReturn, cast
from urllib.parse import urlsplit

import tornado.web
from telegram import Bot
from telegram.error import BadRequest
from telegram.ext import ExtBot
from telegram.ext import Updater as PtbUpdater
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookAppClass, WebhookServer

from bot import listen
from bot.incoming import parse_update

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.settings import TelegramSettings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class WebhookRefused(Exception):
    """Telegram refused the webhook (its URL); the message is one line naming the setting."""


def bind(telegram: TelegramSettings) -> socket:
    """The socket for `telegram.webhook_listen`, bound and listening (`listen.Unusable`)."""
    return listen.bind(telegram.webhook_listen, "telegram.webhook_listen")


async def start(
    application: Application[Any, Any, Any, Any, Any, Any],
    telegram: TelegramSettings,
    allowed_updates: Sequence[str],
    sock: socket,
) -> None:
    """Serve webhook requests on `sock` (from `bind`), then have Telegram POST updates to
    `telegram.webhook_url`; `WebhookRefused` when Telegram refuses the URL."""
    updater = application.updater
    assert isinstance(updater, Updater), "build the application with bot.app.build_application"
    await updater.start_webhook(
        url_path=urlsplit(telegram.webhook_url).path,
        webhook_url=telegram.webhook_url,
        allowed_updates=allowed_updates,
        drop_pending_updates=False,
        secret_token=telegram.webhook_secret,
        # PTB calls it `unix`, but takes any listening socket: ours is bound at start.
        unix=sock,
    )
    log.info(
        "webhook: Telegram sends updates to %s; listening on %s",
        telegram.webhook_url,
        telegram.webhook_listen,
    )


class Updater(PtbUpdater):
    """PTB's `Updater`; its webhook server reads updates tolerantly and logs refused requests."""

    __slots__ = ()

    async def _start_webhook(
        self,
        listen: str,
        port: int,
        url_path: str,
        bootstrap_retries: int,
        allowed_updates: Sequence[str] | None,
        cert: str | Path | None = None,
        key: str | Path | None = None,
        drop_pending_updates: bool | None = None,
        webhook_url: str | None = None,
        ready: asyncio.Event | None = None,
        ip_address: str | None = None,
        max_connections: int = 40,
        secret_token: str | None = None,
        unix: str | Path | socket | None = None,
    ) -> None:
        # What python-telegram-bot 22's Updater._start_webhook does for a server behind a
        # reverse proxy (no certificate) on a socket bound before, with our request handler,
        # and in the safer order: serve first, then set the webhook. tests/test_webhook.py
        # fails if this override ever stops being called.
        if not webhook_url or not secret_token or not isinstance(unix, socket) or cert or key:
            raise RuntimeError("webhook mode here needs webhook_url, secret_token and a socket")
        path = url_path if url_path.startswith("/") else f"/{url_path}"
        app = _WebhookApp(path, self.bot, self.update_queue, secret_token)
        server = WebhookServer(listen, port, app, None, unix)
        self._httpd = server
        await server.serve_forever()
        try:
            await self.bot.set_webhook(
                url=webhook_url,
                allowed_updates=allowed_updates,
                drop_pending_updates=drop_pending_updates,
                max_connections=max_connections,
                secret_token=secret_token,
            )
        except BadRequest as exc:
            await server.shutdown()
            raise WebhookRefused(
                f"Telegram refused the webhook {webhook_url}: {exc.message}; check "
                "telegram.webhook_url (an https URL on port 443, 80, 88 or 8443 that Telegram "
                "can reach)"
            ) from None
        except BaseException:
            await server.shutdown()
            raise
        if ready is not None:
            ready.set()


class _WebhookApp(WebhookAppClass):
    """PTB's tornado application with our request handler."""

    def __init__(
        self, path: str, bot: Bot, update_queue: asyncio.Queue[object], secret_token: str
    ) -> None:
        # Not in the handler's keyword arguments (PTB puts it there): tornado shows those in
        # the rule's repr.
        self.secret_token = secret_token
        handlers = [(rf"{re.escape(path)}/?", _UpdateHandler, {"bot": bot, "queue": update_queue})]
        tornado.web.Application.__init__(self, handlers)


class _UpdateHandler(TelegramHandler):
    """Refuses requests without the secret (403, one log line); reads every update it can."""

    def initialize(self, bot: Bot, queue: asyncio.Queue[object]) -> None:  # type: ignore[override]
        self.bot = bot
        self.update_queue = queue
        self.secret_token = cast("_WebhookApp", self.application).secret_token

    async def post(self) -> None:
        """Put the update into the application's queue and answer 200, also if unreadable."""
        self._validate_post()
        try:
            data = json.loads(self.request.body)
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            self._refuse(HTTPStatus.BAD_REQUEST, "not an update")
        update = parse_update(data, cast("ExtBot[Any]", self.bot))
        self.set_status(HTTPStatus.OK)
        await self.update_queue.put(update)

    def _validate_post(self) -> None:
        given = self.request.headers.get(SECRET_HEADER)
        if given is None:
            self._refuse(HTTPStatus.FORBIDDEN, "no secret token")
        if not hmac.compare_digest(given.encode(), self.secret_token.encode()):
            self._refuse(HTTPStatus.FORBIDDEN, "wrong secret token")
        media_type = self.request.headers.get("Content-Type", "").partition(";")[0]
        if media_type.strip().lower() != "application/json":
            self._refuse(HTTPStatus.FORBIDDEN, "not JSON")

    def _refuse(self, status: HTTPStatus, reason: str) -> NoReturn:
        log.warning(
            "webhook request from %s refused (%d): %s; nothing handled",
            self.request.remote_ip,
            status,
            reason,
        )
        raise tornado.web.HTTPError(status)

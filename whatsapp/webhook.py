"""The WhatsApp webhook: where Meta POSTs what members write and tap, the statuses of what the
bot sent, and the verdicts on its templates.

- `GET` is Meta's handshake when the webhook is set up: `hub.mode=subscribe` with our verify
  token is answered with `hub.challenge`; anything else 403.
- `POST` carries `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body with the
  app secret. It is checked on the raw bytes, before anything is parsed, in constant time;
  without it 401, wrong 403, logged without the secret or the body. A signed body that is not
  JSON, or not a WhatsApp Business Account payload, is answered 400 and logged.
- Each item of a payload (a message, a status, a template update) is recorded under its key
  (`storage.wa_links.record`) and answered 200 at once: Meta wants a quick answer and repeats
  what it does not get. A key seen before is a repeat, answered 200 and not handled again. The
  recorded items are handled one at a time, in the order they came, by `handle`
  (`whatsapp.inbound.handle`); what was recorded but not yet handled when the bot stopped is
  handled after the next start, so nothing answered 200 is lost.

Payloads are read as plain dicts, checked field by field (`items_of`): pywa's own update types
need a running pywa client to be built and take unknown shapes silently, where we want to log
and skip them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from socket import socket
from typing import Any

from aiohttp import web

from bot import supervise
from bot.clock import Clock
from storage import wa_links
from storage.database import Database

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hub-Signature-256"
PATH = "/whatsapp"
LOOP = "whatsapp webhook"  # its name in the failure counts (bot.supervise)
MAX_BODY = 3 * 1024 * 1024  # Meta's payloads are small; a batch of statuses stays far below


@dataclass(frozen=True)
class Item:
    """One thing a webhook tells: `kind` 'message', 'status' or 'template'; `data` its part
    of the payload (a message with the sender's contact entry, a status, a template update)."""

    key: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, "data": self.data}, ensure_ascii=False)

    @classmethod
    def from_json(cls, key: str, text: str) -> Item:
        loaded = json.loads(text)
        return cls(key, str(loaded.get("kind", "")), dict(loaded.get("data") or {}))


class NotAPayload(ValueError):
    """The body is not a WhatsApp Business Account webhook payload."""


def signature_of(body: bytes, app_secret: str) -> str:
    """The header Meta sends with `body`: `sha256=<hex>`."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signed(body: bytes, header: str | None, app_secret: str) -> bool:
    if not header:
        return False
    return hmac.compare_digest(header.strip().encode(), signature_of(body, app_secret).encode())


def _dicts(value: object) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        yield from (v for v in value if isinstance(v, dict))


def _contact_for(message: dict[str, Any], contacts: list[dict[str, Any]]) -> dict[str, Any]:
    """The `contacts` entry of a message's sender (by wa_id or user id; one alone is theirs)."""
    sender = message.get("from")
    sender_id = message.get("from_user_id")
    for contact in contacts:
        if (sender and contact.get("wa_id") == sender) or (
            sender_id and contact.get("user_id") == sender_id
        ):
            return contact
    return contacts[0] if len(contacts) == 1 else {}


def items_of(payload: object) -> list[Item]:
    """The items of a webhook payload, each with its key; `NotAPayload` if it is none.

    A change of a field we do not use (account updates, quality ratings) is skipped with a
    debug line; a malformed part of a valid payload is skipped with a warning."""
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise NotAPayload("not a whatsapp_business_account payload")
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise NotAPayload("no entry list")
    found: list[Item] = []
    for entry in _dicts(entries):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            name = change.get("field")
            if not isinstance(value, dict):
                log.warning("whatsapp webhook: a %s change without a value, skipped", name)
                continue
            if name == "messages":
                found += _message_items(value)
            elif name in ("message_template_status_update", "template_category_update"):
                found += _template_items(name, value, entry.get("time"))
            else:
                log.debug("whatsapp webhook: field %s not used, skipped", name)
    return found


def _message_items(value: dict[str, Any]) -> list[Item]:
    found = []
    contacts = list(_dicts(value.get("contacts")))
    for message in _dicts(value.get("messages")):
        wamid = message.get("id")
        if not isinstance(wamid, str) or not wamid:
            log.warning("whatsapp webhook: a message without an id, skipped")
            continue
        data = {"message": message, "contact": _contact_for(message, contacts)}
        found.append(Item(f"m:{wamid}", "message", data))
    for status in _dicts(value.get("statuses")):
        wamid, state = status.get("id"), status.get("status")
        if not isinstance(wamid, str) or not isinstance(state, str):
            log.warning("whatsapp webhook: a status without an id or state, skipped")
            continue
        # Only what a status changes: not the recipient's number, the conversation or the price.
        errors = [{"code": e.get("code")} for e in _dicts(status.get("errors"))]
        kept = {"id": wamid, "status": state, "timestamp": status.get("timestamp")}
        found.append(
            Item(f"s:{wamid}:{state}", "status", kept | ({"errors": errors} if errors else {}))
        )
    for error in _dicts(value.get("errors")):
        log.warning(
            "whatsapp webhook: WhatsApp reports error %s: %s",
            error.get("code"),
            str(error.get("title") or error.get("message") or "")[:200],
        )
    return found


def _template_items(name: str, value: dict[str, Any], when: object) -> list[Item]:
    template = value.get("message_template_name")
    language = value.get("message_template_language")
    if not isinstance(template, str) or not isinstance(language, str):
        log.warning("whatsapp webhook: a %s without a template name or language, skipped", name)
        return []
    ident = value.get("message_template_id", template)
    if name == "template_category_update":
        verdict = value.get("new_category")
        data = {"name": template, "language": language, "category": verdict}
    else:
        verdict = value.get("event")
        data = {
            "name": template,
            "language": language,
            "status": verdict,
            "category": value.get("message_template_category"),
            "reason": value.get("reason"),
        }
    if not isinstance(verdict, str):
        log.warning("whatsapp webhook: a %s of %s without a verdict, skipped", name, template)
        return []
    return [Item(f"t:{ident}:{language}:{verdict}:{when}", "template", data)]


Handle = Callable[[Item], Awaitable[None]]


class Webhook:
    """The aiohttp server of the WhatsApp webhook, and the one worker that handles its items."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        handle: Handle,
        *,
        app_secret: str,
        verify_token: str,
        path: str = PATH,
        max_age: timedelta | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.handle = handle
        self._secret = app_secret
        self._verify_token = verify_token
        self.path = path
        self.max_age = max_age  # a message older than this when it comes is a replay
        self._queue: asyncio.Queue[Item] = asyncio.Queue()
        self._runner: web.AppRunner | None = None
        self._worker: asyncio.Task[None] | None = None
        self._handling = asyncio.Lock()  # held while an item is handled (`stop` waits for it)
        self.handled = 0  # items handled since start (monitoring, tests)
        self.refused = 0  # requests refused (bad signature, not a payload)

    # --- the server --------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_get(self.path, self.verify)
        app.router.add_post(self.path, self.receive)
        return app

    async def start(self, sock: socket) -> None:
        """Serve on `sock` (bound at start), and handle what was left from the last run."""
        for key, text in await wa_links.unhandled(self.db):
            self._queue.put_nowait(Item.from_json(key, text))
        self._worker = asyncio.create_task(self._work(), name="whatsapp-webhook-worker")
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        log.info("whatsapp webhook: listening on %s%s", _address(sock), self.path)

    async def stop(self) -> None:
        """Stop taking requests; the item being handled is finished, what is recorded and not
        yet handled waits for the next start."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._worker is not None:
            # Never cancelled in the middle of an item: a write cut between its BEGIN and its
            # COMMIT would leave the database's one writer inside a transaction.
            async with self._handling:
                self._worker.cancel()
                try:
                    await self._worker
                except asyncio.CancelledError:
                    pass
            self._worker = None

    async def idle(self) -> None:
        """Wait until every recorded item is handled (tests, the demo)."""
        await self._queue.join()

    async def verify(self, request: web.Request) -> web.Response:
        """Meta's handshake: our verify token back as the challenge."""
        query = request.query
        token = query.get("hub.verify_token", "")
        if query.get("hub.mode") == "subscribe" and hmac.compare_digest(
            token.encode(), self._verify_token.encode()
        ):
            log.info("whatsapp webhook: verified by Meta")
            return web.Response(text=query.get("hub.challenge", ""))
        log.warning("whatsapp webhook: a verification with a wrong token or mode, refused")
        return web.Response(status=403)

    async def receive(self, request: web.Request) -> web.Response:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            self.refused += 1
            log.warning(
                "whatsapp webhook: request from %s refused (413): more than %d bytes; "
                "nothing handled",
                request.remote,
                MAX_BODY,
            )
            return web.Response(status=413)
        header = request.headers.get(SIGNATURE_HEADER)
        if not signed(body, header, self._secret):
            self.refused += 1
            status = 401 if not header else 403
            log.warning(
                "whatsapp webhook: request from %s refused (%d): %s signature; nothing handled",
                request.remote,
                status,
                "no" if not header else "a wrong",
            )
            return web.Response(status=status)
        try:
            items = items_of(json.loads(body))
        except (ValueError, NotAPayload) as exc:
            self.refused += 1
            reason = exc if isinstance(exc, NotAPayload) else "not JSON"
            log.warning("whatsapp webhook: signed request refused (400): %s", reason)
            return web.Response(status=400)
        now = self.clock.now()
        for item in items:
            if self.max_age is not None and _sent_before(item, now - self.max_age):
                # Older than Meta ever repeats and than the keys we keep: the same signed body
                # sent again (a STOP, a tap), not news. (What was recorded before a stop is
                # handled after the next start, however long the bot was down.)
                log.warning(
                    "whatsapp webhook: %s older than %s, ignored (a replay)", item.key, self.max_age
                )
                continue
            if await wa_links.record(self.db, item.key, item.to_json(), now):
                self._queue.put_nowait(item)
            else:
                log.info("whatsapp webhook: %s seen before, not handled again", item.key)
        return web.Response(text="OK")

    # --- the worker ----------------------------------------------------------------------------

    async def _work(self) -> None:
        while True:
            item = await self._queue.get()
            try:
                async with self._handling:
                    await self._handle(item)
            finally:
                self._queue.task_done()

    async def _handle(self, item: Item) -> None:
        """Handle one item. A failure is logged and counted, never stops the ones after it, and
        leaves the item recorded unhandled: the next start tries it once more."""
        try:
            await self.handle(item)
        except Exception:
            supervise.failures[LOOP] += 1
            log.exception("%s: handling %s failed; tried again after a restart", LOOP, item.key)
            return
        await wa_links.handled(self.db, item.key, self.clock.now())
        self.handled += 1


def _sent_before(item: Item, moment: datetime) -> bool:
    """A message item whose timestamp is before `moment` (statuses and template verdicts only
    move forward and are left alone)."""
    if item.kind != "message":
        return False
    stamp = (item.data.get("message") or {}).get("timestamp")
    try:
        return datetime.fromtimestamp(int(str(stamp)), UTC) < moment
    except (TypeError, ValueError, OverflowError):
        return False


def _address(sock: socket) -> str:
    host, port, *_rest = sock.getsockname()
    return f"{host}:{port}"

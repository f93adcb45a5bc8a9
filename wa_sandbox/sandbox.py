"""``WaSandbox``: a local Graph API for the WhatsApp Cloud API, its members and its webhooks.

    async with WaSandbox(app_secret="s3cret", verify_token="vt", phone_number_id="1100200300",
                         display_phone="31850001234", now=clock.now) as wa:
        wa.webhook_url = "http://127.0.0.1:8081/whatsapp"   # where signed webhooks go
        ayse = wa.user("Ayşe Yılmaz", phone="31612345678")
        await ayse.write("LINK 4F7K2Q")                      # inbound webhook; opens the window
        msg = await ayse.wait_for(lambda m: m.kind == "interactive")
        await ayse.tap(msg, "Gezien")

Requests go to ``{wa.graph_url}/v23.0/{phone_number_id}/messages`` with ``Authorization:
Bearer {wa.access_token}``. What the sandbox holds the bot to, as Meta does:

* the body is valid against Meta's description (corrected, see ``wa_sandbox.schema``), else
  error 100 with the fault named;
* free-form messages only within 24 hours of the member's last message or tap (``now``, the
  bot's clock): outside it the message is accepted and then fails with 131047 in a ``failed``
  status webhook, as Meta does it; templates only when they exist in that language (132001),
  are approved (132015 paused, 132016 disabled, 132001 otherwise) and get exactly their
  parameters (132000);
* throughput (``throughput`` messages per second, 130429) and pair rate (``pair_burst``
  messages, then one per ``pair_interval`` seconds to the same member, 131056), measured on
  ``rate_clock`` (default: the bot's clock, so a test moves it with the clock);
* at most ``unique_cap`` different members reached outside the window per 24 hours (the
  messaging limit; over it a template fails with 131048 in a status webhook);
* a member who never wrote to the business (no opt-in) is refused with 100 and a sandbox
  wording (Meta does not check this; the bot must, so the sandbox does; ``require_opt_in``).

Each accepted message gets status webhooks sent → delivered → read (read when the member reads:
at once by default, ``user.reads = False`` to hold it), signed with the app secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from wa_sandbox import rules
from wa_sandbox.errors import GraphError
from wa_sandbox.schema import Validator, default_validator
from wa_sandbox.webhooks import Webhooks
from wa_sandbox.world import (
    WINDOW,
    Inbound,
    Template,
    WaMessage,
    WaUser,
    new_wamid,
    parse_outbound,
)

API_VERSION = "v23.0"
_SANDBOX_KEY: web.AppKey[WaSandbox] = web.AppKey("wa_sandbox")


@dataclass
class WaRequest:
    """One request as the sandbox saw it, with its verdict (for assertions in tests)."""

    method: str
    path: str
    body: Any
    at: float  # rate_clock
    status: int = 0
    verdict: str = ""  # "accepted" or "error"
    error_code: int | None = None
    problem: str = ""  # what was wrong, in words
    wamid: str | None = None
    to: WaUser | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.verdict == "accepted"


@dataclass
class _Fault:
    times: int
    error: GraphError | None  # None: the message is sent, but its answer is lost
    to: WaUser | None = None

    def matches(self, user: WaUser) -> bool:
        return self.to is None or self.to is user


class LostAnswer(Exception):
    """The send happened; the connection is cut before the answer (an ambiguous outcome)."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class WaSandbox:
    """The local Cloud API. Use as ``async with WaSandbox(...) as wa``."""

    def __init__(
        self,
        *,
        app_secret: str = "s3cret",
        verify_token: str = "vt",
        phone_number_id: str = "1100200300",
        display_phone: str = "31850001234",
        waba_id: str = "2200300400",
        access_token: str = "sandbox-token",
        now: Callable[[], datetime] = _utc_now,
        rate_clock: Callable[[], float] | None = None,
        throughput: int = 80,
        pair_interval: float = 6.0,
        pair_burst: int = 1,
        unique_cap: int = 250,
        require_opt_in: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        validator: Validator | None = None,
        api_version: str = API_VERSION,
    ) -> None:
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.phone_number_id = phone_number_id
        self.display_phone = display_phone
        self.waba_id = waba_id
        self.access_token = access_token
        self.api_version = api_version
        self.now = now
        self.rate_clock = rate_clock or (lambda: self.now().timestamp())
        self.throughput = throughput
        self.pair_interval = pair_interval
        self.pair_burst = pair_burst
        self.unique_cap = unique_cap
        self.require_opt_in = require_opt_in
        self._scheduled = 0  # status reports not yet queued
        self.status_delay = 0.05  # seconds after the answer that the first status is sent
        self.validator = validator or default_validator()
        self.users: list[WaUser] = []
        self.log: list[Event] = []  # what members received and sent, in order
        self.templates: dict[tuple[str, str], Template] = {}
        self.requests: list[WaRequest] = []
        self.webhooks = Webhooks(app_secret)
        self._host, self._port = host, port
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._down = False
        self._faults: list[_Fault] = []
        self._sent_at: deque[float] = deque()  # accepted messages, for throughput
        self._pair: dict[str, tuple[float, float]] = {}  # bsuid -> (tokens, at)
        self._reached: dict[str, datetime] = {}  # bsuid -> last business-initiated message
        self._outbound: dict[str, tuple[WaUser, WaMessage]] = {}
        self._inbound: dict[str, Inbound] = {}
        self._changed = asyncio.Event()
        self._bsuids = itertools.count(13491208655302741918)

    # ---- life ----
    async def __aenter__(self) -> WaSandbox:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        app = web.Application()
        app[_SANDBOX_KEY] = self
        app.router.add_route("*", "/{version}/{node}/{edge}", _handle)
        app.router.add_route("*", "/{version}/{node}", _handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5, access_log=None)
        await self._runner.setup()
        await self._listen()
        self.webhooks.start()

    async def _listen(self) -> None:
        assert self._runner is not None
        self._site = web.TCPSite(self._runner, self._host, self._port)
        await self._site.start()
        server = self._site._server  # the port, when 0 was asked for
        if self._port == 0 and server is not None:
            self._port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]

    async def stop(self) -> None:
        await self.webhooks.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def graph_url(self) -> str:
        return f"http://{self._host}:{self._port}"

    @property
    def webhook_url(self) -> str | None:
        return self.webhooks.url

    @webhook_url.setter
    def webhook_url(self, url: str | None) -> None:
        self.webhooks.url = url
        self.webhooks._wake.set()

    # ---- arranging ----
    def user(
        self, name: str, *, phone: str | None = None, wrote_at: datetime | None = None
    ) -> WaUser:
        """A new simulated member; ``phone=None``: one who shows no number (BSUID only).

        ``wrote_at``: arranged history — the member last wrote to the business then (opt-in
        given, window from that moment), without a webhook; for tests that set up the bot's
        side directly."""
        user = WaUser(self, name, phone, f"NL.{next(self._bsuids)}")
        user.last_inbound = wrote_at
        self.users.append(user)
        return user

    def add_template(
        self,
        name: str,
        language: str,
        body: str,
        *,
        buttons: tuple[str, ...] | list[str] = (),
        category: str = "UTILITY",
        status: str = "APPROVED",
        header: str | None = None,
    ) -> Template:
        """A template of the business account (no webhook: it was there already)."""
        template = Template(name, language, body, tuple(buttons), category, status, header)
        self.templates[(name, language)] = template
        return template

    def set_template(self, name: str, language: str, *, status: str, reason: str = "NONE") -> None:
        """Meta changes a template's status (APPROVED, PAUSED, DISABLED, REJECTED …): webhook
        ``message_template_status_update``."""
        template = self.templates[(name, language)]
        template.status = status
        value = {
            "event": status,
            "message_template_id": template.id,
            "message_template_name": name,
            "message_template_language": language,
            "reason": reason,
            "message_template_category": template.category,
        }
        self._account_webhook("message_template_status_update", value)

    def set_category(self, name: str, language: str, category: str) -> None:
        """Meta moves a template to another category: webhook ``template_category_update``."""
        template = self.templates[(name, language)]
        previous, template.category = template.category, category
        value = {
            "message_template_id": template.id,
            "message_template_name": name,
            "message_template_language": language,
            "previous_category": previous,
            "new_category": category,
        }
        self._account_webhook("template_category_update", value)

    async def subscribe(self) -> bool:
        """Meta's verification of the webhook URL: GET with hub.mode, hub.verify_token and
        hub.challenge; True when the bot answered 200 with the challenge."""
        assert self.webhooks.url is not None, "set webhook_url first"
        challenge = str(secrets.randbelow(10**9))
        params = {
            "hub.mode": "subscribe",
            "hub.verify_token": self.verify_token,
            "hub.challenge": challenge,
        }
        async with aiohttp.ClientSession() as session:
            async with session.get(self.webhooks.url, params=params) as response:
                return response.status == 200 and (await response.text()) == challenge

    # ---- faults ----
    def fail(
        self,
        *,
        status: int = 500,
        code: int | None = None,
        times: int = 1,
        to: WaUser | None = None,
    ) -> None:
        """Answer the next ``times`` sends (to ``to`` only, if given) with an error: Meta's
        ``code`` (e.g. 130429), or a server error of HTTP ``status`` (code 1 / 2, transient).
        The message is not sent."""
        if code is None:
            code = 2 if status == 503 else 1
            error = GraphError(code, http_status=status)
        else:
            error = GraphError(code)
        self._faults.append(_Fault(times, error, to))

    def lose_answer(self, *, times: int = 1, to: WaUser | None = None) -> None:
        """The next ``times`` sends reach the member, but the connection is cut before the bot
        hears the wamid: it cannot know whether the message went (statuses still follow)."""
        self._faults.append(_Fault(times, None, to))

    async def down(self) -> None:
        """Unreachable: the port refuses connections (and open ones are cut) until ``up``."""
        self._down = True
        if self._site is not None:
            await self._site.stop()
            self._site = None
        if self._runner is not None and self._runner.server is not None:
            for handler in list(self._runner.server.connections):
                handler.force_close()

    async def up(self) -> None:
        self._down = False
        if self._site is None:
            await self._listen()

    # ---- observing ----
    def sent_to(self, user: WaUser) -> list[WaMessage]:
        return list(user.inbox)

    def errors(self) -> list[WaRequest]:
        return [r for r in self.requests if r.verdict == "error"]

    async def changed(self, timeout: float) -> None:  # noqa: ASYNC109
        """Wait until something happens (a message, a status), at most ``timeout`` seconds."""
        self._changed.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)

    async def until(self, predicate: Callable[[], bool], timeout: float = 10) -> None:  # noqa: ASYNC109
        """Wait until ``predicate()`` holds; AssertionError after ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"condition not met within {timeout}s")
            await self.changed(min(remaining, 0.05))

    async def idle(self, timeout: float = 10) -> None:  # noqa: ASYNC109
        """Until every status is out and the bot confirmed every webhook queued so far."""
        await self.until(lambda: self._scheduled == 0, timeout)
        await self.webhooks.idle(timeout)

    def notify(self) -> None:
        self._changed.set()

    # ---- what members do (called by WaUser) ----
    async def inbound(self, user: WaUser, message: dict[str, Any]) -> str:
        """A member's message or tap: it opens the window and reaches the bot as a webhook."""
        now = self.now()
        wamid = new_wamid()
        user.last_inbound = now
        user.sent.append(wamid)
        self._inbound[wamid] = Inbound(wamid, user, now)
        entry = {
            "from": user.wa_id,
            "from_user_id": user.bsuid,
            "id": wamid,
            "timestamp": str(int(now.timestamp())),
            **message,
        }
        value = {**self._value_head(user), "messages": [entry]}
        self._messages_webhook(value)
        self.log.append(Event(user, "sent", _describe(message), [], message["type"]))
        return wamid

    def mark(self) -> int:
        """Where the log stands now (for ``transcript``)."""
        return len(self.log)

    def transcript(self, since: int = 0) -> str:
        """What happened on WhatsApp since ``mark()``, one line per message, as a person
        would tell it: who got what (with its buttons), who wrote or tapped what."""
        return "\n".join(event.line() for event in self.log[since:])

    def status(
        self, user: WaUser, msg: WaMessage, status: str, error: GraphError | None = None
    ) -> None:
        """A status webhook (sent, delivered, read, failed) for a message to ``user``."""
        msg.status = status
        entry: dict[str, Any] = {
            "id": msg.wamid,
            "status": status,
            "timestamp": str(int(self.now().timestamp())),
            "recipient_id": user.wa_id,
            "recipient_user_id": user.bsuid,
        }
        if msg.tracker is not None:
            entry["biz_opaque_callback_data"] = msg.tracker
        if status in ("sent", "delivered", "read") and msg.kind == "template":
            entry["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "utility"}
        if error is not None:
            entry["errors"] = [error.status_entry()]
        value = {**self._value_head(user), "statuses": [entry]}
        self._messages_webhook(value)
        self.notify()

    # ---- the Graph API ----
    async def handle(self, request: web.Request) -> web.Response:
        if self._down:  # a connection that raced down(): cut it
            if request.transport is not None:
                request.transport.close()
            raise ConnectionResetError("wa sandbox: down")
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw else {}
        except ValueError:
            body = raw.decode("utf-8", "replace")
        record = WaRequest(request.method, request.path, body, self.rate_clock())
        self.requests.append(record)
        try:
            result = await self._answer(request, record, body)
        except LostAnswer:
            record.status, record.verdict = 0, "accepted"
            record.problem = "answer lost on purpose"
            self.notify()
            if request.transport is not None:
                request.transport.close()
            raise ConnectionResetError("wa sandbox: answer lost on purpose") from None
        except GraphError as error:
            record.status, record.verdict = error.http_status, "error"
            record.error_code, record.problem = error.code, error.details
            self.notify()
            return web.json_response(error.response(), status=error.http_status)
        record.status, record.verdict = 200, "accepted"
        self.notify()
        return web.json_response(result, dumps=lambda o: json.dumps(o, ensure_ascii=False))

    async def _answer(self, request: web.Request, record: WaRequest, body: Any) -> dict[str, Any]:
        if request.headers.get("Authorization") != f"Bearer {self.access_token}":
            raise GraphError(190, "Invalid OAuth access token - Cannot parse access token")
        version = request.match_info["version"]
        if version != self.api_version:
            raise GraphError(
                100,
                f"sandbox: only {self.api_version} is simulated (Meta's description), not "
                f"{version}",
            )
        node, edge = request.match_info["node"], request.match_info.get("edge")
        if node == self.phone_number_id and edge == "messages" and request.method == "POST":
            if not isinstance(body, dict):
                raise GraphError(100, "The request body is not a JSON object.")
            return self._messages(record, body)
        if node == self.waba_id and edge == "message_templates" and request.method == "GET":
            return self._list_templates(request.query.get("name"))
        if node == self.waba_id and edge == "message_templates" and request.method == "POST":
            if not isinstance(body, dict):
                raise GraphError(100, "The request body is not a JSON object.")
            return self._create_template(body)
        raise GraphError(
            100,
            f"Unsupported {request.method.lower()} request. Object with ID '{node}' does not "
            "exist, cannot be loaded due to missing permissions, or does not support this "
            "operation.",
        )

    def _messages(self, record: WaRequest, body: dict[str, Any]) -> dict[str, Any]:
        problem = self.validator.message_problem(body)
        if problem is not None:
            raise GraphError(100, problem)
        if "status" in body:
            return self._mark_read(body)
        rules.check(body)
        user = self._recipient(body)
        record.to = user
        lose = self._fault(user)
        template = self._template(body) if body.get("type") == "template" else None
        now = self.now()
        in_window = user.window_open(now)
        if self.require_opt_in and not user.opted_in:
            raise GraphError(
                100, "sandbox: this member never wrote to the business (no recorded opt-in)"
            )
        self._throttle()
        self._pair_rate(user)
        wamid = new_wamid()
        record.wamid = wamid
        self._sent_at.append(self.rate_clock())
        msg = parse_outbound(body, wamid, now, template)
        failure = self._late_failure(user, msg, in_window, now)
        self._outbound[wamid] = (user, msg)
        if failure is None:
            user.inbox.append(msg)
            self.log.append(Event(user, "received", msg.text, list(msg.buttons), msg.kind))
        # Statuses follow the answer, as at Meta: the bot knows the wamid before they come.
        loop = asyncio.get_running_loop()
        self._scheduled += 1
        loop.call_later(self.status_delay, self._report, user, msg, failure)
        contact: dict[str, str] = {"input": str(body.get("to") or body.get("recipient"))}
        if user.phone:
            contact["wa_id"] = user.phone
        contact["user_id"] = user.bsuid
        message: dict[str, str] = {"id": wamid}
        if msg.kind == "template":
            message["message_status"] = "accepted"
        if lose:
            raise LostAnswer(wamid)
        return {"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]}

    def _report(self, user: WaUser, msg: WaMessage, failure: GraphError | None) -> None:
        self._scheduled -= 1
        if failure is not None:
            self.status(user, msg, "failed", failure)
            return
        self.status(user, msg, "sent")
        if user.online:
            self.deliver(user, msg)

    def deliver(self, user: WaUser, msg: WaMessage) -> None:
        """The member's phone got the message: ``delivered``, and ``read`` if they read."""
        self.status(user, msg, "delivered")
        if user.reads:
            self.status(user, msg, "read")

    def _late_failure(
        self, user: WaUser, msg: WaMessage, in_window: bool, now: datetime
    ) -> GraphError | None:
        """What Meta finds after accepting a message, reported in a ``failed`` status."""
        if not user.known or user.blocked:
            return GraphError(131026)
        if msg.kind != "template" and not in_window:
            return GraphError(131047)
        if msg.kind == "template" and not in_window:
            since = now - WINDOW
            reached = {k for k, at in self._reached.items() if at > since}
            if user.bsuid not in reached and len(reached) >= self.unique_cap:
                return GraphError(131048)
            self._reached[user.bsuid] = now
        return None

    def _mark_read(self, body: dict[str, Any]) -> dict[str, Any]:
        inbound = self._inbound.get(body["message_id"])
        if inbound is None:
            raise GraphError(100, f"Invalid message_id: {body['message_id']}")
        inbound.read = True
        return {"success": True}

    def _fault(self, user: WaUser) -> bool:
        """Raise an armed error for a send to ``user``; True when its answer is to be lost."""
        for fault in self._faults:
            if fault.matches(user):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                if fault.error is None:
                    return True
                raise fault.error
        return False

    def _recipient(self, body: dict[str, Any]) -> WaUser:
        to = body.get("to")
        if to is not None:
            number = str(to).lstrip("+").replace(" ", "").replace("-", "")
            for user in self.users:
                if number in (user.phone, user.bsuid):
                    return user
        else:
            for user in self.users:
                if body.get("recipient") == user.bsuid:
                    return user
        # Meta accepts any number and fails later (131026); the sandbox knows its whole world,
        # so a recipient it never created is the test's or the bot's mistake: say so at once.
        raise GraphError(100, f"sandbox: no simulated member {to or body.get('recipient')!r}")

    def _template(self, body: dict[str, Any]) -> Template:
        spec = body["template"]
        name, language = spec["name"], spec["language"]["code"]
        template = self.templates.get((name, language))
        if template is None:
            raise GraphError(132001, f"template name ({name}) does not exist in {language}")
        if template.status == "PAUSED":
            raise GraphError(132015)
        if template.status == "DISABLED":
            raise GraphError(132016)
        if template.status != "APPROVED":
            raise GraphError(132001, f"template {name} ({language}) is {template.status}")
        given: dict[str, list[Any]] = {"body": [], "header": []}
        for component in spec.get("components", ()):
            ctype = str(component["type"]).lower()
            if ctype in given:
                given[ctype] = list(component.get("parameters", ()))
            elif ctype == "button":
                index = int(component["index"])
                if index >= len(template.buttons):
                    raise GraphError(132000, f"button at index {index} does not exist")
        _match_params("body", given["body"], template.param_names, template.named)
        _match_params("header", given["header"], template.header_param_names, template.named)
        return template

    def _throttle(self) -> None:
        now = self.rate_clock()
        while self._sent_at and self._sent_at[0] <= now - 1.0:
            self._sent_at.popleft()
        if len(self._sent_at) >= self.throughput:
            raise GraphError(130429)

    def _pair_rate(self, user: WaUser) -> None:
        if self.pair_interval <= 0:
            return
        now = self.rate_clock()
        tokens, at = self._pair.get(user.bsuid, (float(self.pair_burst), now))
        tokens = min(float(self.pair_burst), tokens + (now - at) / self.pair_interval)
        if tokens < 1.0:
            self._pair[user.bsuid] = (tokens, now)
            raise GraphError(131056)
        self._pair[user.bsuid] = (tokens - 1.0, now)

    def _list_templates(self, name: str | None) -> dict[str, Any]:
        data = [
            {
                "id": str(t.id),
                "name": t.name,
                "language": t.language,
                "status": t.status,
                "category": t.category,
                "parameter_format": "NAMED" if t.named else "POSITIONAL",
                "components": _components(t),
            }
            for t in self.templates.values()
            if name is None or t.name == name
        ]
        return {"data": data, "paging": {"cursors": {"before": "", "after": ""}}}

    def _create_template(self, body: dict[str, Any]) -> dict[str, Any]:
        """A new template, PENDING until ``set_template(..., status="APPROVED")``."""
        name, language = body.get("name"), body.get("language")
        category = str(body.get("category", "")).upper()
        if not isinstance(name, str) or not isinstance(language, str) or not name or not language:
            raise GraphError(100, "Param name and language are required.")
        if category not in ("UTILITY", "MARKETING", "AUTHENTICATION"):
            raise GraphError(
                100, "Param category must be one of UTILITY, MARKETING, AUTHENTICATION"
            )
        if (name, language) in self.templates:
            raise GraphError(100, f"Content in this language already exists: {name} ({language})")
        text, header, buttons = "", None, []
        for component in body.get("components", ()):
            ctype = str(component.get("type", "")).upper()
            if ctype == "BODY":
                text = str(component.get("text", ""))
            elif ctype == "HEADER" and str(component.get("format", "TEXT")).upper() == "TEXT":
                header = str(component.get("text", ""))
            elif ctype == "BUTTONS":
                for button in component.get("buttons", ()):
                    if str(button.get("type", "")).upper() != "QUICK_REPLY":
                        raise GraphError(100, "sandbox: only QUICK_REPLY buttons are simulated")
                    buttons.append(str(button.get("text", "")))
        if not text:
            raise GraphError(100, "Param components must have a BODY with text.")
        template = self.add_template(
            name, language, text, buttons=buttons, category=category, status="PENDING",
            header=header,
        )  # fmt: skip
        return {"id": str(template.id), "status": "PENDING", "category": category}

    async def number_changed(self, user: WaUser, phone: str) -> str:
        """A member's new number: the system message, then the new number and BSUID."""
        now = self.now()
        wamid = new_wamid()
        old = user.wa_id
        entry = {
            "from": old,
            "from_user_id": user.bsuid,
            "id": wamid,
            "timestamp": str(int(now.timestamp())),
            "type": "system",
            "system": {
                "body": f"User {user.name} changed from {old} to {phone}",
                "wa_id": phone,
                "type": "user_changed_number",
            },
        }
        # A system message comes without contacts (Meta's description and example).
        value = {**self._value_head(user), "messages": [entry]}
        del value["contacts"]
        self._messages_webhook(value)
        user.phone, user.bsuid = phone, f"NL.{next(self._bsuids)}"
        return wamid

    # ---- webhook payloads ----
    def _value_head(self, user: WaUser) -> dict[str, Any]:
        contact: dict[str, Any] = {"profile": {"name": user.name}, "user_id": user.bsuid}
        if user.phone:
            contact["wa_id"] = user.phone
        return {
            "messaging_product": "whatsapp",
            "metadata": {
                "display_phone_number": self.display_phone,
                "phone_number_id": self.phone_number_id,
            },
            "contacts": [contact],
        }

    def _messages_webhook(self, value: dict[str, Any]) -> None:
        self._envelope("messages", value)

    def _account_webhook(self, field_name: str, value: dict[str, Any]) -> None:
        self._envelope(field_name, value, time_field=True)

    def _envelope(
        self, field_name: str, value: dict[str, Any], *, time_field: bool = False
    ) -> None:
        entry: dict[str, Any] = {
            "id": self.waba_id,
            "changes": [{"value": value, "field": field_name}],
        }
        if time_field:
            entry["time"] = int(self.now().timestamp())
        self.webhooks.send({"object": "whatsapp_business_account", "entry": [entry]})
        self.notify()


@dataclass
class Event:
    """One line of the WhatsApp transcript."""

    user: WaUser
    direction: str  # "received" (from the business) or "sent" (to it)
    text: str
    buttons: list[str]
    kind: str

    def line(self) -> str:
        who = f"💬 WhatsApp · {self.user.name}"
        if self.direction == "sent":
            return f"{who} → {self.text}"
        text = " ".join(self.text.split())
        text = text if len(text) <= 240 else text[:239] + "…"
        buttons = "".join(f" [{b}]" for b in self.buttons)
        label = {"template": "(template) ", "location": "📍 "}.get(self.kind, "")
        return f"{who} ← {label}{text}{buttons}"


def _describe(message: dict[str, Any]) -> str:
    """A member's message or tap in words."""
    kind = message["type"]
    if kind == "text":
        return str(message["text"]["body"])
    if kind == "button":
        return f"taps [{message['button']['text']}]"
    if kind == "interactive":
        reply = message["interactive"].get("button_reply") or message["interactive"]["list_reply"]
        return f"taps [{reply['title']}]"
    if kind == "location":
        return f"📍 shares a location ({message['location']['latitude']}, …)"
    return f"({kind})"


def _match_params(where: str, given: list[Any], names: list[str], named: bool) -> None:
    """132000 unless the parameters are exactly the template's (by name when it names them)."""
    if named:
        got = [p.get("parameter_name") for p in given if isinstance(p, dict)]
        if sorted(map(str, got)) != sorted(names) or len(got) != len(given):
            raise GraphError(132000, f"{where}: expected parameters {names}, got {got}")
    elif len(given) != len(names):
        raise GraphError(132000, f"{where}: expected {len(names)} parameters, got {len(given)}")


def _components(template: Template) -> list[dict[str, Any]]:
    """A template's components as the template API lists them."""
    components: list[dict[str, Any]] = []
    if template.header:
        components.append({"type": "HEADER", "format": "TEXT", "text": template.header})
    components.append({"type": "BODY", "text": template.body})
    if template.buttons:
        buttons = [{"type": "QUICK_REPLY", "text": title} for title in template.buttons]
        components.append({"type": "BUTTONS", "buttons": buttons})
    return components


async def _handle(request: web.Request) -> web.Response:
    return await request.app[_SANDBOX_KEY].handle(request)


def monotonic() -> float:
    """A real-time rate clock, for benches that want Meta's limits in wall-clock seconds."""
    return time.monotonic()

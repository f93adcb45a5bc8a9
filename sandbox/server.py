"""The HTTP face of the sandbox: an aiohttp app answering ``/bot{token}/{method}``.

It accepts parameters the ways Telegram does (query string, urlencoded, JSON or
multipart), validates them against the Bot API description, applies injected
faults, dispatches to ``sandbox.methods`` and logs every request.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox._api import ApiError
from sandbox.methods import HANDLERS

if TYPE_CHECKING:
    from sandbox.sandbox import Sandbox

SANDBOX_KEY: web.AppKey[Sandbox] = web.AppKey("sandbox")


@dataclass
class RequestRecord:
    """One request as the sandbox saw it (for assertions in tests)."""

    method: str
    params: dict[str, Any]
    time: float
    status: int = 0
    ok: bool = False
    error_code: int | None = None
    description: str | None = None
    dropped: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


async def read_params(request: web.Request) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    ctype = request.content_type
    if ctype == "application/json":
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "Bad Request: can't parse JSON object") from None
        if not isinstance(body, dict):
            raise ApiError(400, "Bad Request: JSON object expected")
        params.update(body)
    elif ctype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for key in form:
            params[key] = form[key]
    return params


def _answer(body: dict[str, Any], status: int) -> web.Response:
    return web.json_response(body, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


async def handle(request: web.Request) -> web.StreamResponse:
    sb = request.app[SANDBOX_KEY]
    if request.match_info["token"] != sb.token:
        return _answer({"ok": False, "error_code": 401, "description": "Unauthorized"}, 401)
    name = sb.spec.canonical(request.match_info["method"])
    if name is None:
        return _answer({"ok": False, "error_code": 404, "description": "Not Found"}, 404)
    record = RequestRecord(method=name, params={}, time=sb.clock())
    sb.requests.append(record)
    try:
        raw = await read_params(request)
        record.raw = record.params = raw
        params = sb.spec.validate(name, raw)
        record.params = params
        handler = HANDLERS.get(name)
        if handler is None:
            raise ApiError(501, f"sandbox: method {name} is not simulated")
        decision = sb.faults.decide(name, params.get("chat_id"))
        if decision.delay:
            await asyncio.sleep(decision.delay)
        if decision.hang:
            await sb.faults.wait_recovered()
        if decision.drop or decision.hang:
            record.dropped = True
            if request.transport is not None:
                request.transport.close()
            raise ConnectionResetError("sandbox: connection dropped on purpose")
        if decision.error is not None:
            raise decision.error
        result = await handler(sb, params)
        if decision.delay_after:
            await asyncio.sleep(decision.delay_after)
    except ApiError as error:
        record.status = record.error_code = error.error_code
        record.description = error.description
        if error.error_code == 429:
            sb.flood_429_count += 1
        sb.notify()
        return _answer(error.to_response(), error.error_code)
    record.status, record.ok = 200, True
    sb.notify()
    return _answer({"ok": True, "result": result}, 200)


def build_app(sb: Sandbox) -> web.Application:
    app = web.Application(client_max_size=60 * 1024 * 1024)
    app[SANDBOX_KEY] = sb
    app.router.add_route("*", "/bot{token}/{method}", handle)
    return app

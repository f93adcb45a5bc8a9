"""The sandbox's webhook, as Telegram runs it: set, refused, delivered, redelivered, deleted.

A small aiohttp server stands in for the bot's webhook; python-telegram-bot's own `Bot` sets
and deletes the webhook, so its typed errors prove the wire format.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from telegram import Bot
from telegram.error import BadRequest, Conflict

from sandbox import Sandbox, SimUser

URL = "https://bondgenoten.example/telegram/updates"


class Hook:
    """A webhook that records each request and answers with the next status in `answers`."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, Any], dict[str, str]]] = []
        self.answers: list[tuple[int, dict[str, str]]] = []
        self.origin = ""

    async def handle(self, request: web.Request) -> web.Response:
        assert request.path == "/telegram/updates"
        self.requests.append((await request.json(), dict(request.headers)))
        status, headers = self.answers.pop(0) if self.answers else (200, {})
        return web.Response(status=status, headers=headers)

    def update_ids(self) -> list[int]:
        return [body["update_id"] for body, _ in self.requests]


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(flood_limits=False) as sandbox:
        yield sandbox


@pytest.fixture
async def bot(sb: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(sb.token, base_url=f"{sb.base_url}/bot") as client:
        yield client


@pytest.fixture
async def hook(sb: Sandbox) -> AsyncIterator[Hook]:
    hook = Hook()
    app = web.Application()
    app.router.add_post("/{path:.*}", hook.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    sb.webhook_proxy = hook.origin = f"http://127.0.0.1:{port}"
    yield hook
    await sb.webhook.close()
    await runner.cleanup()


@pytest.fixture
def alice(sb: Sandbox) -> SimUser:
    return sb.add_user("Alice", language_code="nl")


async def test_telegram_refuses_what_it_cannot_deliver_to(bot: Bot) -> None:
    refusals = [
        ({"url": "http://127.0.0.1:8443/hook"}, "An https url must be provided for webhook"),
        ({"url": "https://example.org:8080/hook"}, "only on ports 80, 88, 443 or 8443"),
        ({"url": "not a url"}, "Invalid webhook url specified"),
        ({"url": URL, "secret_token": "has spaces"}, "Secret token contains unallowed characters"),
        ({"url": URL, "secret_token": "x" * 257}, "Secret token is too long"),
    ]
    for kwargs, message in refusals:
        with pytest.raises(BadRequest, match=rf"(?i){message}"):
            await bot.set_webhook(**kwargs)
    for port in ("", ":443", ":80", ":88", ":8443"):
        assert await bot.set_webhook(f"https://example.org{port}/hook", secret_token="a-Z_9")


async def test_get_updates_is_refused_while_a_webhook_is_set(bot: Bot, sb: Sandbox) -> None:
    waiting = asyncio.create_task(bot.get_updates(timeout=10, read_timeout=20))
    await sb.wait_for(lambda: bool(sb.requests_for("getUpdates")))
    await bot.set_webhook(URL)
    with pytest.raises(Conflict, match=r"(?i)terminated by setwebhook request"):
        await waiting
    with pytest.raises(Conflict, match=r"(?i)can't use getUpdates method while webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


async def test_updates_are_posted_with_the_secret_in_order(
    bot: Bot, sb: Sandbox, hook: Hook, alice: SimUser
) -> None:
    await bot.set_webhook(URL, secret_token="s3cret", allowed_updates=["message"])
    await alice.send("/start")
    await alice.send("hallo")
    await sb.wait_for(lambda: len(hook.requests) == 2)

    (first, headers), (second, _) = hook.requests
    assert first["message"]["text"] == "/start" and second["message"]["text"] == "hallo"
    assert second["update_id"] == first["update_id"] + 1
    assert headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
    assert headers["Content-Type"] == "application/json"
    info = await bot.get_webhook_info()
    assert info.url == URL and info.pending_update_count == 0
    assert info.allowed_updates == ("message",) and info.last_error_message is None


async def test_an_update_not_answered_2xx_is_sent_again_before_the_next(
    bot: Bot, sb: Sandbox, hook: Hook, alice: SimUser
) -> None:
    hook.answers = [(403, {}), (500, {}), (200, {})]
    await bot.set_webhook(URL, secret_token="s3cret")
    await alice.send("/start")
    await alice.send("hallo")
    # Again at once after the first failure, after 2 s after the second.
    await sb.wait_for(lambda: len(hook.requests) == 4, timeout=10)

    first = hook.update_ids()[0]
    assert hook.update_ids() == [first, first, first, first + 1]
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 0
    assert info.last_error_message == "Wrong response from the webhook: 500 Internal Server Error"
    assert info.last_error_date is not None


async def test_retry_after_and_a_webhook_that_is_down(
    bot: Bot, sb: Sandbox, hook: Hook, alice: SimUser
) -> None:
    hook.answers = [(429, {"Retry-After": "1"})]
    await bot.set_webhook(URL)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await alice.send("/start")
    await sb.wait_for(lambda: len(hook.requests) == 2)
    assert loop.time() - started >= 1  # not at once, as after a first failure without it

    # Nobody listens any more: the update waits at Telegram.
    sb.webhook_proxy = "http://127.0.0.1:9"
    await alice.send("hallo")
    await sb.wait_for(lambda: sb.webhook.last_error_message == "Connection refused")
    assert (await bot.get_webhook_info()).pending_update_count == 1
    # Back to polling: deleteWebhook keeps it, getUpdates hands it out.
    await bot.delete_webhook()
    (update,) = await bot.get_updates()
    assert update.message.text == "hallo"


async def test_without_a_proxy_nothing_is_delivered_and_the_info_says_why(
    bot: Bot, sb: Sandbox, alice: SimUser
) -> None:
    await bot.set_webhook(URL)
    await alice.send("/start")
    await sb.wait_for(lambda: bool(sb.webhook.last_error_message))
    info = await bot.get_webhook_info()
    assert info.pending_update_count == 1
    assert "Sandbox.webhook_proxy" in (info.last_error_message or "")

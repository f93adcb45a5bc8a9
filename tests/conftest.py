"""Fixtures: a sandbox Telegram, and the real application running against it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from bot.app import BotApplication, build_application, running
from bot.settings import Settings, load_settings
from sandbox import Sandbox, SimUser

# What a person would see if a text were escaped twice ("Eten &amp; Drinken").
ESCAPED_TWICE = ("&amp;", "&lt;", "&gt;", "&quot;", "&#")


@pytest.fixture
async def sandbox() -> AsyncIterator[Sandbox]:
    async with Sandbox(flood_limits=False) as sb:
        yield sb
    shown = [
        (m.text or "") + " ".join(m.button_texts())
        for chat in sb.chats.values()
        for m in chat.bot_messages()
    ]
    escaped = [text for text in shown if any(mark in text for mark in ESCAPED_TWICE)]
    assert not escaped, f"escaped twice: {escaped[:3]}"


@pytest.fixture
def coordinator(sandbox: Sandbox) -> SimUser:
    return sandbox.add_user("Carla", last_name="de Vries", username="carla", language_code="nl")


def make_settings(sandbox: Sandbox, database: Path, **sections: Any) -> Settings:
    telegram = {
        "token": sandbox.token,
        "base_url": sandbox.base_url,
        "poll_timeout": 5,
        # The sandbox's flood limits are off in most tests, so the bot need not pace itself.
        "flood_limits": sandbox.flood.enabled,
    }
    return load_settings(None, telegram=telegram, database={"path": database}, **sections)


@pytest.fixture
def settings(sandbox: Sandbox, tmp_path: Path, coordinator: SimUser) -> Settings:
    return make_settings(
        sandbox, tmp_path / "bot.sqlite3", access={"coordinators": [coordinator.id]}
    )


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[BotApplication]:
    async with running(build_application(settings)) as application:
        yield application


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10) -> None:
    """Wait until `check` holds (state the bot writes after it answered), or fail."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"{check.__qualname__} did not become true in {timeout}s")
        await asyncio.sleep(0.02)


async def not_(check: Callable[[], Awaitable[bool]]) -> bool:
    return not await check()

"""CopyTextButton (Bot API 7.11): a tap copies its text to the phone's clipboard in the app;
the bot hears nothing. The sandbox checks the button as api.json describes it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot, CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest

from sandbox import Sandbox, SandboxUsageError, SimUser


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(flood_limits=False) as sandbox:
        yield sandbox


@pytest.fixture
async def bot(sb: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(sb.token, base_url=f"{sb.base_url}/bot") as client:
        yield client


@pytest.fixture
def alice(sb: Sandbox) -> SimUser:
    user = sb.add_user("Alice")
    user.started = True
    return user


async def test_a_tap_copies_the_text_and_sends_no_update(
    sb: Sandbox, bot: Bot, alice: SimUser
) -> None:
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("Copy", copy_text=CopyTextButton("Onrust bij [plaats]")),
                InlineKeyboardButton("Press", callback_data="x"),
            ]
        ]
    )
    await bot.send_message(alice.id, "Templates", reply_markup=markup)
    shown = await alice.expect("Templates")
    assert shown.buttons[0][0].copy_text == "Onrust bij [plaats]"
    assert await alice.copy(shown, "Copy") == "Onrust bij [plaats]"
    assert alice.clipboard == "Onrust bij [plaats]"
    assert await bot.get_updates(timeout=0) == ()  # the bot hears nothing of a copy
    assert "Alice tapped [Copy] and copied its text" in sb.transcript([alice.private_chat])
    with pytest.raises(SandboxUsageError, match="copies text"):
        await alice.press(shown, "Copy")
    with pytest.raises(SandboxUsageError, match="copies nothing"):
        await alice.copy(shown, "Press")


async def test_a_copy_button_without_its_text_is_refused(bot: Bot, alice: SimUser) -> None:
    markup = {"inline_keyboard": [[{"text": "Copy", "copy_text": {}}]]}
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "x", reply_markup=markup)  # type: ignore[arg-type]

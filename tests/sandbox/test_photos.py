"""sendPhoto as Telegram's Bot API server answers it: an uploaded image arrives as its sizes
(the largest its own), its content readable in tests, and can be sent again by a file_id; what
is not an image, an image of impossible proportions, an empty file and a caption over 1,024
characters are refused with Telegram's wording (sandbox/FIDELITY.md)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator

import pytest
from PIL import Image
from telegram import Bot, InputFile
from telegram.error import BadRequest

from sandbox import Sandbox, SimUser


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(flood_limits=False) as sandbox:
        yield sandbox


@pytest.fixture
async def bot(sb: Sandbox) -> AsyncIterator[Bot]:
    async with Bot(sb.token, base_url=f"{sb.base_url}/bot") as client:
        yield client


@pytest.fixture
async def alice(sb: Sandbox) -> SimUser:
    user = sb.add_user("Alice", username="alice")
    await user.send("/start")
    return user


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_an_uploaded_photo_arrives_in_sizes_with_its_caption_and_content(
    bot: Bot, alice: SimUser
) -> None:
    content = png(1080, 720)
    sent = await bot.send_photo(
        alice.id,
        InputFile(content, filename="chart.png"),
        caption="<b>Opkomst</b> per bijeenkomst",
        parse_mode="HTML",
    )
    assert [(size.width, size.height) for size in sent.photo] == [
        (90, 60),
        (320, 213),
        (800, 533),
        (1080, 720),
    ]
    assert sent.photo[-1].file_size == len(content)
    assert sent.caption == "Opkomst per bijeenkomst"
    (message,) = alice.private_chat.bot_messages()
    assert message.file == content and message.text is None
    assert await alice.expect("Opkomst per bijeenkomst") is message

    again = await bot.send_photo(alice.id, sent.photo[0].file_id)
    assert [s.file_id for s in again.photo] == [s.file_id for s in sent.photo]
    assert alice.private_chat.bot_messages()[-1].file == content


async def test_what_telegram_would_not_take_as_a_photo_is_refused(bot: Bot, alice: SimUser) -> None:
    cases = [
        (b"not an image at all", "(?i)image_process_failed"),
        (png(2100, 100), "(?i)photo_invalid_dimensions"),  # more than 20 times as wide as high
        (b"", "File must be non-empty"),
    ]
    for content, wording in cases:
        with pytest.raises(BadRequest, match=wording):
            await bot.send_photo(alice.id, InputFile(content, filename="x.png"))
    with pytest.raises(BadRequest, match="caption is too long"):
        await bot.send_photo(
            alice.id, InputFile(png(100, 100), filename="x.png"), caption="x" * 1025
        )
    with pytest.raises(BadRequest, match=r"(?i)wrong file identifier"):
        await bot.send_photo(alice.id, "AgACAgQAAxkunknown")
    assert alice.private_chat.bot_messages() == []

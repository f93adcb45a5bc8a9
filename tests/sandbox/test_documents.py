"""sendDocument as Telegram's Bot API server answers it: an uploaded file arrives with its name,
type and size and can be sent again by its file_id; an empty file, an unknown file_id and a
caption over 1,024 characters are refused with Telegram's wording (sandbox/FIDELITY.md)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
from telegram import Bot, InputFile
from telegram.error import BadRequest, Forbidden

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


async def test_an_uploaded_file_arrives_with_its_name_type_size_and_content(
    bot: Bot, alice: SimUser
) -> None:
    content = json.dumps({"naam": "Alice & Bob"}, ensure_ascii=False).encode()
    sent = await bot.send_document(
        alice.id,
        InputFile(content, filename="gegevens.json"),
        caption="<b>Alles</b> wat we bewaren",
        parse_mode="HTML",
    )
    assert sent.document is not None
    assert sent.document.file_name == "gegevens.json"
    assert sent.document.mime_type == "application/json"
    assert sent.document.file_size == len(content)
    assert sent.caption == "Alles wat we bewaren"
    assert [(e.type, e.offset, e.length) for e in sent.caption_entities] == [("bold", 0, 5)]

    (message,) = alice.private_chat.bot_messages()
    assert message.file == content
    assert message.text is None and message.caption == "Alles wat we bewaren"
    assert await alice.expect("Alles wat we bewaren") is message  # a caption is found like a text

    again = await bot.send_document(alice.id, sent.document.file_id)
    assert again.document is not None and again.document.file_id == sent.document.file_id
    assert alice.private_chat.bot_messages()[-1].file == content


async def test_an_empty_file_an_unknown_file_id_and_a_long_caption_are_refused(
    bot: Bot, alice: SimUser
) -> None:
    with pytest.raises(BadRequest) as empty:
        await bot.send_document(alice.id, InputFile(b"", filename="leeg.json"))
    assert empty.value.message == "File must be non-empty"
    with pytest.raises(BadRequest) as unknown:
        await bot.send_document(alice.id, "BQACAgQAAxkno-such-file")
    assert unknown.value.message == "Wrong file identifier/http url specified"
    with pytest.raises(BadRequest) as long_caption:
        await bot.send_document(alice.id, InputFile(b"{}", filename="x.json"), caption="x" * 1025)
    assert long_caption.value.message == "Message caption is too long"
    await bot.send_document(alice.id, InputFile(b"{}", filename="x.json"), caption="x" * 1024)
    assert len(alice.private_chat.bot_messages()) == 1


async def test_a_file_to_someone_who_never_started_the_bot_is_forbidden(
    sb: Sandbox, bot: Bot
) -> None:
    stranger = sb.add_user("Bob")
    with pytest.raises(Forbidden):
        await bot.send_document(stranger.id, InputFile(b"{}", filename="x.json"))

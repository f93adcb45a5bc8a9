"""The sandbox refuses what Telegram refuses and stores what Telegram stores (sandbox/FIDELITY.md).

Each rule is shown both ways, through python-telegram-bot over real HTTP, with the wording of
Telegram's Bot API server (tdlib/telegram-bot-api and tdlib: Client.cpp, ReplyMarkup.cpp,
LinkManager.cpp, MessageEntity.cpp).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    MessageEntity,
    ReplyKeyboardMarkup,
)
from telegram.error import BadRequest, Forbidden

from sandbox import Sandbox, SimChat, SimUser

ADMIN = {"can_invite_users": True}


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


@pytest.fixture
async def group(sb: Sandbox, alice: SimUser) -> SimChat:
    chat = sb.add_group("Wijk", members=[alice], admins=[alice], supergroup=True)
    await chat.add_bot(by=alice, rights=ADMIN)
    return chat


async def raw_call(sb: Sandbox, method: str, **params: Any) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sb.base_url}/bot{sb.token}/{method}", json=params) as resp,
    ):
        body: dict[str, Any] = await resp.json()
        return body


def url_button(url: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[InlineKeyboardButton("Open", url=url)]])


def callbacks(count: int, prefix: str = "b") -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(str(i), callback_data=f"{prefix}{i}") for i in range(count)]


# ---------------------------------------------------------------- join requests


@pytest.mark.parametrize("decide", ["approve", "decline"])
async def test_a_join_requester_can_be_written_to_only_until_the_request_is_processed(
    sb: Sandbox, bot: Bot, group: SimChat, decide: str
) -> None:
    bob = sb.add_user("Bob")
    link = await bot.create_chat_invite_link(group.id, creates_join_request=True)
    await bob.join(link.invite_link)
    (request,) = [u.chat_join_request for u in await bot.get_updates() if u.chat_join_request]
    await bot.send_message(request.user_chat_id, "Waarom wil je erbij?")  # within the window
    if decide == "approve":
        await bot.approve_chat_join_request(group.id, bob.id)
    else:
        await bot.decline_chat_join_request(group.id, bob.id)
    with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
        await bot.send_message(request.user_chat_id, "Te laat")
    assert [m.text for m in bob.private_chat.bot_messages()] == ["Waarom wil je erbij?"]


async def test_the_join_request_window_closes_after_five_minutes(sb: Sandbox, bot: Bot) -> None:
    clock = [1_700_000_000.0]
    async with Sandbox(flood_limits=False, clock=lambda: clock[0]) as timed:
        admin = timed.add_user("Alice")
        chat = timed.add_group("Wijk", members=[admin], admins=[admin], supergroup=True)
        await chat.add_bot(by=admin, rights=ADMIN)
        async with Bot(timed.token, base_url=f"{timed.base_url}/bot") as client:
            link = await client.create_chat_invite_link(chat.id, creates_join_request=True)
            bob = timed.add_user("Bob")
            await bob.join(link.invite_link)
            clock[0] += 301
            with pytest.raises(Forbidden, match="bot can't initiate conversation with a user"):
                await client.send_message(bob.id, "Te laat")


# ---------------------------------------------------------------- URL buttons


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://localhost", "Wrong HTTP URL"),
        ("https://intranet:8080/x", "Wrong HTTP URL"),
        ("not a url", "Disallowed character in URL host"),
        ("ftp://files.example.org", "Unsupported URL protocol"),
        ("https://example.org:99999", "Wrong port number specified in the URL"),
        ("tg://http://example.org", "Wrong tg URL"),
    ],
)
async def test_a_url_button_telegram_cannot_open_refuses_the_whole_message(
    bot: Bot, alice: SimUser, url: str, reason: str
) -> None:
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(alice.id, "Kijk", reply_markup=url_button(url))
    assert refused.value.message.lower() == (
        f"inline keyboard button url '{url}' is invalid: {reason}".lower()
    )
    assert alice.private_chat.bot_messages() == []


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("https://Example.ORG", "https://example.org/"),
        ("example.org/pad?x=1", "http://example.org/pad?x=1"),
        ("https://t.me/bondgenoten_bot?start=abc", "https://t.me/bondgenoten_bot?start=abc"),
        ("tg://user?id=42", "tg://user?id=42"),
    ],
)
async def test_a_url_button_is_stored_normalised(
    bot: Bot, alice: SimUser, url: str, stored: str
) -> None:
    sent = await bot.send_message(alice.id, "Kijk", reply_markup=url_button(url))
    assert sent.reply_markup is not None
    assert sent.reply_markup.inline_keyboard[0][0].url == stored


# ---------------------------------------------------------------- keyboard shape


async def test_a_row_keeps_its_first_12_buttons(bot: Bot, alice: SimUser) -> None:
    sent = await bot.send_message(
        alice.id, "Kies", reply_markup=InlineKeyboardMarkup([callbacks(14)])
    )
    assert sent.reply_markup is not None
    assert [b.text for b in sent.reply_markup.inline_keyboard[0]] == [str(i) for i in range(12)]
    (message,) = alice.private_chat.bot_messages()
    assert len(message.buttons[0]) == 12


async def test_more_than_100_buttons_are_refused_counted_after_the_row_cut(
    bot: Bot, alice: SimUser
) -> None:
    ninety_nine = [callbacks(9, f"r{r}:") for r in range(11)]
    await bot.send_message(alice.id, "99", reply_markup=InlineKeyboardMarkup(ninety_nine))
    hundred_one = [*ninety_nine, callbacks(2, "x")]
    with pytest.raises(BadRequest, match=r"(?i)^reply markup is too long$"):
        await bot.send_message(alice.id, "101", reply_markup=InlineKeyboardMarkup(hundred_one))
    # 8 rows of 20 are 160 buttons sent, but 8 × 12 = 96 kept: Telegram takes it.
    wide = InlineKeyboardMarkup([callbacks(20, f"w{r}:") for r in range(8)])
    sent = await bot.send_message(alice.id, "96", reply_markup=wide)
    assert sent.reply_markup is not None
    assert sum(len(row) for row in sent.reply_markup.inline_keyboard) == 96


async def test_an_empty_inline_keyboard_is_no_keyboard(bot: Bot, alice: SimUser) -> None:
    sent = await bot.send_message(alice.id, "Leeg", reply_markup=InlineKeyboardMarkup([[], []]))
    assert sent.reply_markup is None
    # ... so taking it away again changes nothing.
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(
            alice.id, sent.message_id, reply_markup=InlineKeyboardMarkup([[]])
        )
    await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=url_button("x.nl"))
    emptied = await bot.edit_message_reply_markup(
        alice.id, sent.message_id, reply_markup=InlineKeyboardMarkup([[]])
    )
    assert not isinstance(emptied, bool) and emptied.reply_markup is None


@pytest.mark.parametrize(
    ("button", "refusal"),
    [
        (
            KeyboardButton("📱", request_contact=True),
            "phone number can be requested in private chats only",
        ),
        (
            KeyboardButton("📍", request_location=True),
            "location can be requested in private chats only",
        ),
    ],
)
async def test_a_reply_keyboard_asks_for_a_contact_or_location_in_private_chats_only(
    bot: Bot, alice: SimUser, group: SimChat, button: KeyboardButton, refusal: str
) -> None:
    keyboard = ReplyKeyboardMarkup([[button]], one_time_keyboard=True)
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(group.id, "Deel het", reply_markup=keyboard)
    assert refused.value.message.lower() == refusal
    await bot.send_message(alice.id, "Deel het", reply_markup=keyboard)
    (message,) = alice.private_chat.bot_messages()
    assert message.keyboard == [[button.text]]


# ---------------------------------------------------------------- messages as Telegram stores them


async def test_telegram_adds_the_entities_it_finds(bot: Bot, alice: SimUser) -> None:
    text = "Zie https://example.org, mail wijk@example.nl, /help of @alice #buurt $EUR"
    sent = await bot.send_message(alice.id, text)
    found = {(e.type, sent.parse_entity(e)) for e in sent.entities}
    assert found == {
        ("url", "https://example.org"),
        ("email", "wijk@example.nl"),
        ("bot_command", "/help"),
        ("mention", "@alice"),
        ("hashtag", "#buurt"),
        ("cashtag", "$EUR"),
    }
    plain = await bot.send_message(alice.id, "Geen 12/03 en/of a@b, geen +31 6 12345678")
    assert plain.entities == ()  # tdlib finds no phone numbers


async def test_a_found_entity_never_overlaps_a_given_one(bot: Bot, alice: SimUser) -> None:
    sent = await bot.send_message(
        alice.id, '<a href="https://example.org">/help</a> en <b>@alice</b>', parse_mode="HTML"
    )
    kinds = [(e.type, sent.parse_entity(e)) for e in sent.entities]
    assert kinds == [("text_link", "/help"), ("bold", "@alice"), ("mention", "@alice")]


async def test_links_are_normalised_and_a_user_link_is_a_text_mention(
    bot: Bot, alice: SimUser
) -> None:
    sent = await bot.send_message(
        alice.id,
        f'<a href="HTTPS://Example.org">site</a> <a href="tg://user?id={alice.id}">Alice</a> '
        '<a href="http://localhost">weg</a>',
        parse_mode="HTML",
    )
    link, mention = sent.entities
    assert (link.type, link.url) == ("text_link", "https://example.org/")
    assert mention.type == "text_mention" and mention.user is not None
    assert mention.user.id == alice.id and mention.user.first_name == "Alice"
    assert sent.text == "site Alice weg"  # a link Telegram can't open is dropped, its text stays


async def test_a_text_link_entity_telegram_cannot_open_is_refused(bot: Bot, alice: SimUser) -> None:
    with pytest.raises(BadRequest) as refused:
        await bot.send_message(
            alice.id, "hier", entities=[MessageEntity("text_link", 0, 4, url="http://localhost")]
        )
    assert refused.value.message.lower() == (
        "entity url 'http://localhost' is invalid: wrong http url"
    )


async def test_parse_mode_wins_over_entities(bot: Bot, alice: SimUser) -> None:
    sent = await bot.send_message(
        alice.id,
        "<b>Hallo</b>",
        parse_mode="HTML",
        entities=[MessageEntity("italic", 0, 3)],
    )
    assert sent.text == "Hallo"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 0, 5)]


# ---------------------------------------------------------------- accepted as Telegram accepts


async def test_poll_options_as_plain_strings_and_a_poll_of_one_option(
    sb: Sandbox, alice: SimUser
) -> None:
    body = await raw_call(sb, "sendPoll", chat_id=alice.id, question="Komt u?", options=["Ja"])
    assert body["ok"], body
    assert [o["text"] for o in body["result"]["poll"]["options"]] == ["Ja"]


async def test_legacy_reply_and_link_preview_parameters_are_read_as_their_successors(
    sb: Sandbox, bot: Bot, alice: SimUser
) -> None:
    first = await bot.send_message(alice.id, "Eerste")
    body = await raw_call(
        sb,
        "sendMessage",
        chat_id=alice.id,
        text="Antwoord op https://example.org",
        reply_to_message_id=first.message_id,
        disable_web_page_preview=True,
    )
    assert body["ok"], body
    assert body["result"]["reply_to_message"]["message_id"] == first.message_id
    body = await raw_call(sb, "sendMessage", chat_id=alice.id, text="x", reply_to_message_id=999)
    assert body["description"] == "Bad Request: message to be replied not found"
    body = await raw_call(
        sb,
        "sendMessage",
        chat_id=alice.id,
        text="x",
        reply_to_message_id=999,
        allow_sending_without_reply=True,
    )
    assert body["ok"] and "reply_to_message" not in body["result"]


async def test_what_the_sandbox_keeps_stricter_than_telegram(sb: Sandbox, alice: SimUser) -> None:
    """Deliberate (FIDELITY.md): these catch mistakes of our own code."""
    body = await raw_call(sb, "sendMessage", chat_id=alice.id, text="a & b", parse_mode="HTML")
    assert "Character '&' is reserved" in body["description"]
    body = await raw_call(sb, "sendMessage", chat_id=alice.id, text="x", protect_content="Yes")
    assert body["ok"] and body["result"]["has_protected_content"]  # Telegram's "yes" is true
    body = await raw_call(sb, "sendMessage", chat_id=alice.id, text="x", colour="red")
    assert body["description"] == 'Bad Request: unknown parameter "colour"'
    body = await raw_call(sb, "sendMessage", chat_id=alice.id, text="x", disable_notification="on")
    assert body["description"].startswith("Bad Request: can't parse disable_notification")
    markup = {"inline_keyboard": [[{"text": "", "callback_data": "x"}]]}
    body = await raw_call(
        sb, "sendMessage", chat_id=alice.id, text="x", reply_markup=json.dumps(markup)
    )
    assert body["description"] == "Bad Request: BUTTON_TEXT_INVALID"

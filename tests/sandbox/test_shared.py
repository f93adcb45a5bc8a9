"""What a person shares through the reply keyboard or the attachment menu reaches the bot as
Telegram sends it: a picked user (users_shared), a map pin, a venue, a contact card, a forward.

Each is read back through python-telegram-bot from real getUpdates, and what no Telegram client
lets a person do (pick a bot where the button asks for people, use a button that is not shown)
is a SandboxUsageError.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    Message,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

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
async def carla(sb: Sandbox) -> SimUser:
    user = sb.add_user("Carla", last_name="de Vries", username="carla")
    await user.send("/start")
    return user


async def last_message(bot: Bot) -> Message:
    updates = await bot.get_updates()
    await bot.get_updates(offset=updates[-1].update_id + 1)  # confirmed: the next call is fresh
    message = updates[-1].message
    assert message is not None
    return message


def picker(request_id: int, **criteria: bool | int) -> ReplyKeyboardMarkup:
    request = KeyboardButtonRequestUsers(request_id, **criteria)  # type: ignore[arg-type]
    return ReplyKeyboardMarkup(
        [[KeyboardButton("👤 Choose", request_users=request)], ["Cancel"]],
        one_time_keyboard=True,
    )


async def test_a_picked_user_arrives_with_what_the_button_asked_for(
    sb: Sandbox, bot: Bot, carla: SimUser
) -> None:
    ahmed = sb.add_user("Ahmed", last_name="Zwartkop", username="ahmedz")
    await bot.send_message(
        carla.id,
        "Wie?",
        reply_markup=picker(7, user_is_bot=False, request_name=True, request_username=True),
    )
    await carla.share_users(7, [ahmed])
    shared = (await last_message(bot)).users_shared
    assert shared is not None and shared.request_id == 7
    (user,) = shared.users
    assert (user.user_id, user.first_name, user.last_name, user.username) == (
        ahmed.id,
        "Ahmed",
        "Zwartkop",
        "ahmedz",
    )

    await bot.send_message(carla.id, "Nog een?", reply_markup=picker(8))  # only the id
    await carla.share_users(8, [ahmed])
    shared = (await last_message(bot)).users_shared
    assert shared is not None
    assert (shared.users[0].first_name, shared.users[0].username) == (None, None)


async def test_the_picker_keeps_to_the_buttons_criteria(
    sb: Sandbox, bot: Bot, carla: SimUser
) -> None:
    ahmed, wim = sb.add_user("Ahmed"), sb.add_user("Wim")
    with pytest.raises(SandboxUsageError, match="no reply keyboard"):
        await carla.share_users(7, [ahmed])  # no keyboard shown yet
    await bot.send_message(carla.id, "Wie?", reply_markup=picker(7, user_is_bot=False))
    with pytest.raises(SandboxUsageError, match="no request_users button 9"):
        await carla.share_users(9, [ahmed])
    with pytest.raises(SandboxUsageError, match="Too many chats are chosen"):
        await carla.share_users(7, [ahmed, wim])  # max_quantity is 1 unless asked
    with pytest.raises(SandboxUsageError, match="Too few chats are chosen"):
        await carla.share_users(7, [])
    with pytest.raises(SandboxUsageError, match="Wrong is_bot value"):
        await carla.share_users(7, [sb.bot_user])  # a bot, where the button asks for people
    await carla.share_users(7, [carla])  # oneself: Telegram does not refuse it
    await bot.send_message(carla.id, "Klaar.", reply_markup=ReplyKeyboardRemove())
    assert carla.private_chat.reply_keyboard is None
    with pytest.raises(SandboxUsageError, match="no reply keyboard"):
        await carla.share_users(7, [ahmed])


async def test_the_keyboard_shown_is_the_last_one_sent_until_removed(
    bot: Bot, carla: SimUser
) -> None:
    await bot.send_message(carla.id, "Waar?", reply_markup=picker(1))
    await bot.send_message(carla.id, "Tussendoor, zonder knoppen")  # keeps the keyboard
    assert carla.private_chat.reply_keyboard is not None
    assert carla.private_chat.reply_keyboard[1] == [{"text": "Cancel"}]
    await carla.tap("Cancel")
    assert (await last_message(bot)).text == "Cancel"
    with pytest.raises(SandboxUsageError, match="no button 'Annuleren'"):
        await carla.tap("Annuleren")
    with pytest.raises(SandboxUsageError, match="is a request_users button"):
        await carla.tap("👤 Choose")
    removed = await bot.send_message(carla.id, "Weg ermee", reply_markup=ReplyKeyboardRemove())
    assert removed.reply_markup is None  # Telegram returns no reply keyboard on the message
    assert carla.private_chat.reply_keyboard is None


async def test_a_pin_from_the_button_or_from_anywhere_on_the_map(bot: Bot, carla: SimUser) -> None:
    with pytest.raises(SandboxUsageError, match="request_location"):
        await carla.send_location(52.3791, 4.9003, via_button=True)
    await carla.send_location(41.0082, 28.9784)  # 📎 → Location: anywhere, no button needed
    location = (await last_message(bot)).location
    assert location is not None and (location.latitude, location.longitude) == (41.0082, 28.9784)

    where = ReplyKeyboardMarkup([[KeyboardButton("📍 Hier", request_location=True)]])
    await bot.send_message(carla.id, "Waar?", reply_markup=where)
    await carla.send_location(52.3791, 4.9003, via_button=True)
    message = await last_message(bot)
    assert message.location is not None and message.location.latitude == 52.3791
    assert message.venue is None and message.text is None
    with pytest.raises(SandboxUsageError, match="no such place"):
        await carla.send_location(91, 0)


async def test_a_place_from_the_list_under_the_map_is_a_venue(bot: Bot, carla: SimUser) -> None:
    await carla.send_venue(52.3845, 4.9021, "Buurthuis De Boog", "Boogstraat 3, Amsterdam")
    message = await last_message(bot)
    assert message.venue is not None
    assert (message.venue.title, message.venue.address) == (
        "Buurthuis De Boog",
        "Boogstraat 3, Amsterdam",
    )
    assert message.location is not None and message.location.longitude == 4.9021


async def test_a_contact_card_names_its_telegram_account_when_there_is_one(
    sb: Sandbox, bot: Bot, carla: SimUser
) -> None:
    ahmed = sb.add_user("Ahmed")
    await carla.send_contact("+31612345678", "Ahmed", last_name="Zwartkop", user=ahmed)
    contact = (await last_message(bot)).contact
    assert contact is not None
    assert (contact.user_id, contact.first_name, contact.last_name) == (
        ahmed.id,
        "Ahmed",
        "Zwartkop",
    )
    await carla.send_contact("+31201234567", "Bakkerij")  # a number not on Telegram
    contact = (await last_message(bot)).contact
    assert contact is not None and contact.user_id is None


async def test_a_forward_names_its_author_unless_they_hide_it(
    sb: Sandbox, bot: Bot, carla: SimUser
) -> None:
    ahmed = sb.add_user("Ahmed", last_name="Zwartkop")
    await carla.forward(ahmed, "Tot donderdag!")
    origin = (await last_message(bot)).forward_origin
    assert isinstance(origin, MessageOriginUser) and origin.sender_user.id == ahmed.id
    await carla.forward(ahmed, "Tot donderdag!", hidden=True)
    origin = (await last_message(bot)).forward_origin
    assert isinstance(origin, MessageOriginHiddenUser)
    assert origin.sender_user_name == "Ahmed Zwartkop"

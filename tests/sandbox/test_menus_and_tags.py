"""The sandbox sets menus per chat and member tags as Telegram does, and refuses what it refuses
(sandbox/FIDELITY.md): through python-telegram-bot over real HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    BotCommandScopeChatAdministrators,
    BotCommandScopeChatMember,
    ChatMemberAdministrator,
    ChatMemberMember,
)
from telegram.error import BadRequest, Forbidden

from sandbox import Sandbox, SimChat, SimUser

TAGS = {"can_invite_users": True, "can_manage_tags": True}


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
    user = sb.add_user("Alice", language_code="en")
    await user.send("/start")
    return user


@pytest.fixture
async def bob(sb: Sandbox) -> SimUser:
    return sb.add_user("Bob")


async def group_with(
    sb: Sandbox, admin: SimUser, member: SimUser, rights: dict[str, bool]
) -> SimChat:
    chat = sb.add_group("Wijk", members=[member], admins=[admin], supergroup=True)
    await chat.add_bot(by=admin, rights=rights)
    return chat


# ---------------------------------------------------------------- menus per chat


async def test_a_chat_of_its_own_wins_over_all_private_chats_in_the_apps_language(
    sb: Sandbox, bot: Bot, alice: SimUser
) -> None:
    private = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands([BotCommand("start", "Begin")], scope=private)
    await bot.set_my_commands([BotCommand("start", "Start")], scope=private, language_code="en")
    assert sb.menu_shown(alice) == ["start"]
    own = BotCommandScopeChat(alice.id)
    assert await bot.set_my_commands(
        [BotCommand("alert", "Alert"), BotCommand("help", "Help")], scope=own
    )
    assert sb.menu_shown(alice) == ["alert", "help"]
    assert [c.command for c in await bot.get_my_commands(scope=own)] == ["alert", "help"]
    assert await bot.set_my_commands([], scope=own)  # none: back to the wider menu
    assert sb.menu_shown(alice) == ["start"]


async def test_a_chat_scope_needs_a_chat_telegram_knows(
    sb: Sandbox, bot: Bot, alice: SimUser, bob: SimUser
) -> None:
    with pytest.raises(BadRequest, match=r"(?i)Chat not found"):  # Bob never started the bot
        await bot.set_my_commands([BotCommand("help", "Help")], scope=BotCommandScopeChat(bob.id))
    with pytest.raises(BadRequest, match=r"(?i)can't use specified scope in private chats"):
        await bot.set_my_commands(
            [BotCommand("help", "Help")], scope=BotCommandScopeChatAdministrators(alice.id)
        )
    with pytest.raises(BadRequest, match=r"(?i)can't use specified scope in private chats"):
        await bot.set_my_commands(
            [BotCommand("help", "Help")], scope=BotCommandScopeChatMember(alice.id, alice.id)
        )
    with pytest.raises(BadRequest, match=r"(?i)invalid language code specified"):
        await bot.set_my_commands([BotCommand("help", "Help")], language_code="nl-BE")
    await bob.send("/start")
    assert await bot.set_my_commands(
        [BotCommand("help", "Hulp")], scope=BotCommandScopeChat(bob.id)
    )
    await bob.block_bot()  # a blocked chat is still known: its menu can change
    assert await bot.set_my_commands(
        [BotCommand("help", "Hulp")], scope=BotCommandScopeChat(bob.id)
    )


async def test_a_group_scope_needs_the_bot_in_the_group(
    sb: Sandbox, bot: Bot, alice: SimUser, bob: SimUser
) -> None:
    chat = sb.add_group("Wijk", members=[bob], admins=[alice])
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member"):
        await bot.set_my_commands([BotCommand("help", "Help")], scope=BotCommandScopeChat(chat.id))
    await chat.add_bot(by=alice)
    assert await bot.set_my_commands(
        [BotCommand("help", "Help"), BotCommand("link", "Link")],
        scope=BotCommandScopeChatAdministrators(chat.id),
    )
    assert sb.menu_shown(alice, chat) == ["help", "link"]
    assert sb.menu_shown(bob, chat) == []


# ---------------------------------------------------------------- member tags


async def test_a_member_gets_a_tag_shown_in_the_member_and_on_their_messages(
    sb: Sandbox, bot: Bot, alice: SimUser, bob: SimUser
) -> None:
    chat = await group_with(sb, alice, bob, TAGS)
    assert await bot.set_chat_member_tag(chat.id, bob.id, "Politie")
    member = await bot.get_chat_member(chat.id, bob.id)
    assert isinstance(member, ChatMemberMember) and member.tag == "Politie"
    message = await bob.send("Goedenavond", chat=chat)
    assert message.to_api()["sender_tag"] == "Politie"
    me = await bot.get_chat_member(chat.id, bot.id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_manage_tags
    assert await bot.set_chat_member_tag(chat.id, bob.id)  # no tag: removed
    assert chat.members[bob.id].tag == ""


async def test_the_tag_right_defaults_to_the_pin_right(
    sb: Sandbox, bot: Bot, alice: SimUser, bob: SimUser
) -> None:
    chat = await group_with(sb, alice, bob, {"can_invite_users": True})
    with pytest.raises(BadRequest, match=r"(?i)CHAT_ADMIN_REQUIRED"):
        await bot.set_chat_member_tag(chat.id, bob.id, "Gemeente")
    me = await bot.get_chat_member(chat.id, bot.id)
    assert isinstance(me, ChatMemberAdministrator) and not me.can_manage_tags
    await chat.set_bot_rights(by=alice, rights={"can_pin_messages": True})
    assert await bot.set_chat_member_tag(chat.id, bob.id, "Gemeente")


async def test_a_plain_member_bot_cannot_tag(
    sb: Sandbox, bot: Bot, alice: SimUser, bob: SimUser
) -> None:
    chat = sb.add_group("Wijk", members=[bob], admins=[alice])
    await chat.add_bot(by=alice)
    with pytest.raises(BadRequest, match=r"(?i)CHAT_ADMIN_REQUIRED"):
        await bot.set_chat_member_tag(chat.id, bob.id, "Politie")


@pytest.mark.parametrize(
    ("tag", "error"),
    [
        ("Wijkagent Noord-Oost", "(?i)TAG_INVALID"),  # 20 characters: at most 16
        ("Politie 🚓", "(?i)TAG_INVALID"),  # no emoji
    ],
)
async def test_a_tag_of_more_than_16_characters_or_with_emoji_is_refused(
    sb: Sandbox, bot: Bot, alice: SimUser, bob: SimUser, tag: str, error: str
) -> None:
    chat = await group_with(sb, alice, bob, TAGS)
    with pytest.raises(BadRequest, match=error):
        await bot.set_chat_member_tag(chat.id, bob.id, tag)
    assert chat.members[bob.id].tag == ""
    assert await bot.set_chat_member_tag(chat.id, bob.id, "Wijkagent Noord")  # 15: fine


async def test_only_regular_members_of_a_group_get_tags(
    sb: Sandbox, bot: Bot, alice: SimUser, bob: SimUser
) -> None:
    chat = await group_with(sb, alice, bob, TAGS)
    with pytest.raises(BadRequest, match=r"(?i)CHAT_CREATOR_REQUIRED"):  # administrators: titles
        await bot.set_chat_member_tag(chat.id, alice.id, "Gemeente")
    outsider = sb.add_user("Olga")
    with pytest.raises(BadRequest, match=r"(?i)USER_NOT_PARTICIPANT"):
        await bot.set_chat_member_tag(chat.id, outsider.id, "Gemeente")
    with pytest.raises(BadRequest, match=r"(?i)private chats"):
        await bot.set_chat_member_tag(alice.id, alice.id, "Gemeente")
    await bob.leave(chat)
    with pytest.raises(BadRequest, match=r"(?i)USER_NOT_PARTICIPANT"):
        await bot.set_chat_member_tag(chat.id, bob.id, "Politie")

"""The sandbox Bot API server, driven by python-telegram-bot's own client over real HTTP.

Every strictness rule is shown both ways: rejected where Telegram rejects, accepted
where Telegram accepts. python-telegram-bot must raise its own typed errors from
our answers, which proves the wire format.
"""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
import warnings
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    ChatFullInfo,
    ChatMemberAdministrator,
    ChatMemberOwner,
    ChatPermissions,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from sandbox import FloodConfig, Sandbox, SimUser

# PTB warns that RetryAfter.retry_after will become a timedelta; not our concern here
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*")

ADMIN = {"can_invite_users": True, "can_restrict_members": True, "can_pin_messages": True}


def seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns that retry_after becomes a timedelta
        warnings.simplefilter("ignore")
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class FakeClock:
    """A controllable clock so flood tests need no sleeping."""

    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


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
    user = sb.add_user("Alice", username="alice", language_code="nl")
    await user.send("/start")
    return user


async def raw_call(sb: Sandbox, method: str, token: str | None = None, **kwargs: Any) -> Any:
    async with (
        aiohttp.ClientSession() as session,
        session.post(f"{sb.base_url}/bot{token or sb.token}/{method}", **kwargs) as resp,
    ):
        return resp.status, await resp.json()


# ---------------------------------------------------------------- routing & parameters


async def test_get_me_and_token(sb: Sandbox, bot: Bot) -> None:
    me = await bot.get_me()
    assert me.id == sb.bot_id and me.username == "bondgenoten_bot" and me.is_bot
    assert sb.token.startswith(f"{sb.bot_id}:")
    with pytest.raises(InvalidToken):
        async with Bot("123456789:wrong", base_url=f"{sb.base_url}/bot"):
            pass
    status, body = await raw_call(sb, "getMe", token="1:nope")
    assert status == 401
    assert body == {"ok": False, "error_code": 401, "description": "Unauthorized"}


async def test_unknown_and_unsimulated_methods(sb: Sandbox) -> None:
    status, body = await raw_call(sb, "sendTelepathy")
    assert (status, body["description"]) == (404, "Not Found")
    status, body = await raw_call(sb, "getme")  # method names are case-insensitive
    assert status == 200 and body["ok"] and body["result"]["is_bot"]
    status, body = await raw_call(sb, "sendDice", data={"chat_id": "1"})
    assert status == 501 and "sendDice is not simulated" in body["description"]


async def test_parameters_missing_unknown_and_encodings(sb: Sandbox, alice: SimUser) -> None:
    status, body = await raw_call(sb, "sendMessage", data={"chat_id": str(alice.id)})
    assert status == 400 and body["description"].startswith("Bad Request:")
    status, body = await raw_call(
        sb, "sendMessage", data={"chat_id": str(alice.id), "text": "x", "colour": "red"}
    )
    assert status == 400 and "colour" in body["description"]
    # JSON body, query string and form are all accepted, as Telegram does
    status, body = await raw_call(sb, "sendMessage", json={"chat_id": alice.id, "text": "json"})
    assert status == 200 and body["result"]["text"] == "json"
    status, body = await raw_call(sb, "sendMessage", params={"chat_id": alice.id, "text": "qs"})
    assert status == 200 and body["result"]["text"] == "qs"
    assert [m.text for m in alice.private_chat.bot_messages()] == ["json", "qs"]
    assert sb.requests_for("sendMessage")[-1].ok


# ---------------------------------------------------------------- text & markup


async def test_html_parse_mode(bot: Bot, alice: SimUser) -> None:
    sent = await bot.send_message(alice.id, "<b>Hallo</b> &amp; welkom", parse_mode="HTML")
    assert sent.text == "Hallo & welkom"
    assert sent.entities[0].type == "bold" and sent.entities[0].length == 5
    stored = alice.private_chat.bot_messages()[-1]
    assert stored.html == "<b>Hallo</b> &amp; welkom" and stored.text == "Hallo & welkom"
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(alice.id, "<b>open", parse_mode="HTML")
    with pytest.raises(TelegramError, match=r"(?i)not simulated"):
        await bot.send_message(alice.id, "*x*", parse_mode="MarkdownV2")
    plain = await bot.send_message(alice.id, "<b>not parsed</b>")
    assert plain.text == "<b>not parsed</b>" and not plain.entities


async def test_text_length_limit(bot: Bot, alice: SimUser) -> None:
    assert len((await bot.send_message(alice.id, "x" * 4096)).text) == 4096
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(alice.id, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(alice.id, "   ")


async def test_callback_data_limit(bot: Bot, alice: SimUser) -> None:
    ok = InlineKeyboardMarkup([[InlineKeyboardButton("ok", callback_data="x" * 64)]])
    sent = await bot.send_message(alice.id, "knop", reply_markup=ok)
    assert sent.reply_markup == ok
    too_long = InlineKeyboardMarkup([[InlineKeyboardButton("no", callback_data="x" * 65)]])
    with pytest.raises(BadRequest):
        await bot.send_message(alice.id, "knop", reply_markup=too_long)


async def test_reply_threading(bot: Bot, alice: SimUser) -> None:
    question = await alice.send("Vraag?")
    answer = await bot.send_message(
        alice.id, "Antwoord", reply_parameters=ReplyParameters(question.message_id)
    )
    assert answer.reply_to_message is not None
    assert answer.reply_to_message.text == "Vraag?"
    assert alice.private_chat.bot_messages()[-1].reply_to is question
    with pytest.raises(BadRequest, match=r"(?i)message to be replied not found"):
        await bot.send_message(alice.id, "x", reply_parameters=ReplyParameters(9999))
    loose = ReplyParameters(9999, allow_sending_without_reply=True)
    assert (await bot.send_message(alice.id, "x", reply_parameters=loose)).reply_to_message is None


async def test_edit_rules(bot: Bot, alice: SimUser) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("A", callback_data="a")]])
    sent = await bot.send_message(alice.id, "een", reply_markup=markup)
    with pytest.raises(BadRequest, match=r"(?i)message is not modified: specified new message"):
        await bot.edit_message_text("een", alice.id, sent.message_id, reply_markup=markup)
    edited = await bot.edit_message_text("twee", alice.id, sent.message_id, reply_markup=markup)
    assert isinstance(edited, Message) and edited.text == "twee" and edited.edit_date
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=markup)
    await bot.edit_message_reply_markup(alice.id, sent.message_id, reply_markup=None)
    stored = alice.private_chat.bot_messages()[-1]
    assert stored.edits == ["een"] and stored.buttons == []
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", alice.id, 4242)
    users_message = await alice.send("van mij")
    with pytest.raises(BadRequest, match=r"(?i)message can't be edited"):
        await bot.edit_message_text("x", alice.id, users_message.message_id)
    assert await bot.delete_message(alice.id, sent.message_id)
    with pytest.raises(BadRequest, match=r"(?i)message to delete not found"):
        await bot.delete_message(alice.id, sent.message_id)


# ---------------------------------------------------------------- who can be reached


async def test_forbidden_private_chats(sb: Sandbox, bot: Bot) -> None:
    bob = sb.add_user("Bob")
    with pytest.raises(Forbidden, match=r"(?i)bot can't initiate conversation with a user"):
        await bot.send_message(bob.id, "hoi")
    await bob.send("/start")
    assert (await bot.send_message(bob.id, "hoi")).chat.id == bob.id
    await bob.block_bot()
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(bob.id, "hoi")
    await bob.unblock_bot()
    await bot.send_message(bob.id, "welkom terug")
    with pytest.raises(BadRequest, match=r"(?i)chat not found"):
        await bot.send_message(42, "hoi")


async def test_forbidden_groups(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    group = sb.add_group("Wijk Noord", members=[alice], admins=[alice])
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the group chat"):
        await bot.send_message(group.id, "hallo")
    await group.add_bot(by=alice)
    assert (await bot.send_message(group.id, "hallo")).chat.type == "group"
    await group.remove_bot(by=alice)
    with pytest.raises(Forbidden, match=r"(?i)bot is not a member of the group chat"):
        await bot.send_message(group.id, "hallo")
    sg = sb.add_group("Wijk Zuid", members=[alice], admins=[alice], supergroup=True)
    assert str(sg.id).startswith("-100") and str(group.id).startswith("-4")
    await sg.add_bot(by=alice)
    await sg.remove_bot(by=alice)
    with pytest.raises(Forbidden, match=r"(?i)bot was kicked from the supergroup chat"):
        await bot.send_message(sg.id, "hallo")


async def test_migrated_group(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    group = sb.add_group("Wijk Noord", members=[alice], admins=[alice])
    await group.add_bot(by=alice, rights=ADMIN)
    new_id = await group.migrate_to_supergroup(by=alice)
    with pytest.raises(ChatMigrated) as info:
        await bot.send_message(group.id, "hallo")
    assert info.value.new_chat_id == new_id
    sent = await bot.send_message(new_id, "hallo")
    assert sent.chat.type == "supergroup"
    updates = await bot.get_updates()
    kinds = [(u.message.migrate_to_chat_id, u.message.migrate_from_chat_id) for u in updates[-2:]]
    assert kinds == [(new_id, None), (None, group.id)]


# ---------------------------------------------------------------- flood limits


async def test_flood_limit_private_chat() -> None:
    clock = FakeClock()
    config = FloodConfig(private_burst=2, private_per_second=1.0)
    async with (
        Sandbox(flood_limits=True, flood_config=config, clock=clock) as sb,
        Bot(sb.token, base_url=f"{sb.base_url}/bot") as bot,
    ):
        alice = sb.add_user("Alice")
        await alice.send("/start")
        await bot.send_message(alice.id, "1")
        await bot.send_message(alice.id, "2")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(alice.id, "3")
        assert seconds(info.value) == 1
        assert sb.flood_429_count == 1
        assert sb.requests[-1].error_code == 429
        clock.now += 1.0
        await bot.send_message(alice.id, "3")
        assert [m.text for m in alice.private_chat.bot_messages()] == ["1", "2", "3"]


async def test_flood_limit_group_and_global() -> None:
    clock = FakeClock()
    config = FloodConfig(group_burst=3, group_per_minute=20, global_burst=4, global_per_second=2)
    async with (
        Sandbox(flood_limits=True, flood_config=config, clock=clock) as sb,
        Bot(sb.token, base_url=f"{sb.base_url}/bot") as bot,
    ):
        users = [sb.add_user(f"U{i}") for i in range(6)]
        group = sb.add_group("G", members=users, admins=users[:1])
        await group.add_bot(by=users[0])
        for _ in range(3):
            await bot.send_message(group.id, "x")
        with pytest.raises(RetryAfter) as info:
            await bot.send_message(group.id, "x")
        assert seconds(info.value) == 3  # 20/min refills one message per 3 s
        for user in users:
            await user.send("/start")
        await bot.send_message(users[0].id, "x")  # 4th message overall
        with pytest.raises(RetryAfter):
            await bot.send_message(users[1].id, "x")  # global bucket of 4 is empty
        # paid broadcasts have their own, much larger budget
        await bot.send_message(users[1].id, "x", allow_paid_broadcast=True)
        assert sb.flood_429_count == 2


async def test_no_flood_limits_when_switched_off(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    for i in range(40):
        await bot.send_message(alice.id, str(i))
    assert sb.flood_429_count == 0


# ---------------------------------------------------------------- updates


async def test_long_poll_wakes_up_on_update(sb: Sandbox, bot: Bot) -> None:
    bob = sb.add_user("Bob")
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await asyncio.sleep(0.1)
    await bob.send("/start")
    updates = await asyncio.wait_for(poll, 5)
    assert time.monotonic() - started < 2
    assert updates[0].message.text == "/start"
    assert (await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)) == ()


async def test_offset_confirms_and_limit(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    for i in range(3):
        await alice.send(f"m{i}")
    first = await bot.get_updates(limit=2)
    assert [u.message.text for u in first] == ["/start", "m0"]
    rest = await bot.get_updates(offset=first[-1].update_id + 1)
    assert [u.message.text for u in rest] == ["m1", "m2"]
    assert sb.updates.pending == sb.updates.pending[:2]


async def test_allowed_updates_filter_and_persist(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    bob = sb.add_user("Bob")
    group = sb.add_group("G", members=[alice, bob], admins=[alice])
    await group.add_bot(by=alice, rights=ADMIN)
    await bob.leave(group)  # chat_member: not in the default set
    default = await bot.get_updates()
    assert not any(u.chat_member for u in default)
    await bot.get_updates(offset=default[-1].update_id + 1, allowed_updates=["chat_member"])
    await alice.send("/help")  # message: not allowed any more -> dropped
    invite = await bot.create_chat_invite_link(group.id)
    await bob.join(invite.invite_link)
    got = await bot.get_updates()  # allowed_updates omitted: setting persists
    assert [bool(u.chat_member) for u in got] == [True]
    assert got[0].chat_member.new_chat_member.status == "member"
    await bot.get_updates(offset=got[-1].update_id + 1, allowed_updates=[])  # back to default
    await alice.send("/help")
    assert [u.message.text for u in await bot.get_updates()] == ["/help"]


async def test_concurrent_get_updates_conflict(bot: Bot, sb: Sandbox) -> None:
    # As on Telegram, a second instance's request terminates the one that is waiting.
    first = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    async with Bot(sb.token, base_url=f"{sb.base_url}/bot") as other:
        second = asyncio.create_task(other.get_updates(timeout=5))
        with pytest.raises(Conflict, match=r"(?i)terminated by other getUpdates request"):
            await first
        await sb.add_user("Carol").send("/start")
        assert len(await second) == 1
    assert [r.error_code for r in sb.requests_for("getUpdates")] == [409, None]


async def test_stop_releases_long_poll() -> None:
    sb = Sandbox(flood_limits=False)
    await sb.start()
    async with Bot(sb.token, base_url=f"{sb.base_url}/bot") as bot:
        poll = asyncio.create_task(bot.get_updates(timeout=30, read_timeout=40))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        await sb.stop()
        assert await asyncio.wait_for(poll, 5) == ()
        assert time.monotonic() - started < 2


async def test_webhook_blocks_get_updates(bot: Bot) -> None:
    with pytest.raises(BadRequest, match=r"(?i)HTTPS URL"):
        await bot.set_webhook("http://example.org/hook")
    await bot.set_webhook("https://example.org/hook")
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates() == ()


# ---------------------------------------------------------------- callbacks, commands, pins


async def test_answer_callback_query_once(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Ja", callback_data="yes")]])
    await bot.send_message(alice.id, "Zeker?", reply_markup=markup)
    message = await alice.expect("Zeker?")
    query = await alice.press(message, "Ja")
    update = (await bot.get_updates())[-1]
    assert update.callback_query.id == query.id and update.callback_query.data == "yes"
    assert update.callback_query.message.message_id == message.message_id
    assert update.callback_query.chat_instance
    assert await bot.answer_callback_query(query.id, "Gelukt", show_alert=True)
    assert (await query.answered(timeout=1))["show_alert"] is True
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await bot.answer_callback_query(query.id)
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query("12345")
    assert sb.callback_answers[-1]["text"] == "Gelukt"


async def test_commands_per_scope_and_language(sb: Sandbox, bot: Bot) -> None:
    scope = BotCommandScopeAllPrivateChats()
    await bot.set_my_commands([BotCommand("start", "Begin")], scope=scope, language_code="nl")
    await bot.set_my_commands([BotCommand("start", "Start")], scope=scope, language_code="en")
    assert sb.commands("all_private_chats", "en") == [{"command": "start", "description": "Start"}]
    fetched = await bot.get_my_commands(scope=scope, language_code="nl")
    assert fetched == (BotCommand("start", "Begin"),)
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Start!", "bad")])
    await bot.delete_my_commands(scope=scope, language_code="en")
    assert sb.commands("all_private_chats", "en") == []
    await bot.set_my_description("Buurtbot", language_code="nl")
    assert (await bot.get_my_description("nl")).description == "Buurtbot"
    await bot.set_my_short_description("Kort")
    await bot.set_chat_menu_button()


async def test_pins_need_rights_in_groups(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    group = sb.add_group("G", members=[alice], admins=[alice])
    await group.add_bot(by=alice)
    sent = await bot.send_message(group.id, "Belangrijk")
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to manage pinned messages"):
        await bot.pin_chat_message(group.id, sent.message_id)
    await group.set_bot_rights(by=alice, rights={"can_pin_messages": True})
    assert await bot.pin_chat_message(group.id, sent.message_id)
    assert group.bot_messages()[-1].pinned
    private = await bot.send_message(alice.id, "ook hier")
    assert await bot.pin_chat_message(alice.id, private.message_id)  # no rights needed
    assert await bot.unpin_chat_message(alice.id)


# ---------------------------------------------------------------- chats, members, invites


async def test_chat_and_member_objects(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    bob = sb.add_user("Bob")
    group = sb.add_group("Wijk", members=[alice, bob], admins=[alice], supergroup=True)
    await group.add_bot(by=alice, rights=ADMIN)
    info = await bot.get_chat(group.id)
    assert isinstance(info, ChatFullInfo) and info.title == "Wijk"
    assert isinstance(await bot.get_chat_member(group.id, alice.id), ChatMemberOwner)
    me = await bot.get_chat_member(group.id, sb.bot_id)
    assert isinstance(me, ChatMemberAdministrator) and me.can_invite_users
    assert (await bot.get_chat_member(group.id, bob.id)).status == "member"
    admins = await bot.get_chat_administrators(group.id)
    assert {a.user.id for a in admins} == {alice.id, sb.bot_id}
    assert await bot.get_chat_member_count(group.id) == 3
    await bot.restrict_chat_member(
        group.id, bob.id, permissions=ChatPermissions(can_send_messages=False)
    )
    assert bob.in_chat(group) == "restricted"
    with pytest.raises(BadRequest, match=r"(?i)can't remove chat owner"):
        await bot.ban_chat_member(group.id, alice.id)
    await bot.ban_chat_member(group.id, bob.id)
    assert bob.in_chat(group) == "kicked"
    await bot.unban_chat_member(group.id, bob.id, only_if_banned=True)
    assert bob.in_chat(group) == "left"
    assert await bot.send_chat_action(group.id, "typing")
    assert await bot.leave_chat(group.id)
    with pytest.raises(Forbidden):
        await bot.get_chat(group.id)


async def test_invite_links_and_join_requests(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    bob, carol, dave = sb.add_user("Bob"), sb.add_user("Carol"), sb.add_user("Dave")
    group = sb.add_group("Wijk", members=[alice], admins=[alice], supergroup=True)
    await group.add_bot(by=alice)
    with pytest.raises(BadRequest, match=r"(?i)not enough rights to manage chat invite links"):
        await bot.create_chat_invite_link(group.id, creates_join_request=True)
    await group.set_bot_rights(by=alice, rights=ADMIN)
    link = await bot.create_chat_invite_link(group.id, creates_join_request=True, name="Wijk")
    assert link.creates_join_request and link.invite_link.startswith("https://t.me/+")
    with pytest.raises(BadRequest, match=r"(?i)HIDE_REQUESTER_MISSING"):
        await bot.approve_chat_join_request(group.id, bob.id)
    request = await bob.join(link.invite_link)
    assert request is not None and request.pending
    await carol.join(link.invite_link)
    updates = await bot.get_updates()
    joins = [u.chat_join_request for u in updates if u.chat_join_request]
    assert [j.from_user.id for j in joins] == [bob.id, carol.id]
    assert joins[0].user_chat_id == bob.id
    await bot.send_message(joins[0].user_chat_id, "Wie ben je?")  # allowed after a request
    assert await bot.approve_chat_join_request(group.id, bob.id)
    assert request.approved and bob.in_chat(group) == "member"
    assert await bot.decline_chat_join_request(group.id, carol.id)
    assert sb.join_requests(group)[1].declined and carol.in_chat(group) == "left"
    with pytest.raises(BadRequest, match=r"(?i)HIDE_REQUESTER_MISSING"):
        await bot.decline_chat_join_request(group.id, carol.id)
    plain = await bot.create_chat_invite_link(group.id, member_limit=1, expire_date=None)
    assert await dave.join(plain.invite_link) is None and dave.in_chat(group) == "member"
    edited = await bot.edit_chat_invite_link(group.id, plain.invite_link, name="nieuw")
    assert edited.name == "nieuw"
    revoked = await bot.revoke_chat_invite_link(group.id, plain.invite_link)
    assert revoked.is_revoked
    with pytest.raises(BadRequest):
        await bot.edit_chat_invite_link(group.id, plain.invite_link, name="x")
    primary = await bot.export_chat_invite_link(group.id)
    assert primary.startswith("https://t.me/+")


async def test_polls(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    bob = sb.add_user("Bob")
    group = sb.add_group("G", members=[alice, bob], admins=[alice])
    await group.add_bot(by=alice)
    sent = await bot.send_poll(group.id, "Meedoen?", ["Ja", "Nee"], is_anonymous=False)
    assert sent.poll is not None and not sent.poll.is_anonymous
    message = await group.expect("Meedoen?")
    await alice.answer_poll(message, [0])
    await bob.answer_poll(message, [1])
    await bob.answer_poll(message, [])  # retract
    answers = [u.poll_answer for u in await bot.get_updates() if u.poll_answer]
    assert [(a.user.id, a.option_ids) for a in answers] == [
        (alice.id, (0,)),
        (bob.id, (1,)),
        (bob.id, ()),
    ]
    stopped = await bot.stop_poll(group.id, sent.message_id)
    assert stopped.is_closed and [o.voter_count for o in stopped.options] == [1, 0]
    with pytest.raises(BadRequest, match=r"(?i)poll has already been closed"):
        await bot.stop_poll(group.id, sent.message_id)
    with pytest.raises(AssertionError, match=r"(?i)closed"):
        await bob.answer_poll(message, [0])
    one = await bot.send_poll(group.id, "Eén optie?", ["Ja"])  # Bot API 10.1: 1-12 options
    assert one.poll is not None and [o.text for o in one.poll.options] == ["Ja"]
    with pytest.raises(BadRequest, match=r"(?i)poll must have at least 1 option"):
        await bot.send_poll(group.id, "Geen optie?", [])


async def test_venue_contact_copy_forward(bot: Bot, alice: SimUser) -> None:
    venue = await bot.send_venue(alice.id, 52.37, 4.89, "Buurthuis", "Dorpsstraat 1")
    assert venue.venue is not None and venue.venue.title == "Buurthuis"
    contact = await bot.send_contact(alice.id, "+31201234567", "Wijkagent")
    assert contact.contact is not None and contact.contact.first_name == "Wijkagent"
    copied = await bot.copy_message(alice.id, alice.id, contact.message_id)
    assert copied.message_id > contact.message_id
    text = await bot.send_message(alice.id, "origineel")
    forwarded = await bot.forward_message(alice.id, alice.id, text.message_id)
    assert forwarded.forward_origin is not None and forwarded.text == "origineel"


# ---------------------------------------------------------------- fault injection


async def test_injected_5xx_does_not_perform_the_action(
    sb: Sandbox, bot: Bot, alice: SimUser
) -> None:
    sb.faults.fail_next("sendMessage", error_code=502, description="Bad Gateway")
    with pytest.raises(NetworkError, match=r"(?i)Bad Gateway"):
        await bot.send_message(alice.id, "een")
    assert alice.private_chat.bot_messages() == []
    await bot.send_message(alice.id, "een")
    assert len(alice.private_chat.bot_messages()) == 1
    sb.faults.fail_next("sendMessage", chat_id=alice.id, error_code=500)
    with pytest.raises(TelegramError, match=r"(?i)Internal Server Error"):
        await bot.send_message(alice.id, "twee")


async def test_injected_429(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    sb.faults.fail_next("sendMessage", error_code=429, retry_after=7)
    with pytest.raises(RetryAfter) as info:
        await bot.send_message(alice.id, "x")
    assert seconds(info.value) == 7 and sb.flood_429_count == 1


async def test_dropped_connection(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    sb.faults.drop_next("sendMessage")
    with pytest.raises(NetworkError):
        await bot.send_message(alice.id, "weg")
    assert alice.private_chat.bot_messages() == [] and sb.requests[-1].dropped
    await bot.send_message(alice.id, "weer")
    assert len(alice.private_chat.bot_messages()) == 1


async def test_slow_and_random_faults(sb: Sandbox, bot: Bot, alice: SimUser) -> None:
    sb.faults.slow("getMe", 0.3)
    started = time.monotonic()
    await bot.get_me()
    assert time.monotonic() - started >= 0.3
    sb.faults.clear()
    sb.faults.random_errors(rate_5xx=0.5, seed=1)
    outcomes = []
    for _ in range(10):
        try:
            await bot.send_chat_action(alice.id, "typing")
            outcomes.append(True)
        except NetworkError:
            outcomes.append(False)
    assert True in outcomes and False in outcomes
    sb.faults.clear()
    assert await bot.send_chat_action(alice.id, "typing")

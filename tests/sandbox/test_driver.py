"""The sandbox driver (simulated users and chats) with a real python-telegram-bot Application."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatJoinRequestHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    PollAnswerHandler,
    filters,
)

from sandbox import Sandbox, SandboxUsageError, SimMessage

LANGS = InlineKeyboardMarkup(
    [[InlineKeyboardButton("Nederlands", callback_data="lang:nl")],
     [InlineKeyboardButton("English", callback_data="lang:en")]]
)  # fmt: skip


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None
    payload = " ".join(context.args or [])
    await update.effective_message.reply_text(
        f"Welkom! {payload}".strip() + "\nKies je taal:", reply_markup=LANGS
    )


async def choose(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer("Opgeslagen")
    await query.edit_message_text(f"Taal: {query.data.split(':')[1]}")


async def link(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None and update.effective_message is not None
    invite = await context.bot.create_chat_invite_link(
        update.effective_chat.id, creates_join_request=True
    )
    await update.effective_message.reply_text(invite.invite_link)


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_message is not None and update.effective_message.text
    await update.effective_message.reply_text(f"Je zei: {update.effective_message.text}")


async def contact(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    assert message is not None and message.contact is not None
    await message.reply_text(f"Nummer {message.contact.phone_number} van {message.contact.user_id}")


async def poll(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.effective_chat is not None
    await context.bot.send_poll(
        update.effective_chat.id, "Komt u?", ["Ja", "Nee", "Misschien"], is_anonymous=False
    )


async def poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.poll_answer is not None and update.poll_answer.user is not None
    context.bot_data.setdefault("votes", []).append(update.poll_answer.option_ids)


async def join_request(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.chat_join_request is not None
    await update.chat_join_request.approve()


async def member_change(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.my_chat_member is not None
    context.bot_data.setdefault("my_status", []).append(
        update.my_chat_member.new_chat_member.status
    )


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with Sandbox(flood_limits=False) as sandbox:
        yield sandbox


@pytest.fixture
async def app(sb: Sandbox) -> AsyncIterator[Application]:
    application = Application.builder().token(sb.token).base_url(f"{sb.base_url}/bot").build()
    application.add_handler(CommandHandler("start", start))
    application.add_handler(CommandHandler("link", link))
    application.add_handler(CommandHandler("poll", poll))
    application.add_handler(CallbackQueryHandler(choose, pattern="^lang:"))
    application.add_handler(MessageHandler(filters.CONTACT, contact))
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, echo))
    application.add_handler(PollAnswerHandler(poll_answer))
    application.add_handler(ChatJoinRequestHandler(join_request))
    application.add_handler(ChatMemberHandler(member_change, ChatMemberHandler.MY_CHAT_MEMBER))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0, timeout=5, allowed_updates=Update.ALL_TYPES
        )
        await application.start()
        yield application
        await application.updater.stop()
        await application.stop()


async def test_start_press_and_edit(sb: Sandbox, app: Application) -> None:
    alice = sb.add_user("Alice", username="alice")
    await alice.send("/start abc")
    welcome = await alice.expect("Welkom! abc")
    assert welcome.button_texts() == ["Nederlands", "English"]
    assert welcome.buttons[1][0].callback_data == "lang:en"
    query = await alice.press(welcome, "English")
    assert (await query.answered())["text"] == "Opgeslagen"
    await sb.wait_for(lambda: welcome.text == "Taal: en")
    assert welcome.edits == ["Welkom! abc\nKies je taal:"] and welcome.buttons == []
    text = sb.transcript()
    assert "── Private chat with Alice (@alice) ──" in text
    assert "Alice: /start abc" in text
    assert "  [ Nederlands ]" in text and "Alice pressed [English]" in text
    assert "Bot edited its message: Taal: en" in text
    assert "\n     Kies je taal:" in text  # continuation lines are indented


async def test_expect_cursor_pattern_and_timeout(sb: Sandbox, app: Application) -> None:
    alice = sb.add_user("Alice")
    await alice.send("/start")
    await alice.send("eerste")
    await alice.send("tweede")
    assert (await alice.expect(re.compile(r"zei: tweede"))).text == "Je zei: tweede"
    with pytest.raises(AssertionError, match="Transcript") as info:
        await alice.expect("eerste", timeout=0.2)  # cursor already passed it
    assert "Alice: eerste" in str(info.value)
    assert [m.text for m in alice.private_chat.bot_messages()][1:] == [
        "Je zei: eerste",
        "Je zei: tweede",
    ]


async def test_forged_and_missing_buttons(sb: Sandbox, app: Application) -> None:
    alice = sb.add_user("Alice")
    await alice.send("/start")
    welcome = await alice.expect("Welkom")
    with pytest.raises(SandboxUsageError, match="no button 'Deutsch'"):
        await alice.press(welcome, "Deutsch")
    forged = await alice.press(welcome, data="lang:xx")  # not on the message: forging
    await forged.answered()
    await sb.wait_for(lambda: welcome.text == "Taal: xx")
    assert sb.callback_answers[-1]["callback_query_id"] == forged.id


async def test_groups_privacy_and_invite_flow(sb: Sandbox, app: Application) -> None:
    alice, bob = sb.add_user("Alice"), sb.add_user("Bob")
    group = sb.add_group("Wijk Noord", members=[alice], admins=[alice])
    await group.add_bot(by=alice)
    await sb.wait_for(lambda: app.bot_data.get("my_status") == ["member"])
    await alice.send("gewoon kletsen", chat=group)  # privacy mode: not for the bot
    await alice.send("/link@bondgenoten_bot", chat=group)
    with pytest.raises(AssertionError):
        await group.expect("https://t.me/+", timeout=0.5)  # no rights yet -> error in handler
    await group.set_bot_rights(by=alice, rights={"can_invite_users": True})
    await alice.send("/link", chat=group)
    invite = await group.expect("https://t.me/+")
    assert invite.text is not None
    request = await bob.join(invite.text)
    assert request is not None
    await sb.wait_for(lambda: request.approved)
    assert bob.in_chat(group) == "member"
    assert not any(m.text == "Je zei: gewoon kletsen" for m in group.bot_messages())
    text = sb.transcript(chats=[group])
    assert '── Group "Wijk Noord" ──' in text
    assert "Bob asked to join via invite link" in text
    assert "Bot approved Bob's join request" in text
    assert "Bob joined" in text


async def test_polls_contacts_and_scenes(sb: Sandbox, app: Application) -> None:
    alice, bob = sb.add_user("Alice"), sb.add_user("Bob")
    group = sb.add_group("Wijk", members=[alice, bob], admins=[alice])
    await group.add_bot(by=alice)
    marker = sb.mark()
    await alice.send("/poll", chat=group)
    message = await group.expect("Komt u?")
    assert message.poll is not None and message.poll.options == ["Ja", "Nee", "Misschien"]
    await alice.answer_poll(message, [0])
    await bob.answer_poll(message, [1])
    await sb.wait_for(lambda: len(app.bot_data.get("votes", [])) == 2)
    assert [u.first_name for u in message.poll.voters_of(0)] == ["Alice"]
    scene = sb.transcript(since=marker)
    assert "Alice: /poll" in scene and "Alice added" not in scene
    assert 'Bot: 📊 Poll "Komt u?" — Ja 1 · Nee 1 · Misschien 0' in scene
    assert "Bob answered the poll: Nee" in scene
    await alice.share_contact(phone_number="+31612345678")
    reply = await alice.expect("Nummer +31612345678")
    assert reply.text == f"Nummer +31612345678 van {alice.id}"


async def test_block_unblock_and_migration(sb: Sandbox, app: Application) -> None:
    alice = sb.add_user("Alice")
    await alice.send("/start")
    await alice.expect("Welkom")
    await alice.block_bot()
    await sb.wait_for(lambda: app.bot_data.get("my_status") == ["kicked"])
    with pytest.raises(SandboxUsageError):
        await alice.send("hallo")
    await alice.unblock_bot()
    await sb.wait_for(lambda: app.bot_data.get("my_status") == ["kicked", "member"])
    group = sb.add_group("Wijk", members=[alice], admins=[alice])
    await group.add_bot(by=alice)
    new_id = await group.migrate_to_supergroup(by=alice)
    assert sb.chat(new_id).type == "supergroup" and group.resolve().id == new_id
    await alice.send("/start", chat=group)  # follows the migration
    answer = await group.expect("Welkom")
    assert answer.chat.id == new_id
    assert "Group upgraded to a supergroup" in sb.transcript()


async def test_sim_message_roundtrip_through_ptb(sb: Sandbox) -> None:
    alice = sb.add_user("Alice", last_name="de Vries", username="alice")
    group = sb.add_group("Wijk", members=[alice], admins=[alice], supergroup=True)
    await group.add_bot(by=alice, rights={"can_pin_messages": True})
    sent: SimMessage = await alice.send("/start@bondgenoten_bot hoi", chat=group)
    reply = await alice.send("en nu?", reply_to=sent)
    for message in (sent, reply, *group.messages):
        parsed = Message.de_json(message.to_api(), None)
        assert parsed is not None and parsed.chat.id == group.id
    assert reply.to_api()["reply_to_message"]["message_id"] == sent.message_id
    entity = sent.entities[0]
    assert (entity["type"], entity["offset"], entity["length"]) == ("bot_command", 0, 22)
    assert alice.in_chat(group) == "creator"

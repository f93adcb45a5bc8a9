"""Several chats at once, each chat in order: one person's slow answer does not hold up
another's, and a person's own messages are answered in the order they were sent."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from telegram import Chat, ChatJoinRequest, Message, Update, User

from bot.app import BotApplication
from bot.updates import ChatOrderedUpdates, keys_of
from sandbox import Sandbox


def replies_to(sandbox: Sandbox, chat_id: int) -> list[str]:
    return [
        str(r.params.get("text", ""))
        for r in sandbox.requests
        if r.ok and r.method == "sendMessage" and r.params.get("chat_id") == chat_id
    ]


def asked(sandbox: Sandbox, chat_id: int) -> bool:
    """The bot's answer to this chat is on its way to Telegram."""
    return any(r.params.get("chat_id") == chat_id for r in sandbox.requests)


async def test_a_slow_answer_in_one_chat_does_not_hold_up_another(
    app: BotApplication, sandbox: Sandbox
) -> None:
    anna = sandbox.add_user("Anna", language_code="en")
    bram = sandbox.add_user("Bram", language_code="en")
    sandbox.faults.slow("sendMessage", 3, chat_id=anna.id)  # Telegram is slow for Anna's chat
    await anna.send("/help")
    await sandbox.wait_for(
        lambda: any(r.params.get("chat_id") == anna.id for r in sandbox.requests)
    )
    await bram.send("/help")
    await bram.expect(None)
    assert replies_to(sandbox, anna.id) == []  # Bram was answered while Anna's answer waited
    await anna.expect(None)


async def test_one_persons_messages_are_answered_in_order(
    app: BotApplication, sandbox: Sandbox
) -> None:
    anna = sandbox.add_user("Anna", language_code="en")
    sandbox.faults.slow("sendMessage", 2, chat_id=anna.id)
    await anna.send("/help")
    await sandbox.wait_for(
        lambda: any(r.params.get("chat_id") == anna.id for r in sandbox.requests)
    )
    sandbox.faults.slow("sendMessage", 0, chat_id=anna.id)  # her next answer would be quick
    await anna.send("/privacy")
    first = await anna.expect(None)
    second = await anna.expect(None)
    # /help's answer first, though /privacy's could have been sent seconds earlier.
    assert "What you can do here" in (first.text or "")
    assert "What you can do here" not in (second.text or "")
    assert len(replies_to(sandbox, anna.id)) == 2


def test_an_update_waits_for_its_chat_and_its_person() -> None:
    person = User(7, "Anna", False)
    message = Message(1, None, Chat(-100, "supergroup"), from_user=person)  # type: ignore[arg-type]
    assert keys_of(Update(1, message=message)) == ["chat:-100", "user:7"]
    assert keys_of(Update(2)) == []


async def test_a_persons_update_keeps_its_place_behind_a_busy_group() -> None:
    """Ayşe's repeated join request waits for the group's earlier update; her /help, though
    its own chat is free, waits for her join request."""
    ayse, bot_user = User(7, "Ayşe", False), User(1, "Bot", True)
    group, private = Chat(-100, "supergroup"), Chat(7, "private")
    now = datetime(2026, 12, 6, tzinfo=UTC)
    earlier = Update(1, message=Message(1, now, group, from_user=bot_user))
    request = Update(2, chat_join_request=ChatJoinRequest(group, ayse, now, user_chat_id=7))
    help_ = Update(3, message=Message(2, now, private, from_user=ayse))
    processor = ChatOrderedUpdates()
    done: list[int] = []
    release = asyncio.Event()

    async def handle(update: Update, wait: bool = False) -> None:
        if wait:
            await release.wait()
        done.append(update.update_id)

    tasks = [
        asyncio.create_task(processor.process_update(earlier, handle(earlier, wait=True))),
        asyncio.create_task(processor.process_update(request, handle(request))),
        asyncio.create_task(processor.process_update(help_, handle(help_))),
    ]
    await asyncio.sleep(0.05)
    assert done == []  # the group is busy: the request waits, and /help waits for it
    release.set()
    await asyncio.gather(*tasks)
    assert done == [1, 2, 3]

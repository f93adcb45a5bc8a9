"""What simulated users do, and the updates Telegram would send the bot for it.

Every action changes the world at once and queues the matching updates; it never
waits for the bot. Misuse that a real Telegram client would not allow (pressing a
button that is not there, answering a closed poll, writing in a group one is not a
member of) raises ``SandboxUsageError``: that is a bug in the test, not in the bot.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sandbox._api import utf16_len
from sandbox.world import (
    PRESENT,
    InviteLink,
    JoinRequest,
    Membership,
    SimCallback,
    SimChat,
    SimMessage,
    SimUser,
    World,
)

_COMMAND = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,})?")


class SandboxUsageError(AssertionError):
    """A driver call that no real Telegram client could make."""


# ---------------------------------------------------------------- helpers


def _status_dict(world: World, chat: SimChat, user: SimUser) -> dict[str, Any]:
    member = chat.members.get(user.id)
    return member.to_api() if member else {"status": "left", "user": user.to_api()}


def chat_member_changed(
    world: World,
    chat: SimChat,
    user: SimUser,
    old: dict[str, Any],
    *,
    by: SimUser,
    invite_link: InviteLink | None = None,
    via_join_request: bool = False,
) -> None:
    """Queue my_chat_member (for the bot) or chat_member (bot must be admin)."""
    new = _status_dict(world, chat, user)
    payload: dict[str, Any] = {
        "chat": chat.to_api(),
        "from": by.to_api(),
        "date": world.now(),
        "old_chat_member": old,
        "new_chat_member": new,
    }
    if invite_link is not None:
        payload["invite_link"] = invite_link.to_api()
    if via_join_request:
        payload["via_join_request"] = True
    if user is world.bot_user:
        world.push_update("my_chat_member", payload)
    elif world.bot_is_admin(chat):
        world.push_update("chat_member", payload)


def bot_receives(world: World, message: SimMessage) -> bool:
    """Whether Telegram hands this message to the bot (membership + privacy mode)."""
    chat = message.chat
    if chat.type == "private":
        return chat.user is not None and not chat.user.blocked
    member = world.bot_membership(chat)
    if member is None or not member.present:
        return False
    if not world.privacy_mode or world.bot_is_admin(chat) or message.is_service:
        return True
    if message.reply_to is not None and message.reply_to.from_bot:
        return True
    for entity in message.entities:
        if entity["type"] == "bot_command" and entity["offset"] == 0 and message.text:
            command = message.text[: entity["length"]]
            target = command.partition("@")[2]
            if not target or target.lower() == (world.bot_user.username or "").lower():
                return True
    return False


def deliver(world: World, message: SimMessage) -> None:
    if bot_receives(world, message):
        world.push_update("message", message.to_api())


def _command_entities(text: str) -> list[dict[str, Any]]:
    entities = []
    for match in _COMMAND.finditer(text):
        entities.append(
            {
                "type": "bot_command",
                "offset": utf16_len(text[: match.start()]),
                "length": utf16_len(match.group()),
            }
        )
    return entities


def _writable_chat(world: World, user: SimUser, chat: SimChat | None) -> SimChat:
    if chat is None:
        chat = user.private_chat
        if user.blocked:
            raise SandboxUsageError(f"{user.first_name} blocked the bot; unblock_bot() first")
        user.started = True
        return chat
    chat = chat.resolve()
    if chat.type == "private":
        if chat is not user.private_chat:
            raise SandboxUsageError("users can only write in their own chat with the bot")
        return _writable_chat(world, user, None)
    member = chat.members.get(user.id)
    if member is None or not member.present:
        raise SandboxUsageError(f"{user.first_name} is not a member of {chat.label}")
    if member.status == "restricted" and not member.permissions.get("can_send_messages"):
        raise SandboxUsageError(f"{user.first_name} may not send messages in {chat.label}")
    return chat


# ---------------------------------------------------------------- messages


def user_send(
    world: World,
    user: SimUser,
    text: str,
    *,
    chat: SimChat | None = None,
    reply_to: SimMessage | None = None,
) -> SimMessage:
    if chat is None and reply_to is not None:
        chat = reply_to.chat
    target = _writable_chat(world, user, chat)
    if reply_to is not None and reply_to.chat.resolve() is not target:
        raise SandboxUsageError("reply_to must be a message of the same chat")
    message = world.add_message(
        target, user, text=text, entities=_command_entities(text), reply_to=reply_to
    )
    member = target.members.get(user.id)
    if target.type == "supergroup" and member is not None and member.tag:
        message.extra["sender_tag"] = member.tag  # Bot API: "for supergroups only"
    deliver(world, message)
    return message


def share_contact(
    world: World, user: SimUser, phone_number: str, *, chat: SimChat | None = None
) -> SimMessage:
    target = _writable_chat(world, user, chat)
    contact: dict[str, Any] = {
        "phone_number": phone_number,
        "first_name": user.first_name,
        "user_id": user.id,
    }
    if user.last_name:
        contact["last_name"] = user.last_name
    message = world.add_message(target, user, contact=contact)
    deliver(world, message)
    return message


def send_contact(
    world: World,
    user: SimUser,
    phone_number: str,
    first_name: str,
    *,
    last_name: str | None = None,
    user_of: SimUser | None = None,
) -> SimMessage:
    """Someone's card from the address book; Telegram adds `user_id` when that number belongs
    to a Telegram account the sender may see."""
    target = _writable_chat(world, user, None)
    contact: dict[str, Any] = {"phone_number": phone_number, "first_name": first_name}
    if last_name:
        contact["last_name"] = last_name
    if user_of is not None:
        contact["user_id"] = user_of.id
    message = world.add_message(target, user, contact=contact)
    deliver(world, message)
    return message


def forward(
    world: World, user: SimUser, author: SimUser, text: str, *, hidden: bool = False
) -> SimMessage:
    """`user` forwards to the bot what `author` wrote elsewhere (MessageOriginUser, or
    MessageOriginHiddenUser when the author hides their account in forwards)."""
    target = _writable_chat(world, user, None)
    origin: dict[str, Any] = (
        {"type": "hidden_user", "date": world.now() - 60, "sender_user_name": author.full_name}
        if hidden
        else {"type": "user", "date": world.now() - 60, "sender_user": author.to_api()}
    )
    message = world.add_message(
        target, user, text=text, entities=[], extra={"forward_origin": origin}
    )
    deliver(world, message)
    return message


def _keyboard_button(
    world: World, user: SimUser, wanted: str, match: Callable[[dict[str, Any]], bool]
) -> dict[str, Any]:
    """The button of the reply keyboard `user` sees in the private chat that `match`es."""
    rows = user.private_chat.reply_keyboard
    if rows is None:
        raise SandboxUsageError(f"{user.first_name} sees no reply keyboard with {wanted}")
    for row in rows:
        for button in row:
            if match(button):
                return button
    shown = [button["text"] for row in rows for button in row]
    raise SandboxUsageError(f"no {wanted} on the reply keyboard; buttons: {shown}")


def tap(world: World, user: SimUser, text: str) -> SimMessage:
    button = _keyboard_button(world, user, f"button {text!r}", lambda b: b["text"] == text)
    special = [key for key in button if key not in ("text", "icon_custom_emoji_id", "style")]
    if special:
        raise SandboxUsageError(
            f"button {text!r} is a {special[0]} button: use share_users/send_location/"
            "share_contact instead of tap"
        )
    return user_send(world, user, text)


def share_users(world: World, user: SimUser, request_id: int, picked: list[SimUser]) -> SimMessage:
    """What Telegram's user picker sends (td: RequestedDialogType::check_shared_dialog)."""
    chat = _writable_chat(world, user, None)
    button = _keyboard_button(
        world,
        user,
        f"request_users button {request_id}",
        lambda b: (b.get("request_users") or {}).get("request_id") == request_id,
    )
    request = button["request_users"]
    if not picked:
        raise SandboxUsageError("Too few chats are chosen")
    if len(picked) > max(int(request.get("max_quantity") or 1), 1):
        raise SandboxUsageError("Too many chats are chosen")
    if "user_is_bot" in request and any(p.is_bot != bool(request["user_is_bot"]) for p in picked):
        raise SandboxUsageError("Wrong is_bot value")
    if len({p.id for p in picked}) != len(picked):
        raise SandboxUsageError("the picker chooses each user once")
    shared = []
    for person in picked:
        item: dict[str, Any] = {"user_id": person.id}
        if request.get("request_name"):
            item["first_name"] = person.first_name
            if person.last_name:
                item["last_name"] = person.last_name
        if request.get("request_username") and person.username:
            item["username"] = person.username
        shared.append(item)
    message = world.add_message(
        chat, user, service={"users_shared": {"request_id": request_id, "users": shared}}
    )
    deliver(world, message)
    return message


def _location(latitude: float, longitude: float) -> dict[str, float]:
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise SandboxUsageError(f"no such place on the map: {latitude}, {longitude}")
    return {"latitude": float(latitude), "longitude": float(longitude)}


def send_location(
    world: World, user: SimUser, latitude: float, longitude: float, *, via_button: bool
) -> SimMessage:
    chat = _writable_chat(world, user, None)
    location = _location(latitude, longitude)
    if via_button:
        _keyboard_button(
            world, user, "request_location button", lambda b: bool(b.get("request_location"))
        )
    message = world.add_message(chat, user, extra={"location": location})
    deliver(world, message)
    return message


def send_venue(
    world: World, user: SimUser, latitude: float, longitude: float, title: str, address: str
) -> SimMessage:
    chat = _writable_chat(world, user, None)
    location = _location(latitude, longitude)
    venue = {"location": location, "title": title, "address": address}
    message = world.add_message(chat, user, venue=venue, extra={"location": location})
    deliver(world, message)
    return message


def press(
    world: World, user: SimUser, message: SimMessage, text: str | None, *, data: str | None
) -> SimCallback:
    chat = message.chat
    if message.deleted:
        raise SandboxUsageError("cannot press a button on a deleted message")
    if chat.type == "private" and chat.user is not user:
        raise SandboxUsageError(f"{user.first_name} cannot see {chat.label}")
    if chat.is_group:
        member = chat.members.get(user.id)
        if member is None or not member.present:
            raise SandboxUsageError(f"{user.first_name} is not a member of {chat.label}")
    if data is None:
        if text is None:
            raise SandboxUsageError("press() needs a button text or data=")
        buttons = [b for row in message.buttons for b in row if b.text == text]
        if not buttons:
            raise SandboxUsageError(
                f"no button {text!r} on the message; buttons: {message.button_texts()}"
            )
        if buttons[0].copy_text is not None:
            raise SandboxUsageError(f"button {text!r} copies text: tap it with copy()")
        if buttons[0].callback_data is None:
            raise SandboxUsageError(f"button {text!r} has no callback_data (url={buttons[0].url})")
        data = buttons[0].callback_data
        label = text
    else:
        label = text or next(
            (b.text for row in message.buttons for b in row if b.callback_data == data),
            f"data={data!r}",
        )
    query = SimCallback(
        id=str(4_300_000_000_000_000 + world.next_counter() * 7919),
        user=user,
        message=message,
        data=data,
        chat_instance=world.chat_instance(chat),
        world=world,
    )
    world.callbacks[query.id] = query
    world.record(chat, "press", user.full_name, label, message)
    world.push_update(
        "callback_query",
        {
            "id": query.id,
            "from": user.to_api(),
            "message": message.to_api(),
            "chat_instance": query.chat_instance,
            "data": data,
        },
    )
    return query


def copy(world: World, user: SimUser, message: SimMessage, text: str) -> str:
    """A CopyTextButton tapped: its text goes to the user's clipboard; no update (Telegram
    copies in the app and tells the bot nothing)."""
    chat = message.chat
    if message.deleted:
        raise SandboxUsageError("cannot tap a button on a deleted message")
    if chat.type == "private" and chat.user is not user:
        raise SandboxUsageError(f"{user.first_name} cannot see {chat.label}")
    if chat.is_group:
        member = chat.members.get(user.id)
        if member is None or not member.present:
            raise SandboxUsageError(f"{user.first_name} is not a member of {chat.label}")
    found = [b for row in message.buttons for b in row if b.text == text]
    if not found:
        raise SandboxUsageError(
            f"no button {text!r} on the message; buttons: {message.button_texts()}"
        )
    copied = found[0].copy_text
    if copied is None:
        raise SandboxUsageError(f"button {text!r} copies nothing: press() it")
    user.clipboard = copied
    world.record(chat, "copy", user.full_name, text, message)
    return copied


def answer_poll(world: World, user: SimUser, message: SimMessage, option_ids: list[int]) -> None:
    poll = message.poll
    if poll is None:
        raise SandboxUsageError("message has no poll")
    if poll.is_closed:
        raise SandboxUsageError("the poll is closed")
    if any(not 0 <= i < len(poll.options) for i in option_ids):
        raise SandboxUsageError(f"option ids out of range: {option_ids}")
    if len(option_ids) > 1 and not poll.allows_multiple_answers:
        raise SandboxUsageError("poll allows only one answer")
    chat = message.chat
    if chat.is_group and user.in_chat(chat) not in PRESENT:
        raise SandboxUsageError(f"{user.first_name} is not a member of {chat.label}")
    if option_ids:
        poll.votes[user.id] = list(option_ids)
        poll.voters[user.id] = user
        chosen = ", ".join(poll.options[i] for i in option_ids)
        world.record(chat, "poll_answer", user.full_name, chosen, message)
    else:
        poll.votes.pop(user.id, None)
        world.record(chat, "poll_retract", user.full_name, "", message)
    world.push_update("poll", poll.to_api())
    if not poll.is_anonymous:
        world.push_update(
            "poll_answer",
            {
                "poll_id": poll.id,
                "user": user.to_api(),
                "option_ids": list(option_ids),
                "option_persistent_ids": [str(i) for i in option_ids],
            },
        )


# ---------------------------------------------------------------- membership


def _find_link(world: World, url: str) -> InviteLink:
    for chat in world.chats.values():
        for link in chat.invite_links:
            if link.url == url:
                return link
    raise SandboxUsageError(f"unknown invite link {url!r}")


def add_member(
    world: World,
    chat: SimChat,
    user: SimUser,
    *,
    by: SimUser,
    link: InviteLink | None = None,
    via_join_request: bool = False,
) -> None:
    old = _status_dict(world, chat, user)
    chat.members[user.id] = Membership(user, "member")
    message = world.add_message(chat, by, service={"new_chat_members": [user.to_api()]})
    if user is not by:
        message.service["new_chat_member"] = user.to_api()
    deliver(world, message)
    chat_member_changed(
        world, chat, user, old, by=by, invite_link=link, via_join_request=via_join_request
    )


def join(world: World, user: SimUser, url: str) -> JoinRequest | None:
    link = _find_link(world, url)
    chat = link.chat.resolve()
    now = world.now()
    if link.is_revoked:
        raise SandboxUsageError("invite link was revoked")
    if link.expire_date is not None and link.expire_date <= now:
        raise SandboxUsageError("invite link has expired")
    if link.member_limit is not None and link.joined >= link.member_limit:
        raise SandboxUsageError("invite link reached its member limit")
    status = user.in_chat(chat)
    if status in PRESENT:
        raise SandboxUsageError(f"{user.first_name} is already a member of {chat.label}")
    if status == "kicked":
        raise SandboxUsageError(f"{user.first_name} is banned from {chat.label}")
    if link.creates_join_request:
        if any(r.user is user and r.pending for r in chat.join_requests):
            raise SandboxUsageError("a join request is already pending")
        request = JoinRequest(chat, user, link, now)
        chat.join_requests.append(request)
        user.reachable_until = world.clock() + 300  # Telegram: user_chat_id valid 5 minutes
        world.record(chat, "join_request", user.full_name)
        bot = world.bot_membership(chat)
        if bot is not None and bot.can("can_invite_users"):
            world.push_update(
                "chat_join_request",
                {
                    "chat": chat.to_api(),
                    "from": user.to_api(),
                    "user_chat_id": user.id,
                    "date": now,
                    "invite_link": link.to_api(),
                },
            )
        return request
    link.joined += 1
    add_member(world, chat, user, by=user, link=link)
    return None


def leave(world: World, user: SimUser, chat: SimChat) -> None:
    chat = chat.resolve()
    if user.in_chat(chat) not in PRESENT:
        raise SandboxUsageError(f"{user.first_name} is not a member of {chat.label}")
    old = _status_dict(world, chat, user)
    chat.members[user.id] = Membership(user, "left")
    message = world.add_message(chat, user, service={"left_chat_member": user.to_api()})
    deliver(world, message)
    chat_member_changed(world, chat, user, old, by=user)


def set_blocked(world: World, user: SimUser, blocked: bool) -> None:
    if user.blocked == blocked:
        raise SandboxUsageError(f"{user.first_name} has {'already' if blocked else 'not'} blocked")
    chat = user.private_chat
    bot = world.bot_user
    old: dict[str, Any] = (
        {"status": "kicked", "user": bot.to_api(), "until_date": 0}
        if user.blocked
        else {"status": "member", "user": bot.to_api()}
    )
    user.blocked = blocked
    if blocked:
        new: dict[str, Any] = {"status": "kicked", "user": bot.to_api(), "until_date": 0}
    else:
        new = {"status": "member", "user": bot.to_api()}
        user.started = True
    world.record(chat, "blocked" if blocked else "unblocked", user.full_name)
    world.push_update(
        "my_chat_member",
        {
            "chat": chat.to_api(),
            "from": user.to_api(),
            "date": world.now(),
            "old_chat_member": old,
            "new_chat_member": new,
        },
    )


def _require_admin(chat: SimChat, by: SimUser, right: str | None = None) -> None:
    member = chat.members.get(by.id)
    if member is None or member.status not in ("creator", "administrator"):
        raise SandboxUsageError(f"{by.first_name} is not an administrator of {chat.label}")
    if right and not member.can(right):
        raise SandboxUsageError(f"{by.first_name} lacks {right} in {chat.label}")


def add_bot(world: World, chat: SimChat, by: SimUser, rights: dict[str, bool] | None) -> None:
    chat = chat.resolve()
    bot = world.bot_user
    if by.in_chat(chat) not in PRESENT:
        raise SandboxUsageError(f"{by.first_name} is not a member of {chat.label}")
    if rights is not None:
        _require_admin(chat, by, "can_promote_members")
    current = world.bot_membership(chat)
    if current is not None and current.present:
        raise SandboxUsageError(f"the bot is already in {chat.label}")
    old = _status_dict(world, chat, bot)
    if rights is None:
        chat.members[bot.id] = Membership(bot, "member")
    else:
        chat.members[bot.id] = Membership(bot, "administrator", rights=dict(rights))
    chat_member_changed(world, chat, bot, old, by=by)
    message = world.add_message(
        chat,
        by,
        service={"new_chat_members": [bot.to_api()], "new_chat_member": bot.to_api()},
    )
    deliver(world, message)


def set_bot_rights(
    world: World, chat: SimChat, by: SimUser, rights: dict[str, bool] | None
) -> None:
    chat = chat.resolve()
    _require_admin(chat, by, "can_promote_members")
    bot = world.bot_user
    current = world.bot_membership(chat)
    if current is None or not current.present:
        raise SandboxUsageError(f"the bot is not in {chat.label}")
    old = current.to_api()
    if rights is None:
        chat.members[bot.id] = Membership(bot, "member")
    else:
        chat.members[bot.id] = Membership(bot, "administrator", rights=dict(rights))
    verb = "made the bot an admin" if rights else "removed the bot's admin rights"
    world.record(chat, "rights", by.full_name, verb)
    chat_member_changed(world, chat, bot, old, by=by)


def remove_bot(world: World, chat: SimChat, by: SimUser) -> None:
    chat = chat.resolve()
    _require_admin(chat, by, "can_restrict_members")
    bot = world.bot_user
    current = world.bot_membership(chat)
    if current is None or not current.present:
        raise SandboxUsageError(f"the bot is not in {chat.label}")
    old = current.to_api()
    status = "kicked" if chat.type == "supergroup" else "left"
    chat.members[bot.id] = Membership(bot, status)
    chat_member_changed(world, chat, bot, old, by=by)
    world.add_message(chat, by, service={"left_chat_member": bot.to_api()})


def migrate(world: World, chat: SimChat, by: SimUser) -> int:
    if chat.type != "group" or chat.migrated_to is not None:
        raise SandboxUsageError(f"{chat.label} is not a basic group")
    _require_admin(chat, by)
    new = SimChat(
        id=world.new_group_id(supergroup=True),
        type="supergroup",
        title=chat.title,
        world=world,
        migrated_from=chat,
    )
    new.members = {
        uid: Membership(m.user, m.status, dict(m.rights)) for uid, m in chat.members.items()
    }
    new.invite_links = chat.invite_links
    for link in new.invite_links:
        link.chat = new
    world.chats[new.id] = new
    old_message = world.add_message(chat, by, service={"migrate_to_chat_id": new.id}, record=False)
    chat.migrated_to = new
    world.record(chat, "migrated", by.full_name, f"{new.id}")
    deliver(world, old_message)
    new_message = world.add_message(
        new, by, service={"migrate_from_chat_id": chat.id}, record=False
    )
    deliver(world, new_message)
    return new.id

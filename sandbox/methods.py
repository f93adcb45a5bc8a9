"""Bot API methods as the sandbox simulates them (behaviour and error wordings).

Each handler gets the sandbox and the parameters already validated by
``ApiSpec.validate`` and returns the ``result`` of a successful answer or raises
``ApiError``. Methods of api.json that are missing here answer 501 "not simulated".
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sandbox import actions
from sandbox._api import ApiError, check_text_length, parse_html
from sandbox.entities import stored_entities
from sandbox.links import LinkError, check_link, link_user_id
from sandbox.spec import MAX_ROW_BUTTONS
from sandbox.world import (
    MEMBER_PERMISSIONS,
    PRESENT,
    InviteLink,
    Membership,
    SimChat,
    SimMessage,
    SimPoll,
    SimUser,
)

if TYPE_CHECKING:
    from sandbox.sandbox import Sandbox

Handler = Callable[["Sandbox", dict[str, Any]], Awaitable[Any]]
HANDLERS: dict[str, Handler] = {}

SENDING_METHODS = frozenset(
    {"sendMessage", "sendPoll", "sendVenue", "sendContact", "copyMessage", "forwardMessage"}
)
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")


def method(name: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[name] = func
        return func

    return register


# ---------------------------------------------------------------- lookups and checks


def _as_int(value: Any, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApiError(400, f"Bad Request: invalid {what} specified") from None


def chat_of(sb: Sandbox, chat_id: Any) -> SimChat:
    """Resolve ``chat_id`` like Telegram, including the migrated-group error."""
    chat: SimChat | None = None
    if isinstance(chat_id, str) and chat_id.startswith("@"):
        chat = None  # public usernames of groups are not simulated
    else:
        chat = sb.chats.get(_as_int(chat_id, "chat_id"))
    if chat is None:
        raise ApiError(400, "Bad Request: chat not found")
    if chat.migrated_to is not None:
        raise ApiError(
            400,
            "Bad Request: group chat was upgraded to a supergroup chat",
            {"migrate_to_chat_id": chat.migrated_to.id},
        )
    return chat


def require_access(sb: Sandbox, chat: SimChat, *, sending: bool = False) -> None:
    """The 403s for chats the bot cannot use."""
    if chat.type == "private":
        user = chat.user
        assert user is not None
        reachable = user.started or sb.clock() < user.reachable_until
        if sending:
            if user.blocked:
                raise ApiError(403, "Forbidden: bot was blocked by the user")
            if not reachable:
                raise ApiError(403, "Forbidden: bot can't initiate conversation with a user")
        elif not reachable and not user.blocked:
            raise ApiError(400, "Bad Request: chat not found")
        return
    member = sb.bot_membership(chat)
    kind = chat.type
    if member is None or member.status == "left":
        raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
    if member.status == "kicked":
        raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
    if (
        sending
        and member.status == "restricted"
        and not member.permissions.get("can_send_messages")
    ):
        raise ApiError(400, "Bad Request: not enough rights to send text messages to the chat")


def group_of(sb: Sandbox, chat_id: Any) -> SimChat:
    chat = chat_of(sb, chat_id)
    require_access(sb, chat)
    return chat


def user_of(sb: Sandbox, user_id: Any) -> SimUser:
    uid = _as_int(user_id, "user_id")
    if uid == sb.bot_user.id:
        return sb.bot_user
    user = sb.users.get(uid)
    if user is None:
        raise ApiError(400, "Bad Request: user not found")
    return user


def _require_right(sb: Sandbox, chat: SimChat, right: str, error: str) -> None:
    member = sb.bot_membership(chat)
    if member is None or not member.can(right):
        raise ApiError(400, error)


def format_text(
    sb: Sandbox, p: dict[str, Any], text_key: str = "text", limit: int = 4096
) -> tuple[str, list[dict[str, Any]], str | None]:
    """Plain text, entities (as Telegram stores them) and the original HTML of a text param.

    As the Bot API server does, a parse_mode wins over entities given as well: these are then
    ignored (telegram-bot-api, Client::get_formatted_text).
    """
    text = p[text_key]
    if not isinstance(text, str):
        text = str(text)
    entity_key = "entities" if text_key == "text" else f"{text_key}_entities"
    mode_key = "parse_mode" if text_key == "text" else f"{text_key}_parse_mode"
    mode = str(p.get(mode_key) or "").lower()
    html: str | None = None
    if mode in ("", "none"):
        plain, entities = text, list(p.get(entity_key) or [])
    elif mode == "html":
        plain, entities = parse_html(text)
        html = text
    elif mode in ("markdownv2", "markdown"):
        raise ApiError(501, f"sandbox: parse_mode {p[mode_key]} is not simulated (use HTML)")
    else:
        raise ApiError(400, "Bad Request: unsupported parse_mode")
    check_text_length(plain, limit)
    try:
        entities = stored_entities(plain, entities, lambda uid: _known_user(sb, uid))
    except LinkError as problem:
        raise ApiError(400, f"Bad Request: entity {problem}") from None
    return plain, entities, html


def _known_user(sb: Sandbox, user_id: int) -> dict[str, Any] | None:
    user = sb.bot_user if user_id == sb.bot_user.id else sb.users.get(user_id)
    return user.to_api() if user is not None else None


# Reply keyboard buttons Telegram allows in private chats only (td/telegram/ReplyMarkup.cpp).
_PRIVATE_ONLY_BUTTONS = (
    ("request_contact", "phone number can be requested in private chats only"),
    ("request_location", "location can be requested in private chats only"),
    ("request_poll", "poll can be requested in private chats only"),
    ("web_app", "web App buttons can be used in private chats only"),
    ("request_users", "users can be requested in private chats only"),
    ("request_chat", "chats can be requested in private chats only"),
)


def stored_markup(chat: SimChat | None, markup: dict[str, Any] | None) -> dict[str, Any] | None:
    """The reply markup as Telegram keeps it, or ApiError where Telegram refuses it.

    Of each row only the first 12 buttons are kept; an inline keyboard without buttons is
    no keyboard at all; a URL button's link is checked and stored normalised; a reply
    keyboard may ask for a contact, location, poll, users or chat in private chats only.
    Telegram keeps no reply keyboard on the message it returns.
    """
    if not markup:
        return None
    if "inline_keyboard" in markup:
        rows = []
        for row in markup["inline_keyboard"]:
            kept = [_stored_inline_button(button) for button in row[:MAX_ROW_BUTTONS]]
            if kept:
                rows.append(kept)
        return {"inline_keyboard": rows} if rows else None
    if "keyboard" in markup:
        for row in markup["keyboard"]:
            for button in row[:MAX_ROW_BUTTONS]:
                if not isinstance(button, dict) or chat is None or chat.type == "private":
                    continue
                for key, refusal in _PRIVATE_ONLY_BUTTONS:
                    if button.get(key):
                        raise ApiError(400, f"Bad Request: {refusal}")
    return markup


def _stored_inline_button(button: dict[str, Any]) -> dict[str, Any]:
    url = button.get("url")
    if not url or link_user_id(url) is not None:
        return button
    try:
        return {**button, "url": check_link(url)}
    except LinkError as problem:
        raise ApiError(400, f"Bad Request: inline keyboard button {problem}") from None


def reply_target(sb: Sandbox, chat: SimChat, p: dict[str, Any]) -> SimMessage | None:
    params = p.get("reply_parameters") or {}
    message_id = params.get("message_id", p.get("reply_to_message_id"))
    allow = params.get("allow_sending_without_reply", p.get("allow_sending_without_reply"))
    if message_id is None:
        return None
    source = chat
    if params.get("chat_id") is not None:
        source = chat_of(sb, params["chat_id"])
    target = source.get_message(_as_int(message_id, "message_id"))
    if target is None and not allow:
        raise ApiError(400, "Bad Request: message to be replied not found")
    return target


def spend_flood(sb: Sandbox, chat: SimChat, p: dict[str, Any], *, edit: bool = False) -> None:
    sb.flood.check(
        chat.id,
        private=chat.type == "private",
        counts_global=not edit,
        paid=bool(p.get("allow_paid_broadcast")),
    )


def send_common(sb: Sandbox, p: dict[str, Any], **fields: Any) -> SimMessage:
    """Shared path of every send*: access, reply, markup, flood, store."""
    chat = chat_of(sb, p["chat_id"])
    require_access(sb, chat, sending=True)
    reply_to = reply_target(sb, chat, p)
    markup = stored_markup(chat, p.get("reply_markup"))
    spend_flood(sb, chat, p)
    options = {
        key: p[key]
        for key in (
            "disable_notification",
            "protect_content",
            "allow_paid_broadcast",
            "link_preview_options",
            "message_effect_id",
        )
        if key in p
    }
    extra: dict[str, Any] = fields.pop("extra", {})
    if p.get("protect_content"):
        extra["has_protected_content"] = True
    return sb.add_message(
        chat, None, reply_to=reply_to, reply_markup=markup, options=options, extra=extra, **fields
    )


def own_message(sb: Sandbox, p: dict[str, Any], missing: str) -> tuple[SimChat, SimMessage]:
    if p.get("inline_message_id"):
        raise ApiError(501, "sandbox: inline messages are not simulated")
    if p.get("chat_id") is None or p.get("message_id") is None:
        raise ApiError(400, "Bad Request: message identifier is not specified")
    chat = chat_of(sb, p["chat_id"])
    require_access(sb, chat, sending=True)
    message = chat.get_message(_as_int(p["message_id"], "message_id"))
    if message is None:
        raise ApiError(400, missing)
    return chat, message


# ---------------------------------------------------------------- bot & updates


@method("getMe")
async def get_me(sb: Sandbox, p: dict[str, Any]) -> Any:
    data = sb.bot_user.to_api()
    data.update(
        can_join_groups=True,
        can_read_all_group_messages=not sb.privacy_mode,
        supports_inline_queries=False,
        can_connect_to_business=False,
        has_main_web_app=False,
    )
    return data


@method("logOut")
async def log_out(sb: Sandbox, p: dict[str, Any]) -> Any:
    return True


@method("close")
async def close(sb: Sandbox, p: dict[str, Any]) -> Any:
    return True


@method("getUpdates")
async def get_updates(sb: Sandbox, p: dict[str, Any]) -> Any:
    if sb.webhook.active:
        raise ApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    return await sb.updates.get_updates(
        offset=p.get("offset"),
        limit=p.get("limit"),
        timeout=p.get("timeout"),
        allowed_updates=p.get("allowed_updates"),
    )


@method("setWebhook")
async def set_webhook(sb: Sandbox, p: dict[str, Any]) -> Any:
    await sb.webhook.set(p)
    return True


@method("deleteWebhook")
async def delete_webhook(sb: Sandbox, p: dict[str, Any]) -> Any:
    await sb.webhook.delete(drop_pending_updates=bool(p.get("drop_pending_updates")))
    return True


@method("getWebhookInfo")
async def get_webhook_info(sb: Sandbox, p: dict[str, Any]) -> Any:
    return sb.webhook.info()


# ---------------------------------------------------------------- commands & profile


def scope_key(sb: Sandbox, scope: dict[str, Any] | None) -> tuple[str, int | None, int | None]:
    """A scope as tdlib's BotCommandScope checks it: a chat the bot can read (a private chat
    only once the person started the bot), and in a private chat only the `chat` scope."""
    scope = scope or {"type": "default"}
    kind = scope.get("type", "default")
    chat_id = scope.get("chat_id")
    user_id = scope.get("user_id")
    if kind == "chat_member":
        user_of(sb, user_id)
    if chat_id is not None:
        chat = chat_of(sb, chat_id)
        require_access(sb, chat)
        if chat.type == "private" and kind != "chat":
            raise ApiError(400, "Bad Request: can't use specified scope in private chats")
        chat_id = chat.id
    return (kind, chat_id, user_id)


def language_key(p: dict[str, Any]) -> str:
    """A two-letter ISO 639-1 code, or none (tdlib's is_valid_language_code)."""
    code = p.get("language_code") or ""
    if code and not re.fullmatch(r"[a-z]{2}", code):
        raise ApiError(400, "Bad Request: invalid language code specified")
    return str(code)


@method("setMyCommands")
async def set_my_commands(sb: Sandbox, p: dict[str, Any]) -> Any:
    commands = p["commands"]
    if len(commands) > 100:
        raise ApiError(400, "Bad Request: too many commands")
    for command in commands:
        if not _COMMAND_NAME.match(str(command.get("command", ""))):
            raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
        if not 1 <= len(str(command.get("description", ""))) <= 256:
            raise ApiError(400, "Bad Request: command description is empty or too long")
    key = (scope_key(sb, p.get("scope")), language_key(p))
    if commands:
        sb.command_sets[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
    else:
        sb.command_sets.pop(key, None)
    sb.notify()
    return True


@method("getMyCommands")
async def get_my_commands(sb: Sandbox, p: dict[str, Any]) -> Any:
    key = (scope_key(sb, p.get("scope")), language_key(p))
    return sb.command_sets.get(key, [])


@method("deleteMyCommands")
async def delete_my_commands(sb: Sandbox, p: dict[str, Any]) -> Any:
    sb.command_sets.pop((scope_key(sb, p.get("scope")), language_key(p)), None)
    return True


def _profile_setter(field: str, limit: int) -> Handler:
    async def setter(sb: Sandbox, p: dict[str, Any]) -> Any:
        value = p.get(field) or ""
        if len(value) > limit:
            raise ApiError(400, f"Bad Request: {field.replace('_', ' ')} is too long")
        sb.profile[(field, p.get("language_code") or "")] = value
        return True

    return setter


def _profile_getter(field: str) -> Handler:
    async def getter(sb: Sandbox, p: dict[str, Any]) -> Any:
        lang = p.get("language_code") or ""
        value = sb.profile.get((field, lang), sb.profile.get((field, ""), ""))
        if field == "name" and not value:
            value = sb.bot_user.first_name
        return {field: value}

    return getter


for _name, _field, _limit in (
    ("MyDescription", "description", 512),
    ("MyShortDescription", "short_description", 120),
    ("MyName", "name", 64),
):
    HANDLERS[f"set{_name}"] = _profile_setter(_field, _limit)
    HANDLERS[f"get{_name}"] = _profile_getter(_field)


@method("setChatMenuButton")
async def set_chat_menu_button(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat_id = chat_of(sb, p["chat_id"]).id if p.get("chat_id") is not None else None
    sb.menu_buttons[chat_id] = p.get("menu_button") or {"type": "default"}
    return True


@method("getChatMenuButton")
async def get_chat_menu_button(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat_id = chat_of(sb, p["chat_id"]).id if p.get("chat_id") is not None else None
    return sb.menu_buttons.get(chat_id, sb.menu_buttons.get(None, {"type": "default"}))


# ---------------------------------------------------------------- messages


@method("sendMessage")
async def send_message(sb: Sandbox, p: dict[str, Any]) -> Any:
    plain, entities, html = format_text(sb, p)
    message = send_common(sb, p, text=plain, entities=entities, html=html)
    return message.to_api()


@method("sendVenue")
async def send_venue(sb: Sandbox, p: dict[str, Any]) -> Any:
    venue: dict[str, Any] = {
        "location": {"latitude": float(p["latitude"]), "longitude": float(p["longitude"])},
        "title": p["title"],
        "address": p["address"],
    }
    for key in ("foursquare_id", "foursquare_type", "google_place_id", "google_place_type"):
        if p.get(key):
            venue[key] = p[key]
    extra = {"location": venue["location"]}
    return send_common(sb, p, venue=venue, extra=extra).to_api()


@method("sendContact")
async def send_contact(sb: Sandbox, p: dict[str, Any]) -> Any:
    contact = {"phone_number": p["phone_number"], "first_name": p["first_name"]}
    for key in ("last_name", "vcard"):
        if p.get(key):
            contact[key] = p[key]
    return send_common(sb, p, contact=contact).to_api()


# The largest file a bot may upload (core.telegram.org/bots/api#sending-files: 50 MB).
MAX_UPLOAD = 50 * 1024 * 1024


def _uploaded(value: Any) -> tuple[bytes, str | None, str | None]:
    """Content, file name and MIME type of a multipart file part (or plain bytes)."""
    if isinstance(value, bytes | bytearray):
        return bytes(value), None, None
    content = value.file.read()
    return bytes(content), getattr(value, "filename", None), getattr(value, "content_type", None)


def _known_document(sb: Sandbox, file_id: str) -> SimMessage | None:
    for chat in sb.chats.values():
        for message in chat.messages:
            if message.document is not None and message.document["file_id"] == file_id:
                return message
    return None


@method("sendDocument")
async def send_document(sb: Sandbox, p: dict[str, Any]) -> Any:
    """A file: uploaded (multipart) or sent again by its file_id; a URL is not simulated."""
    given = p["document"]
    if isinstance(given, str):
        if given.startswith(("http://", "https://")):
            raise ApiError(501, "sandbox: sending a file by URL is not simulated")
        earlier = _known_document(sb, given)
        if earlier is None or earlier.document is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        document, content = dict(earlier.document), earlier.file
    else:
        content, name, mime_type = _uploaded(given)
        if not content:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if len(content) > MAX_UPLOAD:
            raise ApiError(413, "Request Entity Too Large")
        unique = secrets.token_urlsafe(12)
        document = {"file_id": f"BQACAgQAAxk{unique}", "file_unique_id": f"AgAD{unique[:8]}"}
        if name:
            document["file_name"] = name
        if mime_type:
            document["mime_type"] = mime_type
        document["file_size"] = len(content)
    caption: dict[str, Any] = {}
    if p.get("caption") is not None:
        as_text = {"text": p["caption"], "entities": p.get("caption_entities")}
        if p.get("parse_mode") is not None:
            as_text["parse_mode"] = p["parse_mode"]
        plain, entities, _html = format_text(sb, as_text, limit=1024)
        caption = {"caption": plain, "caption_entities": entities}
    return send_common(sb, p, document=document, file=content, **caption).to_api()


# What Telegram takes as a photo (core.telegram.org/bots/api#sendphoto): at most 10 MB, width
# and height together at most 10,000, neither side more than 20 times the other.
MAX_PHOTO = 10 * 1024 * 1024
# Telegram keeps a photo in several sizes, each no wider or higher than these.
PHOTO_SIDES = (90, 320, 800, 1280, 2560)


def _image_size(content: bytes) -> tuple[int, int]:
    """Width and height of an image Telegram could read; refused as Telegram refuses it."""
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            image.verify()
            return image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ApiError(400, "Bad Request: IMAGE_PROCESS_FAILED") from exc


def _photo_sizes(width: int, height: int, unique: str) -> list[dict[str, Any]]:
    """The PhotoSize list of a new photo: one per size Telegram keeps, smallest first."""
    sizes = []
    for side in PHOTO_SIDES:
        scale = min(1.0, side / max(width, height))
        sizes.append((max(1, round(width * scale)), max(1, round(height * scale))))
        if scale == 1.0:
            break
    return [
        {
            "file_id": f"AgACAgQAAxk{unique}{i}",
            "file_unique_id": f"AQAD{unique[:8]}{i}",
            "width": w,
            "height": h,
        }
        for i, (w, h) in enumerate(sizes)
    ]


def _known_photo(sb: Sandbox, file_id: str) -> SimMessage | None:
    for chat in sb.chats.values():
        for message in chat.messages:
            if message.photo is not None and any(s["file_id"] == file_id for s in message.photo):
                return message
    return None


@method("sendPhoto")
async def send_photo(sb: Sandbox, p: dict[str, Any]) -> Any:
    """A photo: uploaded (multipart, an image Telegram can read) or sent again by a file_id of
    one of its sizes; a URL is not simulated."""
    given = p["photo"]
    if isinstance(given, str):
        if given.startswith(("http://", "https://")):
            raise ApiError(501, "sandbox: sending a photo by URL is not simulated")
        earlier = _known_photo(sb, given)
        if earlier is None or earlier.photo is None:
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        photo, content = [dict(size) for size in earlier.photo], earlier.file
    else:
        content, _name, _mime_type = _uploaded(given)
        if not content:
            raise ApiError(400, "Bad Request: file must be non-empty")
        if len(content) > MAX_PHOTO:
            raise ApiError(400, "Bad Request: file is too big")
        width, height = _image_size(content)
        if width + height > 10_000 or max(width, height) > 20 * min(width, height):
            raise ApiError(400, "Bad Request: PHOTO_INVALID_DIMENSIONS")
        photo = _photo_sizes(width, height, secrets.token_urlsafe(12))
        photo[-1]["file_size"] = len(content)
    caption: dict[str, Any] = {}
    if p.get("caption") is not None:
        as_text = {"text": p["caption"], "entities": p.get("caption_entities")}
        if p.get("parse_mode") is not None:
            as_text["parse_mode"] = p["parse_mode"]
        plain, entities, _html = format_text(sb, as_text, limit=1024)
        caption = {"caption": plain, "caption_entities": entities}
    return send_common(sb, p, photo=photo, file=content, **caption).to_api()


@method("sendPoll")
async def send_poll(sb: Sandbox, p: dict[str, Any]) -> Any:
    if p.get("type", "regular") != "regular":
        raise ApiError(501, "sandbox: quiz polls are not simulated")
    question = str(p["question"])
    if not 1 <= len(question) <= 300:
        raise ApiError(400, "Bad Request: poll question length must be between 1 and 300")
    options = [o["text"] if isinstance(o, dict) else str(o) for o in p["options"]]
    if not options:
        raise ApiError(400, "Bad Request: poll must have at least 1 option")
    if len(options) > 12:
        raise ApiError(400, "Bad Request: poll can't have more than 12 options")
    if any(not 1 <= len(text) <= 100 for text in options):
        raise ApiError(400, "Bad Request: poll options length must not exceed 100")
    poll = SimPoll(
        id=str(5_000_000_000_000_000_000 + sb.next_counter()),
        question=question,
        options=options,
        is_anonymous=p.get("is_anonymous", True) is not False,
        allows_multiple_answers=bool(p.get("allows_multiple_answers")),
        is_closed=bool(p.get("is_closed")),
    )
    message = send_common(sb, p, poll=poll)
    sb.polls[poll.id] = (poll, message)
    return message.to_api()


@method("stopPoll")
async def stop_poll(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat, message = own_message(sb, p, "Bad Request: message with poll to stop not found")
    if message.poll is None:
        raise ApiError(400, "Bad Request: message with poll to stop not found")
    if not message.from_bot:
        raise ApiError(400, "Bad Request: poll can't be stopped")
    if message.poll.is_closed:
        raise ApiError(400, "Bad Request: poll has already been closed")
    message.poll.is_closed = True
    if "reply_markup" in p:
        message.reply_markup = stored_markup(chat, p["reply_markup"])
    sb.record(chat, "poll_closed", "Bot", "", message)
    sb.push_update("poll", message.poll.to_api())
    return message.poll.to_api()


@method("editMessageText")
async def edit_message_text(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat, message = own_message(sb, p, "Bad Request: message to edit not found")
    if not message.from_bot:
        raise ApiError(400, "Bad Request: message can't be edited")
    if message.text is None:
        raise ApiError(400, "Bad Request: there is no text in the message to edit")
    plain, entities, html = format_text(sb, p)
    markup = stored_markup(chat, p.get("reply_markup"))
    if plain == message.text and entities == message.entities and markup == message.reply_markup:
        raise ApiError(400, NOT_MODIFIED)
    spend_flood(sb, chat, p, edit=True)
    message.edits.append(message.text)
    message.text, message.entities, message.html = plain, entities, html
    message.reply_markup = markup
    message.edit_date = sb.now()
    sb.record(chat, "edit", "Bot", plain, message)
    return message.to_api()


@method("editMessageReplyMarkup")
async def edit_message_reply_markup(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat, message = own_message(sb, p, "Bad Request: message to edit not found")
    if not message.from_bot:
        raise ApiError(400, "Bad Request: message can't be edited")
    markup = stored_markup(chat, p.get("reply_markup"))
    if markup == message.reply_markup:
        raise ApiError(400, NOT_MODIFIED)
    spend_flood(sb, chat, p, edit=True)
    message.reply_markup = markup
    message.edit_date = sb.now()
    sb.record(chat, "edit_markup", "Bot", "", message)
    return message.to_api()


@method("deleteMessage")
async def delete_message(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = chat_of(sb, p["chat_id"])
    require_access(sb, chat)
    message = chat.get_message(_as_int(p["message_id"], "message_id"))
    if message is None:
        raise ApiError(400, "Bad Request: message to delete not found")
    if chat.is_group and not message.from_bot:
        _require_right(sb, chat, "can_delete_messages", "Bad Request: message can't be deleted")
    message.deleted = True
    sb.record(chat, "delete", "Bot", message.text or "", message)
    return True


@method("copyMessage")
async def copy_message(sb: Sandbox, p: dict[str, Any]) -> Any:
    source_chat = chat_of(sb, p["from_chat_id"])
    source = source_chat.get_message(_as_int(p["message_id"], "message_id"))
    if source is None:
        raise ApiError(400, "Bad Request: message to copy not found")
    if source.text is None and source.contact is None and source.venue is None:
        raise ApiError(400, "Bad Request: message can't be copied")
    message = send_common(
        sb,
        p,
        text=source.text,
        entities=list(source.entities),
        html=source.html,
        contact=source.contact,
        venue=source.venue,
    )
    return {"message_id": message.message_id}


@method("forwardMessage")
async def forward_message(sb: Sandbox, p: dict[str, Any]) -> Any:
    source_chat = chat_of(sb, p["from_chat_id"])
    source = source_chat.get_message(_as_int(p["message_id"], "message_id"))
    if source is None:
        raise ApiError(400, "Bad Request: message to forward not found")
    author = source.sender or sb.bot_user
    origin = {"type": "user", "date": source.date, "sender_user": author.to_api()}
    message = send_common(
        sb,
        p,
        text=source.text,
        entities=list(source.entities),
        html=source.html,
        contact=source.contact,
        venue=source.venue,
        extra={"forward_origin": origin},
    )
    return message.to_api()


@method("sendChatAction")
async def send_chat_action(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = chat_of(sb, p["chat_id"])
    require_access(sb, chat, sending=True)
    if p["action"] not in CHAT_ACTIONS:
        raise ApiError(400, "Bad Request: wrong parameter action in request")
    return True


@method("answerCallbackQuery")
async def answer_callback_query(sb: Sandbox, p: dict[str, Any]) -> Any:
    query = sb.callbacks.get(str(p["callback_query_id"]))
    if query is None or query.answer is not None:
        raise ApiError(400, QUERY_TOO_OLD)
    if len(p.get("text") or "") > 200:
        raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
    query.answer = {k: v for k, v in p.items() if k != "callback_query_id"}
    sb.callback_answers.append(dict(p))
    if query.message is not None and p.get("text"):
        kind = "alert" if p.get("show_alert") else "toast"
        sb.record(query.message.chat, kind, "Bot", str(p["text"]), query.message)
    sb.notify()
    return True


def _pinning_chat(sb: Sandbox, p: dict[str, Any]) -> SimChat:
    """The chat of a pin or unpin; in groups the bot must be allowed to pin."""
    chat = chat_of(sb, p["chat_id"])
    require_access(sb, chat)
    if chat.is_group:
        _require_right(
            sb,
            chat,
            "can_pin_messages",
            "Bad Request: not enough rights to manage pinned messages in the chat",
        )
    return chat


@method("pinChatMessage")
async def pin_chat_message(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = _pinning_chat(sb, p)
    message = chat.get_message(_as_int(p["message_id"], "message_id"))
    if message is None:
        raise ApiError(400, "Bad Request: message to pin not found")
    message.pinned = True
    sb.record(chat, "pin", "Bot", message.text or "", message)
    return True


@method("unpinChatMessage")
async def unpin_chat_message(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = _pinning_chat(sb, p)
    pinned = [m for m in chat.messages if m.pinned and not m.deleted]
    if p.get("message_id") is not None:
        pinned = [m for m in pinned if m.message_id == _as_int(p["message_id"], "message_id")]
    if not pinned:
        raise ApiError(400, "Bad Request: message to unpin not found")
    pinned[-1].pinned = False
    sb.record(chat, "unpin", "Bot", "", pinned[-1])
    return True


# ---------------------------------------------------------------- chats & members


@method("getChat")
async def get_chat(sb: Sandbox, p: dict[str, Any]) -> Any:
    return group_of(sb, p["chat_id"]).full_info()


@method("getChatMember")
async def get_chat_member(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = group_of(sb, p["chat_id"])
    user = user_of(sb, p["user_id"])
    if chat.type == "private":
        if user is not chat.user and user is not sb.bot_user:
            raise ApiError(400, "Bad Request: user not found")
        return Membership(user, "member").to_api()
    member = chat.members.get(user.id)
    return member.to_api() if member else Membership(user, "left").to_api()


@method("getChatAdministrators")
async def get_chat_administrators(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = group_of(sb, p["chat_id"])
    if chat.type == "private":
        raise ApiError(400, "Bad Request: there are no administrators in the private chat")
    return [m.to_api() for m in chat.members.values() if m.status in ("creator", "administrator")]


@method("getChatMemberCount")
async def get_chat_member_count(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = group_of(sb, p["chat_id"])
    if chat.type == "private":
        return 2
    return sum(1 for m in chat.members.values() if m.present)


@method("leaveChat")
async def leave_chat(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = group_of(sb, p["chat_id"])
    if chat.type == "private":
        raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
    bot = sb.bot_user
    old = chat.members[bot.id].to_api()
    chat.members[bot.id] = Membership(bot, "left")
    actions.chat_member_changed(sb, chat, bot, old, by=bot)
    sb.add_message(chat, None, service={"left_chat_member": bot.to_api()})
    return True


def _restrictable(sb: Sandbox, p: dict[str, Any]) -> tuple[SimChat, SimUser, Membership | None]:
    chat = group_of(sb, p["chat_id"])
    if chat.type == "private":
        raise ApiError(400, "Bad Request: can't ban members in private chats")
    _require_right(
        sb,
        chat,
        "can_restrict_members",
        "Bad Request: not enough rights to restrict/unrestrict chat member",
    )
    user = user_of(sb, p["user_id"])
    member = chat.members.get(user.id)
    if member is not None and member.status == "creator":
        raise ApiError(400, "Bad Request: can't remove chat owner")
    if member is not None and member.status == "administrator":
        raise ApiError(400, "Bad Request: user is an administrator of the chat")
    return chat, user, member


def _remove_member(sb: Sandbox, chat: SimChat, user: SimUser, new: Membership) -> None:
    old_member = chat.members.get(user.id)
    old = old_member.to_api() if old_member else Membership(user, "left").to_api()
    was_present = old_member is not None and old_member.present
    chat.members[user.id] = new
    if was_present and not new.present:
        message = sb.add_message(chat, None, service={"left_chat_member": user.to_api()})
        actions.deliver(sb, message)
    actions.chat_member_changed(sb, chat, user, old, by=sb.bot_user)


@method("banChatMember")
async def ban_chat_member(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat, user, _member = _restrictable(sb, p)
    until = int(p.get("until_date") or 0)
    _remove_member(sb, chat, user, Membership(user, "kicked", until_date=until))
    return True


@method("unbanChatMember")
async def unban_chat_member(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat, user, member = _restrictable(sb, p)
    if member is not None and member.status == "kicked":
        _remove_member(sb, chat, user, Membership(user, "left"))
    elif member is not None and member.present and not p.get("only_if_banned"):
        # Telegram: "the user is not a member of the chat" afterwards, so members are removed
        _remove_member(sb, chat, user, Membership(user, "left"))
    return True


@method("restrictChatMember")
async def restrict_chat_member(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat, user, member = _restrictable(sb, p)
    if chat.type != "supergroup":
        raise ApiError(400, "Bad Request: method is available only for supergroups")
    permissions = {k: bool(v) for k, v in dict(p["permissions"]).items()}
    old = member.to_api() if member else Membership(user, "left").to_api()
    present = member is not None and member.present
    tag = member.tag if member is not None and present else ""  # a tag stays with the member
    if all(permissions.get(perm, False) for perm in MEMBER_PERMISSIONS[:12]) and present:
        chat.members[user.id] = Membership(user, "member", tag=tag)
    else:
        chat.members[user.id] = Membership(
            user,
            "restricted",
            permissions=permissions,
            is_member=present,
            until_date=int(p.get("until_date") or 0),
            tag=tag,
        )
    actions.chat_member_changed(sb, chat, user, old, by=sb.bot_user)
    return True


# Tags of regular members (Bot API 9.5). Telegram's wordings here are its server's error codes
# as bots have reported them (CHAT_CREATOR_REQUIRED for an administrator's tag); the others are
# modelled on its other member methods (see FIDELITY.md).
TAG_LIMIT = 16
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]")


@method("setChatMemberTag")
async def set_chat_member_tag(sb: Sandbox, p: dict[str, Any]) -> Any:
    """A tag for a regular member: the bot an administrator with can_manage_tags (defaults to
    can_pin_messages), the person a member or restricted member, 0-16 characters, no emoji."""
    chat = group_of(sb, p["chat_id"])
    if chat.type == "private":
        raise ApiError(400, "Bad Request: member tags can't be set in private chats")
    _require_right(sb, chat, "can_manage_tags", "Bad Request: CHAT_ADMIN_REQUIRED")
    user = user_of(sb, p["user_id"])
    tag = str(p.get("tag") or "")
    if len(tag) > TAG_LIMIT or _EMOJI.search(tag):
        raise ApiError(400, "Bad Request: TAG_INVALID")
    member = chat.members.get(user.id)
    if member is None or not member.present:
        raise ApiError(400, "Bad Request: USER_NOT_PARTICIPANT")
    if member.status in ("creator", "administrator"):
        raise ApiError(400, "Bad Request: CHAT_CREATOR_REQUIRED")
    member.tag = tag
    sb.record(chat, "tagged", "Bot", f"{user.full_name} as “{tag}”" if tag else user.full_name)
    return True


# ---------------------------------------------------------------- invite links & join requests

INVITE_RIGHTS = "Bad Request: not enough rights to manage chat invite links"


def _link_chat(sb: Sandbox, p: dict[str, Any]) -> SimChat:
    chat = group_of(sb, p["chat_id"])
    if chat.type == "private":
        raise ApiError(400, "Bad Request: can't invite members to a private chat")
    _require_right(sb, chat, "can_invite_users", INVITE_RIGHTS)
    return chat


def _new_link(sb: Sandbox, chat: SimChat, **fields: Any) -> InviteLink:
    link = InviteLink(
        url=f"https://t.me/+{secrets.token_urlsafe(12)}",
        chat=chat,
        creator=sb.bot_user,
        **fields,
    )
    chat.invite_links.append(link)
    return link


def _link_options(p: dict[str, Any], creates_join_request: bool) -> dict[str, Any]:
    name = p.get("name")
    if name is not None and len(name) > 32:
        raise ApiError(400, "Bad Request: invite link name is too long")
    member_limit = p.get("member_limit")
    if member_limit is not None:
        if creates_join_request:
            raise ApiError(
                400,
                "Bad Request: member limit can't be specified for links requiring "
                "administrator approval",
            )
        if not 1 <= int(member_limit) <= 99999:
            raise ApiError(400, "Bad Request: member limit must be between 1 and 99999")
    return {
        "name": name,
        "expire_date": int(p["expire_date"]) if p.get("expire_date") else None,
        "member_limit": int(member_limit) if member_limit is not None else None,
        "creates_join_request": creates_join_request,
    }


def _find_link(chat: SimChat, url: str) -> InviteLink:
    for link in chat.invite_links:
        if link.url == url and not link.is_revoked:
            return link
    raise ApiError(400, "Bad Request: INVITE_HASH_EXPIRED")


@method("createChatInviteLink")
async def create_chat_invite_link(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = _link_chat(sb, p)
    options = _link_options(p, bool(p.get("creates_join_request")))
    return _new_link(sb, chat, **options).to_api()


@method("editChatInviteLink")
async def edit_chat_invite_link(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = _link_chat(sb, p)
    link = _find_link(chat, p["invite_link"])
    creates = bool(p.get("creates_join_request", link.creates_join_request))
    merged = {
        "name": link.name,
        "expire_date": link.expire_date,
        "member_limit": None if creates else link.member_limit,
    }
    merged.update({k: v for k, v in p.items() if k in ("name", "expire_date", "member_limit")})
    options = _link_options(merged, creates)
    for key, value in options.items():
        setattr(link, key, value)
    return link.to_api()


@method("revokeChatInviteLink")
async def revoke_chat_invite_link(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = _link_chat(sb, p)
    link = _find_link(chat, p["invite_link"])
    link.is_revoked = True
    if link.is_primary:
        _new_link(sb, chat, is_primary=True)
    return link.to_api()


@method("exportChatInviteLink")
async def export_chat_invite_link(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat = _link_chat(sb, p)
    for link in chat.invite_links:
        if link.is_primary:
            link.is_revoked = True
    return _new_link(sb, chat, is_primary=True).url


def _pending_request(sb: Sandbox, p: dict[str, Any]) -> tuple[SimChat, Any]:
    chat = group_of(sb, p["chat_id"])
    _require_right(sb, chat, "can_invite_users", "Bad Request: CHAT_ADMIN_REQUIRED")
    user = user_of(sb, p["user_id"])
    for request in chat.join_requests:
        if request.user is user and request.pending:
            return chat, request
    raise ApiError(400, "Bad Request: HIDE_REQUESTER_MISSING")


def _close_join_window(sb: Sandbox, user: SimUser) -> None:
    """A processed join request no longer lets the bot write to the person: Telegram allows
    ``user_chat_id`` "for 5 minutes ... until the join request is processed". Another request
    of theirs still pending keeps its own window open."""
    windows = [
        request.date + 300
        for chat in sb.chats.values()
        for request in chat.join_requests
        if request.user is user and request.pending
    ]
    user.reachable_until = max(windows, default=0.0)


@method("approveChatJoinRequest")
async def approve_chat_join_request(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat, request = _pending_request(sb, p)
    if request.user.in_chat(chat) in PRESENT:
        raise ApiError(400, "Bad Request: USER_ALREADY_PARTICIPANT")
    request.approved = True
    _close_join_window(sb, request.user)
    sb.record(chat, "join_approved", "Bot", request.user.full_name)
    old = Membership(request.user, "left").to_api()
    chat.members[request.user.id] = Membership(request.user, "member")
    message = sb.add_message(
        chat, request.user, service={"new_chat_members": [request.user.to_api()]}
    )
    actions.deliver(sb, message)
    actions.chat_member_changed(
        sb,
        chat,
        request.user,
        old,
        by=sb.bot_user,
        invite_link=request.link,
        via_join_request=True,
    )
    request.link.joined += 1
    return True


@method("declineChatJoinRequest")
async def decline_chat_join_request(sb: Sandbox, p: dict[str, Any]) -> Any:
    chat, request = _pending_request(sb, p)
    request.declined = True
    _close_join_window(sb, request.user)
    sb.record(chat, "join_declined", "Bot", request.user.full_name)
    return True

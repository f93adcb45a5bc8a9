"""What each phone shows, as plain data for the page (JSON).

The bot's formatting is rebuilt from the entities Telegram stored with each message (bold,
links, commands, quotes ...), every piece of text escaped: what a person typed or the bot
sent can never become markup on the page. Links and commands become elements the page's
script knows (`data-url`, `data-cmd`); nothing navigates by itself.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from markupsafe import escape

from sandbox import SimButton, SimChat, SimMessage, SimUser

PNG = b"\x89PNG\r\n\x1a\n"

Texts = Callable[..., str]

# Entity type → (opening tag, closing tag); links and commands are built in `_open`.
_TAGS: dict[str, tuple[str, str]] = {
    "bold": ("<b>", "</b>"),
    "italic": ("<i>", "</i>"),
    "underline": ("<u>", "</u>"),
    "strikethrough": ("<s>", "</s>"),
    "spoiler": ('<span class="spoiler">', "</span>"),
    "code": ("<code>", "</code>"),
    "pre": ("<pre>", "</pre>"),
    "blockquote": ("<blockquote>", "</blockquote>"),
    "expandable_blockquote": ("<blockquote>", "</blockquote>"),
    "mention": ('<span class="mention">', "</span>"),
    "text_mention": ('<span class="mention">', "</span>"),
    "hashtag": ('<span class="mention">', "</span>"),
    "cashtag": ('<span class="mention">', "</span>"),
    "email": ('<span class="mention">', "</span>"),
    "phone_number": ('<span class="mention">', "</span>"),
}


def _python_index(text: str) -> dict[int, int]:
    """UTF-16 offset (as entities count) → index into the Python string."""
    index: dict[int, int] = {}
    units = 0
    for i, char in enumerate(text):
        index[units] = i
        units += 2 if ord(char) > 0xFFFF else 1
    index[units] = len(text)
    return index


def _open(entity: dict[str, Any], text: str, start: int, end: int) -> tuple[str, str] | None:
    kind = entity.get("type")
    if kind in ("url", "text_link"):
        url = entity.get("url") if kind == "text_link" else text[start:end]
        return f'<a class="link" href="#" data-url="{escape(url)}">', "</a>"
    if kind == "bot_command":
        command = text[start:end].split("@")[0]
        return f'<a class="cmd" href="#" data-cmd="{escape(command)}">', "</a>"
    return _TAGS.get(str(kind))


def html_of(text: str, entities: list[dict[str, Any]]) -> str:
    """`text` with its entities as safe HTML (tags only from `_TAGS` and `_open`)."""
    index = _python_index(text)
    spans: list[tuple[int, int, tuple[str, str]]] = []
    for entity in entities:
        start = index.get(int(entity.get("offset", -1)))
        end = index.get(int(entity.get("offset", 0)) + int(entity.get("length", 0)))
        if start is None or end is None or end <= start:
            continue
        tags = _open(entity, text, start, end)
        if tags is not None:
            spans.append((start, end, tags))
    spans.sort(key=lambda s: (s[0], -s[1]))
    cuts = sorted({0, len(text), *(s[0] for s in spans), *(s[1] for s in spans)})
    out: list[str] = []
    stack: list[tuple[int, int, tuple[str, str]]] = []
    at = 0
    for cut in cuts:
        out.append(str(escape(text[at:cut])))
        at = cut
        ending = [i for i, span in enumerate(stack) if span[1] == cut]
        if ending:
            # Close down to the lowest span that ends here; reopen those that go on (a span
            # that overlaps another without nesting is split in two).
            lowest = ending[0]
            going_on = [span for span in stack[lowest:] if span[1] != cut]
            out.extend(span[2][1] for span in reversed(stack[lowest:]))
            del stack[lowest:]
            for span in going_on:
                out.append(span[2][0])
                stack.append(span)
        for span in spans:
            if span[0] == cut:
                out.append(span[2][0])
                stack.append(span)
    out.extend(span[2][1] for span in reversed(stack))
    return "".join(out).replace("\n", "<br>")


def _service(message: SimMessage, _: Texts) -> str:
    service = message.service
    actor = message.sender.full_name if message.sender is not None else _("the bot")

    def name(user: dict[str, Any]) -> str:
        if user.get("is_bot"):
            return _("the bot")
        return " ".join(filter(None, (user.get("first_name"), user.get("last_name"))))

    if "new_chat_members" in service:
        names = [name(u) for u in service["new_chat_members"]]
        if message.sender is not None and names == [message.sender.full_name]:
            return _("{name} joined the group", name=actor)
        return _("{name} added {names}", name=actor, names=", ".join(names))
    if "left_chat_member" in service:
        gone = name(service["left_chat_member"])
        if message.sender is not None and gone == message.sender.full_name:
            return _("{name} left the group", name=actor)
        return _("{name} removed {names}", name=actor, names=gone)
    if "users_shared" in service:
        # Telegram gives the bot names only when it asked for them; the phone knows them.
        world = message.chat.world
        known = world.users if world is not None else {}
        names = [
            name(u) or (known[u["user_id"]].full_name if u.get("user_id") in known else "?")
            for u in service["users_shared"]["users"]
        ]
        return _("{name} picked {names}", name=actor, names=", ".join(names))
    if "group_chat_created" in service:
        return _("{name} created the group", name=actor)
    return _("{name} changed the group", name=actor)


def _quote(message: SimMessage) -> str:
    """The start of a message, to say which one is meant (a pinned one, a reply's)."""
    if message.poll is not None:
        text = "📊 " + message.poll.question
    elif message.venue is not None:
        text = "📍 " + str(message.venue.get("title", ""))
    else:
        text = (message.text or message.caption or "").strip().split("\n")[0]
    return text if len(text) <= 60 else text[:59] + "…"


def message_view(message: SimMessage, viewer: SimUser | None, _: Texts) -> dict[str, Any]:
    """One message as `viewer` sees it (None: the group, seen by anyone in it)."""
    view: dict[str, Any] = {"id": message.message_id}
    if message.is_service:
        view["service"] = _service(message, _)
        return view
    sender = message.sender
    view["from_bot"] = sender is None
    view["mine"] = sender is not None and sender is viewer
    view["author"] = _("Bondgenoten") if sender is None else sender.full_name
    if message.text is not None:
        view["html"] = html_of(message.text, message.entities)
    if message.caption is not None:
        view["html"] = html_of(message.caption, message.caption_entities)
    view["edited"] = bool(message.edits)
    view["pinned"] = message.pinned
    if message.reply_to is not None and not message.reply_to.deleted:
        view["reply_to"] = _quote(message.reply_to)
    view["buttons"] = [[_button(b) for b in row] for row in message.buttons]
    if message.poll is not None:
        poll = message.poll
        counts = poll.counts()
        chosen = poll.votes.get(viewer.id, []) if viewer is not None else []
        view["poll"] = {
            "question": poll.question,
            "options": [
                {"text": text, "count": counts[i], "chosen": i in chosen}
                for i, text in enumerate(poll.options)
            ],
            "total": len(poll.votes),
            "closed": poll.is_closed,
        }
    if message.venue is not None:
        where = message.venue.get("location", {})
        view["venue"] = {
            "title": message.venue.get("title", ""),
            "address": message.venue.get("address", ""),
            "at": _coordinates(where),
        }
    elif "location" in message.extra:
        view["location"] = _coordinates(message.extra["location"])
    if message.contact is not None:
        contact = message.contact
        view["contact"] = {
            "name": " ".join(filter(None, (contact.get("first_name"), contact.get("last_name")))),
            "phone": contact.get("phone_number", ""),
        }
    if message.document is not None:
        view["document"] = message.document.get("file_name", _("a file"))
    if message.photo is not None and message.file is not None and message.file.startswith(PNG):
        # The picture itself (the charts of /stats), as the page can show it without fetching
        # anything: a data URL built here from the bytes, never from text anyone typed.
        view["photo"] = "data:image/png;base64," + base64.b64encode(message.file).decode("ascii")
    return view


def _coordinates(where: dict[str, Any]) -> str:
    try:
        return f"{float(where['latitude']):.4f}, {float(where['longitude']):.4f}"
    except (KeyError, TypeError, ValueError):
        return ""


def keyboard_view(chat: SimChat) -> list[list[dict[str, Any]]]:
    """The reply keyboard under the text field: what each key does when tapped."""
    rows = []
    for row in chat.reply_keyboard or []:
        keys = []
        for key in row:
            kind = "text"
            if key.get("request_contact"):
                kind = "contact"
            elif key.get("request_location"):
                kind = "location"
            elif "request_users" in key:
                kind = "users"
            keys.append({"text": key["text"], "kind": kind})
        rows.append(keys)
    return rows


def chat_view(chat: SimChat, viewer: SimUser | None, _: Texts) -> dict[str, Any]:
    """The messages of a chat (deleted ones gone), the pinned one, and the keyboard."""
    live = chat.resolve()
    messages = chat.messages if live is chat else chat.messages + live.messages
    shown = [m for m in messages if not m.deleted]
    pinned = [m for m in shown if m.pinned]
    return {
        "messages": [message_view(m, viewer, _) for m in shown],
        "pinned": _quote(pinned[-1]) if pinned else None,
        "keyboard": keyboard_view(live) if live.type == "private" else [],
    }


def _button(button: SimButton) -> dict[str, Any]:
    """An inline button as the page shows it: a link, a copy button or one that calls back."""
    if button.url:
        return {"text": button.text, "url": button.url}
    if button.copy_text is not None:
        return {"text": button.text, "copy": True}
    return {"text": button.text, "data": True}

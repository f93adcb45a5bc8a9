"""Human-readable transcripts of the simulated chats (``make demo``, failing ``expect``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sandbox.world import Event, SimChat, SimMessage, World

INDENT = "     "


def _poll_line(message: SimMessage) -> str:
    poll = message.poll
    assert poll is not None
    counts = poll.counts()
    tally = " · ".join(f"{text} {count}" for text, count in zip(poll.options, counts, strict=True))
    closed = " (closed)" if poll.is_closed else ""
    return f'📊 Poll "{poll.question}" — {tally}{closed}'


def _body(message: SimMessage, text: str | None = None) -> str:
    if message.poll is not None:
        return _poll_line(message)
    if message.venue is not None:
        return f"📍 {message.venue['title']}, {message.venue['address']}"
    if message.contact is not None:
        contact = message.contact
        return f"👤 Contact {contact['first_name']} {contact['phone_number']}"
    if "location" in message.extra:
        where = message.extra["location"]
        return f"📍 Location {where['latitude']:.4f}, {where['longitude']:.4f}"
    if message.photo is not None:
        largest = message.photo[-1]
        size = f"🖼 Photo {largest['width']}×{largest['height']} px"
        return size + (f"\n{message.caption}" if message.caption else "")
    if message.document is not None:
        name = message.document.get("file_name", "file")
        return f"📎 {name}" + (f"\n{message.caption}" if message.caption else "")
    return text if text is not None else (message.text or "")


def _indent(prefix: str, text: str) -> list[str]:
    lines = text.split("\n")
    return [prefix + lines[0]] + [INDENT + line for line in lines[1:]]


def _buttons(rows: list[list[str]]) -> list[str]:
    return ["  " + " ".join(f"[ {text} ]" for text in row) for row in rows if row]


def _keyboard(rows: list[list[str]]) -> list[str]:
    """A reply keyboard (under the text field) reads apart from buttons under the message."""
    return ["  ⌨️ " + " ".join(f"[ {text} ]" for text in row) for row in rows if row]


def _quote(text: str | None, width: int = 36) -> str:
    """The start of a message, to say which one is meant: “🔴 KRITIEK · alleen voor…”."""
    first = (text or "").strip().split("\n")[0].strip()
    return f"“{first if len(first) <= width else first[: width - 1].rstrip() + '…'}”"


def _name(user: dict[str, Any]) -> str:
    return "the bot" if user.get("is_bot") else str(user["first_name"])


def _service(event: Event, message: SimMessage) -> list[str]:
    service = message.service
    actor = event.actor
    if "users_shared" in service:
        names = [
            " ".join(filter(None, (u.get("first_name"), u.get("last_name")))) or str(u["user_id"])
            for u in service["users_shared"]["users"]
        ]
        return [f"{actor} picked {', '.join(names)}"]
    if "new_chat_members" in service:
        names = [_name(m) for m in service["new_chat_members"]]
        if message.sender is not None and names == [message.sender.first_name]:
            return [f"{actor} joined"]
        return [f"{actor} added {', '.join(names)}"]
    if "left_chat_member" in service:
        name = _name(service["left_chat_member"])
        if message.sender is None and name == "the bot":
            return ["Bot left the group"]
        if message.sender is not None and name == message.sender.first_name:
            return [f"{actor} left"]
        return [f"{actor} removed {name}"]
    return [f"{actor}: {sorted(service)}"]


def _edit(event: Event, before: str | None) -> list[str]:
    """An edit that only adds lines (a choice ticked under a question) shows what it added;
    any other shows the new text."""
    text = event.text
    if before and text.startswith(before) and text[len(before) :].strip():
        added = text[len(before) :].strip("\n")
        lines = _indent(f"Bot added to {_quote(before)}: ", added)
    else:
        lines = _indent("Bot edited its message: ", text)
    return lines + _buttons(event.buttons)


def render_event(event: Event, before: str | None = None) -> list[str]:
    """The lines of one event; `before` is an edited message's text before this edit."""
    message = event.message
    kind = event.kind
    if kind == "message" and message is not None:
        who = event.actor
        if message.reply_to is not None:
            target = message.reply_to
            if target.from_bot:
                who += f" (↩ {_quote(target.text or target.caption)})"
            elif target.sender is not None:
                who += f" (↩ {target.sender.first_name})"
        if message.contact is not None and not message.from_bot:
            return [f"{event.actor} shared a contact: {message.contact['phone_number']}"]
        lines = _indent(f"{who}: ", _body(message, event.text or None))
        return lines + _buttons(event.buttons) + _keyboard(event.keyboard)
    if kind == "service" and message is not None:
        return _service(event, message)
    simple = {
        "press": f"{event.actor} pressed [{event.text}]",
        "copy": f"{event.actor} tapped [{event.text}] and copied its text",
        "pin": "Bot pinned a message",
        "unpin": "Bot unpinned a message",
        "delete": "Bot deleted a message",
        "poll_answer": f"{event.actor} answered the poll: {event.text}",
        "poll_retract": f"{event.actor} retracted the vote",
        "toast": f"  ↳ Bot answered: {event.text}",
        "alert": f"  ↳ Bot showed an alert: {event.text}",
        "join_request": f"{event.actor} asked to join via invite link",
        "join_approved": f"Bot approved {event.text}'s join request",
        "join_declined": f"Bot declined {event.text}'s join request",
        "blocked": f"{event.actor} blocked the bot",
        "unblocked": f"{event.actor} restarted the bot",
        "rights": f"{event.actor} {event.text}",
        "migrated": "Group upgraded to a supergroup",
    }
    if kind == "edit":
        return _edit(event, before)
    if kind == "edit_markup":
        text = before if before is not None else message.text if message is not None else None
        if not event.buttons:
            return [f"Bot took the buttons off {_quote(text)}"]
        return [f"Bot changed the buttons of {_quote(text)}", *_buttons(event.buttons)]
    if kind == "poll_closed" and message is not None:
        return [f"Bot closed the poll: {_poll_line(message)}"]
    return [simple.get(kind, f"{event.actor} {kind} {event.text}".rstrip())]


class _Texts:
    """What each message said before each edit, followed through the events in order."""

    def __init__(self) -> None:
        self._said: dict[int, str] = {}
        self._buttons: dict[int, list[list[str]]] = {}

    def lines(self, event: Event) -> list[str]:
        message = event.message
        if message is None or event.kind not in ("message", "edit", "edit_markup"):
            return render_event(event)
        before = self._said.get(id(message))
        had = self._buttons.get(id(message))
        self._buttons[id(message)] = event.buttons
        if event.kind == "edit_markup":
            if had == [] and not event.buttons:
                return []  # buttons taken off a message that had none: nothing to see
            return render_event(event, before)
        self._said[id(message)] = event.text
        return render_event(event, before)


def render(world: World, chats: Iterable[SimChat] | None = None, since: int = 0) -> str:
    """Every chat (or the given ones) with its events after marker ``since``."""
    wanted = list(chats) if chats is not None else list(world.chats.values())
    blocks: list[str] = []
    for chat in wanted:
        texts = _Texts()
        lines = [f"── {chat.label} ──"]
        for event in world.events:
            if event.chat is chat:
                shown = texts.lines(event)
                if event.seq > since:
                    lines.extend(shown)
        if len(lines) > 1:
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def timeline(
    world: World,
    since: int = 0,
    notes: Iterable[tuple[int, str]] = (),
    left_out: Iterable[tuple[int, int]] = (),
) -> str:
    """Everything after marker ``since`` in the order it happened, across chats: a heading
    names the chat whenever the story moves to another one. ``notes`` are narration lines,
    each placed after the event whose marker it carries (what a demo says between steps);
    the events in a ``left_out`` stretch (after its first marker, up to its second) are not
    shown."""
    skipped = list(left_out)
    pending = sorted(notes)
    lines: list[str] = []
    current: SimChat | None = None
    texts = _Texts()

    def narrate(upto: int) -> None:
        nonlocal current
        while pending and pending[0][0] <= upto:
            lines.append(pending.pop(0)[1])
            current = None  # after a note, name the chat again

    for event in world.events:
        shown = texts.lines(event)
        if event.seq <= since or any(start < event.seq <= end for start, end in skipped):
            continue
        narrate(event.seq - 1)
        if event.chat is not current:
            current = event.chat
            lines.append(f"── {event.chat.label} ──")
        lines.extend(shown)
    narrate(world.mark() + len(pending) + 1)
    return "\n".join(lines)

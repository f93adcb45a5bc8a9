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
    if message.document is not None:
        name = message.document.get("file_name", "file")
        return f"📎 {name}" + (f"\n{message.caption}" if message.caption else "")
    return text if text is not None else (message.text or "")


def _indent(prefix: str, text: str) -> list[str]:
    lines = text.split("\n")
    return [prefix + lines[0]] + [INDENT + line for line in lines[1:]]


def _buttons(rows: list[list[str]]) -> list[str]:
    return ["  " + " ".join(f"[ {text} ]" for text in row) for row in rows if row]


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


def render_event(event: Event) -> list[str]:
    message = event.message
    kind = event.kind
    if kind == "message" and message is not None:
        who = event.actor
        if message.reply_to is not None:
            target = message.reply_to.sender
            who += f" (↩ {target.first_name if target is not None else 'Bot'})"
        if message.contact is not None and not message.from_bot:
            return [f"{event.actor} shared a contact: {message.contact['phone_number']}"]
        lines = _indent(f"{who}: ", _body(message, event.text or None))
        return lines + _buttons(event.buttons)
    if kind == "service" and message is not None:
        return _service(event, message)
    simple = {
        "press": f"{event.actor} pressed [{event.text}]",
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
        return _indent("Bot edited its message: ", event.text) + _buttons(event.buttons)
    if kind == "edit_markup":
        return ["Bot changed the buttons of its message", *_buttons(event.buttons)]
    if kind == "poll_closed" and message is not None:
        return [f"Bot closed the poll: {_poll_line(message)}"]
    return [simple.get(kind, f"{event.actor} {kind} {event.text}".rstrip())]


def render(world: World, chats: Iterable[SimChat] | None = None, since: int = 0) -> str:
    """Every chat (or the given ones) with its events after marker ``since``."""
    wanted = list(chats) if chats is not None else list(world.chats.values())
    blocks: list[str] = []
    for chat in wanted:
        events = [e for e in world.events if e.chat is chat and e.seq > since]
        if not events:
            continue
        lines = [f"── {chat.label} ──"]
        for event in events:
            lines.extend(render_event(event))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def timeline(world: World, since: int = 0, notes: Iterable[tuple[int, str]] = ()) -> str:
    """Everything after marker ``since`` in the order it happened, across chats: a heading
    names the chat whenever the story moves to another one. ``notes`` are narration lines,
    each placed after the event whose marker it carries (what a demo says between steps)."""
    pending = sorted(notes)
    lines: list[str] = []
    current: SimChat | None = None

    def narrate(upto: int) -> None:
        nonlocal current
        while pending and pending[0][0] <= upto:
            lines.append(pending.pop(0)[1])
            current = None  # after a note, name the chat again

    for event in world.events:
        if event.seq <= since:
            continue
        narrate(event.seq - 1)
        if event.chat is not current:
            current = event.chat
            lines.append(f"── {event.chat.label} ──")
        lines.extend(render_event(event))
    narrate(world.mark() + len(pending) + 1)
    return "\n".join(lines)

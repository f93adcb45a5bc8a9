"""The ports the domain speaks through, and the plain messages it sends through them.

- **The outbox.** A use case queues `NewDelivery` rows (storage.deliveries) in the same
  transaction as what they announce; their `method` is a word of this module's vocabulary
  (`MESSAGE`, `POLL`, ...) and their `params` plain data — text in Telegram-flavoured HTML
  built by the translator, and buttons as `Button`s — never a library's object. The channel
  side renders them (`bot.render` for Telegram) and tells listeners how each ended.
- **The scheduler.** "Run this step for that id at that moment", by name, so it can be
  rebuilt from the database at start and cancelled.
- **The editor.** A message already sent and shown live (the sender's status) changes in place.
- **The groups.** What only the chat platform can do with a group chat: take a person out,
  make or withdraw a personal join link, leave. What it refuses comes back as a `Refusal`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

# What a delivery does, whatever the channel.
MESSAGE = "message"  # a text, with buttons under it
POLL = "poll"  # a native poll: question, options
VENUE = "venue"  # a place on the map
PIN = "pin"  # pin the message `message_id` of the chat
UNPIN = "unpin"
CLOSE_POLL = "close_poll"  # stop the poll in message `message_id`
MENU = "menu"  # the command menu of the private chat `chat_id` (domain.menus)
PHOTO = "photo"  # a picture with a caption; its bytes wait in storage.media, not in params


@dataclass(frozen=True)
class Button:
    """A button under a message: it sends `action` back ("feature:verb:args", at most 64
    bytes), or opens `url`."""

    label: str
    action: str = ""
    url: str = ""

    def to_data(self) -> dict[str, str]:
        return (
            {"label": self.label, "url": self.url}
            if self.url
            else {
                "label": self.label,
                "action": self.action,
            }
        )


Keyboard = Sequence[Sequence[Button]]


def page_turn(action: str, page: int, pages: int) -> list[Button]:
    """◀ and ▶ under one page of a long list (none needed: empty); `action` is the callback
    data without the page number, which is appended (`sig:page` → `sig:page:3`)."""
    row = []
    if page > 0:
        row.append(Button("◀", f"{action}:{page - 1}"))
    if page < pages - 1:
        row.append(Button("▶", f"{action}:{page + 1}"))
    return row


def message(text: str, buttons: Keyboard = ()) -> dict[str, Any]:
    """The params of a `MESSAGE` delivery: the HTML text and its buttons as plain data."""
    params: dict[str, Any] = {"text": str(text)}
    if buttons:
        params["buttons"] = [[button.to_data() for button in row] for row in buttons]
    return params


def menu(commands: Sequence[tuple[str, str]], signature: str | None) -> dict[str, Any]:
    """The params of a `MENU` delivery: (command, description) pairs in the order shown (none:
    back to the default menu), and the signature `domain.menus` keeps of it. It sends no
    message, so its `message_id` is 0."""
    return {
        "commands": [{"command": c, "description": d} for c, d in commands],
        "signature": signature,
        "message_id": 0,
    }


def photo(caption: str) -> dict[str, Any]:
    """The params of a `PHOTO` delivery: its HTML caption (at most 1,024 characters as shown).
    The picture itself is queued with `storage.media.add` in the same transaction."""
    return {"caption": str(caption)}


def buttons_of(params: dict[str, Any]) -> list[list[Button]]:
    """The buttons of a stored `MESSAGE`, back as `Button`s."""
    return [[Button(**button) for button in row] for row in params.get("buttons", [])]


@dataclass(frozen=True)
class Sent:
    """What the channel answered for a sent delivery: where it is, and a poll's id."""

    chat_id: int
    message_id: int
    poll_id: str | None = None


class Outbox(Protocol):
    """Sends what is queued in the deliveries table."""

    @property
    def waiting_for_channel(self) -> bool:
        """The channel (Telegram) is not answering at the moment; deliveries wait for it."""
        ...

    def wake(self) -> None:
        """New deliveries are queued: look now instead of at the next poll."""
        ...


class Editor(Protocol):
    async def edit(self, chat_id: int, message_id: int, text: str, buttons: Keyboard = ()) -> bool:
        """Change a sent message's text and buttons in place (no `buttons`: none stay). False
        only when the channel did not answer (try again later); a refusal is final and True
        (trying again would not help)."""
        ...


Step = Callable[[int], Awaitable[object]]


class Scheduler(Protocol):
    def at(self, name: str, when: datetime, step: Step, data: int) -> None:
        """Run `step(data)` at `when` (at once if that has passed), unless `name` is planned."""
        ...

    def planned(self, name: str) -> bool: ...

    def cancel(self, name: str) -> None: ...


class Refusal(StrEnum):
    """Why the chat platform would not do something in a group chat."""

    NO_RIGHTS = "no_rights"  # the bot lacks the administrator right it needs there
    NOT_IN_CHAT = "not_in_chat"  # the bot is not in that group (any more)
    ADMIN = "admin"  # the person is an administrator there: only a person can remove them
    GONE = "gone"  # the link expired or was withdrawn already
    OTHER = "other"


class Groups(Protocol):
    async def remove(self, chat_id: int, user_id: int) -> Refusal | None:
        """Take `user_id` out of the group so that a new invite can bring them back later;
        None when done."""
        ...

    async def invite_link(self, chat_id: int, name: str) -> str | None:
        """A new personal link to the group, named `name`, that asks to join (a join request
        the bot decides) instead of letting anyone in; None when refused."""
        ...

    async def revoke_link(self, chat_id: int, link: str) -> Refusal | None:
        """Withdraw a link made by `invite_link`; None when done."""
        ...

    async def leave(self, chat_id: int) -> Refusal | None:
        """The bot leaves the group; None when done."""
        ...

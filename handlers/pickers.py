"""Reply keyboards that let Telegram do the choosing: a person from the user picker (or a
contact card, or a forward), a place from the location button (or the attachment menu).

A reply keyboard sits under the text field until a later message removes it (`REMOVE`); its
plain buttons arrive as typed text, recognised with `pressed` in either language. An inline
Cancel cannot sit under a message with a reply keyboard, so these keyboards carry their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from telegram import (
    KeyboardButton,
    KeyboardButtonRequestUsers,
    Message,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.i18n import Translator, translator
from bot.settings import SUPPORTED_LANGUAGES

REMOVE = ReplyKeyboardRemove()  # back to the letter keyboard


def pressed(text: str, label: str) -> bool:
    """Whether typed text is the reply-keyboard button `label` (a msgid), in any language."""
    labels = {translator(code)(label).casefold() for code in SUPPORTED_LANGUAGES}
    return text.strip().casefold() in labels


# --- a person ------------------------------------------------------------------------------


def person_picker(_: Translator, request_id: int) -> ReplyKeyboardMarkup:
    """Telegram's user picker (people only, with their name and username) and Cancel."""
    choose = KeyboardButtonRequestUsers(
        request_id, user_is_bot=False, max_quantity=1, request_name=True, request_username=True
    )
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("👤 Choose a person"), request_users=choose)], [_("Cancel")]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


@dataclass(frozen=True)
class Person:
    """Someone picked, with the name Telegram gave (None when it gave none)."""

    user_id: int
    name: str | None
    is_bot: bool = False


class NotAPerson(StrEnum):
    """Why a shared thing names nobody we can appoint."""

    NO_ACCOUNT = "no_account"  # a contact card without a Telegram account
    HIDDEN = "hidden"  # a forward whose author hides their account


def _name(first: str | None, last: str | None, username: str | None) -> str | None:
    name = " ".join(part for part in (first, last) if part)
    return name or (f"@{username}" if username else None)


def person_in(message: Message, request_id: int) -> Person | NotAPerson | None:
    """The person a message points at: a pick from the user picker `request_id`, a contact
    card, or a forwarded message. A `NotAPerson` reason when it points at someone we cannot
    name by account; None when it is none of these."""
    shared = message.users_shared
    if shared is not None:
        if shared.request_id != request_id or not shared.users:
            return None
        user = shared.users[0]
        return Person(user.user_id, _name(user.first_name, user.last_name, user.username))
    contact = message.contact
    if contact is not None:
        if contact.user_id is None:
            return NotAPerson.NO_ACCOUNT
        return Person(contact.user_id, _name(contact.first_name, contact.last_name, None))
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser):
        author = origin.sender_user
        return Person(
            author.id, _name(author.first_name, author.last_name, author.username), author.is_bot
        )
    if isinstance(origin, MessageOriginHiddenUser):
        return NotAPerson.HIDDEN
    return None


# --- a place -------------------------------------------------------------------------------


def place_keyboard(_: Translator) -> ReplyKeyboardMarkup:
    """Telegram's location button (where the person is now), typing the address, Cancel."""
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(_("📍 Send where I am now"), request_location=True)],
            [_("⌨️ Type the address")],
            [_("Cancel")],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )

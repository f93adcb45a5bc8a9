"""The domain's plain messages as Telegram shows them: buttons become an inline keyboard."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from domain.ports import Button, Keyboard


def button(plain: Button) -> InlineKeyboardButton:
    if plain.url:
        return InlineKeyboardButton(plain.label, url=plain.url)
    return InlineKeyboardButton(plain.label, callback_data=plain.action)


def keyboard(rows: Keyboard) -> InlineKeyboardMarkup | None:
    """The inline keyboard for these rows of buttons; None when there are none."""
    shown = [[button(b) for b in row] for row in rows if row]
    return InlineKeyboardMarkup(shown) if shown else None

"""What Telegram shows before anyone asks: the default menus and the bot's description.

At start, in every language we speak (and without a language, in the default one, for apps in
other languages): the short menu of every private chat (strangers: start, help, language,
privacy), the group menu (/help; /link for the group's administrators), and the description
an empty chat with the bot shows. A person with a role gets a menu of their own through the
outbox instead (`domain.menus`).
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import (
    Bot,
    BotCommand,
    BotCommandScope,
    BotCommandScopeAllChatAdministrators,
    BotCommandScopeAllGroupChats,
    BotCommandScopeAllPrivateChats,
)

from bot.i18n import Translator, translator
from bot.settings import SUPPORTED_LANGUAGES
from domain import menus


def as_commands(pairs: list[tuple[str, str]]) -> list[BotCommand]:
    return [BotCommand(command, description) for command, description in pairs]


def private_commands(_: Translator) -> list[BotCommand]:
    """The default menu of a private chat: for whoever has no menu of their own."""
    return as_commands(menus.commands(menus.STRANGERS, _))


def group_commands(_: Translator) -> list[BotCommand]:
    return as_commands(menus.group_commands(menus.GROUP, _))


def group_administrator_commands(_: Translator) -> list[BotCommand]:
    return as_commands(menus.group_commands(menus.GROUP_ADMINISTRATORS, _))


def description(_: Translator) -> str:
    """What an empty chat with the bot shows (at most 512 characters)."""
    return str(
        _(
            "Bondgenoten keeps the police, the municipality and key figures of a neighbourhood "
            "in touch: we get to know each other, meet over a meal and act together after an "
            "incident. You join with a personal invite.\n\n"
            "🚨 Emergency? Always call 112 first."
        )
    )


def short_description(_: Translator) -> str:
    """What the bot's profile and shared links show (at most 120 characters)."""
    return str(
        _("Police, municipality and key figures of your neighbourhood in touch. Emergency? 112.")
    )


async def publish(bot: Bot, default_language: str) -> None:
    """Set the default menus and the description, in every language we speak."""
    scopes: tuple[tuple[BotCommandScope, Callable[[Translator], list[BotCommand]]], ...] = (
        (BotCommandScopeAllPrivateChats(), private_commands),
        (BotCommandScopeAllGroupChats(), group_commands),
        (BotCommandScopeAllChatAdministrators(), group_administrator_commands),
    )
    # No language code: for everyone whose app speaks a language we lack.
    languages: list[tuple[str | None, str]] = [(None, default_language)]
    languages += [(language, language) for language in SUPPORTED_LANGUAGES]
    for code, language in languages:
        _ = translator(language)
        for scope, build in scopes:
            await bot.set_my_commands(build(_), scope=scope, language_code=code)
        await bot.set_my_description(description(_), language_code=code)
        await bot.set_my_short_description(short_description(_), language_code=code)

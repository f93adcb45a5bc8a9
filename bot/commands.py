"""The command menus Telegram shows, per chat type and language (setMyCommands at start)."""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeAllGroupChats, BotCommandScopeAllPrivateChats

from bot.i18n import Translator, translator
from bot.settings import SUPPORTED_LANGUAGES


def private_commands(_: Translator) -> list[BotCommand]:
    return [
        BotCommand("start", _("Welcome and overview")),
        BotCommand("help", _("What you can do here")),
        BotCommand("networks", _("Your networks")),
        BotCommand("meetings", _("Upcoming meal meetings")),
        BotCommand("topic", _("Propose a topic for the next meeting")),
        BotCommand("actions", _("Agreed actions of your network")),
        BotCommand("language", _("Choose Dutch or English")),
        BotCommand("privacy", _("What we store and why")),
        BotCommand("mydata", _("See the data we keep about you")),
        BotCommand("forget", _("Delete your data")),
    ]


def group_commands(_: Translator) -> list[BotCommand]:
    return [
        BotCommand("help", _("What this bot does in the group")),
        BotCommand("link", _("Make this the group chat of a network")),
    ]


async def publish(bot: Bot, default_language: str) -> None:
    """Set the menus for private chats and groups, in every language we speak."""
    scopes = (
        (BotCommandScopeAllPrivateChats(), private_commands),
        (BotCommandScopeAllGroupChats(), group_commands),
    )
    for scope, build in scopes:
        # The default menu (no language_code) is for everyone whose app language we lack.
        await bot.set_my_commands(build(translator(default_language)), scope=scope)
        for language in SUPPORTED_LANGUAGES:
            await bot.set_my_commands(
                build(translator(language)), scope=scope, language_code=language
            )

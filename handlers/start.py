"""/start and /help: what this bot is, and what this particular person can do with it."""

from __future__ import annotations

from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot import services
from bot.i18n import Translator


def welcome_text(_: Translator, *, name: str, coordinator: bool) -> str:
    if coordinator:
        return _(
            "Welcome back, {name}. You are a <b>coordinator</b>: you set up networks, vet "
            "members and keep the method alive.\n\n/help shows what you can do.\n\n"
            "🚨 Emergency? Always call 112 first.",
            name=name,
        )
    return _(
        "Welcome to <b>Bondgenoten</b>, {name}.\n\n"
        "This bot supports small neighbourhood networks in which the police, the municipality "
        "and trusted people from the community keep in touch, meet over a meal and act "
        "together after incidents.\n\n"
        "Networks are invite-only: you join with a personal invite link from the network's "
        "police chief, its municipality contact or a coordinator, after a one-to-one intake "
        "conversation. Have a link? Just open it.\n\n"
        "🚨 Emergency? Always call 112 first. This bot is not an emergency line.",
        name=name,
    )


def help_text(_: Translator, *, coordinator: bool) -> str:
    lines = [
        _("<b>What you can do here</b>"),
        _("/language – choose Dutch or English"),
        _("/privacy – what we store and why"),
        _("/mydata – see the data we keep about you"),
        _("/forget – delete your data"),
    ]
    if coordinator:
        lines.append(_("You are a coordinator through the bot's configuration."))
    else:
        lines.append(
            _(
                "To join a network you need an invite link from its police chief, its "
                "municipality contact or a coordinator."
            )
        )
    lines.append(_("🚨 Emergency? Call 112."))
    return "\n".join(lines)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A stranger learns what this is and how to get in; a coordinator gets an overview."""
    assert update.effective_user and update.effective_message
    _ = await services.texts_for(update, context)
    svc = services.of(context)
    user = update.effective_user
    await update.effective_message.reply_text(
        welcome_text(_, name=user.first_name, coordinator=svc.is_coordinator(user.id))
    )


async def help_private(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """The commands this person may use, and nothing they may not."""
    assert update.effective_user and update.effective_message
    _ = await services.texts_for(update, context)
    coordinator = services.of(context).is_coordinator(update.effective_user.id)
    await update.effective_message.reply_text(help_text(_, coordinator=coordinator))


async def help_group(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """In a group: what the bot does here, and where to talk to it privately."""
    assert update.effective_message
    _ = await services.texts_for(update, context)
    await update.effective_message.reply_text(
        _(
            "I support this neighbourhood network. Talk to me privately: @{bot}.\n"
            "🚨 Emergency? Call 112.",
            bot=context.bot.username,
        )
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start, filters=private))
    application.add_handler(CommandHandler("help", help_private, filters=private))
    application.add_handler(CommandHandler("help", help_group, filters=filters.ChatType.GROUPS))

"""What every handler needs besides the update: the domain's `Context` (settings, database,
clock, ports) with the Telegram side attached, and the person's texts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from telegram import Update
from telegram.ext import Application, CallbackContext

from bot.dispatcher import Dispatcher
from bot.i18n import Translator, pick_language, translator
from domain.context import Context
from storage import people

_KEY = "services"


@dataclass
class Services(Context):
    # The WhatsApp channel when configured (bot.app): its client and webhook; its outbox is
    # `whatsapp` (domain.context).
    wa_client: Any = None
    wa_webhook: Any = None

    @property
    def sender(self) -> Dispatcher:
        """The outbox as the Telegram side runs it (with its counters, for monitoring)."""
        return cast(Dispatcher, self.dispatcher)


def attach(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    application.bot_data[_KEY] = services


def of(
    context: CallbackContext[Any, Any, Any, Any] | Application[Any, Any, Any, Any, Any, Any],
) -> Services:
    services: Services = context.bot_data[_KEY]
    return services


async def texts_for(update: object, context: CallbackContext[Any, Any, Any, Any]) -> Translator:
    """The translator for the person behind this update, by their choice or their app."""
    from bot.context import BotContext  # it builds on this module

    if isinstance(context, BotContext) and context.about is update:
        return await context.texts()  # the one lookup of this update
    services = of(context)
    user = update.effective_user if isinstance(update, Update) else None
    chosen = None
    if user is not None:
        person = await people.get(services.database, user.id)
        chosen = person.language if person else None
    code = user.language_code if user is not None else None
    return translator(pick_language(chosen, code, services.settings.bot.default_language))

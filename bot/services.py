"""What every handler needs besides the update: settings, database, clock and texts."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackContext

from bot.clock import Clock
from bot.dispatcher import Dispatcher, Listener, OutageListener
from bot.i18n import Translator, pick_language, translator
from bot.settings import Settings
from storage import people
from storage.database import Database

_KEY = "services"
# Returns True when it took the message (the person was in the middle of something).
TextTaker = Callable[[Update, CallbackContext[Any, Any, Any, Any]], Awaitable[bool]]


@dataclass
class Services:
    settings: Settings
    clock: Clock
    db: Database | None = None  # opened in post_init, closed in post_shutdown
    outbox: Dispatcher | None = None  # started in post_init, stopped in post_stop
    # Features that want to hear how each delivery ended add themselves in register().
    delivery_listeners: list[Listener] = field(default_factory=list)
    # ... and those that want to hear when Telegram stops and starts answering.
    outage_listeners: list[OutageListener] = field(default_factory=list)
    # Features waiting for typed text (an intake answer, a reply to an alert) add a taker in
    # register(); the private-text handler offers each message to them in turn.
    text_takers: list[TextTaker] = field(default_factory=list)

    @property
    def database(self) -> Database:
        if self.db is None:
            raise RuntimeError("the database is not open yet")
        return self.db

    @property
    def dispatcher(self) -> Dispatcher:
        if self.outbox is None:
            raise RuntimeError("the dispatcher is not running yet")
        return self.outbox

    def is_configured_coordinator(self, user_id: int) -> bool:
        """A coordinator from [access] coordinators (appointed ones: bot.access.load_actor)."""
        return user_id in self.settings.access.coordinators


def attach(application: Application[Any, Any, Any, Any, Any, Any], services: Services) -> None:
    application.bot_data[_KEY] = services


def of(
    context: CallbackContext[Any, Any, Any, Any] | Application[Any, Any, Any, Any, Any, Any],
) -> Services:
    services: Services = context.bot_data[_KEY]
    return services


async def texts_for(update: object, context: CallbackContext[Any, Any, Any, Any]) -> Translator:
    """The translator for the person behind this update, by their choice or their app."""
    services = of(context)
    user = update.effective_user if isinstance(update, Update) else None
    chosen = None
    if user is not None:
        person = await people.get(services.database, user.id)
        chosen = person.language if person else None
    code = user.language_code if user is not None else None
    return translator(pick_language(chosen, code, services.settings.bot.default_language))

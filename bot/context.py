"""The context every handler gets: the services and, once per update, the person's texts.

python-telegram-bot builds one `CallbackContext` per update (shared by the handlers of every
group that takes it) from the class named in `ContextTypes(context=...)`; `bot.app` names this
one. So `await context.texts()` looks the person's language up once, however many helpers of a
handler ask for it. A handler that changes the person's language calls `context.forget_texts()`
so that what follows speaks the new one.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot import services
from bot.i18n import Translator, pick_language, translator
from bot.services import Services
from storage import people
from storage.people import Person


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """`ContextTypes.DEFAULT_TYPE` with `services` and the person's `texts()`."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application, chat_id=chat_id, user_id=user_id)
        self._texts: Translator | None = None
        self._person: Person | None = None
        self._person_read = False
        self._about: object = None  # the update, for the person's language

    @property
    def about(self) -> object:
        """The update this context was built for."""
        return self._about

    @property
    def services(self) -> Services:
        """Settings, clock, database and the ports (`bot.services.of` for this context)."""
        return services.of(self)

    async def person(self) -> Person | None:
        """The person behind this update as we know them (None: unknown); read once per update,
        shared by the tracking handler and the handler that answers."""
        if not self._person_read:
            user = getattr(self._about, "effective_user", None)
            if user is not None:
                self._person = await people.get(self.services.database, user.id)
            self._person_read = True
        return self._person

    async def texts(self) -> Translator:
        """The translator of the person behind this update; looked up once per update."""
        if self._texts is None:
            user = getattr(self._about, "effective_user", None)
            person = await self.person()
            self._texts = translator(
                pick_language(
                    person.language if person else None,
                    user.language_code if user is not None else None,
                    self.services.settings.bot.default_language,
                )
            )
        return self._texts

    def forget_texts(self) -> None:
        """The person chose another language: the next `texts()` looks it up again."""
        self._texts = None
        self._person_read = False

    @classmethod
    def from_update(
        cls, update: object, application: Application[Any, Any, Any, Any, Any, Any]
    ) -> BotContext:
        context = super().from_update(update, application)
        context._about = update
        return context


async def texts_of(update: object, context: CallbackContext[Any, Any, Any, Any]) -> Translator:
    """The person's texts for helpers shared with handlers typed with PTB's default context
    (`handlers.guard`, `handlers.common`): looked up once per update all the same, since every
    context the application builds is a `BotContext`."""
    if isinstance(context, BotContext):
        return await context.texts()
    return await services.texts_for(update, context)

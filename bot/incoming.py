"""Reading what Telegram sends: each update on its own, so one the library cannot read is
skipped instead of blocking every update after it.

python-telegram-bot's `Bot.get_updates` parses a whole batch at once (`Update.de_list`): one
update it cannot read (a field it requires missing, say a poll answer without
`option_persistent_ids`) fails the batch, the offset never moves past it, and the `Updater`
fetches the same batch again at once, forever — a full core, a log line each time with the
update's whole content, and nobody answered. `TolerantBot` parses each update alone; one that
fails is logged once, by id and kind only, and handed on as a bare `Update(update_id=…)` that
no handler acts on, so the offset still moves past it.

`ApplicationBuilder` is python-telegram-bot's builder with every setting as usual, except that
the bot it builds is a `TolerantBot`.
"""

from __future__ import annotations

import datetime as dtm
import logging
from collections.abc import Callable, Sequence
from typing import Any, cast

from telegram import Update
from telegram._utils.defaultvalue import DEFAULT_NONE, DefaultValue
from telegram._utils.types import JSONDict, ODVInput
from telegram.ext import ApplicationBuilder as PtbApplicationBuilder
from telegram.ext import ExtBot

log = logging.getLogger(__name__)
# Told after each getUpdates: None when Telegram answered, else the error (for /healthz).
PollListener = Callable[[Exception | None], None]


def parse_update(data: JSONDict, bot: ExtBot[Any]) -> Update:
    """The update in `data`, or a bare one with only its id if the library cannot read it."""
    try:
        update = Update.de_json(data, bot)
    except Exception as exc:
        # Field names only: the values are messages, names and votes of real people.
        kinds = [key for key in data if key != "update_id"]
        log.error(
            "skipped update %s (%s): the library cannot read it (%s)",
            data.get("update_id"),
            ", ".join(kinds) or "empty",
            type(exc).__name__,
        )
        return Update(update_id=int(data["update_id"]))
    bot.insert_callback_data(update)
    return update


class TolerantBot(ExtBot[Any]):
    """An `ExtBot` whose `get_updates` never fails a batch because of one update, and tells
    its `poll_listeners` how each poll went."""

    __slots__ = ("poll_listeners",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self.poll_listeners: list[PollListener] = []

    async def get_updates(
        self,
        offset: int | None = None,
        limit: int | None = None,
        timeout: int | dtm.timedelta | None = None,  # noqa: ASYNC109 - the Bot API parameter
        allowed_updates: Sequence[str] | None = None,
        *,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
        api_kwargs: JSONDict | None = None,
    ) -> tuple[Update, ...]:
        # The request as python-telegram-bot 22's Bot.get_updates makes it: the long-poll
        # timeout is added to the read time-out, so a quiet poll is no time-out.
        data: JSONDict = {
            "timeout": timeout,
            "offset": offset,
            "limit": limit,
            "allowed_updates": allowed_updates,
        }
        if isinstance(read_timeout, DefaultValue):
            base = self._request[0].read_timeout or 0
        else:
            base = read_timeout or 0
        if isinstance(timeout, dtm.timedelta):
            effective_read_timeout = base + timeout.total_seconds()
        else:
            effective_read_timeout = base + (timeout or 0)
        try:
            result = cast(
                "list[JSONDict]",
                await self._post(
                    "getUpdates",
                    data,
                    read_timeout=effective_read_timeout,
                    write_timeout=write_timeout,
                    connect_timeout=connect_timeout,
                    pool_timeout=pool_timeout,
                    api_kwargs=api_kwargs,
                ),
            )
        except Exception as exc:
            self._polled(exc)
            raise
        self._polled(None)
        return tuple(parse_update(item, self) for item in result)

    def _polled(self, error: Exception | None) -> None:
        for listener in self.poll_listeners:
            listener(error)


class ApplicationBuilder(PtbApplicationBuilder):
    """python-telegram-bot's builder; the bot it builds is a `TolerantBot`."""

    def _build_ext_bot(self) -> ExtBot[Any]:
        # Exactly what PtbApplicationBuilder._build_ext_bot passes (python-telegram-bot 22),
        # so every builder setting still applies. tests/test_odd_updates.py fails if this
        # override ever stops being called.
        if isinstance(self._token, DefaultValue):
            raise RuntimeError("No bot token was set.")
        return TolerantBot(
            token=self._token,
            base_url=DefaultValue.get_value(self._base_url),
            base_file_url=DefaultValue.get_value(self._base_file_url),
            private_key=DefaultValue.get_value(self._private_key),
            private_key_password=DefaultValue.get_value(self._private_key_password),
            defaults=DefaultValue.get_value(self._defaults),
            arbitrary_callback_data=DefaultValue.get_value(self._arbitrary_callback_data),
            request=self._build_request(get_updates=False),
            get_updates_request=self._build_request(get_updates=True),
            rate_limiter=DefaultValue.get_value(self._rate_limiter),
            local_mode=DefaultValue.get_value(self._local_mode),
        )

"""The bot's update queue and ``getUpdates`` long polling, as Telegram runs it.

* ``offset`` confirms (drops) every update with a smaller id;
* ``allowed_updates`` persists between calls: omitted keeps the previous setting,
  ``[]`` restores the default set (everything but chat_member and reactions);
  queued updates of types that are not allowed are dropped;
* only one getUpdates may wait at a time: a newer request terminates the waiting
  one, which is answered 409 (as Telegram does when two bot instances poll); so does
  setWebhook;
* with a webhook set, ``next_update`` / ``confirm`` hand the updates out one by one instead
  (``sandbox.webhook``).
"""

from __future__ import annotations

import asyncio
import secrets
from typing import Any

from sandbox._api import ApiError

UPDATE_TYPES: tuple[str, ...] = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "guest_message",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
    "managed_bot",
)
DEFAULT_ALLOWED: frozenset[str] = frozenset(UPDATE_TYPES) - {
    "chat_member",
    "message_reaction",
    "message_reaction_count",
}

CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)
TERMINATED_BY_WEBHOOK = "Conflict: terminated by setWebhook request"


def _first_update_id() -> int:
    # Telegram numbers a bot's updates in sequence, but after a week without updates it picks
    # the next id at random. A new sandbox is such a quiet bot, so two sandboxes one after the
    # other on the same database (as in the benchmarks) do not reuse each other's ids.
    return 100_000_000 + secrets.randbelow(800_000_000)


class UpdateQueue:
    """Pending updates for the one simulated bot."""

    def __init__(self, first_update_id: int | None = None) -> None:
        self.pending: list[dict[str, Any]] = []
        self.delivered: list[dict[str, Any]] = []  # every update handed out, for tests
        self.allowed: frozenset[str] = DEFAULT_ALLOWED
        self._next_id = first_update_id if first_update_id is not None else _first_update_id()
        self._wakeup: asyncio.Event | None = None
        self._generation = 0
        self._terminated_by = CONFLICT
        self._closed = False

    def _event(self) -> asyncio.Event:
        if self._wakeup is None:
            self._wakeup = asyncio.Event()
        return self._wakeup

    def push(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update of type ``kind``; wakes a waiting long poll."""
        update_id = self._next_id
        self._next_id += 1
        self.pending.append({"update_id": update_id, kind: payload})
        self._event().set()
        return update_id

    def push_raw(self, update: dict[str, Any]) -> int:
        """Queue exactly this update, as Telegram would send it, even one the library would not
        accept (a field missing, a type it does not know). Without an ``update_id`` it gets the
        next one; with one, later updates are numbered after it."""
        update = dict(update)
        update_id = int(update.setdefault("update_id", self._next_id))
        self._next_id = max(self._next_id, update_id + 1)
        self.pending.append(update)
        self._event().set()
        return update_id

    def redeliver(self, update_id: int) -> None:
        """Hand out an update again, as Telegram does when the bot died before confirming it."""
        update = next(u for u in reversed(self.delivered) if u["update_id"] == update_id)
        self.pending.append(dict(update))
        self.pending.sort(key=lambda u: u["update_id"])
        self._event().set()

    def allow(self, allowed_updates: list[str] | None) -> None:
        """``allowed_updates`` as getUpdates and setWebhook take it: None keeps the setting."""
        if allowed_updates is not None:
            self.allowed = frozenset(allowed_updates) if allowed_updates else DEFAULT_ALLOWED

    def end_long_poll(self) -> None:
        """A webhook was set: a waiting getUpdates is answered 409, as Telegram does."""
        self._generation += 1
        self._terminated_by = TERMINATED_BY_WEBHOOK
        self._event().set()

    async def next_update(self) -> dict[str, Any] | None:
        """The oldest pending update, as soon as there is one; None once closed (webhook)."""
        while True:
            self._filter()
            if self._closed:
                return None
            if self.pending:
                return self.pending[0]
            event = self._event()
            event.clear()
            await event.wait()

    def confirm(self, update_id: int) -> None:
        """The webhook answered 2xx for this update: it is delivered."""
        self.delivered.extend(u for u in self.pending if u["update_id"] == update_id)
        self.pending = [u for u in self.pending if u["update_id"] != update_id]

    def close(self) -> None:
        """Release every long poll (sandbox stop)."""
        self._closed = True
        self._event().set()

    def reopen(self) -> None:
        self._closed = False
        self._wakeup = None

    @staticmethod
    def kind_of(update: dict[str, Any]) -> str:
        return next(key for key in update if key != "update_id")

    def _confirm(self, offset: int | None) -> None:
        if offset is None:
            return
        if offset < 0:  # negative offset: keep only the last -offset updates
            self.pending = self.pending[offset:]
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    def _filter(self) -> None:
        self.pending = [u for u in self.pending if self.kind_of(u) in self.allowed]

    async def get_updates(
        self,
        *,
        offset: int | None = None,
        limit: int | None = None,
        timeout: float | None = None,  # noqa: ASYNC109 - the Bot API parameter
        allowed_updates: list[str] | None = None,
    ) -> list[dict[str, Any]]:
        # Like Telegram, a newer request terminates the one still waiting (it gets 409).
        self._generation += 1
        self._terminated_by = CONFLICT
        generation = self._generation
        self._event().set()
        self.allow(allowed_updates)
        limit = 100 if not limit or limit > 100 else max(1, limit)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, float(timeout or 0))
        while True:
            if generation != self._generation:
                raise ApiError(409, self._terminated_by)
            self._confirm(offset)
            self._filter()
            if self.pending or self._closed:
                break
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            event = self._event()
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                pass
        batch = [] if self._closed else self.pending[:limit]
        self.delivered.extend(batch)
        return batch

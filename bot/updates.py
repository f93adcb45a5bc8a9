"""Updates from different chats are handled at once; one chat's updates keep their order.

python-telegram-bot handles one update at a time by default, so one slow answer (Telegram
slow to confirm a reply, a long query) makes everybody wait. This processor lets up to
`CONCURRENT` updates run together, but an update waits for the updates before it that share
its chat or its person: a person's private chat, a group's messages and a person's button
presses in a group are each handled in the order Telegram sent them.

Each update takes its place in the line of every chat and person it concerns the moment it
arrives, and runs when it is first in all of them. Lines are filled in arrival order, so the
oldest update waiting is always first in all its lines: nothing waits for ever.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

CONCURRENT = 16


def keys_of(update: object) -> list[str]:
    """What an update must keep its order with: its chat and its person."""
    if not isinstance(update, Update):
        return []
    keys = []
    if update.effective_chat is not None:
        keys.append(f"chat:{update.effective_chat.id}")
    if update.effective_user is not None:
        keys.append(f"user:{update.effective_user.id}")
    return sorted(set(keys))


class ChatOrderedUpdates(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = CONCURRENT) -> None:
        super().__init__(max_concurrent_updates)
        self._lines: dict[str, deque[object]] = {}
        self._moved = asyncio.Condition()

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        keys = keys_of(update)
        ticket = object()
        for key in keys:  # no await before this: the places follow the arrival order
            self._lines.setdefault(key, deque()).append(ticket)
        try:
            async with self._moved:
                await self._moved.wait_for(lambda: all(self._lines[k][0] is ticket for k in keys))
            await coroutine
        finally:
            for key in keys:
                line = self._lines[key]
                line.remove(ticket)
                if not line:
                    del self._lines[key]
            async with self._moved:
                self._moved.notify_all()

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

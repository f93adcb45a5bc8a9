"""The updates the bot has taken on lately, by Telegram's update id (see handlers.once)."""

from __future__ import annotations

import asyncio
import weakref
from datetime import datetime

from storage.database import Database


class _GroupCommit:
    """Ids that arrive together (a storm of button presses) are recorded in one transaction:
    each caller still hears only after its id is committed, so the guarantee holds across a
    restart, at one write for the batch instead of one per update."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._waiting: list[tuple[int, str, asyncio.Future[bool]]] = []
        self._writing: asyncio.Task[None] | None = None

    async def first_time(self, update_id: int, now: datetime) -> bool:
        answer: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((update_id, now.isoformat(), answer))
        if self._writing is None or self._writing.done():
            self._writing = asyncio.create_task(self._write())
        return await answer

    async def _write(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:500], self._waiting[500:]
            try:
                recorded = await self._insert(batch)
            except Exception as exc:  # each caller decides what a failed record means
                for _id, _at, answer in batch:
                    if not answer.done():
                        answer.set_exception(exc)
                continue
            except BaseException:  # cancelled (shutting down): nobody is left waiting
                for _id, _at, answer in batch + self._waiting:
                    answer.cancel()
                self._waiting = []
                raise
            for update_id, _at, answer in batch:
                first = update_id in recorded
                recorded.discard(update_id)  # the same id twice in a batch: the second is late
                if not answer.done():
                    answer.set_result(first)

    async def _insert(self, batch: list[tuple[int, str, asyncio.Future[bool]]]) -> set[int]:
        rows: dict[int, str] = {}
        for update_id, at, _answer in batch:
            rows.setdefault(update_id, at)
        values = ", ".join("(?, ?)" for _ in rows)
        params = [value for row in rows.items() for value in row]
        async with self._db.transaction() as conn:
            async with conn.execute(
                f"INSERT INTO handled_updates (update_id, received_at) VALUES {values}"
                " ON CONFLICT (update_id) DO NOTHING RETURNING update_id",
                params,
            ) as cursor:
                return {row[0] for row in await cursor.fetchall()}


_group_commits: weakref.WeakKeyDictionary[Database, _GroupCommit] = weakref.WeakKeyDictionary()


async def first_time(db: Database, update_id: int, now: datetime) -> bool:
    """Record that update `update_id` is being handled; False if it was recorded before.
    Returns once the record is committed."""
    group = _group_commits.get(db)
    if group is None:
        group = _group_commits[db] = _GroupCommit(db)
    return await group.first_time(update_id, now)


async def prune(db: Database, before: datetime) -> int:
    """Forget the updates received before `before`; returns how many."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "DELETE FROM handled_updates WHERE received_at < ?", (before.isoformat(),)
        )
        return cursor.rowcount

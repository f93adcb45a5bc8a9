"""The pictures of queued deliveries (a `photo` delivery, domain.ports.PHOTO): the bytes wait here,
not in the delivery's JSON params, and go when the delivery ends or is deleted (triggers and a
cascade in migration 0025), so nothing of them outlives what they were sent for."""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from storage.database import Database


@dataclass(frozen=True)
class Media:
    content: bytes
    filename: str


async def add(conn: aiosqlite.Connection, delivery_id: int, content: bytes, filename: str) -> None:
    """The picture of `delivery_id`, inside the transaction that queues the delivery."""
    await conn.execute(
        "INSERT INTO delivery_media (delivery_id, content, filename) VALUES (?, ?, ?)",
        (delivery_id, content, filename),
    )


async def of(db: Database, delivery_id: int) -> Media | None:
    row = await db.fetch_one(
        "SELECT content, filename FROM delivery_media WHERE delivery_id = ?", (delivery_id,)
    )
    return Media(bytes(row["content"]), row["filename"]) if row is not None else None

"""What the bot holds about one person, and forgetting it: the /mydata and /forget backends.

Each repository that stores personal data adds its part here, so that /mydata shows all of it
and /forget removes all of it in one transaction.
"""

from __future__ import annotations

from typing import Any

from storage import people
from storage.database import Database


async def export_person(db: Database, user_id: int) -> dict[str, Any]:
    """Everything stored about `user_id`, as a JSON-ready document."""
    person = await people.get(db, user_id)
    document: dict[str, Any] = {"telegram_user_id": user_id}
    document["profile"] = (
        {
            "language": person.language,
            "first_stored_at": person.created_at,
            "last_active_at": person.last_active_at,
            "blocked_bot_at": person.blocked_at,
        }
        if person
        else None
    )
    return document


async def has_data(db: Database, user_id: int) -> bool:
    return (await people.get(db, user_id)) is not None


async def forget_person(db: Database, user_id: int) -> int:
    """Delete every row about `user_id` at once; returns how many rows went."""
    async with db.transaction() as conn:
        return await people.delete(conn, user_id)

"""Which version of the privacy notice a person agreed to, and when (`people` columns)."""

from __future__ import annotations

from datetime import datetime

from storage.database import Database


async def record(db: Database, user_id: int, version: int, now: datetime) -> None:
    """The person agreed to `version` of the notice now (a row is made if there was none)."""
    stamp = now.isoformat()
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO people (user_id, created_at, last_active_at, privacy_version,"
            " privacy_agreed_at) VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id) DO UPDATE SET privacy_version = excluded.privacy_version,"
            " privacy_agreed_at = excluded.privacy_agreed_at",
            (user_id, stamp, stamp, version, stamp),
        )


async def agreed_networks(db: Database, user_id: int) -> list[int]:
    """The networks in which the person agreed to the notice in their intake and still takes
    part (applying, awaiting a decision or approved): where the notice applies to them."""
    rows = await db.fetch_all(
        "SELECT network_id FROM memberships WHERE user_id = ? AND consent_at IS NOT NULL"
        " AND status NOT IN ('removed', 'rejected') ORDER BY network_id",
        (user_id,),
    )
    return [row["network_id"] for row in rows]

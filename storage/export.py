"""What a network's export for an access request reads: every answer to its meetings, with
the name and role the network knows the person by. Read-only; the roster itself is
`memberships.roster`."""

from __future__ import annotations

from dataclasses import dataclass

from storage.database import Database


@dataclass(frozen=True)
class Answer:
    """One person's answer to one meeting, and whether they came (None: not confirmed)."""

    meeting_id: int
    user_id: int
    name: str | None
    role: str | None
    answer: str | None  # "yes", "no", "maybe"; None: no answer, only whether they came
    attended: bool | None


async def attendance(db: Database, network_id: int) -> list[Answer]:
    """Every stored answer and attendance of the network's meetings, by meeting and name."""
    rows = await db.fetch_all(
        "SELECT a.meeting_id, a.user_id, ms.display_name AS name, ms.role, a.answer, a.attended"
        " FROM meetings m JOIN attendance a ON a.meeting_id = m.id"
        " LEFT JOIN memberships ms ON ms.network_id = m.network_id AND ms.user_id = a.user_id"
        " WHERE m.network_id = ?"
        " ORDER BY m.starts_at, m.id, ms.display_name COLLATE NOCASE, a.user_id",
        (network_id,),
    )
    return [
        Answer(
            meeting_id=row["meeting_id"],
            user_id=row["user_id"],
            name=row["name"],
            role=row["role"],
            answer=row["answer"],
            attended=None if row["attended"] is None else bool(row["attended"]),
        )
        for row in rows
    ]

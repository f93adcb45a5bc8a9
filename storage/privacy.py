"""What the bot holds about one person, and forgetting it: the /mydata and /forget backends.

Each repository that stores personal data adds its part here, so that /mydata shows all of it
and /forget removes all of it in one transaction.
"""

from __future__ import annotations

from typing import Any

from storage import (
    answer_messages,
    application_cards,
    audit,
    conversations,
    coordinators,
    deliveries,
    group_chats,
    incidents,
    invites,
    meetings,
    memberships,
    networks,
    people,
)
from storage.database import Database

# Every place a person's Telegram user id is stored, for `has_data`. References in other
# people's records (who decided, who invited) count: /forget removes those too.
_REFERENCES = (
    ("people", "user_id"),
    ("memberships", "user_id"),
    ("memberships", "decided_by"),
    ("memberships", "removed_by"),
    ("group_invite_links", "user_id"),
    ("coordinators", "user_id"),
    ("coordinators", "appointed_by"),
    ("coordinator_changes", "user_id"),
    ("coordinator_changes", "by_user_id"),
    ("networks", "created_by"),
    ("invites", "created_by"),
    ("invites", "used_by"),
    ("invites", "revoked_by"),
    ("group_chats", "added_by"),
    ("group_chats", "linked_by"),
    ("incidents", "created_by"),
    ("incidents", "closed_by"),
    ("incident_recipients", "user_id"),
    ("incident_drafts", "user_id"),
    ("attendance", "user_id"),
    ("meeting_topics", "user_id"),
    ("actions", "owner_id"),
    ("conversations", "user_id"),
    ("meeting_answer_messages", "user_id"),
    ("application_cards", "chat_id"),
    ("application_cards", "user_id"),
    ("application_cards", "decided_by"),
    ("audit", "actor_id"),
)


async def export_person(db: Database, user_id: int) -> dict[str, Any]:
    """Everything stored about `user_id`, as a JSON-ready document.

    Only the person's own data: of a decision on their application the fact and the date, not
    who made it.
    """
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
    names = {network.id: network.name for network in await networks.all(db)}
    document["memberships"] = [
        {
            "network": names.get(m.network_id),
            "role": m.role,
            "status": m.status,
            "display_name": m.display_name,
            "organisation": m.organisation,
            "reach": m.reach,
            "phone": m.phone,
            "phone_shared_with_network": m.share_phone,
            "diet": m.diet,
            "consent_given_at": m.consent_at,
            "applied_at": m.submitted_at,
            "decided_at": m.decided_at,
            "joined_group_at": m.joined_at,
            "last_active_at": m.last_active_at,
            "removed_at": m.removed_at,
            "left_yourself": (m.removed_by == user_id) if m.removed_at else None,
        }
        for m in await memberships.for_user(db, user_id)
    ]
    links = await db.fetch_all(
        "SELECT * FROM group_invite_links WHERE user_id = ? ORDER BY id", (user_id,)
    )
    document["group_invite_links"] = [
        {
            "network": names.get(row["network_id"]),
            "link": row["invite_link"],
            "created_at": row["created_at"],
            "revoked_at": row["revoked_at"],
        }
        for row in links
    ]
    document["alerts_received"] = await incidents.responses_of(db, user_id)
    document |= await meetings.data_of(db, user_id)
    appointment = await coordinators.get(db, user_id)
    document["coordinator"] = (
        {"appointed_at": appointment.appointed_at} if appointment is not None else None
    )
    document["coordinator_changes"] = [  # the fact and the date, not who made the change
        {"change": change.change, "at": change.at}
        for change in await coordinators.changes(db, user_id)
    ]
    return document


async def has_data(db: Database, user_id: int) -> bool:
    checks = " UNION ALL ".join(
        f"SELECT 1 FROM {table} WHERE {column} = ?" for table, column in _REFERENCES
    )
    row = await db.fetch_one(f"SELECT EXISTS ({checks})", (user_id,) * len(_REFERENCES))
    return row is not None and bool(row[0])


async def forget_person(db: Database, user_id: int) -> int:
    """Delete every row about `user_id` at once; returns how many rows went or were cleared.

    What is only theirs is deleted; records that belong to other people too (a network they
    created, an invite they made, a decision on someone else) stay without their id.
    """
    async with db.transaction() as conn:
        # Memberships first: they refer to `people` and to invites.
        removed = await memberships.forget(conn, user_id)
        removed += await coordinators.forget(conn, user_id)
        removed += await invites.forget(conn, user_id)
        removed += await networks.forget(conn, user_id)
        removed += await group_chats.forget(conn, user_id)
        removed += await deliveries.forget(conn, user_id)
        removed += await incidents.forget(conn, user_id)
        removed += await meetings.forget(conn, user_id)
        removed += await conversations.forget(conn, user_id)
        removed += await answer_messages.forget(conn, user_id)
        removed += await application_cards.forget(conn, user_id)
        removed += await audit.forget(conn, user_id)  # the facts stay, without their id
        removed += await people.delete(conn, user_id)
        return removed

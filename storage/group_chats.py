"""Group chats: where the bot was added, which network each chat belongs to, and its rights.

A chat is recorded when the bot is added, linked to one network with /link, and keeps that
link when Telegram turns the group into a supergroup (which gives it a new chat id).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import aiosqlite

from storage.database import Database


@dataclass(frozen=True)
class BotRights:
    """The administrator rights the bot needs in a network's group chat."""

    can_invite_users: bool = False  # to make personal join links and approve join requests
    can_restrict_members: bool = False  # to take removed members out


@dataclass(frozen=True)
class GroupChat:
    chat_id: int
    title: str | None
    network_id: int | None  # None until linked
    added_at: str
    added_by: int | None
    linked_at: str | None
    linked_by: int | None
    bot_is_admin: bool
    rights: BotRights
    migrated_from: int | None
    left_at: str | None

    @property
    def linked(self) -> bool:
        return self.network_id is not None


def _chat(row: sqlite3.Row) -> GroupChat:
    values = dict(row)
    rights = BotRights(
        can_invite_users=bool(values.pop("can_invite_users")),
        can_restrict_members=bool(values.pop("can_restrict_members")),
    )
    values["bot_is_admin"] = bool(values["bot_is_admin"])
    return GroupChat(**values, rights=rights)


async def _fetch(conn: aiosqlite.Connection, chat_id: int) -> GroupChat | None:
    async with conn.execute("SELECT * FROM group_chats WHERE chat_id = ?", (chat_id,)) as cursor:
        row = await cursor.fetchone()
    return _chat(row) if row is not None else None


async def get(db: Database, chat_id: int) -> GroupChat | None:
    row = await db.fetch_one("SELECT * FROM group_chats WHERE chat_id = ?", (chat_id,))
    return _chat(row) if row is not None else None


async def record_added(
    db: Database,
    chat_id: int,
    title: str | None,
    by: int | None,
    now: datetime,
    is_admin: bool,
    rights: BotRights,
) -> GroupChat:
    """The bot was added to a chat (again). A chat added again keeps its network link."""
    async with db.transaction() as conn:
        async with conn.execute(
            "INSERT INTO group_chats (chat_id, title, added_at, added_by, bot_is_admin,"
            " can_invite_users, can_restrict_members) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (chat_id) DO UPDATE SET title = excluded.title,"
            " added_at = excluded.added_at, added_by = excluded.added_by,"
            " bot_is_admin = excluded.bot_is_admin,"
            " can_invite_users = excluded.can_invite_users,"
            " can_restrict_members = excluded.can_restrict_members, left_at = NULL"
            " RETURNING *",
            (
                chat_id,
                title,
                now.isoformat(),
                by,
                is_admin,
                rights.can_invite_users,
                rights.can_restrict_members,
            ),
        ) as cursor:
            row = await cursor.fetchone()
    assert row is not None
    return _chat(row)


async def update_rights(
    db: Database, chat_id: int, is_admin: bool, rights: BotRights, title: str | None = None
) -> bool:
    """The bot's status in the chat changed; False if the chat is not known."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE group_chats SET bot_is_admin = ?, can_invite_users = ?,"
            " can_restrict_members = ?, title = coalesce(?, title) WHERE chat_id = ?",
            (is_admin, rights.can_invite_users, rights.can_restrict_members, title, chat_id),
        )
        return cursor.rowcount > 0


class LinkOutcome(StrEnum):
    LINKED = "linked"
    ALREADY_LINKED = "already_linked"  # to this same network: nothing changed
    LINKED_ELSEWHERE = "linked_elsewhere"  # to another network: see chat.network_id
    UNKNOWN_CHAT = "unknown_chat"  # the bot is not (or no longer) in this chat


@dataclass(frozen=True)
class LinkResult:
    outcome: LinkOutcome
    chat: GroupChat | None


async def link(db: Database, chat_id: int, network_id: int, by: int, now: datetime) -> LinkResult:
    """/link NETWORK in a group: it becomes that network's chat, unless it belongs to another."""
    async with db.transaction() as conn:
        async with conn.execute(
            "UPDATE group_chats SET network_id = ?, linked_at = ?, linked_by = ?"
            " WHERE chat_id = ? AND network_id IS NULL AND left_at IS NULL RETURNING *",
            (network_id, now.isoformat(), by, chat_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is not None:
            return LinkResult(LinkOutcome.LINKED, _chat(row))
        chat = await _fetch(conn, chat_id)
    if chat is None or chat.left_at is not None:
        return LinkResult(LinkOutcome.UNKNOWN_CHAT, chat)
    if chat.network_id == network_id:
        return LinkResult(LinkOutcome.ALREADY_LINKED, chat)
    return LinkResult(LinkOutcome.LINKED_ELSEWHERE, chat)


async def migrate(db: Database, old_chat_id: int, new_chat_id: int) -> GroupChat | None:
    """A group became a supergroup: move everything to the new chat id, keeping the link.

    Idempotent, since it arrives twice (the service message and a ChatMigrated error). If the
    new chat was already recorded (the bot saw it first), the two records are merged. Returns
    the chat under its new id, or None if neither id is known.
    """
    async with db.transaction() as conn:
        old = await _fetch(conn, old_chat_id)
        new = await _fetch(conn, new_chat_id)
        if old is None:
            return new
        if new is None:
            # ON UPDATE CASCADE moves the personal join links along with the chat id.
            await conn.execute(
                "UPDATE group_chats SET chat_id = ?, migrated_from = ? WHERE chat_id = ?",
                (new_chat_id, old_chat_id, old_chat_id),
            )
        else:
            await conn.execute(
                "UPDATE group_chats SET network_id = coalesce(network_id, ?),"
                " linked_at = coalesce(linked_at, ?), linked_by = coalesce(linked_by, ?),"
                " added_at = min(added_at, ?), migrated_from = ? WHERE chat_id = ?",
                (
                    old.network_id,
                    old.linked_at,
                    old.linked_by,
                    old.added_at,
                    old_chat_id,
                    new_chat_id,
                ),
            )
            await conn.execute(
                "UPDATE group_invite_links SET chat_id = ? WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )
            await conn.execute("DELETE FROM group_chats WHERE chat_id = ?", (old_chat_id,))
        return await _fetch(conn, new_chat_id)


async def for_network(db: Database, network_id: int) -> list[GroupChat]:
    """The group chats of a network that the bot is still in."""
    rows = await db.fetch_all(
        "SELECT * FROM group_chats WHERE network_id = ? AND left_at IS NULL ORDER BY chat_id",
        (network_id,),
    )
    return [_chat(row) for row in rows]


async def unlinked_older_than(db: Database, cutoff: datetime) -> list[GroupChat]:
    """Chats the bot is in that nobody linked to a network since before `cutoff`: to leave."""
    rows = await db.fetch_all(
        "SELECT * FROM group_chats WHERE network_id IS NULL AND left_at IS NULL"
        " AND added_at < ? ORDER BY added_at, chat_id",
        (cutoff.isoformat(),),
    )
    return [_chat(row) for row in rows]


async def mark_left(db: Database, chat_id: int, now: datetime) -> bool:
    """The bot left or was removed; the row stays so a return keeps the network link."""
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE group_chats SET left_at = ? WHERE chat_id = ? AND left_at IS NULL",
            (now.isoformat(), chat_id),
        )
        return cursor.rowcount > 0


async def forget(conn: aiosqlite.Connection, user_id: int) -> int:
    """Part of forgetting a person: chats they added or linked stay, without the reference."""
    total = 0
    for column in ("added_by", "linked_by"):
        cursor = await conn.execute(
            f"UPDATE group_chats SET {column} = NULL WHERE {column} = ?", (user_id,)
        )
        total += cursor.rowcount
    return total

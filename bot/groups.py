"""The groups port on Telegram: take a person out, personal join links, leaving a group.

What Telegram refuses becomes a `Refusal` the use case can explain (for example: give the bot
back its right to ban users); nothing here decides who goes where.
"""

from __future__ import annotations

import logging

from telegram import Bot
from telegram.error import ChatMigrated, Forbidden, TelegramError

from domain.ports import Refusal

log = logging.getLogger(__name__)


def refusal(exc: TelegramError) -> Refusal:
    """What Telegram's refusal means for the use case."""
    lowered = exc.message.lower()
    if isinstance(exc, Forbidden):
        return Refusal.NOT_IN_CHAT
    if "invite_hash_expired" in lowered:
        return Refusal.GONE
    if "administrator" in lowered or "chat owner" in lowered:
        return Refusal.ADMIN
    if "not enough rights" in lowered or "admin_required" in lowered:
        return Refusal.NO_RIGHTS
    return Refusal.OTHER


class TelegramGroups:
    """`domain.ports.Groups` over the Bot API."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def remove(self, chat_id: int, user_id: int) -> Refusal | None:
        try:
            try:
                await self._ban_and_unban(chat_id, user_id)
            except ChatMigrated as exc:  # the group became a supergroup: same chat, new id
                await self._ban_and_unban(exc.new_chat_id, user_id)
        except TelegramError as exc:
            return self._refused(chat_id, exc)
        return None

    async def _ban_and_unban(self, chat_id: int, user_id: int) -> None:
        await self.bot.ban_chat_member(chat_id, user_id)
        # Right away: banned people cannot come back through a new invite; this way they can.
        await self.bot.unban_chat_member(chat_id, user_id, only_if_banned=True)

    async def invite_link(self, chat_id: int, name: str) -> str | None:
        try:
            link = await self.bot.create_chat_invite_link(
                chat_id, name=name[:32], creates_join_request=True
            )
        except TelegramError as exc:
            self._refused(chat_id, exc)
            return None
        return link.invite_link

    async def revoke_link(self, chat_id: int, link: str) -> Refusal | None:
        try:
            await self.bot.revoke_chat_invite_link(chat_id, link)
        except TelegramError as exc:
            return self._refused(chat_id, exc)
        return None

    async def leave(self, chat_id: int) -> Refusal | None:
        try:
            await self.bot.leave_chat(chat_id)
        except TelegramError as exc:
            return self._refused(chat_id, exc)
        return None

    @staticmethod
    def _refused(chat_id: int, exc: TelegramError) -> Refusal:
        log.warning("Telegram refused in chat %s: %s", chat_id, exc.message)
        return refusal(exc)

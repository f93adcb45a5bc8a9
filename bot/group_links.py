"""Personal join links: each approved member gets their own link to each group of the network.

A link creates a join request instead of letting anyone in, so the bot can check the person
before Telegram admits them; the link is recorded so that removing the member revokes it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from telegram import Bot
from telegram.error import TelegramError

from bot.i18n import Translator
from bot.services import Services
from domain.notify import tell
from domain.ports import Button, Keyboard
from storage import group_chats, memberships, networks

log = logging.getLogger(__name__)


async def invite_to_groups(
    bot: Bot, svc: Services, network_id: int, user_ids: Iterable[int]
) -> int:
    """Send each approved member a personal join link for every linked group; returns links sent."""
    db = svc.database
    network = await networks.get(db, network_id)
    chats = [c for c in await group_chats.for_network(db, network_id) if c.left_at is None]
    if network is None or not chats:
        return 0
    sent = 0
    for user_id in user_ids:
        for chat in chats:
            existing = {
                link.chat_id
                for link in await memberships.open_invite_links(db, network_id, user_id)
            }
            if chat.chat_id in existing:
                continue
            try:
                link = await bot.create_chat_invite_link(
                    chat.chat_id, name=f"member {user_id}"[:32], creates_join_request=True
                )
            except TelegramError as exc:
                log.warning("no join link for user %s in chat %s: %s", user_id, chat.chat_id, exc)
                continue
            recorded = await memberships.record_invite_link(
                db, network_id, user_id, chat.chat_id, link.invite_link, svc.clock.now()
            )
            if recorded is None:  # no longer approved in the meantime: withdraw the link again
                await bot.revoke_chat_invite_link(chat.chat_id, link.invite_link)
                continue

            def compose(
                _: Translator, title: str = chat.title or "", url: str = link.invite_link
            ) -> tuple[str, Keyboard]:
                text = _(
                    "Welcome to the network {network}! Join its group chat “{group}” with your "
                    "personal link below. It is for you alone: please don't pass it on.",
                    network=network.name,
                    group=title,
                )
                return text, [[Button(_("Join the group"), url=url)]]

            if await tell(svc, [user_id], compose, kind="group_link"):
                sent += 1
    return sent

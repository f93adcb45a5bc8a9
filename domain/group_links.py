"""Personal join links: each approved member gets their own link to each group of the network.

A link creates a join request instead of letting anyone in, so the bot can check the person
before Telegram admits them; the link is recorded so that removing the member revokes it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from bot.i18n import Translator
from domain.context import Context
from domain.notify import tell
from domain.ports import Button, Keyboard
from storage import group_chats, memberships, networks

log = logging.getLogger(__name__)


async def invite_to_groups(ctx: Context, network_id: int, user_ids: Iterable[int]) -> int:
    """Send each approved member a personal join link for every linked group; returns links sent."""
    db = ctx.database
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
            link = await ctx.groups.invite_link(chat.chat_id, f"member {user_id}")
            if link is None:
                log.warning("no join link for user %s in chat %s", user_id, chat.chat_id)
                continue
            recorded = await memberships.record_invite_link(
                db, network_id, user_id, chat.chat_id, link, ctx.clock.now()
            )
            if recorded is None:  # no longer approved in the meantime: withdraw the link again
                await ctx.groups.revoke_link(chat.chat_id, link)
                continue

            def compose(
                _: Translator, title: str = chat.title or "", url: str = link
            ) -> tuple[str, Keyboard]:
                text = _(
                    "Welcome to the network {network}! Join its group chat “{group}” with your "
                    "personal link below. It is for you alone: please don't pass it on.",
                    network=network.name,
                    group=title,
                )
                return text, [[Button(_("Join the group"), url=url)]]

            if await tell(ctx, [user_id], compose, kind="group_link"):
                sent += 1
    return sent

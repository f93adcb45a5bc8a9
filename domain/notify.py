"""Who is told about a network's business, in which language each person reads it, and the
private notices the bot starts itself (to hosts, coordinators, members).

A notice goes through the outbox like an alert: queued, it survives an outage or a restart
and keeps within Telegram's limits; someone who blocked the bot or never started it ends as
an unreachable or failed delivery instead of failing the use case that told them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from bot.i18n import Translator, pick_language, translator
from domain import ports
from domain.context import Context
from domain.ports import Keyboard
from storage import coordinators, deliveries, memberships, people
from storage.deliveries import NewDelivery, priority

log = logging.getLogger(__name__)

# A notice in the recipient's language: its HTML text and its buttons.
Compose = Callable[[Translator], tuple[str, Keyboard]]


async def language_of(ctx: Context, user_id: int) -> Translator:
    person = await people.get(ctx.database, user_id)
    chosen = person.language if person else None
    return translator(pick_language(chosen, None, ctx.settings.bot.default_language))


async def languages_of(ctx: Context, user_ids: Iterable[int]) -> dict[int, Translator]:
    """`language_of` for many people in one query (a broadcast to a thousand members)."""
    default = ctx.settings.bot.default_language
    chosen = await people.languages(ctx.database, user_ids)
    return {user: translator(pick_language(code, None, default)) for user, code in chosen.items()}


async def coordinator_ids(ctx: Context) -> list[int]:
    """The coordinators: from the settings, and those appointed in the bot."""
    appointed = [c.user_id for c in await coordinators.all(ctx.database)]
    return list(dict.fromkeys([*ctx.settings.access.coordinators, *appointed]))


async def hosts_and_coordinators(ctx: Context, network_id: int) -> list[int]:
    """Who is told about a network's applications: its hosts, the coordinators. (Members'
    replies to alerts and call lists go by `domain.alerts.incident_hosts`: need-to-know.)"""
    hosts = [m.user_id for m in await memberships.hosts_of(ctx.database, network_id)]
    return list(dict.fromkeys([*hosts, *await coordinator_ids(ctx)]))


async def tell(
    ctx: Context,
    user_ids: Iterable[int],
    compose: Compose,
    *,
    kind: str = "notice",
    about_user_id: int | None = None,
    silent: bool = False,
) -> list[int]:
    """Queue `compose(their texts)` for each person privately, once each; returns who it was
    queued for: everyone but those known to have blocked the bot.

    `about_user_id`: whose words the notice carries (an application), so that forgetting
    that person takes the notice along. `silent`: it arrives without a sound (news that can
    wait, at night).
    """
    now = ctx.clock.now()
    items, told = [], []
    for user_id in dict.fromkeys(user_ids):  # once each, in order
        person = await people.get(ctx.database, user_id)
        if person is not None and person.blocked_at is not None:
            log.info("not telling user %s (%s): they blocked the bot", user_id, kind)
            continue
        text, buttons = compose(await language_of(ctx, user_id))
        items.append(
            NewDelivery(
                chat_id=user_id,
                priority=priority("routine", group=False),
                kind=kind,
                method=ports.MESSAGE,
                params=ports.message(text, buttons)
                | ({"disable_notification": True} if silent else {}),
                user_id=user_id,
                about_user_id=about_user_id,
            )
        )
        told.append(user_id)
    if items:
        async with ctx.database.transaction() as conn:
            await deliveries.add_many(conn, items, now)
        ctx.dispatcher.wake()
    return told

"""Private messages the bot starts itself (to hosts, coordinators, members), each in the
recipient's own language, and never failing the handler that sends them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden

from bot.i18n import Translator, pick_language, translator
from bot.replies import send_text
from bot.services import Services
from storage import coordinators, memberships, people

log = logging.getLogger(__name__)

Compose = Callable[[Translator], tuple[str, InlineKeyboardMarkup | None]]


async def language_of(svc: Services, user_id: int) -> Translator:
    person = await people.get(svc.database, user_id)
    chosen = person.language if person else None
    return translator(pick_language(chosen, None, svc.settings.bot.default_language))


async def languages_of(svc: Services, user_ids: Iterable[int]) -> dict[int, Translator]:
    """`language_of` for many people in one query (a broadcast to a thousand members)."""
    default = svc.settings.bot.default_language
    chosen = await people.languages(svc.database, user_ids)
    return {user: translator(pick_language(code, None, default)) for user, code in chosen.items()}


async def tell(bot: Bot, svc: Services, user_ids: Iterable[int], compose: Compose) -> list[int]:
    """Send `compose(their texts)` to each person privately; returns who received it.

    A person who blocked the bot or never started it is logged and skipped: the others still
    get their message.
    """
    delivered = []
    for user_id in dict.fromkeys(user_ids):  # once each, in order
        text, markup = compose(await language_of(svc, user_id))
        try:
            await send_text(bot, user_id, text, markup)
        except Forbidden as exc:
            log.warning("cannot tell user %s: %s", user_id, exc.message)
            await people.mark_blocked(svc.database, user_id, svc.clock.now())
            continue
        except BadRequest as exc:  # e.g. "chat not found": someone who never talked to us
            log.warning("cannot tell user %s: %s", user_id, exc.message)
            continue
        delivered.append(user_id)
    return delivered


async def hosts_and_coordinators(svc: Services, network_id: int) -> list[int]:
    """Who is told about a network's applications and incidents: its hosts, the coordinators."""
    hosts = [m.user_id for m in await memberships.hosts_of(svc.database, network_id)]
    appointed = [c.user_id for c in await coordinators.all(svc.database)]
    return list(dict.fromkeys([*hosts, *svc.settings.access.coordinators, *appointed]))

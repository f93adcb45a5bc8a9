"""Private messages the bot starts itself (to hosts, coordinators, members), each in the
recipient's own language, and never failing the handler that sends them."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from telegram import Bot, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden

from bot.i18n import Translator
from bot.replies import send_text
from bot.services import Services
from domain.notify import hosts_and_coordinators, language_of, languages_of
from storage import people

__all__ = ["hosts_and_coordinators", "language_of", "languages_of", "tell"]

log = logging.getLogger(__name__)

Compose = Callable[[Translator], tuple[str, InlineKeyboardMarkup | None]]


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

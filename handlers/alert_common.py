"""Pieces the incident alert handlers share: their `inc:` buttons, and who manages an incident.

Callback data (each ≤ 64 bytes; d = draft id, i = incident id):
- composing (`handlers.alerts`): `inc:net:<d>:<network_id>` (toggle), `inc:all:<d>`,
  `inc:nets:<d>` (next), `inc:sev:<d>:<severity>`, `inc:share:<d>:<sharing>`, `inc:send:<d>`,
  `inc:cancel:<d>`;
- on an alert (`handlers.alert_replies`): `inc:ack:<i>`, `inc:reply:<i>`, `inc:mood:<i>:<mood>`,
  `inc:notext:<i>`, `inc:call:<i>`;
- for hosts: `inc:ans:<i>:<user_id>` (`handlers.alert_replies`), `inc:show:<i>`
  (`handlers.incidents`); on the status message and /incident `inc:upd:<i>`, `inc:close:<i>`,
  `inc:who:<i>`, and after them `inc:usend:<i>:<revision>`, `inc:csend:<i>:<revision>`,
  `inc:cnow:<i>`, `inc:whop:<i>:<page>` (`handlers.incident_follow_up`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.ext import CallbackQueryHandler, ContextTypes

from bot import services
from bot.context import BotContext
from domain.alerts import may_manage
from handlers import guard
from handlers.common import stale_button
from storage import incidents as store
from storage.incidents import Incident

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext, list[str]], Awaitable[None]]


def buttons(
    actions: dict[str, Handler], *, two_numbers: tuple[str, ...] = ()
) -> CallbackQueryHandler[BotContext, None]:
    """One handler for the `inc:<action>:…` buttons of `actions`.

    The first argument (both, for the actions in `two_numbers`) must be a number; a forged one
    hears "no longer works". Other `inc:` buttons are left to the next handler.
    """

    async def button(update: Update, context: BotContext) -> None:
        query = update.callback_query
        assert query and query.data
        _prefix, _sep, rest = query.data.partition(":")
        action, *args = rest.split(":")
        handler = actions.get(action)
        numeric = args[:2] if action in two_numbers else args[:1]
        if handler is None or not args or not all(a.isdigit() for a in numeric):
            await stale_button(update, context)
            return
        await handler(update, context, args)

    return CallbackQueryHandler(button, pattern=rf"^inc:({'|'.join(actions)}):")


def after_command(text: str) -> str:
    """What was typed after `/command`."""
    parts = text.split(maxsplit=1)
    return parts[1].strip() if len(parts) > 1 else ""


async def managed(
    update: Update, context: ContextTypes.DEFAULT_TYPE, incident_id: str
) -> Incident | None:
    """An incident this person hosts (or any, for a coordinator); otherwise refused."""
    svc = services.of(context)
    incident = await store.get(svc.database, int(incident_id))
    if incident is None:
        _ = await services.texts_for(update, context)
        await guard.refuse(update, context, _("I don't know this alert any more."))
        return None
    actor = await guard.actor_of(update, context)
    if not may_manage(actor, incident):
        log.info("refused incident %s to user %s", incident.id, actor.user_id)
        await guard.refuse(update, context)
        return None
    return incident

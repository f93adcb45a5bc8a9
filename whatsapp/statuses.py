"""Status webhooks: what became of each message WhatsApp accepted (sent → delivered → read, or
failed), recorded forward only; a late failure puts its delivery back on its way.

WhatsApp accepts a message first and judges some faults afterwards (the 24-hour window, an
unreachable member, its daily limit). A delivery recorded as sent whose message then fails is
pending again: on WhatsApp behind the doorbell when the window had closed (131047), on WhatsApp
again for WhatsApp's own trouble, and on Telegram otherwise — the message must arrive. A
doorbell that fails late may ring again later (its daily limit, 131048) or, when WhatsApp
refuses the template itself, its members go to Telegram (whatsapp.templates).
"""

from __future__ import annotations

import logging
from datetime import datetime

from domain.context import Context
from storage import deliveries
from storage import incidents as incident_store
from storage import whatsapp as store
from whatsapp import templates
from whatsapp.client import TRANSIENT_CODES, sent_directly

log = logging.getLogger(__name__)

STATES = ("sent", "delivered", "read", "failed")
WINDOW_CLOSED = 131047
DAILY_LIMIT = 131048
TEMPLATE_STATES = {132015: "PAUSED", 132016: "DISABLED", 132001: "MISSING", 132000: "MISMATCHED"}
CAP_PAUSE_S = 3600  # after a late 131048, the member's messages wait this long
_unknown_logged: set[str] = set()  # wamids logged once (repeated webhooks)
_UNKNOWN_KEPT = 10_000


async def apply_status(
    ctx: Context, wamid: str, status: str, error_code: int | None, at: datetime
) -> bool:
    """Record a status of a message we sent; False for a wamid we do not know (logged once)."""
    if status not in STATES:
        log.info("whatsapp: status %r of %s ignored", status, wamid)
        return False
    before = await store.message(ctx.database, wamid)
    message = await store.set_state(ctx.database, wamid, status, error_code, at)
    if message is None or before is None:
        if sent_directly(wamid):  # a text sent straight: nothing of ours to update
            return True
        if wamid not in _unknown_logged:
            if len(_unknown_logged) >= _UNKNOWN_KEPT:
                _unknown_logged.clear()
            _unknown_logged.add(wamid)
            log.warning("whatsapp: status %s for unknown message %s", status, wamid)
        return False
    if status == "failed" and before.state != "failed" and message.state == "failed":
        await _failed_late(ctx, message, error_code)
    return True


async def _failed_late(ctx: Context, message: store.SentMessage, code: int | None) -> None:
    db = ctx.database
    log.warning(
        "whatsapp: message %s to user %s (delivery %s) failed: error %s",
        message.wamid,
        message.user_id,
        message.delivery_id,
        code,
    )
    if message.template is not None:
        if code in TEMPLATE_STATES:
            language = await _template_language(ctx, message.user_id)
            await templates.apply_template_update(
                ctx, message.template, language, status=TEMPLATE_STATES[code]
            )
            return
        if code == DAILY_LIMIT or code in TRANSIENT_CODES:
            # It may ring again, later: WhatsApp's daily limit of new conversations.
            await store.clear_doorbell(db, message.user_id)
            if code == DAILY_LIMIT and message.delivery_id is not None:
                until = ctx.clock.now().timestamp() + CAP_PAUSE_S
                await store.hold(
                    db,
                    await store.held_for_doorbell(db, message.user_id),
                    datetime.fromtimestamp(until, ctx.clock.now().tzinfo),
                    "WhatsApp's daily limit of members outside their 24 hours",
                )
                await _status_changed(ctx, message.delivery_id)
            _wake(ctx)
            return
        # The member cannot be reached there: what waits for them goes on Telegram.
        await store.clear_doorbell(db, message.user_id)
        moved = await store.to_telegram(
            db,
            await store.held_for_doorbell(db, message.user_id),
            f"WhatsApp could not deliver the doorbell (error {code}): sent on Telegram",
        )
        if moved:
            ctx.dispatcher.wake()
        return
    if message.delivery_id is None:
        return
    if code == WINDOW_CLOSED:
        await store.close_window(db, message.user_id)
        if await store.reopen(
            db, message.delivery_id, store.WHATSAPP, "WhatsApp: the 24-hour window had closed"
        ):
            _wake(ctx)
        return
    if code in TRANSIENT_CODES:
        if await store.reopen(db, message.delivery_id, store.WHATSAPP, f"WhatsApp error {code}"):
            _wake(ctx)
        return
    if await store.reopen(
        db,
        message.delivery_id,
        store.TELEGRAM,
        f"WhatsApp could not deliver it (error {code}): sent on Telegram",
    ):
        ctx.dispatcher.wake()


async def _template_language(ctx: Context, user_id: int) -> str:
    from domain.notify import language_of

    language = (await language_of(ctx, user_id)).language
    return language if language in templates.LANGUAGES else "en"


async def _status_changed(ctx: Context, delivery_id: int) -> None:
    """The sender's status shows what waits (storage.incidents.progress)."""
    delivery = await deliveries.get(ctx.database, delivery_id)
    if delivery is not None and delivery.incident_id is not None:
        await incident_store.mark_changed(ctx.database, delivery.incident_id)


def _wake(ctx: Context) -> None:
    if ctx.whatsapp is not None:
        ctx.whatsapp.wake()

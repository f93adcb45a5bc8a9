"""The WhatsApp templates the bot uses, declared here (to be created in WhatsApp Manager with
exactly this text), and what Meta last said of them.

There is one: the doorbell. Outside a member's 24-hour window WhatsApp only carries an approved
template, so the bot rings: "New message from network Noord." with a quick reply "Show
message"; never the message itself. The member's tap (or any message) opens the window and
what waited goes out (whatsapp.dispatcher).

A template that is not APPROVED, or that Meta moved out of UTILITY (into MARKETING: paid, and
not what the members agreed to), is never sent: the members it would reach get their messages
on Telegram instead, and the hosts of the networks concerned and the operator are told.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.i18n import Translator
from domain.context import Context
from domain.notify import Compose, coordinator_ids, hosts_and_coordinators, language_of, tell
from storage import whatsapp as store
from whatsapp.render import Outgoing, TemplateUse

log = logging.getLogger(__name__)

DOORBELL = "bg_doorbell"
SHOW = "wa:show"  # the doorbell's quick reply payload (whatsapp.inbound: opens the window)


@dataclass(frozen=True)
class Declared:
    """A template as it must be created in WhatsApp Manager ({{1}}: the first parameter)."""

    name: str
    language: str
    category: str
    body: str
    buttons: tuple[str, ...]


DECLARED = (
    Declared(DOORBELL, "nl", "UTILITY", "Nieuw bericht van netwerk {{1}}.", ("Toon bericht",)),
    Declared(DOORBELL, "en", "UTILITY", "New message from network {{1}}.", ("Show message",)),
)
LANGUAGES = tuple(sorted({d.language for d in DECLARED}))


def doorbell(language: str, network: str, delivery_id: int) -> Outgoing:
    """The doorbell for a member who reads `language`, naming the network only."""
    if language not in LANGUAGES:
        language = "en"
    declared = next(d for d in DECLARED if d.name == DOORBELL and d.language == language)
    use = TemplateUse(DOORBELL, language, (network[:60],), (f"{SHOW}:{delivery_id}",))
    return Outgoing(
        "template",
        declared.body.replace("{{1}}", network[:60]),
        template=use,
        actions=(f"{SHOW}:{delivery_id}",),
    )


async def usable(ctx: Context, name: str, language: str) -> bool:
    """May this template be sent? Not when Meta last called it anything but an approved utility
    template. Never heard of: yes (Meta refuses one that is not approved, and says why)."""
    state = await store.template_state(ctx.database, name, language)
    return state is None or state.usable


async def apply_template_update(
    ctx: Context,
    name: str,
    language: str,
    *,
    status: str | None = None,
    category: str | None = None,
) -> None:
    """Meta changed a template's status or category (a webhook, or an error when sending):
    record it; when it can no longer be sent, move the members it would reach to Telegram and
    tell the hosts and the operator."""
    before = await store.template_state(ctx.database, name, language)
    state = await store.set_template_state(
        ctx.database, name, language, status, category, now=ctx.clock.now()
    )
    was_usable = before is None or before.usable
    log.warning(
        "whatsapp: template %s (%s) is now %s %s", name, language, state.status, state.category
    )
    if state.usable or not was_usable:
        if state.usable and not was_usable:
            recipients = _operator(ctx) or await coordinator_ids(ctx)
            await tell(
                ctx, recipients, lambda _: (_back_text(_, state.status), []), kind="wa_notice"
            )
        return
    await withdrawn(ctx, language, f"{state.status} {state.category}")


async def withdrawn(ctx: Context, language: str, why: str) -> None:
    """The doorbell of `language` cannot be sent: what waits for it goes to Telegram now."""
    now = ctx.clock.now()
    moved = await store.needing_doorbell(ctx.database, now)
    ids = [d for d, user_id, _n in moved if (await _language(ctx, user_id)) == language]
    reason = f"the WhatsApp doorbell cannot be sent ({why}): sent on Telegram"
    count = await store.to_telegram(ctx.database, ids, reason)
    if count:
        log.warning("whatsapp: %d deliveries moved to Telegram: %s", count, reason)
        ctx.dispatcher.wake()
    # The hosts of every network with members on WhatsApp, and the operator, once each.
    told: set[int] = set()
    for network_id in await store.networks_on_whatsapp(ctx.database):
        hosts = [u for u in await hosts_and_coordinators(ctx, network_id) if u not in told]
        told.update(hosts)
        await tell(ctx, hosts, _withdrawn(why), kind="wa_notice")
    operator = [u for u in _operator(ctx) or await coordinator_ids(ctx) if u not in told]
    await tell(ctx, operator, _withdrawn(why), kind="wa_notice")


def _withdrawn(why: str) -> Compose:
    return lambda _: (_withdrawn_text(_, why), [])


def _withdrawn_text(_: Translator, why: str) -> str:
    return str(
        _(
            "⚠️ WhatsApp no longer accepts the bot's doorbell message ({why}). Members on "
            "WhatsApp who have not written to the bot in the last 24 hours get their messages on "
            "Telegram until it is approved again.",
            why=why,
        )
    )


def _back_text(_: Translator, status: str) -> str:
    return str(_("✅ WhatsApp accepts the bot's doorbell message again ({status}).", status=status))


def _operator(ctx: Context) -> list[int]:
    chosen = ctx.settings.monitoring.ops_chat_id
    return [chosen] if chosen is not None else []


async def _language(ctx: Context, user_id: int) -> str:
    texts: Translator = await language_of(ctx, user_id)
    return texts.language if texts.language in LANGUAGES else "en"

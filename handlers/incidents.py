"""/incident: hosts see how their rapid-response incidents stand.

The alert itself is composed in `handlers.alerts` and answered in `handlers.alert_replies`;
/update, /close and the buttons of the status message are in `handlers.incident_follow_up`; the
work (sending, following up, closing, escalating) is in `domain.alerts`. Here also the jobs: the
sender's live status message, and escalation, rebuilt from the database at start.
"""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    filters,
)

from bot import services
from bot.context import BotContext
from bot.i18n import Html, Translator, escape
from bot.replies import edit_message, reply_text
from bot.services import Services
from domain import alerts
from domain import incidents as rules
from domain.alert_texts import MAX_NAMES, name_of
from domain.alerts import names_of, waiting
from domain.labels import moment_text
from handlers import conversation as talk
from handlers import guard
from handlers import incident_follow_up as follow_up
from handlers.alert_common import buttons, managed
from handlers.alert_replies import take_answer, take_reply
from handlers.alerts import take_draft_text
from handlers.common import stale_button
from handlers.incident_follow_up import choice_keyboard, open_ones, status_keyboard
from storage import incidents as store
from storage.incidents import Incident, Recipient

STATUS_EVERY = timedelta(seconds=3)  # the sender's status message is edited at most this often
ESCALATION_SWEEP = timedelta(minutes=1)  # a safety net beside the precise one-off jobs


# --- /incident -----------------------------------------------------------------------------


async def incident_command(update: Update, context: BotContext) -> None:
    """/incident [number]: who received, acknowledged, replied; without a number, a choice."""
    message = update.effective_message
    assert message
    svc = context.services
    _ = await context.texts()
    args = context.args or []
    if args:
        number = args[0].lstrip("#")
        incident = await store.get(svc.database, int(number)) if number.isdigit() else None
        if incident is None:
            await message.reply_text(_("I don't know alert {number}.", number=args[0]))
            return
        actor = await guard.actor_of(update, context)
        if not alerts.may_manage(actor, incident):
            await guard.refuse(update, context)
            return
        await reply_text(
            message, await report(_, svc, incident), reply_markup=status_keyboard(_, incident)
        )
        return
    found = await open_ones(update, context)
    if found is None:
        return
    if not found:
        await message.reply_text(_("No open alerts. /incident NUMBER shows an older one."))
        return
    await message.reply_text(_("Open alerts:"), reply_markup=choice_keyboard(found[-10:], "show"))


async def show_incident(update: Update, context: BotContext, args: list[str]) -> None:
    """An incident button of /incident: its report in this message."""
    query = update.callback_query
    assert query
    incident = await managed(update, context, args[0])
    if incident is None:
        return
    await query.answer()
    _ = await context.texts()
    text = await report(_, context.services, incident)
    await edit_message(query, text, reply_markup=status_keyboard(_, incident))


async def report(_: Translator, svc: Services, incident: Incident) -> str:
    """What the hosts need to know about one incident (need-to-know: hosts and coordinators)."""
    tz = svc.settings.bot.tz
    year = svc.clock.now().astimezone(tz).year

    def moment(iso: str) -> str:
        return moment_text(_, iso, tz, this_year=year)

    people = await store.recipients(svc.database, incident.id)
    progress = await store.progress(svc.database, incident.id)
    excerpt = incident.text if len(incident.text) <= 300 else incident.text[:299] + "…"
    state = (
        _("open")
        if incident.is_open
        else _("closed {when}", when=moment(incident.closed_at or incident.created_at))
    )
    lines = [
        _("<b>Alert #{id}</b> · {state}", id=incident.id, state=state),
        rules.header(_, incident.severity, incident.sharing),
        _(
            "📍 {networks} · {when}",
            networks=await names_of(svc, incident.network_ids),
            when=moment(incident.created_at),
        ),
        f"“{escape(excerpt)}”",
        "",
        rules.progress_line(_, progress),
    ]
    tally = rules.tally_line(_, rules.mood_tally(p.mood for p in people))
    if tally:
        lines.append(_("Mood: {tally}", tally=Html(tally)))

    def names(group: list[Recipient]) -> str:
        shown = [name_of(_, p) for p in group[:MAX_NAMES]]
        more = len(group) - len(shown)
        return ", ".join(shown) + (_(" and {n} more", n=more) if more else "")

    received = [p for p in people if p.unreachable_at is None]
    not_yet = waiting(received)
    unreachable = [p for p in people if p.unreachable_at is not None]
    call = [p for p in people if p.call_me_at is not None]
    lines.append(
        _(
            "Acknowledged: {n} of {total}",
            n=sum(1 for p in people if p.acknowledged_at is not None),
            total=len(people),
        )
    )
    if not_yet:
        lines.append(_("Not acknowledged yet: {names}", names=names(not_yet)))
    if unreachable:
        lines.append(_("Unreachable: {names}", names=names(unreachable)))
    if call:
        lines.append(_("Asked to be called: {names}", names=names(call)))
    written = [p for p in people if p.reply_text]
    for person in written[:10]:
        lines.append(
            _(
                "💬 {name}: “{text}”",
                name=name_of(_, person),
                text=person.reply_text[:200] if person.reply_text else "",
            )
        )
    if incident.reminded_at:
        lines.append(_("⏰ Reminder sent {when}", when=moment(incident.reminded_at)))
    if incident.escalated_at:
        lines.append(_("📞 Call list sent {when}", when=moment(incident.escalated_at)))
    return "\n".join(lines)


# --- typed text: the draft, a member's reply, a host's answer ---------------------------------


async def take_text(update: Update, context: BotContext) -> bool:
    """Typed text of an alert draft, a reply after a button, or a host's answer."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return False
    svc = context.services
    prompt = await talk.get_prompt(svc, user.id)
    if prompt is None or prompt.kind not in ("draft_text", "reply", "answer"):
        return False
    if prompt.kind == "draft_text":
        draft = await store.get_draft(svc.database, prompt.draft_id or 0)
        if draft is None or draft.status != "composing":
            await talk.clear_prompt(svc, user.id)
            return False
        await take_draft_text(update, context, draft, message.text)
        return True
    assert prompt.incident_id is not None
    incident = await store.get(svc.database, prompt.incident_id)
    if incident is None:
        await talk.clear_prompt(svc, user.id)
        return False
    if prompt.kind == "reply":
        await take_reply(update, context, incident, message.text)
    else:
        await take_answer(update, context, incident, prompt.about_user_id or 0, message.text)
    return True


# --- jobs ----------------------------------------------------------------------------------


async def refresh_status(context: BotContext) -> None:
    """A job: edit the status messages whose numbers changed (never an unchanged edit)."""
    await alerts.refresh_statuses(context.services)


async def check_escalations(context: BotContext) -> None:
    """At start (and now and then): what fell due while we were away runs once; the rest is
    scheduled."""
    await alerts.catch_up(context.services)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    follow_up.register(application)
    application.add_handler(CommandHandler("incident", incident_command, filters=private))
    application.add_handler(
        buttons({"show": show_incident, **follow_up.BUTTONS}, two_numbers=follow_up.TWO_NUMBERS)
    )
    # After the buttons of handlers.alerts and handlers.alert_replies: any other `inc:` button
    # is forged or from an older version.
    application.add_handler(CallbackQueryHandler(stale_button, pattern=r"^inc:"))
    svc = services.of(application)
    svc.delivery_listeners.append(functools.partial(alerts.on_delivery, svc))
    svc.outage_listeners.append(functools.partial(alerts.on_outage, svc))
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        refresh_status, interval=STATUS_EVERY, first=STATUS_EVERY, name="incident-status"
    )
    # Rebuilt from the database at start: what fell due while the bot was down runs once.
    application.job_queue.run_once(check_escalations, when=0, name="incident-escalations-at-start")
    application.job_queue.run_repeating(
        check_escalations,
        interval=ESCALATION_SWEEP,
        first=ESCALATION_SWEEP,
        name="incident-escalations",
    )

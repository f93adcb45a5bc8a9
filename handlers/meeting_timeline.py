"""The Telegram side of a meal meeting's timeline: votes in the group's poll, the Yes / No /
Maybe buttons in the private chat, a host ticking who came, and the sweep that rebuilds the
timeline from the database at start and every minute.

The timeline itself (its steps, scheduling, counting votes) is `domain.timeline`; its words and
buttons are `domain.meeting_texts`.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, ContextTypes, PollAnswerHandler

from bot import services
from bot.render import keyboard
from domain import meeting_texts as texts
from domain import meetings as rules
from domain import timeline
from domain.access import Action
from handlers import guard
from handlers.common import permit_button
from storage import meetings as store
from storage import memberships

log = logging.getLogger(__name__)

SWEEP_EVERY = 60.0  # seconds: a safety net beside the precise one-off jobs


async def sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every minute: the safety net for everything on the timeline that has come due."""
    await timeline.catch_up(services.of(context))


async def sweep_at_start(context: ContextTypes.DEFAULT_TYPE) -> None:
    """At start: every meeting with a step ahead gets its job; what was missed runs once."""
    await timeline.catch_up(services.of(context), at_start=True)


async def poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A vote in a meeting's poll: the member's answer (a retracted vote: no answer)."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return
    await timeline.vote(
        services.of(context), answer.poll_id, answer.user.id, list(answer.option_ids)
    )


async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes / No / Maybe in the private chat: the same record as the poll."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user
    _prefix, _att, meeting_id, chosen = query.data.split(":")
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    meeting = await store.get(svc.database, int(meeting_id))
    if meeting is None or chosen not in rules.ANSWERS:
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    if await permit_button(update, context, Action.take_part, meeting.network_id) is None:
        return
    # Only members are counted: a coordinator outside the network would be "noted" for nothing.
    membership = await memberships.get(svc.database, meeting.network_id, update.effective_user.id)
    if membership is None or membership.status != "approved":
        await guard.refuse(update, context, _("Meal meetings are for the members of a network."))
        return
    if not meeting.is_planned:
        await query.answer(_("This meeting was cancelled."), show_alert=True)
        return
    if await timeline.answers_closed(svc, meeting):
        await query.answer(
            _("Answers are closed: the hosts have the headcount. Please tell them directly."),
            show_alert=True,
        )
        return
    await store.set_answer(
        svc.database, meeting.id, update.effective_user.id, chosen, svc.clock.now()
    )
    await query.answer(_("Thank you! Noted: {answer}", answer=texts.answer_name(_, chosen)))
    try:
        await query.edit_message_reply_markup(keyboard(texts.answer_buttons(_, meeting.id, chosen)))
    except Exception:  # an unchanged keyboard: nothing to show
        log.debug("answer keyboard unchanged")


# --- afterwards: who came -----------------------------------------------------------------------


async def attended_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A host ticks who came (mtg:here:<meeting>:<user>) or confirms (mtg:herok:<meeting>)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    meeting = await store.get(svc.database, int(parts[2]))
    if meeting is None:
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    if await permit_button(update, context, Action.plan_meeting, meeting.network_id) is None:
        return
    tz = svc.settings.bot.tz
    name = await timeline.network_name(svc, meeting.network_id)
    if parts[1] == "herok":
        await store.confirm_attendance(svc.database, meeting, svc.clock.now())
        people = await store.answers(svc.database, meeting)
        came = [p for p in people if p.attended]
        await query.answer(_("Saved."))
        await query.edit_message_text(texts.came_text(_, name, meeting, tz, came))
        return
    user_id = int(parts[3])
    people = await store.answers(svc.database, meeting)
    person = next((p for p in people if p.user_id == user_id), None)
    if person is None:
        await query.answer(_("This person is no longer in the network."), show_alert=True)
        return
    await store.set_attended(svc.database, meeting.id, user_id, not person.attended)
    await query.answer()
    people = await store.answers(svc.database, meeting)
    await query.edit_message_reply_markup(keyboard(texts.attended_buttons(_, meeting.id, people)))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(PollAnswerHandler(poll_answer))
    application.add_handler(CallbackQueryHandler(answer_button, pattern=r"^mtg:att:\d+:\w+$"))
    application.add_handler(
        CallbackQueryHandler(attended_button, pattern=r"^mtg:(here:\d+:\d+|herok:\d+)$")
    )
    svc = services.of(application)
    svc.delivery_listeners.append(functools.partial(timeline.on_delivery, svc))
    assert application.job_queue is not None
    # Rebuilt from the database at start: what fell due while the bot was down runs once.
    application.job_queue.run_once(sweep_at_start, when=0, name="meeting-sweep-at-start")
    application.job_queue.run_repeating(
        sweep, interval=SWEEP_EVERY, first=SWEEP_EVERY, name="meeting-sweep"
    )

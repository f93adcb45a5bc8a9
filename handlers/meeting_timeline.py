"""The Telegram side of a meal meeting's timeline: the Yes / No / Maybe buttons (under the
group's count and in the private chat), a host ticking who came, and the sweep that rebuilds
the timeline from the database at start and every minute.

The timeline itself (its steps, scheduling, the one record of answers and the live count in
the group) is `domain.timeline`; its words and buttons are `domain.meeting_texts`.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType
from telegram.error import TelegramError
from telegram.ext import Application, CallbackQueryHandler, ContextTypes

from bot import services
from bot.render import keyboard
from domain import meeting_texts as texts
from domain import meetings as rules
from domain import timeline
from domain.access import Action
from handlers import guard
from handlers.common import permit_button
from storage import meetings as store

log = logging.getLogger(__name__)

SWEEP_EVERY = 60.0  # seconds: a safety net beside the precise one-off jobs


async def sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Every minute: the safety net for everything on the timeline that has come due."""
    await timeline.catch_up(services.of(context))


async def sweep_at_start(context: ContextTypes.DEFAULT_TYPE) -> None:
    """At start: every meeting with a step ahead gets its job; what was missed runs once."""
    await timeline.catch_up(services.of(context), at_start=True)


async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes / No / Maybe, under the group's count or in the private chat: the one record. In the
    group only the presser sees what they chose; the count follows a moment later."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user
    _prefix, _att, meeting_id, chosen = query.data.split(":")
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    meeting = await store.get(svc.database, int(meeting_id))
    if meeting is None or chosen not in rules.ANSWERS:
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    # Who may answer is the domain's rule: the approved members of the meeting's network (a
    # coordinator outside it would be "noted" for nothing; someone in the group chat who is not
    # a member is told, not counted).
    answered = await timeline.answer(svc, meeting.id, update.effective_user.id, chosen)
    if answered is timeline.Answered.NOT_A_MEMBER:
        await guard.refuse(update, context, _("Meal meetings are for the members of a network."))
        return
    if answered is timeline.Answered.CANCELLED:
        await query.answer(_("This meeting was cancelled."), show_alert=True)
        return
    if answered is timeline.Answered.CLOSED:
        await query.answer(
            _(
                "Answering is closed: the police chief and the municipality have the numbers. "
                "Plans changed? Let them know."
            ),
            show_alert=True,
        )
        return
    if answered is not timeline.Answered.NOTED:
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    in_group = update.effective_chat is not None and update.effective_chat.type != ChatType.PRIVATE
    if in_group:
        await query.answer(
            _(
                "Noted: {answer}. The group sees only the numbers, not your name.",
                answer=texts.answer_name(_, chosen),
            ),
            show_alert=False,
        )
        return
    await query.answer(_("Thank you! Noted: {answer}", answer=texts.answer_name(_, chosen)))
    message = query.message
    if isinstance(message, Message):
        try:
            await query.edit_message_reply_markup(
                keyboard(texts.answer_buttons(_, meeting.id, chosen))
            )
            await timeline.pressed_privately(svc, message.chat_id, message.message_id, chosen)
        except TelegramError as exc:  # an unchanged keyboard: nothing to show
            log.debug("answer keyboard unchanged: %s", exc)


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
        this_year = svc.clock.now().astimezone(tz).year
        await query.edit_message_text(
            texts.came_text(_, name, meeting, tz, came, this_year=this_year)
        )
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
    application.add_handler(CallbackQueryHandler(answer_button, pattern=r"^mtg:att:\d+:\w+$"))
    application.add_handler(
        CallbackQueryHandler(attended_button, pattern=r"^mtg:(here:\d+:\d+|herok:\d+)$")
    )
    svc = services.of(application)
    svc.delivery_listeners.append(functools.partial(timeline.on_delivery, svc))
    svc.outage_listeners.append(functools.partial(timeline.on_outage, svc))
    assert application.job_queue is not None
    # Rebuilt from the database at start: what fell due while the bot was down runs once.
    application.job_queue.run_once(sweep_at_start, when=0, name="meeting-sweep-at-start")
    application.job_queue.run_repeating(
        sweep, interval=SWEEP_EVERY, first=SWEEP_EVERY, name="meeting-sweep"
    )

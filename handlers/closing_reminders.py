"""⏰ Later under a closing reminder, and the reminders' jobs.

An incident still open some hours after it was sent reminds its sender to close it with a word
(`domain.closing_reminders`). Its ✍️ Close with a word is the status message's own
`inc:close:<i>` (`handlers.incident_follow_up`); ⏰ Later (`inc:later:<i>`) is here. The jobs
are rebuilt from the database at start, with a sweep now and then as a safety net.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from telegram import Message, Update
from telegram.ext import Application

from bot.context import BotContext
from bot.render import keyboard
from bot.replies import edit_message
from domain import closing_reminders as closing
from domain.closing_reminders import Later
from handlers.alert_common import buttons, managed

log = logging.getLogger(__name__)

SWEEP = timedelta(minutes=10)  # beside the precise one-off jobs, should one have failed


async def later(update: Update, context: BotContext, args: list[str]) -> None:
    """⏰ Later: asked again after as many hours (a few times at most); the reminder keeps its
    ✍️ Close with a word."""
    query = update.callback_query
    assert query and update.effective_user
    incident = await managed(update, context, args[0])  # its hosts and the coordinators
    if incident is None:
        return
    svc = context.services
    _ = await context.texts()
    outcome = await closing.later(svc, incident)
    user_id = update.effective_user.id
    log.info("user %s: later on closing reminder of incident %s: %s", user_id, incident.id, outcome)
    if outcome is Later.CLOSED:
        closed = _("Alert #{id} is closed already. Thank you: no more reminders.", id=incident.id)
        await query.answer(closed, show_alert=True)
        await edit_message(query, closed)
        return
    said: str
    if outcome is Later.NO_MORE:
        said = closing.no_more_text(_, incident.id)
    else:
        said = closing.later_text(_, incident.id, svc.settings.incidents.close_reminder_hours)
    await query.answer()
    close_only = closing.reminder_buttons(_, incident.id, last=True)
    shown = query.message.text_html if isinstance(query.message, Message) else ""
    await edit_message(query, f"{shown}\n\n{said}".strip(), reply_markup=keyboard(close_only))


async def check(context: BotContext) -> None:
    """At start and now and then: what fell due while away goes out once; the rest is planned."""
    await closing.catch_up(context.services)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Before `handlers.incidents`, whose `inc:` catch-all takes any button left over."""
    application.add_handler(buttons({"later": later}))
    assert application.job_queue is not None
    application.job_queue.run_once(check, when=0, name="incident-closing-at-start")
    application.job_queue.run_repeating(
        check, interval=SWEEP, first=SWEEP, name="incident-closing-sweep"
    )

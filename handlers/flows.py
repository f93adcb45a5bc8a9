"""Every conversation a person can be in, in one list: how each is named, restarted, stopped.

The steps themselves live with their feature (`handlers.alerts`, `handlers.meetings`, ...); this
module tells the router in `handlers.conversation` which feature takes typed text for which
flow, and what to say when one is stopped, dropped or expires.
"""

from __future__ import annotations

from typing import Any

from telegram import ReplyKeyboardRemove, Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot import services
from bot.context import BotContext
from bot.i18n import Translator
from bot.services import Services
from handlers import conversation as talk
from handlers import incident_follow_up, incidents, intake, meeting_agenda, meetings
from handlers import networks as networks_
from handlers.conversation import Flow
from storage import incidents as incident_store
from storage import networks
from storage.conversations import Conversation


async def _network(svc: Services, conversation: Conversation) -> str:
    network = await networks.get(svc.database, int(conversation.data.get("network_id") or 0))
    return network.name if network is not None else "?"


async def _meeting(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Your draft meeting for {network}", network=await _network(svc, conversation))


async def _moving(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _(
        "Your new date for the meeting of {network}", network=await _network(svc, conversation)
    )


async def _topic(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Your topic for the meeting")


async def _action(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Your draft action")


async def _alert(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Your draft alert")


async def _reply(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Your reply to alert #{id}", id=conversation.data.get("incident_id"))


async def _answer(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Your answer about alert #{id}", id=conversation.data.get("incident_id"))


async def _follow_up(_: Translator, svc: Services, conversation: Conversation) -> str:
    incident_id = conversation.data.get("incident_id")
    if conversation.flow == "close":
        return _("Closing alert #{id}", id=incident_id) if incident_id else _("Closing an alert")
    if incident_id:
        return _("Your update to alert #{id}", id=incident_id)
    return _("Your update to an alert")


async def _intake(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Your application to {network}", network=await _network(svc, conversation))


async def _stop_alert(
    update: Update, context: ContextTypes.DEFAULT_TYPE, conversation: Conversation
) -> bool:
    """The draft is cancelled: nothing is sent."""
    assert update.effective_chat
    svc = services.of(context)
    draft_id = int(conversation.data.get("draft_id") or 0)
    await incident_store.cancel_draft(svc.database, draft_id, svc.clock.now())
    _ = await services.texts_for(update, context)
    await update.effective_chat.send_message(_("Cancelled: the alert was not sent."))
    return True


async def _appoint(_: Translator, svc: Services, conversation: Conversation) -> str:
    return _("Appointing a coordinator")


FLOWS = (
    Flow("plan", meetings.take_text, _meeting, "/meeting", take_shared=meetings.take_shared),
    Flow("year", meetings.take_text, _meeting, "/meetings plan", take_shared=meetings.take_shared),
    Flow("reschedule", meetings.take_text, _moving, "/meetings"),
    Flow("topic", meeting_agenda.take_text, _topic, "/topic"),
    Flow("action", meeting_agenda.take_text, _action, "/action"),
    Flow("alert", incidents.take_text, _alert, "/alert", stop=_stop_alert),
    Flow("reply", incidents.take_text, _reply),
    Flow("answer", incidents.take_text, _answer),
    Flow("update", incident_follow_up.take_text, _follow_up, "/update"),
    Flow("close", incident_follow_up.take_text, _follow_up, "/close"),
    Flow("intake", intake.take_text, _intake, "/start", stop=intake.stop_flow),
    Flow("appoint", networks_.take_text, _appoint, "/appoint", take_shared=networks_.take_shared),
)


async def shared(update: Update, context: BotContext) -> None:
    """A contact card, a map pin or a picked person: for the open conversation that asked for
    it; a contact otherwise is the intake's (its phone question); anything else was not asked
    for, and a keyboard that offered it goes."""
    message = update.effective_message
    assert message is not None
    if await talk.shared(update, context):
        return
    if message.contact is not None:
        await intake.answer_contact(update, context)
        return
    _ = await context.texts()
    await message.reply_text(
        _("I wasn't asking for that just now. /help shows what you can do."),
        reply_markup=ReplyKeyboardRemove(),
    )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    for flow in FLOWS:
        talk.add_flow(application, flow)
    talk.register(application)
    # Before the intake's own contact handler: a contact card may be for /appoint.
    things = filters.CONTACT | filters.LOCATION | filters.VENUE | filters.StatusUpdate.USERS_SHARED
    application.add_handler(MessageHandler(filters.ChatType.PRIVATE & things, shared))

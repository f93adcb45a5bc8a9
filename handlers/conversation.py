"""One way to hold a conversation in the private chat: the open flow, /cancel, Cancel, expiry.

A person has at most one open conversation (`storage.conversations`): an alert draft, a meeting
being planned, a topic or action being typed, a reply after an alert button, an intake. Typed
private text goes to one router here, which hands it to the open flow; an abandoned flow
expires after `[bot] conversation_minutes`, and the person hears so when they next write (the
text is then handled as if nothing were open). `/cancel` and the Cancel button under every step
end whatever is open and say what stopped (and take away a reply keyboard the step showed).
Starting a new flow drops the open one, with a word. A contact card, a map pin or a person from
Telegram's user picker goes to the open flow's `take_shared` (`shared`, routed by
`handlers.flows`).

Features declare their flows with `add_flow()` in their `register()`. A flow's state is read and
written through the helpers below, which set the expiry from the settings.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyKeyboardRemove, Update
from telegram.ext import (
    Application,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot import services
from bot.context import BotContext
from bot.i18n import Translator
from bot.services import Services
from handlers import fallback
from storage import conversations
from storage.conversations import Conversation
from storage.incidents import Prompt
from storage.meetings import Draft

log = logging.getLogger(__name__)

CANCEL = "talk:cancel"
_FLOWS = "conversation_flows"

Ctx = CallbackContext[Any, Any, Any, Any]


@dataclass(frozen=True)
class Flow:
    """A kind of conversation: how it takes typed text, how it is named, how it is restarted."""

    name: str
    # Typed text while this flow is open; False: not for this step (the usual answer follows).
    take_text: Callable[[Update, BotContext], Awaitable[bool]]
    # "Your draft meeting for Noord": how the person is told what stopped or lapsed.
    describe: Callable[[Translator, Services, Conversation], Awaitable[str]]
    # The command that begins it again, for the word on expiry ("/meeting").
    restart: str | None = None
    # /cancel or Cancel: the flow's own clean-up; True when it told the person itself.
    stop: Callable[[Update, BotContext, Conversation], Awaitable[bool]] | None = None
    # A contact card, a map pin or a person from the user picker while this flow is open;
    # False: not for this step (the person hears it was not asked for).
    take_shared: Callable[[Update, BotContext], Awaitable[bool]] | None = None


def add_flow(application: Application[Any, Any, Any, Any, Any, Any], flow: Flow) -> None:
    application.bot_data.setdefault(_FLOWS, {})[flow.name] = flow


def _flows(context: Ctx) -> dict[str, Flow]:
    flows: dict[str, Flow] = context.bot_data.get(_FLOWS, {})
    return flows


def cancel_button(_: Translator) -> InlineKeyboardButton:
    """The Cancel button under a step: ends whatever the person is in the middle of."""
    return InlineKeyboardButton(_("Cancel"), callback_data=CANCEL)


def with_cancel(_: Translator, markup: InlineKeyboardMarkup | None = None) -> InlineKeyboardMarkup:
    """`markup` (or no buttons) with a Cancel row underneath."""
    rows = [list(row) for row in markup.inline_keyboard] if markup is not None else []
    return InlineKeyboardMarkup([*rows, [cancel_button(_)]])


# --- state: what flows read and write ------------------------------------------------------


def _expiry(svc: Services, now: datetime) -> datetime:
    return now + timedelta(minutes=svc.settings.bot.conversation_minutes)


async def current(svc: Services, user_id: int) -> Conversation | None:
    """The person's open conversation; None if nothing is open or it has expired."""
    found = await conversations.get(svc.database, user_id)
    if found is None or found.expired(svc.clock.now()):
        return None
    return found


async def open_flow(
    svc: Services, user_id: int, flow: str, step: str, data: dict[str, Any] | None = None
) -> Conversation | None:
    """Open (or move on) `flow` at `step`. Returns the *other* flow this replaced, if one was
    still open, so the caller can say it was dropped (`tell_dropped`)."""
    now = svc.clock.now()
    before = await conversations.open(
        svc.database, user_id, flow, step, data or {}, now, _expiry(svc, now)
    )
    if before is None or before.flow == flow or before.expired(now):
        return None
    log.info("user %s: %s replaced the open %s", user_id, flow, before.flow)
    return before


async def close(svc: Services, user_id: int, *flows: str) -> Conversation | None:
    """End the person's conversation (if it is one of `flows`, when given)."""
    return await conversations.close(svc.database, user_id, flows)


async def tell_dropped(update: Update, context: Ctx, dropped: Conversation | None) -> None:
    """Tells the person which flow a new one replaced."""
    flow = _flows(context).get(dropped.flow) if dropped is not None else None
    if dropped is None or flow is None or update.effective_user is None:
        return
    _ = await services.texts_for(update, context)
    await context.bot.send_message(
        update.effective_user.id,
        _(
            "{what} was discarded: you started something new.",
            what=await flow.describe(_, services.of(context), dropped),
        ),
    )


# Meeting drafts (flows plan, year, reschedule, topic, action) in their familiar shape.
MEETING_FLOWS = ("plan", "year", "reschedule", "topic", "action")


async def draft(svc: Services, user_id: int) -> Draft | None:
    found = await current(svc, user_id)
    if found is None or found.flow not in MEETING_FLOWS:
        return None
    data = dict(found.data)
    return Draft(
        user_id=user_id,
        kind=found.flow,
        step=found.step,
        network_id=data.pop("network_id", None),
        meeting_id=data.pop("meeting_id", None),
        data=data,
        updated_at=found.updated_at,
    )


async def save_draft(
    svc: Services,
    user_id: int,
    kind: str,
    step: str,
    now: datetime,  # kept for the callers' shape; the clock decides
    *,
    network_id: int | None = None,
    meeting_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> Conversation | None:
    del now
    state = {**(data or {}), "network_id": network_id, "meeting_id": meeting_id}
    return await open_flow(svc, user_id, kind, step, state)


async def clear_draft(svc: Services, user_id: int) -> None:
    await close(svc, user_id, *MEETING_FLOWS)


# What someone is about to type about an incident. The alert draft's text is the `text` step of
# the `alert` flow; the others are flows of their own.
PROMPT_FLOWS = {"draft_text": "alert", "reply": "reply", "answer": "answer"}
PROMPT_FLOWS |= {"update": "update", "close": "close"}


async def get_prompt(svc: Services, user_id: int) -> Prompt | None:
    found = await current(svc, user_id)
    if found is None:
        return None
    if found.flow == "alert":
        if found.step != "text":
            return None
        kind = "draft_text"
    elif found.flow in PROMPT_FLOWS.values():
        kind = found.flow
    else:
        return None
    return Prompt(
        user_id=user_id,
        kind=kind,
        draft_id=found.data.get("draft_id"),
        incident_id=found.data.get("incident_id"),
        about_user_id=found.data.get("about_user_id"),
        text=found.data.get("text"),
        created_at=found.updated_at,
    )


async def set_prompt(
    svc: Services,
    user_id: int,
    kind: str,
    now: datetime,  # kept for the callers' shape; the clock decides
    *,
    draft_id: int | None = None,
    incident_id: int | None = None,
    about_user_id: int | None = None,
    text: str | None = None,
) -> Conversation | None:
    del now
    data = {
        "draft_id": draft_id,
        "incident_id": incident_id,
        "about_user_id": about_user_id,
        "text": text,
    }
    state = {key: value for key, value in data.items() if value is not None}
    flow = PROMPT_FLOWS[kind]
    return await open_flow(svc, user_id, flow, "text" if flow == "alert" else "wait", state)


async def clear_prompt(svc: Services, user_id: int, kind: str | None = None) -> bool:
    if kind == "draft_text":  # the text is in: the draft goes on to its preview
        found = await current(svc, user_id)
        if found is None or found.flow != "alert":
            return False
        await open_flow(svc, user_id, "alert", "preview", found.data)
        return True
    flows = (PROMPT_FLOWS[kind],) if kind else tuple(PROMPT_FLOWS.values())
    return await close(svc, user_id, *flows) is not None


# --- the router ----------------------------------------------------------------------------


async def _lapsed(update: Update, context: Ctx) -> None:
    """Clears an expired conversation and tells the person what lapsed."""
    assert update.effective_user and update.effective_chat
    svc = services.of(context)
    found = await conversations.get(svc.database, update.effective_user.id)
    if found is None or not found.expired(svc.clock.now()):
        return
    await conversations.close(svc.database, found.user_id, (found.flow,))
    flow = _flows(context).get(found.flow)
    log.info("user %s: the %s conversation expired", found.user_id, found.flow)
    if flow is None:
        return
    _ = await services.texts_for(update, context)
    what = await flow.describe(_, svc, found)
    text = (
        _("{what} has expired; start again with {command}.", what=what, command=flow.restart)
        if flow.restart
        else _("{what} has expired.", what=what)
    )
    # A keyboard of the lapsed step (a picker, the location button) goes with it.
    await update.effective_chat.send_message(text, reply_markup=ReplyKeyboardRemove())


async def private_text(update: Update, context: BotContext) -> None:
    """Text typed in the private chat: for the open flow's step, else the usual pointer."""
    assert update.effective_user
    await _lapsed(update, context)
    found = await current(services.of(context), update.effective_user.id)
    flow = _flows(context).get(found.flow) if found is not None else None
    if flow is not None and await flow.take_text(update, context):
        return
    await fallback.private_text(update, context)


async def shared(update: Update, context: BotContext) -> bool:
    """A contact card, a map pin or a picked person in the private chat: for the open flow's
    step, if it asked for one; False when nothing open takes it."""
    assert update.effective_user
    await _lapsed(update, context)
    found = await current(services.of(context), update.effective_user.id)
    flow = _flows(context).get(found.flow) if found is not None else None
    return (
        flow is not None
        and flow.take_shared is not None
        and await flow.take_shared(update, context)
    )


async def _stop(update: Update, context: BotContext) -> bool:
    """Ends what is open and says so; False if nothing was."""
    assert update.effective_user and update.effective_chat
    await _lapsed(update, context)
    svc = services.of(context)
    found = await conversations.close(svc.database, update.effective_user.id)
    if found is None:
        return False
    log.info("user %s stopped the %s conversation", found.user_id, found.flow)
    flow = _flows(context).get(found.flow)
    if flow is not None and flow.stop is not None and await flow.stop(update, context, found):
        return True
    _ = await services.texts_for(update, context)
    what = await flow.describe(_, svc, found) if flow is not None else found.flow
    await update.effective_chat.send_message(
        _("Stopped. {what} was discarded.", what=what), reply_markup=ReplyKeyboardRemove()
    )
    return True


async def cancel_command(update: Update, context: BotContext) -> None:
    """/cancel: whatever the person is in the middle of stops, and they hear what it was."""
    assert update.effective_message
    if await _stop(update, context):
        return
    _ = await services.texts_for(update, context)
    await update.effective_message.reply_text(_("There is nothing to stop right now."))


async def cancel_pressed(update: Update, context: BotContext) -> None:
    """The Cancel button under a step: as /cancel; the buttons of the step go away."""
    query = update.callback_query
    assert query
    _ = await services.texts_for(update, context)
    if not await _stop(update, context):
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    await query.answer()
    if query.message is not None:
        try:
            await query.edit_message_reply_markup(None)
        except Exception:  # the message may be too old to edit; the stop counts anyway
            log.debug("could not remove the buttons of a stopped step", exc_info=True)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("cancel", cancel_command, filters=private))
    application.add_handler(CallbackQueryHandler(cancel_pressed, pattern=f"^{CANCEL}$"))
    application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, private_text))

"""/signal, /signals and the buttons of a signal: a member tells the hosts what they saw, the
hosts pick it up, answer and close it.

The member's flow (`signal`, steps through `handlers.conversation`; Cancel and /cancel at each):
`network` (only with several) → `danger` ("Is er nu gevaar?"; yes: call 112 first, the signal
is still taken, urgent) → `what` (required; looks without behaviour get one friendly nudge) →
`where` (typed, the location button, or skipped) → `when` (buttons or typed) → `urgency`
(skipped after danger now) → `name` (with or without) → `preview` (Send / Change / Cancel;
Change goes back to one step and returns to the preview). A photo sent meanwhile is not kept.

The hosts' flows: `signal_answer` (the answer's text) and `signal_close` (a closing word, or
none). The work is in `domain.signals`, the texts in `domain.signal_texts`.

Callback data (each ≤ 64 bytes): `sig:net:<network>`, `sig:danger:yes|no`,
`sig:when:now|today|earlier`, `sig:urg:low|today|urgent`, `sig:name:yes|no`, `sig:send`,
`sig:change`, `sig:edit:<step>`; on a host's card `sig:take|ans|close:<signal>`, after Close
`sig:cnow:<signal>`; in /signals `sig:show:<signal>` and `sig:page:<page>`.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from telegram import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot import services
from bot.context import BotContext
from bot.fit import cut_label, page_bounds
from bot.i18n import Translator
from bot.render import keyboard
from bot.replies import edit_message, reply_text
from bot.services import Services
from domain import signal_texts as texts
from domain import signals
from domain.signals import Outcome, Result, WhatProblem
from handlers import conversation as talk
from handlers import fallback, guard, pickers
from handlers.common import MAX_CHOICES, page_row
from handlers.conversation import Flow
from storage import networks
from storage import signals as store
from storage.conversations import Conversation
from storage.signals import NewSignal

log = logging.getLogger(__name__)

FLOW, ANSWER, CLOSE, REPLY = "signal", "signal_answer", "signal_close", "signal_reply"
STEPS = ("network", "danger", "what", "where", "when", "urgency", "name", "preview")
CHANGEABLE = ("what", "where", "when", "urgency", "name")
HERE, SKIP = "📍 Send where I am now", "Skip"


# --- the member's flow ---------------------------------------------------------------------------


async def signal_command(update: Update, context: BotContext) -> None:
    """/signal: a short report to the hosts of your network."""
    message = update.effective_message
    assert message and update.effective_user
    svc = context.services
    _ = await context.texts()
    actor = await guard.actor_of(update, context)
    network_ids = signals.reporting_network_ids(actor)
    if not network_ids:
        log.info("user %s: /signal without a network", actor.user_id)
        await message.reply_text(
            _(
                "Only members of a network can send a signal to its police chief and "
                "municipality contact. 🚨 Emergency? Call 112."
            )
        )
        return
    if len(network_ids) == 1:
        dropped = await talk.open_flow(svc, actor.user_id, FLOW, "danger", {})
        await talk.tell_dropped(update, context, dropped)
        await _ask(update, context, "danger", {"network_id": network_ids[0]})
        return
    dropped = await talk.open_flow(svc, actor.user_id, FLOW, "network", {})
    await talk.tell_dropped(update, context, dropped)
    found = [n for nid in network_ids if (n := await networks.get(svc.database, nid)) is not None]
    rows = [
        [InlineKeyboardButton(cut_label(n.name), callback_data=f"sig:net:{n.id}")]
        for n in found[:MAX_CHOICES]  # a member is in a few networks, not forty
    ]
    await message.reply_text(
        _("Which network is your signal for?"),
        reply_markup=talk.with_cancel(_, InlineKeyboardMarkup(rows)),
    )


def _choice(_: Translator, *pairs: tuple[str, str]) -> InlineKeyboardMarkup:
    return talk.with_cancel(
        _,
        InlineKeyboardMarkup(
            [[InlineKeyboardButton(label, callback_data=data)] for label, data in pairs]
        ),
    )


def _where_keyboard(_: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        [
            [KeyboardButton(_("📍 Send where I am now"), request_location=True)],
            [_("Skip")],
            [_("Cancel")],
        ],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


async def _network_name(svc: Services, data: dict[str, Any]) -> str:
    return await signals.network_name(svc, int(data.get("network_id") or 0))


async def _ask(update: Update, context: BotContext, step: str, data: dict[str, Any]) -> None:
    """Move the flow to `step` and ask its question."""
    assert update.effective_user and update.effective_chat
    svc = context.services
    _ = await context.texts()
    await talk.open_flow(svc, update.effective_user.id, FLOW, step, data)
    chat = update.effective_chat
    if step == "danger":
        await chat.send_message(
            texts.ask_danger(_, await _network_name(svc, data)),
            reply_markup=_choice(
                _, (_("🚨 Yes, danger now"), "sig:danger:yes"), (_("No"), "sig:danger:no")
            ),
        )
    elif step == "what":
        await chat.send_message(texts.ask_what(_), reply_markup=talk.with_cancel(_))
    elif step == "where":
        await chat.send_message(texts.ask_where(_), reply_markup=_where_keyboard(_))
    elif step == "when":
        await chat.send_message(
            texts.ask_when(_),
            reply_markup=_choice(
                _,
                (_("Just now"), "sig:when:now"),
                (_("Earlier today"), "sig:when:today"),
                (_("Earlier"), "sig:when:earlier"),
            ),
        )
    elif step == "urgency":
        await chat.send_message(
            texts.ask_urgency(_),
            reply_markup=_choice(
                _,
                (_("🟢 It can wait"), "sig:urg:low"),
                (_("🟠 Today, please"), "sig:urg:today"),
                (_("🔴 Urgent"), "sig:urg:urgent"),
            ),
        )
    elif step == "name":
        await chat.send_message(
            texts.ask_name(_, await _network_name(svc, data)),
            reply_markup=_choice(
                _, (_("With my name"), "sig:name:yes"), (_("Without my name"), "sig:name:no")
            ),
        )
    elif step == "change":
        labels = {
            "what": _("What happened"),
            "where": _("Where"),
            "when": _("When"),
            "urgency": _("How urgent"),
            "name": _("With or without name"),
        }
        shown = [s for s in CHANGEABLE if not (s == "urgency" and data.get("danger"))]
        await chat.send_message(
            _("What do you want to change?"),
            reply_markup=_choice(_, *[(labels[s], f"sig:edit:{s}") for s in shown]),
        )
    else:
        await _show_preview(update, context, data)


def _next(step: str, data: dict[str, Any]) -> str:
    """The step after `step`: back to the preview after a change; no urgency after danger."""
    if data.get("back"):
        return "preview"
    following = STEPS[STEPS.index(step) + 1]
    if following == "urgency" and data.get("danger"):
        return "name"
    return following


async def _go_on(update: Update, context: BotContext, step: str, data: dict[str, Any]) -> None:
    await _ask(update, context, _next(step, data), data)


async def _reporter(svc: Services, _: Translator, user_id: int, data: dict[str, Any]) -> str:
    network = await _network_name(svc, data)
    if data.get("anonymous"):
        return _("a member of {network}", network=network)
    name = await signals.member_name(svc, int(data.get("network_id") or 0), user_id)
    return name or _("a member of {network}", network=network)


async def _show_preview(update: Update, context: BotContext, data: dict[str, Any]) -> None:
    assert update.effective_user and update.effective_chat
    svc = context.services
    _ = await context.texts()
    data = {**data, "back": False}
    await talk.open_flow(svc, update.effective_user.id, FLOW, "preview", data)
    body = texts.body(
        _,
        what=str(data.get("what") or ""),
        place=data.get("place"),
        lat=data.get("lat"),
        lon=data.get("lon"),
        happened=str(data.get("happened") or "now"),
        happened_text=data.get("happened_text"),
        urgency=_urgency(data),
        reporter=await _reporter(svc, _, update.effective_user.id, data),
        danger_now=bool(data.get("danger")),
    )
    markup = _choice(_, (_("📨 Send"), "sig:send"), (_("✏️ Change"), "sig:change"))
    await update.effective_chat.send_message(
        texts.preview(_, await _network_name(svc, data), body), reply_markup=markup
    )


def _urgency(data: dict[str, Any]) -> str:
    return "urgent" if data.get("danger") else str(data.get("urgency") or "low")


async def take_text(update: Update, context: BotContext) -> bool:
    """Typed text while a signal is open: what happened, where, when; else a pointer."""
    message, user = update.effective_message, update.effective_user
    if message is None or user is None or message.text is None:
        return False
    svc = context.services
    found = await talk.current(svc, user.id)
    if found is None:
        return False
    if found.flow in (ANSWER, CLOSE):
        return await _host_text(update, context, found)
    if found.flow == REPLY:
        return await _reply_text(update, context, found)
    if found.flow != FLOW:
        return False
    _ = await context.texts()
    data, text = dict(found.data), message.text
    if pickers.pressed(text, "Cancel"):
        await talk.close(svc, user.id, FLOW)
        await message.reply_text(
            _("Stopped. Your signal was not sent."), reply_markup=pickers.REMOVE
        )
        return True
    if found.step == "what":
        await _take_what(update, context, data, text)
    elif found.step == "where":
        await _take_where(update, context, data, text)
    elif found.step == "when":
        typed = " ".join(text.split())
        if len(typed) > signals.MAX_WHEN:
            await message.reply_text(
                _("At most {max} characters for when, please.", max=signals.MAX_WHEN),
                reply_markup=talk.with_cancel(_),
            )
            return True
        data |= {"happened": "typed", "happened_text": typed}
        await _go_on(update, context, "when", data)
    else:
        await message.reply_text(_("Please choose with a button above, or /cancel."))
    return True


async def _take_what(update: Update, context: BotContext, data: dict[str, Any], text: str) -> None:
    message = update.effective_message
    assert message and update.effective_user
    _ = await context.texts()
    checked = signals.check_what(text)
    if checked is WhatProblem.EMPTY:
        await message.reply_text(
            _("I need a few words about what happened: what did you see someone do?"),
            reply_markup=talk.with_cancel(_),
        )
        return
    if checked is WhatProblem.TOO_LONG:
        await message.reply_text(
            _(
                "That is more than {max} characters. Could you say it shorter? The police chief "
                "and the municipality read it on their phone.",
                max=signals.MAX_WHAT,
            ),
            reply_markup=talk.with_cancel(_),
        )
        return
    assert isinstance(checked, str)
    if signals.names_by_looks_only(checked) and not data.get("nudged"):
        log.info(
            "user %s: a signal naming someone by looks only, asked for behaviour",
            update.effective_user.id,
        )
        await talk.open_flow(
            context.services, update.effective_user.id, FLOW, "what", {**data, "nudged": True}
        )
        await message.reply_text(texts.looks_only(_), reply_markup=talk.with_cancel(_))
        return
    await _go_on(update, context, "what", {**data, "what": checked})


async def _take_where(update: Update, context: BotContext, data: dict[str, Any], text: str) -> None:
    message = update.effective_message
    assert message
    _ = await context.texts()
    if pickers.pressed(text, HERE):  # typed, or an app without the button
        await message.reply_text(
            _("Please share it with 📎 → Location, or type the place."),
            reply_markup=_where_keyboard(_),
        )
        return
    if pickers.pressed(text, SKIP):
        data |= {"place": None, "lat": None, "lon": None}
    else:
        place = " ".join(text.split())
        if len(place) > signals.MAX_PLACE:
            await message.reply_text(
                _("At most {max} characters for the place, please.", max=signals.MAX_PLACE)
            )
            return
        data |= {"place": place, "lat": None, "lon": None}
    await message.reply_text(_("Noted."), reply_markup=pickers.REMOVE)
    await _go_on(update, context, "where", data)


async def take_shared(update: Update, context: BotContext) -> bool:
    """A map pin at the where step (the location button, or 📎 → Location)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    found = await talk.current(context.services, user.id)
    if found is None or found.flow != FLOW or found.step != "where" or message.location is None:
        return False
    _ = await context.texts()
    data = dict(found.data)
    place = None
    if message.venue is not None:
        place = " ".join(f"{message.venue.title}, {message.venue.address}".split())[
            : signals.MAX_PLACE
        ]
    data |= {
        "place": place,
        "lat": round(message.location.latitude, 5),
        "lon": round(message.location.longitude, 5),
    }
    await message.reply_text(_("📍 Got it."), reply_markup=pickers.REMOVE)
    await _go_on(update, context, "where", data)
    return True


async def media(update: Update, context: BotContext) -> None:
    """A photo, video, voice message or file in the private chat: in a signal, or any other
    step that waits for typed words, it is not kept, and the member hears why (a photo of a
    person above all); with nothing open, the usual pointer."""
    user, message = update.effective_user, update.effective_message
    assert user and message
    found = await talk.current(context.services, user.id)
    if found is None:
        await fallback.private_text(update, context)
        return
    _ = await context.texts()
    picture = bool(message.photo or message.video or message.animation or message.video_note)
    if message.document is not None and (message.document.mime_type or "").startswith("image/"):
        picture = True
    if found.flow not in (FLOW, REPLY):
        # Another step waits for typed words (a rumour often comes as a screenshot): not kept.
        log.info(
            "user %s: %s during %s, not kept",
            user.id,
            "a picture" if picture else "media",
            found.flow,
        )
        other = (
            _(
                "📷 I don't keep photos, and this one went nowhere. A photo of a person spreads "
                "fast and can point at someone innocent. Please type it in words, or /cancel."
            )
            if picture
            else _(
                "I keep only typed words here, so this went nowhere. Please type it, or /cancel."
            )
        )
        await message.reply_text(other, reply_markup=talk.with_cancel(_))
        return
    log.info("user %s: %s in a signal, not kept", user.id, "a picture" if picture else "media")
    text = (
        texts.no_photos(_)
        if picture
        else _("I keep only typed words for a signal, so this went nowhere. Please type it.")
    )
    await message.reply_text(text, reply_markup=talk.with_cancel(_))


async def _flow_button(update: Update, context: BotContext, verb: str, arg: str) -> None:
    """A button of the member's flow: only the step it was shown for."""
    query = update.callback_query
    assert query and update.effective_user
    svc = context.services
    _ = await context.texts()
    found = await talk.current(svc, update.effective_user.id)
    expected = {
        "net": "network",
        "danger": "danger",
        "when": "when",
        "urg": "urgency",
        "name": "name",
        "send": "preview",
        "change": "preview",
        "edit": "change",
    }[verb]
    if found is None or found.flow != FLOW or found.step != expected:
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    data = dict(found.data)
    await query.answer()
    await _without_buttons(query)
    if verb == "net":
        actor = await guard.actor_of(update, context)
        if not arg.isdigit() or int(arg) not in signals.reporting_network_ids(actor):
            await talk.close(svc, actor.user_id, FLOW)
            await guard.refuse(update, context, _("This button no longer works."))
            return
        await _ask(update, context, "danger", {"network_id": int(arg)})
    elif verb == "danger":
        if arg == "yes":
            assert update.effective_chat
            await update.effective_chat.send_message(texts.call_112(_))
        await _ask(update, context, "what", data | {"danger": arg == "yes"})
    elif verb == "when" and arg in signals.WHEN_CHOICES:
        await _go_on(update, context, "when", data | {"happened": arg, "happened_text": None})
    elif verb == "urg" and arg in signals.URGENCIES:
        await _go_on(update, context, "urgency", data | {"urgency": arg})
    elif verb == "name":
        await _go_on(update, context, "name", data | {"anonymous": arg == "no"})
    elif verb == "change":
        await _ask(update, context, "change", data)
    elif verb == "edit" and arg in CHANGEABLE:
        await _ask(update, context, arg, data | {"back": True, "nudged": False})
    elif verb == "send":
        await _send(update, context, data)


async def _without_buttons(query: CallbackQuery) -> None:
    """The pressed step's buttons go; a message too old to edit keeps them (they no longer
    work: the flow moved on)."""
    try:
        await query.edit_message_reply_markup(None)
    except BadRequest:
        log.debug("could not take the buttons off a step", exc_info=True)


async def _send(update: Update, context: BotContext, data: dict[str, Any]) -> None:
    assert update.effective_user and update.effective_chat
    svc = context.services
    _ = await context.texts()
    actor = await guard.actor_of(update, context)
    network_id = int(data.get("network_id") or 0)
    await talk.close(svc, actor.user_id, FLOW)
    if network_id not in signals.reporting_network_ids(actor) or not data.get("what"):
        log.info("user %s: a signal for network %s refused at sending", actor.user_id, network_id)
        await guard.refuse(update, context, _("You are no longer a member of that network."))
        return
    new = NewSignal(
        network_id=network_id,
        reporter_id=actor.user_id,
        anonymous=bool(data.get("anonymous")),
        danger_now=bool(data.get("danger")),
        what=str(data["what"]),
        place=data.get("place"),
        latitude=data.get("lat"),
        longitude=data.get("lon"),
        happened=str(data.get("happened") or "now"),
        happened_text=data.get("happened_text"),
        urgency=_urgency(data),
    )
    _signal, told = await signals.submit(svc, new)
    network = await _network_name(svc, data)
    if told:
        text = _(
            "📨 Sent to the police chief and the municipality of {network}. You will hear here "
            "when someone picks it up.",
            network=network,
        )
    else:
        text = _(
            "📨 Kept for {network}. It has no police chief or municipality contact right now; "
            "they will find it as soon as there is one.",
            network=network,
        )
    await update.effective_chat.send_message(text + "\n\n" + _("🚨 Danger? Call 112."))


# --- the hosts -----------------------------------------------------------------------------------


async def signals_command(update: Update, context: BotContext) -> None:
    """/signals: the open signals of the networks you host, page by page."""
    message = update.effective_message
    assert message
    await _show_list(update, context, 0)


async def _show_list(update: Update, context: BotContext, page: int) -> None:
    svc = context.services
    _ = await context.texts()
    actor = await guard.actor_of(update, context)
    if not signals.handling_network_ids(actor):
        log.info("user %s: /signals without hosting a network", actor.user_id)
        await guard.refuse(
            update,
            context,
            _(
                "Signals go to the police chief and the municipality contact of a network "
                "only. /signal sends one."
            ),
        )
        return
    found = await signals.open_for(svc, actor)
    tz = svc.settings.bot.tz
    text: str
    markup: InlineKeyboardMarkup | None = None
    if not found:
        text = _("No open signals in your networks.")
    else:
        names = {nid: await signals.network_name(svc, nid) for nid in {s.network_id for s in found}}
        lines = [texts.list_line(_, s, names[s.network_id], tz) for s in found]
        pages = page_bounds(
            [len(line) for line in lines], per_page=signals.PER_PAGE, limit=3500, separator=2
        )
        page = min(max(page, 0), len(pages) - 1)
        shown = pages[page]
        head = _.ngettext("<b>{n} open signal</b>", "<b>{n} open signals</b>", len(found))
        if len(pages) > 1:
            head += " · " + _("page {page} of {pages}", page=page + 1, pages=len(pages))
        text = "\n\n".join([head, *(lines[i] for i in shown)])
        rows = [
            [
                InlineKeyboardButton(
                    cut_label(
                        f"#{found[i].id} {texts.urgency_name(_, found[i].urgency)[:1]} "
                        f"{found[i].what}"
                    ),
                    callback_data=f"sig:show:{found[i].id}",
                )
            ]
            for i in shown
        ]
        nav = page_row("sig:page", page, len(pages))
        markup = InlineKeyboardMarkup([*rows, nav] if nav else rows)
    query = update.callback_query
    if query is not None:
        await query.answer()
        await edit_message(query, text, markup)
    else:
        assert update.effective_message
        await reply_text(update.effective_message, text, markup)


async def _host_button(update: Update, context: BotContext, verb: str, signal_id: int) -> None:
    query = update.callback_query
    assert query and update.effective_user
    svc = context.services
    _ = await context.texts()
    actor = await guard.actor_of(update, context)
    signal = await store.get(svc.database, signal_id)
    if signal is None:
        await query.answer(_("This signal is no longer kept."), show_alert=True)
        return
    if not signals.may_handle(actor, signal):
        log.info("user %s pressed %s on signal %s: not a host", actor.user_id, verb, signal_id)
        await guard.refuse(update, context)
        return
    if verb == "show":
        await signals.send_cards(svc, signal, [actor.user_id])
        await query.answer(_("The signal follows."))
        return
    if verb == "take":
        result = await signals.take(svc, actor, signal_id, _where(query))
        await _after(update, context, result, _("👀 You picked it up. The member hears so."))
        return
    if not signal.is_open:
        await _after(update, context, Result(Outcome.CLOSED, signal), "")
        return
    if verb == "ans":
        dropped = await talk.open_flow(svc, actor.user_id, ANSWER, "text", {"signal_id": signal_id})
        await talk.tell_dropped(update, context, dropped)
        await query.answer()
        assert update.effective_chat
        await update.effective_chat.send_message(
            _(
                "Type your answer to signal #{id}. The member gets it from me, without your "
                "phone number.",
                id=signal_id,
            ),
            reply_markup=talk.with_cancel(_),
        )
    elif verb == "close":
        dropped = await talk.open_flow(svc, actor.user_id, CLOSE, "word", {"signal_id": signal_id})
        await talk.tell_dropped(update, context, dropped)
        await query.answer()
        assert update.effective_chat
        await update.effective_chat.send_message(
            _(
                "Close signal #{id}? Type a closing word for the member, or close it without one.",
                id=signal_id,
            ),
            reply_markup=_choice(_, (_("✅ Close without a word"), f"sig:cnow:{signal_id}")),
        )
    elif verb == "cnow":
        found = await talk.current(svc, actor.user_id)
        if found is None or found.flow != CLOSE or found.data.get("signal_id") != signal_id:
            await query.answer(_("This button no longer works."), show_alert=True)
            return
        await talk.close(svc, actor.user_id, CLOSE)
        await _without_buttons(query)
        result = await signals.close(svc, actor, signal_id, None)
        await _after(update, context, result, _("✅ Closed. The member hears so."), edit=False)


def _where(query: CallbackQuery) -> tuple[int, int] | None:
    message = query.message
    return (message.chat.id, message.message_id) if message is not None else None


async def _after(
    update: Update, context: BotContext, result: Result, done: str, *, edit: bool = True
) -> None:
    """What a host hears after a button: done, or who did it first; the pressed card shows
    where the signal stands now."""
    query = update.callback_query
    assert query
    svc = context.services
    _ = await context.texts()
    signal = result.signal
    if result.outcome is Outcome.GONE or signal is None:
        await query.answer(_("This signal is no longer kept."), show_alert=True)
        return
    if result.outcome is Outcome.NOT_HOST:
        await guard.refuse(update, context)
        return
    if result.outcome is Outcome.DONE:
        await query.answer(done)
    elif result.outcome is Outcome.ALREADY:
        who = await signals.host_label(svc, _, signal.network_id, signal.taken_by)
        mine = signal.taken_by == update.effective_user.id if update.effective_user else False
        await query.answer(
            _("You picked this up already.")
            if mine
            else _("Already picked up by {name}.", name=who),
            show_alert=True,
        )
    else:
        who = await signals.host_label(svc, _, signal.network_id, signal.closed_by)
        await query.answer(_("Already closed by {name}.", name=who), show_alert=True)
    if edit and query.message is not None:
        text = await signals.card_text(svc, _, signal)
        try:
            await query.edit_message_text(
                text, reply_markup=keyboard(texts.card_buttons(_, signal))
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise
            log.debug("signal %s: the pressed copy shows its state already", signal.id)
        await signals.card_seen(svc, query.message.chat.id, query.message.message_id, signal)


async def _host_text(update: Update, context: BotContext, found: Conversation) -> bool:
    """The text of a host's answer or closing word."""
    message = update.effective_message
    assert message and message.text
    svc = context.services
    _ = await context.texts()
    actor = await guard.actor_of(update, context)
    signal_id = int(found.data.get("signal_id") or 0)
    text = message.text.strip()
    limit = signals.MAX_ANSWER if found.flow == ANSWER else signals.MAX_WORD
    if not text:
        await message.reply_text(_("Please type the text."), reply_markup=talk.with_cancel(_))
        return True
    if len(text) > limit:
        await message.reply_text(
            _("That is more than {max} characters. Could you say it shorter?", max=limit),
            reply_markup=talk.with_cancel(_),
        )
        return True
    await talk.close(svc, actor.user_id, found.flow)
    if found.flow == ANSWER:
        result = await signals.answer(svc, actor, signal_id, text)
        done = _("💬 Sent to the member of signal #{id}.", id=signal_id)
    else:
        result = await signals.close(svc, actor, signal_id, text)
        done = _("✅ Signal #{id} is closed. The member hears so.", id=signal_id)
    if result.outcome is Outcome.DONE:
        await message.reply_text(done)
    elif result.outcome is Outcome.CLOSED and result.signal is not None:
        who = await signals.host_label(svc, _, result.signal.network_id, result.signal.closed_by)
        await message.reply_text(
            _(
                "Signal #{id} was closed already by {name}: nothing was sent.",
                id=signal_id,
                name=who,
            )
        )
    elif result.outcome is Outcome.NOT_HOST:
        await guard.refuse(update, context)
    else:
        await message.reply_text(_("This signal is no longer kept."))
    return True


# --- the member replies to an answer --------------------------------------------------------------


async def _reply_button(update: Update, context: BotContext, signal_id: int) -> None:
    """💬 Reply under a host's answer: the member types a reply for the hosts."""
    query = update.callback_query
    assert query and update.effective_user and update.effective_chat
    svc = context.services
    _ = await context.texts()
    signal = await store.get(svc.database, signal_id)
    if signal is None or signal.reporter_id != update.effective_user.id:
        log.info("user %s: reply to signal %s refused", update.effective_user.id, signal_id)
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    if not signal.is_open:
        await query.answer(
            _("That signal is closed. Something new? /signal sends it."), show_alert=True
        )
        return
    dropped = await talk.open_flow(svc, signal.reporter_id, REPLY, "text", {"signal_id": signal_id})
    await talk.tell_dropped(update, context, dropped)
    await query.answer()
    await update.effective_chat.send_message(
        _(
            "Type your reply for the police chief and the municipality about “{what}”.",
            what=texts.excerpt(signal.what),
        ),
        reply_markup=talk.with_cancel(_),
    )


async def _reply_text(update: Update, context: BotContext, found: Conversation) -> bool:
    message = update.effective_message
    assert message and message.text and update.effective_user
    svc = context.services
    _ = await context.texts()
    text = message.text.strip()
    if not text:
        await message.reply_text(_("Please type the text."), reply_markup=talk.with_cancel(_))
        return True
    if len(text) > signals.MAX_ANSWER:
        await message.reply_text(
            _(
                "That is more than {max} characters. Could you say it shorter?",
                max=signals.MAX_ANSWER,
            ),
            reply_markup=talk.with_cancel(_),
        )
        return True
    await talk.close(svc, update.effective_user.id, REPLY)
    result, told = await signals.reply(
        svc, update.effective_user.id, int(found.data.get("signal_id") or 0), text
    )
    if result.outcome is Outcome.DONE and told:
        await message.reply_text(_("💬 Sent to the police chief and the municipality."))
    elif result.outcome is Outcome.DONE:
        await message.reply_text(
            _(
                "Nobody can read it right now: the network has no police chief or "
                "municipality contact."
            )
        )
    elif result.outcome is Outcome.CLOSED:
        await message.reply_text(_("That signal is closed. Something new? /signal sends it."))
    else:
        await message.reply_text(_("This signal is no longer kept."))
    return True


# --- routing -------------------------------------------------------------------------------------

FLOW_VERBS = ("net", "danger", "when", "urg", "name", "send", "change", "edit")
HOST_VERBS = ("take", "ans", "close", "cnow", "show")


async def pressed(update: Update, context: BotContext) -> None:
    """Every `sig:` button."""
    query = update.callback_query
    assert query and query.data
    _prefix, verb, *rest = query.data.split(":")
    arg = rest[0] if rest else ""
    if verb in FLOW_VERBS:
        await _flow_button(update, context, verb, arg)
    elif verb in HOST_VERBS and arg.isdigit() and len(arg) <= 20:
        await _host_button(update, context, verb, int(arg))
    elif verb == "re" and arg.isdigit() and len(arg) <= 20:
        await _reply_button(update, context, int(arg))
    elif verb == "page" and arg.isdigit() and len(arg) <= 6:
        await _show_list(update, context, int(arg))
    else:
        await fallback.stale_button(update, context)


async def _describe(_: Translator, svc: Services, conversation: Conversation) -> str:
    if conversation.flow == ANSWER:
        return _("Your answer to signal #{id}", id=conversation.data.get("signal_id"))
    if conversation.flow == CLOSE:
        return _("Your closing word for signal #{id}", id=conversation.data.get("signal_id"))
    if conversation.flow == REPLY:
        return _("Your reply about your signal")
    return _("Your signal")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    talk.add_flow(application, Flow(FLOW, take_text, _describe, "/signal", take_shared=take_shared))
    talk.add_flow(application, Flow(ANSWER, take_text, _describe))
    talk.add_flow(application, Flow(CLOSE, take_text, _describe))
    talk.add_flow(application, Flow(REPLY, take_text, _describe))
    application.add_handler(CommandHandler("signal", signal_command, filters=private))
    application.add_handler(CommandHandler("signals", signals_command, filters=private))
    application.add_handler(CallbackQueryHandler(pressed, pattern=r"^sig:"))
    things = filters.PHOTO | filters.VIDEO | filters.ANIMATION | filters.VIDEO_NOTE
    things |= filters.VOICE | filters.AUDIO | filters.Document.ALL | filters.Sticker.ALL
    application.add_handler(MessageHandler(private & things, media))
    svc = services.of(application)
    svc.delivery_listeners.append(functools.partial(signals.on_delivery, svc))
    svc.outage_listeners.append(functools.partial(signals.on_outage, svc))

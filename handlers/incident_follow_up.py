"""/update, /close and the buttons under an alert's status message: follow it up, close it, see
who has not seen it.

The sender's live status message and /incident's view carry three buttons. 🔁 Update asks for
the text in the conversation and shows a preview with Send; ✅ Close asks to confirm, with a
closing word if the host types one; 👀 Who has not seen it lists, page by page, who has not
acknowledged, to the hosts and coordinators only. `/update text` and `/close [text]` are the
typed shortcuts; typed alone, `/update` asks for the text and `/close` closes, each after a
choice when several alerts are open. The work is in `domain.alerts`, texts and buttons in
`domain.alert_texts`.

The conversation (flows `update` and `close`, listed in `handlers.flows`) has these steps:
`pick` (a choice of alerts is shown; a text typed after the command waits in it), `text` (the
update is asked), `confirm` (close now, or type a closing word) and `preview` (the text, and
its revision, so that only the newest preview's button sends).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.render import keyboard
from bot.replies import edit_message, reply_text
from domain import alert_texts as texts
from domain import alerts
from domain import incidents as rules
from domain.incidents import TextProblem
from handlers import conversation as talk
from handlers import guard
from handlers.alert_common import after_command, managed
from handlers.common import MAX_CHOICES, stale_button
from storage import incidents as store
from storage.conversations import Conversation
from storage.incidents import Incident

log = logging.getLogger(__name__)

UPDATE, CLOSE = "update", "close"  # the flows, and what the host does


# --- which alert -----------------------------------------------------------------------------


async def open_ones(update: Update, context: BotContext) -> list[Incident] | None:
    """Open incidents this person hosts; None (refused) for people who cannot alert at all."""
    actor = await guard.actor_of(update, context)
    if not alerts.may_alert_somewhere(actor):
        await guard.refuse(update, context)
        return None
    return await alerts.open_managed_by(context.services, actor)


def incident_label(incident: Incident) -> str:
    icon = rules.SEVERITY_ICON[incident.severity]
    return f"#{incident.id} {icon} {texts.excerpt(incident.text, 36)}"


def choice_keyboard(found: list[Incident], action: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(incident_label(i), callback_data=f"inc:{action}:{i.id}")]
            for i in found[:MAX_CHOICES]  # more: /incident NUMBER
        ]
    )


def status_keyboard(_: Translator, incident: Incident) -> InlineKeyboardMarkup | None:
    """The status message's buttons, for /incident's view of the same alert."""
    return keyboard(texts.status_buttons(_, incident.id, open_=incident.is_open))


# --- the commands ----------------------------------------------------------------------------


async def update_command(update: Update, context: BotContext) -> None:
    """/update [text]: a follow-up to an open alert, threaded under it everywhere; without a
    text, the text is asked for."""
    await _command(update, context, UPDATE)


async def close_command(update: Update, context: BotContext) -> None:
    """/close [closing word]: close an open alert; reminders and call lists stop."""
    await _command(update, context, CLOSE)


async def _command(update: Update, context: BotContext, kind: str) -> None:
    message = update.effective_message
    assert message and message.text and update.effective_user
    svc = context.services
    _ = await context.texts()
    found = await open_ones(update, context)
    if found is None:
        return
    text = after_command(message.text)
    if text and isinstance(rules.check_text(text), TextProblem):
        await message.reply_text(
            _("That text is too long: at most {max} characters, please.", max=rules.MAX_TEXT)
        )
        return
    if not found:
        await message.reply_text(_("You have no open alert. /alert sends a new one."))
        return
    if len(found) == 1:
        if text or kind == CLOSE:  # typed in full: the command is the confirmation
            await message.reply_text(await _do(update, context, found[0], kind, text))
        else:
            await _ask(update, context, found[0], kind)
        return
    dropped = await talk.open_flow(
        svc, update.effective_user.id, kind, "pick", {"text": text} if text else {}
    )
    await talk.tell_dropped(update, context, dropped)
    question = (
        _("Which alert do you want to update?")
        if kind == UPDATE
        else _("Which alert do you want to close?")
    )
    choices = choice_keyboard(found, "upd" if kind == UPDATE else "close")
    await message.reply_text(question, reply_markup=talk.with_cancel(_, choices))


async def _do(update: Update, context: BotContext, incident: Incident, kind: str, text: str) -> str:
    """Send the update or close the alert; what the host is told."""
    assert update.effective_user
    svc = context.services
    _ = await context.texts()
    if kind == UPDATE:
        if await alerts.update_incident(svc, incident.id, text, update.effective_user.id):
            return _(
                "🔁 Update to alert #{id} is on its way, as a reply under the alert.",
                id=incident.id,
            )
        return _("Alert #{id} is closed already; /alert starts a new one.", id=incident.id)
    if await alerts.close_incident(svc, incident.id, update.effective_user.id, text or None):
        if text:
            return _(
                "✅ Alert #{id} is closed; the closing words are on their way.", id=incident.id
            )
        return _("✅ Alert #{id} is closed. No more reminders go out.", id=incident.id)
    return _("Alert #{id} was closed already.", id=incident.id)


def _closed_already(_: Translator, kind: str, incident: Incident) -> str:
    if kind == UPDATE:
        return _("Alert #{id} is closed already; /alert starts a new one.", id=incident.id)
    return _("Alert #{id} was closed already.", id=incident.id)


async def _ask(
    update: Update, context: BotContext, incident: Incident, kind: str, *, edit: bool = False
) -> None:
    """Ask for the update's text, or to confirm closing (with a closing word, if typed)."""
    assert update.effective_user
    svc = context.services
    _ = await context.texts()
    step = "text" if kind == UPDATE else "confirm"
    user_id = update.effective_user.id
    dropped = await talk.open_flow(svc, user_id, kind, step, {"incident_id": incident.id})
    await talk.tell_dropped(update, context, dropped)
    if kind == UPDATE:
        question = texts.ask_update(_, incident.id, incident.text)
        markup = talk.with_cancel(_)
    else:
        question = texts.ask_close(_, incident.id, incident.text)
        markup = talk.with_cancel(_, keyboard(texts.close_buttons(_, incident.id)))
    if edit and update.callback_query:
        await edit_message(update.callback_query, question, reply_markup=markup)
    else:  # under the status message or the report, which stay as they are
        await context.bot.send_message(user_id, question, reply_markup=markup)


# --- the buttons -------------------------------------------------------------------------------


async def pressed_update(update: Update, context: BotContext, args: list[str]) -> None:
    """🔁 Update (or an alert chosen after /update): the text, or the one typed already."""
    await _pressed(update, context, args, UPDATE)


async def pressed_close(update: Update, context: BotContext, args: list[str]) -> None:
    """✅ Close (or an alert chosen after /close): confirm, or close as the command said."""
    await _pressed(update, context, args, CLOSE)


async def _pressed(update: Update, context: BotContext, args: list[str], kind: str) -> None:
    query = update.callback_query
    assert query and update.effective_user
    incident = await managed(update, context, args[0])
    if incident is None:
        return
    svc = context.services
    _ = await context.texts()
    user_id = update.effective_user.id
    found = await talk.current(svc, user_id)
    picking = found is not None and found.flow == kind and found.step == "pick"
    if not incident.is_open:
        log.info("user %s pressed %s on closed incident %s", user_id, kind, incident.id)
        await query.answer(_closed_already(_, kind, incident), show_alert=True)
        return
    if picking and found is not None and (found.data.get("text") or kind == CLOSE):
        # Chosen after `/update text`, `/close` or `/close text`: done as typed.
        if await talk.close(svc, user_id, kind) is None:
            await stale_button(update, context)
            return
        await query.answer()
        done = await _do(update, context, incident, kind, found.data.get("text") or "")
        await edit_message(query, done)
        return
    await query.answer()
    await _ask(update, context, incident, kind, edit=picking)


def _about(found: Conversation | None, kind: str, incident: Incident, *steps: str) -> bool:
    """Whether the open conversation is `kind` about `incident`, at one of `steps`."""
    return (
        found is not None
        and found.flow == kind
        and found.step in steps
        and found.data.get("incident_id") == incident.id
    )


async def _no_longer_open(update: Update, context: BotContext) -> None:
    """A Send or Close under a question that was answered, cancelled or has expired."""
    _ = await context.texts()
    await guard.refuse(
        update,
        context,
        _(
            "This question is no longer open: it was answered, cancelled or has expired. The "
            "buttons under the alert's status message start again."
        ),
    )


async def send_previewed(update: Update, context: BotContext, args: list[str]) -> None:
    """📤 Send under an update's preview: it goes out, once even if pressed twice."""
    await _send_previewed(update, context, args, UPDATE)


async def close_previewed(update: Update, context: BotContext, args: list[str]) -> None:
    """✅ Close and send under a closing word's preview."""
    await _send_previewed(update, context, args, CLOSE)


async def _send_previewed(update: Update, context: BotContext, args: list[str], kind: str) -> None:
    query = update.callback_query
    assert query and update.effective_user
    incident = await managed(update, context, args[0])  # a host still, at the moment it goes
    if incident is None:
        return
    svc = context.services
    _ = await context.texts()
    user_id = update.effective_user.id
    found = await talk.current(svc, user_id)
    if len(args) < 2 or not _about(found, kind, incident, "preview") or found is None:
        await _no_longer_open(update, context)
        return
    if str(found.data.get("rev")) != args[1]:
        await query.answer(_("A newer preview is below: use that one."), show_alert=True)
        return
    if not incident.is_open:
        await talk.close(svc, user_id, kind)
        await query.answer(_closed_already(_, kind, incident), show_alert=True)
        await edit_message(query, _closed_already(_, kind, incident))
        return
    if await talk.close(svc, user_id, kind) is None:
        return  # a second press while the first was sending: that one did it
    await query.answer()
    text = str(found.data.get("text") or "")
    done = await _do(update, context, incident, kind, text)
    names = await alerts.names_of(svc, incident.network_ids)
    shown = texts.follow_up_text(_, kind, incident.severity, names, text)
    await edit_message(query, f"{done}\n\n{shown}")


async def close_now(update: Update, context: BotContext, args: list[str]) -> None:
    """✅ Close without a word, under the question that ✅ Close asked."""
    query = update.callback_query
    assert query and update.effective_user
    incident = await managed(update, context, args[0])
    if incident is None:
        return
    svc = context.services
    _ = await context.texts()
    user_id = update.effective_user.id
    if not incident.is_open:
        await query.answer(_closed_already(_, CLOSE, incident), show_alert=True)
        return
    found = await talk.current(svc, user_id)
    if not _about(found, CLOSE, incident, "confirm", "preview"):
        await _no_longer_open(update, context)
        return
    if await talk.close(svc, user_id, CLOSE) is None:
        return
    await query.answer()
    await edit_message(query, await _do(update, context, incident, CLOSE, ""))


async def who_has_not_seen(update: Update, context: BotContext, args: list[str]) -> None:
    """👀 Who has not seen it: the first page, as a message of its own (the status stays)."""
    await _not_seen(update, context, args, turn=False)


async def turn_not_seen(update: Update, context: BotContext, args: list[str]) -> None:
    """◀ ▶ under the list of who has not seen an alert: that page, read afresh."""
    await _not_seen(update, context, args, turn=True)


async def _not_seen(update: Update, context: BotContext, args: list[str], *, turn: bool) -> None:
    query = update.callback_query
    assert query and update.effective_user
    if turn and len(args) < 2:
        await stale_button(update, context)
        return
    incident = await managed(update, context, args[0])  # hosts and coordinators only
    if incident is None:
        return
    svc = context.services
    _ = await context.texts()
    people, total = await alerts.not_seen(svc, incident, update.effective_user.id)
    page = int(args[1]) if turn else 0
    text, rows, _page = texts.not_seen_page(_, incident.id, people, total, page)
    await query.answer()
    if turn:
        await edit_message(query, text, reply_markup=keyboard(rows))
    else:  # to the person's private chat, whoever else might see the chat the button was in
        await context.bot.send_message(update.effective_user.id, text, reply_markup=keyboard(rows))


# --- typed text --------------------------------------------------------------------------------


async def take_text(update: Update, context: BotContext) -> bool:
    """The text of an update or a closing word: checked, kept, and shown as a preview."""
    message = update.effective_message
    user = update.effective_user
    if message is None or user is None or message.text is None:
        return False
    svc = context.services
    found = await talk.current(svc, user.id)
    if found is None or found.flow not in (UPDATE, CLOSE):
        return False
    kind = found.flow
    _ = await context.texts()
    if found.step == "pick":
        await message.reply_text(_("First choose the alert with a button above, or /cancel."))
        return True
    incident = await store.get(svc.database, int(found.data.get("incident_id") or 0))
    if incident is None or not incident.is_open:
        await talk.close(svc, user.id, kind)
        if incident is None:
            return False
        await message.reply_text(_closed_already(_, kind, incident))
        return True
    checked = rules.check_text(message.text)
    if isinstance(checked, TextProblem):
        problem = (
            texts.too_long(_, message.text)
            if checked is TextProblem.too_long
            else _("Please type the text.")
        )
        await message.reply_text(problem, reply_markup=talk.with_cancel(_))
        return True
    revision = int(found.data.get("rev") or 0) + 1
    state = {"incident_id": incident.id, "text": checked, "rev": revision}
    await talk.open_flow(svc, user.id, kind, "preview", state)
    names = await alerts.names_of(svc, incident.network_ids)
    reach = await alerts.follow_up_reach(svc, incident)
    preview = texts.follow_up_preview(
        _, kind, incident.id, incident.severity, names, checked, reach
    )
    markup = talk.with_cancel(_, keyboard(texts.follow_up_buttons(_, kind, incident.id, revision)))
    await reply_text(message, preview, reply_markup=markup)
    return True


# Callback data of these buttons (each ≤ 64 bytes; i = incident id, r = preview revision,
# p = page): `inc:upd:<i>`, `inc:close:<i>`, `inc:who:<i>` (on the status message, /incident,
# and the choice after /update or /close), `inc:usend:<i>:<r>`, `inc:csend:<i>:<r>`,
# `inc:cnow:<i>`, `inc:whop:<i>:<p>`.
BUTTONS = {
    "upd": pressed_update,
    "close": pressed_close,
    "who": who_has_not_seen,
    "whop": turn_not_seen,
    "usend": send_previewed,
    "csend": close_previewed,
    "cnow": close_now,
}
TWO_NUMBERS = ("whop", "usend", "csend")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The commands; the buttons go with `handlers.incidents`' one `inc:` handler."""
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("update", update_command, filters=private))
    application.add_handler(CommandHandler("close", close_command, filters=private))

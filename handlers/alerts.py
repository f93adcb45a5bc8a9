"""/alert: a host or coordinator composes an alert step by step.

Networks, severity, sharing label, text, preview, then Send or Cancel. The draft lives in the
database, so a restart keeps it; what Send does is `domain.alerts.send`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import CopyTextButton, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot import services
from bot.fit import cut_label
from bot.i18n import Translator
from bot.replies import edit_message
from bot.services import Services
from domain import alert_templates, alert_texts, alerts
from domain import incidents as rules
from domain.access import Action, Actor, networks_where
from domain.incidents import TextProblem
from handlers import conversation as talk
from handlers import guard
from handlers.alert_common import after_command, buttons
from handlers.common import MAX_CHOICES, more_choices, network_named, stale_button
from storage import incidents as store
from storage import networks
from storage.incidents import Draft

log = logging.getLogger(__name__)


async def alert(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/alert: compose an alert step by step; `/alert NETWORK text…` goes to the preview."""
    message = update.effective_message
    assert message and message.text and update.effective_user
    svc = services.of(context)
    user_id = update.effective_user.id
    _ = await services.texts_for(update, context)
    rest = after_command(message.text)
    now = svc.clock.now()
    if rest:
        found = await _network_and_text(update, context, rest)
        if found is None:
            return
        network, text = found
        if await guard.permit(update, context, Action.send_alert, network.id) is None:
            return
        draft = await store.new_draft(
            svc.database, user_id, now, network_ids=[network.id], step="text"
        )
        await _started(update, context, draft)
        if not text:
            await _ask_for_text(update, context, draft)
            return
        await take_draft_text(update, context, draft, text)
        return
    actor = await guard.actor_of(update, context)
    choices = await networks_where(svc.database, actor, Action.send_alert)
    if not choices:
        await guard.refuse(update, context)
        return
    if len(choices) == 1:
        draft = await store.new_draft(
            svc.database, user_id, now, network_ids=[choices[0].id], step="severity"
        )
        await _started(update, context, draft)
        await message.reply_text(
            severity_question(_, draft), reply_markup=severity_keyboard(_, draft)
        )
        return
    draft = await store.new_draft(svc.database, user_id, now)
    await _started(update, context, draft)
    await message.reply_text(
        _("🚨 New alert. Which networks should it reach?") + more_choices(_, choices, "/alert"),
        reply_markup=networks_keyboard(_, draft, choices, actor),
    )


async def _network_and_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, rest: str
) -> tuple[networks.Network, str] | None:
    """`Noord Something happened…` → the network (its name may have spaces) and the text."""
    db = services.of(context).database
    words = rest.split()
    for count in range(len(words), 0, -1):
        network = await networks.by_name(db, " ".join(words[:count]))
        if network is not None:
            pattern = r"\s*" + r"\s+".join(re.escape(w) for w in words[:count])
            match = re.match(pattern, rest)
            assert match is not None
            return network, rest[match.end() :].strip()
    await network_named(update, context, words[0])
    return None


# --- keyboards -----------------------------------------------------------------------------


def networks_keyboard(
    _: Translator, draft: Draft, choices: list[networks.Network], actor: Actor
) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                f"✓ {cut_label(n.name)}" if n.id in draft.network_ids else cut_label(n.name),
                callback_data=f"inc:net:{draft.id}:{n.id}",
            )
        ]
        for n in choices[:MAX_CHOICES]  # more: "All networks", or /alert NETWORK text
    ]
    everything = _("All networks") if actor.is_coordinator else _("All my networks")
    rows.append([InlineKeyboardButton(everything, callback_data=f"inc:all:{draft.id}")])
    rows.append([InlineKeyboardButton(_("Next ➡️"), callback_data=f"inc:nets:{draft.id}")])
    return InlineKeyboardMarkup(rows)


def severity_question(_: Translator, draft: Draft) -> str:
    return _("How serious is it?")


def severity_keyboard(_: Translator, draft: Draft, *, mark: bool = False) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([_severity_row(_, draft, mark=mark)])


def _severity_row(_: Translator, draft: Draft, *, mark: bool) -> list[InlineKeyboardButton]:
    labels = {"info": _("🔵 Info"), "urgent": _("🟠 Urgent"), "critical": _("🔴 Critical")}
    return [
        InlineKeyboardButton(
            f"✓ {label}" if mark and draft.severity == severity else label,
            callback_data=f"inc:sev:{draft.id}:{severity}",
        )
        for severity, label in labels.items()
    ]


def sharing_keyboard(_: Translator, draft: Draft) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    _("🔒 Network only"), callback_data=f"inc:share:{draft.id}:network_only"
                )
            ],
            [
                InlineKeyboardButton(
                    _("📣 May be shared with your following"),
                    callback_data=f"inc:share:{draft.id}:shareable",
                )
            ],
        ]
    )


def _cancel_button(_: Translator, draft: Draft) -> InlineKeyboardButton:
    return InlineKeyboardButton(_("Cancel"), callback_data=f"inc:cancel:{draft.id}")


def cancel_keyboard(_: Translator, draft: Draft) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[_cancel_button(_, draft)]])


def templates_keyboard(_: Translator, draft: Draft) -> InlineKeyboardMarkup:
    """The templates, two a row, each copying its text (the sender's language) to the phone's
    clipboard to paste and fill in; then Cancel."""
    copies = [
        InlineKeyboardButton(
            alert_templates.label(_, kind),
            copy_text=CopyTextButton(alert_templates.template(_, kind)),
        )
        for kind in alert_templates.KINDS
    ]
    return InlineKeyboardMarkup([copies[:2], copies[2:], [_cancel_button(_, draft)]])


# --- the text and the preview --------------------------------------------------------------


async def _started(update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft) -> None:
    """The draft is the person's open conversation (a flow open before is dropped, with a word)."""
    svc = services.of(context)
    state = {"draft_id": draft.id}
    dropped = await talk.open_flow(svc, draft.user_id, "alert", draft.step, state)
    await talk.tell_dropped(update, context, dropped)


async def _wait_for_text(svc: Services, draft: Draft) -> None:
    """The next text this person types is the draft's."""
    await talk.set_prompt(svc, draft.user_id, "draft_text", svc.clock.now(), draft_id=draft.id)


async def _ask_for_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, *, edit: bool = False
) -> None:
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    await _wait_for_text(svc, draft)
    question = _(
        "Now type the text of the alert (at most {max} characters): what happened, what is "
        "being done, what you ask of the members.",
        max=rules.MAX_TEXT,
    )
    text = f"{question}\n\n{alert_templates.invitation(_)}"
    markup = templates_keyboard(_, draft)
    if edit and update.callback_query:
        await edit_message(update.callback_query, text, reply_markup=markup)
    else:
        assert update.effective_message
        await update.effective_message.reply_text(text, reply_markup=markup)


async def take_draft_text(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft: Draft, typed: str
) -> None:
    """The text of an alert: checked, kept in the draft, then the preview."""
    assert update.effective_message
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    checked = rules.check_text(typed)
    if isinstance(checked, TextProblem):
        await _wait_for_text(svc, draft)  # again
        problem = (
            _("The alert needs a text. Please type it now.")
            if checked is TextProblem.empty
            else _(
                "That text has {n} characters; an alert can have at most {max}. Please shorten "
                "it and send it again.",
                n=len(typed.strip()),
                max=rules.MAX_TEXT,
            )
        )
        await update.effective_message.reply_text(problem, reply_markup=cancel_keyboard(_, draft))
        return
    left = alert_templates.unfilled(checked)
    if left:  # refused before anything is kept: the draft waits for the filled-in text
        log.info("draft %s of user %s: placeholders left %s", draft.id, draft.user_id, left)
        await _wait_for_text(svc, draft)
        await update.effective_message.reply_text(
            alert_templates.unfilled_text(_, left), reply_markup=cancel_keyboard(_, draft)
        )
        return
    updated = await store.update_draft(
        svc.database, draft.id, svc.clock.now(), text=checked, step="preview"
    )
    await talk.clear_prompt(svc, draft.user_id, "draft_text")
    if updated is None:
        await update.effective_message.reply_text(_("This alert was sent or cancelled already."))
        return
    text, markup = await preview(_, svc, updated)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def preview(_: Translator, svc: Services, draft: Draft) -> tuple[str, InlineKeyboardMarkup]:
    """Exactly what recipients will see, how many it reaches, and Send / Cancel."""
    assert draft.text is not None
    people, groups = await alerts.reach(svc, draft.user_id, draft.network_ids)
    names = await alerts.names_of(svc, draft.network_ids)
    lines = [
        _("<b>Preview</b> – this is what the members will see:"),
        "",
        alert_texts.alert_text(_, draft.severity, draft.sharing, names, draft.text),
        "",
        "———",
        _(
            "It reaches {people} and {groups}.",
            people=_.ngettext("{n} person", "{n} people", len(people)),
            groups=_.ngettext("{n} group chat", "{n} group chats", len(groups)),
        ),
    ]
    if svc.settings.broadcast.paid:  # every alert then goes as a paid broadcast
        lines.append(_("💫 Paid broadcast: up to 1000 messages/s."))
    sharing = "shareable" if draft.sharing == "network_only" else "network_only"
    sharing_label = (
        _("📣 Make it shareable") if sharing == "shareable" else _("🔒 Make it network only")
    )
    rows = [
        _severity_row(_, draft, mark=True),
        [InlineKeyboardButton(sharing_label, callback_data=f"inc:share:{draft.id}:{sharing}")],
    ]
    send = [InlineKeyboardButton(_("📤 Send"), callback_data=f"inc:send:{draft.id}")]
    if not people and not groups:
        lines.append(_("Nobody to reach yet: the network has no other members or group chat."))
        send = []
    rows.append([*send, _cancel_button(_, draft)])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


# --- the composing buttons -----------------------------------------------------------------


async def _own_draft(
    update: Update, context: ContextTypes.DEFAULT_TYPE, draft_id: str
) -> Draft | None:
    """The draft behind a composing button, if it is this person's and still being composed."""
    assert update.callback_query and update.effective_user
    svc = services.of(context)
    draft = await store.get_draft(svc.database, int(draft_id))
    _ = await services.texts_for(update, context)
    if draft is None or draft.user_id != update.effective_user.id:
        await stale_button(update, context)
        return None
    if draft.status != "composing":
        text = (
            _("This alert was sent already.")
            if draft.status == "sent"
            else _("This alert was cancelled.")
        )
        await update.callback_query.answer(text, show_alert=True)
        return None
    return draft


async def toggle_network(
    update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]
) -> None:
    """A network button while composing: in or out (✓)."""
    assert update.callback_query
    draft = await _own_draft(update, context, args[0])
    if draft is None:
        return
    svc = services.of(context)
    network_id = int(args[1])
    actor = await guard.permit(update, context, Action.send_alert, network_id)
    if actor is None:
        return
    chosen = [n for n in draft.network_ids if n != network_id]
    if network_id not in draft.network_ids:
        chosen.append(network_id)
    await _set_networks(update, context, draft, chosen, actor, svc)


async def all_networks(update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]) -> None:
    """ "All I host": every network this person may alert."""
    draft = await _own_draft(update, context, args[0])
    if draft is None:
        return
    svc = services.of(context)
    actor = await guard.actor_of(update, context)
    chosen = [n.id for n in await networks_where(svc.database, actor, Action.send_alert)]
    await _set_networks(update, context, draft, chosen, actor, svc)


async def _set_networks(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    draft: Draft,
    chosen: list[int],
    actor: Actor,
    svc: Services,
) -> None:
    assert update.callback_query
    _ = await services.texts_for(update, context)
    updated = await store.update_draft(svc.database, draft.id, svc.clock.now(), network_ids=chosen)
    await update.callback_query.answer()
    if updated is None:
        return
    await edit_message(
        update.callback_query,
        _("🚨 New alert. Which networks should it reach?"),
        reply_markup=networks_keyboard(
            _, updated, await networks_where(svc.database, actor, Action.send_alert), actor
        ),
    )


async def networks_chosen(
    update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]
) -> None:
    """ "Next" after choosing networks: on to the severity."""
    assert update.callback_query
    draft = await _own_draft(update, context, args[0])
    if draft is None:
        return
    _ = await services.texts_for(update, context)
    if not draft.network_ids:
        await update.callback_query.answer(_("Choose at least one network."), show_alert=True)
        return
    svc = services.of(context)
    updated = await store.update_draft(svc.database, draft.id, svc.clock.now(), step="severity")
    await update.callback_query.answer()
    if updated is not None:
        await edit_message(
            update.callback_query,
            severity_question(_, updated),
            reply_markup=severity_keyboard(_, updated),
        )


async def choose_severity(
    update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]
) -> None:
    """A severity button: next comes the sharing label (or, in the preview, a fresh preview)."""
    chosen = await _choose(update, context, args, "severity", rules.SEVERITIES, "sharing")
    if chosen is not None:
        updated, _ = chosen
        assert update.callback_query
        await edit_message(
            update.callback_query,
            _("May the members share it with their following?"),
            reply_markup=sharing_keyboard(_, updated),
        )


async def choose_sharing(
    update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]
) -> None:
    """A sharing button: next the text (or, in the preview, a fresh preview)."""
    chosen = await _choose(update, context, args, "sharing", rules.SHARINGS, "text")
    if chosen is not None:
        updated, _ = chosen
        await _ask_for_text(update, context, updated, edit=True)


async def _choose(
    update: Update,
    context: ContextTypes.DEFAULT_TYPE,
    args: list[str],
    field: str,
    options: tuple[str, ...],
    next_step: str,
) -> tuple[Draft, Translator] | None:
    """Severity or sharing kept in the draft. In the preview, a fresh preview and None;
    otherwise the draft, now at `next_step`, for the caller to ask the next question."""
    assert update.callback_query
    draft = await _own_draft(update, context, args[0])
    if draft is None or args[1] not in options:
        if draft is not None:
            await stale_button(update, context)
        return None
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    in_preview = draft.step == "preview"
    fields: dict[str, Any] = {field: args[1]}
    if not in_preview:
        fields["step"] = next_step
    updated = await store.update_draft(svc.database, draft.id, svc.clock.now(), **fields)
    await update.callback_query.answer()
    if updated is None:
        return None
    if in_preview:
        text, markup = await preview(_, svc, updated)
        await edit_message(update.callback_query, text, reply_markup=markup)
        return None
    return updated, _


async def send_draft(update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]) -> None:
    """📤 Send in the preview: the alert goes out, once even if pressed twice."""
    query = update.callback_query
    assert query
    draft = await _own_draft(update, context, args[0])
    if draft is None:
        return
    if draft.step != "preview" or draft.text is None:
        await stale_button(update, context)
        return
    left = alert_templates.unfilled(draft.text)
    if left:  # kept before templates were checked: refused, nothing sent
        _ = await services.texts_for(update, context)
        await query.answer(alert_templates.unfilled_text(_, left), show_alert=True)
        return
    for network_id in draft.network_ids:  # rights may have changed since composing began
        if await guard.permit(update, context, Action.send_alert, network_id) is None:
            return
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    await query.answer(_("Sending…"))
    incident_id = await alerts.send(
        svc,
        draft.user_id,
        draft.network_ids,
        draft.severity,
        draft.sharing,
        draft.text,
        draft_id=draft.id,
    )
    if incident_id is None:
        return  # a second press while the first was sending: that one did it
    names = await alerts.names_of(svc, draft.network_ids)
    sent = _(
        "📤 Sent as alert #{id}. The status message below shows how it goes out, with buttons "
        "to update or close it.",
        id=incident_id,
    )
    shown = alert_texts.alert_text(_, draft.severity, draft.sharing, names, draft.text)
    await edit_message(query, f"{sent}\n\n{shown}")


async def cancel_draft(update: Update, context: ContextTypes.DEFAULT_TYPE, args: list[str]) -> None:
    """Cancel while composing: nothing is sent, nothing is kept as sent."""
    query = update.callback_query
    assert query
    draft = await _own_draft(update, context, args[0])
    if draft is None:
        return
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    await store.cancel_draft(svc.database, draft.id, svc.clock.now())
    await query.answer()
    await edit_message(query, _("Cancelled: the alert was not sent."))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(CommandHandler("alert", alert, filters=filters.ChatType.PRIVATE))
    application.add_handler(
        buttons(
            {
                "net": toggle_network,
                "all": all_networks,
                "nets": networks_chosen,
                "sev": choose_severity,
                "share": choose_sharing,
                "send": send_draft,
                "cancel": cancel_draft,
            },
            two_numbers=("net",),
        )
    )
    # The text typed for a draft reaches `handlers.incidents.take_text` through
    # handlers.conversation.

"""/profile: a member sees their details and changes them, one card edited in place.

The card shows the details of one network (with several, a list of networks first) and a
button per detail. A button shows that detail's choices on the same card; a name,
organisation, the communities someone reaches or a diet of their own are typed, and while
they are the `profile` conversation is open (`handlers.conversation`: /cancel and expiry). A
phone number comes only from Telegram's contact button, which sits on a reply keyboard of its
own under the chat. What may be changed and how it reads is `domain.profile`.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import BadRequest
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.fit import cut_label
from bot.i18n import Translator
from bot.render import keyboard
from bot.replies import edit_message
from bot.services import Services
from bot.settings import SUPPORTED_LANGUAGES
from domain import intake, talents, whatsapp_link
from domain import profile as details
from domain.intake_steps import OTHER_DIET, Problem, name_offer
from domain.intake_texts import problem_text
from domain.ports import Button
from domain.profile import What
from handlers import common, language
from handlers import conversation as talk
from handlers import intake as intake_flow
from handlers.conversation import Flow
from storage import networks, wa_links
from storage.conversations import Conversation
from storage.memberships import Membership
from storage.networks import Network

log = logging.getLogger(__name__)

FLOW = "profile"
# prof:<network id>:<what>[:<choice>], e.g. prof:3:diet:halal; prof:0:nets lists the networks.
# A list of talents or reach removes an item with `x<item id>`: prof:3:can:x12.
CALLBACK = re.compile(r"^prof:(\d+):([a-z_]+)(?::([a-z0-9_]+))?$")


# --- the card ------------------------------------------------------------------------------


async def card_markup(
    _: Translator, svc: Services, network: Network, membership: Membership
) -> InlineKeyboardMarkup | None:
    several = len(await networks.for_user(svc.database, membership.user_id)) > 1
    return keyboard(
        details.card_keyboard(
            _, network.id, membership, several=several, whatsapp=whatsapp_link.offered(svc.settings)
        )
    )


async def card_text(
    _: Translator,
    svc: Services,
    network: Network,
    membership: Membership,
    note: str | None = None,
    *,
    closed: bool = False,
) -> str:
    """The card's text, with the person's lists of talents and reach."""
    mine = await talents.mine(svc, membership.user_id)
    return details.card_text(_, network, membership, note, closed=closed, talents=mine)


async def list_step(
    _: Translator,
    svc: Services,
    network: Network,
    user_id: int,
    what: What,
    note: str | None = None,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The card with one list of talents or reach open."""
    mine = await talents.mine(svc, user_id)
    member = await details.member_of(svc, network.id, user_id)
    said = member[1].reach if member is not None else None
    text, rows = details.list_step(_, network, what, mine[details.LISTS[what]], note, said)
    return text, keyboard(rows)


async def put_card(
    context: BotContext,
    chat_id: int,
    message_id: int | None,
    text: str,
    markup: InlineKeyboardMarkup | None,
) -> None:
    """The card changes in place; if it cannot be edited any more (deleted, too old), it is
    sent anew below."""
    if message_id is not None:
        try:
            await context.bot.edit_message_text(text, chat_id, message_id, reply_markup=markup)
            return
        except BadRequest as exc:
            if "message is not modified" in exc.message:
                return
            log.info("profile card %s of %s not editable (%s): sent anew", message_id, chat_id, exc)
    await context.bot.send_message(chat_id, text, reply_markup=markup)


def phone_pad(_: Translator) -> ReplyKeyboardMarkup:
    """Telegram's contact button, and Cancel (an inline button cannot ask for a contact)."""
    return ReplyKeyboardMarkup(
        [[KeyboardButton(_("📱 Share my number"), request_contact=True)], [_("Cancel")]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


# --- /profile ------------------------------------------------------------------------------


async def show_profile(update: Update, context: BotContext) -> None:
    """/profile [network]: the person's details, with a button per detail."""
    message = update.effective_message
    assert message and update.effective_user
    _ = await context.texts()
    svc = context.services
    user_id = update.effective_user.id
    found = await details.standing(svc, user_id)
    if found.intake is not None:
        network, membership = found.intake
        log.info("user %s asked for /profile during the intake for %s", user_id, network.id)
        await message.reply_text(details.intake_first_text(_, network))
        await intake_flow.ask(update, context, membership)  # carries on where they were
        return
    if not found.members:
        names = [n.name for n in found.awaiting]
        await message.reply_text(
            details.awaiting_text(_, names) if names else details.not_a_member_text(_)
        )
        return
    await leave_step(update, context)  # a detail half-typed on an older card is let go
    chosen = found.members
    name = " ".join(context.args or []).strip()
    if name:
        chosen = [pair for pair in found.members if pair[0].name.casefold() == name.casefold()]
        if not chosen:
            await message.reply_text(
                _(
                    "You are not a member of a network called “{name}”. /profile without a "
                    "name shows your networks.",
                    name=cut_label(name),
                )
            )
            return
    if len(chosen) == 1:
        network, membership = chosen[0]
        await message.reply_text(
            await card_text(_, svc, network, membership),
            reply_markup=await card_markup(_, svc, network, membership),
        )
        return
    text, markup = network_list(_, [network for network, _m in chosen])
    await message.reply_text(text, reply_markup=markup)


def network_list(_: Translator, choices: list[Network]) -> tuple[str, InlineKeyboardMarkup]:
    rows = common.network_rows(choices, lambda n: details.data(n.id, What.SHOW))
    text = details.networks_text(_, len(choices)) + common.more_choices(_, choices, "/profile")
    return text, InlineKeyboardMarkup(rows)


# --- the buttons ---------------------------------------------------------------------------


async def pressed(update: Update, context: BotContext) -> None:
    """A button of the card: a screen, a detail to change, or a choice."""
    query = update.callback_query
    assert query and query.data
    match = CALLBACK.match(query.data)
    assert match
    _ = await context.texts()
    svc = context.services
    user_id = query.from_user.id
    try:
        what = What(match[2])
    except ValueError:
        log.warning("refused profile button %r from user %s", query.data, user_id)
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    open_intake = await intake.current(svc, user_id)
    if open_intake is not None:
        network = await intake.network_of(svc, open_intake)
        await query.answer(
            _(
                "First finish your application for {network} (or stop it with /cancel).",
                network=network.name,
            ),
            show_alert=True,
        )
        return
    if what is What.NETWORKS:
        await leave_step(update, context)
        members = await networks.for_user(svc.database, user_id)
        if not members:
            await query.answer(details.not_a_member_text(_), show_alert=True)
            return
        await query.answer()
        text, markup = network_list(_, members)
        await edit_message(query, text, markup)
        return
    network_id = int(match[1])
    member = await details.member_of(svc, network_id, user_id)
    if member is None:
        known = await networks.get(svc.database, network_id)
        log.info("profile button of user %s for network %s, not a member", user_id, network_id)
        await query.answer(details.gone_text(_, known), show_alert=True)
        return
    network, membership = member
    if not await act(update, context, network, membership, what, match[3] or ""):
        log.warning("refused profile button %r from user %s", query.data, user_id)
        await query.answer(_("This button no longer works."), show_alert=True)


async def act(
    update: Update,
    context: BotContext,
    network: Network,
    membership: Membership,
    what: What,
    choice: str,
) -> bool:
    """Acts on a button of the card; False if it is not one the card offers."""
    query = update.callback_query
    assert query
    _ = await context.texts()
    svc = context.services
    user = query.from_user
    offer = name_offer(user.first_name, user.last_name)
    if what is What.SHOW and not choice:
        await leave_step(update, context)
        await query.answer()
        await edit_message(
            query,
            await card_text(_, svc, network, membership),
            await card_markup(_, svc, network, membership),
        )
    elif what is What.DONE and not choice:
        await leave_step(update, context)
        await query.answer()
        await edit_message(query, await card_text(_, svc, network, membership, closed=True))
    elif what is What.LANGUAGE and choice in SUPPORTED_LANGUAGES:
        await leave_step(update, context)
        note = await language.switch(context, user.id, choice)
        _ = await context.texts()  # the card speaks the language just chosen
        await query.answer()
        await edit_message(
            query,
            await card_text(_, svc, network, membership, note),
            await card_markup(_, svc, network, membership),
        )
    elif what in details.LISTS:
        await open_list(update, context, network, what, choice)
    elif what is What.WHATSAPP:
        return await whatsapp_pressed(update, context, network, choice)
    elif what is What.DIET and choice == OTHER_DIET:
        await open_step(update, context, network, membership, What.DIET_OTHER)
    elif choice:
        answer = details.chosen(what, choice, membership, offer)
        if answer is None and what in (What.SHARE, What.MEMBERS) and choice in ("yes", "no"):
            await query.answer(details.no_number_text(_), show_alert=True)
            return True
        if answer is None:
            return False
        left = await leave_step(update, context, quiet=what is What.PHONE)
        saved = await details.change(svc, membership, answer)
        await query.answer()
        if saved is None:
            await edit_message(query, details.gone_text(_, network))
            return True
        if what is What.PHONE and left is not None and left.step == What.PHONE:
            await context.bot.send_message(
                user.id, _("Your number is removed."), reply_markup=ReplyKeyboardRemove()
            )
        await edit_message(
            query,
            await card_text(_, svc, network, saved, details.saved_text(_)),
            await card_markup(_, svc, network, saved),
        )
    elif what in details.TYPED or what is What.PHONE:
        await open_step(update, context, network, membership, what)
    elif what in (What.DIET, What.SHARE, What.MEMBERS, What.LANGUAGE):
        if what in (What.SHARE, What.MEMBERS) and not membership.phone:
            await query.answer(details.no_number_text(_), show_alert=True)
            return True
        await leave_step(update, context)
        await query.answer()
        text, rows = details.step(_, network, membership, what)
        await edit_message(query, text, keyboard(rows))
    else:
        return False
    return True


async def whatsapp_pressed(
    update: Update, context: BotContext, network: Network, choice: str
) -> bool:
    """The card's 📱 WhatsApp: the screen (with a fresh code while not linked), a new code, a
    channel per network, or unlinking. False for a choice it does not offer."""
    query = update.callback_query
    assert query
    _ = await context.texts()
    svc = context.services
    user_id = query.from_user.id
    if not whatsapp_link.offered(svc.settings):
        await query.answer(_("This button no longer works."), show_alert=True)
        return True
    await leave_step(update, context)
    note = None
    if choice == whatsapp_link.UNLINK:
        unlinked = await whatsapp_link.unlink(svc, user_id)
        note = (
            _("WhatsApp is unlinked: everything reaches you here on Telegram.")
            if unlinked
            else None
        )
    elif choice and choice != whatsapp_link.NEW_CODE:
        chosen = whatsapp_link.choice_of(choice)
        if chosen is None:
            return False
        channel, network_id = chosen
        if not await whatsapp_link.choose(svc, user_id, network_id, channel):
            await query.answer(_("This button no longer works."), show_alert=True)
            return True
        note = details.saved_text(_)
    found = await whatsapp_link.standing(svc, user_id)
    code = None
    if found.contact is None:
        code = (
            None
            if choice == whatsapp_link.NEW_CODE
            else await wa_links.open_code(svc.database, user_id, svc.clock.now())
        )
        if code is None:
            code = await whatsapp_link.new_code(svc, user_id, network.id, "profile")
    await query.answer()
    text, rows = whatsapp_link.screen(
        _, svc.settings, found, code, details.data(network.id, What.WHATSAPP), note
    )
    back = [Button(_("◀️ Back"), details.data(network.id, What.SHOW))]
    await edit_message(query, text, keyboard([*rows, back]))
    return True


async def open_step(
    update: Update, context: BotContext, network: Network, membership: Membership, what: What
) -> None:
    """A detail that is typed (or, for the phone, shared): the card asks, the conversation
    waits for the answer."""
    query = update.callback_query
    assert query
    _ = await context.texts()
    if query.message is None:  # too old for Telegram to say which message it was
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    svc = context.services
    user = query.from_user
    state = {"network_id": network.id, "card": query.message.message_id}
    dropped = await talk.open_flow(svc, user.id, FLOW, str(what), state)
    await query.answer()
    await talk.tell_dropped(update, context, dropped)
    text, rows = details.step(
        _, network, membership, what, name_offer(user.first_name, user.last_name)
    )
    await edit_message(query, text, keyboard(rows))
    if what is What.PHONE:
        await context.bot.send_message(
            user.id,
            _("Tap “📱 Share my number” below, or Cancel."),
            reply_markup=phone_pad(_),
        )


async def open_list(
    update: Update, context: BotContext, network: Network, what: What, choice: str
) -> None:
    """A list of talents or reach: shown on the card, with the conversation waiting for
    items to add; `choice` `x<id>` removes one of the person's own items first."""
    query = update.callback_query
    assert query
    _ = await context.texts()
    if query.message is None:  # too old for Telegram to say which message it was
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    svc = context.services
    user_id = query.from_user.id
    await leave_step(update, context)  # the phone's keyboard, if it was open, goes
    note = None
    if choice:
        item = details.removal_of(choice)
        removed = await talents.remove(svc, user_id, item) if item is not None else None
        if removed is None:  # a double tap, or a forged button: the list as it is
            log.info("profile: user %s tapped item %r, not theirs (any more)", user_id, choice)
            note = _("That item was already gone.")
        else:
            note = _("🗑 Removed: {item}.", item=removed.text)
    state = {"network_id": network.id, "card": query.message.message_id}
    dropped = await talk.open_flow(svc, user_id, FLOW, str(what), state)
    await query.answer()
    await talk.tell_dropped(update, context, dropped)
    text, markup = await list_step(_, svc, network, user_id, what, note)
    await edit_message(query, text, markup)


async def take_items(
    update: Update, context: BotContext, network: Network, what: What, card: int | None
) -> None:
    """Typed items for the open list: all added, or none with the reason; the list stays
    open for more."""
    message = update.effective_message
    assert message and message.text is not None and update.effective_user
    _ = await context.texts()
    svc = context.services
    user_id = update.effective_user.id
    kind = details.LISTS[what]
    items = talents.items_of(message.text)
    if items is talents.Problem.EMPTY:
        await message.reply_text(problem_text(_, Problem.EMPTY, talents.ITEM_LIMIT))
        return
    if items is talents.Problem.TOO_LONG:
        await message.reply_text(
            _(
                "That is a bit long: at most {limit} characters per item, please (several "
                "items: separate them with commas).",
                limit=talents.ITEM_LIMIT,
            )
        )
        return
    assert isinstance(items, list)
    outcome, new = await talents.add(svc, user_id, kind, items)
    if outcome is talents.Added.FULL:
        await message.reply_text(talents.full_text(_, kind))
        return
    if outcome is talents.Added.NOT_MEMBER:
        await talk.close(svc, user_id, FLOW)
        await message.reply_text(details.gone_text(_, network))
        return
    # Still open for more, and for as long as a new step would be.
    await talk.open_flow(svc, user_id, FLOW, str(what), {"network_id": network.id, "card": card})
    note = talents.added_text(_, kind, new, items)
    text, markup = await list_step(_, svc, network, user_id, what, note)
    await put_card(context, message.chat_id, card, text, markup)


async def leave_step(
    update: Update, context: BotContext, *, quiet: bool = False
) -> Conversation | None:
    """Another button of the card was pressed: a detail being typed is no longer awaited. The
    phone's keyboard goes away with a word (unless `quiet`: the caller says what happened)."""
    assert update.effective_user
    svc = context.services
    user_id = update.effective_user.id
    found = await talk.current(svc, user_id)
    if found is None or found.flow != FLOW:
        return None
    await talk.close(svc, user_id, FLOW)
    if found.step == What.PHONE and not quiet:
        _ = await context.texts()
        await context.bot.send_message(
            user_id, _("Your number stays as it was."), reply_markup=ReplyKeyboardRemove()
        )
    return found


# --- typed answers and a shared contact ----------------------------------------------------


async def take_text(update: Update, context: BotContext) -> bool:
    """A typed answer for the detail the card asked about."""
    message = update.effective_message
    assert message and message.text is not None and update.effective_user
    _ = await context.texts()
    svc = context.services
    user_id = update.effective_user.id
    found = await talk.current(svc, user_id)
    if found is None or found.flow != FLOW:
        return False
    what = What(found.step)
    member = await details.member_of(svc, int(found.data.get("network_id") or 0), user_id)
    if member is None:
        await talk.close(svc, user_id, FLOW)
        network = await networks.get(svc.database, int(found.data.get("network_id") or 0))
        await message.reply_text(details.gone_text(_, network), reply_markup=ReplyKeyboardRemove())
        return True
    network, membership = member
    if what in details.LISTS:
        await take_items(update, context, network, what, found.data.get("card"))
        return True
    if what is What.PHONE:
        if intake_flow.pressed(message.text, "Cancel"):  # the keyboard's Cancel, as /cancel
            await talk.close(svc, user_id, FLOW)
            await cancelled(update, context, found)
        else:
            await message.reply_text(
                _("Please use the button below: share your number, or Cancel."),
                reply_markup=phone_pad(_),
            )
        return True
    answer = details.typed(what, message.text)
    if isinstance(answer, Problem):
        await message.reply_text(problem_text(_, answer, details.limit_of(what)))
        return True
    saved = await details.change(svc, membership, answer)
    await talk.close(svc, user_id, FLOW)
    if saved is None:
        await message.reply_text(details.gone_text(_, network))
        return True
    await put_card(
        context,
        message.chat_id,
        found.data.get("card"),
        await card_text(_, svc, network, saved, details.saved_text(_)),
        await card_markup(_, svc, network, saved),
    )
    return True


async def take_shared(update: Update, context: BotContext) -> bool:
    """A phone number shared with the contact button while the card asks for one; only the
    person's own is accepted. False for anything else (the router answers it)."""
    message = update.effective_message
    assert message and update.effective_user
    svc = context.services
    user_id = update.effective_user.id
    found = await talk.current(svc, user_id)
    if message.contact is None or found is None or found.flow != FLOW:
        return False
    if found.step != What.PHONE:
        return False
    _ = await context.texts()
    network_id = int(found.data.get("network_id") or 0)
    member = await details.member_of(svc, network_id, user_id)
    if member is None:
        await talk.close(svc, user_id, FLOW)
        network = await networks.get(svc.database, network_id)
        await message.reply_text(details.gone_text(_, network), reply_markup=ReplyKeyboardRemove())
        return True
    if message.contact.user_id != user_id:
        log.info("refused someone else's contact from user %s (profile)", user_id)
        await message.reply_text(
            _(
                "That is someone else's number. Please share your own with the button below, "
                "or tap Cancel."
            ),
            reply_markup=phone_pad(_),
        )
        return True
    network, membership = member
    phone = details.contact_number(message.contact.phone_number)
    saved = await details.change(svc, membership, {"phone": phone})
    await talk.close(svc, user_id, FLOW)
    if saved is None:
        await message.reply_text(details.gone_text(_, network), reply_markup=ReplyKeyboardRemove())
        return True
    await message.reply_text(
        _("Thank you, noted: {phone}.", phone=phone), reply_markup=ReplyKeyboardRemove()
    )
    # Next on the card: who may see the number.
    text, rows = details.step(_, network, saved, What.SHARE)
    await put_card(context, message.chat_id, found.data.get("card"), text, keyboard(rows))
    return True


# --- /cancel, expiry -----------------------------------------------------------------------


async def describe(_: Translator, svc: Services, conversation: Conversation) -> str:
    network = await networks.get(svc.database, int(conversation.data.get("network_id") or 0))
    return _("Changing your details for {network}", network=network.name if network else "?")


async def cancelled(update: Update, context: BotContext, conversation: Conversation) -> None:
    """Nothing changed: said below, and the card shows the details again."""
    assert update.effective_chat and update.effective_user
    _ = await context.texts()
    svc = context.services
    pad_open = conversation.step == What.PHONE  # its keyboard goes with this word
    # In a list, what was typed before is kept: only the list closes.
    in_list = conversation.step in details.LISTS
    await update.effective_chat.send_message(
        _("Closed: your list is as shown.") if in_list else _("Stopped: nothing was changed."),
        reply_markup=ReplyKeyboardRemove() if pad_open else None,
    )
    member = await details.member_of(
        svc, int(conversation.data.get("network_id") or 0), update.effective_user.id
    )
    card = conversation.data.get("card")
    if member is None or card is None:
        return
    network, membership = member
    try:
        await context.bot.edit_message_text(
            await card_text(_, svc, network, membership),
            update.effective_chat.id,
            int(card),
            reply_markup=await card_markup(_, svc, network, membership),
        )
    except BadRequest as exc:  # the card is gone or too old; /profile shows a new one
        log.info("profile card %s not restored after /cancel: %s", card, exc)


async def stop(update: Update, context: BotContext, conversation: Conversation) -> bool:
    """/cancel while a detail is being typed: nothing changes."""
    await cancelled(update, context, conversation)
    return True


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    flow = Flow(FLOW, take_text, describe, "/profile", stop=stop, take_shared=take_shared)
    talk.add_flow(application, flow)
    application.add_handler(CommandHandler("profile", show_profile, filters=private))
    application.add_handler(CallbackQueryHandler(pressed, pattern=CALLBACK))

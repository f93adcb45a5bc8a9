"""/newnetwork, /networks, /appoint and /coordinators: coordinators set networks up and appoint
(or withdraw) one another; everyone sees their own networks.

Also the words every membership screen shares: role and status names, moments in the network
time zone, and the guard for old buttons of people who are no longer in a network.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot import services
from bot.context import BotContext
from bot.i18n import Html, Translator
from bot.replies import edit_message, reply_text
from domain import coordination
from domain.access import Action, Actor, Role, allowed
from domain.coordination import Appointed, Standing, Withdrawn
from domain.labels import day_of, role_name
from domain.ports import Sent
from handlers import conversation as talk
from handlers import guard, pickers
from handlers.common import page_count, page_row, permit_button, stale_button
from storage import coordinators, memberships, networks
from storage.coordinators import Coordinator
from storage.deliveries import Delivery
from storage.networks import Network

log = logging.getLogger(__name__)


# --- the shared vocabulary -----------------------------------------------------------------


def invite_buttons(_: Translator, network_id: int, roles: list[Role]) -> InlineKeyboardMarkup:
    """One button per role: each makes a fresh invite for that role (handled in invites)."""
    labels = {
        Role.police_chief: _("Invite a police chief"),
        Role.municipality: _("Invite a municipality contact"),
        Role.key_figure: _("Invite a key figure"),
    }
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(labels[role], callback_data=f"inv:new:{network_id}:{role}")]
            for role in roles
        ]
    )


async def network_button(
    update: Update, context: BotContext, network_id: int, action: Action
) -> tuple[Network, Actor] | None:
    """The network a button is about and the permitted presser; or None, when the network is
    gone or the presser may not (they were told either way)."""
    network = await networks.get(context.services.database, network_id)
    if network is None:
        await stale_button(update, context)
        return None
    actor = await permit_button(update, context, action, network.id)
    return (network, actor) if actor is not None else None


# --- /newnetwork ---------------------------------------------------------------------------


def parse_new_network(text: str) -> tuple[str, str | None]:
    """`Noord | Amsterdam-Noord` → name and area (the area is optional)."""
    name, _sep, area = text.partition("|")
    return " ".join(name.split()), " ".join(area.split()) or None


async def new_network(update: Update, context: BotContext) -> None:
    """A coordinator creates a network and gets buttons to invite its first members."""
    assert update.effective_message and update.effective_user
    if await guard.permit(update, context, Action.create_network) is None:
        return
    _ = await context.texts()
    svc = context.services
    name, area = parse_new_network(" ".join(context.args or []))
    if not name:
        await update.effective_message.reply_text(
            _(
                "Give the network a name, for example:\n/newnetwork Noord\n"
                "or with its area:\n/newnetwork Noord | Amsterdam-Noord"
            )
        )
        return
    network = await coordination.create_network(svc, name, area, update.effective_user.id)
    if network is None:
        await update.effective_message.reply_text(
            _("There is already a network called “{name}”. Please choose another name.", name=name)
        )
        return
    await update.effective_message.reply_text(
        created_text(_, network), reply_markup=invite_buttons(_, network.id, list(Role))
    )


def created_text(_: Translator, network: Network) -> str:
    where = _(" in {area}", area=network.area) if network.area else ""
    return _(
        "The network <b>{name}</b>{where} is set up. 🎉\n\n"
        "Next steps:\n"
        "1. Invite its police chief and its municipality contact, each after a one-to-one "
        "conversation (buttons below).\n"
        "2. They invite the key figures, also after a one-to-one conversation.\n"
        "3. Add me to the network's group chat and send /link {name} there.",
        name=network.name,
        where=where,
    )


# --- /networks -----------------------------------------------------------------------------


NETWORKS_PER_PAGE = 20  # in a coordinator's overview; ◀ and ▶ turn the pages


async def list_networks(update: Update, context: BotContext) -> None:
    """Coordinators see every network with its numbers; members see their own, with their role."""
    assert update.effective_message and update.effective_user
    _ = await context.texts()
    actor = await guard.actor_of(update, context)
    if not allowed(actor, Action.list_networks):
        # Not a refusal: a stranger gets told how to get in.
        await update.effective_message.reply_text(await stranger_text(_, context, actor))
        return
    svc = context.services
    if actor.is_coordinator:
        text, keyboard = await overview_page(_, context, 0)
        await reply_text(update.effective_message, text, keyboard)
        return
    lines = [_("<b>Your networks</b>")]
    for network in await networks.for_user(svc.database, actor.user_id):
        lines.append(
            _(
                "• <b>{name}</b> – you are its {role}",
                name=network.name,
                role=role_name(_, actor.roles[network.id]),
            )
        )
    await reply_text(update.effective_message, "\n".join(lines))


async def overview_page(
    _: Translator, context: BotContext, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the coordinator's overview of all networks, with ◀ and ▶ if there are more."""
    found = await networks.all(context.services.database)
    if not found:
        return _("There are no networks yet. Create the first one with /newnetwork NAME."), None
    pages = page_count(len(found), NETWORKS_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    shown = found[page * NETWORKS_PER_PAGE : (page + 1) * NETWORKS_PER_PAGE]
    lines: list[str] = [_("<b>All networks</b>")]
    if pages > 1:
        lines[0] += " · " + _(
            "{first}–{last} of {total}",
            first=page * NETWORKS_PER_PAGE + 1,
            last=page * NETWORKS_PER_PAGE + len(shown),
            total=len(found),
        )
    numbers = await memberships.numbers_of(context.services.database, [n.id for n in shown])
    lines += [network_overview(_, network, numbers[network.id]) for network in shown]
    row = page_row("nets:page", page, pages)
    return "\n\n".join(lines), InlineKeyboardMarkup([row]) if row else None


async def turn_overview_page(update: Update, context: BotContext) -> None:
    """◀ or ▶ under the coordinator's overview: that page, in the same message."""
    query = update.callback_query
    assert query and query.data
    actor = await guard.actor_of(update, context)
    if not actor.is_coordinator:
        await stale_button(update, context)
        return
    await query.answer()
    _ = await context.texts()
    text, keyboard = await overview_page(_, context, int(query.data.split(":")[2]))
    await edit_message(query, text, keyboard)


def network_overview(_: Translator, network: Network, numbers: memberships.Numbers) -> str:
    approved, waiting, groups = numbers.approved, numbers.awaiting_approval, numbers.group_chats
    title = (
        _("<b>{name}</b> ({area})", name=network.name, area=network.area)
        if network.area
        else _("<b>{name}</b>", name=network.name)
    )
    counts = " · ".join(
        [
            _.ngettext("{n} member", "{n} members", approved),
            _.ngettext("{n} awaiting approval", "{n} awaiting approval", waiting),
            _.ngettext("{n} group chat", "{n} group chats", groups),
        ]
    )
    return f"{title}\n{counts}"


async def stranger_text(_: Translator, context: BotContext, actor: Actor) -> str:
    db = context.services.database
    names = {network.id: network.name for network in await networks.all(db)}
    pending = [
        names[m.network_id]
        for m in await memberships.for_user(db, actor.user_id)
        if m.status in ("intake", "awaiting_approval") and m.network_id in names
    ]
    if pending:
        return _(
            "You are not in a network yet. Your application ({networks}) is still open: I'll "
            "let you know as soon as there is a decision.",
            networks=", ".join(pending),
        )
    return _(
        "You are not in a network yet. You join by invitation: after a one-to-one "
        "conversation you get a personal link from the police chief, the municipality or a "
        "coordinator."
    )


# --- /appoint and /coordinators -----------------------------------------------------------
#
# /appoint opens the `appoint` conversation: Telegram's user picker (or a contact card, or a
# forwarded message) names the person, a card asks "Make … a coordinator?", and ✅ appoints.
# /coordinators lists everyone, with Withdraw under each appointed coordinator. Callback data:
# coord:yes:<user> · coord:no · coord:wd:<user> (withdraw?) · coord:wdok:<user> · coord:keep ·
# coord:list:<page>.

APPOINT_REQUEST = 1  # the request_id of /appoint's user picker
APPOINT = "appoint"  # the conversation


async def appoint(update: Update, context: BotContext) -> None:
    """/appoint: a coordinator picks who becomes one, with Telegram's user picker."""
    assert update.effective_message and update.effective_user
    if await guard.permit(update, context, Action.appoint_coordinator) is None:
        return
    _ = await context.texts()
    svc = context.services
    dropped = await talk.open_flow(svc, update.effective_user.id, APPOINT, "pick")
    await talk.tell_dropped(update, context, dropped)
    text = _(
        "Who should become a coordinator? Tap <b>👤 Choose a person</b> below and pick them "
        "from your chats, or send me their contact card."
    )
    if context.args:  # the old way: a typed user id
        text = _("No need to type a number: choose the person instead.") + "\n\n" + text
    await update.effective_message.reply_text(
        text, reply_markup=pickers.person_picker(_, APPOINT_REQUEST)
    )


async def take_text(update: Update, context: BotContext) -> bool:
    """Typed text while /appoint is open: Cancel, a forwarded message, or a nudge to the
    picker (or to the card's buttons)."""
    message = update.effective_message
    assert message is not None and message.text is not None and update.effective_user
    svc = context.services
    found = await talk.current(svc, update.effective_user.id)
    if found is None or found.flow != APPOINT:
        return False
    _ = await context.texts()
    if pickers.pressed(message.text, "Cancel"):
        await talk.close(svc, update.effective_user.id, APPOINT)
        await message.reply_text(_("Fine: nobody was appointed."), reply_markup=pickers.REMOVE)
        return True
    if found.step == "pick" and message.forward_origin is not None:
        if await take_shared(update, context):
            return True  # a forward from a person; one from a group or channel: the nudge
    if found.step == "confirm":
        await message.reply_text(_("Please answer with the buttons under the question."))
        return True
    await message.reply_text(
        _(
            "Please choose the person with the button <b>👤 Choose a person</b> below, or "
            "send me their contact card."
        ),
        reply_markup=pickers.person_picker(_, APPOINT_REQUEST),
    )
    return True


async def take_shared(update: Update, context: BotContext) -> bool:
    """A pick from the user picker, a contact card or a forward while /appoint asks who."""
    message = update.effective_message
    assert message is not None and update.effective_user
    svc = context.services
    found = await talk.current(svc, update.effective_user.id)
    if found is None or found.flow != APPOINT or found.step != "pick":
        return False
    picked = pickers.person_in(message, APPOINT_REQUEST)
    if picked is None:
        return False
    _ = await context.texts()
    picker = pickers.person_picker(_, APPOINT_REQUEST)
    if picked is pickers.NotAPerson.NO_ACCOUNT:
        await message.reply_text(
            _(
                "I can't see a Telegram account for that contact (perhaps it is not on "
                "Telegram, or saved under another number). Choose them with the button "
                "instead."
            ),
            reply_markup=picker,
        )
        return True
    if picked is pickers.NotAPerson.HIDDEN:
        await message.reply_text(
            _(
                "Their privacy settings hide who sent that message, so I can't tell who it "
                "is. Choose them with the button instead."
            ),
            reply_markup=picker,
        )
        return True
    assert isinstance(picked, pickers.Person)
    if picked.is_bot:
        await message.reply_text(
            _("That is a bot, not a person. Choose a person with the button."),
            reply_markup=picker,
        )
        return True
    await candidate(update, context, picked)
    return True


async def candidate(update: Update, context: BotContext, picked: pickers.Person) -> None:
    """The person is known: the confirmation card, or why they need none."""
    message = update.effective_message
    assert message is not None and update.effective_user
    svc = context.services
    me = update.effective_user.id
    _ = await context.texts()
    where, appointment = await coordination.standing(svc, picked.user_id, me)
    name = picked.name or _("this person")
    if where is Standing.YOURSELF:
        log.info("user %s picked themselves to appoint", me)
        await message.reply_text(
            _("That is you: you are a coordinator already. Choose someone else, or Cancel."),
            reply_markup=pickers.person_picker(_, APPOINT_REQUEST),
        )
        return
    if where is not Standing.NONE:
        await talk.close(svc, me, APPOINT)
        await message.reply_text(
            await already_text(_, context, name, appointment, me), reply_markup=pickers.REMOVE
        )
        return
    await talk.open_flow(
        svc, me, APPOINT, "confirm", {"user_id": picked.user_id, "name": picked.name}
    )
    await message.reply_text(_("👤 {name}", name=name), reply_markup=pickers.REMOVE)
    await message.reply_text(
        _(
            "Make <b>{name}</b> a coordinator?\n\nA coordinator can set up networks, invite "
            "their police chief and municipality, vet members and see every network.",
            name=name,
        ),
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("✅ Yes, appoint"), callback_data=f"coord:yes:{picked.user_id}"
                    ),
                    InlineKeyboardButton(_("✖️ No"), callback_data="coord:no"),
                ]
            ]
        ),
    )


async def already_text(
    _: Translator, context: BotContext, name: str, appointment: Coordinator | None, viewer: int
) -> str:
    if appointment is None:
        return _("{name} is already a coordinator: they are in the configuration file.", name=name)
    return _(
        "{name} is already a coordinator, appointed by {by} on {day}. /coordinators lists "
        "everyone.",
        name=name,
        by=await who(_, context, appointment.appointed_by, viewer),
        day=day_of(
            _,
            appointment.appointed_at,
            context.services.settings.bot.tz,
            this_year=context.services.clock.now().year,
        ),
    )


async def who(_: Translator, context: BotContext, user_id: int | None, viewer: int) -> str:
    """How a coordinator who did something is named to the reader (`viewer`)."""
    if user_id is None:
        return _("someone who has since left")
    if user_id == viewer:
        return _("you")
    return await coordination.known_name(context.services, user_id) or _("a coordinator")


async def _pressed_user(update: Update, context: BotContext) -> int | None:
    """The user a coord: button is about, if the presser is (still) a coordinator."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if await guard.permit(update, context, Action.appoint_coordinator) is None:
        return None
    return int(query.data.split(":")[2])


async def appoint_confirmed(update: Update, context: BotContext) -> None:
    """✅ Yes, appoint: recorded, and the new coordinator is told."""
    query = update.callback_query
    assert query is not None and update.effective_user
    user_id = await _pressed_user(update, context)
    if user_id is None:
        return
    svc = context.services
    _ = await context.texts()
    me = update.effective_user
    found = await talk.current(svc, me.id)
    if (
        found is None
        or found.flow != APPOINT
        or found.step != "confirm"
        or found.data.get("user_id") != user_id
    ):
        await stale_button(update, context)
        return
    await talk.close(svc, me.id, APPOINT)
    await query.answer()
    picked_name: str | None = found.data.get("name")
    name = picked_name or _("this person")
    where, appointment = await coordination.standing(svc, user_id, me.id)
    if where is not Standing.NONE:  # someone else was quicker
        await edit_message(query, await already_text(_, context, name, appointment, me.id))
        return
    appointed = await coordination.appoint(
        svc, user_id, by=me.id, by_name=me.full_name, name=picked_name
    )
    if appointed is Appointed.ALREADY:
        await edit_message(query, await already_text(_, context, name, appointment, me.id))
        return
    if appointed is Appointed.TOLD:
        text = _(
            "✅ <b>{name}</b> is now a coordinator. I am letting them know; if my message "
            "can't reach them, I'll tell you how to reach them.",
            name=name,
        )
    else:
        text = _(
            "✅ <b>{name}</b> is now a coordinator, but they blocked me, so I can't tell them. "
            "Ask them to open {link} and tap <b>Start</b>.",
            name=name,
            link=start_link(context),
        )
    text += "\n" + _("Changed your mind? Withdraw it here or later in /coordinators.")
    await edit_message(query, text, withdraw_button(_, user_id))


async def appoint_declined(update: Update, context: BotContext) -> None:
    """✖️ No: nothing changes."""
    query = update.callback_query
    assert query is not None and update.effective_user
    _ = await context.texts()
    await talk.close(context.services, update.effective_user.id, APPOINT)
    await query.answer()
    await edit_message(query, _("Fine: nobody was appointed."))


def start_link(context: BotContext) -> str:
    """The link that opens a chat with the bot (the person then taps Start)."""
    return f"https://t.me/{context.bot.username}"


def withdraw_button(_: Translator, user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(_("↩️ Withdraw"), callback_data=f"coord:wd:{user_id}")]]
    )


# --- withdrawing ---------------------------------------------------------------------------


async def withdraw_pressed(update: Update, context: BotContext) -> None:
    """↩️ Withdraw: are you sure? (Or why it cannot be.)"""
    query = update.callback_query
    assert query is not None and update.effective_user
    user_id = await _pressed_user(update, context)
    if user_id is None:
        return
    svc = context.services
    _ = await context.texts()
    name = await coordination.known_name(svc, user_id) or _("this coordinator")
    refusal = await withdraw_refusal(_, context, user_id, name)
    if refusal is not None:
        await query.answer(refusal.unescape(), show_alert=True)  # an alert is plain text
        return
    await query.answer()
    question = (
        _("Stop being a coordinator yourself? Only another coordinator can appoint you again.")
        if user_id == update.effective_user.id
        else _(
            "Withdraw <b>{name}</b> as coordinator? Their place in networks stays as it is.",
            name=name,
        )
    )
    assert update.effective_chat
    await update.effective_chat.send_message(
        question,
        reply_markup=InlineKeyboardMarkup(
            [
                [
                    InlineKeyboardButton(
                        _("↩️ Yes, withdraw"), callback_data=f"coord:wdok:{user_id}"
                    ),
                    InlineKeyboardButton(_("✖️ No, keep"), callback_data="coord:keep"),
                ]
            ]
        ),
    )


async def withdraw_refusal(
    _: Translator, context: BotContext, user_id: int, name: str
) -> Html | None:
    """Why `user_id` cannot be withdrawn, or None when they can."""
    svc = context.services
    if svc.is_configured_coordinator(user_id):
        return _(
            "{name} is a coordinator through the configuration file ([access] coordinators), "
            "not through the bot. Whoever runs the bot can change that there.",
            name=name,
        )
    if not await coordinators.is_appointed(svc.database, user_id):
        return _("{name} is not a coordinator any more.", name=name)
    listed = await coordination.everyone(svc)
    if [c.user_id for c in listed] == [user_id]:
        return _(
            "{name} is the last coordinator. Appoint someone else first: without a "
            "coordinator nobody could appoint one again.",
            name=name,
        )
    return None


async def withdraw_confirmed(update: Update, context: BotContext) -> None:
    """↩️ Yes, withdraw: recorded, and they are told."""
    query = update.callback_query
    assert query is not None and update.effective_user
    user_id = await _pressed_user(update, context)
    if user_id is None:
        return
    svc = context.services
    _ = await context.texts()
    me = update.effective_user
    name = await coordination.known_name(svc, user_id) or _("this coordinator")
    outcome = await coordination.withdraw(svc, user_id, by=me.id, by_name=me.full_name)
    if outcome is not Withdrawn.DONE:
        refusal = await withdraw_refusal(_, context, user_id, name)
        said = refusal or _("This button no longer works.")
        await query.answer(said.unescape(), show_alert=True)
        return
    await query.answer()
    if user_id == me.id:
        await edit_message(query, _("↩️ You are no longer a coordinator."))
        return
    await edit_message(
        query,
        _("↩️ <b>{name}</b> is no longer a coordinator. I told them.", name=name),
    )


async def withdraw_kept(update: Update, context: BotContext) -> None:
    """✖️ No, keep: nothing changes."""
    query = update.callback_query
    assert query is not None
    _ = await context.texts()
    await query.answer()
    await edit_message(query, _("Fine: nothing changed."))


# --- /coordinators -------------------------------------------------------------------------


COORDINATORS_PER_PAGE = 10  # each appointed one with a Withdraw button


async def list_coordinators(update: Update, context: BotContext) -> None:
    """/coordinators: every coordinator, who appointed them and when; Withdraw under each."""
    assert update.effective_message
    if await guard.permit(update, context, Action.appoint_coordinator) is None:
        return
    _ = await context.texts()
    text, keyboard = await coordinators_page(_, context, 0)
    await reply_text(update.effective_message, text, keyboard)


async def turn_coordinators_page(update: Update, context: BotContext) -> None:
    """◀ or ▶ under /coordinators."""
    query = update.callback_query
    assert query is not None and query.data is not None
    if await guard.permit(update, context, Action.appoint_coordinator) is None:
        return
    await query.answer()
    _ = await context.texts()
    text, keyboard = await coordinators_page(_, context, int(query.data.split(":")[2]))
    await edit_message(query, text, keyboard)


async def coordinators_page(
    _: Translator, context: BotContext, page: int
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the coordinators, numbered, with ↩️ Withdraw n under each appointed one."""
    assert isinstance(context.about, Update) and context.about.effective_user
    me = context.about.effective_user
    viewer = me.id
    svc = context.services
    listed = await coordination.everyone(svc)
    pages = page_count(len(listed), COORDINATORS_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    first = page * COORDINATORS_PER_PAGE
    shown = listed[first : first + COORDINATORS_PER_PAGE]
    lines = [_("<b>Coordinators</b>")]
    if pages > 1:
        lines[0] += " · " + _(
            "{first}–{last} of {total}", first=first + 1, last=first + len(shown), total=len(listed)
        )
    rows: list[list[InlineKeyboardButton]] = []
    tz, this_year = svc.settings.bot.tz, svc.clock.now().year
    for number, coordinator in enumerate(shown, start=first + 1):
        name = coordinator.name or _("a coordinator")
        if coordinator.user_id == viewer:
            name = _("{name} (you)", name=coordinator.name or me.full_name)
        if coordinator.configured:
            lines.append(
                _("{number}. {name} – in the configuration file", number=number, name=name)
            )
            continue
        assert coordinator.appointed_at is not None
        lines.append(
            _(
                "{number}. {name} – appointed by {by} on {day}",
                number=number,
                name=name,
                by=await who(_, context, coordinator.appointed_by, viewer),
                day=day_of(_, coordinator.appointed_at, tz, this_year=this_year),
            )
        )
        label = _("↩️ Withdraw {number}", number=number)
        rows.append([InlineKeyboardButton(label, callback_data=f"coord:wd:{coordinator.user_id}")])
    turn = page_row("coord:list", page, pages)
    if turn:
        rows.append(turn)
    lines.append(_("/appoint makes someone a coordinator."))
    return "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("newnetwork", new_network, filters=private))
    application.add_handler(CommandHandler("networks", list_networks, filters=private))
    application.add_handler(CommandHandler("appoint", appoint, filters=private))
    application.add_handler(CommandHandler("coordinators", list_coordinators, filters=private))
    application.add_handler(CallbackQueryHandler(turn_overview_page, pattern=r"^nets:page:\d+$"))
    for handler, data in (
        (appoint_confirmed, r"yes:\d+"),
        (appoint_declined, r"no"),
        (withdraw_pressed, r"wd:\d+"),
        (withdraw_confirmed, r"wdok:\d+"),
        (withdraw_kept, r"keep"),
        (turn_coordinators_page, r"list:\d+"),
    ):
        application.add_handler(CallbackQueryHandler(handler, pattern=f"^coord:{data}$"))
    services.of(application).delivery_listeners.append(functools.partial(news_ended, application))
    # Picks, contact cards and forwards reach `take_shared` and `take_text` through
    # handlers.conversation (the `appoint` flow is declared in handlers.flows).


async def news_ended(
    application: Application[Any, Any, Any, Any, Any, Any],
    delivery: Delivery,
    outcome: str,
    _sent: Sent | None,
) -> None:
    """A delivery listener: the news of an appointment that could not be delivered (they
    never started a chat with the bot) makes the appointer hear how to reach them."""
    if delivery.kind != coordination.NEWS or outcome not in ("unreachable", "failed"):
        return
    link = f"https://t.me/{application.bot.username}"
    await coordination.not_reached(services.of(application), delivery.chat_id, link)

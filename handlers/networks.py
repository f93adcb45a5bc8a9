"""/newnetwork, /networks and /appoint: coordinators set networks up; everyone sees their own.

Also the words every membership screen shares: role and status names, moments in the network
time zone, and the guard for old buttons of people who are no longer in a network.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Translator
from bot.replies import edit_message, reply_text
from domain import coordination
from domain.access import Action, Actor, Role, allowed
from domain.coordination import Appointed
from domain.labels import role_name
from handlers import guard
from handlers.common import page_count, page_row, permit_button, stale_button
from storage import memberships, networks
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
        "1. Invite its police chief and its municipality contact (buttons below).\n"
        "2. They invite the key figures, after an intake talk with each.\n"
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
            "You are not in a network yet. Your application ({networks}) is still open: "
            "the network's hosts will let you know.",
            networks=", ".join(pending),
        )
    return _(
        "You are not in a network yet. Networks are invite-only: you join with a personal "
        "invite link from a network's police chief, its municipality contact or a coordinator, "
        "after an intake talk."
    )


# --- /appoint ------------------------------------------------------------------------------


async def appoint(update: Update, context: BotContext) -> None:
    """A coordinator makes someone else a coordinator; the new one is told privately."""
    assert update.effective_message and update.effective_user
    if await guard.permit(update, context, Action.appoint_coordinator) is None:
        return
    _ = await context.texts()
    svc = context.services
    args = context.args or []
    if len(args) != 1 or not args[0].isdigit():
        await update.effective_message.reply_text(
            _(
                "Send /appoint followed by the person's Telegram user id, for example "
                "/appoint 123456789. They can see their id with /mydata."
            )
        )
        return
    user_id = int(args[0])
    appointer = update.effective_user
    appointed = await coordination.appoint(
        svc, user_id, by=appointer.id, by_name=appointer.full_name
    )
    if appointed is Appointed.ALREADY:
        text = _("{user_id} is already a coordinator.", user_id=user_id)
    elif appointed is Appointed.TOLD:
        text = _("Done: {user_id} is now a coordinator, and I told them.", user_id=user_id)
    else:
        text = _(
            "Done: {user_id} is now a coordinator. I could not tell them yet: ask them to send "
            "/start to @{bot}.",
            user_id=user_id,
            bot=context.bot.username,
        )
    await update.effective_message.reply_text(text)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("newnetwork", new_network, filters=private))
    application.add_handler(CommandHandler("networks", list_networks, filters=private))
    application.add_handler(CommandHandler("appoint", appoint, filters=private))
    application.add_handler(CallbackQueryHandler(turn_overview_page, pattern=r"^nets:page:\d+$"))

"""/members and /leave: hosts see who is in their network and remove people; members can go.

Callback data: `roster:show:<network_id>:<0|1>[:<page>]` (1: with removed members; ◀ and ▶
turn the pages of a long roster),
`roster:remove:<network_id>:<user_id>` (asks first), `roster:confirm:…` / `roster:keep:…`,
`leave:ask:<network_id>`, `leave:yes:<network_id>` and `leave:no:<network_id>`.
The work of taking someone out is `domain.removal`, shared with /forget.
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.fit import cut_label
from bot.i18n import Html, Translator
from bot.replies import edit_message, reply_text
from domain import removal
from domain.access import Action, Actor, allowed, networks_where, remove_action
from domain.labels import day_of, role_name, status_name
from handlers import guard
from handlers.common import (
    more_choices,
    network_named,
    network_rows,
    page_count,
    page_row,
    permit_button,
    stale_button,
)
from handlers.networks import network_button
from storage import memberships, networks
from storage.memberships import Membership
from storage.networks import Network

log = logging.getLogger(__name__)

MEMBERS_PER_PAGE = 10  # people on one page of /members, each with a Remove button


# --- /members ------------------------------------------------------------------------------


async def members(update: Update, context: BotContext) -> None:
    """The network's people with role, status and dates, and a Remove button for each."""
    assert update.effective_message
    _ = await context.texts()
    if not context.args:
        actor = await guard.actor_of(update, context)
        choices = await networks_where(context.services.database, actor, Action.view_roster)
        if not choices:
            await guard.refuse(update, context)
            return
        if len(choices) > 1:
            await update.effective_message.reply_text(
                _("Which network?") + more_choices(_, choices, "/members"),
                reply_markup=network_keyboard(choices, "roster:show:{id}:0"),
            )
            return
        network: Network | None = choices[0]
    else:
        network = await network_named(update, context, " ".join(context.args))
    if network is None:
        return
    viewer = await guard.permit(update, context, Action.view_roster, network.id)
    if viewer is None:
        return
    text, keyboard = await roster_view(_, context, viewer, network, include_removed=False)
    await reply_text(update.effective_message, text, keyboard)


def network_keyboard(choices: list[Network], data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(network_rows(choices, lambda n: data.format(id=n.id)))


async def roster_view(
    _: Translator,
    context: BotContext,
    actor: Actor,
    network: Network,
    *,
    include_removed: bool,
    page: int = 0,
) -> tuple[str, InlineKeyboardMarkup]:
    """One page of the roster: a line or two per person, a Remove button for each."""
    svc = context.services
    everyone = await memberships.roster(svc.database, network.id, include_removed=include_removed)
    tz = svc.settings.bot.tz
    year = svc.clock.now().astimezone(tz).year
    pages = page_count(len(everyone), MEMBERS_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    people = everyone[page * MEMBERS_PER_PAGE : (page + 1) * MEMBERS_PER_PAGE]
    lines: list[str] = [_("<b>Members of {network}</b>", network=network.name)]
    if pages > 1:
        lines[0] += " · " + _(
            "{first}–{last} of {total}",
            first=page * MEMBERS_PER_PAGE + 1,
            last=page * MEMBERS_PER_PAGE + len(people),
            total=len(everyone),
        )
    buttons = []
    for member in people:
        name = removal.member_name(_, member)
        lines.append(
            _(
                "• <b>{name}</b> – {role}, {status}",
                name=name,
                role=role_name(_, member.role),
                status=status_name(_, member.status),
            )
        )
        dates: list[str] = []
        if member.joined_at:
            joined = day_of(_, member.joined_at, tz, this_year=year)
            dates.append(_("in the group since {day}", day=joined))
        elif member.status == "approved":
            dates.append(_("not in the group yet"))
        if member.last_active_at:
            active = day_of(_, member.last_active_at, tz, this_year=year)
            dates.append(_("last active {day}", day=active))
        if dates:
            lines.append("   " + " · ".join(dates))
        if removable(actor, member):
            buttons.append(
                [
                    InlineKeyboardButton(
                        _("Remove {name}", name=Html(cut_label(name))),  # buttons are plain text
                        callback_data=f"roster:remove:{network.id}:{member.user_id}",
                    )
                ]
            )
    if not people:
        lines.append(_("Nobody yet. /invite makes an invite."))
    turn = page_row(f"roster:show:{network.id}:{int(include_removed)}", page, pages)
    if turn:
        buttons.append(turn)
    toggle = _("Hide removed members") if include_removed else _("Show removed members too")
    buttons.append(
        [
            InlineKeyboardButton(
                toggle, callback_data=f"roster:show:{network.id}:{0 if include_removed else 1}"
            )
        ]
    )
    return "\n".join(lines), InlineKeyboardMarkup(buttons)


def removable(actor: Actor, member: Membership) -> bool:
    """Whether `actor` gets a Remove button for `member` (not for themselves: that is /leave)."""
    return (
        member.status != "removed"
        and member.user_id != actor.user_id
        and allowed(actor, remove_action(member.role), member.network_id)
    )


async def show_roster(update: Update, context: BotContext) -> None:
    """A network button or the show/hide removed toggle: the roster in this message."""
    query = update.callback_query
    assert query and query.data
    _prefix, _show, network_id, everyone, *page = query.data.split(":")
    found = await network_button(update, context, int(network_id), Action.view_roster)
    if found is None:
        return
    network, actor = found
    await query.answer()
    _ = await context.texts()
    text, keyboard = await roster_view(
        _,
        context,
        actor,
        network,
        include_removed=everyone == "1",
        page=int(page[0] if page else 0),
    )
    await edit_message(query, text, reply_markup=keyboard)


# --- removing a member ---------------------------------------------------------------------


async def _target(update: Update, context: BotContext) -> tuple[Network, Membership, Actor] | None:
    """The network and member a roster button is about, if the presser may remove them."""
    query = update.callback_query
    assert query and query.data
    _prefix, _verb, network_id, user_id = query.data.split(":")
    db = context.services.database
    network = await networks.get(db, int(network_id))
    member = await memberships.get(db, int(network_id), int(user_id))
    if network is None or member is None:
        await stale_button(update, context)
        return None
    actor = await permit_button(update, context, remove_action(member.role), network.id)
    if actor is None:
        return None
    return network, member, actor


async def ask_remove(update: Update, context: BotContext) -> None:
    """A Remove button: are you sure? (a new message, so the roster stays)."""
    query = update.callback_query
    assert query and update.effective_chat
    target = await _target(update, context)
    if target is None:
        return
    network, member, _actor = target
    _ = await context.texts()
    if member.status == "removed":
        await query.answer(
            _("{name} was already removed.", name=removal.member_name(_, member)), show_alert=True
        )
        return
    await query.answer()
    data = f"{network.id}:{member.user_id}"
    keyboard = InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Yes, remove"), callback_data=f"roster:confirm:{data}")],
            [InlineKeyboardButton(_("No, keep"), callback_data=f"roster:keep:{data}")],
        ]
    )
    await context.bot.send_message(
        update.effective_chat.id,
        _(
            "Remove {name} ({role}) from {network}? I take them out of the network's group "
            "chats and their personal join links stop working. They are told kindly; a new "
            "invite can bring them back later.",
            name=removal.member_name(_, member),
            role=role_name(_, member.role),
            network=network.name,
        ),
        reply_markup=keyboard,
    )


async def confirm_remove(update: Update, context: BotContext) -> None:
    """Yes or no: remove the member everywhere at once, or leave everything as it was."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    target = await _target(update, context)
    if target is None:
        return
    network, member, actor = target
    await query.answer()
    _ = await context.texts()
    name = removal.member_name(_, member)
    if query.data.startswith("roster:keep:"):
        await edit_message(query, _("Nothing changed: {name} stays.", name=name))
        return
    departure = await removal.remove(
        context.services,
        network.id,
        member.user_id,
        by=actor.user_id,
        by_name=update.effective_user.full_name,
    )
    if not departure.removed:
        await edit_message(query, _("{name} was already removed.", name=name))
        return
    text = _("Done: {name} is no longer a member of {network}.", name=name, network=network.name)
    if departure.failures:
        text = Html(f"{text}\n\n{removal.failure_lines(_, departure.failures, name)}")
    await edit_message(query, text)


# --- /leave --------------------------------------------------------------------------------


def leave_keyboard(_: Translator, network_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(_("Yes, leave"), callback_data=f"leave:yes:{network_id}")],
            [InlineKeyboardButton(_("No, stay"), callback_data=f"leave:no:{network_id}")],
        ]
    )


def leave_question(_: Translator, network: Network) -> str:
    return _(
        "Leave {network}? I take you out of its group chats. To come back later you need a new "
        "invite.",
        network=network.name,
    )


async def leave(update: Update, context: BotContext) -> None:
    """`/leave NETWORK` asks for confirmation; without a name, buttons for your networks."""
    assert update.effective_message and update.effective_user
    _ = await context.texts()
    if not context.args:
        own = await networks.for_user(context.services.database, update.effective_user.id)
        if not own:
            await update.effective_message.reply_text(_("You are not in any network."))
            return
        if len(own) > 1:
            await update.effective_message.reply_text(
                _("Which network do you want to leave?") + more_choices(_, own, "/leave"),
                reply_markup=network_keyboard(own, "leave:ask:{id}"),
            )
            return
        network: Network | None = own[0]
    else:
        network = await network_named(update, context, " ".join(context.args))
    if network is None:
        return
    if await guard.permit(update, context, Action.leave_network, network.id) is None:
        return
    await update.effective_message.reply_text(
        leave_question(_, network), reply_markup=leave_keyboard(_, network.id)
    )


async def confirm_leave(update: Update, context: BotContext) -> None:
    """The leave buttons: which network, then yes (out of everything at once) or no."""
    query = update.callback_query
    assert query and query.data and update.effective_user
    _prefix, verb, network_id = query.data.split(":")
    found = await network_button(update, context, int(network_id), Action.leave_network)
    if found is None:
        return
    network, actor = found
    await query.answer()
    _ = await context.texts()
    if verb == "ask":
        await edit_message(
            query, leave_question(_, network), reply_markup=leave_keyboard(_, network.id)
        )
        return
    if verb == "no":
        await edit_message(
            query, _("Glad you stay. You are still in {network}.", network=network.name)
        )
        return
    departure = await removal.leave(
        context.services, network.id, actor.user_id, name=update.effective_user.full_name
    )
    text = _(
        "You have left {network}. Thank you for everything you did for the neighbourhood.",
        network=network.name,
    )
    still_in = removal.groups_left_to_leave(departure.failures)
    if still_in:
        text = Html(
            text
            + "\n"
            + _.ngettext(
                "I could not take you out of {groups}: please leave it yourself.",
                "I could not take you out of {groups}: please leave them yourself.",
                len(still_in),
                groups=", ".join(still_in),
            )
        )
    await edit_message(query, text)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("members", members, filters=private))
    application.add_handler(CommandHandler("leave", leave, filters=private))
    application.add_handler(
        CallbackQueryHandler(show_roster, pattern=r"^roster:show:\d+:[01](:\d+)?$")
    )
    application.add_handler(CallbackQueryHandler(ask_remove, pattern=r"^roster:remove:\d+:\d+$"))
    application.add_handler(
        CallbackQueryHandler(confirm_remove, pattern=r"^roster:(confirm|keep):\d+:\d+$")
    )
    application.add_handler(
        CallbackQueryHandler(confirm_leave, pattern=r"^leave:(ask|yes|no):\d+$")
    )

"""/invite and /invites: hosts and coordinators make single-use invite links, list and revoke them.

`/invite Noord sleutelfiguur` makes one at once; what is missing or not understood (an unknown
network, a word that is no role) is asked with buttons.

Callback data: `inv:pick:<network_id>` (choose the role next), `inv:new:<network_id>:<role>`
(make an invite), `inv:revoke:<invite_id>`, `inv:list:<network_id or 0>:<page>` (a page of
/invites).
"""

from __future__ import annotations

import logging
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, filters

from bot.context import BotContext
from bot.i18n import Html, Translator
from bot.replies import edit_message, reply_text
from domain import invites as invites_domain
from domain.access import (
    Action,
    Actor,
    Role,
    allowed,
    close_matches,
    invite_action,
    networks_where,
)
from domain.invites import Revoked
from domain.labels import moment_text, role_name
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
from handlers.networks import invite_buttons, network_button
from storage import invites, memberships, networks
from storage.invites import Invite
from storage.networks import Network

log = logging.getLogger(__name__)


def invitable_roles(actor: Actor, network_id: int) -> list[Role]:
    """The roles this person may invite into the network (hosts: key figures only)."""
    return [role for role in Role if allowed(actor, invite_action(role), network_id)]


# --- making an invite ----------------------------------------------------------------------


async def make_invite(update: Update, context: BotContext, network: Network, role: Role) -> None:
    """Permission checked by the caller: the invite is made and sent with a Revoke button."""
    assert update.effective_user and update.effective_chat
    svc = context.services
    invite = await invites_domain.make(svc, network.id, role, update.effective_user.id)
    _ = await context.texts()
    link = f"https://t.me/{context.bot.username}?start={invite.code}"
    text = _(
        "Here is an invite for a <b>{role}</b> of <b>{network}</b>:\n{link}\n\n"
        "It works <b>once</b>, until {until}. Send it only to the person you had the "
        "one-to-one conversation with. They open it and fill in the application; then it comes "
        "to you for a decision.",
        role=role_name(_, role),
        network=network.name,
        link=link,
        until=moment_text(
            _, invite.expires_at, svc.settings.bot.tz, this_year=svc.clock.now().year
        ),
    )
    await context.bot.send_message(
        update.effective_chat.id, text, reply_markup=revoke_keyboard(_, [invite])
    )


def revoke_keyboard(
    _: Translator, found: list[Invite], numbered: bool = False, first: int = 1
) -> InlineKeyboardMarkup:
    rows = []
    for number, invite in enumerate(found, start=first):
        label = (
            _("Revoke {number} ({role})", number=number, role=role_name(_, invite.role))
            if numbered
            else _("Revoke this invite")
        )
        rows.append([InlineKeyboardButton(label, callback_data=f"inv:revoke:{invite.id}")])
    return InlineKeyboardMarkup(rows)


async def invite(update: Update, context: BotContext) -> None:
    """`/invite NETWORK ROLE` gives a link at once; with less, or with a word it does not
    know, buttons ask for what is missing (the network, then the role)."""
    assert update.effective_message
    _ = await context.texts()
    db = context.services.database
    actor = await guard.actor_of(update, context)
    choices = await networks_where(db, actor, Action.invite_key_figure)
    names = [n.name for n in await networks.all(db)]
    wanted = invites_domain.read_invite(context.args or [], names)
    role = wanted.role
    if wanted.network is None:
        if not choices:
            await guard.refuse(update, context)
            return
        if wanted.unknown_network is None and len(choices) == 1:
            network: Network = choices[0]
        else:
            await ask_network(update, context, choices, role, wanted.unknown_network)
            return
    else:
        found = await networks.by_name(db, wanted.network)
        assert found is not None
        network = found
    if role is not None:
        if await guard.permit(update, context, invite_action(role), network.id) is not None:
            await make_invite(update, context, network, role)
        return
    inviter = await guard.permit(update, context, Action.invite_key_figure, network.id)
    if inviter is None:
        return
    question = _("Who is the invite for in <b>{network}</b>?", network=network.name)
    if wanted.unknown_role is not None:
        log.info("unknown role %r in /invite by %s", wanted.unknown_role, inviter.user_id)
        question = (
            _(
                "“{word}” is not a role I know. A network has a police chief, a municipality "
                "contact and key figures.",
                word=wanted.unknown_role,
            )
            + "\n"
            + question
        )
    await update.effective_message.reply_text(
        question,
        reply_markup=invite_buttons(_, network.id, invitable_roles(inviter, network.id)),
    )


async def ask_network(
    update: Update,
    context: BotContext,
    choices: list[Network],
    role: Role | None,
    unknown: str | None,
) -> None:
    """Which network: a button for each where the person may invite, the names closest to
    what they typed (`unknown`, a name we don't know) first."""
    assert update.effective_message
    _ = await context.texts()
    if unknown is None:
        text = _("Which network is the invite for?")
    else:
        close = close_matches(unknown, [n.name for n in choices], limit=len(choices))
        order = {name: i for i, name in enumerate(close)}
        choices = sorted(choices, key=lambda n: order.get(n.name, len(order)))
        text = _("I don't know a network called “{name}”. Which one do you mean?", name=unknown)
    await update.effective_message.reply_text(
        text + more_choices(_, choices, "/invite"), reply_markup=network_keyboard(choices, role)
    )


def network_keyboard(choices: list[Network], role: Role | None) -> InlineKeyboardMarkup:
    def data(network: Network) -> str:
        return f"inv:new:{network.id}:{role}" if role else f"inv:pick:{network.id}"

    return InlineKeyboardMarkup(network_rows(choices, data))


async def pick_network(update: Update, context: BotContext) -> None:
    """A network button: now the roles this person may invite there."""
    query = update.callback_query
    assert query and query.data
    found = await network_button(
        update, context, int(query.data.split(":")[2]), Action.invite_key_figure
    )
    if found is None:
        return
    network, actor = found
    await query.answer()
    _ = await context.texts()
    await edit_message(
        query,
        _("Who is the invite for in <b>{network}</b>?", network=network.name),
        reply_markup=invite_buttons(_, network.id, invitable_roles(actor, network.id)),
    )


async def new_invite(update: Update, context: BotContext) -> None:
    """A role button: a fresh invite for that role, as a new message."""
    query = update.callback_query
    assert query and query.data
    _prefix, _new, network_id, role_word = query.data.split(":")
    role = invites_domain.read_role(role_word)
    if role is None:
        await stale_button(update, context)
        return
    found = await network_button(update, context, int(network_id), invite_action(role))
    if found is None:
        return
    network, _actor = found
    await query.answer()
    await make_invite(update, context, network, role)


# --- listing and revoking ------------------------------------------------------------------


INVITES_PER_PAGE = 10  # on one page of /invites, each with a Revoke button


async def list_invites(update: Update, context: BotContext) -> None:
    """The open invites of the networks this person runs, each with a Revoke button."""
    assert update.effective_message
    _ = await context.texts()
    if context.args:
        network = await network_named(update, context, " ".join(context.args))
        if network is None:
            return
        if await guard.permit(update, context, Action.list_invites, network.id) is None:
            return
        scope = [network]
    else:
        actor = await guard.actor_of(update, context)
        scope = await networks_where(context.services.database, actor, Action.list_invites)
        if not scope:
            await guard.refuse(update, context)
            return
    text, keyboard = await invites_page(_, update, context, scope, 0)
    await reply_text(update.effective_message, text, keyboard)


async def invites_page(
    _: Translator,
    update: Update,
    context: BotContext,
    scope: list[Network],
    page: int,
) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the open invites in `scope`, numbered, with a Revoke button each, and ◀
    and ▶ (`inv:list:<network_id, or 0 for all>:<page>`) when there are more."""
    svc = context.services
    assert update.effective_user
    viewer = update.effective_user.id
    now, tz = svc.clock.now(), svc.settings.bot.tz
    found: list[tuple[Network, Invite]] = [
        (network, open_invite)
        for network in scope
        for open_invite in await invites.list_open(svc.database, network.id, now)
    ]
    if not found:
        return _("There are no open invites. /invite makes a new one."), None
    pages = page_count(len(found), INVITES_PER_PAGE)
    page = min(max(page, 0), pages - 1)
    first = page * INVITES_PER_PAGE
    shown = found[first : first + INVITES_PER_PAGE]
    lines: list[str] = [_("<b>Open invites</b>")]
    if pages > 1:
        lines[0] += " · " + _(
            "{first}–{last} of {total}", first=first + 1, last=first + len(shown), total=len(found)
        )
    for number, (network, open_invite) in enumerate(shown, start=first + 1):
        lines.append(
            _(
                "{number}. <b>{role}</b> for {network} – made by {creator}, works until {until}",
                number=number,
                role=role_name(_, open_invite.role),
                network=network.name,
                creator=await creator_name(_, context, open_invite, viewer),
                until=moment_text(_, open_invite.expires_at, tz, this_year=now.year),
            )
        )
    keyboard = revoke_keyboard(_, [i for _n, i in shown], numbered=True, first=first + 1)
    turn = page_row(f"inv:list:{scope[0].id if len(scope) == 1 else 0}", page, pages)
    if turn:
        keyboard = InlineKeyboardMarkup([*keyboard.inline_keyboard, turn])
    return "\n".join(lines), keyboard


async def turn_invites_page(update: Update, context: BotContext) -> None:
    """◀ or ▶ under /invites: that page, in the same message."""
    query = update.callback_query
    assert query and query.data
    _prefix, _list, network_id, page = query.data.split(":")
    if network_id != "0":
        found = await network_button(update, context, int(network_id), Action.list_invites)
        if found is None:
            return
        scope = [found[0]]
    else:
        actor = await guard.actor_of(update, context)
        scope = await networks_where(context.services.database, actor, Action.list_invites)
        if not scope:
            await stale_button(update, context)
            return
    await query.answer()
    _ = await context.texts()
    text, keyboard = await invites_page(_, update, context, scope, int(page))
    await edit_message(query, text, reply_markup=keyboard)


async def creator_name(_: Translator, context: BotContext, made: Invite, viewer: int) -> str:
    if made.created_by is None:
        return _("someone who has since left")
    if made.created_by == viewer:
        return _("you")
    membership = await memberships.get(context.services.database, made.network_id, made.created_by)
    if membership is not None and membership.display_name:
        return membership.display_name
    return _("a coordinator")


async def revoke(update: Update, context: BotContext) -> None:
    """A Revoke button: the link stops working; pressing it again is harmless."""
    query = update.callback_query
    assert query and query.data
    svc = context.services
    found = await invites.get(svc.database, int(query.data.split(":")[2]))
    if found is None:
        await stale_button(update, context)
        return
    actor = await permit_button(update, context, Action.revoke_invite, found.network_id)
    if actor is None:
        return
    _ = await context.texts()
    revoked = await invites_domain.revoke(svc, found.id, actor.user_id)
    if revoked is not Revoked.REVOKED:
        await query.answer(why_not_revoked(_, revoked))
        return
    await query.answer(_("Revoked: this invite link no longer works."))
    message = query.message
    if isinstance(message, Message) and message.text:
        remaining = [
            row
            for row in (message.reply_markup.inline_keyboard if message.reply_markup else ())
            if all(button.callback_data != query.data for button in row)
        ]
        note = _("❌ The invite for a {role} is revoked.", role=role_name(_, found.role))
        await edit_message(
            query,
            Html(f"{message.text_html}\n\n{note}"),
            reply_markup=InlineKeyboardMarkup(remaining) if remaining else None,
        )


def why_not_revoked(_: Translator, revoked: Revoked) -> str:
    if revoked is Revoked.ALREADY:
        return _("This invite was already revoked.")
    if revoked is Revoked.USED:
        return _("This invite was already used, so it cannot be revoked any more.")
    return _("This invite has expired already.")


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("invite", invite, filters=private))
    application.add_handler(CommandHandler("invites", list_invites, filters=private))
    application.add_handler(CallbackQueryHandler(pick_network, pattern=r"^inv:pick:\d+$"))
    application.add_handler(CallbackQueryHandler(new_invite, pattern=r"^inv:new:\d+:\w+$"))
    application.add_handler(CallbackQueryHandler(revoke, pattern=r"^inv:revoke:\d+$"))
    application.add_handler(CallbackQueryHandler(turn_invites_page, pattern=r"^inv:list:\d+:\d+$"))

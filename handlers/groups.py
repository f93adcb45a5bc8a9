"""Group chats: the bot joining a group, /link to a network, join requests, migration, leaving.

A network's group chat only admits approved members: each gets a personal link that creates a
join request, and the bot approves requests from approved members of that network only. The
bot needs two administrator rights for this (invite users, ban users) and says exactly which
ones are missing. A group nobody links within a day is left, with a word of explanation.

Hosts wear a member tag in the group ("Politie", "Gemeente"), so everyone sees who speaks for
whom. That takes a third right, to manage tags; without it the bot logs it and carries on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from datetime import timedelta
from typing import Any

from telegram import Chat, ChatMember, ChatMemberAdministrator, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ChatJoinRequestHandler,
    ChatMemberHandler,
    CommandHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.i18n import Translator, pick_language, translator
from bot.services import Services
from domain import audit
from domain.access import Action, Role
from domain.group_links import invite_to_groups
from domain.notify import hosts_and_coordinators, tell
from domain.ports import Keyboard
from handlers import guard
from handlers.common import network_named
from storage import group_chats, memberships, networks
from storage.group_chats import BotRights, LinkOutcome

log = logging.getLogger(__name__)

# How often the bot looks for groups nobody linked; the deadline itself is a setting.
UNLINKED_CHECK_INTERVAL = timedelta(minutes=10)
PRESENT = {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}


def rights_of(member: ChatMember) -> tuple[bool, BotRights]:
    """Whether the bot is an administrator, and which of the rights we need it has."""
    if isinstance(member, ChatMemberAdministrator):
        return True, BotRights(
            can_invite_users=member.can_invite_users,
            can_restrict_members=member.can_restrict_members,
        )
    return member.status == ChatMemberStatus.OWNER, BotRights()


def missing_rights(_: Translator, is_admin: bool, rights: BotRights) -> list[str]:
    """The rights still to grant, named as Telegram's group settings name them."""
    missing: list[str] = []
    if not is_admin:
        missing.append(_("make me an administrator"))
    if not rights.can_invite_users:
        missing.append(_("“Invite users via link”"))
    if not rights.can_restrict_members:
        missing.append(_("“Ban users”"))
    return missing


def member_tag(_: Translator, role: str) -> str | None:
    """Whom a host speaks for, as their tag in the group shows it (at most 16 characters, no
    emoji); key figures speak for themselves and wear none."""
    tags: dict[str, str] = {Role.police_chief: _("Police"), Role.municipality: _("Municipality")}
    tag = tags.get(role)
    return str(tag) if tag is not None else None


async def tag_host(context: BotContext, chat_id: int, user_id: int) -> None:
    """A police chief or municipality contact in the network's group gets their tag; a tag
    Telegram refuses (no right to manage tags, an administrator) is logged, nothing more."""
    svc = context.services
    chat = await group_chats.get(svc.database, chat_id)
    if chat is None or chat.network_id is None:
        return
    membership = await memberships.get(svc.database, chat.network_id, user_id)
    if membership is None or membership.status != "approved":
        return
    tag = member_tag(translator(svc.settings.bot.default_language), membership.role)
    if tag is None:
        return
    try:
        await context.bot.set_chat_member_tag(chat_id, user_id, tag)
    except BadRequest as exc:
        # Most often the group did not give the bot the right to manage tags, or the host is
        # an administrator there (whose title only a person sets): the group's choice.
        log.info("user %s in chat %s not tagged %r: %s", user_id, chat_id, tag, exc.message)
        return
    except TelegramError as exc:
        log.warning("could not tag user %s in chat %s as %r: %s", user_id, chat_id, tag, exc)
        return
    log.info("tagged user %s in chat %s as %r", user_id, chat_id, tag)


async def tag_hosts_present(context: BotContext, chat_id: int, network_id: int) -> None:
    """After /link: the hosts already in the group get their tags (administrators carry a
    title of their own instead)."""
    for host in await memberships.hosts_of(context.services.database, network_id):
        try:
            member = await context.bot.get_chat_member(chat_id, host.user_id)
        except TelegramError as exc:
            log.info("could not look up host %s in chat %s: %s", host.user_id, chat_id, exc)
            continue
        if member.status in (ChatMemberStatus.MEMBER, ChatMemberStatus.RESTRICTED):
            await tag_host(context, chat_id, host.user_id)


def rights_request(_: Translator, missing: list[str]) -> str:
    return _(
        "I still need these rights in this group: {rights}. Open the group's settings → "
        "Administrators → Bondgenoten to grant them.",
        rights=", ".join(missing),
    )


async def bot_status_changed(update: Update, context: BotContext) -> None:
    """The bot was added to a group, removed from it, or its rights changed."""
    change = update.my_chat_member
    assert change is not None
    chat = change.chat
    if chat.type not in (Chat.GROUP, Chat.SUPERGROUP):
        return  # private chats: blocking and unblocking, see handlers.tracking
    svc = context.services
    db = svc.database
    now = svc.clock.now()
    was_in = change.old_chat_member.status in PRESENT
    is_in = change.new_chat_member.status in PRESENT
    is_admin, rights = rights_of(change.new_chat_member)
    _ = await context.texts()
    if is_in and not was_in:
        recorded = await group_chats.record_added(
            db, chat.id, chat.title, change.from_user.id, now, is_admin, rights
        )
        log.info("added to chat %s by user %s", chat.id, change.from_user.id)
        await context.bot.send_message(chat.id, await _welcome(_, svc, recorded))
    elif was_in and not is_in:
        known = await group_chats.get(db, chat.id)
        await group_chats.mark_left(db, chat.id, now)
        log.info("removed from chat %s by user %s", chat.id, change.from_user.id)
        if known is not None and known.network_id is not None:
            await _tell_hosts_removed(context, svc, known.network_id, chat.title or "")
    elif is_in:
        await group_chats.update_rights(db, chat.id, is_admin, rights, chat.title)
        known = await group_chats.get(db, chat.id)
        missing = missing_rights(_, is_admin, rights)
        if known is not None and known.network_id is not None and missing:
            await context.bot.send_message(chat.id, rights_request(_, missing))


async def _welcome(_: Translator, svc: Services, chat: group_chats.GroupChat) -> str:
    missing = missing_rights(_, chat.bot_is_admin, chat.rights)
    text: str
    if chat.network_id is not None:
        network = await networks.get(svc.database, chat.network_id)
        text = _(
            "Hello again! This group is still the group chat of the network {network}.",
            network=network.name if network else "?",
        )
    else:
        text = _(
            "Hello! I am the Bondgenoten bot. To make this the group chat of a network, its "
            "police chief, its municipality contact or a coordinator sends /link followed by "
            "the network's name here, e.g. /link Noord."
        )
    if missing:
        text += "\n\n" + rights_request(_, missing)
    return text


async def _tell_hosts_removed(
    context: BotContext, svc: Services, network_id: int, title: str
) -> None:
    network = await networks.get(svc.database, network_id)

    def compose(_: Translator) -> tuple[str, Keyboard]:
        return (
            _(
                "I was removed from the group “{group}” of the network {network}. Members "
                "can't join it through me any more. Add me again as an administrator to "
                "fix this.",
                group=title,
                network=network.name if network else "?",
            ),
            (),
        )

    await tell(svc, await hosts_and_coordinators(svc, network_id), compose)


async def link_group(update: Update, context: BotContext) -> None:
    """/link NETWORK in a group: it becomes that network's group chat, if the bot may run it."""
    message = update.effective_message
    chat = update.effective_chat
    assert message and chat and update.effective_user
    _ = await context.texts()
    if not context.args:
        await message.reply_text(_("Send /link followed by the network's name, e.g. /link Noord."))
        return
    network = await network_named(update, context, " ".join(context.args))
    if network is None:
        return
    if await guard.permit(update, context, Action.link_group, network.id) is None:
        return
    svc = context.services
    db = svc.database
    now = svc.clock.now()
    # Ask Telegram rather than trust what we stored: rights can change while we were down.
    me = await context.bot.get_chat_member(chat.id, context.bot.id)
    is_admin, rights = rights_of(me)
    if not await group_chats.update_rights(db, chat.id, is_admin, rights, chat.title):
        await group_chats.record_added(db, chat.id, chat.title, None, now, is_admin, rights)
    missing = missing_rights(_, is_admin, rights)
    if missing:
        await message.reply_text(rights_request(_, missing) + "\n" + _("Then send /link again."))
        return
    result = await group_chats.link(db, chat.id, network.id, update.effective_user.id, now)
    if result.outcome is LinkOutcome.ALREADY_LINKED:
        await message.reply_text(
            _("This group is already the group chat of {network}.", network=network.name)
        )
        return
    if result.outcome is LinkOutcome.LINKED_ELSEWHERE:
        assert result.chat is not None and result.chat.network_id is not None
        other = await networks.get(db, result.chat.network_id)
        await message.reply_text(
            _(
                "This group already belongs to the network {network}. A group serves one "
                "network; make a new group for {wanted}.",
                network=other.name if other else "?",
                wanted=network.name,
            )
        )
        return
    log.info(
        "chat %s linked to network %s by user %s", chat.id, network.id, update.effective_user.id
    )
    await audit.record(
        svc, update.effective_user.id, audit.Act.LINKED, network.id, audit.group(chat.id)
    )
    await message.reply_text(
        _(
            "This is now the group chat of the network {network}. Only approved members can "
            "join: each gets a personal link from me. 🚨 Emergency? Call 112.",
            network=network.name,
        )
    )
    waiting = [m.user_id for m in await memberships.roster(db, network.id) if _needs_link(m)]
    await invite_to_groups(svc, network.id, waiting)
    await tag_hosts_present(context, chat.id, network.id)


def _needs_link(member: memberships.Membership) -> bool:
    return member.status == "approved" and member.joined_at is None


async def link_outside_group(update: Update, context: BotContext) -> None:
    """/link in a private chat: explain where it belongs."""
    assert update.effective_message
    _ = await context.texts()
    await update.effective_message.reply_text(
        _("Send /link in the group chat you want to connect, with me in it as an administrator.")
    )


async def join_request(update: Update, context: BotContext) -> None:
    """Approve approved members of the group's network; decline everyone else, tell the hosts."""
    request = update.chat_join_request
    assert request is not None
    svc = context.services
    db = svc.database
    user = request.from_user
    chat = request.chat
    if await memberships.approved_member_of_chat(db, chat.id, user.id):
        if await _settle(request.approve(), user.id, chat.id):
            await memberships.mark_joined(db, chat.id, user.id, svc.clock.now())
            log.info("approved join request of user %s for chat %s", user.id, chat.id)
        return
    # Telegram lets the bot write to user_chat_id only until the request is processed, so
    # the person hears why before the decline (a repeat of the update can't reach them).
    _ = translator(_language(user.language_code, svc))
    try:
        await context.bot.send_message(
            request.user_chat_id,
            _(
                "This group is only for approved members of its network. Ask the network's "
                "police chief or municipality contact about an invite."
            ),
        )
    except TelegramError as exc:
        log.info("could not tell user %s why: %s", user.id, exc)
    if not await _settle(request.decline(), user.id, chat.id):
        return  # declined before: the hosts heard then
    log.warning("declined join request of user %s for chat %s", user.id, chat.id)
    await _tell_about_stranger(context, svc, chat, user.full_name, user.username, user.id)


# What Telegram answers when the request was approved or declined already (by us before, or by
# an administrator by hand): the outcome stands, so there is nothing left to do.
SETTLED = ("HIDE_REQUESTER_MISSING", "USER_ALREADY_PARTICIPANT")


async def _settle(answer: Awaitable[bool], user_id: int, chat_id: int) -> bool:
    """Approve or decline a join request; False if it was settled before (a repeat)."""
    try:
        await answer
    except BadRequest as exc:
        if not any(reason in exc.message.upper() for reason in SETTLED):
            raise
        log.info("join request of user %s for chat %s was settled already", user_id, chat_id)
        return False
    return True


def _language(code: str | None, svc: Services) -> str:
    return pick_language(None, code, svc.settings.bot.default_language)


async def _tell_about_stranger(
    context: BotContext,
    svc: Services,
    chat: Chat,
    name: str,
    username: str | None,
    user_id: int,
) -> None:
    known = await group_chats.get(svc.database, chat.id)
    if known is None or known.network_id is None:
        return
    who = f"{name} (@{username})" if username else name

    def compose(_: Translator) -> tuple[str, Keyboard]:
        return (
            _(
                "{who} asked to join the group “{group}” but is not an approved member, so I "
                "declined. If they should be in, send them an invite with /invite.",
                who=who,
                group=chat.title or "",
            ),
            (),
        )

    await tell(svc, await hosts_and_coordinators(svc, known.network_id), compose)


async def member_changed(update: Update, context: BotContext) -> None:
    """Someone entered the group: note when an approved member joined; a host gets a tag."""
    change = update.chat_member
    assert change is not None
    joined = (
        change.new_chat_member.status in PRESENT and change.old_chat_member.status not in PRESENT
    )
    if joined:
        svc = context.services
        user_id = change.new_chat_member.user.id
        await memberships.mark_joined(svc.database, change.chat.id, user_id, svc.clock.now())
        if change.new_chat_member.status == ChatMemberStatus.MEMBER:
            await tag_host(context, change.chat.id, user_id)


async def migrated(update: Update, context: BotContext) -> None:
    """The group became a supergroup: the link moves to the new chat id."""
    message = update.effective_message
    assert message
    if message.migrate_to_chat_id:
        old, new = message.chat.id, message.migrate_to_chat_id
    else:
        assert message.migrate_from_chat_id
        old, new = message.migrate_from_chat_id, message.chat.id
    await follow_migration(context.services, old, new)


async def follow_migration(svc: Services, old_chat_id: int, new_chat_id: int) -> None:
    """Move a group's record to its new id; safe to call twice for the same migration."""
    moved = await group_chats.migrate(svc.database, old_chat_id, new_chat_id)
    if moved is not None:
        log.info("chat %s migrated to %s", old_chat_id, new_chat_id)


async def leave_unlinked_groups(context: BotContext) -> None:
    """A job: leave groups nobody linked to a network in time, saying why."""
    svc = context.services
    hours = svc.settings.membership.unlinked_group_hours
    cutoff = svc.clock.now() - timedelta(hours=hours)
    _ = translator(svc.settings.bot.default_language)
    for chat in await group_chats.unlinked_older_than(svc.database, cutoff):
        try:
            await context.bot.send_message(
                chat.chat_id,
                _.ngettext(
                    "Nobody linked this group to a network within {n} hour, so I am leaving. "
                    "Add me again when the network is ready, and send /link.",
                    "Nobody linked this group to a network within {n} hours, so I am leaving. "
                    "Add me again when the network is ready, and send /link.",
                    hours,
                ),
            )
        except TelegramError as exc:
            log.warning("saying goodbye to unlinked chat %s: %s", chat.chat_id, exc)
        await svc.groups.leave(chat.chat_id)
        await group_chats.mark_left(svc.database, chat.chat_id, svc.clock.now())
        log.info("left unlinked chat %s", chat.chat_id)


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    groups_only = filters.ChatType.GROUPS
    application.add_handler(ChatMemberHandler(bot_status_changed, ChatMemberHandler.MY_CHAT_MEMBER))
    application.add_handler(ChatMemberHandler(member_changed, ChatMemberHandler.CHAT_MEMBER))
    application.add_handler(ChatJoinRequestHandler(join_request))
    application.add_handler(CommandHandler("link", link_group, filters=groups_only))
    application.add_handler(
        CommandHandler("link", link_outside_group, filters=filters.ChatType.PRIVATE)
    )
    application.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, migrated))
    assert application.job_queue is not None
    application.job_queue.run_repeating(
        leave_unlinked_groups,
        interval=UNLINKED_CHECK_INTERVAL,
        first=timedelta(seconds=30),
        name="leave-unlinked-groups",
    )

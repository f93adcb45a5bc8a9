"""/start and /help: what this bot is, and what this particular person can do with it.

Also where each person's command menu is kept right (`domain.menus`): /start sets it for
someone Telegram's menu does not know yet, and after every start of the bot a sweep brings
stale menus up to date, a batch at a time.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta
from typing import Any

from telegram import Update
from telegram.ext import Application, CommandHandler, ContextTypes, filters

from bot import services
from bot.context import BotContext
from bot.i18n import Translator
from domain import menus
from domain.access import HOST_ROLES, Actor
from handlers import guard
from handlers.fallback import private_chat_button
from storage import memberships, networks

log = logging.getLogger(__name__)

# A minute after a start (what waited through the restart goes first), stale menus are brought
# up to date a batch at a time: at most `menus.sweep`'s batch per `MENU_SWEEP_EVERY`, a pace
# Telegram takes beside everything else.
MENU_SWEEP_FIRST = timedelta(minutes=1)
MENU_SWEEP_EVERY = timedelta(seconds=5)


def greeting(_: Translator, name: str, *, returning: bool) -> str:
    """ "Welcome back" only for someone the bot already knows; anyone else a plain hello."""
    if returning:
        return _("Welcome back, {name}.", name=name)
    return _("Hello {name}.", name=name)


def welcome_text(
    _: Translator, *, name: str, actor: Actor, pending: int, count: int, returning: bool
) -> str:
    hello = greeting(_, name, returning=returning)  # apart: `_` inside ngettext hides it
    if actor.is_coordinator:
        return _(
            "{greeting} You are a <b>coordinator</b>: you set up networks, vet new members and "
            "keep the networks on course.\n\n"
            "Networks: {count} · applications waiting: {pending}\n\n"
            "/help shows what you can do.\n\n"
            "🚨 Emergency? Always call 112 first.",
            greeting=hello,
            count=count,
            pending=pending,
        )
    if actor.roles:
        return _.ngettext(
            "{greeting} You are in one network: /networks shows it, /profile your details and "
            "/help what you can do.\n\n🚨 Emergency? Always call 112 first.",
            "{greeting} You are in {n} networks: /networks shows them, /profile your details and "
            "/help what you can do.\n\n🚨 Emergency? Always call 112 first.",
            len(actor.roles),
            greeting=hello,
        )
    return _(
        "Welcome to <b>Bondgenoten</b>, {name}! Here the police, the municipality and key "
        "figures of a neighbourhood keep in touch.\n\n"
        "You join by invitation: after a one-to-one conversation you get a personal link from "
        "the police chief, the municipality or a coordinator. Have one? Just open it.\n\n"
        "🚨 Emergency? Always call 112 first.",
        name=name,
    )


def help_text(_: Translator, actor: Actor) -> str:
    """Only the commands this person may use."""
    hosts = any(role in HOST_ROLES for role in actor.roles.values())
    lines = [_("<b>What you can do here</b>")]
    if actor.is_coordinator:
        lines += [
            _("/newnetwork – set up a network"),
            _("/appoint – make someone a coordinator"),
            _("/audit – who did what, and when"),
            _("/digest – your monthly digest of the networks: on or off"),
        ]
    if actor.is_coordinator or hosts:
        lines += [
            _("/alert – send an alert after an incident"),
            _("/incident – who saw an alert, and the mood"),
            _("/update, /close – add to an alert or close it"),
            _("/invite, /invites – invite people, see open invites"),
            _("/members – the members of a network"),
            _("/export – a network's members, attendance and numbers as files"),
            _("/replies – may the coordinators read members' replies to alerts?"),
            _("/meeting – plan a meal meeting; /meetings plan – a year of five"),
            _("/action – record an agreed action; /stats – attendance and actions"),
            _("/pulse – ask the members what is going on in the neighbourhood"),
            _("/link – in a group chat: make it the network's group"),
        ]
    if hosts:  # a coordinator reads rumours only where the network shares replies
        lines.append(_("/rumours – rumours members passed on: check and answer them"))
    if actor.is_coordinator or actor.roles:
        lines += [
            _("/networks – your networks"),
            _("/meetings – upcoming meal meetings; /topic – propose a topic"),
            _("/actions – agreed actions"),
        ]
    if actor.roles:
        lines += [
            _("/profile – see and change your details"),
            _("/contacts – members who share their number with members"),
            _("/rumour – pass on a rumour you heard, privately"),
            _("/leave – leave a network"),
        ]
    lines += [
        _("/language – choose Dutch or English"),
        _("/privacy – what we store and why"),
        _("/mydata – see the data we keep about you"),
        _("/forget – delete your data"),
    ]
    if actor.is_coordinator:
        lines.append(_("You are a coordinator."))
    elif not actor.roles:
        lines.append(
            _(
                "To join a network you need a personal link from its police chief, the "
                "municipality or a coordinator. You get it after a one-to-one conversation."
            )
        )
    lines.append(_("🚨 Emergency? Call 112."))
    return "\n".join(lines)


async def start(update: Update, context: BotContext) -> None:
    """A stranger learns what this is and how to get in; members and coordinators an overview."""
    assert update.effective_user and update.effective_message
    _ = await context.texts()
    db = context.services.database
    actor = await guard.actor_of(update, context)
    # A coordinator's numbers over all networks: two counts, however many networks there are.
    pending = await memberships.awaiting_approval_count(db) if actor.is_coordinator else 0
    # Someone we keep nothing about yet (a coordinator from the settings) gets their menu now.
    await menus.refresh(context.services, update.effective_user.id, actor=actor, talking=True)
    await update.effective_message.reply_text(
        welcome_text(
            _,
            name=update.effective_user.first_name,
            actor=actor,
            pending=pending,
            count=await networks.count(db) if actor.is_coordinator else len(actor.roles),
            returning=await context.person() is not None,
        )
    )


async def help_private(update: Update, context: BotContext) -> None:
    """The commands this person may use, and nothing they may not."""
    assert update.effective_message
    _ = await context.texts()
    actor = await guard.actor_of(update, context)
    await update.effective_message.reply_text(help_text(_, actor))


async def help_group(update: Update, context: BotContext) -> None:
    """In a group: what the bot does here, and where to talk to it privately."""
    assert update.effective_message
    _ = await context.texts()
    await update.effective_message.reply_text(
        _(
            "I support this neighbourhood network. Talk to me privately: @{bot}.\n"
            "🚨 Emergency? Call 112.",
            bot=context.bot.username,
        ),
        reply_markup=private_chat_button(_, context.bot.username),
    )


async def refresh_stale_menus(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A job after start: one batch of menus that differ from what people's roles give; it
    plans the next batch until everyone was seen."""
    assert context.job is not None and context.job_queue is not None
    after = context.job.data if isinstance(context.job.data, int) else 0
    swept = await menus.sweep(services.of(context), after)
    if swept.queued:
        log.info("menu sweep: %d menus queued (user ids after %s)", swept.queued, after)
    if swept.after is not None:
        context.job_queue.run_once(
            refresh_stale_menus, when=MENU_SWEEP_EVERY, data=swept.after, name="menu-sweep"
        )


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    private = filters.ChatType.PRIVATE
    application.add_handler(CommandHandler("start", start, filters=private))
    application.add_handler(CommandHandler("help", help_private, filters=private))
    application.add_handler(CommandHandler("help", help_group, filters=filters.ChatType.GROUPS))
    svc = services.of(application)
    svc.delivery_listeners.append(functools.partial(menus.on_delivery, svc))
    assert application.job_queue is not None
    application.job_queue.run_once(refresh_stale_menus, when=MENU_SWEEP_FIRST, name="menu-sweep")

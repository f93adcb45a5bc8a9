"""The command menu each person sees, by role, and keeping every private chat's menu right.

Telegram shows the narrowest menu the bot set (setMyCommands): the person's own chat first,
then all private chats, each first in the language of the person's app. So the short menu for
strangers is the default of every private chat, set at start (`bot.commands`), and whoever has
a role gets a menu of their own in their language: members what members do, hosts (police
chief, municipality) also alerts, incidents, meetings and invites, coordinators also the
networks. Groups have one short menu: /help, and /link for their administrators.

A chat's own menu is a `MENU` delivery through the outbox, so an outage or a restart loses none.
What each chat shows is kept as a signature (menu, language, a hash of its commands; table
`menus`): `refresh` queues a menu only when the signature changed, after a role change
(approval, appointment, removal, leaving, forgetting, a language chosen); `sweep` walks
everyone a batch at a time after a start, so a changed menu definition reaches 30,000 people
at a pace Telegram takes, not in a flood.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.i18n import Translator, pick_language, translator
from domain import ports
from domain.access import Actor, load_actor
from domain.context import Context
from storage import coordinators, deliveries, menus, people
from storage.deliveries import Delivery, NewDelivery, priority

log = logging.getLogger(__name__)

KIND = "menu"
# A menu is never out of date while it waits: it may wait out a long outage.
LIFETIME = timedelta(days=30)


class Part(StrEnum):
    """What a person is, as far as their menu goes; one person can be several."""

    STRANGER = "stranger"  # no role (yet): the default menu
    MEMBER = "member"  # approved in a network
    HOST = "host"  # police chief or municipality somewhere, or a coordinator
    COORDINATOR = "coordinator"


STRANGERS = frozenset({Part.STRANGER})
MEMBERS = frozenset({Part.MEMBER, Part.HOST, Part.COORDINATOR})
HOSTS = frozenset({Part.HOST, Part.COORDINATOR})
COORDINATORS = frozenset({Part.COORDINATOR})
EVERYONE = frozenset(Part)
ONLY_MEMBERS = frozenset({Part.MEMBER})  # about one's own membership

# Every command of the private menus in the order Telegram lists them (the urgent first), and
# whose menu shows it. Only commands the bot has (tests/test_menus.py checks).
PRIVATE: tuple[tuple[str, frozenset[Part]], ...] = (
    ("start", STRANGERS),
    ("alert", HOSTS),
    ("incident", HOSTS),
    ("update", HOSTS),
    ("close", HOSTS),
    ("meeting", HOSTS),
    ("signal", ONLY_MEMBERS),  # a member's first: telling what they saw
    ("signals", HOSTS),
    ("meetings", MEMBERS),
    ("topic", MEMBERS),
    ("action", HOSTS),
    ("actions", MEMBERS),
    ("stats", HOSTS),
    ("pulse", HOSTS),
    ("invite", HOSTS),
    ("members", HOSTS),
    ("export", HOSTS),
    ("replies", HOSTS),
    ("rumours", HOSTS),
    ("networks", COORDINATORS),
    ("newnetwork", COORDINATORS),
    ("invites", COORDINATORS),
    ("appoint", COORDINATORS),
    ("audit", COORDINATORS),
    ("digest", COORDINATORS),
    ("profile", ONLY_MEMBERS),
    ("contacts", ONLY_MEMBERS),
    ("rumour", ONLY_MEMBERS),
    ("whocan", ONLY_MEMBERS),
    ("language", EVERYONE),
    ("privacy", EVERYONE),
    ("mydata", MEMBERS),
    ("leave", ONLY_MEMBERS),
    ("forget", MEMBERS),
    ("cancel", MEMBERS),
    ("help", EVERYONE),
)
GROUP = ("help",)
GROUP_ADMINISTRATORS = ("help", "link")


def descriptions(_: Translator) -> dict[str, str]:
    """What each command does, as the menu says it (plain text, at most 256 characters)."""
    return {
        "start": _("Welcome, and how to join"),
        "alert": _("Alert your network after an incident"),
        "incident": _("Who saw an alert, and the mood"),
        "update": _("Add an update to an alert"),
        "close": _("Close an alert"),
        "signal": _("Tell the police chief and municipality what you saw"),
        "signals": _("Open signals from members"),
        "meeting": _("Plan a meal meeting"),
        "meetings": _("Upcoming meal meetings"),
        "topic": _("Propose a topic for the next meeting"),
        "action": _("Record an agreed action"),
        "actions": _("Agreed actions of your network"),
        "stats": _("The network's year in pictures"),
        "pulse": _("Ask what is going on in the neighbourhood"),
        "invite": _("Invite someone to your network"),
        "members": _("The members of your network"),
        "export": _("Members, attendance and numbers as files"),
        "replies": _("Who reads members' replies to alerts"),
        "networks": _("All networks"),
        "newnetwork": _("Set up a network"),
        "invites": _("Open invites"),
        "appoint": _("Make someone a coordinator"),
        "audit": _("Who did what, and when"),
        "digest": _("Your monthly digest: on or off"),
        "profile": _("Your details, what you can do, whom you reach"),
        "contacts": _("Members who share their number"),
        "rumour": _("Pass on a rumour you heard"),
        "rumours": _("Open rumours: check and answer"),
        "whocan": _("Who can help, who reaches whom"),
        "language": _("Choose Dutch or English"),
        "privacy": _("What we store and why"),
        "mydata": _("See the data we keep about you"),
        "leave": _("Leave a network"),
        "forget": _("Delete your data"),
        "cancel": _("Stop what you started"),
        "help": _("What you can do here"),
    }


def group_descriptions(_: Translator) -> dict[str, str]:
    return {
        "help": _("What this bot does in the group"),
        "link": _("Make this the group chat of a network"),
    }


def parts(*, coordinator: bool, member: bool, host: bool) -> frozenset[Part]:
    """A coordinator may do what hosts do, in every network."""
    found = set()
    if coordinator:
        found |= {Part.COORDINATOR, Part.HOST}
    if host:
        found |= {Part.HOST, Part.MEMBER}
    if member:
        found.add(Part.MEMBER)
    return frozenset(found) or STRANGERS


def parts_of(actor: Actor) -> frozenset[Part]:
    return parts(
        coordinator=actor.is_coordinator,
        member=bool(actor.roles),
        host=any(actor.is_host_of(network) for network in actor.roles),
    )


def name_of(who: frozenset[Part]) -> str:
    """The menu's name, for logs and signatures: its widest part."""
    for part in (Part.COORDINATOR, Part.HOST, Part.MEMBER):
        if part in who:
            return part.value
    return Part.STRANGER.value


def commands(who: frozenset[Part], _: Translator) -> list[tuple[str, str]]:
    """(command, description) of the private menu of someone who is `who`, in order."""
    described = descriptions(_)
    return [(command, str(described[command])) for command, shown in PRIVATE if shown & who]


def group_commands(names: Iterable[str], _: Translator) -> list[tuple[str, str]]:
    described = group_descriptions(_)
    return [(command, str(described[command])) for command in names]


@dataclass(frozen=True)
class Wanted:
    """The menu a chat should show: its commands, and the signature kept of it; for a
    stranger none of either (the default menu)."""

    commands: list[tuple[str, str]]
    signature: str | None


def wanted(who: frozenset[Part], language: str) -> Wanted:
    if who == STRANGERS:
        return Wanted([], None)
    shown = commands(who, translator(language))
    digest = hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:16]
    return Wanted(shown, f"{name_of(who)}:{language}:{digest}")


async def refresh(
    ctx: Context, user_id: int, *, actor: Actor | None = None, talking: bool = False
) -> bool:
    """Queue `user_id`'s menu if their chat does not show the one their roles and language
    give; returns whether one was queued. `talking`: they are writing to the bot right now
    (Telegram knows their chat even if we keep nothing about them yet)."""
    db = ctx.database
    person = await people.get(db, user_id)
    shown = await menus.signature(db, user_id)
    if person is None and shown is None and not talking:
        return False  # never met: Telegram would not know the chat; /start will set it
    if actor is None:
        actor = await load_actor(db, user_id, ctx.settings.access.coordinators)
    language = pick_language(
        person.language if person else None, None, ctx.settings.bot.default_language
    )
    target = wanted(parts_of(actor), language)
    if target.signature == shown:
        return False
    await _queue(ctx, [(user_id, target)])
    return True


@dataclass(frozen=True)
class Swept:
    """How far one step of the sweep came: menus queued, and where the next step goes on
    (None: everyone was seen)."""

    queued: int
    after: int | None


async def sweep(ctx: Context, after: int = 0, *, scan: int = 1000, at_most: int = 100) -> Swept:
    """Look at the next `scan` people after user id `after` and queue at most `at_most` menus
    for those whose chat shows another menu than their roles give (a changed definition, a
    role changed while the bot was down)."""
    db = ctx.database
    standings = await menus.standings(db, after, scan)
    appointed = {c.user_id for c in await coordinators.all(db)}
    configured = set(ctx.settings.access.coordinators)
    default = ctx.settings.bot.default_language
    stale: list[tuple[int, Wanted]] = []
    last, full = after, False
    for standing in standings:
        if len(stale) >= at_most:
            full = True
            break
        last = standing.user_id
        who = parts(
            coordinator=standing.user_id in configured or standing.user_id in appointed,
            member=standing.member,
            host=standing.host,
        )
        target = wanted(who, pick_language(standing.language, None, default))
        if target.signature != standing.signature:
            stale.append((standing.user_id, target))
    await _queue(ctx, stale)
    more = full or len(standings) == scan
    return Swept(len(stale), last if more else None)


async def _queue(ctx: Context, changes: list[tuple[int, Wanted]]) -> None:
    """Queue each chat's new menu and keep its signature, in one transaction."""
    if not changes:
        return
    now = ctx.clock.now()
    async with ctx.database.transaction() as conn:
        for user_id, target in changes:
            await deliveries.supersede(conn, user_id, KIND)
            await deliveries.add(
                conn,
                NewDelivery(
                    chat_id=user_id,
                    priority=priority("routine", group=False),
                    kind=KIND,
                    method=ports.MENU,
                    params=ports.menu(target.commands, target.signature),
                    # Back to the default menu carries nothing of the person, and must still
                    # go after /forget has deleted what was queued for them.
                    user_id=user_id if target.signature is not None else None,
                    expires_at=now + LIFETIME,
                ),
                now,
            )
            await menus.record(conn, user_id, target.signature, now)
    for user_id, target in changes:
        log.info("menu of user %s: %s", user_id, target.signature or "the default")
    ctx.dispatcher.wake()


async def on_delivery(ctx: Context, delivery: Delivery, outcome: str, _sent: object) -> None:
    """A menu Telegram never took (refused, or expired in an outage) is not kept as shown, so
    the next refresh or sweep sends it again."""
    if delivery.kind != KIND or outcome == "sent":
        return
    signature = delivery.params.get("signature")
    if signature and await menus.unrecord(ctx.database, delivery.chat_id, signature):
        log.warning("menu of user %s not set (%s): again later", delivery.chat_id, outcome)

"""Signals: a member's short report to the hosts of their network, and how the hosts handle it.

A member sends one with /signal (what, where, when, how urgent; with or without their name);
with danger now they are told to call 112 first and the signal is kept all the same, marked
urgent. It goes to the network's police chief and municipality contact only, privately — never
to the group chat, another network, a member who is not a host, or a coordinator who is not a
host of that network (need-to-know: who reported what can endanger people). Each host's copy
(the card) shows the current status and who took it, through the editor port: a status changes
once (`storage.signals`), every change bumps the signal's `rev`, and `settle_cards` brings every
copy behind it up to date, trying again later what Telegram did not take.

The reporter hears each change privately in their language: taken, an answer (the host types
it; it goes through the bot, never with the host's number), closed. The hosts' acts are in the
audit, without the reporter.

The rules of a good report are here too, pure and tested on their own: `check_what` and
`names_by_looks_only`, the friendly nudge towards behaviour instead of looks.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.i18n import Translator
from domain import audit, notify, ports
from domain import signal_texts as texts
from domain.access import HOST_ROLES, Actor
from domain.closing_reminders import at_night
from domain.context import Context
from domain.labels import role_name
from domain.ports import Sent, buttons_of
from storage import deliveries, memberships, networks, people
from storage import signals as store
from storage.deliveries import Delivery, NewDelivery, priority
from storage.signals import NewSignal, Signal

log = logging.getLogger(__name__)

MAX_WHAT = 1000  # characters: a short report, read on a phone; the card stays far below 4096
MIN_WHAT = 3  # fewer letters than this say nothing
MAX_PLACE = 200
MAX_WHEN = 100
MAX_ANSWER = 1000
MAX_WORD = 500
PER_PAGE = 10  # signals on a page of /signals
CARDS_JOB = "signal-cards"
RETRY_PAUSE = timedelta(seconds=10)
AGAIN = timedelta(seconds=1)  # a change while the copies were being brought up to date
_SETTLING: set[int] = set()  # the contexts whose copies are being edited now
FAILURES_IN_A_ROW = 3
KIND_CARD = "signal"  # a host's copy: its text goes once sent (domain.retention)
KIND_STATUS = "signal_status"  # what the reporter hears: an answer's words go once sent
KIND_REPLY = "signal_reply"  # the reporter's reply to an answer, to the hosts: likewise
URGENCIES = ("low", "today", "urgent")
WHEN_CHOICES = ("now", "today", "earlier")

# --- a good report: behaviour, not looks ---------------------------------------------------------

# Words that name a person by how they look or where they are taken to be from: skin colour,
# origin, the clothes of a faith (Dutch and English, lower case; a word matches as a whole).
LOOKS = frozenset(
    """
    zwart zwarte zwartje donker donkere getint getinte bruin bruine blank blanke wit witte
    allochtoon allochtonen allochtone buitenlander buitenlanders buitenlandse buitenlands
    marokkaan marokkanen marokkaans marokkaanse turk turken turks turkse surinamer surinaams
    surinaamse antilliaan antilliaans antilliaanse afrikaan afrikaans afrikaanse arabier
    arabieren arabisch arabische pool polen pools poolse roemeen roemeens roemeense
    oostblokker oost-europeaan oost-europees oost-europese zigeuner zigeuners
    moslim moslims islamitisch islamitische jood joden joods joodse
    hoofddoek hoofddoekje boerka nikab niqab djellaba jilbab keppel tulband sluier
    black dark dark-skinned brown white coloured colored foreign foreigner foreigners
    immigrant immigrants migrant migrants moroccan moroccans turkish african africans arab
    arabs arabic polish romanian gypsy gypsies muslim muslims islamic jew jews jewish
    headscarf hijab burqa burka turban veil
    """.split()
)
# The start of a word that tells what someone did or what was seen beyond looks: an act, a
# thing, a vehicle, a direction. One of these and the description is about behaviour.
BEHAVIOUR = tuple(
    """
    bedreig dreig slaat slaan sloeg geslagen schop trap schreeuw riep roep scheld gooi gegooid
    inbr ingebr steel stal gestolen beroof rende ren vlucht vecht duw volg achtervolg kapot
    verniel vernield bekla brand stak gestoken mes wapen pistool vuurwerk deal verkoop
    verkocht drug spuit auto scooter brommer fiets busje kenteken reed rijd richting liep
    loop keek gluur filmde film fotografe belde aanbel klop wacht stond hing hangt rook
    drinkt dronk zat pakte pak tas telefoon raam deur schiet schoot geschoten lawaai
    threat hit punch kick shout yell scream throw threw broke break stole steal steal rob
    ran run chase follow fight push damage smash knife gun weapon deal sell sold drug car
    bike scooter plate drove drive toward direction walk look watch film photograph
    knock ring wait stood hang smok drink sat grab bag phone window shot shoot noise
    trek trok getrok kwam kom stap sprong klim klom uitkijk staat staan pull came climb
    jump lookout loiter
    """.split()
)
# The end of a word that names a thing seen: "achterdeur", "bestelbus", "fietstas".
THINGS = tuple(
    """
    deur raam auto bus busje fiets scooter tas telefoon kenteken mes wapen
    window car bike bag phone plate knife gun
    """.split()
)
_WORD = re.compile(r"[\w'-]+", re.UNICODE)


def names_by_looks_only(text: str) -> bool:
    """Whether `text` describes someone by looks (skin colour, origin, faith's clothes) and
    says nothing of what they did: then the member is asked, once, for behaviour instead."""
    words = [word.casefold() for word in _WORD.findall(text)]
    if not any(word in LOOKS for word in words):
        return False
    return not any(word.startswith(BEHAVIOUR) or word.endswith(THINGS) for word in words)


class WhatProblem(Enum):
    EMPTY = "empty"
    TOO_LONG = "too_long"


def check_what(text: str | None) -> str | WhatProblem:
    """The "what happened" as kept: trimmed, at least a few letters, at most `MAX_WHAT`."""
    cleaned = (text or "").strip()
    if sum(1 for char in cleaned if char.isalnum()) < MIN_WHAT:
        return WhatProblem.EMPTY
    if len(cleaned) > MAX_WHAT:
        return WhatProblem.TOO_LONG
    return cleaned


# --- who may -------------------------------------------------------------------------------------


def reporting_network_ids(actor: Actor) -> list[int]:
    """Where `actor` may send a signal: every network they are an approved member of (hosts
    too). A coordinator without a role there has no neighbourhood to report from."""
    return sorted(actor.roles)


def handling_network_ids(actor: Actor) -> list[int]:
    """Whose signals `actor` handles: the networks where they are police chief or municipality
    contact. Not a coordinator as such: signals are need-to-know (issue 10, 11)."""
    return sorted(nid for nid, role in actor.roles.items() if role in HOST_ROLES)


def may_handle(actor: Actor, signal: Signal) -> bool:
    return actor.is_host_of(signal.network_id)


# --- names ---------------------------------------------------------------------------------------


async def network_name(ctx: Context, network_id: int) -> str:
    network = await networks.get(ctx.database, network_id)
    return network.name if network is not None else "?"


async def member_name(ctx: Context, network_id: int, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    found = await memberships.get(ctx.database, network_id, user_id)
    return found.display_name if found is not None and found.display_name else None


async def reporter_label(ctx: Context, _: Translator, signal: Signal, network: str) -> str:
    """As the hosts see who sent it: the name, or "a member of Noord"."""
    if not signal.anonymous:
        name = await member_name(ctx, signal.network_id, signal.reporter_id)
        if name:
            return name
    return _("a member of {network}", network=network)


async def host_label(ctx: Context, _: Translator, network_id: int, user_id: int | None) -> str:
    """A host as the reporter and the other hosts read them: "Karin (police chief)"."""
    if user_id is None:
        return _("someone who deleted their data")
    found = await memberships.get(ctx.database, network_id, user_id)
    if found is None or not found.display_name:
        return _("the police chief or the municipality")
    return _("{name} ({role})", name=found.display_name, role=role_name(_, found.role))


async def card_text(ctx: Context, _: Translator, signal: Signal) -> str:
    network = await network_name(ctx, signal.network_id)
    return texts.card(
        _,
        signal,
        network,
        await reporter_label(ctx, _, signal, network),
        await host_label(ctx, _, signal.network_id, signal.taken_by),
        await host_label(ctx, _, signal.network_id, signal.closed_by),
        ctx.settings.bot.tz,
    )


# --- sending -------------------------------------------------------------------------------------


async def hosts_of(ctx: Context, network_id: int) -> list[int]:
    return [m.user_id for m in await memberships.hosts_of(ctx.database, network_id)]


async def submit(ctx: Context, new: NewSignal) -> tuple[Signal, int]:
    """Keep the signal and queue a card to each host of its network; returns it and how many
    hosts it was queued for (0: the network has none right now — it waits in /signals)."""
    signal = await store.add(ctx.database, new, ctx.clock.now())
    log.info(
        "signal %s from user %s to network %s (%s%s)",
        signal.id,
        new.reporter_id,
        new.network_id,
        new.urgency,
        ", danger now" if new.danger_now else "",
    )
    hosts = [uid for uid in await hosts_of(ctx, signal.network_id) if uid != new.reporter_id]
    told = await send_cards(ctx, signal, hosts)
    if not told:
        await _tell_coordinators_nobody_reads(ctx, signal)
    return signal, told


async def _tell_coordinators_nobody_reads(ctx: Context, signal: Signal) -> None:
    """A network without a police chief or municipality contact got a signal: the coordinators
    hear that it waits, not what it says (only a host of the network may read it)."""
    network = await network_name(ctx, signal.network_id)
    log.warning("signal %s: network %s has no host to read it", signal.id, signal.network_id)

    def compose(_: Translator) -> tuple[str, ports.Keyboard]:
        return _(
            "📣 A member of {network} sent a signal, but the network has no police chief or "
            "municipality contact to read it. It waits for them in /signals; only they may "
            "read it.",
            network=network,
        ), ()

    await notify.tell(ctx, await notify.coordinator_ids(ctx), compose)


async def send_cards(ctx: Context, signal: Signal, host_ids: Sequence[int]) -> int:
    """A card for each of `host_ids` (the hosts at sending, or the one who asked in /signals)."""
    now = ctx.clock.now()
    severity = "urgent" if signal.urgency == "urgent" else "routine"
    # At night only what cannot wait rings a host's phone; the rest is there in the morning.
    rings = signal.urgency == "urgent" or signal.danger_now
    quiet = (
        {} if rings or not at_night(now, ctx.settings.bot.tz) else {"disable_notification": True}
    )
    items = []
    for user_id in dict.fromkeys(host_ids):
        person = await people.get(ctx.database, user_id)
        if person is not None and person.blocked_at is not None:
            log.info("signal %s: host %s blocked the bot", signal.id, user_id)
            continue
        _ = await notify.language_of(ctx, user_id)
        text = await card_text(ctx, _, signal)
        items.append(
            NewDelivery(
                chat_id=user_id,
                priority=priority(severity, group=False),
                kind=KIND_CARD,
                method=ports.MESSAGE,
                params=ports.message(text, texts.card_buttons(_, signal)) | quiet,
                network_id=signal.network_id,
                user_id=user_id,
                about_user_id=signal.reporter_id,  # forgetting the reporter takes it along
            )
        )
    if items:
        async with ctx.database.transaction() as conn:
            await deliveries.add_many(conn, items, now)
        ctx.dispatcher.wake()
    return len(items)


# --- the hosts' acts -----------------------------------------------------------------------------


class Outcome(Enum):
    DONE = "done"
    ALREADY = "already"  # taken or closed by someone else (or by them) before
    CLOSED = "closed"  # closed: nothing more to do
    GONE = "gone"  # no such signal (any more)
    NOT_HOST = "not_host"


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    signal: Signal | None


async def _allowed(ctx: Context, actor: Actor, signal_id: int) -> Result | None:
    signal = await store.get(ctx.database, signal_id)
    if signal is None:
        return Result(Outcome.GONE, None)
    if not may_handle(actor, signal):
        log.info("user %s may not handle signal %s", actor.user_id, signal_id)
        return Result(Outcome.NOT_HOST, signal)
    return None


async def take(
    ctx: Context, actor: Actor, signal_id: int, pressed: tuple[int, int] | None = None
) -> Result:
    """ "I'll take this": being looked at, by this host; the reporter hears so."""
    refused = await _allowed(ctx, actor, signal_id)
    if refused is not None:
        return refused
    done = await store.take(ctx.database, signal_id, actor.user_id, ctx.clock.now())
    signal = await store.get(ctx.database, signal_id)
    assert signal is not None
    if not done:
        return Result(Outcome.CLOSED if not signal.is_open else Outcome.ALREADY, signal)
    await audit.record(ctx, actor.user_id, audit.Act.SIGNAL_TAKEN, signal.network_id)
    await _tell_reporter(ctx, signal, "taken", actor.user_id)
    await _changed(ctx, signal, pressed)
    return Result(Outcome.DONE, signal)


async def answer(ctx: Context, actor: Actor, signal_id: int, text: str) -> Result:
    """A host's answer reaches the reporter through the bot (an open signal it also takes)."""
    refused = await _allowed(ctx, actor, signal_id)
    if refused is not None:
        return refused
    if not await store.answered(ctx.database, signal_id, actor.user_id, ctx.clock.now()):
        signal = await store.get(ctx.database, signal_id)
        return Result(Outcome.CLOSED, signal)
    signal = await store.get(ctx.database, signal_id)
    assert signal is not None
    await audit.record(ctx, actor.user_id, audit.Act.SIGNAL_ANSWERED, signal.network_id)
    await _tell_reporter(ctx, signal, "answer", actor.user_id, text)
    await _changed(ctx, signal, None)
    return Result(Outcome.DONE, signal)


async def close(
    ctx: Context,
    actor: Actor,
    signal_id: int,
    word: str | None,
    pressed: tuple[int, int] | None = None,
) -> Result:
    """Closed, with an optional closing word for the reporter."""
    refused = await _allowed(ctx, actor, signal_id)
    if refused is not None:
        return refused
    if not await store.close(ctx.database, signal_id, actor.user_id, word, ctx.clock.now()):
        return Result(Outcome.CLOSED, await store.get(ctx.database, signal_id))
    signal = await store.get(ctx.database, signal_id)
    assert signal is not None
    await audit.record(ctx, actor.user_id, audit.Act.SIGNAL_CLOSED, signal.network_id)
    await _tell_reporter(ctx, signal, "closed", actor.user_id)
    await _changed(ctx, signal, pressed)
    return Result(Outcome.DONE, signal)


async def _changed(ctx: Context, signal: Signal, pressed: tuple[int, int] | None) -> None:
    """Every copy follows; the pressed one is shown by the caller, so the job leaves it."""
    if pressed is not None:
        await store.card_shown(ctx.database, *pressed, signal.rev)
    kick(ctx)


async def _tell_reporter(
    ctx: Context, signal: Signal, change: str, host_id: int, text: str = ""
) -> None:
    host_lang = await notify.language_of(ctx, signal.reporter_id)
    host = await host_label(ctx, host_lang, signal.network_id, host_id)

    def compose(_: Translator) -> tuple[str, ports.Keyboard]:
        if change == "taken":
            return texts.told_taken(_, signal, host), ()
        if change == "answer":
            return texts.told_answer(_, signal, host, text), texts.answer_buttons(_, signal)
        return texts.told_closed(_, signal, host), ()

    await notify.tell(
        ctx, [signal.reporter_id], compose, kind=KIND_STATUS, about_user_id=signal.reporter_id
    )


async def reply(ctx: Context, reporter_id: int, signal_id: int, text: str) -> tuple[Result, int]:
    """The member who sent the signal replies to an answer (a question back, a detail): each
    host of its network gets it, named as the signal names them; returns how many."""
    signal = await store.get(ctx.database, signal_id)
    if signal is None:
        return Result(Outcome.GONE, None), 0
    if signal.reporter_id != reporter_id:
        log.info("user %s may not reply to signal %s", reporter_id, signal_id)
        return Result(Outcome.NOT_HOST, signal), 0
    if not signal.is_open:
        return Result(Outcome.CLOSED, signal), 0
    network = await network_name(ctx, signal.network_id)
    severity = "urgent" if signal.urgency == "urgent" else "routine"
    now = ctx.clock.now()
    items = []
    for user_id in await hosts_of(ctx, signal.network_id):
        if user_id == reporter_id:
            continue
        _ = await notify.language_of(ctx, user_id)
        reporter = await reporter_label(ctx, _, signal, network)
        items.append(
            NewDelivery(
                chat_id=user_id,
                priority=priority(severity, group=False),
                kind=KIND_REPLY,
                method=ports.MESSAGE,
                params=ports.message(
                    texts.reply_to_hosts(_, signal, reporter, text), texts.reply_buttons(_, signal)
                ),
                network_id=signal.network_id,
                user_id=user_id,
                about_user_id=reporter_id,
            )
        )
    if items:
        async with ctx.database.transaction() as conn:
            await deliveries.add_many(conn, items, now)
        ctx.dispatcher.wake()
    log.info("signal %s: the reporter replied to %d host(s)", signal_id, len(items))
    return Result(Outcome.DONE, signal), len(items)


async def open_for(ctx: Context, actor: Actor) -> list[Signal]:
    """The open signals of the networks `actor` hosts."""
    return await store.open_in(ctx.database, handling_network_ids(actor))


# --- every host's copy ---------------------------------------------------------------------------


def signal_of_buttons(delivery: Delivery) -> int | None:
    for row in buttons_of(delivery.params):
        for button in row:
            found = re.fullmatch(rf"{texts.PREFIX}:(?:take|ans|close):(\d{{1,20}})", button.action)
            if found:
                return int(found[1])
    return None


async def on_delivery(ctx: Context, delivery: Delivery, outcome: str, sent: Sent | None) -> None:
    """A delivery listener: a host's copy Telegram took is recorded, so it can follow the
    status; one that left after a change is brought up to date at once."""
    if delivery.kind != KIND_CARD or outcome != "sent" or sent is None:
        return
    signal_id = signal_of_buttons(delivery)
    if signal_id is None:
        return
    signal = await store.get(ctx.database, signal_id)
    if signal is None:
        return  # gone meanwhile (the reporter deleted their data)
    # The copy shows the state it was queued in: a change since makes it stale (rev 0).
    fresh = datetime.fromisoformat(signal.updated_at) <= datetime.fromisoformat(delivery.created_at)
    rev = signal.rev if fresh else 0
    await store.record_card(ctx.database, sent.chat_id, sent.message_id, signal_id, rev)
    if not fresh:
        kick(ctx)


def kick(ctx: Context, after: timedelta = timedelta(0)) -> None:
    """Bring the copies up to date now (a job already planned covers it)."""
    if ctx.scheduler is None:
        return
    ctx.jobs.at(CARDS_JOB, ctx.clock.now() + after, functools.partial(settle_cards, ctx), 0)


async def on_outage(ctx: Context, outage: object) -> None:
    if outage is None:
        kick(ctx)


async def settle_cards(ctx: Context, _data: int = 0) -> int:
    """Edit every copy that shows an older state: the status, who took it; no buttons once
    closed. Returns how many; what Telegram did not take is tried again later."""
    if ctx.editor is None:
        return 0
    if ctx.outbox is not None and ctx.outbox.waiting_for_channel:
        return 0  # `on_outage` brings us back
    if id(ctx) in _SETTLING:  # one run at a time: two would edit the same copy twice
        kick(ctx, AGAIN)
        return 0
    _SETTLING.add(id(ctx))
    try:
        return await _settle(ctx)
    finally:
        _SETTLING.discard(id(ctx))


async def _settle(ctx: Context) -> int:
    assert ctx.editor is not None
    settled, failures, left = 0, 0, False
    for card, signal in await store.stale_cards(ctx.database):
        if failures >= FAILURES_IN_A_ROW:
            left = True
            break
        _ = await notify.language_of(ctx, card.chat_id)
        text = await card_text(ctx, _, signal)
        buttons = texts.card_buttons(_, signal)
        if not await ctx.editor.edit(card.chat_id, card.message_id, text, buttons):
            failures, left = failures + 1, True
            continue
        failures = 0
        await store.card_shown(ctx.database, card.chat_id, card.message_id, signal.rev)
        settled += 1
    if left:
        kick(ctx, RETRY_PAUSE)
    if settled:
        log.info("%d copies of signals show their status", settled)
    return settled


async def card_seen(ctx: Context, chat_id: int, message_id: int, signal: Signal) -> None:
    """A copy edited right where the host pressed: it shows `signal` now."""
    await store.card_shown(ctx.database, chat_id, message_id, signal.rev)


# --- retention -----------------------------------------------------------------------------------


def window(ctx: Context) -> timedelta:
    return timedelta(days=ctx.settings.retention.signal_days)

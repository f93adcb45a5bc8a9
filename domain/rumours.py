"""The rumour desk: a member passes on a rumour going round; the hosts of that network judge it
and may answer the network with a counter-message.

- **Raising.** An approved member of a network passes on what goes round ("er gaat rond
  dat…"). It is stored (`storage.rumours`) and reaches the network's police chief and
  municipality privately, each as a card with ✅ True / ❌ Not true / ❔ Not known yet and
  📣 Counter-message. The coordinators read along only where the network asked them to read
  members' replies (`coordinators_see_replies`, need-to-know as in `domain.alerts`), and then
  without the raiser's name: nobody but the hosts learns who raised a rumour.
- **Judging.** A verdict is recorded once per change (a double press hears who gave it), in the
  audit, and the member who raised it hears it privately. Every host's copy shows the current
  verdict and who gave it: copies are recorded when Telegram confirms them (`on_delivery`) and
  edited through the editor port by a job that retries what Telegram did not take.
- **Answering.** One counter-message per rumour, at most `COUNTER_LIMIT` characters, labelled
  "may be shared" or "network only", goes privately to every approved member of that network
  and no other, through the outbox at low priority; it expires after `COUNTER_LIFETIME`. It
  never repeats the rumour nor names who raised it.
- **Spotting.** `looks_like_rumour` tells a group text that passes on a rumour ("ik hoorde
  dat…", "I heard that…"), so the group gets a pointer to the private chat instead.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from bot.i18n import Html, Translator
from domain import audit, notify
from domain import rumour_texts as texts
from domain.access import Action, Actor, allowed
from domain.closing_reminders import at_night
from domain.context import Context
from domain.labels import moment_text, role_name, time_text
from domain.ports import MESSAGE, Keyboard, Sent, buttons_of, message
from storage import deliveries, memberships, networks, people
from storage import rumours as store
from storage.deliveries import Delivery, NewDelivery, priority
from storage.networks import Network
from storage.rumours import Rumour

log = logging.getLogger(__name__)

TEXT_LIMIT = 1000  # characters of a rumour as a member passes it on
COUNTER_LIMIT = 500  # characters of a counter-message
COUNTER_LIFETIME = timedelta(days=2)  # a counter-message not delivered by then is old news
KIND = "rumour"  # a host's copy: its text is cut once sent (domain.retention)
VERDICT_KIND = "rumour_verdict"  # the raiser hears the verdict
COUNTER_KIND = "counter_message"
CARDS_JOB = "rumour-cards"
RETRY_PAUSE = timedelta(seconds=10)
FAILURES_IN_A_ROW = 3
PER_PAGE = 5  # open rumours on one page of /rumours (each at most ~450 characters)

CARD_ACTION = re.compile(r"^rum:v:(\d{1,20}):(true|false|unknown)$")

# --- spotting a rumour in a group text -----------------------------------------------------------

# Phrases with which people pass on what they heard, lower case, without accents.
RUMOUR_PHRASES: tuple[str, ...] = (
    # Dutch
    "er gaat rond dat",
    "het gaat rond dat",
    "gaat het gerucht",
    "er gaan geruchten",
    "gerucht",
    "geruchten",
    "ik hoorde dat",
    "ik heb gehoord dat",
    "ik hoor dat",
    "men zegt dat",
    "mensen zeggen dat",
    "ze zeggen dat",
    "schijnt dat",
    "het verhaal gaat",
    "wordt verteld dat",
    # English
    "i heard that",
    "i've heard that",
    "i have heard that",
    "rumour",
    "rumours",
    "rumor",
    "rumors",
    "people are saying",
    "word is that",
    "going around that",
    "they say that",
)
_WORDS = re.compile(r"[^\w']+")


def _folded(text: str) -> str:
    """Lower case, accents off, punctuation to single spaces: "Er gaat rónd, dat…" →
    " er gaat rond dat "."""
    plain = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    plain = plain.replace("’", "'")
    return " " + _WORDS.sub(" ", plain).strip() + " "


_PHRASES = tuple(_folded(p) for p in RUMOUR_PHRASES)


def looks_like_rumour(text: str) -> bool:
    """Whether a text passes on a rumour, by its phrases, as whole words ("geruchtmakend" or
    "rumourmonger" do not count; "gerucht" and "rumours" do)."""
    folded = _folded(text)
    return any(phrase in folded for phrase in _PHRASES)


def without_phrases(text: str) -> str:
    """What is left of a rumour once the phrases that announce it are taken off: to tell a
    rumour from an empty "er gaat rond dat…"."""
    folded = _folded(text)
    for phrase in sorted(_PHRASES, key=len, reverse=True):
        folded = folded.replace(phrase, " ")
    return folded.strip()


def is_empty(text: str) -> bool:
    """Nothing said yet: only phrases, punctuation or a couple of letters."""
    return sum(c.isalnum() for c in without_phrases(text)) < 3


# --- who reads a network's rumours -------------------------------------------------------------


async def readers(ctx: Context, network: Network) -> list[int]:
    """The network's police chief and municipality; the coordinators too where the network
    asked them to read members' replies (need-to-know)."""
    found = [m.user_id for m in await memberships.hosts_of(ctx.database, network.id)]
    if network.coordinators_see_replies:
        found += await notify.coordinator_ids(ctx)
    return list(dict.fromkeys(found))


async def may_read(ctx: Context, actor: Actor, network: Network) -> bool:
    """The network's hosts; a coordinator only where the network shares members' replies."""
    if not allowed(actor, Action.judge_rumour, network.id):
        return False
    return actor.is_host_of(network.id) or network.coordinators_see_replies


def may_raise(actor: Actor, network: Network) -> bool:
    """Approved members of the network, whatever their role (a coordinator only as one)."""
    return actor.role_in(network.id) is not None and allowed(actor, Action.raise_rumour, network.id)


async def readable_networks(ctx: Context, actor: Actor) -> list[Network]:
    return [n for n in await networks.all(ctx.database) if await may_read(ctx, actor, n)]


def member_networks(actor: Actor, all_networks: list[Network]) -> list[Network]:
    """Where `actor` may raise a rumour: every network they are an approved member of."""
    return [n for n in all_networks if may_raise(actor, n)]


# --- names and moments --------------------------------------------------------------------------


def when_text(_: Translator, ctx: Context, iso: str | None) -> str:
    """A moment as people read it: the time today, else the day and time."""
    if iso is None:
        return "?"
    tz = ctx.settings.bot.tz
    now = ctx.clock.now().astimezone(tz)
    local = datetime.fromisoformat(iso).astimezone(tz)
    if local.date() == now.date():
        return time_text(local, tz)
    return moment_text(_, local, tz, this_year=now.year)


async def name_in(ctx: Context, _: Translator, network_id: int, user_id: int | None) -> str:
    """How the network knows a person, with their role: "Wim (key figure)"."""
    if user_id is None:
        return _("a member who deleted their data")
    member = await memberships.get(ctx.database, network_id, user_id)
    if member is None:
        return _("a coordinator") if user_id in await notify.coordinator_ids(ctx) else _("someone")
    name = member.display_name or _("a member")
    return _("{name} ({role})", name=name, role=role_name(_, member.role))


async def _host_name(ctx: Context, network_id: int, user_id: int | None, _: Translator) -> str:
    if user_id is None:
        return _("someone")
    member = await memberships.get(ctx.database, network_id, user_id)
    if member is not None and member.display_name:
        return member.display_name
    return _("a coordinator")


async def card(
    ctx: Context, _: Translator, rumour: Rumour, viewer: int
) -> tuple[Html, Keyboard] | None:
    """A reader's copy of `rumour` as it stands (None when its network is gone). The raiser's
    name only for the network's own hosts."""
    network = await networks.get(ctx.database, rumour.network_id)
    if network is None:
        return None
    viewer_role = await memberships.approved_roles(ctx.database, viewer)
    is_host = viewer_role.get(network.id) in ("police_chief", "municipality")
    text = texts.card_text(
        _,
        network,
        rumour,
        raiser=await name_in(ctx, _, network.id, rumour.raised_by) if is_host else None,
        judge=await _host_name(ctx, network.id, rumour.judged_by, _),
        judged_when=when_text(_, ctx, rumour.judged_at),
        counter_by=await _host_name(ctx, network.id, rumour.counter_by, _),
        received=when_text(_, ctx, rumour.created_at),
    )
    return text, texts.card_buttons(_, rumour)


# --- raising ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Raised:
    rumour: Rumour | None  # None: nobody could read it, so it was not kept
    told: int


def night_quiet(ctx: Context) -> dict[str, bool]:
    """A rumour is never an emergency: at night its copies and counter-messages come without
    a sound (the send option for that), by day as usual."""
    return {"disable_notification": True} if at_night(ctx.clock.now(), ctx.settings.bot.tz) else {}


async def raise_rumour(ctx: Context, network: Network, user_id: int, text: str) -> Raised:
    """Store the rumour and give each reader their copy; not kept when nobody would read it."""
    who = await readers(ctx, network)  # a host who raises one gets their own copy too
    if not who:
        log.warning("rumour for network %s not kept: it has no hosts", network.id)
        return Raised(None, 0)
    rumour = await store.add(ctx.database, network.id, user_id, text.strip(), ctx.clock.now())
    log.info("user %s raised rumour %s in network %s", user_id, rumour.id, network.id)
    told = 0
    quiet = night_quiet(ctx)
    for reader in who:
        person = await people.get(ctx.database, reader)
        if person is not None and person.blocked_at is not None:
            continue
        _ = await notify.language_of(ctx, reader)
        shown = await card(ctx, _, rumour, reader)
        if shown is None:
            continue
        body, buttons = shown
        async with ctx.database.transaction() as conn:
            await deliveries.add(
                conn,
                NewDelivery(
                    chat_id=reader,
                    priority=priority("routine", group=False),
                    kind=KIND,
                    method=MESSAGE,
                    params=message(body, buttons) | quiet,
                    network_id=network.id,
                    user_id=reader,
                    about_user_id=user_id,  # their words: forgetting them takes it along
                ),
                ctx.clock.now(),
            )
        told += 1
    if told:
        ctx.dispatcher.wake()
    return Raised(rumour, told)


# --- judging ------------------------------------------------------------------------------------


class Outcome(Enum):
    JUDGED = "judged"
    SAME = "same"  # it had this verdict already (a double press, another host first)
    GONE = "gone"  # not kept any more (retention, the raiser deleted their data)


@dataclass(frozen=True)
class Judged:
    outcome: Outcome
    rumour: Rumour | None


async def judge(
    ctx: Context, rumour: Rumour, status: str, by: int, shown: tuple[int, int] | None = None
) -> Judged:
    """Record the verdict; the raiser hears it, every copy shows it (but `shown`, the copy
    (chat, message) pressed, which the caller edits), the audit has it."""
    changed, now_is = await store.judge(ctx.database, rumour.id, status, by, ctx.clock.now(), shown)
    if now_is is None or now_is.text is None:
        return Judged(Outcome.GONE, now_is)
    if not changed:
        return Judged(Outcome.SAME, now_is)
    log.info("user %s marked rumour %s %s", by, rumour.id, status)
    await audit.record(ctx, by, audit.Act.RUMOUR_JUDGED, rumour.network_id)
    kick(ctx)
    network = await networks.get(ctx.database, rumour.network_id)
    if network is not None and now_is.raised_by is not None and now_is.raised_by != by:

        def compose(_: Translator) -> tuple[str, Keyboard]:
            return texts.verdict_for_raiser(_, network, now_is), ()

        quiet = bool(night_quiet(ctx))  # a verdict can wait for the morning's sound
        await notify.tell(ctx, [now_is.raised_by], compose, kind=VERDICT_KIND, silent=quiet)
    return Judged(Outcome.JUDGED, now_is)


# --- the counter-message -----------------------------------------------------------------------


async def members_of(ctx: Context, network_id: int) -> list[int]:
    """Who a counter-message reaches: the approved members of this network, and nobody else."""
    roster = await memberships.roster(ctx.database, network_id)
    return [m.user_id for m in roster if m.status == "approved"]


async def reach(ctx: Context, network_id: int, sender: int) -> list[int]:
    return [user for user in await members_of(ctx, network_id) if user != sender]


async def counter_body(
    ctx: Context, _: Translator, network: Network, text: str, label: str, sender: int
) -> Html:
    by = await name_in(ctx, _, network.id, sender)
    return texts.counter_message(_, network, text, label, by)


async def send_counter(
    ctx: Context, rumour: Rumour, text: str, label: str, sender: int
) -> int | None:
    """Queue the counter-message for every member of the rumour's network but the sender, in
    one transaction with recording it; how many it reaches, or None when one was sent already
    (a double press, or another host first)."""
    network = await networks.get(ctx.database, rumour.network_id)
    if network is None:
        return None
    now = ctx.clock.now()
    who = await reach(ctx, network.id, sender)
    blocked = {
        p.user_id
        for p in [await people.get(ctx.database, user) for user in who]
        if p is not None and p.blocked_at is not None
    }
    languages = await notify.languages_of(ctx, who)
    quiet = night_quiet(ctx)
    items = []
    for user in who:
        if user in blocked:
            continue
        _ = languages.get(user) or await notify.language_of(ctx, user)
        body = await counter_body(ctx, _, network, text, label, sender)
        items.append(
            NewDelivery(
                chat_id=user,
                priority=priority("routine", group=False),
                kind=COUNTER_KIND,
                method=MESSAGE,
                params=message(body) | quiet,
                network_id=network.id,
                user_id=user,
                expires_at=now + COUNTER_LIFETIME,
            )
        )
    async with ctx.database.transaction() as conn:
        if not await store.send_counter(conn, rumour.id, text, label, sender, now):
            return None
        if items:
            await deliveries.add_many(conn, items, now)
    log.info(
        "user %s sent a counter-message about rumour %s to %d members of network %s",
        sender,
        rumour.id,
        len(items),
        network.id,
    )
    await audit.record(ctx, sender, audit.Act.COUNTER_SENT, network.id)
    ctx.dispatcher.wake()
    kick(ctx)
    return len(items)


# --- /rumours -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    text: str
    buttons: Keyboard
    page: int
    pages: int


async def open_page(ctx: Context, _: Translator, actor: Actor, page: int) -> Page | None:
    """One page of the open rumours of the networks `actor` reads; None when they read none."""
    mine = await readable_networks(ctx, actor)
    if not mine:
        return None
    ids = [n.id for n in mine]
    by_id = {n.id: n for n in mine}
    total = await store.count_open(ctx.database, ids)
    if total == 0:
        return Page(texts.nothing_open(_), (), 0, 1)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = await store.open_of(ctx.database, ids, page * PER_PAGE, PER_PAGE)
    entries = []
    for rumour in shown:
        network = by_id[rumour.network_id]
        raiser = (
            await name_in(ctx, _, network.id, rumour.raised_by)
            if actor.is_host_of(network.id)
            else None
        )
        received = when_text(_, ctx, rumour.created_at)
        entries.append(texts.list_entry(_, network, rumour, raiser=raiser, received=received))
    first = page * PER_PAGE + 1
    head = texts.list_head(_, total, first, first + len(shown) - 1)
    text = "\n\n".join([head, *entries, texts.list_foot(_)])
    rows = texts.list_buttons(_, shown, page)
    nav = texts.page_buttons(page, pages)
    return Page(text, [*rows, nav] if nav else rows, page, pages)


# --- every reader's copy ------------------------------------------------------------------------


def read_card(action: str) -> tuple[int, str] | None:
    found = CARD_ACTION.match(action)
    return (int(found[1]), found[2]) if found else None


async def on_delivery(ctx: Context, delivery: Delivery, outcome: str, sent: Sent | None) -> None:
    """A delivery listener: a sent copy of a rumour is recorded, so it can show the verdict
    later; one that arrives after a verdict shows it at once."""
    if outcome != "sent" or sent is None or delivery.kind != KIND:
        return
    found = next(
        (
            read
            for row in buttons_of(delivery.params)
            for button in row
            if (read := read_card(button.action)) is not None
        ),
        None,
    )
    if found is None:
        return
    if await store.record_card(ctx.database, sent.chat_id, sent.message_id, found[0]):
        kick(ctx)  # changed while on its way


async def shown_here(ctx: Context, chat_id: int, message_id: int, rumour: Rumour) -> None:
    """A copy was edited right where its button was pressed: it is (now) a recorded card that
    shows the rumour as it is."""
    await store.card_edited_here(ctx.database, chat_id, message_id, rumour.id)


def kick(ctx: Context, after: timedelta = timedelta(0)) -> None:
    """Bring the changed copies up to date now (a job already planned covers it)."""
    if ctx.scheduler is None:
        return
    if not after:  # a change now: a retry planned for later must not hold it back
        ctx.jobs.cancel(CARDS_JOB)
    ctx.jobs.at(CARDS_JOB, ctx.clock.now() + after, functools.partial(settle_cards, ctx), 0)


async def on_outage(ctx: Context, outage: object) -> None:
    if outage is None:
        kick(ctx)


async def settle_cards(ctx: Context, _data: int = 0) -> int:
    """Edit every copy of a changed rumour to show it as it is now; returns how many. What
    Telegram does not take is tried again later."""
    if ctx.editor is None:
        return 0
    if ctx.outbox is not None and ctx.outbox.waiting_for_channel:
        return 0
    async with _settling.setdefault(id(ctx), asyncio.Lock()):  # one run at a time
        return await _settle(ctx)


# Per running application: a run that began before a change must not edit after one that
# began after it (the older text would win).
_settling: dict[int, asyncio.Lock] = {}


async def _settle(ctx: Context) -> int:
    assert ctx.editor is not None
    settled, failures, left = 0, 0, False
    for found in await store.stale_cards(ctx.database):
        if failures >= FAILURES_IN_A_ROW:
            left = True
            break
        rumour = await store.get(ctx.database, found.rumour_id)
        if rumour is None:
            continue  # gone: its cards went with it
        _ = await notify.language_of(ctx, found.chat_id)
        shown = await card(ctx, _, rumour, found.chat_id)
        if shown is None:
            await store.card_shown(ctx.database, found)
            continue
        text, buttons = shown
        if not await ctx.editor.edit(found.chat_id, found.message_id, text, buttons):
            failures, left = failures + 1, True
            continue
        failures = 0
        await store.card_shown(ctx.database, found)
        settled += 1
    if left:
        kick(ctx, RETRY_PAUSE)
    if settled:
        log.info("rumour cards: %d copies show the rumour as it is now", settled)
    return settled

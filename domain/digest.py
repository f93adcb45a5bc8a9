"""The monthly digest to each coordinator: which of the networks are falling quiet.

On `[digest] day` of each month at `[digest] hour` (local time) every coordinator who did not
switch it off (/digest) gets one message across all networks — those that have not met for
`[digest] quiet_months` months, how many members have not answered a meeting or acknowledged an
alert for as long (a count: which neighbour stayed away is the hosts' to know), actions past their
date, alerts and signals left open — and one chart of it, both through the outbox, so an outage
or a restart loses nothing.

Once per coordinator and month: the month is marked sent in the transaction that queues it, so
a restart, a second run or a clock moved back never sends it twice. The job is rebuilt at start
(`plan`): a month whose moment passed while the bot was down goes out then, within
`CATCH_UP` of the moment, if the bot sent last month's (a bot started for the
first time on the 3rd does not send the 1st's digest: the first comes on the next 1st).

Honest history: what it counts is what the retention windows still hold, and it says so.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date

from bot.fit import cut_label
from bot.i18n import Translator, escape, pick_language, translator
from bot.outbox import CONTINUED, fit
from domain import charts, ports
from domain.context import Context
from storage import (
    actions,
    coordinators,
    deliveries,
    incidents,
    media,
    meetings,
    networks,
    people,
    signals,
)
from storage import digest as store
from storage.deliveries import NewDelivery, priority

log = logging.getLogger(__name__)

JOB = "digest-monthly"
CATCH_UP = timedelta(days=7)  # a digest missed while the bot was down still goes out this late
LIFETIME = timedelta(days=7)  # ... and waits this long for Telegram
CAPTION = 1024
CHART_NETWORKS = 15  # bars a phone shows readably in the digest's chart
OFF = "digest:x"  # the button under a digest: switch it off (handlers.digest)


@dataclass(frozen=True)
class NetworkState:
    """What a coordinator should know of one network this month."""

    network_id: int
    name: str
    last_meeting: datetime | None  # the last meeting held (planned, not cancelled, begun)
    quiet_members: int
    overdue_actions: int
    open_alerts: int
    open_signals: int
    not_met: bool  # no meeting for `quiet_months`

    @property
    def attention(self) -> int:
        return (
            int(self.not_met)
            + self.quiet_members
            + self.overdue_actions
            + self.open_alerts
            + self.open_signals
        )


@dataclass(frozen=True)
class Digest:
    month: str  # 'YYYY-MM'
    day: date  # the local day it is about
    since: datetime  # quiet means: nothing since then
    networks: list[NetworkState]


# --- when -----------------------------------------------------------------------------------


def moment_in(ctx: Context, year: int, month: int) -> datetime:
    settings = ctx.settings.digest
    return datetime.combine(
        date(year, month, settings.day), time(settings.hour), tzinfo=ctx.settings.bot.tz
    )


def this_month(ctx: Context, now: datetime) -> datetime:
    local = now.astimezone(ctx.settings.bot.tz)
    return moment_in(ctx, local.year, local.month)


def next_month(ctx: Context, now: datetime) -> datetime:
    local = now.astimezone(ctx.settings.bot.tz)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return moment_in(ctx, year, month)


def months_before(moment: datetime, months: int, tz: ZoneInfo) -> datetime:
    """The same day and hour `months` months earlier (a day past the 28th becomes the 28th:
    every month has one)."""
    local = moment.astimezone(tz)
    index = local.year * 12 + local.month - 1 - months
    year, month = divmod(index, 12)
    day = min(local.day, 28)
    return local.replace(year=year, month=month + 1, day=day)


CATCHING_UP = 0  # the job's data: a catch-up at start; else the moment it was planned for


def _plan_at(ctx: Context, moment: datetime) -> None:
    ctx.jobs.cancel(JOB)
    ctx.jobs.at(JOB, moment, functools.partial(run, ctx), int(moment.timestamp()))


def plan(ctx: Context) -> None:
    """At start: the job at this month's moment; if that passed within `CATCH_UP`, a catch-up
    now (if the bot sent last month's: a digest missed while the bot was down);
    else next month's. The step itself sends nobody a month twice."""
    ctx.jobs.cancel(JOB)
    if not ctx.settings.digest.enabled:
        return
    now = ctx.clock.now()
    moment = this_month(ctx, now)
    if now < moment:
        _plan_at(ctx, moment)
    elif now < moment + CATCH_UP:
        ctx.jobs.at(JOB, now, functools.partial(run, ctx), CATCHING_UP)
    else:
        _plan_at(ctx, next_month(ctx, now))


async def run(ctx: Context, planned: int = CATCHING_UP) -> int:
    """The monthly step, planned for a moment (epoch seconds) or catching up at start: when due,
    the digest to every coordinator who has it on and did not get this month's yet (catching
    up: only if the bot sent last month's — a bot started for the first time mid-month sends
    none); then the next month planned. Returns how many were queued."""
    if not ctx.settings.digest.enabled:
        return 0
    now = ctx.clock.now()
    moment = this_month(ctx, now)
    if planned != CATCHING_UP and now.timestamp() < planned:  # early: wait for its moment
        _plan_at(ctx, datetime.fromtimestamp(planned, UTC))
        return 0
    queued = 0
    if moment <= now < moment + CATCH_UP and (
        planned == CATCHING_UP or planned == int(moment.timestamp())
    ):
        queued = await send_all(ctx, now, catching_up=planned == CATCHING_UP)
    _plan_at(ctx, moment if now < moment else next_month(ctx, now))
    return queued


# --- what ------------------------------------------------------------------------------------


async def gather(ctx: Context, now: datetime) -> Digest:
    """The numbers of every network, once for all coordinators."""
    db, tz = ctx.database, ctx.settings.bot.tz
    quiet = ctx.settings.digest.quiet_months
    since = months_before(now, quiet, tz)
    today = now.astimezone(tz).date()
    overdue: dict[int, int] = {}
    for action in await actions.still_open(db):
        if action.due < today:  # past its day, local time (as domain.health counts it)
            overdue[action.network_id] = overdue.get(action.network_id, 0) + 1
    states = []
    for network in await networks.all(db):
        held = [
            datetime.fromisoformat(m.starts_at)
            for m in await meetings.of_network(db, network.id)
            if datetime.fromisoformat(m.starts_at) <= now
        ]
        last = max(held) if held else None
        states.append(
            NetworkState(
                network_id=network.id,
                name=network.name,
                last_meeting=last,
                quiet_members=await store.quiet_members(db, network.id, since),
                overdue_actions=overdue.get(network.id, 0),
                open_alerts=len(await incidents.open_in_networks(db, [network.id])),
                open_signals=len(await signals.open_in(db, [network.id])),
                not_met=last is None or last < since,
            )
        )
    states.sort(key=lambda s: (-s.attention, s.name.lower()))
    return Digest(now.astimezone(tz).strftime("%Y-%m"), today, since, states)


def _day(_: Translator, moment: datetime, tz: ZoneInfo) -> str:
    return str(format_date(moment.astimezone(tz).date(), "d MMMM y", locale=_.language))


def _network_line(_: Translator, state: NetworkState, tz: ZoneInfo) -> str:
    parts = []
    if state.not_met:
        parts.append(
            _("no meeting since {day}", day=_day(_, state.last_meeting, tz))
            if state.last_meeting is not None
            else _("no meeting yet")
        )
    if state.quiet_members:
        parts.append(_.ngettext("{n} member quiet", "{n} members quiet", state.quiet_members))
    if state.overdue_actions:
        parts.append(
            _.ngettext(
                "{n} action past its date", "{n} actions past their date", state.overdue_actions
            )
        )
    if state.open_alerts:
        parts.append(_.ngettext("{n} alert open", "{n} alerts open", state.open_alerts))
    if state.open_signals:
        parts.append(_.ngettext("{n} signal open", "{n} signals open", state.open_signals))
    # The digest is HTML: a name as typed ('Oost & West'), never as markup Telegram refuses.
    return "• <b>{}</b>: {}".format(escape(cut_label(state.name, 60)), " · ".join(parts))


def text(_: Translator, digest: Digest, ctx: Context) -> str:
    """The digest's message (split by the outbox if it grows past Telegram's limit)."""
    tz = ctx.settings.bot.tz
    quiet = ctx.settings.digest.quiet_months
    month = str(format_date(digest.day, "MMMM y", locale=_.language))
    lines: list[str] = [_("<b>Your monthly digest, {month}</b>", month=month)]
    needing = [s for s in digest.networks if s.attention]
    well = [s for s in digest.networks if not s.attention]
    if needing:
        lines.append(
            _.ngettext(
                "{n} of your {total} networks needs attention:",
                "{n} of your {total} networks need attention:",
                len(needing),
                total=len(digest.networks),
            )
        )
        lines += [_network_line(_, state, tz) for state in needing]
    else:
        lines.append(
            _(
                "All {total} networks are well: nothing needs your attention.",
                total=len(digest.networks),
            )
        )
    if needing and well:
        lines.append(
            _("All well in: {names}.", names=", ".join(cut_label(s.name, 60) for s in well))
        )
    lines.append("")
    lines.append(
        _.ngettext(
            "Quiet: no meeting, or no answer to one or to an alert, for {n} month.",
            "Quiet: no meeting, or no answer to one or to an alert, for {n} months.",
            quiet,
        )
        + " "
        + _("Counted since {day}.", day=_day(_, digest.since, tz))
    )
    lines.append(
        _(
            "These numbers count what we still keep: alerts and who acknowledged them for "
            "{alert_days} days, closed signals for {signal_days} days.",
            alert_days=ctx.settings.retention.incident_days,
            signal_days=ctx.settings.retention.signal_days,
        )
    )
    lines.append(_("/digest switches this monthly digest off."))
    return "\n".join(lines)


def chart_of(_: Translator, digest: Digest) -> tuple[bytes, str] | None:
    """The one chart: per network that needs attention, what needs it (stacked bars); None
    when no network needs any (no empty chart)."""
    attending = [s for s in digest.networks if s.attention]
    needing = attending[:CHART_NETWORKS]
    if not needing:
        return None
    kinds = [
        (_("members quiet"), [s.quiet_members for s in needing]),
        (_("actions past their date"), [s.overdue_actions for s in needing]),
        (_("alerts open"), [s.open_alerts for s in needing]),
        (_("signals open"), [s.open_signals for s in needing]),
    ]
    series = [
        charts.Series(str(label), [float(v) for v in values])
        for label, values in kinds
        if any(values)
    ]
    if not series:  # only "not met": that is said in the caption
        return None
    png = charts.bars(
        [s.name for s in needing],
        series,
        title=str(_("What needs attention, per network")),
        horizontal=True,
        stacked=True,
    )
    total = sum(s.attention - int(s.not_met) for s in needing)
    caption = _.ngettext(
        "{n} thing to look at in {networks} of your networks; the message above says which.",
        "{n} things to look at in {networks} of your networks; the message above says which.",
        total,
        networks=len(needing),
    )
    if len(attending) > len(needing):  # the chart has room for CHART_NETWORKS bars
        caption += " " + _(
            "The chart shows the {shown} of {total} networks that need it most.",
            shown=len(needing),
            total=len(attending),
        )
    return png, caption


async def _translators(ctx: Context, user_ids: Sequence[int]) -> dict[int, Translator]:
    default = ctx.settings.bot.default_language
    chosen = await people.languages(ctx.database, user_ids)
    return {user: translator(pick_language(chosen.get(user), None, default)) for user in user_ids}


async def recipients(ctx: Context) -> list[int]:
    """Every coordinator, by configuration or appointment, who has the digest on and did not
    block the bot (as domain.notify: nobody is written to who blocked it)."""
    appointed = [c.user_id for c in await coordinators.all(ctx.database)]
    everyone = dict.fromkeys([*ctx.settings.access.coordinators, *appointed])
    found = []
    for user in everyone:
        person = await people.get(ctx.database, user)
        if person is not None and person.blocked_at is not None:
            log.info("monthly digest: not for coordinator %s, who blocked the bot", user)
        elif await store.is_on(ctx.database, user):
            found.append(user)
    return found


async def send_all(ctx: Context, now: datetime, *, catching_up: bool = False) -> int:
    """This month's digest to every coordinator due for it (`catching_up`: only when the bot
    sent last month's — to anyone: a coordinator new to it since gets this month's too);
    returns how many were queued."""
    local = now.astimezone(ctx.settings.bot.tz)
    month = local.strftime("%Y-%m")
    last_month = months_before(local.replace(day=1), 1, ctx.settings.bot.tz).strftime("%Y-%m")
    if catching_up and not await store.any_sent(ctx.database, last_month):
        return 0  # the bot did not send last month's: a first start mid-month sends none
    due = [
        user
        for user in await recipients(ctx)
        if not await store.was_sent(ctx.database, user, month)
    ]
    if not due:
        return 0
    digest = await gather(ctx, now)
    if not digest.networks:
        log.info("monthly digest: no networks yet, nothing to send")
        return 0
    languages = await _translators(ctx, due)
    rendered: dict[str, tuple[str, tuple[bytes, str] | None]] = {}
    queued = 0
    for user in due:
        _ = languages[user]
        if _.language not in rendered:
            picture = await asyncio.to_thread(chart_of, _, digest)
            rendered[_.language] = (text(_, digest, ctx), picture)
        message, picture = rendered[_.language]
        off = [[ports.Button(str(_("Switch the digest off")), OFF)]]
        if await queue(ctx, user, digest.month, message, picture, now, off):
            queued += 1
    log.info("monthly digest %s queued for %d coordinators", digest.month, queued)
    ctx.dispatcher.wake()
    return queued


async def queue(
    ctx: Context,
    user: int,
    month: str,
    message: str,
    picture: tuple[bytes, str] | None,
    now: datetime,
    buttons: ports.Keyboard = (),
) -> bool:
    """One coordinator's digest into the outbox, with the month marked sent (one transaction)."""
    expires = now + LIFETIME
    rank = priority("routine", group=False)
    items = fit(
        [
            NewDelivery(
                chat_id=user,
                priority=rank,
                kind="digest",
                params=ports.message(message, buttons),
                method=ports.MESSAGE,
                user_id=user,
                expires_at=expires,
            )
        ]
    )
    async with ctx.database.transaction() as conn:
        if not await store.take(conn, user, month, now):
            return False
        await deliveries.add_many(conn, items, now)
        if picture is not None:
            png, caption = picture
            photo_id = await deliveries.add(
                conn,
                NewDelivery(
                    chat_id=user,
                    priority=rank,
                    # A part of the digest: it waits while the message before it (its last
                    # part) does, so the chart never comes before the text it points to.
                    kind=f"digest_chart{CONTINUED}",
                    method=ports.PHOTO,
                    params=ports.photo(cut_label(caption, CAPTION)),
                    user_id=user,
                    expires_at=expires,
                ),
                now,
            )
            await media.add(conn, photo_id, png, f"digest-{month}.png")
    return True


# --- the switch ------------------------------------------------------------------------------


async def switch(ctx: Context, user: int, on: bool) -> None:
    await store.switch(ctx.database, user, on, ctx.clock.now())
    log.info("monthly digest switched %s by coordinator %s", "on" if on else "off", user)


async def is_on(ctx: Context, user: int) -> bool:
    return await store.is_on(ctx.database, user)

"""The mood pulse: the hosts ask the members of a network "wat leeft er in de wijk?".

A pulse starts when a host asks (/pulse), on the network's monthly schedule, or a few days
after an alert closes. Every approved member (the host who asked aside) gets the question
privately with four moods; after a tap they may add a few words and their name. Answers are
anonymous by default: the answerer's id is kept only while the pulse is open (to change the
answer, and to count it once) and, after it, only for an answer they signed. A pulse stays
open `[pulse] open_days`; a day before it closes, who did not answer gets one gentle reminder
(`[pulse] remind`). At closing the network's hosts get the tally: numbers per mood, the words
without names unless signed. Nothing of it reaches the group chat or another network.

Everything is scheduled through the scheduler port and rebuilt from the database at start
(`plan_all`): each step looks at what is due by the clock itself, so running it early, twice
or after a restart does nothing more than once.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from bot.i18n import Translator, pick_language, translator
from bot.outbox import fit
from domain import audit
from domain import pulse_texts as texts
from domain.closing_reminders import at_night
from domain.context import Context
from domain.ports import MESSAGE, Button, message
from storage import memberships, networks, people
from storage import pulse as store
from storage.deliveries import NewDelivery, priority
from storage.pulse import Pulse, Schedule

log = logging.getLogger(__name__)

QUESTION = "pulse_question"  # delivery kinds
REMINDER = "pulse_reminder"
TALLY = "pulse_tally"  # names signed answerers: cut once sent (domain.retention)
TALLY_LIFETIME = timedelta(days=3)  # the hosts' tally waits out an outage this long
JOBS = "pulse-"  # every job of this feature starts with it


def close_job(pulse_id: int) -> str:
    return f"pulse-{pulse_id}-close"


def remind_job(pulse_id: int) -> str:
    return f"pulse-{pulse_id}-remind"


def monthly_job(network_id: int) -> str:
    return f"pulse-monthly-{network_id}"


def after_job(network_id: int) -> str:
    return f"pulse-after-{network_id}"


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _year(ctx: Context) -> int:
    return ctx.clock.now().astimezone(ctx.settings.bot.tz).year


async def _languages(ctx: Context, user_ids: Iterable[int]) -> dict[int, Translator]:
    default = ctx.settings.bot.default_language
    chosen = await people.languages(ctx.database, user_ids)
    return {user: translator(pick_language(code, None, default)) for user, code in chosen.items()}


def _private(
    user_id: int,
    network_id: int,
    kind: str,
    text: str,
    buttons: list[list[Button]],
    expires_at: datetime,
    *,
    quiet: bool = False,
) -> NewDelivery:
    """`quiet`: at night, without a sound (a pulse is never urgent)."""
    return NewDelivery(
        chat_id=user_id,
        priority=priority("routine", group=False),
        kind=kind,
        method=MESSAGE,
        params=message(text, buttons) | ({"disable_notification": True} if quiet else {}),
        network_id=network_id,
        user_id=user_id,
        expires_at=expires_at,
    )


# --- starting -------------------------------------------------------------------------------


class Start(StrEnum):
    STARTED = "started"
    ALREADY_OPEN = "already_open"  # one pulse open per network at a time
    NOBODY = "nobody"  # no member to ask
    GONE = "gone"  # the network no longer exists


@dataclass(frozen=True)
class Started:
    outcome: Start
    pulse: Pulse | None = None  # the new one, or the one already open


async def to_ask(ctx: Context, network_id: int, by: int | None) -> list[int]:
    """Who a pulse of the network asks: its approved members, except the host who asks."""
    return [user for user in await store.members(ctx.database, network_id) if user != by]


async def start(ctx: Context, network_id: int, kind: str, by: int | None = None) -> Started:
    """Open a pulse of `network_id` and ask its members; `by`: the host who asked (audited),
    None for a scheduled one."""
    db = ctx.database
    network = await networks.get(db, network_id)
    if network is None:
        return Started(Start.GONE)
    open_now = await store.open_of(db, network_id)
    if open_now is not None:
        return Started(Start.ALREADY_OPEN, open_now)
    asked = await to_ask(ctx, network_id, by)
    if not asked:
        log.info("pulse of network %s not started (%s): nobody to ask", network_id, kind)
        return Started(Start.NOBODY)
    now = ctx.clock.now()
    closes = now + timedelta(days=ctx.settings.pulse.open_days)
    languages = await _languages(ctx, asked)
    tz, year = ctx.settings.bot.tz, _year(ctx)
    name = texts.network_name(network.name)

    def questions(pulse_id: int) -> list[NewDelivery]:
        opened_at, closes_at = store.stamp(now), store.stamp(closes)
        pulse = Pulse(pulse_id, network_id, kind, opened_at, closes_at, len(asked), None, None)
        items = []
        for user in asked:
            text, buttons = texts.question(languages[user], name, pulse, tz, this_year=year)
            items.append(
                _private(user, network_id, QUESTION, text, buttons, closes, quiet=at_night(now, tz))
            )
        return fit(items)

    pulse = await store.open_pulse(db, network_id, kind, asked, now, closes, questions)
    if pulse is None:  # another start came first
        return Started(Start.ALREADY_OPEN, await store.open_of(db, network_id))
    ctx.dispatcher.wake()
    log.info("pulse %s of network %s (%s) asks %d members", pulse.id, network_id, kind, len(asked))
    plan_pulse(ctx, pulse)
    if by is not None:
        await audit.record(ctx, by, audit.Act.PULSE_ASKED, network_id)
    return Started(Start.STARTED, pulse)


# --- answering ------------------------------------------------------------------------------


class Answered(StrEnum):
    SAVED = "saved"
    CLOSED = "closed"  # "deze peiling is gesloten"
    NOT_ASKED = "not_asked"  # not asked, or no longer a member
    GONE = "gone"  # no such pulse (any more)
    NO_ANSWER = "no_answer"  # words or a name before a mood
    TOO_LONG = "too_long"
    EMPTY = "empty"


async def _may_answer(ctx: Context, pulse_id: int, user_id: int) -> tuple[Answered, Pulse | None]:
    pulse = await store.get(ctx.database, pulse_id)
    if pulse is None:
        return Answered.GONE, None
    if not pulse.open_at(ctx.clock.now()):
        return Answered.CLOSED, pulse
    membership = await memberships.get(ctx.database, pulse.network_id, user_id)
    if (
        membership is None
        or membership.status != "approved"
        or not await store.was_asked(ctx.database, pulse.id, user_id)
    ):
        log.info("pulse %s: user %s may not answer it", pulse.id, user_id)
        return Answered.NOT_ASKED, pulse
    return Answered.SAVED, pulse


async def answer(ctx: Context, pulse_id: int, user_id: int, mood: str) -> Answered:
    """A member taps a mood (first, or to change it while the pulse is open)."""
    if mood not in texts.MOODS:
        return Answered.GONE
    outcome, _pulse = await _may_answer(ctx, pulse_id, user_id)
    if outcome is not Answered.SAVED:
        return outcome
    if not await store.save_mood(ctx.database, pulse_id, user_id, mood, ctx.clock.now()):
        return Answered.CLOSED
    return Answered.SAVED


async def may_add(ctx: Context, pulse_id: int, user_id: int) -> Answered:
    """Whether words or a name can be added now: asked, open, and a mood given."""
    outcome, _pulse = await _may_answer(ctx, pulse_id, user_id)
    if outcome is not Answered.SAVED:
        return outcome
    if await store.answer_of(ctx.database, pulse_id, user_id) is None:
        return Answered.NO_ANSWER
    return Answered.SAVED


def clean_words(text: str) -> str:
    """Typed words on one line, without runs of spaces."""
    return " ".join(text.split())


async def add_words(ctx: Context, pulse_id: int, user_id: int, text: str) -> Answered:
    words = clean_words(text)
    if not words:
        return Answered.EMPTY
    if len(words) > texts.WORDS_MAX:
        return Answered.TOO_LONG
    outcome = await may_add(ctx, pulse_id, user_id)
    if outcome is not Answered.SAVED:
        return outcome
    changed = await store.change_answer(
        ctx.database, pulse_id, user_id, ctx.clock.now(), words=words
    )
    return Answered.SAVED if changed else Answered.CLOSED


async def sign(ctx: Context, pulse_id: int, user_id: int, signed: bool) -> Answered:
    outcome = await may_add(ctx, pulse_id, user_id)
    if outcome is not Answered.SAVED:
        return outcome
    changed = await store.change_answer(
        ctx.database, pulse_id, user_id, ctx.clock.now(), signed=int(signed)
    )
    return Answered.SAVED if changed else Answered.CLOSED


async def card(
    ctx: Context, _: Translator, pulse_id: int, user_id: int
) -> tuple[str, list[list[Button]]] | None:
    """The member's card after answering; None when there is no answer of theirs."""
    pulse = await store.get(ctx.database, pulse_id)
    found = await store.answer_of(ctx.database, pulse_id, user_id)
    if pulse is None or found is None:
        return None
    return texts.card(_, pulse, found, ctx.settings.bot.tz, this_year=_year(ctx))


# --- the reminder and the closing -----------------------------------------------------------


def remind_at(pulse: Pulse, settings_remind: bool) -> datetime | None:
    """A day before closing, for a pulse open two days or more; None: no reminder."""
    opened, closes = _at(pulse.opened_at), _at(pulse.closes_at)
    if not settings_remind or closes - opened < timedelta(days=2):
        return None
    return closes - timedelta(days=1)


def plan_pulse(ctx: Context, pulse: Pulse) -> None:
    """The jobs of an open pulse: its reminder and its closing."""
    ctx.jobs.at(close_job(pulse.id), _at(pulse.closes_at), functools.partial(close, ctx), pulse.id)
    at = remind_at(pulse, ctx.settings.pulse.remind)
    if at is not None and pulse.reminded_at is None:
        ctx.jobs.at(remind_job(pulse.id), at, functools.partial(remind, ctx), pulse.id)


async def remind(ctx: Context, pulse_id: int) -> int:
    """The reminder step: once, when due, to who was asked and did not answer; how many."""
    db = ctx.database
    pulse = await store.get(db, pulse_id)
    now = ctx.clock.now()
    at = remind_at(pulse, ctx.settings.pulse.remind) if pulse is not None else None
    if pulse is None or at is None or pulse.reminded_at is not None or not pulse.open_at(now):
        return 0
    if now < at:  # run early: wait for its moment
        ctx.jobs.at(remind_job(pulse.id), at, functools.partial(remind, ctx), pulse.id)
        return 0
    waiting = await store.not_answered(db, pulse.id)
    network = await networks.get(db, pulse.network_id)
    name = texts.network_name(network.name if network else "?")
    languages = await _languages(ctx, waiting)
    tz, year, closes = ctx.settings.bot.tz, _year(ctx), _at(pulse.closes_at)
    items = []
    for user in waiting:
        text, buttons = texts.reminder(languages[user], name, pulse, tz, this_year=year)
        items.append(
            _private(
                user, pulse.network_id, REMINDER, text, buttons, closes, quiet=at_night(now, tz)
            )
        )
    if not await store.mark_reminded(db, pulse.id, now, fit(items)):
        return 0
    ctx.dispatcher.wake()
    log.info("pulse %s: reminded %d members who did not answer", pulse.id, len(items))
    return len(items)


async def close(ctx: Context, pulse_id: int) -> bool:
    """The closing step: when due, the tally to the network's hosts, the answers unlinked from
    who gave them (unless signed). True when it closed the pulse now."""
    db = ctx.database
    pulse = await store.get(db, pulse_id)
    if pulse is None or not pulse.is_open:
        return False
    now = ctx.clock.now()
    if now < _at(pulse.closes_at):  # run early: wait for its moment
        plan_pulse(ctx, pulse)
        return False
    given = await store.answers(db, pulse.id)
    names: dict[int, str] = {}
    for found in given:
        if found.signed and found.user_id is not None:
            membership = await memberships.get(db, pulse.network_id, found.user_id)
            if membership is not None and membership.display_name:
                names[found.user_id] = membership.display_name
    network = await networks.get(db, pulse.network_id)
    name = texts.network_name(network.name if network else "?")
    hosts = [m.user_id for m in await memberships.hosts_of(db, pulse.network_id)]
    languages = await _languages(ctx, hosts)
    tz, year = ctx.settings.bot.tz, _year(ctx)
    items = [
        _private(
            host,
            pulse.network_id,
            TALLY,
            texts.tally(languages[host], name, pulse, given, names, tz, this_year=year),
            [],
            now + TALLY_LIFETIME,
            quiet=at_night(now, tz),
        )
        for host in hosts
    ]
    if not await store.close(db, pulse.id, now, fit(items)):
        return False
    ctx.jobs.cancel(remind_job(pulse.id))
    if items:
        ctx.dispatcher.wake()
    else:
        log.warning("pulse %s closed; network %s has no host for its tally", pulse.id, network)
    log.info("pulse %s closed: %d answers, tally to %d hosts", pulse.id, len(given), len(hosts))
    return True


# --- schedules ------------------------------------------------------------------------------


def moment_on(ctx: Context, day: date) -> datetime:
    """`[pulse] hour` o'clock local time on `day`."""
    tz = ctx.settings.bot.tz
    return datetime.combine(day, time(ctx.settings.pulse.hour), tzinfo=tz)


def next_monthly(ctx: Context, now: datetime) -> datetime:
    """The first day of the next month, at `[pulse] hour`."""
    local = now.astimezone(ctx.settings.bot.tz).date()
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return moment_on(ctx, date(year, month, 1))


def after_incident_moment(ctx: Context, closed_at: datetime) -> datetime:
    """`[pulse] after_incident_days` after an alert closed, at `[pulse] hour`."""
    local = closed_at.astimezone(ctx.settings.bot.tz).date()
    return moment_on(ctx, local + timedelta(days=ctx.settings.pulse.after_incident_days))


def _plan_monthly(ctx: Context, network_id: int, at: datetime) -> None:
    ctx.jobs.cancel(monthly_job(network_id))
    ctx.jobs.at(monthly_job(network_id), at, functools.partial(monthly, ctx), network_id)


def _plan_after(ctx: Context, network_id: int, at: datetime) -> None:
    ctx.jobs.cancel(after_job(network_id))
    ctx.jobs.at(after_job(network_id), at, functools.partial(after_incident, ctx), network_id)


async def switch_monthly(ctx: Context, network_id: int, on: bool, by: int) -> Schedule:
    """A host switches the monthly pulse on (the first on the 1st of next month) or off."""
    now = ctx.clock.now()
    next_at = next_monthly(ctx, now) if on else None
    await store.set_monthly(ctx.database, network_id, on, next_at)
    if next_at is not None:
        _plan_monthly(ctx, network_id, next_at)
    else:
        ctx.jobs.cancel(monthly_job(network_id))
    act = audit.Act.PULSE_MONTHLY_ON if on else audit.Act.PULSE_MONTHLY_OFF
    await audit.record(ctx, by, act, network_id)
    log.info("network %s: monthly pulse switched %s by %s", network_id, "on" if on else "off", by)
    return await store.schedule_of(ctx.database, network_id)


async def switch_after_incident(ctx: Context, network_id: int, on: bool, by: int) -> Schedule:
    """A host switches the pulse after an alert closes on or off (on by default)."""
    await store.set_after_incident(ctx.database, network_id, on)
    if not on:
        ctx.jobs.cancel(after_job(network_id))
    act = audit.Act.PULSE_AFTER_ALERT_ON if on else audit.Act.PULSE_AFTER_ALERT_OFF
    await audit.record(ctx, by, act, network_id)
    log.info("network %s: pulse after alerts switched %s by %s", network_id, on, by)
    return await store.schedule_of(ctx.database, network_id)


async def after_incident_closed(ctx: Context, network_ids: Iterable[int]) -> None:
    """An alert to these networks closed: where the networks have it on, a pulse follows a
    few days later (a later alert moves it later: one pulse after a busy week)."""
    at = after_incident_moment(ctx, ctx.clock.now())
    for network_id in dict.fromkeys(network_ids):
        if await store.plan_after_incident(ctx.database, network_id, at):
            planned = (await store.schedule_of(ctx.database, network_id)).after_incident_at
            if planned is not None:
                _plan_after(ctx, network_id, _at(planned))
                log.info("network %s: pulse after the alert due %s", network_id, planned)


async def monthly(ctx: Context, network_id: int) -> bool:
    """The monthly step: when due, a pulse (unless one is open) and the next month planned."""
    schedule = await store.schedule_of(ctx.database, network_id)
    if not schedule.monthly or schedule.next_monthly_at is None:
        return False
    now = ctx.clock.now()
    due = _at(schedule.next_monthly_at)
    if now < due:
        _plan_monthly(ctx, network_id, due)
        return False
    next_at = next_monthly(ctx, now)
    if not await store.take_monthly(ctx.database, network_id, now, next_at):
        return False
    _plan_monthly(ctx, network_id, next_at)
    started = await start(ctx, network_id, "monthly")
    log.info("network %s: monthly pulse %s", network_id, started.outcome)
    return started.outcome is Start.STARTED


async def after_incident(ctx: Context, network_id: int) -> bool:
    """The step after an alert: when due, a pulse (unless one is open already)."""
    schedule = await store.schedule_of(ctx.database, network_id)
    if not schedule.after_incident or schedule.after_incident_at is None:
        return False
    now = ctx.clock.now()
    due = _at(schedule.after_incident_at)
    if now < due:
        _plan_after(ctx, network_id, due)
        return False
    if not await store.take_after_incident(ctx.database, network_id, now):
        return False
    started = await start(ctx, network_id, "after_incident")
    log.info("network %s: pulse after an alert %s", network_id, started.outcome)
    return started.outcome is Start.STARTED


async def plan_all(ctx: Context) -> None:
    """At start: every open pulse's reminder and closing, every schedule's next pulse (what
    fell due while the bot was down runs now, once)."""
    for pulse in await store.open_pulses(ctx.database):
        plan_pulse(ctx, pulse)
    for schedule in await store.schedules(ctx.database):
        if schedule.monthly and schedule.next_monthly_at:
            _plan_monthly(ctx, schedule.network_id, _at(schedule.next_monthly_at))
        if schedule.after_incident and schedule.after_incident_at:
            _plan_after(ctx, schedule.network_id, _at(schedule.after_incident_at))


# --- /pulse for the hosts -------------------------------------------------------------------


async def overview(
    ctx: Context, _: Translator, network_id: int, page: int
) -> tuple[str, list[list[Button]]] | None:
    """One network's pulses for its hosts: what is open, the schedule, the earlier ones as a
    table (a page at a time); None when the network is gone."""
    db = ctx.database
    network = await networks.get(db, network_id)
    if network is None:
        return None
    total = await store.count(db, network_id)
    pages = max(1, -(-total // texts.PER_PAGE))
    page = min(max(page, 0), pages - 1)
    past = await store.history(db, network_id, offset=page * texts.PER_PAGE, limit=texts.PER_PAGE)
    open_now = await store.open_of(db, network_id)
    now_open = (open_now, await store.answered_count(db, open_now.id)) if open_now else None
    schedule = await store.schedule_of(db, network_id)
    due = schedule.after_incident_at
    if due is not None and _at(due) <= ctx.clock.now():  # its job is about to start it
        schedule = dataclasses.replace(schedule, after_incident_at=None)
    tz, year = ctx.settings.bot.tz, _year(ctx)
    text = texts.overview(
        _,
        texts.network_name(network.name),
        now_open,
        schedule,
        past,
        tz,
        this_year=year,
        first=page * texts.PER_PAGE,
        total=total,
    )
    buttons = texts.overview_buttons(
        _, network_id, can_ask=open_now is None, schedule=schedule, page=page, pages=pages
    )
    return text, buttons

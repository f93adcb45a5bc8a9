"""The timeline of a meal meeting: poll, reminders, headcount, the day before, and afterwards who
came; the answers from the poll; the reminders of agreed actions.

Every step checks the database, claims itself there together with the messages it queues (all
through the outbox, at routine priority) and so happens at most once, across restarts. Each
meeting has one job on the scheduler for its next step (`meeting-<id>`); `catch_up` rebuilds
them from the database at start, and what was missed runs once if it still makes sense
(`domain.meetings.due_steps`). The words are in `domain.meeting_texts`; the Telegram side (poll
answers, the answer and attendance buttons, the sweep) in `handlers.meeting_timeline`.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from datetime import datetime, timedelta

from bot import supervise
from bot.i18n import translator
from bot.outbox import fit
from domain import meeting_texts as texts
from domain import meetings as rules
from domain.context import Context
from domain.meetings import ActionStep, Step
from domain.notify import language_of
from domain.ports import CLOSE_POLL, MESSAGE, POLL, VENUE, Sent, message
from storage import actions as action_store
from storage import early_votes, group_chats, memberships, networks
from storage import meetings as store
from storage.actions import AgreedAction
from storage.deliveries import Delivery, NewDelivery, priority
from storage.meetings import Meeting

log = logging.getLogger(__name__)

ROUTINE_GROUP = priority("routine", group=True)
ROUTINE_PRIVATE = priority("routine", group=False)
POLL_KIND = "meeting_poll"


# --- what every step needs -----------------------------------------------------------------------


def until_start(meeting: Meeting, items: list[NewDelivery]) -> list[NewDelivery]:
    """Messages about a meeting are worth sending, through any outage, until it begins."""
    return [replace(item, expires_at=item.expires_at or meeting.start) for item in items]


def _leads(meeting: Meeting) -> rules.Leads:
    return rules.Leads(meeting.poll_days, meeting.remind_days, meeting.deadline_days)


def timeline_of(ctx: Context, meeting: Meeting) -> dict[Step, datetime]:
    return rules.timeline(
        meeting.start,
        datetime.fromisoformat(meeting.planned_at),
        ctx.settings.bot.tz,
        _leads(meeting),
    )


async def answers_closed(ctx: Context, meeting: Meeting) -> bool:
    """After the deadline (or once the poll was closed) answers no longer change the count."""
    if not meeting.is_planned:
        return True
    done = await store.steps_done(ctx.database, meeting.id, meeting.round)
    return Step.deadline in done or ctx.clock.now() >= timeline_of(ctx, meeting)[Step.deadline]


async def network_name(ctx: Context, network_id: int) -> str:
    network = await networks.get(ctx.database, network_id)
    return network.name if network else "?"


async def hosts(ctx: Context, network_id: int) -> list[int]:
    found = [m.user_id for m in await memberships.hosts_of(ctx.database, network_id)]
    return found or list(ctx.settings.access.coordinators)


def private(user_id: int, network_id: int, kind: str, params: dict[str, object]) -> NewDelivery:
    """A routine message to one person about their network's meetings."""
    return NewDelivery(
        chat_id=user_id,
        priority=ROUTINE_PRIVATE,
        kind=kind,
        method=MESSAGE,
        params=params,
        network_id=network_id,
        user_id=user_id,
    )


# --- the steps -----------------------------------------------------------------------------------


async def run_due(ctx: Context, meeting_id: int) -> list[Step]:
    """Take the steps of one meeting that are due by our clock; each at most once per round."""
    meeting = await store.get(ctx.database, meeting_id)
    if meeting is None or not meeting.is_planned:
        return []
    steps = timeline_of(ctx, meeting)
    done = await store.steps_done(ctx.database, meeting.id, meeting.round)
    taken = []
    for step in rules.due_steps(steps, meeting.start, done, ctx.clock.now()):
        took = await STEPS[step](ctx, meeting)
        if took:
            taken.append(step)
    if Step.poll in done or Step.poll in taken:
        if ctx.clock.now() >= steps[Step.deadline]:
            await close_polls(ctx, meeting)  # also when the deadline step itself was skipped
    if taken:
        log.info("meeting %s round %s: %s", meeting.id, meeting.round, ", ".join(taken))
        ctx.dispatcher.wake()
    return taken


async def _poll(ctx: Context, meeting: Meeting) -> bool:
    """The native poll in the group (non-anonymous), and answer buttons to every member."""
    tz = ctx.settings.bot.tz
    name = await network_name(ctx, meeting.network_id)
    group_ = translator(ctx.settings.bot.default_language)
    question = texts.poll_question(group_, name, meeting, tz)
    items = [
        NewDelivery(
            chat_id=chat.chat_id,
            priority=ROUTINE_GROUP,
            kind=f"{POLL_KIND}:{meeting.id}:{meeting.round}",
            method=POLL,
            params={
                "question": str(question)[:300],
                "options": [{"text": str(texts.answer_name(group_, a))} for a in rules.ANSWERS],
                "is_anonymous": False,
            },
            network_id=meeting.network_id,
        )
        for chat in await group_chats.for_network(ctx.database, meeting.network_id)
    ]
    for person in await store.answers(ctx.database, meeting):
        _ = await language_of(ctx, person.user_id)
        text = texts.poll_invitation_text(_, name, meeting, tz)
        buttons = texts.answer_buttons(_, meeting.id, person.answer)
        items.append(
            private(
                person.user_id, meeting.network_id, "meeting_invitation", message(text, buttons)
            )
        )
    items = until_start(meeting, items)
    return await store.take_step(ctx.database, meeting, Step.poll, items, ctx.clock.now())


async def _remind(ctx: Context, meeting: Meeting) -> bool:
    """Who has not answered: privately with buttons, and named in the group."""
    tz = ctx.settings.bot.tz
    name = await network_name(ctx, meeting.network_id)
    silent = [p for p in await store.answers(ctx.database, meeting) if p.answer is None]
    items = []
    for person in silent:
        _ = await language_of(ctx, person.user_id)
        text = texts.reminder_text(_, name, meeting, tz)
        buttons = texts.answer_buttons(_, meeting.id)
        items.append(
            private(person.user_id, meeting.network_id, "meeting_reminder", message(text, buttons))
        )
    if silent:
        group_ = translator(ctx.settings.bot.default_language)
        text = texts.silent_in_group_text(group_, meeting, silent, tz)
        for chat in await group_chats.for_network(ctx.database, meeting.network_id):
            items.append(
                NewDelivery(
                    chat_id=chat.chat_id,
                    priority=ROUTINE_GROUP,
                    kind="meeting_reminder_group",
                    method=MESSAGE,
                    params=message(text),
                    network_id=meeting.network_id,
                )
            )
    items = until_start(meeting, fit(items))
    return await store.take_step(ctx.database, meeting, Step.remind, items, ctx.clock.now())


async def close_polls(ctx: Context, meeting: Meeting) -> int:
    """Close each open poll of the meeting (once: the poll is marked closed with it)."""

    def build(poll: store.Poll) -> NewDelivery:
        return NewDelivery(
            chat_id=poll.chat_id,
            priority=ROUTINE_GROUP,
            kind="meeting_poll_close",
            method=CLOSE_POLL,
            params={"message_id": poll.message_id},
            network_id=meeting.network_id,
            expires_at=meeting.start,
        )

    closed = await store.close_polls(ctx.database, meeting.id, build, ctx.clock.now())
    if closed:
        ctx.dispatcher.wake()
    return closed


async def _deadline(ctx: Context, meeting: Meeting) -> bool:
    """The poll closes; the hosts get the headcount with the diets for the caterer."""
    tz = ctx.settings.bot.tz
    name = await network_name(ctx, meeting.network_id)
    people = await store.answers(ctx.database, meeting)
    topics = await store.topics(ctx.database, meeting)
    items = []
    for host in await hosts(ctx, meeting.network_id):
        _ = await language_of(ctx, host)
        text = texts.headcount_text(_, name, meeting, people, tz, topics)
        items.append(private(host, meeting.network_id, "meeting_headcount", message(text)))
    items = until_start(meeting, fit(items))
    took = await store.take_step(ctx.database, meeting, Step.deadline, items, ctx.clock.now())
    if took:
        await close_polls(ctx, meeting)
    return took


async def _day_before(ctx: Context, meeting: Meeting) -> bool:
    """Everyone coming: time, venue (as a place on the map when we know where it is), agenda."""
    tz = ctx.settings.bot.tz
    name = await network_name(ctx, meeting.network_id)
    topics = await store.topics(ctx.database, meeting)
    earlier = await action_store.open_from_before(ctx.database, meeting.network_id, meeting.id)
    items = []
    for person in await store.answers(ctx.database, meeting):
        if person.answer != "yes":
            continue
        _ = await language_of(ctx, person.user_id)
        text = texts.day_before_text(_, name, meeting, tz, topics, earlier)
        items.append(
            private(person.user_id, meeting.network_id, "meeting_day_before", message(text))
        )
        if meeting.latitude is not None and meeting.longitude is not None:
            items.append(
                NewDelivery(
                    chat_id=person.user_id,
                    priority=ROUTINE_PRIVATE,
                    kind="meeting_venue",
                    method=VENUE,
                    params={
                        "latitude": meeting.latitude,
                        "longitude": meeting.longitude,
                        "title": str(texts.venue_title(_, meeting))[:100],
                        "address": meeting.address or "",
                    },
                    network_id=meeting.network_id,
                    user_id=person.user_id,
                )
            )
    items = until_start(meeting, fit(items))
    return await store.take_step(ctx.database, meeting, Step.day_before, items, ctx.clock.now())


async def _follow_up(ctx: Context, meeting: Meeting) -> bool:
    """Afterwards: a host confirms who came, starting from the Yes answers."""
    tz = ctx.settings.bot.tz
    name = await network_name(ctx, meeting.network_id)
    people = [
        replace(p, attended=p.answer == "yes" if p.attended is None else p.attended)
        for p in await store.answers(ctx.database, meeting)
    ]
    items = []
    for host in await hosts(ctx, meeting.network_id):
        _ = await language_of(ctx, host)
        params = message(
            texts.attended_text(_, name, meeting, tz), texts.attended_buttons(_, meeting.id, people)
        )
        items.append(private(host, meeting.network_id, "meeting_follow_up", params))
    return await store.take_step(
        ctx.database, meeting, Step.follow_up, fit(items), ctx.clock.now(), prefill_attended=True
    )


STEPS = {
    Step.poll: _poll,
    Step.remind: _remind,
    Step.deadline: _deadline,
    Step.day_before: _day_before,
    Step.follow_up: _follow_up,
}


# --- agreed actions: the owner's reminders, the hosts' overdue notice ----------------------------


async def run_action_due(ctx: Context, action_id: int) -> list[ActionStep]:
    action = await action_store.get(ctx.database, action_id)
    if action is None or not action.is_open:
        return []
    tz = ctx.settings.bot.tz
    steps = rules.action_timeline(action.due, datetime.fromisoformat(action.created_at), tz)
    done = await action_store.steps_done(ctx.database, action.id)
    taken = []
    for step in rules.action_due_steps(steps, action.due, done, ctx.clock.now(), tz):
        items = []
        if step is ActionStep.overdue:
            for host in await hosts(ctx, action.network_id):
                _ = await language_of(ctx, host)
                text = texts.overdue_text(_, action, tz)
                items.append(private(host, action.network_id, "action_overdue", message(text)))
        elif action.owner_id is not None:
            _ = await language_of(ctx, action.owner_id)
            params = message(
                texts.action_reminder_text(_, action), texts.action_buttons(_, action.id)
            )
            items.append(private(action.owner_id, action.network_id, "action_reminder", params))
        if await action_store.take_step(ctx.database, action.id, step, fit(items), ctx.clock.now()):
            taken.append(step)
    if taken:
        ctx.dispatcher.wake()
    return taken


# --- scheduling ----------------------------------------------------------------------------------


def job_name(meeting_id: int) -> str:
    return f"meeting-{meeting_id}"


async def schedule(ctx: Context, meeting_id: int) -> None:
    """One precise job for the meeting's next step (replacing an older one)."""
    name = job_name(meeting_id)
    ctx.jobs.cancel(name)
    meeting = await store.get(ctx.database, meeting_id)
    if meeting is None or not meeting.is_planned:
        return
    done = await store.steps_done(ctx.database, meeting.id, meeting.round)
    now = ctx.clock.now()
    steps = timeline_of(ctx, meeting)
    upcoming = rules.next_due(steps, done, now)
    if upcoming is not None:
        ctx.jobs.at(name, upcoming, functools.partial(run_and_schedule, ctx), meeting_id)
    # The sweep's next look: now again when a due step did not happen, else the next step.
    stuck = rules.due_steps(steps, meeting.start, done, now)
    await store.set_next_look(ctx.database, meeting.id, now if stuck else upcoming or store.NEVER)


async def run_and_schedule(ctx: Context, meeting_id: int) -> None:
    """The meeting's job, and after a change (planned, moved): take what is due now, then
    wait for the next step."""
    await run_due(ctx, meeting_id)
    await schedule(ctx, meeting_id)


async def catch_up(ctx: Context, *, at_start: bool = False) -> None:
    """Every meeting and open action: what fell due (also while we were away) runs once if it
    still makes sense; the next steps are scheduled. At start every meeting with a step ahead
    gets its job; after that, each minute, only those whose next look has come."""

    async def meeting_steps(meeting: Meeting) -> None:
        await run_and_schedule(ctx, meeting.id)

    async def action_steps(action: AgreedAction) -> None:
        await run_action_due(ctx, action.id)

    # One meeting that fails (a bug, a busy database) does not hold up the others.
    await supervise.each(
        "meeting timeline", await _needing_a_look(ctx, at_start), meeting_steps, _meeting_name
    )
    await supervise.each(
        "meeting timeline", await action_store.still_open(ctx.database), action_steps, _action_name
    )


async def _needing_a_look(ctx: Context, at_start: bool) -> list[Meeting]:
    """The meetings whose next look (`next_look_at`: their next step, or now when a due step
    did not happen) has come, by index, plus at start those with a step ahead, for their job.
    Meetings stay running until a host confirms who came; the minute's sweep does not read
    them once every step is behind them."""
    now = ctx.clock.now()
    until = store.NEVER - timedelta(seconds=1) if at_start else now
    return await store.to_look_at(ctx.database, until)


def _meeting_name(meeting: Meeting) -> str:
    return f"meeting {meeting.id}"


def _action_name(action: AgreedAction) -> str:
    return f"action {action.id}"


# --- answers from the poll -----------------------------------------------------------------------


async def on_delivery(ctx: Context, delivery: Delivery, outcome: str, sent: Sent | None) -> None:
    """A delivery listener: a sent poll is recorded, so its answers find the meeting; the
    votes that came before it was recorded count now."""
    if not delivery.kind.startswith(f"{POLL_KIND}:") or outcome != "sent" or sent is None:
        return
    if sent.poll_id is None:
        return
    _kind, meeting_id, round_ = delivery.kind.split(":")
    await store.record_poll(
        ctx.database,
        sent.poll_id,
        int(meeting_id),
        int(round_),
        sent.chat_id,
        sent.message_id,
    )
    recorded = await store.poll(ctx.database, sent.poll_id)
    for vote in await early_votes.take(ctx.database, sent.poll_id):
        if recorded is not None:
            await count_vote(ctx, recorded, vote.user_id, vote.option_ids)
    meeting = await store.get(ctx.database, int(meeting_id))
    if meeting is not None and (meeting.round != int(round_) or await answers_closed(ctx, meeting)):
        await close_polls(ctx, meeting)  # it went out after its time: close it at once


async def vote(ctx: Context, poll_id: str, user_id: int, option_ids: list[int]) -> None:
    """A vote in a meeting's poll (none chosen: retracted). A vote in a poll not recorded yet
    is kept and counted when it is (`on_delivery`) — nobody waits meanwhile."""
    poll = await store.poll(ctx.database, poll_id)
    if poll is None:
        await early_votes.keep(ctx.database, poll_id, user_id, option_ids, ctx.clock.now())
        return
    await count_vote(ctx, poll, user_id, option_ids)


async def count_vote(ctx: Context, poll: store.Poll, user_id: int, option_ids: list[int]) -> None:
    """A member's vote in a meeting's poll becomes their answer, while answers are open."""
    meeting = await store.get(ctx.database, poll.meeting_id)
    if meeting is None or poll.closed_at is not None or poll.round != meeting.round:
        log.info("vote on closed poll %s by %s ignored", poll.poll_id, user_id)
        return
    if await answers_closed(ctx, meeting):
        log.info("vote after the deadline of meeting %s ignored", meeting.id)
        return
    membership = await memberships.get(ctx.database, meeting.network_id, user_id)
    if membership is None or membership.status != "approved":
        log.info("vote by non-member %s on meeting %s ignored", user_id, meeting.id)
        return
    chosen = rules.ANSWERS[option_ids[0]] if option_ids else None
    await store.set_answer(ctx.database, meeting.id, user_id, chosen, ctx.clock.now())

"""The timeline of a meal meeting: the poll, reminders, headcount, the day before, and afterwards
who came; the answers and the live count in the group; the reminders of agreed actions.

Every step checks the database, claims itself there together with the messages it queues (all
through the outbox, at routine priority) and so happens at most once, across restarts. Each
meeting has one job on the scheduler for its next step (`meeting-<id>`); `catch_up` rebuilds
them from the database at start, and what was missed runs once if it still makes sense
(`domain.meetings.due_steps`). The words are in `domain.meeting_texts`; the Telegram side (the
answer and attendance buttons, the sweep) in `handlers.meeting_timeline`.

**One truthful count.** The group does not get Telegram's native poll but one message of the
bot's own: the meeting, the numbers (coming, maybe, not coming, not heard from yet) and Yes /
No / Maybe buttons. Why: a native poll counts only the votes cast in it, and the Bot API cannot
add a vote to it, so a "maybe" given in the private chat would never show there – the group
would read "Maybe 0" while the hosts' headcount says 1. A non-anonymous poll also shows the
whole group who answered what, and who did not (issue 10: the group sees numbers, the hosts
the names). So the answers have one record (`attendance`), whatever button set them – in the
group or privately – and everything that shows them is rendered from it: the group's count,
the marked button in a member's private messages, the hosts' headcount.

The count is kept true by editing it (`refresh_answers`): every sent message with answer
buttons is recorded (`storage.answer_messages`), an answer marks it stale, and one job a few
seconds later (`REFRESH_PAUSE`: many answers, one edit, within Telegram's limits for a group)
edits what changed through the editor port. What Telegram does not take now stays stale and is
tried again; the sweep and the start look too, so an outage or a restart loses no update. The
week-before reminder posts a fresh count at the bottom of the group (the older one then points
to it); at the deadline, a move or a cancellation each count shows its final state without
buttons.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from datetime import datetime, timedelta
from enum import StrEnum

from bot import supervise
from bot.i18n import translator
from bot.outbox import fit
from domain import meeting_texts as texts
from domain import meetings as rules
from domain.context import Context
from domain.meetings import ActionStep, Step
from domain.notify import language_of
from domain.ports import CLOSE_POLL, MESSAGE, VENUE, Sent, buttons_of, message
from storage import actions as action_store
from storage import answer_messages, group_chats, memberships, networks
from storage import meetings as store
from storage.actions import AgreedAction
from storage.answer_messages import AnswerMessage
from storage.deliveries import Delivery, NewDelivery, priority
from storage.meetings import Answer, Meeting

log = logging.getLogger(__name__)

ROUTINE_GROUP = priority("routine", group=True)
ROUTINE_PRIVATE = priority("routine", group=False)
# The group's count with answer buttons is the meeting's poll now; the kind keeps its name, so
# the dispatcher sends it with the care of a message that must exist once (`MUST_BE_ONCE`).
POLL_KIND = "meeting_poll"
REFRESH_JOB = "meeting-counts"
REFRESH_PAUSE = timedelta(seconds=3)  # answers within this pause make one edit of a count
RETRY_PAUSE = timedelta(seconds=10)  # after an edit Telegram did not take
FAILURES_IN_A_ROW = 3  # edits not taken in a row: Telegram is not answering, the rest waits
STALE_AT_ONCE = 200  # messages brought up to date in one look


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
        else:
            await _replace_native_polls(ctx, meeting, reminded=Step.remind in done)
    if taken:
        log.info("meeting %s round %s: %s", meeting.id, meeting.round, ", ".join(taken))
        ctx.dispatcher.wake()
    return taken


def this_year(ctx: Context) -> int:
    """The year it is in the network's time zone: dates in it are said without the year."""
    return ctx.clock.now().astimezone(ctx.settings.bot.tz).year


async def _poll(ctx: Context, meeting: Meeting) -> bool:
    """The count with answer buttons in the group, and answer buttons to every member."""
    tz = ctx.settings.bot.tz
    name = await network_name(ctx, meeting.network_id)
    people = await store.answers(ctx.database, meeting)
    items = await counts_for_groups(ctx, meeting, people, reminded=False)
    for person in people:
        _ = await language_of(ctx, person.user_id)
        text = texts.poll_invitation_text(_, name, meeting, tz, this_year=this_year(ctx))
        buttons = texts.answer_buttons(_, meeting.id, person.answer)
        items.append(
            private(
                person.user_id, meeting.network_id, "meeting_invitation", message(text, buttons)
            )
        )
    items = until_start(meeting, items)
    return await store.take_step(ctx.database, meeting, Step.poll, items, ctx.clock.now())


async def counts_for_groups(
    ctx: Context, meeting: Meeting, people: list[Answer], *, reminded: bool
) -> list[NewDelivery]:
    """The count for each group chat of the meeting's network, in the group's language."""
    group_ = translator(ctx.settings.bot.default_language)
    name = await network_name(ctx, meeting.network_id)
    text = texts.count_text(
        group_,
        name,
        meeting,
        ctx.settings.bot.tz,
        people,
        reminded=reminded,
        this_year=this_year(ctx),
    )
    buttons = texts.answer_buttons(group_, meeting.id)
    return [
        NewDelivery(
            chat_id=chat.chat_id,
            priority=ROUTINE_GROUP,
            kind=f"{POLL_KIND}:{meeting.id}:{meeting.round}",
            method=MESSAGE,
            params=message(text, buttons),
            network_id=meeting.network_id,
            expires_at=meeting.start,
        )
        for chat in await group_chats.for_network(ctx.database, meeting.network_id)
    ]


async def _remind(ctx: Context, meeting: Meeting) -> bool:
    """Who has not answered is asked privately, with buttons; the group gets a fresh count at
    the bottom of the chat (numbers only: nobody is named in the group)."""
    tz = ctx.settings.bot.tz
    name = await network_name(ctx, meeting.network_id)
    people = await store.answers(ctx.database, meeting)
    silent = [p for p in people if p.answer is None]
    items = []
    for person in silent:
        _ = await language_of(ctx, person.user_id)
        text = texts.reminder_text(_, name, meeting, tz, this_year=this_year(ctx))
        buttons = texts.answer_buttons(_, meeting.id)
        items.append(
            private(person.user_id, meeting.network_id, "meeting_reminder", message(text, buttons))
        )
    if silent:
        items += await counts_for_groups(ctx, meeting, people, reminded=True)
    items = until_start(meeting, fit(items))
    return await store.take_step(ctx.database, meeting, Step.remind, items, ctx.clock.now())


async def _replace_native_polls(ctx: Context, meeting: Meeting, *, reminded: bool) -> None:
    """A native poll an earlier version sent is stopped, and the count takes its place (once:
    the count is queued with the poll's closing)."""
    if not await store.open_polls(ctx.database, meeting.id):
        return
    people = await store.answers(ctx.database, meeting)
    counts = await counts_for_groups(ctx, meeting, people, reminded=reminded)
    if await close_polls(ctx, meeting, also=counts):
        log.info("meeting %s: its native poll makes way for the count", meeting.id)


async def close_polls(ctx: Context, meeting: Meeting, also: list[NewDelivery] | None = None) -> int:
    """Answers are closed (the deadline), or the meeting moved or was cancelled: each count
    shows its final state, and a native poll an earlier version sent is stopped (once: the
    poll is marked closed with it, and `also` is queued with the first that is)."""
    if await answer_messages.mark_all_stale(ctx.database, meeting.id):
        kick(ctx)

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

    closed = await store.close_polls(
        ctx.database, meeting.id, build, ctx.clock.now(), also=also or []
    )
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
        text = texts.headcount_text(_, name, meeting, people, tz, topics, this_year=this_year(ctx))
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
        text = texts.day_before_text(
            _, name, meeting, tz, topics, earlier, this_year=this_year(ctx)
        )
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
                        # A pin without an address: Telegram requires one, so the place itself.
                        "address": meeting.address
                        or f"{meeting.latitude:.5f}, {meeting.longitude:.5f}",
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
            texts.attended_text(_, name, meeting, tz, this_year=this_year(ctx)),
            texts.attended_buttons(_, meeting.id, people),
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
                text = texts.overdue_text(_, action, tz, this_year=this_year(ctx))
                items.append(private(host, action.network_id, "action_overdue", message(text)))
        elif action.owner_id is not None:
            _ = await language_of(ctx, action.owner_id)
            params = message(
                texts.action_reminder_text(_, action, this_year=this_year(ctx)),
                texts.action_buttons(_, action.id),
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
    # Members come and go (approved, taken out, left): "not heard from yet" is looked at again.
    if await answer_messages.mark_groups_stale(ctx.database) or at_start:
        if await answer_messages.any_stale(ctx.database):
            kick(ctx, timedelta(0) if at_start else REFRESH_PAUSE)


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


# --- answers and the live count ----------------------------------------------------------------


class Answered(StrEnum):
    NOTED = "noted"
    NO_MEETING = "no_meeting"
    CANCELLED = "cancelled"
    CLOSED = "closed"  # after the deadline: the hosts have the headcount
    NOT_A_MEMBER = "not_a_member"
    LEFT = "left"  # taken out of the network, or left: their old buttons no longer work


async def answer(ctx: Context, meeting_id: int, user_id: int, chosen: str) -> Answered:
    """A member's answer, from a button in the group or in their private chat: the one record.
    The group's count and the member's other private messages follow (`refresh_answers`)."""
    meeting = await store.get(ctx.database, meeting_id)
    if meeting is None or chosen not in rules.ANSWERS:
        return Answered.NO_MEETING
    membership = await memberships.get(ctx.database, meeting.network_id, user_id)
    if membership is None or membership.status != "approved":
        log.info("answer by non-member %s on meeting %s refused", user_id, meeting.id)
        removed = membership is not None and membership.status == "removed"
        return Answered.LEFT if removed else Answered.NOT_A_MEMBER
    if not meeting.is_planned:
        return Answered.CANCELLED
    if await answers_closed(ctx, meeting):
        return Answered.CLOSED
    await store.set_answer(ctx.database, meeting.id, user_id, chosen, ctx.clock.now())
    await answer_messages.mark_stale(ctx.database, meeting.id, user_id)
    kick(ctx)
    return Answered.NOTED


async def pressed_privately(ctx: Context, chat_id: int, message_id: int, chosen: str) -> None:
    """The member's own message marks the answer they pressed on it (shown at once)."""
    await answer_messages.marked(ctx.database, chat_id, message_id, chosen)


async def members_changed(ctx: Context, network_id: int) -> None:
    """Someone joined or left the network: "not heard from yet" changes in its counts."""
    await answer_messages.mark_groups_stale(ctx.database, network_id)
    kick(ctx)


def kick(ctx: Context, after: timedelta = REFRESH_PAUSE) -> None:
    """Bring the stale counts up to date a moment from now (a job already planned covers it)."""
    if ctx.scheduler is None:
        return
    when = ctx.clock.now() + after
    ctx.jobs.at(REFRESH_JOB, when, functools.partial(refresh_answers, ctx), 0)


async def on_delivery(ctx: Context, delivery: Delivery, outcome: str, sent: Sent | None) -> None:
    """A delivery listener: a sent message with a meeting's answer buttons is recorded, so the
    count (in a group) or the marked answer (in a private chat) can be kept true."""
    if outcome != "sent" or sent is None:
        return
    if delivery.kind.startswith(f"{POLL_KIND}:") and sent.poll_id is not None:
        # A native poll queued by an earlier version: recorded, so it can be stopped.
        _kind, poll_meeting, poll_round = delivery.kind.split(":")[:3]
        await store.record_poll(
            ctx.database,
            sent.poll_id,
            int(poll_meeting),
            int(poll_round),
            sent.chat_id,
            sent.message_id,
        )
        return
    if delivery.method != MESSAGE or "buttons" not in delivery.params:
        return
    buttons = buttons_of(delivery.params)
    meeting_id = texts.answers_meeting(buttons)
    if meeting_id is None:
        return
    meeting = await store.get(ctx.database, meeting_id)
    if meeting is None:
        return
    in_group = sent.chat_id < 0
    await answer_messages.record(
        ctx.database,
        chat_id=sent.chat_id,
        message_id=sent.message_id,
        meeting_id=meeting.id,
        round_=meeting.round,
        user_id=None if in_group else delivery.user_id or sent.chat_id,
        text=str(delivery.params.get("text", "")),
        answer=None if in_group else texts.marked_answer(buttons),
    )
    kick(ctx)


async def on_outage(ctx: Context, outage: object) -> None:
    """Telegram answers again: what could not be edited meanwhile is brought up to date."""
    if outage is None and await answer_messages.any_stale(ctx.database):
        kick(ctx, timedelta(0))


async def refresh_answers(ctx: Context, _data: int = 0) -> None:
    """The job: every stale count and marked answer brought up to date (an unchanged one is not
    edited). An edit Telegram does not take is tried again later; after a few in a row the
    rest waits too (Telegram is not answering)."""
    if ctx.editor is None:
        return
    if ctx.outbox is not None and ctx.outbox.waiting_for_channel:
        return  # `on_outage` brings us back when Telegram answers again
    stale = await answer_messages.take_stale(ctx.database, STALE_AT_ONCE)
    failures, put_back = 0, False
    views: dict[int, _View | None] = {}
    for item in stale:
        if failures >= FAILURES_IN_A_ROW:
            await answer_messages.again(ctx.database, item)
            put_back = True
            continue
        if item.meeting_id not in views:
            views[item.meeting_id] = await _View.load(ctx, item.meeting_id)
        try:
            done = await _bring_up_to_date(ctx, views[item.meeting_id], item)
        except Exception:
            log.exception("meeting %s: message %s not brought up to date", item.meeting_id, item)
            done = False
        failures = 0 if done else failures + 1
        if not done:
            await answer_messages.again(ctx.database, item)
            put_back = True
    if put_back:
        log.info("a meeting's count or answer was not edited yet; again in %s", RETRY_PAUSE)
        kick(ctx, RETRY_PAUSE)
    elif await answer_messages.any_stale(ctx.database):
        kick(ctx)  # more than one look's worth, or answers came in meanwhile


class _View:
    """A meeting's answers as every message of it should show them right now."""

    def __init__(
        self,
        meeting: Meeting,
        name: str,
        people: list[Answer],
        closed: bool,
        reminded: bool,
        newest: dict[int, int],
    ) -> None:
        self.meeting, self.name, self.people = meeting, name, people
        self.closed, self.reminded, self.newest = closed, reminded, newest

    @classmethod
    async def load(cls, ctx: Context, meeting_id: int) -> _View | None:
        meeting = await store.get(ctx.database, meeting_id)
        if meeting is None:
            return None
        done = await store.steps_done(ctx.database, meeting.id, meeting.round)
        newest: dict[int, int] = {}
        for item in await answer_messages.of_meeting(ctx.database, meeting.id):
            if item.in_group and item.round == meeting.round:
                newest[item.chat_id] = max(newest.get(item.chat_id, 0), item.message_id)
        return cls(
            meeting,
            await network_name(ctx, meeting.network_id),
            await store.answers(ctx.database, meeting),
            await answers_closed(ctx, meeting),
            Step.remind in done,
            newest,
        )

    def answer_of(self, user_id: int) -> tuple[bool, str | None]:
        """Whether the person is still a member, and their answer."""
        for person in self.people:
            if person.user_id == user_id:
                return True, person.answer
        return False, None


async def _bring_up_to_date(ctx: Context, view: _View | None, item: AnswerMessage) -> bool:
    """Edit one message to what it should show; False when Telegram did not take the edit."""
    editor = ctx.editor
    assert editor is not None
    if view is None:  # the meeting is gone
        await answer_messages.settled(ctx.database, item.chat_id, item.message_id)
        return True
    meeting = view.meeting
    if not item.in_group:
        member, answer_ = view.answer_of(item.user_id or 0)
        current = meeting.is_planned and item.round == meeting.round and not view.closed
        if not member or not current:
            # Answers are closed here: a late press is told so; nothing to edit.
            await answer_messages.settled(ctx.database, item.chat_id, item.message_id)
            return True
        if answer_ == item.answer:
            return True
        _ = await language_of(ctx, item.user_id or 0)
        buttons = texts.answer_buttons(_, meeting.id, answer_)
        if not await editor.edit(item.chat_id, item.message_id, item.text, buttons):
            return False
        await answer_messages.shown(ctx.database, item.chat_id, item.message_id, item.text, answer_)
        return True
    group_ = translator(ctx.settings.bot.default_language)
    tz, year = ctx.settings.bot.tz, this_year(ctx)
    final = True
    if not meeting.is_planned:
        text = texts.count_cancelled_text(group_, view.name, meeting, tz, this_year=year)
    elif item.round != meeting.round:
        text = texts.count_moved_text(group_, view.name, meeting, tz, this_year=year)
    elif view.closed:
        text = texts.count_closed_text(group_, view.name, meeting, tz, view.people, this_year=year)
    elif view.newest.get(item.chat_id, item.message_id) > item.message_id:
        text = texts.count_moved_on_text(group_, meeting, tz, this_year=year)
    else:
        final = False
        text = texts.count_text(
            group_, view.name, meeting, tz, view.people, reminded=view.reminded, this_year=year
        )
    if not final and text == item.text:
        return True  # never an unchanged edit
    buttons = [] if final else texts.answer_buttons(group_, meeting.id)
    if not await editor.edit(item.chat_id, item.message_id, text, buttons):
        return False
    if final:
        await answer_messages.settled(ctx.database, item.chat_id, item.message_id)
    else:
        await answer_messages.shown(ctx.database, item.chat_id, item.message_id, text)
    log.debug("meeting %s: the count in chat %s is up to date", meeting.id, item.chat_id)
    return True

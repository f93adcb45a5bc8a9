"""The timeline of a meal meeting, run by the scheduler: poll, reminders, headcount, the day
before, and afterwards who came; answers from the poll and from private buttons; the reminders
of agreed actions.

Every step checks the database, claims itself there together with the messages it queues (all
through the dispatcher, at routine priority) and so happens at most once, across restarts.
Jobs are rebuilt from the database at start; what was missed runs once if it still makes sense
(`domain.meetings.due_steps`).
"""

from __future__ import annotations

import functools
import logging
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ContextTypes,
    JobQueue,
    PollAnswerHandler,
)

from bot import services, supervise
from bot.fit import keyboard_rows
from bot.i18n import Html, Translator, translator
from bot.notify import language_of
from bot.outbox import fit
from bot.services import Services
from domain import meetings as rules
from domain.access import Action
from domain.labels import diet_name, moment
from domain.meetings import ActionStep, Step
from domain.ports import Sent
from handlers import guard
from handlers.common import permit_button
from storage import actions as action_store
from storage import early_votes, group_chats, memberships, networks
from storage import meetings as store
from storage.actions import AgreedAction
from storage.deliveries import Delivery, NewDelivery, priority
from storage.meetings import Answer, Meeting

log = logging.getLogger(__name__)

HTML = "HTML"
ROUTINE_GROUP = priority("routine", group=True)
ROUTINE_PRIVATE = priority("routine", group=False)
SWEEP_EVERY = 60.0  # seconds: a safety net beside the precise one-off jobs
POLL_KIND = "meeting_poll"
MAX_NAMES = 40


# --- words ---------------------------------------------------------------------------------------


def params(text: str, markup: InlineKeyboardMarkup | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"text": text, "parse_mode": HTML}
    if markup is not None:
        found["reply_markup"] = markup.to_dict()
    return found


def when_text(_: Translator, meeting: Meeting, tz: Any) -> str:
    return moment(_, meeting.starts_at, tz, long=True)


def venue_text(_: Translator, meeting: Meeting) -> Html:
    """Where: "the police station, Stationsplein 1"."""
    names = {
        "police_station": _("the police station"),
        "town_hall": _("the town hall"),
    }
    place = names.get(meeting.venue_kind) or _("{name}", name=meeting.venue_name or "")
    if meeting.address:
        return _("{place}, {address}", place=place, address=meeting.address)
    return place


def answer_name(_: Translator, answer: str | None) -> Html:
    names = {"yes": _("Yes"), "no": _("No"), "maybe": _("Maybe")}
    return names.get(answer or "", _("no answer"))


def person_name(_: Translator, person: Answer) -> str:
    return person.display_name or _("a member")


def names_of(_: Translator, people: list[Answer]) -> str:
    shown = [person_name(_, p) for p in people[:MAX_NAMES]]
    if len(people) > MAX_NAMES:
        shown.append(_("and {n} more", n=len(people) - MAX_NAMES))
    return ", ".join(shown) if shown else "–"


def answer_buttons(
    _: Translator, meeting_id: int, chosen: str | None = None
) -> InlineKeyboardMarkup:
    labels = {"yes": _("✅ Yes"), "no": _("❌ No"), "maybe": _("🤔 Maybe")}
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    f"• {labels[a]} •" if a == chosen else labels[a],
                    callback_data=f"mtg:att:{meeting_id}:{a}",
                )
                for a in rules.ANSWERS
            ]
        ]
    )


def invitation_text(_: Translator, network_name: str, meeting: Meeting, tz: Any) -> Html:
    lines = [
        _("🍽 <b>Meal meeting of {network}</b>", network=network_name),
        _("🗓 {when}", when=when_text(_, meeting, tz)),
        _("📍 {where}", where=venue_text(_, meeting)),
    ]
    if meeting.meal_note:
        lines.append(_("🥘 {note}", note=meeting.meal_note))
    return Html("\n".join(lines))  # already safe: each line came through `_`


def until_start(meeting: Meeting, items: list[NewDelivery]) -> list[NewDelivery]:
    """Messages about a meeting are worth sending, through any outage, until it begins."""
    return [replace(item, expires_at=item.expires_at or meeting.start) for item in items]


def _leads(meeting: Meeting) -> rules.Leads:
    return rules.Leads(meeting.poll_days, meeting.remind_days, meeting.deadline_days)


def timeline_of(svc: Services, meeting: Meeting) -> dict[Step, datetime]:
    return rules.timeline(
        meeting.start,
        datetime.fromisoformat(meeting.planned_at),
        svc.settings.bot.tz,
        _leads(meeting),
    )


async def answers_closed(svc: Services, meeting: Meeting) -> bool:
    """After the deadline (or once the poll was closed) answers no longer change the count."""
    if not meeting.is_planned:
        return True
    done = await store.steps_done(svc.database, meeting.id, meeting.round)
    return Step.deadline in done or svc.clock.now() >= timeline_of(svc, meeting)[Step.deadline]


async def network_name(svc: Services, network_id: int) -> str:
    network = await networks.get(svc.database, network_id)
    return network.name if network else "?"


async def hosts(svc: Services, network_id: int) -> list[int]:
    found = [m.user_id for m in await memberships.hosts_of(svc.database, network_id)]
    return found or list(svc.settings.access.coordinators)


# --- the steps -----------------------------------------------------------------------------------


async def run_due(svc: Services, meeting_id: int) -> list[Step]:
    """Take the steps of one meeting that are due by our clock; each at most once per round."""
    meeting = await store.get(svc.database, meeting_id)
    if meeting is None or not meeting.is_planned:
        return []
    steps = timeline_of(svc, meeting)
    done = await store.steps_done(svc.database, meeting.id, meeting.round)
    taken = []
    for step in rules.due_steps(steps, meeting.start, done, svc.clock.now()):
        took = await STEPS[step](svc, meeting)
        if took:
            taken.append(step)
    if Step.poll in done or Step.poll in taken:
        if svc.clock.now() >= steps[Step.deadline]:
            await close_polls(svc, meeting)  # also when the deadline step itself was skipped
    if taken:
        log.info("meeting %s round %s: %s", meeting.id, meeting.round, ", ".join(taken))
        svc.dispatcher.wake()
    return taken


# The group's texts take the group's translator as `_`, so that they are extracted for the
# catalogs like every other text.


def poll_question(_: Translator, name: str, meeting: Meeting, tz: Any) -> str:
    return _(
        "🍽 {network}: meal meeting {when}. Are you coming?",
        network=name,
        when=when_text(_, meeting, tz),
    )


def silent_in_group_text(_: Translator, meeting: Meeting, silent: list[Answer], tz: Any) -> str:
    return _(
        "⏰ Meal meeting {when}: we have not heard yet from {names}. "
        "Please answer the poll, or in your private chat with me.",
        when=when_text(_, meeting, tz),
        names=names_of(_, silent),
    )


async def _poll(svc: Services, meeting: Meeting) -> bool:
    """The native poll in the group (non-anonymous), and answer buttons to every member."""
    tz = svc.settings.bot.tz
    name = await network_name(svc, meeting.network_id)
    group_ = translator(svc.settings.bot.default_language)
    question = poll_question(group_, name, meeting, tz)
    items = [
        NewDelivery(
            chat_id=chat.chat_id,
            priority=ROUTINE_GROUP,
            kind=f"{POLL_KIND}:{meeting.id}:{meeting.round}",
            method="sendPoll",
            params={
                "question": str(question)[:300],
                "options": [{"text": str(answer_name(group_, a))} for a in rules.ANSWERS],
                "is_anonymous": False,
            },
            network_id=meeting.network_id,
        )
        for chat in await group_chats.for_network(svc.database, meeting.network_id)
    ]
    for person in await store.answers(svc.database, meeting):
        _ = await language_of(svc, person.user_id)
        text = "\n\n".join(
            [
                invitation_text(_, name, meeting, tz),
                _("Are you coming? Answer here or in the group's poll."),
            ]
        )
        items.append(
            NewDelivery(
                chat_id=person.user_id,
                priority=ROUTINE_PRIVATE,
                kind="meeting_invitation",
                params=params(text, answer_buttons(_, meeting.id, person.answer)),
                network_id=meeting.network_id,
                user_id=person.user_id,
            )
        )
    items = until_start(meeting, items)
    return await store.take_step(svc.database, meeting, Step.poll, items, svc.clock.now())


async def _remind(svc: Services, meeting: Meeting) -> bool:
    """Who has not answered: privately with buttons, and named in the group."""
    tz = svc.settings.bot.tz
    name = await network_name(svc, meeting.network_id)
    silent = [p for p in await store.answers(svc.database, meeting) if p.answer is None]
    items = []
    for person in silent:
        _ = await language_of(svc, person.user_id)
        text = "\n\n".join(
            [
                _("⏰ We have not heard from you yet. Are you coming?"),
                invitation_text(_, name, meeting, tz),
            ]
        )
        items.append(
            NewDelivery(
                chat_id=person.user_id,
                priority=ROUTINE_PRIVATE,
                kind="meeting_reminder",
                params=params(text, answer_buttons(_, meeting.id)),
                network_id=meeting.network_id,
                user_id=person.user_id,
            )
        )
    if silent:
        group_ = translator(svc.settings.bot.default_language)
        text = silent_in_group_text(group_, meeting, silent, tz)
        for chat in await group_chats.for_network(svc.database, meeting.network_id):
            items.append(
                NewDelivery(
                    chat_id=chat.chat_id,
                    priority=ROUTINE_GROUP,
                    kind="meeting_reminder_group",
                    params=params(text),
                    network_id=meeting.network_id,
                )
            )
    items = until_start(meeting, fit(items))
    return await store.take_step(svc.database, meeting, Step.remind, items, svc.clock.now())


def headcount_text(
    _: Translator,
    name: str,
    meeting: Meeting,
    people: list[Answer],
    tz: Any,
    topics: list[store.Topic],
) -> str:
    count = rules.headcount((p.answer, p.diet) for p in people)
    lines = [
        _("📋 <b>Headcount for the meal meeting of {network}</b>", network=name),
        _("🗓 {when} · 📍 {where}", when=when_text(_, meeting, tz), where=venue_text(_, meeting)),
        "",
        rules.headcount_line(_, count, lambda diet: diet_name(_, diet)),
        "",
        _("✅ Coming: {names}", names=names_of(_, [p for p in people if p.answer == "yes"])),
        _("🤔 Maybe: {names}", names=names_of(_, [p for p in people if p.answer == "maybe"])),
        _("❔ No answer: {names}", names=names_of(_, [p for p in people if p.answer is None])),
    ]
    if meeting.meal_note:
        lines.append(_("🥘 {note}", note=meeting.meal_note))
    if topics:
        lines += ["", _("<b>Topics proposed</b>"), topic_lines(_, topics, for_hosts=True)]
    return "\n".join(lines)


def topic_lines(_: Translator, topics: list[store.Topic], *, for_hosts: bool = False) -> str:
    lines = []
    for topic in topics:
        if topic.anonymous or not topic.display_name:
            lines.append(_("• {text}", text=topic.text))
        else:
            lines.append(_("• {text} ({name})", text=topic.text, name=topic.display_name))
    return "\n".join(lines)


async def close_polls(svc: Services, meeting: Meeting) -> int:
    """stopPoll for each open poll of the meeting (once: the poll is marked closed with it)."""

    def build(poll: store.Poll) -> NewDelivery:
        return NewDelivery(
            chat_id=poll.chat_id,
            priority=ROUTINE_GROUP,
            kind="meeting_poll_close",
            method="stopPoll",
            params={"message_id": poll.message_id},
            network_id=meeting.network_id,
            expires_at=meeting.start,
        )

    closed = await store.close_polls(svc.database, meeting.id, build, svc.clock.now())
    if closed:
        svc.dispatcher.wake()
    return closed


async def _deadline(svc: Services, meeting: Meeting) -> bool:
    """The poll closes; the hosts get the headcount with the diets for the caterer."""
    tz = svc.settings.bot.tz
    name = await network_name(svc, meeting.network_id)
    people = await store.answers(svc.database, meeting)
    topics = await store.topics(svc.database, meeting)
    items = []
    for host in await hosts(svc, meeting.network_id):
        _ = await language_of(svc, host)
        items.append(
            NewDelivery(
                chat_id=host,
                priority=ROUTINE_PRIVATE,
                kind="meeting_headcount",
                params=params(headcount_text(_, name, meeting, people, tz, topics)),
                network_id=meeting.network_id,
                user_id=host,
            )
        )
    items = until_start(meeting, fit(items))
    took = await store.take_step(svc.database, meeting, Step.deadline, items, svc.clock.now())
    if took:
        await close_polls(svc, meeting)
    return took


def action_line(_: Translator, action: AgreedAction, tz: Any) -> str:
    return _(
        "• {what} – {owner}, by {due}",
        what=action.what,
        owner=action.owner_name or _("a member"),
        due=due_text(_, action.due),
    )


def due_text(_: Translator, due: date) -> str:
    from babel.dates import format_date

    return str(format_date(due, "EEEE d MMMM", locale=_.language))


async def _day_before(svc: Services, meeting: Meeting) -> bool:
    """Everyone coming: time, venue (as a Telegram venue when we know where it is), agenda."""
    tz = svc.settings.bot.tz
    name = await network_name(svc, meeting.network_id)
    topics = await store.topics(svc.database, meeting)
    earlier = await action_store.open_from_before(svc.database, meeting.network_id, meeting.id)
    items = []
    for person in await store.answers(svc.database, meeting):
        if person.answer != "yes":
            continue
        _ = await language_of(svc, person.user_id)
        lines = [
            _("👋 See you tomorrow!"),
            invitation_text(_, name, meeting, tz),
            "",
            _("<b>Agenda</b>"),
            topic_lines(_, topics) if topics else _("• The mood in the neighbourhood"),
        ]
        if earlier:
            lines += ["", _("<b>Open actions from earlier meetings</b>")]
            lines += [action_line(_, a, tz) for a in earlier]
        items.append(
            NewDelivery(
                chat_id=person.user_id,
                priority=ROUTINE_PRIVATE,
                kind="meeting_day_before",
                params=params("\n".join(lines)),
                network_id=meeting.network_id,
                user_id=person.user_id,
            )
        )
        if meeting.latitude is not None and meeting.longitude is not None:
            items.append(
                NewDelivery(
                    chat_id=person.user_id,
                    priority=ROUTINE_PRIVATE,
                    kind="meeting_venue",
                    method="sendVenue",
                    params={
                        "latitude": meeting.latitude,
                        "longitude": meeting.longitude,
                        "title": str(venue_title(_, meeting))[:100],
                        "address": meeting.address or "",
                    },
                    network_id=meeting.network_id,
                    user_id=person.user_id,
                )
            )
    items = until_start(meeting, fit(items))
    return await store.take_step(svc.database, meeting, Step.day_before, items, svc.clock.now())


def venue_title(_: Translator, meeting: Meeting) -> str:
    if meeting.venue_kind == "police_station":
        return _("Police station")
    if meeting.venue_kind == "town_hall":
        return _("Town hall")
    return meeting.venue_name or _("Meal meeting")


def attended_buttons(_: Translator, meeting_id: int, people: list[Answer]) -> InlineKeyboardMarkup:
    buttons = [
        InlineKeyboardButton(
            ("✅ " if p.attended else "▫️ ") + person_name(_, p)[:30],
            callback_data=f"mtg:here:{meeting_id}:{p.user_id}",
        )
        for p in people
    ]
    rows = keyboard_rows(buttons, 2, reserved=2)  # beside Confirm (and Cancel)
    rows.append([InlineKeyboardButton(_("💾 Confirm"), callback_data=f"mtg:herok:{meeting_id}")])
    return InlineKeyboardMarkup(rows)


def attended_text(_: Translator, name: str, meeting: Meeting, tz: Any) -> str:
    return _(
        "🙏 How was the meal meeting of {network} ({when})? Please confirm who came: tap a "
        "name to change it, then 💾 Confirm. Record what was agreed with /action.",
        network=name,
        when=when_text(_, meeting, tz),
    )


async def _follow_up(svc: Services, meeting: Meeting) -> bool:
    """Afterwards: a host confirms who came, starting from the Yes answers."""
    tz = svc.settings.bot.tz
    name = await network_name(svc, meeting.network_id)
    people = [
        replace(p, attended=p.answer == "yes" if p.attended is None else p.attended)
        for p in await store.answers(svc.database, meeting)
    ]
    items = []
    for host in await hosts(svc, meeting.network_id):
        _ = await language_of(svc, host)
        items.append(
            NewDelivery(
                chat_id=host,
                priority=ROUTINE_PRIVATE,
                kind="meeting_follow_up",
                params=params(
                    attended_text(_, name, meeting, tz), attended_buttons(_, meeting.id, people)
                ),
                network_id=meeting.network_id,
                user_id=host,
            )
        )
    return await store.take_step(
        svc.database, meeting, Step.follow_up, fit(items), svc.clock.now(), prefill_attended=True
    )


STEPS = {
    Step.poll: _poll,
    Step.remind: _remind,
    Step.deadline: _deadline,
    Step.day_before: _day_before,
    Step.follow_up: _follow_up,
}


# --- agreed actions: the owner's reminders, the hosts' overdue notice ----------------------------


def action_buttons(_: Translator, action_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(_("🔄 In progress"), callback_data=f"act:prog:{action_id}"),
                InlineKeyboardButton(_("✅ Done"), callback_data=f"act:done:{action_id}"),
            ]
        ]
    )


async def run_action_due(svc: Services, action_id: int) -> list[ActionStep]:
    action = await action_store.get(svc.database, action_id)
    if action is None or not action.is_open:
        return []
    tz = svc.settings.bot.tz
    steps = rules.action_timeline(action.due, datetime.fromisoformat(action.created_at), tz)
    done = await action_store.steps_done(svc.database, action.id)
    taken = []
    for step in rules.action_due_steps(steps, action.due, done, svc.clock.now(), tz):
        items = []
        if step is ActionStep.overdue:
            for host in await hosts(svc, action.network_id):
                _ = await language_of(svc, host)
                text = _(
                    "⏰ An agreed action is overdue:\n{line}\nYou may want to ask how it goes.",
                    line=Html(action_line(_, action, tz)),
                )
                items.append(_private(host, action.network_id, "action_overdue", params(text)))
        elif action.owner_id is not None:
            _ = await language_of(svc, action.owner_id)
            text = _(
                "⏰ Reminder of what you agreed to do, by {due}:\n<b>{what}</b>\nHow is it going?",
                due=due_text(_, action.due),
                what=action.what,
            )
            items.append(
                _private(
                    action.owner_id,
                    action.network_id,
                    "action_reminder",
                    params(text, action_buttons(_, action.id)),
                )
            )
        if await action_store.take_step(svc.database, action.id, step, fit(items), svc.clock.now()):
            taken.append(step)
    if taken:
        svc.dispatcher.wake()
    return taken


def _private(user_id: int, network_id: int, kind: str, found: dict[str, Any]) -> NewDelivery:
    return NewDelivery(
        chat_id=user_id,
        priority=ROUTINE_PRIVATE,
        kind=kind,
        params=found,
        network_id=network_id,
        user_id=user_id,
    )


# --- scheduling ----------------------------------------------------------------------------------


async def schedule(job_queue: JobQueue[Any] | None, svc: Services, meeting_id: int) -> None:
    """One precise job for the meeting's next step (replacing an older one)."""
    if job_queue is None:
        return
    meeting = await store.get(svc.database, meeting_id)
    name = f"meeting-{meeting_id}"
    for job in job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    if meeting is None or not meeting.is_planned:
        return
    done = await store.steps_done(svc.database, meeting.id, meeting.round)
    now = svc.clock.now()
    upcoming = rules.next_due(timeline_of(svc, meeting), done, now)
    if upcoming is not None:
        delay = max(0.0, (upcoming - now).total_seconds())
        job_queue.run_once(meeting_job, when=delay, data=meeting_id, name=name)


async def meeting_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """A job for one meeting: take what is due, then wait for the next step."""
    assert context.job is not None and isinstance(context.job.data, int)
    svc = services.of(context)
    await run_due(svc, context.job.data)
    await schedule(context.job_queue, svc, context.job.data)


async def catch_up(svc: Services, job_queue: JobQueue[Any] | None) -> None:
    """Every meeting and open action: what fell due (also while we were away) runs once if it
    still makes sense; the next steps are scheduled."""

    async def meeting_steps(meeting: Meeting) -> None:
        await run_due(svc, meeting.id)
        await schedule(job_queue, svc, meeting.id)

    async def action_steps(action: AgreedAction) -> None:
        await run_action_due(svc, action.id)

    # One meeting that fails (a bug, a busy database) does not hold up the others.
    await supervise.each(
        "meeting timeline", await store.planned(svc.database), meeting_steps, _meeting_name
    )
    await supervise.each(
        "meeting timeline", await action_store.still_open(svc.database), action_steps, _action_name
    )


def _meeting_name(meeting: Meeting) -> str:
    return f"meeting {meeting.id}"


def _action_name(action: AgreedAction) -> str:
    return f"action {action.id}"


async def sweep(context: ContextTypes.DEFAULT_TYPE) -> None:
    """At start and every minute: the safety net for everything on the timeline."""
    await catch_up(services.of(context), context.job_queue)


# --- answers: the poll, the private buttons -----------------------------------------------------


async def on_delivery(
    svc: Services, delivery: Delivery, outcome: str, sent: Sent | None = None
) -> None:
    """A delivery listener: a sent poll is remembered, so its answers find the meeting."""
    if not delivery.kind.startswith(f"{POLL_KIND}:") or outcome != "sent" or sent is None:
        return
    if sent.poll_id is None:
        return
    _kind, meeting_id, round_ = delivery.kind.split(":")
    await store.record_poll(
        svc.database,
        sent.poll_id,
        int(meeting_id),
        int(round_),
        sent.chat_id,
        sent.message_id,
    )
    recorded = await store.poll(svc.database, sent.poll_id)
    for vote in await early_votes.take(svc.database, sent.poll_id):
        if recorded is not None:
            await count_vote(svc, recorded, vote.user_id, vote.option_ids)
    meeting = await store.get(svc.database, int(meeting_id))
    if meeting is not None and (meeting.round != int(round_) or await answers_closed(svc, meeting)):
        await close_polls(svc, meeting)  # it went out after its time: close it at once


async def poll_answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A vote in a meeting's poll: the member's answer (a retracted vote: no answer)."""
    answer = update.poll_answer
    if answer is None or answer.user is None:
        return
    svc = services.of(context)
    poll = await store.poll(svc.database, answer.poll_id)
    if poll is None:
        # The vote came before the dispatcher recorded the poll it just sent: keep it, and
        # count it when the poll is recorded (on_delivery) — nobody waits meanwhile.
        await early_votes.keep(
            svc.database, answer.poll_id, answer.user.id, list(answer.option_ids), svc.clock.now()
        )
        return
    await count_vote(svc, poll, answer.user.id, list(answer.option_ids))


async def count_vote(svc: Services, poll: store.Poll, user_id: int, option_ids: list[int]) -> None:
    """A member's vote in a meeting's poll becomes their answer, while answers are open."""
    meeting = await store.get(svc.database, poll.meeting_id)
    if meeting is None or poll.closed_at is not None or poll.round != meeting.round:
        log.info("vote on closed poll %s by %s ignored", poll.poll_id, user_id)
        return
    if await answers_closed(svc, meeting):
        log.info("vote after the deadline of meeting %s ignored", meeting.id)
        return
    membership = await memberships.get(svc.database, meeting.network_id, user_id)
    if membership is None or membership.status != "approved":
        log.info("vote by non-member %s on meeting %s ignored", user_id, meeting.id)
        return
    chosen = rules.ANSWERS[option_ids[0]] if option_ids else None
    await store.set_answer(svc.database, meeting.id, user_id, chosen, svc.clock.now())


async def answer_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Yes / No / Maybe in the private chat: the same record as the poll."""
    query = update.callback_query
    assert query is not None and query.data is not None and update.effective_user
    _prefix, _att, meeting_id, chosen = query.data.split(":")
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    meeting = await store.get(svc.database, int(meeting_id))
    if meeting is None or chosen not in rules.ANSWERS:
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    if await permit_button(update, context, Action.take_part, meeting.network_id) is None:
        return
    # Only members are counted: a coordinator outside the network would be "noted" for nothing.
    membership = await memberships.get(svc.database, meeting.network_id, update.effective_user.id)
    if membership is None or membership.status != "approved":
        await guard.refuse(update, context, _("Meal meetings are for the members of a network."))
        return
    if not meeting.is_planned:
        await query.answer(_("This meeting was cancelled."), show_alert=True)
        return
    if await answers_closed(svc, meeting):
        await query.answer(
            _("Answers are closed: the hosts have the headcount. Please tell them directly."),
            show_alert=True,
        )
        return
    await store.set_answer(
        svc.database, meeting.id, update.effective_user.id, chosen, svc.clock.now()
    )
    await query.answer(_("Thank you! Noted: {answer}", answer=answer_name(_, chosen)))
    try:
        await query.edit_message_reply_markup(answer_buttons(_, meeting.id, chosen))
    except Exception:  # an unchanged keyboard: nothing to show
        log.debug("answer keyboard unchanged")


# --- afterwards: who came -----------------------------------------------------------------------


async def attended_button(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A host ticks who came (mtg:here:<meeting>:<user>) or confirms (mtg:herok:<meeting>)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    svc = services.of(context)
    _ = await services.texts_for(update, context)
    meeting = await store.get(svc.database, int(parts[2]))
    if meeting is None:
        await query.answer(_("This button no longer works."), show_alert=True)
        return
    if await permit_button(update, context, Action.plan_meeting, meeting.network_id) is None:
        return
    tz = svc.settings.bot.tz
    name = await network_name(svc, meeting.network_id)
    if parts[1] == "herok":
        await store.confirm_attendance(svc.database, meeting, svc.clock.now())
        people = await store.answers(svc.database, meeting)
        came = [p for p in people if p.attended]
        await query.answer(_("Saved."))
        await query.edit_message_text(
            _(
                "🍽 Meal meeting of {network} ({when}): {n} came – {names}.\n"
                "Record what was agreed with /action.",
                network=name,
                when=when_text(_, meeting, tz),
                n=len(came),
                names=names_of(_, came),
            )
        )
        return
    user_id = int(parts[3])
    people = await store.answers(svc.database, meeting)
    person = next((p for p in people if p.user_id == user_id), None)
    if person is None:
        await query.answer(_("This person is no longer in the network."), show_alert=True)
        return
    await store.set_attended(svc.database, meeting.id, user_id, not person.attended)
    await query.answer()
    people = await store.answers(svc.database, meeting)
    await query.edit_message_reply_markup(attended_buttons(_, meeting.id, people))


def register(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    application.add_handler(PollAnswerHandler(poll_answer))
    application.add_handler(CallbackQueryHandler(answer_button, pattern=r"^mtg:att:\d+:\w+$"))
    application.add_handler(
        CallbackQueryHandler(attended_button, pattern=r"^mtg:(here:\d+:\d+|herok:\d+)$")
    )
    svc = services.of(application)
    svc.delivery_listeners.append(functools.partial(on_delivery, svc))
    assert application.job_queue is not None
    # Rebuilt from the database at start: what fell due while the bot was down runs once.
    application.job_queue.run_once(sweep, when=0, name="meeting-sweep-at-start")
    application.job_queue.run_repeating(
        sweep, interval=SWEEP_EVERY, first=SWEEP_EVERY, name="meeting-sweep"
    )

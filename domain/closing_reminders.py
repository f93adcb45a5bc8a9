"""A closing word for every incident: an incident still open some hours after it was sent
reminds its sender to close it with a word.

Burgernet ends every action with a closing message; a network that hears nothing keeps
worrying. `[incidents] close_reminder_hours` after an alert went out, while it is still open,
its sender gets a short private reminder with ✍️ Close with a word (the closing flow of
`handlers.incident_follow_up`: a word, a preview, Send) and ⏰ Later (asked again after as
many hours; `MOST` reminders in all). A sender who is gone (left the networks, forgotten) is
replaced by the incident's networks' other hosts. Nothing reaches a group chat or a member.
At night (`NIGHT_FROM`-`NIGHT_UNTIL`, local time) it comes without a sound.

Each open incident has one job on the scheduler (`incident-<id>-closing`), planned when the
alert is sent, when "Later" is pressed and from the database at start (`catch_up`); closing
the incident cancels it, and a job that runs anyway finds the incident closed and does nothing.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum

from bot import supervise
from bot.i18n import Translator
from domain.access import Action, allowed, load_actor
from domain.alert_texts import excerpt
from domain.context import Context
from domain.notify import languages_of
from domain.ports import MESSAGE, Button, Keyboard, message
from storage import closing_reminders as store
from storage import incidents, memberships
from storage.closing_reminders import Reminded
from storage.deliveries import NewDelivery, priority
from storage.incidents import Incident

log = logging.getLogger(__name__)

MOST = 3  # reminders per incident, "Later" included: a reminder, not a nag
KIND = "closing_reminder"
NIGHT_FROM, NIGHT_UNTIL = 22, 7  # local hours in which a reminder comes without a sound


# --- the rule ------------------------------------------------------------------------------


def due_at(
    created_at: datetime, reminded: Reminded | None, hours: int, most: int = MOST
) -> datetime | None:
    """When the next closing reminder of an open incident falls due; None if no more will.

    The first comes `hours` after the alert; a next one only when "Later" asked for it, and
    never more than `most` in all.
    """
    if reminded is None:
        return created_at + timedelta(hours=hours)
    if reminded.sent >= most or reminded.next_at is None:
        return None
    return datetime.fromisoformat(reminded.next_at)


# --- the texts -----------------------------------------------------------------------------


def reminder_text(
    _: Translator, incident: Incident, hours: int, *, for_sender: bool, last: bool
) -> str:
    """The reminder: warm and short, for a phone."""
    about = excerpt(incident.text, 80)
    if for_sender:
        opening = _.ngettext(
            "🕊️ Your alert #{id} has been open for an hour: “{text}”",
            "🕊️ Your alert #{id} has been open for {n} hours: “{text}”",
            hours,
            id=incident.id,
            text=about,
        )
    else:
        opening = _.ngettext(
            "🕊️ Alert #{id} has been open for an hour, and its sender is no longer in the "
            "network: “{text}”",
            "🕊️ Alert #{id} has been open for {n} hours, and its sender is no longer in the "
            "network: “{text}”",
            hours,
            id=incident.id,
            text=about,
        )
    lines = [
        opening,
        _(
            "The network keeps worrying as long as it hears nothing. A short closing word "
            "tells everyone it is over, or what still holds."
        ),
    ]
    if last:
        lines.append(_("This is my last reminder about it."))
    return "\n".join(lines)


def at_night(moment: datetime, tz: tzinfo) -> bool:
    """Whether `moment` falls in the night where the network is (22:00-7:00): a reminder then
    comes without a sound. It is a nudge, not an alarm, and a police chief sleeps too."""
    hour = moment.astimezone(tz).hour
    return hour >= NIGHT_FROM or hour < NIGHT_UNTIL


def reminder_buttons(_: Translator, incident_id: int, *, last: bool) -> Keyboard:
    """✍️ Close with a word (the closing flow's own button) and, unless it is the last, Later."""
    close = Button(_("✍️ Close with a word"), f"inc:close:{incident_id}")
    if last:
        return [[close]]
    return [[close, Button(_("⏰ Later"), f"inc:later:{incident_id}")]]


def later_text(_: Translator, incident_id: int, hours: int) -> str:
    return _.ngettext(
        "⏰ Fine. I'll ask again about alert #{id} in an hour.",
        "⏰ Fine. I'll ask again about alert #{id} in {n} hours.",
        hours,
        id=incident_id,
    )


def no_more_text(_: Translator, incident_id: int) -> str:
    return _(
        "That was my last reminder about alert #{id}. Close it with /close when you can: the "
        "network is waiting for a word.",
        id=incident_id,
    )


# --- who is reminded -------------------------------------------------------------------------


async def reminded_people(ctx: Context, incident: Incident) -> tuple[list[int], bool]:
    """Who gets the reminder, and whether that is the sender: the sender while they may still
    alert one of its networks; otherwise the hosts of its networks."""
    if incident.created_by is not None:
        actor = await load_actor(
            ctx.database, incident.created_by, ctx.settings.access.coordinators
        )
        if any(allowed(actor, Action.send_alert, n) for n in incident.network_ids):
            return [incident.created_by], True
    hosts: list[int] = []
    for network_id in incident.network_ids:
        hosts += [m.user_id for m in await memberships.hosts_of(ctx.database, network_id)]
    return [h for h in dict.fromkeys(hosts) if h != incident.created_by], False


# --- the scheduler -------------------------------------------------------------------------


def job_name(incident_id: int) -> str:
    return f"incident-{incident_id}-closing"


def plan(ctx: Context, incident: Incident, reminded: Reminded | None) -> None:
    """The job for the next reminder of an open incident, if one will come."""
    if not incident.is_open or ctx.scheduler is None:
        return
    hours = ctx.settings.incidents.close_reminder_hours
    when = due_at(datetime.fromisoformat(incident.created_at), reminded, hours)
    if when is not None:
        ctx.jobs.at(job_name(incident.id), when, functools.partial(remind_due, ctx), incident.id)


def cancel(ctx: Context, incident_id: int) -> None:
    """The incident closed: no reminder any more."""
    if ctx.scheduler is not None:
        ctx.jobs.cancel(job_name(incident_id))


async def catch_up(ctx: Context) -> None:
    """At start (and now and then): what fell due while the bot was away goes out once; the
    next one of every open incident is planned."""
    open_ = await incidents.open_incidents(ctx.database)
    rows = await store.of_incidents(ctx.database, [i.id for i in open_])

    async def one(incident: Incident) -> None:
        if not await remind_due(ctx, incident.id):
            plan(ctx, incident, rows.get(incident.id))

    await supervise.each("closing reminders", open_, one, lambda i: f"incident {i.id}")


async def remind_due(ctx: Context, incident_id: int) -> bool:
    """Send the incident's closing reminder if it is due now; whether one went out."""
    incident = await incidents.get(ctx.database, incident_id)
    if incident is None or not incident.is_open:
        return False
    reminded = await store.get(ctx.database, incident.id)
    hours = ctx.settings.incidents.close_reminder_hours
    when = due_at(datetime.fromisoformat(incident.created_at), reminded, hours)
    now = ctx.clock.now()
    if when is None:
        return False
    if when > now:
        plan(ctx, incident, reminded)  # moved later ("Later" pressed since)
        return False
    sent_before = reminded.sent if reminded else 0
    last = sent_before + 1 >= MOST
    people, for_sender = await reminded_people(ctx, incident)
    open_for = now - datetime.fromisoformat(incident.created_at)
    open_hours = max(1, int(open_for / timedelta(hours=1)))
    languages = await languages_of(ctx, people)
    quiet = {"disable_notification": True} if at_night(now, ctx.settings.bot.tz) else {}
    items = []
    for user_id in people:
        _ = languages[user_id]
        text = reminder_text(_, incident, open_hours, for_sender=for_sender, last=last)
        items.append(
            NewDelivery(
                chat_id=user_id,
                priority=priority("routine", group=False),
                kind=KIND,
                method=MESSAGE,
                params=message(text, reminder_buttons(_, incident.id, last=last)) | quiet,
                incident_id=incident.id,
                user_id=user_id,
            )
        )
    if not await store.record(ctx.database, incident.id, sent_before, items, now):
        return False
    if not people:
        log.warning("incident %s: nobody left to remind to close it", incident.id)
    log.info(
        "incident %s: closing reminder %d to %s", incident.id, sent_before + 1, people or "nobody"
    )
    ctx.dispatcher.wake()
    return True


class Later(StrEnum):
    """What pressing ⏰ Later came to."""

    POSTPONED = "postponed"
    CLOSED = "closed"
    NO_MORE = "no_more"


async def later(ctx: Context, incident: Incident) -> Later:
    """⏰ Later: the next reminder `close_reminder_hours` from now, if one more may come."""
    if not incident.is_open:
        return Later.CLOSED
    when = ctx.clock.now() + ctx.settings.incidents.close_reminder
    if not await store.postpone(ctx.database, incident.id, when, MOST):
        return Later.NO_MORE
    cancel(ctx, incident.id)  # planned for an earlier moment, perhaps: plan afresh
    plan(ctx, incident, await store.get(ctx.database, incident.id))
    return Later.POSTPONED

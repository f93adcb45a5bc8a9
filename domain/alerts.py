"""Rapid-response incident alerts: the work behind the handlers and jobs, without updates.

Sending an alert stores the incident, one recipient row per person and a delivery per group
chat and person in one transaction; the dispatcher sends them. Follow-ups and closing go out
the same way, threaded under the alert. The sender has one live status message; who has not
acknowledged gets one reminder, then the hosts get a list to call. What members send back
reaches the incident's hosts and its sender only (the coordinators where the network asks:
`let_coordinators_read`). The rules themselves (who receives, which step is due) are the plain
functions of `bot.incidents`; the handlers are in `handlers.alerts`, `handlers.alert_replies`
and `handlers.incidents`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from bot import supervise
from bot.i18n import Html, Translator, translator
from bot.outbox import fit
from domain import alert_templates, audit, pulse
from domain import alert_texts as texts
from domain import closing_reminders as closing
from domain import incidents as rules
from domain.access import Action, Actor, allowed
from domain.context import Context
from domain.incidents import Step, TextProblem
from domain.notify import coordinator_ids, language_of, languages_of
from domain.ports import MESSAGE, UNPIN, Button, Sent, message
from storage import group_chats, memberships, networks
from storage import incidents as store
from storage.deliveries import Delivery, NewDelivery, priority
from storage.incidents import Incident, Recipient

log = logging.getLogger(__name__)

NAMED_NETWORKS = 10  # networks named in an alert's header; more are counted
STATUS_KIND = "alert_status"


def window_end(ctx: Context) -> datetime:
    """Until when an alert's messages are worth sending, through any outage."""
    return ctx.clock.now() + ctx.settings.incidents.delivery_window


async def names_of(ctx: Context, network_ids: Sequence[int]) -> str:
    """The networks' names for a header; an alert to many networks names the first few."""
    found = [await networks.get(ctx.database, n) for n in network_ids[:NAMED_NETWORKS]]
    names = ", ".join(n.name for n in found if n is not None)
    more = len(network_ids) - NAMED_NETWORKS
    return f"{names} (+{more})" if more > 0 else names


# --- who may alert, and whom it reaches ------------------------------------------------------


def may_manage(actor: Actor, incident: Incident) -> bool:
    """Hosts of one of the incident's networks, and coordinators."""
    return any(allowed(actor, Action.send_alert, n) for n in incident.network_ids)


async def open_managed_by(ctx: Context, actor: Actor) -> list[Incident]:
    """The open incidents this person may manage, read through the networks they host (all open
    ones for a coordinator): never every open incident of every network."""
    if actor.is_coordinator:
        found = await store.open_incidents(ctx.database)
    else:
        hosted = [n for n in actor.roles if allowed(actor, Action.send_alert, n)]
        found = await store.open_in_networks(ctx.database, hosted)
    return [i for i in found if may_manage(actor, i)]


def may_alert_somewhere(actor: Actor) -> bool:
    return actor.is_coordinator or any(allowed(actor, Action.send_alert, n) for n in actor.roles)


async def approved_members(ctx: Context, network_id: int) -> list[int]:
    roster = await memberships.roster(ctx.database, network_id)
    return [m.user_id for m in roster if m.status == "approved"]


async def reach(
    ctx: Context, sender_id: int, network_ids: Sequence[int]
) -> tuple[dict[int, int], list[tuple[int, int]]]:
    """Who an alert would reach: people (user → network) and group chats (chat, network)."""
    members = {n: await approved_members(ctx, n) for n in network_ids}
    people = rules.recipients(members, network_ids, sender_id)
    groups: dict[int, int] = {}
    for network_id in network_ids:
        for chat in await group_chats.for_network(ctx.database, network_id):
            groups.setdefault(chat.chat_id, network_id)
    return people, list(groups.items())


async def incident_hosts(ctx: Context, incident: Incident) -> list[int]:
    """Who hears members' replies, moods and the call list (need-to-know, issue 10): the police
    chief and the municipality of each of its networks, and whoever sent it (they asked). The
    coordinators only for a network that asks for it (`coordinators_see_replies`, off unless
    a coordinator turns it on); a coordinator who is a host of the network is a host here."""
    found: list[int] = []
    for network_id in incident.network_ids:
        found += [m.user_id for m in await memberships.hosts_of(ctx.database, network_id)]
        network = await networks.get(ctx.database, network_id)
        if network is not None and network.coordinators_see_replies:
            found += await coordinator_ids(ctx)
    if incident.created_by is not None:
        found.append(incident.created_by)
    return list(dict.fromkeys(found))


async def host_name(ctx: Context, incident: Incident, user_id: int, fallback: str) -> str:
    for network_id in incident.network_ids:
        membership = await memberships.get(ctx.database, network_id, user_id)
        if membership is not None and membership.display_name:
            return membership.display_name
    return fallback


# --- sending, following up, closing ----------------------------------------------------------


async def send_alert(
    ctx: Context,
    sender_id: int,
    network_ids: Sequence[int],
    severity: str,
    sharing: str,
    text: str,
) -> int:
    """Do what pressing Send does; returns the new incident's id.

    Raises ValueError for an unknown severity or sharing label, or a text that is empty or too
    long. Permission is the caller's business.
    """
    incident_id = await send(ctx, sender_id, network_ids, severity, sharing, text)
    assert incident_id is not None  # only a draft can have been sent already
    return incident_id


async def send(
    ctx: Context,
    sender_id: int,
    network_ids: Sequence[int],
    severity: str,
    sharing: str,
    text: str,
    *,
    draft_id: int | None = None,
) -> int | None:
    """`send_alert`, also for a draft: None if that draft was sent already (a second press)."""
    checked = rules.check_text(text)
    if isinstance(checked, TextProblem):
        raise ValueError(f"alert text is {checked}")
    if alert_templates.unfilled(checked):
        raise ValueError(f"alert text has placeholders left: {alert_templates.unfilled(checked)}")
    if severity not in rules.SEVERITIES or sharing not in rules.SHARINGS:
        raise ValueError(f"unknown severity {severity!r} or sharing {sharing!r}")
    network_ids = list(dict.fromkeys(network_ids))
    people, groups = await reach(ctx, sender_id, network_ids)
    names = await names_of(ctx, network_ids)
    group_text = texts.alert_text(
        translator(ctx.settings.bot.default_language), severity, sharing, names, checked
    )
    languages = await languages_of(ctx, people)
    sender_ = await language_of(ctx, sender_id)
    until = window_end(ctx)

    def build(incident_id: int) -> list[NewDelivery]:
        items = [
            NewDelivery(
                chat_id=chat_id,
                priority=priority(severity, group=True),
                kind="alert_group",
                method=MESSAGE,
                params=message(group_text),
                incident_id=incident_id,
                network_id=network_id,
                pin=severity == "critical",
                expires_at=until,
            )
            for chat_id, network_id in groups
        ]
        # The sender's live status, through the outbox too: an outage does not lose it.
        starting = rules.Progress(
            total=len(groups) + len(people), pending=len(groups) + len(people)
        )
        items.append(
            NewDelivery(
                chat_id=sender_id,
                priority=priority(severity, group=True),
                kind=STATUS_KIND,
                method=MESSAGE,
                params=message(
                    rules.status_text(sender_, incident_id, starting),
                    texts.status_buttons(sender_, incident_id, open_=True),
                ),
                incident_id=incident_id,
                user_id=sender_id,
                expires_at=until,
            )
        )
        # One message per language, not per person: a thousand members, two languages.
        by_language: dict[str, dict[str, Any]] = {}
        for user_id, network_id in people.items():
            _ = languages[user_id]
            if _.language not in by_language:
                by_language[_.language] = message(
                    texts.alert_text(_, severity, sharing, names, checked),
                    texts.alert_buttons(_, incident_id),
                )
            items.append(
                NewDelivery(
                    chat_id=user_id,
                    priority=priority(severity, group=False),
                    kind="alert_private",
                    method=MESSAGE,
                    params=by_language[_.language],
                    incident_id=incident_id,
                    network_id=network_id,
                    user_id=user_id,
                    expires_at=until,
                )
            )
        return items

    now = ctx.clock.now()
    incident_id = await store.create(
        ctx.database,
        sender_id=sender_id,
        network_ids=network_ids,
        severity=severity,
        sharing=sharing,
        text=checked,
        recipients=people,
        build=lambda incident_id: fit(build(incident_id)),
        now=now,
        draft_id=draft_id,
    )
    if incident_id is None:
        return None
    log.info(
        "incident %s (%s) by %s: %d people, %d groups",
        incident_id,
        severity,
        sender_id,
        len(people),
        len(groups),
    )
    ctx.dispatcher.wake()  # the alert first; its audit row follows
    await audit.record(ctx, sender_id, audit.Act.ALERTED, network_ids, audit.incident(incident_id))
    incident = await store.get(ctx.database, incident_id)
    assert incident is not None
    if ctx.scheduler is not None:
        schedule_escalation(ctx, incident)
        closing.plan(ctx, incident, None)  # a closing word asked for after some hours
    return incident_id


async def follow_up(ctx: Context, incident: Incident, kind: str, text: str) -> list[NewDelivery]:
    """A follow-up to everyone who got the alert, threaded under it in each chat."""
    names = await names_of(ctx, incident.network_ids)
    members = {r.user_id: r for r in await store.recipients(ctx.database, incident.id)}
    group_ = translator(ctx.settings.bot.default_language)
    originals = await store.alert_deliveries(ctx.database, incident.id)
    languages = await languages_of(ctx, [o.user_id for o in originals if o.user_id is not None])
    items: list[NewDelivery] = []
    for original in originals:
        if original.user_id is not None:
            member = members.get(original.user_id)
            if member is None or not member.still_member:
                continue
            _ = languages[original.user_id]
        else:
            _ = group_
        items.append(
            NewDelivery(
                chat_id=original.chat_id,
                priority=original.priority,
                kind=f"alert_{kind}",
                method=MESSAGE,
                params=message(texts.follow_up_text(_, kind, incident.severity, names, text)),
                incident_id=incident.id,
                network_id=original.network_id,
                user_id=original.user_id,
                reply_to=original.id,
                expires_at=window_end(ctx),
            )
        )
    return fit(items)


async def unpins(ctx: Context, incident: Incident) -> list[NewDelivery]:
    """A closed critical alert no longer needs to sit on top of its group chats."""
    return [
        NewDelivery(
            chat_id=original.chat_id,
            priority=priority("routine", group=True),
            kind="incident_unpin",
            method=UNPIN,
            params={"message_id": original.message_id},
            incident_id=incident.id,
            network_id=original.network_id,
        )
        for original in await store.alert_deliveries(ctx.database, incident.id)
        if original.pin and original.message_id is not None
    ]


async def update_incident(ctx: Context, incident_id: int, text: str, by: int) -> bool:
    """Queue `by`'s follow-up of an open incident; False if it is unknown or closed."""
    incident = await store.get(ctx.database, incident_id)
    if incident is None or not incident.is_open:
        return False
    items = await follow_up(ctx, incident, "update", text)
    if not await store.add_follow_up(ctx.database, incident.id, items, ctx.clock.now()):
        return False
    ctx.dispatcher.wake()
    await audit.record(
        ctx, by, audit.Act.UPDATED, incident.network_ids, audit.incident(incident_id)
    )
    return True


async def close_incident(ctx: Context, incident_id: int, by: int, text: str | None) -> bool:
    """Close an open incident (escalation stops); a closing text goes out like an update."""
    incident = await store.get(ctx.database, incident_id)
    if incident is None or not incident.is_open:
        return False
    items = await follow_up(ctx, incident, "close", text) if text else []
    items += await unpins(ctx, incident)
    if not await store.close(ctx.database, incident.id, by, text, items, ctx.clock.now()):
        return False
    log.info("incident %s closed by %s", incident.id, by)
    closing.cancel(ctx, incident.id)  # no reminder to close it any more
    ctx.dispatcher.wake()
    await audit.record(ctx, by, audit.Act.CLOSED, incident.network_ids, audit.incident(incident_id))
    # The mood pulse a few days later, where the networks have it on (domain.pulse).
    await pulse.after_incident_closed(ctx, incident.network_ids)
    return True


async def follow_up_reach(ctx: Context, incident: Incident) -> tuple[int, int]:
    """How many people and group chats a follow-up of `incident` reaches (for a preview)."""
    recipients = await store.recipients(ctx.database, incident.id)
    still = {r.user_id for r in recipients if r.still_member}
    people = groups = 0
    for original in await store.alert_deliveries(ctx.database, incident.id):
        if original.user_id is None:
            groups += 1
        elif original.user_id in still:
            people += 1
    return people, groups


async def not_seen(
    ctx: Context, incident: Incident, viewer: int | None = None
) -> tuple[list[Recipient], int]:
    """Who has not acknowledged `incident` yet (still members, by name), and how many got it.
    For its hosts and the coordinators only: the caller checks `may_manage`. The phone
    numbers (the call list) only for who reads its replies (`incident_hosts`): a coordinator
    at none of its networks' tables sees the names without them (need-to-know)."""
    people = await store.recipients(ctx.database, incident.id)
    found = waiting(people)
    if viewer is not None and viewer not in await incident_hosts(ctx, incident):
        found = [dataclasses.replace(p, phone=None) for p in found]
    return found, len(people)


# --- what members send back ----------------------------------------------------------------


async def tell_hosts_about(
    ctx: Context,
    incident: Incident,
    person: Recipient,
    *,
    mood: str | None = None,
    text: str | None = None,
    call: bool = False,
) -> None:
    """What a member sent back reaches the hosts and coordinators only – never the group."""
    network = await networks.get(ctx.database, person.network_id)
    network_name = network.name if network else "?"

    def compose(_: Translator) -> tuple[str, list[list[Button]]]:
        name = texts.name_of(_, person)
        if call:
            said = (
                _(
                    "📞 {name} ({network}) asks to be called about alert #{id}: {phone}",
                    name=name,
                    network=network_name,
                    id=incident.id,
                    phone=person.phone,
                )
                if person.phone
                else _(
                    "📞 {name} ({network}) asks to be called about alert #{id} (no phone "
                    "number shared: answer them with the button).",
                    name=name,
                    network=network_name,
                    id=incident.id,
                )
            )
        elif mood is not None:
            said = _(
                "💬 {name} ({network}) on alert #{id}: the mood is {mood}.",
                name=name,
                network=network_name,
                id=incident.id,
                mood=texts.mood_label(_, mood),
            )
        else:
            said = _(
                "💬 {name} ({network}) on alert #{id}:\n“{text}”",
                name=name,
                network=network_name,
                id=incident.id,
                text=text or "",
            )
        button = Button(
            _("Answer {name}", name=Html(name[:40])),
            f"inc:ans:{incident.id}:{person.user_id}",
        )
        return said, [[button]]

    # Through the outbox, so a crash or a Telegram hiccup does not swallow what a member said.
    hosts = [h for h in await incident_hosts(ctx, incident) if h != person.user_id]
    languages = await languages_of(ctx, hosts)
    items = []
    for host in hosts:
        said, buttons = compose(languages[host])
        items.append(
            NewDelivery(
                chat_id=host,
                priority=priority(incident.severity, group=False),
                kind="alert_reply",
                method=MESSAGE,
                params=message(said, buttons),
                incident_id=incident.id,
                network_id=person.network_id,
                user_id=host,
                about_user_id=person.user_id,
                expires_at=window_end(ctx),
            )
        )
    await store.queue(ctx.database, fit(items), ctx.clock.now())
    ctx.dispatcher.wake()


# --- the live status message ---------------------------------------------------------------


async def on_delivery(
    ctx: Context, delivery: Delivery, outcome: str, message: Sent | None = None
) -> None:
    """A delivery listener: the sender's status message is known once it is out, unreachable
    people are marked, the status changes, and a group post that did not arrive is told."""
    if delivery.incident_id is None:
        return
    if delivery.kind == STATUS_KIND:
        if outcome == "sent" and message is not None:
            await store.set_status_message(
                ctx.database,
                delivery.incident_id,
                message.chat_id,
                message.message_id,
                str(delivery.params["text"]),
            )
            await store.mark_changed(ctx.database, delivery.incident_id)
        return
    if delivery.kind not in store.ALERT_KINDS:
        return
    if outcome == "unreachable" and delivery.user_id is not None:
        await store.mark_unreachable(
            ctx.database, delivery.incident_id, delivery.user_id, ctx.clock.now()
        )
    if delivery.kind == "alert_group" and outcome in ("failed", "expired"):
        await _tell_sender_group_missed(ctx, delivery, outcome)
    # Once per incident between two looks of the status job: not a write per sent copy.
    if delivery.incident_id not in ctx.changed_incidents:
        ctx.changed_incidents.add(delivery.incident_id)
        await store.mark_changed(ctx.database, delivery.incident_id)


async def _tell_sender_group_missed(ctx: Context, delivery: Delivery, outcome: str) -> None:
    """The group chat did not get the alert: its sender must not believe it did."""
    assert delivery.incident_id is not None
    incident = await store.get(ctx.database, delivery.incident_id)
    if incident is None or incident.created_by is None:
        return
    network = await networks.get(ctx.database, delivery.network_id or 0)
    _ = await language_of(ctx, incident.created_by)
    why = (
        _("Telegram refused it: {reason}", reason=delivery.error or "?")
        if outcome == "failed"
        else _("Telegram could not be reached in time.")
    )
    text = _(
        "⚠️ Alert #{id} did not reach the group chat of {network}. {why}\n"
        "The members still get it privately; /incident {id} shows who has it.",
        id=incident.id,
        network=network.name if network else "?",
        why=why,
    )
    item = NewDelivery(
        chat_id=incident.created_by,
        priority=priority(incident.severity, group=False),
        kind="alert_notice",
        method=MESSAGE,
        params=message(text),
        incident_id=incident.id,
        user_id=incident.created_by,
        expires_at=window_end(ctx),
    )
    await store.queue(ctx.database, [item], ctx.clock.now())
    ctx.dispatcher.wake()


async def on_outage(ctx: Context, _outage: object) -> None:
    """Telegram stopped or started answering: the senders' status messages say so."""
    await store.mark_sending_changed(ctx.database)


async def refresh_statuses(ctx: Context) -> None:
    """Edit the status messages whose numbers changed (never an unchanged edit)."""
    ctx.changed_incidents.clear()  # what changes from now on is marked again
    if ctx.editor is None:
        return
    editor = ctx.editor
    waiting = ctx.outbox is not None and ctx.outbox.waiting_for_channel
    for incident in await store.take_changed(ctx.database):
        assert incident.status_chat_id is not None and incident.status_message_id is not None
        _ = await language_of(ctx, incident.created_by or 0)
        progress = await store.progress(ctx.database, incident.id)
        closed = not incident.is_open
        text = rules.status_text(_, incident.id, progress, waiting=waiting, closed=closed)
        if text == incident.status_text:
            continue
        # The buttons go with every edit: Telegram drops those an edit does not repeat.
        buttons = texts.status_buttons(_, incident.id, open_=not closed)
        chat, message_id = incident.status_chat_id, incident.status_message_id
        if not await editor.edit(chat, message_id, text, buttons):
            await store.mark_changed(ctx.database, incident.id)  # try again next time
            continue
        await store.set_status_text(ctx.database, incident.id, text)


# --- escalation ----------------------------------------------------------------------------


def _job_name(incident_id: int, step: Step) -> str:
    return f"incident-{incident_id}-{step}"


def _progress(ctx: Context, incident: Incident) -> dict[str, Any]:
    """Where an incident stands, as the escalation rules take it."""
    return {
        "open_": incident.is_open,
        "created_at": datetime.fromisoformat(incident.created_at),
        "timings": ctx.settings.incidents.timings(incident.severity),
        "reminded": incident.reminded_at is not None,
        "escalated": incident.escalated_at is not None,
    }


def schedule_escalation(ctx: Context, incident: Incident) -> None:
    """One-off jobs for the steps still to come (what is overdue runs at once)."""
    upcoming = rules.next_step_at(**_progress(ctx, incident))
    for step, when in upcoming.items():
        ctx.jobs.at(
            _job_name(incident.id, step), when, functools.partial(escalate_due, ctx), incident.id
        )


async def catch_up(ctx: Context) -> None:
    """What fell due while we were away runs once; the rest is scheduled."""

    async def steps(incident: Incident) -> None:
        if rules.due_steps(**_progress(ctx, incident), now=ctx.clock.now()):
            await escalate_due(ctx, incident.id)
            fresh = await store.get(ctx.database, incident.id)
            if fresh is None:
                return
            incident = fresh
        schedule_escalation(ctx, incident)  # a step already planned is not planned twice

    # One incident that fails does not hold up the escalation of the others.
    await supervise.each(
        "escalation", await store.open_incidents(ctx.database), steps, lambda i: f"incident {i.id}"
    )


async def escalate_due(ctx: Context, incident_id: int) -> list[Step]:
    """Take the steps due now for one incident; each step is done at most once, ever."""
    incident = await store.get(ctx.database, incident_id)
    if incident is None:
        return []
    due = rules.due_steps(**_progress(ctx, incident), now=ctx.clock.now())
    done = []
    for step in due:
        took = await (_remind(ctx, incident) if step is Step.remind else _escalate(ctx, incident))
        if took:
            done.append(step)
    if done:
        log.info("incident %s: %s", incident.id, ", ".join(done))
        ctx.dispatcher.wake()
    return done


def waiting(recipients: list[Recipient]) -> list[Recipient]:
    """Who has not acknowledged and is still a member of the incident's networks."""
    return [r for r in recipients if r.acknowledged_at is None and r.still_member]


async def _remind(ctx: Context, incident: Incident) -> bool:
    items, reminded = [], []
    people = [
        person
        for person in waiting(await store.recipients(ctx.database, incident.id))
        if person.unreachable_at is None and person.reminded_at is None
    ]
    languages = await languages_of(ctx, [person.user_id for person in people])
    originals = await store.private_alert_deliveries(ctx.database, incident.id)
    for person in people:
        _ = languages[person.user_id]
        items.append(
            NewDelivery(
                chat_id=person.user_id,
                priority=priority(incident.severity, group=False),
                kind="alert_reminder",
                method=MESSAGE,
                params=message(texts.reminder_text(_), texts.alert_buttons(_, incident.id)),
                incident_id=incident.id,
                network_id=person.network_id,
                user_id=person.user_id,
                reply_to=originals.get(person.user_id),
                expires_at=window_end(ctx),
            )
        )
        reminded.append(person.user_id)
    return await store.record_reminder(
        ctx.database, incident.id, fit(items), reminded, ctx.clock.now()
    )


async def _escalate(ctx: Context, incident: Incident) -> bool:
    to_call = waiting(await store.recipients(ctx.database, incident.id))
    items = []
    if to_call:
        names = await names_of(ctx, incident.network_ids)
        hosts = await incident_hosts(ctx, incident)
        languages = await languages_of(ctx, hosts)
        for host in hosts:
            _ = languages[host]
            text = _(
                "📞 Alert #{id} ({networks}): these members have not acknowledged it yet. "
                "Please call them yourself:\n{people}",
                id=incident.id,
                networks=names,
                people=Html(texts.names_list(_, to_call, functools.partial(texts.person_line, _))),
            )
            items.append(
                NewDelivery(
                    chat_id=host,
                    priority=priority(incident.severity, group=False),
                    kind="escalation",
                    method=MESSAGE,
                    params=message(text),
                    incident_id=incident.id,
                    user_id=host,
                    expires_at=window_end(ctx),
                )
            )
    return await store.record_escalation(ctx.database, incident.id, fit(items), ctx.clock.now())


# --- who reads members' replies: the network's choice ----------------------------------------


async def let_coordinators_read(ctx: Context, network_id: int, on: bool, by: int) -> bool:
    """The network asks (or no longer asks) the coordinators to read its members' replies,
    moods and call lists; recorded in the audit. False when it was so already."""
    changed = await networks.set_coordinators_see_replies(ctx.database, network_id, on)
    if changed:
        act = audit.Act.SHARED_REPLIES if on else audit.Act.UNSHARED_REPLIES
        await audit.record(ctx, by, act, network_id)
        log.info("network %s: coordinators read replies %s (by %s)", network_id, on, by)
    return changed

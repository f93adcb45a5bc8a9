"""The audit: who approved, rejected, removed, appointed, alerted, exported, invited, linked or
set up what, in which network, and when; and that someone deleted their data.

A use case calls `record` once its act has succeeded, so nothing is recorded for an act that
failed. Only references are kept (a person's id, an alert's number, an invite, a group chat):
names are looked up when /audit shows the record, so a changed name shows as it is now and a
person who used /forget shows as "a member who deleted their data" (`storage.audit.forget`).
Coordinators read it page by page (`view`), per network or all together.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from bot.fit import cut_label
from bot.i18n import Html, Translator, escape
from domain.context import Context
from domain.labels import moment_text, role_name
from storage import audit, coordinators, group_chats, invites, memberships, networks
from storage.audit import Entry, Subject

log = logging.getLogger(__name__)

PER_PAGE = 10  # entries on one page of /audit: at their longest about 300 characters each


class Act(StrEnum):
    """The short words of the audit's `action` column."""

    APPROVED = "approved"  # an application (subject: the person)
    REJECTED = "rejected"
    REMOVED = "removed"  # a member taken out by someone else (leaving is not recorded)
    APPOINTED = "appointed"  # a coordinator (no network)
    WITHDRAWN = "withdrawn"
    ALERTED = "alerted"  # an alert sent (subject: the incident), once per network
    UPDATED = "updated"  # a follow-up to it
    CLOSED = "closed"
    EXPORTED = "exported"  # a network's members and attendance as files
    EXPORTED_NUMBERS = "exported_numbers"  # ... its numbers: meetings, actions, alerts
    FORGOT = "forgot"  # someone deleted their data: no actor, no subject
    CREATED = "created"  # a network set up
    LINKED = "linked"  # a group chat made the network's (subject: the group)
    INVITED = "invited"  # an invite made (subject: the invite)
    SHARED_REPLIES = "replies_shared"  # the network asks the coordinators to read its replies
    UNSHARED_REPLIES = "replies_unshared"  # ... and no longer
    AGREED = "agreed"  # to a changed privacy notice (domain.consent), in each of their networks
    DECLINED = "declined"  # would rather not agree to it (yet)
    PULSE_ASKED = "pulse_asked"  # a host started a mood pulse (domain.pulse)
    PULSE_MONTHLY_ON = "pulse_monthly_on"  # ... switched the monthly pulse on
    PULSE_MONTHLY_OFF = "pulse_monthly_off"
    PULSE_AFTER_ALERT_ON = "pulse_after_alert_on"  # ... the pulse after an alert closes
    PULSE_AFTER_ALERT_OFF = "pulse_after_alert_off"
    SIGNAL_TAKEN = "signal_taken"  # a host picked up a signal (no subject: not who sent it)
    SIGNAL_ANSWERED = "signal_answered"  # ... answered its sender through the bot
    SIGNAL_CLOSED = "signal_closed"
    RUMOUR_JUDGED = "rumour_judged"  # a host's verdict on a rumour (no subject: not who raised it)
    COUNTER_SENT = "counter_sent"  # a counter-message to the network about a rumour
    WA_LINKED = "wa_linked"  # a person linked their WhatsApp (whatsapp.inbound): no network
    WA_UNLINKED = "wa_unlinked"  # ... took it away again (/profile)
    WA_STOPPED = "wa_stopped"  # ... wrote STOP: no more messages there
    WA_RESTARTED = "wa_restarted"  # ... wrote START after a STOP


def person(user_id: int) -> Subject:
    return Subject("person", user_id)


def incident(incident_id: int) -> Subject:
    return Subject("incident", incident_id)


def invite(invite_id: int) -> Subject:
    return Subject("invite", invite_id)


def group(chat_id: int) -> Subject:
    return Subject("group", chat_id)


def network(network_id: int) -> Subject:
    return Subject("network", network_id)


async def record(
    ctx: Context,
    actor: int | None,
    action: Act,
    network: int | Sequence[int] | None,
    subject: Subject | None = None,
) -> None:
    """Record that `actor` did `action` in `network` (several: a row in each; None: not about
    one network) to `subject`. Called after the act succeeded; a record that cannot be written
    is logged with everything it would have held, and the act stands."""
    if network is None or isinstance(network, int):
        network_ids: list[int | None] = [network]
    else:
        network_ids = list(dict.fromkeys(network)) or [None]
    try:
        await audit.add(ctx.database, ctx.clock.now(), actor, action, network_ids, subject)
    except sqlite3.Error:
        log.exception(
            "audit row not written: %s by %s in %s about %s", action, actor, network_ids, subject
        )


def window(ctx: Context) -> timedelta:
    """How long a record is kept: `[retention] audit_days`."""
    return timedelta(days=ctx.settings.retention.audit_days)


async def prune(ctx: Context) -> int:
    """Delete the records older than the retention window; returns how many went."""
    pruned = await audit.prune(ctx.database, ctx.clock.now() - window(ctx))
    if pruned:
        log.info("audit: %d records older than %s deleted", pruned, window(ctx))
    return pruned


# --- /audit ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """One page of the audit: its text, and where it stands among the pages."""

    text: str
    page: int
    pages: int


class _Names:
    """Names looked up once per page: people as their network knows them, networks, groups."""

    def __init__(self, ctx: Context, _: Translator) -> None:
        self.ctx, self._ = ctx, _
        self.people: dict[tuple[int, int | None], str] = {}
        self.networks: dict[int, str | None] = {}

    async def person(self, user_id: int | None, network_id: int | None, *, first: bool) -> str:
        _ = self._
        if user_id is None:
            if first:
                return _("A member who deleted their data")
            return _("a member who deleted their data")
        key = (user_id, network_id)
        if key not in self.people:
            self.people[key] = escape(cut_label(await self._name(user_id, network_id)))
        name = self.people[key]
        if name == _("a coordinator") and first:
            return _("A coordinator")
        return name

    async def _name(self, user_id: int, network_id: int | None) -> str:
        db = self.ctx.database
        if network_id is not None:
            membership = await memberships.get(db, network_id, user_id)
            if membership is not None and membership.display_name:
                return membership.display_name
        appointment = await coordinators.get(db, user_id)
        if appointment is not None and appointment.name:
            return appointment.name
        for membership in await memberships.for_user(db, user_id):
            if membership.display_name:
                return membership.display_name
        if self.ctx.is_configured_coordinator(user_id):
            return self._("a coordinator")
        return self._("person {id}", id=user_id)

    async def network(self, network_id: int) -> str | None:
        if network_id not in self.networks:
            found = await networks.get(self.ctx.database, network_id)
            self.networks[network_id] = cut_label(found.name) if found else None
        return self.networks[network_id]


async def _sentence(names: _Names, entry: Entry) -> str:
    """What happened, as a sentence: "Karin approved Ayşe"."""
    _ = names._
    db = names.ctx.database
    who = await names.person(entry.actor_id, entry.network_id, first=True)
    subject = entry.subject
    ref = subject.id if subject is not None else None
    whom = ""
    if subject is not None and subject.kind == "person":
        whom = await names.person(ref, entry.network_id, first=False)
    action = entry.action
    if action == Act.FORGOT:
        return _("A member deleted their data")
    if action == Act.APPROVED:
        return _("{actor} approved {person}", actor=Html(who), person=Html(whom))
    if action == Act.REJECTED:
        return _("{actor} rejected the application of {person}", actor=Html(who), person=Html(whom))
    if action == Act.REMOVED:
        return _("{actor} removed {person}", actor=Html(who), person=Html(whom))
    if action == Act.APPOINTED:
        return _("{actor} made {person} a coordinator", actor=Html(who), person=Html(whom))
    if action == Act.WITHDRAWN:
        return _(
            "{actor} ended the coordinator role of {person}", actor=Html(who), person=Html(whom)
        )
    if action == Act.ALERTED:
        return _("{actor} sent alert #{id}", actor=Html(who), id=ref or "?")
    if action == Act.UPDATED:
        return _("{actor} sent an update to alert #{id}", actor=Html(who), id=ref or "?")
    if action == Act.CLOSED:
        return _("{actor} closed alert #{id}", actor=Html(who), id=ref or "?")
    if action == Act.EXPORTED:
        return _("{actor} exported the members and attendance", actor=Html(who))
    if action == Act.EXPORTED_NUMBERS:
        return _("{actor} exported the numbers: meetings, actions, alerts", actor=Html(who))
    if action == Act.CREATED:
        return _("{actor} set up the network", actor=Html(who))
    if action == Act.LINKED:
        chat = await group_chats.get(db, ref) if ref is not None else None
        if chat is not None and chat.title:
            return _(
                "{actor} linked the group chat “{group}”",
                actor=Html(who),
                group=cut_label(chat.title),
            )
        return _("{actor} linked a group chat", actor=Html(who))
    if action == Act.INVITED:
        made = await invites.get(db, ref) if ref is not None else None
        if made is not None:
            role = role_name(_, made.role)
            return _("{actor} made an invite for a {role}", actor=Html(who), role=role)
        return _("{actor} made an invite", actor=Html(who))
    if action == Act.AGREED:
        return _("{actor} agreed to the new privacy notice", actor=Html(who))
    if action == Act.DECLINED:
        return _("{actor} did not agree to the new privacy notice", actor=Html(who))
    if action == Act.RUMOUR_JUDGED:
        return _("{actor} gave a verdict on a rumour", actor=Html(who))
    if action == Act.COUNTER_SENT:
        return _("{actor} sent a counter-message to the network", actor=Html(who))
    if action == Act.SIGNAL_TAKEN:
        return _("{actor} picked up a signal", actor=Html(who))
    if action == Act.SIGNAL_ANSWERED:
        return _("{actor} answered a signal", actor=Html(who))
    if action == Act.SIGNAL_CLOSED:
        return _("{actor} closed a signal", actor=Html(who))
    if action == Act.SHARED_REPLIES:
        return _("{actor} let the coordinators read the replies to alerts", actor=Html(who))
    if action == Act.UNSHARED_REPLIES:
        return _("{actor} kept the replies to alerts from the coordinators", actor=Html(who))
    if action == Act.WA_LINKED:
        return _("{actor} linked their WhatsApp", actor=Html(who))
    if action == Act.WA_UNLINKED:
        return _("{actor} unlinked their WhatsApp", actor=Html(who))
    if action == Act.WA_STOPPED:
        return _("{actor} stopped messages on WhatsApp", actor=Html(who))
    if action == Act.WA_RESTARTED:
        return _("{actor} started messages on WhatsApp again", actor=Html(who))
    if action == Act.PULSE_ASKED:
        return _("{actor} asked the members what is going on in the neighbourhood", actor=Html(who))
    if action == Act.PULSE_MONTHLY_ON:
        return _("{actor} switched the monthly mood pulse on", actor=Html(who))
    if action == Act.PULSE_MONTHLY_OFF:
        return _("{actor} switched the monthly mood pulse off", actor=Html(who))
    if action == Act.PULSE_AFTER_ALERT_ON:
        return _("{actor} switched the mood pulse after an alert on", actor=Html(who))
    if action == Act.PULSE_AFTER_ALERT_OFF:
        return _("{actor} switched the mood pulse after an alert off", actor=Html(who))
    return _("{actor}: {action}", actor=Html(who), action=action)


async def _line(names: _Names, entry: Entry, *, with_network: bool, this_year: int) -> str:
    _ = names._
    when = moment_text(_, entry.at, names.ctx.settings.bot.tz, this_year=this_year)
    head = Html("<b>{when}</b>").format(when=when)
    if with_network and entry.network_id is not None:
        name = await names.network(entry.network_id)
        where = name if name is not None else _("a network that is gone")
        head = Html("{head} · {where}").format(head=head, where=where)
    return Html("{head}\n{sentence}").format(head=head, sentence=await _sentence(names, entry))


async def view(ctx: Context, _: Translator, network_id: int | None, page: int) -> View:
    """Page `page` (0 is the newest) of the audit of one network, or of all (None)."""
    names = _Names(ctx, _)
    total = await audit.count(ctx.database, network_id)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 0), pages - 1)
    entries = await audit.page(ctx.database, network_id, offset=page * PER_PAGE, limit=PER_PAGE)
    if network_id is None:
        title = _("<b>Audit</b> · all networks")
    else:
        name = await names.network(network_id)
        title = _("<b>Audit of {network}</b>", network=name or "?")
    if not entries:
        return View(title + "\n\n" + _("Nothing has been recorded yet."), 0, 1)
    if pages > 1:
        title += " · " + _(
            "{first}–{last} of {total}",
            first=page * PER_PAGE + 1,
            last=page * PER_PAGE + len(entries),
            total=total,
        )
    year = ctx.clock.now().astimezone(ctx.settings.bot.tz).year
    lines = [
        await _line(names, entry, with_network=network_id is None, this_year=year)
        for entry in entries
    ]
    return View("\n\n".join([title, *lines]), page, pages)

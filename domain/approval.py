"""Deciding an application, and what follows from the decision.

The decision is made exactly once (`memberships.decide`): whoever decides second hears who
decided what and when. An approved member hears who approved them and gets their personal join
links to the network's group chats; a rejected applicant gets a kind word; the other hosts and
the coordinators learn who decided, so nobody decides twice.

**Every copy of the card shows the decision.** Each approver got their own copy of the
application with Approve / Reject. The copies are recorded when Telegram confirms them
(`on_delivery`, `storage.application_cards`); once someone decides, every other copy is edited
to "✅ Approved by Karin at 21:04" without buttons (`settle_cards`, through the editor port).
What Telegram does not take now is tried again (a job, the start, the end of an outage), so a
restart or an outage between the decision and the edit loses nothing. A press on a copy that
could not be edited yet still hears who decided (the handler's "Already approved by …").
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.i18n import Html, Translator
from domain import audit, group_links, menus, notify, timeline, whatsapp_link
from domain.context import Context
from domain.intake_texts import application_text
from domain.labels import moment_text, role_name, time_text
from domain.ports import Button, Keyboard, Sent, buttons_of
from storage import application_cards, group_chats, memberships, networks
from storage import whatsapp as wa_store
from storage.application_cards import Card
from storage.deliveries import Delivery
from storage.memberships import Membership, Outcome
from storage.networks import Network

log = logging.getLogger(__name__)

# decide:<approve|reject>:<network id>:<user id> (at most 64 bytes: ids are at most 20 digits)
DECISION = re.compile(r"^decide:(approve|reject):(\d{1,20}):(\d{1,20})$")
VERDICTS = {"approve": "approved", "reject": "rejected"}
CARDS_JOB = "application-cards"
RETRY_PAUSE = timedelta(seconds=10)  # after an edit Telegram did not take
FAILURES_IN_A_ROW = 3  # edits not taken in a row: Telegram is not answering, the rest waits
# An edited copy is kept this long, so a copy still on its way learns who decided (a notice
# lives a day in the outbox: `storage.deliveries.DEFAULT_LIFETIME`).
KEEP_EDITED = timedelta(days=1, hours=1)


@dataclass(frozen=True)
class Decision:
    """How deciding went (`Outcome.DECIDED` only for the one who decided); `network` None when
    the network is gone, `membership` None when the application is."""

    outcome: Outcome
    network: Network | None
    membership: Membership | None


async def decide(ctx: Context, network_id: int, user_id: int, verdict: str, by: int) -> Decision:
    """Record `verdict` ("approved" or "rejected") on the application, unless decided already.
    The consequences follow with `announce`, once the decider has seen the outcome."""
    network = await networks.get(ctx.database, network_id)
    if network is None:
        log.warning("decision for unknown network %s from user %s", network_id, by)
        return Decision(Outcome.UNKNOWN, None, None)
    decided = await memberships.decide(
        ctx.database, network_id, user_id, verdict, by, ctx.clock.now()
    )
    membership = decided.membership
    if decided.outcome is Outcome.UNKNOWN or membership is None:
        log.info("decision on unknown application %s/%s", network_id, user_id)
        return Decision(Outcome.UNKNOWN, network, None)
    if decided.outcome is Outcome.NOT_SUBMITTED:
        log.info("decision on application %s/%s in %s", network_id, user_id, membership.status)
    elif decided.outcome is not Outcome.ALREADY_DECIDED:
        log.info("user %s %s user %s in network %s", by, verdict, user_id, network_id)
        await audit.record(ctx, by, audit.Act(verdict), network_id, audit.person(user_id))
    return Decision(decided.outcome, network, membership)


async def announce(
    ctx: Context, network: Network, membership: Membership, *, decider: str, decider_id: int
) -> None:
    """The applicant hears the decision (a member gets their join links), and the other hosts
    and coordinators hear who made it."""
    await application_cards.note_decider(
        ctx.database, network.id, membership.user_id, decider_id, decider
    )
    kick(ctx)  # every approver's copy shows the decision
    if membership.status == "approved":
        await welcome_member(ctx, network, membership.user_id, decider, decider_id)
        await menus.refresh(ctx, membership.user_id)
        await timeline.members_changed(ctx, network.id)  # one more to hear from in the counts
    else:
        await tell_rejected(ctx, network, membership.user_id)
    await tell_other_hosts(ctx, network, membership, decider, decider_id)


async def welcome_member(
    ctx: Context, network: Network, user_id: int, decider: str, decider_id: int
) -> None:
    """The new member hears who approved them, in their language, and gets their group join
    link(s)."""
    has_group = bool(await group_chats.for_network(ctx.database, network.id))
    host = await memberships.get(ctx.database, network.id, decider_id)
    host_role = host.role if host is not None and host.status == "approved" else None
    # WhatsApp offered (configured, and not linked yet): a code made for this network.
    wa_code = None
    if (
        whatsapp_link.offered(ctx.settings)
        and await wa_store.get_contact(ctx.database, user_id) is None
    ):
        wa_code = await whatsapp_link.new_code(ctx, user_id, network.id, "invite")

    def compose(_: Translator) -> tuple[str, Keyboard]:
        # A host of the network, or a coordinator (who may decide for any network).
        role = role_name(_, host_role) if host_role else _("coordinator")
        text: str = _(
            "Good news: {name} ({role}) has approved your membership of {network}. Welcome! 🎉",
            name=decider,
            role=role,
            network=network.name,
        )
        if has_group:
            text += "\n\n" + _("Your personal link to the group chat follows.")
        else:
            text += "\n\n" + _(
                "The network's group chat isn't set up yet. I'll send you your personal link "
                "as soon as it is."
            )
        text += "\n\n" + _("🚨 Emergency? Always call 112 first.")
        if wa_code is None:
            return text, ()
        text += "\n\n" + whatsapp_link.welcome_line(_)
        link = whatsapp_link.wa_me_link(ctx.settings, wa_code.code)
        return text, [[Button(_("📱 Open WhatsApp"), url=link)]]

    await notify.tell(ctx, [user_id], compose)
    if has_group:
        sent = await group_links.invite_to_groups(ctx, network.id, [user_id])
        log.info("sent %d join link(s) to user %s for network %s", sent, user_id, network.id)


async def tell_rejected(ctx: Context, network: Network, user_id: int) -> None:
    """A rejected applicant gets a kind word, without a reason."""

    def compose(_: Translator) -> tuple[str, Keyboard]:
        return _(
            "Thank you for your interest in {network} and for your time. Unfortunately you "
            "will not become a member of the network. Questions? Please talk to the person who "
            "invited you.",
            network=network.name,
        ), ()

    await notify.tell(ctx, [user_id], compose)


async def tell_other_hosts(
    ctx: Context, network: Network, membership: Membership, decider: str, decider_id: int
) -> None:
    """The other hosts and coordinators learn who decided, so nobody decides twice."""
    others = [
        uid
        for uid in await notify.hosts_and_coordinators(ctx, network.id)
        if uid not in (decider_id, membership.user_id)
    ]
    name = membership.display_name or "–"

    def compose(_: Translator) -> tuple[str, Keyboard]:
        if membership.status == "approved":
            text = _(
                "{decider} approved {name} for {network}.",
                decider=decider,
                name=name,
                network=network.name,
            )
        else:
            text = _(
                "{decider} rejected the application of {name} for {network}.",
                decider=decider,
                name=name,
                network=network.name,
            )
        return text, ()

    await notify.tell(ctx, others, compose)


# --- every approver's copy of the card -----------------------------------------------------------


def read_decision(action: str) -> tuple[str, int, int] | None:
    """A decide button's verdict ("approved" / "rejected"), network and applicant."""
    found = DECISION.match(action)
    if found is None:
        return None
    return VERDICTS[found[1]], int(found[2]), int(found[3])


def when_decided(_: Translator, ctx: Context, decided_at: str | None) -> str:
    """When a decision was made, as people read it: the time today, else the moment."""
    if decided_at is None:
        return "?"
    tz = ctx.settings.bot.tz
    now = ctx.clock.now().astimezone(tz)
    local = datetime.fromisoformat(decided_at).astimezone(tz)
    if local.date() == now.date():
        return time_text(local, tz)
    return moment_text(_, local, tz, this_year=now.year)


def outcome_line(_: Translator, status: str, who: str, when: str) -> str:
    if status == "approved":
        return _("✅ Approved by {name} ({time})", name=who, time=when)
    return _("❌ Rejected by {name} ({time})", name=who, time=when)


def already_text(_: Translator, status: str, who: str, when: str) -> str:
    if status == "approved":
        return _("Already approved by {name} ({time}).", name=who, time=when)
    return _("Already rejected by {name} ({time}).", name=who, time=when)


def decided_card_text(
    _: Translator, network: Network, membership: Membership, who: str, when: str
) -> Html:
    """A copy of the application once it is decided: the application, then who decided when."""
    return Html(
        f"{application_text(_, network, membership)}\n\n"
        f"{outcome_line(_, membership.status, who, when)}"
    )


async def on_delivery(ctx: Context, delivery: Delivery, outcome: str, sent: Sent | None) -> None:
    """A delivery listener: a sent copy of an application is recorded, so it can show the
    decision later; one that arrives after the decision shows it at once."""
    if outcome != "sent" or sent is None or "buttons" not in delivery.params:
        return
    decision = next(
        (
            found
            for row in buttons_of(delivery.params)
            for button in row
            if (found := read_decision(button.action)) is not None
        ),
        None,
    )
    if decision is None:
        return
    _verdict, network_id, user_id = decision
    if await memberships.get(ctx.database, network_id, user_id) is None:
        return  # the applicant is gone (stopped, or deleted their data)
    await application_cards.record(ctx.database, sent.chat_id, sent.message_id, network_id, user_id)
    kick(ctx)  # decided already? Then it shows so (otherwise the job finds nothing)


async def card_shown(
    ctx: Context, chat_id: int, message_id: int, membership: Membership, who: str
) -> None:
    """The decider's own copy (or one pressed late) was edited right there: nothing to do but
    note who decided, for a copy still on its way."""
    await application_cards.edited(
        ctx.database,
        chat_id,
        message_id,
        ctx.clock.now(),
        application=(membership.network_id, membership.user_id),
        decider=(membership.decided_by or 0, who),
    )


def kick(ctx: Context, after: timedelta = timedelta(0)) -> None:
    """Bring the decided copies up to date now (a job already planned covers it)."""
    if ctx.scheduler is None:
        return
    when = ctx.clock.now() + after
    ctx.jobs.at(CARDS_JOB, when, functools.partial(settle_cards, ctx), 0)


async def on_outage(ctx: Context, outage: object) -> None:
    """Telegram answers again: the copies it could not edit meanwhile are edited now."""
    if outage is None:
        kick(ctx)


async def settle_cards(ctx: Context, _data: int = 0) -> int:
    """Edit every recorded copy of a decided application to show who decided, without buttons;
    returns how many. A copy Telegram does not take is tried again later; after a few in a row
    the rest waits too (Telegram is not answering)."""
    if ctx.editor is None:
        return 0
    if ctx.outbox is not None and ctx.outbox.waiting_for_channel:
        return 0  # `on_outage` brings us back
    now = ctx.clock.now()
    await application_cards.drop_edited(ctx.database, now - KEEP_EDITED)
    settled, failures, left = 0, 0, False
    for card in await application_cards.decided(ctx.database):
        if failures >= FAILURES_IN_A_ROW:
            left = True
            break
        network = await networks.get(ctx.database, card.network_id)
        membership = await memberships.get(ctx.database, card.network_id, card.user_id)
        if network is None or membership is None:
            await application_cards.edited(ctx.database, card.chat_id, card.message_id, now)
            continue
        _ = await notify.language_of(ctx, card.chat_id)
        who = await _decider_name(ctx, _, card, membership)
        when = when_decided(_, ctx, membership.decided_at)
        text = decided_card_text(_, network, membership, who, when)
        if not await ctx.editor.edit(card.chat_id, card.message_id, text):
            log.info("copy of application %s/%s not edited yet", card.network_id, card.user_id)
            failures, left = failures + 1, True
            continue
        failures = 0
        await application_cards.edited(ctx.database, card.chat_id, card.message_id, now)
        settled += 1
    if left:
        kick(ctx, RETRY_PAUSE)
    if settled:
        log.info("%d copies of decided applications show the decision", settled)
    return settled


async def _decider_name(ctx: Context, _: Translator, card: Card, membership: Membership) -> str:
    """As the decider was named at the decision; for a copy that came later, as the others
    say it or as the network knows them; "someone" once they deleted their data."""
    if card.decider_name:
        return card.decider_name
    for other in await application_cards.of_application(
        ctx.database, card.network_id, card.user_id
    ):
        if other.decider_name:
            return other.decider_name
    if membership.decided_by is not None:
        decider = await memberships.get(ctx.database, card.network_id, membership.decided_by)
        if decider is not None and decider.display_name:
            return decider.display_name
        return _("a coordinator")
    return _("someone")

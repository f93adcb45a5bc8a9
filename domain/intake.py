"""The intake's use cases: from an invite code to an application in the hosts' hands.

Redeeming an invite opens an intake (storage.memberships); each answer is stored with the step
it leads to, so the intake survives a restart; stopping drops the answers and opens the invite
again until it expires; submitting hands the application to the network's hosts and the
coordinators, with Approve and Reject. The order of the questions is `domain.intake_steps`,
their texts and buttons `domain.intake_texts`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from bot.i18n import LANGUAGE_NAMES, Translator
from bot.settings import SUPPORTED_LANGUAGES
from domain import consent, notify
from domain.context import Context
from domain.intake_steps import DIETS, OTHER_DIET, Position, Step, after
from domain.intake_texts import application_keyboard, application_text
from domain.labels import diet_name
from domain.ports import Keyboard
from storage import invites, memberships, networks, people
from storage.invites import Refusal
from storage.memberships import Membership, Submission
from storage.networks import Network

log = logging.getLogger(__name__)

Answers = dict[str, str | bool | None]


async def current(ctx: Context, user_id: int) -> Membership | None:
    """The person's open intake; the latest one if there are several."""
    open_intakes = await memberships.in_intake(ctx.database, user_id)
    if not open_intakes:
        return None
    return max(open_intakes, key=lambda m: m.last_active_at or "")


async def network_of(ctx: Context, membership: Membership) -> Network:
    network = await networks.get(ctx.database, membership.network_id)
    assert network is not None  # memberships reference networks, which are never deleted
    return network


@dataclass(frozen=True)
class Opened:
    """An invite redeemed: the intake it opened, for this role in this network."""

    network: Network
    membership: Membership
    role: str


@dataclass(frozen=True)
class Refused:
    """An invite that does not open an intake, and its network when the code is known."""

    refusal: Refusal
    network: Network | None


async def redeem(ctx: Context, code: str, user_id: int) -> Opened | Refused:
    """Open an intake with the invite `code`, once."""
    db = ctx.database
    redeemed = await invites.redeem(db, code, user_id, ctx.clock.now())
    if isinstance(redeemed, Refusal):
        invite = await invites.by_code(db, code)
        return Refused(redeemed, await networks.get(db, invite.network_id) if invite else None)
    log.info(
        "user %s redeemed invite %s: network %s as %s",
        user_id,
        redeemed.id,
        redeemed.network_id,
        redeemed.role,
    )
    network = await networks.get(db, redeemed.network_id)
    membership = await memberships.get(db, redeemed.network_id, user_id)
    assert network is not None and membership is not None
    return Opened(network, membership, redeemed.role)


async def opened_with(ctx: Context, membership: Membership, code: str) -> bool:
    """Whether the intake was opened with the invite `code` (not another link)."""
    if membership.invite_id is None:
        return True
    invite = await invites.get(ctx.database, membership.invite_id)
    return invite is not None and invite.code == code


async def store(
    ctx: Context,
    membership: Membership,
    position: Position,
    answers: Answers | None = None,
    consent: bool | None = None,
) -> Membership | None:
    """Store the answers with the next step in one go; None if the intake closed meanwhile."""
    return await memberships.save_intake(
        ctx.database,
        membership.network_id,
        membership.user_id,
        ctx.clock.now(),
        step=position.encode(),
        answers=answers,
        consent=consent,
    )


@dataclass(frozen=True)
class ButtonAnswer:
    """What a question's button means: the answer shown, what is stored, what comes next."""

    label: str
    position: Position
    answers: Answers = field(default_factory=dict)
    consent: bool | None = None
    language: str | None = None


def button_answer(
    _: Translator, position: Position, choice: str, offer: str | None
) -> ButtonAnswer | None:
    """The meaning of a question's button, or None if `choice` is not one of its buttons."""
    step = position.step
    if step is Step.NAME and choice == "tg" and offer is not None:
        return ButtonAnswer(offer, after(position), {"display_name": offer})
    if step is Step.ORGANISATION and choice == "skip":
        return ButtonAnswer(_("Skip"), after(position), {"organisation": None})
    if step is Step.SHARE_PHONE and choice in ("yes", "no"):
        label = _("Yes, they may call me") if choice == "yes" else _("No")
        return ButtonAnswer(label, after(position), {"phone_to_hosts": choice == "yes"})
    if step is Step.MEMBERS_PHONE and choice in ("yes", "no"):
        label = _("Yes, show it to members") if choice == "yes" else _("No, keep it private")
        return ButtonAnswer(label, after(position), {"phone_to_members": choice == "yes"})
    if step is Step.DIET and choice in DIETS:
        return ButtonAnswer(diet_name(_, choice), after(position), {"diet": choice})
    if step is Step.DIET and choice == OTHER_DIET:
        return ButtonAnswer(_("Other…"), after(position, other_diet=True))
    if step is Step.LANGUAGE and choice in SUPPORTED_LANGUAGES:
        return ButtonAnswer(LANGUAGE_NAMES[choice], after(position), language=choice)
    if step is Step.CONSENT and choice == "yes":
        return ButtonAnswer(_("I agree"), after(position), consent=True)
    return None


async def choose(ctx: Context, membership: Membership, answer: ButtonAnswer) -> Membership | None:
    """Store a button's answer (a language chosen is the person's language from now on);
    None if the intake closed meanwhile."""
    if answer.language is not None:
        await people.set_language(
            ctx.database, membership.user_id, answer.language, ctx.clock.now()
        )
    stored = await store(ctx, membership, answer.position, answer.answers, answer.consent)
    if stored is not None and answer.consent:
        await consent.record(ctx, membership.user_id)  # the notice's version agreed to
    return stored


async def decline_consent(ctx: Context, membership: Membership) -> None:
    """The person does not agree to the privacy notice (yet): noted, the intake stays open."""
    await memberships.save_intake(
        ctx.database, membership.network_id, membership.user_id, ctx.clock.now(), consent=False
    )


@dataclass(frozen=True)
class Stopped:
    """An intake stopped: its network, and until when its invite opens it again (None: the
    invite is used up)."""

    network: Network
    reopens_until: str | None


async def stop(ctx: Context, membership: Membership) -> Stopped:
    """Drop the intake and its answers; the invite opens again until it expires."""
    network = await network_of(ctx, membership)
    invite = await invites.get(ctx.database, membership.invite_id or 0)
    await memberships.cancel_intake(ctx.database, membership.network_id, membership.user_id)
    log.info("user %s stopped the intake for network %s", membership.user_id, network.id)
    if invite is None or invite.expires_at <= ctx.clock.now().isoformat():
        return Stopped(network, None)
    return Stopped(network, invite.expires_at)


async def submit(ctx: Context, membership: Membership, network: Network) -> Submission:
    """Hand the application to the hosts and the coordinators, unless consent or an answer is
    missing (the outcome says which)."""
    outcome = await memberships.submit(
        ctx.database, network.id, membership.user_id, ctx.clock.now()
    )
    if outcome is not Submission.SUBMITTED:
        return outcome
    log.info("user %s applied to network %s", membership.user_id, network.id)
    submitted = await memberships.get(ctx.database, network.id, membership.user_id)
    assert submitted is not None
    await announce(ctx, network, submitted)
    return outcome


async def announce(ctx: Context, network: Network, membership: Membership) -> None:
    """The network's hosts and the coordinators get the application with Approve/Reject."""
    recipients = [
        user_id
        for user_id in await notify.hosts_and_coordinators(ctx, network.id)
        if user_id != membership.user_id
    ]

    def compose(_: Translator) -> tuple[str, Keyboard]:
        return (
            application_text(_, network, membership),
            application_keyboard(_, network.id, membership.user_id),
        )

    told = await notify.tell(
        ctx, recipients, compose, kind="application", about_user_id=membership.user_id
    )
    if not told:
        log.warning("nobody could be told about the application of user %s", membership.user_id)

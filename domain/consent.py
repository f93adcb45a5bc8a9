"""Consent with a version: the privacy notice has a number, and members agree to each new one.

`VERSION` goes up (and `DATE` moves, and `what_changed` says what) whenever the notice changes
materially: what is stored, who sees it, how long it is kept. A member (hosts and coordinators
who are members too) who agreed to an older version is asked to agree again before their next
use of the bot (`handlers.guard`); the answer is kept with the person (`people.privacy_version`,
`privacy_agreed_at`) and in the audit. The intake's consent step records the version in force.

Alerts are never held back for it: a member who has not agreed again still receives alerts and
can answer them. Safety first; the question waits for their next command.

Who agreed in an intake before the notice had a number (the column is empty) agreed to
version 1.
"""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator
from domain import audit
from domain.context import Context
from domain.labels import day_text
from storage import consent
from storage.people import Person

VERSION = 1
DATE = date(2026, 12, 6)  # the day this version took effect


def agreed_version(person: Person | None) -> int:
    """The version the person last agreed to: 1 when they agreed before versions existed."""
    if person is None or person.privacy_version is None:
        return 1
    return person.privacy_version


async def to_ask(ctx: Context, user_id: int, person: Person | None) -> list[int]:
    """The networks for whose sake the person must agree to the current notice again; empty
    when they agreed to it already or are no member (then the notice asks nothing of them)."""
    if agreed_version(person) >= VERSION:
        return []
    return await consent.agreed_networks(ctx.database, user_id)


async def record(ctx: Context, user_id: int) -> None:
    """The person agreed to the current notice (in the intake, or when asked again)."""
    await consent.record(ctx.database, user_id, VERSION, ctx.clock.now())


async def agree(ctx: Context, user_id: int) -> None:
    """The person agreed to the changed notice: kept with them, and in their networks' audit."""
    await record(ctx, user_id)
    networks = await consent.agreed_networks(ctx.database, user_id)
    await audit.record(ctx, user_id, audit.Act.AGREED, networks or None)


async def decline(ctx: Context, user_id: int) -> None:
    """The person would rather stop: nothing changes but the audit notes it; they are asked
    again on their next command, until they agree, /leave or /forget."""
    networks = await consent.agreed_networks(ctx.database, user_id)
    await audit.record(ctx, user_id, audit.Act.DECLINED, networks or None)


def what_changed(_: Translator) -> str:
    """What this version changed, for the members who agreed to an older one. Write it anew
    with every new `VERSION`."""
    return _(
        "We now delete old messages, answers and alerts after fixed periods, keep a log of "
        "who approved, removed or alerted, and name nobody in the group who has not answered."
    )


def question_text(_: Translator) -> str:
    """Asked before the next use, after the notice changed."""
    return _(
        "<b>Our privacy notice changed</b> (version {version}, {day}).\n"
        "{changes}\n\n"
        "Do you agree? Alerts keep reaching you either way.",
        version=VERSION,
        day=day_text(_, DATE, this_year=0),
        changes=what_changed(_),
    )


def version_text(_: Translator) -> str:
    """The notice's version and date, under the full notice."""
    return _("Version {version} of {day}.", version=VERSION, day=day_text(_, DATE, this_year=0))

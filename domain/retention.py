"""Retention: how long the bot keeps what it holds, and the daily job that deletes what is older.

The windows are settings (`[retention]`); /privacy states them (`windows`, `windows_text`).
Why these defaults:

- **Message texts, 30 days after sending.** Nothing the bot does needs a sent text again: what
  stays true after sending (an alert's status, a meeting's count, the copies of an
  application) keeps its own record, and an alert's words are kept with the incident. A month
  lets the operator answer "what did the bot send me?" about the last few weeks. Messages that
  name someone other than their recipient or carry a number (the hosts' call list, a member's
  reply, an application, "Petra approved Ahmed") are cut as soon as they are sent
  (`on_delivery`); the delivery rows of an incident (who, when, arrived or not) stay with it.
- **Replies, moods and "call me", 180 days.** Half a year, about two meal meetings: long enough
  to look back at an incident together, short enough that what a member said about their
  neighbourhood does not follow them. Their numbers stay in the incident's summary.
- **Incidents, 365 days, then numbers.** A network looks back on its year (DOMAIN.md: numbers
  it produces itself are welcome); after that the counts (reached, acknowledged, replied, moods)
  are enough, without the text or who received it.
- **Ended memberships, 90 days.** A season in which the hosts still see who left or was not
  admitted and can answer a question about it; after it, the person's answers go. Coming back
  means a new invite and intake anyway.
- **The audit, 730 days** (`domain.audit`): two years of who approved, removed or alerted.
- **WhatsApp, 30 days for the record of a sent message, 7 for a webhook's id.** A message's
  state (sent, delivered, read) and its buttons matter while the member may still tap or the
  statuses still come; a webhook id only while Meta may repeat it (it retries for about a
  day). Link codes go once used or expired (a day). The link itself (id, number, consent)
  stays while the person keeps it: /profile unlinks, FORGET ME or /forget deletes it.

The job runs once a day at `[retention] hour` through the scheduler port, and soon after a
start when the last run finished more than a day ago (or never), so a restart loses nothing.
Every step is idempotent and works in short batches (`storage.retention`); one step that fails
is logged and counted, and the others still run. After the run the write-ahead log is emptied,
so deleted texts leave no copy there (`secure_delete` zeroes them in the file itself).
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot import supervise
from bot.i18n import Translator
from bot.settings import Settings
from domain import audit
from domain.context import Context
from domain.menus import KIND as MENU_KIND
from domain.ports import Sent
from storage import digest as digest_store
from storage import people, privacy, rumours, talents, wa_links
from storage import retention as store
from storage import signals as signal_store
from storage.database import Database
from storage.deliveries import Delivery

log = logging.getLogger(__name__)

JOB = "retention-daily"
START_DELAY = timedelta(minutes=2)  # after a start, once the bot has caught up with the rest
ROWS_PER_BATCH = 2000  # deliveries, replies, memberships, drafts per transaction
INCIDENTS_PER_BATCH = 50  # each with its recipients and deliveries

# Messages whose text names someone other than their recipient, or carries a phone number or a
# personal link: their text goes as soon as they are sent (or end otherwise).
CUT_WHEN_ENDED = frozenset(
    {
        "escalation",  # the hosts' call list: names and numbers
        "alert_reply",  # a member's mood or words, to the hosts
        "application",  # an applicant's answers, to the approvers
        "notice",  # approvals, departures, removals: who did what to whom
        "meeting_headcount",  # who comes and who did not answer, with the topics' authors
        "meeting_follow_up",  # the names to tick who came
        "meeting_day_before",  # the agenda, with the topics' authors
        "action_overdue",  # whose action is late
        "action_done",  # whose action is done
        "coordinator_appointed",
        "coordinator_withdrawn",
        "coordinator_unreached",
        "group_link",  # a personal join link: it works like a key
        "pulse_tally",  # the hosts' mood pulse tally: words, and names of who signed them
        "signal",  # a signal on a host's card: what a member reported, maybe their name
        "signal_status",  # a host's answer to the member who sent a signal
        "signal_reply",  # ... and the member's reply to it, to the hosts
        "rumour",  # a host's copy of a rumour: what goes round, and who passed it on
    }
)


@dataclass(frozen=True)
class Windows:
    """How long each kind of thing is kept, in days."""

    message_days: int
    reply_days: int
    incident_days: int
    ended_membership_days: int
    audit_days: int


def windows(settings: Settings) -> Windows:
    """The windows in force, from the settings."""
    kept = settings.retention
    return Windows(
        message_days=kept.message_days,
        reply_days=kept.reply_days,
        incident_days=kept.incident_days,
        ended_membership_days=kept.ended_membership_days,
        audit_days=kept.audit_days,
    )


def windows_text(_: Translator, settings: Settings) -> str:
    """The windows as /privacy states them."""
    kept = windows(settings)

    def days(n: int) -> str:
        return _.ngettext("{n} day", "{n} days", n, n=n)

    said = _(
        "<b>How long:</b> the text of a message from the bot, {messages} (a list with names "
        "or phone numbers only until it is sent). Your answers to an alert (the mood, your "
        "words, a request to be called), {replies}. An alert with who received it, {alerts}; "
        "after that only its numbers. What you told us for a network, {memberships} after you "
        "leave it or are not admitted. /forget deletes everything at once, whenever you want.",
        messages=days(kept.message_days),
        replies=days(kept.reply_days),
        alerts=days(kept.incident_days),
        memberships=days(kept.ended_membership_days),
    )
    said += " " + _(
        "A signal you sent, {signals} after it was closed.",
        signals=days(settings.retention.signal_days),
    )
    rumours_kept = _(
        "A rumour you passed on, {rumours} after its last change.",
        rumours=days(settings.retention.rumour_days),
    )
    return f"{said} {rumours_kept}"


# --- as soon as a message ends -------------------------------------------------------------------


def _kind(delivery: Delivery) -> str:
    return delivery.kind.removesuffix(privacy.CONTINUED)


async def on_delivery(
    ctx: Context, delivery: Delivery, outcome: str, _sent: Sent | None = None
) -> None:
    """A delivery listener: once a message that names someone ends, its text goes; once a
    forgotten person's last messages (the notice that they left, their menu put back) end,
    nothing of them is left, not even in the write-ahead log."""
    kind = _kind(delivery)
    if kind in CUT_WHEN_ENDED or kind == privacy.FORGOTTEN_NOTICE:
        # The kind as stored: a notice may have become a forgetting's while it was on its way.
        stored = await store.cut_body(ctx.database, delivery.id)
        if stored is not None and stored.startswith(privacy.FORGOTTEN_NOTICE):
            await ctx.database.checkpoint()
    elif kind == MENU_KIND and delivery.user_id is None and delivery.chat_id > 0:
        # The default menu, put back; for someone we no longer know, its row is all that is left.
        if await people.get(ctx.database, delivery.chat_id) is None:
            await store.drop_delivery(ctx.database, delivery.id)
            await ctx.database.checkpoint()


# --- the daily job -------------------------------------------------------------------------------

Step = Callable[[], Awaitable[store.Batch]]


def steps(ctx: Context, now: datetime) -> list[tuple[str, Step]]:
    """The job's steps, each one batch at a time, oldest things first."""
    kept = windows(ctx.settings)
    db = ctx.database

    def days(n: int) -> datetime:
        return now - timedelta(days=n)

    return [
        (
            "replies",
            lambda: store.summarise_replies(db, days(kept.reply_days), now, INCIDENTS_PER_BATCH),
        ),
        (
            "incidents",
            lambda: store.drop_incidents(db, days(kept.incident_days), now, INCIDENTS_PER_BATCH),
        ),
        ("signals", lambda: _signals(ctx, days(ctx.settings.retention.signal_days))),
        (
            "pulse words",
            lambda: store.drop_pulse_words(
                db, days(ctx.settings.retention.pulse_days), ROWS_PER_BATCH
            ),
        ),
        ("drafts", lambda: store.drop_drafts(db, days(kept.message_days), ROWS_PER_BATCH)),
        ("messages", lambda: store.cut_bodies(db, days(kept.message_days), ROWS_PER_BATCH)),
        (
            "memberships",
            lambda: store.drop_ended_memberships(
                db, days(kept.ended_membership_days), ROWS_PER_BATCH
            ),
        ),
        # Talents and reach live as long as a membership (also deleted on leaving the last).
        ("talents", lambda: talents.drop_of_non_members(db)),
        ("rumours", lambda: _rumours(db, days(ctx.settings.retention.rumour_days))),
        ("digests", lambda: _digests(db, now)),
        ("whatsapp", lambda: _whatsapp(ctx, now)),
    ]


async def _whatsapp(ctx: Context, now: datetime) -> store.Batch:
    """Used and expired link codes, handled webhook ids, words a tap asked for that never came
    (after a day), and the records of messages sent on WhatsApp (`storage.wa_links.purge`)."""
    kept = ctx.settings.retention
    given_up = await wa_links.give_up(ctx.database, now - timedelta(days=kept.wa_webhook_days), now)
    if given_up:
        log.warning(
            "retention: %d WhatsApp webhook item(s) still not handled after %d days given up"
            " (what they said deleted; their handling failed at every start)",
            given_up,
            kept.wa_webhook_days,
        )
    gone = await wa_links.purge(
        ctx.database,
        now,
        seen_before=now - timedelta(days=kept.wa_webhook_days),
        awaited_before=now - timedelta(days=1),
        messages_before=now - timedelta(days=kept.wa_message_days),
    )
    return store.Batch(gone, False)


async def _digests(db: Database, now: datetime) -> store.Batch:
    """The record of which months' digests went to whom (domain.digest) goes after 13 months:
    long enough that no month is ever sent twice."""
    gone = await digest_store.drop_old(db, (now - timedelta(days=400)).strftime("%Y-%m"))
    return store.Batch(gone, False)


async def _rumours(db: Database, before: datetime) -> store.Batch:
    gone = await rumours.drop_old(db, before, ROWS_PER_BATCH)
    return store.Batch(gone, gone == ROWS_PER_BATCH)


async def _signals(ctx: Context, before: datetime) -> store.Batch:
    gone, more = await signal_store.drop_old(ctx.database, before, ROWS_PER_BATCH)
    return store.Batch(gone, more)


async def run(ctx: Context) -> dict[str, int]:
    """One run: every step until nothing older than its window is left; returns how many rows
    each step changed or deleted."""
    now = ctx.clock.now()
    run_id = await store.start_run(ctx.database, now)
    counts: dict[str, int] = {}

    async def take(step: tuple[str, Step]) -> None:
        name, batch = step
        counts[name] = 0
        while True:
            done = await batch()
            counts[name] += done.rows
            if not done.more:
                return
            await asyncio.sleep(0)  # whoever waits to write goes first

    await supervise.each("retention", steps(ctx, now), take, lambda step: step[0])
    counts["audit"] = await audit.prune(ctx)
    await ctx.database.checkpoint()
    await store.finish_run(ctx.database, run_id, ctx.clock.now(), counts)
    log.info("retention: %s", ", ".join(f"{name} {n}" for name, n in counts.items()))
    return counts


def next_run(now: datetime, hour: int, tz: Any) -> datetime:
    """The next `hour`:00 local time after `now`."""
    local = now.astimezone(tz)
    at = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if at <= local:
        at = (local + timedelta(days=1)).replace(hour=hour, minute=0, second=0, microsecond=0)
    return at


async def plan(ctx: Context) -> datetime:
    """At start: soon, when the last run finished more than a day ago (or never); otherwise
    at the next `[retention] hour`. Returns when."""
    now = ctx.clock.now()
    last = await store.last_finished(ctx.database)
    if last is None or now - last >= timedelta(days=1):
        when = now + START_DELAY
    else:
        when = next_run(now, ctx.settings.retention.hour, ctx.settings.bot.tz)
    ctx.jobs.at(JOB, when, functools.partial(run_and_plan, ctx), 0)
    return when


async def run_and_plan(ctx: Context, _data: int = 0) -> None:
    """The job: a run, then the next one planned, whatever happened in this one."""
    try:
        await run(ctx)
    except Exception:
        supervise.failures["retention"] += 1
        log.exception("retention: the run failed; the next one tries again")
    finally:
        when = next_run(ctx.clock.now(), ctx.settings.retention.hour, ctx.settings.bot.tz)
        ctx.jobs.at(JOB, when, functools.partial(run_and_plan, ctx), 0)

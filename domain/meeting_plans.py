"""Planning meal meetings: plan one or a year of them, move one, cancel one, and the news of it
to the members who answered and to the network's group chats.

The conversation that gathers a plan (network, date, venue, meal) is `handlers.meetings`; once
it is complete these use cases do the work, and the timeline (`domain.timeline`) takes over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from bot.i18n import Translator, translator
from domain import meeting_texts as texts
from domain import meetings as rules
from domain import timeline
from domain.context import Context
from domain.notify import language_of
from domain.ports import MESSAGE, message
from storage import group_chats
from storage import meetings as store
from storage.deliveries import NewDelivery
from storage.meetings import Meeting, Venue

log = logging.getLogger(__name__)


def lead_days(ctx: Context) -> tuple[int, int, int]:
    """The poll, reminder and deadline days before a meeting, from the settings."""
    leads = ctx.settings.meetings
    return leads.poll_days, leads.remind_days, leads.deadline_days


def preview(network_id: int, details: dict[str, Any], starts_at: str, ctx: Context) -> Meeting:
    """What a meeting with these details (the plan's answers) will look like, for a summary."""
    poll_days, remind_days, deadline_days = lead_days(ctx)
    return Meeting(
        id=0,
        network_id=network_id,
        starts_at=starts_at,
        venue_kind=details.get("venue_kind", "other"),
        venue_name=details.get("venue_name"),
        address=details.get("address"),
        latitude=details.get("lat"),
        longitude=details.get("lon"),
        meal_note=details.get("note"),
        status="planned",
        poll_days=poll_days,
        remind_days=remind_days,
        deadline_days=deadline_days,
        round=1,
        planned_at=starts_at,
        created_by=None,
        created_at=starts_at,
        cancelled_at=None,
        attendance_confirmed_at=None,
    )


@dataclass(frozen=True)
class Planned:
    meetings: list[Meeting]
    skipped: list[str]  # the ISO moments not planned: past, or another meeting that day


async def plan(
    ctx: Context, network_id: int, details: dict[str, Any], wanted: list[str], host_id: int
) -> Planned:
    """Plan a meeting at each of the `wanted` moments (one, or a year's), with the venue and
    meal of `details`; the poll goes out at its time (at once if the meeting is near)."""
    tz = ctx.settings.bot.tz
    existing = [m.start for m in await store.of_network(ctx.database, network_id)]
    planned, skipped = [], []
    # An address, a pin, or both (a place of its own pinned on the map needs no address).
    place = (
        Venue(details.get("address") or "", details.get("lat"), details.get("lon"))
        if details.get("address") or details.get("lat") is not None
        else None
    )
    for iso in wanted:
        starts_at = datetime.fromisoformat(iso)
        if rules.in_the_past(starts_at, ctx.clock.now()) or rules.clashes(starts_at, existing, tz):
            skipped.append(iso)
            continue
        meeting = await store.create(
            ctx.database,
            network_id=network_id,
            starts_at=starts_at,
            venue_kind=details["venue_kind"],
            venue_name=details.get("venue_name"),
            place=place,
            meal_note=details.get("note"),
            created_by=host_id,
            now=ctx.clock.now(),
            lead_days=lead_days(ctx),
        )
        existing.append(starts_at)
        planned.append(meeting)
    for meeting in planned:
        log.info("meeting %s planned for network %s", meeting.id, meeting.network_id)
        await timeline.run_and_schedule(ctx, meeting.id)
    return Planned(planned, skipped)


async def date_choices(
    ctx: Context, network_id: int, today: date, weekday: int | None
) -> list[date]:
    """The dates to offer for a meeting of the network: on `weekday`, or the weekday it meets
    on (from its meetings so far; Thursday for a new network), without holidays and without
    the days it has a meeting already."""
    tz = ctx.settings.bot.tz
    planned = [m.start for m in await store.of_network(ctx.database, network_id)]
    if weekday is None:
        weekday = rules.usual_weekday(planned, tz)
    taken = {moment.astimezone(tz).date() for moment in planned}
    return rules.date_buttons(today, weekday, taken=taken)


async def clashes(
    ctx: Context, network_id: int, starts_at: datetime, *, besides: int | None, also: list[str]
) -> bool:
    """Another meeting of the network that day (not `besides`, the one being moved), or one of
    the `also` moments (the other dates of a year being planned)."""
    others = [m.start for m in await store.of_network(ctx.database, network_id) if m.id != besides]
    others += [datetime.fromisoformat(iso) for iso in also]
    return rules.clashes(starts_at, others, ctx.settings.bot.tz)


async def move(ctx: Context, meeting_id: int, starts_at: datetime) -> tuple[Meeting, int] | None:
    """A new date: everyone who answered hears it and is asked again; a new poll follows.
    The moved meeting and how many are asked again; None if it was cancelled."""
    meeting = await store.get(ctx.database, meeting_id)
    if meeting is None or not meeting.is_planned:
        return None
    answered = [p for p in await store.answers(ctx.database, meeting) if p.answer is not None]
    moved = replace(meeting, starts_at=starts_at.isoformat())
    name = await timeline.network_name(ctx, meeting.network_id)
    tz, year = ctx.settings.bot.tz, timeline.this_year(ctx)
    items = await news_for(
        ctx,
        meeting,
        [p.user_id for p in answered],
        "meeting_moved",
        lambda _: message(
            texts.moved_text(_, name, moved, tz, this_year=year),
            texts.answer_buttons(_, meeting.id),
        ),
        lambda _: message(texts.moved_group_text(_, moved, tz, this_year=year)),
    )
    await timeline.close_polls(ctx, meeting)
    updated = await store.reschedule(ctx.database, meeting.id, starts_at, items, ctx.clock.now())
    if updated is None:
        return None
    ctx.dispatcher.wake()
    await timeline.run_and_schedule(ctx, meeting.id)
    return updated, len(answered)


async def cancel(ctx: Context, meeting: Meeting) -> bool:
    """The poll closes and everyone hears it; False if it was cancelled already."""
    tz, year = ctx.settings.bot.tz, timeline.this_year(ctx)
    name = await timeline.network_name(ctx, meeting.network_id)
    items = await news_for(
        ctx,
        meeting,
        [p.user_id for p in await store.answers(ctx.database, meeting)],
        "meeting_cancelled",
        lambda _: message(texts.cancelled_text(_, name, meeting, tz, this_year=year)),
        lambda _: message(texts.cancelled_text(_, name, meeting, tz, this_year=year)),
    )
    if await store.cancel(ctx.database, meeting.id, items, ctx.clock.now()) is None:
        return False
    await timeline.close_polls(ctx, meeting)
    await timeline.schedule(ctx, meeting.id)  # its job goes
    ctx.dispatcher.wake()
    return True


async def news_for(
    ctx: Context,
    meeting: Meeting,
    people: list[int],
    kind: str,
    private: Callable[[Translator], dict[str, Any]],
    group: Callable[[Translator], dict[str, Any]],
) -> list[NewDelivery]:
    """News about a meeting for these people (each in their language) and its group chats
    (in the default language), as routine deliveries."""
    items = [
        timeline.private(
            user_id, meeting.network_id, kind, private(await language_of(ctx, user_id))
        )
        for user_id in people
    ]
    in_groups = group(translator(ctx.settings.bot.default_language))
    for chat in await group_chats.for_network(ctx.database, meeting.network_id):
        items.append(
            NewDelivery(
                chat_id=chat.chat_id,
                priority=timeline.ROUTINE_GROUP,
                kind=f"{kind}_group",
                method=MESSAGE,
                params=in_groups,
                network_id=meeting.network_id,
            )
        )
    return items

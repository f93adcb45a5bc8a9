"""The agenda before a meal meeting and the actions agreed at it: a member's topic, a host's
record of who does what by when, and the owner's word on how it goes.

The conversations that gather them are `handlers.meeting_agenda`; the reminders of an open
action are steps of `domain.timeline`.
"""

from __future__ import annotations

import logging
from datetime import date

from domain import meeting_texts as texts
from domain import meetings as rules
from domain import timeline
from domain.context import Context
from domain.notify import language_of
from domain.ports import message
from storage import actions as action_store
from storage import meetings as store
from storage import networks
from storage.actions import AgreedAction
from storage.deliveries import NewDelivery
from storage.meetings import Meeting

log = logging.getLogger(__name__)


def topics_open(ctx: Context, meeting: Meeting) -> bool:
    """Topics are taken until two days before the meeting, while it is planned."""
    return meeting.is_planned and rules.topics_open(
        meeting.start, ctx.clock.now(), ctx.settings.bot.tz
    )


async def propose_topic(
    ctx: Context, meeting: Meeting, user_id: int, text: str, anonymous: bool
) -> bool:
    """The topic goes on the meeting's list (the hosts see the name unless `anonymous`);
    False when the agenda has closed."""
    if not topics_open(ctx, meeting):
        return False
    await store.add_topic(ctx.database, meeting.id, user_id, text, anonymous, ctx.clock.now())
    return True


async def latest_held(ctx: Context, network_id: int) -> int | None:
    """The network's latest meeting that has begun: the one an action is agreed at."""
    held = [
        m for m in await store.of_network(ctx.database, network_id) if m.start <= ctx.clock.now()
    ]
    return held[-1].id if held else None


async def record_action(
    ctx: Context,
    *,
    network_id: int,
    meeting_id: int | None,
    what: str,
    owner_id: int,
    due_on: date,
    host_id: int,
) -> int:
    """An agreed action: recorded, the owner told (with buttons to say how it goes), and its
    reminders on the timeline. Returns its id."""
    lang = await language_of(ctx, owner_id)
    network = await networks.get(ctx.database, network_id)
    network_name = network.name if network else "?"

    def build(action_id: int) -> list[NewDelivery]:
        text = texts.agreed_text(
            lang, network_name, due_on, what, this_year=timeline.this_year(ctx)
        )
        params = message(text, texts.action_buttons(lang, action_id))
        return [timeline.private(owner_id, network_id, "action_new", params)]

    action_id = await action_store.create(
        ctx.database,
        network_id=network_id,
        meeting_id=meeting_id,
        what=what,
        owner_id=owner_id,
        due_on=due_on,
        created_by=host_id,
        build=build,
        now=ctx.clock.now(),
    )
    ctx.dispatcher.wake()
    await timeline.run_action_due(ctx, action_id)
    log.info("action %s recorded in network %s", action_id, network_id)
    return action_id


async def report_progress(ctx: Context, action: AgreedAction, done: bool, by: int) -> bool:
    """In progress, or done: then the hosts (but the one who says so) hear it, in the same
    transaction. False if it was done already."""
    items = []
    if done:
        tz = ctx.settings.bot.tz
        for host in await timeline.hosts(ctx, action.network_id):
            if host == by:
                continue
            lang = await language_of(ctx, host)
            params = message(texts.done_text(lang, action, tz, this_year=timeline.this_year(ctx)))
            items.append(timeline.private(host, action.network_id, "action_done", params))
    status = "done" if done else "in_progress"
    changed = await action_store.set_status(ctx.database, action.id, status, ctx.clock.now(), items)
    if changed and items:
        ctx.dispatcher.wake()
    return changed

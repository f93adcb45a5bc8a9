"""/forget: a person leaves every network, and everything the bot keeps about them goes.

They are taken out of their networks and group chats the way a member leaves (`domain.removal`:
the hosts are told who left), then every row about them is deleted and every text that names
them is cut or redacted at once (`storage.privacy.forget_person`), and their chat's menu is put
back. The notices of their leaving go out as written and lose their text as soon as they are
sent (`domain.retention.on_delivery`), so that afterwards nothing of them is left: not in any
table, not in the file's free space, not in its write-ahead log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from domain import audit, menus, removal, rumours
from domain.context import Context
from domain.removal import Departure
from storage import privacy

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Forgotten:
    rows: int  # rows deleted or cleared; 0: there was nothing left
    departures: list[Departure]  # the networks they left by it


async def forget(ctx: Context, user_id: int, name: str) -> Forgotten:
    """Forget `user_id` (whose Telegram name is `name`: texts may use it too)."""
    # What is queued from here on is the news of this leaving: it goes out, then is cut.
    first_notice = await privacy.next_delivery_id(ctx.database)
    departures = await removal.leave_every_network(ctx, user_id, name)
    rows = await privacy.forget_person(ctx.database, user_id, names=[name], keep_from=first_notice)
    if rows:  # the fact stays in the audit, without the person
        await audit.record(ctx, None, audit.Act.FORGOT, [d.network_id for d in departures])
    await menus.refresh(ctx, user_id)  # an appointed coordinator's menu went too
    rumours.kick(ctx)  # every host's copy of a rumour they raised says it went with them
    log.info("forgot user %s (%d rows, %d networks)", user_id, rows, len(departures))
    return Forgotten(rows, departures)

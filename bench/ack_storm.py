"""`ack_storm`: everybody presses ✅ Seen on a fresh alert at once.

A critical alert reaches 300 members (10 networks); then all of them press ✅ Seen within the
same moment. Answers to callback queries are not under Telegram's 30 messages/s, so what shows is
the bot's own cost per update. The baseline is a bare python-telegram-bot bot (the same
flood-limit keeper and as many updates at once as ours) answering the same presses on the same
sandbox, flood limits on. `ratio` is the bare bot's time over ours: 1.0 is bare-library speed.

The machines this runs on are shared, and one storm lasts a second or two, so it is played
`ROUNDS` times, ours and the bare bot's in turn (between rounds everybody's ✅ is forgotten, so
each round is a first press again): `ratio` is the median of the rounds' ratios, `ratios` all
of them. CPU is the whole bench process's (sandbox included) per press, the median of the rounds.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, CallbackQueryHandler, ContextTypes

from bench.broadcast import TEXT, World, build_world, press_send, settings_for, wait_until_all
from bot import services
from bot.app import build_application, running
from bot.updates import CONCURRENT
from sandbox import Sandbox, SimCallback, SimMessage
from storage.database import Database

PEOPLE = 300
NETWORKS = 10
ROUNDS = 5
SETTLE_S = 1.0  # after our bot starts: its start-up work is not part of the storm


def _alert_of(world: World) -> list[SimMessage]:
    found = []
    for member in world.members:
        for message in member.private_chat.bot_messages():
            if TEXT in (message.text or "") and message.buttons:
                found.append(message)
                break
    return found


async def storm(world: World, alerts: list[SimMessage]) -> tuple[float, float]:
    """Everybody presses ✅ Seen; seconds until every press is answered, and CPU seconds spent."""
    loop = asyncio.get_running_loop()
    cpu = time.process_time()
    began = loop.time()
    presses: list[SimCallback] = []
    for member, alert in zip(world.members, alerts, strict=True):
        presses.append(await member.press(alert, "✅ Seen"))
    await world.sandbox.wait_for(lambda: all(p.answer is not None for p in presses), timeout=300)
    return loop.time() - began, time.process_time() - cpu


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.callback_query
    await update.callback_query.answer("✅ Thank you – noted that you have seen it.")


async def bare_storm(world: World, alerts: list[SimMessage]) -> tuple[float, float]:
    sandbox = world.sandbox
    application: Any = (
        ApplicationBuilder()
        .token(sandbox.token)
        .base_url(f"{sandbox.base_url}/bot")
        .rate_limiter(AIORateLimiter())
        .concurrent_updates(CONCURRENT)
        .build()
    )
    application.add_handler(CallbackQueryHandler(_answer))
    async with application:
        await application.updater.start_polling(timeout=5)
        await application.start()
        try:
            return await storm(world, alerts)
        finally:
            await application.updater.stop()
            await application.stop()


async def our_storm(world: World, database: Path, alerts: list[SimMessage]) -> tuple[float, float]:
    """A round for our bot: nobody has seen the alert yet, the bot has settled, then the storm."""
    db = await Database.open(database)
    try:
        async with db.transaction() as conn:
            await conn.execute("UPDATE incident_recipients SET acknowledged_at = NULL")
    finally:
        await db.close()
    settings = settings_for(world.sandbox, database, world.sender.id)
    async with running(build_application(settings)) as app:
        await services.of(app).dispatcher.idle()
        await asyncio.sleep(SETTLE_S)
        found = await storm(world, alerts)
        acknowledged = await services.of(app).database.fetch_one(
            "SELECT count(*) FROM incident_recipients WHERE acknowledged_at IS NOT NULL"
        )
    assert acknowledged is not None and acknowledged[0] == PEOPLE, acknowledged
    return found


async def main(folder: Path) -> None:
    async with Sandbox(flood_limits=True) as sandbox:
        database = folder / "ack_storm.sqlite3"
        world = await build_world(sandbox, database, network_count=NETWORKS, member_count=PEOPLE)
        async with running(build_application(settings_for(sandbox, database, world.sender.id))):
            await press_send(world)
            await wait_until_all(world, within=600)
        alerts = _alert_of(world)
        assert len(alerts) == PEOPLE, len(alerts)
        rounds = []
        for _round in range(ROUNDS):
            ours = await our_storm(world, database, alerts)
            bare = await bare_storm(world, alerts)
            rounds.append((ours, bare))
    ratios = sorted(round(bare[0] / ours[0], 2) for ours, bare in rounds)
    print(
        json.dumps(
            {
                "scenario": "ack_storm",
                "presses": PEOPLE,
                "rounds": ROUNDS,
                "bot_s": round(statistics.median(ours[0] for ours, _bare in rounds), 3),
                "bare_s": round(statistics.median(bare[0] for _ours, bare in rounds), 3),
                "ratio": statistics.median(ratios),
                "ratios": ratios,
                "bot_cpu_ms_per_press": round(
                    statistics.median(ours[1] for ours, _bare in rounds) * 1000 / PEOPLE, 2
                ),
                "bare_cpu_ms_per_press": round(
                    statistics.median(bare[1] for _ours, bare in rounds) * 1000 / PEOPLE, 2
                ),
            }
        ),
        flush=True,
    )

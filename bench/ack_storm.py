"""`ack_storm`: everybody presses ✅ Seen on a fresh alert at once.

A critical alert reaches 300 members (10 networks); then all of them press ✅ Seen within the
same moment. Answers to callback queries are not under Telegram's 30 messages/s, so what shows is
the bot's own cost per update. The baseline is a bare python-telegram-bot bot (the same
flood-limit keeper and as many updates at once as ours) answering the same presses on the same
sandbox, flood limits on. `ratio` is the bare bot's time over ours: 1.0 is bare-library speed.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from telegram import Update
from telegram.ext import AIORateLimiter, ApplicationBuilder, CallbackQueryHandler, ContextTypes

from bench.broadcast import TEXT, World, build_world, press_send, settings_for, wait_until_all
from bot.app import build_application, running
from bot.updates import CONCURRENT
from sandbox import Sandbox, SimCallback, SimMessage

PEOPLE = 300
NETWORKS = 10


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


async def main(folder: Path) -> None:
    async with Sandbox(flood_limits=True) as sandbox:
        database = folder / "ack_storm.sqlite3"
        world = await build_world(sandbox, database, network_count=NETWORKS, member_count=PEOPLE)
        async with running(build_application(settings_for(sandbox, database, world.sender.id))):
            await press_send(world)
            await wait_until_all(world, within=600)
            alerts = _alert_of(world)
            assert len(alerts) == PEOPLE, len(alerts)
            ours_s, ours_cpu = await storm(world, alerts)
        bare_s, bare_cpu = await bare_storm(world, alerts)
    print(
        json.dumps(
            {
                "scenario": "ack_storm",
                "presses": PEOPLE,
                "bot_s": round(ours_s, 3),
                "bare_s": round(bare_s, 3),
                "ratio": round(bare_s / ours_s, 2),
                "bot_cpu_ms_per_press": round(ours_cpu * 1000 / PEOPLE, 2),
                "bare_cpu_ms_per_press": round(bare_cpu * 1000 / PEOPLE, 2),
            }
        ),
        flush=True,
    )

"""Mixed fan-out: one critical alert to 40 networks and 1,000 members, of whom 400 chose
WhatsApp (300 inside their 24-hour window, 100 outside it, who get the doorbell template, tap
"Show message" and then the alert) — Telegram's flood limits and WhatsApp's limits (80
messages/s for the number, one message per 6 s to a member, 250 members rung per day) all on,
in the two sandboxes. `mixed_whatsapp_bound`: the same with 900 on WhatsApp (100 outside the
window), so that WhatsApp's 80 messages/s, not Telegram, sets the floor.

One JSON line each: `fanout_s` (Send pressed → the last copy on either channel) against `floor_s`,
the least both channels' limits allow together: the larger of Telegram's copies / 30 per
second, WhatsApp's messages / 80 per second, and, for members outside the window, the 6 s
between the doorbell and the alert (their tap itself is immediate here); `lost` and
`duplicates` on each channel; `on_both` (a WhatsApp member who got the Telegram copy too);
`wa_refused` (sends WhatsApp refused for its limits: 130429, 131056, 131048 — the bot should
pace itself so none come) and `wa_failed` (any other refusal or failed status); `cpu_share`, the
CPU this process (the bot, both sandboxes and the simulated members, on one core) used over the
fan-out: near 1.0 the fan-out waited for the processor rather than for a channel's limit.
`BENCH_MIXED_WITHIN_S` (600) bounds the wait for the last copy.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import time
from collections import Counter
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.broadcast import TELEGRAM_PER_SECOND, TEXT, World, build_world, delivered, press_send
from bot import services
from bot.app import build_application, running
from bot.settings import load_settings
from sandbox import Sandbox
from storage import whatsapp as wa_store
from storage.database import Database
from wa_sandbox import WaMessage, WaSandbox, WaUser
from whatsapp import templates

ON_WHATSAPP = 400
OUTSIDE_WINDOW = 100  # of those
WHATSAPP_BOUND = 900  # the second run: so many on WhatsApp that its 80/s is the limit
WHATSAPP_PER_SECOND = 80
PAIR_INTERVAL_S = 6.0
LIMIT_CODES = (130429, 131056, 131048)
SECRET = "bench-app-secret"
VERIFY = "bench-verify-token"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def move_to_whatsapp(
    world: World, wa: WaSandbox, database: Path, on_whatsapp: int, outside_window: int
) -> tuple[dict[int, WaUser], set[int]]:
    """`on_whatsapp` members, spread over the networks, chose WhatsApp for their network
    (linked in storage, as the /profile story leaves it); the first `outside_window` of them
    wrote three days ago, the others an hour ago. Returns the WhatsApp members by Telegram id,
    and who is outside the window."""
    now = datetime.now(UTC)
    step = max(1, len(world.members) // on_whatsapp)
    chosen = world.members[::step][:on_whatsapp]
    on_wa: dict[int, WaUser] = {}
    outside: set[int] = set()
    db = await Database.open(database)
    try:
        for index, member in enumerate(chosen):
            wrote = now - (timedelta(days=3) if index < outside_window else timedelta(hours=1))
            if index < outside_window:
                outside.add(member.id)
            phone = f"3161{member.id % 10**7:07d}"
            user = wa.user(member.first_name, phone=phone, wrote_at=wrote)
            await wa_store.link(db, member.id, user.bsuid, phone, "profile", wrote)
            row = await db.fetch_one(
                "SELECT network_id FROM memberships WHERE user_id = ?", (member.id,)
            )
            assert row is not None
            await wa_store.set_channel(db, int(row[0]), member.id, "whatsapp", wrote)
            on_wa[member.id] = user
    finally:
        await db.close()
    return on_wa, outside


async def tap_the_doorbell(user: WaUser) -> None:
    """A member outside the window taps "Show message" as soon as the doorbell rings."""
    bell = await user.wait_for(lambda m: m.kind == "template", timeout=600)
    await user.tap(bell, bell.buttons[0])


def _alerts(user: WaUser) -> list[WaMessage]:
    return [m for m in user.inbox if TEXT in m.text]


async def main(folder: Path) -> None:
    await fan_out(folder, "mixed", ON_WHATSAPP, OUTSIDE_WINDOW)
    await fan_out(folder, "mixed_whatsapp_bound", WHATSAPP_BOUND, OUTSIDE_WINDOW)


async def fan_out(folder: Path, scenario: str, on_whatsapp: int, outside_window: int) -> None:
    async with AsyncExitStack() as stack:
        sandbox = await stack.enter_async_context(Sandbox(flood_limits=True))
        wa = await stack.enter_async_context(WaSandbox(app_secret=SECRET, verify_token=VERIFY))
        for declared in templates.DECLARED:
            wa.add_template(
                declared.name, declared.language, declared.body,
                buttons=declared.buttons, category=declared.category,
            )  # fmt: skip
        database = folder / f"{scenario}.sqlite3"
        world = await build_world(sandbox, database)
        on_wa, outside = await move_to_whatsapp(world, wa, database, on_whatsapp, outside_window)
        port = _free_port()
        wa.webhook_url = f"http://127.0.0.1:{port}/whatsapp"
        settings = load_settings(
            None,
            telegram={"token": sandbox.token, "base_url": sandbox.base_url, "poll_timeout": 10},
            database={"path": database},
            access={"coordinators": [world.sender.id]},
            whatsapp={
                "phone_number_id": wa.phone_number_id,
                "token": wa.access_token,
                "app_secret": SECRET,
                "verify_token": VERIFY,
                "display_phone": wa.display_phone,
                "listen": f"127.0.0.1:{port}",
                "graph_url": wa.graph_url,
            },
        )
        application = build_application(settings)
        await stack.enter_async_context(running(application))
        tappers = [asyncio.create_task(tap_the_doorbell(on_wa[member_id])) for member_id in outside]
        loop = asyncio.get_running_loop()
        pressed = await press_send(world)
        cpu_before = time.process_time()
        telegram_chats = [c for c in world.chats if c not in on_wa]
        deadline = pressed + float(os.environ.get("BENCH_MIXED_WITHIN_S", "600"))
        while loop.time() < deadline:
            copies = delivered(world)
            if all(copies[c] for c in telegram_chats) and all(_alerts(u) for u in on_wa.values()):
                break
            await asyncio.sleep(0.05)
        done = loop.time()
        cpu = time.process_time() - cpu_before
        await asyncio.gather(*tappers, return_exceptions=True)
        await wa.idle(timeout=60)
        svc = services.of(application)
        if svc.wa_webhook is not None:  # the statuses handled, not only received
            await asyncio.wait_for(svc.wa_webhook.idle(), 120)
        rows = await svc.database.fetch_all(
            "SELECT state, count(*) FROM wa_messages GROUP BY state ORDER BY state"
        )
        states = {str(row[0]): int(row[1]) for row in rows}
        figures(scenario, world, wa, on_wa, outside, telegram_chats, done - pressed, cpu, states)


def figures(
    scenario: str,
    world: World,
    wa: WaSandbox,
    on_wa: dict[int, WaUser],
    outside: set[int],
    telegram_chats: list[int],
    fanout_s: float,
    cpu_s: float,
    states: dict[str, int],
) -> None:
    copies = delivered(world)
    wa_messages = sum(len(u.inbox) for u in on_wa.values())
    floors = {
        "telegram": len(telegram_chats) / TELEGRAM_PER_SECOND,
        "whatsapp": wa_messages / WHATSAPP_PER_SECOND,
        "doorbell": PAIR_INTERVAL_S if outside else 0.0,
    }
    floor_s = max(floors.values())
    refused = Counter(r.error_code for r in wa.requests if r.error_code in LIMIT_CODES)
    failed_statuses = sum(
        1
        for p in wa.webhooks.confirmed
        for e in p["entry"]
        for c in e["changes"]
        for s in c["value"].get("statuses", ())
        if s["status"] == "failed"
    )
    other_refusals = sum(
        1 for r in wa.requests if r.verdict == "error" and r.error_code not in LIMIT_CODES
    )
    print(
        json.dumps(
            {
                "scenario": scenario,
                "telegram_copies": len(telegram_chats),
                "whatsapp_members": len(on_wa),
                "outside_window": len(outside),
                "whatsapp_messages": wa_messages,
                "fanout_s": round(fanout_s, 2),
                "floor_s": round(floor_s, 2),
                "floor_by": max(floors, key=lambda k: floors[k]),
                "ratio": round(fanout_s / floor_s, 3),
                "lost_telegram": sum(1 for c in telegram_chats if copies[c] == 0),
                "lost_whatsapp": sum(1 for u in on_wa.values() if not _alerts(u)),
                "duplicates_telegram": sum(n - 1 for c, n in copies.items() if n > 1),
                "duplicates_whatsapp": sum(max(0, len(_alerts(u)) - 1) for u in on_wa.values()),
                "on_both": sum(1 for member_id in on_wa if copies[member_id]),
                "doorbells": sum(
                    1 for u in on_wa.values() for m in u.inbox if m.kind == "template"
                ),
                "wa_refused": dict(refused),
                "wa_failed": failed_statuses + other_refusals,
                "http_429": sum(1 for r in world.sandbox.requests if r.error_code == 429),
                "wa_requests": len(wa.requests),
                "wa_webhooks": len(wa.webhooks.confirmed),
                # What the bot recorded of its WhatsApp messages once every status was handled
                # (all "read": the simulated members read at once).
                "wa_states": states,
                # CPU of this one process (bot, both sandboxes, the members) over the fan-out:
                # near 1.0, the fan-out waited for the processor, not for a limit.
                "cpu_share": round(cpu_s / fanout_s, 2),
            }
        ),
        flush=True,
    )

"""Broadcast benchmarks: one critical alert to 40 networks and 1,000 members, three ways.

Each scenario prints one JSON line with `fanout_s` (Send pressed → the last copy delivered),
`floor_s` (the least Telegram's limits allow: copies / 30 per second), `ratio`, `first_group_ms`
(Send pressed → the first group post), `lost`, `duplicates` and `http_429`.

- clean: the sandbox with Telegram's flood limits on;
- faults: the same with 2% 5xx and 1% 429 answers injected;
- kill: the bot (a real `bondgenoten run` process) is killed with SIGKILL half-way and
  restarted; `in_flight_at_kill` is how many copies Telegram had accepted that the bot had not
  yet recorded — the most that may arrive twice.
- outage: half-way, Telegram answers every request with 502 for `BENCH_OUTAGE_S` seconds
  (600 by default: ten minutes, in real time, because the flood limits run on real time); then
  `recovery_s` (Telegram back → the last copy) is set against the floor for what was left
  (`left` / 30 per second) as `recovery_ratio`.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.app import build_application, running
from bot.settings import Settings, load_settings
from sandbox import Membership, Sandbox, SimChat, SimUser
from sandbox.server import RequestRecord
from storage import group_chats, invites, memberships, networks, people
from storage.database import Database
from storage.group_chats import BotRights

NETWORKS = 40
MEMBERS = 1000
TELEGRAM_PER_SECOND = 30
PAID_PER_SECOND = 1000  # with allow_paid_broadcast
IN_FLIGHT = 24  # sends at once, the bare sender's as our dispatcher's default
TEXT = "BENCH: a critical incident in the district. Stay calm; police on site."
RIGHTS = {"can_invite_users": True, "can_restrict_members": True, "can_pin_messages": True}


@dataclass
class World:
    sandbox: Sandbox
    sender: SimUser
    members: list[SimUser]
    groups: list[SimChat]
    # Per text: how far the request log is counted for good, and the copies counted there.
    counted: dict[str, tuple[int, Counter[int]]] = field(default_factory=dict)

    @property
    def chats(self) -> list[int]:
        return [m.id for m in self.members] + [g.id for g in self.groups]


async def build_world(
    sandbox: Sandbox, database: Path, *, network_count: int = NETWORKS, member_count: int = MEMBERS
) -> World:
    """40 networks with a linked group each, 1,000 approved members, one coordinator."""
    sender = sandbox.add_user("Coordinator", language_code="en")
    sender.started = True
    members = [sandbox.add_user(f"Member{n}", language_code="en") for n in range(member_count)]
    db = await Database.open(database)
    now = datetime.now(UTC)
    groups = []
    try:
        per_network = member_count // network_count
        for index in range(network_count):
            network = await networks.create(db, f"Network {index:02d}", None, sender.id, now)
            share = members[index * per_network : (index + 1) * per_network]
            group = sandbox.add_group(f"Group {index:02d}", members=[sender], admins=[sender])
            groups.append(group)
            await group_chats.record_added(
                db, group.id, group.title, sender.id, now, True, BotRights(True, True)
            )
            await group_chats.link(db, group.id, network.id, sender.id, now)
            for member in share:
                member.started = True
                invite = await invites.create(db, network.id, "key_figure", sender.id, now)
                await invites.redeem(db, invite.code, member.id, now)
                await memberships.save_intake(
                    db, network.id, member.id, now, answers={"display_name": member.first_name},
                    consent=True,
                )  # fmt: skip
                await memberships.submit(db, network.id, member.id, now)
                await memberships.decide(db, network.id, member.id, "approved", sender.id, now)
                await people.set_language(db, member.id, "en", now)
        await people.set_language(db, sender.id, "en", now)
    finally:
        await db.close()
    for group in groups:
        # Telegram would have told the bot when it was made an admin; here it just is one.
        group.members[sandbox.bot_id] = _admin_membership(sandbox)
    return World(sandbox, sender, members, groups)


def _admin_membership(sandbox: Sandbox) -> Membership:
    return Membership(sandbox.bot_user, "administrator", rights=dict(RIGHTS))


def settings_for(sandbox: Sandbox, database: Path, coordinator: int) -> Settings:
    return load_settings(
        None,
        telegram={"token": sandbox.token, "base_url": sandbox.base_url, "poll_timeout": 10},
        database={"path": database},
        access={"coordinators": [coordinator]},
    )


async def press_send(world: World) -> float:
    """The coordinator composes a critical alert to all networks and presses Send."""
    sender = world.sender
    await sender.send("/alert")
    step = await sender.expect("Which networks", timeout=60)
    await (await sender.press(step, "All networks")).answered(timeout=60)
    await world.sandbox.wait_for(lambda: "✓" in " ".join(step.button_texts()), timeout=60)
    await (await sender.press(step, "Next ➡️")).answered(timeout=60)
    await world.sandbox.wait_for(lambda: "How serious" in (step.text or ""), timeout=60)
    await (await sender.press(step, "🔴 Critical")).answered(timeout=60)
    await world.sandbox.wait_for(lambda: "May the members" in (step.text or ""), timeout=60)
    await (await sender.press(step, "🔒 Network only")).answered(timeout=60)
    await world.sandbox.wait_for(lambda: "Now type" in (step.text or ""), timeout=60)
    await sender.send(TEXT)
    preview = await sender.expect("Preview", timeout=60)
    loop = asyncio.get_running_loop()
    pressed = loop.time()
    await sender.press(preview, "📤 Send")
    return pressed


def delivered(world: World, text: str = TEXT) -> Counter[int]:
    """How many copies of `text` each chat received.

    The request log only grows, and a request's outcome is final once it has a status, so the
    log is read once up to its first unfinished request; the rest is read again each time. (The
    sandbox runs in this process: rereading thousands of requests twenty times a second would
    take CPU from it.)
    """
    requests = world.sandbox.requests
    start, settled = world.counted.get(text, (0, Counter()))
    while start < len(requests) and requests[start].status:
        _count(requests[start], text, settled)
        start += 1
    world.counted[text] = (start, settled)
    copies = Counter(settled)
    for record in requests[start:]:
        _count(record, text, copies)
    return copies


def _count(record: RequestRecord, text: str, copies: Counter[int]) -> None:
    if record.method == "sendMessage" and record.ok and text in str(record.params.get("text")):
        copies[int(record.params["chat_id"])] += 1


async def wait_until_all(world: World, *, within: float, text: str = TEXT) -> float:
    loop = asyncio.get_running_loop()
    expected = set(world.chats)
    deadline = loop.time() + within
    while not expected <= set(delivered(world, text)):
        if loop.time() > deadline:
            break
        await asyncio.sleep(0.05)
    return loop.time()


def first_group_post(world: World) -> float | None:
    groups = {g.id for g in world.groups}
    times = [
        r.time
        for r in world.sandbox.requests
        if r.method == "sendMessage"
        and r.ok
        and TEXT in str(r.params.get("text"))
        and int(r.params["chat_id"]) in groups
    ]
    return min(times) if times else None


def figures(
    world: World,
    scenario: str,
    pressed_wall: float,
    fanout_s: float,
    per_second: float = TELEGRAM_PER_SECOND,
    **extra: Any,
) -> None:
    copies = delivered(world)
    total = len(world.chats)
    floor_s = total / per_second
    first = first_group_post(world)
    print(
        json.dumps(
            {
                "scenario": scenario,
                "copies": total,
                "fanout_s": round(fanout_s, 2),
                "floor_s": round(floor_s, 2),
                "ratio": round(fanout_s / floor_s, 3),
                "first_group_ms": round((first - pressed_wall) * 1000, 1) if first else None,
                "lost": sum(1 for chat in world.chats if copies[chat] == 0),
                "duplicates": sum(n - 1 for n in copies.values() if n > 1),
                "http_429": sum(1 for r in world.sandbox.requests if r.error_code == 429),
                "flood_429": world.sandbox.flood_429_count,
                **extra,
            }
        ),
        flush=True,
    )


async def in_process(scenario: str, folder: Path, *, faults: bool) -> None:
    async with AsyncExitStack() as stack:
        sandbox = await stack.enter_async_context(Sandbox(flood_limits=True))
        database = folder / f"{scenario}.sqlite3"
        world = await build_world(sandbox, database)
        application = build_application(settings_for(sandbox, database, world.sender.id))
        await stack.enter_async_context(running(application))
        if faults:
            sandbox.faults.random_errors(
                rate_5xx=0.02, rate_429=0.01, seed=7, methods=["sendMessage"]
            )
        loop = asyncio.get_running_loop()
        pressed = await press_send(world)
        wall_at_press = _wall_at(loop, pressed)
        done = await wait_until_all(world, within=600)
        sandbox.faults.clear()
        figures(world, scenario, wall_at_press, done - pressed)


def _wall_at(loop: asyncio.AbstractEventLoop, moment: float) -> float:
    """The sandbox stamps requests with wall time; convert a loop time to it."""
    return time.time() - (loop.time() - moment)


async def killed_half_way(folder: Path) -> None:
    async with Sandbox(flood_limits=True) as sandbox:
        database = folder / "kill.sqlite3"
        world = await build_world(sandbox, database)
        config = folder / "kill.toml"
        config.write_text(
            f'[telegram]\ntoken = "{sandbox.token}"\nbase_url = "{sandbox.base_url}"\n'
            f'poll_timeout = 10\n[database]\npath = "{database}"\n'
            f"[access]\ncoordinators = [{world.sender.id}]\n"
        )
        bot = await _start_bot(config)
        loop = asyncio.get_running_loop()
        try:
            pressed = await press_send(world)
            wall_at_press = _wall_at(loop, pressed)
            half = len(world.chats) // 2
            while sum(delivered(world).values()) < half:  # noqa: ASYNC110 (counting requests)
                await asyncio.sleep(0.01)
            bot.send_signal(signal.SIGKILL)
            await bot.wait()
            accepted = sum(delivered(world).values())
            db = await Database.open(database)
            row = await db.fetch_one(
                "SELECT count(*) FROM deliveries WHERE status = 'sent'"
                " AND kind IN ('alert_group', 'alert_private')"
            )
            await db.close()
            recorded = row[0] if row is not None else 0
            bot = await _start_bot(config)
            done = await wait_until_all(world, within=600)
        finally:
            if bot.returncode is None:
                bot.send_signal(signal.SIGTERM)
                await bot.wait()
        figures(
            world,
            "kill",
            wall_at_press,
            done - pressed,
            in_flight_at_kill=accepted - recorded,
            killed_after=accepted,
        )


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measured(folder: Path, *, paid: bool) -> None:
    """The clean fan-out by a `bondgenoten run` process: its CPU per copy; with `paid`, paid
    broadcasts on and the floor at Telegram's 1,000 messages/s for them.

    With `paid` also: `sandbox_cpu_ms_per_request`, the CPU this process (the sandbox, mostly)
    spent per request it answered during the fan-out (1,000 / it: the most requests a second it
    could serve on a core of its own); then a bare python-telegram-bot sender
    (bench/bare_sender.py, in its own process as ours is) sends the same copies to the same
    sandbox: `bare_s`, its `bare_ratio` to the floor, `bare_cpu_ms_per_copy`, and
    `ratio_to_bare` (our time over its).

    `BENCH_PROFILE=FILE` runs the bot under cProfile, which writes its profile to FILE at stop.
    """
    scenario = "paid" if paid else "cpu_per_message"
    async with Sandbox(flood_limits=True) as sandbox:
        database = folder / f"{scenario}.sqlite3"
        world = await build_world(sandbox, database)
        config = folder / f"{scenario}.toml"
        config.write_text(
            f'[telegram]\ntoken = "{sandbox.token}"\nbase_url = "{sandbox.base_url}"\n'
            f'poll_timeout = 10\n[database]\npath = "{database}"\n'
            f"[access]\ncoordinators = [{world.sender.id}]\n"
            + ("[broadcast]\npaid = true\n" if paid else "")
        )
        bot = await _start_bot(config)
        loop = asyncio.get_running_loop()
        try:
            await sandbox.wait_for(
                lambda: sum(r.method == "getUpdates" for r in sandbox.requests) >= 1, timeout=60
            )
            await asyncio.sleep(1)  # start-up work done
            pressed = await press_send(world)
            cpu_before = cpu_seconds(bot.pid)
            own_before, requests_before = time.process_time(), len(sandbox.requests)
            wall_at_press = _wall_at(loop, pressed)
            done = await wait_until_all(world, within=600)
            cpu = cpu_seconds(bot.pid) - cpu_before
            own = time.process_time() - own_before
            answered = len(sandbox.requests) - requests_before
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()
        extra: dict[str, float] = {}
        if paid:
            extra["sandbox_cpu_ms_per_request"] = round(own * 1000 / max(1, answered), 3)
            extra.update(await bare_fan_out(world, folder, paid=True))
            extra["ratio_to_bare"] = round((done - pressed) / extra["bare_s"], 2)
        figures(
            world,
            scenario,
            wall_at_press,
            done - pressed,
            PAID_PER_SECOND if paid else TELEGRAM_PER_SECOND,
            cpu_s=round(cpu, 3),
            cpu_ms_per_copy=round(cpu * 1000 / len(world.chats), 3),
            **extra,
        )


BARE_TEXT = TEXT.replace("BENCH:", "BARE:")  # counted apart from ours


async def bare_fan_out(world: World, folder: Path, *, paid: bool) -> dict[str, float]:
    """The same copies by a bare python-telegram-bot sender in its own process."""
    job = folder / "bare.json"
    job.write_text(
        json.dumps(
            {
                "base_url": world.sandbox.base_url,
                "token": world.sandbox.token,
                "text": BARE_TEXT,
                "paid": paid,
                "in_flight": IN_FLIGHT,
                "chats": [[m.id, True] for m in world.members]
                + [[g.id, False] for g in world.groups],
            }
        )
    )
    sender = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.bare_sender", str(job),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert sender.stdin is not None and sender.stdout is not None
    try:
        assert (await sender.stdout.readline()).strip() == b"ready"
        loop = asyncio.get_running_loop()
        cpu_before = cpu_seconds(sender.pid)
        began = loop.time()
        sender.stdin.write(b"go\n")
        await sender.stdin.drain()
        done = await wait_until_all(world, within=600, text=BARE_TEXT)
        cpu = cpu_seconds(sender.pid) - cpu_before
        assert (await sender.stdout.readline()).strip() == b"done"
    finally:
        if sender.returncode is None:
            sender.kill()
        await sender.wait()
    copies = len(world.chats)
    per_second = PAID_PER_SECOND if paid else TELEGRAM_PER_SECOND
    return {
        "bare_s": round(done - began, 2),
        "bare_ratio": round((done - began) / (copies / per_second), 3),
        "bare_cpu_ms_per_copy": round(cpu * 1000 / copies, 3),
        "bare_lost": sum(1 for chat in world.chats if delivered(world, BARE_TEXT)[chat] == 0),
    }


async def _start_bot(config: Path) -> asyncio.subprocess.Process:
    # BENCH_PROFILE=FILE: the bot runs under cProfile and writes its profile there at stop.
    profile = os.environ.get("BENCH_PROFILE")
    profiled = ["-m", "cProfile", "-o", profile] if profile else []
    return await asyncio.create_subprocess_exec(
        sys.executable, *profiled, "-m", "bot.cli", "run", "--config", str(config),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip


async def outage_half_way(folder: Path, seconds: float) -> None:
    """Telegram is down for `seconds` in the middle of the fan-out, then comes back."""
    async with AsyncExitStack() as stack:
        sandbox = await stack.enter_async_context(Sandbox(flood_limits=True))
        database = folder / "outage.sqlite3"
        world = await build_world(sandbox, database)
        application = build_application(settings_for(sandbox, database, world.sender.id))
        await stack.enter_async_context(running(application))
        loop = asyncio.get_running_loop()
        pressed = await press_send(world)
        wall_at_press = _wall_at(loop, pressed)
        half = len(world.chats) // 2
        while sum(delivered(world).values()) < half:  # noqa: ASYNC110 (counting requests)
            await asyncio.sleep(0.01)
        sandbox.faults.outage("5xx")
        before = len(delivered(world))
        await asyncio.sleep(seconds)
        sandbox.faults.recover()
        recovered = loop.time()
        left = len(world.chats) - len(delivered(world))
        done = await wait_until_all(world, within=600)
        figures(
            world,
            "outage",
            wall_at_press,
            done - pressed,
            outage_s=seconds,
            delivered_before=before,
            left=left,
            recovery_s=round(done - recovered, 2),
            recovery_floor_s=round(left / TELEGRAM_PER_SECOND, 2),
            recovery_ratio=round((done - recovered) / (left / TELEGRAM_PER_SECOND), 3),
            failed_tries=sum(1 for r in sandbox.requests if r.error_code == 502),
        )


async def main(folder: Path) -> None:
    await in_process("clean", folder, faults=False)
    await in_process("faults", folder, faults=True)
    await killed_half_way(folder)


async def outage(folder: Path) -> None:
    await outage_half_way(folder, float(os.environ.get("BENCH_OUTAGE_S", "600")))

"""`scale`: 1,000 networks should feel like 25.

Two worlds, each with a year of history written straight into the database (networks, members,
linked groups, monthly meetings with attendance, incidents with deliveries, acknowledgements and
replies; one meeting ahead per network, an open incident in every fifth network): 25 networks /
300 members and 1,000 networks / 30,000 members. In each, a `bondgenoten run` process answers the
same member, host and coordinator commands over the sandbox (flood limits off: this is about the
bot's own cost). One JSON line compares the large world with the small one: p50 and p95 per
command, idle CPU (CPU seconds over `BENCH_IDLE_S`, 60 by default, scaled to a minute), RSS,
start-up (process start to the first getUpdates) and the longest reply against Telegram's 4,096
characters.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.broadcast import cpu_seconds
from sandbox import Sandbox, SimUser
from storage.database import Database

SMALL = (25, 300)
LARGE = (1000, 30000)
MONTHS = 12  # a meeting and an incident per network per month
REPEATS = 9
TELEGRAM_TEXT_LIMIT = 4096
SYNTHETIC = 5_000_000_000  # user and chat ids of the members nobody plays in the sandbox

COMMANDS: dict[str, list[str]] = {
    "member": ["/start", "/help", "/meetings"],
    "host": ["/start", "/incident", "/meetings", "/members"],
    "coordinator": ["/start", "/networks", "/incident"],
}


@dataclass
class Figures:
    times_ms: dict[str, list[float]] = field(default_factory=dict)
    longest_reply: int = 0
    refused: int = 0
    idle_cpu_per_min: float = 0.0
    rss_mb: float = 0.0
    start_s: float = 0.0
    build_s: float = 0.0


async def fill(db: Database, people: dict[str, int], network_count: int, member_count: int) -> None:
    """A year of a network's life for every network, in one transaction of bulk inserts."""
    now = datetime.now(UTC)
    year_ago = now - timedelta(days=365)
    t = year_ago.isoformat()
    per = member_count // network_count
    members: list[list[int]] = []
    for n in range(network_count):
        members.append([SYNTHETIC + n * per + i for i in range(per)])
    members[0][0] = people["host"]
    members[0][1] = people["member"]
    everyone = [u for share in members for u in share] + [people["coordinator"]]
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO people (user_id, language, created_at, last_active_at)"
            " VALUES (?, 'en', ?, ?)",
            [(u, t, t) for u in everyone],
        )
        await conn.executemany(
            "INSERT INTO networks (id, name, area, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
            [(n + 1, f"Network {n:04d}", f"District {n % 40}", people["coordinator"], t)
             for n in range(network_count)],
        )  # fmt: skip
        await conn.executemany(
            "INSERT INTO memberships (network_id, user_id, role, status, display_name,"
            " consent_at, submitted_at, decided_at, decided_by, joined_at)"
            " VALUES (?, ?, ?, 'approved', ?, ?, ?, ?, ?, ?)",
            [
                (n + 1, u, "police_chief" if i == 0 else "key_figure", f"Person {u}", t, t, t,
                 people["coordinator"], t)
                for n, share in enumerate(members)
                for i, u in enumerate(share)
            ],
        )  # fmt: skip
        await conn.executemany(
            "INSERT INTO group_chats (chat_id, title, network_id, added_at, added_by, linked_at,"
            " linked_by, bot_is_admin, can_invite_users, can_restrict_members)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1, 1)",
            [(-SYNTHETIC - n, f"Group {n}", n + 1, t, people["coordinator"], t,
              people["coordinator"]) for n in range(network_count)],
        )  # fmt: skip
        meetings, attendance = [], []
        incidents, incident_networks, recipients, deliveries = [], [], [], []
        meeting_id = incident_id = 0
        for n, share in enumerate(members):
            for month in range(MONTHS):
                meeting_id += 1
                starts = (year_ago + timedelta(days=30 * month + 20)).isoformat()
                meetings.append((meeting_id, n + 1, starts, "Town hall", starts, starts, starts))
                attendance.extend(
                    (meeting_id, u, "yes" if (u + month) % 3 else "no", starts,
                     1 if (u + month) % 3 else 0)
                    for u in share
                )  # fmt: skip
                incident_id += 1
                at = (year_ago + timedelta(days=30 * month + 5)).isoformat()
                still_open = month == MONTHS - 1 and n % 5 == 0
                incidents.append(
                    (incident_id, share[0], at, "urgent", "network_only",
                     f"Incident {incident_id}: something in the district.",
                     "open" if still_open else "closed", None if still_open else at, at, at)
                )  # fmt: skip
                incident_networks.append((incident_id, n + 1))
                deliveries.append(
                    (-SYNTHETIC - n, '{"text": "alert"}', "alert_group", incident_id, n + 1,
                     None, incident_id, at, at)
                )  # fmt: skip
                for i, u in enumerate(share):
                    seen = at if (u + month) % 5 else None
                    replied = seen is not None and i % 5 == 0
                    recipients.append(
                        (incident_id, u, n + 1, seen, "calm" if replied else None,
                         "All quiet here." if replied else None, seen if replied else None)
                    )  # fmt: skip
                    deliveries.append(
                        (u, '{"text": "alert"}', "alert_private", incident_id, n + 1, u,
                         incident_id * 1000 + i, at, at)
                    )  # fmt: skip
            meeting_id += 1
            ahead = (now + timedelta(days=40 + n % 20)).replace(hour=19, minute=0)
            meetings.append(
                (meeting_id, n + 1, ahead.isoformat(), "Town hall", None, t, t)
            )  # fmt: skip
        await conn.executemany(
            "INSERT INTO meetings (id, network_id, starts_at, venue_kind, venue_name,"
            " attendance_confirmed_at, planned_at, created_at)"
            " VALUES (?, ?, ?, 'other', ?, ?, ?, ?)",
            meetings,
        )
        await conn.executemany(
            "INSERT INTO attendance (meeting_id, user_id, answer, answered_at, attended)"
            " VALUES (?, ?, ?, ?, ?)",
            attendance,
        )
        await conn.executemany(
            "INSERT INTO incidents (id, created_by, created_at, severity, sharing, text, status,"
            " closed_at, reminded_at, escalated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            incidents,
        )
        await conn.executemany(
            "INSERT INTO incident_networks (incident_id, network_id) VALUES (?, ?)",
            incident_networks,
        )
        await conn.executemany(
            "INSERT INTO incident_recipients (incident_id, user_id, network_id, acknowledged_at,"
            " mood, reply_text, replied_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            recipients,
        )
        await conn.executemany(
            "INSERT INTO deliveries (chat_id, priority, method, params, kind, incident_id,"
            " network_id, user_id, status, attempts, message_id, sent_at, created_at)"
            " VALUES (?, 0, 'message', ?, ?, ?, ?, ?, 'sent', 1, ?, ?, ?)",
            deliveries,
        )


async def reply_ms(sandbox: Sandbox, person: SimUser, command: str) -> float:
    loop = asyncio.get_running_loop()
    began = loop.time()
    await person.send(command)
    await person.expect(None, timeout=120)
    return (loop.time() - began) * 1000


async def world(folder: Path, network_count: int, member_count: int) -> Figures:
    figures = Figures()
    async with Sandbox(flood_limits=False) as sandbox:
        cast = {role: sandbox.add_user(role.capitalize(), language_code="en") for role in COMMANDS}
        for person in cast.values():
            person.started = True
        database = folder / f"scale-{network_count}.sqlite3"
        began = time.monotonic()
        db = await Database.open(database)
        try:
            await fill(db, {role: p.id for role, p in cast.items()}, network_count, member_count)
        finally:
            await db.close()
        figures.build_s = time.monotonic() - began
        config = folder / f"scale-{network_count}.toml"
        config.write_text(
            f'[telegram]\ntoken = "{sandbox.token}"\nbase_url = "{sandbox.base_url}"\n'
            f'poll_timeout = 10\n[database]\npath = "{database}"\n'
            f"[access]\ncoordinators = [{cast['coordinator'].id}]\n"
        )
        loop = asyncio.get_running_loop()
        started = loop.time()
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot.cli", "run", "--config", str(config),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        try:
            await sandbox.wait_for(
                lambda: any(r.method == "getUpdates" for r in sandbox.requests), timeout=300
            )
            figures.start_s = loop.time() - started
            await asyncio.sleep(3)  # the catch-up after start
            for _round in range(REPEATS):
                for role, commands in COMMANDS.items():
                    for command in commands:
                        ms = await reply_ms(sandbox, cast[role], command)
                        figures.times_ms.setdefault(f"{role} {command}", []).append(ms)
            await asyncio.sleep(2)
            idle_s = float(os.environ.get("BENCH_IDLE_S", "60"))
            cpu = cpu_seconds(bot.pid)
            await asyncio.sleep(idle_s)
            figures.idle_cpu_per_min = (cpu_seconds(bot.pid) - cpu) * 60 / idle_s
            figures.rss_mb = _rss_mb(bot.pid)
        finally:
            bot.send_signal(signal.SIGTERM)
            await bot.wait()
        ours = {p.id for p in cast.values()}
        for record in sandbox.requests:
            if record.method.startswith(("send", "edit")) and record.params.get("chat_id") in ours:
                text = str(record.params.get("text") or record.params.get("caption") or "")
                figures.longest_reply = max(figures.longest_reply, len(text))
                figures.refused += not record.ok
    return figures


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def main(folder: Path) -> None:
    small = await world(folder, *SMALL)
    large = await world(folder, *LARGE)
    commands: dict[str, Any] = {}
    for name, times in large.times_ms.items():
        base = small.times_ms[name]
        commands[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p50_ratio": round(statistics.median(times) / statistics.median(base), 2),
            "p95_ratio": round(_p(times, 0.95) / _p(base, 0.95), 2),
        }
    print(
        json.dumps(
            {
                "scenario": "scale",
                "small": f"{SMALL[0]}/{SMALL[1]}",
                "large": f"{LARGE[0]}/{LARGE[1]}",
                "commands": commands,
                "worst_p50_ratio": max(c["p50_ratio"] for c in commands.values()),
                "idle_cpu_s_per_min": round(large.idle_cpu_per_min, 3),
                "idle_cpu_ratio": round(
                    large.idle_cpu_per_min / max(small.idle_cpu_per_min, 0.01), 2
                ),
                "rss_mb": round(large.rss_mb, 1),
                "rss_ratio": round(large.rss_mb / small.rss_mb, 2),
                "start_s": round(large.start_s, 2),
                "start_ratio": round(large.start_s / small.start_s, 2),
                "longest_reply": max(small.longest_reply, large.longest_reply),
                "limit": TELEGRAM_TEXT_LIMIT,
                "refused": small.refused + large.refused,
                "build_s": round(large.build_s, 1),
            }
        ),
        flush=True,
    )

"""The `bondgenoten` command as an operator uses it: run, stop, migrate, back up."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from bot.sandbox import Sandbox

POLL_TIMEOUT = 40  # far longer than a clean stop may take: stopping must not wait for a poll


def write_config(sandbox: Sandbox, tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{sandbox.token}"\nbase_url = "{sandbox.base_url}"\n'
        f"poll_timeout = {POLL_TIMEOUT}\n"
        f'[database]\npath = "{tmp_path / "bot.sqlite3"}"\n'
    )
    return config


async def cli(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def test_run_answers_and_stops_cleanly_on_sigterm(sandbox: Sandbox, tmp_path: Path) -> None:
    config = write_config(sandbox, tmp_path)
    process = await cli("run", "--config", str(config))
    try:
        user = sandbox.add_user("Ahmed", language_code="nl")
        await user.send("/start")
        await user.expect("Welkom bij Bondgenoten", timeout=60)
        # Wait until the bot sits in a long poll, then ask it to stop.
        await sandbox.wait_for(
            lambda: sum(r.method == "getUpdates" for r in sandbox.requests) >= 2, timeout=30
        )
        loop = asyncio.get_running_loop()
        asked = loop.time()
        process.send_signal(signal.SIGTERM)
        _out, err = await asyncio.wait_for(process.communicate(), timeout=POLL_TIMEOUT - 10)
        took = loop.time() - asked
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = err.decode()
    assert process.returncode == 0, log
    assert "stopped" in log and "database closed" in log
    assert "Traceback" not in log
    assert sandbox.token not in log and sandbox.token.split(":")[1] not in log
    # It did not sit out the long poll (POLL_TIMEOUT seconds) before stopping.
    assert took < POLL_TIMEOUT - 10


async def test_migrate_and_backup(sandbox: Sandbox, tmp_path: Path) -> None:
    config = write_config(sandbox, tmp_path)
    process = await cli("migrate", "--config", str(config))
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    assert "1 migration(s) applied" in out.decode() or "migration(s) applied" in out.decode()
    process = await cli("backup", str(tmp_path / "copy.sqlite3"), "--config", str(config))
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] >= 1
    finally:
        copy.close()

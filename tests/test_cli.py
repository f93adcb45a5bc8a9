"""The `bondgenoten` command as an operator uses it: run, stop, migrate, back up, restore.

Every bad input an operator can give ends in its exit code and one line that says what to do:
never a traceback, never the token.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import shutil
import signal
import socket
import sqlite3
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot import cli, logs
from bot.app import build_application, running
from bot.cli import (
    EXIT_CONFIG,
    EXIT_DATABASE,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_RUNNING,
    EXIT_TOKEN,
)
from bot.settings import Settings
from sandbox import Sandbox
from tests.conftest import eventually

POLL_TIMEOUT = 40  # far longer than a clean stop may take: stopping must not wait for a poll
TOKEN = "987654321:AAHs3cr3t-operator-t0ken_xyz123"  # the right shape; no Telegram knows it
SUBCOMMANDS = ["run", "migrate", "backup", "restore", "forget", "demo"]
EXAMPLE_CONFIG = Path(__file__).parent.parent / "config.example.toml"


def write_config(
    tmp_path: Path,
    *,
    token: str = TOKEN,
    base_url: str = "http://127.0.0.1:9",
    database: Path | str | None = None,
    extra: str = "",
) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        f'[telegram]\ntoken = "{token}"\nbase_url = "{base_url}"\npoll_timeout = {POLL_TIMEOUT}\n'
        f'[database]\npath = "{database or tmp_path / "bot.sqlite3"}"\n{extra}'
    )
    return config


def sandbox_config(sandbox: Sandbox, tmp_path: Path, **kwargs: str) -> Path:
    return write_config(tmp_path, token=sandbox.token, base_url=sandbox.base_url, **kwargs)


def command() -> list[str]:
    """The installed `bondgenoten` script, as the operator types it (or the module, if absent)."""
    script = Path(sys.executable).with_name("bondgenoten")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


async def cli_process(*args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *command(),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


async def cli_run(*args: str, timeout: float = 30) -> tuple[int, str, str]:
    """Run a command to its end; a hang fails the test instead of hanging it."""
    process = await cli_process(*args)
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"bondgenoten {' '.join(args)} hung") from None
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


Call = Callable[..., tuple[int, str, str]]


@pytest.fixture
def call(capsys: pytest.CaptureFixture[str]) -> Iterator[Call]:
    """`bot.cli.main` in this process: (exit code, stdout, stderr), logging put back after."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level

    def invoke(*args: str) -> tuple[int, str, str]:
        try:
            code = cli.main(list(args))
        except SystemExit as exit_:  # argparse: --help, --version, usage errors
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    yield invoke
    root.handlers[:], root.level = handlers, level
    logs.setup(level, token="")  # forget the test's token
    root.handlers[:] = handlers


def assert_one_line(code: int, expected: int, out: str, err: str, *, says: str) -> None:
    """The operator's contract: this exit code, one line on stderr naming it, nothing leaked."""
    assert code == expected, (code, out, err)
    assert "Traceback" not in out + err
    assert_no_token(out + err)
    assert err.count("\n") == 1 and err.startswith("bondgenoten: "), err
    assert says in err, err


def assert_no_token(text: str, token: str = TOKEN) -> None:
    assert token not in text
    assert token.partition(":")[2] not in text


# ---- --help and --version ----


def test_every_subcommand_has_help_and_version(call: Call) -> None:
    code, out, _ = call("--help")
    assert code == EXIT_OK
    for name in SUBCOMMANDS:
        assert name in out
    assert "Exit codes" in out
    for name in SUBCOMMANDS:
        code, out, _ = call(name, "--help")
        assert code == EXIT_OK and out.startswith(f"usage: bondgenoten {name}")
        description = out.split("\n\n")[1]
        assert len(description) > 20, out
        code, out, _ = call(name, "--version")
        assert code == EXIT_OK and out.startswith("bondgenoten ")


def test_a_usage_error_is_one_line(call: Call) -> None:
    code, _, err = call("frobnicate")
    assert code == EXIT_CONFIG and err.count("\n") == 1 and "--help" in err
    code, _, err = call("backup")
    assert code == EXIT_CONFIG and err.count("\n") == 1 and "FILE" in err


# ---- settings and database paths: the table ----


def bad_inputs(tmp_path: Path) -> list[tuple[list[str], int, str]]:
    """(arguments, exit code, words the line must contain) for each bad input."""
    a_file = tmp_path / "a-file"
    a_file.write_text("not a folder")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(os.urandom(4096))

    def config_with(name: str, **kwargs: str) -> str:
        where = tmp_path / name
        where.mkdir()
        return str(write_config(where, **kwargs))

    return [
        (["run", "--config", str(tmp_path / "nowhere.toml")], EXIT_CONFIG, "not found"),
        # config.example.toml as it comes: its token has the right shape but is the example's.
        (["run", "--config", str(EXAMPLE_CONFIG)], EXIT_CONFIG, "config.example.toml"),
        (
            ["migrate", "--config", config_with("json", extra='[logging]\nformat = "xml"\n')],
            EXIT_CONFIG,
            "logging.format",
        ),
        (
            ["migrate", "--config", config_with("level", extra='[logging]\nlevel = "LOUD"\n')],
            EXIT_CONFIG,
            "logging.level",
        ),
        (
            ["migrate", "--config", config_with("folder", database=str(folder))],
            EXIT_DATABASE,
            "is a folder",
        ),
        (
            ["migrate", "--config", config_with("under", database=str(a_file / "x.sqlite3"))],
            EXIT_DATABASE,
            "is a file, not a folder",
        ),
        (
            ["run", "--config", config_with("missing", database=str(tmp_path / "no/x.sqlite3"))],
            EXIT_DATABASE,
            "does not exist",
        ),
        (
            ["backup", str(tmp_path / "b.sqlite3"), "--config", config_with("nodb")],
            EXIT_DATABASE,
            "does not exist",
        ),
        (
            ["restore", str(junk), "--config", config_with("restore-junk")],
            EXIT_DATABASE,
            "not a SQLite database",
        ),
        (
            ["restore", str(tmp_path / "gone.sqlite3"), "--config", config_with("restore-gone")],
            EXIT_DATABASE,
            "does not exist",
        ),
    ]


def test_bad_settings_and_database_paths(call: Call, tmp_path: Path) -> None:
    for args, expected, says in bad_inputs(tmp_path):
        code, out, err = call(*args)
        assert_one_line(code, expected, out, err, says=says)


def test_a_database_that_cannot_be_written(call: Call, tmp_path: Path) -> None:
    if os.geteuid() == 0:
        # Root writes through file permissions; the kernel's /sys refuses even root.
        code, out, err = call(
            "migrate", "--config", str(write_config(tmp_path, database="/sys/x.sqlite3"))
        )
        assert_one_line(code, EXIT_DATABASE, out, err, says="Permission denied")
        return
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        code, out, err = call(
            "migrate", "--config", str(write_config(tmp_path, database=str(locked / "x.sqlite3")))
        )
    finally:
        locked.chmod(0o700)
    assert_one_line(code, EXIT_DATABASE, out, err, says="cannot be written")


@pytest.mark.parametrize("subcommand", ["migrate", "run"])
async def test_a_file_that_is_not_a_database_ends_at_once(subcommand: str, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"these are the minutes of the last meal meeting\n" * 100)
    config = write_config(tmp_path, database=junk)
    code, out, err = await cli_run(subcommand, "--config", str(config), timeout=30)
    assert_one_line(code, EXIT_DATABASE, out, err, says="not a SQLite database")
    assert junk.read_bytes().startswith(b"these are the minutes")  # left as it was


async def test_migrate_and_backup(sandbox: Sandbox, tmp_path: Path) -> None:
    config = sandbox_config(sandbox, tmp_path)
    code, out, err = await cli_run("migrate", "--config", str(config))
    assert code == EXIT_OK, err
    assert "migration(s) applied" in out
    code, out, err = await cli_run(
        "backup", str(tmp_path / "copy.sqlite3"), "--config", str(config)
    )
    assert code == EXIT_OK, err
    assert_sound(tmp_path / "copy.sqlite3")


def assert_sound(path: Path) -> int:
    """The copy passes SQLite's integrity check and holds our schema; its number of people."""
    copy = sqlite3.connect(path)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] >= 1
        return int(copy.execute("SELECT count(*) FROM people").fetchone()[0])
    finally:
        copy.close()


# ---- backup refuses what would lose data ----


def test_backup_refuses_the_live_database_and_an_existing_file(
    call: Call, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = str(write_config(tmp_path))
    assert call("migrate", "--config", config)[0] == EXIT_OK
    live = tmp_path / "bot.sqlite3"
    before = live.read_bytes()
    link = tmp_path / "link.sqlite3"
    link.symlink_to(live)
    monkeypatch.chdir(tmp_path)
    for target in (str(live), str(link), "bot.sqlite3", "./sub/../bot.sqlite3", f"{live}-wal"):
        (tmp_path / "sub").mkdir(exist_ok=True)
        code, out, err = call("backup", target, "--config", config)
        assert_one_line(code, EXIT_REFUSED, out, err, says="live database")
        code, out, err = call("backup", target, "--force", "--config", config)
        assert_one_line(code, EXIT_REFUSED, out, err, says="live database")
    assert live.read_bytes() == before

    existing = tmp_path / "monday.sqlite3"
    existing.write_text("last week's backup")
    code, out, err = call("backup", str(existing), "--config", config)
    assert_one_line(code, EXIT_REFUSED, out, err, says="--force")
    assert existing.read_text() == "last week's backup"
    code, out, err = call("backup", str(existing), "--force", "--config", config)
    assert code == EXIT_OK, err
    assert_sound(existing)

    code, out, err = call("backup", str(tmp_path / "nope" / "x.sqlite3"), "--config", config)
    assert_one_line(code, EXIT_REFUSED, out, err, says="does not exist")
    assert not (tmp_path / "nope").exists()


def test_a_failed_backup_leaves_nothing_behind(call: Call, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(os.urandom(8192))
    backups = tmp_path / "backups"
    backups.mkdir()
    config = str(write_config(tmp_path, database=junk))
    code, out, err = call("backup", str(backups / "copy.sqlite3"), "--config", config)
    assert_one_line(code, EXIT_DATABASE, out, err, says="not a SQLite database")
    assert list(backups.iterdir()) == []


def test_restore_refuses_what_is_not_one_of_our_databases(call: Call, tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    assert call("migrate", "--config", config)[0] == EXIT_OK
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (x)")
    connection.close()
    code, out, err = call("restore", str(other), "--config", config)
    assert_one_line(code, EXIT_DATABASE, out, err, says="not one of bondgenoten's")

    newer = tmp_path / "newer.sqlite3"
    assert call("backup", str(newer), "--config", config)[0] == EXIT_OK
    with sqlite3.connect(newer) as connection:
        connection.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'future', 'x')"
        )
    connection.close()
    code, out, err = call("restore", str(newer), "--config", config)
    assert_one_line(code, EXIT_DATABASE, out, err, says="newer version")

    code, out, err = call("restore", str(tmp_path / "bot.sqlite3"), "--config", config)
    assert_one_line(code, EXIT_REFUSED, out, err, says="live database")
    assert sorted(p.name for p in tmp_path.glob("bot.sqlite3*")) == [
        "bot.sqlite3",
        "bot.sqlite3.lock",
    ]


def test_restore_keeps_what_a_crashed_bot_left_in_its_wal(call: Call, tmp_path: Path) -> None:
    config = str(write_config(tmp_path))
    live = tmp_path / "bot.sqlite3"
    assert call("migrate", "--config", config)[0] == EXIT_OK
    assert call("backup", str(tmp_path / "empty.sqlite3"), "--config", config)[0] == EXIT_OK
    # A bot killed with its last write only in the -wal: copy the pair while it is open.
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    connection = sqlite3.connect(live)
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    connection.execute(
        "INSERT INTO people (user_id, created_at, last_active_at) VALUES (7, 'a', 'a')"
    )
    connection.commit()
    for suffix in ("", "-wal"):
        shutil.copy(f"{live}{suffix}", crashed / f"bot.sqlite3{suffix}")
    connection.close()
    for suffix in ("", "-wal"):
        shutil.copy(crashed / f"bot.sqlite3{suffix}", f"{live}{suffix}")

    code, _, err = call("restore", str(tmp_path / "empty.sqlite3"), "--config", config)
    assert code == EXIT_OK, err
    (replaced,) = tmp_path.glob("bot.sqlite3.replaced-*")
    assert assert_sound(replaced) == 1  # the write from the -wal is in the file kept aside
    assert assert_sound(live) == 0


# ---- logging ----


def test_json_logs_and_no_token_in_any_log_line(
    call: Call, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, extra='[logging]\nformat = "json"\nlevel = "debug"\n')
    code, _, err = call("migrate", "--config", str(config))
    assert code == EXIT_OK
    entries = [json.loads(line) for line in err.splitlines()]
    assert any("applied migration 0001" in e["message"] for e in entries)
    assert {"time", "level", "logger", "message"} <= set(entries[0])

    # A library's message with the token, and a traceback carrying it, come out redacted.
    logging.getLogger("telegram.ext.Updater").error(
        "POST %s/bot%s/getMe failed", "https://x", TOKEN
    )
    try:
        raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
    except RuntimeError:
        logging.getLogger("asyncio").exception("Task exception was never retrieved")
    logging.getLogger("httpx").warning("url=%s", TOKEN.replace(":", "%3A"))
    err = capsys.readouterr().err
    assert err.count("<token>") == 3 and "rejected by the server" in err
    assert_no_token(err)


# ---- Telegram at start ----


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_telegram_unreachable_at_start_is_retried_until_it_answers(tmp_path: Path) -> None:
    port = free_port()
    sandbox = Sandbox(flood_limits=False)
    config = write_config(tmp_path, token=sandbox.token, base_url=f"http://127.0.0.1:{port}")
    process = await cli_process("run", "--config", str(config))
    assert process.stderr is not None
    lines: list[str] = []
    try:

        async def read_until(words: str) -> None:
            assert process.stderr is not None
            while True:
                line = (await asyncio.wait_for(process.stderr.readline(), 60)).decode()
                assert line, "".join(lines)
                lines.append(line)
                if words in line:
                    return

        await read_until("try 1 failed")
        await read_until("try 2 failed")
        await sandbox.start(port=port)  # Telegram is back
        try:
            await read_until("reachable at")
            user = sandbox.add_user("Ahmed", language_code="nl")
            await user.send("/start")
            await user.expect("Welkom bij Bondgenoten", timeout=60)
            process.send_signal(signal.SIGTERM)
            _out, rest = await asyncio.wait_for(process.communicate(), 30)
        finally:
            await sandbox.stop()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = "".join(lines) + rest.decode()
    assert process.returncode == EXIT_OK, log
    tries = [line for line in log.splitlines() if "not reachable" in line]
    assert len(tries) >= 2 and all("trying again in" in line for line in tries)
    assert "Traceback" not in log
    assert_no_token(log, sandbox.token)


async def test_a_stop_while_waiting_for_telegram_is_clean(tmp_path: Path) -> None:
    config = write_config(tmp_path, base_url=f"http://127.0.0.1:{free_port()}")
    process = await cli_process("run", "--config", str(config))
    assert process.stderr is not None
    try:
        while b"try 1 failed" not in await asyncio.wait_for(process.stderr.readline(), 60):
            pass
        process.send_signal(signal.SIGINT)
        _out, err = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == EXIT_OK, err.decode()
    assert "stopped before Telegram answered" in err.decode()
    assert "Traceback" not in err.decode()


async def test_a_token_telegram_refuses(sandbox: Sandbox, tmp_path: Path) -> None:
    wrong = "123456789:AAHwr0ng-t0ken-the-sandbox-refuses"
    config = write_config(tmp_path, token=wrong, base_url=sandbox.base_url)
    code, out, err = await cli_run("run", "--config", str(config))
    assert code == EXIT_TOKEN, err
    assert "Traceback" not in out + err
    assert_no_token(out + err, wrong)
    last = err.splitlines()[-1]
    assert last.startswith("bondgenoten: ") and "refused the bot token" in last
    assert sandbox.requests == []  # the sandbox answered 401 before recording anything


async def test_run_answers_and_stops_cleanly_on_sigterm(sandbox: Sandbox, tmp_path: Path) -> None:
    config = sandbox_config(sandbox, tmp_path)
    process = await cli_process("run", "--config", str(config))
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
    assert_no_token(log, sandbox.token)
    # It did not sit out the long poll (POLL_TIMEOUT seconds) before stopping.
    assert took < POLL_TIMEOUT - 10


# ---- backup and restore while the bot writes ----


async def test_backup_and_restore_round_trip_while_the_bot_writes(
    sandbox: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    live = settings.database.path
    config = sandbox_config(sandbox, tmp_path, database=str(live))
    backup_file = tmp_path / "backups" / "monday.sqlite3"
    backup_file.parent.mkdir()
    users = [sandbox.add_user(f"Lid {n}", language_code="nl") for n in range(30)]

    async with running(build_application(settings)):
        # The bot handles messages (each a write: a language chosen) all through the backup.
        backed_up = asyncio.Event()
        sent = 0

        async def keep_writing() -> None:
            nonlocal sent
            while not backed_up.is_set():
                await users[sent % len(users)].send(f"/language {('en', 'nl')[sent % 2]}")
                sent += 1
                await asyncio.sleep(0.005)

        async def writes_started() -> bool:
            return sent > 0

        writing = asyncio.create_task(keep_writing())
        await eventually(writes_started)
        code, out, err = await cli_run("backup", str(backup_file), "--config", str(config))
        backed_up.set()
        await writing
        assert code == EXIT_OK, err
        assert sent > 10
        assert "written to" in out
        in_backup = assert_sound(backup_file)
        assert not list(backup_file.parent.glob("*.tmp"))

        # While the bot runs, the database is its alone.
        code, out, err = await cli_run("restore", str(backup_file), "--config", str(config))
        assert_one_line(code, EXIT_RUNNING, out, err, says="stop it before a restore")
        code, out, err = await cli_run("migrate", "--config", str(config))
        assert_one_line(code, EXIT_RUNNING, out, err, says="one bot per database")

        await asyncio.gather(*(user.send("/language en") for user in users))  # everyone, once
        late = sandbox.add_user("Laatkomer", language_code="nl")
        await late.send("/language en")

        async def all_recorded() -> bool:
            with sqlite3.connect(live) as connection:
                row = connection.execute("SELECT count(*) FROM people").fetchone()
            connection.close()
            return int(row[0]) == len(users) + 1

        await eventually(all_recorded, timeout=30)

    code, out, err = await cli_run("restore", str(backup_file), "--config", str(config))
    assert code == EXIT_OK, err
    assert out.count("\n") == 1 and "kept as" in out
    replaced = [p for p in live.parent.iterdir() if ".replaced-" in p.name]
    assert len(replaced) == 1 and str(replaced[0]) in out
    assert assert_sound(replaced[0]) == len(users) + 1  # nothing of the replaced file lost
    assert assert_sound(live) == in_backup
    assert not list(live.parent.glob("*.tmp"))

    # The bot starts on the restored database: the late one's choice of English is not in it.
    async with running(build_application(settings)):
        await late.send("/start")
        await late.expect("Welkom bij Bondgenoten")


# ---- forget: an erasure request for someone who cannot use the bot ----


async def test_forget_deletes_a_person_from_the_command_line(
    sandbox: Sandbox, settings: Settings, tmp_path: Path
) -> None:
    from datetime import UTC, datetime

    from bot import services
    from storage import networks, people, privacy
    from tests import given
    from tests.test_incidents import linked_group

    config = sandbox_config(sandbox, tmp_path, database=str(settings.database.path))
    carla = sandbox.add_user("Carla", language_code="nl")
    karin = sandbox.add_user("Karin", language_code="nl")
    ayse = sandbox.add_user("Ayşe", language_code="nl")
    async with running(build_application(settings)) as app:
        db = services.of(app).database
        network = await networks.create(db, "Noord", None, carla.id, datetime.now(UTC))
        await given.approved(db, network.id, karin, "police_chief", carla.id, language="nl")
        await given.approved(
            db, network.id, ayse, "key_figure", karin.id, name="Ayşe Yılmaz", phone="0612345678"
        )
        group = await linked_group(db, sandbox, network.id, carla, [karin, ayse])
        await karin.send("/help")
        await karin.expect(None)
        code, _, err = await cli_run("forget", "--user-id", str(ayse.id), "--config", str(config))
        assert code == EXIT_RUNNING, err  # never beside a running bot
        assert "Traceback" not in err

    code, out, err = await cli_run("forget", "--user-id", str(ayse.id), "--config", str(config))
    assert code == EXIT_OK, err
    assert "Traceback" not in out + err
    assert out.count("\n") == 1 and out.startswith(f"forgot user {ayse.id}: "), out
    assert "out of 1 network(s)" in out and "by hand" not in out
    member = group.members.get(ayse.id)
    assert member is None or not member.present  # out of the group chat too

    async with running(build_application(settings)) as app:
        db = services.of(app).database
        assert not await privacy.has_data(db, ayse.id)
        assert await people.get(db, ayse.id) is None
        left = await karin.expect("Ayşe Yılmaz")  # the hosts are told, at the next start
        assert "Noord" in left.text

    code, out, err = await cli_run("forget", "--user-id", str(ayse.id), "--config", str(config))
    assert (
        code == EXIT_OK
        and out == f"nothing is kept about user {ayse.id} in " + str(settings.database.path) + "\n"
    ), out + err


def test_forget_wants_a_user_id(call: Call, tmp_path: Path) -> None:
    config = write_config(tmp_path)
    for args in (["--user-id", "abc"], ["--user-id", "-5"], []):
        code, out, err = call("forget", *args, "--config", str(config))
        assert code == EXIT_CONFIG, (args, out, err)
        assert "Traceback" not in out + err and err.count("\n") == 1, err


def test_forget_on_a_missing_database_says_so_and_creates_nothing(
    call: Call, tmp_path: Path
) -> None:
    # A mistyped database.path must not pass as "nothing is kept" on a new, empty database.
    missing = tmp_path / "typo.sqlite3"
    config = write_config(tmp_path, database=missing)
    code, out, err = call("forget", "--user-id", "5", "--config", str(config))
    assert code == EXIT_DATABASE, (out, err)
    assert "does not exist" in err and err.count("\n") == 1 and "Traceback" not in out + err
    assert not missing.exists()

"""The `bondgenoten` command: run, migrate, backup, restore, forget, demo and try.

Every failure an operator can cause or meet ends in one line that says what is wrong and what
to do, and an exit code from the table below (also in the README); never a traceback, never the
token. Only a bug ends in a traceback (exit code 1), with the token redacted from it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from importlib import metadata
from pathlib import Path
from typing import NoReturn

from bot import listen, logs
from bot.settings import Settings, SettingsError, load_settings
from storage import backups
from storage.database import AlreadyRunning, DatabaseUnusable, check_path, instance_lock, prepare

log = logging.getLogger("bondgenoten")

EXIT_OK = 0
EXIT_BUG = 1  # an unexpected error: the log has the traceback; please report it
EXIT_CONFIG = 2  # a setting or a command-line argument is missing or wrong
EXIT_TOKEN = 3  # Telegram refused the token
EXIT_DATABASE = 4  # the database file cannot be used (path, permissions, not a database)
EXIT_RUNNING = 5  # another bondgenoten holds the database (a running bot)
EXIT_REFUSED = 6  # backup or restore refused: it would overwrite something
EXIT_ADDRESS = 7  # an address to listen on (webhook, monitoring) cannot be used: in use, not ours
EXIT_INTERRUPTED = 130  # Ctrl+C during migrate, backup or restore (the shell's convention)


def version() -> str:
    try:
        return metadata.version("bondgenoten")
    except metadata.PackageNotFoundError:  # running from a source tree that was not installed
        return "unknown"


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and exit code 2), like every other failure."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_CONFIG, f"{self.prog}: {message} (see {self.prog} --help)\n")


def _parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--version", action="version", version=f"bondgenoten {version()}")
    config = _Parser(add_help=False, parents=[common])
    config.add_argument(
        "--config", type=Path, default=Path("config.toml"), help="TOML settings file (config.toml)"
    )
    parser = _Parser(
        prog="bondgenoten",
        description="A Telegram bot for neighbourhood networks (Bondgenoten).",
        epilog="Exit codes: 0 done, 1 bug, 2 settings or usage, 3 token refused, "
        "4 database unusable, 5 another bot holds the database, 6 backup/restore refused, "
        "7 listen address unusable, 130 interrupted.",
        parents=[common],
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str, parent: _Parser) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=summary, description=summary, parents=[parent])

    command(
        "run",
        "Run the bot: apply migrations, wait for Telegram, take updates (long polling or "
        "webhook) until SIGTERM or Ctrl+C.",
        config,
    )
    command(
        "migrate", "Apply pending database migrations and exit (the bot must be stopped).", config
    )
    backup = command(
        "backup", "Write a consistent copy of the database; safe while the bot runs.", config
    )
    backup.add_argument("path", type=Path, metavar="FILE", help="the copy to write")
    backup.add_argument("--force", action="store_true", help="replace FILE if it exists")
    restore = command(
        "restore",
        "Replace the database by a checked backup, keeping the replaced file beside it "
        "(the bot must be stopped).",
        config,
    )
    restore.add_argument("path", type=Path, metavar="FILE", help="a backup made by `backup`")
    forget = command(
        "forget",
        "Delete everything kept about one person, as /forget does, for someone who cannot use "
        "the bot (an erasure request); the bot must be stopped.",
        config,
    )
    forget.add_argument(
        "--user-id", type=_user_id, required=True, metavar="N", help="their Telegram user id"
    )
    demo = command(
        "demo", "The bot against the built-in Telegram sandbox; no token needed.", common
    )
    demo.add_argument("--verbose", action="store_true", help="show the bot's log too")
    demo.add_argument(
        "--scenes", type=int, metavar="N", help="play only the first N scenes (all by default)"
    )
    trial = command(
        "try",
        "A training ground in the browser: the bot against the built-in sandbox, several "
        "people's chats side by side, a clock to move and scenarios to play; no token needed. "
        "The page answers on 127.0.0.1 only.",
        common,
    )
    trial.add_argument(
        "--port",
        type=_port,
        default=8765,
        metavar="N",
        help="the page's port on 127.0.0.1 (8765; 0 picks a free one)",
    )
    trial.add_argument("--verbose", action="store_true", help="show the bot's log too")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "demo":
        from bot import demo

        return asyncio.run(demo.main(verbose=args.verbose, scenes=args.scenes))
    if args.command == "try":
        return training_ground(args.port, verbose=args.verbose)
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        return _fail(EXIT_CONFIG, str(exc))
    logs.setup(
        settings.logging.level,
        fmt=settings.logging.format,
        token=settings.telegram.token.get_secret_value(),
        secrets=[settings.telegram.webhook_secret],
    )
    from bot.app import StoppedBeforeStart, TokenRefused
    from bot.webhook import WebhookRefused

    try:
        if args.command == "run":
            return asyncio.run(run(settings))
        if args.command == "migrate":
            return asyncio.run(migrate(settings))
        if args.command == "backup":
            return asyncio.run(make_backup(settings, args.path, force=args.force))
        if args.command == "forget":
            return asyncio.run(forget_person(settings, args.user_id))
        return asyncio.run(restore(settings, args.path))
    except StoppedBeforeStart:
        log.info("stopped before Telegram answered")
        return EXIT_OK
    except TokenRefused as exc:
        return _fail(EXIT_TOKEN, str(exc))
    except WebhookRefused as exc:
        return _fail(EXIT_CONFIG, str(exc))
    except listen.Unusable as exc:
        return _fail(EXIT_ADDRESS, str(exc))
    except DatabaseUnusable as exc:
        return _fail(EXIT_DATABASE, str(exc))
    except AlreadyRunning as exc:
        return _fail(EXIT_RUNNING, str(exc))
    except backups.Refused as exc:
        return _fail(EXIT_REFUSED, str(exc))
    except KeyboardInterrupt:  # Ctrl+C in migrate, backup or restore: a line, not a traceback
        return _fail(EXIT_INTERRUPTED, "interrupted")
    except Exception:
        log.exception("unexpected error; please report it with this log")
        return EXIT_BUG


def _user_id(value: str) -> int:
    """A Telegram user id as typed: a positive whole number."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise argparse.ArgumentTypeError(f"not a Telegram user id: {value!r}")
    return number


def _port(value: str) -> int:
    """A TCP port as typed: 0 (any free one) to 65535."""
    try:
        number = int(value)
    except ValueError:
        number = -1
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"not a port: {value!r} (0 to 65535)")
    return number


def training_ground(port: int, *, verbose: bool) -> int:
    """`bondgenoten try` until Ctrl+C; a port it cannot take is one line and exit code 7."""
    from trainer import server

    try:
        return asyncio.run(server.main(port=port, verbose=verbose))
    except server.Unusable as exc:
        return _fail(EXIT_ADDRESS, str(exc))
    except KeyboardInterrupt:
        return EXIT_OK


def _fail(code: int, message: str) -> int:
    print(f"bondgenoten: {logs.redact(message)}", file=sys.stderr, flush=True)
    return code


async def run(settings: Settings) -> int:
    """Long polling (or the webhook) until SIGTERM or SIGINT, then a clean stop."""
    from bot.app import build_application, running

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    application = build_application(settings)
    async with running(application, stop=stop):
        log.info("running; stop with Ctrl+C or SIGTERM")
        await stop.wait()
        log.info("stopping")
    log.info("stopped")
    return EXIT_OK


async def migrate(settings: Settings) -> int:
    path = settings.database.path
    check_path(path)
    with instance_lock(path):
        applied = await prepare(path)
    print(f"{len(applied)} migration(s) applied to {path}")
    return EXIT_OK


async def make_backup(settings: Settings, destination: Path, *, force: bool = False) -> int:
    await backups.backup(settings.database.path, destination, force=force)
    print(f"backup of {settings.database.path} written to {destination}")
    return EXIT_OK


async def restore(settings: Settings, source: Path) -> int:
    path = settings.database.path
    done = await backups.restore(source, path)
    kept = f"; the replaced database is kept as {done.replaced}" if done.replaced else ""
    pending = (
        f"; {done.pending} newer migration(s) follow at the next `run` or `migrate`"
        if done.pending
        else ""
    )
    print(f"restored {source} into {path} (migration {done.version:04d}){kept}{pending}")
    return EXIT_OK


class _QueuedForTheBot:
    """The outbox while the bot is stopped: what `forget` queues (the hosts told who left, the
    person's menu) waits in the database and goes out at the bot's next start."""

    waiting_for_channel = False

    def wake(self) -> None:
        return None


async def forget_person(settings: Settings, user_id: int) -> int:
    """`/forget` for `user_id`, from the command line: out of every network and group chat
    (the hosts told at the next start), every row and text about them gone, the audit noting
    the fact. Telegram is asked to take them out of the group chats; where it cannot be (no
    connection, no right), the line says so and an administrator does it by hand."""
    from telegram import Bot

    from bot.clock import SystemClock
    from bot.groups import TelegramGroups
    from domain import forget
    from domain.context import Context
    from storage import memberships, privacy
    from storage.database import Database

    path = settings.database.path
    if not path.exists():
        # An erasure request against a mistyped path must not pass as done on a new, empty file.
        raise DatabaseUnusable(f"database {path} does not exist; check database.path")
    check_path(path)
    with instance_lock(path):
        db = await Database.open(path)
        try:
            if not await privacy.has_data(db, user_id):
                print(f"nothing is kept about user {user_id} in {path}")
                return EXIT_OK
            names = {m.display_name for m in await memberships.for_user(db, user_id)}
            telegram = settings.telegram
            bot = Bot(telegram.token.get_secret_value(), base_url=f"{telegram.base_url}/bot")
            ctx = Context(settings=settings, clock=SystemClock(), db=db)
            ctx.outbox = _QueuedForTheBot()
            ctx.groups_port = TelegramGroups(bot)  # what Telegram refuses comes back as a failure
            name = min((n for n in names if n), default=f"user {user_id}")
            try:
                done = await forget.forget(ctx, user_id, name)
            finally:
                await bot.shutdown()
        finally:
            await db.close()
    by_hand = sorted({f.title for d in done.departures for f in d.failures})
    left = f"; take them out of {', '.join(by_hand)} by hand" if by_hand else ""
    print(
        f"forgot user {user_id}: {done.rows} row(s) deleted or cleared, out of "
        f"{len(done.departures)} network(s){left}"
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())

"""The `bondgenoten` command: run, migrate, backup and demo."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path

from bot import logs
from bot.settings import Settings, SettingsError, load_settings
from storage.database import Database, MigrationError, backup

log = logging.getLogger("bondgenoten")
EXIT_CONFIG = 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bondgenoten", description=__doc__)
    config = argparse.ArgumentParser(add_help=False)
    config.add_argument(
        "--config", type=Path, default=Path("config.toml"), help="TOML settings file (config.toml)"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("run", parents=[config], help="run the bot with long polling")
    commands.add_parser("migrate", parents=[config], help="apply database migrations and exit")
    backup_parser = commands.add_parser(
        "backup", parents=[config], help="write a consistent copy of the database"
    )
    backup_parser.add_argument("path", type=Path)
    demo_parser = commands.add_parser("demo", help="the bot against the built-in sandbox, no token")
    demo_parser.add_argument("--verbose", action="store_true", help="show the bot's log too")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from bot import demo

        return asyncio.run(demo.main(verbose=args.verbose))
    try:
        settings = load_settings(args.config)
    except SettingsError as exc:
        print(f"bondgenoten: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    logs.setup(token=settings.telegram.token.get_secret_value())
    try:
        if args.command == "run":
            return asyncio.run(run(settings))
        if args.command == "migrate":
            return asyncio.run(migrate(settings))
        return asyncio.run(make_backup(settings, args.path))
    except MigrationError as exc:
        print(f"bondgenoten: {exc}", file=sys.stderr)
        return 1


async def run(settings: Settings) -> int:
    """Long polling until SIGTERM or SIGINT, then a clean stop."""
    from bot.app import build_application, running

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    application = build_application(settings)
    async with running(application):
        log.info("running; stop with Ctrl+C or SIGTERM")
        await stop.wait()
        log.info("stopping")
    log.info("stopped")
    return 0


async def migrate(settings: Settings) -> int:
    database = await Database.open(settings.database.path, migrate=False)
    try:
        applied = await database.migrate()
    finally:
        await database.close()
    print(f"{len(applied)} migration(s) applied to {settings.database.path}")
    return 0


async def make_backup(settings: Settings, destination: Path) -> int:
    try:
        await backup(settings.database.path, destination)
    except FileNotFoundError as exc:
        print(f"bondgenoten: {exc}", file=sys.stderr)
        return 1
    print(f"backup written to {destination}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The one SQLite file: connections, migrations, transactions and online backups.

Writes go through one writer connection as short `BEGIN IMMEDIATE` transactions, serialised by
an asyncio lock, so no two coroutines interleave half-done writes. Reads use a second
connection; with WAL they see the last committed state and never block the writer.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous = NORMAL",
)


class MigrationError(Exception):
    """The schema on disk does not match the migration files."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def migrations() -> list[Migration]:
    """The numbered files in storage/migrations, in order (`0001_people.sql`, ...)."""
    found = []
    for entry in resources.files("storage").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text()))
    found.sort(key=lambda m: m.version)
    return found


class Database:
    """An open database: `transaction()` for writes, `fetch_one`/`fetch_all` for reads."""

    def __init__(self, path: Path, writer: aiosqlite.Connection, reader: aiosqlite.Connection):
        self.path = path
        self._writer = writer
        self._reader = reader
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, *, migrate: bool = True) -> Database:
        path.parent.mkdir(parents=True, exist_ok=True)
        writer = await _connect(path)
        reader = await _connect(path)
        database = cls(path, writer, reader)
        if migrate:
            try:
                await database.migrate()
            except BaseException:
                await reader.close()
                await writer.close()
                raise
        return database

    async def close(self) -> None:
        await self._reader.close()
        # A passive checkpoint keeps the -wal file small for the next start and for copies.
        await self._writer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        await self._writer.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One all-or-nothing write: committed when the block ends, rolled back on error."""
        async with self._write_lock:
            await self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                await self._writer.execute("ROLLBACK")
                raise
            await self._writer.execute("COMMIT")

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self._reader.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        async with self._reader.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def migrate(self) -> list[Migration]:
        """Apply the migrations not yet applied, each in its own transaction."""
        async with self._write_lock:
            await self._writer.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
                " applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')))"
            )
            async with self._writer.execute(
                "SELECT version, checksum FROM schema_migrations"
            ) as cursor:
                applied = {row["version"]: row["checksum"] for row in await cursor.fetchall()}
            done = []
            for migration in migrations():
                if migration.version in applied:
                    if applied[migration.version] != migration.checksum:
                        raise MigrationError(
                            f"migration {migration.version:04d}_{migration.name} was changed "
                            "after it was applied; add a new migration instead"
                        )
                    continue
                await self._apply(migration)
                done.append(migration)
                log.info("applied migration %04d_%s", migration.version, migration.name)
            return done

    async def _apply(self, migration: Migration) -> None:
        script = (
            f"BEGIN IMMEDIATE;\n{migration.sql}\n;"
            "INSERT INTO schema_migrations (version, name, checksum) VALUES "
            f"({migration.version}, '{migration.name}', '{migration.checksum}');\nCOMMIT;"
        )
        try:
            await self._writer.executescript(script)
        except sqlite3.Error:
            if self._writer.in_transaction:
                await self._writer.execute("ROLLBACK")
            raise

    async def backup(self, destination: Path) -> None:
        """Write a consistent copy to `destination` while the bot keeps running."""
        await backup(self.path, destination)


async def backup(source: Path, destination: Path) -> None:
    """SQLite's online backup API: a consistent snapshot even while another process writes."""
    if not source.exists():
        raise FileNotFoundError(f"database {source} does not exist")
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    async with aiosqlite.connect(source) as src, aiosqlite.connect(partial) as dst:
        await src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await src.backup(dst)
    # Only a finished copy gets the real name, so a crash never leaves a half backup behind it.
    partial.replace(destination)


async def _connect(path: Path) -> aiosqlite.Connection:
    connection = await aiosqlite.connect(path, isolation_level=None)
    connection.row_factory = sqlite3.Row
    for pragma in _PRAGMAS:
        await connection.execute(pragma)
    return connection

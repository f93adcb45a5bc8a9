"""The one SQLite file: connections, migrations, transactions, and the lock of the running bot.

Writes go through one writer connection as short `BEGIN IMMEDIATE` transactions, serialised by
an asyncio lock, so no two coroutines interleave half-done writes. Reads use a second
connection; with WAL they see the last committed state and never block the writer.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import hashlib
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000
CHECKPOINT_ATTEMPTS = 50  # a checkpoint waits out readers for up to about a second
CHECKPOINT_PAUSE_S = 0.02
_PRAGMAS = (
    "PRAGMA journal_mode = WAL",
    "PRAGMA foreign_keys = ON",
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA synchronous = NORMAL",
    # What is deleted is overwritten with zeros, in the file and its free pages: a forgotten
    # person's words must not stay readable in unused space (issue 10).
    "PRAGMA secure_delete = ON",
)


class DatabaseUnusable(Exception):
    """The database file cannot be used; the message is one line: what is wrong, what to do."""


class MigrationError(DatabaseUnusable):
    """The schema on disk does not match the migration files."""


class AlreadyRunning(Exception):
    """Another bondgenoten holds the database (a running bot, or a restore under way)."""


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
        """Open (or create) the database; `DatabaseUnusable` says in one line why it cannot be."""
        check_path(path)
        writer = await _connect(path)
        try:
            reader = await _connect(path)
        except BaseException:
            await writer.close()
            raise
        database = cls(path, writer, reader)
        if migrate:
            try:
                await database.migrate()
            except BaseException as exc:
                await reader.close()
                await writer.close()
                if isinstance(exc, sqlite3.Error):
                    raise DatabaseUnusable(explain(path, exc)) from None
                raise
        return database

    async def close(self) -> None:
        await self._reader.close()
        try:
            # A passive checkpoint keeps the -wal file small for the next start and for copies.
            await self._writer.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            await self._writer.close()

    async def checkpoint(self) -> bool:
        """Copy the write-ahead log into the database file and empty it, so that the old copies
        of pages it holds (with what was just deleted) are gone too; False if a reader kept
        part of it (the next checkpoint takes it)."""
        # A reader's snapshot keeps the log (and lets only older copies of pages reach the
        # file): readers are brief, so try again a few times before leaving it to the next.
        for attempt in range(CHECKPOINT_ATTEMPTS):
            if attempt:
                await asyncio.sleep(CHECKPOINT_PAUSE_S)
            async with self._write_lock:
                async with self._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)") as cursor:
                    row = await cursor.fetchone()
            if row is not None and row[0] == 0:
                return True
        log.warning("checkpoint of %s incomplete: a reader held the log", self.path)
        return False

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One all-or-nothing write: committed when the block ends, rolled back on error."""
        async with self._write_lock:
            await self._begin()
            try:
                yield self._writer
            except BaseException:
                await self._end("ROLLBACK")
                raise
            await self._end("COMMIT")

    async def _end(self, statement: str) -> None:
        """COMMIT or ROLLBACK, so that the one writer never stays inside a transaction: the
        statement runs in the connection's thread even when the caller is cancelled meanwhile
        (awaited to its end), and a COMMIT that fails (a deferred constraint, a full disk) is
        rolled back before the error goes on — or every later write would fail with "cannot
        start a transaction within a transaction"."""
        end = asyncio.ensure_future(self._writer.execute(statement))
        try:
            await asyncio.shield(end)
        except BaseException:
            with suppress(BaseException):
                await end
            if self._writer.in_transaction:
                with suppress(Exception):
                    await self._writer.execute("ROLLBACK")
            raise

    async def _begin(self) -> None:
        """BEGIN IMMEDIATE, also when the caller is cancelled meanwhile: the statement runs in
        the connection's thread whatever happens here, so a cancel that came while it ran must
        not leave the transaction open (the next BEGIN, and the checkpoint at close, would
        fail with 'database table is locked')."""
        begin = asyncio.ensure_future(self._writer.execute("BEGIN IMMEDIATE"))
        try:
            await asyncio.shield(begin)
        except asyncio.CancelledError:
            with suppress(Exception):
                await begin
            if self._writer.in_transaction:
                await self._writer.execute("ROLLBACK")
            raise

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        async with self._reader.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        # One hand-off to the reader's thread, where execute, fetch and close take three.
        return list(await self._reader.execute_fetchall(sql, tuple(params)))

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
            known = migrations()
            unknown = sorted(set(applied) - {m.version for m in known})
            if unknown:
                raise MigrationError(
                    f"database {self.path} has migration {unknown[0]:04d}, which this version of "
                    "bondgenoten does not know (written by a newer version?); upgrade "
                    "bondgenoten or restore a backup"
                )
            done = []
            for migration in known:
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


async def prepare(path: Path) -> list[Migration]:
    """Check the database can be used and bring its schema up to date; the migrations applied."""
    database = await Database.open(path, migrate=False)
    try:
        return await database.migrate()
    except sqlite3.Error as exc:
        raise DatabaseUnusable(explain(path, exc)) from None
    finally:
        try:
            await database.close()
        except sqlite3.Error:
            pass  # the error that matters was raised above


def check_path(path: Path) -> None:
    """Refuse, in one line, a database path SQLite could only fail on with a cryptic error.

    A missing folder is refused rather than created: a typo in `database.path` must not
    quietly start the bot on a new, empty database.
    """
    if path.is_dir():
        raise DatabaseUnusable(
            f"database {path} is a folder; set database.path to a file in it, "
            f"e.g. {path / 'bondgenoten.sqlite3'}"
        )
    folder = path.parent
    if not folder.is_dir():
        blocker = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if blocker is not None and not blocker.is_dir():
            raise DatabaseUnusable(
                f"database {path}: {blocker} is a file, not a folder; correct database.path"
            )
        raise DatabaseUnusable(
            f"folder {folder} of database {path} does not exist; create it or correct database.path"
        )
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise DatabaseUnusable(
            f"database {path} cannot be written{_why_not_writable(path)}; give the bot's user "
            "read and write access or correct database.path"
        )
    # SQLite keeps its -wal and -shm files beside the database, so the folder must be writable.
    if not os.access(folder, os.W_OK | os.X_OK):
        raise DatabaseUnusable(
            f"folder {folder} of database {path} cannot be written{_why_not_writable(folder)}; "
            "give the bot's user write access or correct database.path"
        )


def explain(path: Path, exc: sqlite3.Error | OSError) -> str:
    """One line for an error SQLite or the file system gave on `path`."""
    name = getattr(exc, "sqlite_errorname", "")
    if name in ("SQLITE_NOTADB", "SQLITE_CORRUPT"):
        return (
            f"{path} is not a SQLite database, or is damaged; correct database.path or "
            "restore a backup (bondgenoten restore FILE)"
        )
    if name == "SQLITE_READONLY":
        return f"database {path} is read-only; give the bot's user write access"
    if name == "SQLITE_CANTOPEN":
        return f"database {path} cannot be opened; check database.path and its folder"
    if name == "SQLITE_FULL" or getattr(exc, "errno", None) == errno.ENOSPC:
        return f"the disk holding {path} is full"
    return f"database {path}: {exc}"


def _why_not_writable(path: Path) -> str:
    try:
        if os.statvfs(path).f_flag & os.ST_RDONLY:
            return " (read-only file system)"
    except OSError:
        pass
    return " (permission denied)"


@contextmanager
def instance_lock(path: Path) -> Iterator[None]:
    """Hold `<database>.lock` exclusively: one running bot (or restore) per database.

    An advisory `flock`, so the kernel drops it when the process ends, even on SIGKILL; a
    stale lock file left behind is harmless. Raises `AlreadyRunning` when it is held.
    """
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise DatabaseUnusable(
            f"cannot create the lock file {lock} ({exc.strerror}); check database.path"
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            raise AlreadyRunning(
                f"another bondgenoten (process {holder}) is using database {path}; "
                "run exactly one bot per database and token, and stop it before a restore"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


async def _connect(path: Path) -> aiosqlite.Connection:
    try:
        connection = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise DatabaseUnusable(explain(path, exc)) from None
    try:
        connection.row_factory = sqlite3.Row
        for pragma in _PRAGMAS:
            await connection.execute(pragma)
    except BaseException as exc:
        # aiosqlite's worker thread is not a daemon: an unclosed connection keeps the process
        # alive after the error (a "hang" on a file that is not a database).
        await connection.close()
        if isinstance(exc, sqlite3.Error):
            raise DatabaseUnusable(explain(path, exc)) from None
        raise
    return connection

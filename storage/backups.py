"""Backups and restores of the one SQLite file, safe for the operator's mistakes.

`backup` copies with SQLite's online backup API (a consistent snapshot while the bot writes)
into a temporary file beside the target and renames it only when complete, so a failure leaves
nothing behind. `restore` checks a copy is sound and one of ours before it replaces the
database, refuses while a bot holds the database, and keeps the file it replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.database import (
    BUSY_TIMEOUT_MS,
    DatabaseUnusable,
    check_path,
    explain,
    instance_lock,
    migrations,
)


class Refused(Exception):
    """The operator asked for something that would lose data; the message says why, in a line."""


@dataclass(frozen=True)
class Verified:
    """What `verify` found in a sound copy: its newest migration and how many are still to run."""

    version: int
    pending: int


@dataclass(frozen=True)
class Restored:
    version: int
    pending: int
    replaced: Path | None


async def backup(source: Path, destination: Path, *, force: bool = False) -> None:
    """A consistent copy of the live database at `source`, written to `destination`."""
    # In a thread: the bot's own writes (in this process, in the tests) go on meanwhile.
    await asyncio.to_thread(_backup, source, destination, force)


async def restore(source: Path, database: Path) -> Restored:
    """Replace `database` by a verified copy of `source`; the old file is kept beside it."""
    return await asyncio.to_thread(_restore, source, database)


def _backup(source: Path, destination: Path, force: bool) -> None:
    if not source.is_file():
        raise DatabaseUnusable(f"database {source} does not exist; check database.path")
    if _same_file(source, destination) or _is_companion(source, destination):
        raise Refused(f"{destination} is the live database itself; back up to another file")
    if destination.is_dir():
        raise Refused(f"{destination} is a folder; name the backup file, e.g. {destination}/x.db")
    if not destination.parent.is_dir():
        raise Refused(f"folder {destination.parent} does not exist; create it first")
    if destination.exists() and not force:
        raise Refused(f"{destination} already exists; choose another name or add --force")
    # Read-write (but never create): the last connection to close folds the -wal back in and
    # removes it, where a read-only one would leave -wal and -shm files behind.
    _copy_into_place(_uri(source, "rw"), destination)


def verify(path: Path) -> Verified:
    """Check `path` is a sound bondgenoten database this version can run on, or say why not."""
    if not path.is_file():
        raise DatabaseUnusable(f"{path} does not exist or is not a file")
    try:
        with contextlib.closing(sqlite3.connect(_uri(path, "ro"), uri=True)) as connection:
            result = connection.execute("PRAGMA integrity_check").fetchall()
            if [row[0] for row in result] != ["ok"]:
                raise DatabaseUnusable(f"{path} fails SQLite's integrity check: {result[0][0]}")
            has_table = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            ).fetchone()
            if not has_table:
                raise DatabaseUnusable(f"{path} is a SQLite database but not one of bondgenoten's")
            applied = dict(connection.execute("SELECT version, checksum FROM schema_migrations"))
    except sqlite3.Error as exc:
        raise DatabaseUnusable(explain(path, exc)) from None
    known = {m.version: m.checksum for m in migrations()}
    for version in sorted(applied):
        if version not in known:
            raise DatabaseUnusable(
                f"{path} has migration {version:04d}, which this version of bondgenoten does "
                "not know (made by a newer version?)"
            )
        if applied[version] != known[version]:
            raise DatabaseUnusable(
                f"{path} has a migration {version:04d} that differs from this version's"
            )
    if not applied or sorted(applied) != sorted(known)[: len(applied)]:
        raise DatabaseUnusable(f"{path} has an incomplete or unknown migration history")
    return Verified(version=max(applied), pending=len(known) - len(applied))


def _restore(source: Path, database: Path) -> Restored:
    if _same_file(source, database):
        raise Refused(f"{source} is the live database itself; name a backup file")
    check_path(database)
    with instance_lock(database):
        found = verify(source)
        replaced = None
        # A copy first, verified where it will live, so a failure leaves the database as it was.
        temporary = _copy_into_place(_uri(source, "ro"), None, folder=database.parent)
        try:
            verify(temporary)
            if database.exists():
                _checkpoint(database)
                replaced = _free_name(database, datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ"))
                database.rename(replaced)
                _keep_wal(database, replaced)
            os.replace(temporary, database)
            _sync_folder(database.parent)
        except BaseException:
            _remove(temporary)
            raise
    return Restored(version=found.version, pending=found.pending, replaced=replaced)


def _copy_into_place(
    source_uri: str, destination: Path | None, *, folder: Path | None = None
) -> Path:
    """Copy the database at `source_uri` into a temporary file, then rename it to `destination`.

    Without a destination, the complete temporary copy is returned for the caller to place.
    """
    target_folder = folder if destination is None else destination.parent
    assert target_folder is not None
    name = "restore" if destination is None else destination.name
    try:
        handle, raw = tempfile.mkstemp(dir=target_folder, prefix=f".{name}.", suffix=".tmp")
    except OSError as exc:
        raise Refused(f"cannot write in {target_folder} ({exc.strerror})") from None
    os.close(handle)
    temporary = Path(raw)
    try:
        with (
            contextlib.closing(sqlite3.connect(source_uri, uri=True)) as src,
            contextlib.closing(sqlite3.connect(temporary)) as dst,
        ):
            src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            src.backup(dst)
            # A copy on its own: no -wal beside it that a move or a copy could forget.
            dst.execute("PRAGMA journal_mode = DELETE")
        with open(temporary, "rb") as written:
            os.fsync(written.fileno())
        if destination is not None:
            os.replace(temporary, destination)
            _sync_folder(destination.parent)
    except BaseException as exc:
        _remove(temporary)
        if isinstance(exc, sqlite3.Error):
            raise DatabaseUnusable(explain(_path_of(source_uri), exc)) from None
        if isinstance(exc, OSError):
            raise Refused(f"cannot write {destination or temporary} ({exc.strerror})") from None
        raise
    return temporary


def _checkpoint(database: Path) -> None:
    """Fold the -wal into the file, so the replaced file kept aside is complete on its own."""
    with contextlib.suppress(sqlite3.Error):  # e.g. not a database: it is kept aside as it is
        with contextlib.closing(sqlite3.connect(_uri(database, "rw"), uri=True)) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _keep_wal(database: Path, replaced: Path) -> None:
    """A -wal the checkpoint could not fold in goes with the replaced file, never lost."""
    wal = database.with_name(database.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        wal.rename(replaced.with_name(replaced.name + "-wal"))
    for leftover in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            database.with_name(database.name + leftover).unlink()


def _free_name(database: Path, stamp: str) -> Path:
    candidate = database.with_name(f"{database.name}.replaced-{stamp}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = database.with_name(f"{database.name}.replaced-{stamp}-{n}")
    return candidate


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve() or (b.exists() and a.exists() and a.samefile(b))
    except OSError:
        return False


def _is_companion(database: Path, other: Path) -> bool:
    """The database's -wal, -shm and lock files are as much the live database as the file."""
    live = database.resolve()
    return other.resolve() in {
        live.with_name(live.name + suffix) for suffix in ("-wal", "-shm", "-journal", ".lock")
    }


def _uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?mode={mode}"


def _path_of(uri: str) -> Path:
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(uri).path))


def _remove(path: Path) -> None:
    for leftover in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm", "-journal"))):
        with contextlib.suppress(FileNotFoundError):
            leftover.unlink()


def _sync_folder(folder: Path) -> None:
    """Make a rename durable: fsync the folder that holds the new name."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

"""The database: migrations applied once, all-or-nothing writes, and online backups."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from storage import database as database_module
from storage import people
from storage.backups import backup
from storage.database import Database, Migration, MigrationError, migrations

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


async def test_migrations_apply_once_and_are_recorded(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "b.sqlite3")
    try:
        assert await db.migrate() == []  # already applied at open
        rows = await db.fetch_all("SELECT version FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in rows] == [m.version for m in migrations()]
        mode = await db.fetch_one("PRAGMA journal_mode")
        assert mode is not None and mode[0] == "wal"
        keys = await db.fetch_one("PRAGMA foreign_keys")
        assert keys is not None and keys[0] == 1
    finally:
        await db.close()


async def test_an_edited_migration_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "b.sqlite3"
    await (await Database.open(path)).close()
    originals = migrations()
    edited = [Migration(m.version, m.name, m.sql + "\n-- edited") for m in originals]
    monkeypatch.setattr(database_module, "migrations", lambda: edited)
    with pytest.raises(MigrationError, match="was changed after it was applied"):
        await Database.open(path)


async def test_a_failing_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "b.sqlite3")
    try:
        with pytest.raises(RuntimeError):
            async with db.transaction() as conn:
                await conn.execute(
                    "INSERT INTO people (user_id, created_at, last_active_at) VALUES (1, 'a', 'a')"
                )
                raise RuntimeError("half-way")
        assert await people.get(db, 1) is None
        await people.set_language(db, 1, "en", NOW)
        person = await people.get(db, 1)
        assert person is not None and person.language == "en"
    finally:
        await db.close()


async def test_a_commit_that_fails_leaves_the_writer_ready_for_the_next(tmp_path: Path) -> None:
    """A COMMIT can fail (here a deferred foreign key; in life a full disk): the transaction is
    rolled back, the error reaches the caller, and the next write works — the one writer is
    not left inside a transaction ("cannot start a transaction within a transaction")."""
    db = await Database.open(tmp_path / "b.sqlite3")
    try:
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                await conn.execute("PRAGMA defer_foreign_keys = ON")
                await conn.execute(
                    "INSERT INTO memberships (network_id, user_id, role, status, joined_at)"
                    " VALUES (999, 1, 'key_figure', 'intake', 'a')"
                )
        rows = await db.fetch_all("SELECT count(*) AS n FROM memberships")
        assert rows[0]["n"] == 0
        await people.set_language(db, 1, "en", NOW)
        person = await people.get(db, 1)
        assert person is not None and person.language == "en"
    finally:
        await db.close()


async def test_concurrent_writers_do_not_interleave(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "b.sqlite3")
    try:
        await asyncio.gather(*(people.set_language(db, n, "nl", NOW) for n in range(50)))
        rows = await db.fetch_all("SELECT count(*) AS n FROM people")
        assert rows[0]["n"] == 50
    finally:
        await db.close()


async def test_backup_while_writing_is_consistent(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "live.sqlite3")
    try:
        writing = asyncio.gather(*(people.set_language(db, n, "en", NOW) for n in range(200)))
        await backup(db.path, tmp_path / "copy.sqlite3")
        await writing
    finally:
        await db.close()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = copy.execute("SELECT count(*) FROM people").fetchone()[0]
        assert 0 <= count <= 200
        versions = copy.execute("SELECT count(*) FROM schema_migrations").fetchone()[0]
        assert versions == len(migrations())
    finally:
        copy.close()
    assert not (tmp_path / "copy.sqlite3.partial").exists()

"""The one place that opens the local database: pragmas, version check, backup, migration.

Durability first: WAL with `synchronous=FULL`, so a ticket whose receipt was printed survives a
power cut. Problems with the file itself (locked, corrupt, full, read-only, from a newer program)
become `StoreError`s with a clear message, never a traceback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import peewee

from counter_app.core.errors import StoreError
from counter_app.store import migrations
from counter_app.store.models import db

DB_NAME = "loket.sqlite3"
BUSY_TIMEOUT_MS = 5000


def translate(exc: BaseException, path: Path | str | None = None) -> StoreError:
    """Turn an SQLite failure about the file into the user's message for it."""
    text = str(exc).lower()
    where = str(path) if path else ""
    if "locked" in text or "busy" in text:
        return StoreError("store.locked", path=where)
    if "not a database" in text or "malformed" in text or "corrupt" in text:
        return StoreError("store.corrupt", path=where)
    if "full" in text:
        return StoreError("store.full", path=where)
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return StoreError("store.readonly", path=where)
    if "disk i/o" in text:
        return StoreError("store.io", path=where)
    return StoreError("store.error", path=where, detail=str(exc))


@contextmanager
def store_errors(path: Path | str | None = None) -> Iterator[None]:
    """Re-raise database file failures as StoreError (other exceptions pass through)."""
    try:
        yield
    except (peewee.OperationalError, peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        if isinstance(exc, peewee.IntegrityError | sqlite3.IntegrityError):
            raise
        raise translate(exc, path) from exc


def open_database(path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> peewee.SqliteDatabase:
    return peewee.SqliteDatabase(
        str(path),
        pragmas={
            "journal_mode": "wal",
            "synchronous": 2,  # FULL
            "foreign_keys": 1,
            "busy_timeout": busy_timeout_ms,
            "cache_size": -16000,
        },
        lock_type="IMMEDIATE",  # writers take the lock up front: no upgrade deadlocks
        check_same_thread=False,
    )


def schema_version(database: peewee.SqliteDatabase) -> int:
    return database.execute_sql("PRAGMA user_version").fetchone()[0]


def backup_file(database: peewee.SqliteDatabase, target: Path) -> Path:
    """A consistent copy through SQLite's online backup API (safe while others write)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    dest = sqlite3.connect(str(tmp))
    try:
        database.connection().backup(dest)
    finally:
        dest.close()
    tmp.replace(target)
    return target


def init_db(
    data_dir: Path,
    *,
    create: bool = False,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> peewee.SqliteDatabase:
    """Open (and with `create`, make) the store in `data_dir`; migrate it to the current schema."""
    path = Path(data_dir) / DB_NAME
    if not path.exists() and not create:
        raise StoreError("store.missing", path=str(path))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError("store.readonly", path=str(path.parent)) from exc
    if path.exists():
        # Look before opening for real: opening switches the file to WAL, and a file from a
        # newer program must be left exactly as it was.
        try:
            _refuse_newer(path)
        except OSError as exc:
            raise translate(exc, path) from exc
    database = open_database(path, busy_timeout_ms=busy_timeout_ms)
    with store_errors(path):
        database.connect(reuse_if_open=True)
        try:
            version = schema_version(database)
            if version > migrations.LATEST:
                raise StoreError(
                    "store.newer", path=str(path), version=version, supported=migrations.LATEST
                )
            if version < migrations.LATEST:
                has_data = version > 0
                if has_data:
                    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
                    backup_file(
                        database, Path(data_dir) / "backups" / f"pre-migrate-v{version}-{stamp}.sqlite3"
                    )
                migrations.migrate(database, version)
        except BaseException:
            database.close()
            raise
    db.initialize(database)
    return database


def _refuse_newer(path: Path) -> None:
    """Read the schema version straight from the file header (bytes 60–63), touching nothing:
    even a read-only SQLite open would leave -shm/-wal files beside a WAL database."""
    with open(path, "rb") as fh:
        header = fh.read(100)
    if len(header) == 0:
        return  # an empty file is a database with nothing in it yet
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        raise StoreError("store.corrupt", path=str(path))
    version = int.from_bytes(header[60:64], "big", signed=True)
    if version > migrations.LATEST:
        raise StoreError("store.newer", path=str(path), version=version, supported=migrations.LATEST)


def close_db() -> None:
    if db.obj is not None and not db.is_closed():
        db.close()


def integrity_check(database: peewee.SqliteDatabase) -> str:
    return database.execute_sql("PRAGMA integrity_check").fetchone()[0]

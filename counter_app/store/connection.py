"""The one place that opens the local database: pragmas, version check, backup, migration.

Durability first: WAL with `synchronous=FULL`, so a ticket whose receipt was printed survives a
power cut. Problems with the file itself (locked, corrupt, full, read-only, from a newer program)
become `StoreError`s with a clear message, never a traceback.
"""

from __future__ import annotations

import errno
import shutil
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


# SQLite's primary result codes (the low byte of the extended code) and what they mean here.
_BY_CODE: dict[int, str] = {
    sqlite3.SQLITE_BUSY: "store.locked",
    sqlite3.SQLITE_LOCKED: "store.locked",
    sqlite3.SQLITE_CORRUPT: "store.corrupt",
    sqlite3.SQLITE_NOTADB: "store.corrupt",
    sqlite3.SQLITE_FULL: "store.full",
    sqlite3.SQLITE_READONLY: "store.readonly",
    sqlite3.SQLITE_CANTOPEN: "store.readonly",
    sqlite3.SQLITE_PERM: "store.readonly",
    sqlite3.SQLITE_AUTH: "store.readonly",
    sqlite3.SQLITE_IOERR: "store.io",
}
_DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
# Below this much free space SQLite cannot grow its -shm (32 KiB steps) or WAL, and reports
# the failed write as SQLITE_IOERR_SHMSIZE/_WRITE rather than SQLITE_FULL: on such a disk an
# I/O error is the disk being full.
_NEARLY_FULL = 1 << 20


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """`exc` and what lies under it: peewee wraps the driver's exception (as its first arg and
    its context), and a failed ROLLBACK after SQLite already rolled back hides the real error
    in `__context__` ("cannot rollback - no transaction is active" over SQLITE_FULL)."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [a for a in e.args[:1] if isinstance(a, BaseException)]
        todo += [c for c in (e.__cause__, e.__context__) if c is not None]


def _nearly_full(path: Path | str | None) -> bool:
    if not path:
        return False
    folder = Path(path)
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free < _NEARLY_FULL
    except OSError:
        return False


def classify(exc: BaseException, path: Path | str | None = None) -> str | None:
    """The message key for a failure of the database file or the disk, by SQLite's error code
    (`sqlite_errorcode`, Python 3.11+) or the OS's errno, never by message text; None when the
    exception is not about the file or the disk."""
    for e in _causes(exc):
        if isinstance(e, OSError) and e.errno is not None:
            if e.errno in _DISK_FULL:
                return "store.full"
            if e.errno in _READ_ONLY:
                return "store.readonly"
            continue
        code = getattr(e, "sqlite_errorcode", None)
        if code is None:
            continue
        key = _BY_CODE.get(code & 0xFF)
        if key == "store.io" and _nearly_full(path):
            key = "store.full"
        if key is not None:
            return key
        # SQLITE_ERROR and friends: look further down (a failed rollback over the real error)
    return None


def translate(exc: BaseException, path: Path | str | None = None) -> StoreError:
    """Turn an SQLite (or disk) failure about the file into the user's message for it."""
    where = str(path) if path else ""
    key = classify(exc, path)
    if key is None:
        return StoreError("store.error", path=where, detail=str(exc))
    if key == "store.full" and not where:
        where = next((str(e.filename) for e in _causes(exc) if isinstance(e, OSError) and e.filename), "")
    return StoreError(key, path=where)


@contextmanager
def store_errors(path: Path | str | None = None) -> Iterator[None]:
    """Re-raise database file failures, and a full disk anywhere, as StoreError (other
    exceptions pass through)."""
    try:
        yield
    except (peewee.OperationalError, peewee.DatabaseError, sqlite3.DatabaseError) as exc:
        if isinstance(exc, peewee.IntegrityError | sqlite3.IntegrityError):
            raise
        raise translate(exc, path) from exc
    except OSError as exc:
        if exc.errno not in _DISK_FULL:
            raise
        raise translate(exc, exc.filename or path) from exc


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

"""The one place that opens the local database: pragmas, version check, backup, migration.

Durability first: WAL with `synchronous=FULL`, so a ticket whose receipt was printed survives a
power cut. Problems with the file itself (locked, corrupt, full, read-only, from a newer program)
become `StoreError`s with a clear message, never a traceback.

peewee is imported only when a model or a migration needs it: a store already at the latest
schema is opened on a plain sqlite3 connection that peewee takes over at its first use
(`store.fast_open`), so the start to the login does without it.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from counter_app.core.errors import StoreError
from counter_app.core.files import PRIVATE_DIR, PRIVATE_FILE, check_target, fsync_dir, make_private_dir
from counter_app.store import fast_open, migrations
from counter_app.store.fast_open import StoreHandle, connect_plain, pragmas

if TYPE_CHECKING:
    import peewee

# The process's store, as models and the Setting table use it (initialised by `init_db`). Here
# rather than in store.models, so that reading settings does not build every model class; a
# `StoreHandle` rather than peewee's DatabaseProxy, so that reading them does not import peewee.
db = StoreHandle()

DB_NAME = "loket.sqlite3"
BUSY_TIMEOUT_MS = 5000
BACKUPS_DIR = "backups"


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
    except OSError as exc:
        if exc.errno not in _DISK_FULL:
            raise
        raise translate(exc, exc.filename or path) from exc
    except Exception as exc:
        if not _is_database_error(exc):
            raise
        raise translate(exc, path) from exc


def _is_database_error(exc: BaseException) -> bool:
    """sqlite3's or peewee's DatabaseError (OperationalError included), IntegrityError not.
    peewee's only if it is loaded: without it, none of its exceptions can have been raised."""
    pw: Any = sys.modules.get("peewee")
    if isinstance(exc, sqlite3.IntegrityError) or (pw is not None and isinstance(exc, pw.IntegrityError)):
        return False
    return isinstance(exc, sqlite3.DatabaseError) or (pw is not None and isinstance(exc, pw.DatabaseError))


def open_database(path: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> peewee.SqliteDatabase:
    import peewee

    return peewee.SqliteDatabase(
        str(path),
        pragmas=pragmas(busy_timeout_ms),  # WAL, synchronous=FULL, foreign keys, busy timeout
        timeout=fast_open.SQLITE_TIMEOUT_S,
        lock_type="IMMEDIATE",  # writers take the lock up front: no upgrade deadlocks
        check_same_thread=False,
    )


def schema_version(database: Any) -> int:
    return int(database.execute_sql("PRAGMA user_version").fetchone()[0])


def backup_file(database: peewee.SqliteDatabase, target: Path) -> Path:
    """A consistent, verified, owner-only copy through SQLite's online backup API (safe while
    others write). The copy is made under a temporary name and checked (integrity, a Loket
    schema) before it takes the target's name: a damaged source gives no copy at all."""
    target = Path(target)
    check_target(target)
    if not target.parent.is_dir():
        make_private_dir(target.parent)
    fd, part_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    part = Path(part_name)
    try:
        os.close(fd)
        os.chmod(part, PRIVATE_FILE)  # before SQLite writes a byte (its journal takes this mode)
        dest = sqlite3.connect(str(part))
        try:
            database.connection().backup(dest)
            # the copy takes the source's WAL mode: make it one self-contained file instead
            dest.execute("PRAGMA journal_mode = DELETE").fetchone()
        finally:
            dest.close()
        if not copy_is_good(part):
            raise StoreError("store.damaged", path=str(database.database), backups=_backups_hint(database))
        with open(part, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(part, target)
    except BaseException:
        for leftover in (part, *(Path(f"{part}{s}") for s in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        raise
    fsync_dir(target.parent)
    return target


def _backups_hint(database: peewee.SqliteDatabase) -> str:
    return str(Path(database.database).parent / BACKUPS_DIR)


def copy_is_good(path: Path) -> bool:
    """A usable Loket store: an SQLite file whose integrity check passes, with a schema."""
    try:
        _check_header(path)
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        con = sqlite3.connect(uri, uri=True)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            version = int(con.execute("PRAGMA user_version").fetchone()[0])
        finally:
            con.close()
    except (StoreError, OSError, sqlite3.Error):
        return False
    return bool(ok) and 0 < version


def init_db(
    data_dir: Path,
    *,
    create: bool = False,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> None:
    """Open the store in `data_dir` and migrate it to the current schema.

    Only `create` (the `init` use case) makes a store, and it makes it whole or not at all: a
    missing, empty or non-SQLite file is otherwise refused as missing or damaged, pointing to
    the backups, so a truncated file never silently becomes a new empty store.

    A store at the latest schema (most starts) is opened on a plain connection, without
    importing peewee (`store.fast_open`); anything older is backed up and migrated by peewee.
    """
    data_dir = Path(data_dir)
    path = data_dir / DB_NAME
    if create and not os.path.lexists(path):
        try:
            _create_store(path)
        except OSError as exc:
            raise translate(exc, path) from exc
    # Look before opening for real: opening switches the file to WAL, and a file from a
    # newer program (or a damaged one) must be left exactly as it was.
    try:
        header_version = _check_header(path)
    except FileNotFoundError:
        raise StoreError("store.missing", path=str(path), backups=str(data_dir / BACKUPS_DIR)) from None
    except OSError as exc:
        raise translate(exc, path) from exc
    if header_version == 0 and not _wal_has_content(path):
        # a valid SQLite file but no Loket schema anywhere (e.g. made by `sqlite3 loket.sqlite3`)
        raise StoreError("store.damaged", path=str(path), backups=str(data_dir / BACKUPS_DIR))
    tighten_data_dir(data_dir)
    if header_version == migrations.LATEST and _open_plain(path, busy_timeout_ms):
        tighten_data_dir(data_dir)  # the -wal/-shm SQLite has just made
        return
    database = open_database(path, busy_timeout_ms=busy_timeout_ms)
    with store_errors(path):
        database.connect(reuse_if_open=True)
        try:
            version = schema_version(database)
            if version > migrations.LATEST:
                raise StoreError("store.newer", path=str(path), version=version, supported=migrations.LATEST)
            if version == 0:
                raise StoreError("store.damaged", path=str(path), backups=str(data_dir / BACKUPS_DIR))
            if version < migrations.LATEST:
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
                backup_file(database, data_dir / BACKUPS_DIR / f"pre-migrate-v{version}-{stamp}.sqlite3")
                migrations.migrate(database, version)
        except BaseException:
            database.close()
            raise
    tighten_data_dir(data_dir)  # the -wal/-shm SQLite has just made
    db.initialize(database)


def _open_plain(path: Path, busy_timeout_ms: int) -> bool:
    """Open the store on a plain connection if it is at the latest schema (the file's header
    said so; its WAL may say otherwise): `db` then serves it. False, nothing left open, if not:
    the full open decides (a newer program's store, one to migrate)."""
    with store_errors(path):
        conn = connect_plain(path, busy_timeout_ms)
        try:
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        except BaseException:
            conn.close()
            raise
    if version != migrations.LATEST:
        conn.close()
        return False
    db.initialize_plain(conn, lambda: open_database(path, busy_timeout_ms=busy_timeout_ms))
    return True


def _create_store(path: Path) -> None:
    """Make a migrated store under a temporary name, then give it the store's name only if
    none exists (a link cannot replace): a kill at any point leaves no half-made store."""
    make_private_dir(path.parent)
    fd, part_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    part = Path(part_name)
    try:
        os.close(fd)
        # owner-only before WAL starts: SQLite gives the -wal and -shm the main file's mode
        os.chmod(part, PRIVATE_FILE)
        database = open_database(part)
        try:
            database.connect()
            migrations.migrate(database, 0)
        finally:
            database.close()  # the last close checkpoints and removes the -wal
        with open(part, "rb") as fh:
            os.fsync(fh.fileno())
        try:
            os.link(part, path)
        except FileExistsError:
            pass  # another `init` made it first: use theirs
        except OSError:
            if os.name != "nt":
                raise
            os.rename(part, path)  # Windows: rename does not replace an existing file either
        fsync_dir(path.parent)
    finally:
        for leftover in (part, Path(f"{part}-wal"), Path(f"{part}-shm")):
            leftover.unlink(missing_ok=True)


def _check_header(path: Path) -> int:
    """The schema version from the file header (bytes 60–63), touching nothing: even a
    read-only SQLite open would leave -shm/-wal files beside a WAL database. An empty,
    short or non-SQLite file is a damaged store."""
    with open(path, "rb") as fh:
        header = fh.read(100)
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        raise StoreError("store.damaged", path=str(path), backups=str(Path(path).parent / BACKUPS_DIR))
    version = int.from_bytes(header[60:64], "big", signed=True)
    if version > migrations.LATEST:
        raise StoreError("store.newer", path=str(path), version=version, supported=migrations.LATEST)
    return version


def _wal_has_content(path: Path) -> bool:
    try:
        return os.path.getsize(f"{path}-wal") > 0
    except OSError:
        return False


def tighten_data_dir(data_dir: Path) -> None:
    """Owner-only on POSIX (DESIGN.md §10): the folder, its sub-folders, the store with its
    -wal/-shm, the backups and the secrets. Folders made by older versions are tightened here;
    the folder itself being 0700 is what keeps other accounts out of everything below it."""
    if os.name != "posix":
        return  # Windows: the user's profile ACL is inherited
    folder = Path(data_dir)
    _chmod(folder, PRIVATE_DIR)
    try:
        children = list(os.scandir(folder))
    except OSError:
        return
    for entry in children:
        if entry.is_dir(follow_symlinks=False):
            _chmod(Path(entry.path), PRIVATE_DIR)
        elif entry.is_file(follow_symlinks=False) and entry.name.startswith(DB_NAME):
            _chmod(Path(entry.path), PRIVATE_FILE)
    for sub in (BACKUPS_DIR, f"{BACKUPS_DIR}/keys", "secrets"):
        try:
            entries = list(os.scandir(folder / sub))
        except OSError:
            continue
        for entry in entries:
            kind = PRIVATE_DIR if entry.is_dir(follow_symlinks=False) else PRIVATE_FILE
            if entry.is_dir(follow_symlinks=False) or entry.is_file(follow_symlinks=False):
                _chmod(Path(entry.path), kind)


def _chmod(path: Path, mode: int) -> None:
    try:
        if stat.S_IMODE(os.lstat(path).st_mode) != mode:
            os.chmod(path, mode)
    except OSError:
        pass  # not ours to change (another account's folder): the open decides what follows


def close_db() -> None:
    """Close this thread's connection to the store, if it has one open."""
    db.close()


def integrity_check(database: peewee.SqliteDatabase) -> str:
    return str(database.execute_sql("PRAGMA integrity_check").fetchone()[0])

"""The process's store handle (`connection.db`), and the store opened without peewee.

Importing peewee costs a cold start ~15 ms (with uuid, socket, decimal and more behind it), and
nothing on the way to the login needs a model: the few settings it reads are plain SQL
(`store.settings`). So a store already at the latest schema is opened with sqlite3 itself, as
the very connection peewee would make (autocommit, the same pragmas and timeout), and `db`
serves `execute_sql` on it in the thread that opened it, for as long as peewee is not loaded.

Anything else — a model query, `atomic()`, another thread, or peewee having been imported by
anyone — builds the peewee database first and hands it that same connection (its per-thread
hooks run on it as on one it made), so from then on every call is peewee's as before: its
exceptions, its query log, its connection per thread. A store to migrate, or one being made,
is opened by peewee from the start (`connection.init_db`).
"""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import peewee

# peewee's own connect arguments for SqliteDatabase (`_connect`): its default timeout, autocommit
SQLITE_TIMEOUT_S = 5.0


def pragmas(busy_timeout_ms: int) -> list[tuple[str, object]]:
    """The store's pragmas, in the order peewee applies them (`open_database` gives it these)."""
    return [
        ("journal_mode", "wal"),
        ("synchronous", 2),  # FULL
        ("foreign_keys", 1),
        ("busy_timeout", busy_timeout_ms),
        ("cache_size", -16000),
    ]


def connect_plain(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    """The connection peewee's `SqliteDatabase._connect` makes for `open_database`, without
    peewee: sqlite3's exceptions as they are (`connection.store_errors` translates them)."""
    conn = sqlite3.connect(str(path), timeout=SQLITE_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    try:
        cursor = conn.cursor()
        for name, value in pragmas(busy_timeout_ms):
            cursor.execute(f"PRAGMA {name} = {value};")
        cursor.close()
    except BaseException:
        conn.close()
        raise
    return conn


def adopt(database: peewee.SqliteDatabase, conn: sqlite3.Connection) -> None:
    """Make `conn` the calling thread's open connection of `database`, as if `connect()` had
    made it: peewee's connection hooks (pragmas, its SQL functions) run on it first. (peewee's
    internals, as `Database.connect` uses them; tests/store/test_fast_open.py checks the result.)"""
    import peewee

    pw: Any = peewee
    target: Any = database
    with pw.__exception_wrapper__:
        target._add_conn_hooks(conn)
    with target._lock:
        target._state.set_connection(conn)


class _Plain:
    __slots__ = ("conn", "owner")

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.owner = threading.get_ident()


class StoreHandle:
    """Stands where a `peewee.DatabaseProxy` stood: models name it as their database, and every
    attribute is the current peewee database's (`obj`). `initialize_plain` starts it on a plain
    connection instead, which only `execute_sql`, `is_closed` and `close` use, and only in the
    thread that opened it while peewee is not loaded; any other use moves to peewee for good."""

    __slots__ = ("_full", "_plain", "_make", "_lock")

    def __init__(self) -> None:
        self._full: Any = None
        self._plain: _Plain | None = None
        self._make: Callable[[], Any] | None = None
        self._lock = threading.Lock()

    def initialize(self, database: Any) -> None:
        """Serve `database` (a peewee database, or None for none)."""
        with self._lock:
            self._full, self._plain, self._make = database, None, None

    def initialize_plain(self, conn: sqlite3.Connection, make: Callable[[], Any]) -> None:
        """Serve the plain `conn` of this thread until peewee is wanted; `make()` then builds the
        peewee database for the same file, which takes `conn` over."""
        with self._lock:
            self._full, self._plain, self._make = None, _Plain(conn), make

    def _plain_here(self) -> _Plain | None:
        plain = self._plain
        if plain is None or self._full is not None or plain.owner != threading.get_ident():
            return None
        if "peewee" in sys.modules:
            return None  # loaded (or loading) anyway: its exceptions and log from now on
        return plain

    @property
    def obj(self) -> Any:
        """The peewee database (built now if only a plain connection was open), or None."""
        if self._full is None and self._make is None:
            return None
        return self._database()

    def _database(self) -> Any:
        full, plain = self._full, self._plain
        if full is not None and (plain is None or plain.owner != threading.get_ident()):
            return full
        import peewee  # noqa: F401  (outside the lock: another thread may be importing it)

        with self._lock:
            if self._full is None:
                if self._make is None:
                    raise AttributeError("Cannot use uninitialized Proxy.")
                self._full = self._make()
            full, plain = self._full, self._plain
            if plain is not None and plain.owner == threading.get_ident():
                self._plain = None
                adopt(full, plain.conn)
        return full

    def execute_sql(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        plain = self._plain_here()
        if plain is not None:
            return plain.conn.execute(sql, params or ())
        return self._database().execute_sql(sql, params)

    def is_closed(self) -> bool:
        """Is this thread's connection closed (as peewee answers it)?"""
        if self._full is None:
            plain = self._plain
            if plain is None and self._make is None:
                raise AttributeError("Cannot use uninitialized Proxy.")
            return plain is None or plain.owner != threading.get_ident()
        return bool(self._database().is_closed())

    def close(self) -> bool:
        """Close this thread's connection; False if it had none open (peewee's `close`)."""
        if self._full is None:
            plain = self._plain
            if plain is None or plain.owner != threading.get_ident():
                return False
            with self._lock:
                self._plain = None
            plain.conn.close()
            return True
        return bool(self._database().close())

    def __enter__(self) -> Any:
        return self._database().__enter__()

    def __exit__(self, *exc: Any) -> Any:
        return self._database().__exit__(*exc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._database(), name)

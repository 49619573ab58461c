"""The sync server's central store: plain SQL behind a small adapter for two dialects.

`open_store("postgresql://…")` (psycopg 3) for a city's many sites; `open_store("sqlite:///…")`
(the default: a file in the data folder) for a single small MPP. The same SQL serves both: the
statements are written with `?` placeholders and the few differences (JSON column type, row
locks, booleans) live in `Dialect`. The schema is created on start, idempotently, so any number
of stateless server copies may share one PostgreSQL database.

Tables
    server_meta    name → value: `schema_version`, `reference_version` (bumped, under a row
                   lock, by every change of reference data or keyring: commit order = version
                   order, so a pull never skips a change).
    device         one row per counter PC: sha256 of its token, publisher flag, revoked_at,
                   stored_through (highest outbox seq committed), and the site and counter
                   it is bound to (NULL in stores made before schema 2: such a device may
                   not publish keys until an admin binds it).
    sync_record    the latest row of each (device, entity, uuid): seq, op, payload, day.
    sync_batch     batch ids already stored (a replayed batch changes nothing).
    reference_doc  catalogue and staff documents (kind, code) with the version that last
                   changed them.
    keyring_key    public keys of every device (kid → entry): the device that published it,
                   when, and revoked_at (set when the device is revoked; a revoked key leaves
                   the served keyring but keeps its kid, so no one can publish it again).
    audit_head     every audit chain head (sequence, hash) a device sent, with when it was
                   first and last received: the anchor of its audit log outside its PC.
"""

from __future__ import annotations

import hashlib
import json
import queue
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from counter_app.core.errors import LoketError, NotFound, ValidationError
from counter_app.server import live_store
from counter_app.sync.protocol import DEVICE_NAME, REFERENCE_KINDS, TOKEN_BYTES

SCHEMA_VERSION = 2
MAX_KEYS_PER_DEVICE = 8  # active keys: a station key and a few retired ones
SERVER_DB_NAME = "loket-server.sqlite3"
POOL_SIZE = 16
LOCK_TIMEOUT_S = 30.0
# A pushed batch whose predecessor (`after`) is still on its way waits this long for it; the
# wait is woken by this process's commits and polls for other server copies'.
AFTER_WAIT_S = 10.0
_AFTER_POLL_S = 0.05
_PG_SCHEMA_LOCK = 0x4C4F4B45  # advisory lock id ("LOKE"): copies starting at once queue up


class StoreUnavailable(LoketError):
    """The central database cannot be reached or opened."""


class DeviceGone(LoketError):
    """The device was revoked (or removed) while its request was on the way."""


class KeysRefused(LoketError):
    """Keys a device may not publish: `reason` is `device_unbound` (no site/counter binding
    yet), `key_not_bound` (a key for another site or counter) or `too_many_keys`."""

    def __init__(self, reason: str, /, **params: Any) -> None:
        super().__init__(REFUSAL_KEYS[reason], **params)
        self.reason = reason


REFUSAL_KEYS = {
    "device_unbound": "server.device_unbound",
    "key_not_bound": "server.key_not_bound",
    "too_many_keys": "server.too_many_keys",
}


@dataclass(frozen=True)
class Dialect:
    name: str
    json_type: str
    json_param: str
    bool_type: str
    lock: str  # row lock suffix for SELECTs that precede a write

    def sql(self, text: str) -> str:
        return _pg_sql(text) if self.name == "postgresql" else text

    def load_json(self, value: Any) -> Any:
        return json.loads(value) if isinstance(value, str | bytes) else value


POSTGRESQL = Dialect("postgresql", "jsonb", "CAST(? AS jsonb)", "BOOLEAN", " FOR UPDATE")
SQLITE = Dialect("sqlite", "TEXT", "?", "INTEGER", "")


@lru_cache(maxsize=256)
def _pg_sql(text: str) -> str:
    return text.replace("%", "%%").replace("?", "%s")


def _schema(d: Dialect) -> list[str]:
    j, b = d.json_type, d.bool_type
    return [
        "CREATE TABLE IF NOT EXISTS server_meta (name VARCHAR(64) PRIMARY KEY, value BIGINT NOT NULL)",
        f"""CREATE TABLE IF NOT EXISTS device (
            name VARCHAR(64) PRIMARY KEY,
            token_hash CHAR(64) NOT NULL UNIQUE,
            publisher {b} NOT NULL,
            created_at VARCHAR(40) NOT NULL,
            revoked_at VARCHAR(40),
            stored_through BIGINT NOT NULL,
            last_push_at VARCHAR(40),
            site VARCHAR(64),
            counter VARCHAR(64))""",
        f"""CREATE TABLE IF NOT EXISTS sync_record (
            device VARCHAR(64) NOT NULL,
            entity VARCHAR(32) NOT NULL,
            uuid VARCHAR(64) NOT NULL,
            seq BIGINT NOT NULL,
            op VARCHAR(16) NOT NULL,
            payload {j} NOT NULL,
            created_at VARCHAR(40) NOT NULL,
            day VARCHAR(10),
            received_at VARCHAR(40) NOT NULL,
            PRIMARY KEY (device, entity, uuid))""",
        "CREATE INDEX IF NOT EXISTS sync_record_entity_day ON sync_record (entity, day)",
        """CREATE TABLE IF NOT EXISTS sync_batch (
            device VARCHAR(64) NOT NULL,
            batch_id VARCHAR(36) NOT NULL,
            first_seq BIGINT NOT NULL,
            last_seq BIGINT NOT NULL,
            row_count INTEGER NOT NULL,
            received_at VARCHAR(40) NOT NULL,
            PRIMARY KEY (device, batch_id))""",
        f"""CREATE TABLE IF NOT EXISTS reference_doc (
            kind VARCHAR(16) NOT NULL,
            code VARCHAR(64) NOT NULL,
            doc {j} NOT NULL,
            version BIGINT NOT NULL,
            device VARCHAR(64) NOT NULL,
            updated_at VARCHAR(40) NOT NULL,
            PRIMARY KEY (kind, code))""",
        "CREATE INDEX IF NOT EXISTS reference_doc_version ON reference_doc (version)",
        f"""CREATE TABLE IF NOT EXISTS keyring_key (
            kid VARCHAR(32) PRIMARY KEY,
            device VARCHAR(64) NOT NULL,
            entry {j} NOT NULL,
            version BIGINT NOT NULL,
            received_at VARCHAR(40) NOT NULL,
            revoked_at VARCHAR(40))""",
        "CREATE INDEX IF NOT EXISTS keyring_key_version ON keyring_key (version)",
        "CREATE INDEX IF NOT EXISTS keyring_key_device ON keyring_key (device)",
        """CREATE TABLE IF NOT EXISTS audit_head (
            device VARCHAR(64) NOT NULL,
            seq BIGINT NOT NULL,
            hash VARCHAR(64) NOT NULL,
            received_at VARCHAR(40) NOT NULL,
            last_received_at VARCHAR(40) NOT NULL,
            PRIMARY KEY (device, seq, hash))""",
        f"INSERT INTO server_meta (name, value) VALUES ('schema_version', {SCHEMA_VERSION}) "
        "ON CONFLICT (name) DO NOTHING",
        "INSERT INTO server_meta (name, value) VALUES ('reference_version', 0) ON CONFLICT (name) DO NOTHING",
    ]


# Columns added after schema 1 (a store made by an older server gets them on start).
_ADDED_COLUMNS = (
    ("device", "site", "VARCHAR(64)"),
    ("device", "counter", "VARCHAR(64)"),
    ("keyring_key", "revoked_at", "VARCHAR(40)"),
)


# ---- connections --------------------------------------------------------------------------


class _Pool:
    """A handful of open connections reused across requests (opening one per request would
    cost more than most requests do). Broken connections are dropped, not returned."""

    def __init__(self, connect: Callable[[], Any], healthy: Callable[[Any], bool], size: int) -> None:
        self._connect = connect
        self._healthy = healthy
        self._idle: queue.LifoQueue[Any] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(size)

    @contextmanager
    def connection(self) -> Iterator[Any]:
        if not self._slots.acquire(timeout=LOCK_TIMEOUT_S):
            raise StoreUnavailable("server.store_busy")
        try:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                conn = self._connect()
            try:
                yield conn
            finally:
                if self._healthy(conn):
                    self._idle.put(conn)
                else:
                    _close_quietly(conn)
        finally:
            self._slots.release()

    def close(self) -> None:
        while True:
            try:
                _close_quietly(self._idle.get_nowait())
            except queue.Empty:
                return


def _close_quietly(conn: Any) -> None:
    try:
        conn.close()
    except Exception:
        pass


class Tx:
    """One transaction: `?`-placeholder SQL in, rows out."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self.cur = cursor
        self.d = dialect

    def run(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self.cur.execute(self.d.sql(sql), params)
        return self.cur

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self.cur.executemany(self.d.sql(sql), rows)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.run(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.run(sql, params).fetchall())


# ---- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Device:
    name: str
    publisher: bool
    revoked: bool
    stored_through: int
    created_at: str = ""
    revoked_at: str | None = None
    last_push_at: str | None = None
    site: str | None = None  # the binding: the only site and counter it may publish keys for
    counter: str | None = None

    @property
    def bound(self) -> bool:
        return bool(self.site and self.counter)

    def to_json(self) -> dict[str, Any]:
        return {
            "device": self.name,
            "publisher": self.publisher,
            "revoked": self.revoked,
            "stored_through": self.stored_through,
            "created_at": self.created_at,
            "revoked_at": self.revoked_at,
            "last_push_at": self.last_push_at,
            "site": self.site,
            "counter": self.counter,
        }


# Site and counter codes as a station has them (setup upper-cases them).
SITE_CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,15}")


def binding_code(value: str | None, field: str) -> str:
    """A site or counter code for a device binding, upper-cased as the stations keep them."""
    code = (value or "").strip().upper()
    if not SITE_CODE.fullmatch(code):
        raise ValidationError("server.binding_code", field=field, value=value or "")
    return code


def token_hash(token: str) -> str:
    """Tokens are 32 random bytes: a plain sha256 is enough (no password to stretch)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


_dump_plain = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode  # payloads: as sent


def _fast_encoder() -> Callable[[Any], bytes] | None:
    """The server's validator (pydantic, with FastAPI) encodes the same text ~4x faster."""
    try:
        from pydantic_core import to_json
    except ImportError:  # pragma: no cover - a store opened without the server's packages
        return None
    return to_json


_to_json = _fast_encoder()


def _dump_fast(value: Any) -> str:
    """A decoded payload as compact JSON text, keys in their order, non-ASCII as is: the same
    text as `_dump_plain` (a test keeps them equal)."""
    if _to_json is not None:
        try:
            return _to_json(value).decode("utf-8")
        except (ValueError, TypeError, UnicodeDecodeError):
            pass  # e.g. a lone surrogate: the plain encoder's text, as before
    return _dump_plain(value)


# A pushed row as the store takes it: the protocol's dict (seq, entity, uuid, op, payload,
# created_at), validated by the API.
PushedRow = Mapping[str, Any]


def _day_of(entity: str, payload: dict[str, Any]) -> str | None:
    day = payload.get("day") if entity == "ticket" else None
    return day if isinstance(day, str) and len(day) == 10 else None


_DEVICE_COLUMNS = "name, publisher, revoked_at, stored_through, created_at, last_push_at, site, counter"


def _device(row: Sequence[Any]) -> Device:
    name, publisher, revoked_at, through, created, last, site, counter = row
    return Device(
        name,
        bool(publisher),
        revoked_at is not None,
        int(through),
        created,
        revoked_at,
        last,
        site or None,
        counter or None,
    )


# ---- the store ----------------------------------------------------------------------------


class Store:
    def __init__(self, dialect: Dialect, pool: _Pool, url: str) -> None:
        self.d = dialect
        self._pool = pool
        self.url = url
        self._committed = threading.Condition()  # notified after each stored push batch

    @property
    def display_url(self) -> str:
        """The URL without its password (for logs and the terminal)."""
        return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", self.url)

    # -- transactions --

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Tx]:
        with self._pool.connection() as conn:
            if self.d is POSTGRESQL:
                with conn.transaction():
                    with conn.cursor() as cur:
                        yield Tx(cur, self.d)
            else:
                conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                try:
                    yield Tx(conn.cursor(), self.d)
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")

    def close(self) -> None:
        self._pool.close()

    def create_schema(self) -> None:
        with self.transaction() as tx:
            if self.d is POSTGRESQL:
                tx.run("SELECT pg_advisory_xact_lock(?)", (_PG_SCHEMA_LOCK,))
            for statement in _schema(self.d):
                tx.run(statement)
            version = tx.one("SELECT value FROM server_meta WHERE name = 'schema_version'")[0]
            if version < SCHEMA_VERSION:  # a store of an older server: add what it lacks
                for table, column, kind in _ADDED_COLUMNS:
                    if column not in self._columns(tx, table):
                        tx.run(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
                tx.run("UPDATE server_meta SET value = ? WHERE name = 'schema_version'", (SCHEMA_VERSION,))
            live_store.create_schema(tx)  # the site hub's tables (server/live_store.py)
        if version > SCHEMA_VERSION:
            raise StoreUnavailable("server.store_newer", version=version, supported=SCHEMA_VERSION)

    def _columns(self, tx: Tx, table: str) -> set[str]:
        if self.d is POSTGRESQL:
            rows = tx.all(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ?",
                (table,),
            )
            return {r[0] for r in rows}
        return {r[1] for r in tx.all(f"PRAGMA table_info({table})")}

    def ping(self) -> bool:
        with self.transaction(write=False) as tx:
            return tx.one("SELECT 1")[0] == 1

    # -- devices --

    def add_device(
        self,
        name: str,
        *,
        site: str | None = None,
        counter: str | None = None,
        publisher: bool = False,
        replace: bool = False,
    ) -> str:
        """Register a device bound to `site` and `counter` (or with `replace`, give it a new
        token); returns the token, which is shown once and stored only as its hash.

        The binding is what the keyring trusts: the device may publish keys for that site and
        counter only. It is set once; a device added without one (the store API allows it,
        for old stores) publishes no key until `bind_device`. A revoked device added again
        gets a new token, but its keys stay revoked."""
        if not DEVICE_NAME.fullmatch(name or ""):
            raise ValidationError("server.device_name", field="name", name=name)
        if (site is None) != (counter is None):
            raise ValidationError("server.binding_required", field="site" if site is None else "counter")
        if site is not None:
            site, counter = binding_code(site, "site"), binding_code(counter, "counter")
        token = secrets.token_urlsafe(TOKEN_BYTES)
        with self.transaction() as tx:
            row = tx.one(f"SELECT revoked_at, site, counter FROM device WHERE name = ?{self.d.lock}", (name,))
            if row is None:
                tx.run(
                    "INSERT INTO device (name, token_hash, publisher, created_at, revoked_at, "
                    "stored_through, last_push_at, site, counter) VALUES (?, ?, ?, ?, NULL, 0, NULL, ?, ?)",
                    (name, token_hash(token), publisher, _now(), site, counter),
                )
            elif row[0] is not None or replace:
                if site is not None and row[1] and (row[1], row[2]) != (site, counter):
                    raise ValidationError(
                        "server.device_bound", field="site", name=name, site=row[1], counter=row[2]
                    )
                tx.run(
                    "UPDATE device SET token_hash = ?, publisher = ?, revoked_at = NULL, "
                    "site = COALESCE(site, ?), counter = COALESCE(counter, ?) WHERE name = ?",
                    (token_hash(token), publisher, site, counter, name),
                )
            else:
                raise ValidationError("server.device_exists", field="name", name=name)
            live_store.assign_offline_block(tx, name)  # lowest free in its site (bound devices)
        return token

    def bind_device(self, name: str, site: str, counter: str) -> Device:
        """Bind a device added without a binding (a store of schema 1) to its site and
        counter. A binding is never changed: a PC that moves gets a new device name."""
        site, counter = binding_code(site, "site"), binding_code(counter, "counter")
        with self.transaction() as tx:
            row = tx.one(f"SELECT site, counter FROM device WHERE name = ?{self.d.lock}", (name,))
            if row is None:
                raise NotFound("server.device_unknown", name=name)
            if row[0] and (row[0], row[1]) != (site, counter):
                raise ValidationError(
                    "server.device_bound", field="site", name=name, site=row[0], counter=row[1]
                )
            tx.run("UPDATE device SET site = ?, counter = ? WHERE name = ?", (site, counter, name))
            device = _device(tx.one(f"SELECT {_DEVICE_COLUMNS} FROM device WHERE name = ?", (name,)))
        return device

    def revoke_device(self, name: str) -> int:
        """Refuse the device from now on and revoke its keys: they leave the served keyring
        (and so the verify page and every counter's keyring at its next pull). Returns how
        many keys were revoked."""
        with self.transaction() as tx:
            row = tx.one(f"SELECT revoked_at FROM device WHERE name = ?{self.d.lock}", (name,))
            if row is None:
                raise NotFound("server.device_unknown", name=name)
            now = _now()
            if row[0] is None:
                tx.run("UPDATE device SET revoked_at = ? WHERE name = ?", (now, name))
            live = tx.one(
                "SELECT COUNT(*) FROM keyring_key WHERE device = ? AND revoked_at IS NULL", (name,)
            )[0]
            if live:
                version = self._bump(tx)  # the keyring changed: every pull after this gets it
                tx.run(
                    "UPDATE keyring_key SET revoked_at = ?, version = ? WHERE device = ? AND revoked_at IS NULL",
                    (now, version, name),
                )
                tx.run("UPDATE server_meta SET value = ? WHERE name = 'reference_version'", (version,))
        return int(live)

    def devices(self) -> list[Device]:
        with self.transaction(write=False) as tx:
            rows = tx.all(f"SELECT {_DEVICE_COLUMNS} FROM device ORDER BY name")
        return [_device(r) for r in rows]

    def device_for_token(self, token: str) -> Device | None:
        with self.transaction(write=False) as tx:
            row = tx.one(f"SELECT {_DEVICE_COLUMNS} FROM device WHERE token_hash = ?", (token_hash(token),))
        return None if row is None else _device(row)

    # -- push --

    def store_batch(
        self,
        device: str,
        batch_id: str,
        rows: Sequence[PushedRow],
        *,
        after_commit: Callable[[str, str], None] | None = None,
        after: int | None = None,
        wait_s: float = AFTER_WAIT_S,
        on_wait: Callable[[], bool] | None = None,
    ) -> int:
        """Keep the latest row of each record, all in one transaction; returns the device's
        stored_through. A batch id seen before changes nothing.

        `after`: the last seq of the batch the client sent before this one, still on its way
        (a client with several batches in flight). This one is stored only once that seq is
        stored (waiting up to `wait_s` seconds), so batches are applied in seq order and
        stored_through only ever covers a contiguous range; when it is not, nothing is
        stored and the current stored_through is answered (the client sends it again).
        `on_wait()` is called once before such a wait: False means "do not wait" (the
        caller's bound on waiting batches)."""
        if not rows:
            return self._stored_through(device)
        latest: dict[tuple[str, str], PushedRow] = {}
        for row in rows:  # seq order: the last one of a record wins
            latest[(row["entity"], row["uuid"])] = row
        values = [  # the received_at of each try is added then
            (
                r["entity"],
                r["uuid"],
                r["seq"],
                r["op"],
                _dump_fast(r["payload"]),
                r["created_at"],
                _day_of(r["entity"], r["payload"]),
            )
            for r in latest.values()
        ]
        deadline = None
        while True:
            stored = self._store_batch_once(device, batch_id, rows, latest, values, after)
            if stored is not None:
                break
            # the batch before this one is not stored yet: wait for a commit of this store
            now = time.monotonic()
            if deadline is None:
                deadline = now + wait_s
                if on_wait is not None and not on_wait():
                    return self._stored_through(device)
            if now >= deadline:
                return self._stored_through(device)
            with self._committed:
                self._committed.wait(min(_AFTER_POLL_S, deadline - now))
        through, new = stored
        if new:
            with self._committed:
                self._committed.notify_all()
        if new and after_commit is not None:
            after_commit(device, batch_id)
        return through

    def _store_batch_once(
        self,
        device: str,
        batch_id: str,
        rows: Sequence[PushedRow],
        latest: dict[tuple[str, str], PushedRow],
        values: list[tuple[Any, ...]],
        after: int | None,
    ) -> tuple[int, bool] | None:
        """(stored_through, whether this call stored the batch), or None when the batch
        `after` names is not stored yet."""
        now = _now()
        with self.transaction() as tx:
            current = tx.one(
                f"SELECT stored_through, revoked_at FROM device WHERE name = ?{self.d.lock}", (device,)
            )
            if current is None or current[1] is not None:
                raise DeviceGone("server.device_revoked", name=device)
            through = int(current[0])
            if tx.one("SELECT 1 FROM sync_batch WHERE device = ? AND batch_id = ?", (device, batch_id)):
                return through, False
            if after is not None and through < after:
                return None
            # before the upsert: the stored seqs tell the hub which rows it applied already
            live_store.apply_push(tx, device, list(latest.values()))
            self._upsert_records(tx, [(device, *v, now) for v in values])
            tx.run(
                "INSERT INTO sync_batch (device, batch_id, first_seq, last_seq, row_count, received_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (device, batch_id, rows[0]["seq"], rows[-1]["seq"], len(rows), now),
            )
            through = max(through, rows[-1]["seq"])
            tx.run(
                "UPDATE device SET stored_through = ?, last_push_at = ? WHERE name = ?",
                (through, now, device),
            )
        return through, True

    _UPSERT_SET = (
        "ON CONFLICT (device, entity, uuid) DO UPDATE SET seq = excluded.seq, "
        "op = excluded.op, payload = excluded.payload, created_at = excluded.created_at, "
        "day = excluded.day, received_at = excluded.received_at "
        "WHERE excluded.seq > sync_record.seq"
    )

    def _upsert_records(self, tx: Tx, values: list[tuple[Any, ...]]) -> None:
        if self.d is not POSTGRESQL:
            tx.many(
                "INSERT INTO sync_record (device, entity, uuid, seq, op, payload, created_at, day, "
                f"received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) {self._UPSERT_SET}",
                values,
            )
            return
        # PostgreSQL: COPY into the connection's scratch table (made on connect), then one
        # INSERT … SELECT: several times faster than a statement per row. Keys are unique
        # within `values`, as one INSERT … ON CONFLICT requires.
        cur = tx.cur
        with cur.copy(
            "COPY incoming_record (device, entity, uuid, seq, op, payload, created_at, day, "
            "received_at) FROM STDIN"
        ) as copy:
            for row in values:
                copy.write_row(row)
        cur.execute(
            "INSERT INTO sync_record (device, entity, uuid, seq, op, payload, created_at, day, "
            "received_at) SELECT device, entity, uuid, seq, op, payload, created_at, day, "
            f"received_at FROM incoming_record {self._UPSERT_SET}"
        )

    def _stored_through(self, device: str) -> int:
        with self.transaction(write=False) as tx:
            row = tx.one("SELECT stored_through FROM device WHERE name = ?", (device,))
        return 0 if row is None else int(row[0])

    def records(self, device: str | None = None) -> list[dict[str, Any]]:
        """Every stored record (tests, exports), optionally of one device."""
        sql = "SELECT device, entity, uuid, seq, op, payload, created_at, day FROM sync_record"
        params: tuple[Any, ...] = ()
        if device is not None:
            sql += " WHERE device = ?"
            params = (device,)
        with self.transaction(write=False) as tx:
            rows = tx.all(sql + " ORDER BY device, entity, uuid", params)
        return [
            {
                "device": r[0],
                "entity": r[1],
                "uuid": r[2],
                "seq": int(r[3]),
                "op": r[4],
                "payload": self.d.load_json(r[5]),
                "created_at": r[6],
                "day": r[7],
            }
            for r in rows
        ]

    def ticket_counts(self, device: str) -> dict[str, int]:
        """Tickets per local day of one device (the daily reconciliation)."""
        with self.transaction(write=False) as tx:
            rows = tx.all(
                "SELECT day, COUNT(*) FROM sync_record WHERE device = ? AND entity = 'ticket' "
                "AND op = 'upsert' AND day IS NOT NULL GROUP BY day ORDER BY day",
                (device,),
            )
        return {r[0]: int(r[1]) for r in rows}

    def tickets(self, day_from: str, day_to: str) -> list[tuple[str, dict[str, Any]]]:
        """(device, payload) of every ticket of the days, all devices."""
        with self.transaction(write=False) as tx:
            rows = tx.all(
                "SELECT device, payload FROM sync_record WHERE entity = 'ticket' AND op = 'upsert' "
                "AND day >= ? AND day <= ?",
                (day_from, day_to),
            )
        return [(r[0], self.d.load_json(r[1])) for r in rows]

    # -- reference data and keys --

    def _bump(self, tx: Tx) -> int:
        """Take the version lock (held to commit) and return the next version."""
        sql = f"SELECT value FROM server_meta WHERE name = 'reference_version'{self.d.lock}"
        version = int(tx.one(sql)[0])
        return version + 1

    def store_reference(self, device: str, docs: Iterable[tuple[str, str, dict[str, Any]]]) -> int:
        """Upsert catalogue/staff documents that changed; returns how many did."""
        docs = list(docs)
        with self.transaction() as tx:
            version = self._bump(tx)
            existing = {
                (r[0], r[1]): self.d.load_json(r[2])
                for r in tx.all("SELECT kind, code, doc FROM reference_doc")
            }
            changed = [(k, c, doc) for k, c, doc in docs if existing.get((k, c)) != doc]
            if changed:
                now = _now()
                tx.many(
                    "INSERT INTO reference_doc (kind, code, doc, version, device, updated_at) "
                    f"VALUES (?, ?, {self.d.json_param}, ?, ?, ?) ON CONFLICT (kind, code) DO UPDATE "
                    "SET doc = excluded.doc, version = excluded.version, device = excluded.device, "
                    "updated_at = excluded.updated_at",
                    [(k, c, _dump(doc), version, device, now) for k, c, doc in changed],
                )
                tx.run("UPDATE server_meta SET value = ? WHERE name = 'reference_version'", (version,))
        return len(changed)

    def store_keys(
        self, device: str, entries: Iterable[dict[str, Any]], *, limit: int = MAX_KEYS_PER_DEVICE
    ) -> int:
        """Add the device's public keys not known yet; returns how many.

        Every key must be for the site and counter the device is bound to (KeysRefused
        `device_unbound` / `key_not_bound` otherwise, and nothing is stored); a device holds
        at most `limit` active keys (`too_many_keys`). A kid keeps its first owner, and a
        revoked kid stays revoked."""
        entries = list(entries)
        with self.transaction() as tx:
            row = tx.one(
                f"SELECT site, counter, revoked_at FROM device WHERE name = ?{self.d.lock}", (device,)
            )
            if row is None or row[2] is not None:
                raise DeviceGone("server.device_revoked", name=device)
            site, counter = row[0], row[1]
            if not site or not counter:
                raise KeysRefused("device_unbound", name=device)
            for e in entries:
                if (e["site"], e["counter"]) != (site, counter):
                    raise KeysRefused("key_not_bound", name=device, site=site, counter=counter)
            version = self._bump(tx)
            known = {r[0] for r in tx.all("SELECT kid FROM keyring_key")}
            new = {e["kid"]: e for e in entries if e["kid"] not in known}
            if new:
                active = tx.one(
                    "SELECT COUNT(*) FROM keyring_key WHERE device = ? AND revoked_at IS NULL", (device,)
                )[0]
                if int(active) + len(new) > limit:
                    raise KeysRefused("too_many_keys", name=device, limit=limit)
                now = _now()
                tx.many(
                    "INSERT INTO keyring_key (kid, device, entry, version, received_at) "
                    f"VALUES (?, ?, {self.d.json_param}, ?, ?)",
                    [(kid, device, _dump(e), version, now) for kid, e in new.items()],
                )
                tx.run("UPDATE server_meta SET value = ? WHERE name = 'reference_version'", (version,))
        return len(new)

    _KEY_COLUMNS = "entry, device, received_at"

    def _served(self, row: Sequence[Any]) -> dict[str, Any]:
        """A keyring entry as served: the key as published, who published it and when."""
        entry = dict(self.d.load_json(row[0]))
        entry["device"], entry["published_at"] = row[1], row[2]
        return entry

    def keyring(self) -> dict[str, Any]:
        """The keys in force (a revoked device's keys are not)."""
        with self.transaction(write=False) as tx:
            rows = tx.all(
                f"SELECT {self._KEY_COLUMNS} FROM keyring_key WHERE revoked_at IS NULL ORDER BY kid"
            )
        return {"version": 1, "keys": [self._served(r) for r in rows]}

    def keys(self, device: str | None = None) -> list[dict[str, Any]]:
        """Every key, revoked ones too (administration): entry, device, published_at, revoked_at."""
        sql = f"SELECT {self._KEY_COLUMNS}, revoked_at FROM keyring_key"
        params: tuple[Any, ...] = ()
        if device is not None:
            sql, params = sql + " WHERE device = ?", (device,)
        with self.transaction(write=False) as tx:
            rows = tx.all(sql + " ORDER BY device, kid", params)
        return [{**self._served(r), "revoked_at": r[3]} for r in rows]

    # -- audit anchors --

    def store_audit_head(self, device: str, seq: int, hash_: str) -> bool:
        """Keep a head of the device's audit chain (every distinct one; the same head sent
        again only updates when it was last seen). Returns True for a head not seen before."""
        now = _now()
        with self.transaction() as tx:
            row = tx.one(f"SELECT revoked_at FROM device WHERE name = ?{self.d.lock}", (device,))
            if row is None or row[0] is not None:
                raise DeviceGone("server.device_revoked", name=device)
            known = tx.one(
                "SELECT 1 FROM audit_head WHERE device = ? AND seq = ? AND hash = ?", (device, seq, hash_)
            )
            if known:
                tx.run(
                    "UPDATE audit_head SET last_received_at = ? WHERE device = ? AND seq = ? AND hash = ?",
                    (now, device, seq, hash_),
                )
            else:
                tx.run(
                    "INSERT INTO audit_head (device, seq, hash, received_at, last_received_at) "
                    "VALUES (?, ?, ?, ?, ?)",
                    (device, seq, hash_, now, now),
                )
        return not known

    def audit_heads(self, device: str) -> list[dict[str, Any]]:
        """Every head the device sent, in chain order."""
        with self.transaction(write=False) as tx:
            rows = tx.all(
                "SELECT seq, hash, received_at, last_received_at FROM audit_head WHERE device = ? "
                "ORDER BY seq, received_at",
                (device,),
            )
        return [{"seq": int(r[0]), "hash": r[1], "received_at": r[2], "last_received_at": r[3]} for r in rows]

    def reference(self, kind: str) -> dict[str, dict[str, Any]]:
        with self.transaction(write=False) as tx:
            rows = tx.all("SELECT code, doc FROM reference_doc WHERE kind = ? ORDER BY code", (kind,))
        return {r[0]: self.d.load_json(r[1]) for r in rows}

    def pull(self, since: int) -> dict[str, Any]:
        """Reference data changed after `since`, and the version it brings the client to.

        The version is read first and the documents bounded by it: every change up to that
        version is committed (versions are taken under a lock held to commit)."""
        with self.transaction(write=False) as tx:
            version = int(tx.one("SELECT value FROM server_meta WHERE name = 'reference_version'")[0])
            if since > version:
                since = 0  # the server's store was replaced: start over
            docs = tx.all(
                "SELECT kind, code, doc FROM reference_doc WHERE version > ? AND version <= ? "
                "ORDER BY kind, code",
                (since, version),
            )
            keys_changed = tx.one(
                "SELECT COUNT(*) FROM keyring_key WHERE version > ? AND version <= ?", (since, version)
            )[0]
            keys = (  # revocations bump the version too, so a pull after one brings the new keyring
                tx.all(
                    f"SELECT {self._KEY_COLUMNS} FROM keyring_key WHERE version <= ? AND revoked_at IS NULL "
                    "ORDER BY kid",
                    (version,),
                )
                if keys_changed
                else None
            )
        out: dict[str, Any] = {"version": version, **{kind: [] for kind in REFERENCE_KINDS}}
        for kind, _code, doc in docs:
            if kind in out:
                out[kind].append(self.d.load_json(doc))
        out["keyring"] = None if keys is None else {"version": 1, "keys": [self._served(r) for r in keys]}
        return out


# ---- opening ------------------------------------------------------------------------------


def default_url(data_dir: Path) -> str:
    """`sqlite:///` + the absolute path of the server's file in the data folder."""
    path = (Path(data_dir) / "server" / SERVER_DB_NAME).resolve()
    return "sqlite:///" + path.as_posix().lstrip("/")


def sqlite_path(url: str) -> Path:
    """`sqlite:///srv/loket/x.sqlite3` → /srv/loket/x.sqlite3 (also `sqlite:////srv/…`, and
    `sqlite:///C:/loket/x.sqlite3` on Windows)."""
    rest = url[len("sqlite://") :]
    if rest.startswith("//"):
        rest = rest[1:]
    if re.match(r"/[A-Za-z]:[/\\]", rest):  # sqlite:///C:/data/server.sqlite3
        rest = rest[1:]
    if not rest.strip("/"):
        raise ValidationError("server.db_url", field="db_url", url=url)
    return Path(rest)


def open_store(url: str, *, pool_size: int = POOL_SIZE, create: bool = True) -> Store:
    """Open the store at `url` (and create its schema)."""
    if url.startswith(("postgresql://", "postgres://")):
        store = _open_postgresql(url, pool_size)
    elif url.startswith("sqlite://"):
        store = _open_sqlite(url, pool_size)
    else:
        raise ValidationError("server.db_url", field="db_url", url=url)
    if create:
        try:
            store.create_schema()
        except BaseException:
            store.close()
            raise
    return store


# Each connection's scratch table for COPY (see Store._upsert_records).
_PG_SCRATCH = (
    "CREATE TEMP TABLE incoming_record (device text, entity text, uuid text, seq bigint, op text, "
    "payload jsonb, created_at text, day text, received_at text) ON COMMIT DELETE ROWS"
)


def _open_postgresql(url: str, pool_size: int) -> Store:
    try:
        import psycopg
    except ImportError as exc:  # installed without the `server` extra
        raise ValidationError("server.missing_extra", detail=str(exc)) from None

    def connect() -> Any:
        try:
            conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            raise StoreUnavailable(
                "server.store_unavailable", url=_hide(url), detail=str(exc).strip()
            ) from None
        conn.execute(_PG_SCRATCH)
        return conn

    def healthy(conn: Any) -> bool:
        return not conn.closed and not conn.broken and conn.info.transaction_status == 0  # IDLE

    store = Store(POSTGRESQL, _Pool(connect, healthy, pool_size), url)
    with store._pool.connection():  # fail now, with the message, if it cannot be reached
        pass
    return store


def _open_sqlite(url: str, pool_size: int) -> Store:
    path = sqlite_path(url)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable("server.store_unavailable", url=url, detail=str(exc)) from None

    def connect() -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                str(path), isolation_level=None, check_same_thread=False, timeout=LOCK_TIMEOUT_S
            )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute(f"PRAGMA busy_timeout = {int(LOCK_TIMEOUT_S * 1000)}")
        except sqlite3.Error as exc:
            raise StoreUnavailable("server.store_unavailable", url=url, detail=str(exc)) from None
        return conn

    def healthy(conn: sqlite3.Connection) -> bool:
        if conn.in_transaction:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                return False
        return True

    return Store(SQLITE, _Pool(connect, healthy, pool_size), url)


def _hide(url: str) -> str:
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)

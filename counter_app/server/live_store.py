"""The hub's live tables (DESIGN.md §9, /work/notes/hub-spec.md "Hub tables") and their SQL,
for SQLite and PostgreSQL through the store's `Tx`/`Dialect` adapter.

Tables (created idempotently by `create_schema`, called from `Store.create_schema`)
    site_sequence  (site, day, letter) → last live number issued (1..9999).
    live_ticket    the building's current state of every ticket (the hub is authoritative);
                   `holder` = the counter that claimed it, NULL while waiting — except a
                   ticket with an offline code, *reserved* for the counter whose device
                   registered it (`reserve`; holder = that counter while it waits) until that
                   device releases it (`release`): the device may still call it offline, so
                   no other counter may claim it meanwhile.
    site_event     the ordered stream of every change (seq ascending = commit order per site).
    counter_state  (site, counter): open | break | closed, the code it holds, the priority streak
                   of call-next (the priority cap), and when its device was last seen.
    device.offline_block  0..89, lowest free in the site: the device's offline code range.

Ordering of the stream: every transaction that appends events takes the site's lock first
(PostgreSQL: a transaction advisory lock on the site; SQLite: writers are serial anyway), so
within a site the seqs are committed in order and a reader asking for `seq > N` never skips a
row that commits later.
"""

from __future__ import annotations

import json
import threading
import weakref
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from counter_app.core.numbering import MAX_PER_DAY, code_number, is_offline_number, ticket_code
from counter_app.core.ticket_rules import Status

if TYPE_CHECKING:
    from counter_app.server.store import Store, Tx

OFFLINE_BLOCKS = 90  # blocks 0..89: offline numbers 10000 + 1000 × block + n (hub-spec "Codes")
HELD = ("called", "serving")
_SITE_LOCK = 0x4C495645  # advisory lock class ("LIVE"), the site's hash is the second key
_CHUNK = 500
ONLINE_S = 45.0  # a device unseen for longer is shown offline on the board (3 SSE pings)
_STATUSES = frozenset(s.value for s in Status)
_RANK = {"waiting": 0, "called": 1, "serving": 2}  # finals rank 3


class LiveError(Exception):
    """An expected refusal of a live request: HTTP status, detail key, extra fields."""

    def __init__(self, status: int, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.extra = extra


@dataclass(frozen=True)
class Binding:
    device: str
    site: str
    counter: str
    offline_block: int


# ---- schema -------------------------------------------------------------------------------


def _statements(pg: bool, j: str) -> list[str]:
    seq = "seq BIGSERIAL PRIMARY KEY" if pg else "seq INTEGER PRIMARY KEY AUTOINCREMENT"
    return [
        """CREATE TABLE IF NOT EXISTS site_sequence (
            site VARCHAR(64) NOT NULL,
            day VARCHAR(10) NOT NULL,
            letter VARCHAR(1) NOT NULL,
            last INTEGER NOT NULL,
            PRIMARY KEY (site, day, letter))""",
        f"""CREATE TABLE IF NOT EXISTS live_ticket (
            id VARCHAR(64) PRIMARY KEY,
            site VARCHAR(64) NOT NULL,
            day VARCHAR(10) NOT NULL,
            code VARCHAR(16) NOT NULL,
            letter VARCHAR(1) NOT NULL,
            service VARCHAR(64) NOT NULL,
            priority VARCHAR(32) NOT NULL,
            status VARCHAR(16) NOT NULL,
            counter VARCHAR(64),
            device VARCHAR(64),
            queued_at VARCHAR(40) NOT NULL,
            registered_at VARCHAR(40),
            first_called_at VARCHAR(40),
            holder VARCHAR(64),
            call_count INTEGER NOT NULL,
            payload {j} NOT NULL,
            updated_at VARCHAR(40) NOT NULL,
            reserve VARCHAR(64))""",
        "CREATE INDEX IF NOT EXISTS live_ticket_queue ON live_ticket (site, day, status, service)",
        "CREATE INDEX IF NOT EXISTS live_ticket_holder ON live_ticket (site, holder, status)",
        f"""CREATE TABLE IF NOT EXISTS site_event (
            {seq},
            site VARCHAR(64) NOT NULL,
            device VARCHAR(64),
            entity VARCHAR(32) NOT NULL,
            uuid VARCHAR(64) NOT NULL,
            kind VARCHAR(16) NOT NULL,
            payload {j} NOT NULL,
            at VARCHAR(40) NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS site_event_site_seq ON site_event (site, seq)",
        """CREATE TABLE IF NOT EXISTS counter_state (
            site VARCHAR(64) NOT NULL,
            counter VARCHAR(64) NOT NULL,
            state VARCHAR(8) NOT NULL,
            since VARCHAR(40) NOT NULL,
            ticket_code VARCHAR(16),
            device VARCHAR(64),
            updated_at VARCHAR(40) NOT NULL,
            priority_streak INTEGER NOT NULL,
            last_seen VARCHAR(40),
            PRIMARY KEY (site, counter))""",
    ]


def create_schema(tx: Tx) -> None:
    """The live tables and the device columns they need; safe to run at every start."""
    pg = tx.d.name == "postgresql"
    for statement in _statements(pg, tx.d.json_type):
        tx.run(statement)
    # `site`/`counter` are the device binding's (store.py, issue 10); the offline block is ours.
    if "offline_block" not in _columns(tx, "device"):
        tx.run("ALTER TABLE device ADD COLUMN offline_block INTEGER")
    if "reserve" not in _columns(tx, "live_ticket"):  # a hub created before reservations
        tx.run("ALTER TABLE live_ticket ADD COLUMN reserve VARCHAR(64)")


def _columns(tx: Tx, table: str) -> set[str]:
    if tx.d.name == "postgresql":
        rows = tx.all(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = ?",
            (table,),
        )
    else:
        rows = [(r[1],) for r in tx.all(f"PRAGMA table_info({table})")]
    return {str(r[0]) for r in rows}


# ---- helpers ------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _load(tx: Tx, value: Any) -> Any:
    return tx.d.load_json(value)


def _readable(tx: Tx, value: Any) -> dict[str, Any] | None:
    """A stored payload decoded, or None if it is not a JSON object (a report skips it)."""
    try:
        doc = tx.d.load_json(value)
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) else None


def _utc(text: Any) -> str | None:
    """An ISO time as UTC text, so that the column sorts as time (counters send offsets)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def site_lock(tx: Tx, site: str) -> None:
    """Serialise the site's writers to commit: events get their seq in commit order."""
    if tx.d.name == "postgresql":
        tx.run("SELECT pg_advisory_xact_lock(?, hashtext(?))", (_SITE_LOCK, site))


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def append_events(tx: Tx, site: str, events: Sequence[tuple[str | None, str, str, str, Any]]) -> None:
    """(device, entity, uuid, kind, payload) rows at the end of the site's stream."""
    if not events:
        return
    site_lock(tx, site)  # re-entrant: callers that read state took it already
    now = _now()
    tx.many(
        "INSERT INTO site_event (site, device, entity, uuid, kind, payload, at) "
        f"VALUES (?, ?, ?, ?, ?, {tx.d.json_param}, ?)",
        [(site, dev, entity, uuid, kind, _dump(payload), now) for dev, entity, uuid, kind, payload in events],
    )


# ---- in-process wake-up of the event streams ----------------------------------------------


class Notifier:
    """Streams of this process wait on it between polls; the claim and state calls of this
    process poke it after commit, so a call reaches the subscribers without waiting for the
    poll. Pushes and other processes' writes are found by the poll."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, weakref.WeakSet[Any]] = {}

    def subscribe(self, site: str, waiter: Any) -> None:
        with self._lock:
            self._waiters.setdefault(site, weakref.WeakSet()).add(waiter)

    def unsubscribe(self, site: str, waiter: Any) -> None:
        with self._lock:
            self._waiters.get(site, weakref.WeakSet()).discard(waiter)

    def poke(self, site: str) -> None:
        with self._lock:
            waiters = list(self._waiters.get(site, ()))
        for waiter in waiters:
            waiter.wake()


_notifier = Notifier()


def notifier() -> Notifier:
    return _notifier


# ---- identities ---------------------------------------------------------------------------


def assign_offline_block(tx: Tx, device: str) -> int | None:
    """Give a bound device the lowest offline block free in its site (keeps a valid one).
    Call inside the transaction that binds the device (add-device)."""
    row = tx.one("SELECT site, offline_block FROM device WHERE name = ?", (device,))
    if row is None or row[0] is None:
        return None
    site, block = row[0], row[1]
    site_lock(tx, site)
    taken = {
        int(r[0])
        for r in tx.all(
            "SELECT offline_block FROM device WHERE site = ? AND name <> ? AND offline_block IS NOT NULL",
            (site, device),
        )
    }
    if block is not None and 0 <= int(block) < OFFLINE_BLOCKS and int(block) not in taken:
        return int(block)
    free = next((b for b in range(OFFLINE_BLOCKS) if b not in taken), None)
    if free is None:
        raise LiveError(409, "offline_blocks_full", site=site)
    tx.run("UPDATE device SET offline_block = ? WHERE name = ?", (free, device))
    return free


def binding(tx: Tx, device: str) -> Binding:
    """The device's site and counter, from the store (never from a request body)."""
    row = tx.one("SELECT site, counter, offline_block, revoked_at FROM device WHERE name = ?", (device,))
    if row is None or row[3] is not None:
        raise LiveError(403, "revoked")
    site, counter, block = row[0], row[1], row[2]
    if not site or not counter:
        raise LiveError(403, "device_not_bound")
    if block is None:  # bound before the hub existed: assigned at first contact
        block = assign_offline_block(tx, device)
    return Binding(device, site, counter, int(block))


def identity(store: Store, device: str) -> dict[str, Any]:
    """`site`, `counter`, `offline_block` of a bound device (for whoami), {} if unbound."""
    with store.transaction() as tx:
        try:
            b = binding(tx, device)
        except LiveError:
            return {}
    return {"site": b.site, "counter": b.counter, "offline_block": b.offline_block}


def _touch(tx: Tx, b: Binding, now: str) -> None:
    """The device was seen (the board's online column); makes the counter's row if new."""
    tx.run(
        "INSERT INTO counter_state (site, counter, state, since, ticket_code, device, updated_at, "
        "priority_streak, last_seen) VALUES (?, ?, 'open', ?, NULL, ?, ?, 0, ?) "
        "ON CONFLICT (site, counter) DO UPDATE SET last_seen = excluded.last_seen, device = excluded.device",
        (b.site, b.counter, now, b.device, now, now),
    )


def seen(store: Store, device: str) -> Binding:
    with store.transaction() as tx:
        b = binding(tx, device)
        _touch(tx, b, _now())
    return b


# ---- codes --------------------------------------------------------------------------------


def allocate_code(store: Store, device: str, day: str, letter: str) -> tuple[int, str]:
    """The next live number of (site, day, letter), in one transaction."""
    with store.transaction() as tx:
        b = binding(tx, device)
        key = (b.site, day, letter)
        if tx.one("SELECT 1 FROM site_sequence WHERE site = ? AND day = ? AND letter = ?", key) is None:
            # The day's first number continues after any live-range code the hub already
            # knows (tickets registered before it took over numbering). Two first calls at
            # once both compute it; the upsert makes the second one increment anyway.
            codes = tx.all("SELECT code FROM live_ticket WHERE site = ? AND day = ? AND letter = ?", key)
            numbers = [int(c[0][1:]) for c in codes if c[0][1:].isdigit() and int(c[0][1:]) <= MAX_PER_DAY]
            start = max(numbers, default=0) + 1
        else:
            start = 1
        number = int(
            tx.one(
                "INSERT INTO site_sequence (site, day, letter, last) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (site, day, letter) DO UPDATE SET last = site_sequence.last + 1 RETURNING last",
                (*key, start),
            )[0]
        )
        if number > MAX_PER_DAY:
            raise LiveError(409, "queue_full", letter=letter, day=day)  # rolls the increment back
        _touch(tx, b, _now())
    return number, ticket_code(letter, number)


# ---- tickets ------------------------------------------------------------------------------

_TICKET_COLUMNS = "id, site, status, holder, call_count, code, payload, counter, priority, reserve"


@dataclass
class _Known:
    id: str
    site: str
    status: str
    holder: str | None
    call_count: int
    code: str
    payload: dict[str, Any]
    reserve: str | None = None


def _known(tx: Tx, ids: Sequence[str]) -> dict[str, _Known]:
    out: dict[str, _Known] = {}
    for part in _chunks(list(ids)):
        for r in tx.all(f"SELECT {_TICKET_COLUMNS} FROM live_ticket WHERE id IN ({_marks(len(part))})", part):
            out[r[0]] = _Known(r[0], r[1], r[2], r[3], int(r[4]), r[5], _load(tx, r[6]), r[9])
    return out


def _ticket_values(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """The columns of a pushed ticket payload; None if it is not a usable ticket."""
    day, code, service, status = (payload.get(k) for k in ("day", "code", "service", "status"))
    if not (
        isinstance(day, str)
        and len(day) == 10
        and isinstance(code, str)
        and 2 <= len(code) <= 16
        and isinstance(service, str)
        and service
        and status in _STATUSES
    ):
        return None
    calls = payload.get("call_count")
    priority = payload.get("priority")
    return {
        "day": day,
        "code": code,
        "letter": code[0],
        "service": service,
        "priority": priority if isinstance(priority, str) else "",
        "status": status,
        "counter": payload.get("counter") if isinstance(payload.get("counter"), str) else None,
        "device": payload.get("device") if isinstance(payload.get("device"), str) else None,
        "queued_at": _utc(payload.get("queued_at"))
        or _utc(payload.get("arrived_at"))
        or _utc(payload.get("registered_at"))
        or _now(),
        "registered_at": _utc(payload.get("registered_at")),
        "first_called_at": _utc(payload.get("first_called_at")),
        "call_count": calls if isinstance(calls, int) and not isinstance(calls, bool) else 0,
    }


def _call_event(payload: Mapping[str, Any], counter: str, recall: bool) -> dict[str, Any]:
    code = str(payload.get("code", ""))
    return {
        "code": code,
        "counter": counter,
        "service": payload.get("service"),
        "letter": code[:1],
        "recall": recall,
    }


def apply_push(tx: Tx, device: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """The live side of a push, inside the push's transaction and before its sync_record
    upsert (the stored seqs tell a replayed row from a new one). Rule of the spec: an unknown
    ticket is inserted; a known one is applied when it is waiting or held by the pusher's
    counter; a ticket held by another counter (or of another site) is left as the hub has it.
    Devices not bound to a site push for the nightly sync only."""
    tickets = [r for r in rows if r["entity"] == "ticket" and r["op"] == "upsert"]
    if not tickets:
        return
    row = tx.one("SELECT site, counter FROM device WHERE name = ?", (device,))
    if row is None or not row[0] or not row[1]:
        return
    site, counter = row[0], row[1]
    stored: dict[str, int] = {}
    for part in _chunks([r["uuid"] for r in tickets]):
        for uuid, seq in tx.all(
            "SELECT uuid, seq FROM sync_record WHERE device = ? AND entity = 'ticket' "
            f"AND uuid IN ({_marks(len(part))})",
            (device, *part),
        ):
            stored[uuid] = int(seq)
    # A row resent after a lost answer (a new batch id) was applied already: skip it.
    fresh = list({r["uuid"]: r for r in tickets if r["seq"] > stored.get(r["uuid"], 0)}.values())
    if not fresh:
        return
    site_lock(tx, site)
    known = _known(tx, [r["uuid"] for r in fresh])
    now = _now()
    inserts: list[tuple[Any, ...]] = []
    updates: list[tuple[Any, ...]] = []
    events: list[tuple[str | None, str, str, str, Any]] = []
    for r in fresh:
        payload = r["payload"]
        values = _ticket_values(payload)
        if values is None:
            continue
        uuid = r["uuid"]
        old = known.get(uuid)
        status = values["status"]
        if old is None:
            # An offline-code ticket is reserved for its registering counter: its device may
            # not know the push arrived (a lost answer) and call it offline (see `release`).
            number = code_number(values["code"])
            reserve = counter if number is not None and is_offline_number(number) else None
        else:
            reserve = old.reserve
        holder = reserve if status == "waiting" else counter
        if old is None:  # `device` = the device that registered it (pushed it first)
            row_values = _row({**values, "device": device}, holder)
            inserts.append((uuid, site, *row_values, _dump(payload), now, reserve))
        else:
            if old.site != site or not (old.holder is None or old.holder == counter):
                continue  # another site's, or held by another counter: the hub's state stays
            if old.status != "waiting" and status == "waiting" and not payload.get("queued_at"):
                values["queued_at"] = now  # a requeue goes to the end of the queue
            updates.append((*_row(values, holder), _dump(payload), now, uuid))
        events.append((device, "ticket", uuid, "ticket", payload))
        was_called = old is not None and old.status == "called"
        if status == "called" and (not was_called or values["call_count"] > (old.call_count if old else 0)):
            events.append((device, "ticket", uuid, "call", _call_event(payload, counter, recall=was_called)))
        known[uuid] = _Known(
            uuid, site, status, holder, values["call_count"], values["code"], payload, reserve
        )
    if inserts:
        tx.many(
            "INSERT INTO live_ticket (id, site, day, code, letter, service, priority, status, counter, "
            "device, queued_at, registered_at, first_called_at, holder, call_count, payload, updated_at, "
            f"reserve) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, {tx.d.json_param}, ?, ?)",
            inserts,
        )
    if updates:
        tx.many(
            "UPDATE live_ticket SET day = ?, code = ?, letter = ?, service = ?, priority = ?, status = ?, "
            "counter = ?, device = COALESCE(device, ?), queued_at = ?, registered_at = ?, first_called_at = ?, holder = ?, "
            f"call_count = ?, payload = {tx.d.json_param}, updated_at = ? WHERE id = ?",
            updates,
        )
    append_events(tx, site, events)
    if events:  # the code the counter holds now, as the board shows it
        held = tx.one(
            "SELECT code FROM live_ticket WHERE site = ? AND holder = ? AND status IN ('called', 'serving') "
            "ORDER BY updated_at DESC LIMIT 1",
            (site, counter),
        )
        _set_ticket_code(tx, site, counter, device, held[0] if held else None, now)


def _row(values: Mapping[str, Any], holder: str | None) -> tuple[Any, ...]:
    return (
        values["day"],
        values["code"],
        values["letter"],
        values["service"],
        values["priority"],
        values["status"],
        values["counter"],
        values["device"],
        values["queued_at"],
        values["registered_at"],
        values["first_called_at"],
        holder,
        values["call_count"],
    )


_STATE_COLUMNS = "counter, state, since, ticket_code, device, updated_at, priority_streak, last_seen"


def _state_json(r: Sequence[Any]) -> dict[str, Any]:
    return {
        "counter": r[0],
        "state": r[1],
        "since": r[2],
        "ticket_code": r[3],
        "device": r[4],
        "updated_at": r[5],
        "priority_streak": int(r[6]),
    }


def _state(tx: Tx, site: str, counter: str) -> Sequence[Any] | None:
    return tx.one(
        f"SELECT {_STATE_COLUMNS} FROM counter_state WHERE site = ? AND counter = ?", (site, counter)
    )


def _set_ticket_code(
    tx: Tx, site: str, counter: str, device: str, code: str | None, now: str, streak: int | None = None
) -> None:
    """Record the code the counter holds; a change is a `counter` event."""
    before = _state(tx, site, counter)
    if before is None and code is None and streak is None:
        return  # a front desk's push: it holds nothing, there is nothing to tell
    if before is None:
        tx.run(
            "INSERT INTO counter_state (site, counter, state, since, ticket_code, device, updated_at, "
            "priority_streak, last_seen) VALUES (?, ?, 'open', ?, ?, ?, ?, ?, ?)",
            (site, counter, now, code, device, now, streak or 0, now),
        )
    else:
        state, since = before[1], before[2]
        if (
            before[3] == code
            and (streak is None or int(before[6]) == streak)
            and (state == "open" or code is None)
        ):
            return
        if state != "open" and code is not None:  # calling a visitor ends a break
            state, since = "open", now
        tx.run(
            "UPDATE counter_state SET state = ?, since = ?, ticket_code = ?, device = ?, updated_at = ?, "
            "priority_streak = ?, last_seen = ? WHERE site = ? AND counter = ?",
            (
                state,
                since,
                code,
                device,
                now,
                int(before[6]) if streak is None else streak,
                now,
                site,
                counter,
            ),
        )
    after = _state(tx, site, counter)
    append_events(tx, site, [(device, "counter", counter, "counter", _state_json(after))])


def claim(
    store: Store, device: str, day: str, services: Sequence[str], cap: int, ticket: str | None = None
) -> dict[str, Any] | None:
    """Compare-and-set of the next waiting ticket (or of `ticket`) for the device's counter."""
    with store.transaction() as tx:
        b = binding(tx, device)
        site_lock(tx, b.site)
        held = tx.one(
            "SELECT payload FROM live_ticket WHERE site = ? AND holder = ? AND status IN ('called', 'serving') "
            "ORDER BY updated_at LIMIT 1",
            (b.site, b.counter),
        )
        if held is not None:
            payload = _load(tx, held[0])
            raise LiveError(409, "counter_busy", code=payload.get("code"), ticket=payload)
        state = _state(tx, b.site, b.counter)
        streak = int(state[6]) if state is not None else 0
        skip = " FOR UPDATE SKIP LOCKED" if tx.d.name == "postgresql" else ""
        chosen: Sequence[Any] | None
        if ticket is not None:
            chosen = tx.one(
                f"SELECT id, priority, status, payload, holder FROM live_ticket WHERE id = ? AND site = ?{tx.d.lock}",
                (ticket, b.site),
            )
            if chosen is None:
                raise LiveError(404, "ticket_unknown")
            if chosen[2] != "waiting":
                raise LiveError(409, "not_waiting", ticket=_load(tx, chosen[3]))
            if chosen[4] is not None and chosen[4] != b.counter:
                raise LiveError(409, "reserved", counter=chosen[4])
        else:
            if not services:
                return None
            # a waiting ticket reserved for a counter (holder set) is that counter's only
            where = (
                "site = ? AND day = ? AND status = 'waiting' AND (holder IS NULL OR holder = ?) "
                f"AND service IN ({_marks(len(services))})"
            )
            params = (b.site, day, b.counter, *services)
            order = " ORDER BY CASE WHEN priority = '' THEN 1 ELSE 0 END, queued_at, code LIMIT 1"
            chosen = tx.one(
                f"SELECT id, priority, status, payload FROM live_ticket WHERE {where}{order}{skip}", params
            )
            if chosen is not None and chosen[1] and streak >= cap:
                general = tx.one(
                    f"SELECT id, priority, status, payload FROM live_ticket WHERE {where} AND priority = ''"
                    f" ORDER BY queued_at, code LIMIT 1{skip}",
                    params,
                )
                chosen = general or chosen
            if chosen is None:
                return None
        now = _now()
        payload = dict(_load(tx, chosen[3]))
        payload.update(
            status="called",
            counter=b.counter,
            call_count=1,
            first_called_at=payload.get("first_called_at") or now,
        )
        changed = tx.run(
            "UPDATE live_ticket SET status = 'called', holder = ?, counter = ?, call_count = 1, "
            f"first_called_at = COALESCE(first_called_at, ?), payload = {tx.d.json_param}, updated_at = ? "
            "WHERE id = ? AND status = 'waiting'",
            (b.counter, b.counter, now, _dump(payload), now, chosen[0]),
        ).rowcount
        if changed != 1:  # lost the race (cannot happen under the site lock; never hand it out)
            raise LiveError(409, "claim_lost")
        append_events(
            tx,
            b.site,
            [
                (device, "ticket", chosen[0], "ticket", payload),
                (device, "ticket", chosen[0], "call", _call_event(payload, b.counter, recall=False)),
            ],
        )
        _set_ticket_code(
            tx, b.site, b.counter, device, payload.get("code"), now, streak=streak + 1 if chosen[1] else 0
        )
    _notifier.poke(b.site)
    return payload


def release(store: Store, device: str, ids: Sequence[str]) -> list[str]:
    """End the reservation of offline tickets the device's counter registered (it sent this
    only after a push acknowledgement covering them, and no longer calls them offline): a
    waiting one joins the site's queue (holder NULL). Only the reserving counter can release;
    other ids are ignored. Returns the ids released. No event: the payload does not change."""
    with store.transaction() as tx:
        b = binding(tx, device)
        site_lock(tx, b.site)
        found: list[str] = []
        for part in _chunks(list(dict.fromkeys(ids))):
            where = f"site = ? AND reserve = ? AND id IN ({_marks(len(part))})"
            found += [
                str(r[0])
                for r in tx.all(f"SELECT id FROM live_ticket WHERE {where}", (b.site, b.counter, *part))
            ]
            tx.run(
                "UPDATE live_ticket SET holder = CASE WHEN status = 'waiting' THEN NULL ELSE holder END, "
                f"reserve = NULL WHERE {where}",
                (b.site, b.counter, *part),
            )
        _touch(tx, b, _now())
    return found


def set_state(store: Store, device: str, state: str) -> dict[str, Any]:
    with store.transaction() as tx:
        b = binding(tx, device)
        site_lock(tx, b.site)
        now = _now()
        before = _state(tx, b.site, b.counter)
        _touch(tx, b, now)
        if before is None or before[1] != state:
            tx.run(
                "UPDATE counter_state SET state = ?, since = ?, updated_at = ? WHERE site = ? AND counter = ?",
                (state, now, now, b.site, b.counter),
            )
        after = _state(tx, b.site, b.counter)
        doc = _state_json(after)
        if before is None or before[1] != state:
            append_events(tx, b.site, [(device, "counter", b.counter, "counter", doc)])
    _notifier.poke(b.site)
    return doc


# ---- reading ------------------------------------------------------------------------------


def events_since(store: Store, site: str, since: int, limit: int = 1000) -> tuple[list[dict[str, Any]], int]:
    """Events of the site after `since` (at most `limit`) and the stream's head seq."""
    with store.transaction(write=False) as tx:
        rows = tx.all(
            "SELECT seq, kind, device, uuid, payload FROM site_event WHERE site = ? AND seq > ? "
            "ORDER BY seq LIMIT ?",
            (site, since, limit),
        )
        head = tx.one("SELECT COALESCE(MAX(seq), 0) FROM site_event WHERE site = ?", (site,))[0]
    events = [
        {"seq": int(r[0]), "kind": r[1], "device": r[2], "uuid": r[3], "payload": _load(tx, r[4])}
        for r in rows
    ]
    return events, int(head)


def board(store: Store, site: str, day: str | None, targets: Mapping[str, int | None]) -> dict[str, Any]:
    """Each counter's state and each service's waiting figures (the coordinator's board)."""
    now = datetime.now(UTC)
    with store.transaction(write=False) as tx:
        if day is None:
            day = tx.one("SELECT MAX(day) FROM live_ticket WHERE site = ?", (site,))[0]
        counters = tx.all(
            f"SELECT {_STATE_COLUMNS} FROM counter_state WHERE site = ? ORDER BY counter", (site,)
        )
        waiting = tx.all(
            "SELECT service, COUNT(*), MIN(queued_at) FROM live_ticket WHERE site = ? AND day = ? "
            "AND status = 'waiting' GROUP BY service ORDER BY service",
            (site, day or ""),
        )
    out_counters = []
    for r in counters:
        last = r[7]
        age = (now - datetime.fromisoformat(last)).total_seconds() if last else None
        out_counters.append(
            {
                "counter": r[0],
                "state": r[1],
                "since": r[2],
                "ticket_code": r[3],
                "device": r[4],
                "updated_at": r[5],
                "last_seen": last,
                "online": age is not None and age <= ONLINE_S,
            }
        )
    services = []
    for service, count, oldest in waiting:
        wait = (now - datetime.fromisoformat(oldest)).total_seconds() if oldest else 0.0
        services.append(
            {
                "service": service,
                "waiting": int(count),
                "longest_wait_s": round(max(wait, 0.0), 1),
                "target_s": targets.get(service),
            }
        )
    return {"site": site, "day": day, "counters": out_counters, "services": services}


def report_tickets(store: Store, day_from: str, day_to: str) -> list[tuple[str, dict[str, Any] | None]]:
    """(device, payload) of every ticket of the days that devices pushed, each uuid once: the
    hub's state when it knows the ticket (under the device that registered it: the first to
    push it), else the most advanced state any device pushed (under that device)."""
    with store.transaction(write=False) as tx:
        pushed = tx.all(
            "SELECT device, uuid, payload, received_at FROM sync_record WHERE entity = 'ticket' "
            "AND op = 'upsert' AND day >= ? AND day <= ?",
            (day_from, day_to),
        )
        live = tx.all(
            "SELECT id, device, payload FROM live_ticket WHERE day >= ? AND day <= ?", (day_from, day_to)
        )
        best: dict[str, tuple[tuple[int, str], str, dict[str, Any] | None]] = {}
        for dev, uuid, payload, received in pushed:
            doc = _readable(tx, payload)
            if doc is None:  # passed on as None: the report counts it as skipped (issue 10)
                best.setdefault(uuid, ((-1, ""), dev, None))
                continue
            key = (_RANK.get(str(doc.get("status")), 3), str(received))
            if uuid not in best or key > best[uuid][0]:
                best[uuid] = (key, str(dev), doc)
        out = {uuid: (dev, doc) for uuid, (_key, dev, doc) in best.items()}
        for uuid, dev, payload in live:
            if uuid in out:  # the hub's state wins, counted once
                out[uuid] = (str(dev or out[uuid][0]), _readable(tx, payload))
    return list(out.values())

"""The supervisor's daily summary (rekap harian): every figure of the report, computed once.

`daily_figures(ctx, day_from, day_to=None, *, counter=None)` is the only place the figures are
computed; the PDF, the XLSX/CSV exports, the report dialog and `counter-app report daily --json`
all show the `DailyFigures` it returns (the documents layer gets its `to_json()` snapshot;
`report_pdf`, `report_xlsx`, `report_csv` render it). The statistics themselves (median, P90,
durations, shares, arrivals per hour) are core/statistics.py, shared with the server's report;
the period rule is core/period.py; saving the documents is services/report_files.py and the
terminal lines are services/report_text.py.

Period and scope
    The tickets whose local issue day (`Ticket.day`) lies in [day_from, day_to] (one day when
    day_to is None). Scope `counter=None`: every ticket in this local store. Scope
    `counter="L01"`: the tickets that counter called (`Ticket.counter`), plus the tickets nobody
    has called yet (waiting, or cancelled before a call) of the services that counter serves.

Counts (by final status)
    registered   tickets issued in the period, including the new tickets a transfer issues
                 (`transferred_in` of them; `visitors` = registered − transferred_in).
    served       status `done`.          no_show      status `no_show`.
    cancelled    status `cancelled`.     transferred  status `transferred` (sent elsewhere).
    waiting      still open: status `waiting`, `called` or `serving` (for a past day, tickets
                 left open at the end of the day). The six counts add up to `registered`.

Times (seconds; computed from whole milliseconds)
    waiting time   first_called_at − arrived_at, for every ticket that was called at least once
                   (whatever its final status). A ticket issued by a transfer keeps the
                   visitor's first arrival, so its wait counts from the first arrival.
    service time   finished_at − started_at, for served (`done`) tickets.
    For each: n, mean, median (the middle value; the mean of the two middle values when n is
    even), p90 (nearest-rank: the value at rank ⌈0.9·n⌉ of the sorted values), max. Empty → None.
    within target  of the served tickets with both times, the share whose
                   finished_at − first_called_at ≤ the service's `target_minutes` × 60 s
                   (call to finish: what the visitor experiences at the desk). Percent, 1 dp.

Breakdowns
    by_service (every active service in scope, plus any other with tickets): all of the above.
    by_agency (merged from its services), by_priority (class "" = general), by_counter
    (tickets called there; `handled` = tickets), by_officer (`served_by`: who last called or
    started the ticket), by_day (one row per day of the period): counts, means and max; the
    median and P90 only where their tables show them (agencies, priority classes, days: waiting
    time; officers: service time). In the JSON a figure not computed is absent, never null.
    arrivals_by_hour   24 counts: tickets by the local hour of `arrived_at`, leaving out tickets
                       issued by a transfer (the visitor arrived once).
    longest_waits      the 10 longest waiting times: day, code, service, status, wait.

Survey and complaints
    survey       the IKM (PermenPANRB 14/2017, core/ikm.py) of the survey responses whose day
                 lies in the period, in the report's scope (counter scope: responses given at
                 that counter): respondents (complete responses), incomplete ones, NRR and
                 NRR × 25 per element U1…U9, population (visitors served) and the
                 Krejcie–Morgan sample.
    complaints   complaints received in the period (whole store, whatever the scope): received,
                 answered in time (closed by the deadline), answered late, overdue (still open
                 past the deadline when the report is made), open within the deadline.

Notes (unusual things, as data: kind + parameters; the documents word them)
    gap           numbers missing in a letter's daily sequence (a day's tickets of letter A
                  should be A001…A0NN with none missing, NN = the sequence's last number); checked
                  over the whole store whatever the scope, because letters are shared.
    open_at_close tickets still open on a day that is over (before today's local date).
    time_order    tickets whose times run backwards (negative wait or service time).
    missing_times served tickets without a call or start time (no service time / target check).

Speed: one SELECT over the period walks ticket_day_status in order and returns one row per
(day, status) whose columns are whole lists, one text each (service/priority/counter/officer/
transfer keys, rowids, and the four stored time texts as they are); numpy splits them into one
array per column, reads the times at fixed places exactly as julianday does (_times: julianday
in SQL, six calls a ticket, was ~40% of the SELECT) and every breakdown is bincounts plus one
sort per kind of duration, split by group (a Python step per ticket cost more than everything
else). A long period is read in runs, one after the other in a thread, each run's times read
while the next is queried. The gap check reads counts and highest numbers per day and letter
off ticket_day_letter_seq, and the numbers themselves only where those disagree. Ticket codes
are rebuilt from letter and number (`numbering.ticket_code`, as registration makes them).
bench/bench_report.py: 90 days (270,000 tickets), figures + PDF in ~0.63 s (was ~0.76 s).
"""

from __future__ import annotations

import heapq
import itertools
import os
import re
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from counter_app.core.clock import local_day
from counter_app.core.errors import NotFound
from counter_app.core.numbering import ticket_code
from counter_app.core.period import check_period
from counter_app.core.roles import Permission
from counter_app.core.statistics import Durations, share_pct
from counter_app.core.ticket_rules import ACTIVE, Status
from counter_app.services.context import Context
from counter_app.services.rows import fk_id
from counter_app.store.connection import BUSY_TIMEOUT_MS
from counter_app.store.models import (
    Agency,
    Counter,
    CounterService,
    Service,
    Staff,
    db,
)

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

TOP_WAITS = 10
OPEN = frozenset(s.value for s in ACTIVE)
_DIGITS = re.compile(r"(\d+)")

_SEP = "\x1f"  # ASCII unit separator: in no code, username or status
_FIELDS = "\x1e"  # ASCII record separator, between a ticket's service, priority, counter, officer
_NULL = -(2**63) + 1  # stands for NULL in the integer lists (no duration is 292 million years)
# Times are stored as peewee's text 'YYYY-MM-DD HH:MM:SS[.ffffff]' (naive UTC, str(datetime)).
# SQLite hands them over as they are stored; numpy reads the whole 26-character form at fixed
# places (_times) and differences them in whole milliseconds exactly as julianday() does; any
# other text (no microseconds, an offset, not a time) is read by SQLite's julianday itself
# (_odd_times). Differencing by julianday in SQL (six calls per ticket, and every number printed
# as text) was ~40% of the whole SELECT.
_NO_TIME = "~" * 26  # a NULL time: as wide as a stored one, so that a block stays fixed width
_NO_TIME_BYTES = _NO_TIME.encode()
_TIME = len(_NO_TIME)
# ms of the Julian day number of 1970-01-01 00:00 (julianday '2440587.5'): the epoch of _times
_UNIX_JD_MS = 210_866_760_000_000
# Whether this SQLite holds a time's fraction of a second at .999 (3.42 and later: '…:59.9996'
# stays in its second) or rounds it to the nearest millisecond like the rest (before 3.42).
_CLAMP_SQL = "SELECT CAST(ROUND((julianday('2000-01-01 00:00:00.9996') - 2451544.5) * 86400000.0) AS INTEGER)"
# One row per (day, status): SQLite walks ticket_day_status in order (no sort) and hands each
# column of the block over as one text, which numpy splits (a Python tuple per ticket cost more
# than everything else). Within a block every list is in the same ticket order. A ticket's four
# keys and whether a transfer issued it are one printf (NULL prints as ''): ~14% fewer
# instructions for the whole SELECT than three || joins of four ifnull()s, the same text.
_SQL = f"""
SELECT "day", "status", COUNT(*),
       group_concat(printf('%s{_FIELDS}%s{_FIELDS}%s{_FIELDS}%s{_FIELDS}%d', "service_id", "priority", "counter",
                           "served_by", "transferred_from" IS NOT NULL),
                    char(31)),
       group_concat("rowid"),
       CAST(group_concat(ifnull("arrived_at", '{_NO_TIME}')) AS BLOB),
       CAST(group_concat(ifnull("first_called_at", '{_NO_TIME}')) AS BLOB),
       CAST(group_concat(ifnull("started_at", '{_NO_TIME}')) AS BLOB),
       CAST(group_concat(ifnull("finished_at", '{_NO_TIME}')) AS BLOB)
FROM "ticket" WHERE "day" >= ? AND "day" <= ? GROUP BY "day", "status"
"""
# Every ticket's number, whatever the scope (letters are shared between counters), on the
# covering index ticket_day_letter_seq: unique, so the count is also the count of distinct
# numbers; the numbers themselves are read only where count and highest disagree.
_SEQ_SQL = """
SELECT "day", "letter", COUNT(*), MAX("seq") FROM "ticket"
WHERE "day" >= ? AND "day" <= ? GROUP BY "day", "letter"
"""
_LAST_SQL = 'SELECT "day", "letter", "last" FROM "queue_sequence" WHERE "day" >= ? AND "day" <= ?'
# A period of at least 2 × _RUN_MIN_DAYS days is read in up to _MAX_RUNS runs, one after the other (_runs).
_RUN_MIN_DAYS = 7
_MAX_RUNS = 4


def natural_key(text: str) -> list[Any]:
    """`petugas.2` before `petugas.10`: digit runs compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(text) if part]


# ---- the result ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One row of a breakdown (or the totals): counts by status and time summaries."""

    key: str
    name: str = ""
    name_en: str = ""
    tickets: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    wait: Durations = Durations()
    service: Durations = Durations()
    within_target: int = 0
    target_measured: int = 0
    info: dict[str, Any] = field(default_factory=dict)  # e.g. agency, letter, target_minutes

    @property
    def served(self) -> int:
        return self.counts.get(Status.DONE.value, 0)

    @property
    def no_show(self) -> int:
        return self.counts.get(Status.NO_SHOW.value, 0)

    @property
    def cancelled(self) -> int:
        return self.counts.get(Status.CANCELLED.value, 0)

    @property
    def transferred(self) -> int:
        return self.counts.get(Status.TRANSFERRED.value, 0)

    @property
    def waiting(self) -> int:
        return sum(self.counts.get(s, 0) for s in OPEN)

    @property
    def within_target_pct(self) -> float | None:
        return share_pct(self.within_target, self.target_measured)

    def to_json(self, key_name: str | None, count_name: str = "registered") -> dict[str, Any]:
        pct = self.within_target_pct
        out: dict[str, Any] = {key_name: self.key} if key_name else {}
        if self.name or self.name_en:
            out["name"] = self.name
            out["name_en"] = self.name_en or self.name
        out.update(self.info)
        out.update(
            {
                count_name: self.tickets,
                "served": self.served,
                "no_show": self.no_show,
                "cancelled": self.cancelled,
                "transferred": self.transferred,
                "waiting": self.waiting,
            }
        )
        out.update(self.wait.to_json("wait"))
        out.update(self.service.to_json("service"))
        out["within_target"] = self.within_target
        out["target_measured"] = self.target_measured
        out["within_target_pct"] = None if pct is None else round(pct, 1)
        return out


@dataclass(frozen=True)
class LongWait:
    day: date
    code: str
    service: str
    service_name: str
    service_name_en: str
    status: str
    wait_s: float


@dataclass(frozen=True)
class Note:
    """Something unusual, as data; `kind` names the message `report.note.<kind>`."""

    kind: str
    params: dict[str, Any]


@dataclass(frozen=True)
class DailyFigures:
    day_from: date
    day_to: date
    counter: str | None
    counter_name: str | None
    site_code: str
    site_name: str
    timezone: str
    generated_at: datetime  # aware UTC
    totals: Group
    visitors: int
    transferred_in: int
    by_service: list[Group]
    by_agency: list[Group]
    by_priority: list[Group]
    by_counter: list[Group]
    by_officer: list[Group]
    by_day: list[Group]
    arrivals_by_hour: list[int]  # 24 counts, local hours 0..23
    longest_waits: list[LongWait]
    notes: list[Note]
    # The satisfaction survey of the period's respondents (services/skm_report.day_section) and the
    # complaints received in it (services/complaints.counts); None when not computed.
    survey: dict[str, Any] | None = None
    complaints: dict[str, Any] | None = None
    # The *segel audit*: the audit chain's head at the end of the period (`seq`, `hash`), printed
    # above the signature so the signed paper anchors the chain outside the file.
    audit_head: dict[str, Any] | None = None

    @property
    def days(self) -> int:
        return (self.day_to - self.day_from).days + 1

    def service_row(self, code: str) -> Group | None:
        return next((g for g in self.by_service if g.key == code), None)

    def to_json(self) -> dict[str, Any]:
        """The figures as plain JSON-ready data: the snapshot every document renders from."""
        tot = self.totals
        totals = tot.to_json(None)
        totals["visitors"] = self.visitors
        totals["transferred_in"] = self.transferred_in
        return {
            "date": self.day_from.isoformat(),
            "date_to": self.day_to.isoformat(),
            "days": self.days,
            "scope": {"counter": self.counter, "counter_name": self.counter_name},
            "site": {"code": self.site_code, "name": self.site_name},
            "timezone": self.timezone,
            "generated_at": self.generated_at.isoformat(),
            "totals": totals,
            "by_service": [g.to_json("service") for g in self.by_service],
            "by_agency": [g.to_json("agency") for g in self.by_agency],
            "by_priority": [g.to_json("priority") for g in self.by_priority],
            "by_counter": [g.to_json("counter", "handled") for g in self.by_counter],
            "by_officer": [g.to_json("officer", "handled") for g in self.by_officer],
            "by_day": [g.to_json("day") for g in self.by_day],
            "arrivals_by_hour": [{"hour": h, "count": n} for h, n in enumerate(self.arrivals_by_hour)],
            "longest_waits": [
                {
                    "day": w.day.isoformat(),
                    "code": w.code,
                    "service": w.service,
                    "name": w.service_name,
                    "name_en": w.service_name_en,
                    "status": w.status,
                    "wait_s": round(w.wait_s, 1),
                }
                for w in self.longest_waits
            ],
            "notes": [{"kind": n.kind, **n.params} for n in self.notes],
            **({"survey": self.survey} if self.survey is not None else {}),
            **({"complaints": self.complaints} if self.complaints is not None else {}),
            **({"audit_head": self.audit_head} if self.audit_head is not None else {}),
        }


# ---- computing ----------------------------------------------------------------------------


@dataclass
class _Rows:
    """The period's tickets, one numpy array per column (row i is the same ticket in each):
    texts as indexes into their label lists, durations in whole milliseconds (`_NULL`: none),
    -1 as the arrival minute of a ticket issued by a transfer."""

    days: list[str]
    statuses: list[str]
    services: list[str]
    priorities: list[str]
    counters: list[str]  # '' = no counter
    officers: list[str]  # '' = nobody
    day: NDArray[np.intp]
    status: NDArray[np.intp]
    service: NDArray[np.intp]
    priority: NDArray[np.intp]
    counter: NDArray[np.intp]
    officer: NDArray[np.intp]
    rowid: NDArray[np.int64]
    minute: NDArray[np.int64]
    wait: NDArray[np.int64]
    service_ms: NDArray[np.int64]
    call_to_finish: NDArray[np.int64]

    def take(self, keep: NDArray[np.bool_]) -> _Rows:
        columns = {name: getattr(self, name)[keep] for name in _ROW_ARRAYS}
        return replace(self, **columns)

    @staticmethod
    def code(labels: list[str], label: str) -> int:
        """The index of `label` (-1 when no ticket has it: matches no row)."""
        return labels.index(label) if label in labels else -1

    @cached_property
    def done(self) -> NDArray[np.bool_]:
        done: NDArray[np.bool_] = self.status == self.code(self.statuses, Status.DONE.value)
        return done

    @cached_property
    def measured(self) -> NDArray[np.bool_]:
        """Served tickets with a call and a finish: the target check's."""
        measured: NDArray[np.bool_] = self.done & (self.call_to_finish != _NULL)
        return measured

    @cached_property
    def by_wait(self) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
        """The rows with a waiting time, shortest first, and their waits."""
        return _ascending(self.wait, self.wait != _NULL)

    @cached_property
    def by_service(self) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
        """The served rows with a service time, shortest first, and their service times."""
        return _ascending(self.service_ms, self.done & (self.service_ms != _NULL))


_ROW_ARRAYS = (
    "day",
    "status",
    "service",
    "priority",
    "counter",
    "officer",
    "rowid",
    "minute",
    "wait",
    "service_ms",
    "call_to_finish",
)


def _ascending(
    values: NDArray[np.int64], mask: NDArray[np.bool_]
) -> tuple[NDArray[np.intp], NDArray[np.int64]]:
    import numpy as np

    rows = np.flatnonzero(mask)
    rows = rows[np.argsort(values[rows])]
    return rows, values[rows]


def _labelled(values: list[str]) -> tuple[list[str], NDArray[np.intp]]:
    """The distinct values (first seen first) and each value's index among them."""
    import numpy as np

    index = dict.fromkeys(values, 0)
    labels = list(index)
    for i, label in enumerate(labels):
        index[label] = i
    return labels, np.fromiter(map(index.__getitem__, values), dtype=np.intp, count=len(values))


def _blocks(day_from: date, day_to: date) -> list[tuple[Any, ...]]:
    """The (day, status) blocks of `_SQL` over the period, in its order (see _runs)."""
    return [block for run in _runs(day_from, day_to) for block in run]


def _runs(day_from: date, day_to: date) -> Iterator[list[tuple[Any, ...]]]:
    """The (day, status) blocks of `_SQL` over the period in runs of consecutive days, in day
    order (a day lies in one run; the blocks are the same as one query's). A long period is
    read run after run on a connection of its own in a thread of its own (SQLite steps without
    the GIL) while the caller reads the runs already there: the reading overlaps the next
    query. One thread, not one per run: two of these queries at once in one process took
    longer than both one after the other (SQLite's allocations share a lock). Inside a
    transaction (which other connections cannot see into), for short periods and on one core,
    one query on the store's connection."""
    days = (day_to - day_from).days + 1
    runs = min(_MAX_RUNS, days // _RUN_MIN_DAYS) if (os.cpu_count() or 1) > 1 else 1
    path = db.database
    if runs < 2 or db.in_transaction() or not isinstance(path, str) or path == ":memory:":
        whole: list[tuple[Any, ...]] = db.execute_sql(
            _SQL, (day_from.isoformat(), day_to.isoformat())
        ).fetchall()
        yield whole
        return
    bounds = [day_from + timedelta(days=days * i // runs) for i in range(runs + 1)]
    periods = [(a.isoformat(), (b - timedelta(days=1)).isoformat()) for a, b in itertools.pairwise(bounds)]
    with ThreadPoolExecutor(1, thread_name_prefix="daily-report") as pool:
        reads = [pool.submit(_read_apart, path, period) for period in periods]
        try:
            for read in reads:
                yield read.result()
        finally:
            for read in reads:
                read.cancel()


def _read_apart(path: str, period: tuple[str, str]) -> list[tuple[Any, ...]]:
    """`_SQL` over `period` on a connection of its own, read only, closed after."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        conn.execute("PRAGMA query_only = 1")
        return conn.execute(_SQL, period).fetchall()
    finally:
        conn.close()


_TIME_COLUMNS = slice(5, 9)  # arrived_at, first_called_at, started_at, finished_at in a block


def _run_times(blocks: list[tuple[Any, ...]]) -> list[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """A run's four time columns, read (_times)."""
    sizes = [block[2] for block in blocks]
    total = sum(sizes)
    columns = zip(*(block[_TIME_COLUMNS] for block in blocks), strict=True) if blocks else ((),) * 4
    return [_times(list(texts), sizes, total) for texts in columns]


def _read(day_from: date, day_to: date) -> _Rows:
    import numpy as np

    block_days: list[str] = []
    block_statuses: list[str] = []
    sizes: list[int] = []
    keys: list[str] = []  # per ticket: service, priority, counter, officer, transfer in one text
    rowids: list[str] = []
    runs = []  # each run's times, read while the next run's query runs
    for blocks in _runs(day_from, day_to):
        runs.append(_run_times(blocks))
        for day, status, n, key, rowid, *_ in blocks:
            block_days.append(day)
            block_statuses.append(status)
            sizes.append(n)
            parts = key.split(_SEP)
            if len(parts) != n:
                raise ValueError(f"a ticket's text holds the unit separator ({day}, {status})")
            keys.extend(parts)
            rowids.append(rowid)
    total = sum(sizes)

    days, day_codes = _labelled(block_days)
    statuses, status_codes = _labelled(block_statuses)
    # the distinct keys are few (services × priorities × counters × officers that occur): each
    # is split once, and every ticket's codes are gathered from its key's
    combos, combo = _labelled(keys)
    fields = [c.split(_FIELDS) for c in combos]
    if any(len(f) != 5 for f in fields):
        raise ValueError("a ticket's text holds the record separator")
    (services, of_service), (priorities, of_priority), (counters, of_counter), (officers, of_officer) = (
        _labelled(list(column)) for column in (list(zip(*fields, strict=True))[:4] if fields else ((),) * 4)
    )
    service, priority, counter, officer = (
        of[combo] for of in (of_service, of_priority, of_counter, of_officer)
    )
    transferred = np.array([f[4] == "1" for f in fields] or [False], dtype=np.bool_)[combo]
    rowid = np.fromstring(",".join(rowids), dtype=np.int64, sep=",") if total else np.zeros(0, np.int64)
    if len(rowid) != total:
        raise ValueError("a ticket's number did not read back")
    (arrived, minute), (called, _), (started, _), (finished, _) = (
        (np.concatenate([run[c][0] for run in runs]), np.concatenate([run[c][1] for run in runs]))
        for c in range(4)
    )
    status = np.repeat(status_codes, sizes)
    done = status == _Rows.code(statuses, Status.DONE.value)

    def between(a: NDArray[np.int64], b: NDArray[np.int64], keep: NDArray[np.bool_]) -> NDArray[np.int64]:
        """b − a in ms where both are there and `keep`; _NULL elsewhere."""
        return np.where(keep & (a != _NULL) & (b != _NULL), b - a, _NULL)

    return _Rows(
        days,
        statuses,
        services,
        priorities,
        counters,
        officers,
        np.repeat(day_codes, sizes),
        status,
        service,
        priority,
        counter,
        officer,
        rowid,
        np.where(transferred, -1, minute),
        between(arrived, called, np.ones(total, dtype=np.bool_)),
        between(started, finished, done),
        between(called, finished, done),
    )


# where a stored time 'YYYY-MM-DD HH:MM:SS.ffffff' has its pairs of digits, and its punctuation
# (a 'T' between date and time, which julianday also reads, is left to it)
_PAIR_AT = (0, 2, 5, 8, 11, 14, 17, 20, 22, 24)
_MARKS = tuple(
    (place, ord(mark)) for place, mark in zip((4, 7, 10, 13, 16, 19, _TIME), "-- ::.,", strict=True)
)


_FIRST_YEAR, _YEARS = 1970, 130  # the years _day_numbers covers


@cache
def _day_numbers() -> NDArray[np.int32]:
    """Days since 1970-01-01 of each year, month 1…12 and day 1…31 of _FIRST_YEAR… at
    ((year − _FIRST_YEAR) × 13 + month) × 32 + day: the proleptic Gregorian calendar julianday
    counts in, linear in the day as julianday is (a 30 February is the 2 March)."""
    import numpy as np

    key = np.arange(_YEARS * 13 * 32)
    year, month, day = _FIRST_YEAR + key // (13 * 32), key // 32 % 13, key % 32
    y = year - (month <= 2)
    era = y // 400
    of_era = y - era * 400
    of_year = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    days: NDArray[np.int32] = (
        era * 146_097 + of_era * 365 + of_era // 4 - of_era // 100 + of_year - 719_468
    ).astype(np.int32)
    return days


@cache
def _digit_pairs() -> NDArray[np.uint8]:
    """Two ASCII digits read as one little-endian 16-bit number → their value; 255 otherwise."""
    import numpy as np

    table = np.full(1 << 16, 255, dtype=np.uint8)
    for tens in range(10):
        for ones in range(10):
            table[(ord("0") + tens) | (ord("0") + ones) << 8] = tens * 10 + ones
    return table


def _times(
    texts: list[bytes], sizes: list[int], total: int, *, split: bool = False
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """One time column of the blocks (`texts`, each `sizes[i]` times joined by ','): per ticket
    the time in ms since 1970-01-01 as julianday counts it (`_NULL`: none or not a time) and
    the minute of the day its text gives (-2: no time).

    A block of stored 26-character times (and `_NO_TIME`) is fixed width: the whole column is
    one (tickets × 27) byte grid, read at fixed places. A time of another length (no
    microseconds: str(datetime) leaves them out when zero) is set aside as `odd` with its
    place, as is a 26-character text that is not 'YYYY-MM-DD HH:MM:SS.ffffff' with digits in
    range: SQLite reads those (_odd_times). `split`: every block entry by entry (a block can
    have the fixed width's length with times of other lengths in it)."""
    import numpy as np

    width = _TIME + 1
    odd: dict[int, bytes] = {}
    fixed: list[bytes] = []
    at = 0
    for text, n in zip(texts, sizes, strict=True):
        if split or len(text) != width * n - 1:
            entries = text.split(b",")
            if len(entries) != n:
                raise ValueError("a ticket's time holds a comma")
            for i, entry in enumerate(entries):
                if len(entry) != _TIME:
                    odd[at + i] = entry
                    entries[i] = _NO_TIME_BYTES
            text = b",".join(entries)
        fixed.append(text)
        at += n
    if not total:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    data = b",".join(fixed) + b","
    grid = np.frombuffer(data, dtype=np.uint8).reshape(total, width)
    if not split and not np.all(grid[:, _TIME] == ord(",")):
        return _times(texts, sizes, total, split=True)
    none = grid[:, 0] == ord("~")
    maybe = np.flatnonzero(none)  # _NO_TIME, or a text that begins with '~': SQLite's to read
    none[maybe[~np.all(grid[maybe, :_TIME] == ord("~"), axis=1)]] = False
    # two digits at a time: each pair of bytes as one 16-bit number, looked up (255: not digits)
    table = _digit_pairs()
    pairs = np.empty((len(_PAIR_AT), total), dtype=np.uint8)
    for row, at in enumerate(_PAIR_AT):
        np.take(table, np.ndarray((total,), "<u2", data, at, (width,)), out=pairs[row])
    good = np.all(pairs != 255, axis=0)
    for place, mark in _MARKS:
        good &= grid[:, place] == mark
    century, year, month, day, hour, minute, second, micro1, micro2, micro3 = pairs.astype(np.int32)
    year += century * 100
    micro = (micro1 * 100 + micro2) * 100 + micro3
    # julianday's ranges (SQLite's date.c getDigits): anything else is its to judge
    good &= (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31) & (hour <= 24)
    good &= (minute <= 59) & (second <= 59)
    # days since 1970-01-01 (julianday's proleptic Gregorian calendar) looked up by year, month
    # and day for the years _day_numbers covers; a time of another year is SQLite's to read
    good &= (year >= _FIRST_YEAR) & (year < _FIRST_YEAR + _YEARS)
    days = np.take(_day_numbers(), ((year - _FIRST_YEAR) * 13 + month) * 32 + day, mode="clip")
    for i in np.flatnonzero(~good & ~none).tolist():
        odd[i] = grid[i, :_TIME].tobytes()
    # julianday: the seconds with their fraction as one double (the fraction held at .999 by
    # SQLite 3.42 and later), then milliseconds rounded half up
    fraction = micro / 1e6
    if _holds_fraction():
        fraction = np.minimum(fraction, 0.999)
    since = (days.astype(np.int64) * 24 + hour) * 60 + minute  # minutes since 1970
    ms = since * 60_000 + np.floor((second + fraction) * 1000.0 + 0.5).astype(np.int64)
    present = good & ~none
    out = np.where(present, ms, _NULL)
    minutes = np.where(present, hour * 60 + minute, -2)
    if odd:
        places = sorted(odd)
        read = _odd_times([odd[i] for i in places])
        out[places] = [t for t, _ in read]
        minutes[places] = [m for _, m in read]
    return out, minutes


def _odd_times(texts: list[bytes]) -> list[tuple[int, int]]:
    """julianday's ms since 1970 (`_NULL`: not a time) and the text's minute of the day, as
    the former SELECT read them, for times _times does not read at fixed places. A row of up
    to 400 at a time, each text a numbered parameter used twice (the answer keeps their order)."""
    out: list[tuple[int, int]] = []
    for start in range(0, len(texts), 400):
        chunk = [t.decode("utf-8", "surrogateescape") for t in texts[start : start + 400]]
        columns = ", ".join(
            f"CAST(ROUND(julianday(?{i}) * 86400000.0) AS INTEGER) - {_UNIX_JD_MS}, "
            f"CAST(substr(?{i}, 12, 2) AS INTEGER) * 60 + CAST(substr(?{i}, 15, 2) AS INTEGER)"
            for i in range(1, len(chunk) + 1)
        )
        row = db.execute_sql(f"SELECT {columns}", chunk).fetchone()
        out.extend((_NULL if row[2 * i] is None else row[2 * i], row[2 * i + 1]) for i in range(len(chunk)))
    return out


@cache
def _holds_fraction() -> bool:
    """Whether this process's SQLite holds a time's fraction of a second at .999 (3.42 and
    later) instead of rounding '…:00.9996' up to the next second (earlier versions)."""
    conn = sqlite3.connect(":memory:")
    try:
        (ms,) = conn.execute(_CLAMP_SQL).fetchone()
    finally:
        conn.close()
    return bool(ms == 999)


@dataclass(frozen=True)
class _Part:
    """One row of a breakdown before its figures: counts, and its waiting and service times
    sorted with their sums (numpy arrays: `Durations.from_sorted_ms` reads what it needs)."""

    tickets: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    waits: NDArray[np.int64] | list[int] = field(default_factory=list)
    waits_total: int = 0
    services: NDArray[np.int64] | list[int] = field(default_factory=list)
    services_total: int = 0
    within: int = 0
    measured: int = 0


def _parts(rows: _Rows, groups: NDArray[np.intp], n: int, within: NDArray[np.bool_]) -> list[_Part]:
    """A _Part per group 0…n-1 of the rows (`groups[i]`: row i's group; `within`: the rows
    served within target). Each kind of duration is sorted once (`_Rows.by_wait`, `by_service`),
    then split by group with a stable sort on the group alone, so every group's times stay
    sorted."""
    import numpy as np

    width = len(rows.statuses)
    tickets = np.bincount(groups, minlength=n).tolist()
    by_status = np.bincount(groups * width + rows.status, minlength=n * width).reshape(n, width).tolist()

    def split(
        sorted_rows: tuple[NDArray[np.intp], NDArray[np.int64]],
    ) -> tuple[list[NDArray[np.int64]], list[int]]:
        order, values = sorted_rows
        if n == 1:  # the totals: already in order
            return [values], [int(values.sum())]
        where = groups[order]
        by_group = np.argsort(where.astype(np.uint16) if n < 65536 else where, kind="stable")
        sizes = np.bincount(where, minlength=n)
        ordered = values[by_group]
        starts = np.cumsum(sizes) - sizes
        sums = np.zeros(n, dtype=np.int64)
        filled = sizes > 0  # reduceat over the non-empty groups' starts: each sums its own run
        if len(ordered):
            sums[filled] = np.add.reduceat(ordered, starts[filled])
        return np.split(ordered, starts[1:]), sums.tolist()

    waits, wait_sums = split(rows.by_wait)
    services, service_sums = split(rows.by_service)
    measured_n = np.bincount(groups[rows.measured], minlength=n).tolist()
    within_n = np.bincount(groups[within], minlength=n).tolist()
    return [
        _Part(
            tickets=tickets[g],
            counts={rows.statuses[s]: c for s, c in enumerate(by_status[g]) if c},
            waits=waits[g],
            waits_total=wait_sums[g],
            services=services[g],
            services_total=service_sums[g],
            within=within_n[g],
            measured=measured_n[g],
        )
        for g in range(n)
    ]


def _group(
    key: str, part: _Part, *, wait_stats: bool = True, service_stats: bool = True, **labels: Any
) -> Group:
    return Group(
        key=key,
        tickets=part.tickets,
        counts=part.counts,
        wait=Durations.from_sorted_ms(part.waits, part.waits_total, order_stats=wait_stats),
        service=Durations.from_sorted_ms(part.services, part.services_total, order_stats=service_stats),
        within_target=part.within,
        target_measured=part.measured,
        **labels,
    )


def _days(day_from: date, day_to: date) -> list[date]:
    return [day_from + timedelta(days=i) for i in range((day_to - day_from).days + 1)]


def _numbers(ids: list[int]) -> dict[int, tuple[str, int, str]]:
    """Letter, number and registration time of the tickets with these rowids."""
    found: dict[int, tuple[str, int, str]] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ", ".join("?" for _ in chunk)
        sql = f'SELECT "rowid", "letter", "seq", "registered_at" FROM "ticket" WHERE "rowid" IN ({marks})'
        for rowid, letter, seq, registered in db.execute_sql(sql, chunk):
            found[rowid] = (letter, seq, registered)
    return found


def _longest_waits(rows: _Rows, services: dict[str, Service]) -> list[LongWait]:
    """The TOP_WAITS longest waits, as the former one pass kept them: a heap over the tickets
    in ticket_day_registered order (day, registered_at, seq, rowid), a wait replacing the
    smallest kept only when longer. Which of several equal waits stay depends on that order,
    and only on the tickets whose wait reaches the final smallest one: those are read back."""
    import numpy as np

    candidates = np.flatnonzero(rows.wait != _NULL)
    if len(candidates) > TOP_WAITS:
        waits = rows.wait[candidates]
        smallest = np.partition(waits, len(waits) - TOP_WAITS)[len(waits) - TOP_WAITS]
        candidates = candidates[waits >= smallest]
    ids = rows.rowid[candidates].tolist()
    found = _numbers(ids)
    entries = [
        (rows.days[rows.day[i]], found[r][2], found[r][1], r, i)
        for i, r in zip(candidates.tolist(), ids, strict=True)
        if r in found  # a ticket erased meanwhile is left out
    ]
    entries.sort()
    top: list[tuple[int, int, int]] = []  # min-heap (wait, tie, row)
    for tie, (*_, i) in enumerate(entries):
        wait = int(rows.wait[i])
        if len(top) < TOP_WAITS:
            heapq.heappush(top, (wait, tie, i))
        elif wait > top[0][0]:
            heapq.heapreplace(top, (wait, tie, i))
    out = []
    for wait, _, i in top:
        letter, seq, _registered = found[int(rows.rowid[i])]
        service = rows.services[rows.service[i]]
        day = rows.days[rows.day[i]]
        out.append(
            (
                (-wait, day, letter, seq),
                LongWait(
                    day=date.fromisoformat(day),
                    code=ticket_code(letter, seq),
                    service=service,
                    service_name=services[service].name_id,
                    service_name_en=services[service].name_en,
                    status=rows.statuses[rows.status[i]],
                    wait_s=wait / 1000,
                ),
            )
        )
    return [w for _, w in sorted(out, key=lambda x: x[0])]


def daily_figures(
    ctx: Context,
    day_from: date,
    day_to: date | None = None,
    *,
    counter: str | None = None,
) -> DailyFigures:
    """Every figure of the daily summary for a day (or a range of days) and a scope."""
    import numpy as np

    ctx.actor.require(Permission.REPORT)
    day_from, day_to = check_period(day_from, day_to)
    tz = ctx.tz
    zone = ZoneInfo(tz)
    now = ctx.clock.now()
    today = local_day(now, tz)

    services = {s.code: s for s in Service.select()}
    agencies = {a.code: a.name for a in Agency.select()}
    counter_name: str | None = None
    scope_services: set[str] | None = None
    if counter is not None:
        counter = counter.strip().upper()
        row = Counter.get_or_none(Counter.code == counter)
        if row is None:
            raise NotFound("counter.unknown", code=counter)
        counter_name = row.name
        scope_services = {
            fk_id(link, CounterService.service)
            for link in CounterService.select().where(CounterService.counter == counter)
        }

    rows = _read(day_from, day_to)
    if counter is not None and scope_services is not None:  # its tickets, and the unclaimed of its services
        unclaimed = rows.counter == rows.code(rows.counters, "")
        ours = np.isin(rows.service, [i for i, s in enumerate(rows.services) if s in scope_services])
        rows = rows.take((rows.counter == rows.code(rows.counters, counter)) | (unclaimed & ours))
    targets = np.array(
        [services[s].target_minutes * 60_000 if s in services else 0 for s in rows.services] or [0],
        dtype=np.int64,
    )
    within = rows.measured & (rows.call_to_finish <= targets[rows.service])  # call → finish ≤ target

    def present(labels: list[str], codes: NDArray[np.intp]) -> list[str]:
        seen = np.bincount(codes, minlength=len(labels))
        return [label for label, n in zip(labels, seen.tolist(), strict=True) if n]

    def parts(labels: list[str], codes: NDArray[np.intp]) -> dict[str, _Part]:
        return dict(zip(labels, _parts(rows, codes, max(len(labels), 1), within), strict=False))

    # by service: every service in scope (zeros included), then any other that has tickets.
    per_service = parts(rows.services, rows.service)
    shown = {
        code
        for code, s in services.items()
        if s.active and (scope_services is None or code in scope_services)
    } | set(present(rows.services, rows.service))
    ordered = sorted(shown, key=lambda c: (services[c].letter if c in services else "", c))
    service_acc = {code: per_service.get(code) or _Part() for code in ordered}

    def label(code: str) -> dict[str, Any]:
        s = services[code]
        return {
            "name": s.name_id,
            "name_en": s.name_en,
            "info": {
                "agency": fk_id(s, Service.agency),
                "letter": s.letter,
                "target_minutes": s.target_minutes,
            },
        }

    by_service = [_group(code, service_acc[code], **label(code)) for code in ordered]

    agency_order = list(dict.fromkeys(fk_id(services[c], Service.agency) for c in ordered))
    # a service with no ticket in scope may have an agency not shown: its rows are gone anyway
    agency_index = {a: i for i, a in enumerate(agency_order)}
    agency_of = np.array(
        [
            agency_index.get(fk_id(services[s], Service.agency), 0) if s in services else 0
            for s in rows.services
        ]
        or [0],
        dtype=np.intp,
    )
    per_agency = _parts(rows, agency_of[rows.service], max(len(agency_order), 1), within)
    by_agency = [
        _group(a, per_agency[i], service_stats=False, name=agencies.get(a, a))
        for i, a in enumerate(agency_order)
    ]
    totals = _group("", _parts(rows, np.zeros(len(rows.day), dtype=np.intp), 1, within)[0])

    per_priority = parts(rows.priorities, rows.priority)
    by_priority = [
        _group(p, per_priority[p], service_stats=False)
        for p in sorted(present(rows.priorities, rows.priority), key=lambda p: (p != "", p))
    ]
    per_counter = parts(rows.counters, rows.counter)
    counter_names = {c.code: c.name for c in Counter.select()}
    by_counter = [
        _group(
            c,
            per_counter[c],
            wait_stats=False,
            service_stats=False,
            name=counter_names.get(c, c),
        )
        for c in sorted((k for k in present(rows.counters, rows.counter) if k), key=natural_key)
    ]
    per_officer = parts(rows.officers, rows.officer)
    officer_keys = sorted((k for k in present(rows.officers, rows.officer) if k), key=natural_key)
    full_names = (
        {
            s.username: s.full_name
            for s in Staff.select(Staff.username, Staff.full_name).where(Staff.username.in_(officer_keys))
        }
        if officer_keys
        else {}
    )
    by_officer = [
        _group(o, per_officer[o], wait_stats=False, name=full_names.get(o) or "") for o in officer_keys
    ]
    per_day = parts(rows.days, rows.day)
    by_day = [
        _group(d.isoformat(), per_day.get(d.isoformat()) or _Part(), service_stats=False)
        for d in _days(day_from, day_to)
    ]

    # arrivals per local hour: the day's offset (exact for zones without DST, as in Indonesia;
    # elsewhere exact except within the hour of a change)
    offsets: dict[str, int] = {}
    for d in _days(day_from, day_to):
        noon = datetime.combine(d, time(12), zone)
        offsets[d.isoformat()] = int(noon.utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
    arrived = rows.minute >= 0  # not issued by a transfer
    day_offset = np.array([offsets.get(d, 0) for d in rows.days] or [0], dtype=np.int64)
    local_hour = (rows.minute[arrived] + day_offset[rows.day[arrived]]) // 60 % 24
    hours = [int(n) for n in np.bincount(local_hour, minlength=24)]

    longest = _longest_waits(rows, services)

    notes = _gap_notes(day_from, day_to)
    # tickets still open on a day that is over: their codes, in scope like every figure
    open_statuses = [i for i, st in enumerate(rows.statuses) if st in OPEN]
    past_days = [i for i, d in enumerate(rows.days) if d < today.isoformat()]
    still_open = np.flatnonzero(np.isin(rows.status, open_statuses) & np.isin(rows.day, past_days))
    numbers = _numbers(rows.rowid[still_open].tolist())
    open_codes: dict[str, list[str]] = {}
    for i, r in zip(still_open.tolist(), rows.rowid[still_open].tolist(), strict=True):
        if r in numbers:  # a ticket erased meanwhile is left out
            letter, seq, _registered = numbers[r]
            open_codes.setdefault(rows.days[rows.day[i]], []).append(ticket_code(letter, seq))
    for day in sorted(open_codes):
        codes = sorted(open_codes[day])
        notes.append(Note("open_at_close", {"day": day, "count": len(codes), "codes": codes}))
    done = rows.done
    no_service_time = rows.service_ms == _NULL
    backwards = int(np.count_nonzero((rows.wait != _NULL) & (rows.wait < 0))) + int(
        np.count_nonzero(done & ~no_service_time & (rows.service_ms < 0))
    )
    missing_times = int(np.count_nonzero(done & (no_service_time | (rows.call_to_finish == _NULL))))
    if backwards:
        notes.append(Note("time_order", {"count": backwards}))
    if missing_times:
        notes.append(Note("missing_times", {"count": missing_times}))

    via_transfer = int(np.count_nonzero(rows.minute == -1))
    # the survey's population: visitors served in scope, as skm_report counts them (a counter's
    # scope: the tickets served at that counter, not the unclaimed ones of its services)
    served_here = (
        rows.done if counter is None else rows.done & (rows.counter == rows.code(rows.counters, counter))
    )
    served = int(np.count_nonzero(served_here))
    survey_block, complaints_block = _survey_and_complaints(ctx, day_from, day_to, counter, served)
    return DailyFigures(
        day_from=day_from,
        day_to=day_to,
        counter=counter,
        counter_name=counter_name,
        site_code=ctx.setting("site_code"),
        site_name=ctx.setting("site_name"),
        timezone=tz,
        generated_at=now,
        totals=totals,
        visitors=totals.tickets - via_transfer,
        transferred_in=via_transfer,
        by_service=by_service,
        by_agency=by_agency,
        by_priority=by_priority,
        by_counter=by_counter,
        by_officer=by_officer,
        by_day=by_day,
        arrivals_by_hour=hours,
        longest_waits=longest,
        notes=notes,
        survey=survey_block,
        complaints=complaints_block,
        audit_head=audit_head(day_to, tz),
    )


def audit_head(day: date, tz: str) -> dict[str, Any] | None:
    """The last audit entry written before the end of local `day` (the whole chain: the seal
    vouches for the file, whatever the report's scope)."""
    from counter_app.core.clock import day_bounds_utc
    from counter_app.services.journal import chain_head

    end = day_bounds_utc(day, tz)[1].isoformat(timespec="microseconds") + "+00:00"
    head = chain_head(before=end)
    return None if head is None else {"seq": head[0], "hash": head[1]}


def _survey_and_complaints(
    ctx: Context, day_from: date, day_to: date, counter: str | None, served: int
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The survey block (IKM of the period's respondents, in the report's scope; `served`: its
    population, counted from the rows already read) and the complaints block (received in the
    period, whole store; overdue judged by the clock)."""
    from counter_app.services import complaints, skm_report

    block = skm_report.day_section(ctx, day_from, day_to, counter, served=served)
    counted = complaints.counts(ctx, day_from, day_to).to_json()
    return block, counted


def _gap_notes(day_from: date, day_to: date) -> list[Note]:
    """Missing numbers per day and letter: 1…last must all be there (last = the larger of the
    highest number found and the day's QueueSequence, which also catches a missing tail).
    Every ticket counts here, whatever the scope: letters are shared between counters."""
    period = (day_from.isoformat(), day_to.isoformat())
    found = {(day, letter): (n, top) for day, letter, n, top in db.execute_sql(_SEQ_SQL, period)}
    last = {(day, letter): n for day, letter, n in db.execute_sql(_LAST_SQL, period)}
    notes = []
    for key in sorted(set(found) | set(last)):
        n, highest = found.get(key, (0, 0))
        top = max(highest, last.get(key, 0))
        if n == top:  # n distinct numbers (the index is unique), none above n: 1…n all there
            continue
        numbers = db.execute_sql('SELECT "seq" FROM "ticket" WHERE "day" = ? AND "letter" = ?', key)
        present = {seq for (seq,) in numbers}
        missing = [k for k in range(1, top + 1) if k not in present]
        if missing:
            day, letter = key
            notes.append(
                Note("gap", {"day": day, "letter": letter, "count": len(missing), "missing": missing})
            )
    return notes


# ---- output -------------------------------------------------------------------------------


def report_pdf(figures: DailyFigures, lang: str = "id") -> bytes:
    from counter_app.documents.daily_report_pdf import render

    return render(figures.to_json(), lang)


def report_xlsx(figures: DailyFigures, lang: str = "id") -> bytes:
    from counter_app.documents.exports import xlsx_bytes

    return xlsx_bytes(figures.to_json(), lang)


def report_csv(figures: DailyFigures) -> bytes:
    from counter_app.documents.exports import csv_bytes

    return csv_bytes(figures.to_json())


def file_stem(figures: DailyFigures) -> str:
    """`rekap-harian-20261130` (or `…-20261101-20261130`, `…-L01`): a name for saved files."""
    stem = f"rekap-harian-{figures.day_from:%Y%m%d}"
    if figures.day_to != figures.day_from:
        stem += f"-{figures.day_to:%Y%m%d}"
    if figures.counter:
        stem += f"-{figures.counter}"
    return stem

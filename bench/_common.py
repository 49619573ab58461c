"""Shared helpers for the Loket benchmarks (bench/*.py).

The benchmark machine is shared and noisy, so every benchmark interleaves the measured operation
with a bare sqlite3 baseline in the same run and reports the RATIO; absolute medians/p99 are
printed for information only.
"""

from __future__ import annotations

import logging
import math
import random
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Same pragmas as counter_app.store.connection.open_database (kept in step by hand: that
# function builds the dict inline). BUSY_TIMEOUT_MS is imported so a change there shows up.
from counter_app.store.connection import BUSY_TIMEOUT_MS, DB_NAME  # noqa: E402

APP_PRAGMAS: tuple[tuple[str, Any], ...] = (
    ("journal_mode", "wal"),
    ("synchronous", 2),  # FULL
    ("foreign_keys", 1),
    ("busy_timeout", BUSY_TIMEOUT_MS),
    ("cache_size", -16000),
)

WIB_TZ = "Asia/Pontianak"  # the app's default timezone setting (UTC+7, no DST)
WIB_OFFSET_H = 7


# ---- timing ---------------------------------------------------------------------------------


@dataclass
class Stats:
    name: str
    samples_ms: list[float]

    @property
    def n(self) -> int:
        return len(self.samples_ms)

    @property
    def median(self) -> float:
        return percentile(self.samples_ms, 50)

    @property
    def p99(self) -> float:
        return percentile(self.samples_ms, 99)

    @property
    def mean(self) -> float:
        return sum(self.samples_ms) / len(self.samples_ms)


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p50 of an even count = the upper middle value's neighbour)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if pct == 50:
        mid = len(ordered) // 2
        return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(elapsed ms, result) of one call."""
    t0 = time.perf_counter_ns()
    out = fn()
    return (time.perf_counter_ns() - t0) / 1e6, out


def ratio(a: float, b: float) -> float:
    return a / b if b else float("inf")


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    def cell(v: Any) -> str:
        if isinstance(v, float):
            if math.isinf(v) or math.isnan(v):
                return str(v)
            return f"{v:.3f}" if abs(v) < 100 else f"{v:.1f}"
        return str(v)

    text = [[cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in text)) if text else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths))
    print(line)
    print("  ".join("-" * w for w in widths))
    for r in text:
        print("  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(r, widths))))


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


# ---- bare sqlite3 ---------------------------------------------------------------------------


def bare_connect(path: Path | str, *, synchronous: int = 2, cache_kib: int = 16000) -> sqlite3.Connection:
    """A plain sqlite3 connection with the app's pragmas; autocommit (we issue BEGIN ourselves)."""
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
    for key, value in APP_PRAGMAS:
        if key == "synchronous":
            value = synchronous
        if key == "cache_size":
            value = -cache_kib
        conn.execute(f"PRAGMA {key} = {value}")
    return conn


def ticket_columns(conn: sqlite3.Connection) -> list[str]:
    return [row[1] for row in conn.execute("PRAGMA table_info(ticket)")]


def insert_sql(table: str, columns: Sequence[str]) -> str:
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    return f'INSERT INTO "{table}" ({cols}) VALUES ({marks})'


# ---- SQL capture and EXPLAIN QUERY PLAN ----------------------------------------------------


class _Collector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[tuple[str, tuple[Any, ...]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        msg = record.msg
        if isinstance(msg, tuple) and len(msg) == 2 and isinstance(msg[0], str):
            self.statements.append((msg[0], tuple(msg[1] or ())))


@contextmanager
def capture_sql() -> Iterator[list[tuple[str, tuple[Any, ...]]]]:
    """Every (sql, params) peewee executes inside the block (peewee logs them at DEBUG)."""
    logger = logging.getLogger("peewee")
    handler = _Collector()
    old_level, old_prop = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        yield handler.statements
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        logger.propagate = old_prop


def explain(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[str]:
    """EXPLAIN QUERY PLAN as indented lines."""
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql, tuple(_adapt(p) for p in params)).fetchall()
    depth: dict[int, int] = {0: -1}
    out = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        out.append("  " * depth[node] + detail)
    return out


def _adapt(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return str(value)
    return value


BIG_TABLES = ("ticket", "ticket_event", "outbox", "audit_log", "receipt")
VISIT_ROWS_OK = 1000  # index visits beyond this many rows per call are reported
SORT_ROWS_OK = 200  # a temp B-tree over fewer rows than this costs well under a millisecond
_EQ = re.compile(r"""(?:"\w+"\.)?"(\w+)"\s*=\s*(\?|'[^']*'|-?\d+)""")
_COND = re.compile(r"(\w+)(=|>|<|>=|<=)\?")


def _depth0_index(sql: str, word: str) -> int:
    """Position of the last `word` outside parentheses (-1 if none)."""
    depth, found = 0, -1
    upper = sql.upper()
    for i, ch in enumerate(sql):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif depth == 0 and upper.startswith(word, i):
            found = i
    return found


def _eq_terms(sql: str, params: Sequence[Any]) -> list[tuple[str, Any]]:
    """(column, value) of every `"col" = ?|literal` in the SQL, values bound from params."""
    out = []
    for m in _EQ.finditer(sql):
        token = m.group(2)
        if token == "?":
            idx = sql.count("?", 0, m.start(2))
            if idx >= len(params):
                continue
            out.append((m.group(1), _adapt(params[idx])))
        elif token.startswith("'"):
            out.append((m.group(1), token[1:-1]))
        else:
            out.append((m.group(1), int(token)))
    return out


def analyse(
    conn: sqlite3.Connection, sql: str, params: Sequence[Any], plan: Sequence[str]
) -> tuple[list[str], list[str]]:
    """(problems, notes) for one statement: full scans, index searches that visit many more rows
    than the WHERE keeps, and sorts of many rows; with the index that would serve it."""
    wrapped = re.match(r'\s*SELECT COUNT\(1\) FROM \((SELECT .*)\) AS "_wrapped"(.*)$', sql, re.S)
    if wrapped:  # peewee's .count(): analyse the inner query (outer LIMIT params dropped)
        inner = wrapped.group(1)
        return analyse(conn, inner, tuple(params)[: inner.count("?")], plan)
    problems: list[str] = []
    notes: list[str] = []
    for t in BIG_TABLES:
        if t not in _COLUMNS:
            _COLUMNS[t] = {r[1] for r in conn.execute(f'PRAGMA table_info("{t}")')}
    params = tuple(_adapt(p) for p in params)
    is_select = sql.lstrip().upper().startswith("SELECT")
    order_at = _depth0_index(sql, " ORDER BY ")
    head, tail = (sql[:order_at], sql[order_at:]) if order_at >= 0 else (sql, "")
    head_params = params[: len(params) - tail.count("?")]
    order_cols = [c for c in re.findall(r'(?:"\w+"\.)?"(\w+)"', tail)]
    where_at = _depth0_index(head, " WHERE ")
    where = head[where_at:] if where_at >= 0 else ""
    eq_cols = list(
        dict.fromkeys(
            c for c, _ in _eq_terms(where, head_params[head[:where_at].count("?") :] if where_at >= 0 else ())
        )
    )
    matched = None
    if is_select:
        try:
            matched = conn.execute(f"SELECT count(*) FROM ({head})", head_params).fetchone()[0]
        except sqlite3.Error:
            matched = None
    has_sort = any("TEMP B-TREE" in line for line in plan)
    for line in plan:
        s = line.strip()
        if s.startswith("SCAN "):
            table = s.split()[1]
            real = _table_of(conn, sql, table)
            if real not in BIG_TABLES:
                continue
            if "LIMIT" in tail.upper() and not where and not has_sort:
                notes.append(f"{s}: walks {real} in key order and stops after the LIMIT (no problem)")
            else:
                problems.append(
                    f"full scan of {real} ({s}); WHERE keeps {matched} rows"
                    + _suggest(real, eq_cols, order_cols)
                )
        elif s.startswith("SEARCH ") and " INDEX " in s:
            table = _table_of(conn, sql, s.split()[1])
            if table not in BIG_TABLES or not is_select:
                continue
            index = s.split(" INDEX ")[1].split()[0]
            conds = _COND.findall(s[s.find("(") :]) if "(" in s else []
            values = dict(
                _eq_terms(where, head_params[head[:where_at].count("?") :] if where_at >= 0 else ())
            )
            usable = [(c, values[c]) for c, op in conds if op == "=" and c in values]
            if usable and len(usable) == len(conds):
                q = f'SELECT count(*) FROM "{table}" WHERE ' + " AND ".join(f'"{c}" = ?' for c, _ in usable)
                visited = conn.execute(q, [v for _, v in usable]).fetchone()[0]
                kept = matched if matched is not None else visited
                notes.append(
                    f"index {index} ({' AND '.join(c + '=?' for c, _ in usable)}) visits "
                    f"{visited} rows, WHERE keeps {kept}"
                )
                missing = [c for c in eq_cols if c not in dict(usable)]
                if visited > max(4 * kept, 100) and visited <= VISIT_ROWS_OK and "COVERING" not in s:
                    notes.append(
                        f"minor: {missing} filtered row by row over {visited} rows"
                        + _suggest(table, eq_cols, order_cols).replace("missing", "better")
                    )
                elif visited > max(4 * kept, VISIT_ROWS_OK) and "COVERING" not in s:
                    problems.append(
                        f"{index} narrows {table} to {visited} rows only; {missing} filtered "
                        f"row by row to keep {kept}" + _suggest(table, eq_cols, order_cols)
                    )
        if "TEMP B-TREE" in s and matched is not None:
            table = _main_table(sql)
            if matched > SORT_ROWS_OK:
                problems.append(
                    f"sorts {matched} rows in a temp B-tree ({s})" + _suggest(table, eq_cols, order_cols)
                )
            else:
                notes.append(f"temp B-tree sort of {matched} row(s): negligible")
    return problems, notes


_COLUMNS: dict[str, set[str]] = {}


def _main_table(sql: str) -> str:
    m = re.search(r'\bFROM\s+"(\w+)"', sql)
    return m.group(1) if m else "?"


def _table_of(conn: sqlite3.Connection, sql: str, name: str) -> str:
    m = re.search(r'"(\w+)"\s+AS\s+"' + re.escape(name) + '"', sql)
    return m.group(1) if m else name


def _suggest(table: str, eq_cols: Sequence[str], order_cols: Sequence[str]) -> str:
    known = _COLUMNS.get(table)
    cols = [c for c in dict.fromkeys([*eq_cols, *order_cols]) if known is None or c in known]
    return f" -> missing index: {table}({', '.join(cols)})" if cols else ""


def short_sql(sql: str, limit: int = 160) -> str:
    sql = " ".join(sql.split())
    # peewee lists every column: abbreviate the select list for reading.
    if sql.startswith("SELECT ") and " FROM " in sql:
        head, _, rest = sql.partition(" FROM ")
        cols = head[len("SELECT ") :]
        if cols.count(",") > 4:
            sql = f"SELECT <{cols.count(',') + 1} cols> FROM {rest}"
    return sql if len(sql) <= limit else sql[: limit - 3] + "..."


def print_plans(
    conn: sqlite3.Connection, label: str, statements: Sequence[tuple[str, tuple[Any, ...]]]
) -> list[str]:
    """Print the plan of every statement; return the problems found (for the summary)."""
    print(f"\n[{label}] {len(statements)} statement(s)")
    found: list[str] = []
    for sql, params in statements:
        verb = sql.lstrip().split()[0].upper()
        if verb in ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE", "PRAGMA"):
            continue
        print(f"  SQL  {short_sql(sql, 400)}")
        try:
            plan = explain(conn, sql, params)
        except sqlite3.Error as exc:  # e.g. a statement EXPLAIN cannot take
            print(f"    (no plan: {exc})")
            continue
        for line in plan:
            print(f"    -> {line}")
        problems, notes = analyse(conn, sql, params, plan)
        for n in notes:
            print(f"    .. {n}")
        for p in problems:
            found.append(f"{label}: {p}\n     in: {short_sql(sql, 200)}")
            print(f"    !! {p}")
    return found


# ---- synthetic tickets (shared by bench_lookup's store builder and bench_demo's baseline) ---

# Same shares as counter_app.services.demo.DEMAND (kept local so a demo tweak doesn't silently
# change the stored data set; the letters and counters come from the real catalogue).
DEMAND = {
    "KTP": 12,
    "KK": 8,
    "AKTALAHIR": 5,
    "PINDAH": 3,
    "NIB": 6,
    "PBG": 2,
    "KONSULIZIN": 3,
    "INFO": 3,
    "PASPOR": 12,
    "PKB": 9,
    "STNK5": 2,
    "SKCK": 7,
    "BPJSKES": 5,
    "BPJSTK": 4,
    "BANK": 7,
    "NPWP": 3,
    "PBB": 3,
    "BPHTB": 1,
    "NIKAH": 2,
    "PDAMBARU": 1,
    "PDAMADUAN": 1,
}
FIRST = [
    "Siti",
    "Nur",
    "Dewi",
    "Rina",
    "Hendra",
    "Agus",
    "Budi",
    "Rudi",
    "Eko",
    "Andi",
    "Fajar",
    "Rizky",
    "Muhammad",
    "Ahmad",
    "Lim",
    "Tan",
    "Dayang",
    "Uray",
    "Syarif",
    "Yohanes",
]
LAST = [
    "Aminah",
    "Rahayu",
    "Hidayat",
    "Saputra",
    "Pratama",
    "Wijaya",
    "Kurniawan",
    "Susanti",
    "Alkadrie",
    "Kusuma",
    "Setiawan",
    "Santoso",
    "Nugroho",
    "Gunawan",
    "Harahap",
    "Marpaung",
]
PRIORITIES = (("lansia", 0.05), ("disabilitas", 0.01), ("ibu_hamil", 0.02), ("anak", 0.005))
FINAL_MIX = (("done", 0.915), ("no_show", 0.04), ("cancelled", 0.015), ("transferred", 0.03))


@dataclass(frozen=True)
class CatalogueInfo:
    services: list[str]  # service codes offered
    weights: list[int]
    letter: dict[str, str]  # service -> letter
    counter: dict[str, str]  # service -> counter
    target: dict[str, int]  # service -> target minutes


def read_catalogue(conn: sqlite3.Connection) -> CatalogueInfo:
    svc_rows = conn.execute(
        "SELECT code, letter, target_minutes FROM service WHERE active = 1 ORDER BY letter, code"
    ).fetchall()
    links = dict(conn.execute("SELECT service_id, counter_id FROM counter_service").fetchall())
    services = [code for code, _, _ in svc_rows if code in links]
    return CatalogueInfo(
        services=services,
        weights=[DEMAND.get(s, 1) for s in services],
        letter={code: letter for code, letter, _ in svc_rows},
        counter=links,
        target={code: t for code, _, t in svc_rows},
    )


def uuid7_at(ms: int, rng: random.Random) -> str:
    """A uuid7 string for the given unix milliseconds (time-ordered like the app's ids)."""
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= rng.getrandbits(12) << 64
    value |= 0b10 << 62
    value |= rng.getrandbits(62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


_EPOCH = datetime(1970, 1, 1)


def _ts(day_prefix: str, secs_utc: float) -> str:
    """Peewee's DateTimeField text for a time of day (seconds after 00:00 UTC of that date)."""
    whole = int(secs_utc)
    us = int((secs_utc - whole) * 1e6)
    h, rem = divmod(whole, 3600)
    m, s = divmod(rem, 60)
    return f"{day_prefix} {h:02d}:{m:02d}:{s:02d}.{us:06d}"


def day_rows(
    day: date,
    n: int,
    cat: CatalogueInfo,
    columns: Sequence[str],
    rng: random.Random,
    *,
    site: str,
    device: str,
    live_waiting: int | None = None,
) -> tuple[list[tuple[Any, ...]], dict[str, int]]:
    """`n` ticket rows of one day in `columns` order, plus the day's last number per letter.

    Past days (`live_waiting is None`): every ticket in a final status. A live day: the last
    `live_waiting` tickets are waiting, the ~20 before them called/serving, earlier ones final.
    Arrivals 08:00-15:00 WIB peaking mid-morning; codes numbered per letter in arrival order.
    """
    prefix = day.isoformat()
    day_ms = int((datetime.combine(day, datetime.min.time()) - _EPOCH).total_seconds() * 1000)
    # arrivals, seconds after local midnight -> UTC seconds of the same date (08:00 WIB = 01:00)
    arrivals = []
    while len(arrivals) < n:
        h = rng.gauss(9.9, 1.2) if rng.random() < 0.75 else rng.gauss(13.6, 0.8)
        if 8.0 <= h < 15.0:
            arrivals.append(h * 3600 - WIB_OFFSET_H * 3600)
    arrivals.sort()
    picks = rng.choices(cat.services, cat.weights, k=n)
    last: dict[str, int] = {}
    col_index = {c: i for i, c in enumerate(columns)}
    rows = []
    live_from = n - live_waiting if live_waiting is not None else n
    busy_from = max(0, live_from - 20) if live_waiting is not None else n
    for i, (t, svc) in enumerate(zip(arrivals, picks)):
        letter = cat.letter[svc]
        seq = last.get(letter, 0) + 1
        last[letter] = seq
        code = f"{letter}{seq:03d}"
        counter = cat.counter[svc]
        r = rng.random()
        prio = ""
        for p, share in PRIORITIES:
            if r < share:
                prio = p
                break
            r -= share
        has_nik = rng.random() < 0.6
        rec: dict[str, Any] = {
            "id": uuid7_at(day_ms + int(t * 1000), rng),
            "day": prefix,
            "seq": seq,
            "letter": letter,
            "code": code,
            "receipt_no": f"{site}-{device}-{day:%Y%m%d}-{code}",
            "service_id": svc,
            "device": device,
            "counter": None,
            "priority": prio,
            "status": "waiting",
            "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            "nik_hash": f"{rng.getrandbits(256):064x}" if has_nik else None,
            "nik_masked": f"6171{rng.randrange(10**2):02d}**********{rng.randrange(10**4):04d}"[:16]
            if has_nik
            else None,
            "phone": f"+62812{rng.randrange(10**7, 10**8)}" if rng.random() < 0.5 else None,
            "notes": "",
            "arrived_at": _ts(prefix, t),
            "queued_at": _ts(prefix, t),
            "registered_at": _ts(prefix, t),
            "first_called_at": None,
            "called_at": None,
            "started_at": None,
            "finished_at": None,
            "call_count": 0,
            "served_by": None,
            "outcome": "",
            "transferred_from": None,
            "transferred_to": None,
        }
        if i < live_from:
            wait = rng.uniform(60, 2400)
            called = t + wait
            served_by = f"petugas.{counter.lower()}.1"
            rec.update(
                counter=counter,
                first_called_at=_ts(prefix, called),
                called_at=_ts(prefix, called),
                call_count=1,
                served_by=served_by,
            )
            if i >= busy_from:
                rec["status"] = "called" if rng.random() < 0.3 else "serving"
                if rec["status"] == "serving":
                    rec["started_at"] = _ts(prefix, called + 60)
            else:
                r = rng.random()
                status = "done"
                for s, share in FINAL_MIX:
                    if r < share:
                        status = s
                        break
                    r -= share
                rec["status"] = status
                start = called + rng.uniform(20, 90)
                dur = max(60.0, rng.lognormvariate(math.log(cat.target.get(svc, 10) * 54), 0.45))
                if status == "done":
                    rec.update(
                        started_at=_ts(prefix, start),
                        finished_at=_ts(prefix, start + dur),
                        outcome="Berkas lengkap, selesai",
                    )
                elif status == "no_show":
                    rec.update(call_count=3, finished_at=_ts(prefix, called + 180))
                elif status == "cancelled":
                    rec.update(
                        counter=None,
                        first_called_at=None,
                        called_at=None,
                        call_count=0,
                        served_by=None,
                        finished_at=_ts(prefix, t + 1800),
                        outcome="Pengunjung meninggalkan antrian",
                    )
                else:  # transferred: the linked new ticket is not generated (not needed here)
                    rec.update(
                        started_at=_ts(prefix, start),
                        finished_at=_ts(prefix, start + dur / 2),
                        transferred_to=uuid7_at(day_ms + int((start + dur / 2) * 1000), rng),
                    )
        row = [None] * len(columns)
        for k, v in rec.items():
            row[col_index[k]] = v
        rows.append(tuple(row))
    return rows, last


def day_midnight_utc_naive(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()) - timedelta(hours=WIB_OFFSET_H)


# ---- figures, targets and the verdict (every bench/*.py ends with Report.finish) ------------


class Report:
    """The figures of one benchmark: printed as a table, written as JSON when the environment
    names a file (LOKET_BENCH_JSON, set by run_all.py --json) or `--json` was given, and the
    exit code: 1 when any target is missed, so `make bench` fails on a FAIL."""

    def __init__(self, bench: str, **context: Any) -> None:
        self.bench = bench
        self.context = dict(context)
        self.figures: list[dict[str, Any]] = []

    def add(
        self,
        figure: str,
        value: float | None,
        unit: str = "ms",
        *,
        target: str = "",
        ok: bool | None = None,
        baseline: float | None = None,
        ratio: float | None = None,
        **extra: Any,
    ) -> bool | None:
        """One figure. `ok` None = information only (no target); False fails the benchmark."""
        self.figures.append(
            {
                "figure": figure,
                "value": _round(value),
                "unit": unit,
                "target": target,
                "baseline": _round(baseline),
                "ratio": _round(ratio),
                "pass": ok,
                **{k: _round(v) if isinstance(v, float) else v for k, v in extra.items()},
            }
        )
        return ok

    def failed(self, figure: str, why: str) -> None:
        """A measurement that could not be made (a crash of the measured use case)."""
        self.figures.append(
            {
                "figure": figure,
                "value": None,
                "unit": "",
                "target": "runs",
                "baseline": None,
                "ratio": None,
                "pass": False,
                "error": why,
            }
        )

    @property
    def ok(self) -> bool:
        return all(f["pass"] is not False for f in self.figures)

    def finish(self, json_path: str | Path | None = None) -> int:
        import json
        import os

        print(f"\n=== {self.bench}: figures and targets ===")
        rows = []
        for f in self.figures:
            verdict_ = "info" if f["pass"] is None else verdict(bool(f["pass"]))
            value = "-" if f["value"] is None else f"{f['value']:g} {f['unit']}".strip()
            rows.append(
                [
                    f["figure"],
                    value,
                    "-" if f["ratio"] is None else f"{f['ratio']:.2f}x",
                    f["target"] or "-",
                    verdict_,
                ]
            )
        print_table(["figure", "value", "ratio", "target", "verdict"], rows)
        for f in self.figures:
            if f.get("error"):
                print(f"  !! {f['figure']}: {f['error']}")
        print(f"{self.bench}: {'PASS' if self.ok else 'FAIL (a target is missed)'}")
        path = json_path or os.environ.get("LOKET_BENCH_JSON")
        if path:
            doc = {"bench": self.bench, "pass": self.ok, "context": self.context, "figures": self.figures}
            Path(path).write_text(json.dumps(doc, indent=1, default=str), encoding="utf-8")
        return 0 if self.ok else 1


def _round(v: Any) -> Any:
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return None
        return round(v, 4 if abs(v) < 10 else 2)
    return v


def interleave(
    calls: dict[str, Callable[[], Callable[[], Any]]], rounds: int, warmup: int = 3
) -> dict[str, Stats]:
    """Time each named operation `rounds` times, A B A B with the order rotated every round so
    machine load hits all of them alike. Each value of `calls` makes a fresh zero-arg call."""
    names = list(calls)
    out: dict[str, list[float]] = {n: [] for n in names}
    for i in range(warmup + rounds):
        k = i % len(names)
        for name in names[k:] + names[:k]:
            ms, _ = timed(calls[name]())
            if i >= warmup:
                out[name].append(ms)
    return {n: Stats(n, v) for n, v in out.items()}


def no_quotas(folder: Path) -> None:
    """Lift the catalogue's daily quotas (KTP-el 60 a day …) in a bench store: the benchmarks
    fill days of thousands of visitors, which a quota would refuse after the first 60."""
    conn = sqlite3.connect(str(Path(folder) / DB_NAME), isolation_level=None)
    try:
        cols = {r[1] for r in conn.execute("PRAGMA table_info(service)")}
        if "daily_quota" in cols:
            conn.execute("UPDATE service SET daily_quota = NULL")
    finally:
        conn.close()


def bench_args(ap: Any) -> None:
    ap.add_argument("--json", default=None, help="write this benchmark's figures to this JSON file")


# ---- bulk-built stores (cached under /tmp; rows copied in SQL, not through the services) ----

BULK_FORMAT = 2
BULK_META = "bench-meta.json"
_TS_COLUMNS = (
    "arrived_at",
    "queued_at",
    "registered_at",
    "first_called_at",
    "called_at",
    "started_at",
    "finished_at",
)


def renumber_big_day(
    rows: list[tuple[Any, ...]], columns: Sequence[str], site: str, device: str, day: date
) -> dict[str, int]:
    """Past 9,999 tickets of a letter in a day the hub's range is full: a real day that big
    has the rest as offline numbers (10000 + 1000 × block + n, n ≤ 999, block = a counter's own),
    which is what core.numbering allows. Renumbers `rows` in place that way; returns the hub
    range's last number per letter (what queue_sequence holds)."""
    from counter_app.core.numbering import MAX_PER_DAY, OFFLINE_PER_BLOCK, offline_number, ticket_code

    ci = {c: i for i, c in enumerate(columns)}
    count: dict[str, int] = {}
    for k, row in enumerate(rows):
        r = list(row)
        letter = r[ci["letter"]]
        count[letter] = count.get(letter, 0) + 1
        j = count[letter]
        dev = device
        if j <= MAX_PER_DAY:
            number = j
        else:
            block, n = divmod(j - MAX_PER_DAY - 1, OFFLINE_PER_BLOCK)
            number, dev = offline_number(block, n + 1), f"X{block:02d}"
        code = ticket_code(letter, number)
        r[ci["seq"]], r[ci["code"]], r[ci["device"]] = number, code, dev
        r[ci["receipt_no"]] = f"{site}-{dev}-{day:%Y%m%d}-{code}"
        rows[k] = tuple(r)
    return {letter: min(n, MAX_PER_DAY) for letter, n in count.items()}


def bulk_store(
    store: Path,
    *,
    days: int,
    per_day: int,
    today_n: int,
    waiting: int,
    end_day: date,
    seed: int = 1,
    site: str = "PTK",
    device: str = "L01",
    rebuild: bool = False,
) -> dict:
    """A store of `days - 1` past days of `per_day` tickets and a live `today_n`-ticket today,
    built once and cached in `store` (bench-meta.json says what it holds). One past day is made
    in Python; every other past day is the same day copied in SQL with its date, ids, receipt
    numbers and times moved (a few seconds per million rows, not through the services)."""
    import json
    import shutil

    from counter_app.services.setup import initialise
    from counter_app.store.connection import close_db

    wanted = {
        "format": BULK_FORMAT,
        "days": days,
        "per_day": per_day,
        "today": today_n,
        "waiting": waiting,
        "end_day": end_day.isoformat(),
        "seed": seed,
    }
    try:
        meta = json.loads((store / BULK_META).read_text())
    except (OSError, ValueError):
        meta = None
    if meta and not rebuild and not meta.get("dirty") and all(meta.get(k) == v for k, v in wanted.items()):
        return meta
    if store.exists():
        if meta is None and any(store.iterdir()):
            raise SystemExit(f"{store} exists and is not a bench store (no {BULK_META})")
        shutil.rmtree(store)
    t0 = time.perf_counter()
    staging = store.with_name(store.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    first = end_day - timedelta(days=days - 1)
    from zoneinfo import ZoneInfo

    from counter_app.core.clock import FixedClock

    initialise(
        staging,
        site=site,
        counter=device,
        by="bench",
        clock=FixedClock(datetime.combine(first, datetime.min.time().replace(hour=7), ZoneInfo(WIB_TZ))),
    )
    close_db()
    no_quotas(staging)
    conn = sqlite3.connect(str(staging / DB_NAME), isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1000000")
    conn.execute("PRAGMA temp_store = MEMORY")
    cat = read_catalogue(conn)
    columns = ticket_columns(conn)
    rng = random.Random(seed)
    print(
        f"store: building {days - 1} past days x {per_day:,} + today {today_n:,} tickets into {staging}",
        flush=True,
    )
    if days > 1:
        tpl_day = first
        rows, last = day_rows(tpl_day, per_day, cat, columns, rng, site=site, device=device)
        if per_day > 9999:
            last = renumber_big_day(rows, columns, site, device, tpl_day)
        conn.execute("CREATE TEMP TABLE tpl AS SELECT * FROM ticket WHERE 0")
        conn.executemany(insert_sql("tpl", columns).replace('"tpl"', "temp.tpl"), rows)
        conn.execute("CREATE TEMP TABLE tpl_seq (letter TEXT, last INTEGER)")
        conn.executemany("INSERT INTO temp.tpl_seq VALUES (?, ?)", list(last.items()))
        tpl_text = tpl_day.isoformat()
        ymd = f"{tpl_day:%Y%m%d}"
        exprs = []
        for c in columns:
            if c == "id":
                # uuid7: first 48 bits = unix ms; shift them by whole days (time of day kept)
                exprs.append(
                    "substr(printf('%012x', d.ms0 + tpl.ms), 1, 8) || '-' || "
                    "substr(printf('%012x', d.ms0 + tpl.ms), 9, 4) || substr(tpl.id, 14)"
                )
            elif c == "day":
                exprs.append("d.day")
            elif c == "receipt_no":
                exprs.append(f"replace(tpl.receipt_no, '-{ymd}-', '-' || replace(d.day, '-', '') || '-')")
            elif c in _TS_COLUMNS:
                exprs.append(f'CASE WHEN tpl."{c}" IS NULL THEN NULL ELSE d.day || substr(tpl."{c}", 11) END')
            else:
                exprs.append(f'tpl."{c}"')
        # the template's uuid ms part, as an integer, once
        conn.execute("ALTER TABLE temp.tpl ADD COLUMN ms INTEGER")
        ids = conn.execute("SELECT rowid, id FROM temp.tpl").fetchall()
        day0_ms = int((datetime.combine(tpl_day, datetime.min.time()) - _EPOCH).total_seconds() * 1000)
        conn.executemany(
            "UPDATE temp.tpl SET ms = ? WHERE rowid = ?",
            [(int(i.replace("-", "")[:12], 16) - day0_ms, r) for r, i in ids],
        )
        cols = ", ".join(f'"{c}"' for c in columns)
        chunk = 60
        conn.execute("BEGIN")
        conn.executemany(insert_sql("ticket", columns), rows)
        conn.executemany(
            "INSERT INTO queue_sequence (day, letter, last) VALUES (?, ?, ?)",
            [(tpl_text, k, v) for k, v in last.items()],
        )
        conn.execute("COMMIT")
        for start in range(1, days - 1, chunk):
            stop = min(start + chunk, days - 1)
            conn.execute("BEGIN")
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS d (day TEXT, ms0 INTEGER)")
            conn.execute("DELETE FROM temp.d")
            conn.executemany(
                "INSERT INTO temp.d VALUES (?, ?)",
                [
                    ((first + timedelta(days=i)).isoformat(), day0_ms + i * 86_400_000)
                    for i in range(start, stop)
                ],
            )
            conn.execute(
                f"INSERT INTO ticket ({cols}) SELECT {', '.join(exprs)} FROM temp.d AS d, temp.tpl AS tpl"
                f" ORDER BY d.day, tpl.rowid"
            )
            conn.execute(
                "INSERT INTO queue_sequence (day, letter, last) SELECT d.day, s.letter, s.last"
                " FROM temp.d AS d, temp.tpl_seq AS s"
            )
            conn.execute("COMMIT")
            if (stop // chunk) % 6 == 0 or stop == days - 1:
                print(f"  {stop + 1:5d}/{days} days  {time.perf_counter() - t0:6.1f} s", flush=True)
    rows, last = day_rows(
        end_day, today_n, cat, columns, rng, site=site, device=device, live_waiting=min(waiting, today_n)
    )
    if today_n > 9999:
        last = renumber_big_day(rows, columns, site, device, end_day)
    conn.execute("BEGIN")
    conn.executemany(insert_sql("ticket", columns), rows)
    conn.executemany(
        "INSERT INTO queue_sequence (day, letter, last) VALUES (?, ?, ?)",
        [(end_day.isoformat(), k, v) for k, v in last.items()],
    )
    conn.execute("COMMIT")
    total = conn.execute("SELECT count(*) FROM ticket").fetchone()[0]
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    meta = dict(
        wanted,
        rows=total,
        build_seconds=round(time.perf_counter() - t0, 1),
        file_bytes=(staging / DB_NAME).stat().st_size,
        dirty=False,
    )
    (staging / BULK_META).write_text(json.dumps(meta, indent=1))
    staging.rename(store)
    print(
        f"store: built {total:,} tickets, {meta['file_bytes'] / 2**30:.2f} GiB in {meta['build_seconds']:.0f} s",
        flush=True,
    )
    return meta


def json_meta(store: Path) -> dict:
    import json

    return json.loads((Path(store) / BULK_META).read_text())


def write_meta(store: Path, meta: dict) -> None:
    import json

    (Path(store) / BULK_META).write_text(json.dumps(meta, indent=1))

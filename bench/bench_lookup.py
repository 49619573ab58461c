"""Look-ups and today's queue on a store holding years of tickets, vs a bare primary-key SELECT.

    .venv/bin/python bench/bench_lookup.py [--store /tmp/loket-bench-4m] [--days 1825] [--per-day 3000]

1. Builds (once; cached in --store with a bench-meta.json describing it) a real store made by
   services.setup.initialise, then fills the ticket table FAST with executemany in a few big
   transactions (journal off, synchronous=OFF while building; WAL restored at the end).
   Rows are realistic: codes numbered per letter per day in arrival order, unique receipt
   numbers, final statuses for past days; the last day is "today" mid-afternoon: its last
   --waiting tickets (default 200) are waiting, ~20 before them called/serving.
   Only `ticket` (and `queue_sequence`) are filled: events/outbox/audit of past days are not
   generated (no measured query reads them by anything but the primary key / last id).
2. Measures through the service layer (the real peewee connection, synchronous=FULL):
   tickets.queue(ctx) for today, queue(status=waiting), get(code, ctx), get(receipt_no),
   get(uuid), people_ahead(ticket) and call_next (durable; the store is restored afterwards),
   each interleaved with a bare sqlite3 `SELECT * FROM ticket WHERE id = ?` (random row of the
   whole history) on the same file in the same run; RATIO = op / bare.
   Extra information: the queue's own SQL replayed with bare sqlite3 (SQL vs ORM cost) and a
   bare durable one-row UPDATE as a fairer baseline for call_next.
3. Prints EXPLAIN QUERY PLAN of every statement each operation runs and flags full scans and
   sorts without an index.

Targets: today's queue and look-ups < 5 ms at 4M tickets.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import time
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import _common as C  # noqa: N812  (also puts the project on sys.path)

from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.services import queue_view, tickets
from counter_app.services.context import Context
from counter_app.services.setup import initialise
from counter_app.store.connection import DB_NAME, close_db, init_db
from counter_app.store.models import Ticket, db

META = "bench-meta.json"
FORMAT = 1
TARGET_MS = 5.0
TARGET_ROWS = 4_000_000
END_DAY = date(2026, 11, 30)  # a Monday; "today" of the store
SITE, DEVICE = "PTK", "L01"


# ---- building the store --------------------------------------------------------------------


def _wanted(args: argparse.Namespace) -> dict:
    return {"format": FORMAT, "days": args.days, "per_day": args.per_day, "seed": args.seed,
            "end_day": END_DAY.isoformat(), "waiting_today": args.waiting}


def _read_meta(store: Path) -> dict | None:
    try:
        return json.loads((store / META).read_text())
    except (OSError, ValueError):
        return None


def _write_meta(store: Path, meta: dict) -> None:
    tmp = store / (META + ".tmp")
    tmp.write_text(json.dumps(meta, indent=1))
    tmp.replace(store / META)


def ensure_store(args: argparse.Namespace) -> dict:
    store: Path = args.store
    wanted = _wanted(args)
    meta = _read_meta(store)
    if meta and not args.rebuild and not meta.get("dirty") and all(meta.get(k) == v for k, v in wanted.items()):
        print(f"store: reusing {store} ({meta['rows']:,} tickets, built in {meta['build_seconds']:.0f} s)")
        return meta
    if store.exists():
        if meta is None and any(store.iterdir()):
            raise SystemExit(f"{store} exists and is not a bench store (no {META}); choose another --store")
        why = "dirty (interrupted run)" if meta and meta.get("dirty") else "different parameters / --rebuild"
        print(f"store: rebuilding {store}: {why}")
        shutil.rmtree(store)
    return build_store(store, wanted)


def build_store(store: Path, wanted: dict) -> dict:
    t0 = time.perf_counter()
    staging = store.with_name(store.name + ".building")
    if staging.exists():
        shutil.rmtree(staging)
    zone = ZoneInfo(C.WIB_TZ)
    end = date.fromisoformat(wanted["end_day"])
    first = end - timedelta(days=wanted["days"] - 1)
    initialise(staging, site=SITE, counter=DEVICE, by="bench",
               clock=FixedClock(datetime.combine(first, dtime(7, 0), zone)))
    close_db()

    conn = sqlite3.connect(str(staging / DB_NAME), isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -1500000")  # 1.5 GB while building
    conn.execute("PRAGMA temp_store = MEMORY")
    cat = C.read_catalogue(conn)
    columns = C.ticket_columns(conn)
    ins = C.insert_sql("ticket", columns)
    rng = random.Random(wanted["seed"])
    per_day, days = wanted["per_day"], wanted["days"]
    rows_total = 0
    seq_rows: list[tuple[str, str, int]] = []
    batch_days = 60
    gen_s = ins_s = 0.0
    day = first
    print(f"store: building {days} days x {per_day} tickets = {days * per_day:,} rows into {staging}")
    while day <= end:
        conn.execute("BEGIN")
        for _ in range(batch_days):
            if day > end:
                break
            g0 = time.perf_counter()
            live = wanted["waiting_today"] if day == end else None
            rows, last = C.day_rows(day, per_day, cat, columns, rng, site=SITE, device=DEVICE,
                                    live_waiting=live)
            g1 = time.perf_counter()
            conn.executemany(ins, rows)
            ins_s += time.perf_counter() - g1
            gen_s += g1 - g0
            seq_rows.extend((day.isoformat(), letter, n) for letter, n in last.items())
            rows_total += len(rows)
            day += timedelta(days=1)
        conn.execute("COMMIT")
        done = (day - first).days
        if done % 180 < batch_days or day > end:
            el = time.perf_counter() - t0
            print(f"  {done:5d}/{days} days  {rows_total:>10,} rows  {el:6.1f} s "
                  f"(generate {gen_s:.0f} s, insert {ins_s:.0f} s)", flush=True)
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO queue_sequence (day, letter, last) VALUES (?, ?, ?)", seq_rows)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    elapsed = time.perf_counter() - t0
    size = (staging / DB_NAME).stat().st_size
    meta = dict(wanted, rows=rows_total, build_seconds=elapsed, file_bytes=size,
                built_at=datetime.now().isoformat(timespec="seconds"), dirty=False,
                generate_seconds=gen_s, insert_seconds=ins_s)
    _write_meta(staging, meta)
    staging.rename(store)
    print(f"store: built {rows_total:,} rows, {size / 2**30:.2f} GiB in {elapsed:.0f} s "
          f"(generate {gen_s:.0f} s, insert {ins_s:.0f} s)")
    return meta


# ---- measuring -----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--store", type=Path, default=Path("/tmp/loket-bench-4m"),
                    help="bench store folder (built once, reused while the parameters match)")
    ap.add_argument("--days", type=int, default=1825, help="days of history incl. today (default 1825 = 5 y)")
    ap.add_argument("--per-day", type=int, default=3000, help="tickets per day (default 3000)")
    ap.add_argument("--waiting", type=int, default=200, help="tickets waiting today (default 200)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rebuild", action="store_true", help="rebuild the store even if cached")
    ap.add_argument("--iters", type=int, default=200, help="measured calls per read operation")
    ap.add_argument("--calls", type=int, default=100, help="measured call_next calls (<= waiting)")
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--build-only", action="store_true")
    args = ap.parse_args(argv)

    meta = ensure_store(args)
    if args.build_only:
        return 0
    store: Path = args.store
    today = date.fromisoformat(meta["end_day"])
    zone = ZoneInfo(C.WIB_TZ)

    init_db(store)  # the app's own connection (pragmas, version check), bound to the models
    bare = C.bare_connect(store / DB_NAME)
    rows = bare.execute("SELECT max(rowid) FROM ticket").fetchone()[0]
    last_reg = bare.execute("SELECT max(registered_at) FROM ticket WHERE day = ?", (today.isoformat(),)).fetchone()[0]
    now_utc = datetime.fromisoformat(last_reg).replace(tzinfo=ZoneInfo("UTC")) + timedelta(minutes=1)
    clock = FixedClock(now_utc)
    ctx = Context(store, Actor("petugas.l01.1", Role.STAFF), clock)
    assert ctx.setting("timezone") == C.WIB_TZ
    rng = random.Random(12345)

    def random_hist() -> tuple[str, str]:
        rid = rng.randint(1, rows)
        return bare.execute("SELECT id, receipt_no FROM ticket WHERE rowid = ?", (rid,)).fetchone()

    today_codes = [r[0] for r in bare.execute("SELECT code FROM ticket WHERE day = ?", (today.isoformat(),))]
    waiting_ids = [r[0] for r in bare.execute(
        "SELECT id FROM ticket WHERE day = ? AND status = 'waiting'", (today.isoformat(),))]
    print(f"store: {rows:,} tickets, {meta['file_bytes'] / 2**30:.2f} GiB; today {today} has "
          f"{len(today_codes)} tickets, {len(waiting_ids)} waiting; now = {now_utc:%H:%M} UTC")
    has_stat = bool(bare.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone())
    print(f"pragmas  service synchronous={db.execute_sql('PRAGMA synchronous').fetchone()[0]} "
          f"journal={db.execute_sql('PRAGMA journal_mode').fetchone()[0]}; "
          f"sqlite_stat1 (ANALYZE) present: {has_stat}")

    pk_sql = "SELECT * FROM ticket WHERE id = ?"

    def bare_pk():
        tid, _ = random_hist()
        return lambda: bare.execute(pk_sql, (tid,)).fetchall()

    # --- read operations: (label, factory of a zero-arg call with fresh random arguments)
    ops = {
        "queue(today)": lambda: (lambda: tickets.queue(ctx)),
        "queue(today, waiting)": lambda: (lambda: tickets.queue(ctx, status="waiting")),
        # What the window loads for its table (light rows, not models).
        "queue_view(today)": lambda: (lambda: queue_view.queue_entries(ctx)),
        "get(code, ctx)": lambda: (lambda c=rng.choice(today_codes): tickets.get(c, ctx)),
        "get(receipt_no)": lambda: (lambda r=random_hist()[1]: tickets.get(r)),
        "get(uuid)": lambda: (lambda t=random_hist()[0]: tickets.get(t)),
        "people_ahead(waiting)": lambda: (
            lambda t=Ticket.get_by_id(rng.choice(waiting_ids)): tickets.people_ahead(t)),
    }

    # sanity: results look right
    assert len(tickets.queue(ctx)) == len(today_codes)
    assert tickets.get(today_codes[0], ctx).day == today

    # EXPLAIN plans of every statement of each operation (captured from one real call)
    print("\n=== EXPLAIN QUERY PLAN (statements captured from one call each) ===")
    problems: list[str] = []
    captured: dict[str, list] = {}
    for label, make in ops.items():
        call = make()
        with C.capture_sql() as stmts:
            call()
        captured[label] = list(stmts)
        problems += C.print_plans(bare, label, stmts)

    # --- measure reads, interleaved with the bare PK select
    results: list[tuple[C.Stats, C.Stats]] = []
    for label, make in ops.items():
        op_ms, base_ms = [], []
        for i in range(args.warmup + args.iters):
            call, base = make(), bare_pk()
            if i % 2:
                b, _ = C.timed(base)
                o, _ = C.timed(call)
            else:
                o, _ = C.timed(call)
                b, _ = C.timed(base)
            if i >= args.warmup:
                op_ms.append(o)
                base_ms.append(b)
        results.append((C.Stats(label, op_ms), C.Stats("bare PK", base_ms)))

    # --- the queue's own SQL replayed raw (SQL cost vs ORM cost), interleaved with bare PK
    raw_results: list[tuple[C.Stats, C.Stats]] = []
    raw_cases = []
    for label in ("queue(today)", "queue(today, waiting)"):
        (sql, params), = [s for s in captured[label] if s[0].lstrip().upper().startswith("SELECT")]
        raw_cases.append((f"  raw SQL of {label}", sql, params))
        if label == "queue(today)":
            cut = C._depth0_index(sql, " ORDER BY ")
            if cut > 0:
                raw_cases.append(("  raw SQL, no ORDER BY", sql[:cut], params))
    for name, sql, params in raw_cases:
        params = tuple(C._adapt(p) for p in params)
        op_ms, base_ms = [], []
        for i in range(args.warmup + args.iters):
            base = bare_pk()
            o, _ = C.timed(lambda: bare.execute(sql, params).fetchall())
            b, _ = C.timed(base)
            if i >= args.warmup:
                op_ms.append(o)
                base_ms.append(b)
        raw_results.append((C.Stats(name, op_ms), C.Stats("bare PK", base_ms)))

    # --- call_next: durable writes; the store is put back afterwards
    call_res = measure_call_next(args, store, meta, ctx, bare, bare_pk, problems)

    # --- report
    print("\n=== RESULTS (ms; ratio = op / bare PK SELECT measured alongside) ===")
    table = []
    verdicts = []
    for op, base in results + raw_results + call_res:
        table.append([op.name, op.n, op.median, op.p99, base.median, C.ratio(op.median, base.median),
                      C.ratio(op.p99, base.p99)])
    C.print_table(["operation", "n", "median", "p99", "bare med", "x bare med", "x bare p99"], table)
    print()
    scale = "" if rows >= TARGET_ROWS else f"  [store has {rows:,} < 4M rows: indicative only]"
    # "Today's queue" is the people waiting (the target); the whole day's list of 3,000 tickets
    # is loaded once when the window opens and then updated row by row: shown for information.
    for op, _ in results:
        if op.name in ("queue(today)", "queue_view(today)"):
            print(f"INFO   {op.name:<22} (all of today's tickets) median {op.median:8.3f} ms "
                  f"p99 {op.p99:8.3f} ms{scale}")
        if op.name in ("get(code, ctx)", "get(receipt_no)", "get(uuid)", "queue(today, waiting)"):
            ok = op.median < TARGET_MS
            verdicts.append(ok)
            print(f"TARGET {op.name:<22} median < {TARGET_MS:.0f} ms: {op.median:8.3f} ms "
                  f"p99 {op.p99:8.3f} ms -> {C.verdict(ok)}{scale}")
    for op, _ in call_res[:1]:
        print(f"INFO   {op.name:<22} median {op.median:8.3f} ms p99 {op.p99:8.3f} ms (durable commit incl.)")

    print("\n=== PLAN FINDINGS ===")
    if not problems:
        print("none: every statement uses an index and needs no sort")
    for p in dict.fromkeys(problems):
        print(" - " + p)
    bare.close()
    close_db()
    return 0


def measure_call_next(args, store, meta, ctx, bare, bare_pk, problems):
    """call_next across counters (durable), vs bare PK select and a bare durable 1-row UPDATE."""
    max_ev = bare.execute("SELECT coalesce(max(id), 0) FROM ticket_event").fetchone()[0]
    max_ob = bare.execute("SELECT coalesce(max(seq), 0) FROM outbox").fetchone()[0]
    max_au = bare.execute("SELECT coalesce(max(id), 0) FROM audit_log").fetchone()[0]
    counters = [r[0] for r in bare.execute("SELECT code FROM counter WHERE active = 1 ORDER BY code")]
    called: list[str] = []
    rows = bare.execute("SELECT max(rowid) FROM ticket").fetchone()[0]
    rng = random.Random(99)
    _write_meta(store, dict(meta, dirty=True))
    op_ms, base_ms, upd_ms = [], [], []
    try:
        # plan capture from the first call
        with C.capture_sql() as stmts:
            t = tickets.call_next(ctx, counters[0])
        if t is not None:
            called.append(t.id)
        print()
        problems += C.print_plans(bare, "call_next", [s for s in stmts])
        exhausted: set[str] = set()
        i = 0
        limit = min(args.calls, len(bare.execute(
            "SELECT 1 FROM ticket WHERE day = ? AND status = 'waiting'", (meta["end_day"],)).fetchall()))
        while len(op_ms) < limit and len(exhausted) < len(counters):
            counter = counters[i % len(counters)]
            i += 1
            if counter in exhausted:
                continue
            base = bare_pk()
            rid = rng.randint(1, rows)

            def upd():
                bare.execute("BEGIN IMMEDIATE")
                bare.execute("UPDATE ticket SET call_count = call_count WHERE rowid = ?", (rid,))
                bare.execute("COMMIT")

            o, t = C.timed(lambda: tickets.call_next(ctx, counter))
            if t is None:
                exhausted.add(counter)
                continue
            called.append(t.id)
            b, _ = C.timed(base)
            u, _ = C.timed(upd)
            op_ms.append(o)
            base_ms.append(b)
            upd_ms.append(u)
    finally:
        restore(bare, called, max_ev, max_ob, max_au)
        _write_meta(store, dict(meta, dirty=False))
    if not op_ms:
        return []
    upd = C.Stats("  bare durable UPDATE", upd_ms)
    return [(C.Stats("call_next (durable)", op_ms), C.Stats("bare PK", base_ms)),
            (upd, C.Stats("bare PK", base_ms)),
            (C.Stats("  call_next / bare UPDATE", op_ms), upd)]


def restore(bare: sqlite3.Connection, called: list[str], max_ev: int, max_ob: int, max_au: int) -> None:
    bare.execute("BEGIN IMMEDIATE")
    bare.executemany(
        "UPDATE ticket SET status = 'waiting', counter = NULL, call_count = 0, first_called_at = NULL,"
        " called_at = NULL, served_by = NULL WHERE id = ?",
        [(tid,) for tid in called],
    )
    bare.execute("DELETE FROM ticket_event WHERE id > ?", (max_ev,))
    bare.execute("DELETE FROM outbox WHERE seq > ?", (max_ob,))
    bare.execute("DELETE FROM audit_log WHERE id > ?", (max_au,))
    bare.execute("COMMIT")
    print(f"(call_next: {len(called)} tickets put back to waiting; events/outbox/audit rows removed)")


if __name__ == "__main__":
    sys.exit(main())

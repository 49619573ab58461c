"""Today's queue and look-ups on a store holding five years of tickets, each against the very
same SQL run with bare sqlite3 on the same file, in the same run (A B A B).

    .venv/bin/python bench/bench_lookup.py [--days 1825] [--per-day 3000] [--cache /tmp/loket-bench-cache]

1. The store (default 1,825 days × 3,000 = 5.475M tickets) is built once with bulk SQL
   (_common.bulk_store: one day made in Python, the others copied in SQL) and cached under
   --cache; the first run takes a few minutes, later runs reuse it. "Today" is mid-afternoon:
   its last 200 tickets wait, ~20 are called or serving.
2. Each operation runs through the service layer (the app's peewee connection, synchronous=FULL).
   Its baseline is the SQL that very call ran (captured from peewee's log in an untimed call
   with the same arguments just before) replayed with bare sqlite3 and fetched: what the
   operation costs beyond its own query is the ratio.
3. EXPLAIN QUERY PLAN of every statement; full scans, index walks that visit many more rows
   than they keep, and large sorts are listed.

Targets (issue 16): today's waiting queue < 5 ms and <= 2x its own bare SQL, on the 5-year
store. The other look-ups are shown with their ratios; that their cost does not grow with the
store or the day is bench_growth.py's target. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import _common as C

from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.services import queue_view, tickets
from counter_app.services.context import Context
from counter_app.store.connection import DB_NAME, close_db, init_db
from counter_app.store.models import Ticket

TARGET_MS = 5.0
TARGET_RATIO = 2.0
END_DAY = date(2026, 11, 30)  # a Monday; "today" of the store


class Bench:
    """One store opened the app's way plus a bare connection to the same file."""

    def __init__(self, store: Path, today: date) -> None:
        init_db(store)
        self.store = store
        self.bare = C.bare_connect(store / DB_NAME)
        last = self.bare.execute(
            "SELECT max(registered_at) FROM ticket WHERE day = ?", (today.isoformat(),)
        ).fetchone()[0]
        now = datetime.fromisoformat(last).replace(tzinfo=ZoneInfo("UTC")) + timedelta(minutes=1)
        self.ctx = Context(store, Actor("petugas.l01.1", Role.STAFF), FixedClock(now))
        self.rng = random.Random(12345)
        self.rows = self.bare.execute("SELECT max(rowid) FROM ticket").fetchone()[0]
        self.today = today
        self.codes = [
            r[0] for r in self.bare.execute("SELECT code FROM ticket WHERE day = ?", (today.isoformat(),))
        ]
        self.waiting = [
            r[0]
            for r in self.bare.execute(
                "SELECT id FROM ticket WHERE day = ? AND status = 'waiting'", (today.isoformat(),)
            )
        ]

    def hist(self) -> tuple[str, str]:
        return self.bare.execute(
            "SELECT id, receipt_no FROM ticket WHERE rowid = ?", (self.rng.randint(1, self.rows),)
        ).fetchone()

    def ops(self) -> dict[str, Callable[[], Callable[[], Any]]]:
        ctx, rng = self.ctx, self.rng
        return {
            "queue(today, waiting)": lambda: lambda: tickets.queue(ctx, status="waiting"),
            "queue(today)": lambda: lambda: tickets.queue(ctx),
            "queue_entries(today)": lambda: lambda: queue_view.queue_entries(ctx),
            "get(code, ctx)": lambda: lambda c=rng.choice(self.codes): tickets.get(c, ctx),
            "get(receipt_no)": lambda: lambda r=self.hist()[1]: tickets.get(r),
            "get(uuid)": lambda: lambda t=self.hist()[0]: tickets.get(t),
            "people_ahead(waiting)": lambda: (
                lambda t=Ticket.get_by_id(rng.choice(self.waiting)): tickets.people_ahead(t)
            ),
        }

    def replay(self, statements: list[tuple[str, tuple[Any, ...]]]) -> Callable[[], Any]:
        """The captured statements run with bare sqlite3 (each fetched whole)."""
        prepared = [
            (sql, tuple(C._adapt(p) for p in params))
            for sql, params in statements
            if sql.lstrip().split()[0].upper() == "SELECT"
        ]

        def run() -> None:
            for sql, params in prepared:
                self.bare.execute(sql, params).fetchall()

        return run

    def measure(
        self, name: str, make: Callable[[], Callable[[], Any]], iters: int, warmup: int = 5
    ) -> tuple[C.Stats, C.Stats]:
        op_ms: list[float] = []
        base_ms: list[float] = []
        for i in range(warmup + iters):
            call = make()
            with C.capture_sql() as stmts:  # untimed: learns this call's SQL
                call()
            base = self.replay(list(stmts))
            if i % 2:
                b, _ = C.timed(base)
                o, _ = C.timed(call)
            else:
                o, _ = C.timed(call)
                b, _ = C.timed(base)
            if i >= warmup:
                op_ms.append(o)
                base_ms.append(b)
        return C.Stats(name, op_ms), C.Stats("bare same SQL", base_ms)

    def plans(self) -> list[str]:
        problems: list[str] = []
        for label, make in self.ops().items():
            call = make()
            with C.capture_sql() as stmts:
                call()
            problems += C.print_plans(self.bare, label, stmts)
        return problems

    def close(self) -> None:
        self.bare.close()
        close_db()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--cache", type=Path, default=Path("/tmp/loket-bench-cache"), help="folder of the cached bench stores"
    )
    ap.add_argument("--days", type=int, default=1825, help="days of history incl. today (default 1825 = 5 y)")
    ap.add_argument("--per-day", type=int, default=3000, help="tickets per day (default 3000)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the store even if cached")
    ap.add_argument("--iters", type=int, default=40, help="measured calls per operation")
    ap.add_argument("--build-only", action="store_true")
    C.bench_args(ap)
    args = ap.parse_args(argv)

    store = (
        args.cache / f"store-{args.days}d"
        if args.per_day == 3000
        else args.cache / f"store-{args.days}d-{args.per_day}"
    )
    meta = C.bulk_store(
        store,
        days=args.days,
        per_day=args.per_day,
        today_n=args.per_day,
        waiting=200,
        end_day=END_DAY,
        rebuild=args.rebuild,
    )
    if args.build_only:
        return 0
    bench = Bench(store, END_DAY)
    print(
        f"store: {meta['rows']:,} tickets, {meta['file_bytes'] / 2**30:.2f} GiB ({store}); today {END_DAY} "
        f"has {len(bench.codes):,} tickets, {len(bench.waiting)} waiting"
    )
    print("\n=== EXPLAIN QUERY PLAN (statements captured from one call each) ===")
    problems = bench.plans()
    results = {name: bench.measure(name, make, args.iters) for name, make in bench.ops().items()}
    bench.close()

    report = C.Report("bench_lookup", store_rows=meta["rows"], days=args.days, per_day=args.per_day)
    print("\n=== RESULTS (ms; ratio = op / the same SQL with bare sqlite3, measured alongside) ===")
    C.print_table(
        ["operation", "n", "median", "p99", "bare med", "x bare med"],
        [
            [op.name, op.n, op.median, op.p99, base.median, C.ratio(op.median, base.median)]
            for op, base in results.values()
        ],
    )
    big = meta["rows"] >= 5_000_000
    scale = "" if big else f" (store of {meta['rows']:,} < 5M: indicative)"
    for name, (op, base) in results.items():
        r = C.ratio(op.median, base.median)
        if name == "queue(today, waiting)":
            report.add(
                f"today's waiting queue{scale}",
                op.median,
                "ms",
                target=f"< {TARGET_MS:g} ms",
                ok=op.median < TARGET_MS,
                baseline=base.median,
                ratio=r,
            )
            report.add(
                f"today's waiting queue / its bare SQL{scale}",
                r,
                "x",
                target=f"<= {TARGET_RATIO:g}x",
                ok=r <= TARGET_RATIO,
                baseline=base.median,
                ratio=r,
            )
        else:
            report.add(name, op.median, "ms", baseline=base.median, ratio=r, p99=op.p99)
    print("\n=== PLAN FINDINGS ===")
    print(
        "none: every statement uses an index and needs no sort"
        if not problems
        else "\n".join(" - " + p for p in dict.fromkeys(problems))
    )
    report.add("plan problems (information)", float(len(set(problems))), "")
    return report.finish(args.json)


if __name__ == "__main__":
    sys.exit(main())

"""The daily summary (rekap harian): figures + PDF for a 3,000-ticket day and a 90-day range,
each against the bare SQL aggregate of the same numbers, in the same run.

    .venv/bin/python bench/bench_report.py [--days 90] [--per-day 3000] [--reps 5]

1. Builds a store in a temp folder: services.setup.initialise, then `--days` days of
   `--per-day` synthetic tickets each (bench/_common.day_rows: realistic statuses and times)
   with executemany into the ticket table, journal off and synchronous=OFF while building.
2. Opens it the app's way (store.connection.init_db: WAL, synchronous=FULL) and measures
   - figures: services.daily_report.daily_figures (one SELECT + the Python pass),
   - pdf: documents.daily_report_pdf.render of those figures (fonts already loaded; the first,
     cold call of the process is reported on its own),
   - bare: one `SELECT service_id, COUNT(*), SUM(status=…)…, AVG(wait), AVG(service) … GROUP
     BY service_id` with plain sqlite3 on the same file: the floor for "counts and means per
     service" (the report computes far more: medians, P90, breakdowns, gaps, top waits).
   Runs alternate which goes first; medians are compared as RATIOS (the machine is shared and
   noisy). The bare aggregate's counts and mean wait per service are checked against the
   figures, so both really compute the same numbers.

Targets: figures + PDF < 0.5 s for one day, < 3 s for 90 days (270,000 tickets).
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import _common as C  # noqa: N812  (also puts the project on sys.path)

from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.services import daily_report
from counter_app.services.context import Context
from counter_app.services.setup import initialise
from counter_app.store.connection import DB_NAME, close_db, init_db

SITE, DEVICE = "PTK", "L01"
TARGET_DAY_S = 0.5
TARGET_RANGE_S = 3.0

BARE_SQL = """
SELECT service_id, COUNT(*),
       SUM(status = 'done'), SUM(status = 'no_show'), SUM(status = 'cancelled'),
       SUM(status = 'transferred'), SUM(status IN ('waiting', 'called', 'serving')),
       AVG((julianday(first_called_at) - julianday(arrived_at)) * 86400.0),
       AVG(CASE WHEN status = 'done' THEN (julianday(finished_at) - julianday(started_at)) * 86400.0 END)
FROM ticket WHERE day >= ? AND day <= ? GROUP BY service_id
"""


def build_store(folder: Path, first: date, days: int, per_day: int, seed: int) -> int:
    initialise(folder, site=SITE, counter=DEVICE, by="bench",
               clock=FixedClock(datetime.combine(first, dtime(7, 0), ZoneInfo(C.WIB_TZ))))
    close_db()
    conn = sqlite3.connect(str(folder / DB_NAME), isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -400000")
    cat = C.read_catalogue(conn)
    columns = C.ticket_columns(conn)
    ins = C.insert_sql("ticket", columns)
    rng = random.Random(seed)
    total = 0
    seq_rows: list[tuple[str, str, int]] = []
    conn.execute("BEGIN")
    for i in range(days):
        day = first + timedelta(days=i)
        rows, last = C.day_rows(day, per_day, cat, columns, rng, site=SITE, device=DEVICE)
        conn.executemany(ins, rows)
        seq_rows.extend((day.isoformat(), letter, n) for letter, n in last.items())
        total += len(rows)
    conn.executemany("INSERT INTO queue_sequence (day, letter, last) VALUES (?, ?, ?)", seq_rows)
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("ANALYZE")
    conn.close()
    return total


def bare_aggregate(conn: sqlite3.Connection, day_from: date, day_to: date) -> dict[str, tuple]:
    rows = conn.execute(BARE_SQL, (day_from.isoformat(), day_to.isoformat())).fetchall()
    return {r[0]: r[1:] for r in rows}


def check_same(figures: daily_report.DailyFigures, bare: dict[str, tuple]) -> list[str]:
    """The bare aggregate and the report agree on counts and means per service."""
    problems = []
    for g in figures.by_service:
        if g.key not in bare:
            if g.tickets:
                problems.append(f"{g.key}: {g.tickets} tickets in the report, none in SQL")
            continue
        n, done, no_show, cancelled, transferred, open_, wait, service = bare[g.key]
        mine = (g.tickets, g.served, g.no_show, g.cancelled, g.transferred, g.waiting)
        if mine != (n, done, no_show, cancelled, transferred, open_):
            problems.append(f"{g.key}: counts {mine} != {(n, done, no_show, cancelled, transferred, open_)}")
        for label, a, b in (("wait", g.wait.mean, wait), ("service", g.service.mean, service)):
            if (a is None) != (b is None) or (a is not None and abs(a - b) > 0.01):
                problems.append(f"{g.key}: mean {label} {a} != {b}")
    return problems


def measure(label: str, ctx: Context, bare_conn: sqlite3.Connection, day_from: date, day_to: date,
            reps: int) -> dict[str, float]:
    fig_ms: list[float] = []
    pdf_ms: list[float] = []
    bare_ms: list[float] = []
    figures = None
    pdf = b""
    for i in range(reps):
        order = ("app", "bare") if i % 2 == 0 else ("bare", "app")
        for which in order:
            if which == "app":
                ms, figures = C.timed(lambda: daily_report.daily_figures(ctx, day_from, day_to))
                fig_ms.append(ms)
                ms, pdf = C.timed(lambda: daily_report.report_pdf(figures))
                pdf_ms.append(ms)
            else:
                ms, bare = C.timed(lambda: bare_aggregate(bare_conn, day_from, day_to))
                bare_ms.append(ms)
    assert figures is not None
    problems = check_same(figures, bare)
    med = {k: statistics.median(v) for k, v in
           (("figures", fig_ms), ("pdf", pdf_ms), ("bare", bare_ms))}
    med["total"] = statistics.median(f + p for f, p in zip(fig_ms, pdf_ms))
    med["tickets"] = figures.totals.tickets
    med["pages"] = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
    print(f"\n[{label}] {day_from} … {day_to}: {figures.totals.tickets:,} tickets, "
          f"{len(pdf) / 1024:.0f} KiB PDF, {reps} runs each (median ms)")
    C.print_table(
        ["measure", "median ms", "min ms", "vs bare SQL"],
        [
            ["bare SQL aggregate", med["bare"], min(bare_ms), 1.0],
            ["daily_figures", med["figures"], min(fig_ms), C.ratio(med["figures"], med["bare"])],
            ["PDF render", med["pdf"], min(pdf_ms), C.ratio(med["pdf"], med["bare"])],
            ["figures + PDF", med["total"], min(f + p for f, p in zip(fig_ms, pdf_ms)),
             C.ratio(med["total"], med["bare"])],
        ],
    )
    print("same numbers as the bare aggregate: " + ("yes" if not problems else "NO"))
    for p in problems[:10]:
        print("  !! " + p)
    med["agree"] = float(not problems)
    return med


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=90, help="days in the store and the range (default 90)")
    ap.add_argument("--per-day", type=int, default=3000, help="tickets per day (default 3000)")
    ap.add_argument("--reps", type=int, default=5, help="measured runs of each (default 5)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--keep", action="store_true", help="keep the temporary store")
    args = ap.parse_args(argv)

    last = date(2026, 11, 27)
    first = last - timedelta(days=args.days - 1)
    folder = Path(tempfile.mkdtemp(prefix="loket-bench-report-"))
    try:
        t0 = time.perf_counter()
        total = build_store(folder, first, args.days, args.per_day, args.seed)
        size = (folder / DB_NAME).stat().st_size
        print(f"store: {total:,} tickets over {args.days} days, {size / 2**20:.0f} MiB, "
              f"built in {time.perf_counter() - t0:.1f} s ({folder})")

        init_db(folder)
        clock = FixedClock(datetime.combine(last + timedelta(days=1), dtime(8, 0), ZoneInfo(C.WIB_TZ)))
        ctx = Context(folder, Actor("bench", Role.SUPERVISOR), clock)
        bare_conn = C.bare_connect(folder / DB_NAME)

        cold_fig, figures = C.timed(lambda: daily_report.daily_figures(ctx, last))
        cold_pdf, _ = C.timed(lambda: daily_report.report_pdf(figures))
        print(f"cold first call in this process: figures {cold_fig:.0f} ms, PDF {cold_pdf:.0f} ms "
              f"(imports, font loading; once per process)")

        day = measure("one day", ctx, bare_conn, last, last, args.reps)
        rng = measure(f"{args.days} days", ctx, bare_conn, first, last, max(3, args.reps // 2))
        bare_conn.close()
        close_db()

        ok_day = day["total"] / 1000 < TARGET_DAY_S
        ok_rng = rng["total"] / 1000 < TARGET_RANGE_S
        print("\nsummary")
        C.print_table(
            ["case", "tickets", "figures+PDF ms", "bare SQL ms", "ratio", "target", "verdict"],
            [
                ["one day", int(day["tickets"]), day["total"], day["bare"],
                 C.ratio(day["total"], day["bare"]), f"< {TARGET_DAY_S * 1000:.0f} ms",
                 C.verdict(ok_day and bool(day["agree"]))],
                [f"{args.days} days", int(rng["tickets"]), rng["total"], rng["bare"],
                 C.ratio(rng["total"], rng["bare"]), f"< {TARGET_RANGE_S * 1000:.0f} ms",
                 C.verdict(ok_rng and bool(rng["agree"]))],
            ],
        )
        return 0 if ok_day and ok_rng and day["agree"] and rng["agree"] else 1
    finally:
        close_db()
        if args.keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

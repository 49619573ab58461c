"""The daily summary (rekap harian): figures + PDF for a 3,000-ticket day and a 90-day range
(270,000 tickets), each against a bare summary of the same figures, in the same run (A B A B).

    .venv/bin/python bench/bench_report.py [--days 90] [--reps 3] [--cache /tmp/loket-bench-cache]

The store (90 days × 3,000 tickets) is built once with bulk SQL and cached (_common.bulk_store).
Ours: services.daily_report.daily_figures then daily_report.report_pdf, as the window and
`counter-app report` run them. The baseline does the same headline work at the bare minimum:
one plain sqlite3 read of each ticket's service, counter, priority, status, wait and service
time; in plain Python the counts by status and the wait and service n / mean / median / p90 /
max (sorted lists) per service, per counter, per priority and in total; then a bare ReportLab
platypus document of those tables in the same DejaVu fonts. The baseline's per-service counts,
means, medians and p90s are checked against ours, so both compute the same numbers.

Targets (issue 16): one day (3,000 tickets) < 0.3 s; 90 days (270,000 tickets) < 1 s. The
ratio to the bare summary is shown. Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import io
import sqlite3
import statistics
import sys
from datetime import date, datetime, time as dtime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import _common as C

from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.services import daily_report
from counter_app.services.context import Context
from counter_app.store.connection import DB_NAME, close_db, init_db

TARGET_DAY_S = 0.3
TARGET_RANGE_S = 1.0
END_DAY = date(2026, 11, 30)

BARE_SQL = """
SELECT service_id, ifnull(counter, ''), priority, status,
       CAST(ROUND((julianday(first_called_at) - julianday(arrived_at)) * 86400000.0) AS INTEGER),
       CASE WHEN status = 'done'
            THEN CAST(ROUND((julianday(finished_at) - julianday(started_at)) * 86400000.0) AS INTEGER) END
FROM ticket WHERE day >= ? AND day <= ?
"""


def durations(values: list[int]) -> tuple[int, float | None, float | None, float | None, float | None]:
    """n, mean, median, p90 (nearest rank), max, in seconds."""
    if not values:
        return 0, None, None, None, None
    v = sorted(values)
    n = len(v)
    mid = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    p90 = v[max(1, -(-90 * n // 100)) - 1]
    return n, sum(v) / n / 1000, mid / 1000, p90 / 1000, v[-1] / 1000


def bare_summary(conn: sqlite3.Connection, day_from: date, day_to: date) -> tuple[dict[str, Any], bytes]:
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    for svc, ctr, prio, status, wait, service in conn.execute(
        BARE_SQL, (day_from.isoformat(), day_to.isoformat())
    ):
        for key in (("service", svc), ("counter", ctr), ("priority", prio), ("total", "")):
            g = groups.get(key)
            if g is None:
                g = groups[key] = {"n": 0, "status": {}, "waits": [], "services": []}
            g["n"] += 1
            g["status"][status] = g["status"].get(status, 0) + 1
            if wait is not None:
                g["waits"].append(wait)
            if service is not None:
                g["services"].append(service)
    figures = {
        k: {
            "n": g["n"],
            "status": g["status"],
            "wait": durations(g["waits"]),
            "service": durations(g["services"]),
        }
        for k, g in groups.items()
    }
    return figures, bare_pdf(figures, day_from, day_to)


def bare_pdf(figures: dict[tuple[str, str], dict[str, Any]], day_from: date, day_to: date) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from counter_app.documents.base import FONT, FONT_BOLD, register_fonts

    register_fonts()

    def s(v: float | None) -> str:
        return "-" if v is None else f"{v / 60:.1f}"

    story: list[Any] = [
        Paragraph(f"Rekap harian {day_from} – {day_to}", ParagraphStyle("h", fontName=FONT_BOLD, fontSize=14))
    ]
    for kind in ("service", "counter", "priority", "total"):
        rows = [
            [kind, "tiket", "selesai", "tidak hadir", "tunggu rata", "median", "p90", "layanan median", "p90"]
        ]
        for (k, name), f in sorted(figures.items()):
            if k != kind:
                continue
            w, sv = f["wait"], f["service"]
            rows.append(
                [
                    name or "-",
                    str(f["n"]),
                    str(f["status"].get("done", 0)),
                    str(f["status"].get("no_show", 0)),
                    s(w[1]),
                    s(w[2]),
                    s(w[3]),
                    s(sv[2]),
                    s(sv[3]),
                ]
            )
        table = Table(rows, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("FONT", (0, 0), (-1, -1), FONT, 8),
                    ("FONT", (0, 0), (-1, 0), FONT_BOLD, 8),
                    ("GRID", (0, 0), (-1, -1), 0.25, (0.5, 0.5, 0.5)),
                ]
            )
        )
        story.append(table)
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4).build(story)
    return buf.getvalue()


def check_same(figures: daily_report.DailyFigures, bare: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    problems = []
    for g in figures.by_service:
        b = bare.get(("service", g.key))
        if b is None:
            if g.tickets:
                problems.append(f"{g.key}: {g.tickets} tickets in the report, none in SQL")
            continue
        if (g.tickets, g.served, g.no_show) != (
            b["n"],
            b["status"].get("done", 0),
            b["status"].get("no_show", 0),
        ):
            problems.append(f"{g.key}: counts {(g.tickets, g.served, g.no_show)} != bare")
        for label, ours, theirs in (("wait", g.wait, b["wait"]), ("service", g.service, b["service"])):
            for stat, a, x in (
                ("mean", ours.mean, theirs[1]),
                ("median", ours.median, theirs[2]),
                ("p90", ours.p90, theirs[3]),
            ):
                if (a is None) != (x is None) or (a is not None and abs(a - x) > 0.01):
                    problems.append(f"{g.key}: {label} {stat} {a} != {x}")
    return problems


def measure(
    label: str, ctx: Context, conn: sqlite3.Connection, day_from: date, day_to: date, reps: int
) -> dict[str, Any]:
    ours_ms: list[float] = []
    bare_ms: list[float] = []
    figures = bare = None
    for i in range(reps):
        for which in ("app", "bare") if i % 2 == 0 else ("bare", "app"):
            if which == "app":

                def run() -> daily_report.DailyFigures:
                    f = daily_report.daily_figures(ctx, day_from, day_to)
                    daily_report.report_pdf(f)
                    return f

                ms, figures = C.timed(run)
                ours_ms.append(ms)
            else:
                ms, (bare, _) = C.timed(lambda: bare_summary(conn, day_from, day_to))
                bare_ms.append(ms)
    assert figures is not None and bare is not None
    problems = check_same(figures, bare)
    out = {
        "ours": statistics.median(ours_ms),
        "bare": statistics.median(bare_ms),
        "tickets": figures.totals.tickets,
        "agree": not problems,
    }
    print(
        f"\n[{label}] {day_from} … {day_to}: {out['tickets']:,} tickets, {reps} runs each: figures + PDF "
        f"{out['ours']:.0f} ms, bare {out['bare']:.0f} ms ({C.ratio(out['ours'], out['bare']):.2f}x); "
        f"same numbers: {'yes' if not problems else 'NO'}"
    )
    for p in problems[:10]:
        print("  !! " + p)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--reps", type=int, default=3, help="measured runs of each, per case (default 3)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/loket-bench-cache"))
    C.bench_args(ap)
    args = ap.parse_args(argv)

    store = args.cache / f"store-{args.days}d"
    meta = C.bulk_store(store, days=args.days, per_day=3000, today_n=3000, waiting=200, end_day=END_DAY)
    init_db(store)
    clock = FixedClock(datetime.combine(END_DAY + timedelta(days=1), dtime(8, 0), ZoneInfo(C.WIB_TZ)))
    ctx = Context(store, Actor("bench", Role.SUPERVISOR), clock)
    conn = C.bare_connect(store / DB_NAME)
    first = END_DAY - timedelta(days=args.days - 1)
    day = END_DAY - timedelta(days=1)  # a whole past day
    try:
        cold, _ = C.timed(lambda: daily_report.report_pdf(daily_report.daily_figures(ctx, day)))
        C.timed(lambda: bare_summary(conn, day, day))
        print(f"store: {meta['rows']:,} tickets; first call of the process {cold:.0f} ms (imports, fonts)")
        one = measure("one day", ctx, conn, day, day, max(3, args.reps))
        rng = measure(f"{args.days} days", ctx, conn, first, END_DAY, args.reps)
    finally:
        conn.close()
        close_db()
    report = C.Report("bench_report", store_rows=meta["rows"], reps=args.reps)
    for name, res, target in (
        ("daily summary, 3,000 tickets", one, TARGET_DAY_S),
        (f"{args.days}-day summary, {rng['tickets']:,} tickets", rng, TARGET_RANGE_S),
    ):
        report.add(
            name,
            res["ours"],
            "ms",
            target=f"< {target * 1000:g} ms",
            ok=res["ours"] < target * 1000 and res["agree"],
            baseline=res["bare"],
            ratio=C.ratio(res["ours"], res["bare"]),
            same_numbers=res["agree"],
        )
    return report.finish(args.json)


if __name__ == "__main__":
    sys.exit(main())

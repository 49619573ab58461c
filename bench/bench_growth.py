"""Growth: how the day's lists and the look-ups cost as today grows (3k, 30k, 300k tickets) and
as the store grows (50k, 500k, 5M tickets with a 3,000-ticket today).

    .venv/bin/python bench/bench_growth.py [--big] [--cache /tmp/loket-bench-cache] [--rounds 4]

Stores are built once with bulk SQL (_common.bulk_store) and cached under --cache. The 5M
store is the one bench_lookup.py builds (1,825 days × 3,000): it is measured when it is in the
cache (run_all runs bench_lookup first) or with --big, which builds it (~4 minutes); otherwise
it is reported as skipped. Stores are measured in rounds, the order rotated each round, so the
machine's load hits every size alike; each figure is a median over the rounds.

A day of 300k tickets has more than 9,999 tickets of a letter: past the hub's range a real day
that big numbers the rest as offline numbers (core.numbering), and that is how it is built.
On that day the benchmark also checks that the numbering says so when a letter's hub range is
full (ValidationError queue.full, nothing written) and that the daily summary (figures + PDF)
of the day is made without a crash.

Targets (issue 16): lists grow at most linearly with today's size (time per ticket at 300k ≤
1.5× that at 3k); look-ups are flat in today's size and in the store's size (≤ 2× the
smallest size's, a noise allowance on sub-millisecond medians); today's waiting queue is flat
in the store's size; a full letter says queue.full; the 300k-ticket summary does not crash.
Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import traceback
from datetime import datetime, time as dtime
from pathlib import Path
from zoneinfo import ZoneInfo

import _common as C
from bench_lookup import END_DAY, Bench

from counter_app.core.clock import FixedClock
from counter_app.core.errors import ValidationError
from counter_app.core.roles import Actor, Role
from counter_app.services import daily_report, tickets
from counter_app.services.context import Context
from counter_app.store.connection import close_db, init_db

LIST_OPS = ("queue_entries(today)", "queue(today, waiting)")
LOOKUP_OPS = ("get(code, ctx)", "get(receipt_no)", "get(uuid)", "people_ahead(waiting)")
LINEAR_SLACK = 1.5
FLAT = 2.0
OLD_CODE_SQL = 'SELECT * FROM "ticket" WHERE "day" = ? AND "code" = ? ORDER BY "registered_at" DESC LIMIT 1'


def measure_sizes(
    stores: dict[str, tuple[Path, int]], ops: tuple[str, ...], rounds: int, base_n: int
) -> dict[str, dict[str, float]]:
    """{size label: {op: median ms}}; per round every store once, rotated."""
    samples: dict[str, dict[str, list[float]]] = {
        s: {o: [] for o in (*ops, "old get-by-code SQL (bare)")} for s in stores
    }
    labels = list(stores)
    for r in range(rounds):
        k = r % len(labels)
        for label in labels[k:] + labels[:k]:
            path, today_n = stores[label]
            bench = Bench(path, END_DAY)
            made = bench.ops()
            for op in ops:
                calls = max(1, int(12 * base_n / today_n)) if op in LIST_OPS else 12
                if op not in LIST_OPS or today_n <= 30_000:
                    made[op]()()  # warm this store's pages after the switch (a list of 300k warms itself)
                for _ in range(calls):
                    samples[label][op].append(C.timed(made[op]())[0])
            code = bench.codes[len(bench.codes) // 2]
            for _ in range(12):  # the query before the fix, bare: what the 'before' was
                samples[label]["old get-by-code SQL (bare)"].append(
                    C.timed(lambda: bench.bare.execute(OLD_CODE_SQL, (END_DAY.isoformat(), code)).fetchall())[
                        0
                    ]
                )
            bench.close()
    return {s: {o: statistics.median(v) for o, v in d.items() if v} for s, d in samples.items()}


def check_full_letter(store: Path, report: C.Report) -> None:
    """On the 300k day letter A's hub range (1..9999) is used up: registering one more must be
    refused as queue.full, and write nothing."""
    init_db(store)
    from counter_app.store.models import QueueSequence, Ticket

    last = QueueSequence.get((QueueSequence.day == END_DAY) & (QueueSequence.letter == "A")).last
    before = Ticket.select().where(Ticket.day == END_DAY).count()
    clock = FixedClock(datetime.combine(END_DAY, dtime(15, 30), ZoneInfo(C.WIB_TZ)))
    ctx = Context(store, Actor("petugas.l01.1", Role.STAFF), clock)
    try:
        reg = tickets.register(ctx, service="KTP", name="Siti Aminah")
        outcome, ok = f"registered {reg.ticket.code}: the numbering did not refuse", False
    except ValidationError as exc:
        ok = exc.key == "queue.full"
        outcome = f"ValidationError {exc.key}: {exc}"
    except Exception as exc:
        outcome, ok = f"{type(exc).__name__}: {exc}", False
    after = Ticket.select().where(Ticket.day == END_DAY).count()
    close_db()
    if after != before:  # the cached store changed: build it again next time
        meta = C.json_meta(store)
        C.write_meta(store, dict(meta, dirty=True))
    print(f"letter A at {last} of 9999 on the 300k day: {outcome}; tickets {before} -> {after}")
    report.add(
        "300k day: letter past 9,999 says queue.full",
        None,
        "",
        target="queue.full, nothing written",
        ok=ok and after == before,
        outcome=outcome,
    )


def check_summary(store: Path, report: C.Report) -> None:
    init_db(store)
    clock = FixedClock(datetime.combine(END_DAY, dtime(16, 0), ZoneInfo(C.WIB_TZ)))
    ctx = Context(store, Actor("bench", Role.SUPERVISOR), clock)
    try:
        ms_fig, figures = C.timed(lambda: daily_report.daily_figures(ctx, END_DAY))
        ms_pdf, pdf = C.timed(lambda: daily_report.report_pdf(figures))
        print(f"300k day summary: figures {ms_fig:.0f} ms, PDF {ms_pdf:.0f} ms ({len(pdf) // 1024} KiB)")
        report.add(
            "300k day: daily summary (figures + PDF) is made",
            ms_fig + ms_pdf,
            "ms",
            target="no crash",
            ok=True,
        )
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        print(f"300k day summary CRASHED: {type(exc).__name__}: {exc} at {where.filename}:{where.lineno}")
        report.failed(
            "300k day: daily summary (figures + PDF) is made",
            f"{type(exc).__name__}: {exc} at {where.filename}:{where.lineno}",
        )
    finally:
        close_db()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/loket-bench-cache"))
    ap.add_argument("--big", action="store_true", help="build the 5M-ticket store if it is not cached")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true")
    C.bench_args(ap)
    args = ap.parse_args(argv)
    report = C.Report("bench_growth", rounds=args.rounds)

    day_stores: dict[str, tuple[Path, int]] = {}
    for n in (3_000, 30_000, 300_000):
        path = args.cache / f"day-{n}"
        C.bulk_store(path, days=1, per_day=n, today_n=n, waiting=200, end_day=END_DAY, rebuild=args.rebuild)
        day_stores[f"{n // 1000}k today"] = (path, n)
    size_stores: dict[str, tuple[Path, int]] = {}
    for days, label in ((17, "51k"), (167, "501k"), (1825, "5.475M")):
        path = args.cache / f"store-{days}d"
        if days == 1825 and not args.big and not (path / C.BULK_META).exists():
            print(f"store of 5.475M tickets: not in {path}; skipped (run bench_lookup.py or pass --big)")
            report.add("store size 5.475M", None, "", target="measured", ok=None, skipped=True)
            continue
        C.bulk_store(
            path,
            days=days,
            per_day=3000,
            today_n=3000,
            waiting=200,
            end_day=END_DAY,
            rebuild=args.rebuild and days != 1825,
        )
        size_stores[f"{label} in store"] = (path, 3000)

    print("\n=== today's size (store = that one day) ===")
    by_day = measure_sizes(day_stores, (*LIST_OPS, *LOOKUP_OPS), args.rounds, 3000)
    print("\n=== the store's size (today = 3,000 tickets) ===")
    by_store = measure_sizes(size_stores, ("queue(today, waiting)", *LOOKUP_OPS), args.rounds, 3000)

    for title, table in (("today's size", by_day), ("store size", by_store)):
        labels = list(table)
        ops = list(next(iter(table.values())))
        print(f"\ncurve over {title} (median ms)")
        C.print_table(
            ["operation", *labels, f"x {labels[0]} at {labels[-1]}"],
            [
                [op, *(table[s][op] for s in labels), C.ratio(table[labels[-1]][op], table[labels[0]][op])]
                for op in ops
            ],
        )

    small, big = "3k today", "300k today"
    for op in (*LIST_OPS, *LOOKUP_OPS, "old get-by-code SQL (bare)"):
        curve = {s: round(by_day[s][op], 4) for s in by_day}
        r = C.ratio(by_day[big][op], by_day[small][op])
        if op in LIST_OPS:
            per_ticket = r / 100
            report.add(
                f"day 3k->300k: {op} time per ticket",
                per_ticket,
                "x",
                target=f"<= {LINEAR_SLACK}x (at most linear)",
                ok=per_ticket <= LINEAR_SLACK,
                ratio=r,
                curve_ms=curve,
            )
        elif op in LOOKUP_OPS:
            report.add(
                f"day 3k->300k: {op}",
                r,
                "x",
                target=f"<= {FLAT}x (flat)",
                ok=r <= FLAT,
                ratio=r,
                curve_ms=curve,
            )
        else:
            report.add(f"day 3k->300k: {op} (before the fix, information)", r, "x", ratio=r, curve_ms=curve)
    if by_store:
        first, last = list(by_store)[0], list(by_store)[-1]
        for op in ("queue(today, waiting)", *LOOKUP_OPS):
            r = C.ratio(by_store[last][op], by_store[first][op])
            report.add(
                f"store {first.split()[0]}->{last.split()[0]}: {op}",
                r,
                "x",
                target=f"<= {FLAT}x (flat)",
                ok=r <= FLAT,
                ratio=r,
                curve_ms={s: round(by_store[s][op], 4) for s in by_store},
            )

    big_store = day_stores[big][0]
    check_full_letter(big_store, report)
    check_summary(big_store, report)
    return report.finish(args.json)


if __name__ == "__main__":
    sys.exit(main())

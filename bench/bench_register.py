"""Registration rate through the service layer vs a bare sqlite3 INSERT of the same row.

    .venv/bin/python bench/bench_register.py [--n 1000] [--mix realistic|plain]

Each iteration registers one visitor with counter_app.services.tickets.register (a real store
made by services.setup.initialise in a temp dir, WAL + synchronous=FULL as configured), then
inserts the very same ticket row into a second, identical store with bare sqlite3 (same pragmas,
BEGIN IMMEDIATE / INSERT / COMMIT, i.e. one durable transaction per row). The two are interleaved
(alternating which goes first) so machine noise hits both alike; the RATIO is the figure to
compare between runs. A third column replays the whole write set of a registration (sequence
bump, ticket, event, outbox, audit) with bare sqlite3, to split ORM/validation cost from SQL cost.

Targets (issue 16): durable registration median <= 3x the bare durable one-row INSERT measured
alongside, and < 0.8 ms. Exits 1 when one is missed.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import _common as C

from counter_app.core.clock import FixedClock
from counter_app.core.errors import ValidationError
from counter_app.core.roles import Actor, Role
from counter_app.services import demo, tickets
from counter_app.services.context import Context
from counter_app.services.setup import initialise
from counter_app.store.connection import DB_NAME, close_db
from counter_app.store.models import db

TARGET_MEDIAN_MS = 0.8
TARGET_RATIO = 3.0


def _row_values(ticket_id: str, columns: list[str]) -> tuple:
    """The stored row, as the service wrote it (read back with plain SQL)."""
    cur = db.execute_sql(
        f'SELECT {", ".join(chr(34) + c + chr(34) for c in columns)} FROM "ticket" WHERE "id" = ?',
        (ticket_id,),
    )
    return tuple(cur.fetchone())


def _last_row(table: str, key: str) -> dict:
    cur = db.execute_sql(f'SELECT * FROM "{table}" ORDER BY "{key}" DESC LIMIT 1')
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchone()))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="measured registrations (default 1000)")
    ap.add_argument("--warmup", type=int, default=20, help="unmeasured first registrations")
    ap.add_argument(
        "--mix",
        choices=("realistic", "plain"),
        default="realistic",
        help="realistic: 60%% with NIK, 50%% phone, ~8.5%% priority; plain: name only",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 30))
    ap.add_argument("--dir", type=Path, default=None, help="work folder (default: a new temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    C.bench_args(ap)
    args = ap.parse_args(argv)

    work = args.dir or Path(tempfile.mkdtemp(prefix="loket-bench-register-"))
    work.mkdir(parents=True, exist_ok=True)
    zone = ZoneInfo(C.WIB_TZ)
    clock = FixedClock(datetime.combine(args.day, time(8, 0), zone))
    try:
        # Two bare stores made by the real setup (same schema + catalogue), then the service one
        # (initialise binds the global peewee proxy, so the service store goes last).
        for name in ("bare-row", "bare-set"):
            initialise(work / name, by="bench", clock=clock)
            close_db()
        initialise(work / "svc", by="bench", clock=clock)
        C.no_quotas(work / "svc")
        ctx = Context(work / "svc", Actor("petugas.pendaftaran", Role.STAFF), clock)
        bare_row = C.bare_connect(work / "bare-row" / DB_NAME)
        bare_set = C.bare_connect(work / "bare-set" / DB_NAME)
        columns = C.ticket_columns(bare_row)
        ins_ticket = C.insert_sql("ticket", columns)

        sync = {
            "service": db.execute_sql("PRAGMA synchronous").fetchone()[0],
            "bare": bare_row.execute("PRAGMA synchronous").fetchone()[0],
        }
        jm = {
            "service": db.execute_sql("PRAGMA journal_mode").fetchone()[0],
            "bare": bare_row.execute("PRAGMA journal_mode").fetchone()[0],
        }

        cat = C.read_catalogue(bare_row)
        rng = random.Random(args.seed)
        total = args.warmup + args.n
        step_s = 7 * 3600 / total  # spread over the opening hours of one day
        svc_ms: list[float] = []
        row_ms: list[float] = []
        set_ms: list[float] = []

        for i in range(total):
            clock.advance(seconds=step_s)
            service = rng.choices(cat.services, cat.weights)[0]
            name = f"{rng.choice(C.FIRST)} {rng.choice(C.LAST)}"
            if args.mix == "realistic":
                nik = demo._nik(rng) if rng.random() < 0.6 else None
                phone = demo._phone(rng) if rng.random() < 0.5 else None
                r, prio = rng.random(), ""
                for p, share in C.PRIORITIES:
                    if r < share:
                        prio = p
                        break
                    r -= share
            else:
                nik = phone = None
                prio = ""

            def do_register():
                return tickets.register(
                    ctx, service=service, name=name, nik=nik, phone=phone, priority=prio, phone_consent=True
                )

            # the bare side needs the service's row, so the service always runs first here;
            # the two bare variants alternate their order.
            try:
                ms_svc, reg = C.timed(do_register)
            except ValidationError as exc:  # a random NIK that fails validation or clashes
                nik = None
                ms_svc, reg = C.timed(do_register)
                if i == 0:
                    print(f"note: retried without NIK ({exc})", file=sys.stderr)
            t = reg.ticket
            row = _row_values(t.id, columns)
            ev = _last_row("ticket_event", "id")
            ob = _last_row("outbox", "seq")
            au = _last_row("audit_log", "id")

            def do_bare_row():
                bare_row.execute("BEGIN IMMEDIATE")
                bare_row.execute(ins_ticket, row)
                bare_row.execute("COMMIT")

            def do_bare_set():
                c = bare_set
                c.execute("BEGIN IMMEDIATE")
                n = c.execute(
                    "UPDATE queue_sequence SET last = last + 1 WHERE day = ? AND letter = ?",
                    (row[columns.index("day")], t.letter),
                ).rowcount
                if not n:
                    c.execute(
                        "INSERT INTO queue_sequence (day, letter, last) VALUES (?, ?, 1)",
                        (row[columns.index("day")], t.letter),
                    )
                else:
                    c.execute(
                        "SELECT last FROM queue_sequence WHERE day = ? AND letter = ?",
                        (row[columns.index("day")], t.letter),
                    ).fetchone()
                c.execute(ins_ticket, row)
                c.execute(
                    "INSERT INTO ticket_event (ticket_id, action, from_status, to_status, actor, counter, at, detail)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        ev["ticket_id"],
                        ev["action"],
                        ev["from_status"],
                        ev["to_status"],
                        ev["actor"],
                        ev["counter"],
                        ev["at"],
                        ev["detail"],
                    ),
                )
                c.execute(
                    "INSERT INTO outbox (entity, uuid, op, payload, created_at, sent_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (ob["entity"], ob["uuid"], ob["op"], ob["payload"], ob["created_at"], ob["sent_at"]),
                )
                c.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
                c.execute(
                    "INSERT INTO audit_log (at, actor, action, subject, detail, prev_hash, hash)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        au["at"],
                        au["actor"],
                        au["action"],
                        au["subject"],
                        au["detail"],
                        au["prev_hash"],
                        au["hash"],
                    ),
                )
                c.execute("COMMIT")

            if i % 2:
                ms_row, _ = C.timed(do_bare_row)
                ms_set, _ = C.timed(do_bare_set)
            else:
                ms_set, _ = C.timed(do_bare_set)
                ms_row, _ = C.timed(do_bare_row)
            if i >= args.warmup:
                svc_ms.append(ms_svc)
                row_ms.append(ms_row)
                set_ms.append(ms_set)

        svc, brow, bset = (
            C.Stats("service register", svc_ms),
            C.Stats("bare INSERT 1 row", row_ms),
            C.Stats("bare same write set", set_ms),
        )
        print(
            f"bench_register: {args.n} registrations (+{args.warmup} warm-up), mix={args.mix}, "
            f"day={args.day}, store={work}"
        )
        print(
            f"pragmas  synchronous service={sync['service']} bare={sync['bare']} (2 = FULL); "
            f"journal_mode service={jm['service']} bare={jm['bare']}"
        )
        rows = []
        for s in (svc, brow, bset):
            rows.append(
                [
                    s.name,
                    s.n,
                    s.median,
                    s.p99,
                    s.mean,
                    C.ratio(s.median, brow.median),
                    C.ratio(s.p99, brow.p99),
                    1000.0 / s.mean,
                ]
            )
        print()
        C.print_table(
            ["operation", "n", "median ms", "p99 ms", "mean ms", "x bare med", "x bare p99", "per s"], rows
        )
        print()
        print(
            f"RATIO service/bare-row  median {C.ratio(svc.median, brow.median):.2f}x   "
            f"p99 {C.ratio(svc.p99, brow.p99):.2f}x"
        )
        print(
            f"RATIO service/bare-set  median {C.ratio(svc.median, bset.median):.2f}x   "
            f"(ORM + validation + hashing overhead over the same SQL writes)"
        )
        report = C.Report("bench_register", n=args.n, mix=args.mix, synchronous=sync, journal_mode=jm)
        r = C.ratio(svc.median, brow.median)
        report.add(
            "durable registration (median)",
            svc.median,
            "ms",
            target=f"< {TARGET_MEDIAN_MS} ms",
            ok=svc.median < TARGET_MEDIAN_MS,
            baseline=brow.median,
            ratio=r,
        )
        report.add(
            "durable registration / bare durable INSERT",
            r,
            "x",
            target=f"<= {TARGET_RATIO}x",
            ok=r <= TARGET_RATIO,
            baseline=brow.median,
            ratio=r,
        )
        report.add(
            "service / bare same write set",
            C.ratio(svc.median, bset.median),
            "x",
            baseline=bset.median,
            ratio=C.ratio(svc.median, bset.median),
        )
        report.add("registration p99", svc.p99, "ms", baseline=brow.p99, ratio=C.ratio(svc.p99, brow.p99))

        # EXPLAIN of every statement one registration runs (with a NIK, so the clash check shows)
        clock.advance(seconds=1)
        with C.capture_sql() as stmts:
            tickets.register(
                ctx,
                service="KTP",
                name="Siti Aminah",
                nik=demo._nik(random.Random(7)),
                phone=None,
                priority="",
            )
        svc_conn = C.bare_connect(work / "svc" / DB_NAME)
        problems = C.print_plans(svc_conn, "register", stmts)
        print("\nPLAN FINDINGS: " + ("none" if not problems else "\n - " + "\n - ".join(problems)))
        report.add("plan problems in register (information)", float(len(problems)), "")
        svc_conn.close()
        bare_row.close()
        bare_set.close()
        close_db()
    finally:
        if not args.keep and args.dir is None:
            shutil.rmtree(work, ignore_errors=True)
    return report.finish(args.json)


if __name__ == "__main__":
    sys.exit(main())

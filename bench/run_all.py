"""Run every Loket benchmark, one after the other, each in its own interpreter.

    .venv/bin/python bench/run_all.py            # full sizes (5-year store: builds once, ~minutes)
    .venv/bin/python bench/run_all.py --quick    # small sizes, for a quick check (~1 minute)

Every benchmark prints its own table with RATIOS against a bare sqlite3 baseline measured in the
same run (the machine is shared and noisy: compare ratios between runs, not absolute times).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

FULL = {
    "bench_register.py": ["--n", "1000"],
    "bench_lookup.py": ["--days", "1825", "--store", "/tmp/loket-bench-4m"],
    "bench_demo.py": ["--visits", "3000", "--repeat", "3"],
    "bench_receipt.py": [],
    "bench_report.py": ["--days", "90"],
    "bench_gui.py": [],
    "bench_sync.py": [],
}
QUICK = {
    "bench_register.py": ["--n", "200"],
    "bench_lookup.py": ["--days", "30", "--store", "/tmp/loket-bench-30d", "--iters", "50", "--calls", "50"],
    "bench_demo.py": ["--visits", "500", "--repeat", "1"],
    "bench_receipt.py": ["--quick"],
    "bench_report.py": ["--days", "7", "--per-day", "500", "--reps", "2"],
    "bench_gui.py": ["--runs", "3", "--visits", "300", "--samples", "20"],
    "bench_sync.py": ["--quick"],
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (30-day store, 500-visit demo)")
    ap.add_argument("--only", nargs="*", default=None, help="run only these scripts (e.g. bench_demo.py)")
    args = ap.parse_args(argv)

    plan = dict(QUICK if args.quick else FULL)
    if args.only:
        plan = {k: v for k, v in plan.items() if k in args.only}

    summary = []
    for script, extra in plan.items():
        cmd = [sys.executable, str(HERE / script), *extra]
        print(f"\n{'=' * 100}\n$ {' '.join(cmd[1:])}\n{'=' * 100}", flush=True)
        t0 = time.perf_counter()
        rc = subprocess.call(cmd, cwd=HERE.parent)
        summary.append((script, rc, time.perf_counter() - t0))

    print(f"\n{'=' * 100}\nrun_all ({'quick' if args.quick else 'full'}):")
    for script, rc, secs in summary:
        print(f"  {script:<20} {'ok' if rc == 0 else f'FAILED rc={rc}':<12} {secs:7.1f} s")
    return 0 if all(rc == 0 for _, rc, _ in summary) else 1


if __name__ == "__main__":
    sys.exit(main())

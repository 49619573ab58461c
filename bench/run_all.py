"""Run every Loket benchmark of issue 16's table, one after the other, each in its own
interpreter, and fail when any target is missed.

    .venv/bin/python bench/run_all.py                      # the default sizes (~12 minutes: ~3 of them bench_hub)
    .venv/bin/python bench/run_all.py --json bench.json    # also one JSON document of every figure
    .venv/bin/python bench/run_all.py --quick              # small sizes, a quick check
    .venv/bin/python bench/run_all.py --only bench_lookup.py bench_growth.py

Each benchmark measures its figures as RATIOS to a bare baseline in the same run (the machine
is shared and noisy), prints a table of figure, value, ratio, target and verdict, and exits 1
when a target is missed; this script exits 1 when any benchmark did (or crashed). The big
stores are built once with bulk SQL into --cache (/tmp/loket-bench-cache) and reused: the
first run spends a few more minutes building the 5-year store (5.475M tickets).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent

# bench_lookup before bench_growth: it builds the 5.475M store that growth's largest point uses.
FULL: dict[str, list[str]] = {
    "bench_receipt.py": [],
    "bench_register.py": ["--n", "1000"],
    "bench_gui.py": [],
    "bench_lookup.py": [],
    "bench_growth.py": [],
    "bench_report.py": [],
    "bench_sync.py": [],
    "bench_demo.py": [],
    "bench_display.py": [],
    "bench_hub.py": ["--minutes", "1"],
}
QUICK: dict[str, list[str]] = {
    "bench_receipt.py": ["--quick"],
    "bench_register.py": ["--n", "200"],
    "bench_gui.py": ["--runs", "3", "--visits", "300", "--samples", "20"],
    "bench_lookup.py": ["--days", "30", "--iters", "20"],
    "bench_growth.py": ["--rounds", "2"],
    "bench_report.py": ["--days", "30", "--reps", "2"],
    "bench_sync.py": ["--quick"],
    "bench_demo.py": ["--visits", "500", "--repeat", "1"],
    "bench_display.py": ["--calls", "20", "--voice-calls", "2"],
    "bench_hub.py": ["--calls", "200", "--minutes", "0.5", "--buildings", "3"],
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (targets are then indicative)")
    ap.add_argument("--only", nargs="*", default=None, help="run only these scripts (e.g. bench_demo.py)")
    ap.add_argument("--json", default=None, help="write every figure, target, ratio and verdict here")
    args = ap.parse_args(argv)

    plan = dict(QUICK if args.quick else FULL)
    if args.only:
        plan = {k: v for k, v in plan.items() if k in args.only}

    results = []
    with tempfile.TemporaryDirectory(prefix="loket-bench-json-") as tmp:
        for script, extra in plan.items():
            cmd = [sys.executable, str(HERE / script), *extra]
            out = Path(tmp) / (script + ".json")
            print(f"\n{'=' * 100}\n$ {' '.join(cmd[1:])}\n{'=' * 100}", flush=True)
            t0 = time.perf_counter()
            rc = subprocess.call(cmd, cwd=HERE.parent, env=dict(os.environ, LOKET_BENCH_JSON=str(out)))
            secs = time.perf_counter() - t0
            try:
                doc = json.loads(out.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                doc = {
                    "bench": script.removesuffix(".py"),
                    "figures": [],
                    "error": f"no figures: the script exited {rc} before reporting",
                }
            doc.update(script=script, exit_code=rc, seconds=round(secs, 1), pass_=rc == 0)
            doc["pass"] = doc.pop("pass_")
            results.append(doc)

    print(f"\n{'=' * 100}\nrun_all ({'quick' if args.quick else 'full'}):")
    for doc in results:
        missed = [f["figure"] for f in doc["figures"] if f.get("pass") is False]
        state = (
            "PASS"
            if doc["pass"]
            else (f"FAIL ({len(missed)} missed)" if missed else f"FAILED rc={doc['exit_code']}")
        )
        print(f"  {doc['script']:<20} {state:<16} {doc['seconds']:7.1f} s")
        for name in missed:
            print(f"      missed: {name}")
    ok = all(doc["pass"] for doc in results)
    if args.json:
        document = {
            "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "quick": args.quick,
            "machine": {
                "cpus": os.cpu_count(),
                "load_avg": [round(x, 2) for x in os.getloadavg()],
                "python": platform.python_version(),
            },
            "pass": ok,
            "benchmarks": results,
        }
        Path(args.json).write_text(json.dumps(document, indent=1, default=str) + "\n", encoding="utf-8")
        print(f"JSON: {args.json}")
    print("every target met" if ok else "a target is missed (or a benchmark crashed)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

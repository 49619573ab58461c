"""A before/after table (Markdown) from two `run_all.py --json` documents.

    .venv/bin/python bench/compare.py before.json after.json

Rows are matched by benchmark and figure name; a figure only one side has shows "-" on the
other. The verdict column is the after run's.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _cell(f: dict[str, Any] | None) -> str:
    if f is None:
        return "-"
    if f.get("error"):
        return "crash"
    v = f.get("value")
    if v is None:
        return "yes" if f.get("pass") else ("no" if f.get("pass") is False else "-")
    text = f"{v:g} {f.get('unit', '')}".strip()
    if f.get("ratio") is not None and f.get("unit") != "x":
        text += f" ({f['ratio']:.2f}x)"
    return text


def _verdict(f: dict[str, Any] | None) -> str:
    if f is None:
        return "-"
    return {True: "PASS", False: "FAIL", None: "info"}[f.get("pass")]


def figures(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for bench in doc.get("benchmarks", []):
        for f in bench.get("figures", []):
            out[(bench.get("bench", bench.get("script", "?")), f["figure"])] = f
        if not bench.get("figures"):
            out[(bench.get("bench", "?"), "(no figures)")] = {
                "figure": "(no figures)",
                "error": bench.get("error"),
                "pass": False,
            }
    return out


def main(argv: list[str]) -> int:
    before, after = (figures(json.loads(Path(p).read_text(encoding="utf-8"))) for p in argv[:2])
    keys = list(dict.fromkeys([*after, *before]))
    print("| bench | figure | target | before | after | verdict |")
    print("|---|---|---|---|---|---|")
    for key in keys:
        a, b = after.get(key), before.get(key)
        target = (a or b or {}).get("target") or "-"
        print(f"| {key[0]} | {key[1]} | {target} | {_cell(b)} | {_cell(a)} | {_verdict(a)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

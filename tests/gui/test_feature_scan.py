"""gui/feature_scan.py: shiboken's per-import source scan is answered in advance, and its answers
are the scan's own where they matter. In a fresh interpreter (the table fills once per process);
no timing here (bench/bench_gui.py has the cold start)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import json, sys
sys.modules['psycopg'] = None
sys.modules['psycopg2'] = None
from counter_app.gui import app, feature_scan  # answers in advance, right after Qt
import shibokensupport.feature as F

scanned = []
real_scan = F._mod_uses_pyside
def recording(module):
    scanned.append(module.__name__)
    return real_scan(module)
F._mod_uses_pyside = recording

from counter_app.gui.main_window import MainWindow  # the rest of the way to the window
import wave  # a module nobody answered for: the scan still runs for it

table = feature_scan.feature_table()
ours = [n for n in sys.modules if n == "counter_app" or n.startswith("counter_app.")]
print(json.dumps({
    "scanned": scanned,
    "missing": [n for n in feature_scan.package_modules() if n not in table],
    "values": sorted({v for v in table.values()}),
    # what the scan itself says of the modules filed as "not a Qt module"
    "not_qt_but_names_pyside": [
        n for n, v in table.items()
        if v == feature_scan.NOT_QT and n in sys.modules and real_scan(sys.modules[n])
    ],
    "ours_loaded": len(ours),
}))
"""


def test_the_way_to_the_main_window_reads_no_source_for_the_feature_check() -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, env=env, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    found = json.loads(out.stdout.strip().splitlines()[-1])
    assert found["ours_loaded"] > 50  # the window's modules were imported after the answers
    # Nothing of Loket's and no library of the list was read; the recorder itself works.
    assert not [n for n in found["scanned"] if n.startswith("counter_app") or n == "peewee"]
    assert "wave" in found["scanned"]
    assert found["missing"] == []
    # No feature is selected anywhere: only the scan's two answers are in the table, and no
    # module that names PySide6 was filed as "not a Qt module".
    assert set(found["values"]) <= {0, -1}
    assert found["not_qt_but_names_pyside"] == []

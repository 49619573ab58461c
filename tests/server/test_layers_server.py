"""The server knows nothing of a counter's store: no store models, no counter services, no Qt.
(peewee itself is imported by `counter_app/__init__.py` for every entry point.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_server_imports_neither_the_counter_store_nor_qt() -> None:
    code = (
        "import sys\n"
        "import counter_app.server.app, counter_app.server.command, counter_app.server.store\n"
        "bad = sorted(m for m in sys.modules if m.startswith(("
        "'counter_app.store', 'counter_app.services', 'counter_app.gui', 'PySide6')))\n"
        "print('BAD=' + ','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "BAD=\n" in out.stdout, out.stdout


def test_server_command_line_loads_no_web_framework_until_it_serves() -> None:
    code = (
        "import sys, argparse\n"
        "from counter_app.server.command import add_arguments\n"
        "add_arguments(argparse.ArgumentParser())\n"
        "print('HEAVY=' + ','.join(sorted(m for m in ('fastapi', 'uvicorn', 'psycopg') if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "HEAVY=\n" in out.stdout, out.stdout

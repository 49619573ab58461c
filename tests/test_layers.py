"""The layer table of DESIGN.md §2 holds: import-linter contracts, and Qt stays out of the CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_cli_queue_does_not_load_qt_or_reportlab(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from counter_app.cli import main\n"
        f"main(['--data-dir', {str(tmp_path)!r}, 'init'])\n"
        f"main(['--data-dir', {str(tmp_path)!r}, '--json', 'queue'])\n"
        "heavy = sorted(m for m in ('PySide6', 'reportlab', 'qrcode') if m in sys.modules)\n"
        "print('HEAVY=' + ','.join(heavy))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert "HEAVY=\n" in out.stdout, out.stdout

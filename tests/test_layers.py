"""The layer table of DESIGN.md §2 holds: import-linter contracts, and Qt stays out of the CLI."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold() -> None:
    linter = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(linter), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_gui_store_boundary_is_a_declared_contract() -> None:
    """The screens see services only: a contract forbids gui → store and gui → peewee (the
    linter run above then keeps it); dropping or weakening it fails here."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    assert config["include_external_packages"] is True  # else peewee could not be named
    forbidding = [
        c for c in config["contracts"]
        if c["type"] == "forbidden" and "counter_app.gui" in c["source_modules"]
    ]
    assert any({"counter_app.store", "peewee"} <= set(c["forbidden_modules"]) for c in forbidding)


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

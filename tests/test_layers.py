"""The layer table of DESIGN.md §2 holds: import-linter contracts, and Qt stays out of the CLI."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from counter_app.services.context import Context

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


def test_the_cli_store_boundary_is_a_declared_contract() -> None:
    """The command line too sees services only (DESIGN.md §2): cli → store and cli → peewee
    are forbidden by a contract the linter run above keeps."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    forbidding = [
        c for c in config["contracts"]
        if c["type"] == "forbidden" and "counter_app.cli" in c["source_modules"]
        and {"counter_app.store", "peewee"} <= set(c["forbidden_modules"])
    ]
    assert forbidding, "no contract forbids counter_app.cli → counter_app.store / peewee"


def test_the_cli_leaves_permission_checks_to_the_services() -> None:
    """Who may do what is decided once, in the use case (the window and the command line then
    cannot differ): cli.py neither names a Permission nor calls `require`/`can`."""
    import ast

    tree = ast.parse((ROOT / "counter_app" / "cli.py").read_text(encoding="utf-8"))
    found = [
        node.lineno for node in ast.walk(tree)
        if (isinstance(node, ast.Name) and node.id == "Permission")
        or (isinstance(node, ast.Attribute) and node.attr in ("require", "can", "Permission"))
        or (isinstance(node, ast.alias) and node.name == "Permission")
    ]
    assert found == [], f"cli.py checks permissions itself at lines {found}"


def test_the_audit_check_refuses_a_member_without_the_audit_right(ctx: Context) -> None:
    from counter_app.core.errors import NotAllowed
    from counter_app.core.roles import Actor, Role
    from counter_app.services import journal

    with pytest.raises(NotAllowed):
        journal.check_chain_for(Actor("petugas1", Role.STAFF, 2))
    assert journal.check_chain_for(ctx.actor).intact


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

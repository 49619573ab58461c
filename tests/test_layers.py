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
        c
        for c in config["contracts"]
        if c["type"] == "forbidden" and "counter_app.gui" in c["source_modules"]
    ]
    assert any({"counter_app.store", "peewee"} <= set(c["forbidden_modules"]) for c in forbidding)


def test_the_cli_store_boundary_is_a_declared_contract() -> None:
    """The command line too sees services only (DESIGN.md §2): cli → store and cli → peewee
    are forbidden by a contract the linter run above keeps."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    forbidding = [
        c
        for c in config["contracts"]
        if c["type"] == "forbidden"
        and "counter_app.cli" in c["source_modules"]
        and {"counter_app.store", "peewee"} <= set(c["forbidden_modules"])
    ]
    assert forbidding, "no contract forbids counter_app.cli → counter_app.store / peewee"


def test_the_cli_leaves_permission_checks_to_the_services() -> None:
    """Who may do what is decided once, in the use case (the window and the command line then
    cannot differ): cli.py neither names a Permission nor calls `require`/`can`."""
    import ast

    tree = ast.parse((ROOT / "counter_app" / "cli.py").read_text(encoding="utf-8"))
    found = [
        node.lineno
        for node in ast.walk(tree)
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
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "HEAVY=\n" in out.stdout, out.stdout


# ---- no circles (issue 11: the house reads top-down) ---------------------------------------


def _runtime_imports(root: Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports at run time: at the top *and* inside
    functions (a lazy import is still an edge), not under `if TYPE_CHECKING:` (never run)."""
    import ast

    paths: dict[str, Path] = {}
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        paths[".".join(parts)] = path

    def typing_only(node: ast.AST) -> bool:
        test = node.test if isinstance(node, ast.If) else None
        return isinstance(test, ast.Name | ast.Attribute) and ast.unparse(test).endswith("TYPE_CHECKING")

    graph: dict[str, set[str]] = {}
    for name, path in paths.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        todo: list[ast.AST] = [ast.parse(path.read_text(encoding="utf-8"))]
        while todo:
            node = todo.pop()
            if typing_only(node):
                todo.extend(node.orelse)  # type: ignore[attr-defined]
                continue
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(up + ([node.module] if node.module else []))
                for a in node.names:  # `from pkg import module` names the module itself
                    found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in paths else base)
            todo.extend(ast.iter_child_nodes(node))
        graph[name] = {m for m in found if m in paths and m != name}
    return graph


def circles(root: Path) -> list[tuple[str, str]]:
    graph = _runtime_imports(root)
    return sorted({tuple(sorted((a, b))) for a in graph for b in graph[a] if a in graph.get(b, ())})  # type: ignore[misc]


def test_no_module_imports_a_module_that_imports_it_back() -> None:
    """tickets ↔ live_queue (and replica → tickets) imported each other inside functions; the
    row and one move now live in services/ticket_store.py, which all three import."""
    assert circles(ROOT / "counter_app") == []


def test_the_circle_check_sees_lazy_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "counter_app"
    (pkg / "services").mkdir(parents=True)
    for name in ("__init__.py", "services/__init__.py"):
        (pkg / name).write_text("")
    (pkg / "services" / "a.py").write_text("from counter_app.services import b\n")
    (pkg / "services" / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from counter_app.services import c\n"
        "def f():\n    from . import a\n"
    )
    (pkg / "services" / "c.py").write_text("from counter_app.services.b import f\n")
    assert circles(pkg) == [("counter_app.services.a", "counter_app.services.b")]

"""The document modules are siblings on one base: none imports another (DESIGN.md §2), the
contract that keeps it so is declared, and what moved into the shared modules is still where
callers found it."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

from counter_app.documents import exports, tables

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "counter_app" / "documents"
SHARED = {"base", "charts", "tables"}  # what siblings build on
SIBLINGS = {"daily_report_pdf", "skm_report_pdf", "receipt", "exports"}


def documents_imported_by(path: Path) -> set[str]:
    """The `counter_app.documents.X` modules a file imports, anywhere in it (lazy imports too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "counter_app.documents":
                found |= {alias.name for alias in node.names}
            elif node.module.startswith("counter_app.documents."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("counter_app.documents."):
                    found.add(alias.name.split(".")[2])
    return found


def test_no_document_module_imports_a_sibling() -> None:
    modules = {p.stem for p in DOCUMENTS.glob("*.py")} - {"__init__"}
    assert SIBLINGS | SHARED <= modules
    edges = {
        (name, other)
        for name in modules - SHARED
        for other in documents_imported_by(DOCUMENTS / f"{name}.py")
        if other not in SHARED
    }
    assert not edges, edges


def test_the_shared_modules_do_not_reach_up_into_a_document() -> None:
    for name in SHARED:
        assert documents_imported_by(DOCUMENTS / f"{name}.py") <= SHARED, name


def test_the_independence_contract_is_declared() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    wanted = {f"counter_app.documents.{m}" for m in SIBLINGS}
    assert any(c["type"] == "independence" and wanted <= set(c["modules"]) for c in contracts)


def test_exports_still_offers_the_words_and_tables() -> None:
    for name in (
        "number",
        "minutes",
        "day_text",
        "long_day_text",
        "period_text",
        "scope_text",
        "generated_text",
        "service_name",
        "note_text",
        "format_cell",
        "report_tables",
        "summary_lines",
        "key_figures",
        "survey_rows",
        "hour_text",
        "Table",
        "Column",
    ):
        assert getattr(exports, name) is getattr(tables, name), name

"""Every message key the program uses exists in both languages, with the same placeholders.

The scan reads the source of the WHOLE package with `ast` (no import, no running screens):
keys are static, so a tool finds them all. A key is one of

* a literal first argument of `t(...)` / `tn(...)` (either branch of `a if c else b` too);
* a value in a literal key table, a module- or class-level name ending in `_KEYS`
  (`STATUS_KEYS = {"waiting": "status.waiting", …}`); `t(STATUS_KEYS[s])` is then allowed;
* the literal first argument of a `LoketError` subclass raised or built anywhere
  (`raise ValidationError("ticket.nik_format", field="nik")`): the error renders it later;
* a literal argument given to one of the few DISPATCHERS, functions that take a key and hand
  it to `t()` (the scan finds their call sites and takes the key there).

Anything else given to `t()` fails the test, as does a key missing in id or en and a
placeholder set that differs between id and en.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from counter_app.core import i18n
from counter_app.core.paths import resource

PACKAGE = Path(__file__).resolve().parents[1] / "counter_app"
TRANSLATORS = {"t", "tn", "L"}  # L: a document's local label helper, t() with its lang
# Functions that hand a key held in a variable to t(): (file, function) → why that is static.
# The key itself is a whole literal elsewhere (a raise site, a table, a constructor call), and
# every whole literal that looks like a message key is checked too (see `_mentions`).
DISPATCHERS: dict[tuple[str, str], str] = {
    ("counter_app/core/errors.py", "message"): "LoketError renders the key of its raise site",
    ("counter_app/core/i18n.py", "tn"): "tn() renders key.one / key.other",
    ("counter_app/documents/receipt.py", "L"): "the receipt's label helper, called with literal keys",
    ("counter_app/documents/service_standard_pdf.py", "L"): "the standard's label helper, literal keys",
    ("counter_app/gui/widgets/rows_model.py", "headerData"): "header keys given as literals",
    ("counter_app/cli.py", "cmd_register"): "NIK warnings: literal keys in core/nik.py",
    ("counter_app/gui/register_panel.py", "_check_nik"): "NIK warnings: literal keys in core/nik.py",
    ("counter_app/gui/register_panel.py", "submit"): "NIK warnings: literal keys in core/nik.py",
    ("counter_app/cli.py", "build_parser"): "(command, literal help key) pairs",
    ("counter_app/cli.py", "_add_privacy_commands"): "(command, literal help key) pairs",
    ("counter_app/cli.py", "text"): "(field, literal label key) pairs",
    ("counter_app/documents/tables.py", "survey_rows"): "(figure, literal label key) pairs",
    ("counter_app/gui/complaints_window.py", "_fill"): "its callers pass i18n.*_KEYS tables",
    ("counter_app/gui/survey_kiosk.py", "retranslate"): "core/survey_scales.answer_keys: literal keys",
    ("counter_app/cli.py", "cmd_privacy"): "Kept(…, 'privacy.kept.…') and a two-way literal choice",
    ("counter_app/core/settings.py", "normalise"): "a declared setting's literal message key",
    ("counter_app/documents/daily_report_pdf.py", "_key_tiles"): "(literal key, value) tiles",
    ("counter_app/documents/daily_report_pdf.py", "story"): "table titles: literal keys in a list",
    ("counter_app/documents/skm_report_pdf.py", "_result_tiles"): "(literal key, value) tiles",
    ("counter_app/gui/complaints_window.py", "__init__"): "(literal key, widget) form rows",
    ("counter_app/gui/receipt_preview.py", "retranslate"): "a two-way literal choice",
    ("counter_app/gui/serving_panel.py", "_moved"): "each move's literal notice key (MOVES)",
    ("counter_app/gui/serving_panel.py", "_break_set"): "a two-way literal choice",
    ("counter_app/gui/settings_dialog.py", "retranslate"): "tab titles: literal keys in self.pages",
    ("counter_app/store/connection.py", "translate"): "SQLite error → literal store.* key table",
    ("counter_app/sync/live.py", "_call"): "the hub's reason → literal sync.* key table",
}
# Keys in the catalogues that nothing uses today: each should be used or deleted (reported here
# so the list only shrinks; a new unused key fails the test).
KNOWN_UNUSED = {
    "cli.audit.broken",
    "gui.print.not_printed_title",
    "gui.sync.now",
    "gui.sync.running",
    "report.dialog.denied_title",
    "survey.cli.recorded",
}


def load(lang: str) -> dict[str, str]:
    with open(resource("i18n", f"{lang}.json"), encoding="utf-8") as fh:
        return json.load(fh)


@dataclass
class Scan:
    keys: dict[str, str] = field(default_factory=dict)  # key → first place it is used
    plurals: dict[str, str] = field(default_factory=dict)  # tn() base keys
    problems: list[str] = field(default_factory=list)  # non-literal keys


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _literals(node: ast.expr) -> Iterator[str] | None:
    """The keys a key expression can take, or None when it is not static."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return iter([node.value])
    if isinstance(node, ast.IfExp):
        a, b = _literals(node.body), _literals(node.orelse)
        if a is None or b is None:
            return None
        return iter([*a, *b])
    if isinstance(node, ast.Subscript):
        table = node.value
        while isinstance(table, ast.Subscript):  # PROFILE_VALUE_TABLES[field][code]
            table = table.value
        if (_name(table) or "").endswith(("_KEYS", "_TABLES")):
            return iter([])  # looked up in a key table: the table's values are collected
        return None
    return None


KEY_LIKE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")
NOT_KEYS = re.compile(
    r".*\.(pdf|json|csv|xlsx|png|svg|py|txt|db|sqlite3?|log|ogg|wav|po|mo|html|toml|lock|zip)$"
)


def _mentions(tree: ast.Module, namespaces: set[str]) -> Iterator[tuple[str, int]]:
    """Whole string literals that look like message keys of a known namespace (`privacy.kept.x`):
    keys handed around in variables before reaching t() are found where they are written."""
    parts = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if id(node) in parts:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if KEY_LIKE.fullmatch(text) and not NOT_KEYS.fullmatch(text) and text.split(".")[0] in namespaces:
                yield text, node.lineno


def _error_classes(trees: dict[Path, ast.Module]) -> dict[Path, set[str]]:
    """Per file: the LoketError subclasses whose first argument is a message key.

    A class counts when it derives from LoketError (by name, through the package) and takes
    `key` first (no `__init__` of its own, or one whose first parameter is `key`); classes with
    their own `__init__(detail)` pass a literal key to `super().__init__`, scanned there. A class
    defined in the file itself shadows one of the same name elsewhere (server's LiveError).
    """
    defs: dict[tuple[Path, str], ast.ClassDef] = {
        (path, node.name): node
        for path, tree in trees.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    derived = {"LoketError"}
    grew = True
    while grew:
        grew = False
        for (_, name), node in defs.items():
            if name not in derived and any(_name(b) in derived for b in node.bases):
                derived.add(name)
                grew = True

    def takes_key(node: ast.ClassDef) -> bool:
        for item in node.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                params = [*item.args.posonlyargs, *item.args.args][1:]
                return bool(params) and params[0].arg == "key"
        return True

    keyed = {name for (_, name), node in defs.items() if name in derived and takes_key(node)}
    result: dict[Path, set[str]] = {}
    for path in trees:
        local = {name: node for (p, name), node in defs.items() if p == path}
        here = {n for n in keyed if n not in local}
        here |= {
            n for n, node in local.items() if any(_name(b) in derived for b in node.bases) and takes_key(node)
        }
        result[path] = here
    return result


def _enclosing_functions(tree: ast.Module) -> dict[ast.AST, str]:
    """Each node → the name of the innermost function around it."""
    owner: dict[ast.AST, str] = {}

    def visit(node: ast.AST, name: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else name
            owner[child] = inner
            visit(child, inner)

    visit(tree, "")
    return owner


def scan_package() -> Scan:
    trees = {p: ast.parse(p.read_text(encoding="utf-8"), str(p)) for p in sorted(PACKAGE.rglob("*.py"))}
    error_classes = _error_classes(trees)
    result = Scan()
    catalogue = load("id")
    namespaces = {k.split(".")[0] for k in catalogue}

    def add(key: str, where: str) -> None:
        result.keys.setdefault(key, where)

    for path, tree in trees.items():
        rel = path.relative_to(PACKAGE.parent)
        owner = _enclosing_functions(tree)
        errors = error_classes[path]
        for text, line in _mentions(tree, namespaces):
            # journal action names share the look (`ticket.register`): only catalogue keys count
            if text in catalogue:
                result.keys.setdefault(text, f"{rel}:{line}")
        for node in ast.walk(tree):
            where = f"{rel}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Assign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                # a key table: NAME_KEYS = {value: "message.key", …} (literal strings only)
                if isinstance(node.value, ast.Dict) and any(
                    (_name(x) or "").endswith("_KEYS") for x in targets
                ):
                    for k, item in zip(node.value.keys, node.value.values, strict=True):
                        if k is None and (_name(item) or "").endswith("_KEYS"):
                            continue  # {**STATUS_KEYS, …}: that table is scanned where it is written
                        if isinstance(item, ast.Constant) and isinstance(item.value, str):
                            add(item.value, where)
                        else:
                            result.problems.append(
                                f"{where}: key table value {ast.unparse(item)} is not literal"
                            )
            if not isinstance(node, ast.Call) or not node.args:
                continue
            called = _name(node.func)
            first = node.args[0]
            if (
                called == "__init__"
                and isinstance(node.func, ast.Attribute)
                and owner.get(node) == "__init__"
            ):
                # super().__init__("key", …) inside an error class that takes other arguments
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and "." in first.value:
                    add(first.value, where)
                elif isinstance(first, ast.JoinedStr | ast.BinOp):
                    result.problems.append(
                        f"{where}: super().__init__({ast.unparse(first)}) is not a static key"
                    )
                continue
            if called in TRANSLATORS or called in errors:
                keys = _literals(first)
                if keys is None:
                    if called in errors and isinstance(first, ast.Attribute) and first.attr == "key":
                        continue  # re-raising another error's key (its own raise site is scanned)
                    built = isinstance(first, ast.JoinedStr | ast.BinOp)  # f"…{x}", "a." + x
                    if not built and (str(rel), owner.get(node, "")) in DISPATCHERS:
                        continue
                    result.problems.append(
                        f"{where} in {owner.get(node, '')}(): {called}({ast.unparse(first)}) is not a static key"
                    )
                    continue
                for key in keys:
                    if called == "tn":
                        result.plurals.setdefault(key, where)
                    else:
                        add(key, where)
    return result


@pytest.fixture(scope="module")
def scan() -> Scan:
    return scan_package()


def test_the_scan_reads_the_whole_package(scan: Scan) -> None:
    assert len(scan.keys) > 600
    for key in (
        "gui.register.title",
        "status.waiting",
        "receipt.title",
        "nik.unknown_region",
        "receipt.verify.bad_signature",
        "privacy.kept.active_ticket",
        "survey.csv.bad_csv",
    ):
        assert key in scan.keys, key


def test_every_key_is_static(scan: Scan) -> None:
    assert scan.problems == []


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_used_key_exists(scan: Scan, lang: str) -> None:
    catalogue = load(lang)
    missing = sorted(f"{k} ({w})" for k, w in scan.keys.items() if k not in catalogue)
    assert missing == []


def test_plural_forms_exist(scan: Scan) -> None:
    """Indonesian needs the `other` form; English `one` and `other`."""
    ids, ens = load("id"), load("en")
    missing = [f"{k}.other (id)" for k in scan.plurals if f"{k}.other" not in ids]
    missing += [
        f"{k}.{form} (en)" for k in scan.plurals for form in ("one", "other") if f"{k}.{form}" not in ens
    ]
    assert scan.plurals, "tn() is used for the people-ahead line at least"
    assert missing == []


def test_both_languages_have_the_same_keys() -> None:
    ids, ens = set(load("id")), set(load("en"))
    assert sorted(ids ^ ens) == []


def test_placeholders_agree() -> None:
    ids, ens = load("id"), load("en")
    differ = [k for k in ids if k in ens and i18n.placeholders(ids[k]) != i18n.placeholders(ens[k])]
    assert differ == []


def test_unused_keys_are_reported(scan: Scan) -> None:
    """A key nobody uses fails, unless it is on the (shrinking) KNOWN_UNUSED list."""
    used = set(scan.keys) | {f"{k}.{f}" for k in scan.plurals for f in ("one", "other")}
    unused = set(load("id")) - used
    assert sorted(unused - KNOWN_UNUSED) == []
    assert sorted(KNOWN_UNUSED - unused) == [], "now used (or deleted): take it off KNOWN_UNUSED"


# ---- t() and tn() themselves ---------------------------------------------------------------


def test_a_missing_parameter_fails_loudly_in_strict_mode() -> None:
    with pytest.raises(i18n.MissingParameter):
        i18n.t("gui.scan.valid", code="A001")


def test_a_missing_parameter_outside_tests_is_logged_and_visible(caplog: pytest.LogCaptureFixture) -> None:
    i18n.set_strict(False)
    try:
        text = i18n.t("gui.scan.valid", code="A001")
    finally:
        i18n.set_strict(True)
    assert "A001" in text and "{status}" in text  # the others filled, the hole shown
    assert "status" in caplog.text


def test_lang_is_keyword_only_and_never_a_format_parameter() -> None:
    assert i18n.t("status.waiting", lang="en") == "Waiting"
    assert i18n.t("status.waiting") == "Menunggu"
    with pytest.raises(TypeError):
        i18n.t("status.waiting", "en")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("lang", "count", "expected"),
    [
        ("id", 1, "1 orang"),
        ("id", 3, "3 orang"),
        ("en", 1, "1 person"),
        ("en", 3, "3 people"),
        ("en", 0, "0 people"),
        ("en", 1200, "1,200 people"),
        ("id", 1200, "1.200 orang"),
    ],
)
def test_plural_forms(lang: str, count: int, expected: str) -> None:
    assert i18n.tn("receipt.people_ahead_value", count, lang=lang) == expected


# DOMAIN.md's word list (issue 15, point 8): the words an Indonesian text must not use, each
# with the word it uses instead. Whole words, any case.
_AVOIDED_WORDS = {
    "antrian": "antrean (KBBI)",
    "tiket": "nomor antrean",
    "galat": "kesalahan",
    "keadaan": "status",
    "surel": "email",
    "sinkron": "sinkronisasi",
}


def test_indonesian_texts_use_the_domain_words() -> None:
    texts = json.loads(resource("i18n", "id.json").read_text(encoding="utf-8"))
    found = [
        f"{key}: {word!r} → {instead}"
        for key, text in texts.items()
        for word, instead in _AVOIDED_WORDS.items()
        if re.search(rf"\b{word}\b", text, re.IGNORECASE)
    ]
    assert found == []

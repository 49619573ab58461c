"""Settings declared once (issue 11, point 5): every key the package reads or writes is in
`core/settings.py`, only `store/settings.py` touches the Setting table, and a bad value or an
undeclared key is refused with nothing written."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from counter_app.core.errors import ValidationError
from counter_app.core.settings import SETTINGS, UndeclaredSetting
from counter_app.services import site_settings
from counter_app.services.context import Context
from counter_app.store import settings as table
from counter_app.store.models import db

PACKAGE = Path(__file__).resolve().parents[2] / "counter_app"
GATE = "counter_app.store.settings"

# Functions that take a setting key, and the position of the key among their arguments.
# `stored`, `put`, `value` (and the wrappers `_raw`/`_put`) count only where they are the gate's.
ALWAYS = {"setting": 0, "stored_text": 0, "raw_setting": 0, "put_setting": 0, "set_setting": 1}
GATE_ONLY = {"stored": 0, "put": 0, "value": 0, "_raw": 0, "_put": 0}
MAPPING = {"set_settings": 1, "put_many": 0}  # a dict literal of key → value


def _modules(root: Path) -> dict[str, ast.Module]:
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return found


def _aliases(tree: ast.Module) -> dict[str, str]:
    """Local name → what it names: a module (`import a.b as c`, `from a import b`) or a
    module's attribute (`from a.b import NAME` → `a.b:NAME`)."""
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                names[a.asname or a.name.split(".")[0]] = a.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for a in node.names:
                names[a.asname or a.name] = f"{node.module}.{a.name}|{node.module}:{a.name}"
    return names


class Keys:
    """Resolves a key argument (a literal, a module constant, `module.CONSTANT`) to its text."""

    def __init__(self, modules: dict[str, ast.Module]) -> None:
        self.modules = modules
        self.aliases = {name: _aliases(tree) for name, tree in modules.items()}
        self.constants: dict[str, dict[str, ast.expr]] = {
            name: {
                t.id: node.value
                for node in tree.body
                if isinstance(node, ast.Assign)
                for t in node.targets
                if isinstance(t, ast.Name)
            }
            for name, tree in modules.items()
        }

    def module_of(self, where: str, local: str) -> str | None:
        target = self.aliases[where].get(local)
        if target is None:
            return None
        for choice in target.split("|"):
            if ":" not in choice and choice in self.modules:
                return choice
        return None

    def resolve(self, where: str, node: ast.expr, depth: int = 0) -> str | None:
        if depth > 5:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            if node.id in self.constants[where]:
                return self.resolve(where, self.constants[where][node.id], depth + 1)
            target = self.aliases[where].get(node.id, "")
            for choice in target.split("|"):
                module, _, name = choice.partition(":")
                if name and module in self.constants and name in self.constants[module]:
                    return self.resolve(module, self.constants[module][name], depth + 1)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            module = self.module_of(where, node.value.id)
            if module is not None and node.attr in self.constants[module]:
                return self.resolve(module, self.constants[module][node.attr], depth + 1)
        return None


def used_keys(root: Path = PACKAGE) -> tuple[dict[str, list[str]], int]:
    """Every key the package's source reads or writes (key → where), and how many calls pass a
    key that is computed at run time (a loop over a form's fields)."""
    modules = _modules(root)
    keys = Keys(modules)
    found: dict[str, list[str]] = {}
    dynamic = 0
    for where, tree in modules.items():
        gate_names = {local for local, target in keys.aliases[where].items() if GATE in target.split("|")}
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            on_gate = (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in gate_names
            )
            local_wrapper = isinstance(func, ast.Name) and bool(gate_names) and name in ("_raw", "_put")
            args: list[ast.expr] = []
            if name in ALWAYS and len(node.args) > ALWAYS[name]:
                args = [node.args[ALWAYS[name]]]
            elif name in GATE_ONLY and (on_gate or local_wrapper) and node.args:
                args = [node.args[GATE_ONLY[name]]]
            elif name in MAPPING and len(node.args) > MAPPING[name]:
                mapping = node.args[MAPPING[name]]
                args = list(mapping.keys) if isinstance(mapping, ast.Dict) else [mapping]  # type: ignore[arg-type]
            for arg in args:
                key = keys.resolve(where, arg) if arg is not None else None
                if key is None:
                    dynamic += 1
                else:
                    found.setdefault(key, []).append(f"{where}:{node.lineno}")
    return found, dynamic


def table_users(root: Path = PACKAGE) -> list[str]:
    """Modules other than the gate (and the store's own schema) that name the Setting model
    or write SQL on the "setting" table."""
    sql = re.compile(r'(FROM|INTO|UPDATE|TABLE)\s+"?setting"?\b', re.I)
    users = []
    for where, tree in _modules(root).items():
        if where in (GATE, "counter_app.store.models", "counter_app.store.migrations"):
            continue
        for node in ast.walk(tree):
            named = (
                isinstance(node, ast.ImportFrom)
                and node.module == "counter_app.store.models"
                and any(a.name == "Setting" for a in node.names)
            )
            raw = isinstance(node, ast.Constant) and isinstance(node.value, str) and sql.search(node.value)
            if named or raw:
                users.append(f"{where}:{node.lineno}")  # type: ignore[attr-defined]
    return users


# ---- the source ---------------------------------------------------------------------------


def test_every_key_the_package_reads_or_writes_is_declared() -> None:
    found, dynamic = used_keys()
    undeclared = {k: v for k, v in found.items() if k not in SETTINGS}
    assert not undeclared, f"declare these in core/settings.py: {undeclared}"
    # the scan sees the real uses (a scan that finds nothing would pass for nothing)
    assert len(found) >= 25 and sum(map(len, found.values())) >= 100, (len(found), dynamic)
    for key in (
        "last_sync",
        "sync_last_result",
        "auth.throttle",
        "last_site_event",
        "offline_block",
        "complaint_deadlines",
        "privacy_last_purge",
        "sync_pull_version",
        "idle_lock_minutes",
    ):
        assert key in found, key


def test_the_scan_catches_an_undeclared_key(tmp_path: Path) -> None:
    pkg = tmp_path / "counter_app"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "mod.py").write_text(
        "from counter_app.store import settings as t\nKEY = 'made_up'\n"
        "def f(ctx):\n    t.put(KEY, 1)\n    return ctx.setting('also_made_up')\n"
    )
    found, _ = used_keys(pkg)
    assert set(found) == {"made_up", "also_made_up"}


def test_only_the_gate_touches_the_setting_table() -> None:
    assert table_users() == []


# ---- the gate -----------------------------------------------------------------------------


def test_an_undeclared_key_is_refused_at_read_and_write(ctx: Context) -> None:
    with pytest.raises(UndeclaredSetting):
        table.stored("made_up")
    with pytest.raises(UndeclaredSetting):
        table.put("made_up", "1")
    with pytest.raises(UndeclaredSetting):
        table.put_many({"site_name": "Baru", "made_up": "1"})
    assert db.execute_sql("SELECT COUNT(*) FROM setting WHERE key = 'made_up'").fetchone()[0] == 0
    assert table.stored("site_name") != "Baru"  # all or none


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("priority_cap", "tiga"),
        ("priority_cap", "-1"),
        ("offline_block", "90"),
        ("language", "fr"),
        ("paper", "a0"),
        ("sync_time", "25:00"),
        ("timezone", "Mars/Olympus"),
        ("sync_server", "ftp://hub"),
        ("verify_base_url", "mpp.example"),
        ("site_code", "P T K"),
        ("site_name", "  "),
        ("sync_last_result", "[1, 2]"),
        ("auth.throttle", "{broken"),
        ("sync_last_at", "kemarin"),
        ("complaint_deadlines", '{"ringan": {"hours": "x"}}'),
    ],
)
def test_a_bad_value_is_refused_and_nothing_is_written(ctx: Context, key: str, bad: str) -> None:
    before = table.stored(key)
    with pytest.raises(ValidationError) as info:
        table.put(key, bad)
    assert info.value.field == key
    assert table.stored(key) == before


def test_every_default_passes_its_own_check() -> None:
    for key, d in SETTINGS.items():
        text = d.default_text()
        if text is not None:
            assert d.normalise(text) == text, key
        assert d.description_id and d.description_en, key
        assert not (d.editable and d.internal), key


def test_values_are_stored_as_their_check_returns_them(ctx: Context) -> None:
    assert table.put("site_code", " ptk2 ") == "PTK2"
    assert table.put("one_active_ticket_per_nik", "ya") == "1"
    assert table.put("sync_last_result", json.dumps({"ok": True})) == '{"ok": true}'
    assert table.value("sync_last_result") == {"ok": True}
    assert table.value("last_site_event") == 0  # unset: the declared default
    ctx.reload_settings()
    assert ctx.setting("site_code") == "PTK2" and ctx.setting("one_active_ticket_per_nik") is True


def test_program_state_is_not_a_user_setting(ctx: Context) -> None:
    for key in ("last_sync", "auth.throttle", "complaint_deadlines"):
        with pytest.raises(ValidationError) as info:
            site_settings.set_settings(ctx, {key: "x"})
        assert info.value.key == "settings.unknown"
    with pytest.raises(KeyError):
        ctx.setting("last_site_event")  # read fresh from the store, never a stale cached copy

"""Every message the window shows exists in Indonesian, and both languages have the same keys."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from counter_app.core import i18n
from counter_app.core.paths import resource
from counter_app.core.roles import Role
from counter_app.core.ticket_rules import Priority, Status

GUI = Path(__file__).resolve().parents[2] / "counter_app" / "gui"
LITERAL = re.compile(r"""\bt\(\s*(["'])([A-Za-z0-9_.]+)\1""")
# Keys named inside lists and tuples handed to t() later (table headers, tab titles …).
NAMED = re.compile(r"""(["'])((?:gui|status|priority)\.[a-z0-9_.]+)\1""")


def load(lang: str) -> dict[str, str]:
    with open(resource("i18n", f"{lang}.json"), encoding="utf-8") as fh:
        return json.load(fh)


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in GUI.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        keys |= {m.group(2) for m in LITERAL.finditer(text)}
        keys |= {m.group(2) for m in NAMED.finditer(text) if not m.group(2).endswith(".")}
    return keys


def built_keys() -> set[str]:
    """Keys the screens build from names (f-strings), expanded from the same constants."""
    from counter_app.gui import (
        queue_table,
        register_panel,
        serving_panel,
        settings_catalogue,
        settings_dialog,
        settings_staff,
        setup_dialog,
    )
    from counter_app.services import site_settings

    keys = {f"gui.register.{k}" for k in register_panel.FIELDS}
    keys |= {f"gui.serving.{m.name}" for m in serving_panel.MOVES}
    keys |= {f"gui.queue.col.{c}" for c in queue_table.COLUMNS}
    keys |= {
        f"gui.queue.filter_{k}" if k in ("all", "active") else f"status.{k}"
        for k, _ in queue_table.STATUS_FILTERS
    }
    keys |= {f"gui.setup.{k}" for k in setup_dialog.FIELDS}
    keys |= {f"gui.catalogue.{k}" for k in settings_catalogue.FORM_FIELDS}
    keys |= {f"gui.staff.{k}" for k in settings_staff.NEW_FIELDS}
    every_setting = (
        settings_dialog.SITE_KEYS
        + settings_dialog.COUNTER_KEYS
        + settings_dialog.PRINTER_KEYS
        + settings_dialog.SYNC_KEYS
    )
    keys |= {f"gui.settings.key.{k}" for k in every_setting}
    keys |= {f"gui.settings.paper.{p}" for p in site_settings.PAPERS}
    keys |= {f"gui.lang.{lang}" for lang in i18n.LANGUAGES}
    keys |= {f"gui.role.{r.value}" for r in Role}
    keys |= {f"status.{s.value}" for s in Status}
    keys |= {f"priority.{p.value}" for p in Priority}
    return keys


def test_scan_finds_the_keys() -> None:
    keys = used_keys()
    assert len(keys) > 150
    assert "gui.register.title" in keys
    assert "gui.serving.none_hint" in keys


@pytest.mark.parametrize("source", ["literal", "built"])
def test_every_gui_key_exists_in_indonesian(source: str) -> None:
    keys = used_keys() if source == "literal" else built_keys()
    ids = load("id")
    keys = {k for k in keys if f"{k}.other" not in ids}  # tn() bases: key.one / key.other exist
    missing = sorted(keys - set(ids))
    assert missing == []


def test_indonesian_and_english_have_the_same_keys() -> None:
    ids, ens = set(load("id")), set(load("en"))
    assert sorted(ids - ens) == []
    assert sorted(ens - ids) == []


def test_english_gui_texts_are_translated() -> None:
    """An English text identical to the Indonesian one is only fine for names and codes."""
    ids, ens = load("id"), load("en")
    same = {
        k
        for k in ids
        if k.startswith("gui.")
        and ids[k] == ens[k]
        and re.search(r"[a-z]{4,}", re.sub(r"\{\w+\}", "", ids[k]))
    }
    allowed = {
        "gui.lang.id",
        "gui.lang.en",
        "gui.role.admin",
        "gui.status.printer",
        "gui.serving.moved",
        "gui.serving.nik",
        "gui.queue.col.status",
        "gui.queue.filter_status",
        "gui.settings.paper.a6",
        "gui.common.ok",
        "gui.catalogue.active",
        "gui.board.col.state",
        "gui.complaints.col.status",
        "gui.board.col.target",
    }
    assert sorted(same - allowed) == []


def test_placeholders_agree() -> None:
    ids, ens = load("id"), load("en")
    field = re.compile(r"\{(\w+)\}")
    differ = [
        k for k in ids if k.startswith("gui.") and set(field.findall(ids[k])) != set(field.findall(ens[k]))
    ]
    assert differ == []

"""PySide6's per-import source scan, answered in advance for modules that select no Qt feature.

Once PySide6 is loaded, its import hook (shiboken's support for the opt-in
`from __feature__ import snake_case, true_property`) reads the whole source of every module an
import statement names, once per module, for the word "PySide6", and files the module under
the default feature set (0) if it is there, under "not a Qt module" (-1) if not. Loket selects
no feature anywhere (nothing in it imports `__feature__`), so for every module the two answers
mean the same: the default Qt names. The scan is pure cost: on the way from the login to the
main window it read 83 sources, ~8 ms (peewee's 8,000 lines alone 1.6 ms), measured in
docs/benchmarks.md.

Importing this module runs `answer_in_advance()` (gui/app.py imports it right after Qt). It
files, before they are imported, Loket's own modules (0, as for every module that names
PySide6) and the libraries the window imports after Qt (-1, what the scan finds in them), and
every module already loaded but Qt's own (-1: loaded before Qt, so before the hook, they cannot
select a feature). Entries the hook already made are kept. The table is shiboken's, not a
public API: if it is not there (another PySide6), nothing is done and the scan runs as before.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import PySide6.QtCore  # noqa: F401  (loads shiboken's import hook and its table)

# Libraries imported after Qt on the way to the main window (the store's ORM and what it pulls
# in); none of them mentions PySide6. A name that is never imported only costs a dict entry.
LATER_LIBRARIES = (
    "peewee",
    "decimal",
    "uuid",
    "socket",
    "selectors",
    "select",
    "platform",
    "calendar",
    "statistics",
    "fractions",
    "numbers",
    "random",
    "hmac",
    "base64",
    "binascii",
    "textwrap",
    "unicodedata",
    "locale",
    "array",
    "bisect",
    "struct",
    "sqlite3",
    "hashlib",
)

DEFAULT_FEATURES = 0  # the hook's answer for a module that names PySide6
NOT_QT = -1  # its answer for one that does not


def feature_table() -> dict[str, int] | None:
    """Shiboken's table of modules and their feature selection, if this PySide6 has one."""
    support = sys.modules.get("shibokensupport.feature")
    table = getattr(support, "pyside_feature_dict", None)
    return table if isinstance(table, dict) else None


def package_modules(root: Path | None = None) -> list[str]:
    """The dotted names of the counter_app package's modules, from its folders (no import)."""
    root = root or Path(__file__).resolve().parent.parent
    names: list[str] = []
    stack = [(root, root.name)]
    while stack:
        folder, dotted = stack.pop()
        names.append(dotted)
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.is_dir() and not entry.name.startswith((".", "_")):
                    if os.path.exists(os.path.join(entry.path, "__init__.py")):
                        stack.append((Path(entry.path), f"{dotted}.{entry.name}"))
                elif entry.name.endswith(".py") and entry.name != "__init__.py":
                    names.append(f"{dotted}.{entry.name[:-3]}")
    return names


def answer_in_advance() -> None:
    """File the modules the scan would read (entries already there are kept)."""
    table = feature_table()
    if table is None:
        return
    for name in package_modules():
        table.setdefault(name, DEFAULT_FEATURES)
    for name in LATER_LIBRARIES:
        table.setdefault(name, NOT_QT)
    for name in list(sys.modules):
        if not name.startswith(("PySide6", "shiboken")):  # Qt's own: left to the scan
            table.setdefault(name, NOT_QT)


answer_in_advance()

"""Loket: the counter application of a Mal Pelayanan Publik."""

from __future__ import annotations

import sys
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType
from typing import Any

__version__ = "0.1.0"


class _PeeweeWithoutPostgresProbe:
    """peewee probes for psycopg when imported: ~80 ms on every start where the server extra is
    installed. The counter never reaches PostgreSQL through peewee (the sync server uses psycopg
    directly), so the drivers are hidden during that one import; later imports find them as
    usual. A finder, not an import here: `import counter_app` alone (the CLI's `--help`, the
    hall display) should not pay for peewee at all."""

    def find_spec(self, name: str, path: Any = None, target: ModuleType | None = None) -> ModuleSpec | None:
        if name != "peewee":
            return None
        sys.meta_path.remove(self)  # once
        spec = PathFinder.find_spec(name, path)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: ModuleType) -> None:
            hidden = [n for n in ("psycopg", "psycopg2") if n not in sys.modules]
            for n in hidden:
                sys.modules[n] = None  # type: ignore[assignment]
            try:
                run(module)
            finally:
                for n in hidden:
                    sys.modules.pop(n, None)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if "peewee" not in sys.modules:
    sys.meta_path.insert(0, _PeeweeWithoutPostgresProbe())

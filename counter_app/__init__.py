"""Loket: the counter application of a Mal Pelayanan Publik."""

import sys

__version__ = "0.1.0"


def _import_peewee_without_postgres_probe() -> None:
    """peewee probes for psycopg when imported: ~80 ms on every start where the server extra is
    installed. The counter never reaches PostgreSQL through peewee (the sync server uses psycopg
    directly), so hide the drivers during that one import; later imports find them as usual."""
    hidden = [name for name in ("psycopg", "psycopg2") if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    try:
        import peewee  # noqa: F401
    finally:
        for name in hidden:
            sys.modules.pop(name, None)


_import_peewee_without_postgres_probe()

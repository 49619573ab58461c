"""The Setting table: the one way in and out (declarations: `core/settings.py`).

Every read and write of the table goes through here, from the services and from the sync
layer alike (this module sits in the store layer so both may use it). A key that is not declared
is refused (`UndeclaredSetting`, a bug) and a value is stored only as its declaration's
`normalise` returns it (ValidationError otherwise, nothing written). Writes join the caller's
transaction; permission checks and audit entries belong to the use case that calls them
(`services/site_settings.py` for the user's settings).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from counter_app.core.settings import SETTINGS, coerce, declared
from counter_app.store.connection import db  # not store.models: no model classes built for it

_GET = 'SELECT "value" FROM "setting" WHERE "key" = ?'
# An upsert, not REPLACE: the row is updated in place (no delete), inside the caller's transaction.
_PUT = (
    'INSERT INTO "setting" ("key", "value") VALUES (?, ?) '
    'ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value"'
)


def stored(key: str, database: Any = db) -> str | None:
    """The stored text of a declared key; None if it was never written."""
    declared(key)
    row = database.execute_sql(_GET, (key,)).fetchone()
    return None if row is None else str(row[0])


def value(key: str, database: Any = db) -> Any:
    """The stored value as its declared type, or the declared default."""
    text = stored(key, database)
    return declared(key).default if text is None else coerce(key, text)


def put(key: str, new: Any, database: Any = db) -> str:
    """Check and store one value (in the caller's transaction); returns the text stored."""
    text = declared(key).normalise(str(new))
    database.execute_sql(_PUT, (key, text))
    return text


def put_many(values: Mapping[str, Any], database: Any = db) -> dict[str, str]:
    """Check every value first, then store them all in one transaction (all or none)."""
    checked = {key: declared(key).normalise(str(new)) for key, new in values.items()}
    with database.atomic():
        for key, text in checked.items():
            database.execute_sql(_PUT, (key, text))
    return checked


def stored_all(database: Any = db) -> dict[str, str]:
    """Every stored row of a declared key (rows an older program left under other keys are
    ignored), as text."""
    rows = database.execute_sql('SELECT "key", "value" FROM "setting"').fetchall()
    return {str(k): str(v) for k, v in rows if k in SETTINGS}


def load(database: Any = db) -> dict[str, Any]:
    """The settings a Context serves (not the internal state), typed, defaults filled in."""
    values: dict[str, Any] = {}
    stored_rows = stored_all(database)
    for key, d in SETTINGS.items():
        if d.internal:
            continue
        text = stored_rows.get(key)
        if text is None:
            values[key] = d.default
        elif d.type is dict:
            try:  # a damaged JSON value must not stop every other setting
                values[key] = coerce(key, text)
            except ValueError:
                values[key] = d.default
        else:
            values[key] = coerce(key, text)
    return values

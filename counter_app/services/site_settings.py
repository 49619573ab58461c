"""Changing the site's settings (the Setting table) with a permission check and an audit entry.

What a key is, its type, default and check: `core/settings.py`. Reading and writing the table:
`store/settings.py` (the one way in and out). This module is the user's way: only keys declared
`editable`, all or none, audited.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from counter_app.core.errors import ValidationError
from counter_app.core.paper import RECEIPT_PAPERS
from counter_app.core.roles import Permission
from counter_app.core.settings import SETTINGS
from counter_app.services import journal
from counter_app.services.context import Context
from counter_app.store import settings as table
from counter_app.store.models import db

PAPERS = RECEIPT_PAPERS  # the one paper table: core/paper.py
# Written by the sync client after a successful nightly push; not a setting a user edits.
LAST_SYNC_KEY = "last_sync"


def _check(key: str, raw: str) -> str:
    """The text to store for `key`, or ValidationError(field=key)."""
    d = SETTINGS.get(key)
    if d is None or not d.editable:  # program state and keys with their own use case
        raise ValidationError("settings.unknown", field=key, key=key)
    return d.normalise(raw)


def set_settings(ctx: Context, values: Mapping[str, Any]) -> dict[str, str]:
    """Store several settings at once (all or none); returns what actually changed."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    checked = {key: _check(key, str(value)) for key, value in values.items()}
    current = table.stored_all()
    changed = {k: v for k, v in checked.items() if current.get(k, _default_text(k)) != v}
    if changed:
        with db.atomic():
            table.put_many(changed)
            journal.audit(ctx.clock, ctx.actor.username, "settings.change", "", changed)
        ctx.reload_settings()
    return changed


def set_setting(ctx: Context, key: str, value: Any) -> bool:
    """Store one setting; True if it changed."""
    return bool(set_settings(ctx, {key: value}))


def _default_text(key: str) -> str | None:
    return SETTINGS[key].default_text()


def stored_text(key: str) -> str | None:
    """A raw stored value, also for keys other parts write (e.g. `last_sync`); None if unset."""
    return table.stored(key)

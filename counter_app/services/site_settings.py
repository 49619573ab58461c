"""Changing the site's settings (the Setting table) with a permission check and an audit entry."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlparse

from counter_app.core import i18n
from counter_app.core.errors import ValidationError
from counter_app.core.paper import RECEIPT_PAPERS
from counter_app.core.settings import SETTINGS, coerce
from counter_app.core.roles import Permission
from counter_app.services import journal
from counter_app.services.context import Context
from counter_app.store.models import Setting, db

PAPERS = RECEIPT_PAPERS  # the one paper table: core/paper.py
# Written by the sync client after a successful nightly push; not a setting a user edits.
LAST_SYNC_KEY = "last_sync"

_CODE = re.compile(r"[A-Z0-9]{1,8}")
_TIME = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")


def _check(key: str, raw: str) -> str:
    """The text to store for `key`, or ValidationError(field=key)."""
    if key not in SETTINGS:
        raise ValidationError("settings.unknown", field=key, key=key)
    text = raw.strip()
    kind = SETTINGS[key].type
    if kind is int:
        try:
            number = int(text)
        except ValueError:
            raise ValidationError("settings.number", field=key) from None
        if number < 0:
            raise ValidationError("settings.number", field=key)
        return str(number)
    if kind is bool:
        return "1" if coerce(key, text) else "0"
    if key in ("site_code", "counter_code"):
        text = text.upper()
        if not _CODE.fullmatch(text):
            raise ValidationError("setup.code", field=key, value=raw)
    elif key == "site_name" and not text:
        raise ValidationError("settings.required", field=key)
    elif key == "language" and text not in i18n.LANGUAGES:
        raise ValidationError("settings.language", field=key)
    elif key == "paper" and text not in PAPERS:
        raise ValidationError("settings.paper", field=key)
    elif key == "sync_time" and not _TIME.fullmatch(text):
        raise ValidationError("settings.time", field=key)
    elif key in ("verify_base_url", "sync_server") and text:
        url = urlparse(text)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ValidationError("settings.url", field=key)
    elif key == "timezone":
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(text)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError("settings.timezone", field=key) from None
    return text


def set_settings(ctx: Context, values: Mapping[str, Any]) -> dict[str, str]:
    """Store several settings at once (all or none); returns what actually changed."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    checked = {key: _check(key, str(value)) for key, value in values.items()}
    current = {row.key: row.value for row in Setting.select()}
    changed = {k: v for k, v in checked.items() if current.get(k, _default_text(k)) != v}
    if changed:
        with db.atomic():
            for key, value in changed.items():
                Setting.insert(key=key, value=value).on_conflict_replace().execute()
            journal.audit(ctx.clock, ctx.actor.username, "settings.change", "", changed)
        ctx.reload_settings()
    return changed


def set_setting(ctx: Context, key: str, value: Any) -> bool:
    """Store one setting; True if it changed."""
    return bool(set_settings(ctx, {key: value}))


def _default_text(key: str) -> str:
    default = SETTINGS[key].default
    if isinstance(default, bool):
        return "1" if default else "0"
    return str(default)


def stored_text(key: str) -> str | None:
    """A raw stored value, also for keys other parts write (e.g. `last_sync`); None if unset."""
    row = Setting.get_or_none(Setting.key == key)
    return None if row is None else row.value

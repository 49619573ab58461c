"""Is the day's retention purge due? One setting read, without importing `services.privacy`.

The window's start asks at every start, and on most starts the purge already ran that local day:
importing privacy (its dataclasses, journal, the PII rules; ~5 ms) only to read one setting
delayed the login. So the start asks `due` first and imports privacy only when it says yes;
privacy's own `purge_if_due` (midnight, after a sync) asks the same question through `due`.
(This module never imports privacy: privacy imports it.)
"""

from __future__ import annotations

import json
from typing import Any

from counter_app.core.clock import local_day
from counter_app.services.context import Context
from counter_app.store import settings as setting_table

LAST_PURGE_KEY = "privacy_last_purge"  # JSON: {"at", "day", "cutoff", "counts"}


def last_purge(ctx: Context) -> dict[str, Any] | None:
    text = setting_table.stored(LAST_PURGE_KEY)
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def due(ctx: Context) -> bool:
    """Once per local day; a restored old copy carries an older day of its own, so it is due."""
    last = last_purge(ctx)
    today = str(local_day(ctx.clock.now(), ctx.tz))
    return last is None or last.get("day") != today

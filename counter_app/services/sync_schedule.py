"""When the nightly sync is due: the setting `sync_time` in the site's zone, a catch-up when the
PC was off at that moment, and a few retries after a failed scheduled run.

Qt-free rules; the window's timer (`gui/nightly_sync.py`) only asks them and waits.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from counter_app.services.context import Context

DEFAULT_TIME = time(21, 0)
RETRY_AFTER = timedelta(minutes=30)  # after a failed scheduled run …
RETRIES = 3  # … this many times, then wait for the next night


def sync_time(ctx: Context) -> time:
    """The local time of the nightly run (the default when the setting is unreadable)."""
    try:
        hours, minutes = str(ctx.setting("sync_time")).split(":")
        return time(int(hours), int(minutes))
    except (ValueError, KeyError):
        return DEFAULT_TIME


def last_scheduled(ctx: Context, now: datetime) -> datetime:
    """The latest scheduled moment at or before `now` (aware, in the site's zone)."""
    local = now.astimezone(ZoneInfo(ctx.tz))
    at = datetime.combine(local.date(), sync_time(ctx), local.tzinfo)
    return at if at <= local else at - timedelta(days=1)


def next_scheduled(ctx: Context, now: datetime) -> datetime:
    return last_scheduled(ctx, now) + timedelta(days=1)


def is_configured(ctx: Context) -> bool:
    """A server and this device's token are both known."""
    # The sync service (httpx, the sync client) only when a server is set: a counter without
    # one never needs it, and the window reads this schedule at its first tick.
    if not ctx.setting("sync_server"):
        return False
    from counter_app.services import sync

    return sync.saved_token(ctx.data_dir) is not None


def catch_up_due(ctx: Context, now: datetime) -> bool:
    """The PC was off (or the program closed) at the last scheduled time."""
    from counter_app.services import sync

    ok_at = sync.last_sync(ctx).ok_at
    return ok_at is None or ok_at < last_scheduled(ctx, now)


def due_at_start(ctx: Context, now: datetime, catch_up_delay: timedelta) -> datetime:
    """When to run first after the program starts: soon if last night's run was missed."""
    if is_configured(ctx) and catch_up_due(ctx, now):
        return now + catch_up_delay
    return next_scheduled(ctx, now)


def retry_at(ctx: Context, due: datetime | None, now: datetime) -> datetime:
    """After a failed scheduled run: again in a while, but not later than the next one due."""
    return min(due or next_scheduled(ctx, now), now + RETRY_AFTER)

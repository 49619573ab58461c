"""Time: stored in UTC, days counted in the site's local time zone (default Asia/Pontianak)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol, overload
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Pontianak"


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told to: for tests, demo days and benchmarks."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now


def to_db(when: datetime) -> datetime:
    """Naive UTC, the form stored in SQLite."""
    return when.astimezone(UTC).replace(tzinfo=None)


@overload
def from_db(when: datetime) -> datetime: ...
@overload
def from_db(when: None) -> None: ...
@overload
def from_db(when: datetime | None) -> datetime | None: ...
def from_db(when: datetime | None) -> datetime | None:
    """Aware UTC from the stored naive UTC (None stays None: an optional column)."""
    return None if when is None else when.replace(tzinfo=UTC)


def local_day(when: datetime, tz: str = DEFAULT_TZ) -> date:
    return when.astimezone(ZoneInfo(tz)).date()


def day_bounds_utc(day: date, tz: str = DEFAULT_TZ) -> tuple[datetime, datetime]:
    """[start, end) of a local day, as naive UTC for queries."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(0), zone)
    end = start + timedelta(days=1)
    return to_db(start), to_db(end)


def local_time_text(when: datetime, tz: str = DEFAULT_TZ, fmt: str = "%d-%m-%Y %H:%M") -> str:
    return when.astimezone(ZoneInfo(tz)).strftime(fmt)

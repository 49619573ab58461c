"""The one rule for a report's period: which days a report may cover.

Every report of the program (the daily summary, the IKM and the SKM report, the server's
consolidated figures) checks its [first, last] days here, so they all refuse the same periods
with the same words.
"""

from __future__ import annotations

from datetime import date

from counter_app.core.errors import ValidationError

# A year, leap day included. The SKM survey is run (at least) once a year (PermenPANRB
# 14/2017) and the daily summary of a year is the longest a supervisor prints; it also keeps one
# report's pass over the tickets bounded (3,000 a day × 366 ≈ 1.1 million rows in memory).
MAX_PERIOD_DAYS = 366


def period_days(first: date, last: date) -> int:
    """Days in [first, last], both included."""
    return (last - first).days + 1


def period_ok(first: date, last: date) -> bool:
    """The period runs forwards and covers at most MAX_PERIOD_DAYS days."""
    return first <= last and period_days(first, last) <= MAX_PERIOD_DAYS


def check_period(first: date, last: date | None = None) -> tuple[date, date]:
    """(first, last) of a report period (one day when `last` is None), or ValidationError:
    `report.range_order` when it runs backwards, `report.range_too_long` when too long."""
    last = last or first
    if last < first:
        raise ValidationError("report.range_order", field="to", start=str(first), end=str(last))
    if period_days(first, last) > MAX_PERIOD_DAYS:
        raise ValidationError("report.range_too_long", field="to", max=MAX_PERIOD_DAYS)
    return first, last

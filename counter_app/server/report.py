"""Consolidated daily figures of every device, from the synced ticket payloads.

The same definitions as the counter's rekap harian (`counter_app.services.daily_report`, whose
docstring is the reference): counts by final status, waiting time = first call − arrival (every
ticket called at least once), service time = finish − start (served tickets), within target =
call → finish ≤ the service's target (served tickets with both times), durations in whole
milliseconds, mean / median / nearest-rank P90 / max in seconds rounded to 0.1. The fields of
`totals` and of each `by_service` row are those of that module's `to_json()`; `by_device` adds
one row per device. The server computes them again from the payloads rather than importing the
counter's services (which read the counter's own peewee store); tests/server compare the two
on the same tickets so that they cannot drift apart.

A stored ticket the report cannot read (not an object, an unknown status, a time that is not
ISO 8601 with its offset, times of mixed kinds …) is left out and counted in `skipped`: one bad
record must never make the report fail for everyone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from counter_app.core.statistics import Durations
from counter_app.core.ticket_rules import ACTIVE, Status

OPEN = frozenset(s.value for s in ACTIVE)
_US = timedelta(microseconds=1)


def _ms(later: str | None, earlier: str | None) -> int | None:
    if later is None or earlier is None:
        return None
    us = (datetime.fromisoformat(later) - datetime.fromisoformat(earlier)) // _US
    # half away from zero, as SQLite's ROUND in the counter's report
    return (abs(us) + 500) // 1000 * (1 if us >= 0 else -1)


def _durations(values: list[int], prefix: str) -> dict[str, Any]:
    # the counter's own statistics (core/statistics.py): one median, one P90, one rounding
    return Durations.from_ms(values).to_json(prefix)


_STATUSES = frozenset(s.value for s in Status)
_UNREADABLE = (ValueError, TypeError, KeyError, AttributeError, OverflowError)


@dataclass(frozen=True)
class _Facts:
    """What the report takes from one ticket, all read before any of it is counted."""

    service_code: str
    status: str
    transferred: bool
    wait: int | None
    service: int | None
    within: int | None  # 1 or 0 when measured against the target


def _aware_ms(later: Any, earlier: Any) -> int | None:
    for value in (later, earlier):
        if value is not None and (not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is None):
            raise ValueError("a time without its offset")
    return _ms(later, earlier)


def _facts(t: Any, services: dict[str, dict[str, Any]]) -> _Facts:
    """Raises one of _UNREADABLE for a ticket the report cannot read."""
    if not isinstance(t, dict):
        raise TypeError("not an object")
    status, code = t["status"], t["service"]
    if status not in _STATUSES or not isinstance(code, str):
        raise ValueError("unknown status or service")
    if not isinstance(t["arrived_at"], str):
        raise ValueError("no arrival time")
    doc = services.get(code)
    target = int(doc["target_minutes"]) * 60_000 if doc and "target_minutes" in doc else None
    wait = _aware_ms(t.get("first_called_at"), t["arrived_at"])
    service = within = None
    if status == Status.DONE.value:
        service = _aware_ms(t.get("finished_at"), t.get("started_at"))
        call_to_finish = _aware_ms(t.get("finished_at"), t.get("first_called_at"))
        if call_to_finish is not None and target is not None:
            within = int(call_to_finish <= target)
    return _Facts(code, status, bool(t.get("transferred_from")), wait, service, within)


@dataclass
class _Acc:
    tickets: int = 0
    via_transfer: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    waits: list[int] = field(default_factory=list)
    services: list[int] = field(default_factory=list)
    within: int = 0
    measured: int = 0

    def add(self, f: _Facts) -> None:
        self.tickets += 1
        self.counts[f.status] = self.counts.get(f.status, 0) + 1
        if f.transferred:
            self.via_transfer += 1
        if f.wait is not None:
            self.waits.append(f.wait)
        if f.service is not None:
            self.services.append(f.service)
        if f.within is not None:
            self.measured += 1
            self.within += f.within

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "registered": self.tickets,
            "served": self.counts.get(Status.DONE.value, 0),
            "no_show": self.counts.get(Status.NO_SHOW.value, 0),
            "cancelled": self.counts.get(Status.CANCELLED.value, 0),
            "transferred": self.counts.get(Status.TRANSFERRED.value, 0),
            "waiting": sum(n for s, n in self.counts.items() if s in OPEN),
        }
        out.update(_durations(self.waits, "wait"))
        out.update(_durations(self.services, "service"))
        out["within_target"] = self.within
        out["target_measured"] = self.measured
        out["within_target_pct"] = round(100.0 * self.within / self.measured, 1) if self.measured else None
        return out


def consolidated_daily(
    tickets: Iterable[tuple[str, dict[str, Any]]],
    services: dict[str, dict[str, Any]],
    day_from: date,
    day_to: date,
) -> dict[str, Any]:
    """The figures of (device, ticket payload) pairs; `services`: the published catalogue
    (code → document with letter, names, agency, target_minutes, active), possibly empty."""
    totals = _Acc()
    per_service: dict[str, _Acc] = {}
    per_device: dict[str, _Acc] = {}
    skipped = 0
    for device, t in tickets:
        try:
            facts = _facts(t, services)
        except _UNREADABLE:
            skipped += 1  # left out, and said so
            continue
        totals.add(facts)
        per_service.setdefault(facts.service_code, _Acc()).add(facts)
        per_device.setdefault(device, _Acc()).add(facts)

    shown = {code for code, doc in services.items() if doc.get("active", True)} | set(per_service)

    def order(code: str) -> tuple[str, str]:
        return (str(services[code].get("letter", "")) if code in services else "", code)

    by_service = []
    for code in sorted(shown, key=order):
        row: dict[str, Any] = {"service": code}
        doc = services.get(code)
        if doc:
            row["name"] = doc.get("name_id", "")
            row["name_en"] = doc.get("name_en") or doc.get("name_id", "")
            row.update(
                {
                    "agency": doc.get("agency"),
                    "letter": doc.get("letter"),
                    "target_minutes": doc.get("target_minutes"),
                }
            )
        row.update(per_service.get(code, _Acc()).to_json())
        by_service.append(row)

    total = totals.to_json()
    total["visitors"] = totals.tickets - totals.via_transfer
    total["transferred_in"] = totals.via_transfer
    return {
        "date": day_from.isoformat(),
        "date_to": day_to.isoformat(),
        "days": (day_to - day_from).days + 1,
        "scope": {"devices": sorted(per_device)},
        "generated_at": datetime.now(UTC).isoformat(),
        "totals": total,
        "by_service": by_service,
        "by_device": [{"device": d, **per_device[d].to_json()} for d in sorted(per_device)],
        "skipped": skipped,  # stored tickets that could not be read (left out of every figure)
    }

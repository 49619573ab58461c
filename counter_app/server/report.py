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


@dataclass
class _Acc:
    tickets: int = 0
    via_transfer: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    waits: list[int] = field(default_factory=list)
    services: list[int] = field(default_factory=list)
    within: int = 0
    measured: int = 0

    def add(self, t: dict[str, Any], target_ms: int | None) -> None:
        status = str(t.get("status"))
        self.tickets += 1
        self.counts[status] = self.counts.get(status, 0) + 1
        if t.get("transferred_from"):
            self.via_transfer += 1
        wait = _ms(t.get("first_called_at"), t.get("arrived_at"))
        if wait is not None:
            self.waits.append(wait)
        if status == Status.DONE.value:
            service = _ms(t.get("finished_at"), t.get("started_at"))
            if service is not None:
                self.services.append(service)
            call_to_finish = _ms(t.get("finished_at"), t.get("first_called_at"))
            if call_to_finish is not None and target_ms is not None:
                self.measured += 1
                if call_to_finish <= target_ms:
                    self.within += 1

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
        out["within_target_pct"] = (
            round(100.0 * self.within / self.measured, 1) if self.measured else None
        )
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
    for device, t in tickets:
        code = str(t.get("service"))
        doc = services.get(code)
        target = int(doc["target_minutes"]) * 60_000 if doc and "target_minutes" in doc else None
        totals.add(t, target)
        per_service.setdefault(code, _Acc()).add(t, target)
        per_device.setdefault(device, _Acc()).add(t, target)

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
                {"agency": doc.get("agency"), "letter": doc.get("letter"),
                 "target_minutes": doc.get("target_minutes")}
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
    }

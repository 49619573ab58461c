"""The supervisor's daily summary (rekap harian): every figure of the report, computed once.

`daily_figures(ctx, day_from, day_to=None, *, counter=None)` is the only place the figures are
computed; the PDF, the XLSX/CSV exports, the report dialog and `counter-app report daily --json`
all show the `DailyFigures` it returns (the documents layer gets its `to_json()` snapshot;
`report_pdf`, `report_xlsx`, `report_csv` render it). The statistics themselves (median, P90,
durations, shares, arrivals per hour) are core/statistics.py, shared with the server's report;
the period rule is core/period.py; saving the documents is services/report_files.py and the
terminal lines are services/report_text.py.

Period and scope
    The tickets whose local issue day (`Ticket.day`) lies in [day_from, day_to] (one day when
    day_to is None). Scope `counter=None`: every ticket in this local store. Scope
    `counter="L01"`: the tickets that counter called (`Ticket.counter`), plus the tickets nobody
    has called yet (waiting, or cancelled before a call) of the services that counter serves.

Counts (by final status)
    registered   tickets issued in the period, including the new tickets a transfer issues
                 (`transferred_in` of them; `visitors` = registered − transferred_in).
    served       status `done`.          no_show      status `no_show`.
    cancelled    status `cancelled`.     transferred  status `transferred` (sent elsewhere).
    waiting      still open: status `waiting`, `called` or `serving` (for a past day, tickets
                 left open at the end of the day). The six counts add up to `registered`.

Times (seconds; computed from whole milliseconds)
    waiting time   first_called_at − arrived_at, for every ticket that was called at least once
                   (whatever its final status). A ticket issued by a transfer keeps the
                   visitor's first arrival, so its wait counts from the first arrival.
    service time   finished_at − started_at, for served (`done`) tickets.
    For each: n, mean, median (the middle value; the mean of the two middle values when n is
    even), p90 (nearest-rank: the value at rank ⌈0.9·n⌉ of the sorted values), max. Empty → None.
    within target  of the served tickets with both times, the share whose
                   finished_at − first_called_at ≤ the service's `target_minutes` × 60 s
                   (call to finish: what the visitor experiences at the desk). Percent, 1 dp.

Breakdowns
    by_service (every active service in scope, plus any other with tickets): all of the above.
    by_agency (merged from its services), by_priority (class "" = general), by_counter
    (tickets called there; `handled` = tickets), by_officer (`served_by`: who last called or
    started the ticket), by_day (one row per day of the period): counts, means and max; the
    median and P90 only where their tables show them (agencies, priority classes, days: waiting
    time; officers: service time). In the JSON a figure not computed is absent, never null.
    arrivals_by_hour   24 counts: tickets by the local hour of `arrived_at`, leaving out tickets
                       issued by a transfer (the visitor arrived once).
    longest_waits      the 10 longest waiting times: day, code, service, status, wait.

Survey and complaints
    survey       the IKM (PermenPANRB 14/2017, core/ikm.py) of the survey responses whose day
                 lies in the period, in the report's scope (counter scope: responses given at
                 that counter): respondents (complete responses), incomplete ones, NRR and
                 NRR × 25 per element U1…U9, population (visitors served) and the
                 Krejcie–Morgan sample.
    complaints   complaints received in the period (whole store, whatever the scope): received,
                 answered in time (closed by the deadline), answered late, overdue (still open
                 past the deadline when the report is made), open within the deadline.

Notes (unusual things, as data: kind + parameters; the documents word them)
    gap           numbers missing in a letter's daily sequence (a day's tickets of letter A
                  should be A001…A0NN with none missing, NN = the sequence's last number); checked
                  over the whole store whatever the scope, because letters are shared.
    open_at_close tickets still open on a day that is over (before today's local date).
    time_order    tickets whose times run backwards (negative wait or service time).
    missing_times served tickets without a call or start time (no service time / target check).

Speed: one SELECT over the period (a `(day, …)` index), durations differenced by SQLite in
whole milliseconds and the grouping columns joined into one text key per row; then one pass in
Python into cells (service × priority × counter × officer × day × status × letter) that every
breakdown merges; sorted per-service durations are reused for agencies and totals. Ticket
codes are rebuilt from letter and number (`numbering.ticket_code`, as registration makes them).
bench/bench_report.py: a 3,000-ticket day in ~0.15 s with its PDF, 90 days (270,000 tickets)
in ~1.5-2 s, about 4× the bare SQL `COUNT/AVG … GROUP BY service` of the same rows.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from counter_app.core.clock import local_day
from counter_app.core.errors import NotFound
from counter_app.core.numbering import ticket_code
from counter_app.core.period import check_period
from counter_app.core.roles import Permission
from counter_app.core.statistics import Durations, Tally, hour_counts, share_pct
from counter_app.core.ticket_rules import ACTIVE, Status
from counter_app.services.context import Context
from counter_app.services.rows import fk_id
from counter_app.store.models import (
    Agency,
    Counter,
    CounterService,
    QueueSequence,
    Service,
    Staff,
    db,
)

TOP_WAITS = 10
OPEN = frozenset(s.value for s in ACTIVE)
_DIGITS = re.compile(r"(\d+)")

_SEP = "\x1f"  # ASCII unit separator: in no code, username, status or date
# Times are stored as peewee's text 'YYYY-MM-DD HH:MM:SS[.ffffff]' (naive UTC): the arrival's
# minute of the UTC day is read straight from the text; durations are differenced by julianday.
_SQL = """
SELECT "service_id" || char(31) || "priority" || char(31) || ifnull("counter", '') || char(31)
       || ifnull("served_by", '') || char(31) || "day" || char(31) || "status" || char(31)
       || "letter",
       "seq",
       "transferred_from" IS NOT NULL,
       CAST(substr("arrived_at", 12, 2) AS INTEGER) * 60 + CAST(substr("arrived_at", 15, 2) AS INTEGER),
       CAST(ROUND((julianday("first_called_at") - julianday("arrived_at")) * 86400000.0) AS INTEGER),
       CAST(ROUND((julianday("finished_at") - julianday("started_at")) * 86400000.0) AS INTEGER),
       CAST(ROUND((julianday("finished_at") - julianday("first_called_at")) * 86400000.0) AS INTEGER)
FROM "ticket" WHERE "day" >= ? AND "day" <= ?
"""


def natural_key(text: str) -> list[Any]:
    """`petugas.2` before `petugas.10`: digit runs compare as numbers."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(text) if part]


# ---- the result ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One row of a breakdown (or the totals): counts by status and time summaries."""

    key: str
    name: str = ""
    name_en: str = ""
    tickets: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    wait: Durations = Durations()
    service: Durations = Durations()
    within_target: int = 0
    target_measured: int = 0
    info: dict[str, Any] = field(default_factory=dict)  # e.g. agency, letter, target_minutes

    @property
    def served(self) -> int:
        return self.counts.get(Status.DONE.value, 0)

    @property
    def no_show(self) -> int:
        return self.counts.get(Status.NO_SHOW.value, 0)

    @property
    def cancelled(self) -> int:
        return self.counts.get(Status.CANCELLED.value, 0)

    @property
    def transferred(self) -> int:
        return self.counts.get(Status.TRANSFERRED.value, 0)

    @property
    def waiting(self) -> int:
        return sum(self.counts.get(s, 0) for s in OPEN)

    @property
    def within_target_pct(self) -> float | None:
        return share_pct(self.within_target, self.target_measured)

    def to_json(self, key_name: str | None, count_name: str = "registered") -> dict[str, Any]:
        pct = self.within_target_pct
        out: dict[str, Any] = {key_name: self.key} if key_name else {}
        if self.name or self.name_en:
            out["name"] = self.name
            out["name_en"] = self.name_en or self.name
        out.update(self.info)
        out.update(
            {
                count_name: self.tickets,
                "served": self.served,
                "no_show": self.no_show,
                "cancelled": self.cancelled,
                "transferred": self.transferred,
                "waiting": self.waiting,
            }
        )
        out.update(self.wait.to_json("wait"))
        out.update(self.service.to_json("service"))
        out["within_target"] = self.within_target
        out["target_measured"] = self.target_measured
        out["within_target_pct"] = None if pct is None else round(pct, 1)
        return out


@dataclass(frozen=True)
class LongWait:
    day: date
    code: str
    service: str
    service_name: str
    service_name_en: str
    status: str
    wait_s: float


@dataclass(frozen=True)
class Note:
    """Something unusual, as data; `kind` names the message `report.note.<kind>`."""

    kind: str
    params: dict[str, Any]


@dataclass(frozen=True)
class DailyFigures:
    day_from: date
    day_to: date
    counter: str | None
    counter_name: str | None
    site_code: str
    site_name: str
    timezone: str
    generated_at: datetime  # aware UTC
    totals: Group
    visitors: int
    transferred_in: int
    by_service: list[Group]
    by_agency: list[Group]
    by_priority: list[Group]
    by_counter: list[Group]
    by_officer: list[Group]
    by_day: list[Group]
    arrivals_by_hour: list[int]  # 24 counts, local hours 0..23
    longest_waits: list[LongWait]
    notes: list[Note]
    # The satisfaction survey of the period's respondents (services/skm_report.day_section) and the
    # complaints received in it (services/complaints.counts); None when not computed.
    survey: dict[str, Any] | None = None
    complaints: dict[str, Any] | None = None
    # The *segel audit*: the audit chain's head at the end of the period (`seq`, `hash`), printed
    # above the signature so the signed paper anchors the chain outside the file.
    audit_head: dict[str, Any] | None = None

    @property
    def days(self) -> int:
        return (self.day_to - self.day_from).days + 1

    def service_row(self, code: str) -> Group | None:
        return next((g for g in self.by_service if g.key == code), None)

    def to_json(self) -> dict[str, Any]:
        """The figures as plain JSON-ready data: the snapshot every document renders from."""
        tot = self.totals
        totals = tot.to_json(None)
        totals["visitors"] = self.visitors
        totals["transferred_in"] = self.transferred_in
        return {
            "date": self.day_from.isoformat(),
            "date_to": self.day_to.isoformat(),
            "days": self.days,
            "scope": {"counter": self.counter, "counter_name": self.counter_name},
            "site": {"code": self.site_code, "name": self.site_name},
            "timezone": self.timezone,
            "generated_at": self.generated_at.isoformat(),
            "totals": totals,
            "by_service": [g.to_json("service") for g in self.by_service],
            "by_agency": [g.to_json("agency") for g in self.by_agency],
            "by_priority": [g.to_json("priority") for g in self.by_priority],
            "by_counter": [g.to_json("counter", "handled") for g in self.by_counter],
            "by_officer": [g.to_json("officer", "handled") for g in self.by_officer],
            "by_day": [g.to_json("day") for g in self.by_day],
            "arrivals_by_hour": [{"hour": h, "count": n} for h, n in enumerate(self.arrivals_by_hour)],
            "longest_waits": [
                {
                    "day": w.day.isoformat(),
                    "code": w.code,
                    "service": w.service,
                    "name": w.service_name,
                    "name_en": w.service_name_en,
                    "status": w.status,
                    "wait_s": round(w.wait_s, 1),
                }
                for w in self.longest_waits
            ],
            "notes": [{"kind": n.kind, **n.params} for n in self.notes],
            **({"survey": self.survey} if self.survey is not None else {}),
            **({"complaints": self.complaints} if self.complaints is not None else {}),
            **({"audit_head": self.audit_head} if self.audit_head is not None else {}),
        }


# ---- computing ----------------------------------------------------------------------------


class _Cell:
    """Tickets sharing service, priority, counter, officer, day, status and queue letter: the
    unit every breakdown merges, so that each ticket is looked at once, briefly."""

    __slots__ = (
        "service",
        "priority",
        "counter",
        "officer",
        "day",
        "status",
        "letter",
        "in_scope",
        "done",
        "open",
        "target",
        "seqs",
        "tickets",
        "via_transfer",
        "minutes",
        "waits",
        "services",
        "within",
        "measured",
    )

    def __init__(self, key: str, scope: Callable[[str, str | None], bool], targets: dict[str, int]) -> None:
        svc, prio, ctr, by, day, status, letter = key.split(_SEP)
        self.service, self.priority, self.day, self.status, self.letter = svc, prio, day, status, letter
        self.counter = ctr or None
        self.officer = by or None
        self.in_scope = scope(svc, self.counter)
        self.done = status == Status.DONE.value
        self.open = status in OPEN
        self.target = targets.get(svc, 0)
        self.seqs: list[int] = []  # every ticket, in scope or not (gap check)
        self.tickets = 0
        self.via_transfer = 0
        self.minutes: list[int] = []  # arrival, minutes after 00:00 UTC (not via transfer)
        self.waits: list[int] = []
        self.services: list[int] = []
        self.within = 0
        self.measured = 0


def _accumulate(cells: Iterable[_Cell]) -> Tally:
    acc = Tally()
    for c in cells:
        acc.add(c.status, c.tickets, c.waits, c.services, c.within, c.measured)
    return acc


def _group(
    key: str, acc: Tally, *, wait_stats: bool = True, service_stats: bool = True, **labels: Any
) -> Group:
    return Group(
        key=key,
        tickets=acc.tickets,
        counts=acc.counts,
        wait=Durations.from_ms(acc.waits, order_stats=wait_stats),
        service=Durations.from_ms(acc.services, order_stats=service_stats),
        within_target=acc.within,
        target_measured=acc.measured,
        **labels,
    )


def _days(day_from: date, day_to: date) -> list[date]:
    return [day_from + timedelta(days=i) for i in range((day_to - day_from).days + 1)]


def daily_figures(
    ctx: Context,
    day_from: date,
    day_to: date | None = None,
    *,
    counter: str | None = None,
) -> DailyFigures:
    """Every figure of the daily summary for a day (or a range of days) and a scope."""
    ctx.actor.require(Permission.REPORT)
    day_from, day_to = check_period(day_from, day_to)
    tz = ctx.tz
    zone = ZoneInfo(tz)
    now = ctx.clock.now()
    today = local_day(now, tz)

    services = {s.code: s for s in Service.select()}
    agencies = {a.code: a.name for a in Agency.select()}
    counter_name: str | None = None
    scope_services: set[str] | None = None
    if counter is not None:
        counter = counter.strip().upper()
        row = Counter.get_or_none(Counter.code == counter)
        if row is None:
            raise NotFound("counter.unknown", code=counter)
        counter_name = row.name
        scope_services = {
            fk_id(link, CounterService.service)
            for link in CounterService.select().where(CounterService.counter == counter)
        }

    def in_scope(svc: str, ctr: str | None) -> bool:
        if scope_services is None:
            return True
        return ctr == counter or (ctr is None and svc in scope_services)

    targets = {code: s.target_minutes * 60_000 for code, s in services.items()}
    cells: dict[str, _Cell] = {}
    top: list[tuple[int, int, int, _Cell]] = []  # min-heap (wait, tie, seq, cell) of the longest
    tie = 0
    backwards = 0
    missing_times = 0

    # The one pass. Everything a ticket is grouped by travels as one text key (one string per
    # row instead of seven); durations are differenced by SQLite in whole milliseconds.
    cursor = db.execute_sql(_SQL, (day_from.isoformat(), day_to.isoformat()))
    get = cells.get
    for key, seq, via_transfer, minute, wait, service_ms, call_to_finish in cursor:
        cell = get(key)
        if cell is None:
            cell = cells[key] = _Cell(key, in_scope, targets)
        cell.seqs.append(seq)
        if not cell.in_scope:
            continue
        cell.tickets += 1
        if via_transfer:
            cell.via_transfer += 1
        else:
            cell.minutes.append(minute)
        if wait is not None:
            cell.waits.append(wait)
            if wait < 0:
                backwards += 1
            if len(top) < TOP_WAITS:
                heapq.heappush(top, (wait, tie, seq, cell))
                tie += 1
            elif wait > top[0][0]:
                heapq.heapreplace(top, (wait, tie, seq, cell))
                tie += 1
        if cell.done:
            if service_ms is None or call_to_finish is None:
                missing_times += 1
            if service_ms is not None:
                cell.services.append(service_ms)
                if service_ms < 0:
                    backwards += 1
            if call_to_finish is not None:
                cell.measured += 1
                if call_to_finish <= cell.target:
                    cell.within += 1

    scoped = [c for c in cells.values() if c.in_scope]

    def by(attr: str) -> dict[Any, list[_Cell]]:
        out: dict[Any, list[_Cell]] = {}
        for c in scoped:
            out.setdefault(getattr(c, attr), []).append(c)
        return out

    # by service: every service in scope (zeros included), then any other that has tickets.
    # Their sorted durations are reused: agencies and totals merge already sorted runs.
    per_service = by("service")
    shown = {
        code
        for code, s in services.items()
        if s.active and (scope_services is None or code in scope_services)
    } | set(per_service)
    ordered = sorted(shown, key=lambda c: (services[c].letter if c in services else "", c))
    service_acc: dict[str, Tally] = {}
    for code in ordered:
        acc = _accumulate(per_service.get(code, []))
        acc.waits.sort()
        acc.services.sort()
        service_acc[code] = acc

    def label(code: str) -> dict[str, Any]:
        s = services[code]
        return {
            "name": s.name_id,
            "name_en": s.name_en,
            "info": {
                "agency": fk_id(s, Service.agency),
                "letter": s.letter,
                "target_minutes": s.target_minutes,
            },
        }

    by_service = [_group(code, service_acc[code], **label(code)) for code in ordered]

    agency_order = list(dict.fromkeys(fk_id(services[c], Service.agency) for c in ordered))
    by_agency = [
        _group(
            a,
            Tally.merged(service_acc[c] for c in ordered if fk_id(services[c], Service.agency) == a),
            service_stats=False,
            name=agencies.get(a, a),
        )
        for a in agency_order
    ]
    totals = _group("", Tally.merged(service_acc.values()))

    per_priority = by("priority")
    by_priority = [
        _group(p, _accumulate(per_priority[p]), service_stats=False)
        for p in sorted(per_priority, key=lambda p: (p != "", p))
    ]
    per_counter = by("counter")
    counter_names = {c.code: c.name for c in Counter.select()}
    by_counter = [
        _group(
            c,
            _accumulate(per_counter[c]),
            wait_stats=False,
            service_stats=False,
            name=counter_names.get(c, c),
        )
        for c in sorted((k for k in per_counter if k is not None), key=natural_key)
    ]
    per_officer = by("officer")
    officer_keys = sorted((k for k in per_officer if k is not None), key=natural_key)
    full_names = (
        {
            s.username: s.full_name
            for s in Staff.select(Staff.username, Staff.full_name).where(Staff.username.in_(officer_keys))
        }
        if officer_keys
        else {}
    )
    by_officer = [
        _group(o, _accumulate(per_officer[o]), wait_stats=False, name=full_names.get(o) or "")
        for o in officer_keys
    ]
    per_day = by("day")
    by_day = [
        _group(d.isoformat(), _accumulate(per_day.get(d.isoformat(), [])), service_stats=False)
        for d in _days(day_from, day_to)
    ]

    # arrivals per local hour: the day's offset (exact for zones without DST, as in Indonesia;
    # elsewhere exact except within the hour of a change)
    offsets: dict[str, int] = {}
    for d in _days(day_from, day_to):
        noon = datetime.combine(d, time(12), zone)
        offsets[d.isoformat()] = int(noon.utcoffset().total_seconds()) // 60  # type: ignore[union-attr]
    hours = [0] * 24
    for c in scoped:
        if c.minutes:
            hour_counts(c.minutes, offsets[c.day], into=hours)

    longest = [
        LongWait(
            day=date.fromisoformat(c.day),
            code=ticket_code(c.letter, seq),
            service=c.service,
            service_name=services[c.service].name_id,
            service_name_en=services[c.service].name_en,
            status=c.status,
            wait_s=w / 1000,
        )
        for w, _, seq, c in sorted(top, key=lambda x: (-x[0], x[3].day, x[3].letter, x[2]))
    ]

    notes = _gap_notes(day_from, day_to, cells.values())
    open_codes: dict[str, list[str]] = {}
    for c in scoped:
        if c.open and date.fromisoformat(c.day) < today:
            open_codes.setdefault(c.day, []).extend(ticket_code(c.letter, s) for s in c.seqs)
    for day in sorted(open_codes):
        codes = sorted(open_codes[day])
        notes.append(Note("open_at_close", {"day": day, "count": len(codes), "codes": codes}))
    if backwards:
        notes.append(Note("time_order", {"count": backwards}))
    if missing_times:
        notes.append(Note("missing_times", {"count": missing_times}))

    via_transfer = sum(c.via_transfer for c in scoped)
    survey_block, complaints_block = _survey_and_complaints(ctx, day_from, day_to, counter)
    return DailyFigures(
        day_from=day_from,
        day_to=day_to,
        counter=counter,
        counter_name=counter_name,
        site_code=ctx.setting("site_code"),
        site_name=ctx.setting("site_name"),
        timezone=tz,
        generated_at=now,
        totals=totals,
        visitors=totals.tickets - via_transfer,
        transferred_in=via_transfer,
        by_service=by_service,
        by_agency=by_agency,
        by_priority=by_priority,
        by_counter=by_counter,
        by_officer=by_officer,
        by_day=by_day,
        arrivals_by_hour=hours,
        longest_waits=longest,
        notes=notes,
        survey=survey_block,
        complaints=complaints_block,
        audit_head=audit_head(day_to, tz),
    )


def audit_head(day: date, tz: str) -> dict[str, Any] | None:
    """The last audit entry written before the end of local `day` (the whole chain: the seal
    vouches for the file, whatever the report's scope)."""
    from counter_app.core.clock import day_bounds_utc
    from counter_app.services.journal import chain_head

    end = day_bounds_utc(day, tz)[1].isoformat(timespec="microseconds") + "+00:00"
    head = chain_head(before=end)
    return None if head is None else {"seq": head[0], "hash": head[1]}


def _survey_and_complaints(
    ctx: Context, day_from: date, day_to: date, counter: str | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The survey block (IKM of the period's respondents, in the report's scope) and the
    complaints block (received in the period, whole store; overdue judged by the clock)."""
    from counter_app.services import complaints, skm_report

    block = skm_report.day_section(ctx, day_from, day_to, counter)
    counted = complaints.counts(ctx, day_from, day_to).to_json()
    return block, counted


def _gap_notes(day_from: date, day_to: date, cells: Iterable[_Cell]) -> list[Note]:
    """Missing numbers per day and letter: 1…last must all be there (last = the larger of the
    highest number found and the day's QueueSequence, which also catches a missing tail).
    Every ticket counts here, whatever the scope: letters are shared between counters."""
    sequences: dict[tuple[str, str], list[int]] = {}
    for c in cells:
        sequences.setdefault((c.day, c.letter), []).extend(c.seqs)
    last = {
        (str(q.day), q.letter): q.last
        for q in QueueSequence.select().where((QueueSequence.day >= day_from) & (QueueSequence.day <= day_to))
    }
    notes = []
    for key in sorted(set(sequences) | set(last)):
        seqs = sequences.get(key, [])
        top = max(max(seqs, default=0), last.get(key, 0))
        if len(seqs) == top and len(set(seqs)) == top:
            continue
        present = set(seqs)
        missing = [n for n in range(1, top + 1) if n not in present]
        if missing:
            day, letter = key
            notes.append(
                Note("gap", {"day": day, "letter": letter, "count": len(missing), "missing": missing})
            )
    return notes


# ---- output -------------------------------------------------------------------------------


def report_pdf(figures: DailyFigures, lang: str = "id") -> bytes:
    from counter_app.documents.daily_report_pdf import render

    return render(figures.to_json(), lang)


def report_xlsx(figures: DailyFigures, lang: str = "id") -> bytes:
    from counter_app.documents.exports import xlsx_bytes

    return xlsx_bytes(figures.to_json(), lang)


def report_csv(figures: DailyFigures) -> bytes:
    from counter_app.documents.exports import csv_bytes

    return csv_bytes(figures.to_json())


def file_stem(figures: DailyFigures) -> str:
    """`rekap-harian-20261130` (or `…-20261101-20261130`, `…-L01`): a name for saved files."""
    stem = f"rekap-harian-{figures.day_from:%Y%m%d}"
    if figures.day_to != figures.day_from:
        stem += f"-{figures.day_to:%Y%m%d}"
    if figures.counter:
        stem += f"-{figures.counter}"
    return stem

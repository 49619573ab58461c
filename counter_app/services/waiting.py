"""Where a waiting visitor stands: the order call-next will really take, for the receipt and
the screens ("Di depan Anda", "Perkiraan tunggu", the queue list's call order).

Call-next (services/tickets.py) takes, for one counter, the waiting tickets of all the services
that counter serves: priority classes first, FIFO inside, but after `priority_cap` priority
calls in a row a general visitor. This module replays that rule instead of counting "earlier
tickets of the same service", which ignored priority and the counter's other services.

The estimate. The work ahead is each ticket's service minutes — the median of today's
call-to-finish times of that service (finished − first called: what its target measures, as
the daily report's "within target") once `MIN_FINISHED` of its tickets were served today, else
the service standard's target minutes — divided by the counters *open now* for the service:
configured active, this counter not on a break (its own setting, known first hand), and each
other counter not on a break or closed by the last state the hub's events gave for it
(services/replica.counter_states). A counter never heard of counts as open; one "open" since
an earlier day counts once it called a visitor today (a PC switched off without closing stays
"open" at the hub). When none is open (before opening, everyone on a break) the configured
counters are counted: they will serve the queue when they come back. A one-PC site has no
events: its own break and its own finished tickets, the same rule.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from counter_app.core.clock import local_day
from counter_app.core.ticket_rules import Status
from counter_app.services import live_queue, replica
from counter_app.services.context import Context
from counter_app.services.rows import fk_id
from counter_app.services.ticket_store import streak_of
from counter_app.services.views import TicketView
from counter_app.store.models import Counter, CounterService, Service, Ticket

MIN_FINISHED = 3  # today's served tickets of a service before their median replaces the target
DEFAULT_MINUTES = 10  # a service with no target minutes


@dataclass(frozen=True)
class Position:
    """`ahead` people will be called before this ticket; `minutes` is None when unknown (no
    counter serves the service) and 0 means "segera dipanggil"."""

    ahead: int
    minutes: int | None

    @property
    def soon(self) -> bool:
        return self.ahead == 0


@dataclass(frozen=True)
class _Waiting:
    id: str
    service: str
    priority: str


def _counters_of(service: str) -> list[str]:
    return [
        fk_id(row, CounterService.counter)
        for row in CounterService.select(CounterService.counter)
        .join(Counter)
        .where((CounterService.service == service) & (Counter.active == True))  # noqa: E712
    ]


def open_counters(ctx: Context, service: str) -> list[str]:
    """The active counters serving `service` that are open now (none open: all of them)."""
    configured = _counters_of(service)
    own = ctx.setting("counter_code")
    states = replica.counter_states() if len(configured) > 1 or own not in configured else {}
    today = local_day(ctx.clock.now(), ctx.tz)

    def is_open(counter: str) -> bool:
        if counter == own:  # this PC knows its own break first hand
            return not live_queue.on_break()
        known = states.get(counter)
        if known is None:  # never heard of (no hub, or it never changed state): configured
            return True
        if known["state"] != "open":
            return False
        since = live_queue.instant(known.get("since"))
        if since is not None and local_day(since, ctx.tz) >= today:
            return True
        # open since an earlier day: a PC that stopped without closing stays "open" at the hub;
        # it counts once it called a visitor today
        return (
            Ticket.select(Ticket.id)
            .where(
                (Ticket.day == today) & (Ticket.counter == counter) & Ticket.first_called_at.is_null(False)
            )
            .exists()
        )

    return [c for c in configured if is_open(c)] or configured


def service_minutes(day: date, services: Iterable[str]) -> dict[str, float]:
    """Each service's minutes per visitor: the median of `day`'s call-to-finish times once
    MIN_FINISHED were served, else its target minutes."""
    codes = sorted(set(services))
    if not codes:
        return {}
    times: dict[str, list[float]] = {c: [] for c in codes}
    query = (
        Ticket.select(Ticket.service, Ticket.first_called_at, Ticket.finished_at)
        .where(
            (Ticket.day == day)
            & (Ticket.status == Status.DONE.value)
            & Ticket.service.in_(codes)
            & Ticket.first_called_at.is_null(False)
            & Ticket.finished_at.is_null(False)
        )
        .tuples()
    )
    for service, called, finished in cast(Iterable[tuple[str, datetime, datetime]], query):
        seconds = (finished - called).total_seconds()
        if seconds >= 0:  # a clock set back between call and finish says nothing
            times[service].append(seconds / 60)
    targets = {
        s.code: s.target_minutes
        for s in Service.select(Service.code, Service.target_minutes).where(Service.code.in_(codes))
    }
    return {
        c: statistics.median(times[c])
        if len(times[c]) >= MIN_FINISHED
        else float(targets.get(c, DEFAULT_MINUTES))
        for c in codes
    }


def estimate(ctx: Context, day: date, service: str, ahead: Iterable[str]) -> int:
    """Minutes until a visitor of `service` is called with tickets of the services `ahead`
    before them: the work ahead ÷ the counters open now for `service`."""
    ahead = list(ahead)
    if not ahead:
        return 0
    minutes = service_minutes(day, ahead)
    work = sum(minutes[s] for s in ahead)
    return max(0, math.ceil(round(work / max(1, len(open_counters(ctx, service))), 6)))


def _services_of(counters: list[str]) -> set[str]:
    return {
        fk_id(row, CounterService.service)
        for row in CounterService.select(CounterService.service).where(CounterService.counter.in_(counters))
    }


def _ordered(day: date, services: set[str], cap: int, streak: int) -> list[_Waiting]:
    query = (
        Ticket.select(Ticket.id, Ticket.service, Ticket.priority)
        .where(
            (Ticket.day == day)
            & (Ticket.status == Status.WAITING.value)
            & (Ticket.service.in_(sorted(services)))
        )
        .order_by(Ticket.queued_at, Ticket.seq)
        .tuples()
    )
    rows = cast(Iterable[tuple[str, str, str | None]], query)  # (id, service code, priority)
    priority: list[_Waiting] = []
    general: list[_Waiting] = []
    for tid, service, prio in rows:
        (priority if prio else general).append(_Waiting(tid, service, prio or ""))
    order: list[_Waiting] = []
    p = g = 0
    while p < len(priority) or g < len(general):
        take_priority = p < len(priority) and (streak < cap or g >= len(general))
        if take_priority:
            order.append(priority[p])
            p += 1
            streak += 1
        else:
            order.append(general[g])
            g += 1
            streak = 0
    return order


def call_order(ctx: Context, counter: str | None = None, day: date | None = None) -> list[str]:
    """Ticket ids in the order call-next at `counter` (default this PC's) will call them."""
    counter = counter or ctx.setting("counter_code")
    day = day or local_day(ctx.clock.now(), ctx.tz)
    services = _services_of([counter])
    if not services:
        return []
    cap = ctx.setting("priority_cap")
    return [w.id for w in _ordered(day, services, cap, streak_of(day, counter, cap))]


def position(ctx: Context, ticket: Ticket | TicketView) -> Position:
    """People ahead of a waiting ticket and the wait, from the order call-next will take at the
    counters that serve its service (all their services, priority first within the cap).

    With several counters the queue they share is served in parallel: the wait is the work
    ahead (each ticket's service minutes: today's median, else the target) divided by the
    counters open now for the service (see the module's note).
    """
    service = ticket.service_id if isinstance(ticket, TicketView) else fk_id(ticket, Ticket.service)
    day: date = ticket.day
    counters = _counters_of(service)
    if not counters:
        before = (
            Ticket.select()
            .where(
                (Ticket.day == day)
                & (Ticket.service == service)
                & (Ticket.status == Status.WAITING.value)
                & (Ticket.queued_at < ticket.queued_at)
            )
            .count()
        )
        return Position(before, None)
    cap = ctx.setting("priority_cap")
    streak = min(streak_of(day, c, cap) for c in counters)
    order = _ordered(day, _services_of(counters), cap, streak)
    ids = [w.id for w in order]
    tid = ticket.id
    at = ids.index(tid) if tid in ids else len(ids)
    ahead = order[:at]
    return Position(len(ahead), estimate(ctx, day, service, (w.service for w in ahead)))

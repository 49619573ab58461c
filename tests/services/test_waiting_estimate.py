"""The waiting estimate (issue 12, point 5): the work ahead at today's call-to-finish times of
each service (the median once MIN_FINISHED were served today, else the target minutes), shared
by the counters open now for the service (a break or a closed counter does not serve)."""

from __future__ import annotations

from datetime import timedelta

from counter_app.core.clock import FixedClock
from counter_app.services import live_queue, receipts, tickets, waiting
from counter_app.services.context import Context
from counter_app.store.models import Counter, CounterService, Service, Ticket

NAMES = iter(f"Pengunjung {chr(65 + i)}{chr(65 + j)}" for i in range(26) for j in range(26))


def reg(ctx: Context, service: str = "KTP") -> Ticket:
    return tickets.register(ctx, service=service, name=next(NAMES)).ticket


def serve(ctx: Context, clock: FixedClock, minutes: float) -> None:
    """A KTP visitor registered, called, served for `minutes` from the call, finished."""
    ticket = reg(ctx)
    called = tickets.call_next(ctx)
    assert called is not None and called.id == ticket.id
    tickets.start(ctx, ticket.id)
    clock.advance(minutes=minutes)
    tickets.finish(ctx, ticket.id)


def minutes(ctx: Context, ticket: Ticket) -> int | None:
    return waiting.position(ctx, Ticket.get(Ticket.id == ticket.id)).minutes


def test_todays_median_replaces_the_target_once_enough_were_served(ctx: Context, clock: FixedClock) -> None:
    target = Service.get(Service.code == "KTP").target_minutes
    assert target == 10 and waiting.MIN_FINISHED == 3
    today = clock.now()
    clock.set(today - timedelta(days=1))  # yesterday's quick visitors do not count today
    for _ in range(3):
        serve(ctx, clock, 1)
    clock.set(today)
    serve(ctx, clock, 2)
    serve(ctx, clock, 9)
    w1, _w2, w3 = reg(ctx), reg(ctx), reg(ctx)
    assert waiting.service_minutes(today.date(), ["KTP"]) == {"KTP": 10.0}
    assert minutes(ctx, w3) == 2 * target  # two served today: still the target

    called = tickets.call_next(ctx)
    assert called is not None and called.id == w1.id
    tickets.start(ctx, w1.id)
    clock.advance(minutes=4)
    tickets.finish(ctx, w1.id)
    # 2, 9 and 4 minutes from call to finish: the median 4 (not the mean 5, nor the target 10)
    assert waiting.service_minutes(today.date(), ["KTP"]) == {"KTP": 4.0}
    assert minutes(ctx, w3) == 4  # one ahead × 4 min ÷ one counter
    svc = Service.get(Service.code == "KTP")
    assert receipts.estimated_wait_minutes(ctx, 1, svc) == 4
    assert receipts.issue_receipt(ctx, w3.id).snapshot["wait_minutes"] == 4


def test_the_times_of_each_service_ahead_are_its_own(ctx: Context, clock: FixedClock) -> None:
    for took in (3, 3, 3):
        serve(ctx, clock, took)
    kk, ktp, last = reg(ctx, "KK"), reg(ctx, "KTP"), reg(ctx, "KTP")  # L01 serves both: one queue
    assert Service.get(Service.code == "KK").target_minutes == 8
    assert minutes(ctx, kk) == 0  # nobody ahead
    assert minutes(ctx, ktp) == 8  # one KK visitor at KK's target (no KK served today)
    assert minutes(ctx, last) == 8 + 3  # and one KTP visitor at today's KTP median


def test_the_wait_is_shared_by_the_counters_open_now(ctx: Context) -> None:
    Counter.create(code="L11", name="Loket 11", active=True)
    CounterService.create(counter="L11", service="KTP")
    _w1, _w2, w3 = reg(ctx), reg(ctx), reg(ctx)
    assert minutes(ctx, w3) == 10  # 2 ahead × 10 min ÷ L01 and L11
    live_queue.set_break(ctx, True)  # this counter's own break, known without a hub
    assert waiting.open_counters(ctx, "KTP") == ["L11"]
    assert minutes(ctx, w3) == 20
    assert receipts.issue_receipt(ctx, w3.id).snapshot["wait_minutes"] == 20
    live_queue.set_break(ctx, False)
    assert minutes(ctx, w3) == 10

"""The hot look-ups walk the index that fits their WHERE (issue 16): a code of today is one
index probe on (day, code), not a walk over every ticket of the day. Checked on the plan, not
on time (no timing thresholds in tests)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from peewee import SQL

from counter_app.core.clock import FixedClock
from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.services.views import TicketView
from counter_app.store.models import Ticket, db


def _plan(sql: str, *params: object) -> str:
    rows = db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return " | ".join(r[-1] for r in rows)


def test_get_by_code_probes_the_day_code_index(ctx: Context) -> None:
    reg = tickets.register(ctx, service="KTP", name="Siti Aminah")
    plan = _plan(tickets._compiled("code"), str(reg.ticket.day), reg.ticket.code)
    assert "ticket_day_code (day=? AND code=?)" in plan, plan
    # and it still finds the ticket by its code
    assert tickets.get(reg.ticket.code, ctx).id == reg.ticket.id


class _Statements(logging.Handler):
    """The SQL peewee runs (it logs every statement at DEBUG)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[tuple[str, tuple[object, ...]]] = []

    def emit(self, record: logging.LogRecord) -> None:
        sql, params = record.msg  # type: ignore[misc]
        self.seen.append((sql, tuple(params or ())))


def _statements_of(call: Callable[[], object]) -> list[tuple[str, tuple[object, ...]]]:
    logger = logging.getLogger("peewee")
    handler, level = _Statements(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        call()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return [(sql, params) for sql, params in handler.seen if sql.lstrip().upper().startswith("SELECT")]


def test_the_waiting_queue_probes_the_day_status_index(ctx: Context, clock: FixedClock) -> None:
    for service in ("KTP", "PASPOR", "KTP"):
        tickets.register(ctx, service=service, name="Siti Aminah")
        clock.advance(minutes=1)
    tickets.call_next(ctx)
    selects = _statements_of(lambda: tickets.queue(ctx, status="waiting"))
    assert len(selects) == 1, selects
    sql, params = selects[0]
    plan = _plan(sql, *params)
    # not a walk over the whole day on ticket_day_registered, filtering the status row by row
    assert "ticket_day_status (day=? AND status=?)" in plan, plan
    assert [t.code for t in tickets.queue(ctx, status="waiting")] == ["C001", "A002"]


def test_queue_views_are_those_of_the_rows(ctx: Context, clock: FixedClock) -> None:
    """Plain rows mapped to views give what TicketView.from_row gives for each ticket, in the
    order (registered_at, seq) with ties as the store holds them (same time, same number)."""
    regs = [
        tickets.register(ctx, service=s, name="Budi Santoso", priority=p, notes=n)
        for s, p, n in (("KTP", None, None), ("PASPOR", "lansia", "bawa KK"), ("KK", None, ""))
    ]  # the clock stands still: three tickets at one time, two of them number 1
    clock.advance(minutes=3)
    called = tickets.call_next(ctx)
    assert called is not None
    tickets.start(ctx, called.id)
    tickets.finish(ctx, called.id, "selesai")
    tickets.transfer(ctx, regs[2].ticket.id, "KTP", "salah loket")
    for status in (None, "waiting", "done", "transferred"):
        for service in (None, "ktp"):
            query = Ticket.select().where(Ticket.day == regs[0].ticket.day)
            if status:
                query = query.where(Ticket.status == status)
            if service:
                query = query.where(Ticket.service == service.upper())
            expected = [
                TicketView.from_row(t) for t in query.order_by(Ticket.registered_at, Ticket.seq, SQL("rowid"))
            ]
            got = tickets.queue(ctx, status=status, service=service)
            assert got == expected, (status, service)
            assert all(type(v) is TicketView for v in got)
    assert tickets.queue(ctx, clock.now().date().replace(year=2020)) == []

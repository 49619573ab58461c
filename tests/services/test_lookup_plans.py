"""The hot look-ups walk the index that fits their WHERE (issue 16): a code of today is one
index probe on (day, code), not a walk over every ticket of the day. Checked on the plan, not
on time (no timing thresholds in tests)."""

from __future__ import annotations

from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.store.models import db


def _plan(sql: str, *params: object) -> str:
    rows = db.execute_sql("EXPLAIN QUERY PLAN " + sql, params).fetchall()
    return " | ".join(r[-1] for r in rows)


def test_get_by_code_probes_the_day_code_index(ctx: Context) -> None:
    reg = tickets.register(ctx, service="KTP", name="Siti Aminah")
    plan = _plan(tickets._compiled("code"), str(reg.ticket.day), reg.ticket.code)
    assert "ticket_day_code (day=? AND code=?)" in plan, plan
    # and it still finds the ticket by its code
    assert tickets.get(reg.ticket.code, ctx).id == reg.ticket.id

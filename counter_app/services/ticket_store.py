"""A ticket's row and one move of it: the low level under `tickets` (the use cases),
`live_queue` (the hub's paths) and `replica` (the site's events), which all import it — it
imports none of them, so the house reads top-down (issue 11).

`move` is the one state change (DESIGN.md §4): the row, its TicketEvent, the outbox row and
the audit entry in one transaction. Look-ups and writes are plain SQL on the hot path.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from counter_app.core import person
from counter_app.core.clock import from_db, local_day, to_db
from counter_app.core.errors import IllegalTransition, NotFound
from counter_app.core.roles import Permission
from counter_app.core.ticket_rules import IN_HAND, Status, can, no_show_ready, target
from counter_app.services import journal
from counter_app.services.context import Context
from counter_app.services.rows import fk_id, mark_clean
from counter_app.services.views import TicketView
from counter_app.store.models import Ticket, db

# ---- writes -------------------------------------------------------------------------------


@cache
def _insert_plan() -> tuple[str, tuple[tuple[str, Any], ...]]:
    """The INSERT and each column's (field name, db_value), built once: on every registration."""
    fields = Ticket._meta.sorted_fields
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    marks = ", ".join("?" for _ in fields)
    return f'INSERT INTO "ticket" ({columns}) VALUES ({marks})', tuple((f.name, f.db_value) for f in fields)


def insert(**values: Any) -> Ticket:
    """INSERT a new ticket with plain SQL (hot path), returning the model object."""
    ticket = Ticket(**values)
    sql, columns = _insert_plan()
    data = ticket.__data__
    db.execute_sql(sql, [to_db_value(data.get(name)) for name, to_db_value in columns])
    mark_clean(ticket)
    return ticket


def save(ticket: Ticket) -> None:
    """UPDATE only the changed columns, with plain SQL (hot path)."""
    fields = [f for f in ticket.dirty_fields if f.name != "id"]
    if not fields:
        return
    assignments = ", ".join(f'"{f.column_name}" = ?' for f in fields)
    params = [f.db_value(ticket.__data__.get(f.name)) for f in fields] + [ticket.id]
    db.execute_sql(f'UPDATE "ticket" SET {assignments} WHERE "id" = ?', params)
    mark_clean(ticket)


def event(
    ctx: Context,
    ticket: Ticket,
    action: str,
    before: Status | None,
    after: Status,
    detail: dict[str, Any] | None = None,
) -> None:
    journal.ticket_event(
        ticket.id,
        action,
        before.value if before else None,
        after.value,
        ctx.actor.username,
        ctx.setting("counter_code"),
        to_db(ctx.clock.now()),
        detail,
    )


def sync_payload(ticket: Ticket) -> dict[str, Any]:
    """What leaves this PC about a ticket: no NIK, no phone, no full name."""

    def iso(value: datetime | None) -> str | None:
        aware = from_db(value)
        return None if aware is None else aware.isoformat()

    return {
        "id": ticket.id,
        "day": str(ticket.day),
        "code": ticket.code,
        "receipt_no": ticket.receipt_no,
        "service": fk_id(ticket, Ticket.service),
        "device": ticket.device,
        "counter": ticket.counter,
        "priority": ticket.priority,
        "status": ticket.status,
        "name_masked": person.mask_name(ticket.name),
        "arrived_at": iso(ticket.arrived_at),
        "registered_at": iso(ticket.registered_at),
        "queued_at": iso(ticket.queued_at),  # the FIFO key at the hub and in other replicas
        "first_called_at": iso(ticket.first_called_at),
        "started_at": iso(ticket.started_at),
        "finished_at": iso(ticket.finished_at),
        "call_count": ticket.call_count,
        "served_by": ticket.served_by,
        "transferred_from": ticket.transferred_from,
        "transferred_to": ticket.transferred_to,
    }


# ---- look-ups ---------------------------------------------------------------------------


_SERVED_BY = '"service_id" IN (SELECT "service_id" FROM "counter_service" WHERE "counter_id" = ?)'
_WHERE = {
    "id": """"id" = ?""",
    "receipt": """"receipt_no" = ?""",
    # `+` keeps the ORDER BY off ticket_day_registered (SQLite would walk the whole day in
    # time order to skip a sort): probe ticket_day_code, sort the one or two rows it finds.
    "code": """"day" = ? AND "code" = ? ORDER BY +"registered_at" DESC LIMIT 1""",
    # Priority classes first ("priority" = '' sorts 0 before 1), FIFO inside a class.
    "next": f""""day" = ? AND "status" = 'waiting' AND {_SERVED_BY}
        ORDER BY ("priority" = ''), "queued_at", "seq" LIMIT 1""",
    "next_general": f""""day" = ? AND "status" = 'waiting' AND "priority" = '' AND {_SERVED_BY}
        ORDER BY "queued_at", "seq" LIMIT 1""",
}


@cache
def compiled(name: str) -> str:
    """Hot-path SELECTs as plain SQL: building a 28-column peewee query costs more than
    running it, and these run on every move."""
    columns = ", ".join(f'"{f.column_name}"' for f in Ticket._meta.sorted_fields)
    return f'SELECT {columns} FROM "ticket" WHERE {_WHERE[name]}'


def one(name: str, *params: Any) -> Ticket | None:
    return next(iter(Ticket.raw(compiled(name), *params)), None)


def get(ticket_ref: str, ctx: Context | None = None) -> Ticket:
    """A ticket by uuid, receipt number, or today's code (`A023`)."""
    ref = ticket_ref.strip()
    ticket = one("id", ref) or one("receipt", ref)
    if ticket is None and ctx is not None:
        today = local_day(ctx.clock.now(), ctx.tz)
        ticket = one("code", str(today), ref.upper())
    if ticket is None:
        raise NotFound("ticket.unknown", ref=ticket_ref)
    return ticket


# ---- moves ------------------------------------------------------------------------------


def move(
    ctx: Context,
    ticket_ref: str | Ticket,
    action: str,
    detail: dict[str, Any] | None = None,
    **changes: Any,
) -> Ticket:
    ctx.actor.require(Permission.SERVE)
    with db.atomic():
        # A Ticket object must have been read inside this same transaction by the caller.
        ticket = ticket_ref if isinstance(ticket_ref, Ticket) else get(ticket_ref, ctx)
        before = Status(ticket.status)
        if not can(action, before):
            raise IllegalTransition("ticket.illegal", code=ticket.code, action=action, status=before.value)
        after = target(action)
        ticket.status = after.value
        for key, value in changes.items():
            setattr(ticket, key, value)
        check_rules(ctx, ticket, action, before)
        save(ticket)
        event(ctx, ticket, action, before, after, detail)
        journal.outbox(ctx.clock, "ticket", ticket.id, "upsert", sync_payload(ticket))
        # no free texts in the chain: it is never rewritten, and they may name someone (UU PDP)
        journal.audit(
            ctx.clock, ctx.actor.username, f"ticket.{action}", ticket.id, journal.without_texts(detail)
        )
    return ticket


def check_rules(ctx: Context, ticket: Ticket, action: str, before: Status) -> None:
    if action == "no_show":
        needed = ctx.setting("no_show_after_calls")
        if ticket.call_count < needed:
            raise IllegalTransition(
                "ticket.no_show_early", code=ticket.code, calls=ticket.call_count, needed=needed
            )
        grace = ctx.setting("no_show_grace_minutes")
        if not no_show_ready(
            ticket.call_count,
            from_db(ticket.first_called_at),
            ctx.clock.now(),
            calls_needed=needed,
            grace_minutes=grace,
        ):
            raise IllegalTransition("ticket.no_show_grace", code=ticket.code, minutes=grace)
    if action == "requeue" and before is Status.NO_SHOW:
        if ticket.day != local_day(ctx.clock.now(), ctx.tz):  # only the same day
            raise IllegalTransition("ticket.requeue_other_day", code=ticket.code)


def in_hand(ctx: Context, counter: str | None = None) -> TicketView | None:
    """The ticket this counter is calling or serving now (at most one, DESIGN.md §4)."""
    counter = counter or ctx.setting("counter_code")
    today = local_day(ctx.clock.now(), ctx.tz)
    row = (
        Ticket.select()
        .where(
            (Ticket.day == today)
            & (Ticket.counter == counter)
            & (Ticket.status.in_([s.value for s in IN_HAND]))
        )
        .order_by(Ticket.called_at.desc())
        .first()
    )
    return None if row is None else view(row)


def view(ticket: Ticket) -> TicketView:
    return TicketView.from_row(ticket)


def priority_streak(today: date, counter: str, ctx: Context) -> int:
    """How many of this counter's latest calls in a row went to priority visitors."""
    return streak_of(today, counter, ctx.setting("priority_cap"))


def streak_of(today: date, counter: str, cap: int) -> int:
    """The counter's latest calls in a row (at most `cap`) that went to priority visitors: what
    call-next weighs, and what the receipt's waiting estimate replays."""
    # Plain SQL: on every call-next and once per serving counter on every receipt
    recent = db.execute_sql(_RECENT_CALLS, (str(today), counter, cap)).fetchall()
    streak = 0
    for (priority,) in recent:
        if not priority:
            break
        streak += 1
    return streak


_RECENT_CALLS = (
    'SELECT "priority" FROM "ticket" WHERE "day" = ? AND "counter" = ? AND "first_called_at" IS NOT NULL '
    'ORDER BY "first_called_at" DESC LIMIT ?'
)

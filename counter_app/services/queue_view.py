"""Today's queue as small rows for a live table: only what a screen shows, names masked.

`tickets.queue` builds a full Ticket per row (28 columns); a table of 3,000 tickets reloaded
after another program wrote needs a fifth of that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from counter_app.core.clock import from_db, local_day
from counter_app.core.person import mask_name
from counter_app.core.roles import Permission
from counter_app.services.context import Context
from counter_app.services.views import TicketView
from counter_app.store.models import Ticket


@dataclass(frozen=True, slots=True)
class QueueEntry:
    id: str
    code: str
    seq: int
    name_masked: str
    service: str
    priority: str
    status: str
    registered_at: datetime  # aware UTC
    arrived_at: datetime  # aware UTC; kept across transfers
    first_called_at: datetime | None
    call_count: int


def entry_of(ticket: Ticket | TicketView) -> QueueEntry:
    return QueueEntry(
        ticket.id,
        ticket.code,
        ticket.seq,
        mask_name(ticket.name),
        ticket.service_id,
        ticket.priority or "",
        ticket.status,
        from_db(ticket.registered_at),  # type: ignore[arg-type]
        from_db(ticket.arrived_at),  # type: ignore[arg-type]
        from_db(ticket.first_called_at),
        ticket.call_count,
    )


def queue_entries(ctx: Context, day: date | None = None) -> list[QueueEntry]:
    """The day's tickets (default today) in registration order."""
    ctx.actor.require(Permission.VIEW_QUEUE)
    day = day or local_day(ctx.clock.now(), ctx.tz)
    rows = (
        Ticket.select(
            Ticket.id,
            Ticket.code,
            Ticket.seq,
            Ticket.name,
            Ticket.service,
            Ticket.priority,
            Ticket.status,
            Ticket.registered_at,
            Ticket.arrived_at,
            Ticket.first_called_at,
            Ticket.call_count,
        )
        .where(Ticket.day == day)
        .order_by(Ticket.registered_at, Ticket.seq)
        .tuples()
    )
    return [
        QueueEntry(
            tid,
            code,
            seq,
            mask_name(name),
            service,
            priority or "",
            status,
            from_db(registered),
            from_db(arrived),
            from_db(first_called),
            calls,
        )  # type: ignore[arg-type]
        for tid, code, seq, name, service, priority, status, registered, arrived, first_called, calls in rows
    ]

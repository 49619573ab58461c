"""Today's queue as small rows for a live table: only what a screen shows, names masked.

`tickets.queue` builds a full Ticket per row (28 columns); a table of 3,000 tickets reloaded
after another program wrote needs a fifth of that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import cast

from counter_app.core.clock import from_db, local_day
from counter_app.core.person import mask_name
from counter_app.core.roles import Permission
from counter_app.services.context import Context
from counter_app.services.rows import fk_id
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
        ticket.service_id if isinstance(ticket, TicketView) else fk_id(ticket, Ticket.service),
        ticket.priority or "",
        ticket.status,
        # registered_at and arrived_at are NOT NULL: from_db gives datetimes back
        cast(datetime, from_db(ticket.registered_at)),
        cast(datetime, from_db(ticket.arrived_at)),
        from_db(ticket.first_called_at),
        ticket.call_count,
    )


def _utc(text: str | None) -> datetime | None:
    """A stored naive-UTC time ("2026-11-30 01:02:03[.ffffff]") as an aware UTC datetime, in one
    parse (peewee's field conversion then `from_db` made two objects per time)."""
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text + "+00:00")  # one C call, already aware
    except ValueError:  # not the naive form peewee writes
        when = datetime.fromisoformat(text)
        return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def queue_entries(ctx: Context, day: date | None = None) -> list[QueueEntry]:
    """The day's tickets (default today) in registration order."""
    ctx.actor.require(Permission.VIEW_QUEUE)
    day = day or local_day(ctx.clock.now(), ctx.tz)
    query = (
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
    )
    # The bare cursor: its times are the stored text, parsed once below.
    cursor = Ticket._meta.database.execute_sql(*query.sql())
    masked: dict[str, str] = {}  # names repeat (families, common names): each masked once
    return [
        QueueEntry(
            tid,
            code,
            seq,
            masked[name] if name in masked else masked.setdefault(name, mask_name(name)),
            service,
            priority or "",
            status,
            (at := _utc(registered)),  # type: ignore[arg-type]
            # arrived_at is registered_at until a transfer: the same text, parsed once
            at if arrived == registered else _utc(arrived),  # type: ignore[arg-type]
            _utc(first_called),
            calls,
        )
        for tid, code, seq, name, service, priority, status, registered, arrived, first_called, calls in cursor
    ]

"""Today's queue as small rows for a live table: only what a screen shows, names masked.

`tickets.queue` builds a full Ticket per row (28 columns); a table of 3,000 tickets reloaded
after another program wrote needs a fifth of that.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import NamedTuple, cast

from counter_app.core.clock import from_db, local_day
from counter_app.core.person import mask_name
from counter_app.core.roles import Permission
from counter_app.services.context import Context
from counter_app.services.rows import fk_id
from counter_app.services.views import TicketView
from counter_app.store.models import Ticket


class QueueEntry(NamedTuple):
    """Immutable, compared by value. A named tuple, not a frozen dataclass: 3,000 of them are
    built at every start and reload, and a frozen dataclass's __init__ sets each of its 11
    fields through object.__setattr__ (~1.4 µs a row; a tuple is made in one C call)."""

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
    # The bare cursor: its times are the stored text, parsed once below. The loop is the hot
    # read of every start and reload (3,000 rows): names masked once each (families, common
    # names repeat), times parsed in one C call each, rows made by tuple.__new__ directly.
    cursor = Ticket._meta.database.execute_sql(*query.sql())
    masked: dict[str, str] = {}
    make = tuple.__new__
    parse = datetime.fromisoformat
    entries: list[QueueEntry] = []
    add = entries.append
    for tid, code, seq, name, service, priority, status, registered, arrived, first_called, calls in cursor:
        shown = masked.get(name)
        if shown is None:
            shown = masked[name] = mask_name(name)
        try:  # the naive-UTC text peewee writes, made aware in the same parse
            at = parse(registered + "+00:00")
            came = at if arrived == registered else parse(arrived + "+00:00")
            called = None if first_called is None else parse(first_called + "+00:00")
        except ValueError:  # another form (already with an offset): the careful path
            # registered_at and arrived_at are NOT NULL: _utc gives datetimes back
            at, came = cast(datetime, _utc(registered)), cast(datetime, _utc(arrived))
            called = _utc(first_called)
        add(
            make(
                QueueEntry,
                (tid, code, seq, shown, service, priority or "", status, at, came, called, calls),
            )
        )
    return entries

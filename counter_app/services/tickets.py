"""Registering visitors and moving tickets through the queue (DESIGN.md §4).

Every change happens in one `BEGIN IMMEDIATE` transaction that also writes the TicketEvent, the
outbox row and the audit entry, so either all of it is on disk or none of it is.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from functools import cache
from typing import Any

from counter_app.core import nik as nik_rules, person
from counter_app.core.clock import local_day, to_db
from counter_app.core.errors import IllegalTransition, ValidationError
from counter_app.core.i18n import STATUS_KEYS, t
from counter_app.core.numbering import MAX_PER_DAY, receipt_number, ticket_code
from counter_app.core.roles import Permission
from counter_app.core.ticket_rules import ACTIVE, Priority, Status
from counter_app.services import catalogue, journal
from counter_app.services.context import Context
from counter_app.services.rows import fk_id
from counter_app.services.ticket_store import (  # the row and one move: shared with live_queue, replica
    compiled as _compiled,  # noqa: F401 - re-exported: tests read the compiled look-ups
    event as _event,
    get as get,  # re-exported: tickets.get is the look-up other services and screens use
    in_hand as in_hand,
    insert as _insert,
    move as _move,
    one as _one,
    priority_streak as _priority_streak,
    sync_payload as sync_payload,
    view as _view,
)
from counter_app.services.views import TicketView
from counter_app.store.models import CounterService, DateField, DateTimeField, Service, Ticket, db


@dataclass(frozen=True)
class Registration:
    ticket: TicketView
    warnings: tuple[str, ...] = ()


def _priority(value: str | None) -> Priority:
    try:
        return Priority((value or "").strip().lower())
    except ValueError:
        raise ValidationError("priority.unknown", field="priority", value=value) from None


def register(
    ctx: Context,
    *,
    service: str,
    name: str,
    nik: str | None = None,
    phone: str | None = None,
    priority: str | None = None,
    notes: str | None = None,
    phone_consent: bool = False,
) -> Registration:
    """Validate the visitor, then issue the next code for the service's letter, durably.
    `phone_consent`: the visitor agreed to the phone being kept to call back (UU PDP); a phone
    without it is refused, and it is recorded in the register event's detail
    (`{"phone_consent": true}`)."""
    ctx.actor.require(Permission.REGISTER)
    clean_name = person.clean_name(name)
    clean_notes = person.clean_notes(notes)
    prio = _priority(priority)
    now = ctx.clock.now()
    today = local_day(now, ctx.tz)
    parsed = nik_rules.parse(nik, today=today) if nik and nik.strip() else None
    # Imported here, not at the top: phonenumbers (~30 ms) is not needed to show the window.
    from counter_app.core import phone as phone_rules

    e164 = phone_rules.normalise(phone) if phone and phone.strip() else None
    if e164 and not phone_consent:  # UU PDP: no phone is kept without the visitor's consent
        raise ValidationError("ticket.phone_without_consent", field="phone")
    svc = catalogue.get_service(service)
    if not svc.active:
        raise ValidationError("service.inactive", field="service", code=svc.code)
    nik_hash = nik_rules.keyed_hash(parsed.digits, ctx.nik_key()) if parsed else None

    with db.atomic():
        catalogue.check_quota(ctx, svc, today)  # past the daily quota: refused, next open day named
        _check_one_active(ctx, nik_hash, today, svc.code)
        ticket = _issue(
            ctx,
            svc,
            today,
            priority=prio.value,
            name=clean_name,
            nik_hash=nik_hash,
            nik_masked=parsed.masked if parsed else None,
            phone=e164,
            notes=clean_notes,
            arrived_at=to_db(now),
            queued_at=to_db(now),
            registered_at=to_db(now),
        )
        _event(
            ctx,
            ticket,
            "register",
            None,
            Status.WAITING,
            {"phone_consent": True} if e164 else None,
        )
        journal.outbox(ctx.clock, "ticket", ticket.id, "upsert", sync_payload(ticket))
        journal.audit(ctx.clock, ctx.actor.username, "ticket.register", ticket.id, {"code": ticket.code})
    return Registration(TicketView.from_row(ticket), parsed.warnings if parsed else ())


def _check_one_active(ctx: Context, nik_hash: str | None, day: date, service: str) -> None:
    """One active ticket per NIK per service per day (configurable), for new and moved tickets."""
    if not nik_hash or not ctx.setting("one_active_ticket_per_nik"):
        return
    # Plain SQL: peewee took ~0.3 ms to compile this query on every registration with a NIK.
    clash = db.execute_sql(_ACTIVE_CLASH, (nik_hash, str(day), service, *_ACTIVE_VALUES)).fetchone()
    if clash is not None:
        raise ValidationError("nik.active_ticket", field="nik", code=clash[0])


_ACTIVE_VALUES = tuple(sorted(s.value for s in ACTIVE))
_ACTIVE_CLASH = (
    'SELECT "code" FROM "ticket" WHERE "nik_hash" = ? AND "day" = ? AND "service_id" = ? '
    f'AND "status" IN ({", ".join("?" for _ in _ACTIVE_VALUES)}) LIMIT 1'
)


def _next_number(day: date, letter: str) -> int:
    """Bump the day's counter for the letter; rolled back with the ticket if anything fails."""
    number: int = db.execute_sql(
        'INSERT INTO "queue_sequence" ("day", "letter", "last") VALUES (?, ?, 1) '
        'ON CONFLICT ("day", "letter") DO UPDATE SET "last" = "last" + 1 RETURNING "last"',
        (str(day), letter),
    ).fetchone()[0]
    if number > MAX_PER_DAY:
        raise ValidationError("queue.full", field="service", letter=letter, max=MAX_PER_DAY)
    return number


def _live_queue() -> Any:
    # On first use only: it brings the hub client (httpx). It does not import this module
    # (both build on ticket_store), so there is no circle.
    from counter_app.services import live_queue

    return live_queue


def _issue(ctx: Context, svc: Service, day: date, **fields: Any) -> Ticket:
    """A new waiting ticket with the day's next code for the service's letter (in the caller's
    transaction, so a failure anywhere leaves no gap in the numbering)."""
    if _live_queue().networked(ctx):  # a site hub: its code, or one of the offline range
        number = _live_queue().next_number(ctx, day, svc.letter)
    else:
        number = _next_number(day, svc.letter)
    code = ticket_code(svc.letter, number)
    device = ctx.setting("counter_code")
    from uuid6 import uuid7  # here: uuid6 reads its package metadata at import (~15 ms)

    return _insert(
        id=str(uuid7()),
        day=day,
        seq=number,
        letter=svc.letter,
        code=code,
        receipt_no=receipt_number(ctx.setting("site_code"), device, day, code),
        service=svc.code,
        device=device,
        status=Status.WAITING.value,
        **fields,
    )


# ---- look-ups ---------------------------------------------------------------------------


def find(ticket_ref: str, ctx: Context | None = None) -> TicketView:
    """`get` for the screens and the command line: the ticket as a view."""
    return TicketView.from_row(get(ticket_ref, ctx))


def queue(
    ctx: Context, day: date | None = None, status: str | None = None, service: str | None = None
) -> list[TicketView]:
    """The day's tickets (default today) in registration order, optionally of one status and
    one service: plain rows mapped straight to views (a peewee model per row cost 85%)."""
    ctx.actor.require(Permission.VIEW_QUEUE)
    day = day or local_day(ctx.clock.now(), ctx.tz)
    params: list[Any] = [str(day)]
    if status:
        try:
            params.append(Status(status).value)
        except ValueError:
            raise ValidationError("status.unknown", field="status", value=status) from None
    if service:
        params.append(service.upper())
    return _views(db.execute_sql(_queue_sql(bool(status), bool(service)), params).fetchall())


# The view's fields are the ticket's column names (every column but nik_hash).
_VIEW_COLUMNS = tuple(f.name for f in fields(TicketView))


@cache
def _queue_sql(by_status: bool, by_service: bool) -> str:
    where = (
        '"day" = ?'
        + (' AND "status" = ?' if by_status else "")
        + (' AND "service_id" = ?' if by_service else "")
    )
    # With a status, `+` keeps SQLite on ticket_day_status (the few rows of that status, sorted)
    # instead of walking the whole day on ticket_day_registered and filtering each row. rowid
    # last: ties come out in the order that index walk gave them (its keys end in rowid).
    plus = "+" if by_status else ""
    columns = ", ".join(f'"{name}"' for name in _VIEW_COLUMNS)
    return (
        f'SELECT {columns} FROM "ticket" WHERE {where} '
        f'ORDER BY {plus}"registered_at", {plus}"seq", {plus}"ticket"."rowid"'
    )


def _same(column: Sequence[Any]) -> Sequence[Any]:
    return column


def _blank_if_null(column: Sequence[Any]) -> list[Any]:
    return [v or "" for v in column]  # as TicketView.from_row reads priority, notes, outcome


def _days_of(python_value: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    def convert(column: Sequence[Any]) -> list[Any]:
        parsed = {v: python_value(v) for v in set(column)}  # one day in a day's queue
        return [parsed[v] for v in column]

    return convert


def _times_of(python_value: Callable[[Any], Any]) -> Callable[[Sequence[Any]], list[Any]]:
    def convert(column: Sequence[Any]) -> list[Any]:
        try:  # the field's own first step (store/models.DateTimeField), without a call per value
            return [None if v is None else _fromisoformat(v) for v in column]
        except (TypeError, ValueError):  # not the text peewee writes: the field's full conversion
            return [python_value(v) for v in column]

    return convert


def _convert(name: str) -> Callable[[Sequence[Any]], Sequence[Any]]:
    if name in ("priority", "notes", "outcome"):
        return _blank_if_null
    field = Ticket._meta.columns[name]
    if isinstance(field, DateTimeField):
        return _times_of(field.python_value)
    if isinstance(field, DateField):
        return _days_of(field.python_value)
    return _same  # text and integers come from sqlite3 as the fields give them


_CONVERTERS = tuple(_convert(name) for name in _VIEW_COLUMNS)
# A frozen dataclass's __init__ is 27 object.__setattr__ calls per row: twice the SQL that read
# the row. Its slot descriptors store the same attributes, a whole column at a time, in C.
_SLOTS: tuple[Callable[[Any, Any], None], ...] = tuple(getattr(TicketView, n).__set__ for n in _VIEW_COLUMNS)
_new = object.__new__
_fromisoformat = datetime.fromisoformat


def _views(rows: list[tuple[Any, ...]]) -> list[TicketView]:
    """TicketViews of plain rows of `_VIEW_COLUMNS`, equal to TicketView.from_row of their
    Ticket (TicketView has no defaults and no __post_init__ to run)."""
    views = [_new(TicketView) for _ in rows]
    for put, convert, column in zip(_SLOTS, _CONVERTERS, zip(*rows), strict=False):
        deque(map(put, views, convert(column)), maxlen=0)
    return views


def _service_code(ticket: Ticket | TicketView) -> str:
    return ticket.service_id if isinstance(ticket, TicketView) else fk_id(ticket, Ticket.service)


def people_ahead(ticket: Ticket | TicketView) -> int:
    """Waiting tickets of the same service that will be called before this one (FIFO)."""
    return (
        Ticket.select()
        .where(
            (Ticket.day == ticket.day)
            & (Ticket.service == _service_code(ticket))
            & (Ticket.status == Status.WAITING.value)
            & (Ticket.queued_at < ticket.queued_at)
        )
        .count()
    )


# ---- moves ------------------------------------------------------------------------------


def call_next(ctx: Context, counter: str | None = None) -> TicketView | None:
    """Call the next visitor for the counter's services: priority first, within a cap."""
    ctx.actor.require(Permission.SERVE)
    counter = counter or ctx.setting("counter_code")
    now = ctx.clock.now()
    today = local_day(now, ctx.tz)
    held = in_hand(ctx, counter)
    if held is not None:  # one ticket in hand per counter: finish, requeue or no-show it first
        raise IllegalTransition(
            "ticket.in_hand", code=held.code, status=t(STATUS_KEYS[held.status]), counter=counter
        )
    if _live_queue().networked(ctx):  # the site's queue: a claim at the hub, or the offline rule
        called = _live_queue().call_next(ctx, counter, today, now)
        return None if called is None else _view(called)
    with db.atomic():
        # Priority classes first, FIFO inside; one query in the common case.
        chosen = _one("next", str(today), counter)
        if chosen is None:
            if not CounterService.select().where(CounterService.counter == counter).exists():
                raise ValidationError("counter.no_services", field="counter", code=counter)
            return None
        if chosen.priority and _priority_streak(today, counter, ctx) >= ctx.setting("priority_cap"):
            chosen = _one("next_general", str(today), counter) or chosen
        return _view(
            _move(
                ctx,
                chosen,
                "call",
                {"counter": counter},
                counter=counter,
                call_count=1,
                first_called_at=chosen.first_called_at or to_db(now),
                called_at=to_db(now),
                served_by=ctx.actor.username,
            )
        )


def recall(ctx: Context, ticket_ref: str) -> TicketView:
    with db.atomic():
        ticket = get(ticket_ref, ctx)
        return _view(
            _move(
                ctx,
                ticket,
                "recall",
                {"call": ticket.call_count + 1},
                call_count=ticket.call_count + 1,
                called_at=to_db(ctx.clock.now()),
            )
        )


def start(ctx: Context, ticket_ref: str) -> TicketView:
    return _view(
        _move(
            ctx,
            ticket_ref,
            "start",
            None,
            started_at=to_db(ctx.clock.now()),
            served_by=ctx.actor.username,
        )
    )


def finish(ctx: Context, ticket_ref: str, outcome: str = "") -> TicketView:
    note = person.clean_notes(outcome)
    return _view(
        _move(
            ctx,
            ticket_ref,
            "finish",
            {"outcome": note} if note else None,
            finished_at=to_db(ctx.clock.now()),
            outcome=note,
        )
    )


def no_show(ctx: Context, ticket_ref: str) -> TicketView:
    return _view(_move(ctx, ticket_ref, "no_show", None, finished_at=to_db(ctx.clock.now())))


def cancel(ctx: Context, ticket_ref: str, reason: str = "") -> TicketView:
    note = person.clean_notes(reason)
    return _view(
        _move(
            ctx,
            ticket_ref,
            "cancel",
            {"reason": note} if note else None,
            finished_at=to_db(ctx.clock.now()),
            outcome=note,
        )
    )


def requeue(ctx: Context, ticket_ref: str) -> TicketView:
    """Back to waiting at the end of its class (e.g. a missing document being fetched)."""
    return _view(
        _move(
            ctx,
            ticket_ref,
            "requeue",
            None,
            queued_at=to_db(ctx.clock.now()),
            started_at=None,
            finished_at=None,
        )
    )


def transfer(ctx: Context, ticket_ref: str, to_service: str, note: str = "") -> TicketView:
    """Close this ticket as transferred and issue a linked one in the other service.

    The new ticket keeps the visitor's arrival time and place, so nobody queues twice.
    """
    ctx.actor.require(Permission.SERVE)
    clean = person.clean_notes(note)
    now = ctx.clock.now()
    today = local_day(now, ctx.tz)
    with db.atomic():
        old = get(ticket_ref, ctx)
        svc: Service = catalogue.get_service(to_service)
        if not svc.active:
            raise ValidationError("service.inactive", field="service", code=svc.code)
        if svc.code == fk_id(old, Ticket.service):
            raise ValidationError("transfer.same_service", field="service")
        _check_one_active(ctx, old.nik_hash, today, svc.code)
        new = _issue(
            ctx,
            svc,
            today,
            priority=old.priority,
            name=old.name,
            nik_hash=old.nik_hash,
            nik_masked=old.nik_masked,
            phone=old.phone,
            notes=clean or old.notes,
            arrived_at=old.arrived_at,
            queued_at=old.arrived_at,
            registered_at=to_db(now),
            transferred_from=old.id,
        )
        _event(ctx, new, "register", None, Status.WAITING, {"transferred_from": old.code})
        journal.outbox(ctx.clock, "ticket", new.id, "upsert", sync_payload(new))
        _move(
            ctx,
            old.id,
            "transfer",
            {"to": svc.code, "new_code": new.code},
            transferred_to=new.id,
            finished_at=to_db(now),
        )
    return _view(new)


def waiting_seconds(ticket: Ticket | TicketView) -> float | None:
    """First call − arrival (DESIGN.md §4); None while not called yet."""
    if ticket.first_called_at is None:
        return None
    return (ticket.first_called_at - ticket.arrived_at).total_seconds()


def service_seconds(ticket: Ticket | TicketView) -> float | None:
    if ticket.started_at is None or ticket.finished_at is None:
        return None
    return (ticket.finished_at - ticket.started_at).total_seconds()

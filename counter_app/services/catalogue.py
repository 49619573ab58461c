"""The service catalogue: agencies, services and which counter serves what.

What leaves this module for a front end is a view (`services.views`); `get_service` keeps
handing the row to the other services, which read it inside their own transactions.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from counter_app.core.errors import NotFound, ValidationError
from counter_app.core.paths import resource
from counter_app.services import site_calendar
from counter_app.services.context import Context
from counter_app.services.rows import fk_id, mark_clean
from counter_app.services.views import CounterView, ServiceView
from counter_app.store.models import Agency, Counter, CounterService, Service, Ticket, db

# Tickets that no longer hold a place in a service's day: cancelled, or moved to another service.
_NOT_COUNTED = ("cancelled", "transferred")


def default_catalogue() -> dict[str, Any]:
    with open(resource("catalogue", "default.json"), encoding="utf-8") as fh:
        catalogue: dict[str, Any] = json.load(fh)
    return catalogue


def load(catalogue: dict[str, Any]) -> None:
    """Insert or update agencies, services and counters (inside the caller's transaction)."""
    for a in catalogue["agencies"]:
        Agency.insert(
            code=a["code"], name=a["name"], maklumat=a.get("maklumat", "")
        ).on_conflict_replace().execute()
    for s in catalogue["services"]:
        Service.insert(
            code=s["code"],
            letter=s["letter"],
            name_id=s["name_id"],
            name_en=s["name_en"],
            agency=s["agency"],
            target_minutes=s["target_minutes"],
            completion_id=s["completion_id"],
            completion_en=s["completion_en"],
            fee=s["fee"],
            requirements=s.get("requirements", []),
            active=s.get("active", True),
            procedure=s.get("procedure", []),
            product_id=s.get("product_id", ""),
            product_en=s.get("product_en", "") or s.get("product_id", ""),
            legal_basis=s.get("legal_basis", []),
            hours_id=s.get("hours_id", ""),
            hours_en=s.get("hours_en", "") or s.get("hours_id", ""),
            daily_quota=s.get("daily_quota"),
            fee_kind=s.get("fee_kind", "fixed"),
            completion_days=s.get("completion_days"),
        ).on_conflict_replace().execute()
    for c in catalogue.get("counters", []):
        Counter.insert(code=c["code"], name=c["name"], active=True).on_conflict_replace().execute()
        CounterService.delete().where(CounterService.counter == c["code"]).execute()
        for code in c["services"]:
            CounterService.create(counter=c["code"], service=code)


def load_file(path: Path) -> None:
    with open(path, encoding="utf-8") as fh:
        load(json.load(fh))


def active_services() -> list[ServiceView]:
    return [
        ServiceView.from_row(row)
        for row in Service.select(Service, Agency)
        .join(Agency)
        .where(Service.active == True)  # noqa: E712 (peewee expression)
        .order_by(Service.letter, Service.code)
    ]


def services_of_counter(counter_code: str) -> list[ServiceView]:
    return [
        ServiceView.from_row(row)
        for row in Service.select(Service, Agency)
        .join(Agency)
        .switch(Service)
        .join(CounterService)
        .where((CounterService.counter == counter_code) & (Service.active == True))  # noqa: E712
        .order_by(Service.letter, Service.code)
    ]


_SERVICE_ROW = 'SELECT * FROM "service" WHERE "code" = ?'
# code -> (the row as stored, the model's field values built from it). Building a Service model
# (JSON fields, 20-odd columns) cost more than the registration's own INSERT; the row itself is
# still read on every call and compared, so an edit from anywhere (catalogue_edit, a `catalogue
# load`, another process, another store) is seen at once: no invalidation to forget.
_services: dict[str, tuple[tuple[Any, ...], dict[str, Any]]] = {}


def get_service(code: str) -> Service:
    """The service row by code (NotFound if there is none)."""
    return service_row(code.strip().upper(), code)


def service_row(key: str, asked: str | None = None) -> Service:
    """The service whose code is exactly `key` (a ticket's stored foreign key), as get_service."""
    row = db.execute_sql(_SERVICE_ROW, (key,)).fetchone()
    if row is None:
        raise NotFound("service.unknown", code=key if asked is None else asked)
    cached = _services.get(key)
    if cached is None or cached[0] != row:
        built: Service | None = next(iter(Service.raw(_SERVICE_ROW, key)), None)
        if built is None:  # removed between the two reads
            raise NotFound("service.unknown", code=key if asked is None else asked)
        if len(_services) > 256:  # a catalogue has a few dozen codes; bound it anyway
            _services.clear()
        cached = _services[key] = (tuple(row), dict(built.__data__))
    # a fresh instance each time, as peewee's cursor makes one: nothing shared between callers,
    # not even the lists of the JSON fields (requirements, procedure, legal basis)
    service = Service(__no_default__=1, **{k: _thawed(v) for k, v in cached[1].items()})
    mark_clean(service)
    return service


def _thawed(value: Any) -> Any:
    """A copy of a decoded JSON value's lists and dicts (strings and numbers are immutable)."""
    if isinstance(value, list):
        return [_thawed(v) for v in value]
    if isinstance(value, dict):
        return {k: _thawed(v) for k, v in value.items()}
    return value


def agency_name(service: Service) -> str:
    """The name of the service's agency (`service.agency.name` without building the model)."""
    row = db.execute_sql(
        'SELECT "name" FROM "agency" WHERE "code" = ?', (fk_id(service, Service.agency),)
    ).fetchone()
    if row is None:  # a dangling agency: the model's own error
        return str(service.agency.name)
    return str(row[0])


def service_view(code: str) -> ServiceView:
    """A service by code, for a screen (NotFound if there is none)."""
    return ServiceView.from_row(get_service(code))


def get_counter(code: str) -> CounterView:
    counter = Counter.get_or_none(Counter.code == code)
    if counter is None:
        raise NotFound("counter.unknown", code=code)
    return CounterView.from_row(counter)


def tickets_today(service_code: str, day: date) -> int:
    """Tickets of a service on a local day that count against its quota."""
    return (
        Ticket.select()
        .where((Ticket.service == service_code) & (Ticket.day == day) & Ticket.status.not_in(_NOT_COUNTED))
        .count()
    )


def check_quota(ctx: Context, service: Service, day: date) -> None:
    """Refuse a registration past the service's daily quota (Imigrasi 120, KTP-el recording 60
    at MPP Pontianak), naming the next open day. Runs inside the registration's transaction
    (BEGIN IMMEDIATE), so two desks cannot both take the last place."""
    quota = getattr(service, "daily_quota", None)
    if not quota or tickets_today(service.code, day) < quota:
        return
    reopen = site_calendar.calendar_of(ctx).next_working_day(day)
    raise ValidationError(
        "service.quota_full",
        field="service",
        code=service.code,
        quota=quota,
        next_day=site_calendar.date_text(reopen),
        next_date=reopen.isoformat(),
    )

"""The service catalogue: agencies, services and which counter serves what.

What leaves this module for a front end is a view (`services.views`); `get_service` keeps
handing the row to the other services, which read it inside their own transactions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from counter_app.core.errors import NotFound
from counter_app.core.paths import resource
from counter_app.services.views import CounterView, ServiceView
from counter_app.store.models import Agency, Counter, CounterService, Service


def default_catalogue() -> dict[str, Any]:
    with open(resource("catalogue", "default.json"), encoding="utf-8") as fh:
        return json.load(fh)


def load(catalogue: dict[str, Any]) -> None:
    """Insert or update agencies, services and counters (inside the caller's transaction)."""
    for a in catalogue["agencies"]:
        Agency.insert(code=a["code"], name=a["name"]).on_conflict_replace().execute()
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


def get_service(code: str) -> Service:
    # Plain SQL: this runs on every registration.
    found = Service.raw('SELECT * FROM "service" WHERE "code" = ?', code.strip().upper())
    service = next(iter(found), None)
    if service is None:
        raise NotFound("service.unknown", code=code)
    return service


def service_view(code: str) -> ServiceView:
    """A service by code, for a screen (NotFound if there is none)."""
    return ServiceView.from_row(get_service(code))


def get_counter(code: str) -> CounterView:
    counter = Counter.get_or_none(Counter.code == code)
    if counter is None:
        raise NotFound("counter.unknown", code=code)
    return CounterView.from_row(counter)

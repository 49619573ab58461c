"""The service boundary: front ends get frozen views (one mapping from the store), store failures
arrive as typed errors through `usecase`, and the nightly-sync schedule is a Qt-free rule."""

from __future__ import annotations

import dataclasses
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import StoreError
from counter_app.services import (
    accounts,
    catalogue,
    catalogue_edit,
    site_settings,
    staff,
    sync_schedule,
    tickets,
    usecase,
)
from counter_app.services.context import Context
from counter_app.services.views import (
    AgencyView,
    CounterView,
    ServiceView,
    StaffView,
    TicketView,
)
from counter_app.store.connection import DB_NAME
from counter_app.store.models import Service, Staff, Ticket

WIB = ZoneInfo("Asia/Pontianak")


def _columns(model: type) -> set[str]:
    """Attribute names of a model's columns (`service_id` for the foreign key `service`)."""
    return {f.column_name if f.column_name.endswith("_id") else f.name for f in model._meta.sorted_fields}


def test_ticket_view_carries_every_column_but_the_nik_hash() -> None:
    # A new Ticket column makes this fail: decide whether the screens and the CLI may see it.
    fields = {f.name for f in dataclasses.fields(TicketView)}
    assert fields == _columns(Ticket) - {"nik_hash"}


def test_staff_view_never_carries_the_password_hash() -> None:
    fields = {f.name for f in dataclasses.fields(StaffView)}
    assert fields == _columns(Staff) - {"password_hash"}


def test_moves_hand_out_views_equal_to_the_stored_row(ctx: Context, clock: FixedClock) -> None:
    reg = tickets.register(
        ctx,
        service="KTP",
        name="Siti Aminah",
        nik="6171014501900001",
        phone="0812-3456-7890",
        phone_consent=True,
        priority="lansia",
    )
    clock.advance(minutes=3)
    called = tickets.call_next(ctx)
    clock.advance(minutes=1)
    started = tickets.start(ctx, reg.ticket.id)
    moved = [reg.ticket, called, started, tickets.find(reg.ticket.code, ctx), *tickets.queue(ctx)]
    for view in moved:
        assert type(view) is TicketView
    assert started == TicketView.from_row(Ticket.get_by_id(reg.ticket.id))
    assert (started.status, started.nik_masked, started.call_count) == ("serving", "6171**********01", 1)
    assert not hasattr(started, "nik_hash")
    with pytest.raises(dataclasses.FrozenInstanceError):
        started.status = "done"  # type: ignore[misc]
    assert tickets.people_ahead(started) == 0
    clock.advance(minutes=2)
    done = tickets.finish(ctx, started.id, "Selesai")
    assert tickets.service_seconds(done) == 120


def test_catalogue_and_staff_hand_out_views(ctx: Context) -> None:
    services = catalogue.active_services()
    assert services and all(type(s) is ServiceView for s in services)
    ktp = catalogue.service_view("ktp")
    row = Service.get_by_id("KTP")
    assert (ktp.code, ktp.name("en"), ktp.agency_id, ktp.agency.name, ktp.fee) == (
        row.code,
        row.name_en,
        row.agency_id,
        row.agency.name,
        row.fee,
    )
    assert [s.code for s in catalogue.services_of_counter("L01")] == [
        s.code
        for s in catalogue_edit.all_services()
        if s.code in catalogue_edit.services_served("L01") and s.active
    ]
    assert all(type(a) is AgencyView for a in catalogue_edit.agencies())
    l01 = catalogue.get_counter("L01")
    assert type(l01) is CounterView and (l01.code, l01.active) == ("L01", True)
    assert l01 in catalogue_edit.counters()
    member = staff.create_staff(ctx, "petugas.dua", "kata-sandi-2", "staff", "Dewi Lestari")
    assert type(member) is StaffView and member.full_name == "Dewi Lestari"
    assert [m.username for m in accounts.list_staff(ctx)] == ["admin", "petugas.dua"]


def test_usecase_turns_a_database_failure_into_the_translated_store_error(
    ctx: Context, tmp_path: Path
) -> None:
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"this is no database" * 100)
    with pytest.raises(StoreError) as caught:
        with usecase.usecase(ctx):
            sqlite3.connect(junk).execute("SELECT * FROM sqlite_master").fetchall()
    assert caught.value.key == "store.corrupt"
    assert caught.value.params["path"] == str(ctx.data_dir / DB_NAME)  # the store's file is named


def test_opening_a_damaged_store_is_a_store_error(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    assert not usecase.store_exists(folder)
    (folder / DB_NAME).write_bytes(b"not sqlite at all" * 20)
    assert usecase.store_exists(folder)
    with pytest.raises(StoreError) as caught:
        usecase.open_store(folder)
    assert caught.value.key.startswith("store.")  # corrupt / damaged: the store's own words


def test_nightly_schedule_is_a_service_rule(ctx: Context) -> None:
    now = datetime(2026, 11, 30, 8, 0, tzinfo=WIB)  # Monday 08:00 WIB
    assert sync_schedule.last_scheduled(ctx, now) == datetime(2026, 11, 29, 21, 0, tzinfo=WIB)
    assert sync_schedule.next_scheduled(ctx, now) == datetime(2026, 11, 30, 21, 0, tzinfo=WIB)
    site_settings.set_setting(ctx, "sync_time", "06:30")
    assert sync_schedule.last_scheduled(ctx, now) == datetime(2026, 11, 30, 6, 30, tzinfo=WIB)
    # Not set up (no server, no token): no catch-up, just tomorrow's run.
    assert not sync_schedule.is_configured(ctx)
    assert sync_schedule.catch_up_due(ctx, now)  # never synced
    delay = timedelta(minutes=1)
    assert sync_schedule.due_at_start(ctx, now, delay) == datetime(2026, 12, 1, 6, 30, tzinfo=WIB)
    # A failed run is retried after a while, but never later than the next one due.
    assert sync_schedule.retry_at(ctx, None, now) == now + sync_schedule.RETRY_AFTER
    soon = now + timedelta(minutes=5)
    assert sync_schedule.retry_at(ctx, soon, now) == soon

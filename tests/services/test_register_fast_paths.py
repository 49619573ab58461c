"""The registration's hot path (issue 16) keeps every answer: the service read on every call is
built once per row, and any change to the catalogue, from wherever it comes, is seen at once."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from counter_app.core.errors import NotFound, ValidationError
from counter_app.core.ticket_rules import ACTIVE, FINAL
from counter_app.services import catalogue, catalogue_edit, receipts, tickets
from counter_app.services.context import Context
from counter_app.store.connection import DB_NAME
from counter_app.store.models import Ticket

NIK = "6171010101900001"


def _other_connection(data_dir: Path, sql: str, *params: object) -> None:
    """A write from outside this process's connection (another program on the same store)."""
    conn = sqlite3.connect(str(data_dir / DB_NAME), isolation_level=None)
    try:
        conn.execute(sql, params)
    finally:
        conn.close()


def test_a_service_edited_by_another_connection_is_seen_at_once(ctx: Context, data_dir: Path) -> None:
    assert catalogue.get_service("ktp").daily_quota == 60  # read (and kept) once
    _other_connection(
        data_dir, 'UPDATE "service" SET "daily_quota" = 1, "name_id" = ? WHERE "code" = ?', "Baru", "KTP"
    )
    fresh = catalogue.get_service("KTP")
    assert (fresh.daily_quota, fresh.name_id) == (1, "Baru")
    tickets.register(ctx, service="KTP", name="Siti Aminah")
    with pytest.raises(ValidationError) as info:
        tickets.register(ctx, service="KTP", name="Budi Santoso")
    assert info.value.key == "service.quota_full"


def test_a_service_switched_off_in_the_catalogue_refuses_the_next_registration(ctx: Context) -> None:
    tickets.register(ctx, service="KK", name="Siti Aminah")
    catalogue_edit.set_service_active(ctx, "KK", False)
    with pytest.raises(ValidationError) as info:
        tickets.register(ctx, service="KK", name="Budi Santoso")
    assert info.value.key == "service.inactive"
    catalogue_edit.set_service_active(ctx, "KK", True)
    assert tickets.register(ctx, service="KK", name="Budi Santoso").ticket.code == "A002"


def test_a_removed_service_is_unknown(ctx: Context, data_dir: Path) -> None:
    catalogue.get_service("KK")
    _other_connection(data_dir, 'UPDATE "service" SET "code" = ? WHERE "code" = ?', "KK2", "KK")
    with pytest.raises(NotFound):
        catalogue.get_service("KK")
    assert catalogue.get_service("kk2").code == "KK2"


def test_each_call_gets_its_own_service_object(ctx: Context) -> None:
    first = catalogue.get_service("KTP")
    first.name_id = "changed here only"
    first.requirements = []
    second = catalogue.get_service("KTP")
    assert second is not first
    assert second.name_id != "changed here only" and second.requirements
    assert not second.dirty_fields
    assert second.agency.name == first.agency.name  # its own foreign key read


def test_the_nik_clash_counts_every_active_status_and_no_final_one(ctx: Context) -> None:
    first = tickets.register(ctx, service="KTP", name="Siti Aminah", nik=NIK).ticket
    for status in sorted(s.value for s in ACTIVE):
        Ticket.update(status=status).where(Ticket.id == first.id).execute()
        with pytest.raises(ValidationError) as info:
            tickets.register(ctx, service="KTP", name="Siti Aminah", nik=NIK)
        assert info.value.key == "nik.active_ticket" and info.value.params["code"] == first.code
    # another service, or a finished ticket, is no clash
    tickets.register(ctx, service="KK", name="Siti Aminah", nik=NIK)
    for status in sorted(s.value for s in FINAL):
        Ticket.update(status=status).where(Ticket.id == first.id).execute()
        Ticket.update(status="finished").where((Ticket.service == "KTP") & (Ticket.id != first.id)).execute()
        tickets.register(ctx, service="KTP", name="Siti Aminah", nik=NIK)


def test_a_receipt_names_the_service_and_agency_as_the_catalogue_says_now(
    ctx: Context, data_dir: Path
) -> None:
    first = tickets.register(ctx, service="KTP", name="Siti Aminah").ticket
    assert (
        receipts.issue_receipt(ctx, first.id).snapshot["agency"] == catalogue.service_view("KTP").agency.name
    )
    agency = catalogue.get_service("KTP").agency.code
    _other_connection(data_dir, 'UPDATE "agency" SET "name" = ? WHERE "code" = ?', "Dinas Baru", agency)
    _other_connection(data_dir, 'UPDATE "service" SET "name_id" = ? WHERE "code" = ?', "KTP Baru", "KTP")
    second = tickets.register(ctx, service="KTP", name="Budi Santoso").ticket
    snap = receipts.issue_receipt(ctx, second.id).snapshot
    assert (snap["agency"], snap["service_name_id"]) == ("Dinas Baru", "KTP Baru")
    assert receipts.issue_receipt(ctx, first.id).snapshot["agency"] != "Dinas Baru"  # kept as printed


def test_changing_a_services_lists_in_place_stays_with_that_object(ctx: Context) -> None:
    first = catalogue.get_service("KTP")
    before = list(catalogue.get_service("KTP").requirements)
    first.requirements.append({"id": "tambahan", "en": "extra"})
    if first.requirements[0:1] and isinstance(first.requirements[0], dict):
        first.requirements[0]["id"] = "diubah"
    assert catalogue.get_service("KTP").requirements == before

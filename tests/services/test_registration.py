"""Registering visitors: daily codes, receipt numbers, the one-active-ticket rule, atomicity."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import LoketError, NotFound, ValidationError
from counter_app.core.roles import Actor, Role
from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.store.connection import close_db, init_db
from counter_app.store.models import AuditLog, Outbox, QueueSequence, Ticket, TicketEvent

WIB = ZoneInfo("Asia/Pontianak")
NIK = "6171010101900001"
NIK2 = "6171014101900001"


def counts() -> dict[str, int]:
    return {
        "ticket": Ticket.select().count(),
        "event": TicketEvent.select().count(),
        "outbox": Outbox.select().count(),
        "audit": AuditLog.select().count(),
        "sequence": sum(q.last for q in QueueSequence.select()),
    }


def reg(ctx: Context, service: str = "KTP", name: str = "Budi Santoso", **kw: str | None) -> Ticket:
    return tickets.register(ctx, service=service, name=name, **kw).ticket


# ---- numbering -----------------------------------------------------------------------------


def test_codes_count_up_per_letter(ctx: Context, clock: FixedClock) -> None:
    codes = []
    for service in ["KTP", "KK", "PASPOR", "AKTALAHIR", "PASPOR", "NIB", "KTP"]:
        clock.advance(minutes=1)
        codes.append(reg(ctx, service).code)
    # KTP, KK, AKTALAHIR share Disdukcapil's letter A; PASPOR is C; NIB is B.
    assert codes == ["A001", "A002", "C001", "A003", "C002", "B001", "A004"]


def test_ticket_fields_after_registration(ctx: Context, clock: FixedClock) -> None:
    t = reg(
        ctx, "KTP", "  Siti   Aminah ", nik=NIK, phone="0812-3456-7890", phone_consent=True, priority="lansia"
    )
    t = Ticket.get_by_id(t.id)
    assert t.status == "waiting"
    assert t.day == date(2026, 11, 30)
    assert t.code == "A001"
    assert t.name == "Siti Aminah"
    assert t.service_id == "KTP"
    assert t.priority == "lansia"
    assert t.phone == "+6281234567890"
    assert t.nik_masked == "6171**********01"
    assert t.nik_hash and NIK not in t.nik_hash
    assert t.registered_at == datetime(2026, 11, 30, 1, 0)  # 08:00 WIB stored as naive UTC
    assert t.call_count == 0
    # The NIK in clear is nowhere in the ticket row.
    assert NIK not in json.dumps({k: str(v) for k, v in t.__data__.items()})


def test_receipt_number_shape_and_uniqueness(ctx: Context, clock: FixedClock) -> None:
    a = reg(ctx, "KTP")
    b = reg(ctx, "KK")
    c = reg(ctx, "PASPOR")
    assert a.receipt_no == "PTK-L01-20261130-A001"
    assert b.receipt_no == "PTK-L01-20261130-A002"
    assert c.receipt_no == "PTK-L01-20261130-C001"
    clock.advance(days=1)
    d = reg(ctx, "KTP")
    assert d.receipt_no == "PTK-L01-20261201-A001"
    all_numbers = [t.receipt_no for t in Ticket.select()]
    assert len(all_numbers) == len(set(all_numbers)) == 4


def test_numbering_restarts_on_the_next_local_day(ctx: Context, clock: FixedClock) -> None:
    clock.set(datetime(2026, 11, 30, 23, 58, tzinfo=WIB))
    first = reg(ctx, "KTP")
    clock.set(datetime(2026, 11, 30, 23, 59, tzinfo=WIB))
    second = reg(ctx, "KTP")
    # 00:01 WIB on 1 December is still 30 November in UTC (17:01).
    clock.set(datetime(2026, 12, 1, 0, 1, tzinfo=WIB))
    third = reg(ctx, "KTP")
    clock.set(datetime(2026, 12, 1, 0, 2, tzinfo=WIB))
    fourth = reg(ctx, "KTP")
    assert (first.code, second.code, third.code, fourth.code) == ("A001", "A002", "A001", "A002")
    assert first.day == second.day == date(2026, 11, 30)
    assert third.day == fourth.day == date(2026, 12, 1)
    assert third.receipt_no == "PTK-L01-20261201-A001"


def test_utc_midnight_does_not_restart_numbering(ctx: Context, clock: FixedClock) -> None:
    # 06:59 and 07:01 WIB straddle midnight UTC: one local day, one sequence.
    clock.set(datetime(2026, 11, 30, 6, 59, tzinfo=WIB))
    a = reg(ctx, "KTP")
    clock.set(datetime(2026, 11, 30, 7, 1, tzinfo=WIB))
    b = reg(ctx, "KTP")
    assert (a.code, b.code) == ("A001", "A002")
    assert a.day == b.day == date(2026, 11, 30)


def test_numbering_continues_after_a_restart(ctx: Context, data_dir: Path, clock: FixedClock) -> None:
    reg(ctx, "KTP")
    reg(ctx, "KTP")
    reg(ctx, "PASPOR")
    close_db()
    init_db(data_dir)
    fresh = Context(data_dir, Actor("admin", Role.ADMIN, 1), clock)
    assert reg(fresh, "KK").code == "A003"
    assert reg(fresh, "PASPOR").code == "C002"


def test_codes_go_to_four_digits_after_999(ctx: Context) -> None:
    QueueSequence.create(day=date(2026, 11, 30), letter="A", last=999)
    t = reg(ctx, "KTP")
    assert t.code == "A1000"
    assert t.receipt_no == "PTK-L01-20261130-A1000"


def test_a_letter_used_up_for_the_day_is_refused_and_writes_nothing(ctx: Context) -> None:
    QueueSequence.create(day=date(2026, 11, 30), letter="A", last=9999)
    before = counts()
    with pytest.raises(ValidationError) as info:
        reg(ctx, "KTP")
    assert info.value.key == "queue.full"
    assert counts() == before


# ---- one active ticket per NIK, service and day ----------------------------------------------


def test_second_active_ticket_for_same_nik_and_service_is_refused(ctx: Context, clock: FixedClock) -> None:
    first = reg(ctx, "KTP", nik=NIK)
    before = counts()
    with pytest.raises(ValidationError) as info:
        reg(ctx, "KTP", "Budi S", nik="6171 0101 0190 0001")
    assert info.value.key == "nik.active_ticket"
    assert info.value.field == "nik"
    assert info.value.params["code"] == first.code
    assert counts() == before
    # The refused attempt did not use up a number.
    assert reg(ctx, "KK").code == "A002"


def test_same_nik_may_queue_for_another_service(ctx: Context) -> None:
    reg(ctx, "KTP", nik=NIK)
    assert reg(ctx, "KK", nik=NIK).code == "A002"
    assert reg(ctx, "PASPOR", nik=NIK).code == "C001"


def test_other_nik_same_service_is_fine(ctx: Context) -> None:
    reg(ctx, "KTP", nik=NIK)
    assert reg(ctx, "KTP", nik=NIK2).code == "A002"


@pytest.mark.parametrize("closing", ["done", "cancel"])
def test_same_nik_allowed_again_once_the_ticket_is_closed(
    ctx: Context, clock: FixedClock, closing: str
) -> None:
    first = reg(ctx, "KTP", nik=NIK)
    if closing == "done":
        assert tickets.call_next(ctx).id == first.id
        tickets.start(ctx, first.id)
        tickets.finish(ctx, first.id)
    else:
        tickets.cancel(ctx, first.id)
    clock.advance(minutes=5)
    again = reg(ctx, "KTP", nik=NIK)
    assert again.code == "A002"


def test_same_nik_allowed_again_on_the_next_day(ctx: Context, clock: FixedClock) -> None:
    reg(ctx, "KTP", nik=NIK)
    clock.advance(days=1)
    assert reg(ctx, "KTP", nik=NIK).code == "A001"


def test_rule_can_be_switched_off(ctx: Context) -> None:
    from counter_app.store.models import Setting

    Setting.insert(key="one_active_ticket_per_nik", value="false").on_conflict_replace().execute()
    ctx.reload_settings()
    reg(ctx, "KTP", nik=NIK)
    assert reg(ctx, "KTP", nik=NIK).code == "A002"


# ---- invalid input writes nothing ------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "key"),
    [
        ({"nik": "6171017201900001"}, ValidationError, "nik.date"),
        ({"nik": "12345"}, ValidationError, "nik.format"),
        ({"phone": "0812-abc"}, ValidationError, "phone.format"),
        ({"phone": "0812"}, ValidationError, None),
        ({"name": "x" * 5000}, ValidationError, "name.too_long"),
        ({"name": "   "}, ValidationError, "name.empty"),
        ({"name": "Budi\x00"}, ValidationError, "name.characters"),
        ({"priority": "vip"}, ValidationError, "priority.unknown"),
        ({"service": "NOPE"}, NotFound, "service.unknown"),
        ({"notes": "n" * 501}, ValidationError, "notes.too_long"),
    ],
)
def test_invalid_input_writes_nothing(
    ctx: Context, kwargs: dict[str, str], exc: type[LoketError], key: str | None
) -> None:
    reg(ctx, "KTP")  # something already there
    before = counts()
    args = {"service": "KTP", "name": "Budi Santoso"} | kwargs
    with pytest.raises(exc) as info:
        tickets.register(ctx, **args)
    if key:
        assert info.value.key == key
    assert counts() == before
    assert reg(ctx, "KTP").code == "A002"


def test_inactive_service_is_refused(ctx: Context) -> None:
    from counter_app.store.models import Service

    Service.update(active=False).where(Service.code == "PBG").execute()
    before = counts()
    with pytest.raises(ValidationError) as info:
        reg(ctx, "PBG")
    assert info.value.key == "service.inactive"
    assert counts() == before


def test_markup_in_name_is_stored_literally(ctx: Context) -> None:
    t = reg(ctx, "KTP", "<b>Budi</b> & <br/>")
    assert Ticket.get_by_id(t.id).name == "<b>Budi</b> & <br/>"


def test_lower_case_service_code_is_accepted(ctx: Context) -> None:
    assert reg(ctx, "ktp").service_id == "KTP"


def test_unknown_region_registers_with_a_warning(ctx: Context) -> None:
    r = tickets.register(ctx, service="KTP", name="Budi", nik="6199010101900001")
    assert r.warnings == ("nik.unknown_region",)
    assert r.ticket.code == "A001"


def test_staff_may_register(staff_ctx: Context) -> None:
    t = reg(staff_ctx, "KTP")
    event = TicketEvent.get(TicketEvent.ticket == t.id)
    assert event.actor == "petugas1"


# ---- what else is written --------------------------------------------------------------------


def test_register_writes_event_outbox_and_audit(ctx: Context) -> None:
    before = counts()
    t = reg(ctx, "KTP", "Siti Aminah Rahayu", nik=NIK, phone="081234567890", phone_consent=True)
    after = counts()
    assert after["ticket"] == before["ticket"] + 1
    assert after["event"] == before["event"] + 1
    assert after["outbox"] == before["outbox"] + 1
    assert after["audit"] == before["audit"] + 1

    event = TicketEvent.get(TicketEvent.ticket == t.id)
    assert (event.action, event.from_status, event.to_status) == ("register", None, "waiting")
    assert event.actor == "admin"
    assert event.counter == "L01"
    assert event.at == datetime(2026, 11, 30, 1, 0)

    audit = AuditLog.select().order_by(AuditLog.id.desc()).get()
    assert (audit.action, audit.subject, audit.actor) == ("ticket.register", t.id, "admin")


def test_outbox_payload_holds_no_personal_data(ctx: Context) -> None:
    t = reg(ctx, "KTP", "Siti Aminah Rahayu", nik=NIK, phone="081234567890", phone_consent=True)
    row = Outbox.get(Outbox.uuid == t.id)
    assert (row.entity, row.op, row.sent_at) == ("ticket", "upsert", None)
    assert row.payload["code"] == "A001"
    assert row.payload["receipt_no"] == "PTK-L01-20261130-A001"
    assert row.payload["status"] == "waiting"
    raw = json.dumps(row.payload, ensure_ascii=False)
    for secret in [
        NIK,
        "6171**********01",
        "81234567890",
        "0812****7890",
        "Siti Aminah Rahayu",
        "Aminah",
        "Rahayu",
    ]:
        assert secret not in raw, secret
    # Nor does the audit log or the event hold them.
    for table_text in [
        json.dumps([a.detail for a in AuditLog.select()]),
        json.dumps([e.detail for e in TicketEvent.select()]),
    ]:
        assert NIK not in table_text and "81234567890" not in table_text


def test_outbox_payload_does_not_carry_a_single_word_full_name(ctx: Context) -> None:
    """Many Indonesians have one name (Sukarno, Suharto). The sync payload promises "no full
    name", but masking keeps the first word whole, so a one-word name leaves the PC in clear."""
    t = reg(ctx, "KTP", "Sukarno")
    raw = json.dumps(Outbox.get(Outbox.uuid == t.id).payload, ensure_ascii=False)
    assert "Sukarno" not in raw

"""Complaints: recorded by staff, answered by supervisors, deadlines by class and calendar,
overdue from the clock, contacts only with consent and never in the outbox or the audit log."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from counter_app.core.clock import FixedClock, from_db
from counter_app.core.errors import IllegalTransition, NotAllowed, NotFound, ValidationError
from counter_app.core.roles import Actor, Role
from counter_app.services import complaints, journal, tickets
from counter_app.services.context import Context
from counter_app.store.models import AuditLog, Complaint, ComplaintAction, Outbox, db

WIB = ZoneInfo("Asia/Pontianak")


@pytest.fixture
def staff(ctx: Context) -> Context:
    return replace(ctx, actor=Actor("petugas1", Role.STAFF, 2))


@pytest.fixture
def boss(ctx: Context) -> Context:
    return replace(ctx, actor=Actor("koordinator", Role.SUPERVISOR, 3))


def add(who: Context, **kw: object) -> Complaint:
    values: dict[str, object] = {
        "channel": "langsung",
        "category": "waktu",
        "classification": "normatif",
        "text": "Antrian terlalu lama.",
    }
    values.update(kw)
    return complaints.add(who, **values)  # type: ignore[arg-type]


def local(value: datetime | None) -> datetime:
    assert value is not None
    return from_db(value).astimezone(WIB)  # type: ignore[union-attr]


def test_staff_add_with_a_deadline_and_a_number(staff: Context) -> None:
    """Monday 30 Nov 2026 08:00 WIB; normatif: 5 working days → Monday 7 Dec, 23:59:59."""
    row = add(staff)
    assert row.number == "PTK-L01-20261130-P01" and row.status == "baru" and row.day == date(2026, 11, 30)
    assert local(row.deadline_at) == datetime(2026, 12, 7, 23, 59, 59, tzinfo=WIB)
    assert local(row.received_at) == datetime(2026, 11, 30, 8, 0, tzinfo=WIB)
    assert row.received_by == "petugas1" and row.device == "L01"
    second = add(staff, classification="ringan", channel="WhatsApp", category="informasi")
    assert second.number == "PTK-L01-20261130-P02"
    # ringan: 2 working days (issue 15, point 4), Tue 1 (1), Wed 2 (2) — not 11:00 the same day
    assert local(second.deadline_at) == datetime(2026, 12, 2, 23, 59, 59, tzinfo=WIB)
    assert second.channel == "whatsapp"


def test_contact_only_with_consent_and_never_in_the_journal(staff: Context) -> None:
    with pytest.raises(ValidationError) as info:
        add(staff, contact="0812-3456-7890")
    assert info.value.key == "complaint.contact_consent" and info.value.field == "contact"
    with pytest.raises(ValidationError) as info:
        add(staff, contact="bukan kontak", contact_consent=True)
    assert info.value.key == "complaint.contact_invalid"
    row = add(staff, contact="0812-3456-7890", contact_consent=True)
    assert row.contact == "+6281234567890" and row.contact_consent
    mail = add(staff, contact="warga@example.id", contact_consent=True)
    assert mail.contact == "warga@example.id"
    for out in Outbox.select().where(Outbox.entity == "complaint"):
        text = json.dumps(out.payload)
        assert "3456" not in text and "warga@" not in text and "contact" not in out.payload
    assert Outbox.get(Outbox.uuid == row.id).payload["contact_given"] is True
    for entry in AuditLog.select():
        assert "3456" not in json.dumps(entry.detail) and "warga@" not in json.dumps(entry.detail)
    (view,) = [v for v in complaints.list_complaints(staff) if v.id == row.id]
    assert view.contact_masked == "0812*****890"
    assert complaints.mask_contact("warga@example.id") == "wa***@example.id"
    # consent without a contact keeps nothing
    assert add(staff, contact_consent=True).contact_consent is False


def test_bad_input_is_refused(staff: Context) -> None:
    for kw, key in [
        ({"channel": "surat"}, "complaint.channel_unknown"),
        ({"category": "parkir"}, "complaint.category_unknown"),
        ({"classification": "berat"}, "complaint.classification_unknown"),
        ({"text": "   "}, "complaint.text.empty"),
        ({"text": "x" * 2001}, "complaint.text.too_long"),
        ({"ticket": "Z999"}, "ticket.unknown"),
        ({"service": "NOPE"}, "service.unknown"),
    ]:
        with pytest.raises((ValidationError, NotFound)) as info:
            add(staff, **kw)
        assert info.value.key == key, kw
    assert Complaint.select().count() == 0


def test_ticket_link_sets_the_service(staff: Context, ctx: Context) -> None:
    ticket = tickets.register(ctx, service="PASPOR", name="Budi Santoso").ticket
    row = add(staff, ticket=ticket.code)
    assert row.ticket_id == ticket.id and row.service_id == "PASPOR"
    (view,) = complaints.list_complaints(staff)
    assert view.ticket_code == "C001" and view.service == "PASPOR"
    assert add(staff, service="ktp").service_id == "KTP"


def test_supervisor_responds_through_the_statuses(staff: Context, boss: Context, clock: FixedClock) -> None:
    row = add(staff)
    with pytest.raises(NotAllowed):
        complaints.respond(staff, row.id, "Sudah dicek.")
    clock.advance(hours=2)
    complaints.respond(boss, row.number.lower(), "Diteruskan ke Disdukcapil.")
    assert Complaint.get_by_id(row.id).status == "diproses"
    clock.advance(hours=20)
    complaints.respond(boss, row.id, "Menunggu jawaban instansi.")  # a note keeps the status
    clock.advance(hours=20)
    done = complaints.respond(boss, row.id, "Dijawab: loket tambahan dibuka.", "selesai")
    assert done.status == "selesai" and local(done.closed_at) == datetime(2026, 12, 2, 2, 0, tzinfo=WIB)
    with pytest.raises(IllegalTransition):
        complaints.respond(boss, row.id, "Buka lagi.", "diproses")
    with pytest.raises(ValidationError):
        complaints.respond(boss, row.id, "  ")
    actions = list(
        ComplaintAction.select().where(ComplaintAction.complaint == row.id).order_by(ComplaintAction.id)
    )
    assert [(a.status_before, a.status_after) for a in actions] == [
        ("baru", "diproses"),
        ("diproses", "diproses"),
        ("diproses", "selesai"),
    ]
    assert actions[0].actor == "koordinator"
    view = complaints.detail(staff, row.number)
    assert [a.action for a in view.actions][-1] == "Dijawab: loket tambahan dibuka."
    last = Outbox.select().where(Outbox.uuid == row.id).order_by(Outbox.seq.desc()).first()
    assert last.payload["status"] == "selesai" and len(last.payload["actions"]) == 3
    assert journal.verify_chain()[0]


def test_backwards_moves_are_refused(staff: Context, boss: Context) -> None:
    row = add(staff)
    complaints.respond(boss, row.id, "Diproses.", "diproses")
    with pytest.raises(IllegalTransition):
        complaints.respond(boss, row.id, "Kembali.", "baru")
    with pytest.raises(ValidationError):
        complaints.respond(boss, row.id, "?", "ditutup")
    with pytest.raises(NotFound):
        complaints.respond(boss, "PTK-L01-20261130-P99", "x")


def test_actions_are_append_only(staff: Context, boss: Context) -> None:
    row = add(staff)
    complaints.respond(boss, row.id, "Dicek.")
    with pytest.raises(Exception, match="append-only"):
        db.execute_sql('UPDATE "complaint_action" SET "action" = ?', ("diubah",))


def test_overdue_is_computed_from_the_clock(
    ctx: Context, staff: Context, boss: Context, clock: FixedClock
) -> None:
    complaints.set_deadline_rules(ctx, {"ringan": {"hours": 3}})  # a site that promises hours
    minor = add(staff, classification="ringan", text="AC mati.")  # due 11:00
    normal = add(staff, text="Lama sekali.")  # due 7 Dec
    quick = add(staff, classification="ringan", text="Formulir habis.")
    clock.advance(hours=1)
    complaints.respond(boss, quick.id, "Formulir sudah diisi ulang.", "selesai")
    views = {v.id: v for v in complaints.list_complaints(staff)}
    assert not any(v.overdue for v in views.values())
    clock.advance(hours=3)  # 12:00: the minor one is three hours old and still open
    views = complaints.list_complaints(staff)
    assert views[0].id == minor.id and views[0].overdue and not views[0].late
    assert not next(v for v in views if v.id == normal.id).overdue
    assert complaints.overdue_count(staff) == 1
    assert [v.id for v in complaints.list_complaints(staff, overdue_only=True)] == [minor.id]
    assert {v.id for v in complaints.list_complaints(staff, open_only=True)} == {minor.id, normal.id}
    assert [v.id for v in complaints.list_complaints(staff, status="selesai")] == [quick.id]
    complaints.respond(boss, minor.id, "AC sudah diperbaiki.", "selesai")  # closed late
    c = complaints.counts(staff, date(2026, 11, 30))
    assert (c.received, c.answered_in_time, c.answered_late, c.overdue, c.open_in_time) == (3, 1, 1, 0, 1)
    late = next(v for v in complaints.list_complaints(staff) if v.id == minor.id)
    assert late.late and not late.overdue
    clock.set(datetime(2026, 12, 8, 0, 0, 1, tzinfo=WIB))  # past the normatif deadline
    c = complaints.counts(staff, date(2026, 11, 30))
    assert (c.overdue, c.open_in_time) == (1, 0)
    assert c.by_class == {"ringan": 2, "normatif": 1} and c.by_channel == {"langsung": 3}
    assert complaints.counts(staff, date(2026, 12, 1)).received == 0
    assert json.loads(json.dumps(c.to_json()))["answered_late"] == 1


def test_site_deadline_rules(ctx: Context, staff: Context) -> None:
    complaints.set_deadline_rules(ctx, {"ringan": {"hours": 1}, "normatif": {"working_days": 2}})
    minor = add(staff, classification="ringan")
    normal = add(staff)
    assert local(minor.deadline_at) == datetime(2026, 11, 30, 9, 0, tzinfo=WIB)
    assert local(normal.deadline_at) == datetime(2026, 12, 2, 23, 59, 59, tzinfo=WIB)
    with pytest.raises(ValidationError):
        complaints.set_deadline_rules(ctx, '{"ringan": {"hours": -1}}')
    with pytest.raises(NotAllowed):
        complaints.set_deadline_rules(staff, "{}")
    # a later change never moves a deadline already promised
    complaints.set_deadline_rules(ctx, "{}")
    assert Complaint.get_by_id(minor.id).deadline_at == minor.deadline_at
    assert complaints.deadline_rules_of(ctx).rule("ringan").working_days == 2


def test_thursday_before_a_holiday(ctx: Context, staff: Context, clock: FixedClock) -> None:
    """Thursday 2 April 2026, Good Friday on the 3rd: due Friday 10 April, not Thursday 9."""
    clock.set(datetime(2026, 4, 2, 15, 30, tzinfo=WIB))
    row = add(staff)
    assert local(row.deadline_at) == datetime(2026, 4, 10, 23, 59, 59, tzinfo=WIB)


def test_a_failed_journal_write_leaves_nothing(staff: Context, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk gone")

    monkeypatch.setattr(journal, "outbox", broken)
    with pytest.raises(RuntimeError):
        add(staff)
    assert Complaint.select().count() == 0


def test_json_view(staff: Context) -> None:
    row = add(staff, contact="081234567890", contact_consent=True)
    data = json.loads(json.dumps(complaints.detail(staff, row.id).to_json()))
    assert data["number"] == row.number and data["contact_masked"] == "0812*****890"
    assert data["overdue"] is False and data["actions"] == [] and "contact" not in data
    assert (
        datetime.fromisoformat(data["deadline_at"]) - datetime.fromisoformat(data["received_at"])
    ) > timedelta(days=5)


# ---- issue 15, point 4: SP4N-LAPOR! milestones, the site's calendar ------------------------


def test_milestones_are_stored_and_each_overdue_on_its_own(
    staff: Context, boss: Context, clock: FixedClock
) -> None:
    """Monday 30 Nov 2026 08:00: verification by Thu 3 Dec, first response by Mon 7 Dec,
    berkadar pengawasan answered within 60 working days."""
    row = add(staff, classification="berkadar_pengawasan", channel="lapor")
    assert local(row.verification_due_at) == datetime(2026, 12, 3, 23, 59, 59, tzinfo=WIB)
    assert local(row.first_response_due_at) == datetime(2026, 12, 7, 23, 59, 59, tzinfo=WIB)
    clock.set(datetime(2026, 12, 4, 9, tzinfo=WIB))  # Friday: verification is late, the rest not
    view = complaints.detail(staff, row.id)
    assert view.verification_overdue and not view.first_response_overdue and not view.overdue
    complaints.verify(boss, row.id, "Diteruskan ke Disdukcapil.")
    view = complaints.detail(staff, row.id)
    assert not view.verification_overdue and view.verified_at is not None
    assert view.status == "baru"  # verifying is a step, not an answer
    with pytest.raises(IllegalTransition):
        complaints.verify(boss, row.id)
    clock.set(datetime(2026, 12, 8, 9, tzinfo=WIB))  # Tuesday: no first response yet
    view = complaints.detail(staff, row.id)
    assert view.first_response_overdue and not view.overdue
    listed = complaints.list_complaints(staff)[0].to_json()
    assert listed["first_response_overdue"] is True and listed["verification_overdue"] is False
    assert listed["first_response_due_at"].startswith("2026-12-07T16:59:59")
    complaints.respond(boss, row.id, "Rencana tindak lanjut: verifikasi lapangan.")
    view = complaints.detail(staff, row.id)
    assert not view.first_response_overdue and view.first_response_at is not None


def test_the_first_answer_also_verifies(staff: Context, boss: Context) -> None:
    row = add(staff)
    complaints.respond(boss, row.id, "Sudah dijelaskan.", "selesai")
    view = complaints.detail(staff, row.id)
    assert view.verified_at == view.first_response_at == view.closed_at


def test_closed_days_added_and_removed_move_deadlines(
    ctx: Context, staff: Context, clock: FixedClock
) -> None:
    """Wed 23 Dec 2026, normatif: due Mon 4 Jan 2027 with Thu 24 Dec (cuti bersama) closed;
    the site removes 24 Dec (a revised SKB): due Thu 31 Dec; it adds Wed 30 Dec: due Mon 4 Jan."""
    from counter_app.services import site_calendar

    clock.set(datetime(2026, 12, 23, 10, tzinfo=WIB))
    assert local(add(staff).deadline_at).date() == date(2027, 1, 4)
    site_calendar.remove_closed_day(ctx, date(2026, 12, 24))
    assert local(add(staff).deadline_at).date() == date(2026, 12, 31)
    site_calendar.add_closed_day(ctx, date(2026, 12, 30))
    assert local(add(staff).deadline_at).date() == date(2027, 1, 4)
    listed = {d.day: d for d in site_calendar.closed_days(ctx, 2026)}
    assert listed[date(2026, 12, 24)].is_open and listed[date(2026, 12, 24)].source == "national"
    assert listed[date(2026, 12, 30)].source == "site"
    # adding a removed national day back closes it again; removing the site's own day opens it
    site_calendar.add_closed_day(ctx, date(2026, 12, 24))
    site_calendar.remove_closed_day(ctx, date(2026, 12, 30))
    assert local(add(staff).deadline_at).date() == date(2027, 1, 4)
    for bad, key in [(date(2026, 12, 26), "calendar.weekend"), (date(2026, 12, 29), "calendar.not_closed")]:
        with pytest.raises(ValidationError) as info:
            site_calendar.remove_closed_day(ctx, bad)
        assert info.value.key == key
    with pytest.raises(ValidationError) as info:
        site_calendar.add_closed_day(ctx, date(2026, 12, 25))
    assert info.value.key == "calendar.already_closed"
    with pytest.raises(NotAllowed):
        site_calendar.add_closed_day(staff, date(2026, 12, 28))
    actions = [a.action for a in AuditLog.select().order_by(AuditLog.id)]
    assert actions.count("calendar.open") == 2 and actions.count("calendar.close") == 2


def test_cuti_bersama_switch_and_one_rule(ctx: Context, staff: Context, clock: FixedClock) -> None:
    from counter_app.services import site_calendar

    clock.set(datetime(2026, 3, 17, 10, tzinfo=WIB))  # Tuesday before Nyepi and Idul Fitri 2026
    assert local(add(staff, classification="ringan").deadline_at).date() == date(2026, 3, 26)
    site_calendar.set_cuti_bersama(ctx, False)
    assert local(add(staff, classification="ringan").deadline_at).date() == date(2026, 3, 20)
    site_calendar.set_rule(ctx, "ringan", working_days=1)
    assert local(add(staff, classification="ringan").deadline_at).date() == date(2026, 3, 18)
    site_calendar.set_rule(ctx, "verification", working_days=1)
    assert local(add(staff).verification_due_at).date() == date(2026, 3, 18)
    site_calendar.reset_rule(ctx, "ringan")
    assert complaints.deadline_rules_of(ctx).rule("ringan").working_days == 2
    with pytest.raises(ValidationError):
        site_calendar.set_rule(ctx, "sedang", working_days=2)
    with pytest.raises(ValidationError):
        site_calendar.set_rule(ctx, "first_response", hours=4)


def test_a_deadline_in_a_year_the_holidays_release_only_estimates_is_flagged(
    staff: Context, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 11, 30, 9, tzinfo=WIB))
    assert complaints.detail(staff, add(staff).id).estimated_years == ()
    clock.set(datetime(2035, 11, 30, 9, tzinfo=WIB))
    far = complaints.detail(staff, add(staff, classification="berkadar_pengawasan").id)
    assert far.estimated_years == (2035, 2036)
    assert far.to_json()["holidays_estimated"] == [2035, 2036]


def test_cli_deadlines_closed_days_and_milestones_in_the_list(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`complaint deadlines`, `closed-days add|remove|list`, `complaint verify`, and `complaint
    list` naming each overdue milestone; a bad value exits 2 and keeps nothing."""
    import os
    import subprocess
    import sys

    from counter_app.services.setup import initialise
    from counter_app.store.connection import close_db

    folder = tmp_path / "data"
    initialise(folder, by="test")
    close_db()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "counter_app", "--data-dir", str(folder), "--lang", "id", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    shown = json.loads(run("--json", "complaint", "deadlines").stdout)
    assert shown["ringan"] == {"working_days": 2} and shown["verification"] == {"working_days": 3}
    assert shown["first_response"] == {"working_days": 5} and shown["cuti_bersama"] is True
    changed = run("--json", "complaint", "deadlines", "--set", "normatif=7", "--cuti-bersama", "off")
    assert changed.returncode == 0, changed.stderr
    assert json.loads(changed.stdout)["normatif"] == {"working_days": 7}
    bad = run("complaint", "deadlines", "--set", "ringan=3", "--set", "sedang=2")
    assert bad.returncode == 2 and "sedang" in bad.stderr
    assert json.loads(run("--json", "complaint", "deadlines").stdout)["ringan"] == {"working_days": 2}
    assert run("complaint", "deadlines", "--cuti-bersama", "on").returncode == 0
    assert run("closed-days", "remove", "2026-12-24").returncode == 0
    assert run("closed-days", "add", "2026-12-30", "2026-12-31").returncode == 0
    refused = run("closed-days", "remove", "2026-12-29")  # not closed
    assert refused.returncode == 2 and "bukan hari libur" in refused.stderr
    listed = json.loads(run("--json", "closed-days", "list", "--year", "2026").stdout)
    days = {d["date"]: d for d in listed["days"]}
    assert days["2026-12-24"]["open"] is True and days["2026-12-30"]["source"] == "site"
    assert listed["estimated"] is False
    far = run("closed-days", "list", "--year", "2035")
    assert far.returncode == 0 and "masih perkiraan" in far.stderr
    added = json.loads(
        run(
            "--json",
            "complaint",
            "add",
            "--channel",
            "lapor",
            "--category",
            "waktu",
            "--class",
            "berkadar_pengawasan",
            "--text",
            "Antrean lama.",
        ).stdout
    )
    assert added["verification_due_at"] and added["first_response_due_at"]
    listed_now = run("complaint", "list")
    assert "TERLAMBAT" not in listed_now.stdout
    verified = run("--json", "complaint", "verify", added["number"], "--note", "Diteruskan.")
    assert verified.returncode == 0 and json.loads(verified.stdout)["verified_at"]

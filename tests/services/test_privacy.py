"""Personal data (UU PDP 27/2022) end to end on real stores and backups: the retention purge
pseudonymises what is older than `retention_days` and keeps the statistics, leaves younger
records alone, deletes old backups, counts without changing anything in a dry run, is audited
and idempotent; the export finds a person by NIK, phone or ticket; erasure keeps what an open
complaint still needs and says why."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import NotAllowed, ValidationError
from counter_app.services import backup as backups, complaints, journal, privacy, survey, tickets
from counter_app.services.context import Context
from counter_app.store.connection import DB_NAME
from counter_app.store.models import (
    AuditLog,
    Complaint,
    ComplaintAction,
    Receipt,
    SurveyResponse,
    Ticket,
    TicketEvent,
    db,
)

WIB = ZoneInfo("Asia/Pontianak")
NIK = "6171010101900001"
PHONE = "081234567890"
ALL = dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"), 3)
PROFILE = {"age_band": "31_40", "sex": "L", "education": "s1", "occupation": "swasta"}


def served(ctx: Context, clock: FixedClock, name: str, **extra: str) -> Ticket:
    ticket = tickets.register(ctx, service="KTP", name=name, notes="bawa KK asli", **extra).ticket
    clock.advance(minutes=3)
    assert tickets.call_next(ctx, "L01") is not None
    tickets.start(ctx, ticket.id)
    clock.advance(minutes=7)
    tickets.finish(ctx, ticket.id, outcome=f"{name} diminta kembali besok")
    return Ticket.get_by_id(ticket.id)


def at(clock: FixedClock, *ymd: int) -> None:
    clock.set(datetime(*ymd, 9, 0, tzinfo=WIB))


def statistics(ticket_id: str) -> tuple:
    row = Ticket.get_by_id(ticket_id)
    return (
        row.day,
        row.code,
        row.service_id,
        row.status,
        row.priority,
        row.arrived_at,
        row.first_called_at,
        row.started_at,
        row.finished_at,
        row.call_count,
        row.counter,
    )


def table_dump() -> dict[str, list[tuple]]:
    tables = (
        "ticket",
        "ticket_event",
        "receipt",
        "complaint",
        "complaint_action",
        "survey_response",
        "outbox",
        "audit_log",
        "setting",
    )
    return {t: db.execute_sql(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}


@pytest.fixture
def history(ctx: Context, clock: FixedClock) -> dict[str, str]:
    """Six years ago: a served visitor with NIK, phone, notes, survey profile and a settled
    complaint, a second one whose complaint is still open, and a backup; two years ago: a
    younger visitor and a backup. The clock ends at the fixture's 2026-11-30."""
    at(clock, 2020, 6, 1)
    old = served(ctx, clock, "Budi Santoso", nik=NIK, phone=PHONE, phone_consent=True)
    survey.record(
        ctx, old.id, ALL, PROFILE, consent=True, suggestions="Terima kasih, Budi Santoso 081234567890"
    )
    settled = complaints.add(
        ctx,
        channel="langsung",
        category="waktu",
        classification="normatif",
        text="Budi Santoso menunggu lama",
        ticket=old.id,
        contact=PHONE,
        contact_consent=True,
    )
    complaints.respond(ctx, settled.id, "Dihubungi di 081234567890, Budi Santoso puas", "selesai")
    waiting = served(ctx, clock, "Rina Wati", phone="081298765432", phone_consent=True)
    still_open = complaints.add(
        ctx,
        channel="telepon",
        category="perilaku",
        classification="berkadar_pengawasan",
        text="Rina Wati dibentak",
        ticket=waiting.id,
        contact="081298765432",
        contact_consent=True,
    )
    old_copy = backups.backup(ctx)
    at(clock, 2024, 11, 1)
    young = served(
        ctx, clock, "Siti Aminah", nik="6171014101900001", phone="081311112222", phone_consent=True
    )
    young_copy = backups.backup(ctx)
    at(clock, 2026, 11, 30)
    return {
        "old": old.id,
        "kept": waiting.id,
        "young": young.id,
        "settled": settled.id,
        "open": still_open.id,
        "old_copy": str(old_copy),
        "young_copy": str(young_copy),
    }


def test_purge_pseudonymises_old_records_keeps_statistics_and_old_backups_go(
    ctx: Context, history: dict[str, str], data_dir: Path
) -> None:
    before_old, before_young = statistics(history["old"]), statistics(history["young"])
    young_row = Ticket.get_by_id(history["young"]).__data__.copy()
    answers_before = SurveyResponse.get(SurveyResponse.ticket == history["old"]).answers()

    result = privacy.purge(ctx)

    assert result.counts.tickets == 1 and result.counts.kept == 1 and result.counts.complaints == 1
    assert result.counts.surveys == 1 and result.counts.backups == 1
    old = Ticket.get_by_id(history["old"])
    assert (old.name, old.phone, old.nik_hash, old.nik_masked, old.notes, old.outcome) == (
        privacy.ANONYMOUS,
        None,
        None,
        None,
        "",
        "",
    )
    assert statistics(history["old"]) == before_old  # times, service, status: all kept
    events = list(TicketEvent.select().where(TicketEvent.ticket == history["old"]).order_by(TicketEvent.id))
    assert [e.action for e in events] == ["register", "call", "start", "finish"]
    assert events[-1].detail == {"outcome": ""}
    receipt = Receipt.get_or_none(Receipt.ticket == history["old"])
    assert receipt is None or "Budi" not in json.dumps(receipt.snapshot)
    answers = SurveyResponse.get(SurveyResponse.ticket == history["old"])
    assert answers.answers() == answers_before  # the IKM answers stay
    assert (answers.age_band, answers.sex, answers.education, answers.occupation) == (None,) * 4
    assert "Budi" not in answers.suggestions and "081234567890" not in answers.suggestions
    settled = Complaint.get_by_id(history["settled"])
    assert settled.contact is None and "Budi" not in settled.text
    assert settled.classification == "normatif" and settled.status == "selesai"
    (action,) = ComplaintAction.select().where(ComplaintAction.complaint == settled.id)
    assert "Budi" not in action.action and "081234567890" not in action.action
    # an open complaint keeps its ticket and its contact: it must still be answered
    kept = Ticket.get_by_id(history["kept"])
    assert kept.name == "Rina Wati" and Complaint.get_by_id(history["open"]).contact == "+6281298765432"
    # the younger visitor is untouched, and so is the younger backup
    assert Ticket.get_by_id(history["young"]).__data__ == young_row
    assert statistics(history["young"]) == before_young
    assert not Path(history["old_copy"]).exists() and Path(history["young_copy"]).exists()
    assert result.backups_removed == (Path(history["old_copy"]).name,)
    # nothing of the old visitor is left anywhere, the audit chain included
    for table, rows in table_dump().items():
        assert "Budi Santoso" not in repr(rows) and "+6281234567890" not in repr(rows), table
    raw = (data_dir / DB_NAME).read_bytes() + _wal(data_dir)
    assert b"Budi Santoso" not in raw and b"+6281234567890" not in raw  # not in free pages either
    # audited, through the permit, and the chain still verifies
    entry = AuditLog.select().where(AuditLog.action == "retention.purge").order_by(AuditLog.id.desc()).first()
    assert entry.subject == "retention" and entry.detail["tickets"] == 1 and entry.actor == "admin"
    assert journal.check_chain().intact
    assert db.execute_sql('SELECT count(*) FROM "purge_permit"').fetchone()[0] == 0
    # idempotent: a second run finds nothing more
    again = privacy.purge(ctx)
    assert (
        again.counts.tickets,
        again.counts.complaints,
        again.counts.surveys,
        again.counts.backups,
        again.counts.events,
    ) == (0, 0, 0, 0, 0)
    assert privacy.status(ctx).last_counts["tickets"] == 0


def _wal(data_dir: Path) -> bytes:
    wal = data_dir / f"{DB_NAME}-wal"
    return wal.read_bytes() if wal.exists() else b""


def test_a_dry_run_counts_and_changes_nothing(ctx: Context, history: dict[str, str], data_dir: Path) -> None:
    before = table_dump()
    copies = sorted(p.name for p in (data_dir / "backups").glob("*.sqlite3"))
    result = privacy.purge(ctx, dry_run=True)
    assert result.dry_run and result.counts.tickets == 1 and result.counts.backups == 1
    assert result.counts.events == 1 and result.counts.kept == 1
    assert table_dump() == before
    assert sorted(p.name for p in (data_dir / "backups").glob("*.sqlite3")) == copies


def test_the_daily_purge_runs_once_a_day_and_again_on_a_restored_old_copy(
    ctx: Context, history: dict[str, str], clock: FixedClock, data_dir: Path
) -> None:
    from counter_app.store.connection import close_db, init_db

    # a copy made before any purge, restored over the store (the way an admin restores one)
    copy = backups.backup(ctx)
    first = privacy.purge_if_due(ctx)
    assert first is not None and first.counts.tickets == 1
    assert privacy.purge_if_due(ctx) is None  # once a day
    entry = AuditLog.select().where(AuditLog.action == "retention.purge").order_by(AuditLog.id.desc()).first()
    assert entry.actor == "system:retention"
    close_db()
    (data_dir / DB_NAME).write_bytes(Path(copy).read_bytes())
    for extra in ("-wal", "-shm"):
        (data_dir / f"{DB_NAME}{extra}").unlink(missing_ok=True)
    init_db(data_dir)
    assert Ticket.get_by_id(history["old"]).name == "Budi Santoso"  # the copy holds the name
    again = privacy.purge_if_due(ctx)  # the copy's own "last purge" is older: purged at open
    assert again is not None and Ticket.get_by_id(history["old"]).name == privacy.ANONYMOUS
    clock.advance(days=1)
    assert privacy.purge_if_due(ctx) is not None


def test_only_an_admin_purges(staff_ctx: Context) -> None:
    with pytest.raises(NotAllowed):
        privacy.purge(staff_ctx)


def test_export_finds_the_person_by_nik_phone_or_ticket(
    ctx: Context, history: dict[str, str], tmp_path: Path
) -> None:
    by_nik = privacy.export(ctx, privacy.subject(ctx, nik="6171-0101-0190-0001"))
    assert [t["id"] for t in by_nik["tickets"]] == [history["old"]]
    ticket = by_nik["tickets"][0]
    assert ticket["name"] == "Budi Santoso" and ticket["phone"] == "+6281234567890"
    assert ticket["nik_masked"] == "6171**********01" and NIK not in json.dumps(by_nik)
    assert [e["action"] for e in ticket["events"]] == ["register", "call", "start", "finish"]
    assert [c["number"] for c in by_nik["complaints"]] == [Complaint.get_by_id(history["settled"]).number]
    assert by_nik["survey_responses"][0]["occupation"] == "swasta"
    by_phone = privacy.export(ctx, privacy.subject(ctx, phone="+62 812-3456-7890"))
    assert [t["id"] for t in by_phone["tickets"]] == [history["old"]]
    receipt_no = Ticket.get_by_id(history["young"]).receipt_no
    by_ticket = privacy.export(ctx, privacy.subject(ctx, ticket=receipt_no))
    assert [t["name"] for t in by_ticket["tickets"]] == ["Siti Aminah"] and not by_ticket["complaints"]

    files = privacy.export_files(ctx, privacy.subject(ctx, nik=NIK), tmp_path, "id")
    assert sorted(p.suffix for p in files) == [".json", ".pdf"]
    data = json.loads(next(p for p in files if p.suffix == ".json").read_text("utf-8"))
    assert data["tickets"][0]["name"] == "Budi Santoso"
    pdf = pypdf.PdfReader(io.BytesIO(next(p for p in files if p.suffix == ".pdf").read_bytes()))
    text = " ".join(page.extract_text() for page in pdf.pages)
    assert "Data Pribadi yang Disimpan" in text and "Budi Santoso" in text
    assert "+6281234567890" in text and "menunggu lama" in text and "6171**********01" in text
    assert all((p.stat().st_mode & 0o077) == 0 for p in files)  # owner-only
    audit = AuditLog.select().where(AuditLog.action == "privacy.export").order_by(AuditLog.id.desc()).first()
    assert audit.subject == "6171**********01" and NIK not in json.dumps(audit.detail)
    assert journal.check_chain().intact


def test_export_of_nobody_writes_nothing(ctx: Context, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    assert privacy.export_files(ctx, privacy.subject(ctx, phone="081399998888"), out) == []
    assert list(out.iterdir()) == []


def test_a_subject_is_exactly_one_valid_key(ctx: Context) -> None:
    with pytest.raises(ValidationError):
        privacy.subject(ctx)
    with pytest.raises(ValidationError):
        privacy.subject(ctx, nik=NIK, phone=PHONE)
    with pytest.raises(ValidationError):
        privacy.subject(ctx, nik="6171017201900001")  # day 32: no such NIK


def test_erase_keeps_an_open_complaint_with_the_reason(ctx: Context, history: dict[str, str]) -> None:
    who = privacy.subject(ctx, phone="081298765432")
    result = privacy.erase(ctx, who, "Permintaan pemohon Rina Wati lewat surat")
    numbers = {k.ref: k.reason for k in result.kept}
    assert numbers[Complaint.get_by_id(history["open"]).number] == "privacy.kept.open_complaint"
    assert numbers[Ticket.get_by_id(history["kept"]).receipt_no] == "privacy.kept.open_complaint"
    assert Ticket.get_by_id(history["kept"]).name == "Rina Wati"
    assert Complaint.get_by_id(history["open"]).contact == "+6281298765432"
    entry = AuditLog.select().order_by(AuditLog.id.desc()).first()
    assert entry.action == "retention.purge" and entry.subject.startswith("erase: ")
    assert "Rina Wati" not in entry.subject  # the reason is masked before it enters the chain
    assert journal.check_chain().intact


def test_erase_pseudonymises_now_with_the_reason(ctx: Context, history: dict[str, str]) -> None:
    before = statistics(history["young"])
    result = privacy.erase(ctx, privacy.subject(ctx, nik="6171014101900001"), "permintaan pemohon")
    assert result.kept == () and result.counts.tickets == 1
    row = Ticket.get_by_id(history["young"])
    assert (row.name, row.phone, row.nik_hash) == (privacy.ANONYMOUS, None, None)
    assert statistics(history["young"]) == before
    with pytest.raises(ValidationError):
        privacy.erase(ctx, privacy.subject(ctx, nik=NIK), "  ")
    assert journal.check_chain().intact


def test_notice_names_what_why_how_long_and_whom(ctx: Context) -> None:
    pdf = pypdf.PdfReader(io.BytesIO(privacy.notice_pdf(ctx, "id")))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    for words in (
        "Pemberitahuan Privasi",
        "Data yang dicatat",
        "Untuk apa",
        "1.825 hari (sekitar 5 tahun)",
        "Hubungi",
        "WhatsApp 0811-5600-000",
        "persetujuan",
    ):
        assert words in text, words


def test_backup_stamps_are_read_from_every_kind_of_copy() -> None:
    assert backups.taken_at(Path("loket-20200601T020000123456.sqlite3")) == datetime(2020, 6, 1, 2, 0)
    assert backups.taken_at(Path("pre-sync-20240101T000000000001.sqlite3")) == datetime(2024, 1, 1)
    assert backups.taken_at(Path("pre-migrate-v4-20250102T030405.sqlite3")) == datetime(2025, 1, 2, 3, 4, 5)
    assert backups.taken_at(Path("copy.sqlite3")) is None


def test_an_old_store_file_still_opens_after_a_purge(
    ctx: Context, history: dict[str, str], data_dir: Path
) -> None:
    privacy.purge(ctx)
    con = sqlite3.connect(data_dir / DB_NAME)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


def test_phone_consent_is_recorded_in_the_register_event(ctx: Context) -> None:
    given = tickets.register(ctx, service="KTP", name="Dewi Lestari", phone=PHONE, phone_consent=True).ticket
    silent = tickets.register(ctx, service="KTP", name="Agus Salim").ticket  # no phone, no consent
    before = Ticket.select().count()
    # The service refuses a phone without consent, whichever front end asks (issue 15, point 1).
    with pytest.raises(ValidationError) as refused:
        tickets.register(ctx, service="KTP", name="Agus Salim", phone="081377776666")
    assert refused.value.key == "ticket.phone_without_consent" and refused.value.field == "phone"
    assert Ticket.select().count() == before
    consented = [
        r[0]
        for r in db.execute_sql(
            'SELECT "ticket_id" FROM "ticket_event" WHERE "action" = \'register\' '
            "AND json_extract(\"detail\", '$.phone_consent') = 1"
        )
    ]
    assert consented == [given.id] and silent.id not in consented
    doc = privacy.export(ctx, privacy.subject(ctx, ticket=given.id))
    assert doc["tickets"][0]["phone_consent_at"] is not None


def test_free_texts_stay_out_of_the_audit_chain(ctx: Context, clock: FixedClock) -> None:
    served(ctx, clock, "Hendra Gunawan")
    finish = AuditLog.select().where(AuditLog.action == "ticket.finish").get()
    assert finish.detail == {"outcome": True} and "Hendra" not in json.dumps(finish.detail)


def test_erase_keeps_a_ticket_still_in_todays_queue(ctx: Context) -> None:
    waiting = tickets.register(
        ctx, service="KTP", name="Joko Widodo", phone="081355554444", phone_consent=True
    ).ticket
    result = privacy.erase(ctx, privacy.subject(ctx, phone="081355554444"), "permintaan")
    assert [(k.ref, k.reason) for k in result.kept] == [(waiting.receipt_no, "privacy.kept.active_ticket")]
    assert Ticket.get_by_id(waiting.id).name == "Joko Widodo"

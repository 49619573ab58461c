"""The satisfaction survey: one response per served ticket, the profile only with consent,
paper forms all-or-nothing, and the IKM of a period against hand-computed figures."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pypdf
import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import NotAllowed, NotFound, ValidationError
from counter_app.core.roles import Actor, Role
from counter_app.services import (
    daily_report,
    demo,
    journal,
    report_text,
    skm_report,
    survey,
    survey_import,
    tickets,
)
from counter_app.services.context import Context
from counter_app.store.models import AuditLog, Complaint, Outbox, SurveyResponse, Ticket

DAY = date(2026, 11, 30)  # the clock fixture's Monday
ALL = dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"), 4)


def serve(ctx: Context, clock: FixedClock, service: str = "KTP", counter: str = "L01") -> Ticket:
    t = tickets.register(
        ctx, service=service, name="Siti Aminah", phone="081234567890", phone_consent=True
    ).ticket
    clock.advance(minutes=2)
    called = tickets.call_next(ctx, counter)
    assert called is not None and called.id == t.id
    tickets.start(ctx, t.id)
    clock.advance(minutes=5)
    return tickets.finish(ctx, t.id)


def answers(*scores: int | None) -> dict[str, int | None]:
    return dict(zip(ALL, scores))


@pytest.fixture
def supervisor(ctx: Context) -> Context:
    return replace(ctx, actor=Actor("koordinator", Role.SUPERVISOR, 3))


# ---- recording --------------------------------------------------------------------------


def test_record_stores_answers_profile_and_journals_them(ctx: Context, clock: FixedClock) -> None:
    ticket = serve(ctx, clock)
    staff = replace(ctx, actor=Actor("petugas1", Role.STAFF, 2))
    before = Outbox.select().count()
    row = survey.record(
        staff,
        ticket.id,
        answers(4, 3, 3, 4, 3, 3, 4, 3, 2),
        {"age_band": "31_40", "sex": "P", "education": "s1", "occupation": "swasta"},
        consent=True,
        suggestions="  Ruang tunggu\x07 panas  ",
    )
    stored = SurveyResponse.get_by_id(row.id)
    assert stored.ticket_id == ticket.id and stored.day == DAY and stored.service_id == "KTP"
    assert stored.counter == "L01" and stored.source == "kiosk" and stored.consent
    assert stored.answers() == answers(4, 3, 3, 4, 3, 3, 4, 3, 2)
    assert (stored.age_band, stored.sex, stored.education, stored.occupation) == (
        "31_40",
        "P",
        "s1",
        "swasta",
    )
    assert stored.suggestions == "Ruang tunggu panas" and stored.created_by == "petugas1"
    (out,) = Outbox.select().where(Outbox.seq > before)
    assert out.entity == "survey" and out.uuid == row.id and out.payload["answers"]["U9"] == 2
    text = json.dumps(out.payload)
    assert "Siti" not in text and "0812" not in text and "+62" not in text
    audit = AuditLog.select().order_by(AuditLog.id.desc()).first()
    assert audit.action == "survey.record" and audit.subject == row.id
    assert journal.verify_chain()[0]


def test_one_response_per_ticket(ctx: Context, clock: FixedClock) -> None:
    ticket = serve(ctx, clock)
    survey.record(ctx, ticket.id, ALL)
    with pytest.raises(ValidationError) as info:
        survey.record(ctx, ticket.id, answers(1, 1, 1, 1, 1, 1, 1, 1, 1))
    assert info.value.key == "survey.already"
    assert "sudah diisi" in info.value.message()
    assert SurveyResponse.select().count() == 1
    assert survey.has_response(ticket.id)


def test_only_served_tickets(ctx: Context) -> None:
    waiting = tickets.register(ctx, service="KTP", name="Budi").ticket
    with pytest.raises(ValidationError) as info:
        survey.record(ctx, waiting.id, ALL)
    assert info.value.key == "survey.not_served"
    with pytest.raises(NotFound):
        survey.record(ctx, "tidak-ada", ALL)


def test_kiosk_answers_must_be_complete_and_in_range(ctx: Context, clock: FixedClock) -> None:
    ticket = serve(ctx, clock)
    with pytest.raises(ValidationError) as info:
        survey.record(ctx, ticket.id, answers(4, 4, 4, None, 4, 4, 4, 4, 4))
    assert info.value.key == "survey.incomplete" and info.value.field == "U4"
    with pytest.raises(ValidationError) as info:
        survey.record(ctx, ticket.id, {**ALL, "U2": 5})
    assert info.value.key == "survey.score" and info.value.field == "U2"
    with pytest.raises(ValidationError):
        survey.record(ctx, ticket.id, {**ALL, "U10": 3})
    assert SurveyResponse.select().count() == 0


def test_profile_only_with_consent(ctx: Context, clock: FixedClock) -> None:
    ticket = serve(ctx, clock)
    with pytest.raises(ValidationError) as info:
        survey.record(ctx, ticket.id, ALL, {"sex": "L"}, consent=False)
    assert info.value.key == "survey.consent_needed"
    with pytest.raises(ValidationError):
        survey.record(ctx, ticket.id, ALL, {"sex": "X"}, consent=True)
    row = survey.record(ctx, ticket.id, ALL, {"sex": None, "age_band": ""}, consent=False)
    assert row.sex is None and not row.consent


def test_a_failed_journal_write_leaves_no_response(ctx: Context, clock: FixedClock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ticket = serve(ctx, clock)

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk gone")

    monkeypatch.setattr(journal, "audit", broken)
    with pytest.raises(RuntimeError):
        survey.record(ctx, ticket.id, ALL)
    assert SurveyResponse.select().count() == 0
    assert not Outbox.select().where(Outbox.entity == "survey").exists()


# ---- the index --------------------------------------------------------------------------


def test_ikm_of_a_day_by_hand(ctx: Context, clock: FixedClock, supervisor: Context) -> None:
    """Three KTP visitors and one passport visitor served; three answer.
    KTP: (4,3,2,4,3,3,3,3,3) and (3,3,4,4,3,3,3,3,3): Σ = 28 + 29 = 57 over 2 → 25 × 57/18
    = 79.1666… → 79.17 (B). Passport: all 4 → 100 (A). Together: Σ = 57 + 36 = 93 over 3 →
    25 × 93/27 = 86.1111… → 86.11 (B: not the mean of 79.17 and 100). U1 NRR = (4 + 3 + 4)/3
    = 3.67; U3 = (2 + 4 + 4)/3 = 3.33."""
    k1, k2, k3 = (serve(ctx, clock) for _ in range(3))
    p1 = serve(ctx, clock, "PASPOR", "L03")
    survey.record(ctx, k1.id, answers(4, 3, 2, 4, 3, 3, 3, 3, 3))
    survey.record(ctx, k2.id, answers(3, 3, 4, 4, 3, 3, 3, 3, 3))
    survey.record(ctx, p1.id, ALL)
    data = skm_report.ikm(supervisor, DAY)
    assert data["ikm"] == 86.11 and data["grade"] == "B" and data["kinerja"] == "Baik"
    assert data["respondents"] == 3 and data["incomplete"] == 0
    assert data["population"] == 4 and data["required_sample"] == 4
    assert data["sample_sufficient"] is False
    assert data["nrr"]["U1"] == 3.67 and data["nrr"]["U4"] == 4.0 and data["nrr"]["U3"] == 3.33
    assert data["totals"]["U1"] == 11
    assert data["element_index"]["U4"] == 100.0
    by = {r["service"]: r for r in data["by_service"]}
    assert by["KTP"]["ikm"] == 79.17 and by["KTP"]["grade"] == "B" and by["KTP"]["respondents"] == 2
    assert by["KTP"]["population"] == 3
    assert by["PASPOR"]["ikm"] == 100.0 and by["PASPOR"]["population"] == 1
    agencies = {r["agency"]: r for r in data["by_agency"]}
    assert agencies["DUKCAPIL"]["ikm"] == 79.17
    counters = {r["counter"]: r for r in data["by_counter"]}
    assert counters["L01"]["respondents"] == 2 and counters["L03"]["ikm"] == 100.0
    assert json.loads(json.dumps(data)) == data  # JSON-ready

    only = skm_report.ikm(supervisor, DAY, service="ktp")
    assert only["ikm"] == 79.17 and only["population"] == 3 and only["filter"]["service"] == "KTP"
    assert skm_report.ikm(supervisor, DAY, counter="L03")["respondents"] == 1
    assert skm_report.ikm(supervisor, DAY, agency="DUKCAPIL")["respondents"] == 2
    assert skm_report.ikm(supervisor, DAY + timedelta(days=1))["ikm"] is None
    text = report_text.format_ikm(data, "id")
    assert "IKM 86,11 — mutu B (Baik)" in text and "U1 3,67" in text


def test_ikm_checks_its_inputs_and_who_asks(ctx: Context, supervisor: Context) -> None:
    with pytest.raises(NotFound):
        skm_report.ikm(supervisor, DAY, service="NOPE")
    with pytest.raises(NotFound):
        skm_report.ikm(supervisor, DAY, agency="NOPE")
    with pytest.raises(NotFound):
        skm_report.ikm(supervisor, DAY, counter="L99")
    with pytest.raises(ValidationError):
        skm_report.ikm(supervisor, DAY, DAY - timedelta(days=1))
    with pytest.raises(NotAllowed):
        skm_report.ikm(replace(ctx, actor=Actor("petugas1", Role.STAFF, 2)), DAY)


def test_ikm_and_the_skm_report_keep_the_one_period_rule(supervisor: Context) -> None:
    """A report covers at most a year (core/period.py), the daily summary and the IKM alike;
    the IKM used to allow five."""
    year_ago = DAY - timedelta(days=365)
    assert skm_report.ikm(supervisor, year_ago, DAY)["date_from"] == year_ago.isoformat()  # 366 days
    for report in (skm_report.ikm, skm_report.report_snapshot, daily_report.daily_figures):
        with pytest.raises(ValidationError) as err:
            report(supervisor, year_ago - timedelta(days=1), DAY)
        assert err.value.key == "report.range_too_long" and err.value.params["max"] == 366


# ---- paper forms ------------------------------------------------------------------------

GOOD_CSV = """tanggal,U1,U2,U3,U4,U5,U6,U7,U8,U9,layanan,usia,jenis_kelamin,pendidikan,pekerjaan,saran
2026-11-27,4,4,3,4,3,3,4,3,3,KTP,34,P,S1,wiraswasta,Ruang tunggu nyaman
27-11-2026,3,3,3,4,3,3,3,3,2,paspor,21-30,L,SMA,pelajar,
2026-11-28,d,c,c,d,c,c,d,c,c,,,,,,
2026-11-28,3,3,,4,3,3,3,3,3,KK,,,,,"Mohon tambah kursi, terima kasih"
"""


def write(tmp_path: Path, text: str, name: str = "survei.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_import_paper_forms(supervisor: Context, tmp_path: Path) -> None:
    result = survey_import.import_csv(supervisor, write(tmp_path, GOOD_CSV))
    assert result.imported == 4 and result.incomplete == 1
    assert (result.first_day, result.last_day) == (date(2026, 11, 27), date(2026, 11, 28))
    rows = list(SurveyResponse.select().order_by(SurveyResponse.day, SurveyResponse.service))
    assert all(r.source == "paper" and r.ticket_id is None and r.counter is None for r in rows)
    first = next(r for r in rows if r.service_id == "KTP")
    assert (first.age_band, first.sex, first.education, first.occupation) == ("31_40", "P", "s1", "wirausaha")
    assert first.suggestions == "Ruang tunggu nyaman"
    letters = next(r for r in rows if r.service_id is None)
    assert letters.answers() == answers(4, 3, 3, 4, 3, 3, 4, 3, 3)
    assert next(r for r in rows if r.service_id == "PASPOR").age_band == "21_30"
    assert Outbox.select().where(Outbox.entity == "survey").count() == 4
    audit = AuditLog.select().where(AuditLog.action == "survey.import").get()
    assert audit.detail["rows"] == 4 and audit.detail["sha256"] == result.sha256
    # the partial form counts for the elements it answers (PermenPANRB 14/2017)
    data = skm_report.ikm(supervisor, date(2026, 11, 27), date(2026, 11, 28))
    assert data["respondents"] == 4 and data["incomplete"] == 1


def test_semicolons_bom_and_upper_case_headers(supervisor: Context, tmp_path: Path) -> None:
    text = "\ufeffTANGGAL;u1;U2;U3;U4;U5;U6;U7;U8;U9\r\n30/11/2026;4;4;4;4;4;4;4;4;4\r\n\r\n;;;;;;;;;\r\n"
    result = survey_import.import_csv(supervisor, write(tmp_path, text))
    assert result.imported == 1 and SurveyResponse.get().day == DAY


def test_a_file_with_one_bad_row_imports_nothing(supervisor: Context, tmp_path: Path) -> None:
    bad = GOOD_CSV + "2026-11-29,4,4,5,4,4,4,4,4,4,KTP,,X,,,\n" + "2026-13-01,4,4,4,4,4,4,4,4,4,,,,,,\n"
    with pytest.raises(survey_import.CsvRejected) as info:
        survey_import.import_csv(supervisor, write(tmp_path, bad))
    assert SurveyResponse.select().count() == 0
    assert not Outbox.select().where(Outbox.entity == "survey").exists()
    assert not AuditLog.select().where(AuditLog.action == "survey.import").exists()
    texts = [e.text() for e in info.value.errors]
    assert texts == [
        'Baris 6, kolom U3: nilai harus 1–4 atau a–d, tertulis "5"',
        'Baris 6, kolom jenis_kelamin: jenis kelamin "X" tidak dikenal (L atau P)',
        'Baris 7, kolom tanggal: tanggal tidak valid "2026-13-01" (pakai TTTT-BB-HH atau HH-BB-TTTT)',
    ]
    message = info.value.message()
    assert message.startswith("Berkas ") and "ditolak: 3 kesalahan. Tidak ada data yang diimpor" in message
    assert info.value.exit_code == 2
    assert [e.text("en") for e in info.value.errors][
        0
    ] == 'Row 6, column U3: score must be 1–4 or a–d, got "5"'


def test_every_kind_of_row_error(supervisor: Context, tmp_path: Path) -> None:
    rows = [
        "tanggal,U1,U2,U3,U4,U5,U6,U7,U8,U9,layanan,usia,jenis_kelamin,pendidikan,pekerjaan,saran",
        ",4,4,4,4,4,4,4,4,4,,,,,,",  # 2 missing date
        "2099-01-01,4,4,4,4,4,4,4,4,4,,,,,,",  # 3 future
        "2026-11-30,,,,,,,,,,KTP,,,,,",  # 4 no answers
        "2026-11-30,4,4,4,4,4,4,4,4,4,SIM,,,,,",  # 5 unknown service
        "2026-11-30,4,4,4,4,4,4,4,4,4,,200,,,,",  # 6 bad age
        "2026-11-30,4,4,4,4,4,4,4,4,4,,,,TK,,",  # 7 education
        "2026-11-30,4,4,4,4,4,4,4,4,4,,,,,nelayan,",  # 8 occupation
        "2026-11-30,4,4,4,4,4,4,4,4,4,,,,,," + "x" * 1001,  # 9 long suggestion
        "2026-11-30,4,4,4,4,4,4,4,4,4,,,,,,,extra",  # 10 extra cell
    ]
    with pytest.raises(survey_import.CsvRejected) as info:
        survey_import.import_csv(supervisor, write(tmp_path, "\n".join(rows) + "\n"))
    got = [(e.row, e.column, e.key) for e in info.value.errors]
    assert got == [
        (2, "tanggal", "required"),
        (3, "tanggal", "future_date"),
        (4, "", "no_answers"),
        (5, "layanan", "unknown_service"),
        (6, "usia", "bad_age"),
        (7, "pendidikan", "bad_education"),
        (8, "pekerjaan", "bad_occupation"),
        (9, "saran", "long_suggestion"),
        (10, "", "extra_cells"),
    ]
    assert info.value.errors[2].text() == "Baris 4: tidak ada satu pun jawaban U1–U9"
    assert SurveyResponse.select().count() == 0


def test_header_problems(supervisor: Context, tmp_path: Path) -> None:
    text = "tanggal,U1,U2,U3,U4,U5,U6,U7,U8,pendidkan,U1\n2026-11-30,4,4,4,4,4,4,4,4,SMA,4\n"
    with pytest.raises(survey_import.CsvRejected) as info:
        survey_import.import_csv(supervisor, write(tmp_path, text))
    assert [(e.row, e.column, e.key) for e in info.value.errors] == [
        (1, "pendidkan", "unknown_column"),
        (1, "U1", "duplicate_column"),
        (1, "U9", "missing_column"),
    ]


def test_file_level_problems(supervisor: Context, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        survey_import.import_csv(supervisor, tmp_path / "tidak-ada.csv")
    assert info.value.key == "survey.csv.unreadable"
    with pytest.raises(ValidationError) as info:
        survey_import.import_csv(
            supervisor, write(tmp_path, "tanggal;U1\n30-11-2026;Ä\n", encoding="latin-1")
        )
    assert info.value.key == "survey.csv.encoding"
    with pytest.raises(ValidationError) as info:
        survey_import.import_csv(supervisor, write(tmp_path, "tanggal,U1,U2,U3,U4,U5,U6,U7,U8,U9\n"))
    assert info.value.key == "survey.csv.empty"


def test_the_same_file_twice_is_refused(supervisor: Context, tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_CSV)
    survey_import.import_csv(supervisor, path)
    with pytest.raises(ValidationError) as info:
        survey_import.import_csv(supervisor, path)
    assert info.value.key == "survey.csv.duplicate"
    assert SurveyResponse.select().count() == 4
    survey_import.import_csv(supervisor, path, allow_duplicate=True)
    assert SurveyResponse.select().count() == 8


def test_staff_cannot_import(ctx: Context, tmp_path: Path) -> None:
    with pytest.raises(NotAllowed):
        survey_import.import_csv(
            replace(ctx, actor=Actor("petugas1", Role.STAFF, 2)), write(tmp_path, GOOD_CSV)
        )


# ---- the daily summary and the SKM report -----------------------------------------------


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())


def test_daily_summary_has_survey_and_complaints(
    ctx: Context, clock: FixedClock, supervisor: Context
) -> None:
    from counter_app.services import complaints

    k1, k2 = serve(ctx, clock), serve(ctx, clock)
    survey.record(ctx, k1.id, answers(4, 3, 2, 4, 3, 3, 3, 3, 3))
    survey.record(ctx, k2.id, answers(3, 3, 4, 4, 3, 3, 3, 3, 3))
    complaints.add(ctx, channel="langsung", category="waktu", classification="ringan", text="Lama.")
    figures = daily_report.daily_figures(supervisor, DAY)
    assert figures.survey is not None and figures.survey["ikm"] == 79.17
    assert figures.survey["respondents"] == 2 and figures.survey["nrr"]["U3"] == 3.0
    assert figures.complaints is not None and figures.complaints["received"] == 1
    data = figures.to_json()
    assert data["survey"]["grade"] == "B" and data["complaints"]["open_in_time"] == 1
    text = pdf_text(daily_report.report_pdf(figures))
    assert "Survei kepuasan masyarakat (SKM)" in text and "IKM 79,17 — mutu B (Baik)" in text
    assert "Pengaduan" in text and "Selesai tepat waktu" in text
    wb = openpyxl.load_workbook(io.BytesIO(daily_report.report_xlsx(figures)))
    summary = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=2, values_only=True)}
    assert summary["IKM (survei kepuasan)"] == pytest.approx(79.17)
    assert summary["NRR U3 Waktu Penyelesaian"] == pytest.approx(3.0)
    assert summary["Pengaduan diterima"] == 1
    english = pdf_text(daily_report.report_pdf(figures, "en"))
    assert "IKM 79.17 — grade B (Good)" in english


def test_skm_report_snapshot_and_pdf(
    ctx: Context, clock: FixedClock, supervisor: Context, tmp_path: Path
) -> None:
    ticket = serve(ctx, clock)
    survey.record(
        ctx,
        ticket.id,
        answers(4, 3, 2, 4, 3, 3, 3, 3, 3),
        {"age_band": "21_30", "sex": "L"},
        consent=True,
        suggestions="Parkir sempit",
    )
    survey_import.import_csv(supervisor, write(tmp_path, GOOD_CSV))
    snap = skm_report.report_snapshot(supervisor, date(2026, 11, 1), DAY)
    assert snap["respondents"] == 5 and snap["incomplete"] == 1 and snap["responses"] == 5
    assert snap["sources"] == {"kiosk": 1, "paper": 4}
    sexes = {e["code"]: e["count"] for e in snap["profile"]["sex"]}
    assert sexes == {"L": 2, "P": 1} and snap["profile_unknown"]["sex"] == 2
    assert [s["text"] for s in snap["suggestions"]] == [
        "Ruang tunggu nyaman",
        "Mohon tambah kursi, terima kasih",
        "Parkir sempit",
    ]
    assert len(snap["weakest"]) == 3
    assert snap["nrr_weighted_total"] == pytest.approx(float(Decimal(snap["ikm"]) / 25), abs=0.001)
    text = pdf_text(skm_report.report_pdf(supervisor, date(2026, 11, 1), DAY))
    assert "Laporan Hasil Survei Kepuasan Masyarakat" in text
    assert "Parkir sempit" in text and "Rencana tindak lanjut" in text


# ---- demo -------------------------------------------------------------------------------


def test_demo_responses(ctx: Context) -> None:
    day = date(2026, 11, 25)
    demo.run_demo(ctx, day, 120, seed=3)
    served = Ticket.select().where((Ticket.day == day) & (Ticket.status == "done")).count()
    result = demo.demo_responses(ctx, day, seed=5)
    assert result.responses == SurveyResponse.select().count()
    assert 0.2 * served <= result.responses <= 0.4 * served
    assert result.complaints == Complaint.select().count()
    for row in SurveyResponse.select():
        ticket = Ticket.get_by_id(row.ticket_id)
        assert row.day == day and ticket.status == "done"
        assert row.created_at > ticket.finished_at
    again = demo.demo_responses(ctx, day, seed=5)  # tickets already answered are skipped
    assert SurveyResponse.select().count() == result.responses + again.responses
    data = skm_report.ikm(ctx, day)
    assert data["grade"] in ("A", "B") and data["population"] == served


# ---- paper forms: limits and the write lock (issue 10) --------------------------------------

REGISTER_LOOP = r"""
import sys, pathlib, time
from counter_app.core.clock import SystemClock
from counter_app.core.errors import LoketError
from counter_app.core.roles import Actor, Role
from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.store.connection import init_db

data_dir, stop = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
# a busy timeout of 1 s, a fifth of the program's: any write lock held longer refuses one
init_db(data_dir, busy_timeout_ms=1000)
ctx = Context(data_dir, Actor("petugas.loket2", Role.STAFF), SystemClock())
while not stop.exists():
    began = time.perf_counter()
    try:
        tickets.register(ctx, service="KK", name="Budi Santoso")  # KK has no daily quota
        print("ok", round((time.perf_counter() - began) * 1000), flush=True)  # ms, for the eye
        time.sleep(0.02)  # ~40 a second: the letter's 9,999 numbers last a long import
    except LoketError as exc:
        print("refused", exc.key, exc.message("en").replace("\n", " "), flush=True)
"""


def big_csv(tmp_path: Path, rows: int) -> Path:
    head = "tanggal,U1,U2,U3,U4,U5,U6,U7,U8,U9,layanan,usia,jenis_kelamin,pendidikan,pekerjaan,saran\n"
    lines = [
        f"2026-11-{1 + i % 28:02d},4,3,4,3,4,3,4,3,4,KTP,{20 + i % 50},P,S1,swasta,Antrean cepat {i}\n"
        for i in range(rows)
    ]
    path = tmp_path / "besar.csv"
    path.write_text(head + "".join(lines), encoding="utf-8")
    return path


@pytest.mark.slow
def test_registrations_go_on_during_a_100k_form_import(
    supervisor: Context, data_dir: Path, tmp_path: Path
) -> None:
    """Another process registers visitors in a loop all through the import, each registration
    waiting at most 1 s for the write lock; none is refused as "locked". So the import never
    holds the lock for a second (one transaction for the whole file did, for several). Its
    tickets' outbox rows before, between and after the import's prove that it registered the
    whole time, between the import's chunks too."""
    import subprocess
    import sys

    path = big_csv(tmp_path, survey_import.MAX_IMPORT_ROWS)
    stop = tmp_path / "stop"
    worker = subprocess.Popen(
        [sys.executable, "-c", REGISTER_LOOP, str(data_dir), str(stop)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None
        first = worker.stdout.readline()  # the worker is registering before the import starts
        assert first.startswith("ok"), first + worker.stderr.read() if worker.stderr else first
        result = survey_import.import_csv(supervisor, path)
        assert result.imported == survey_import.MAX_IMPORT_ROWS and result.already == 0
        # one more registration after the import finished
        line = worker.stdout.readline()
        stop.touch()
        # through the text streams: communicate() would read the pipes past what readline()
        # already buffered, losing lines
        out = worker.stdout.read()
        err = worker.stderr.read() if worker.stderr else ""
        worker.wait(timeout=120)
    finally:
        stop.touch()
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        for stream in (worker.stdout, worker.stderr):
            if stream is not None:
                stream.close()
    lines = [first, line] + out.splitlines()
    refused = [x for x in lines if x.strip() and not x.startswith("ok")]
    assert not refused, refused[:3]
    assert worker.returncode == 0, err
    seqs = [o.seq for o in Outbox.select(Outbox.seq).where(Outbox.entity == "survey")]
    assert len(seqs) == survey_import.MAX_IMPORT_ROWS
    assert SurveyResponse.select().count() == survey_import.MAX_IMPORT_ROWS
    first_seq, last_seq = min(seqs), max(seqs)
    ticket_seq = Outbox.select().where(Outbox.entity == "ticket")
    assert ticket_seq.where(Outbox.seq < first_seq).count() >= 1
    assert ticket_seq.where(Outbox.seq.between(first_seq, last_seq)).count() >= 1
    assert ticket_seq.where(Outbox.seq > last_seq).count() >= 1


def test_a_field_over_the_csv_limit_names_its_line(supervisor: Context, tmp_path: Path) -> None:
    huge = "x" * 131_073
    text = GOOD_CSV + f'2026-11-28,4,4,4,4,4,4,4,4,4,,,,,,"{huge}"\n'
    with pytest.raises(ValidationError) as info:
        survey_import.import_csv(supervisor, write(tmp_path, text))
    assert info.value.key == "survey.csv.field_too_long" and info.value.exit_code == 2
    assert info.value.params["line"] == 6
    assert "line 6" in info.value.message("en") and "131072" in info.value.message("en").replace(",", "")
    assert "baris 6" in info.value.message("id").lower()
    assert SurveyResponse.select().count() == 0


def test_a_field_too_long_through_the_cli_is_exit_2(data_dir: Path, tmp_path: Path) -> None:
    import subprocess
    import sys

    from counter_app.store.connection import close_db

    close_db()
    path = write(tmp_path, GOOD_CSV + "2026-11-28,4,4,4,4,4,4,4,4,4,,,,,," + "y" * 140_000 + "\n")
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("COUNTER_APP_")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "counter_app",
            "--lang",
            "en",
            "--data-dir",
            str(data_dir),
            "survey",
            "import",
            str(path),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "line 6" in proc.stderr and "too long" in proc.stderr
    assert "Traceback" not in proc.stderr and "_csv.Error" not in proc.stderr


def test_a_huge_file_is_refused_unread(supervisor: Context, tmp_path: Path) -> None:
    path = tmp_path / "raksasa.csv"
    with path.open("wb") as fh:  # sparse: costs no disk
        fh.truncate(survey_import.MAX_IMPORT_BYTES + 1)
    with pytest.raises(ValidationError) as info:
        survey_import.import_csv(supervisor, path)
    assert info.value.key == "survey.csv.too_big" and info.value.exit_code == 2
    assert "64 MB" in info.value.message("en")
    assert SurveyResponse.select().count() == 0


def test_too_many_rows_are_refused_while_reading(supervisor: Context, tmp_path: Path) -> None:
    path = big_csv(tmp_path, survey_import.MAX_IMPORT_ROWS + 1)
    with pytest.raises(ValidationError) as info:
        survey_import.import_csv(supervisor, path)
    assert info.value.key == "survey.csv.too_many"
    assert SurveyResponse.select().count() == 0


# ---- issue 15: partial forms, the column mapping, the printed sums, unknown population --------


def test_a_partial_paper_form_counts_for_the_elements_it_answers(supervisor: Context, tmp_path: Path) -> None:
    """GOOD_CSV's fourth form leaves U3 blank. PermenPANRB 14/2017 divides each element by the
    answers given to it: U3 = (3 + 3 + 3) / 3 = 3 (n = 3), every other element over 4 forms.
    Sums U1…U9 = 14, 13, 9, 16, 12, 12, 14, 12, 11 → NRR 3.5, 3.25, 3, 4, 3, 3, 3.5, 3, 2.75;
    Σ = 29 → IKM = 29 × 25/9 = 80.555… → 80.56 (B). Leaving the form out gave 81.48."""
    survey_import.import_csv(supervisor, write(tmp_path, GOOD_CSV))
    data = skm_report.ikm(supervisor, date(2026, 11, 27), date(2026, 11, 28))
    assert data["ikm"] == 80.56 and data["grade"] == "B"
    assert data["respondents"] == 4 and data["incomplete"] == 1
    assert data["answered"] == {**dict.fromkeys(ALL, 4), "U3": 3}
    assert data["nrr"]["U3"] == 3.0 and data["nrr"]["U9"] == 2.75 and data["totals"]["U1"] == 14
    # per service too: the KK form alone has no U3 answer, so KK has no index
    by = {r["service"]: r for r in data["by_service"]}
    assert by["KK"]["respondents"] == 1 and by["KK"]["incomplete"] == 1 and by["KK"]["ikm"] is None


def test_printed_weighted_nrrs_add_up_to_the_printed_total(supervisor: Context, tmp_path: Path) -> None:
    """Each NRR × 1/9 rounded on its own: .389 .361 .333 .444 .333 .333 .389 .333 .306 = 3.221,
    while Σ = 29/9 = 3.2222… prints 3.222. Apportioned (largest remainder) they add up."""
    survey_import.import_csv(supervisor, write(tmp_path, GOOD_CSV))
    snap = skm_report.report_snapshot(supervisor, date(2026, 11, 27), date(2026, 11, 28))
    parts = [Decimal(str(v)) for v in snap["nrr_weighted"].values()]
    assert snap["nrr_weighted_total"] == 3.222
    assert sum(parts) == Decimal("3.222")
    assert all(
        abs(Decimal(str(snap["nrr"][c])) / 9 - Decimal(str(w))) < Decimal("0.001")
        for c, w in snap["nrr_weighted"].items()
    )
    text = pdf_text(skm_report.report_pdf(supervisor, date(2026, 11, 27), date(2026, 11, 28)))
    assert "Jumlah NRR tertimbang (Σ NRR × 1/9) 3,222" in text
    assert "1 isian tidak lengkap (sebagian unsur kosong)" in text
    assert "3 U3 · Waktu Penyelesaian 3 9 3,00" in text  # answers, sum, NRR


def test_paper_forms_only_population_is_unknown(supervisor: Context, tmp_path: Path) -> None:
    survey_import.import_csv(supervisor, write(tmp_path, GOOD_CSV))
    data = skm_report.ikm(supervisor, date(2026, 11, 27), date(2026, 11, 28))
    assert data["population"] is None and data["required_sample"] is None
    assert data["sample_sufficient"] is None
    assert all(r["population"] is None for r in data["by_service"])
    assert "dilayani tidak diketahui; sampel minimum tidak diketahui" in report_text.format_ikm(data, "id")
    text = pdf_text(skm_report.report_pdf(supervisor, date(2026, 11, 27), date(2026, 11, 28)))
    assert "Populasi (pengunjung selesai dilayani): tidak diketahui" in text
    assert "Krejcie–Morgan: tidak diketahui" in text


U8_U9_SWAPPED = """tanggal,1,2,3,4,5,6,7,8,9
2026-11-27,4,4,4,4,4,4,4,1,3
2026-11-28,4,4,4,4,4,4,4,2,3
"""


def test_a_questionnaire_that_asks_u9_before_u8(supervisor: Context, tmp_path: Path) -> None:
    """Question 8 on this form is Sarana (U9) and question 9 Pengaduan (U8)."""
    result = survey_import.import_csv(supervisor, write(tmp_path, U8_U9_SWAPPED), mapping="8=U9,9=U8")
    assert result.mapping == {**{str(i): f"U{i}" for i in range(1, 8)}, "8": "U9", "9": "U8"}
    rows = sorted(SurveyResponse.select(), key=lambda r: r.day)
    assert [(r.u8, r.u9) for r in rows] == [(3, 1), (3, 2)]
    assert result.to_json()["mapping"]["8"] == "U9"
    assert "8→U9" in result.mapping_text() and "9→U8" in result.mapping_text()


def test_a_mapping_by_header_names(supervisor: Context, tmp_path: Path) -> None:
    text = "tanggal,Q1,Q2,Q3,Q4,Q5,Q6,Q7,Q8,Q9\n2026-11-27,4,4,4,4,4,4,4,1,3\n"
    plain = survey_import.import_csv(supervisor, write(tmp_path, text, "a.csv"))  # Qn is question n
    assert plain.mapping["Q8"] == "U8"
    swapped = survey_import.import_csv(
        supervisor, write(tmp_path, text.replace("-27", "-26"), "b.csv"), mapping="Q8=U9, q9 = u8"
    )
    assert swapped.mapping["Q8"] == "U9" and swapped.mapping["Q9"] == "U8"
    by_day = {r.day: (r.u8, r.u9) for r in SurveyResponse.select()}
    assert by_day == {date(2026, 11, 27): (1, 3), date(2026, 11, 26): (3, 1)}


@pytest.mark.parametrize(
    ("mapping", "key"),
    [
        ("8=U9", "duplicate_element"),  # U9 twice: question 8 and question 9
        ("8=U10", "map_element"),
        ("X8=U9,9=U8", "map_no_column"),
        ("8", "map_bad"),
        ("8=U9,8=U8", "map_bad"),
    ],
)
def test_a_bad_mapping_imports_nothing(supervisor: Context, tmp_path: Path, mapping: str, key: str) -> None:
    with pytest.raises(ValidationError) as info:
        survey_import.import_csv(supervisor, write(tmp_path, U8_U9_SWAPPED), mapping=mapping)
    keys = [e.key for e in getattr(info.value, "errors", [])] or [info.value.key.rsplit(".", 1)[-1]]
    assert key in keys and info.value.exit_code == 2
    assert SurveyResponse.select().count() == 0


def test_survey_import_map_through_the_cli_prints_the_mapping(data_dir: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from counter_app.store.connection import close_db

    close_db()
    path = write(tmp_path, U8_U9_SWAPPED)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    base = [sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), "survey", "import", str(path)]
    proc = subprocess.run(base + ["--map", "8=U9,9=U8"], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Kolom yang dipakai: 1→U1, 2→U2, 3→U3, 4→U4, 5→U5, 6→U6, 7→U7, 8→U9, 9→U8" in proc.stdout
    proc = subprocess.run(
        base + ["--allow-duplicate", "--map", "8=U9", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert proc.returncode == 2 and "U9" in proc.stderr and proc.stdout == ""


# ---- paper forms: an import cut off between its chunks (issue 10) --------------------------


def cut_off_after_the_first_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The import's second chunk fails as a crash would: the first one is committed."""
    real = survey_import._write_chunk
    done: list[int] = []

    def write_chunk(*args, **kwargs):  # type: ignore[no-untyped-def]
        if done:
            raise RuntimeError("power cut")
        done.append(real(*args, **kwargs))
        return done[-1]

    monkeypatch.setattr(survey_import, "_write_chunk", write_chunk)


def survey_outbox() -> list[str]:
    return [o.uuid for o in Outbox.select(Outbox.uuid).where(Outbox.entity == "survey")]


def test_an_import_cut_off_between_chunks_finishes_when_run_again(
    supervisor: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunk = survey_import.CHUNK_ROWS
    rows = 2 * chunk + 200  # three chunks
    path = big_csv(tmp_path, rows)
    with monkeypatch.context() as patch:
        cut_off_after_the_first_chunk(patch)
        with pytest.raises(RuntimeError, match="power cut"):
            survey_import.import_csv(supervisor, path)
    # the first chunk is in, with its outbox rows; the file does not count as imported yet
    assert SurveyResponse.select().count() == chunk and len(survey_outbox()) == chunk
    assert not AuditLog.select().where(AuditLog.action == "survey.import").exists()

    result = survey_import.import_csv(supervisor, path)  # no --allow-duplicate needed
    assert (result.imported, result.already) == (rows - chunk, chunk)
    assert result.to_json()["already"] == chunk
    forms = list(SurveyResponse.select(SurveyResponse.id, SurveyResponse.suggestions))
    ids = [f.id for f in forms]
    assert len(ids) == len(set(ids)) == rows
    assert {f.suggestions for f in forms} == {f"Antrean cepat {i}" for i in range(rows)}  # each once
    outbox = survey_outbox()
    assert len(outbox) == rows and set(outbox) == set(ids)
    (audit,) = AuditLog.select().where(AuditLog.action == "survey.import")
    assert audit.detail["rows"] == rows and audit.detail["sha256"] == result.sha256
    assert journal.check_chain().intact

    # now it is imported: the same file again is refused, nothing written
    with pytest.raises(ValidationError) as info:
        survey_import.import_csv(supervisor, path)
    assert info.value.key == "survey.csv.duplicate"
    assert SurveyResponse.select().count() == rows


def test_a_deliberate_second_import_cut_off_is_finished_not_refused(
    supervisor: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunk = survey_import.CHUNK_ROWS
    rows = chunk + 100
    path = big_csv(tmp_path, rows)
    survey_import.import_csv(supervisor, path)
    with monkeypatch.context() as patch:
        cut_off_after_the_first_chunk(patch)
        with pytest.raises(RuntimeError):
            survey_import.import_csv(supervisor, path, allow_duplicate=True)
    assert SurveyResponse.select().count() == rows + chunk
    # the second copy was under way: running it again finishes it instead of refusing the file
    result = survey_import.import_csv(supervisor, path)
    assert (result.imported, result.already) == (rows - chunk, chunk)
    assert SurveyResponse.select().count() == 2 * rows
    assert len(set(survey_outbox())) == len(survey_outbox()) == 2 * rows
    assert AuditLog.select().where(AuditLog.action == "survey.import").count() == 2
    # a third copy only when asked for: new ids again
    again = survey_import.import_csv(supervisor, path, allow_duplicate=True)
    assert (again.imported, again.already) == (rows, 0)
    assert SurveyResponse.select().count() == 3 * rows


CRASHING_IMPORT = r"""
import os, sys, pathlib
from counter_app.core.clock import SystemClock
from counter_app.core.roles import Actor, Role
from counter_app.services import survey_import
from counter_app.services.context import Context
from counter_app.store.connection import init_db

data_dir, path = pathlib.Path(sys.argv[1]), sys.argv[2]
init_db(data_dir)
real, calls = survey_import._write_chunk, []

def write_chunk(*args, **kwargs):
    if calls:
        os._exit(9)  # the process dies between two chunks: no rollback, no clean-up
    calls.append(real(*args, **kwargs))
    return calls[-1]

survey_import._write_chunk = write_chunk
survey_import.import_csv(Context(data_dir, Actor("koordinator", Role.SUPERVISOR)), path)
"""


def test_the_cli_finishes_an_import_whose_process_died(data_dir: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from counter_app.store.connection import close_db

    close_db()
    chunk = survey_import.CHUNK_ROWS
    path = big_csv(tmp_path, chunk + 30)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    died = subprocess.run(
        [sys.executable, "-c", CRASHING_IMPORT, str(data_dir), str(path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert died.returncode == 9, died.stderr
    base = [sys.executable, "-m", "counter_app", "--lang", "en", "--data-dir", str(data_dir)]
    proc = subprocess.run(
        [*base, "survey", "import", str(path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "30 form(s) imported" in proc.stdout
    assert (
        f"{chunk} form(s) had been written by an earlier import of this file that was cut off" in proc.stdout
    )
    proc = subprocess.run(
        [*base, "--json", "survey", "import", str(path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 2 and "already imported" in proc.stderr
    from counter_app.store.connection import init_db

    init_db(data_dir)
    assert SurveyResponse.select().count() == chunk + 30 == len(set(survey_outbox()))

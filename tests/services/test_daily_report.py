"""The daily summary's figures against a day built by hand, and the same figures read back out
of the JSON, the XLSX, the CSV and the PDF text."""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import openpyxl
import pypdf
import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import NotAllowed, NotFound, ValidationError
from counter_app.core.period import MAX_PERIOD_DAYS
from counter_app.core.roles import Actor, Role
from counter_app.core.statistics import Durations, median, nearest_rank
from counter_app.services import daily_report, report_files, report_text, tickets
from counter_app.services.context import Context
from counter_app.services.daily_report import daily_figures
from counter_app.store.models import QueueSequence, Service, Ticket, db

DAY = date(2026, 11, 30)  # the clock fixture's Monday


@dataclass
class HandDay:
    ctx: Context  # the supervisor who reads the report
    codes: dict[str, str]  # T1… → ticket code


def build_hand_day(ctx: Context, clock: FixedClock) -> HandDay:
    """Eight tickets on Monday 2026-11-30 from 08:00 WIB, every move at a known minute.

    ani serves counter L01 (KTP, KK), budi counter L03 (PASPOR).

    min  event                                     ticket
      0  register KTP                              T1 A001
      2  register KK                               T2 A002
      3  register PASPOR, priority lansia          T3 C001
      5  register KTP                              T4 A003
      6  register PASPOR                           T5 C002
      7  register KTP                              T6 A004
      8  register KK                               T7 A005 (left waiting)
     10  ani calls T1; 11 start; 19 finish         wait 10, service 8, call→finish 9 ≤ 10
     12  budi calls T3 (priority); 13 start; 25 finish   wait 9, service 12, 13 ≤ 15
     20  ani cancels T6; calls T2; 21 start; 31 finish   wait 18, service 10, 11 > 8
     26  budi calls T5; 27 start; 30 transfer to KTP → T8 A006 (arrival kept: minute 6)
     32  ani calls T4; 33, 34 recall; 35 no-show   wait 27
     40  ani calls T8; 41 start; 46 finish         wait 34, service 5, 6 ≤ 10
    """
    start = clock.now()

    def at(minute: int) -> None:
        clock.set(start + timedelta(minutes=minute))

    registrar = replace(ctx, actor=Actor("pendaftaran", Role.STAFF, 20))
    ani = replace(ctx, actor=Actor("ani", Role.STAFF, 21))
    budi = replace(ctx, actor=Actor("budi", Role.STAFF, 22))
    codes: dict[str, str] = {}
    ids: dict[str, str] = {}

    def reg(name: str, minute: int, service: str, priority: str = "") -> None:
        at(minute)
        t = tickets.register(registrar, service=service, name="Budi Santoso", priority=priority).ticket
        codes[name], ids[name] = t.code, t.id

    def call(who: Context, counter: str, minute: int, expect: str) -> None:
        at(minute)
        called = tickets.call_next(who, counter)
        assert called is not None and called.id == ids[expect]

    def do(minute: int, fn, *args) -> None:  # type: ignore[no-untyped-def]
        at(minute)
        fn(*args)

    reg("T1", 0, "KTP")
    reg("T2", 2, "KK")
    reg("T3", 3, "PASPOR", "lansia")
    reg("T4", 5, "KTP")
    reg("T5", 6, "PASPOR")
    reg("T6", 7, "KTP")
    reg("T7", 8, "KK")
    call(ani, "L01", 10, "T1")
    do(11, tickets.start, ani, ids["T1"])
    call(budi, "L03", 12, "T3")
    do(13, tickets.start, budi, ids["T3"])
    do(19, tickets.finish, ani, ids["T1"])
    do(20, tickets.cancel, ani, ids["T6"])
    call(ani, "L01", 20, "T2")
    do(21, tickets.start, ani, ids["T2"])
    do(25, tickets.finish, budi, ids["T3"])
    call(budi, "L03", 26, "T5")
    do(27, tickets.start, budi, ids["T5"])
    at(30)
    new = tickets.transfer(budi, ids["T5"], "KTP")
    codes["T8"], ids["T8"] = new.code, new.id
    do(31, tickets.finish, ani, ids["T2"])
    call(ani, "L01", 32, "T4")
    do(33, tickets.recall, ani, ids["T4"])
    do(34, tickets.recall, ani, ids["T4"])
    do(35, tickets.no_show, ani, ids["T4"])
    call(ani, "L01", 40, "T8")
    do(41, tickets.start, ani, ids["T8"])
    do(46, tickets.finish, ani, ids["T8"])
    at(60)
    return HandDay(replace(ctx, actor=Actor("koordinator", Role.SUPERVISOR, 3)), codes)


# Expected answers, worked out by hand from the timeline above (seconds).
WAITS = {"T1": 600, "T2": 1080, "T3": 540, "T4": 1620, "T5": 1200, "T8": 2040}
SERVICE = {"T1": 480, "T2": 600, "T3": 720, "T8": 300}
# waits sorted: 540 600 1080 1200 1620 2040 → mean 7080/6 = 1180, median (1080+1200)/2 = 1140,
# p90 nearest-rank ⌈0.9·6⌉ = 6th = 2040. service sorted: 300 480 600 720 → mean 2100/4 = 525,
# median (480+600)/2 = 540, p90 ⌈3.6⌉ = 4th = 720. Within target (call→finish ≤ target):
# T1 9 ≤ 10 yes, T2 11 > 8 no, T3 13 ≤ 15 yes, T8 6 ≤ 10 yes → 3 of 4 = 75 %.


@pytest.fixture
def hand(ctx: Context, clock: FixedClock) -> HandDay:
    return build_hand_day(ctx, clock)


def test_statistics_helpers() -> None:
    assert nearest_rank([], 90) is None
    assert nearest_rank([5], 90) == 5
    assert nearest_rank(list(range(1, 11)), 90) == 9  # ⌈9.0⌉ = 9th
    assert nearest_rank(list(range(1, 12)), 90) == 10  # ⌈9.9⌉ = 10th
    assert nearest_rank([1, 2, 3, 4], 50) == 2
    assert median([]) is None
    assert median([3, 1][::-1]) == 2  # sorted input [1, 3]
    assert median([1, 2, 9]) == 2


def test_totals_of_the_hand_built_day(hand: HandDay) -> None:
    f = daily_figures(hand.ctx, DAY)
    tot = f.totals
    assert (tot.tickets, tot.served, tot.no_show, tot.cancelled, tot.transferred, tot.waiting) == (
        8,
        4,
        1,
        1,
        1,
        1,
    )
    assert f.visitors == 7 and f.transferred_in == 1
    assert tot.wait.n == 6
    assert tot.wait.mean == pytest.approx(1180)
    assert tot.wait.median == pytest.approx(1140)
    assert tot.wait.p90 == pytest.approx(2040)
    assert tot.wait.max == pytest.approx(2040)
    assert tot.service.n == 4
    assert tot.service.mean == pytest.approx(525)
    assert tot.service.median == pytest.approx(540)
    assert tot.service.p90 == pytest.approx(720)
    assert tot.service.max == pytest.approx(720)
    assert (tot.within_target, tot.target_measured) == (3, 4)
    assert tot.within_target_pct == pytest.approx(75.0)
    assert f.arrivals_by_hour[8] == 7  # T8 came by transfer: the visitor arrived once
    assert sum(f.arrivals_by_hour) == 7
    assert f.notes == []  # still the same day: T7 waiting is no anomaly yet


def test_breakdowns_of_the_hand_built_day(hand: HandDay) -> None:
    f = daily_figures(hand.ctx, DAY)
    ktp, kk, paspor = f.service_row("KTP"), f.service_row("KK"), f.service_row("PASPOR")
    assert ktp and kk and paspor
    assert (ktp.tickets, ktp.served, ktp.no_show, ktp.cancelled, ktp.transferred, ktp.waiting) == (
        4,
        2,
        1,
        1,
        0,
        0,
    )
    # KTP waits: T1 600, T4 1620, T8 2040 → mean 1420, median 1620, p90 ⌈2.7⌉ = 3rd = 2040
    assert (ktp.wait.mean, ktp.wait.median, ktp.wait.p90) == pytest.approx((1420, 1620, 2040))
    assert (ktp.service.mean, ktp.service.median, ktp.service.p90) == pytest.approx((390, 390, 480))
    assert ktp.within_target_pct == pytest.approx(100.0)
    assert (kk.tickets, kk.served, kk.waiting, kk.wait.mean, kk.service.mean) == (2, 1, 1, 1080, 600)
    assert kk.within_target_pct == pytest.approx(0.0)
    assert (paspor.tickets, paspor.served, paspor.transferred) == (2, 1, 1)
    assert (paspor.wait.mean, paspor.wait.median, paspor.wait.p90) == pytest.approx((870, 870, 1200))
    # services nobody used are listed with zeros and no times
    nib = f.service_row("NIB")
    assert nib and nib.tickets == 0 and nib.wait.mean is None and nib.within_target_pct is None
    assert len(f.by_service) == Service.select().where(Service.active == True).count()  # noqa: E712

    agencies = {g.key: g for g in f.by_agency}
    assert agencies["DUKCAPIL"].tickets == 6 and agencies["DUKCAPIL"].served == 3
    assert agencies["IMIGRASI"].tickets == 2 and agencies["IMIGRASI"].transferred == 1

    prio = {g.key: g for g in f.by_priority}
    assert list(prio) == ["", "lansia"]
    assert (prio["lansia"].tickets, prio["lansia"].served, prio["lansia"].wait.mean) == (1, 1, 540)
    assert prio[""].tickets == 7

    officers = {g.key: g for g in f.by_officer}
    assert list(officers) == ["ani", "budi"]
    assert (officers["ani"].tickets, officers["ani"].served, officers["ani"].no_show) == (4, 3, 1)
    assert officers["ani"].service.mean == pytest.approx((480 + 600 + 300) / 3)
    assert (officers["budi"].tickets, officers["budi"].served, officers["budi"].transferred) == (2, 1, 1)
    counters = {g.key: g for g in f.by_counter}
    assert (counters["L01"].tickets, counters["L03"].tickets) == (4, 2)
    assert [g.key for g in f.by_day] == ["2026-11-30"] and f.by_day[0].tickets == 8

    waits = [(w.code, w.wait_s) for w in f.longest_waits]
    c = hand.codes
    assert waits == [
        (c["T8"], 2040),
        (c["T4"], 1620),
        (c["T5"], 1200),
        (c["T2"], 1080),
        (c["T1"], 600),
        (c["T3"], 540),
    ]
    assert c == {
        "T1": "A001",
        "T2": "A002",
        "T3": "C001",
        "T4": "A003",
        "T5": "C002",
        "T6": "A004",
        "T7": "A005",
        "T8": "A006",
    }


def test_counter_scope(hand: HandDay) -> None:
    f = daily_figures(hand.ctx, DAY, counter="l01")
    # called at L01: T1 T2 T4 T8; never called, of L01's services: T6 (cancelled), T7 (waiting)
    tot = f.totals
    assert (f.counter, tot.tickets, tot.served, tot.no_show, tot.cancelled, tot.waiting) == (
        "L01",
        6,
        3,
        1,
        1,
        1,
    )
    assert {g.key for g in f.by_service} == {"KTP", "KK", "AKTALAHIR", "PINDAH"}
    assert f.to_json()["scope"] == {"counter": "L01", "counter_name": "Loket 1 — Disdukcapil"}
    with pytest.raises(NotFound):
        daily_figures(hand.ctx, DAY, counter="L99")


def test_json_is_ready_and_matches(hand: HandDay) -> None:
    data = json.loads(json.dumps(daily_figures(hand.ctx, DAY).to_json()))
    assert data["date"] == "2026-11-30" and data["date_to"] == "2026-11-30" and data["days"] == 1
    for key, value in {
        "registered": 8,
        "served": 4,
        "no_show": 1,
        "cancelled": 1,
        "transferred": 1,
        "waiting": 1,
        "wait_mean_s": 1180.0,
        "wait_median_s": 1140.0,
        "wait_p90_s": 2040.0,
        "service_mean_s": 525.0,
        "within_target_pct": 75.0,
    }.items():
        assert data["totals"][key] == value, key
    ktp = next(r for r in data["by_service"] if r["service"] == "KTP")
    assert {
        k: ktp[k]
        for k in (
            "registered",
            "served",
            "no_show",
            "wait_mean_s",
            "wait_median_s",
            "wait_p90_s",
            "service_mean_s",
            "within_target_pct",
        )
    } == {
        "registered": 4,
        "served": 2,
        "no_show": 1,
        "wait_mean_s": 1420.0,
        "wait_median_s": 1620.0,
        "wait_p90_s": 2040.0,
        "service_mean_s": 390.0,
        "within_target_pct": 100.0,
    }
    assert data["arrivals_by_hour"][8] == {"hour": 8, "count": 7}
    # breakdowns without order statistics leave them out rather than say null
    l01 = next(r for r in data["by_counter"] if r["counter"] == "L01")
    assert l01["handled"] == 4 and l01["wait_mean_s"] == (600 + 1080 + 1620 + 2040) / 4
    assert "wait_median_s" not in l01 and "service_p90_s" not in l01
    assert next(r for r in data["by_officer"] if r["officer"] == "ani")["service_median_s"] == 480.0
    assert data["longest_waits"][0] == {
        "day": "2026-11-30",
        "code": "A006",
        "service": "KTP",
        "name": "KTP-el (Rekam/Cetak)",
        "name_en": "Electronic ID card (record/print)",
        "status": "done",
        "wait_s": 2040.0,
    }


def test_the_same_figures_in_the_xlsx(hand: HandDay) -> None:
    f = daily_figures(hand.ctx, DAY)
    wb = openpyxl.load_workbook(io.BytesIO(daily_report.report_xlsx(f)))
    assert wb.sheetnames == [
        "Ringkasan",
        "Layanan",
        "Instansi",
        "Prioritas",
        "Petugas",
        "Loket",
        "Per hari",
        "Per jam",
        "Tunggu terlama",
        "Catatan",
    ]
    summary = {row[0]: row[1] for row in wb["Ringkasan"].iter_rows(min_row=2, values_only=True)}
    assert summary["Terdaftar"] == 8 and summary["Selesai dilayani"] == 4
    assert summary["Rata-rata tunggu (menit)"] == pytest.approx(1180 / 60, abs=1e-4)
    assert summary["Sesuai standar waktu"] == pytest.approx(0.75)

    sh = wb["Layanan"]
    assert sh.freeze_panes == "B2"
    header = [c.value for c in sh[1]]
    rows = {r[0]: dict(zip(header, r)) for r in sh.iter_rows(min_row=2, values_only=True)}
    ktp = rows["KTP"]
    assert (ktp["Terdaftar"], ktp["Selesai"], ktp["Tidak hadir"], ktp["Batal"]) == (4, 2, 1, 1)
    assert ktp["Tunggu rata-rata (menit)"] == pytest.approx(1420 / 60, abs=1e-4)
    assert ktp["Tunggu P90 (menit)"] == pytest.approx(34.0)
    assert ktp["Layanan median (menit)"] == pytest.approx(6.5)
    assert ktp["Sesuai standar"] == pytest.approx(1.0)
    total = rows[None]  # the total row: no code, "Jumlah" as the name
    assert total["Layanan"] == "Jumlah" and total["Terdaftar"] == 8
    assert total["Sesuai standar"] == pytest.approx(0.75)
    # number formats: counts whole, minutes one decimal, shares as percent
    ktp_row = next(r for r in sh.iter_rows(min_row=2) if r[0].value == "KTP")
    formats = {header[i]: c.number_format for i, c in enumerate(ktp_row)}
    assert formats["Terdaftar"] == "#,##0"
    assert formats["Tunggu rata-rata (menit)"] == "0.0"
    assert formats["Sesuai standar"] == "0.0%"

    waits = list(wb["Tunggu terlama"].iter_rows(min_row=2, values_only=True))
    assert waits[0][:3] == (1, datetime(2026, 11, 30), "A006")
    assert waits[0][5] == pytest.approx(34.0)
    officers = {r[0]: r[1] for r in wb["Petugas"].iter_rows(min_row=2, values_only=True)}
    assert officers == {"ani": 4, "budi": 2}


def test_the_same_figures_in_the_csv(hand: HandDay) -> None:
    f = daily_figures(hand.ctx, DAY)
    text = daily_report.report_csv(f).decode("utf-8")
    assert text.endswith("\r\n") and not text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    by = {r["service"]: r for r in rows}
    assert rows[-1]["service"] == "TOTAL"
    assert by["TOTAL"]["registered"] == "8" and by["TOTAL"]["within_target_pct"] == "75.0"
    assert by["KTP"]["wait_mean_s"] == "1420.0" and by["KTP"]["date"] == "2026-11-30"
    assert by["NIB"]["wait_mean_s"] == ""  # no figure: an empty cell


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())


def test_the_same_figures_in_the_pdf(hand: HandDay) -> None:
    f = daily_figures(hand.ctx, DAY)
    pdf = daily_report.report_pdf(f)
    text = pdf_text(pdf)
    pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Rekap Harian Layanan" in text
    assert "Mal Pelayanan Publik Kota Pontianak" in text
    assert "Senin, 30 November 2026" in text
    assert f"Halaman 1 dari {pages}" in text and f"Halaman {pages} dari {pages}" in text
    # waits 1180/1140/2040/2040 s and service 525/540/720/720 s, in minutes, Indonesian decimals
    assert "rata-rata 19,7 · median 19,0 · P90 34,0 · terlama 34,0 (dari 6 nomor antrean)" in text
    assert "rata-rata 8,8 · median 9,0 · P90 12,0 · terlama 12,0 (dari 4 nomor antrean)" in text
    assert "3 dari 4 nomor antrean selesai sesuai target (75,0%)" in text
    assert "7 orang; 1 nomor antrean tambahan dari pengalihan" in text
    # per service: registered served no-show cancelled transferred open
    assert "KTP-el (Rekam/Cetak) 4 2 1 1 0 0" in text
    assert "Kartu Keluarga 2 1 0 0 0 1" in text
    assert "Paspor (Baru/Penggantian) 2 1 0 0 1 0" in text
    # per service times: target, wait mean/median/P90/max, service mean/P90, within
    assert "KTP-el (Rekam/Cetak) 10 23,7 27,0 34,0 34,0 6,5 8,0 100,0%" in text
    assert "Jumlah 8 4 1 1 1 1" in text
    assert "1 A006 KTP-el (Rekam/Cetak) Selesai 34,0" in text
    assert "Mengetahui," in text and "Koordinator MPP" in text and "NIP." in text


def test_english_pdf(hand: HandDay) -> None:
    text = pdf_text(daily_report.report_pdf(daily_figures(hand.ctx, DAY), "en"))
    assert "Daily Service Summary" in text and "Monday, 30 November 2026" in text
    assert "mean 19.7 · median 19.0 · P90 34.0 · longest 34.0 (of 6 tickets)" in text
    assert "Page 1 of" in text and "MPP Coordinator" in text


def test_open_tickets_are_noted_once_the_day_is_over(hand: HandDay, clock: FixedClock) -> None:
    clock.advance(days=1)
    f = daily_figures(hand.ctx, DAY)
    assert [(n.kind, n.params["day"], n.params["codes"]) for n in f.notes] == [
        ("open_at_close", "2026-11-30", ["A005"])
    ]
    assert "1 nomor antrean masih terbuka pada akhir hari 30-11-2026: A005." in pdf_text(
        daily_report.report_pdf(f)
    )


def test_gaps_in_the_numbering_are_noted(hand: HandDay) -> None:
    a002 = Ticket.get((Ticket.day == DAY) & (Ticket.code == "A002"))
    from counter_app.services.journal import purge_permit

    with db.atomic(), purge_permit(hand.ctx.clock, "test", "lost ticket"):  # v4 blocks deletes
        db.execute_sql('DELETE FROM "ticket_event" WHERE "ticket_id" = ?', (a002.id,))
        db.execute_sql('DELETE FROM "ticket" WHERE "id" = ?', (a002.id,))
        # two C numbers issued and lost (e.g. a restore from an older backup): a missing tail
        QueueSequence.update(last=4).where(
            (QueueSequence.day == DAY) & (QueueSequence.letter == "C")
        ).execute()
    f = daily_figures(hand.ctx, DAY)
    gaps = [(n.params["letter"], n.params["missing"]) for n in f.notes if n.kind == "gap"]
    assert gaps == [("A", [2]), ("C", [3, 4])]
    # found whatever the scope: letters are shared between counters
    scoped = daily_figures(hand.ctx, DAY, counter="L03")
    assert [n.params["letter"] for n in scoped.notes if n.kind == "gap"] == ["A", "C"]
    assert "Nomor antrean huruf C tanggal 30-11-2026 tidak lengkap: 2 nomor tidak ada (C003, C004)." in (
        pdf_text(daily_report.report_pdf(f))
    )


def test_empty_day(ctx: Context) -> None:
    f = daily_figures(ctx, date(2026, 11, 29))
    tot = f.totals
    assert (tot.tickets, tot.served, tot.waiting, f.visitors) == (0, 0, 0, 0)
    assert tot.wait == Durations() and tot.within_target_pct is None
    assert f.longest_waits == [] and f.notes == [] and sum(f.arrivals_by_hour) == 0
    assert f.by_officer == [] and f.by_counter == [] and f.by_priority == []
    data = json.loads(json.dumps(f.to_json()))
    assert data["totals"]["wait_mean_s"] is None and data["totals"]["registered"] == 0
    text = pdf_text(daily_report.report_pdf(f))
    assert "Tidak ada nomor antrean pada periode ini." in text and "Halaman 1 dari 1" in text
    openpyxl.load_workbook(io.BytesIO(daily_report.report_xlsx(f)))
    assert daily_report.report_csv(f).decode().splitlines()[-1].startswith("2026-11-29,2026-11-29,,TOTAL,")


def test_one_ticket_day(ctx: Context, clock: FixedClock) -> None:
    t = tickets.register(ctx, service="PASPOR", name="Siti Aminah").ticket
    clock.advance(minutes=7)
    tickets.call_next(ctx, "L03")
    clock.advance(minutes=1)
    tickets.start(ctx, t.id)
    clock.advance(minutes=20)
    tickets.finish(ctx, t.id)
    f = daily_figures(ctx, DAY)
    w, s = f.totals.wait, f.totals.service
    assert (w.n, w.mean, w.median, w.p90, w.max) == (1, 420, 420, 420, 420)
    assert (s.n, s.mean, s.median, s.p90, s.max) == (1, 1200, 1200, 1200, 1200)
    assert f.totals.within_target_pct == 0.0  # call→finish 21 min > 15
    assert f.by_officer[0].key == "admin" and f.longest_waits[0].code == "C001"
    assert "C001" in pdf_text(daily_report.report_pdf(f))


def test_staff_are_refused(hand: HandDay, staff_ctx: Context, supervisor_ctx: Context) -> None:
    with pytest.raises(NotAllowed):
        daily_figures(staff_ctx, DAY)
    assert daily_figures(supervisor_ctx, DAY).totals.tickets == 8


def test_ranges(hand: HandDay, clock: FixedClock) -> None:
    # a second day with one ticket, then the two-day range
    clock.advance(days=1)
    tickets.register(hand.ctx, service="KK", name="Dewi Lestari")
    f = daily_figures(hand.ctx, DAY, DAY + timedelta(days=1))
    assert f.days == 2 and f.totals.tickets == 9
    assert [(g.key, g.tickets) for g in f.by_day] == [("2026-11-30", 8), ("2026-12-01", 1)]
    # the first day's waiting ticket is now left over from a finished day; the second day's is not
    assert [(n.kind, n.params["day"]) for n in f.notes] == [("open_at_close", "2026-11-30")]
    text = pdf_text(daily_report.report_pdf(f))
    assert "30 November 2026 s.d. 1 Desember 2026 (2 hari)" in text
    assert "Per hari" in text
    with pytest.raises(ValidationError):
        daily_figures(hand.ctx, DAY, DAY - timedelta(days=1))
    with pytest.raises(ValidationError):
        daily_figures(hand.ctx, DAY, DAY + timedelta(days=MAX_PERIOD_DAYS))


def test_write_files_is_all_or_nothing(hand: HandDay, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    f = daily_figures(hand.ctx, DAY)
    out = report_files.write_files(
        f, pdf=tmp_path / "r.pdf", xlsx=tmp_path / "sub" / "r.xlsx", csv=tmp_path / "r.csv"
    )
    assert set(out) == {"pdf", "xlsx", "csv"}
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert daily_report.file_stem(f) == "rekap-harian-20261130"

    def broken(*_a, **_k):  # type: ignore[no-untyped-def]
        raise RuntimeError("render failed")

    # a file that cannot be written: a clear error, and the files of this call are removed
    with pytest.raises(ValidationError) as err:
        report_files.write_files(f, pdf=tmp_path / "new.pdf", csv=tmp_path / "r.pdf" / "x.csv")
    assert err.value.key == "report.write_failed" and "x.csv" in err.value.message()
    assert not (tmp_path / "new.pdf").exists()

    monkeypatch.setattr(daily_report, "report_csv", broken)
    with pytest.raises(RuntimeError):
        report_files.write_files(f, pdf=tmp_path / "again.pdf", csv=tmp_path / "again.csv")
    assert not (tmp_path / "again.pdf").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_summary_text(hand: HandDay) -> None:
    text = report_text.format_text(daily_figures(hand.ctx, DAY))
    assert "Terdaftar 8 · selesai 4 · tidak hadir 1 · batal 1 · dialihkan 1 · masih terbuka 1" in text
    assert re.search(r"KTP\s+4\s+2\s+1", text)

"""The daily summary's PDF and exports, rendered from snapshots (no database): layout, escaping,
wrapping, page numbering, fonts, languages and number formats."""

from __future__ import annotations

import io
import random
import re
from datetime import UTC, date, datetime, timedelta

import openpyxl
import pypdf
import pytest

from counter_app.documents import daily_report_pdf, exports
from counter_app.services.daily_report import (
    DailyFigures,
    Durations,
    Group,
    LongWait,
    Note,
)

DAY = date(2026, 11, 30)


def durations(rng: random.Random, n: int, centre: float) -> Durations:
    if not n:
        return Durations()
    values = sorted(rng.uniform(0.2, 2.5) * centre for _ in range(min(n, 50)))
    return Durations(
        n,
        sum(values) / len(values),
        values[len(values) // 2],
        values[int(len(values) * 0.9) - 1 if len(values) > 1 else 0],
        values[-1],
    )


def group(rng: random.Random, key: str, n: int, name: str = "", **info: object) -> Group:
    served = int(n * 0.9)
    counts = {"done": served, "no_show": int(n * 0.04), "cancelled": int(n * 0.02)}
    counts["transferred"] = int(n * 0.02)
    counts["waiting"] = n - sum(counts.values())
    return Group(
        key=key,
        name=name,
        name_en=name,
        tickets=n,
        counts=counts,
        wait=durations(rng, n, 1500),
        service=durations(rng, served, 600),
        within_target=int(served * 0.8),
        target_measured=served,
        info=dict(info),
    )


def fake_figures(
    *,
    services: int = 21,
    officers: int = 40,
    days: int = 1,
    per_day: int = 3000,
    notes: list[Note] | None = None,
    service_name: str = "Layanan {i}",
    officer_name: str = "Petugas Nomor {i}",
    site_name: str = "Mal Pelayanan Publik Kota Pontianak",
    empty: bool = False,
) -> DailyFigures:
    rng = random.Random(7)
    total = 0 if empty else per_day * days
    per_service = [total // services] * services
    by_service = [
        group(
            rng,
            f"S{i:02d}",
            per_service[i],
            service_name.format(i=i),
            agency=f"AG{i // 3}",
            letter=chr(65 + i % 26),
            target_minutes=10,
        )
        for i in range(services)
    ]
    by_agency = [
        group(rng, f"AG{a}", sum(per_service[a * 3 : a * 3 + 3]), f"Instansi {a}")
        for a in range((services + 2) // 3)
    ]
    by_officer = (
        []
        if empty
        else [
            group(rng, f"petugas.{i}", total // officers, officer_name.format(i=i)) for i in range(officers)
        ]
    )
    by_counter = [] if empty else [group(rng, f"L{i:02d}", total // 9, f"Loket {i}") for i in range(1, 10)]
    by_priority = (
        [] if empty else [group(rng, "", int(total * 0.92)), group(rng, "lansia", int(total * 0.05))]
    )
    by_day = [group(rng, (DAY + timedelta(days=d)).isoformat(), 0 if empty else per_day) for d in range(days)]
    hours = [0] * 24
    if not empty:
        for h, share in zip(range(8, 16), (0.14, 0.27, 0.26, 0.08, 0.01, 0.14, 0.08, 0.02)):
            hours[h] = int(total * share)
    longest = (
        []
        if empty
        else [
            LongWait(
                DAY,
                f"A{i:03d}",
                "S00",
                service_name.format(i=0),
                service_name.format(i=0),
                "done",
                9000 - i * 60,
            )
            for i in range(10)
        ]
    )
    return DailyFigures(
        day_from=DAY,
        day_to=DAY + timedelta(days=days - 1),
        counter=None,
        counter_name=None,
        site_code="PTK",
        site_name=site_name,
        timezone="Asia/Pontianak",
        generated_at=datetime(2026, 11, 30, 10, 5, tzinfo=UTC),
        totals=group(rng, "", total),
        visitors=total,
        transferred_in=0,
        by_service=by_service,
        by_agency=by_agency,
        by_priority=by_priority,
        by_counter=by_counter,
        by_officer=by_officer,
        by_day=by_day,
        arrivals_by_hour=hours,
        longest_waits=longest,
        notes=notes or [],
    )


def read(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def flat(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() or "" for p in read(pdf).pages).split())


def test_a_3000_ticket_day_reads_well() -> None:
    pdf = daily_report_pdf.render(fake_figures().to_json())
    reader = read(pdf)
    pages = len(reader.pages)
    assert 3 <= pages <= 6
    for i, page in enumerate(reader.pages, start=1):
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(
            (595.28, 841.89), abs=0.1
        )
        text = page.extract_text()
        assert f"Halaman {i} dari {pages}" in text
        assert "Mal Pelayanan Publik Kota Pontianak" in text  # the running header
        assert "Dibuat 30-11-2026 17:05 (Asia/Pontianak)" in text  # generated-at, local time
    text = flat(pdf)
    for title in (
        "Jumlah nomor antrean per layanan",
        "Waktu per layanan (menit)",
        "Per instansi",
        "Per kelas prioritas",
        "Per petugas",
        "Per loket",
        "10 waktu tunggu terlama",
        "Kedatangan per jam",
        "Rata-rata waktu tunggu per layanan",
        "Catatan",
        "Keterangan",
        "Mengetahui,",
        "Koordinator MPP",
        "NIP.",
    ):
        assert title in text, title
    assert "Per hari" not in text  # one day: no table of days
    assert "3.000 Terdaftar" in text  # thousands with a dot in Indonesian


def test_fonts_are_embedded_dejavu() -> None:
    reader = read(daily_report_pdf.render(fake_figures(officers=5).to_json()))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert fonts and all("DejaVuSans" in f for f in fonts), fonts
    assert any("Bold" in f for f in fonts)


def test_text_is_escaped_not_interpreted() -> None:
    nasty = "<b>Tebal</b> & <font size=40>besar</font> <br/> A&amp;B"
    figures = fake_figures(
        services=3,
        officers=2,
        service_name=nasty + " {i}",
        officer_name="<i>Petugas</i> & co {i}",
        site_name="MPP <Kota> & Kab",
    )
    text = flat(daily_report_pdf.render(figures.to_json()))
    assert "<b>Tebal</b> & <font size=40>besar</font> <br/> A&amp;B 0" in text
    assert "<i>Petugas</i> & co 1 (petugas.1)" in text
    assert "MPP <Kota> & Kab" in text


def test_long_names_wrap_inside_their_column() -> None:
    long = (
        "Pelayanan Penerbitan Dokumen Kependudukan dan Pencatatan Sipil untuk Warga Negara "
        "Indonesia yang Berdomisili di Luar Wilayah Kota {i}"
    )
    pdf = daily_report_pdf.render(fake_figures(services=2, officers=2, service_name=long).to_json())
    raw = "\n".join(p.extract_text() for p in read(pdf).pages)
    name = long.format(i=0)
    assert name not in raw  # not on one line: wrapped
    assert name in " ".join(raw.split())  # but every word is there, in order
    # the numbers still stand in their own columns after the wrapped name
    assert re.search(re.escape(" ".join(name.split())) + r" 1\.500 1\.350", " ".join(raw.split()))


def test_range_has_days_table_and_long_wait_dates() -> None:
    figures = fake_figures(days=90, per_day=3000, officers=15)
    text = flat(daily_report_pdf.render(figures.to_json()))
    assert "30 November 2026 s.d. 27 Februari 2027 (90 hari)" in text
    assert "Per hari" in text and "(jumlah 90 hari)" in text
    assert "27-02-2027 3.000" in text  # last day row
    assert "1 30-11-2026 A000" in text  # longest waits carry their date on a range


def test_many_notes_are_cut_short() -> None:
    notes = [
        Note("gap", {"day": "2026-11-30", "letter": "A", "count": 1, "missing": [i]}) for i in range(1, 71)
    ]
    text = flat(daily_report_pdf.render(fake_figures(officers=3, notes=notes).to_json()))
    assert "Nomor antrean huruf A tanggal 30-11-2026 tidak lengkap: 1 nomor tidak ada (A001)." in text
    assert "A060)" in text and "(A061)" not in text
    assert "… dan 10 catatan lain" in text


def test_empty_snapshot() -> None:
    pdf = daily_report_pdf.render(fake_figures(empty=True).to_json())
    text = flat(pdf)
    assert len(read(pdf).pages) == 1
    assert "Tidak ada nomor antrean pada periode ini." in text and "Halaman 1 dari 1" in text
    assert "Tidak ada catatan" in text


def test_english() -> None:
    text = flat(daily_report_pdf.render(fake_figures(officers=3).to_json(), "en"))
    assert "Daily Service Summary" in text and "Monday, 30 November 2026" in text
    assert "Page 1 of" in text and "Acknowledged," in text and "MPP Coordinator" in text
    assert "3,000 Registered" in text


def test_numbers_and_words() -> None:
    assert exports.number(3000.5, "id", 1) == "3.000,5"
    assert exports.number(3000.5, "en", 1) == "3,000.5"
    assert exports.number(None, "id") == "–"
    assert exports.format_cell(75.0, "pct", "id") == "75,0%"
    assert exports.format_cell("2026-11-30", "date", "en") == "30-11-2026"
    assert exports.hour_text(9, "id") == "09.00–10.00" and exports.hour_text(23, "en") == "23:00–00:00"
    assert exports.long_day_text("2026-11-27", "id") == "Jumat, 27 November 2026"
    note = {"kind": "open_at_close", "day": "2026-11-30", "count": 2, "codes": ["A005", "B001"]}
    assert exports.note_text(note, "en") == "2 ticket(s) still open at the end of 30-11-2026: A005, B001."


def test_xlsx_from_a_snapshot_has_frozen_headers_and_formats() -> None:
    wb = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(fake_figures(days=3).to_json(), "en")))
    assert wb.sheetnames[0] == "Summary" and "Days" in wb.sheetnames
    for name in wb.sheetnames:
        assert wb[name].freeze_panes in ("A2", "B2"), name
    days = wb["Days"]
    assert days["A2"].value == datetime(2026, 11, 30) and days["A2"].number_format == "dd-mm-yyyy"
    assert days["B2"].value == 3000 and days["B2"].number_format == "#,##0"
    assert days.cell(5, 1).value == "Total" and days.cell(5, 2).value == 9000


def test_every_report_message_exists_in_both_languages() -> None:
    import json
    from pathlib import Path

    from counter_app.core.paths import resource
    from counter_app.gui import daily_report_dialog

    root = Path(__file__).resolve().parents[2] / "counter_app"
    sources = [
        root / "services" / "daily_report.py",
        root / "services" / "report_files.py",
        root / "services" / "report_text.py",
        root / "core" / "period.py",
        root / "documents" / "daily_report_pdf.py",
        root / "documents" / "exports.py",
        root / "gui" / "daily_report_dialog.py",
        # where the words moved (issue 11): the tables, the A4 base, the charts
        root / "documents" / "tables.py",
        root / "documents" / "base.py",
        root / "documents" / "charts.py",
    ]
    keys = set()
    for path in sources:
        keys |= set(
            re.findall(r"""["']((?:report|cli\.help|role)\.[a-z0-9_.]+[a-z0-9_])["']""", path.read_text())
        )
    snapshot = fake_figures(days=2).to_json()
    for table in exports.report_tables(snapshot):
        keys |= {f"report.table.{table.name}", f"report.sheet.{table.name}"}
        keys |= {f"report.col.{c.key}" for c in table.columns}
    for _name, title, layout in daily_report_pdf.PDF_TABLES:
        keys |= {title} | {f"report.pdfcol.{k}" for k, _ in layout}
    keys |= {f"report.note.{k}" for k in ("gap", "open_at_close", "time_order", "missing_times")}
    keys |= {
        f"report.def.{k}" for k in ("registered", "wait", "service", "percentile", "target", "open", "scope")
    }
    keys |= {f"report.table.{name}" for name in daily_report_dialog.TABLES}
    keys |= {f"report.key.{k}" for k in daily_report_dialog.TILES}
    assert len(keys) > 150 and "report.dialog.title" in keys and "report.write_failed" in keys
    for lang in ("id", "en"):
        with open(resource("i18n", f"{lang}.json"), encoding="utf-8") as fh:
            messages = json.load(fh)
        missing = sorted(k for k in keys if k not in messages)
        assert not missing, (lang, missing)

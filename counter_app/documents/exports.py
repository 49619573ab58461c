"""The daily summary's tables, defined once, and written as XLSX (openpyxl) and CSV.

Everything here reads the plain snapshot `DailyFigures.to_json()` (services/daily_report.py
defines every figure); nothing imports the services. `report_tables(snapshot, lang)` (in
`documents.tables`) is the one definition of the tables, their columns, headers and units: the
XLSX writes one sheet per table, the PDF (`daily_report_pdf`) lays the same tables out, the
report dialog shows them.

XLSX: a "Ringkasan"/"Summary" sheet of key figures, then one sheet per table; the header row is
frozen (and the name column beside it), counts are whole numbers (`#,##0`), times are minutes
with one decimal (`0.0`), shares are real fractions shown as percent (`0.0%`), dates are dates.

CSV (`csv_bytes`): the per-service table plus a last `TOTAL` row, for scripts and spreadsheets:
UTF-8 (no BOM), comma separated, CRLF line ends, a header row of stable column names (the JSON
keys: `service`, `registered`, …, `wait_mean_s`, `within_target_pct`), times in seconds with a
decimal point, empty cells where a figure does not exist. The first three columns repeat the
period and scope (`date`, `date_to`, `counter`; `counter` empty = the whole store).

Both formats neutralise formula injection (OWASP "CSV injection"): a text cell that starts with
`=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (`neutralise`), so a service,
agency or officer name typed as `=HYPERLINK(…)` stays text in every spreadsheet; real numbers
(negative ones too) are not text and stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from typing import Any

from counter_app.core.i18n import t

# The words and the tables live in `tables` (shared with the PDF, which may not import this
# sibling); they stay importable from here.
from counter_app.documents.tables import (
    DECIMALS as DECIMALS,
    Column as Column,
    Snapshot as Snapshot,
    Table as Table,
    day_text as day_text,
    format_cell as format_cell,
    generated_text as generated_text,
    hour_text as hour_text,
    key_figures as key_figures,
    long_day_text as long_day_text,
    minutes as minutes,
    note_text as note_text,
    number as number,
    officer_text as officer_text,
    peak_hour as peak_hour,
    period_text as period_text,
    priority_text as priority_text,
    report_tables as report_tables,
    scope_text as scope_text,
    service_name as service_name,
    status_text as status_text,
    summary_lines as summary_lines,
    survey_rows as survey_rows,
)

# ---- words and numbers --------------------------------------------------------------------

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A text that a spreadsheet would run as a formula gets a leading `'`; anything else
    (numbers, dates, None, ordinary text) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


# ---- XLSX ---------------------------------------------------------------------------------

_XLSX_FORMATS = {"int": "#,##0", "minutes": "0.0", "hours": "0.0", "pct": "0.0%", "date": "dd-mm-yyyy"}


def _xlsx_value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "pct":
        return value / 100
    if kind == "minutes" or kind == "hours":
        return round(value, 4)
    if kind == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    return neutralise(value)


def xlsx_bytes(snapshot: Snapshot, lang: str = "id") -> bytes:
    """The workbook: key figures, then one sheet per table, then the notes."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDE4EE")
    wb = Workbook()
    ws = wb.active
    ws.title = t("report.sheet.summary", lang=lang)[:31]
    info_rows = [
        (t("report.title", lang=lang), snapshot["site"]["name"]),
        (t("report.period", lang=lang), period_text(snapshot, lang)),
        (t("report.scope", lang=lang), scope_text(snapshot, lang)),
        (t("report.generated_label", lang=lang), generated_text(snapshot, lang)),
    ]
    ws.append([t("report.col.figure", lang=lang), t("report.col.value", lang=lang)])
    for cell in ws[1]:
        cell.font = bold
        cell.fill = head_fill
    for label, value in info_rows:
        ws.append([label, value])
    for label, value, kind in key_figures(snapshot, lang):
        ws.append([label, _xlsx_value(value, kind)])
        ws.cell(ws.max_row, 2).number_format = _XLSX_FORMATS[kind]
    for label, value, fmt in survey_rows(snapshot, lang):
        ws.append([label, value])
        if fmt:
            ws.cell(ws.max_row, 2).number_format = fmt
    ws.freeze_panes = "A2"
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 48

    for table in report_tables(snapshot, lang):
        sh = wb.create_sheet(table.sheet(lang))
        sh.append([c.label(lang) for c in table.columns])
        for cell in sh[1]:
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        body = list(table.rows)
        if table.total is not None:
            body.append(table.total)
        for row in body:
            sh.append([_xlsx_value(v, c.kind) for v, c in zip(row, table.columns)])
            r = sh.max_row
            for i, c in enumerate(table.columns, start=1):
                if c.kind in _XLSX_FORMATS:
                    sh.cell(r, i).number_format = _XLSX_FORMATS[c.kind]
        if table.total is not None and body:
            for cell in sh[sh.max_row]:
                cell.font = bold
        first_text = table.columns[0].kind == "text" and len(table.columns) > 3
        sh.freeze_panes = "B2" if first_text else "A2"
        for i, c in enumerate(table.columns, start=1):
            width = 12.0
            if c.kind == "text":
                longest = max((len(str(r[i - 1] or "")) for r in body), default=0)
                width = min(48.0, max(12.0, longest + 2.0))
            sh.column_dimensions[get_column_letter(i)].width = width
        sh.row_dimensions[1].height = 30
        if body:
            sh.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{1 + len(table.rows)}"

    notes = wb.create_sheet(t("report.sheet.notes", lang=lang)[:31])
    notes.append([t("report.col.note", lang=lang)])
    notes["A1"].font = bold
    notes["A1"].fill = head_fill
    for note in snapshot["notes"]:
        notes.append([note_text(note, lang)])
    if not snapshot["notes"]:
        notes.append([t("report.notes_none", lang=lang)])
    notes.column_dimensions["A"].width = 120
    notes.freeze_panes = "A2"

    _no_formulas(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _no_formulas(wb: Any) -> None:
    """Every text cell as text: openpyxl makes any string that starts with `=` a formula, so
    neutralise each one (labels and names alike) and pin its type to string."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.value = neutralise(cell.value)
                    cell.data_type = "s"


# ---- CSV ----------------------------------------------------------------------------------

CSV_COLUMNS = [
    "date",
    "date_to",
    "counter",
    "service",
    "name",
    "agency",
    "target_minutes",
    "registered",
    "served",
    "no_show",
    "cancelled",
    "transferred",
    "waiting",
    "wait_n",
    "wait_mean_s",
    "wait_median_s",
    "wait_p90_s",
    "wait_max_s",
    "service_n",
    "service_mean_s",
    "service_median_s",
    "service_p90_s",
    "service_max_s",
    "within_target",
    "target_measured",
    "within_target_pct",
]


def csv_bytes(snapshot: Snapshot) -> bytes:
    """The per-service table and a `TOTAL` row (see the module docstring for the format)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    common = {
        "date": snapshot["date"],
        "date_to": snapshot["date_to"],
        "counter": (snapshot.get("scope") or {}).get("counter") or "",
    }
    cell: Callable[[Any], Any] = lambda v: "" if v is None else neutralise(v)
    for row in snapshot["by_service"]:
        values = {**common, **row}
        writer.writerow([cell(values.get(k)) for k in CSV_COLUMNS])
    total = {
        **common,
        **snapshot["totals"],
        "service": "TOTAL",
        "name": "",
        "agency": "",
        "target_minutes": None,
    }
    writer.writerow([cell(total.get(k)) for k in CSV_COLUMNS])
    return buf.getvalue().encode("utf-8")

"""The daily summary (rekap harian) as an A4 PDF: ReportLab platypus, from the plain snapshot.

`render(snapshot, lang)` lays out `DailyFigures.to_json()` (services/daily_report.py defines
every figure; `tables.report_tables` defines the tables, shared with the XLSX): a header with
the site, period and scope; the key figures; arrivals per hour and mean waiting time per service
as bar charts; the tables; the satisfaction survey of the period (IKM, a bar per element) and
the complaints (received, answered in time or late, overdue) when the snapshot carries them;
the notes; how the figures are defined; the coordinator's signature block. Every page carries the site and period at the top, and the generation time and
"Halaman X dari Y" at the bottom.

Built on the A4 base (`documents.base`: fonts, styles, numbered canvas, head and foot,
sections, signature) and the charts (`documents.charts`), like its sibling the SKM report; the
tables and words come from `documents.tables`, shared with the XLSX. All text that goes into a
Paragraph is escaped first (a service or officer name like `<b>&amp;` prints literally).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
)

from counter_app.core.i18n import KINERJA_KEYS, t
from counter_app.documents import tables
from counter_app.documents.base import (
    BODY_W,
    FONT,
    FONT_BOLD,
    HEAD_BG,
    INK,
    MUTED,
    RULE,
    STRIPE,
    TILE_BG,
    P,
    PageHook,
    build_a4,
    page_furniture,
    register_fonts,
    section,
    signature,
    stylesheet,
    table_style as _style,
)
from counter_app.documents.charts import element_chart, hour_chart, wait_chart
from counter_app.documents.tables import format_cell, minutes, number

# ---- page furniture -----------------------------------------------------------------------


def _on_page(snapshot: Mapping[str, Any], lang: str) -> PageHook:
    site = snapshot["site"]["name"]
    if snapshot["date"] == snapshot["date_to"]:
        period = tables.period_text(snapshot, lang)
    else:
        period = f"{tables.day_text(snapshot['date'], lang)} – {tables.day_text(snapshot['date_to'], lang)}"
    head = f"{t('report.title', lang=lang)} · {period}"
    generated = tables.generated_text(snapshot, lang)
    return page_furniture(site, head, generated)


# ---- blocks -------------------------------------------------------------------------------


def _plain_table(rows: list[list[Any]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths)
    table.setStyle(_style([]))
    return table


def _key_tiles(snapshot: Mapping[str, Any], lang: str) -> Table:
    tot = snapshot["totals"]
    tiles = [
        ("report.key.registered", number(tot["registered"], lang)),
        ("report.key.served", number(tot["served"], lang)),
        ("report.key.no_show", number(tot["no_show"], lang)),
        ("report.key.cancelled", number(tot["cancelled"], lang)),
        ("report.key.transferred", number(tot["transferred"], lang)),
        ("report.key.waiting", number(tot["waiting"], lang)),
        ("report.key.wait_mean", number(minutes(tot["wait_mean_s"]), lang, 1)),
        ("report.key.within_target", format_cell(tot["within_target_pct"], "pct", lang)),
    ]
    cells = [[P(value, "TileValue"), P(t(label, lang=lang), "TileLabel")] for label, value in tiles]
    grid = [
        [_plain_table([[v], [lab]], [BODY_W / 4 - 3 * mm]) for v, lab in cells[i : i + 4]] for i in (0, 4)
    ]
    table = Table(grid, colWidths=[BODY_W / 4] * 4)
    table.setStyle(
        _style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), TILE_BG),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("INNERGRID", (0, 0), (-1, -1), 1.5, colors.white),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _time_lines(snapshot: Mapping[str, Any], lang: str) -> Table:
    rows = [[P(label, "CellBold"), P(text, "Cell")] for label, text in tables.summary_lines(snapshot, lang)]
    table = Table(rows, colWidths=[42 * mm, BODY_W - 42 * mm])
    table.setStyle(
        _style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
            ]
        )
    )
    return table


def _hour_chart(snapshot: Mapping[str, Any], lang: str) -> Drawing | None:
    return hour_chart(snapshot["arrivals_by_hour"], lang)


def _wait_chart(snapshot: Mapping[str, Any], lang: str) -> Drawing | None:
    rows = [r for r in snapshot["by_service"] if r["wait_mean_s"] is not None]
    return wait_chart([(tables.service_name(r, lang), minutes(r["wait_mean_s"])) for r in rows], lang)


# What the PDF shows of each table: (table, title key, [(column, relative width)]). The XLSX
# has every column; on A4 portrait the wide tables are split in two so headers stay legible.
PDF_TABLES: list[tuple[str, str, list[tuple[str, float]]]] = [
    (
        "service",
        "report.table.service_counts",
        [
            ("service", 4.2),
            ("registered", 1),
            ("served", 1),
            ("no_show", 1),
            ("cancelled", 1),
            ("transferred", 1),
            ("waiting", 1),
        ],
    ),
    (
        "service",
        "report.table.service_times",
        [
            ("service", 3.6),
            ("target", 1),
            ("wait_mean", 1),
            ("wait_median", 1),
            ("wait_p90", 1),
            ("wait_max", 1),
            ("service_mean", 1),
            ("service_p90", 1),
            ("within_target", 1),
        ],
    ),
    (
        "agency",
        "report.table.agency",
        [
            ("agency", 3.6),
            ("registered", 1),
            ("served", 1),
            ("no_show", 1),
            ("cancelled", 1),
            ("transferred", 1),
            ("wait_mean", 1),
            ("within_target", 1),
        ],
    ),
    (
        "priority",
        "report.table.priority",
        [
            ("priority", 1.8),
            ("registered", 1),
            ("served", 1),
            ("no_show", 1),
            ("cancelled", 1),
            ("waiting", 1),
            ("wait_mean", 1),
            ("wait_p90", 1),
            ("wait_max", 1),
            ("within_target", 1),
        ],
    ),
    (
        "officer",
        "report.table.officer",
        [
            ("officer", 3.6),
            ("handled", 1),
            ("served", 1),
            ("no_show", 1),
            ("transferred", 1),
            ("service_mean", 1),
            ("service_median", 1),
            ("service_total", 1),
            ("within_target", 1),
        ],
    ),
    (
        "counter",
        "report.table.counter",
        [
            ("counter", 1.0),
            ("counter_name", 2.4),
            ("handled", 1),
            ("served", 1),
            ("no_show", 1),
            ("transferred", 1),
            ("wait_mean", 1),
            ("service_mean", 1),
            ("within_target", 1),
        ],
    ),
    (
        "day",
        "report.table.day",
        [
            ("date", 1.3),
            ("registered", 1),
            ("served", 1),
            ("no_show", 1),
            ("cancelled", 1),
            ("transferred", 1),
            ("waiting", 1),
            ("wait_mean", 1),
            ("wait_p90", 1),
            ("service_mean", 1),
            ("within_target", 1),
        ],
    ),
    (
        "longest_wait",
        "report.table.longest_wait",
        [("rank", 0.5), ("date", 1.4), ("code", 0.9), ("service", 4.0), ("status", 1.6), ("wait", 1.2)],
    ),
]


PDFCOL_KEYS = {
    "agency": "report.pdfcol.agency",
    "cancelled": "report.pdfcol.cancelled",
    "code": "report.pdfcol.code",
    "counter": "report.pdfcol.counter",
    "counter_name": "report.pdfcol.counter_name",
    "date": "report.pdfcol.date",
    "handled": "report.pdfcol.handled",
    "no_show": "report.pdfcol.no_show",
    "officer": "report.pdfcol.officer",
    "priority": "report.pdfcol.priority",
    "rank": "report.pdfcol.rank",
    "registered": "report.pdfcol.registered",
    "served": "report.pdfcol.served",
    "service": "report.pdfcol.service",
    "service_mean": "report.pdfcol.service_mean",
    "service_median": "report.pdfcol.service_median",
    "service_p90": "report.pdfcol.service_p90",
    "service_total": "report.pdfcol.service_total",
    "status": "report.pdfcol.status",
    "target": "report.pdfcol.target",
    "transferred": "report.pdfcol.transferred",
    "wait": "report.pdfcol.wait",
    "wait_max": "report.pdfcol.wait_max",
    "wait_mean": "report.pdfcol.wait_mean",
    "wait_median": "report.pdfcol.wait_median",
    "wait_p90": "report.pdfcol.wait_p90",
    "waiting": "report.pdfcol.waiting",
    "within_target": "report.pdfcol.within_target",
}


def _table(table: tables.Table, layout: Sequence[tuple[str, float]], lang: str) -> Table:
    idx = [table.column(key) for key, _ in layout]
    columns = [table.columns[i] for i in idx]
    weights = [w for _, w in layout]
    widths = [BODY_W * w / sum(weights) for w in weights]
    head = [
        P(t(PDFCOL_KEYS[c.key], lang=lang), "Head" if c.kind in ("text", "date") else "HeadNum")
        for c in columns
    ]
    body: list[list[Any]] = [head]
    for row in table.rows:
        body.append([_cell(row[i], c, lang, bold=False) for i, c in zip(idx, columns)])
    if table.total is not None:
        body.append([_cell(table.total[i], c, lang, bold=True) for i, c in zip(idx, columns)])
    style = [
        ("FONT", (0, 1), (-1, -1), FONT, 7.2),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (0, 1), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, MUTED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.8),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.2),
    ]
    for j, c in enumerate(columns):
        if c.kind not in ("text", "date"):
            style.append(("ALIGN", (j, 1), (j, -1), "RIGHT"))
    for r in range(2, len(body), 2):
        style.append(("BACKGROUND", (0, r), (-1, r), STRIPE))
    if table.total is not None:
        style += [
            ("FONT", (0, -1), (-1, -1), FONT_BOLD, 7.2),
            ("LINEABOVE", (0, -1), (-1, -1), 0.8, MUTED),
            ("BACKGROUND", (0, -1), (-1, -1), HEAD_BG),
        ]
    out = Table(body, colWidths=widths, repeatRows=1)
    out.setStyle(_style(style))
    return out


def _cell(value: Any, column: tables.Column, lang: str, *, bold: bool) -> Any:
    if value is None and column.kind == "text":
        text = ""
    elif column.kind == "text":
        text = format_cell(value, column.kind, lang)
    elif lang and isinstance(value, (int, float, str)):
        # numbers and dates repeat across a summary's tables: each formatted once
        text = _formatted(type(value).__name__, value, column.kind, lang)
    else:
        text = format_cell(value, column.kind, lang)
    if column.kind == "text":
        return P(text, "CellBold" if bold else "Cell")  # wraps long names
    return text


@lru_cache(maxsize=4096)
def _formatted(_type: str, value: Any, kind: str, lang: str) -> str:
    """format_cell of a value (Babel's number and date formatting is ~50 µs a cell); the type
    is part of the key, so 1 and 1.0 stay apart."""
    return format_cell(value, kind, lang)


def _section(title: str, *flowables: Flowable) -> list[Flowable]:
    """A heading kept with the start of what follows it."""
    return section(title, *flowables)


def _signature(lang: str) -> Table:
    return signature(
        [t("report.sign.known", lang=lang), t("report.sign.role", lang=lang)],
        lang,
        width=72 * mm,
        gap_above=True,
    )


DEFINITION_KEYS = {
    "complaints": "report.def.complaints",
    "open": "report.def.open",
    "percentile": "report.def.percentile",
    "registered": "report.def.registered",
    "scope": "report.def.scope",
    "service": "report.def.service",
    "survey": "report.def.survey",
    "target": "report.def.target",
    "wait": "report.def.wait",
}


def _definitions(lang: str, snapshot: Mapping[str, Any] | None = None) -> list[Flowable]:
    keys = ["registered", "wait", "service", "percentile", "target", "open", "scope"]
    if snapshot is not None and "survey" in snapshot:
        keys.append("survey")
    if snapshot is not None and "complaints" in snapshot:
        keys.append("complaints")
    return [P("• " + t(DEFINITION_KEYS[k], lang=lang), "Small") for k in keys]


def _survey_section(snapshot: Mapping[str, Any], lang: str) -> list[Flowable]:
    """The IKM of the period's respondents and a bar per element (NRR on the 1–4 scale)."""
    survey = snapshot.get("survey")
    if survey is None:
        return []
    title = t("report.survey.title", lang=lang)
    sample = t(
        "report.survey.sample",
        lang=lang,
        respondents=number(survey["respondents"], lang),
        served=number(survey["population"], lang),
        required=number(survey["required_sample"], lang),
    )
    body: list[Flowable] = []
    if not survey["respondents"]:
        body.append(P(t("report.survey.none", lang=lang), "Body"))
    else:
        body.append(
            P(
                t(
                    "report.survey.line",
                    lang=lang,
                    ikm=number(survey["ikm"], lang, 2),
                    grade=survey["grade"],
                    kinerja=t(KINERJA_KEYS[survey["grade"]], lang=lang),
                ),
                "Site",
            )
        )
        body.append(P(sample, "Body"))
        body.append(element_chart(survey["nrr"], survey.get("element_grade") or {}, lang, height=48 * mm))
    if survey.get("incomplete"):
        body.append(
            P(t("report.survey.incomplete", lang=lang, count=number(survey["incomplete"], lang)), "Small")
        )
    return [KeepTogether(_section(title, *body))]


COMPLAINT_TILES = ("received", "answered_in_time", "answered_late", "overdue", "open_in_time")


COMPLAINT_COUNT_KEYS = {
    "answered_in_time": "report.complaints.answered_in_time",
    "answered_late": "report.complaints.answered_late",
    "open_in_time": "report.complaints.open_in_time",
    "overdue": "report.complaints.overdue",
    "received": "report.complaints.received",
    "title": "report.complaints.title",
}


def _complaints_section(snapshot: Mapping[str, Any], lang: str) -> list[Flowable]:
    """Complaints received in the period: how many, answered in time or late, overdue, open."""
    counts = snapshot.get("complaints")
    if counts is None:
        return []
    cells = [
        _plain_table(
            [
                [P(number(counts[k], lang), "TileValue")],
                [P(t(COMPLAINT_COUNT_KEYS[k], lang=lang), "TileLabel")],
            ],
            [BODY_W / 5 - 3 * mm],
        )
        for k in COMPLAINT_TILES
    ]
    table = Table([cells], colWidths=[BODY_W / 5] * 5)
    style = [
        ("BACKGROUND", (0, 0), (-1, -1), TILE_BG),
        ("BOX", (0, 0), (-1, -1), 0.5, RULE),
        ("INNERGRID", (0, 0), (-1, -1), 1.5, colors.white),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),  # numbers on one line even when a label wraps
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if counts["overdue"]:
        style.append(("BACKGROUND", (3, 0), (3, 0), colors.HexColor("#FDE8E7")))
    table.setStyle(_style(style))
    return [KeepTogether(_section(t("report.complaints.title", lang=lang), table))]


# ---- the document -------------------------------------------------------------------------


def story(snapshot: Mapping[str, Any], lang: str = "id") -> list[Flowable]:
    tot = snapshot["totals"]
    flow: list[Flowable] = [
        P(t("report.title", lang=lang), "Title"),
        P(snapshot["site"]["name"], "Site"),
        P(tables.period_text(snapshot, lang), "Meta"),
        P(t("report.scope", lang=lang) + ": " + tables.scope_text(snapshot, lang), "Meta"),
        Spacer(1, 4 * mm),
        _key_tiles(snapshot, lang),
        Spacer(1, 2.5 * mm),
        _time_lines(snapshot, lang),
    ]
    by_name = {tb.name: tb for tb in tables.report_tables(snapshot, lang)}
    if not tot["registered"]:
        flow.append(P(t("report.empty", lang=lang), "Empty"))
    else:
        title = t("report.chart.hour", lang=lang)
        if snapshot["days"] > 1:
            title += " " + t("report.chart.hour_range", lang=lang, days=snapshot["days"])
        chart = _hour_chart(snapshot, lang)
        if chart is not None:
            flow += [KeepTogether(_section(title, chart))]
        chart = _wait_chart(snapshot, lang)
        if chart is not None:
            flow += [KeepTogether(_section(t("report.chart.wait", lang=lang), chart))]
        multi = snapshot["days"] > 1
        for name, title_key, layout in PDF_TABLES:
            tb = by_name[name]
            if not tb.rows or (name == "day" and not multi):
                continue
            if not multi:
                layout = [(k, w) for k, w in layout if not (name == "longest_wait" and k == "date")]
            flow += _section(t(title_key, lang=lang), _table(tb, layout, lang))
    flow += _survey_section(snapshot, lang)
    flow += _complaints_section(snapshot, lang)
    flow += _section(t("report.notes", lang=lang))
    notes = snapshot["notes"]
    if notes:
        limit = 60
        for note in notes[:limit]:
            flow.append(Paragraph(escape(tables.note_text(note, lang)), stylesheet()["Note"], bulletText="•"))
        if len(notes) > limit:
            flow.append(P(t("report.notes_more", lang=lang, count=len(notes) - limit), "Note"))
    else:
        flow.append(P(t("report.notes_none", lang=lang), "Body"))
    flow += _section(t("report.definitions", lang=lang), *_definitions(lang, snapshot))
    head = snapshot.get("audit_head")  # segel audit: the signed paper anchors the audit chain
    seal = (
        [P(t("report.segel", lang=lang, seq=head["seq"], hash=str(head["hash"])[:8]), "Small")]
        if head
        else []
    )
    flow.append(KeepTogether([Spacer(1, 8 * mm), *seal, _signature(lang)]))
    return flow


def render(snapshot: Mapping[str, Any], lang: str = "id") -> bytes:
    """The A4 PDF of the daily summary, as bytes."""
    register_fonts()
    return build_a4(
        story(snapshot, lang),
        title=f"{t('report.title', lang=lang)} {tables.period_text(snapshot, lang)}",
        author=snapshot["site"]["name"],
        on_page=_on_page(snapshot, lang),
        lang=lang,
    )

"""The daily summary (rekap harian) as an A4 PDF: ReportLab platypus, from the plain snapshot.

`render(snapshot, lang)` lays out `DailyFigures.to_json()` (services/daily_report.py defines
every figure; `exports.report_tables` defines the tables, shared with the XLSX): a header with
the site, period and scope; the key figures; arrivals per hour and mean waiting time per service
as bar charts; the tables; the satisfaction survey of the period (IKM, a bar per element) and
the complaints (received, answered in time or late, overdue) when the snapshot carries them;
the notes; how the figures are defined; the coordinator's signature block. Every page carries the site and period at the top, and the generation time and
"Halaman X dari Y" at the bottom.

All text that goes into a Paragraph is escaped first (a service or officer name like
`<b>&amp;` prints literally). The DejaVu fonts in resources/fonts are embedded, so names in any
script print the same everywhere.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, StyleSheet1
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from counter_app.core.i18n import t
from counter_app.core.paths import resource
from counter_app.documents import exports
from counter_app.documents.exports import format_cell, minutes, number

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"

PAGE_W, PAGE_H = A4
MARGIN_X = 16 * mm
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 17 * mm
BODY_W = PAGE_W - 2 * MARGIN_X

INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#5F6B7A")
RULE = colors.HexColor("#B8C2CC")
HEAD_BG = colors.HexColor("#DDE4EE")
STRIPE = colors.HexColor("#F4F6F9")
BAR = colors.HexColor("#2F6DB5")
BAR_2 = colors.HexColor("#D9822B")
TILE_BG = colors.HexColor("#F1F4F8")


@cache
def register_fonts() -> None:
    """Embed DejaVu (subset) once per process; <b> in Paragraphs maps to the bold face."""
    registered = pdfmetrics.getRegisteredFontNames()
    if FONT not in registered:
        pdfmetrics.registerFont(TTFont(FONT, str(resource("fonts", "DejaVuSans.ttf"))))
    if FONT_BOLD not in registered:
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(resource("fonts", "DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD)


@cache
def stylesheet() -> StyleSheet1:
    register_fonts()
    ss = StyleSheet1()
    base = ParagraphStyle("Body", fontName=FONT, fontSize=8.5, leading=11, textColor=INK)
    ss.add(base)
    ss.add(ParagraphStyle("Title", parent=base, fontName=FONT_BOLD, fontSize=15, leading=19,
                          spaceAfter=1 * mm))
    ss.add(ParagraphStyle("Site", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=13))
    ss.add(ParagraphStyle("Meta", parent=base, fontSize=9, leading=12, textColor=MUTED))
    ss.add(ParagraphStyle("H2", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=13,
                          spaceBefore=4 * mm, spaceAfter=1.5 * mm))
    ss.add(ParagraphStyle("Cell", parent=base, fontSize=7.2, leading=8.6))
    ss.add(ParagraphStyle("CellBold", parent=base, fontName=FONT_BOLD, fontSize=7.2, leading=8.6))
    ss.add(ParagraphStyle("Head", parent=base, fontName=FONT_BOLD, fontSize=6.3, leading=7.6))
    ss.add(ParagraphStyle("HeadNum", parent=base, fontName=FONT_BOLD, fontSize=6.3, leading=7.6,
                          alignment=TA_RIGHT))
    ss.add(ParagraphStyle("TileValue", parent=base, fontName=FONT_BOLD, fontSize=15, leading=18,
                          alignment=TA_CENTER))
    ss.add(ParagraphStyle("TileLabel", parent=base, fontSize=7.2, leading=8.8, alignment=TA_CENTER,
                          textColor=MUTED))
    ss.add(ParagraphStyle("Note", parent=base, fontSize=8, leading=10.5, leftIndent=4 * mm,
                          bulletIndent=0))
    ss.add(ParagraphStyle("Small", parent=base, fontSize=7, leading=9, textColor=MUTED))
    ss.add(ParagraphStyle("Sign", parent=base, fontSize=9, leading=12, alignment=TA_LEFT))
    ss.add(ParagraphStyle("Empty", parent=base, fontSize=9, leading=12, textColor=MUTED,
                          alignment=TA_CENTER, spaceBefore=6 * mm, spaceAfter=6 * mm))
    return ss


def _style(commands: list[tuple[Any, ...]]) -> TableStyle:
    """A table style whose cells default to DejaVu (platypus' default would be Helvetica)."""
    return TableStyle([("FONT", (0, 0), (-1, -1), FONT, 7.2), *commands])


def P(text: str, style: str) -> Paragraph:  # noqa: N802 (platypus idiom)
    """A Paragraph of plain text: always escaped."""
    return Paragraph(escape(str(text)), stylesheet()[style])


# ---- page furniture -----------------------------------------------------------------------


def _numbered_canvas(label: str) -> type[rl_canvas.Canvas]:
    """A canvas that holds every page until the end, so each can say "Halaman X dari Y"."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802 (ReportLab API)
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(FONT, 7)
                self.setFillColor(MUTED)
                self.drawRightString(
                    PAGE_W - MARGIN_X, 9 * mm,
                    t("report.page", label, page=self._pageNumber, pages=total),
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def _on_page(snapshot: Mapping[str, Any], lang: str):  # type: ignore[no-untyped-def]
    site = snapshot["site"]["name"]
    if snapshot["date"] == snapshot["date_to"]:
        period = exports.period_text(snapshot, lang)
    else:
        period = f"{exports.day_text(snapshot['date'], lang)} – {exports.day_text(snapshot['date_to'], lang)}"
    head = f"{t('report.title', lang)} · {period}"
    generated = exports.generated_text(snapshot, lang)
    return page_furniture(site, head, generated)


def page_furniture(site: str, head: str, generated: str):  # type: ignore[no-untyped-def]
    """The running head (site left, document and period right) and the generated-at foot line,
    for every A4 document in the house style."""

    def draw(c: rl_canvas.Canvas, doc: BaseDocTemplate) -> None:
        c.saveState()
        c.setFont(FONT_BOLD, 7.5)
        c.setFillColor(MUTED)
        y = PAGE_H - 11 * mm
        c.drawString(MARGIN_X, y, _fit(site, FONT_BOLD, 7.5, BODY_W * 0.5))
        c.setFont(FONT, 7.5)
        c.drawRightString(PAGE_W - MARGIN_X, y, _fit(head, FONT, 7.5, BODY_W * 0.48))
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        c.line(MARGIN_X, y - 2 * mm, PAGE_W - MARGIN_X, y - 2 * mm)
        c.line(MARGIN_X, 12.5 * mm, PAGE_W - MARGIN_X, 12.5 * mm)
        c.setFont(FONT, 7)
        c.drawString(MARGIN_X, 9 * mm, generated)
        c.restoreState()

    return draw


def _fit(text: str, font: str, size: float, width: float) -> str:
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


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
    cells = [[P(value, "TileValue"), P(t(label, lang), "TileLabel")] for label, value in tiles]
    grid = [
        [_plain_table([[v], [lab]], [BODY_W / 4 - 3 * mm]) for v, lab in cells[i : i + 4]]
        for i in (0, 4)
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
    rows = [[P(label, "CellBold"), P(text, "Cell")] for label, text in exports.summary_lines(snapshot, lang)]
    table = Table(rows, colWidths=[42 * mm, BODY_W - 42 * mm])
    table.setStyle(_style([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
    ]))
    return table


def _hour_chart(snapshot: Mapping[str, Any], lang: str) -> Drawing | None:
    hours = snapshot["arrivals_by_hour"]
    used = [h["hour"] for h in hours if h["count"]]
    if not used:
        return None
    lo, hi = min(min(used), 8), max(max(used), 15)
    data = [h["count"] for h in hours[lo : hi + 1]]
    height = 58 * mm
    d = Drawing(BODY_W, height, initialFontName=FONT, initialFontSize=7)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 9 * mm
    chart.width, chart.height = BODY_W - 16 * mm, height - 16 * mm
    chart.data = [data]
    chart.bars[0].fillColor = BAR
    chart.bars[0].strokeColor = None
    chart.barSpacing = 1
    chart.groupSpacing = 4
    chart.categoryAxis.categoryNames = [f"{h:02d}" for h in range(lo, hi + 1)]
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.dy = -2
    chart.categoryAxis.strokeColor = RULE
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E4E8ED")
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.labelTextFormat = lambda v: number(v, lang)
    top = max(data)
    if top < 5:
        chart.valueAxis.valueMax = 5
        chart.valueAxis.valueStep = 1
    chart.barLabelFormat = lambda v: number(v, lang) if v else ""
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6.3
    chart.barLabels.nudge = 5
    chart.barLabels.fillColor = INK
    d.add(chart)
    d.add(String(12 * mm, 1.5 * mm, t("report.chart.hour_axis", lang), fontName=FONT, fontSize=7,
                 fillColor=MUTED))
    return d


def _wait_chart(snapshot: Mapping[str, Any], lang: str) -> Drawing | None:
    rows = [r for r in snapshot["by_service"] if r["wait_mean_s"] is not None]
    if not rows:
        return None
    names = [_fit(exports.service_name(r, lang), FONT, 7, 52 * mm) for r in rows]
    values = [round(minutes(r["wait_mean_s"]) or 0, 1) for r in rows]
    bar_h = 10.5
    height = len(rows) * bar_h + 16 * mm
    d = Drawing(BODY_W, height, initialFontName=FONT, initialFontSize=7)
    chart = HorizontalBarChart()
    chart.x, chart.y = 56 * mm, 9 * mm
    chart.width, chart.height = BODY_W - 70 * mm, height - 12 * mm
    chart.data = [values]
    chart.bars[0].fillColor = BAR_2
    chart.bars[0].strokeColor = None
    chart.barSpacing = 0
    chart.groupSpacing = 3
    chart.categoryAxis.categoryNames = names
    chart.categoryAxis.reverseDirection = 1
    chart.categoryAxis.labels.fontName = FONT
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.boxAnchor = "e"
    chart.categoryAxis.labels.dx = -3
    chart.categoryAxis.strokeColor = RULE
    chart.valueAxis.valueMin = 0
    if max(values) < 1:
        chart.valueAxis.valueMax = 1
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = colors.HexColor("#E4E8ED")
    chart.valueAxis.labelTextFormat = lambda v: number(v, lang, 0 if float(v).is_integer() else 1)
    chart.barLabelFormat = lambda v: number(v, lang, 1)
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6.3
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    chart.barLabels.fillColor = INK
    d.add(chart)
    d.add(String(chart.x, 1.5 * mm, t("report.chart.wait_axis", lang), fontName=FONT, fontSize=7,
                 fillColor=MUTED))
    return d


# What the PDF shows of each table: (table, title key, [(column, relative width)]). The XLSX
# has every column; on A4 portrait the wide tables are split in two so headers stay legible.
PDF_TABLES: list[tuple[str, str, list[tuple[str, float]]]] = [
    ("service", "report.table.service_counts", [
        ("service", 4.2), ("registered", 1), ("served", 1), ("no_show", 1), ("cancelled", 1),
        ("transferred", 1), ("waiting", 1)]),
    ("service", "report.table.service_times", [
        ("service", 3.6), ("target", 1), ("wait_mean", 1), ("wait_median", 1), ("wait_p90", 1),
        ("wait_max", 1), ("service_mean", 1), ("service_p90", 1), ("within_target", 1)]),
    ("agency", "report.table.agency", [
        ("agency", 3.6), ("registered", 1), ("served", 1), ("no_show", 1), ("cancelled", 1),
        ("transferred", 1), ("wait_mean", 1), ("within_target", 1)]),
    ("priority", "report.table.priority", [
        ("priority", 1.8), ("registered", 1), ("served", 1), ("no_show", 1), ("cancelled", 1),
        ("waiting", 1), ("wait_mean", 1), ("wait_p90", 1), ("wait_max", 1), ("within_target", 1)]),
    ("officer", "report.table.officer", [
        ("officer", 3.6), ("handled", 1), ("served", 1), ("no_show", 1), ("transferred", 1),
        ("service_mean", 1), ("service_median", 1), ("service_total", 1), ("within_target", 1)]),
    ("counter", "report.table.counter", [
        ("counter", 1.0), ("counter_name", 2.4), ("handled", 1), ("served", 1), ("no_show", 1),
        ("transferred", 1), ("wait_mean", 1), ("service_mean", 1), ("within_target", 1)]),
    ("day", "report.table.day", [
        ("date", 1.3), ("registered", 1), ("served", 1), ("no_show", 1), ("cancelled", 1),
        ("transferred", 1), ("waiting", 1), ("wait_mean", 1), ("wait_p90", 1),
        ("service_mean", 1), ("within_target", 1)]),
    ("longest_wait", "report.table.longest_wait", [
        ("rank", 0.5), ("date", 1.4), ("code", 0.9), ("service", 4.0), ("status", 1.6),
        ("wait", 1.2)]),
]


def _table(table: exports.Table, layout: Sequence[tuple[str, float]], lang: str) -> Table:
    idx = [table.column(key) for key, _ in layout]
    columns = [table.columns[i] for i in idx]
    weights = [w for _, w in layout]
    widths = [BODY_W * w / sum(weights) for w in weights]
    head = [
        P(t(f"report.pdfcol.{c.key}", lang), "Head" if c.kind in ("text", "date") else "HeadNum")
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


def _cell(value: Any, column: exports.Column, lang: str, *, bold: bool) -> Any:
    text = format_cell(value, column.kind, lang) if value is not None or column.kind != "text" else ""
    if column.kind == "text":
        return P(text, "CellBold" if bold else "Cell")  # wraps long names
    return text


def _section(title: str, *flowables: Flowable) -> list[Flowable]:
    """A heading kept with the start of what follows it."""
    return [CondPageBreak(35 * mm), P(title, "H2"), *flowables]


def _signature(lang: str) -> Table:
    lines = [
        P(t("report.sign.known", lang), "Sign"),
        P(t("report.sign.role", lang), "Sign"),
        Spacer(1, 20 * mm),
        P("(" + "." * 60 + ")", "Sign"),
        P(t("report.sign.nip", lang) + " " + "." * 48, "Sign"),
    ]
    block = Table([[""], *[[x] for x in lines]], colWidths=[72 * mm])
    block.setStyle(_style([("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    outer = Table([["", block]], colWidths=[BODY_W - 72 * mm, 72 * mm])
    outer.setStyle(_style([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return outer


def _definitions(lang: str, snapshot: Mapping[str, Any] | None = None) -> list[Flowable]:
    keys = ["registered", "wait", "service", "percentile", "target", "open", "scope"]
    if snapshot is not None and "survey" in snapshot:
        keys.append("survey")
    if snapshot is not None and "complaints" in snapshot:
        keys.append("complaints")
    return [P("• " + t(f"report.def.{k}", lang), "Small") for k in keys]


def _survey_section(snapshot: Mapping[str, Any], lang: str) -> list[Flowable]:
    """The IKM of the period's respondents and a bar per element (NRR on the 1–4 scale)."""
    survey = snapshot.get("survey")
    if survey is None:
        return []
    title = t("report.survey.title", lang)
    sample = t("report.survey.sample", lang, respondents=number(survey["respondents"], lang),
               served=number(survey["population"], lang), required=number(survey["required_sample"], lang))
    body: list[Flowable] = []
    if not survey["respondents"]:
        body.append(P(t("report.survey.none", lang), "Body"))
    else:
        from counter_app.documents.skm_report_pdf import element_chart

        body.append(P(t("report.survey.line", lang, ikm=number(survey["ikm"], lang, 2),
                        grade=survey["grade"], kinerja=t(f"survey.kinerja.{survey['grade']}", lang)),
                      "Site"))
        body.append(P(sample, "Body"))
        body.append(element_chart(survey["nrr"], survey.get("element_grade") or {}, lang,
                                  height=48 * mm))
    if survey.get("incomplete"):
        body.append(P(t("report.survey.incomplete", lang, count=number(survey["incomplete"], lang)), "Small"))
    return [KeepTogether(_section(title, *body))]


COMPLAINT_TILES = ("received", "answered_in_time", "answered_late", "overdue", "open_in_time")


def _complaints_section(snapshot: Mapping[str, Any], lang: str) -> list[Flowable]:
    """Complaints received in the period: how many, answered in time or late, overdue, open."""
    counts = snapshot.get("complaints")
    if counts is None:
        return []
    cells = [
        _plain_table([[P(number(counts[k], lang), "TileValue")],
                      [P(t(f"report.complaints.{k}", lang), "TileLabel")]], [BODY_W / 5 - 3 * mm])
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
    return [KeepTogether(_section(t("report.complaints.title", lang), table))]


# ---- the document -------------------------------------------------------------------------


def story(snapshot: Mapping[str, Any], lang: str = "id") -> list[Flowable]:
    tot = snapshot["totals"]
    flow: list[Flowable] = [
        P(t("report.title", lang), "Title"),
        P(snapshot["site"]["name"], "Site"),
        P(exports.period_text(snapshot, lang), "Meta"),
        P(t("report.scope", lang) + ": " + exports.scope_text(snapshot, lang), "Meta"),
        Spacer(1, 4 * mm),
        _key_tiles(snapshot, lang),
        Spacer(1, 2.5 * mm),
        _time_lines(snapshot, lang),
    ]
    tables = {tb.name: tb for tb in exports.report_tables(snapshot, lang)}
    if not tot["registered"]:
        flow.append(P(t("report.empty", lang), "Empty"))
    else:
        title = t("report.chart.hour", lang)
        if snapshot["days"] > 1:
            title += " " + t("report.chart.hour_range", lang, days=snapshot["days"])
        chart = _hour_chart(snapshot, lang)
        if chart is not None:
            flow += [KeepTogether(_section(title, chart))]
        chart = _wait_chart(snapshot, lang)
        if chart is not None:
            flow += [KeepTogether(_section(t("report.chart.wait", lang), chart))]
        multi = snapshot["days"] > 1
        for name, title_key, layout in PDF_TABLES:
            tb = tables[name]
            if not tb.rows or (name == "day" and not multi):
                continue
            if not multi:
                layout = [(k, w) for k, w in layout if not (name == "longest_wait" and k == "date")]
            flow += _section(t(title_key, lang), _table(tb, layout, lang))
    flow += _survey_section(snapshot, lang)
    flow += _complaints_section(snapshot, lang)
    flow += _section(t("report.notes", lang))
    notes = snapshot["notes"]
    if notes:
        limit = 60
        for note in notes[:limit]:
            flow.append(Paragraph(escape(exports.note_text(note, lang)), stylesheet()["Note"], bulletText="•"))
        if len(notes) > limit:
            flow.append(P(t("report.notes_more", lang, count=len(notes) - limit), "Note"))
    else:
        flow.append(P(t("report.notes_none", lang), "Body"))
    flow += _section(t("report.definitions", lang), *_definitions(lang, snapshot))
    head = snapshot.get("audit_head")  # segel audit: the signed paper anchors the audit chain
    seal = [P(t("report.segel", lang, seq=head["seq"], hash=str(head["hash"])[:8]), "Small")] if head else []
    flow.append(KeepTogether([Spacer(1, 8 * mm), *seal, _signature(lang)]))
    return flow


def build_a4(flow: list[Flowable], *, title: str, author: str, on_page: Any, lang: str) -> bytes:
    """An A4 document in the house style (fonts, margins, "page X of Y"): shared by the daily
    summary and the SKM report."""
    register_fonts()
    buf = io.BytesIO()
    doc = BaseDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=title,
        author=author,
        creator="Loket",
        invariant=1,
        initialFontName=FONT,  # no stray Helvetica reference on every page
        initialFontSize=8.5,
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, BODY_W, PAGE_H - MARGIN_TOP - MARGIN_BOTTOM, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=on_page)])
    doc.build(flow, canvasmaker=_numbered_canvas(lang))
    return buf.getvalue()


def render(snapshot: Mapping[str, Any], lang: str = "id") -> bytes:
    """The A4 PDF of the daily summary, as bytes."""
    register_fonts()
    return build_a4(
        story(snapshot, lang),
        title=f"{t('report.title', lang)} {exports.period_text(snapshot, lang)}",
        author=snapshot["site"]["name"],
        on_page=_on_page(snapshot, lang),
        lang=lang,
    )

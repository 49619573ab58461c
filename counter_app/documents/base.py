"""The house style of every document: the DejaVu fonts, and the A4 base the reports are built on.

The daily summary (`daily_report_pdf`) and the SKM report (`skm_report_pdf`) are siblings that
share this module rather than each other: the page geometry and colours, the named paragraph
styles (`stylesheet`, `P`), table styles in DejaVu (`table_style`), the numbered canvas that
prints "Halaman X dari Y", the running head and foot (`page_furniture`), a section heading kept
with what follows it (`section`), the signature block (`signature`) and the document template
(`build_a4`). The receipt (`receipt`) takes only the fonts from here.

All text that goes into a Paragraph is escaped first (`P`): a service or officer name like
`<b>&amp;` prints literally. The DejaVu fonts in resources/fonts are embedded, so names in any
script print the same everywhere.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

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
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from counter_app.core.i18n import t
from counter_app.core.paths import resource

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
GRID = colors.HexColor("#E4E8ED")  # chart grid lines
HEAD_BG = colors.HexColor("#DDE4EE")
STRIPE = colors.HexColor("#F4F6F9")
BAR = colors.HexColor("#2F6DB5")
BAR_2 = colors.HexColor("#D9822B")
TILE_BG = colors.HexColor("#F1F4F8")

PageHook = Callable[[rl_canvas.Canvas, BaseDocTemplate], None]


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
    """The named paragraph styles of the A4 documents."""
    register_fonts()
    ss = StyleSheet1()
    base = ParagraphStyle("Body", fontName=FONT, fontSize=8.5, leading=11, textColor=INK)
    ss.add(base)
    ss.add(
        ParagraphStyle("Title", parent=base, fontName=FONT_BOLD, fontSize=15, leading=19, spaceAfter=1 * mm)
    )
    ss.add(ParagraphStyle("Site", parent=base, fontName=FONT_BOLD, fontSize=10.5, leading=13))
    ss.add(ParagraphStyle("Meta", parent=base, fontSize=9, leading=12, textColor=MUTED))
    ss.add(
        ParagraphStyle(
            "H2",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=10.5,
            leading=13,
            spaceBefore=4 * mm,
            spaceAfter=1.5 * mm,
        )
    )
    ss.add(ParagraphStyle("Cell", parent=base, fontSize=7.2, leading=8.6))
    ss.add(ParagraphStyle("CellBold", parent=base, fontName=FONT_BOLD, fontSize=7.2, leading=8.6))
    ss.add(ParagraphStyle("Head", parent=base, fontName=FONT_BOLD, fontSize=6.3, leading=7.6))
    ss.add(
        ParagraphStyle(
            "HeadNum", parent=base, fontName=FONT_BOLD, fontSize=6.3, leading=7.6, alignment=TA_RIGHT
        )
    )
    ss.add(
        ParagraphStyle(
            "TileValue", parent=base, fontName=FONT_BOLD, fontSize=15, leading=18, alignment=TA_CENTER
        )
    )
    ss.add(
        ParagraphStyle(
            "TileLabel", parent=base, fontSize=7.2, leading=8.8, alignment=TA_CENTER, textColor=MUTED
        )
    )
    ss.add(ParagraphStyle("Note", parent=base, fontSize=8, leading=10.5, leftIndent=4 * mm, bulletIndent=0))
    ss.add(ParagraphStyle("Small", parent=base, fontSize=7, leading=9, textColor=MUTED))
    ss.add(ParagraphStyle("Sign", parent=base, fontSize=9, leading=12, alignment=TA_LEFT))
    ss.add(
        ParagraphStyle(
            "Empty",
            parent=base,
            fontSize=9,
            leading=12,
            textColor=MUTED,
            alignment=TA_CENTER,
            spaceBefore=6 * mm,
            spaceAfter=6 * mm,
        )
    )
    return ss


def table_style(commands: list[tuple[Any, ...]]) -> TableStyle:
    """A table style whose cells default to DejaVu (platypus' default would be Helvetica)."""
    return TableStyle([("FONT", (0, 0), (-1, -1), FONT, 7.2), *commands])


def P(text: str, style: str) -> Paragraph:
    """A Paragraph of plain text: always escaped."""
    return Paragraph(escape(str(text)), stylesheet()[style])


def fit(text: str, font: str, size: float, width: float) -> str:
    """`text` cut with an ellipsis so it is at most `width` points wide."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


# ---- page furniture -----------------------------------------------------------------------


def numbered_canvas(label: str) -> type[rl_canvas.Canvas]:
    """A canvas that holds every page until the end, so each can say "Halaman X dari Y"
    (`label` is the language of that line)."""

    class NumberedCanvas(rl_canvas.Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self.setFont(FONT, 7)
                self.setFillColor(MUTED)
                self.drawRightString(
                    PAGE_W - MARGIN_X,
                    9 * mm,
                    t("report.page", lang=label, page=self._pageNumber, pages=total),
                )
                super().showPage()
            super().save()

    return NumberedCanvas


def page_furniture(site: str, head: str, generated: str) -> PageHook:
    """The running head (site left, document and period right) and the generated-at foot line,
    for every A4 document in the house style."""

    def draw(c: rl_canvas.Canvas, doc: BaseDocTemplate) -> None:
        c.saveState()
        c.setFont(FONT_BOLD, 7.5)
        c.setFillColor(MUTED)
        y = PAGE_H - 11 * mm
        c.drawString(MARGIN_X, y, fit(site, FONT_BOLD, 7.5, BODY_W * 0.5))
        c.setFont(FONT, 7.5)
        c.drawRightString(PAGE_W - MARGIN_X, y, fit(head, FONT, 7.5, BODY_W * 0.48))
        c.setStrokeColor(RULE)
        c.setLineWidth(0.5)
        c.line(MARGIN_X, y - 2 * mm, PAGE_W - MARGIN_X, y - 2 * mm)
        c.line(MARGIN_X, 12.5 * mm, PAGE_W - MARGIN_X, 12.5 * mm)
        c.setFont(FONT, 7)
        c.drawString(MARGIN_X, 9 * mm, generated)
        c.restoreState()

    return draw


# ---- blocks -------------------------------------------------------------------------------


def section(title: str, *flowables: Flowable, need: float = 35 * mm) -> list[Flowable]:
    """A heading kept with the start of what follows it: a new page unless `need` is left."""
    return [CondPageBreak(need), P(title, "H2"), *flowables]


def signature(heading: Sequence[str], lang: str, *, width: float, gap_above: bool = False) -> Table:
    """The signature block at the right: the heading lines (place and date, role), room to
    sign, the name line and the NIP line. `gap_above` adds an empty first row (the daily
    summary's layout)."""
    lines: list[Flowable] = [
        *(P(text, "Sign") for text in heading),
        Spacer(1, 20 * mm),
        P("(" + "." * 60 + ")", "Sign"),
        P(t("report.sign.nip", lang=lang) + " " + "." * 48, "Sign"),
    ]
    rows: list[list[Any]] = [[""]] if gap_above else []
    block = Table([*rows, *[[x] for x in lines]], colWidths=[width])
    block.setStyle(
        table_style(
            [
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    outer = Table([["", block]], colWidths=[BODY_W - width, width])
    outer.setStyle(table_style([("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return outer


# ---- the document -------------------------------------------------------------------------


def build_a4(flow: list[Flowable], *, title: str, author: str, on_page: PageHook, lang: str) -> bytes:
    """An A4 document in the house style (fonts, margins, "page X of Y"), as PDF bytes; the
    same bytes for the same input (`invariant`)."""
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
    frame = Frame(
        MARGIN_X,
        MARGIN_BOTTOM,
        BODY_W,
        PAGE_H - MARGIN_TOP - MARGIN_BOTTOM,
        id="body",
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    doc.addPageTemplates([PageTemplate("page", [frame], onPage=on_page)])
    doc.build(flow, canvasmaker=numbered_canvas(lang))
    return buf.getvalue()

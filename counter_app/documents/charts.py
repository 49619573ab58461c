"""The bar charts of the A4 reports, from plain figures: arrivals per hour and mean waiting time
per service (the daily summary), the NRR per survey element (the SKM report and the survey
section of the daily summary). Drawn in the house style of `base`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm

from counter_app.core.i18n import ELEMENT_SHORT_KEYS, t
from counter_app.documents.base import (
    BAR,
    BAR_2,
    BODY_W,
    FONT,
    FONT_BOLD,
    GRID,
    INK,
    MUTED,
    RULE,
    fit,
    register_fonts,
)
from counter_app.documents.tables import number

ELEMENTS = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")
GRADE_COLOURS = {
    "A": colors.HexColor("#0B6E4F"),
    "B": colors.HexColor("#2F6DB5"),
    "C": colors.HexColor("#D9822B"),
    "D": colors.HexColor("#B42318"),
}


def hour_chart(arrivals_by_hour: Sequence[Mapping[str, Any]], lang: str) -> Drawing | None:
    """Vertical bars of arrivals per local hour, at least 08–15; None when nobody came."""
    hours = arrivals_by_hour
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
    chart.valueAxis.gridStrokeColor = GRID
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
    d.add(
        String(
            12 * mm,
            1.5 * mm,
            t("report.chart.hour_axis", lang=lang),
            fontName=FONT,
            fontSize=7,
            fillColor=MUTED,
        )
    )
    return d


def wait_chart(rows: Sequence[tuple[str, float | None]], lang: str) -> Drawing | None:
    """Horizontal bars of the mean waiting time in minutes, one per (name, minutes); None when
    there are no rows."""
    if not rows:
        return None
    names = [fit(name, FONT, 7, 52 * mm) for name, _ in rows]
    values = [round(value or 0, 1) for _, value in rows]
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
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.labelTextFormat = lambda v: number(v, lang, 0 if float(v).is_integer() else 1)
    chart.barLabelFormat = lambda v: number(v, lang, 1)
    chart.barLabels.fontName = FONT
    chart.barLabels.fontSize = 6.3
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 2
    chart.barLabels.fillColor = INK
    d.add(chart)
    d.add(
        String(
            chart.x,
            1.5 * mm,
            t("report.chart.wait_axis", lang=lang),
            fontName=FONT,
            fontSize=7,
            fillColor=MUTED,
        )
    )
    return d


def element_chart(
    nrr: Mapping[str, float],
    grades: Mapping[str, str],
    lang: str,
    *,
    width: float = BODY_W,
    height: float = 62 * mm,
) -> Drawing:
    """Vertical bars of the NRR per element on the 1–4 scale, each coloured by its grade,
    with the value on top and the element's code and short name below."""
    register_fonts()
    d = Drawing(width, height, initialFontName=FONT, initialFontSize=7)
    chart = VerticalBarChart()
    chart.x, chart.y = 10 * mm, 14 * mm
    chart.width, chart.height = width - 14 * mm, height - 20 * mm
    values = [float(nrr.get(c) or 0) for c in ELEMENTS]
    chart.data = [values]
    chart.bars[0].strokeColor = None
    for i, code in enumerate(ELEMENTS):
        chart.bars[(0, i)].fillColor = GRADE_COLOURS.get(grades.get(code, ""), BAR)
    chart.barSpacing = 2
    chart.groupSpacing = 8
    chart.categoryAxis.categoryNames = list(ELEMENTS)
    chart.categoryAxis.labels.fontName = FONT_BOLD
    chart.categoryAxis.labels.fontSize = 7.5
    chart.categoryAxis.labels.dy = -2
    chart.categoryAxis.strokeColor = RULE
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = 4
    chart.valueAxis.valueStep = 1
    chart.valueAxis.labels.fontName = FONT
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.strokeColor = RULE
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.labelTextFormat = lambda v: number(v, lang)
    chart.barLabelFormat = lambda v: number(v, lang, 2) if v else ""
    chart.barLabels.fontName = FONT_BOLD
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6
    chart.barLabels.fillColor = INK
    d.add(chart)
    step = chart.width / len(ELEMENTS)
    for i, code in enumerate(ELEMENTS):
        label = fit(t(ELEMENT_SHORT_KEYS[code], lang=lang), FONT, 6, step - 2)
        d.add(
            String(
                chart.x + step * (i + 0.5),
                chart.y - 9.5 * mm + 2,
                label,
                fontName=FONT,
                fontSize=6,
                fillColor=MUTED,
                textAnchor="middle",
            )
        )
    return d

"""The period report of the satisfaction survey (Laporan Hasil SKM), A4, from a plain snapshot.

`render(snapshot, lang)` lays out `services.survey.report_snapshot()` in the shape agencies
publish: the index, its grade and the unit's performance; the sample against Krejcie–Morgan;
the table of elements (sum of scores, NRR, weighted NRR, converted value, grade) and a chart
of the NRR per element; results per service; the respondents' profile; the suggestions; a
follow-up plan with the weakest elements filled in and the rest left blank to write on; the
method; the signature block. Built on the A4 base (`documents.base`) and the charts
(`documents.charts`, whose `element_chart` the daily summary's survey section shares), like its
sibling the daily summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
)

from counter_app.core import formats
from counter_app.core.i18n import ELEMENT_KEYS, KINERJA_KEYS, PROFILE_KEYS, PROFILE_VALUE_TABLES, t
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
from counter_app.documents.charts import ELEMENTS, GRADE_COLOURS, element_chart
from counter_app.documents.tables import number

PLAN_ROWS = 5
SUGGESTIONS_SHOWN = 200


# ---- words --------------------------------------------------------------------------------


def element_name(code: str, lang: str) -> str:
    return t(ELEMENT_KEYS[code], lang=lang)


def kinerja_text(grade: str | None, lang: str) -> str:
    return "–" if not grade else t(KINERJA_KEYS[grade], lang=lang)


def short_day(value: str, lang: str) -> str:
    return formats.format_date(value, "long", lang=lang)


def period_text(snapshot: Mapping[str, Any], lang: str) -> str:
    if snapshot["date_from"] == snapshot["date_to"]:
        return tables.long_day_text(snapshot["date_from"], lang)
    return f"{short_day(snapshot['date_from'], lang)} – {short_day(snapshot['date_to'], lang)}"


SCOPE_KEYS = {
    "agency": "skm.scope.agency",
    "all": "skm.scope.all",
    "counter": "skm.scope.counter",
    "service": "skm.scope.service",
}


def scope_text(snapshot: Mapping[str, Any], lang: str) -> str:
    flt = snapshot.get("filter") or {}
    name = snapshot.get("scope_name") or ""
    for kind in ("service", "agency", "counter"):
        if flt.get(kind):
            return t(SCOPE_KEYS[kind], lang=lang, code=flt[kind], name=name)
    return t("skm.scope.all", lang=lang)


# ---- blocks -------------------------------------------------------------------------------


def _result_tiles(snapshot: Mapping[str, Any], lang: str) -> Table:
    ikm = snapshot.get("ikm")
    grade = snapshot.get("grade")
    ss = stylesheet()
    big = ss["TileValue"].clone("SkmBig", fontSize=24, leading=29)
    value_colour = GRADE_COLOURS.get(grade or "", INK)
    grade_style = big.clone("SkmGrade", textColor=value_colour)
    cells = [
        (Paragraph(escape(number(ikm, lang, 2) if ikm is not None else "–"), big), "skm.tile.ikm"),
        (Paragraph(escape(grade or "–"), grade_style), "skm.tile.grade"),
        (
            Paragraph(
                escape(kinerja_text(grade, lang)),
                ss["TileValue"].clone("SkmKinerja", fontSize=15, leading=18),
            ),
            "skm.tile.kinerja",
        ),
    ]
    inner = [
        Table(
            [[value], [P(t(label, lang=lang), "TileLabel")]],
            colWidths=[BODY_W / 3 - 4 * mm],
            rowHeights=[12 * mm, None],
        )
        for value, label in cells
    ]
    for tb in inner:
        tb.setStyle(_style([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("VALIGN", (0, 0), (-1, 0), "MIDDLE")]))
    table = Table([inner], colWidths=[BODY_W / 3] * 3)
    table.setStyle(
        _style(
            [
                ("BACKGROUND", (0, 0), (-1, -1), TILE_BG),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("INNERGRID", (0, 0), (-1, -1), 1.5, colors.white),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _sample_lines(snapshot: Mapping[str, Any], lang: str) -> list[Flowable]:
    n, required, population = snapshot["respondents"], snapshot["required_sample"], snapshot["population"]
    unknown = t("skm.unknown", lang=lang)  # paper forms only: the visitors were counted elsewhere
    lines = [
        t(
            "skm.sample",
            lang=lang,
            respondents=number(n, lang),
            population=unknown if population is None else number(population, lang),
            required=unknown if required is None else number(required, lang),
        )
    ]
    if population:
        lines.append(
            t(
                "skm.sample_ok" if n >= required else "skm.sample_short",
                lang=lang,
                missing=number(max(0, required - n), lang),
            )
        )
    if snapshot.get("incomplete"):
        lines.append(t("skm.incomplete", lang=lang, count=number(snapshot["incomplete"], lang)))
    sources = snapshot.get("sources") or {}
    if sources:
        lines.append(
            t(
                "skm.sources",
                lang=lang,
                kiosk=number(sources.get("kiosk", 0), lang),
                paper=number(sources.get("paper", 0), lang),
            )
        )
    return [P(line, "Body") for line in lines]


def _grid_style(rows: int, total_rows: int = 0) -> list[tuple[Any, ...]]:
    style: list[tuple[Any, ...]] = [
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
        ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
        ("VALIGN", (0, 1), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, MUTED),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.2),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for r in range(2, rows - total_rows, 2):
        style.append(("BACKGROUND", (0, r), (-1, r), STRIPE))
    if total_rows:
        style += [
            ("FONT", (0, rows - total_rows), (-1, -1), FONT_BOLD, 7.6),
            ("LINEABOVE", (0, rows - total_rows), (-1, rows - total_rows), 0.8, MUTED),
            ("BACKGROUND", (0, rows - total_rows), (-1, -1), HEAD_BG),
        ]
    return style


_TEXT_COLUMNS = ("no", "element", "service", "agency", "kinerja")


def _head(text: str, key: str) -> Paragraph:
    """Headers sit like their column: text left, numbers right, the grade centred."""
    ss = stylesheet()
    if key == "grade":
        return Paragraph(escape(text), ss["Head"].clone("HeadCentre", alignment=TA_CENTER))
    return Paragraph(escape(text), ss["Head" if key in _TEXT_COLUMNS else "HeadNum"])


SKM_COL_KEYS = {
    "agency": "skm.col.agency",
    "answers": "skm.col.answers",
    "converted": "skm.col.converted",
    "count": "skm.col.count",
    "element": "skm.col.element",
    "grade": "skm.col.grade",
    "ikm": "skm.col.ikm",
    "kinerja": "skm.col.kinerja",
    "no": "skm.col.no",
    "nrr": "skm.col.nrr",
    "respondents": "skm.col.respondents",
    "served": "skm.col.served",
    "service": "skm.col.service",
    "share": "skm.col.share",
    "sum": "skm.col.sum",
    "weighted": "skm.col.weighted",
}


def _element_table(snapshot: Mapping[str, Any], lang: str) -> Table:
    """One row per element; the weighted NRRs come apportioned (services.skm_report) so the
    printed parts add up to the printed total row."""
    nrr = snapshot.get("nrr") or {}
    weighted = snapshot.get("nrr_weighted") or {}
    index = snapshot.get("element_index") or {}
    grades = snapshot.get("element_grade") or {}
    totals = snapshot.get("totals") or {}
    answered = snapshot.get("answered") or {}
    head = [
        _head(t(SKM_COL_KEYS[k], lang=lang), k)
        for k in ("no", "element", "answers", "sum", "nrr", "weighted", "converted", "grade")
    ]
    rows: list[list[Any]] = [head]
    for i, code in enumerate(ELEMENTS, start=1):
        rows.append(
            [
                str(i),
                P(f"{code} · {element_name(code, lang)}", "Cell"),
                number(answered.get(code), lang) if snapshot["respondents"] else "–",
                number(totals.get(code), lang) if snapshot["respondents"] else "–",
                number(nrr.get(code), lang, 2),
                number(weighted.get(code), lang, 3),
                number(index.get(code), lang, 2),
                grades.get(code, "–"),
            ]
        )
    rows.append(
        [
            "",
            P(t("skm.row.weighted_total", lang=lang), "CellBold"),
            "",
            "",
            "",
            number(snapshot.get("nrr_weighted_total"), lang, 3),
            "",
            "",
        ]
    )
    rows.append(
        [
            "",
            P(t("skm.row.ikm", lang=lang), "CellBold"),
            "",
            "",
            "",
            "",
            number(snapshot.get("ikm"), lang, 2),
            snapshot.get("grade") or "–",
        ]
    )
    widths = [8 * mm, BODY_W - 8 * mm - 6 * 18 * mm] + [18 * mm] * 6
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = _grid_style(len(rows), 2) + [
        ("FONT", (0, 1), (-1, -3), FONT, 7.6),
        ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
        ("ALIGN", (0, 1), (0, -1), "CENTER"),
        ("ALIGN", (-1, 1), (-1, -1), "CENTER"),
    ]
    table.setStyle(_style(style))
    return table


def _service_table(snapshot: Mapping[str, Any], lang: str) -> Table | None:
    rows_in = [r for r in snapshot.get("by_service") or [] if r["respondents"] or r["population"]]
    # (population None: paper forms only, shown "tidak diketahui")
    if len(rows_in) < 2:
        return None
    head = [
        _head(t(SKM_COL_KEYS[k], lang=lang), k)
        for k in ("service", "agency", "served", "respondents", "ikm", "grade", "kinerja")
    ]
    rows: list[list[Any]] = [head]
    for r in rows_in:
        name = (r.get("name_en") if lang == "en" else r.get("name")) or r.get("name") or ""
        label = name if r.get("service") else t("skm.no_service", lang=lang)
        rows.append(
            [
                P(label, "Cell"),
                P(r.get("agency") or "", "Cell"),
                t("skm.unknown", lang=lang) if r["population"] is None else number(r["population"], lang),
                number(r["respondents"], lang),
                number(r["ikm"], lang, 2),
                r["grade"] or "–",
                P(kinerja_text(r["grade"], lang), "Cell"),
            ]
        )
    widths = [BODY_W - 115 * mm, 22 * mm, 18 * mm, 20 * mm, 16 * mm, 13 * mm, 26 * mm]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        _style(
            _grid_style(len(rows))
            + [
                ("FONT", (0, 1), (-1, -1), FONT, 7.4),
                ("ALIGN", (2, 1), (4, -1), "RIGHT"),
                ("ALIGN", (5, 1), (5, -1), "CENTER"),
            ]
        )
    )
    return table


def _profile_tables(snapshot: Mapping[str, Any], lang: str) -> Table:
    profile = snapshot.get("profile") or {}
    unknown = snapshot.get("profile_unknown") or {}
    boxes = []
    half = BODY_W / 2 - 3 * mm
    for name in ("age_band", "sex", "education", "occupation"):
        entries = profile.get(name, [])
        total = sum(e["count"] for e in entries) + unknown.get(name, 0)
        rows: list[list[Any]] = [
            [
                P(t(PROFILE_KEYS[name], lang=lang), "Head"),
                P(t("skm.col.count", lang=lang), "HeadNum"),
                P(t("skm.col.share", lang=lang), "HeadNum"),
            ]
        ]
        for e in entries:
            share = 100 * e["count"] / total if total else None
            rows.append(
                [
                    P(t(PROFILE_VALUE_TABLES[name][e["code"]], lang=lang), "Cell"),
                    number(e["count"], lang),
                    "–" if share is None else number(share, lang, 1) + "%",
                ]
            )
        if unknown.get(name):
            share = 100 * unknown[name] / total
            rows.append(
                [
                    P(t("skm.profile_unknown", lang=lang), "Cell"),
                    number(unknown[name], lang),
                    number(share, lang, 1) + "%",
                ]
            )
        tb = Table(rows, colWidths=[half - 34 * mm, 16 * mm, 18 * mm])
        tb.setStyle(
            _style(
                _grid_style(len(rows))
                + [("ALIGN", (1, 1), (-1, -1), "RIGHT"), ("FONT", (0, 1), (-1, -1), FONT, 7.4)]
            )
        )
        boxes.append(tb)
    grid = Table([[boxes[0], boxes[1]], [boxes[2], boxes[3]]], colWidths=[BODY_W / 2] * 2)
    grid.setStyle(
        _style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return grid


def _suggestions(snapshot: Mapping[str, Any], lang: str) -> list[Flowable]:
    items = snapshot.get("suggestions") or []
    if not items:
        return [P(t("skm.suggestions_none", lang=lang), "Body")]
    style = stylesheet()["Note"].clone(
        "Numbered", leftIndent=8 * mm, bulletFontName=FONT, bulletFontSize=8, bulletIndent=0
    )
    out: list[Flowable] = []
    for i, s in enumerate(items[:SUGGESTIONS_SHOWN], start=1):
        where = tables.day_text(s["day"], lang) + (f" · {s['service']}" if s.get("service") else "")
        text = escape(s["text"]).replace("\n", "<br/>")
        out.append(
            Paragraph(
                f"{text} <font color='#5F6B7A' size='7'>({escape(where)})</font>", style, bulletText=f"{i}."
            )
        )
    if len(items) > SUGGESTIONS_SHOWN:
        out.append(P(t("skm.suggestions_more", lang=lang, count=len(items) - SUGGESTIONS_SHOWN), "Note"))
    return out


PLAN_KEYS = {
    "activity": "skm.plan.activity",
    "element": "skm.plan.element",
    "no": "skm.plan.no",
    "when": "skm.plan.when",
    "who": "skm.plan.who",
}


def _plan_table(snapshot: Mapping[str, Any], lang: str) -> Table:
    weakest = list(snapshot.get("weakest") or [])
    nrr = snapshot.get("nrr") or {}
    head = [P(t(PLAN_KEYS[k], lang=lang), "Head") for k in ("no", "element", "activity", "when", "who")]
    rows: list[list[Any]] = [head]
    for i in range(PLAN_ROWS):
        element = ""
        if i < len(weakest):
            code = weakest[i]
            element = f"{code} · {element_name(code, lang)} (NRR {number(nrr.get(code), lang, 2)})"
        rows.append([str(i + 1), P(element, "Cell"), "", "", ""])
    widths = [8 * mm, 52 * mm, BODY_W - 8 * mm - 52 * mm - 28 * mm - 34 * mm, 28 * mm, 34 * mm]
    table = Table(rows, colWidths=widths, rowHeights=[None] + [13 * mm] * PLAN_ROWS)
    table.setStyle(
        _style(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("GRID", (0, 0), (-1, -1), 0.4, RULE),
                ("VALIGN", (0, 1), (-1, -1), "TOP"),
                ("ALIGN", (0, 1), (0, -1), "CENTER"),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ]
        )
    )
    return table


METHOD_KEYS = {
    "grades": "skm.method.grades",
    "ikm": "skm.method.ikm",
    "incomplete": "skm.method.incomplete",
    "nrr": "skm.method.nrr",
    "sample": "skm.method.sample",
    "scale": "skm.method.scale",
}


def _method(lang: str) -> list[Flowable]:
    return [
        P("• " + t(METHOD_KEYS[k], lang=lang), "Small")
        for k in ("scale", "nrr", "ikm", "grades", "incomplete", "sample")
    ]


def _signature(snapshot: Mapping[str, Any], lang: str) -> Table:
    return signature([t("skm.sign.place", lang=lang), t("skm.sign.role", lang=lang)], lang, width=76 * mm)


def _section(title: str, *flowables: Flowable, need: float = 35 * mm) -> list[Flowable]:
    return section(title, *flowables, need=need)


# ---- the document -------------------------------------------------------------------------


def story(snapshot: Mapping[str, Any], lang: str = "id") -> list[Flowable]:
    site = snapshot["site"]
    flow: list[Flowable] = [
        P(t("skm.title", lang=lang), "Title"),
        P(site["name"], "Site"),
    ]
    if site.get("address"):
        flow.append(P(site["address"], "Meta"))
    flow += [
        P(t("skm.period", lang=lang, period=period_text(snapshot, lang)), "Meta"),
        P(scope_text(snapshot, lang), "Meta"),
        Spacer(1, 4 * mm),
        _result_tiles(snapshot, lang),
        Spacer(1, 2.5 * mm),
        *_sample_lines(snapshot, lang),
    ]
    if not snapshot["respondents"]:
        flow.append(P(t("skm.empty", lang=lang), "Empty"))
    flow += _section(t("skm.section.elements", lang=lang), _element_table(snapshot, lang))
    if snapshot["respondents"]:
        flow.append(
            KeepTogether(
                _section(
                    t("skm.section.chart", lang=lang),
                    element_chart(snapshot["nrr"], snapshot.get("element_grade") or {}, lang),
                    P(t("skm.chart_note", lang=lang), "Small"),
                    need=70 * mm,
                )
            )
        )
    services = _service_table(snapshot, lang)
    if services is not None:
        flow += _section(t("skm.section.services", lang=lang), services)
    flow += _section(t("skm.section.profile", lang=lang), _profile_tables(snapshot, lang), need=60 * mm)
    flow += _section(t("skm.section.suggestions", lang=lang), *_suggestions(snapshot, lang))
    flow.append(
        KeepTogether(
            _section(
                t("skm.section.plan", lang=lang),
                P(t("skm.plan_note", lang=lang), "Small"),
                Spacer(1, 1.5 * mm),
                _plan_table(snapshot, lang),
                need=90 * mm,
            )
        )
    )
    flow += _section(t("skm.section.method", lang=lang), *_method(lang))
    flow.append(KeepTogether([Spacer(1, 8 * mm), _signature(snapshot, lang)]))
    return flow


def _on_page(snapshot: Mapping[str, Any], lang: str) -> PageHook:
    site = snapshot["site"]["name"]
    head = f"{t('skm.short_title', lang=lang)} · {period_text(snapshot, lang)}"
    when = datetime.fromisoformat(snapshot["generated_at"]).astimezone(ZoneInfo(snapshot["timezone"]))
    generated = t(
        "report.generated", lang=lang, when=when.strftime("%d-%m-%Y %H:%M"), tz=snapshot["timezone"]
    )
    return page_furniture(site, head, generated)


def render(snapshot: Mapping[str, Any], lang: str = "id") -> bytes:
    """The A4 PDF of the SKM report, as bytes."""
    register_fonts()
    return build_a4(
        story(snapshot, lang),
        title=f"{t('skm.short_title', lang=lang)} {period_text(snapshot, lang)}",
        author=snapshot["site"]["name"],
        on_page=_on_page(snapshot, lang),
        lang=lang,
    )


def file_stem(snapshot: Mapping[str, Any]) -> str:
    """`laporan-skm-20260101-20260630` (plus the scope code): a name for the saved file."""
    stem = f"laporan-skm-{snapshot['date_from'].replace('-', '')}"
    if snapshot["date_to"] != snapshot["date_from"]:
        stem += f"-{snapshot['date_to'].replace('-', '')}"
    flt = snapshot.get("filter") or {}
    code = flt.get("service") or flt.get("agency") or flt.get("counter")
    return stem + (f"-{code}" if code else "")

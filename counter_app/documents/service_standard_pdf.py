"""The service standard (*standar pelayanan*) as an A4 page per service, from plain data.

UU 25/2009 Pasal 21 lists what a standard holds; the counter prints the parts it keeps (Perpres
89/2021 has every MPP service publish them): legal basis, requirements, procedure, completion
time, fee, product, service hours and daily quota, and the unit's *maklumat pelayanan* at the
foot. Each entry of `standards` is a dict built by services/service_standard.py:
``code, name, agency, legal_basis[], requirements[], procedure[], completion, completion_days,
fee_text, product, hours, daily_quota, maklumat``. Missing parts print "—".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer, Table

from counter_app.core.i18n import t
from counter_app.documents.base import BODY_W, HEAD_BG, RULE, P, build_a4, page_furniture, table_style

LABEL_W = 42 * mm


def _list(items: Sequence[str], numbered: bool) -> list[Flowable]:
    if not items:
        return [P("—", "Cell")]
    return [P(f"{i}. {x}" if numbered else f"• {x}", "Cell") for i, x in enumerate(items, 1)]


def _page(std: Mapping[str, Any], lang: str) -> list[Flowable]:
    def L(key: str) -> str:
        return t(key, lang=lang)

    quota = std.get("daily_quota")
    rows: list[tuple[str, list[Flowable]]] = [
        (L("standard.legal_basis"), _list(list(std.get("legal_basis") or []), numbered=True)),
        (L("standard.requirements"), _list(list(std.get("requirements") or []), numbered=True)),
        (L("standard.procedure"), _list(list(std.get("procedure") or []), numbered=True)),
        (L("standard.completion"), [P(str(std.get("completion") or "—"), "Cell")]),
        (L("standard.fee"), [P(str(std.get("fee_text") or "—"), "Cell")]),
        (L("standard.product"), [P(str(std.get("product") or "—"), "Cell")]),
        (L("standard.hours"), [P(str(std.get("hours") or "—"), "Cell")]),
        (
            L("standard.quota"),
            [P(t("standard.quota_value", lang=lang, n=quota) if quota else L("standard.no_quota"), "Cell")],
        ),
    ]
    table = Table(
        [[P(f"{i}. {label}", "CellBold"), cell] for i, (label, cell) in enumerate(rows, 1)],
        colWidths=[LABEL_W, BODY_W - LABEL_W],
    )
    table.setStyle(
        table_style(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (0, -1), HEAD_BG),
                ("GRID", (0, 0), (-1, -1), 0.4, RULE),
                ("TOPPADDING", (0, 0), (-1, -1), 2.2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2.6),
            ]
        )
    )
    flow: list[Flowable] = [
        P(L("standard.title"), "Title"),
        P(f"{std.get('name', '')} ({std.get('code', '')})", "Site"),
        P(str(std.get("agency") or ""), "Meta"),
        Spacer(1, 4 * mm),
        table,
    ]
    if std.get("maklumat"):
        flow.append(KeepTogether([P(L("standard.maklumat"), "H2"), P(str(std["maklumat"]), "Body")]))
    flow.append(Spacer(1, 3 * mm))
    flow.append(P(L("standard.basis_note"), "Small"))
    return flow


def render(standards: Sequence[Mapping[str, Any]], *, site: str, generated: str, lang: str = "id") -> bytes:
    """PDF bytes: one A4 page (or more, for a long standard) per service, in the given order."""
    flow: list[Flowable] = []
    for i, std in enumerate(standards):
        if i:
            flow.append(PageBreak())
        flow.extend(_page(std, lang))
    if not flow:
        flow.append(P(t("standard.none", lang=lang), "Empty"))
    head = t("standard.title", lang=lang)
    return build_a4(flow, title=head, author=site, on_page=page_furniture(site, head, generated), lang=lang)

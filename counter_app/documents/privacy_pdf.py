"""Two A4 papers of UU PDP 27/2022: the readable export of one person's data, and the privacy notice.

`render_export(doc, lang)` lays out `services.privacy.export()` (the same document the JSON
file holds): whom it is about, each ticket with its times and events, the complaints with
their follow-up, the survey answers. `render_notice(data, lang)` is the full notice shown at
registration: what is collected, why, how long, who sees it, the visitor's rights and whom to
ask. Built on the A4 base (`documents.base`) like its siblings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer, Table

from counter_app.core.formats import format_number
from counter_app.core.i18n import STATUS_KEYS, language, t
from counter_app.documents.base import (
    BODY_W,
    HEAD_BG,
    RULE,
    P,
    build_a4,
    page_furniture,
    section,
    table_style,
)

TZ = "Asia/Pontianak"
# The notice's sections, in order: each a heading and its paragraph (message keys).
NOTICE_PARTS = ("collected", "purpose", "optional", "retention", "sharing", "rights", "contact")


def _local(text: str | None) -> str:
    if not text:
        return "-"
    return datetime.fromisoformat(text).astimezone(ZoneInfo(TZ)).strftime("%d-%m-%Y %H:%M")


def _pairs(rows: list[tuple[str, Any]]) -> Table:
    """A two-column table of label and value, values wrapped."""
    data = [
        [P(label, "CellBold"), P("-" if value in (None, "") else str(value), "Cell")] for label, value in rows
    ]
    table = Table(data, colWidths=[45 * mm, BODY_W - 45 * mm])
    table.setStyle(
        table_style([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE)])
    )
    return table


def _grid(head: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
    data = [[P(h, "Head") for h in head]] + [
        [P("-" if v in (None, "") else str(v), "Cell") for v in row] for row in rows
    ]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        table_style(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEAD_BG),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.3, RULE),
            ]
        )
    )
    return table


BY_KEYS = {
    "nik": "privacy.by.nik",
    "phone": "privacy.by.phone",
    "ticket": "privacy.by.ticket",
}


def render_export(doc: dict[str, Any], lang: str | None = None) -> bytes:
    lang = lang or language()
    site = doc["site"]
    title = t("privacy.export.title", lang=lang)
    flow: list[Flowable] = [
        P(title, "Title"),
        P(site["name"], "Site"),
        P(
            t(
                "privacy.export.intro",
                lang=lang,
                by=t(BY_KEYS[doc["subject"]["by"]], lang=lang),
                shown=doc["subject"]["shown"],
                at=_local(doc["generated_at"]),
            ),
            "Meta",
        ),
        Spacer(1, 3 * mm),
    ]
    if not doc["tickets"]:
        flow.append(P(t("privacy.export.no_tickets", lang=lang), "Empty"))
    for n, ticket in enumerate(doc["tickets"], 1):
        flow += section(
            t("privacy.export.ticket", lang=lang, n=n, code=ticket["code"], day=ticket["day"]),
            _pairs(
                [
                    (t("privacy.field.name", lang=lang), ticket["name"]),
                    (t("privacy.field.service", lang=lang), ticket["service_name"]),
                    (t("privacy.field.receipt_no", lang=lang), ticket["receipt_no"]),
                    (t("privacy.field.status", lang=lang), t(STATUS_KEYS[ticket["status"]], lang=lang)),
                    (t("privacy.field.nik", lang=lang), ticket["nik_masked"]),
                    (t("privacy.field.phone", lang=lang), ticket["phone"]),
                    (
                        t("privacy.field.phone_consent", lang=lang),
                        _local(ticket["phone_consent_at"]) if ticket["phone_consent_at"] else None,
                    ),
                    (t("privacy.field.notes", lang=lang), ticket["notes"]),
                    (t("privacy.field.outcome", lang=lang), ticket["outcome"]),
                    (t("privacy.field.registered", lang=lang), _local(ticket["registered_at"])),
                    (t("privacy.field.finished", lang=lang), _local(ticket["finished_at"])),
                ]
            ),
        )
        if ticket["events"]:
            flow.append(Spacer(1, 2 * mm))
            flow.append(
                _grid(
                    [
                        t("privacy.field.when", lang=lang),
                        t("privacy.field.action", lang=lang),
                        t("privacy.field.by", lang=lang),
                        t("privacy.field.detail", lang=lang),
                    ],
                    [
                        [_local(e["at"]), e["action"], e["actor"], _detail(e["detail"])]
                        for e in ticket["events"]
                    ],
                    [30 * mm, 28 * mm, 35 * mm, BODY_W - 93 * mm],
                )
            )
    for c in doc["complaints"]:
        flow += section(
            t("privacy.export.complaint", lang=lang, number=c["number"]),
            _pairs(
                [
                    (t("privacy.field.received", lang=lang), _local(c["received_at"])),
                    (t("privacy.field.text", lang=lang), c["text"]),
                    (t("privacy.field.contact", lang=lang), c["contact"]),
                    (t("privacy.field.status", lang=lang), c["status"]),
                ]
            ),
        )
        if c["actions"]:
            flow.append(
                _grid(
                    [
                        t("privacy.field.when", lang=lang),
                        t("privacy.field.by", lang=lang),
                        t("privacy.field.action", lang=lang),
                    ],
                    [[_local(a["at"]), a["actor"], a["action"]] for a in c["actions"]],
                    [30 * mm, 35 * mm, BODY_W - 65 * mm],
                )
            )
    for s in doc["survey_responses"]:
        answers = ", ".join(f"{k}={v}" for k, v in s["answers"].items() if v is not None)
        flow += section(
            t("privacy.export.survey", lang=lang, day=s["day"]),
            _pairs(
                [
                    (t("privacy.field.answers", lang=lang), answers),
                    (
                        t("privacy.field.profile", lang=lang),
                        " / ".join(
                            str(x) for x in (s["age_band"], s["sex"], s["education"], s["occupation"]) if x
                        ),
                    ),
                    (t("privacy.field.suggestions", lang=lang), s["suggestions"]),
                ]
            ),
        )
    flow += section(
        t("privacy.export.rights", lang=lang),
        P(
            t("privacy.export.rights_text", lang=lang, days=doc["retention_days"], contact=site["contact"]),
            "Body",
        ),
    )
    return build_a4(
        flow,
        title=title,
        author=site["name"],
        lang=lang,
        on_page=page_furniture(site["name"], title, _local(doc["generated_at"])),
    )


def _detail(detail: Any) -> str:
    if not isinstance(detail, dict):
        return ""
    return ", ".join(f"{k}: {v}" for k, v in detail.items() if v not in (None, ""))


NOTICE_HEAD_KEYS = {
    "collected": "privacy.notice.collected.head",
    "purpose": "privacy.notice.purpose.head",
    "optional": "privacy.notice.optional.head",
    "retention": "privacy.notice.retention.head",
    "sharing": "privacy.notice.sharing.head",
    "rights": "privacy.notice.rights.head",
    "contact": "privacy.notice.contact.head",
}


NOTICE_TEXT_KEYS = {
    "collected": "privacy.notice.collected.text",
    "purpose": "privacy.notice.purpose.text",
    "optional": "privacy.notice.optional.text",
    "retention": "privacy.notice.retention.text",
    "sharing": "privacy.notice.sharing.text",
    "rights": "privacy.notice.rights.text",
    "contact": "privacy.notice.contact.text",
}


def render_notice(data: dict[str, Any], lang: str | None = None) -> bytes:
    lang = lang or language()
    title = t("privacy.notice.title", lang=lang)
    flow: list[Flowable] = [
        P(title, "Title"),
        P(data["site_name"], "Site"),
        P(data["site_address"], "Meta"),
        Spacer(1, 3 * mm),
        P(t("privacy.notice.lead", lang=lang), "Body"),
    ]
    # Numbers as the language writes them ("5" or "5,5 tahun", never "5.0").
    words = {
        **data,
        "retention_days": format_number(data["retention_days"], lang=lang),
        "retention_years": format_number(data["retention_years"], lang=lang),
    }
    for part in NOTICE_PARTS:
        flow += section(
            t(NOTICE_HEAD_KEYS[part], lang=lang),
            P(t(NOTICE_TEXT_KEYS[part], lang=lang, **words), "Body"),
            need=20 * mm,
        )
    return build_a4(
        flow,
        title=title,
        author=data["site_name"],
        lang=lang,
        on_page=page_furniture(data["site_name"], title, t("privacy.notice.basis", lang=lang)),
    )

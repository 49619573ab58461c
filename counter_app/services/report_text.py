"""What the reports say on a terminal: a few plain lines of the figures, in the user's language.

`format_text` words the daily summary (services/daily_report.DailyFigures), `format_ikm` the
index of a period (services/skm_report.ikm); numbers and periods are written as the documents
write them (documents/exports.py), so screen, paper and terminal agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from counter_app.core.i18n import KINERJA_KEYS, t
from counter_app.core.ikm import ELEMENTS
from counter_app.documents.exports import number, period_text
from counter_app.services.daily_report import DailyFigures


def format_text(figures: DailyFigures, lang: str = "id") -> str:
    """The daily summary in a few plain lines (`counter-app report daily` without --json)."""
    tot = figures.totals

    def minutes(v: float | None) -> str:
        return number(None if v is None else v / 60, lang, 1)

    snapshot = {"date": str(figures.day_from), "date_to": str(figures.day_to), "days": figures.days}
    lines = [
        t("report.cli.title", lang=lang, site=figures.site_name, period=period_text(snapshot, lang)),
        t(
            "report.cli.counts",
            lang=lang,
            registered=number(tot.tickets, lang),
            served=number(tot.served, lang),
            no_show=number(tot.no_show, lang),
            cancelled=number(tot.cancelled, lang),
            transferred=number(tot.transferred, lang),
            waiting=number(tot.waiting, lang),
        ),
        t(
            "report.cli.times",
            lang=lang,
            wait_mean=minutes(tot.wait.mean),
            wait_p90=minutes(tot.wait.p90),
            service_mean=minutes(tot.service.mean),
            within=number(tot.within_target_pct, lang, 1),
        ),
    ]
    head = t("report.cli.header", lang=lang).split("|")
    lines.append("  " + head[0].ljust(11) + "".join(h.rjust(14) for h in head[1:]))
    for g in figures.by_service:
        if g.tickets:
            cells = [
                number(g.tickets, lang),
                number(g.served, lang),
                number(g.no_show, lang),
                minutes(g.wait.mean),
                minutes(g.service.mean),
            ]
            lines.append("  " + g.key.ljust(11) + "".join(c.rjust(14) for c in cells))
    if figures.notes:
        lines.append(t("report.cli.notes", lang=lang, count=len(figures.notes)))
    return "\n".join(lines)


def format_ikm(data: Mapping[str, Any], lang: str | None = None) -> str:
    """The IKM of a period (skm_report.ikm) in a few plain lines (`counter-app ikm` without --json)."""
    lang = lang or "id"
    lines = [t("survey.cli.period", lang=lang, start=data["date_from"], end=data["date_to"])]
    if data["ikm"] is None:
        lines.append(t("survey.cli.none", lang=lang))
    else:
        lines.append(
            t(
                "survey.cli.ikm",
                lang=lang,
                ikm=number(data["ikm"], lang, 2),
                grade=data["grade"],
                kinerja=t(KINERJA_KEYS[data["grade"]], lang=lang),
            )
        )
        lines.append("  " + "  ".join(f"{c} {number(data['nrr'][c], lang, 2)}" for c in ELEMENTS))
    lines.append(
        t(
            "survey.cli.sample",
            lang=lang,
            respondents=data["respondents"],
            incomplete=data["incomplete"],
            # None: paper forms only, the visitors were counted elsewhere
            population=t("skm.unknown", lang=lang) if data["population"] is None else data["population"],
            required=t("skm.unknown", lang=lang)
            if data["required_sample"] is None
            else data["required_sample"],
        )
    )
    return "\n".join(lines)

"""The survey's figures of a period: the IKM with its breakdowns, and the SKM report.

`ikm` computes the index of a period exactly (the arithmetic is core/ikm.py) with breakdowns
per service, agency and counter, the population (visitors served) and the Krejcie–Morgan
sample; `report_snapshot` adds what the SKM report shows (the respondents' profile, the
suggestions, the site) as plain data for documents/skm_report_pdf.py; `day_section` is the
daily summary's survey block. The period is checked by core/period.py. Nothing here writes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from counter_app.core import ikm as ikm_rules
from counter_app.core.errors import NotFound
from counter_app.core.ikm import ELEMENTS, PROFILE, IkmResult
from counter_app.core.period import check_period
from counter_app.core.roles import Permission
from counter_app.services.context import Context
from counter_app.services.rows import fk_id
from counter_app.services.survey import COLUMNS, SOURCES
from counter_app.store.models import Agency, Counter, Service, SurveyResponse, db

# ---- the index of a period ----------------------------------------------------------------

_SUMS = ", ".join(f'SUM("{c}")' for c in COLUMNS)
_COUNTS = ", ".join(f'COUNT("{c}")' for c in COLUMNS)  # answers given to each element
_ANSWERED = " OR ".join(f'"{c}" IS NOT NULL' for c in COLUMNS)
_PARTIAL = " OR ".join(f'"{c}" IS NULL' for c in COLUMNS)
_GROUPS_SQL = f"""
SELECT ifnull("service_id", ''), ifnull("counter", ''), COUNT(*), SUM({_PARTIAL}), {_SUMS}, {_COUNTS}
FROM "survey_response" WHERE "day" >= ? AND "day" <= ? AND ({_ANSWERED})
GROUP BY 1, 2
"""
_SERVED_SQL = """
SELECT "service_id", ifnull("counter", ''), COUNT(*) FROM "ticket"
WHERE "day" >= ? AND "day" <= ? AND "status" = 'done' GROUP BY 1, 2
"""


def _ikm_json(result: IkmResult) -> dict[str, Any]:
    return {
        "respondents": result.respondents,
        "incomplete": result.incomplete,
        "ikm": None if result.ikm is None else float(result.ikm),
        "grade": None if result.grade is None else result.grade.mutu,
        "kinerja": None if result.grade is None else result.grade.kinerja,
    }


def _index_of(result: IkmResult, code: str) -> Decimal:
    """NRR × 25 of an element; only asked when every element has an NRR (weighted_parts)."""
    value = result.element_index(code)
    if value is None:  # weighted_parts is None then, and the caller returned before asking
        raise ValueError(f"no NRR for element {code}")
    return value


def _element_json(result: IkmResult) -> dict[str, Any]:
    """Per element: NRR (2 decimals), NRR × 1/9 (3 decimals, the regulation's "NRR
    tertimbang", apportioned so the printed parts add up to the printed total: see
    core.ikm.IkmResult.weighted_parts), NRR × 25 and its grade, the score sums, the answers
    given to it; and the three weakest elements."""
    parts = result.weighted_parts()
    if parts is None:
        return {
            "nrr": {},
            "nrr_weighted": {},
            "nrr_weighted_total": None,
            "element_index": {},
            "element_grade": {},
            "totals": dict(result.totals),
            "answered": dict(result.answered),
            "weakest": [],
        }
    nrr = result.nrr
    index = {c: _index_of(result, c) for c in ELEMENTS}
    weighted, weighted_total = parts
    return {
        "nrr": {c: float(ikm_rules.round_half_up(nrr[c], 2)) for c in ELEMENTS},
        "nrr_weighted": {c: float(weighted[c]) for c in ELEMENTS},
        "nrr_weighted_total": float(weighted_total),
        "element_index": {c: float(index[c]) for c in ELEMENTS},
        "element_grade": {c: ikm_rules.grade_of(index[c]).mutu for c in ELEMENTS},
        "totals": dict(result.totals),
        "answered": dict(result.answered),
        "weakest": sorted(ELEMENTS, key=lambda c: (nrr[c], c))[:3],
    }


def _sample(served: int, respondents: int) -> dict[str, Any]:
    """Population (visitors served in the period and scope) and the Krejcie–Morgan sample. No
    ticket served means the population is not known (paper forms only: the visitors were
    counted elsewhere), so both are None ("tidak diketahui"), never a population of 0."""
    if not served:
        return {"population": None, "required_sample": None, "sample_sufficient": None}
    required = ikm_rules.required_sample(served)
    return {"population": served, "required_sample": required, "sample_sufficient": respondents >= required}


def _groups(
    period: tuple[str, str], wanted: Callable[[str, str], bool]
) -> dict[tuple[str, str], list[IkmResult]]:
    """The period's responses summed per (service, counter) in SQL, the wanted ones only."""
    groups: dict[tuple[str, str], list[IkmResult]] = {}
    for svc, ctr, n, partial, *cells in db.execute_sql(_GROUPS_SQL, period):
        if not wanted(svc, ctr):
            continue
        sums, counts = cells[: len(ELEMENTS)], cells[len(ELEMENTS) :]
        part = ikm_rules.from_totals(dict(zip(ELEMENTS, sums)), dict(zip(ELEMENTS, counts)), n, partial or 0)
        groups.setdefault((svc, ctr), []).append(part)
    return groups


def ikm(
    ctx: Context,
    date_from: date,
    date_to: date | None = None,
    service: str | None = None,
    agency: str | None = None,
    counter: str | None = None,
) -> dict[str, Any]:
    """The IKM of the responses whose day lies in [date_from, date_to], optionally of one service,
    agency or counter: {ikm, grade, kinerja, respondents, incomplete, population (visitors
    served in the period and scope), required_sample (Krejcie–Morgan), sample_sufficient,
    nrr {U1…U9} (2 decimals), element_index (NRR × 25), totals, answered, by_service,
    by_agency, by_counter}. Respondents = forms with any answer; `incomplete` = the partial ones
    among them (each element is divided by the answers given to it). Population and sample are
    None when no visitor was served in the scope (paper forms only)."""
    ctx.actor.require(Permission.REPORT)
    date_from, date_to = check_period(date_from, date_to)
    services = {s.code: s for s in Service.select()}
    agencies = {a.code: a.name for a in Agency.select()}
    if service is not None:
        service = service.strip().upper()
        if service not in services:
            raise NotFound("service.unknown", code=service)
    if agency is not None:
        agency = agency.strip().upper()
        if agency not in agencies:
            raise NotFound("survey.agency_unknown", code=agency)
    if counter is not None:
        counter = counter.strip().upper()
        if not Counter.select().where(Counter.code == counter).exists():
            raise NotFound("counter.unknown", code=counter)

    def wanted(svc: str, ctr: str) -> bool:
        if service is not None and svc != service:
            return False
        if agency is not None and (svc not in services or fk_id(services[svc], Service.agency) != agency):
            return False
        return counter is None or ctr == counter

    period = (date_from.isoformat(), date_to.isoformat())
    groups = _groups(period, wanted)
    served: dict[tuple[str, str], int] = {}
    for svc, ctr, n in db.execute_sql(_SERVED_SQL, period):
        if wanted(svc, ctr):
            served[(svc, ctr)] = n

    def merged(keep: Any) -> IkmResult:
        return ikm_rules.merge([p for key, parts in groups.items() if keep(key) for p in parts])

    def population(keep: Any) -> int:
        return sum(n for key, n in served.items() if keep(key))

    overall = merged(lambda k: True)
    total_served = population(lambda k: True)

    def row(result: IkmResult, served_n: int, **labels: Any) -> dict[str, Any]:
        return {**labels, **_ikm_json(result), **_sample(served_n, result.respondents)}

    service_keys = sorted(
        {k[0] for k in groups} | {k[0] for k in served},
        key=lambda c: (c == "", services[c].letter if c in services else "", c),
    )
    by_service = []
    for code in service_keys:
        svc_row = services.get(code)
        by_service.append(
            row(
                merged(lambda k, code=code: k[0] == code),
                population(lambda k, code=code: k[0] == code),
                service=code or None,
                name=svc_row.name_id if svc_row else "",
                name_en=svc_row.name_en if svc_row else "",
                agency=fk_id(svc_row, Service.agency) if svc_row else None,
            )
        )
    agency_keys = list(dict.fromkeys(r["agency"] for r in by_service if r["agency"]))
    by_agency = [
        row(
            merged(lambda k, a=a: k[0] in services and fk_id(services[k[0]], Service.agency) == a),
            population(lambda k, a=a: k[0] in services and fk_id(services[k[0]], Service.agency) == a),
            agency=a,
            name=agencies.get(a, a),
        )
        for a in agency_keys
    ]
    counter_names = {c.code: c.name for c in Counter.select()}
    counter_keys = sorted({k[1] for k in groups if k[1]} | {k[1] for k in served if k[1]})
    by_counter = [
        row(
            merged(lambda k, c=c: k[1] == c),
            population(lambda k, c=c: k[1] == c),
            counter=c,
            name=counter_names.get(c, c),
        )
        for c in counter_keys
    ]
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "filter": {"service": service, "agency": agency, "counter": counter},
        **_ikm_json(overall),
        **_sample(total_served, overall.respondents),
        **_element_json(overall),
        "by_service": by_service,
        "by_agency": by_agency,
        "by_counter": by_counter,
    }


# ---- the period report (SKM) --------------------------------------------------------------


def report_snapshot(
    ctx: Context,
    date_from: date,
    date_to: date | None = None,
    service: str | None = None,
    agency: str | None = None,
    counter: str | None = None,
) -> dict[str, Any]:
    """Everything the SKM report shows, as plain data: the index with its breakdowns, the
    respondents' profile (counts per class), the suggestions, the site and the period."""
    data = ikm(ctx, date_from, date_to, service, agency, counter)
    date_from, date_to = date.fromisoformat(data["date_from"]), date.fromisoformat(data["date_to"])
    query = SurveyResponse.select().where((SurveyResponse.day >= date_from) & (SurveyResponse.day <= date_to))
    if service:
        query = query.where(SurveyResponse.service == data["filter"]["service"])
    if agency:
        codes = [
            s.code for s in Service.select(Service.code).where(Service.agency == data["filter"]["agency"])
        ]
        query = query.where(SurveyResponse.service.in_(codes))
    if counter:
        query = query.where(SurveyResponse.counter == data["filter"]["counter"])
    profile: dict[str, dict[str, int]] = {name: dict.fromkeys(codes, 0) for name, codes in PROFILE.items()}
    unknown = dict.fromkeys(PROFILE, 0)
    suggestions: list[dict[str, Any]] = []
    sources = dict.fromkeys(SOURCES, 0)
    for r in query.order_by(SurveyResponse.day, SurveyResponse.created_at).iterator():
        sources[r.source] = sources.get(r.source, 0) + 1
        for name in PROFILE:
            value = getattr(r, name)
            if value in profile[name]:
                profile[name][value] += 1
            else:
                unknown[name] += 1
        if r.suggestions:
            suggestions.append({"day": str(r.day), "service": r.service_id, "text": r.suggestions})
    scope_name = None
    if service:
        svc = Service.get_by_id(data["filter"]["service"])
        scope_name = svc.name_id
    elif agency:
        scope_name = Agency.get_by_id(data["filter"]["agency"]).name
    elif counter:
        scope_name = Counter.get_by_id(data["filter"]["counter"]).name
    return {
        **data,
        "site": {
            "code": ctx.setting("site_code"),
            "name": ctx.setting("site_name"),
            "address": ctx.setting("site_address"),
        },
        "scope_name": scope_name,
        "timezone": ctx.tz,
        "generated_at": ctx.clock.now().isoformat(),
        "responses": sum(sources.values()),
        "sources": sources,
        "profile": {
            name: [{"code": c, "count": n} for c, n in counts.items()] for name, counts in profile.items()
        },
        "profile_unknown": unknown,
        "suggestions": suggestions,
    }


def report_pdf(
    ctx: Context, date_from: date, date_to: date | None = None, *, lang: str = "id", **scope: str | None
) -> bytes:
    from counter_app.documents.skm_report_pdf import render

    return render(report_snapshot(ctx, date_from, date_to, **scope), lang)


def day_section(
    ctx: Context, day_from: date, day_to: date, counter: str | None = None, *, served: int | None = None
) -> dict[str, Any]:
    """The daily summary's survey block: the IKM of the period's respondents, element by element.

    `served`: the visitors served in the period and scope (done tickets called at `counter`, or
    all done tickets), when the caller has counted them already (daily_report.daily_figures
    has: its own read of the period) — then the tickets are not read a second time here (on 90
    days SQLite walked ticket_day_registered and sorted for it, ~0.2 s). The counter must be
    checked and normalised by the caller then, as daily_figures does."""
    if served is None:
        data = ikm(ctx, day_from, day_to, counter=counter)
    else:
        ctx.actor.require(Permission.REPORT)
        day_from, day_to = check_period(day_from, day_to)
        groups = _groups(
            (day_from.isoformat(), day_to.isoformat()), lambda svc, ctr: counter is None or ctr == counter
        )
        overall = ikm_rules.merge([p for parts in groups.values() for p in parts])
        data = {**_ikm_json(overall), **_sample(served, overall.respondents), **_element_json(overall)}
    keep = (
        "respondents",
        "incomplete",
        "ikm",
        "grade",
        "kinerja",
        "population",
        "required_sample",
        "nrr",
        "element_index",
        "element_grade",
        "answered",
    )
    return {k: data[k] for k in keep}

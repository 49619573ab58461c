"""The words and tables of the reports, defined once and free of ReportLab and openpyxl.

Everything here reads plain snapshots (the daily summary's `DailyFigures.to_json()`, the SKM
report's snapshot); nothing imports the services. `report_tables(snapshot, lang)` is the one
definition of the daily summary's tables, their columns, headers and units: the XLSX
(`exports`) writes one sheet per table, the PDF (`daily_report_pdf`) lays the same tables out,
the report dialog shows them. The number, day and period words are shared by every document,
so the sibling document modules never import each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from counter_app.core import formats
from counter_app.core.i18n import ELEMENT_KEYS, KINERJA_KEYS, PRIORITY_KEYS, STATUS_KEYS, t

Snapshot = Mapping[str, Any]

# ---- words and numbers --------------------------------------------------------------------


def number(value: float | int | None, lang: str, decimals: int = 0) -> str:
    """`3000` → `3.000` (id) / `3,000` (en); `7.25`, 1 → `7,3` / `7.3`; None → `–`."""
    if value is None:
        return "–"
    return formats.format_number(value, lang=lang, decimals=decimals)


def minutes(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 60


def day_text(value: str | date, lang: str) -> str:
    return formats.format_date(value, "short", lang=lang)


def long_day_text(value: str | date, lang: str) -> str:
    """`Senin, 30 November 2026` / `Monday, 30 November 2026`."""
    return formats.format_date(value, "full", lang=lang)


def period_text(snapshot: Snapshot, lang: str) -> str:
    if snapshot["date"] == snapshot["date_to"]:
        return long_day_text(snapshot["date"], lang)

    def short(s: str) -> str:
        return formats.format_date(s, "long", lang=lang)

    return t(
        "report.period_range",
        lang=lang,
        start=short(snapshot["date"]),
        end=short(snapshot["date_to"]),
        days=snapshot["days"],
    )


def scope_text(snapshot: Snapshot, lang: str) -> str:
    scope = snapshot.get("scope") or {}
    if scope.get("counter"):
        return t(
            "report.scope_counter", lang=lang, code=scope["counter"], name=scope.get("counter_name") or ""
        )
    return t("report.scope_store", lang=lang)


def generated_text(snapshot: Snapshot, lang: str) -> str:
    when = datetime.fromisoformat(snapshot["generated_at"]).astimezone(ZoneInfo(snapshot["timezone"]))
    return t("report.generated", lang=lang, when=when.strftime("%d-%m-%Y %H:%M"), tz=snapshot["timezone"])


def status_text(status: str, lang: str) -> str:
    return t(STATUS_KEYS[status], lang=lang)


def priority_text(priority: str, lang: str) -> str:
    return t(PRIORITY_KEYS[priority], lang=lang)


def service_name(row: Mapping[str, Any], lang: str) -> str:
    return (row.get("name_en") if lang == "en" else row.get("name")) or row.get("service", "")


def officer_text(row: Mapping[str, Any]) -> str:
    name = row.get("name") or ""
    return f"{name} ({row['officer']})" if name and name != row["officer"] else row["officer"]


def _codes(letter: str, numbers: Sequence[int], limit: int = 15) -> str:
    shown = ", ".join(f"{letter}{n:03d}" for n in numbers[:limit])
    return shown + (f", … (+{len(numbers) - limit})" if len(numbers) > limit else "")


NOTE_KEYS = {
    "gap": "report.note.gap",
    "missing_times": "report.note.missing_times",
    "open_at_close": "report.note.open_at_close",
    "time_order": "report.note.time_order",
}


def note_text(note: Mapping[str, Any], lang: str) -> str:
    kind = note["kind"]
    params = {k: v for k, v in note.items() if k != "kind"}
    if "day" in params:
        params["day"] = day_text(params["day"], lang)
    if kind == "gap":
        params["numbers"] = _codes(note["letter"], note["missing"])
    elif kind == "open_at_close":
        codes = list(note["codes"])
        params["codes"] = ", ".join(codes[:15]) + (f", … (+{len(codes) - 15})" if len(codes) > 15 else "")
    return t(NOTE_KEYS[kind], lang=lang, **params)


# ---- the tables ---------------------------------------------------------------------------

# Column kinds: text, int, minutes (value in minutes), hours, pct (0-100), date
DECIMALS = {"int": 0, "minutes": 1, "hours": 1, "pct": 1}


COL_KEYS = {
    "agency": "report.col.agency",
    "agency_code": "report.col.agency_code",
    "arrivals": "report.col.arrivals",
    "cancelled": "report.col.cancelled",
    "code": "report.col.code",
    "counter": "report.col.counter",
    "counter_name": "report.col.counter_name",
    "date": "report.col.date",
    "figure": "report.col.figure",
    "handled": "report.col.handled",
    "hour": "report.col.hour",
    "no_show": "report.col.no_show",
    "note": "report.col.note",
    "officer": "report.col.officer",
    "priority": "report.col.priority",
    "rank": "report.col.rank",
    "registered": "report.col.registered",
    "served": "report.col.served",
    "service": "report.col.service",
    "service_code": "report.col.service_code",
    "service_max": "report.col.service_max",
    "service_mean": "report.col.service_mean",
    "service_median": "report.col.service_median",
    "service_p90": "report.col.service_p90",
    "service_total": "report.col.service_total",
    "status": "report.col.status",
    "target": "report.col.target",
    "transferred": "report.col.transferred",
    "value": "report.col.value",
    "wait": "report.col.wait",
    "wait_max": "report.col.wait_max",
    "wait_mean": "report.col.wait_mean",
    "wait_median": "report.col.wait_median",
    "wait_p90": "report.col.wait_p90",
    "waiting": "report.col.waiting",
    "within_target": "report.col.within_target",
}


@dataclass(frozen=True)
class Column:
    key: str  # stable name; header: message report.col.<key> (the PDF: report.pdfcol.<key>)
    kind: str

    def label(self, lang: str) -> str:
        return t(COL_KEYS[self.key], lang=lang)


TABLE_KEYS = {
    "agency": "report.table.agency",
    "counter": "report.table.counter",
    "day": "report.table.day",
    "hour": "report.table.hour",
    "longest_wait": "report.table.longest_wait",
    "officer": "report.table.officer",
    "priority": "report.table.priority",
    "service": "report.table.service",
    "service_counts": "report.table.service_counts",
    "service_times": "report.table.service_times",
}


SHEET_KEYS = {
    "agency": "report.sheet.agency",
    "counter": "report.sheet.counter",
    "day": "report.sheet.day",
    "hour": "report.sheet.hour",
    "longest_wait": "report.sheet.longest_wait",
    "notes": "report.sheet.notes",
    "officer": "report.sheet.officer",
    "priority": "report.sheet.priority",
    "service": "report.sheet.service",
    "summary": "report.sheet.summary",
}


@dataclass
class Table:
    name: str  # message key report.table.<name>, sheet title report.sheet.<name>
    columns: list[Column]
    rows: list[list[Any]]
    total: list[Any] | None = None

    def title(self, lang: str) -> str:
        return t(TABLE_KEYS[self.name], lang=lang)

    def column(self, key: str) -> int:
        return next(i for i, c in enumerate(self.columns) if c.key == key)

    def sheet(self, lang: str) -> str:
        return t(SHEET_KEYS[self.name], lang=lang)[:31]


def format_cell(value: Any, kind: str, lang: str) -> str:
    if value is None:
        return "–"
    if kind == "pct":
        return number(value, lang, 1) + "%"
    if kind in DECIMALS:
        return number(value, lang, DECIMALS[kind])
    if kind == "date":
        try:
            return day_text(value, lang)
        except ValueError:  # the "Jumlah" label of a total row
            return str(value)
    return str(value)


_COUNTS = [
    Column("registered", "int"),
    Column("served", "int"),
    Column("no_show", "int"),
    Column("cancelled", "int"),
    Column("transferred", "int"),
    Column("waiting", "int"),
]


def _count_values(row: Mapping[str, Any], count_key: str = "registered") -> list[Any]:
    return [
        row[count_key],
        row["served"],
        row["no_show"],
        row["cancelled"],
        row["transferred"],
        row["waiting"],
    ]


def _times(row: Mapping[str, Any], keys: Sequence[str]) -> list[Any]:
    out: list[Any] = []
    for k in keys:
        if k == "within_target_pct":
            out.append(row[k])
        elif k == "service_total_h":
            mean, n = row["service_mean_s"], row["service_n"]
            out.append(None if mean is None else mean * n / 3600)
        else:
            out.append(minutes(row[k]))  # KeyError here: a figure the breakdown does not carry
    return out


_TIME_COLUMNS = {
    "wait_mean_s": Column("wait_mean", "minutes"),
    "wait_median_s": Column("wait_median", "minutes"),
    "wait_p90_s": Column("wait_p90", "minutes"),
    "wait_max_s": Column("wait_max", "minutes"),
    "service_mean_s": Column("service_mean", "minutes"),
    "service_median_s": Column("service_median", "minutes"),
    "service_p90_s": Column("service_p90", "minutes"),
    "service_max_s": Column("service_max", "minutes"),
    "service_total_h": Column("service_total", "hours"),
    "within_target_pct": Column("within_target", "pct"),
}


def _time_columns(keys: Sequence[str]) -> list[Column]:
    return [_TIME_COLUMNS[k] for k in keys]


def report_tables(snapshot: Snapshot, lang: str = "id") -> list[Table]:
    """The report's tables in reading order, with raw values (minutes, percent, counts)."""
    totals = snapshot["totals"]
    total_label = t("report.total", lang=lang)
    tables: list[Table] = []

    svc_times = [
        "wait_mean_s",
        "wait_median_s",
        "wait_p90_s",
        "wait_max_s",
        "service_mean_s",
        "service_median_s",
        "service_p90_s",
        "service_max_s",
        "within_target_pct",
    ]
    tables.append(
        Table(
            "service",
            [
                Column("service_code", "text"),
                Column("service", "text"),
                Column("agency", "text"),
                Column("target", "int"),
            ]
            + _COUNTS
            + _time_columns(svc_times),
            [
                [r["service"], service_name(r, lang), r.get("agency"), r.get("target_minutes")]
                + _count_values(r)
                + _times(r, svc_times)
                for r in snapshot["by_service"]
            ],
            ["", total_label, "", None] + _count_values(totals) + _times(totals, svc_times),
        )
    )

    ag_times = ["wait_mean_s", "wait_median_s", "wait_p90_s", "service_mean_s", "within_target_pct"]
    tables.append(
        Table(
            "agency",
            [Column("agency_code", "text"), Column("agency", "text")] + _COUNTS + _time_columns(ag_times),
            [
                [r["agency"], r.get("name") or r["agency"]] + _count_values(r) + _times(r, ag_times)
                for r in snapshot["by_agency"]
            ],
            ["", total_label] + _count_values(totals) + _times(totals, ag_times),
        )
    )

    pr_times = [
        "wait_mean_s",
        "wait_median_s",
        "wait_p90_s",
        "wait_max_s",
        "service_mean_s",
        "within_target_pct",
    ]
    tables.append(
        Table(
            "priority",
            [Column("priority", "text")] + _COUNTS + _time_columns(pr_times),
            [
                [priority_text(r["priority"], lang)] + _count_values(r) + _times(r, pr_times)
                for r in snapshot["by_priority"]
            ],
            [total_label] + _count_values(totals) + _times(totals, pr_times),
        )
    )

    of_times = ["wait_mean_s", "service_mean_s", "service_median_s", "service_total_h", "within_target_pct"]
    handled_cols = [
        Column("handled", "int"),
        Column("served", "int"),
        Column("no_show", "int"),
        Column("transferred", "int"),
        Column("waiting", "int"),
    ]

    def handled(r: Mapping[str, Any]) -> list[Any]:
        return [r["handled"], r["served"], r["no_show"], r["transferred"], r["waiting"]]

    tables.append(
        Table(
            "officer",
            [Column("officer", "text")] + handled_cols + _time_columns(of_times),
            [[officer_text(r)] + handled(r) + _times(r, of_times) for r in snapshot["by_officer"]],
        )
    )
    ct_times = ["wait_mean_s", "service_mean_s", "service_total_h", "within_target_pct"]
    tables.append(
        Table(
            "counter",
            [Column("counter", "text"), Column("counter_name", "text")]
            + handled_cols
            + _time_columns(ct_times),
            [
                [r["counter"], r.get("name") or ""] + handled(r) + _times(r, ct_times)
                for r in snapshot["by_counter"]
            ],
        )
    )

    day_times = ["wait_mean_s", "wait_p90_s", "service_mean_s", "within_target_pct"]
    tables.append(
        Table(
            "day",
            [Column("date", "date")] + _COUNTS + _time_columns(day_times),
            [[r["day"]] + _count_values(r) + _times(r, day_times) for r in snapshot["by_day"]],
            [total_label] + _count_values(totals) + _times(totals, day_times),
        )
    )

    tables.append(
        Table(
            "hour",
            [Column("hour", "text"), Column("arrivals", "int")],
            [[hour_text(h["hour"], lang), h["count"]] for h in snapshot["arrivals_by_hour"]],
            [total_label, sum(h["count"] for h in snapshot["arrivals_by_hour"])],
        )
    )

    tables.append(
        Table(
            "longest_wait",
            [
                Column("rank", "int"),
                Column("date", "date"),
                Column("code", "text"),
                Column("service", "text"),
                Column("status", "text"),
                Column("wait", "minutes"),
            ],
            [
                [
                    i + 1,
                    w["day"],
                    w["code"],
                    service_name(w, lang),
                    status_text(w["status"], lang),
                    minutes(w["wait_s"]),
                ]
                for i, w in enumerate(snapshot["longest_waits"])
            ],
        )
    )
    return tables


def hour_text(hour: int, lang: str) -> str:
    sep = ":" if lang == "en" else "."
    return f"{hour:02d}{sep}00–{(hour + 1) % 24:02d}{sep}00"


def key_figures(snapshot: Snapshot, lang: str) -> list[tuple[str, Any, str]]:
    """(label, value, kind) of the summary: the top of the PDF and the XLSX's first sheet."""
    tot = snapshot["totals"]
    return [
        (t("report.key.registered", lang=lang), tot["registered"], "int"),
        (t("report.key.visitors", lang=lang), tot["visitors"], "int"),
        (t("report.key.served", lang=lang), tot["served"], "int"),
        (t("report.key.no_show", lang=lang), tot["no_show"], "int"),
        (t("report.key.cancelled", lang=lang), tot["cancelled"], "int"),
        (t("report.key.transferred", lang=lang), tot["transferred"], "int"),
        (t("report.key.waiting", lang=lang), tot["waiting"], "int"),
        (t("report.key.wait_mean", lang=lang), minutes(tot["wait_mean_s"]), "minutes"),
        (t("report.key.wait_median", lang=lang), minutes(tot["wait_median_s"]), "minutes"),
        (t("report.key.wait_p90", lang=lang), minutes(tot["wait_p90_s"]), "minutes"),
        (t("report.key.wait_max", lang=lang), minutes(tot["wait_max_s"]), "minutes"),
        (t("report.key.service_mean", lang=lang), minutes(tot["service_mean_s"]), "minutes"),
        (t("report.key.service_median", lang=lang), minutes(tot["service_median_s"]), "minutes"),
        (t("report.key.service_p90", lang=lang), minutes(tot["service_p90_s"]), "minutes"),
        (t("report.key.service_max", lang=lang), minutes(tot["service_max_s"]), "minutes"),
        (t("report.key.within_target", lang=lang), tot["within_target_pct"], "pct"),
    ]


def peak_hour(snapshot: Snapshot) -> tuple[int, int] | None:
    """(hour, arrivals) of the busiest local hour; the earliest of equals. None: no arrivals."""
    best = max(snapshot["arrivals_by_hour"], key=lambda h: (h["count"], -h["hour"]), default=None)
    if not best or not best["count"]:
        return None
    return best["hour"], best["count"]


def summary_lines(snapshot: Snapshot, lang: str) -> list[tuple[str, str]]:
    """(label, text) lines under the key figures: the time statistics, the standard, visitors,
    the busiest hour. The PDF and the report dialog show the same lines."""
    tot = snapshot["totals"]

    def m(key: str) -> str:
        return number(minutes(tot[key]), lang, 1)

    def stats(prefix: str) -> str:
        return t(
            "report.line.stats",
            lang=lang,
            mean=m(f"{prefix}_mean_s"),
            median=m(f"{prefix}_median_s"),
            p90=m(f"{prefix}_p90_s"),
            max=m(f"{prefix}_max_s"),
            n=number(tot[f"{prefix}_n"], lang),
        )

    lines = [
        (t("report.line.wait", lang=lang), stats("wait")),
        (t("report.line.service", lang=lang), stats("service")),
        (
            t("report.line.target", lang=lang),
            t(
                "report.line.target_value",
                lang=lang,
                within=number(tot["within_target"], lang),
                measured=number(tot["target_measured"], lang),
                pct=format_cell(tot["within_target_pct"], "pct", lang),
            ),
        ),
        (
            t("report.line.visitors", lang=lang),
            t(
                "report.line.visitors_value",
                lang=lang,
                visitors=number(tot["visitors"], lang),
                transferred_in=number(tot["transferred_in"], lang),
            ),
        ),
    ]
    peak = peak_hour(snapshot)
    if peak is not None:
        lines.append(
            (
                t("report.line.peak", lang=lang),
                t(
                    "report.line.peak_value",
                    lang=lang,
                    hour=hour_text(peak[0], lang),
                    count=number(peak[1], lang),
                ),
            )
        )
    return lines


def survey_rows(snapshot: Snapshot, lang: str) -> list[tuple[str, Any, str]]:
    """(label, value, number format) of the survey and complaint figures for the summary sheet;
    none when the snapshot has no such sections."""
    rows: list[tuple[str, Any, str]] = []
    survey = snapshot.get("survey")
    if survey is not None:
        grade = survey.get("grade")
        rows += [
            (t("report.key.ikm", lang=lang), survey.get("ikm"), "0.00"),
            (
                t("report.key.ikm_grade", lang=lang),
                f"{grade} ({t(KINERJA_KEYS[grade], lang=lang)})" if grade else None,
                "",
            ),
            (t("report.key.respondents", lang=lang), survey["respondents"], "#,##0"),
            (t("report.key.incomplete", lang=lang), survey.get("incomplete", 0), "#,##0"),
        ]
        nrr = survey.get("nrr") or {}
        for code in ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"):
            label = t("report.key.nrr", lang=lang, code=code, element=t(ELEMENT_KEYS[code], lang=lang))
            rows.append((label, nrr.get(code), "0.00"))
    counts = snapshot.get("complaints")
    if counts is not None:
        for key, label_key in (
            ("received", "report.key.complaints_received"),
            ("answered_in_time", "report.key.complaints_answered_in_time"),
            ("answered_late", "report.key.complaints_answered_late"),
            ("overdue", "report.key.complaints_overdue"),
            ("open_in_time", "report.key.complaints_open_in_time"),
        ):
            rows.append((t(label_key, lang=lang), counts[key], "#,##0"))
    return rows

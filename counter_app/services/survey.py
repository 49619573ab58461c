"""The satisfaction survey (SKM): answers at the counter or from paper forms, and the IKM.

`record` stores one response for a ticket that was served (one per ticket at most); the
respondent's profile (age band, sex, education, occupation) is kept only with consent.
`import_csv` brings in paper forms: every row is checked first and a file with any bad row
imports nothing. `ikm` computes the index of a period exactly (core/ikm.py) with breakdowns per
service, agency and counter, the population (visitors served) and the Krejcie–Morgan sample.
Every change writes its audit entry and outbox row (entity "survey") in the same transaction.
"""

from __future__ import annotations

import csv
import hashlib
import io
import random
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import peewee
from uuid6 import uuid7

from counter_app.core import ikm as ikm_rules
from counter_app.core.clock import FixedClock, from_db, local_day, to_db
from counter_app.core.errors import NotFound, ValidationError
from counter_app.core.i18n import t
from counter_app.core.ikm import ELEMENTS, IkmResult, PROFILE
from counter_app.core.roles import Actor, Permission, Role
from counter_app.core.ticket_rules import Status
from counter_app.services import journal, tickets
from counter_app.services.context import Context
from counter_app.store.models import (
    Agency, AuditLog, Counter, Service, SurveyResponse, Ticket, db, db_time, dump_json,
)

SOURCES = ("kiosk", "paper")
SUGGESTIONS_MAX = 1000
MAX_PERIOD_DAYS = 366 * 5
MAX_IMPORT_ROWS = 100_000
MAX_IMPORT_BYTES = 64 * 1024 * 1024  # 100,000 forms with long suggestions stay well below
SHOWN_ERRORS = 30

_COLUMNS = ("u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9")


# ---- recording at the counter -------------------------------------------------------------


def _answers(answers: Mapping[str, Any]) -> dict[str, int | None]:
    unknown = set(answers) - set(ELEMENTS)
    if unknown:
        raise ValidationError("survey.element_unknown", field="answers", code=sorted(unknown)[0])
    out: dict[str, int | None] = {}
    for code in ELEMENTS:
        try:
            out[code] = ikm_rules.check_score(answers.get(code))
        except ValueError:
            raise ValidationError("survey.score", field=code, code=code, value=answers.get(code)) from None
    return out


def _profile(respondent: Mapping[str, Any] | None, consent: bool) -> dict[str, str | None]:
    respondent = {k: v for k, v in (respondent or {}).items() if v not in (None, "")}
    unknown = set(respondent) - set(PROFILE)
    if unknown:
        raise ValidationError("survey.profile_unknown", field=sorted(unknown)[0], name=sorted(unknown)[0])
    if respondent and not consent:
        raise ValidationError("survey.consent_needed", field="consent")
    out: dict[str, str | None] = dict.fromkeys(PROFILE)
    for name, value in respondent.items():
        if value not in PROFILE[name]:
            raise ValidationError("survey.profile_value", field=name, name=name, value=value)
        out[name] = value
    return out


def clean_suggestions(text: str | None) -> str:
    """Trimmed, one line per paragraph, no control characters, at most 1,000 characters."""
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch if unicodedata.category(ch) != "Cc" or ch == "\n" else " " for ch in text)
    text = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    if len(text) > SUGGESTIONS_MAX:
        raise ValidationError("survey.suggestions_long", field="saran", max=SUGGESTIONS_MAX)
    return text


def has_response(ticket_id: str) -> bool:
    return SurveyResponse.select().where(SurveyResponse.ticket == ticket_id).exists()


def record(
    ctx: Context,
    ticket_id: str,
    answers: Mapping[str, Any],
    respondent: Mapping[str, Any] | None = None,
    consent: bool = False,
    suggestions: str = "",
) -> SurveyResponse:
    """Store the visitor's answers for a served ticket; a second response for it is refused."""
    ctx.actor.require(Permission.SERVE)
    scores = _answers(answers)
    if not ikm_rules.is_complete(scores):
        missing = [c for c in ELEMENTS if scores[c] is None]
        raise ValidationError("survey.incomplete", field=missing[0], code=missing[0])
    profile = _profile(respondent, consent)
    note = clean_suggestions(suggestions)
    with db.atomic():
        ticket = tickets.get(ticket_id, ctx)
        if ticket.status != Status.DONE.value:
            raise ValidationError("survey.not_served", field="ticket", code=ticket.code)
        if has_response(ticket.id):
            raise ValidationError("survey.already", field="ticket", code=ticket.code)
        row = _new_row(
            ctx,
            ticket=ticket.id,
            day=ticket.day,
            service=ticket.service_id,
            counter=ticket.counter,
            scores=scores,
            profile=profile,
            suggestions=note,
            source="kiosk",
            consent=bool(consent),
        )
        try:
            row.save(force_insert=True)
        except peewee.IntegrityError:  # a second window answered at the same moment
            raise ValidationError("survey.already", field="ticket", code=ticket.code) from None
        journal.outbox(ctx.clock, "survey", row.id, "upsert", sync_payload(row))
        journal.audit(ctx.clock, ctx.actor.username, "survey.record", row.id,
                      {"ticket": ticket.id, "code": ticket.code})
    return row


def _new_row(
    ctx: Context,
    *,
    ticket: str | None,
    day: date,
    service: str | None,
    counter: str | None,
    scores: Mapping[str, int | None],
    profile: Mapping[str, str | None],
    suggestions: str,
    source: str,
    consent: bool,
) -> SurveyResponse:
    values: dict[str, Any] = {
        "id": str(uuid7()),
        "ticket": ticket,
        "day": day,
        "service": service,
        "counter": counter,
        "suggestions": suggestions,
        "source": source,
        "consent": consent,
        "created_at": to_db(ctx.clock.now()),
        "created_by": ctx.actor.username,
        **{col: scores[code] for col, code in zip(_COLUMNS, ELEMENTS)},
        **profile,
    }
    return SurveyResponse(**values)


def sync_payload(row: SurveyResponse) -> dict[str, Any]:
    """What leaves this PC: answers, the profile (bands and classes only), the suggestions."""
    return {
        "id": row.id,
        "ticket_id": row.ticket_id,
        "day": str(row.day),
        "service": row.service_id,
        "counter": row.counter,
        "answers": row.answers(),
        "age_band": row.age_band,
        "sex": row.sex,
        "education": row.education,
        "occupation": row.occupation,
        "suggestions": row.suggestions,
        "source": row.source,
        "consent": bool(row.consent),
        "created_at": from_db(row.created_at).isoformat(),  # type: ignore[union-attr]
    }


# ---- paper forms (CSV) --------------------------------------------------------------------

CSV_REQUIRED = ("tanggal", *ELEMENTS)
CSV_OPTIONAL = ("layanan", "usia", "jenis_kelamin", "pendidikan", "pekerjaan", "saran")
_LETTER_SCORES = {"a": 1, "b": 2, "c": 3, "d": 4}
_SEX = {"l": "L", "lk": "L", "laki-laki": "L", "laki laki": "L", "pria": "L", "p": "P",
        "pr": "P", "perempuan": "P", "wanita": "P"}
_EDUCATION = {
    "sd": "sd", "mi": "sd", "smp": "smp", "sltp": "smp", "mts": "smp", "sma": "sma", "smk": "sma",
    "slta": "sma", "ma": "sma", "d1": "diploma", "d2": "diploma", "d3": "diploma",
    "diploma": "diploma", "d4": "s1", "s1": "s1", "d4/s1": "s1", "s2": "s2", "s3": "s3",
}
_OCCUPATION = {
    "pns": "pns", "asn": "pns", "pppk": "pns", "tni": "tni", "polri": "polri", "swasta": "swasta",
    "pegawai swasta": "swasta", "karyawan swasta": "swasta", "wirausaha": "wirausaha",
    "wiraswasta": "wirausaha", "pelajar": "pelajar", "mahasiswa": "pelajar",
    "pelajar/mahasiswa": "pelajar", "lainnya": "lainnya", "lain-lain": "lainnya",
}
_AGE = {"le_20": "le_20", "<=20": "le_20", "≤20": "le_20", "<20": "le_20", "21_30": "21_30",
        "21-30": "21_30", "31_40": "31_40", "31-40": "31_40", "41_50": "41_50", "41-50": "41_50",
        "gt_50": "gt_50", ">50": "gt_50", "51+": "gt_50", "51_plus": "gt_50"}


@dataclass(frozen=True)
class RowError:
    """One reason a CSV row is refused; row 1 is the header, the first form is row 2."""

    row: int
    column: str
    key: str  # message survey.csv.<key>
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        reason = t(f"survey.csv.{self.key}", lang, **self.params)
        if self.column:
            return t("survey.csv.at_column", lang, row=self.row, column=self.column, reason=reason)
        return t("survey.csv.at_row", lang, row=self.row, reason=reason)


class CsvRejected(ValidationError):
    """The file has bad rows: nothing was imported. `errors` lists every one."""

    def __init__(self, path: str, errors: Sequence[RowError]) -> None:
        super().__init__("survey.csv.rejected", field="file", path=path, count=len(errors))
        self.errors = list(errors)

    def message(self, lang: str | None = None) -> str:
        lines = [super().message(lang)]
        lines += [e.text(lang) for e in self.errors[:SHOWN_ERRORS]]
        if len(self.errors) > SHOWN_ERRORS:
            lines.append(t("survey.csv.more", lang, count=len(self.errors) - SHOWN_ERRORS))
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportResult:
    imported: int
    incomplete: int  # forms with an element left blank: kept, but not counted in the IKM
    first_day: date | None
    last_day: date | None
    sha256: str
    path: str

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "incomplete": self.incomplete,
            "first_day": None if self.first_day is None else self.first_day.isoformat(),
            "last_day": None if self.last_day is None else self.last_day.isoformat(),
            "sha256": self.sha256,
            "path": self.path,
        }


def _parse_day(text: str) -> date | None:
    text = text.strip()
    for parse in (
        date.fromisoformat,
        lambda s: datetime.strptime(s, "%d-%m-%Y").date(),
        lambda s: datetime.strptime(s, "%d/%m/%Y").date(),
    ):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def _fold(text: str) -> str:
    return " ".join(text.strip().casefold().split())


def _read_table(path: Path) -> tuple[bytes, list[str], list[tuple[int, list[str]]]]:
    """The file's bytes, its header and its non-blank rows (numbered: the header is row 1).

    Bounded before anything is kept: a file over MAX_IMPORT_BYTES is refused unread, rows are
    counted as they are parsed (blank lines cost nothing), and a CSV-level fault such as a
    field over the csv module's limit (131,072 characters) is refused naming its line."""
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_IMPORT_BYTES + 1)  # read(): a device or a FIFO has no size
    except OSError as exc:
        raise ValidationError("survey.csv.unreadable", field="file", path=str(path),
                              detail=exc.strerror or str(exc)) from exc
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError("survey.csv.too_big", field="file", path=str(path),
                              max_mb=MAX_IMPORT_BYTES // (1024 * 1024))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError("survey.csv.encoding", field="file", path=str(path)) from None
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] = []
    body: list[tuple[int, list[str]]] = []
    try:
        for number, row in enumerate(reader, start=1):
            if number == 1:
                header = row
            elif any(c.strip() for c in row):
                if len(body) >= MAX_IMPORT_ROWS:
                    raise ValidationError("survey.csv.too_many", field="file", max=MAX_IMPORT_ROWS)
                body.append((number, row))
    except csv.Error as exc:
        # the csv module names no error kinds: its message is all there is to tell them apart
        key = "field_too_long" if "field larger than field limit" in str(exc) else "bad_csv"
        raise ValidationError(f"survey.csv.{key}", field="file", path=str(path),
                              line=reader.line_num, max=csv.field_size_limit(), detail=str(exc)) from None
    return data, header, body


def _check_header(header: Sequence[str]) -> tuple[dict[str, int], list[RowError]]:
    errors: list[RowError] = []
    index: dict[str, int] = {}
    known = {c.casefold(): c for c in (*CSV_REQUIRED, *CSV_OPTIONAL)}
    for i, raw in enumerate(header):
        name = raw.strip()
        if not name:
            continue
        canonical = known.get(name.casefold())
        if canonical is None:
            errors.append(RowError(1, name, "unknown_column"))
        elif canonical in index:
            errors.append(RowError(1, name, "duplicate_column"))
        else:
            index[canonical] = i
    for name in CSV_REQUIRED:
        if name not in index:
            errors.append(RowError(1, name, "missing_column"))
    return index, errors


def _check_row(
    number: int,
    cells: Mapping[str, str],
    services: Mapping[str, str],
    today: date,
) -> tuple[dict[str, Any] | None, list[RowError]]:
    errors: list[RowError] = []

    def bad(column: str, key: str, **params: Any) -> None:
        errors.append(RowError(number, column, key, params))

    raw_day = cells.get("tanggal", "").strip()
    day = _parse_day(raw_day) if raw_day else None
    if not raw_day:
        bad("tanggal", "required")
    elif day is None:
        bad("tanggal", "bad_date", value=raw_day)
    elif day > today:
        bad("tanggal", "future_date", value=raw_day)
    elif day.year < 2000:
        bad("tanggal", "old_date", value=raw_day)

    scores: dict[str, int | None] = {}
    for code in ELEMENTS:
        raw = cells.get(code, "").strip()
        if not raw:
            scores[code] = None
        elif raw in ("1", "2", "3", "4"):
            scores[code] = int(raw)
        elif raw.casefold() in _LETTER_SCORES:
            scores[code] = _LETTER_SCORES[raw.casefold()]
        else:
            bad(code, "bad_score", value=raw)
            scores[code] = None
    if all(v is None for v in scores.values()) and not any(e.column in ELEMENTS for e in errors):
        bad("", "no_answers")

    service = None
    raw = cells.get("layanan", "").strip()
    if raw:
        service = services.get(_fold(raw))
        if service is None:
            bad("layanan", "unknown_service", value=raw)

    profile: dict[str, str | None] = dict.fromkeys(PROFILE)
    raw = cells.get("usia", "").strip()
    if raw:
        if raw.isdigit():
            age = int(raw)
            if 10 <= age <= 120:
                profile["age_band"] = ikm_rules.age_band(age)
            else:
                bad("usia", "bad_age", value=raw)
        elif raw.replace(" ", "").casefold() in _AGE:
            profile["age_band"] = _AGE[raw.replace(" ", "").casefold()]
        else:
            bad("usia", "bad_age", value=raw)
    for column, target, table in (
        ("jenis_kelamin", "sex", _SEX),
        ("pendidikan", "education", _EDUCATION),
        ("pekerjaan", "occupation", _OCCUPATION),
    ):
        raw = cells.get(column, "").strip()
        if raw:
            value = table.get(_fold(raw))
            if value is None:
                bad(column, f"bad_{target}", value=raw)
            profile[target] = value

    note = ""
    try:
        note = clean_suggestions(cells.get("saran", ""))
    except ValidationError:
        bad("saran", "long_suggestion", max=SUGGESTIONS_MAX)

    if errors:
        return None, errors
    return {"day": day, "scores": scores, "service": service, "profile": profile, "saran": note}, []


def import_csv(ctx: Context, path: Path | str, *, allow_duplicate: bool = False) -> ImportResult:
    """Paper forms from a CSV (columns tanggal, U1…U9, optional layanan, usia, jenis_kelamin,
    pendidikan, pekerjaan, saran; comma, semicolon or tab separated; UTF-8). Every row is checked
    first: any error rejects the whole file (`CsvRejected`, listing row, column and reason) and
    nothing is imported. The same file twice is refused unless `allow_duplicate`."""
    ctx.actor.require(Permission.SURVEY_IMPORT)
    path = Path(path)
    data, header, body = _read_table(path)
    digest = hashlib.sha256(data).hexdigest()
    del data
    if not any(cell.strip() for cell in header):
        raise ValidationError("survey.csv.empty", field="file", path=str(path))
    index, errors = _check_header(header)
    if errors:
        raise CsvRejected(str(path), errors)
    if not body:
        raise ValidationError("survey.csv.empty", field="file", path=str(path))

    services: dict[str, str] = {}
    for s in Service.select(Service.code, Service.name_id, Service.name_en):
        for name in (s.code, s.name_id, s.name_en):
            services.setdefault(_fold(name), s.code)
    today = local_day(ctx.clock.now(), ctx.tz)
    parsed: list[dict[str, Any]] = []
    for number, row in body:
        if len(row) > len(header) and any(c.strip() for c in row[len(header):]):
            errors.append(RowError(number, "", "extra_cells"))
            continue
        cells = {name: (row[i] if i < len(row) else "") for name, i in index.items()}
        form, row_errors = _check_row(number, cells, services, today)
        errors += row_errors
        if form is not None:
            parsed.append(form)
    if errors:
        raise CsvRejected(str(path), errors)

    # Everything is built before the write lock is taken: the transaction below only runs two
    # prepared bulk inserts, so a 100,000-form file keeps other counters waiting for about a
    # second, not for the whole import (all or nothing still: one transaction).
    survey_sql, survey_rows, outbox_rows = _prepared_rows(ctx, parsed)
    with db.atomic():
        if not allow_duplicate:
            earlier = next(
                (a for a in AuditLog.select(AuditLog.at, AuditLog.detail)
                 .where(AuditLog.action == "survey.import")
                 if (a.detail or {}).get("sha256") == digest),
                None,
            )
            if earlier is not None:
                raise ValidationError("survey.csv.duplicate", field="file", path=str(path),
                                      when=earlier.at[:16].replace("T", " "))
        cursor = db.cursor()
        cursor.executemany(survey_sql, survey_rows)
        cursor.executemany(_OUTBOX_SQL, outbox_rows)
        journal.audit(ctx.clock, ctx.actor.username, "survey.import", path.name,
                      {"sha256": digest, "rows": len(parsed)})
    days = [f["day"] for f in parsed]
    return ImportResult(
        imported=len(parsed),
        incomplete=sum(1 for f in parsed if not ikm_rules.is_complete(f["scores"])),
        first_day=min(days),
        last_day=max(days),
        sha256=digest,
        path=str(path),
    )


_OUTBOX_SQL = ('INSERT INTO "outbox" ("entity", "uuid", "op", "payload", "created_at") '
               "VALUES (?, ?, ?, ?, ?)")  # as journal.outbox writes one row


def _prepared_rows(
    ctx: Context, parsed: Sequence[Mapping[str, Any]]
) -> tuple[str, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The INSERT of survey rows and the parameters of every form and its outbox row."""
    fields = SurveyResponse._meta.sorted_fields
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    sql = f'INSERT INTO "survey_response" ({columns}) VALUES ({", ".join("?" * len(fields))})'
    assert SurveyResponse._meta.table_name == "survey_response"
    created = db_time(to_db(ctx.clock.now()))
    survey_rows: list[tuple[Any, ...]] = []
    outbox_rows: list[tuple[Any, ...]] = []
    for form in parsed:
        row = _new_row(
            ctx,
            ticket=None,
            day=form["day"],
            service=form["service"],
            counter=None,
            scores=form["scores"],
            profile=form["profile"],
            suggestions=form["saran"],
            source="paper",
            consent=True,  # the respondent wrote the profile on the form themselves
        )
        survey_rows.append(tuple(_sql_value(f.db_value(row.__data__.get(f.name))) for f in fields))
        outbox_rows.append(("survey", row.id, "upsert", dump_json(sync_payload(row)), created))
    return sql, survey_rows, outbox_rows


def _sql_value(value: Any) -> Any:
    """Dates and times as the text peewee stores them (sqlite3's own adapters are deprecated)."""
    if isinstance(value, (date, datetime)):
        return str(value)
    return value


# ---- the index ----------------------------------------------------------------------------

_SUMS = ", ".join(f'SUM("{c}")' for c in _COLUMNS)
_COMPLETE = " AND ".join(f'"{c}" IS NOT NULL' for c in _COLUMNS)
_GROUPS_SQL = f"""
SELECT ifnull("service_id", ''), ifnull("counter", ''), ({_COMPLETE}) AS complete, COUNT(*), {_SUMS}
FROM "survey_response" WHERE "day" >= ? AND "day" <= ?
GROUP BY 1, 2, 3
"""
_SERVED_SQL = """
SELECT "service_id", ifnull("counter", ''), COUNT(*) FROM "ticket"
WHERE "day" >= ? AND "day" <= ? AND "status" = 'done' GROUP BY 1, 2
"""


def _check_period(date_from: date, date_to: date | None) -> tuple[date, date]:
    date_to = date_to or date_from
    if date_to < date_from:
        raise ValidationError("report.range_order", field="to", start=str(date_from), end=str(date_to))
    if (date_to - date_from).days + 1 > MAX_PERIOD_DAYS:
        raise ValidationError("report.range_too_long", field="to", max=MAX_PERIOD_DAYS)
    return date_from, date_to


def _ikm_json(result: IkmResult) -> dict[str, Any]:
    return {
        "respondents": result.respondents,
        "incomplete": result.incomplete,
        "ikm": None if result.ikm is None else float(result.ikm),
        "grade": None if result.grade is None else result.grade.mutu,
        "kinerja": None if result.grade is None else result.grade.kinerja,
    }


def _element_json(result: IkmResult) -> dict[str, Any]:
    """Per element: NRR (2 decimals), NRR × 1/9 (3 decimals, the regulation's "NRR
    tertimbang"), NRR × 25 and its grade, the score sums; and the three weakest elements."""
    if not result.respondents:
        return {"nrr": {}, "nrr_weighted": {}, "nrr_weighted_total": None, "element_index": {},
                "element_grade": {}, "totals": dict(result.totals), "weakest": []}
    nrr = result.nrr
    index = {c: result.element_index(c) for c in ELEMENTS}
    exact = result.exact
    assert exact is not None
    return {
        "nrr": {c: float(ikm_rules.round_half_up(nrr[c], 2)) for c in ELEMENTS},
        "nrr_weighted": {c: float(ikm_rules.round_half_up(nrr[c] * ikm_rules.WEIGHT, 3)) for c in ELEMENTS},
        "nrr_weighted_total": float(ikm_rules.round_half_up(exact / ikm_rules.CONVERSION, 3)),
        "element_index": {c: float(index[c]) for c in ELEMENTS},  # type: ignore[arg-type]
        "element_grade": {c: ikm_rules.grade_of(index[c]).mutu for c in ELEMENTS},  # type: ignore[arg-type]
        "totals": dict(result.totals),
        "weakest": sorted(ELEMENTS, key=lambda c: (nrr[c], c))[:3],
    }


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
    nrr {U1…U9} (2 decimals), element_index (NRR × 25), totals, by_service, by_agency,
    by_counter}. Respondents = complete responses; incomplete ones are counted apart."""
    ctx.actor.require(Permission.REPORT)
    date_from, date_to = _check_period(date_from, date_to)
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
        if agency is not None and (svc not in services or services[svc].agency_id != agency):
            return False
        return counter is None or ctr == counter

    period = (date_from.isoformat(), date_to.isoformat())
    groups: dict[tuple[str, str], list[IkmResult]] = {}
    for svc, ctr, complete, n, *sums in db.execute_sql(_GROUPS_SQL, period):
        if not wanted(svc, ctr):
            continue
        if complete:
            part = ikm_rules.from_totals({c: s or 0 for c, s in zip(ELEMENTS, sums)}, n)
        else:
            part = ikm_rules.from_totals(dict.fromkeys(ELEMENTS, 0), 0, n)
        groups.setdefault((svc, ctr), []).append(part)
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
        required = ikm_rules.required_sample(served_n)
        return {**labels, **_ikm_json(result), "population": served_n, "required_sample": required}

    service_keys = sorted({k[0] for k in groups} | {k[0] for k in served},
                          key=lambda c: (c == "", services[c].letter if c in services else "", c))
    by_service = []
    for code in service_keys:
        svc_row = services.get(code)
        by_service.append(row(
            merged(lambda k, code=code: k[0] == code), population(lambda k, code=code: k[0] == code),
            service=code or None,
            name=svc_row.name_id if svc_row else "",
            name_en=svc_row.name_en if svc_row else "",
            agency=svc_row.agency_id if svc_row else None,
        ))
    agency_keys = list(dict.fromkeys(r["agency"] for r in by_service if r["agency"]))
    by_agency = [
        row(merged(lambda k, a=a: k[0] in services and services[k[0]].agency_id == a),
            population(lambda k, a=a: k[0] in services and services[k[0]].agency_id == a),
            agency=a, name=agencies.get(a, a))
        for a in agency_keys
    ]
    counter_names = {c.code: c.name for c in Counter.select()}
    counter_keys = sorted({k[1] for k in groups if k[1]} | {k[1] for k in served if k[1]})
    by_counter = [
        row(merged(lambda k, c=c: k[1] == c), population(lambda k, c=c: k[1] == c),
            counter=c, name=counter_names.get(c, c))
        for c in counter_keys
    ]
    required = ikm_rules.required_sample(total_served)
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "filter": {"service": service, "agency": agency, "counter": counter},
        **_ikm_json(overall),
        "population": total_served,
        "required_sample": required,
        "sample_sufficient": overall.respondents >= required if total_served else None,
        **_element_json(overall),
        "by_service": by_service,
        "by_agency": by_agency,
        "by_counter": by_counter,
    }


def summary_text(data: Mapping[str, Any], lang: str | None = None) -> str:
    """A few plain lines for the terminal (`counter-app ikm` without --json)."""
    from counter_app.documents.exports import number

    lang = lang or "id"
    lines = [t("survey.cli.period", lang, start=data["date_from"], end=data["date_to"])]
    if data["ikm"] is None:
        lines.append(t("survey.cli.none", lang))
    else:
        lines.append(t("survey.cli.ikm", lang, ikm=number(data["ikm"], lang, 2), grade=data["grade"],
                       kinerja=t(f"survey.kinerja.{data['grade']}", lang)))
        lines.append("  " + "  ".join(f"{c} {number(data['nrr'][c], lang, 2)}" for c in ELEMENTS))
    lines.append(t("survey.cli.sample", lang, respondents=data["respondents"],
                   incomplete=data["incomplete"], population=data["population"],
                   required=data["required_sample"]))
    return "\n".join(lines)


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
    query = SurveyResponse.select().where(
        (SurveyResponse.day >= date_from) & (SurveyResponse.day <= date_to)
    )
    if service:
        query = query.where(SurveyResponse.service == data["filter"]["service"])
    if agency:
        codes = [s.code for s in Service.select(Service.code).where(Service.agency == data["filter"]["agency"])]
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
        "site": {"code": ctx.setting("site_code"), "name": ctx.setting("site_name"),
                 "address": ctx.setting("site_address")},
        "scope_name": scope_name,
        "timezone": ctx.tz,
        "generated_at": ctx.clock.now().isoformat(),
        "responses": sum(sources.values()),
        "sources": sources,
        "profile": {name: [{"code": c, "count": n} for c, n in counts.items()]
                    for name, counts in profile.items()},
        "profile_unknown": unknown,
        "suggestions": suggestions,
    }


def report_pdf(ctx: Context, date_from: date, date_to: date | None = None, *, lang: str = "id",
               **scope: str | None) -> bytes:
    from counter_app.documents.skm_report_pdf import render

    return render(report_snapshot(ctx, date_from, date_to, **scope), lang)


def day_section(ctx: Context, day_from: date, day_to: date, counter: str | None = None) -> dict[str, Any]:
    """The daily summary's survey block: the IKM of the period's respondents, element by element."""
    data = ikm(ctx, day_from, day_to, counter=counter)
    keep = ("respondents", "incomplete", "ikm", "grade", "kinerja", "population", "required_sample",
            "nrr", "element_index", "element_grade")
    return {k: data[k] for k in keep}


# ---- demo ---------------------------------------------------------------------------------

DEMO_SUGGESTIONS = [
    "Ruang tunggu kurang sejuk siang hari.",
    "Petugas ramah, terima kasih.",
    "Mohon tambah kursi di ruang tunggu.",
    "Informasi persyaratan di papan pengumuman kurang jelas.",
    "Antrian cepat, pelayanan memuaskan.",
    "Toilet perlu lebih sering dibersihkan.",
    "Sebaiknya ada layanan pada hari Sabtu.",
    "Parkir sempit dan panas.",
    "Nomor antrian di layar kadang tidak terdengar.",
]


@dataclass
class DemoSurveyResult:
    day: date
    responses: int
    complaints: int


def _demo_score(rng: random.Random, mood: float, fee_free: bool, code: str) -> int:
    if code == ikm_rules.FEE_ELEMENT and fee_free:
        return 4 if rng.random() < 0.93 else 3
    r = rng.random() + mood
    if r < 0.03:
        return 1
    if r < 0.15:
        return 2
    if r < 0.72:
        return 3
    return 4


def demo_responses(ctx: Context, day: date, seed: int = 1, share: float = 0.3) -> DemoSurveyResult:
    """Realistic answers for about `share` of the day's served tickets (a few minutes after
    each finished), and a few complaints, some already followed up. One transaction."""
    from counter_app.services import complaints

    ctx.actor.require(Permission.MANAGE_SETTINGS)
    rng = random.Random(seed)
    clock = FixedClock(ctx.clock.now())
    done = list(
        Ticket.select()
        .where((Ticket.day == day) & (Ticket.status == Status.DONE.value))
        .order_by(Ticket.finished_at)
    )
    fees = {s.code: s.fee for s in Service.select(Service.code, Service.fee)}
    answered = 0
    filed = 0
    with db.atomic():
        for ticket in done:
            if rng.random() >= share or has_response(ticket.id):
                continue
            clock.set(from_db(ticket.finished_at) + timedelta(minutes=rng.uniform(0.5, 4)))  # type: ignore[operator]
            desk = replace(ctx, clock=clock, actor=Actor(ticket.served_by or "petugas", Role.STAFF))
            mood = rng.gauss(0, 0.12)
            answers = {c: _demo_score(rng, mood, fees.get(ticket.service_id, 0) == 0, c) for c in ELEMENTS}
            consent = rng.random() < 0.8
            respondent = {}
            if consent:
                respondent = {
                    "age_band": rng.choices(ikm_rules.AGE_BANDS, [8, 30, 28, 20, 14])[0],
                    "sex": rng.choice(ikm_rules.SEXES),
                    "education": rng.choices(ikm_rules.EDUCATION, [5, 10, 42, 12, 26, 4, 1])[0],
                    "occupation": rng.choices(ikm_rules.OCCUPATIONS, [12, 2, 2, 34, 26, 12, 12])[0],
                }
            note = rng.choice(DEMO_SUGGESTIONS) if rng.random() < 0.15 else ""
            record(desk, ticket.id, answers, respondent, consent, note)
            answered += 1
        filed = complaints.demo_complaints(replace(ctx, clock=clock), day, rng, done)
    return DemoSurveyResult(day, answered, filed)

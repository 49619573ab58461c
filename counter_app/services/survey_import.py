"""Paper survey forms from a CSV file: every row checked first, then written in short chunks.

`import_csv` brings in paper forms: every row is checked first and a file with any bad row
imports nothing (`CsvRejected` lists row, column and reason). The file is bounded before it
is kept (MAX_IMPORT_BYTES unread, MAX_IMPORT_ROWS counted while parsing, a field over the csv
module's limit named by its line); the rows are built with no lock held, then written
CHUNK_ROWS at a time, each chunk's forms and their outbox rows in one short transaction, with a
pause as long as the chunk held the write lock before the next one: the counters' own writes
(a busy timeout of 5 s) get the lock between chunks, even for 100,000 forms (issue 10).

A crash between chunks leaves the chunks written so far; running the same file again finishes
it and doubles nothing: a form's id is derived from the site, the counter, the file's sha256,
the number of earlier completed imports of that file and the form's row, so the forms already
written are found and skipped (their outbox rows went with them). The audit entry is written
with the last chunk: until then the file does not count as imported (see `_form_ids`).
The rows have the shape of services/survey.py (`new_row`, `sync_payload`).

Questionnaires do not all ask the elements in the regulation's order (many ask Sarana before
Pengaduan): a header that is a question number (`8`, `Q8`, `P8`, `U8`) is question 8, which is
element U8 unless `mapping` says otherwise (`"8=U9,9=U8"` by question number, or `"Q8=U9"` by
header name). The mapping used is returned with the result, so the operator sees it. A form
with a blank element is kept and counts for the elements it answers (core/ikm.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from counter_app.core import ikm as ikm_rules
from counter_app.core.clock import local_day, to_db
from counter_app.core.errors import ValidationError
from counter_app.core.i18n import t
from counter_app.core.ikm import ELEMENTS, PROFILE
from counter_app.core.roles import Permission
from counter_app.services import journal, survey
from counter_app.services.context import Context
from counter_app.store.models import AuditLog, Service, SurveyResponse, db, db_time, dump_json

MAX_IMPORT_ROWS = 100_000
CHUNK_ROWS = 500  # forms per transaction: ~10 ms of write lock on a 2-core PC, ~25 ms when loaded
MAX_IMPORT_BYTES = 64 * 1024 * 1024  # 100,000 forms with long suggestions stay well below
SHOWN_ERRORS = 30

# ---- paper forms (CSV) --------------------------------------------------------------------

CSV_REQUIRED = ("tanggal", *ELEMENTS)
CSV_OPTIONAL = ("layanan", "usia", "jenis_kelamin", "pendidikan", "pekerjaan", "saran")
_LETTER_SCORES = {"a": 1, "b": 2, "c": 3, "d": 4}
_SEX = {
    "l": "L",
    "lk": "L",
    "laki-laki": "L",
    "laki laki": "L",
    "pria": "L",
    "p": "P",
    "pr": "P",
    "perempuan": "P",
    "wanita": "P",
}
_EDUCATION = {
    "sd": "sd",
    "mi": "sd",
    "smp": "smp",
    "sltp": "smp",
    "mts": "smp",
    "sma": "sma",
    "smk": "sma",
    "slta": "sma",
    "ma": "sma",
    "d1": "diploma",
    "d2": "diploma",
    "d3": "diploma",
    "diploma": "diploma",
    "d4": "s1",
    "s1": "s1",
    "d4/s1": "s1",
    "s2": "s2",
    "s3": "s3",
}
_OCCUPATION = {
    "pns": "pns",
    "asn": "pns",
    "pppk": "pns",
    "tni": "tni",
    "polri": "polri",
    "swasta": "swasta",
    "pegawai swasta": "swasta",
    "karyawan swasta": "swasta",
    "wirausaha": "wirausaha",
    "wiraswasta": "wirausaha",
    "pelajar": "pelajar",
    "mahasiswa": "pelajar",
    "pelajar/mahasiswa": "pelajar",
    "lainnya": "lainnya",
    "lain-lain": "lainnya",
}
_AGE = {
    "le_20": "le_20",
    "<=20": "le_20",
    "≤20": "le_20",
    "<20": "le_20",
    "21_30": "21_30",
    "21-30": "21_30",
    "31_40": "31_40",
    "31-40": "31_40",
    "41_50": "41_50",
    "41-50": "41_50",
    "gt_50": "gt_50",
    ">50": "gt_50",
    "51+": "gt_50",
    "51_plus": "gt_50",
}


CSV_KEYS = {
    "at_column": "survey.csv.at_column",
    "at_row": "survey.csv.at_row",
    "at_option": "survey.csv.at_option",
    "bad_age": "survey.csv.bad_age",
    "bad_date": "survey.csv.bad_date",
    "bad_education": "survey.csv.bad_education",
    "bad_occupation": "survey.csv.bad_occupation",
    "bad_score": "survey.csv.bad_score",
    "bad_sex": "survey.csv.bad_sex",
    "duplicate": "survey.csv.duplicate",
    "duplicate_column": "survey.csv.duplicate_column",
    "duplicate_element": "survey.csv.duplicate_element",
    "map_bad": "survey.csv.map_bad",
    "map_element": "survey.csv.map_element",
    "map_no_column": "survey.csv.map_no_column",
    "empty": "survey.csv.empty",
    "encoding": "survey.csv.encoding",
    "extra_cells": "survey.csv.extra_cells",
    "future_date": "survey.csv.future_date",
    "long_suggestion": "survey.csv.long_suggestion",
    "missing_column": "survey.csv.missing_column",
    "more": "survey.csv.more",
    "no_answers": "survey.csv.no_answers",
    "old_date": "survey.csv.old_date",
    "rejected": "survey.csv.rejected",
    "required": "survey.csv.required",
    "too_many": "survey.csv.too_many",
    "field_too_long": "survey.csv.field_too_long",
    "bad_csv": "survey.csv.bad_csv",
    "too_big": "survey.csv.too_big",
    "unknown_column": "survey.csv.unknown_column",
    "unknown_service": "survey.csv.unknown_service",
    "unreadable": "survey.csv.unreadable",
}


@dataclass(frozen=True)
class RowError:
    """One reason a CSV row is refused; row 1 is the header, the first form is row 2."""

    row: int
    column: str
    key: str  # message survey.csv.<key>
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str | None = None) -> str:
        reason = t(CSV_KEYS[self.key], lang=lang, **self.params)
        if self.row == 0:  # a command-line option, not a line of the file
            return t("survey.csv.at_option", lang=lang, option=self.column, reason=reason)
        if self.column:
            return t("survey.csv.at_column", lang=lang, row=self.row, column=self.column, reason=reason)
        return t("survey.csv.at_row", lang=lang, row=self.row, reason=reason)


class CsvRejected(ValidationError):
    """The file has bad rows: nothing was imported. `errors` lists every one."""

    def __init__(self, path: str, errors: Sequence[RowError]) -> None:
        super().__init__("survey.csv.rejected", field="file", path=path, count=len(errors))
        self.errors = list(errors)

    def message(self, lang: str | None = None) -> str:
        lines = [super().message(lang)]
        lines += [e.text(lang) for e in self.errors[:SHOWN_ERRORS]]
        if len(self.errors) > SHOWN_ERRORS:
            lines.append(t("survey.csv.more", lang=lang, count=len(self.errors) - SHOWN_ERRORS))
        return "\n".join(lines)


@dataclass(frozen=True)
class ImportResult:
    imported: int  # forms written by this run
    incomplete: int  # partial forms (an element left blank): each counts for what it answers
    first_day: date | None
    last_day: date | None
    sha256: str
    path: str
    mapping: dict[str, str] = field(default_factory=dict)  # the file's header → element, in file order
    already: int = 0  # forms an interrupted earlier import of this file had written (skipped)

    def mapping_text(self) -> str:
        """`1→U1, …, 8→U9, 9→U8`: what the operator is shown."""
        return ", ".join(f"{column}→{code}" for column, code in self.mapping.items())

    def to_json(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "incomplete": self.incomplete,
            "first_day": None if self.first_day is None else self.first_day.isoformat(),
            "last_day": None if self.last_day is None else self.last_day.isoformat(),
            "sha256": self.sha256,
            "path": self.path,
            "mapping": dict(self.mapping),
            "already": self.already,
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
        raise ValidationError(
            "survey.csv.unreadable", field="file", path=str(path), detail=exc.strerror or str(exc)
        ) from exc
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError(
            "survey.csv.too_big", field="file", path=str(path), max_mb=MAX_IMPORT_BYTES // (1024 * 1024)
        )
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
        too_long = "field larger than field limit" in str(exc)
        raise ValidationError(
            "survey.csv.field_too_long" if too_long else "survey.csv.bad_csv",
            field="file",
            path=str(path),
            line=reader.line_num,
            max=csv.field_size_limit(),
            detail=str(exc),
        ) from None
    return data, header, body


_QUESTION = re.compile(r"(?:[UQP]|NO\.?\s*)?([1-9])", re.IGNORECASE)  # 8, Q8, P8, U8, No. 8


def question_number(header: str) -> int | None:
    """The question a header names by number (`8`, `Q8`, `P8`, `U8`), or None."""
    match = _QUESTION.fullmatch(header.strip())
    return int(match.group(1)) if match else None


def parse_mapping(text: str | None) -> tuple[dict[str, str], list[RowError]]:
    """`"8=U9,9=U8"` or `"Q8=U9, Q9=U8"` → {key (folded): element}; problems as option errors."""
    out: dict[str, str] = {}
    errors: list[RowError] = []
    for item in (text or "").split(","):
        if not item.strip():
            continue
        key, sep, value = (part.strip() for part in item.partition("="))
        if not sep or not key or not value or key.casefold() in out:
            errors.append(RowError(0, "--map", "map_bad", {"item": item.strip()}))
        elif value.upper() not in ELEMENTS:
            errors.append(RowError(0, "--map", "map_element", {"value": value}))
        else:
            out[key.casefold()] = value.upper()
    return out, errors


def _check_header(
    header: Sequence[str], mapping: Mapping[str, str] | None = None
) -> tuple[dict[str, int], dict[str, str], list[RowError]]:
    """Column index per canonical name, the element columns used (header → element) and the
    problems. A mapping key is a header name or a question number; an element column comes
    from the mapping, else from its own name (U8) or number (8, Q8 → U8)."""
    mapping = dict(mapping or {})
    errors: list[RowError] = []
    index: dict[str, int] = {}
    used: dict[str, str] = {}
    by_element: dict[str, str] = {}
    matched: set[str] = set()
    known = {c.casefold(): c for c in (*CSV_REQUIRED, *CSV_OPTIONAL)}
    for i, raw in enumerate(header):
        name = raw.strip()
        if not name:
            continue
        number = question_number(name)
        key = name.casefold()
        if key not in mapping and number is not None and str(number) in mapping:
            key = str(number)
        if key in mapping:
            matched.add(key)
            canonical: str | None = mapping[key]
        elif key in known:
            canonical = known[key]
        elif number is not None:
            canonical = f"U{number}"
        else:
            canonical = None
        if canonical is None:
            errors.append(RowError(1, name, "unknown_column"))
        elif canonical in index:
            if canonical in ELEMENTS and by_element.get(canonical, canonical) != name:
                errors.append(
                    RowError(
                        1, name, "duplicate_element", {"code": canonical, "other": by_element[canonical]}
                    )
                )
            else:
                errors.append(RowError(1, name, "duplicate_column"))
        else:
            index[canonical] = i
            if canonical in ELEMENTS:
                used[name] = canonical
                by_element[canonical] = name
    for key in mapping:
        if key not in matched:
            errors.append(RowError(0, "--map", "map_no_column", {"name": key}))
    for name in CSV_REQUIRED:
        if name not in index:
            errors.append(RowError(1, name, "missing_column"))
    return index, used, errors


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
        note = survey.clean_suggestions(cells.get("saran", ""))
    except ValidationError:
        bad("saran", "long_suggestion", max=survey.SUGGESTIONS_MAX)

    if errors:
        return None, errors
    return {"day": day, "scores": scores, "service": service, "profile": profile, "saran": note}, []


def import_csv(
    ctx: Context, path: Path | str, *, allow_duplicate: bool = False, mapping: str | None = None
) -> ImportResult:
    """Paper forms from a CSV (columns tanggal, U1…U9, optional layanan, usia, jenis_kelamin,
    pendidikan, pekerjaan, saran; comma, semicolon or tab separated; UTF-8). Every row is checked
    first: any error rejects the whole file (`CsvRejected`, listing row, column and reason) and
    nothing is imported. The same file twice is refused unless `allow_duplicate`; the same file
    again after an import that was cut off (a crash between chunks) writes the forms it had not
    written yet (`already` says how many were there). `mapping`
    (`"8=U9,9=U8"` or `"Q8=U9,Q9=U8"`) says which column holds which element; the result's
    `mapping` is the one used. A blank element is allowed: the form counts for the others."""
    ctx.actor.require(Permission.SURVEY_IMPORT)
    columns, map_errors = parse_mapping(mapping)
    if map_errors:
        raise CsvRejected(str(path), map_errors)
    path = Path(path)
    data, header, body = _read_table(path)
    digest = hashlib.sha256(data).hexdigest()
    del data
    if not any(cell.strip() for cell in header):
        raise ValidationError("survey.csv.empty", field="file", path=str(path))
    index, used, errors = _check_header(header, columns)
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
        if len(row) > len(header) and any(c.strip() for c in row[len(header) :]):
            errors.append(RowError(number, "", "extra_cells"))
            continue
        cells = {name: (row[i] if i < len(row) else "") for name, i in index.items()}
        form, row_errors = _check_row(number, cells, services, today)
        errors += row_errors
        if form is not None:
            form["row"] = number
            parsed.append(form)
    if errors:
        raise CsvRejected(str(path), errors)

    # Which import of this file this is: the count of completed ones. An import cut off before
    # its audit entry leaves that count as it was, so running the file again makes the same ids.
    earlier = _earlier_imports(digest)
    ids = _form_ids(ctx, digest, len(earlier), [f["row"] for f in parsed])
    if earlier and not allow_duplicate and not _present(ids[0], ids[-1]):
        raise ValidationError(
            "survey.csv.duplicate",
            field="file",
            path=str(path),
            when=earlier[0].at[:16].replace("T", " "),
        )
    # Everything is built before any write lock is taken: each chunk's transaction below only
    # looks up which of its ids are there already and runs two prepared bulk inserts.
    survey_sql, survey_rows, outbox_rows = _prepared_rows(ctx, parsed, ids)
    detail: dict[str, Any] = {"sha256": digest, "rows": len(parsed)}
    written = 0
    for start in range(0, len(parsed), CHUNK_ROWS):
        stop = min(start + CHUNK_ROWS, len(parsed))
        began = time.perf_counter()
        written += _write_chunk(
            ctx,
            survey_sql,
            ids[start:stop],
            survey_rows[start:stop],
            outbox_rows[start:stop],
            audit=(path.name, detail, len(earlier)) if stop == len(parsed) else None,
        )
        if stop < len(parsed):
            # as long again with the lock free: the import takes at most half of the writers'
            # time, so a counter waiting for the lock (busy timeout) gets it between chunks
            time.sleep(max(time.perf_counter() - began, 0.002))
    days = [f["day"] for f in parsed]
    return ImportResult(
        imported=written,
        already=len(parsed) - written,
        incomplete=sum(1 for f in parsed if not ikm_rules.is_complete(f["scores"])),
        first_day=min(days),
        last_day=max(days),
        sha256=digest,
        path=str(path),
        mapping={name: used[name] for name in sorted(used, key=lambda n: index[used[n]])},
    )


_OUTBOX_SQL = (
    'INSERT INTO "outbox" ("entity", "uuid", "op", "payload", "created_at") '
    "VALUES (?, ?, ?, ?, ?)"
)  # as journal.outbox writes one row


def _earlier_imports(digest: str) -> list[AuditLog]:
    """The completed imports of the file with this sha256, oldest first."""
    query = (
        AuditLog.select(AuditLog.at, AuditLog.detail)
        .where(AuditLog.action == "survey.import")
        .order_by(AuditLog.id)
    )
    return [a for a in query if (a.detail or {}).get("sha256") == digest]


def _form_ids(ctx: Context, digest: str, run: int, rows: Sequence[int]) -> list[str]:
    """The ids of the forms on `rows` of the file in its `run`-th import (0 for the first) at
    this site and counter: the same every time the same import is tried again, new for a
    deliberate duplicate (`allow_duplicate`: one more completed import). A UUID of version 8
    (RFC 9562's own layout) whose first 80 bits come from the sha256 of all that and whose last
    48 are the row, so one import's ids sort by row and are written in index order."""
    key = "/".join(
        ("loket-survey-import", ctx.setting("site_code"), ctx.setting("counter_code"), digest, str(run))
    )
    head = bytearray(hashlib.sha256(key.encode()).digest()[:10])
    head[6] = (head[6] & 0x0F) | 0x80  # version 8
    head[8] = (head[8] & 0x3F) | 0x80  # the RFC's variant
    h = head.hex()
    prefix = f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-"
    return [f"{prefix}{row:012x}" for row in rows]


def _present(first: str, last: str) -> set[str]:
    """The ids between `first` and `last` (one import's, in row order) already stored."""
    rows = db.execute_sql(
        'SELECT "id" FROM "survey_response" WHERE "id" BETWEEN ? AND ?', (first, last)
    ).fetchall()
    return {r[0] for r in rows}


def _write_chunk(
    ctx: Context,
    survey_sql: str,
    ids: Sequence[str],
    survey_rows: Sequence[tuple[Any, ...]],
    outbox_rows: Sequence[tuple[Any, ...]],
    *,
    audit: tuple[str, dict[str, Any], int] | None,
) -> int:
    """One transaction: the chunk's forms not stored yet and their outbox rows; with `audit`
    (the file's name, the entry's detail, the run) the import's audit entry too. Returns how
    many forms it wrote."""
    with db.atomic():
        present = _present(ids[0], ids[-1])
        todo = [i for i, form_id in enumerate(ids) if form_id not in present]
        cursor = db.cursor()
        cursor.executemany(survey_sql, [survey_rows[i] for i in todo])
        cursor.executemany(_OUTBOX_SQL, [outbox_rows[i] for i in todo])
        if audit is not None:
            name, detail, run = audit
            # another import of the same file that finished this run meanwhile wrote the
            # entry (and the forms: we skipped them); one entry per completed import
            if len(_earlier_imports(detail["sha256"])) == run:
                journal.audit(ctx.clock, ctx.actor.username, "survey.import", name, detail)
    return len(todo)


def _prepared_rows(
    ctx: Context, parsed: Sequence[Mapping[str, Any]], ids: Sequence[str]
) -> tuple[str, list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The INSERT of survey rows and the parameters of every form and its outbox row."""
    fields = SurveyResponse._meta.sorted_fields
    columns = ", ".join(f'"{f.column_name}"' for f in fields)
    sql = f'INSERT INTO "survey_response" ({columns}) VALUES ({", ".join("?" * len(fields))})'
    assert SurveyResponse._meta.table_name == "survey_response"
    created = db_time(to_db(ctx.clock.now()))
    survey_rows: list[tuple[Any, ...]] = []
    outbox_rows: list[tuple[Any, ...]] = []
    for form, form_id in zip(parsed, ids, strict=True):
        row = survey.new_row(
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
        row.id = form_id
        survey_rows.append(tuple(_sql_value(f.db_value(row.__data__.get(f.name))) for f in fields))
        outbox_rows.append(("survey", row.id, "upsert", dump_json(survey.sync_payload(row)), created))
    return sql, survey_rows, outbox_rows


def _sql_value(value: Any) -> Any:
    """Dates and times as the text peewee stores them (sqlite3's own adapters are deprecated)."""
    if isinstance(value, (date, datetime)):
        return str(value)
    return value

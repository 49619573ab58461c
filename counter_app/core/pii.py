"""Personal data in values that leave the PC: find it, mask it, refuse it — one set of rules.

The counter masks (`redact`) before a payload leaves; the sync server refuses (`document_problem`)
what still holds a full NIK or phone number. Both call the same finders, so they never disagree.

Decoded values are checked field by field, by what the field's key says it holds:

* free text (complaint text, action notes, suggestions, notes, outcome, and any key not known
  below): numbers are looked for with their separators normalised (spaces, dots, dashes,
  parentheses, full-width digits, zero-width marks; prefixes +62, 62, 0062 and 0) — 16-digit
  NIK-shaped runs, and phone numbers (`phonenumbers`' matcher for region ID, and our own
  grouping of digit runs, each candidate confirmed by `phonenumbers`);
* structured fields (ids, times, receipt numbers, hashes, key ids) are not scanned as text when
  they have their shape (a uuid may end in 12 digits, a microsecond time has 20, a SHA-256 may
  hold 17 digits in a row); a value without the shape is free text after all;
* numbers (int, float) in a field not declared numeric are refused when their digits form a
  valid-looking NIK or phone number (`6.171014501900001e15`); declared numeric fields (seq,
  counts, scores, fees, microsecond stamps) are left alone;
* keys that name a phone number may hold only an empty or masked value.

Masks follow the project's own: NIK `6171**********01` (`nik.mask`), phone `0812****7890`
(`phone.mask`), names `Budi S******` (`person.mask_name`). Problems never quote the value.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Any, NamedTuple

import phonenumbers
from phonenumbers import Leniency, NumberParseException, PhoneNumberMatcher

from counter_app.core import nik as nik_rules, phone as phone_rules
from counter_app.core.person import mask_name

# ---- what a key holds ----------------------------------------------------------------------

TEXT, ID, TIME, RECEIPT, NUMBER, PHONE, OPAQUE = "text", "id", "time", "receipt", "number", "phone", "opaque"

# Keys that name a phone number (any language the program speaks). A masked value is allowed.
PHONE_KEY = re.compile(r"phone|telepon|telp|whatsapp|msisdn|handphone|(^|_)(hp|wa|ponsel)($|_)", re.I)
_ID_KEYS = frozenset({"id", "uuid", "batch_id", "transferred_from", "transferred_to"})
_TIME_KEYS = frozenset({"day", "date", "at", "since_at"})
_RECEIPT_KEYS = frozenset({"receipt_no", "number"})
# Hashes, key ids, keys, signatures, tokens: random-looking material, long runs of digits by chance.
_OPAQUE_KEYS = frozenset(
    {
        "hash",
        "prev_hash",
        "kid",
        "public_key",
        "signature",
        "token",
        "nonce",
        "digest",
        "checksum",
        "sha256",
        "password_hash",
    }
)
# Declared numeric: counters, scores, money, durations, sequence numbers, raw time stamps.
_NUMBER_KEYS = frozenset(
    {
        "seq",
        "version",
        "since",
        "stored_through",
        "call_count",
        "fee",
        "target_minutes",
        "waiting",
        "count",
        "total",
        "score",
        "amount",
        "added",
        "pushed",
        "pulled",
        "redacted",
        "sequence",
        *(f"U{i}" for i in range(1, 10)),
        *(f"u{i}" for i in range(1, 10)),
    }
)
_NUMBER_SUFFIX = re.compile(
    r"_(count|total|minutes|seconds|secs|ms|us|ns|seq|no_seq|version|score|fee|amount|size|bytes)$"
)

_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?")
# PTK-L01-20261130-A023 (a ticket), PTK-L01-20261130-A12005 (an offline code: 5 digits),
# PTK-L01-20261130-P01 (a complaint)
_RECEIPT = re.compile(r"[A-Za-z0-9._]{1,32}-[A-Za-z0-9._]{1,32}-\d{8}-[A-Z]\d{1,5}")
# hex or base64 with at least one letter (a bare run of digits is read as text), or a SHA-256
_OPAQUE = re.compile(r"(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9+/_=$.-]{16,}|[0-9a-f]{64}")
_SHAPES = {ID: _UUID, TIME: _ISO, RECEIPT: _RECEIPT, OPAQUE: _OPAQUE}


@lru_cache(maxsize=4096)
def field_kind(key: str) -> str:
    """What a payload key holds: TEXT (scanned), ID/TIME/RECEIPT/OPAQUE (skipped when shaped so),
    NUMBER (declared numeric) or PHONE (only empty or masked)."""
    if PHONE_KEY.search(key):
        return PHONE
    if key in _ID_KEYS or key.endswith("_id") or key.endswith("_uuid"):
        return ID
    if key in _TIME_KEYS or key.endswith("_at") or key.endswith("_day") or key.endswith("_date"):
        return TIME
    if key in _RECEIPT_KEYS:
        return RECEIPT
    if key in _OPAQUE_KEYS or key.endswith("_hash") or key.endswith("_signature"):
        return OPAQUE
    if key in _NUMBER_KEYS or _NUMBER_SUFFIX.search(key):
        return NUMBER
    return TEXT


# ---- text: folding, finding, masking --------------------------------------------------------

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"


@lru_cache(maxsize=2048)
def _fold_char(ch: str) -> str:
    """One character as the finders see it (always one character: positions are kept)."""
    digit = unicodedata.decimal(ch, None)
    if digit is not None:
        return str(digit)
    if ch in _DASHES:
        return "-"
    if ch == "\uff0b":
        return "+"
    if ch in "\uff08\uff09":
        return "(" if ch == "\uff08" else ")"
    category = unicodedata.category(ch)
    if category in ("Zs", "Cf", "Cc"):  # no-break and other spaces, zero-width marks, tabs
        return " "
    return ch


def fold(text: str) -> str:
    """`text` with every digit ASCII, dashes `-`, spaces and invisible marks ` `; same length."""
    if text.isascii():
        return text if text.isprintable() else text.translate(_ASCII_CONTROLS)
    return "".join(ch if ch.isascii() and ch.isprintable() else _fold_char(ch) for ch in text)


_ASCII_CONTROLS = {c: " " for c in [*range(32), 127]}


class Finding(NamedTuple):
    start: int
    end: int
    kind: str  # "nik" | "phone"
    masked: str


# Enough digits for a phone number (8 with its 0) somewhere in the text: the quick test.
_ENOUGH_DIGITS = re.compile(r"\d(?:\D{0,40}\d){7}")
# Digit runs joined by at most three separators; a leading + or ( belongs to the number.
_SPAN = re.compile(r"[+(]{0,2}\d(?:[ .\-_()]{1,3}\d|\d)*")
_GROUP = re.compile(r"\d+")
# National candidates before asking phonenumbers: 0, then a non-zero digit, 8–13 digits in all.
_NATIONAL = re.compile(r"0[1-9]\d{6,11}")


@lru_cache(maxsize=8192)
def phone_e164(digits: str, plus: bool = False) -> str | None:
    """The E.164 form of a run of digits when it is a valid phone number, else None.

    Accepted spellings: `08…`/`0561…` (national), `62…`, `0062…` and `+…` (international)."""
    if plus:
        text = "+" + digits
    elif digits.startswith("0062"):
        text = "+" + digits[2:]
    elif digits.startswith("62"):
        text = "+" + digits
    elif _NATIONAL.fullmatch(digits):
        text = digits
    else:
        return None
    if not 9 <= len(text) <= 16:
        return None
    try:
        number = phonenumbers.parse(text, "ID")
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def looks_like_nik(digits: str) -> bool:
    """Sixteen digits with a NIK's structure: province, region, birth date (women + 40), serial."""
    if len(digits) != 16 or not digits.isdigit():
        return False
    if digits[:2] not in nik_rules.PROVINCES or digits[2:4] == "00" or digits[4:6] == "00":
        return False
    day, month = int(digits[6:8]), int(digits[8:10])
    day = day - 40 if day > 40 else day
    return 1 <= day <= 31 and 1 <= month <= 12 and digits[12:] != "0000"


def _mask_phone(e164: str) -> str:
    try:
        return phone_rules.mask(e164)
    except NumberParseException:
        return "*" * 8


def _blank(match: re.Match[str]) -> str:
    return "#" * (match.end() - match.start())


# 04-01-2000, 4/1/26, 04.01.2000, 04 01 2000, 2000/01/04: a whole date, not part of a longer run
_DATE = re.compile(
    r"(?<![\d.\-/])(?:(\d{1,2})([-./ ])(\d{1,2})\2(\d{4}|\d{2})|(\d{4})([-./])(\d{1,2})\6(\d{1,2}))(?![\d]|[-./]\d)"
)
# 08.30, 8:30, 08.30.15: a clock time standing alone
_CLOCK = re.compile(r"(?<![\d.:\-])([0-2]?\d)[.:]([0-5]\d)(?:[.:][0-5]\d)?(?![\d]|[.:\-]\d)")


def _blank_date(match: re.Match[str]) -> str:
    if match.group(1) is not None:
        day, month = int(match.group(1)), int(match.group(3))
    else:
        day, month = int(match.group(8)), int(match.group(7))
    return _blank(match) if 1 <= day <= 31 and 1 <= month <= 12 else match.group()


def _blank_clock(match: re.Match[str]) -> str:
    return _blank(match) if int(match.group(1)) <= 24 else match.group()


def find(text: str, first: bool = False) -> list[Finding]:
    """Every full NIK and phone number in a free text, in order, not overlapping (`first`: stop
    at the first one found, for a check that only needs to know)."""
    folded = fold(text)
    if not _ENOUGH_DIGITS.search(folded):
        return []
    # ids, times, receipt numbers, dates and clock times quoted in a text are no one's number
    # (joined with its neighbours, `04-01-2000 08.30` would read as a Jakarta number)
    # Blanking only turns digits into `#`: once too few digits are left for a number, none of
    # the finders below can find one (each needs 8 digits close together), so stop there.
    folded = _RECEIPT.sub(_blank, _ISO.sub(_blank, _UUID.sub(_blank, folded)))
    if not _ENOUGH_DIGITS.search(folded):
        return []
    folded = _CLOCK.sub(_blank_clock, _DATE.sub(_blank_date, folded))
    found: list[Finding] = []
    for span in _SPAN.finditer(folded):
        found.extend(_in_span(span))
        if first and found:
            return found
    if _ENOUGH_DIGITS.search(folded):
        # a second opinion: libphonenumber's own matcher (unusual groupings, foreign numbers)
        for match in PhoneNumberMatcher(folded, "ID", leniency=Leniency.VALID, max_tries=200):
            # held to our own spellings (prefix +, 62, 0062 or 0, nine digits or more): the
            # matcher alone takes `03.10.2000` or `1.500.000` for numbers
            digits = re.sub(r"\D", "", match.raw_string)
            e164 = phone_e164(digits, match.raw_string.lstrip("(").startswith("+"))
            if e164:
                found.append(Finding(match.start, match.end, "phone", _mask_phone(e164)))
    return _disjoint(found)


def _in_span(span: re.Match[str]) -> list[Finding]:
    """Within one run of digit groups, the windows of whole groups that form a NIK or phone."""
    groups = [
        (g.start() + span.start(), g.end() + span.start(), g.group()) for g in _GROUP.finditer(span.group())
    ]
    plus_at = span.start() + span.group().find("+") if "+" in span.group() else -1
    out: list[Finding] = []
    i = 0
    while i < len(groups):
        start, _end, digits = groups[i]
        if len(digits) >= 16:  # one long run: it holds a NIK-sized number whatever it is
            out.append(Finding(_lead(span, start), groups[i][1], "nik", _mask_nik(digits)))
            i += 1
            continue
        plus = plus_at >= 0 and i == 0
        best: tuple[int, str] | None = None
        nik_at: int | None = None
        joined = ""
        for j in range(i, len(groups)):
            joined += groups[j][2]
            if len(joined) > 16:
                break
            if len(joined) == 16 and looks_like_nik(joined):
                nik_at = j
            if len(joined) >= 8 and (e164 := phone_e164(joined, plus)):
                best = (j, e164)
        if best is not None:
            out.append(Finding(_lead(span, start), groups[best[0]][1], "phone", _mask_phone(best[1])))
            i = best[0] + 1
        elif nik_at is not None:
            nik_digits = "".join(g[2] for g in groups[i : nik_at + 1])
            out.append(Finding(_lead(span, start), groups[nik_at][1], "nik", _mask_nik(nik_digits)))
            i = nik_at + 1
        else:
            i += 1
    return out


def _lead(span: re.Match[str], start: int) -> int:
    """Include a leading `+`/`(` of the span's first number in what is masked."""
    return (
        span.start() if start == span.start() + len(span.group()) - len(span.group().lstrip("+(")) else start
    )


def _mask_nik(digits: str) -> str:
    return nik_rules.mask(digits) if len(digits) == 16 else digits[:4] + "*" * (len(digits) - 6) + digits[-2:]


def _disjoint(found: list[Finding]) -> list[Finding]:
    out: list[Finding] = []
    for f in sorted(found, key=lambda f: (f.start, -f.end)):
        if out and f.start < out[-1].end:
            if f.end > out[-1].end:  # overlapping: one masked stretch over both
                last = out[-1]
                out[-1] = Finding(last.start, f.end, last.kind, last.masked)
            continue
        out.append(f)
    return out


def text_problem(text: str, where: str = "") -> str | None:
    """Why a free text may not leave the PC (a full NIK or phone number), or None."""
    for finding in find(text, first=True):
        what = "NIK-like number" if finding.kind == "nik" else "phone number"
        return f"{what} in {where or 'text'}"
    return None


def mask_names(text: str, names: Iterable[str]) -> str:
    """`text` with the visitor's known names masked: the full name as `person.mask_name` shows
    it (`Budi S******`), and each later word of it alone (`S******`); a one-word name
    everywhere (`Suk****`)."""
    clean = sorted(
        {" ".join(unicodedata.normalize("NFC", n).split()) for n in names if n and n.strip()},
        key=len,
        reverse=True,
    )
    if not clean:
        return text
    text = unicodedata.normalize("NFC", text)
    for name in clean:
        words = name.split()
        whole = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.I)
        text = whole.sub(lambda m: mask_name(" ".join(m.group().split())), text)
        for word in words[1:] if len(words) > 1 else words:
            if sum(ch.isalpha() for ch in word) < 3:
                continue  # "Bin", "Al": too common to mask alone
            alone = re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)", re.I)
            text = alone.sub(
                lambda m: (
                    mask_name(m.group()) if len(words) == 1 else m.group()[0] + "*" * (len(m.group()) - 1)
                ),
                text,
            )
    return text


def redact_text(text: str, names: Iterable[str] = ()) -> str:
    """`text` with every full NIK and phone number masked (`6171**********01`, `0812****7890`)
    and the given names masked; ids, times and receipt numbers left alone."""
    names = tuple(names)
    if names:
        text = mask_names(text, names)
    found = find(text)
    if not found:
        return text
    out, last = [], 0
    for f in found:
        out.append(text[last : f.start])
        out.append(f.masked)
        last = f.end
    out.append(text[last:])
    return "".join(out)


# ---- numbers --------------------------------------------------------------------------------


def number_problem(value: int | float) -> str | None:
    """ "nik" or "phone" when a number's digits form a valid-looking NIK or phone number."""
    found = _number_finding(value)
    return found[0] if found else None


def _number_finding(value: int | float) -> tuple[str, str] | None:
    candidates: list[str] = []
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if value.is_integer() and abs(value) < 1e20:
            candidates.append(str(abs(int(value))))
        text = repr(abs(value))
        if "e" not in text and "." in text:
            candidates.append(text.replace(".", "").lstrip("0") or "0")
    else:
        candidates.append(str(abs(value)))
    for digits in candidates:
        if looks_like_nik(digits):
            return "nik", nik_rules.mask(digits)
        if 8 <= len(digits) <= 15:
            e164 = phone_e164(digits) or phone_e164("0" + digits)
            if e164:
                return "phone", _mask_phone(e164)
    return None


# ---- documents --------------------------------------------------------------------------------


def _masked(value: Any) -> bool:
    """A phone field may exist only empty or masked (`0812****7890`), with no number left in it."""
    if value is None or value == "":
        return True
    return isinstance(value, str) and "*" in value and not find(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Field(NamedTuple):
    key: str
    kind: str
    shape: re.Pattern[str] | None
    bad_key: bool  # a number used as a key


@lru_cache(maxsize=1024)
def _plan(keys: tuple[Any, ...]) -> tuple[_Field, ...]:
    """What each key of a mapping holds, worked out once per key set (a push repeats the same
    few key sets thousands of times)."""
    out = []
    for raw in keys:
        key = str(raw)
        kind = field_kind(key)
        out.append(_Field(key, kind, _SHAPES.get(kind), kind == TEXT and _key_problem(key) is not None))
    return tuple(out)


def _clean_text(value: str) -> bool:
    """The common case decided without `find`: plain ASCII with too few digits for a number
    (the very first test `find` makes; anything else goes the whole way)."""
    return value.isascii() and value.isprintable() and _ENOUGH_DIGITS.search(value) is None


@lru_cache(maxsize=256)
def _under(shaped: frozenset[str], key: str) -> frozenset[str]:
    prefix = key + "."
    return frozenset(s[len(prefix) :] for s in shaped if s.startswith(prefix))


class _Quick(NamedTuple):
    """A field as `clear` sees it (see `_quick_plan`)."""

    shaped: bool  # its string values were validated to have their shape by the caller
    numeric: bool  # declared numeric (ints are left alone)
    shape: re.Pattern[str] | None
    inner: frozenset[str]  # `shaped` for a mapping under this key


@lru_cache(maxsize=1024)
def _quick_plan(keys: tuple[Any, ...], shaped: frozenset[str]) -> tuple[_Quick, ...] | None:
    """`_plan` for `clear`, per key set and shaped keys; None when a key itself needs the whole
    walk (a phone field, a key that looks like personal data)."""
    out = []
    for field in _plan(keys):
        if field.bad_key or field.kind == PHONE:
            return None
        out.append(
            _Quick(
                field.key in shaped,
                field.kind == NUMBER,
                field.shape,
                _under(shaped, field.key) if shaped else frozenset(),
            )
        )
    return tuple(out)


def _text_clear(text: str) -> bool:
    """No full NIK or phone number in a free text. Short texts are remembered: a push repeats
    a ticket's receipt number, its served_by … row after row."""
    return _short_text_clear(text) if len(text) <= 64 else not find(text, first=True)


@lru_cache(maxsize=8192)
def _short_text_clear(text: str) -> bool:
    return not find(text, first=True)


_SMALL = 10_000_000  # an int of at most 7 digits is neither a NIK nor a phone number


def clear(doc: dict[str, Any], shaped: frozenset[str] = frozenset()) -> bool:
    """True when `document_problem(doc, shaped=shaped)` finds nothing, decided without building
    paths or messages; False means "not sure": ask `document_problem` (the same rules, walked
    in full). The server's hot path: every pushed row goes through here."""
    keys = tuple(doc)
    if len(keys) > 64:
        return False
    plan = _quick_plan(keys, shaped)
    if plan is None:
        return False
    for (shaped_str, numeric, shape, inner), value in zip(plan, doc.values()):
        kind = type(value)
        if kind is str:
            if (
                shaped_str
                or len(value) < 8
                or (shape is not None and shape.fullmatch(value))
                or (value.isascii() and value.isprintable() and _ENOUGH_DIGITS.search(value) is None)
                or _text_clear(value)
            ):
                continue  # the same tests as `document_problem`, in its order
            return False
        if value is None or kind is bool:
            continue
        if kind is int:
            if numeric or -_SMALL < value < _SMALL:
                continue
            return False
        if kind is dict:
            if clear(value, inner):
                continue
            return False
        return False  # lists, floats and anything else: the whole walk
    return True


_NONE = type(None)
_PLAIN = frozenset({str, int, bool, dict, _NONE})


def clear_all(docs: Sequence[Any], shaped: frozenset[str] = frozenset()) -> bool:
    """True when `clear(doc, shaped)` holds for every one of `docs` (so `document_problem`
    finds nothing in any of them), checked a field at a time across all of them: each
    distinct text once, the numbers by their extremes. False: "not sure", ask each one."""
    if not docs:
        return True
    if set(map(type, docs)) != {dict}:
        return False
    key_sets = set(map(tuple, docs))
    if len(key_sets) > 8:
        return all(clear(doc, shaped) for doc in docs)
    for keys in key_sets:
        if len(keys) > 64:
            return False
        plan = _quick_plan(keys, shaped)
        if plan is None:
            return False
        group = docs if len(key_sets) == 1 else [d for d in docs if tuple(d) == keys]
        for (shaped_str, numeric, shape, inner), column in zip(plan, zip(*map(dict.values, group))):
            types = set(map(type, column))
            if not types <= _PLAIN:
                return False  # lists, floats …: each one the whole way
            if str in types and not shaped_str:
                texts = column if len(types) == 1 else [v for v in column if type(v) is str]
                # all too short for a number of ours, or each distinct one as `clear` does
                for value in () if max(map(len, texts)) < 8 else set(texts):
                    if not (
                        len(value) < 8
                        or (shape is not None and shape.fullmatch(value))
                        or (value.isascii() and value.isprintable() and _ENOUGH_DIGITS.search(value) is None)
                        or _text_clear(value)
                    ):
                        return False
            if int in types and not numeric:
                numbers = [v for v in column if type(v) is int]
                if min(numbers) <= -_SMALL or max(numbers) >= _SMALL:
                    return False
            if dict in types and not clear_all([v for v in column if type(v) is dict], inner):
                return False
    return True


def document_problem(
    doc: Any, path: str = "", kind: str = TEXT, shaped: frozenset[str] = frozenset()
) -> str | None:
    """The first field of a decoded document holding personal data, as `what in path`, or None.

    `shaped`: dotted keys (`payload.arrived_at`) whose string values the caller has already
    validated to have their kind's shape (a uuid, an ISO time): the same answer, without
    matching each of them again (the server's schema checks them on every push)."""
    if type(doc) is dict and clear(doc, shaped):
        return None
    if isinstance(doc, Mapping):
        keys = tuple(doc)
        plan = _plan(keys) if len(keys) <= 64 else tuple(_plan((k,))[0] for k in keys)
        for field, value in zip(plan, doc.values()):
            key, sub = field.key, field.kind
            if field.bad_key:
                return f"personal data in a key of {path or 'the document'}"
            if sub == PHONE and not _masked(value):
                return f"phone field {path + '.' + key if path else key}"
            if value is None or value is True or value is False:
                continue
            if type(value) is str:
                if (
                    len(value) < 8
                    or key in shaped
                    or (field.shape is not None and field.shape.fullmatch(value))
                ):
                    continue  # too short for a number of ours, or an id/time/receipt number
                if _clean_text(value):
                    continue
            elif type(value) is int and sub == NUMBER:
                continue  # declared numeric
            elif isinstance(value, bool):
                continue
            inner = _under(shaped, key) if shaped and isinstance(value, Mapping) else frozenset()
            problem = document_problem(value, path + "." + key if path else key, sub, inner)
            if problem:
                return problem
        return None
    if isinstance(doc, (list, tuple)):
        for i, value in enumerate(doc):
            problem = document_problem(value, f"{path}[{i}]", kind)
            if problem:
                return problem
        return None
    if isinstance(doc, str):
        shape = _SHAPES.get(kind)
        if shape is not None and shape.fullmatch(doc):
            return None
        return text_problem(doc, path)
    if _is_number(doc) and kind != NUMBER:
        found = number_problem(doc)
        if found:
            return f"{'NIK-like number' if found == 'nik' else 'phone number'} in {path or 'value'}"
    return None


@lru_cache(maxsize=4096)
def _key_problem(key: str) -> str | None:
    return text_problem(key)


def redact(doc: Any, names: Sequence[str] = (), kind: str = TEXT) -> Any:
    """A decoded document with full NIKs and phone numbers masked, the given names masked in
    its texts, and phone fields masked or emptied: what a counter sends, so that
    `document_problem` finds nothing in it."""
    if isinstance(doc, Mapping):
        out = {}
        for key, value in doc.items():
            skey = str(key)
            sub = field_kind(skey)
            if sub == PHONE and not _masked(value):
                if isinstance(value, str):
                    value = redact_text(value)
                    if not _masked(value):
                        value = None  # not a number at all, or still one: nothing to keep
                elif _is_number(value) and (found := _number_finding(value)):
                    value = found[1]
                else:
                    value = None
            if sub == TEXT and _key_problem(skey):
                skey = redact_text(skey)
            out[skey] = redact(value, names, sub)
        return out
    if isinstance(doc, (list, tuple)):
        return [redact(v, names, kind) for v in doc]
    if isinstance(doc, str):
        shape = _SHAPES.get(kind)
        if shape is not None and shape.fullmatch(doc):
            return doc
        return redact_text(doc, names)
    if _is_number(doc) and kind != NUMBER:
        found = _number_finding(doc)
        if found:
            return found[1]
    return doc

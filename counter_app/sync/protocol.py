"""The sync wire protocol "loket-sync/1", shared by the counter's client and the central server.

Push (device → server), `POST /api/v1/push`::

    {"protocol": "loket-sync/1", "device": "PTK-L01", "batch_id": "<uuid>",
     "rows": [{"seq": 41, "entity": "ticket", "uuid": "…", "op": "upsert",
               "payload": {…}, "created_at": "2026-11-30T01:02:03.456789+00:00"}, …]}

Rows go in outbox order (strictly increasing `seq`). The server keeps, per (device, entity,
uuid), the row with the highest seq, all of a batch in one transaction, and remembers the
batch id, so a batch sent twice changes nothing. It answers `{"stored_through": N}`: the
highest seq of this device it has durably committed. The client marks its outbox rows sent up
to that number only, so an interruption anywhere just means those rows go again next time.

Pull (server → device), `GET /api/v1/pull?since=V`: reference data changed after version V
(service catalogue, staff accounts, the keyring of every device) and the new version.

Personal data: payloads carry masked data only. A full NIK (16 digits) or a phone number never
crosses the wire: `personal_data_problem` finds them (the server refuses such a batch).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

PROTOCOL = "loket-sync/1"
API = "/api/v1"
MAX_BODY_BYTES = 5 * 1024 * 1024  # larger requests are refused with 413
MAX_ROWS = 5000  # rows in one push batch (the client sends BATCH_ROWS)
BATCH_ROWS = 2000  # ≈1.3 MB of ticket rows; the client halves a batch that would pass the cap
TOKEN_BYTES = 32
DEVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ENTITY = re.compile(r"[a-z][a-z0-9_]{0,31}")
OPS = ("upsert", "delete")

# Reference data kinds, in the order a client applies them (foreign keys point backwards).
REFERENCE_KINDS = ("agency", "service", "counter", "staff")

# ---- personal data ------------------------------------------------------------------------

# Keys that name a phone number (any language the program speaks). A masked value is allowed.
_PHONE_KEY = re.compile(r"phone|telepon|telp|whatsapp|msisdn|handphone|(^|_)(hp|wa|ponsel)($|_)", re.I)
_UUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_NIK = re.compile(r"(?<!\d)\d{16,}(?!\d)|(?<![\d])\d{4}[ .-]\d{4}[ .-]\d{4}[ .-]\d{4}(?![\d])")
# Indonesian mobile numbers: 08…, 628…, +628… (10–13 digits with the leading 0).
_PHONE = re.compile(r"(?<![\d+])(?:\+?62|0)8\d{7,11}(?!\d)")

# The fast path scans raw JSON bytes: digits become "0", separators "-", the rest a space, so
# plain substring searches (C speed) find the few places worth a closer look.
_SHAPE = bytes(
    ord("0") if chr(b).isdigit() and b < 128
    else ord("-") if chr(b) in " .-"
    else ord("+") if chr(b) == "+"
    else ord(" ")
    for b in range(256)
)
_RUN10 = b"0" * 10
_SPACED = b"0000-0000-0000-0000"


def personal_data_problem(body: bytes, payloads: Sequence[Mapping[str, Any]] | None = None) -> str | None:
    """Why a raw JSON request body may not be accepted (a full NIK or phone), or None.

    `payloads`: the body's row payloads once decoded, for the check of their keys; without
    them the whole body is decoded and walked. Quick on clean bodies: digits are found by
    byte-level passes at C speed, with a precise look only at the strings where they find a
    long run (mostly the all-digit tail of some UUID). Never returns the offending value
    itself (it must not reach a log)."""
    problem = digits_problem(body)
    if problem or payloads is None:
        if problem is None:
            try:
                problem = document_problem(json.loads(body))
            except ValueError:
                return None  # not JSON: the request's own validation refuses it
        return problem
    return keys_problem(body, payloads)


def digits_problem(body: bytes) -> str | None:
    """A full NIK or phone number anywhere in the raw text."""
    shape = body.translate(_SHAPE)
    for mark in (_RUN10, _SPACED):
        start = 0
        while (hit := shape.find(mark, start)) >= 0:
            # the JSON string (or bare number) around the hit, checked precisely
            left = max(body.rfind(b'"', 0, hit), body.rfind(b":", 0, hit), body.rfind(b",", 0, hit))
            right_q = body.find(b'"', hit)
            right = len(body) if right_q < 0 else right_q
            problem = text_problem(body[left + 1 : right].decode("utf-8", "replace"))
            if problem:
                return problem
            start = right + 1 if right > hit else hit + len(mark)
    return None


_phone_keys: dict[tuple[str, ...], tuple[str, ...]] = {}


def keys_problem(body: bytes, payloads: Sequence[Mapping[str, Any]]) -> str | None:
    """A phone-like key in the payloads. Payloads of one kind share their keys, so each set of
    keys is checked once; nested objects (rare) are walked in full."""
    if body.count(b"{") > 1 + 2 * len(payloads):  # more objects than the rows and payloads
        for i, payload in enumerate(payloads):
            problem = document_problem(payload, f"rows[{i}].payload")
            if problem:
                return problem
        return None
    if len(_phone_keys) > 10_000:
        _phone_keys.clear()
    for i, payload in enumerate(payloads):
        keys = tuple(payload)
        phone_keys = _phone_keys.get(keys)
        if phone_keys is None:
            phone_keys = _phone_keys[keys] = tuple(k for k in keys if _PHONE_KEY.search(str(k)))
        for key in phone_keys:
            if _unmasked(payload[key]):
                return f"phone field rows[{i}].payload.{key}"
    return None


def document_problem(doc: Any, path: str = "") -> str | None:
    """The precise check of a decoded document: the path of the first offending field."""
    if isinstance(doc, Mapping):
        for key, value in doc.items():
            here = f"{path}.{key}" if path else str(key)
            if _PHONE_KEY.search(str(key)) and _unmasked(value):
                return f"phone field {here}"
            problem = document_problem(value, here)
            if problem:
                return problem
        return None
    if isinstance(doc, list):
        for i, value in enumerate(doc):
            problem = document_problem(value, f"{path}[{i}]")
            if problem:
                return problem
        return None
    if isinstance(doc, str):
        return text_problem(doc, path)
    if isinstance(doc, int) and not isinstance(doc, bool):
        return text_problem(str(doc), path)
    return None


def text_problem(text: str, where: str = "") -> str | None:
    clean = _UUID.sub("-", text)
    if _NIK.search(clean):
        return f"NIK-like number in {where or 'text'}"
    if _PHONE.search(clean):
        return f"phone number in {where or 'text'}"
    return None


def redact_text(text: str) -> str:
    """`text` with every full NIK or phone number masked (`6171**********01`,
    `0812****7890`); UUIDs are left alone."""
    out, last = [], 0
    for uuid_match in _UUID.finditer(text):
        out.append(_redact_plain(text[last : uuid_match.start()]))
        out.append(uuid_match.group())
        last = uuid_match.end()
    out.append(_redact_plain(text[last:]))
    return "".join(out)


def _redact_plain(text: str) -> str:
    def nik(m: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", m.group())
        return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]

    def phone(m: re.Match[str]) -> str:
        number = m.group()
        return number[:4] + "*" * (len(number) - 8) + number[-4:]

    return _PHONE.sub(phone, _NIK.sub(nik, text))


def redact(doc: Any) -> Any:
    """A decoded payload with full NIKs and phone numbers masked, and phone-like fields
    masked or emptied: what a counter sends when a free text (a complaint, a suggestion)
    holds one, rather than have the whole batch refused night after night."""
    if isinstance(doc, Mapping):
        out = {}
        for key, value in doc.items():
            if _PHONE_KEY.search(str(key)) and _unmasked(value):
                value = redact_text(value) if isinstance(value, str) else None
                if isinstance(value, str) and not text_problem(value) and "*" not in value:
                    value = None  # not a number at all: nothing to keep
            out[key] = redact(value)
        return out
    if isinstance(doc, list):
        return [redact(v) for v in doc]
    if isinstance(doc, str):
        return redact_text(doc)
    if isinstance(doc, int) and not isinstance(doc, bool) and text_problem(str(doc)):
        return redact_text(str(doc))
    return doc


def _unmasked(value: Any) -> bool:
    """A phone field may exist only empty or masked (`0812****7890`)."""
    if value is None or value == "":
        return False
    return not (isinstance(value, str) and "*" in value)


# ---- building requests --------------------------------------------------------------------


_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f-\uffff]')


def push_body(device: str, batch_id: str, rows: Sequence[tuple[int, str, str, str, str, str]]) -> bytes:
    """A push request from outbox rows (seq, entity, uuid, op, payload JSON text, created_at
    ISO text). The payload text is already the canonical JSON the store wrote: it is embedded
    as is rather than decoded and encoded again. The short text fields are plain ASCII in
    practice and are quoted directly, after one check for the whole batch (the client's hot
    path); anything else goes through json.dumps."""
    if _NEEDS_ESCAPE.search("".join(f"{e}{u}{o}{c}" for _s, e, u, o, _p, c in rows)):
        dumps = json.dumps
        parts = [
            f'{{"seq":{int(seq)},"entity":{dumps(entity)},"uuid":{dumps(uuid)},"op":{dumps(op)},'
            f'"created_at":{dumps(created_at)},"payload":{payload}}}'
            for seq, entity, uuid, op, payload, created_at in rows
        ]
    else:
        parts = [
            f'{{"seq":{int(seq)},"entity":"{entity}","uuid":"{uuid}","op":"{op}",'
            f'"created_at":"{created_at}","payload":{payload}}}'
            for seq, entity, uuid, op, payload, created_at in rows
        ]
    dumps = json.dumps
    head = f'{{"protocol":{dumps(PROTOCOL)},"device":{dumps(device)},"batch_id":{dumps(batch_id)},"rows":['
    return (head + ",".join(parts) + "]}").encode("utf-8")

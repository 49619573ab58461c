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

A client may have several batches on their way (`PIPELINE`): each one after the first carries
the last seq of the one before in the `Loket-After-Seq` header, and the server stores it only
once that seq is stored, so batches are stored in seq order and `stored_through` covers a
contiguous range. The client counts rows stored only up to the highest seq below which every
batch was acknowledged.

Pull (server → device), `GET /api/v1/pull?since=V`: reference data changed after version V
(service catalogue, staff accounts, the keyring of every device) and the new version.

Personal data: payloads carry masked data only. A full NIK (16 digits) or a phone number never
crosses the wire: `counter_app.core.pii` finds them in the decoded values, field by field (the
counter masks them, the server refuses a batch that still holds one).
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Mapping, Sequence
from typing import Any

from counter_app.core import pii

PROTOCOL = "loket-sync/1"
API = "/api/v1"
MAX_BODY_BYTES = 5 * 1024 * 1024  # larger requests are refused with 413
MAX_ROWS = 5000  # rows in one push batch (the client sends BATCH_ROWS)
BATCH_ROWS = 2000  # ≈1.3 MB of ticket rows; the client halves a batch that would pass the cap
PIPELINE = 3  # push batches a client has on their way at once
# Header of a push batch sent while the one before it may still be on its way: that one's
# last seq. The server stores the batch only once that seq is stored (batches in seq order).
AFTER_HEADER = "Loket-After-Seq"
TOKEN_BYTES = 32
DEVICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
ENTITY = re.compile(r"[a-z][a-z0-9_]{0,31}")
OPS = ("upsert", "delete")

# Reference data kinds, in the order a client applies them (foreign keys point backwards).
REFERENCE_KINDS = ("agency", "service", "counter", "staff")

# ---- personal data ------------------------------------------------------------------------
# The rules live in `counter_app.core.pii`, shared by the counter (which masks) and the server
# (which refuses): these names are kept for their callers.

PHONE_KEY = pii.PHONE_KEY
text_problem = pii.text_problem
redact_text = pii.redact_text
document_problem = pii.document_problem


def redact(doc: Any, names: Sequence[str] = ()) -> Any:
    """A decoded payload with full NIKs and phone numbers masked, phone-like fields masked or
    emptied, and the visitor's `names` masked in its texts: what a counter sends when a free
    text (a complaint, a suggestion) holds one, rather than have the whole batch refused."""
    return pii.redact(doc, names)


def _redact_plain(text: str) -> str:
    return pii.redact_text(text)


def rows_problem(
    rows: Sequence[Mapping[str, Any]], shaped: Mapping[str, frozenset[str]] | None = None
) -> str | None:
    """The first push row whose decoded fields hold a full NIK or phone number, named by its
    entity and field (`complaint rows[3].payload.text: phone number …`), or None.

    `shaped`: per row kind (an entity, or `delete`), the dotted keys the caller's schema has
    already validated as uuids or ISO times (`pii.document_problem`'s `shaped`)."""
    none: frozenset[str] = frozenset()
    if _all_clear(rows, shaped):
        return None  # the common case: all of them checked field by field, at once
    clear = pii.clear
    for i, row in enumerate(rows):
        keys = none
        if shaped is not None:
            keys = shaped.get("delete" if row.get("op") == "delete" else str(row.get("entity")), none)
        if type(row) is dict and clear(row, keys):
            continue  # the common case, decided without building the row's path
        problem = pii.document_problem(row, f"rows[{i}]", shaped=keys)
        if problem:
            entity = row.get("entity")
            return f"{entity}: {problem}" if isinstance(entity, str) and ENTITY.fullmatch(entity) else problem
    return None


_ENTITY_OF = operator.methodcaller("get", "entity")
_OP_OF = operator.methodcaller("get", "op")


def _all_clear(rows: Sequence[Mapping[str, Any]], shaped: Mapping[str, frozenset[str]] | None) -> bool:
    """`pii.clear_all` over the rows, each kind of row (entity, or delete) with its shaped keys."""
    none: frozenset[str] = frozenset()
    if shaped is None:
        return pii.clear_all(rows)
    if set(map(type, rows)) != {dict}:
        return False
    entities = set(map(_ENTITY_OF, rows))
    if len(entities) == 1 and "delete" not in set(map(_OP_OF, rows)):  # one kind of row
        return pii.clear_all(rows, shaped.get(str(entities.pop()), none))
    kinds: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        kinds.setdefault("delete" if row.get("op") == "delete" else str(row.get("entity")), []).append(row)
    return all(pii.clear_all(group, shaped.get(kind, none)) for kind, group in kinds.items())


def personal_data_problem(body: bytes, payloads: Sequence[Mapping[str, Any]] | None = None) -> str | None:
    """Why a JSON request body (or payload) may not be accepted (a full NIK or phone number in
    its decoded values, `\\u0036…` escapes and floats included), or None. Never returns the
    offending value itself (it must not reach a log). `payloads`: the body's row payloads
    already decoded (then only those are checked)."""
    if payloads is not None:
        return keys_problem(body, payloads)
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return None  # not JSON: the request's own validation refuses it
    if (
        isinstance(doc, Mapping)
        and isinstance(doc.get("rows"), list)
        and all(isinstance(r, Mapping) for r in doc["rows"])
    ):
        head = {k: v for k, v in doc.items() if k != "rows"}
        return pii.document_problem(head) or rows_problem(doc["rows"])
    return pii.document_problem(doc)


def digits_problem(body: bytes) -> str | None:
    """Kept for callers: the check of a whole body, decoded (it used to scan raw bytes, which
    missed `\\u0036…` escapes and floats and refused 16-digit sequence numbers)."""
    return personal_data_problem(body)


def keys_problem(body: bytes, payloads: Sequence[Mapping[str, Any]]) -> str | None:
    """Kept for callers: the check of decoded row payloads, field by field."""
    for i, payload in enumerate(payloads):
        problem = pii.document_problem(payload, f"rows[{i}].payload")
        if problem:
            return problem
    return None


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

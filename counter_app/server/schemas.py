"""The sync server's request and answer bodies, validated (pydantic): anything else is a 422.

Every request model refuses unknown fields. A pushed row's payload is validated by its entity
(ticket, event, complaint, survey): types, ISO times with their offset, codes, known statuses,
bounded lengths — so what the store keeps can always be read back by the reports.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, Literal, NotRequired

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    with_config,
)
from typing_extensions import TypedDict

from counter_app.core import ikm
from counter_app.core.deadlines import ComplaintClass
from counter_app.core.ticket_rules import Priority, Status
from counter_app.server.store import MAX_KEYS_PER_DEVICE
from counter_app.sync.protocol import DEVICE_NAME, MAX_ROWS, PROTOCOL

_DEVICE = f"^{DEVICE_NAME.pattern}$"
_CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_BINDING = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$"  # a site or counter code (store.SITE_CODE, any case)
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_ISO_TIME = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})?$"
# Payload days and times: ISO 8601, times with their offset (what `isoformat()` of an aware
# time gives). Checked by pattern, in the validator's own engine (the push is the hot path):
# the day fits its month; only 29 February of a common year gets through, and the reports
# skip what they cannot read anyway.
_DATE = (
    r"\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
    r"|02-(?:0[1-9]|1\d|2\d))"
)
_AWARE = rf"^{_DATE}T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{{1,6}})?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)$"
_DAY = rf"^{_DATE}$"
_TICKET_CODE = r"^[A-Z][0-9]{3,5}$"  # A023, A1024, A12005 (core/numbering.py)
_NUMBER = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"  # receipt and complaint numbers
_WORD = r"^[a-z][a-z0-9_]{0,63}$"  # actions, channels, categories
_NAME = 200  # masked names, user names and similar short texts
_TEXT = 4000  # free texts (the counter keeps 2,000)

Uuid = Annotated[str, Field(pattern=_UUID)]
Time = Annotated[str, Field(pattern=_AWARE)]
Day = Annotated[str, Field(pattern=_DAY)]
Code = Annotated[str, Field(pattern=_CODE)]
Short = Annotated[str, Field(max_length=_NAME)]
TicketStatus = Literal[tuple(s.value for s in Status)]  # type: ignore[valid-type]
# The complaint workflow's words (counter_app/services/complaints.py; a test keeps them equal).
COMPLAINT_STATUSES = ("baru", "diproses", "selesai")
COMPLAINT_CHANNELS = ("langsung", "telepon", "whatsapp", "kotak_saran", "lapor")
ComplaintStatus = Literal[COMPLAINT_STATUSES]  # type: ignore[valid-type]
_FORBID = ConfigDict(extra="forbid", strict=True)  # a "1" is not a number


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# The push is the hot path: its rows are validated into plain dicts (a TypedDict), about twice
# as fast as model instances, with the same constraints.
@with_config(_FORBID)
class TicketPayload(TypedDict):
    """services/tickets.py `sync_payload`: masked, no NIK, no phone."""

    id: Uuid
    day: Day
    code: Annotated[str, Field(pattern=_TICKET_CODE)]
    service: Code
    status: TicketStatus
    arrived_at: Time
    receipt_no: NotRequired[Annotated[str, Field(pattern=_NUMBER)]]
    device: NotRequired[Code]
    counter: NotRequired[Code | None]
    priority: NotRequired[Literal[tuple(p.value for p in Priority)]]  # type: ignore[valid-type]
    name_masked: NotRequired[Short]
    registered_at: NotRequired[Time]
    queued_at: NotRequired[Time | None]
    first_called_at: NotRequired[Time | None]
    started_at: NotRequired[Time | None]
    finished_at: NotRequired[Time | None]
    call_count: NotRequired[Annotated[int, Field(ge=0, le=100_000)]]
    served_by: NotRequired[Short | None]
    transferred_from: NotRequired[Uuid | None]
    transferred_to: NotRequired[Uuid | None]


@with_config(_FORBID)
class EventPayload(TypedDict):
    """A ticket event (who moved it, when, from which status to which)."""

    ticket_id: Uuid
    action: Annotated[str, Field(pattern=_WORD)]
    to_status: TicketStatus
    at: Time
    from_status: NotRequired[TicketStatus | None]
    actor: NotRequired[Short]
    counter: NotRequired[Code | None]
    detail: NotRequired[Annotated[dict[str, Short | int | bool | None], Field(max_length=20)] | None]


@with_config(_FORBID)
class ComplaintAction(TypedDict):
    at: Time
    actor: Short
    action: Annotated[str, Field(pattern=_WORD)]
    status_before: ComplaintStatus | None
    status_after: ComplaintStatus | None


@with_config(_FORBID)
class ComplaintPayload(TypedDict):
    """services/complaints.py `sync_payload`: everything but the contact."""

    id: Uuid
    number: Annotated[str, Field(pattern=_NUMBER)]
    received_at: Time
    day: Day
    status: ComplaintStatus
    text: Annotated[str, Field(max_length=_TEXT)]
    channel: NotRequired[Literal[COMPLAINT_CHANNELS]]  # type: ignore[valid-type]
    category: NotRequired[Annotated[str, Field(pattern=_WORD)]]
    classification: NotRequired[Literal[tuple(c.value for c in ComplaintClass)]]  # type: ignore[valid-type]
    ticket_id: NotRequired[Uuid | None]
    service: NotRequired[Code | None]
    contact_given: NotRequired[bool]
    deadline_at: NotRequired[Time | None]
    closed_at: NotRequired[Time | None]
    received_by: NotRequired[Short]
    device: NotRequired[Code]
    actions: NotRequired[Annotated[list[ComplaintAction], Field(max_length=500)]]


def _choice(values: tuple[str, ...]) -> Any:
    return Literal[values] | None  # type: ignore[valid-type]


@with_config(_FORBID)
class SurveyPayload(TypedDict):
    """services/survey.py `sync_payload`: answers, profile bands, suggestions."""

    id: Uuid
    day: Day
    answers: Annotated[
        dict[Literal[ikm.ELEMENTS], Annotated[int, Field(ge=1, le=4)] | None],  # type: ignore[valid-type]
        Field(max_length=len(ikm.ELEMENTS)),
    ]
    created_at: Time
    ticket_id: NotRequired[Uuid | None]
    service: NotRequired[Code | None]
    counter: NotRequired[Code | None]
    age_band: NotRequired[_choice(ikm.AGE_BANDS)]
    sex: NotRequired[_choice(ikm.SEXES)]
    education: NotRequired[_choice(ikm.EDUCATION)]
    occupation: NotRequired[_choice(ikm.OCCUPATIONS)]
    suggestions: NotRequired[Annotated[str, Field(max_length=_TEXT)]]
    source: NotRequired[Literal["kiosk", "paper"]]
    consent: NotRequired[bool]


@with_config(_FORBID)
class DeletePayload(TypedDict, total=False):
    id: Uuid


PAYLOADS: dict[str, Any] = {
    "ticket": TicketPayload,
    "event": EventPayload,
    "complaint": ComplaintPayload,
    "survey": SurveyPayload,
}
ENTITIES = tuple(PAYLOADS)
TICKET = TypeAdapter(TicketPayload)  # the reports read stored tickets through it


def _row_type(name: str, entity: Any, op: Any, payload: Any) -> Any:
    # The functional form: the field types are objects here, not names to resolve later.
    fields = {
        "seq": Annotated[int, Field(ge=1, le=2**62)],
        "entity": entity,
        "uuid": Annotated[str, Field(pattern=_CODE)],
        "op": op,
        "payload": payload,
        "created_at": Annotated[str, Field(pattern=_ISO_TIME)],
    }
    return with_config(_FORBID)(TypedDict(name, fields))  # type: ignore[operator]


def _entity_rows(entity: str, payload: Any) -> Any:
    """The rows of `entity`: an upsert, its payload validated by `payload`, or a delete (its
    payload: nothing, or the record's id), told apart by `op`."""
    upsert = _row_type(f"{entity}_row", Literal[entity], Literal["upsert"], payload)
    delete = _row_type(f"{entity}_delete_row", Literal[entity], Literal["delete"], DeletePayload)
    return Annotated[
        Annotated[upsert, Tag("upsert")] | Annotated[delete, Tag("delete")],
        Discriminator(
            "op", custom_error_type="unknown_op", custom_error_message="op must be one of upsert, delete"
        ),
        Tag(entity),
    ]


# One row type per entity and op, chosen by the `entity` field, then `op`: a payload is
# checked by its kind. Both are plain field discriminators, read by the validator itself
# while it parses (a Python function choosing the kind made it build each row as a Python
# object first: a third of the push's validation time).
PushRow = Annotated[
    _entity_rows("ticket", TicketPayload)
    | _entity_rows("event", EventPayload)
    | _entity_rows("complaint", ComplaintPayload)
    | _entity_rows("survey", SurveyPayload),
    Discriminator(
        "entity",
        custom_error_type="unknown_entity",
        custom_error_message=f"entity must be one of {', '.join(ENTITIES)}",
    ),
]


@with_config(_FORBID)
class PushRequest(TypedDict):
    protocol: Literal[PROTOCOL]  # type: ignore[valid-type]
    device: Annotated[str, Field(pattern=_DEVICE)]
    batch_id: Annotated[str, Field(pattern=_UUID)]
    rows: Annotated[list[PushRow], Field(min_length=1, max_length=MAX_ROWS)]


PUSH = TypeAdapter(PushRequest)


# Per row kind, the dotted keys this schema has validated as a uuid (`Uuid`) or an ISO day or
# time (`Day`, `Time`, the row's created_at): the personal-data check need not match them
# again (protocol.rows_problem). A test keeps this equal to the annotations above.
_ROW_SHAPED = ("created_at",)
SHAPED: dict[str, frozenset[str]] = {
    kind: frozenset((*_ROW_SHAPED, *(f"payload.{k}" for k in keys)))
    for kind, keys in {
        "ticket": (
            "id",
            "day",
            "arrived_at",
            "registered_at",
            "queued_at",
            "first_called_at",
            "started_at",
            "finished_at",
            "transferred_from",
            "transferred_to",
        ),
        "event": ("ticket_id", "at"),
        "complaint": ("id", "received_at", "day", "ticket_id", "deadline_at", "closed_at"),
        "survey": ("id", "day", "created_at", "ticket_id"),
        "delete": ("id",),
    }.items()
}


def in_seq_order(rows: list[PushRow]) -> bool:
    previous = 0
    for row in rows:
        if row["seq"] <= previous:
            return False
        previous = row["seq"]
    return True


class PushAnswer(BaseModel):
    protocol: str = PROTOCOL
    stored_through: int


class KeyEntry(_Strict):
    """A station's public key as its keyring has it; its site and counter must be the
    publishing device's binding (checked by the store)."""

    kid: str = Field(pattern=r"^[0-9a-f]{16}$")
    site: str = Field(pattern=_BINDING)
    counter: str = Field(pattern=_BINDING)
    public_key: str = Field(pattern=r"^[A-Za-z0-9_-]{43}$")  # 32 bytes, base64url
    created_at: str = Field(default="", max_length=40)


class KeysRequest(_Strict):
    protocol: Literal[PROTOCOL]  # type: ignore[valid-type]
    device: str = Field(pattern=_DEVICE)
    keys: list[KeyEntry] = Field(max_length=MAX_KEYS_PER_DEVICE)


class AuditHeadRequest(_Strict):
    """The head of the counter's audit chain: its last entry's sequence number and hash."""

    protocol: Literal[PROTOCOL]  # type: ignore[valid-type]
    device: str = Field(pattern=_DEVICE)
    seq: int = Field(ge=1, le=2**62)
    hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class Requirement(_Strict):
    id: str = Field(max_length=500)
    en: str = Field(default="", max_length=500)


class AgencyDoc(_Strict):
    code: str = Field(pattern=_CODE)
    name: str = Field(max_length=200)


class ServiceDoc(_Strict):
    code: str = Field(pattern=_CODE)
    letter: str = Field(pattern=r"^[A-Z]$")
    name_id: str = Field(max_length=200)
    name_en: str = Field(max_length=200)
    agency: str = Field(pattern=_CODE)
    target_minutes: int = Field(ge=0, le=100_000)
    completion_id: str = Field(max_length=200)
    completion_en: str = Field(max_length=200)
    fee: int = Field(ge=0)
    requirements: list[Requirement] = Field(default_factory=list, max_length=100)
    active: bool = True


class CounterDoc(_Strict):
    code: str = Field(pattern=_CODE)
    name: str = Field(max_length=200)
    active: bool = True
    services: list[str] = Field(default_factory=list, max_length=500)


class StaffDoc(_Strict):
    username: str = Field(pattern=r"^[a-z0-9._-]{1,40}$")
    full_name: str = Field(default="", max_length=200)
    role: Literal["staff", "supervisor", "admin"]
    active: bool = True
    password_hash: str = Field(pattern=r"^\$argon2(id|i|d)\$", max_length=512)


class ReferenceRequest(_Strict):
    """A publisher device's catalogue and staff accounts, for every other device to pull."""

    protocol: Literal[PROTOCOL]  # type: ignore[valid-type]
    device: str = Field(pattern=_DEVICE)
    agency: list[AgencyDoc] = Field(default_factory=list, max_length=1000)
    service: list[ServiceDoc] = Field(default_factory=list, max_length=5000)
    counter: list[CounterDoc] = Field(default_factory=list, max_length=5000)
    staff: list[StaffDoc] = Field(default_factory=list, max_length=5000)


class DeviceRequest(_Strict):
    """A new device (bound to a site and a counter), or a new token for one (`replace`)."""

    name: str = Field(pattern=_DEVICE)
    site: str | None = Field(default=None, pattern=_BINDING)
    counter: str | None = Field(default=None, pattern=_BINDING)
    publisher: bool = False
    replace: bool = False


class BindRequest(_Strict):
    """The binding of a device added before bindings existed."""

    site: str = Field(pattern=_BINDING)
    counter: str = Field(pattern=_BINDING)


# ---- checks after (or instead of) the schema ---------------------------------------------


def push_errors(body: bytes, exc: ValidationError) -> list[dict[str, Any]]:
    """A refused push's errors, each naming the row's entity, uuid and field where it is a
    row's (`{"entity": "ticket", "uuid": "…", "field": "payload.arrived_at", "msg": …}`).
    Never the value itself: it may be anything, personal data included."""
    try:
        rows = json.loads(body).get("rows")
    except (ValueError, AttributeError, RecursionError):
        rows = None
    out: list[dict[str, Any]] = []
    for e in exc.errors()[:20]:
        loc, msg = _row_error(e)
        item: dict[str, Any] = {
            "loc": loc,
            "msg": msg if e["type"] != "string_pattern_mismatch" else "not in the expected format",
        }
        if len(loc) >= 2 and loc[0] == "rows" and isinstance(loc[1], int):
            row = rows[loc[1]] if isinstance(rows, list) and loc[1] < len(rows) else None
            row = row if isinstance(row, dict) else {}
            entity, uuid = row.get("entity"), row.get("uuid")
            item["entity"] = entity if isinstance(entity, str) and entity in PAYLOADS else None
            item["uuid"] = uuid if isinstance(uuid, str) and re.fullmatch(_CODE, uuid) else None
            rest = loc[3:] if len(loc) > 2 and loc[2] in (*PAYLOADS, "delete") else loc[2:]
            item["field"] = ".".join(str(part) for part in rest)
        out.append(item)
    return out


_UNKNOWN_ENTITY = f"entity must be one of {', '.join(ENTITIES)}"
_NO_TAG = frozenset({"union_tag_invalid", "union_tag_not_found"})


def _row_error(e: Any) -> tuple[list[Any], str]:
    """An error's loc and message as a row's errors are told: `rows.3.ticket.payload.day`
    for an upsert (`rows.3.delete.payload.id` for a delete), without the validator's tag for
    `op`; a row without a known entity, or no object at all, is an unknown entity; an unknown
    or missing op is the `op` field's error."""
    loc, msg = list(e["loc"]), str(e["msg"])
    if len(loc) < 2 or loc[0] != "rows" or not isinstance(loc[1], int):
        return loc, msg
    if len(loc) == 2 and (e["type"] in _NO_TAG or e["type"] == "dict_type"):
        return loc, _UNKNOWN_ENTITY
    if len(loc) == 3 and loc[2] in PAYLOADS and e["type"] in _NO_TAG:
        missing = e["type"] == "union_tag_not_found"
        return [*loc, "op"], "Field required" if missing else "Input should be 'upsert' or 'delete'"
    if len(loc) >= 4 and loc[2] in PAYLOADS and loc[3] in ("upsert", "delete"):
        return (loc[:3] if loc[3] == "upsert" else [*loc[:2], "delete"]) + loc[4:], msg
    return loc, msg


def id_mismatch(rows: list[Any]) -> dict[str, Any] | None:
    """A row whose payload names another record than the row does (`id` ≠ `uuid`)."""
    for i, row in enumerate(rows):
        record = row["payload"].get("id")
        if record is not None and record != row["uuid"]:
            return {
                "loc": ["rows", i, "payload", "id"],
                "entity": row["entity"],
                "uuid": row["uuid"],
                "field": "payload.id",
                "msg": "the payload's id must be the row's uuid",
            }
    return None


def holds_nul(body: bytes) -> bool:
    """Does any decoded string (or key) of the JSON body hold U+0000?"""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError):
        return False
    stack = [doc]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False

"""The push's fast paths say what the former ones said (issue 16): a stored payload's text is
the json encoder's text; a refused row's errors name the same loc and field as when the row's
kind was chosen by a Python function."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from counter_app.server import schemas
from counter_app.server.store import _dump_fast, _dump_plain
from counter_app.sync.protocol import PROTOCOL


@pytest.mark.parametrize(
    "doc",
    [
        {"id": str(uuid.uuid4()), "name_masked": "Siti A*****", "call_count": 3, "counter": None},
        {"text": "é ü 中文 \u2028 \n\t\x01\x7f \\ \" '", "ok": True, "no": False},
        {"big": 10**30, "neg": -(2**63), "nested": {"list": [1, "a", None, {"x": []}]}, "": ""},
        {"z": 1, "a": 2},  # key order kept, not sorted
    ],
)
def test_the_payload_text_is_the_json_encoders(doc: dict[str, Any]) -> None:
    assert _dump_fast(doc) == _dump_plain(doc)
    assert json.loads(_dump_fast(doc)) == doc


def _errors(row: Any) -> list[dict[str, Any]]:
    body = json.dumps(
        {"protocol": PROTOCOL, "device": "PTK-L01", "batch_id": str(uuid.uuid4()), "rows": [row]}
    ).encode()
    with pytest.raises(ValidationError) as caught:
        schemas.PUSH.validate_json(body)
    return schemas.push_errors(body, caught.value)


def _row(**change: Any) -> dict[str, Any]:
    record = str(uuid.uuid4())
    payload = {
        "id": record,
        "day": "2026-11-30",
        "code": "A001",
        "service": "KTP",
        "status": "waiting",
        "arrived_at": "2026-11-30T08:00:00+07:00",
    }
    row = {
        "seq": 1,
        "entity": "ticket",
        "uuid": record,
        "op": "upsert",
        "payload": payload,
        "created_at": "2026-11-30T01:00:00+00:00",
    }
    row.update(change)
    return {k: v for k, v in row.items() if v is not None}


def _first(errors: list[dict[str, Any]]) -> tuple[Any, ...]:
    return tuple(errors[0][k] for k in ("loc", "entity", "field"))


def test_a_refused_rows_errors_name_its_entity_and_field() -> None:
    bad_time = _row()
    bad_time["payload"]["arrived_at"] = "08:00"
    assert _first(_errors(bad_time)) == (
        ["rows", 0, "ticket", "payload", "arrived_at"],
        "ticket",
        "payload.arrived_at",
    )
    delete = _row(op="delete", payload={"id": 5})
    assert _first(_errors(delete)) == (["rows", 0, "delete", "payload", "id"], "ticket", "payload.id")
    assert _first(_errors(_row(op="merge"))) == (["rows", 0, "ticket", "op"], "ticket", "op")
    missing = _row()
    del missing["op"]
    assert _errors(missing)[0]["field"] == "op" and _errors(missing)[0]["msg"] == "Field required"


@pytest.mark.parametrize("row", [_row(entity="visitor"), _row(entity=5), "not a row", [1, 2]])
def test_a_row_of_no_known_entity_is_told_so(row: Any) -> None:
    [error] = _errors(row)
    assert error["loc"] == ["rows", 0] and error["msg"].startswith("entity must be one of")
    assert error["entity"] is None and error["field"] == ""

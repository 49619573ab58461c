"""Issue 16: pushes are read, decoded and stored a few at a time (push slots); one that waits
too long for a slot is answered 503 with Retry-After (the client retries) without its body
being read. And the personal-data check skips only fields the schema has already held to a
uuid or time shape, so nothing a NIK or phone number fits in is skipped."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import pytest
from pydantic import ValidationError

from counter_app.core import pii
from counter_app.server import schemas
from counter_app.server.app import create_app
from counter_app.server.store import Store
from counter_app.sync.protocol import PROTOCOL, rows_problem
from server.helpers import complaint_doc, ticket_doc


def _scope(token: str) -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/push",
        "raw_path": b"/api/v1/push",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")],
        "server": ("test", 80),
        "client": ("test", 1),
    }


def test_a_push_waiting_for_a_slot_gets_503_and_its_body_is_not_read(store: Store) -> None:
    token = store.add_device("PTK-L01", site="PTK", counter="L01")
    app = create_app(store, push_slots=1, push_wait=0.05)

    async def run() -> tuple[list[dict[str, Any]], list[dict[str, Any]], int]:
        release = asyncio.Event()
        first_sent: list[dict[str, Any]] = []
        second_sent: list[dict[str, Any]] = []
        second_reads = 0

        async def first_receive() -> dict[str, Any]:
            await release.wait()  # a slow client: holds its slot while its body trickles in
            return {"type": "http.request", "body": b"{}", "more_body": False}

        async def second_receive() -> dict[str, Any]:
            nonlocal second_reads
            second_reads += 1
            return {"type": "http.request", "body": b"{}", "more_body": False}

        async def first_send(m: dict[str, Any]) -> None:
            first_sent.append(m)

        async def second_send(m: dict[str, Any]) -> None:
            second_sent.append(m)

        first = asyncio.create_task(app(_scope(token), first_receive, first_send))
        await asyncio.sleep(0)  # the first takes the one slot
        await app(_scope(token), second_receive, second_send)
        release.set()
        await first
        return first_sent, second_sent, second_reads

    first_sent, second_sent, second_reads = asyncio.run(run())
    start = next(m for m in second_sent if m["type"] == "http.response.start")
    assert start["status"] == 503
    assert dict(start["headers"]).get(b"retry-after", b"").isdigit()
    assert second_reads == 0  # waited in its socket: not read into memory
    first_status = next(m["status"] for m in first_sent if m["type"] == "http.response.start")
    assert first_status == 422  # the slot holder was served normally (`{}` is no push)
    assert store.records() == []


def _event_doc() -> dict[str, Any]:
    return {
        "ticket_id": str(uuid.uuid4()),
        "action": "call",
        "to_status": "called",
        "at": "2026-11-30T08:10:00+07:00",
    }


def _survey_doc() -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "day": "2026-11-30",
        "answers": {},
        "created_at": "2026-11-30T08:10:00+07:00",
    }


DOCS = {"ticket": ticket_doc, "event": _event_doc, "complaint": complaint_doc, "survey": _survey_doc}


def _push(entity: str, payload: dict[str, Any], op: str = "upsert") -> dict[str, Any]:
    record = str(payload.get("id") or uuid.uuid4())
    row = {
        "seq": 1,
        "entity": entity,
        "uuid": record,
        "op": op,
        "payload": payload,
        "created_at": "2026-11-30T01:00:00+00:00",
    }
    return {"protocol": PROTOCOL, "device": "PTK-L01", "batch_id": str(uuid.uuid4()), "rows": [row]}


@pytest.mark.parametrize("kind", sorted(schemas.SHAPED))
def test_fields_skipped_by_the_check_are_held_to_their_shape_by_the_schema(kind: str) -> None:
    entity, op = ("ticket", "delete") if kind == "delete" else (kind, "upsert")
    for dotted in sorted(schemas.SHAPED[kind]):
        key = dotted.rsplit(".", 1)[-1]
        assert pii.field_kind(key) in (pii.ID, pii.TIME), dotted
        doc = _push(entity, {"id": str(uuid.uuid4())} if op == "delete" else DOCS[entity](), op)
        valid = schemas.PUSH.validate_python(doc)  # the sample itself is a valid push
        assert rows_problem(valid["rows"], schemas.SHAPED) is None
        target = doc["rows"][0] if dotted == "created_at" else doc["rows"][0]["payload"]
        for spelling in ("6171010101900001", "2026-11-30T08:10:00+07:00 0812 3456 7890"):
            target[key] = spelling
            with pytest.raises(ValidationError):  # what a NIK or phone fits in never gets past it
                schemas.PUSH.validate_json(json.dumps(doc))


def test_the_check_finds_the_same_with_and_without_shaped_keys() -> None:
    rows = [
        _push("ticket", ticket_doc(name_masked="Siti 0812 3456 7890"))["rows"][0],
        _push("complaint", complaint_doc(text="nik 6171 0101 0190 0001"))["rows"][0],
        _push("ticket", ticket_doc())["rows"][0],
    ]
    for i in range(len(rows)):
        assert rows_problem(rows[i:], schemas.SHAPED) == rows_problem(rows[i:])

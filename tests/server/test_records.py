"""Pushed records are validated by entity (issue 10, point 3), and nothing already stored can
make the consolidated report fail: it skips what it cannot read and says how many."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from counter_app.server import schemas
from counter_app.server.store import Store
from counter_app.services import complaints
from counter_app.sync.protocol import push_body
from server.helpers import ADMIN_TOKEN, Live, complaint_doc, row, ticket_doc


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def survey_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "ticket_id": None,
        "day": "2026-11-30",
        "service": "KTP",
        "counter": "L01",
        "answers": {f"U{i}": 3 for i in range(1, 10)},
        "age_band": "21_30",
        "sex": "P",
        "education": "s1",
        "occupation": "swasta",
        "suggestions": "",
        "source": "kiosk",
        "consent": True,
        "created_at": "2026-11-30T09:00:00+07:00",
    }
    doc.update(changes)
    return doc


def event_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "ticket_id": str(uuid.uuid4()),
        "action": "call",
        "from_status": "waiting",
        "to_status": "called",
        "actor": "admin",
        "counter": "L01",
        "at": "2026-11-30T08:10:00+07:00",
        "detail": None,
    }
    doc.update(changes)
    return doc


def push(live: Live, token: str, rows: list[tuple[int, str, str, str, str, str]]) -> httpx.Response:
    return httpx.post(
        live.url + "/api/v1/push", content=push_body("PTK-L01", str(uuid.uuid4()), rows), headers=auth(token)
    )


@pytest.mark.parametrize(
    "entity, doc, field",
    [
        ("ticket", ticket_doc(arrived_at="garbage"), "payload.arrived_at"),  # the reproduction
        ("ticket", ticket_doc(arrived_at="2026-11-30T08:00:00"), "payload.arrived_at"),  # no offset
        ("ticket", ticket_doc(finished_at="2026-11-31T08:00:00+07:00"), "payload.finished_at"),
        ("ticket", ticket_doc(status="lost"), "payload.status"),
        ("ticket", ticket_doc(code="AAA"), "payload.code"),
        ("ticket", ticket_doc(call_count="1"), "payload.call_count"),
        ("ticket", ticket_doc(name_masked="x" * 5000), "payload.name_masked"),
        ("ticket", ticket_doc(telepon="rumah"), "payload.telepon"),  # a field no ticket has
        ("ticket", {k: v for k, v in ticket_doc().items() if k != "status"}, "payload.status"),
        ("complaint", complaint_doc(status="open"), "payload.status"),
        ("complaint", complaint_doc(text="x" * 10_000), "payload.text"),
        (
            "complaint",
            complaint_doc(
                actions=[
                    {
                        "at": "kemarin",
                        "actor": "a",
                        "action": "note",
                        "status_before": None,
                        "status_after": None,
                    }
                ]
            ),
            "payload.actions.0.at",
        ),
        ("survey", survey_doc(answers={"U1": 7}), "payload.answers.U1"),
        ("survey", survey_doc(sex="X"), "payload.sex"),
        ("event", event_doc(at="2026-11-30 08:10"), "payload.at"),
        ("event", event_doc(to_status="gone"), "payload.to_status"),
    ],
)
def test_a_bad_record_is_refused_naming_entity_uuid_and_field(
    live: Live, entity: str, doc: dict[str, Any], field: str
) -> None:
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    good = ticket_doc()
    bad = row(2, entity, doc)
    answer = push(live, token, [row(1, "ticket", good), bad])
    assert answer.status_code == 422, answer.text
    errors = answer.json()["detail"]
    assert {"entity": entity, "uuid": bad[2], "field": field} in [
        {k: e.get(k) for k in ("entity", "uuid", "field")} for e in errors
    ]
    assert live.store.records() == []  # the whole batch, nothing of it stored


def test_unknown_entities_and_mislabelled_ids_are_refused(live: Live) -> None:
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    unknown = push(live, token, [row(1, "visitor", {"id": str(uuid.uuid4())})])
    assert unknown.status_code == 422 and "entity must be one of" in unknown.text
    doc = ticket_doc()
    other = (1, "ticket", str(uuid.uuid4()), "upsert", json.dumps(doc), "2026-11-30T01:00:00+00:00")
    mislabelled = push(live, token, [other])
    assert mislabelled.status_code == 422 and mislabelled.json()["detail"][0]["field"] == "payload.id"
    assert live.store.records() == []
    ok = push(
        live,
        token,
        [
            row(1, "ticket", doc),
            row(2, "complaint", complaint_doc()),
            row(3, "survey", survey_doc()),
            row(4, "event", event_doc()),
            row(5, "ticket", {"id": doc["id"]}, op="delete"),
        ],
    )
    assert ok.status_code == 200, ok.text


def test_the_schema_words_are_the_services_words() -> None:
    assert schemas.COMPLAINT_STATUSES == complaints.STATUSES
    assert schemas.COMPLAINT_CHANNELS == complaints.CHANNELS


def _insert(store: Store, device: str, uuid_: str, payload: str, day: str = "2026-11-30") -> None:
    """A row put straight into the store, as a bug or an older server might have left it."""
    with store.transaction() as tx:
        tx.run(
            "INSERT INTO sync_record (device, entity, uuid, seq, op, payload, created_at, day, received_at) "
            f"VALUES (?, 'ticket', ?, 1, 'upsert', {store.d.json_param}, ?, ?, ?)",
            (device, uuid_, payload, "2026-11-30T01:00:00+00:00", day, "2026-11-30T01:00:00+00:00"),
        )


def test_nothing_stored_can_make_the_report_fail(live: Live) -> None:
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    assert push(live, token, [row(1, "ticket", ticket_doc(code="A001"))]).status_code == 200
    garbage = [
        json.dumps(ticket_doc(arrived_at="garbage")),
        json.dumps(ticket_doc(first_called_at="2026-11-30T08:10:00")),  # naive minus aware
        json.dumps(ticket_doc(status=["done"])),
        json.dumps(ticket_doc(service=None)),
        json.dumps({"status": "done"}),
        json.dumps("just text"),
        json.dumps([1, 2, 3]),
        "null",
    ]
    if live.store.d.name == "sqlite":  # a TEXT column can hold what is not JSON at all
        garbage += ["{not json", ""]
    for payload in garbage:
        _insert(live.store, "PTK-L09", str(uuid.uuid4()), payload)

    for who in (token, ADMIN_TOKEN):
        answer = httpx.get(
            live.url + "/api/v1/reports/daily", params={"date": "2026-11-30"}, headers=auth(who)
        )
        assert answer.status_code == 200, answer.text
        figures = answer.json()
        assert figures["totals"]["registered"] == 1 and figures["skipped"] == len(garbage)
    wider = httpx.get(
        live.url + "/api/v1/reports/daily",
        params={"date": "2026-11-01", "to": "2026-12-31"},
        headers=auth(token),
    )
    assert wider.status_code == 200 and wider.json()["skipped"] == len(garbage)

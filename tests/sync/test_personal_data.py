"""Personal data and the wire (issue 10, point 4): the counter masks phone numbers, NIKs and the
visitor's own name in free text before a payload leaves; the server checks the decoded values
field by field and refuses (422, naming entity and field) what still slips through; ids, times
and sequence numbers are not taken for NIKs. Against a real server on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from server.conftest import live, pg_url, postgres, stations, store, store_url  # noqa: F401 - fixtures
from server.helpers import FAST_RETRY, Live, Station
from uuid6 import uuid7

from counter_app.services import complaints, survey, tickets
from counter_app.services.sync import run_sync
from counter_app.store.models import Service
from counter_app.sync.protocol import PROTOCOL, personal_data_problem, rows_problem
from sync.conftest import Central

NIK = "6171010101900001"
NAME = "Budi Santoso"


def escaped(text: str) -> str:
    """`text` as JSON `\\u00XX` escapes, character by character (what a hand-made push may send)."""
    return "".join(f"\\u{ord(ch):04x}" for ch in text)


def push(rows: list[dict[str, Any]] | None = None, *, raw_rows: str | None = None) -> bytes:
    head = f'{{"protocol":"{PROTOCOL}","device":"PTK-L01","batch_id":"{uuid.uuid4()}","rows":'
    return (head + (raw_rows if raw_rows is not None else json.dumps(rows)) + "}").encode()


def row(payload: dict[str, Any], seq: int = 1, entity: str = "complaint") -> dict[str, Any]:
    return {
        "seq": seq,
        "entity": entity,
        "uuid": payload.get("id") or str(uuid7()),
        "op": "upsert",
        "created_at": AT,
        "payload": payload,
    }


AT = "2026-11-30T01:02:03.456789+00:00"


def complaint(text: str) -> dict[str, Any]:
    """A complaint payload as `complaints.sync_payload` makes it (the server's schema)."""
    return {
        "id": str(uuid7()),
        "number": "PTK-L01-20261130-P01",
        "received_at": AT,
        "day": "2026-11-30",
        "text": text,
        "status": "baru",
        "actions": [],
    }


def suggestion(text: str) -> dict[str, Any]:
    return {
        "id": str(uuid7()),
        "day": "2026-11-30",
        "answers": {"U1": 4},
        "created_at": AT,
        "suggestions": text,
    }


def ticket(**extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid7()),
        "day": "2026-11-30",
        "code": "A023",
        "service": "KTP",
        "status": "waiting",
        "arrived_at": AT,
        "receipt_no": "PTK-L01-20261130-A023",
        **extra,
    }


def event() -> dict[str, Any]:
    """A ticket event; its `detail` holds `"n": 0`, to be replaced with a number in raw JSON."""
    return {"ticket_id": str(uuid7()), "action": "call", "to_status": "called", "at": AT, "detail": {"n": 0}}


# ---- the shared check, on request bodies ---------------------------------------------------

SLIPPED_THROUGH = [
    "Hubungi 0812-3456-7890",
    "WA +62 812 3456 7890",
    "no 0812.3456.7890",
    "kantor (0561) 734 567",
    "62812 3456 7890",
]


@pytest.mark.parametrize("text", SLIPPED_THROUGH)
def test_phone_numbers_with_separators_are_found(text: str) -> None:
    body = push([row(complaint(text))])
    problem = personal_data_problem(body)
    assert problem and "3456" not in problem and "734" not in problem


def test_a_nik_as_json_escapes_is_found_once_decoded() -> None:
    rows = json.dumps([row(complaint("NIK PLACEHOLDER"))]).replace("PLACEHOLDER", escaped(NIK))
    body = push(raw_rows=rows)
    assert NIK.encode() not in body and json.loads(body)["rows"][0]["payload"]["text"] == f"NIK {NIK}"
    assert personal_data_problem(body)


def with_number(number: str) -> bytes:
    """A push whose event detail holds `number`, spelled as is in the JSON."""
    return push(raw_rows=json.dumps([row(event(), entity="event")]).replace('"n": 0', f'"n": {number}'))


@pytest.mark.parametrize("number", ["6.171014501900001e15", NIK, "6171010101900001.0", "81234567890"])
def test_a_nik_or_phone_as_a_json_number_is_found(number: str) -> None:
    assert personal_data_problem(with_number(number))


def test_sequence_numbers_and_microsecond_times_are_not_niks() -> None:
    body = push([row(ticket(created_us=1764464523456789), seq=6171010101900001, entity="ticket")])
    assert personal_data_problem(body) is None


def test_the_refusal_names_entity_and_field() -> None:
    rows = [
        row(ticket(), seq=1, entity="ticket"),
        row(suggestion("WA 0812-3456-7890"), seq=2, entity="survey"),
    ]
    assert rows_problem(rows) == "survey: phone number in rows[1].payload.suggestions"


# ---- the server refuses what slips through (422), and takes what is not personal -------------


def _post(central: Central, body: bytes) -> httpx.Response:
    return httpx.post(
        central.url + "/api/v1/push", content=body, headers={"Authorization": f"Bearer {central.token}"}
    )


def FLOAT_NIK() -> bytes:
    return with_number("6.171014501900001e15")


def escaped_nik() -> bytes:
    rows = json.dumps([row(complaint("NIK X"))]).replace("NIK X", "NIK " + escaped(NIK))
    return push(raw_rows=rows)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(escaped_nik, id="nik-escapes"),
        pytest.param(FLOAT_NIK, id="float-nik"),
        pytest.param(lambda: with_number(NIK), id="int-nik"),
        pytest.param(lambda: push([row(complaint("Hubungi 0812-3456-7890"))]), id="dashed-phone"),
        pytest.param(
            lambda: push([row(suggestion("WA +62 812 3456 7890"), entity="survey")]), id="suggestion-phone"
        ),
        pytest.param(lambda: push([row(complaint("kantor (0561) 734 567"))]), id="fixed-line"),
    ],
)
def test_the_server_refuses_personal_data_with_422(central: Central, body: Callable[[], bytes]) -> None:
    answer = _post(central, body())
    assert answer.status_code == 422
    assert NIK not in answer.text and "6171014501900001" not in answer.text and "3456" not in answer.text
    assert central.store.records() == []
    detail = answer.json()["detail"]
    if isinstance(detail, list):  # refused by the entity's schema first (a float where it wants text or int)
        assert body is FLOAT_NIK and detail[0]["field"].startswith("payload.detail")
        return
    assert detail.startswith("personal_data: "), detail
    assert detail.split()[1].rstrip(":") in ("complaint", "survey", "event") and ".payload." in detail


def test_the_server_takes_long_sequence_numbers_and_times(central: Central) -> None:
    body = push([row(ticket(), seq=6171010101900001, entity="ticket")])
    answer = _post(central, body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored_through"] == 6171010101900001


# ---- end to end: a counter's complaint and survey leave masked --------------------------------


def _served_ticket(station: Station) -> tuple[Any, str]:
    ctx = station.use()
    service = Service.select().where(Service.active == True).order_by(Service.code).first()  # noqa: E712
    ticket = tickets.register(
        ctx, service=service.code, name=NAME, phone="0812-3456-7890", phone_consent=True
    ).ticket
    called = tickets.call_next(ctx, station.counter)
    assert called is not None and called.id == ticket.id
    tickets.start(ctx, ticket.id)
    tickets.finish(ctx, ticket.id)
    return ctx, ticket.id


def test_a_complaint_with_a_phone_and_the_visitors_name_is_stored_masked(
    live: Live, stations: Callable[..., Station]
) -> None:
    station = stations("L01")
    ctx, ticket_id = _served_ticket(station)
    text = (
        f"Saya {NAME} menunggu 3 jam sejak 08.15. Hubungi 0812-3456-7890 atau +62 812 3456 7890, pak Santoso."
    )
    filed = complaints.add(
        ctx,
        channel="langsung",
        category=complaints.CATEGORIES[0],
        classification=complaints.CLASSES[0],
        text=text,
        ticket=ticket_id,
    )
    survey.record(
        ctx,
        ticket_id,
        {f"U{i}": 3 for i in range(1, 10)},
        suggestions=f"Petugas baik. {NAME.upper()} bisa dihubungi di 0812.3456.7890",
    )
    station.token = live.store.add_device(station.device)

    result = run_sync(ctx, live.url, station.token, retry=FAST_RETRY)

    assert result.redacted == 2
    stored = {r["uuid"]: r for r in live.store.records()}
    assert stored[filed.id]["payload"]["text"] == (
        "Saya Budi S****** menunggu 3 jam sejak 08.15. Hubungi 0812*****890 atau 0812*****890, pak S******."
    )
    [answers] = [r["payload"] for r in stored.values() if r["entity"] == "survey"]
    assert answers["suggestions"] == "Petugas baik. BUDI S****** bisa dihubungi di 0812*****890"
    everything = json.dumps(live.store.records())
    assert "Santoso" not in everything and "SANTOSO" not in everything
    assert "3456" not in everything and NIK not in everything
    assert station.pending() == 0
    assert complaints.get(filed.number).text == text  # what the counter keeps is untouched


def test_a_hand_made_push_is_refused_on_either_store(live: Live) -> None:
    token = live.store.add_device("PTK-L01")
    api = live.url + "/api/v1/push"
    headers = {"Authorization": f"Bearer {token}"}
    for body in (escaped_nik(), with_number(NIK), FLOAT_NIK()):
        answer = httpx.post(api, content=body, headers=headers)
        assert answer.status_code == 422, answer.text
        assert NIK not in answer.text and "6171014501900001" not in answer.text
    assert live.store.records() == []

"""The wire format and the personal-data check shared by client and server."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given, settings, strategies as st
from uuid6 import uuid7

from counter_app.server.schemas import PUSH
from counter_app.sync.protocol import (
    PROTOCOL,
    document_problem,
    personal_data_problem,
    push_body,
    redact,
    redact_text,
)


def body(doc: object) -> bytes:
    return json.dumps(doc).encode()


def test_push_body_is_the_protocols_json() -> None:
    rows = [
        (7, "ticket", "u-1", "upsert", '{"b":1,"a":"Ä"}', "2026-11-30T01:00:00+00:00"),
        (9, "ticket", "u-2", "upsert", '{"x":null}', "2026-11-30T01:00:01.5+00:00"),
    ]
    batch = str(uuid.uuid4())
    raw = push_body("PTK-L01", batch, rows)
    doc = json.loads(raw)
    assert doc["protocol"] == PROTOCOL and doc["device"] == "PTK-L01" and doc["batch_id"] == batch
    assert doc["rows"][0] == {
        "seq": 7,
        "entity": "ticket",
        "uuid": "u-1",
        "op": "upsert",
        "created_at": "2026-11-30T01:00:00+00:00",
        "payload": {"b": 1, "a": "Ä"},
    }
    # what the server takes: rows whose payloads are the entity's (a ticket here)
    ticket = {
        "id": str(uuid7()),
        "day": "2026-11-30",
        "code": "A007",
        "service": "KTP",
        "status": "waiting",
        "arrived_at": "2026-11-30T08:00:00+07:00",
    }
    valid = push_body(
        "PTK-L01",
        batch,
        [(9, "ticket", ticket["id"], "upsert", json.dumps(ticket), "2026-11-30T01:00:01.5+00:00")],
    )
    assert PUSH.validate_json(valid)["rows"][0]["seq"] == 9
    escaped = push_body("PTK-L01", batch, [(1, "ticket", 'u"1', "upsert", "{}", "2026-11-30T01:00:00+00:00")])
    assert json.loads(escaped)["rows"][0]["uuid"] == 'u"1'


@pytest.mark.parametrize(
    "doc",
    [
        {"nik": "6171010101900001"},
        {"note": "6171.0101.0190.0001"},
        {"n": 6171010101900001},
        {"note": "61710101019000012"},  # longer still holds one
        {"phone": "+6281234567890"},
        {"x": "6281234567890"},
        {"x": "hubungi 0812345678901 ya"},
        {"nomor_hp": "x"},
        {"whatsapp": "0812"},
        {"a": [{"b": {"Telepon": "0812"}}]},
    ],
)
def test_full_nik_or_phone_is_found(doc: dict[str, object]) -> None:
    assert personal_data_problem(body(doc))
    assert document_problem(doc)


@pytest.mark.parametrize(
    "doc",
    [
        {"nik_masked": "6171**********01", "phone_masked": "0812****7890", "phone": None},
        {"receipt_no": "PTK-L01-20261130-A001", "at": "2026-11-30T01:02:03.456789+00:00"},
        {"id": "01a22996-0016-70bc-bdfe-081234567890"},  # a UUID that ends in digits
        {"id": "01938412-3456-7890-8123-456789012345"},  # one made of digits only
        {"name_masked": "Wahyu S****", "waiting": 3, "happy": True},
        {"seq": 123456789},  # nine digits: neither
    ],
)
def test_masked_and_ordinary_values_pass(doc: dict[str, object]) -> None:
    assert personal_data_problem(body(doc)) is None
    assert document_problem(doc) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["uuid4", "uuid7"]), min_size=1, max_size=40), st.integers(0, 2**40))
def test_uuids_never_look_like_personal_data(kinds: list[str], seq: int) -> None:
    ids = [str(uuid.uuid4()) if k == "uuid4" else str(uuid7()) for k in kinds]
    doc = {"rows": [{"seq": seq, "uuid": i, "payload": {"id": i, "transferred_from": i}} for i in ids]}
    assert personal_data_problem(body(doc)) is None


def test_the_problem_never_quotes_the_value() -> None:
    problem = personal_data_problem(body({"rows": [{"payload": {"note": "6171010101900001"}}]}))
    assert problem and "6171" not in problem


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Hubungi 081234567890 ya", "Hubungi 0812*****890 ya"),
        ("+6281234567890", "0812*****890"),  # phone.mask's form
        ("NIK 6171010101900001.", "NIK 6171**********01."),
        ("6171 0101 0190 0001", "6171**********01"),
        ("id 01a22996-0016-70bc-bdfe-081234567890", "id 01a22996-0016-70bc-bdfe-081234567890"),
        ("A023 pukul 08.15", "A023 pukul 08.15"),
    ],
)
def test_redact_masks_numbers_and_keeps_the_rest(text: str, masked: str) -> None:
    assert redact_text(text) == masked


def test_redacted_documents_pass_the_check() -> None:
    doc = {
        "text": "WA 081234567890",
        "phone": "+6281234567890",
        "telepon": "kantor",
        "n": 6171010101900001,
        "actions": [{"action": "NIK 6171010101900001"}],
        "phone_masked": "0812****7890",
    }
    clean = redact(doc)
    assert personal_data_problem(body(clean)) is None
    assert clean["phone"] == "0812*****890" and clean["telepon"] is None
    assert clean["phone_masked"] == "0812****7890"

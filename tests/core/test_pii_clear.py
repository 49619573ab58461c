"""The quick proofs of `pii` (issue 16): `clear` and `clear_all` say "nothing here" only where
`document_problem`, walked in full, finds nothing; the push check gives the same answers."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import given, settings, strategies as st

from counter_app.core.pii import clear, clear_all, document_problem
from counter_app.server import schemas
from counter_app.sync.protocol import rows_problem

TEXTS = [
    "0812-3456-7890",
    "+62 812 3456 7890",
    "3171234567890001",
    "nomor 0812 3456 7890 ya",
    "0812****7890",
    "Siti A*****",
    "petugas",
    "PTK-L01-20261130-A001",
    "PTK-L01-20261130-A001-1",
    "PTK-M000-20261130-A00001",
    "2026-11-30T01:00:01+00:00",
    "2026-11-30",
    "04-01-2000 08.30",
    "1.500.000",
    "hash0123456789abcdef0123",
    "a long free text without any digit in it",
    "\uff10\uff18\uff11\uff12\uff13\uff14\uff15\uff16\uff17\uff18\uff19\uff10",
    "0812\u200b3456\u200b7890",
    "",
    "KTP",
    str(uuid.UUID(int=1)),
]
KEYS = [
    "id", "uuid", "day", "at", "receipt_no", "arrived_at", "text", "note", "seq", "call_count",
    "phone", "no_hp", "hash", "kid", "name_masked", "payload", "detail", "score", "ticket_id",
    "081234567890", "created_at", "suggestions", "fee", "wa",
]  # fmt: skip
SCALARS = st.one_of(
    st.sampled_from(TEXTS),
    st.sampled_from([0, 7, 9_999_999, 10_000_000, -10_000_000, 81234567890, 3171234567890001]),
    st.sampled_from([True, False, None, 1.5, 8.12e10, 6.171014501900001e15]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(KEYS), inner, max_size=4)
    ),
    max_leaves=8,
)
DOCS = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6)
SHAPED = st.frozensets(
    st.sampled_from(["payload.arrived_at", "created_at", "id", "at", "payload.text", "detail.at"])
)


@settings(max_examples=400, deadline=None)
@given(DOCS, SHAPED)
def test_clear_only_where_the_walk_finds_nothing(doc: dict[str, Any], shaped: frozenset[str]) -> None:
    if clear(doc, shaped):
        assert document_problem(doc, shaped=shaped) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(DOCS, min_size=1, max_size=3), st.lists(st.integers(0, 2), max_size=8), SHAPED)
def test_clear_all_only_where_the_walk_finds_nothing(
    base: list[dict[str, Any]], picks: list[int], shaped: frozenset[str]
) -> None:
    docs = [dict(base[i % len(base)]) for i in picks]  # the same few key sets, as a push has
    if clear_all(docs, shaped):
        assert all(document_problem(d, shaped=shaped) is None for d in docs)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(DOCS, st.sampled_from(["ticket", "event", "survey"]), st.booleans()), max_size=6))
def test_the_push_check_names_the_first_problem_as_the_walk_does(rows: list[Any]) -> None:
    pushed = [
        {
            "seq": i + 1,
            "entity": entity,
            "uuid": str(uuid.UUID(int=i)),
            "op": "delete" if delete else "upsert",
            "created_at": "2026-11-30T01:00:01+00:00",
            "payload": payload,
        }
        for i, (payload, entity, delete) in enumerate(rows)
    ]
    for shaped in (None, schemas.SHAPED):
        expected = None
        for i, r in enumerate(pushed):
            keys = (
                frozenset()
                if shaped is None
                else shaped.get("delete" if r["op"] == "delete" else r["entity"], frozenset())
            )
            found = document_problem(r, f"rows[{i}]", shaped=keys)
            if found:
                expected = f"{r['entity']}: {found}"
                break
        assert rows_problem(pushed, shaped) == expected


def test_a_push_of_clean_tickets_is_cleared_at_once() -> None:
    payload = {"id": str(uuid.uuid4()), "receipt_no": "PTK-L01-20261130-A001", "name_masked": "Siti A*****"}
    docs = [dict(payload, call_count=n) for n in range(50)]
    assert clear_all(docs) and all(clear(d) for d in docs)
    docs[17] = dict(payload, note="hubungi 0812 3456 7890")
    assert not clear_all(docs)
    assert document_problem(docs[17]) == "phone number in note"

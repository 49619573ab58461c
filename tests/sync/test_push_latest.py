"""A push sends each record's last row of a batch only (issue 16): the server keeps just that
one (the latest row per record, the live hub applies that one too), so the rows before it are
not sent, checked or validated. Every outbox row is still marked sent, the server ends with
the same records, and a row whose successor is in a later batch is sent in its own."""

from __future__ import annotations

import json
import threading

import httpx

from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.store.models import db, dump_json
from counter_app.sync import outbox
from counter_app.sync.client import RetryPolicy, SyncClient, latest_rows, push_outbox

from .conftest import Central


def _client(handler) -> SyncClient:
    policy = RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, sleep=lambda s: None)
    return SyncClient("http://sync.test/", "tok", retry=policy, transport=httpx.MockTransport(handler))


def _day_of_steps(ctx: Context, visitors: int) -> list[tuple[str, str]]:
    """`visitors` tickets registered, then each ticket's row again as called and as done (as
    its later upserts are), interleaved: (uuid, status) of each ticket row in outbox order."""
    for i in range(visitors):
        tickets.register(ctx, service="KTP", name=f"Budi Santoso {chr(65 + i)}")
    rows = db.execute_sql(
        'SELECT "uuid", "payload", "created_at" FROM "outbox" WHERE "entity" = ? ORDER BY "seq"', ("ticket",)
    ).fetchall()
    order = [(uuid, json.loads(payload)["status"]) for uuid, payload, _at in rows]
    for status in ("called", "done"):
        for uuid, payload, created_at in rows:
            doc = {**json.loads(payload), "status": status}
            db.execute_sql(
                'INSERT INTO "outbox" ("entity", "uuid", "op", "payload", "created_at") VALUES (?, ?, ?, ?, ?)',
                ("ticket", uuid, "upsert", dump_json(doc), created_at),
            )
            order.append((uuid, status))
    return order


def test_latest_rows_keeps_each_records_last_row_in_seq_order() -> None:
    rows = [
        (1, "ticket", "a", "upsert", "{}", "t"),
        (2, "event", "a", "upsert", "{}", "t"),  # another entity: another record
        (3, "ticket", "b", "upsert", "{}", "t"),
        (4, "ticket", "a", "delete", "{}", "t"),
        (5, "ticket", "b", "upsert", "{}", "t"),
    ]
    assert [r[0] for r in latest_rows(rows)] == [2, 4, 5]
    distinct = rows[:3]
    assert latest_rows(distinct) is distinct


def test_a_batch_sends_each_records_last_row_and_marks_every_row(ctx: Context) -> None:
    _day_of_steps(ctx, 4)
    total = outbox.pending_count(db)
    every = outbox.pending(db, 1000)
    sent: list[list[dict]] = []
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        doc = json.loads(request.content)
        with lock:
            sent.append(doc["rows"])
        return httpx.Response(200, json={"stored_through": doc["rows"][-1]["seq"]})

    result = push_outbox(_client(handler), db, "PTK-L01", batch_rows=1000, clock=ctx.clock)
    assert result.pushed == total and outbox.pending_count(db) == 0
    [rows] = sent
    last_of = {(r[1], r[2]): r[0] for r in every}
    assert [r["seq"] for r in rows] == sorted(last_of.values())  # once per record, its last row
    assert {r["payload"]["status"] for r in rows if r["entity"] == "ticket"} == {"done"}


def test_a_record_whose_later_row_is_in_the_next_batch_is_sent_in_both(ctx: Context) -> None:
    order = _day_of_steps(ctx, 3)
    every = outbox.pending(db, 1000)
    sent: list[list[dict]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        doc = json.loads(request.content)
        sent.append(doc["rows"])
        return httpx.Response(200, json={"stored_through": doc["rows"][-1]["seq"]})

    half = len(every) // 2
    push_outbox(_client(handler), db, "PTK-L01", batch_rows=half, clock=ctx.clock, in_flight=1)
    assert outbox.pending_count(db) == 0 and len(order) == 9
    for batch, read in zip(sent, (every[:half], every[half : 2 * half], every[2 * half :])):
        last_of = {(r[1], r[2]): r[0] for r in read}
        assert [r["seq"] for r in batch] == sorted(last_of.values())
    records = [{(r["entity"], r["uuid"]) for r in batch} for batch in sent]
    assert len(sent) >= 2 and records[0] & records[1]  # the same tickets in both


def test_the_server_ends_with_the_same_records_as_when_every_row_is_sent(
    ctx: Context, central: Central
) -> None:
    _day_of_steps(ctx, 5)
    every = outbox.pending(db, 1000)
    with SyncClient(central.url, central.token) as client:
        result = push_outbox(client, db, central.device, batch_rows=7, clock=ctx.clock)
    assert result.pushed == len(every) and outbox.pending_count(db) == 0
    expected = {}
    for seq, entity, uuid, op, payload, _at in every:  # the latest row of each record
        expected[(entity, uuid)] = (seq, op, json.loads(payload))
    stored = {(r["entity"], r["uuid"]): (r["seq"], r["op"], r["payload"]) for r in central.store.records()}
    assert stored == expected
    assert result.stored_through == every[-1][0]

"""Several push batches on their way at once (issue 16): each after the first names the one
before it, and rows count as stored only up to the highest seq below which every batch was
acknowledged, whatever order the answers come back in."""

from __future__ import annotations

import json
import threading

import httpx
import pytest

from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.store.models import db
from counter_app.sync import outbox
from counter_app.sync.client import RetryPolicy, SyncClient, SyncError, push_outbox
from counter_app.sync.protocol import AFTER_HEADER


def _client(handler) -> SyncClient:
    policy = RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, sleep=lambda s: None)
    return SyncClient("http://sync.test/", "tok", retry=policy, transport=httpx.MockTransport(handler))


def _register(ctx: Context, n: int) -> None:
    for i in range(n):
        tickets.register(ctx, service="KTP", name=f"Budi Santoso {chr(65 + i)}")


def test_batches_in_flight_name_the_one_before(ctx: Context) -> None:
    _register(ctx, 9)
    seen: dict[int, str | None] = {}
    lock = threading.Lock()

    def handler(request: httpx.Request) -> httpx.Response:
        doc = json.loads(request.content)
        with lock:
            seen[doc["rows"][0]["seq"]] = request.headers.get(AFTER_HEADER)
        return httpx.Response(200, json={"stored_through": doc["rows"][-1]["seq"]})

    result = push_outbox(_client(handler), db, "PTK-L01", batch_rows=3, clock=ctx.clock, in_flight=3)
    assert result.pushed == 9 and result.batches == 3
    assert seen == {1: None, 4: "3", 7: "6"}


def test_a_later_answer_does_not_count_before_an_earlier_one(ctx: Context) -> None:
    _register(ctx, 9)
    first_may_answer = threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        doc = json.loads(request.content)
        first, last = doc["rows"][0]["seq"], doc["rows"][-1]["seq"]
        if first == 1:
            first_may_answer.wait(10)
            return httpx.Response(503, json={"detail": "store_unavailable"})
        if first == 7:
            first_may_answer.set()  # the later ones were answered first
        return httpx.Response(200, json={"stored_through": last})

    with pytest.raises(SyncError) as failed:
        push_outbox(_client(handler), db, "PTK-L01", batch_rows=3, clock=ctx.clock, in_flight=3)
    assert failed.value.key == "sync.server_error"
    assert outbox.pending_count(db) == 9  # nothing below the failed batch was acknowledged


def test_one_in_flight_is_the_old_way(ctx: Context) -> None:
    _register(ctx, 6)
    headers: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        doc = json.loads(request.content)
        headers.append(request.headers.get(AFTER_HEADER))
        return httpx.Response(200, json={"stored_through": doc["rows"][-1]["seq"]})

    assert (
        push_outbox(_client(handler), db, "PTK-L01", batch_rows=3, clock=ctx.clock, in_flight=1).pushed == 6
    )
    assert headers == [None, "3"]

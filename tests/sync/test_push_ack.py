"""One durable acknowledgement per push (issue 16): the rows a push stored are marked sent in
one transaction at its end, not one fsync'd UPDATE per batch. A push cut short still marks
exactly what the server stored, and nothing it did not."""

from __future__ import annotations

import json
import logging

import httpx
import pytest

from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.store.models import db
from counter_app.sync import outbox
from counter_app.sync.client import RetryPolicy, SyncClient, SyncError, push_outbox


def _client(handler) -> SyncClient:
    policy = RetryPolicy(attempts=1, base_delay=0.0, max_delay=0.0, sleep=lambda s: None)
    return SyncClient("http://sync.test/", "tok", retry=policy, transport=httpx.MockTransport(handler))


def _stored_all(request: httpx.Request) -> httpx.Response:
    doc = json.loads(request.content)
    return httpx.Response(200, json={"stored_through": doc["rows"][-1]["seq"]})


def _outbox_updates(records: list[logging.LogRecord]) -> int:
    return sum(1 for r in records if isinstance(r.msg, tuple) and 'UPDATE "outbox"' in str(r.msg[0]))


def test_a_push_of_many_batches_marks_them_in_one_update(
    ctx: Context, caplog: pytest.LogCaptureFixture
) -> None:
    for i in range(10):
        tickets.register(ctx, service="KTP", name=f"Budi Santoso {chr(65 + i)}")
    with caplog.at_level(logging.DEBUG, logger="peewee"):
        result = push_outbox(_client(_stored_all), db, "PTK-L01", batch_rows=3, clock=ctx.clock)
    assert result.batches == 4 and result.pushed == 10
    assert outbox.pending_count(db) == 0
    assert _outbox_updates(caplog.records) == 1


def test_a_push_that_fails_midway_marks_what_was_stored(ctx: Context) -> None:
    for i in range(10):
        tickets.register(ctx, service="KTP", name=f"Budi Santoso {chr(65 + i)}")
    answered = []

    def second_fails(request: httpx.Request) -> httpx.Response:
        answered.append(request)
        if len(answered) == 2:
            return httpx.Response(422, json={"detail": "x"})
        return _stored_all(request)

    with pytest.raises(SyncError):
        push_outbox(_client(second_fails), db, "PTK-L01", batch_rows=4, clock=ctx.clock)
    assert [r[0] for r in outbox.pending(db, 100)] == list(range(5, 11))  # batch 1 marked, no more

"""The HTTP client on its own: retries and back-off, error mapping, marking rows sent."""

from __future__ import annotations

import json

import httpx
import pytest

from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.store.models import db
from counter_app.sync import outbox
from counter_app.sync.client import RetryPolicy, SyncClient, SyncError, push_outbox


class Script:
    """A fake server answering from a list (a status, a dict, or an exception to raise)."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, int):
            return httpx.Response(answer, json={"detail": "revoked" if answer == 403 else "x"})
        if callable(answer):
            return answer(request)
        return httpx.Response(200, json=answer)


def client(script: Script, sleeps: list[float], attempts: int = 5) -> SyncClient:
    policy = RetryPolicy(attempts=attempts, base_delay=0.5, max_delay=3.0, sleep=sleeps.append)
    return SyncClient("http://sync.test/", "tok", retry=policy, transport=httpx.MockTransport(script))


def test_retries_with_exponential_back_off_then_succeeds() -> None:
    sleeps: list[float] = []
    script = Script(503, httpx.ConnectError("refused"), httpx.ReadTimeout("slow"), 502, {"status": "ok"})
    assert client(script, sleeps).health() == {"status": "ok"}
    assert sleeps == [0.5, 1.0, 2.0, 3.0]  # doubled, capped
    assert all(r.headers["authorization"] == "Bearer tok" for r in script.requests)
    assert str(script.requests[0].url) == "http://sync.test/api/v1/health"


def test_gives_up_after_the_last_attempt() -> None:
    sleeps: list[float] = []
    with pytest.raises(SyncError) as down:
        client(Script(httpx.ConnectError("refused")), sleeps, attempts=3).health()
    assert down.value.key == "sync.unreachable" and len(sleeps) == 2
    with pytest.raises(SyncError) as broken:
        client(Script(500), [], attempts=2).health()
    assert broken.value.key == "sync.server_error"


def test_retry_after_is_honoured_within_the_cap() -> None:
    sleeps: list[float] = []
    busy = httpx.Response(429, headers={"Retry-After": "2"})
    client(Script(lambda r: busy, {"status": "ok"}), sleeps).health()
    assert sleeps == [2.0]


@pytest.mark.parametrize(
    ("status", "key"),
    [
        (401, "sync.unauthorized"),
        (403, "sync.revoked"),
        (413, "sync.too_large"),
        (422, "sync.rejected"),
        (404, "sync.protocol"),
    ],
)
def test_client_errors_are_not_retried(status: int, key: str) -> None:
    sleeps: list[float] = []
    script = Script(status)
    with pytest.raises(SyncError) as failed:
        client(script, sleeps).health()
    assert failed.value.key == key
    assert len(script.requests) == 1 and sleeps == []
    assert failed.value.message()  # a sentence for the user


def test_an_answer_that_is_not_the_protocol() -> None:
    with pytest.raises(SyncError) as failed:
        client(Script(lambda r: httpx.Response(200, text="<html>proxy login</html>")), []).health()
    assert failed.value.key == "sync.protocol"
    with pytest.raises(SyncError):
        client(Script({"protocol": "other/9", "device": "x"}), []).whoami()


def _rows(ctx: Context, n: int) -> None:
    for i in range(n):
        tickets.register(ctx, service="KTP", name=f"Budi Santoso {chr(65 + i % 26)}")


def test_rows_are_marked_sent_only_up_to_what_the_server_stored(ctx: Context) -> None:
    _rows(ctx, 10)
    seen: list[dict[str, object]] = []

    def partly(request: httpx.Request) -> httpx.Response:
        doc = json.loads(request.content)
        seen.append(doc)
        return httpx.Response(200, json={"stored_through": doc["rows"][-1]["seq"] - 3})

    with pytest.raises(SyncError) as short:
        push_outbox(client(Script(partly), []), db, "PTK-L01", batch_rows=4, clock=ctx.clock)
    assert short.value.key == "sync.incomplete"
    assert [r["seq"] for r in seen[0]["rows"]] == [1, 2, 3, 4]
    assert outbox.pending_count(db) == 9  # only seq 1 was stored
    assert [r[0] for r in outbox.pending(db, 100)][:2] == [2, 3]


def test_a_retried_push_sends_the_same_batch(ctx: Context) -> None:
    _rows(ctx, 3)
    bodies: list[bytes] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        if len(bodies) == 1:
            raise httpx.RemoteProtocolError("server disconnected without sending a response")
        return httpx.Response(200, json={"stored_through": 3})

    result = push_outbox(client(Script(flaky), []), db, "PTK-L01", clock=ctx.clock)
    assert bodies[0] == bodies[1]  # same rows, same batch id
    assert (result.pushed, result.stored_through, result.batches) == (3, 3, 1)
    assert outbox.pending_count(db) == 0


def test_nothing_to_send_sends_nothing(ctx: Context) -> None:
    script = Script({"stored_through": 0})
    assert push_outbox(client(script, []), db, "PTK-L01", clock=ctx.clock).pushed == 0
    assert script.requests == []


def test_a_batch_too_large_for_the_server_is_split(ctx: Context) -> None:
    _rows(ctx, 10)
    sizes: list[int] = []

    def record(request: httpx.Request) -> httpx.Response:
        doc = json.loads(request.content)
        sizes.append(len(request.content))
        return httpx.Response(200, json={"stored_through": doc["rows"][-1]["seq"]})

    one_row = len(json.dumps(json.loads(outbox.pending(db, 1)[0][4]))) + 400
    result = push_outbox(client(Script(record), []), db, "PTK-L01", max_body=3 * one_row, clock=ctx.clock)
    assert result.pushed == 10 and result.batches >= 2
    assert max(sizes) <= 3 * one_row
    with pytest.raises(SyncError) as too_big:
        tickets.register(ctx, service="KTP", name="Dewi Lestari")
        push_outbox(client(Script(record), []), db, "PTK-L01", max_body=100, clock=ctx.clock)
    assert too_big.value.key == "sync.too_large"

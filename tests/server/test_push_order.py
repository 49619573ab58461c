"""Push batches in flight at once (issue 16): a batch that names the one before it
(`Loket-After-Seq`) is stored only once that one is, so the store applies batches in seq order
and stored_through only ever covers a contiguous range of the device's rows."""

from __future__ import annotations

import threading
import time
import uuid

import httpx

from counter_app.server.store import Store
from counter_app.sync.protocol import AFTER_HEADER, push_body
from server.helpers import Live, row, ticket_doc


def _rows(first: int, n: int) -> list[dict[str, object]]:
    return [
        {
            "seq": seq,
            "entity": "ticket",
            "uuid": (doc := ticket_doc())["id"],
            "op": "upsert",
            "payload": doc,
            "created_at": "2026-11-30T01:00:00+00:00",
        }
        for seq in range(first, first + n)
    ]


def test_a_batch_waits_for_the_one_before_it(store: Store) -> None:
    store.add_device("PTK-L01")
    second: list[int] = []
    waiting = threading.Event()

    def later() -> None:
        def on_wait() -> bool:
            waiting.set()
            return True

        second.append(store.store_batch("PTK-L01", str(uuid.uuid4()), _rows(4, 3), after=3, on_wait=on_wait))

    thread = threading.Thread(target=later)
    thread.start()
    assert waiting.wait(10)
    assert store.records("PTK-L01") == []  # not before the batch before it
    assert store.store_batch("PTK-L01", str(uuid.uuid4()), _rows(1, 3)) == 3
    thread.join(10)
    assert second == [6]
    assert sorted(r["seq"] for r in store.records("PTK-L01")) == [1, 2, 3, 4, 5, 6]


def test_a_batch_whose_predecessor_never_comes_is_not_stored(store: Store) -> None:
    store.add_device("PTK-L01")
    t0 = time.monotonic()
    assert store.store_batch("PTK-L01", str(uuid.uuid4()), _rows(4, 3), after=3, wait_s=0.2) == 0
    assert time.monotonic() - t0 < 5
    assert store.records("PTK-L01") == []
    # past the caller's bound on waiting batches: answered at once, not stored
    assert store.store_batch("PTK-L01", str(uuid.uuid4()), _rows(4, 3), after=3, on_wait=lambda: False) == 0
    assert store.records("PTK-L01") == []


def test_the_header_over_http(live: Live) -> None:
    token = live.store.add_device("PTK-L01")
    first = [row(seq, "ticket", ticket_doc()) for seq in (1, 2)]
    second = [row(seq, "ticket", ticket_doc()) for seq in (3, 4)]
    with httpx.Client(base_url=live.url, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        answers: list[httpx.Response] = []
        thread = threading.Thread(
            target=lambda: answers.append(
                c.post(
                    "/api/v1/push",
                    content=push_body("PTK-L01", str(uuid.uuid4()), second),
                    headers={"Content-Type": "application/json", AFTER_HEADER: "2"},
                )
            )
        )
        thread.start()
        time.sleep(0.3)
        assert live.store.records("PTK-L01") == []
        done = c.post(
            "/api/v1/push",
            content=push_body("PTK-L01", str(uuid.uuid4()), first),
            headers={"Content-Type": "application/json"},
        )
        thread.join(30)
        assert done.json()["stored_through"] == 2
        assert answers[0].status_code == 200 and answers[0].json()["stored_through"] == 4
        bad = c.post(
            "/api/v1/push",
            content=push_body("PTK-L01", str(uuid.uuid4()), second),
            headers={"Content-Type": "application/json", AFTER_HEADER: "x2"},
        )
        assert bad.status_code == 422

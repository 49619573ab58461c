"""The hub under contention (SQLite and PostgreSQL): devices allocating codes and claiming
tickets at the same moment, through one hub and through two stateless copies of it on one
database, as a city runs them behind a proxy."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from counter_app.server.app import create_app
from counter_app.server.embedded import ServerThread
from counter_app.server.store import open_store
from server.helpers import ADMIN_TOKEN, Live
from server.test_live_hub import Device, Subscriber, moved, ticket

ROUNDS = 50
CLAIM_ROUNDS = 200


@pytest.fixture
def second_hub(live: Live, store_url: str) -> Iterator[Live]:
    """Another copy of the hub over the same database (its own store, pool and process state)."""
    store = open_store(store_url)
    thread = ServerThread(create_app(store, admin_token=ADMIN_TOKEN))
    thread.start()
    yield Live(store, thread, ADMIN_TOKEN)
    thread.stop()
    store.close()


def _at_once(workers: list[Any], rounds: int, job: Any, between: Any = None) -> list[list[Any]]:
    """Run `job(worker)` on every worker at the same moment, `rounds` times; the results of each
    round in worker order. `between(results)` runs after each round, before the next."""
    start = threading.Barrier(len(workers) + 1)
    done = threading.Barrier(len(workers) + 1)
    results: list[list[Any]] = []
    current: list[Any] = [None] * len(workers)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        for _ in range(rounds):
            start.wait(60)
            try:
                current[i] = job(workers[i])
            except BaseException as exc:
                errors.append(exc)
            done.wait(60)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(workers))]
    for t in threads:
        t.start()
    for _ in range(rounds):
        start.wait(60)
        done.wait(60)
        if errors:
            raise errors[0]
        results.append(list(current))
        if between is not None:
            between(results[-1])
    for t in threads:
        t.join(60)
    return results


def test_three_devices_allocating_at_once_get_consecutive_unique_codes(live: Live, second_hub: Live) -> None:
    # two devices on one copy of the hub, the third on the other copy
    devices = [Device(live, "PTK-L01"), Device(live, "PTK-L02"), Device(second_hub, "PTK-L03")]
    try:
        rounds = _at_once(devices, ROUNDS, lambda d: d.code().json()["number"])
    finally:
        for d in devices:
            d.close()
    for r, numbers in enumerate(rounds):
        assert sorted(numbers) == [3 * r + 1, 3 * r + 2, 3 * r + 3]
    with live.store.transaction(write=False) as tx:
        assert tx.one("SELECT last FROM site_sequence WHERE site = 'PTK'")[0] == 3 * ROUNDS


def test_two_devices_claiming_at_once_never_share_a_ticket(live: Live, second_hub: Live) -> None:
    desk = Device(live, "PTK-FD")
    counters = [Device(live, "PTK-L02"), Device(second_hub, "PTK-L03")]
    pushed: list[str] = []
    claimed: list[str] = []
    waiting = [0]  # tickets waiting as the next round starts
    wrong: list[str] = []

    def release(results: list[Any]) -> None:
        """Check the round, finish what was won, queue the next round's ticket(s): one for the
        two counters in most rounds, one each in every third."""
        won = [(c, t) for c, t in zip(counters, results, strict=True) if t is not None]
        if len(won) != min(2, waiting[0]):
            wrong.append(f"round {len(claimed)}: {len(won)} winners for {waiting[0]} waiting")
        claimed.extend(t["id"] for _c, t in won)
        for c, t in won:
            c.push(moved(t, "done", c.counter))
        new = [ticket(f"A{len(pushed) + i + 1:03d}") for i in range(2 if len(pushed) % 3 == 2 else 1)]
        desk.push(*new)
        pushed.extend(t["id"] for t in new)
        waiting[0] += len(new) - len(won)

    try:
        release([None, None])
        _at_once(counters, CLAIM_ROUNDS, lambda c: c.got(), between=release)
    finally:
        for d in (desk, *counters):
            d.close()
    assert wrong == []  # a waiting ticket is never left while a counter asks in vain
    assert len(claimed) == len(set(claimed))  # never the same ticket twice
    assert set(claimed) <= set(pushed)
    with live.store.transaction(write=False) as tx:
        in_queue = tx.one("SELECT COUNT(*) FROM live_ticket WHERE status = 'waiting'")[0]
        done = tx.one("SELECT COUNT(*) FROM live_ticket WHERE status = 'done'")[0]
        calls = tx.one("SELECT COUNT(*) FROM site_event WHERE kind = 'call'")[0]
    assert done == len(claimed) == calls and in_queue == len(pushed) - len(claimed) == waiting[0]


def test_a_claim_on_one_copy_reaches_a_stream_on_the_other(live: Live, second_hub: Live) -> None:
    desk, b = Device(live, "PTK-FD"), Device(live, "PTK-L02")
    watcher = Device(second_hub, "PTK-L03")
    stream = Subscriber(watcher)
    try:
        doc = ticket("A001")
        desk.push(doc)
        got = b.got()
        assert got is not None
        seen = stream.until(lambda e: e["kind"] == "call")
    finally:
        stream.close()
        for d in (desk, b, watcher):
            d.close()
    assert [e["payload"].get("status") for e in seen if e["kind"] == "ticket"] == ["waiting", "called"]
    assert seen[-1]["payload"]["code"] == "A001"

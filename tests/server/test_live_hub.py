"""The site hub's live endpoints against a real server on loopback (SQLite and PostgreSQL):
codes, claims, the holder rule of pushes, the event stream, site isolation, the board."""

from __future__ import annotations

import itertools
import json
import queue
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from counter_app.server import live_store
from counter_app.server.store import Store
from counter_app.sync.protocol import push_body
from server.helpers import Live

DAY = "2026-11-30"
_clock = itertools.count()
_START = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def bind(store: Store, name: str, site: str, counter: str) -> str:
    """A device bound to (site, counter); its token. Uses add-device's binding when the store
    has it (issue 10), else binds the row directly."""
    try:
        return store.add_device(name, site=site, counter=counter)  # type: ignore[call-arg]
    except TypeError:
        token = store.add_device(name)
        with store.transaction() as tx:
            tx.run("UPDATE device SET site = ?, counter = ? WHERE name = ?", (site, counter, name))
            live_store.assign_offline_block(tx, name)
        return token


def ticket(
    code: str,
    service: str = "KTP",
    priority: str = "",
    status: str = "waiting",
    device: str = "PTK-FD",
    counter: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A ticket sync payload, each one arriving a second after the previous."""
    arrived = (_START + timedelta(seconds=next(_clock))).isoformat()
    doc: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "day": DAY,
        "code": code,
        "receipt_no": f"PTK-FD-20261130-{code}",
        "service": service,
        "device": device,
        "counter": counter,
        "priority": priority,
        "status": status,
        "name_masked": "B*** S***",
        "arrived_at": arrived,
        "registered_at": arrived,
        "first_called_at": None,
        "started_at": None,
        "finished_at": None,
        "call_count": 0,
        "served_by": None,
        "transferred_from": None,
        "transferred_to": None,
    }
    doc.update(extra)
    return doc


def moved(doc: dict[str, Any], status: str, counter: str, **extra: Any) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    out = {**doc, "status": status, "counter": counter, **extra}
    if status == "called":
        out["call_count"] = extra.get("call_count", max(1, int(doc.get("call_count") or 0)))
        out["first_called_at"] = doc.get("first_called_at") or now
    if status == "serving":
        out["started_at"] = now
    if status == "done":
        out["finished_at"] = now
    return out


class Device:
    """One counter PC talking to the hub."""

    def __init__(self, live: Live, name: str, site: str = "PTK", counter: str | None = None) -> None:
        self.name = name
        self.counter = counter or name.split("-")[-1]
        self.token = bind(live.store, name, site, self.counter)
        self.url = live.url
        self.http = httpx.Client(
            base_url=live.url, headers={"Authorization": f"Bearer {self.token}"}, timeout=20
        )
        self.seq = 0

    def close(self) -> None:
        self.http.close()

    def code(self, letter: str = "A", day: str = DAY) -> httpx.Response:
        return self.http.post("/api/v1/live/code", json={"day": day, "letter": letter})

    def claim(
        self, services: tuple[str, ...] = ("KTP",), cap: int = 3, ticket: str | None = None, day: str = DAY
    ) -> httpx.Response:
        return self.http.post(
            "/api/v1/live/claim",
            json={"day": day, "services": list(services), "priority_cap": cap, "ticket": ticket},
        )

    def got(self, **kw: Any) -> dict[str, Any] | None:
        answer = self.claim(**kw)
        assert answer.status_code == 200, answer.text
        return answer.json()["ticket"]

    def push(self, *payloads: dict[str, Any]) -> httpx.Response:
        rows = []
        for doc in payloads:
            self.seq += 1
            rows.append(
                (self.seq, "ticket", doc["id"], "upsert", json.dumps(doc), datetime.now(UTC).isoformat())
            )
        answer = self.http.post(
            "/api/v1/push",
            content=push_body(self.name, str(uuid.uuid4()), rows),
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 200, answer.text
        return answer

    def state(self, state: str) -> httpx.Response:
        return self.http.post("/api/v1/live/state", json={"state": state})

    def events(self, since: int = 0) -> dict[str, Any]:
        answer = self.http.get("/api/v1/live/events", params={"since": since, "once": 1})
        assert answer.status_code == 200, answer.text
        return answer.json()


@pytest.fixture
def devices(live: Live) -> Iterator[Any]:
    made: list[Device] = []

    def make(name: str, site: str = "PTK", counter: str | None = None) -> Device:
        device = Device(live, name, site, counter)
        made.append(device)
        return device

    yield make
    for device in made:
        device.close()


def live_row(store: Store, ticket_id: str) -> dict[str, Any]:
    with store.transaction(write=False) as tx:
        r = tx.one("SELECT status, holder, counter, payload FROM live_ticket WHERE id = ?", (ticket_id,))
    return {"status": r[0], "holder": r[1], "counter": r[2], "payload": store.d.load_json(r[3])}


class Subscriber:
    """Reads a device's SSE stream on a thread; events arrive on `inbox`."""

    def __init__(
        self, device: Device, headers: dict[str, str] | None = None, since: int | None = None
    ) -> None:
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.raw: list[str] = []
        self.connected = threading.Event()
        self.ready = threading.Event()  # the first line came: the server's generator is running
        self._response: httpx.Response | None = None
        params = {} if since is None else {"since": since}
        self._client = httpx.Client(
            base_url=device.url,
            timeout=httpx.Timeout(30, read=None),
            headers={"Authorization": f"Bearer {device.token}", **(headers or {})},
        )
        self._request = self._client.build_request("GET", "/api/v1/live/events", params=params)
        self.status = 0
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self.connected.wait(20)
        if self.status == 200:
            assert self.ready.wait(20)

    def _run(self) -> None:
        try:
            response = self._response = self._client.send(self._request, stream=True)
            self.status = response.status_code
            self.connected.set()
            fields: dict[str, str] = {}
            for line in response.iter_lines():
                self.raw.append(line)
                self.ready.set()
                if line == "":
                    if "data" in fields:
                        event = json.loads(fields["data"])
                        event["_id"], event["_event"] = fields.get("id"), fields.get("event")
                        self.inbox.put(event)
                    fields = {}
                elif not line.startswith(":"):
                    key, _, value = line.partition(":")
                    fields[key] = value.lstrip(" ")
        except (httpx.HTTPError, OSError, ValueError, AttributeError):
            pass  # closed under it by close()
        finally:
            self.connected.set()

    def take(self, n: int, timeout: float = 20) -> list[dict[str, Any]]:
        return [self.inbox.get(timeout=timeout) for _ in range(n)]

    def until(self, predicate: Any, timeout: float = 20) -> list[dict[str, Any]]:
        """Events up to and including the first that satisfies `predicate`."""
        out = []
        while True:
            event = self.inbox.get(timeout=timeout)
            out.append(event)
            if predicate(event):
                return out

    def close(self) -> None:
        if self._response is not None:
            self._response.close()  # the connection itself: the server sees the client go
        self._client.close()


# ---- codes --------------------------------------------------------------------------------


def test_codes_count_per_site_day_and_letter(devices: Any) -> None:
    a, b = devices("PTK-L01"), devices("PTK-L02")
    assert a.code().json() == {"number": 1, "code": "A001", "day": DAY, "letter": "A"}
    assert b.code().json()["code"] == "A002"
    assert a.code("B").json()["code"] == "B001"
    assert a.code(day="2026-12-01").json()["code"] == "A001"
    assert b.code().json()["number"] == 3
    # bad input changes nothing
    assert a.code("a").status_code == 422
    assert a.http.post("/api/v1/live/code", json={"day": "30-11-2026", "letter": "A"}).status_code == 422
    assert a.code().json()["number"] == 4


def test_past_9999_the_queue_is_full_and_nothing_moves(live: Live, devices: Any) -> None:
    a = devices("PTK-L01")
    with live.store.transaction() as tx:
        tx.run("INSERT INTO site_sequence (site, day, letter, last) VALUES ('PTK', ?, 'A', 9998)", (DAY,))
    assert a.code().json()["code"] == "A9999"
    full = a.code()
    assert full.status_code == 409 and full.json()["detail"] == "queue_full"
    with live.store.transaction(write=False) as tx:
        assert tx.one("SELECT last FROM site_sequence WHERE site = 'PTK' AND letter = 'A'")[0] == 9999


def test_first_code_of_the_day_follows_codes_the_hub_already_knows(devices: Any) -> None:
    desk, a = devices("PTK-FD"), devices("PTK-L01")
    desk.push(ticket("A007"), ticket("A12001"))  # a local-numbered ticket and an offline one
    assert a.code().json()["code"] == "A008"


def test_unbound_device_is_refused(live: Live) -> None:
    token = live.store.add_device("LONE-PC")
    headers = {"Authorization": f"Bearer {token}"}
    answer = httpx.post(live.url + "/api/v1/live/code", json={"day": DAY, "letter": "A"}, headers=headers)
    assert answer.status_code == 403 and answer.json()["detail"] == "device_not_bound"
    me = httpx.get(live.url + "/api/v1/device", headers=headers).json()
    assert "offline_block" not in me


# ---- offline blocks -----------------------------------------------------------------------


def test_offline_block_is_the_lowest_free_in_the_site(live: Live, devices: Any) -> None:
    a, b = devices("PTK-L01"), devices("PTK-L02")
    other = devices("SBY-L01", site="SBY")
    blocks = {d.name: d.http.get("/api/v1/device").json()["offline_block"] for d in (a, b, other)}
    assert blocks == {"PTK-L01": 0, "PTK-L02": 1, "SBY-L01": 0}
    me = a.http.get("/api/v1/device").json()
    assert (me["site"], me["counter"]) == ("PTK", "L01")
    # a row bound before the hub existed gets one at first contact: the lowest free (2)
    with live.store.transaction() as tx:
        tx.run("UPDATE device SET offline_block = NULL WHERE name = 'PTK-L02'")
    c = devices("PTK-L03")
    assert c.http.get("/api/v1/device").json()["offline_block"] == 1
    assert b.http.get("/api/v1/device").json()["offline_block"] == 2


# ---- claims -------------------------------------------------------------------------------


def test_claim_takes_the_site_queue_in_order_and_refuses_a_second_ticket(live: Live, devices: Any) -> None:
    desk, b = devices("PTK-FD"), devices("PTK-L02")
    first, second, other = ticket("A001"), ticket("A002"), ticket("B001", service="KK")
    desk.push(first, second, other)
    got = b.got()
    assert got is not None and got["id"] == first["id"]
    assert (got["status"], got["counter"], got["call_count"]) == ("called", "L02", 1)
    assert live_row(live.store, first["id"])["holder"] == "L02"
    busy = b.claim()
    assert busy.status_code == 409
    assert busy.json()["detail"] == "counter_busy" and busy.json()["ticket"]["id"] == first["id"]
    assert busy.json()["code"] == "A001"
    b.push(moved(got, "serving", "L02"), moved(got, "done", "L02"))
    assert b.got()["id"] == second["id"]
    b.push(moved(second, "done", "L02"))
    assert b.got() is None  # KK is not among the services asked for
    assert b.got(services=("KK",))["id"] == other["id"]


def test_claim_of_a_named_ticket(live: Live, devices: Any) -> None:
    desk, b, c = devices("PTK-FD"), devices("PTK-L02"), devices("PTK-L03")
    first, second = ticket("A001"), ticket("A002")
    desk.push(first, second)
    assert b.got(ticket=second["id"])["id"] == second["id"]
    taken = c.claim(ticket=second["id"])
    assert taken.status_code == 409 and taken.json()["detail"] == "not_waiting"
    assert c.claim(ticket=str(uuid.uuid4())).status_code == 404
    assert c.got()["id"] == first["id"]


def test_priority_first_within_the_cap(devices: Any) -> None:
    desk, b = devices("PTK-FD"), devices("PTK-L02")
    g1, p1, p2, p3, g2 = (
        ticket("A001"),
        ticket("A002", priority="lansia"),
        ticket("A003", priority="anak"),
        ticket("A004", priority="lansia"),
        ticket("A005"),
    )
    desk.push(g1, p1, p2, p3, g2)
    order = []
    for _ in range(5):
        got = b.got(cap=2)
        order.append(got["code"])
        b.push(moved(got, "done", "L02"))
    assert order == ["A002", "A003", "A001", "A004", "A005"]


def test_priority_cap_is_per_counter_across_devices(devices: Any) -> None:
    desk, b, c = devices("PTK-FD"), devices("PTK-L02"), devices("PTK-L03")
    g1, g2 = ticket("A001"), ticket("A002")
    p1, p2, p3, p4 = (ticket(f"A00{i}", priority="lansia") for i in range(3, 7))
    desk.push(g1, g2, p1, p2, p3, p4)
    taken = []
    for device in (b, c, b, c, b, c):
        got = device.got(cap=1)
        taken.append((device.counter, got["code"]))
        device.push(moved(got, "done", device.counter))
    # each counter: one priority visitor, then one general one (the cap of 1), priority again
    assert taken == [
        ("L02", "A003"),
        ("L03", "A004"),
        ("L02", "A001"),
        ("L03", "A002"),
        ("L02", "A005"),
        ("L03", "A006"),
    ]


# ---- the holder rule ----------------------------------------------------------------------


def test_push_for_a_ticket_held_by_another_counter_is_not_applied(live: Live, devices: Any) -> None:
    desk, b, c = devices("PTK-FD"), devices("PTK-L02"), devices("PTK-L03")
    doc = ticket("A001")
    desk.push(doc)
    got = b.got()
    head = c.events()["last"]
    c.push(moved(doc, "called", "L03"), moved(doc, "serving", "L03"))
    row = live_row(live.store, doc["id"])
    assert (row["status"], row["holder"], row["counter"]) == ("called", "L02", "L02")
    assert c.events(head)["events"] == []  # nothing changed, nothing streamed
    kept = {r["device"]: r["payload"]["status"] for r in live.store.records() if r["uuid"] == doc["id"]}
    assert kept == {"PTK-FD": "waiting", "PTK-L03": "serving"}  # kept for the audit
    # the holder's own moves apply; a requeue frees it for anyone
    b.push(moved(got, "waiting", "L02"))
    row = live_row(live.store, doc["id"])
    assert (row["status"], row["holder"]) == ("waiting", None)
    assert c.got()["id"] == doc["id"]
    # the front desk cannot undo the call either (not waiting any more, not its counter)
    desk.push({**doc, "status": "cancelled"})
    assert live_row(live.store, doc["id"])["status"] == "called"


def test_an_offline_ticket_is_reserved_for_its_counter_until_released(live: Live, devices: Any) -> None:
    """A device that pushed an offline-code ticket may not know the push arrived (a lost
    answer) and call it offline: until it releases it, no other counter can claim it."""
    d, other = devices("PTK-L01"), devices("PTK-L02")
    mine = ticket("A10001", device="L01")  # block 0, registered offline at L01
    spare = ticket("A10002", device="L01")
    d.push(mine, spare)
    assert (live_row(live.store, mine["id"])["status"], live_row(live.store, mine["id"])["holder"]) == (
        "waiting",
        "L01",
    )
    assert other.got() is None  # reserved: not in anyone else's queue
    named = other.claim(ticket=mine["id"])
    assert named.status_code == 409 and named.json()["detail"] == "reserved"
    board = other.http.get("/api/v1/live/board", params={"day": DAY}).json()
    assert [(s["service"], s["waiting"]) for s in board["services"]] == [("KTP", 2)]  # still waiting
    # only the reserving counter may release
    refused = other.http.post("/api/v1/live/release", json={"tickets": [mine["id"], spare["id"]]})
    assert refused.status_code == 200 and refused.json() == {"released": []}
    assert other.got() is None
    # the reserving counter itself calls its reserved ticket live; its requeue keeps the reserve
    got = d.got()
    assert got is not None and got["id"] == mine["id"]
    d.push(moved(got, "waiting", "L01"))
    assert live_row(live.store, mine["id"])["holder"] == "L01"
    assert other.got() is None
    answer = d.http.post("/api/v1/live/release", json={"tickets": [mine["id"], spare["id"]]})
    assert answer.status_code == 200 and sorted(answer.json()["released"]) == sorted(
        [mine["id"], spare["id"]]
    )
    assert live_row(live.store, mine["id"])["holder"] is None
    first = other.got()
    assert first is not None and first["id"] == spare["id"]  # FIFO: the requeue went to the end
    # once released, the ordinary holder rule: a requeue frees it for anyone
    other.push(moved(first, "waiting", "L02"))
    assert live_row(live.store, spare["id"])["holder"] is None
    # a live-range code is never reserved
    plain = ticket("A003", device="L01")
    d.push(plain)
    assert live_row(live.store, plain["id"])["holder"] is None


def test_a_resent_row_is_not_applied_twice(live: Live, devices: Any) -> None:
    desk, b = devices("PTK-FD"), devices("PTK-L02")
    doc = ticket("A001")
    desk.push(doc)
    got = b.got()
    b.push(moved(got, "serving", "L02"))
    serving_seq = b.seq
    b.push(moved(got, "done", "L02"))
    head = b.events()["last"]
    # the answer to the first push was lost: the client sends the same row again, new batch id
    again = push_body(
        b.name,
        str(uuid.uuid4()),
        [
            (
                serving_seq,
                "ticket",
                doc["id"],
                "upsert",
                json.dumps(moved(got, "serving", "L02")),
                DAY + "T02:00:00+00:00",
            )
        ],
    )
    assert (
        b.http.post("/api/v1/push", content=again, headers={"Content-Type": "application/json"}).status_code
        == 200
    )
    assert live_row(live.store, doc["id"])["status"] == "done"
    assert b.events(head)["events"] == []


def test_recall_is_a_call_event(devices: Any) -> None:
    desk, b = devices("PTK-FD"), devices("PTK-L02")
    desk.push(ticket("A001"))
    got = b.got()
    head = b.events()["last"]
    b.push(moved(got, "called", "L02"))  # the counter's own copy of the call: no new call
    b.push(moved(got, "called", "L02", call_count=2))  # a recall
    calls = [e["payload"] for e in b.events(head)["events"] if e["kind"] == "call"]
    assert calls == [{"code": "A001", "counter": "L02", "service": "KTP", "letter": "A", "recall": True}]


# ---- the event stream ---------------------------------------------------------------------


def test_a_ticket_of_the_front_desk_served_elsewhere_reaches_a_third_subscriber(devices: Any) -> None:
    desk, b, watcher = devices("PTK-FD"), devices("PTK-L02"), devices("PTK-L03")
    stream = Subscriber(watcher)
    try:
        assert stream.status == 200
        doc = ticket("A001")
        desk.push(doc)
        got = b.got()
        b.push(moved(got, "serving", "L02"))
        b.push(moved(got, "done", "L02"))
        seen = stream.until(lambda e: e["kind"] == "ticket" and e["payload"]["status"] == "done")
        seen += stream.take(1)  # the counter is free again
    finally:
        stream.close()
    seqs = [e["seq"] for e in seen]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    assert all(e["_id"] == str(e["seq"]) and e["_event"] == e["kind"] for e in seen)
    statuses = [(e["device"], e["payload"]["status"]) for e in seen if e["kind"] == "ticket"]
    assert statuses == [
        ("PTK-FD", "waiting"),
        ("PTK-L02", "called"),
        ("PTK-L02", "serving"),
        ("PTK-L02", "done"),
    ]
    call = next(e for e in seen if e["kind"] == "call")
    assert call["payload"] == {
        "code": "A001",
        "counter": "L02",
        "service": "KTP",
        "letter": "A",
        "recall": False,
    }
    kinds = [e["kind"] for e in seen]
    assert kinds.index("call") == kinds.index("ticket") + 2  # right after the claim's ticket event
    counters = [e["payload"]["ticket_code"] for e in seen if e["kind"] == "counter"]
    assert counters[0] == "A001" and counters[-1] is None


def test_stream_resumes_from_last_event_id(devices: Any) -> None:
    desk, watcher = devices("PTK-FD"), devices("PTK-L03")
    docs = [ticket(f"A00{i}") for i in range(1, 6)]
    desk.push(*docs)
    everything = watcher.events()["events"]
    assert [e["payload"]["code"] for e in everything] == [d["code"] for d in docs]
    middle = everything[1]["seq"]
    stream = Subscriber(watcher, headers={"Last-Event-ID": str(middle)}, since=0)
    try:
        got = stream.take(3)
    finally:
        stream.close()
    assert [e["seq"] for e in got] == [e["seq"] for e in everything[2:]]
    assert watcher.events(middle)["events"] == everything[2:]


def test_once_pages_and_reset(devices: Any) -> None:
    desk, watcher = devices("PTK-FD"), devices("PTK-L03")
    desk.push(ticket("A001"))
    page = watcher.events()
    assert page["last"] == page["head"] and not page["more"] and not page["reset"]
    again = watcher.events(page["last"])
    assert again["events"] == [] and again["last"] == page["last"]
    replaced = watcher.events(page["last"] + 1000)  # a counter ahead of the hub: its store was replaced
    assert replaced["reset"] and replaced["events"] == page["events"]


def test_server_stops_cleanly_with_open_streams(live: Live, devices: Any) -> None:
    watcher = devices("PTK-L03")
    streams = [Subscriber(watcher) for _ in range(3)]
    server_thread = live.thread._thread
    assert server_thread is not None
    live.thread.stop()
    assert not server_thread.is_alive()
    for stream in streams:
        stream._thread.join(20)
        assert not stream._thread.is_alive()
        stream.close()


# ---- sites --------------------------------------------------------------------------------


def test_a_device_of_another_site_cannot_allocate_claim_or_read(live: Live, devices: Any) -> None:
    desk, b = devices("PTK-FD"), devices("PTK-L02")
    hostile = devices("SBY-L01", site="SBY", counter="L02")  # same counter code, other site
    doc = ticket("A001")
    desk.push(doc)
    assert desk.code().json()["code"] == "A002"
    assert hostile.code().json()["code"] == "A001"  # its own site's sequence
    assert desk.code().json()["code"] == "A003"
    assert hostile.got() is None
    assert hostile.claim(ticket=doc["id"]).status_code == 404
    assert hostile.events()["events"] == []
    assert hostile.http.get("/api/v1/live/board", params={"site": "PTK"}).status_code == 403
    assert hostile.http.get("/api/v1/live/board").json()["services"] == []
    # pushing a known ticket of another site changes nothing there
    hostile.push(moved(doc, "called", "L02"))
    assert live_row(live.store, doc["id"])["status"] == "waiting"
    assert b.got()["id"] == doc["id"]
    # a body naming another site or counter is refused, not obeyed
    assert (
        hostile.http.post(
            "/api/v1/live/claim", json={"day": DAY, "services": ["KTP"], "site": "PTK"}
        ).status_code
        == 422
    )


# ---- counters and the board ---------------------------------------------------------------


def test_counter_state_and_board(live: Live, devices: Any) -> None:
    desk, b = devices("PTK-FD"), devices("PTK-L02")
    desk.push(ticket("A001"), ticket("A002"), ticket("B001", service="KK"))
    head = b.events()["last"]
    assert b.state("break").json()["state"] == "break"
    assert b.state("break").status_code == 200
    assert [e["payload"]["state"] for e in b.events(head)["events"] if e["kind"] == "counter"] == ["break"]
    assert b.state("lunch").status_code == 422
    got = b.got()
    board = b.http.get("/api/v1/live/board").json()
    row = next(c for c in board["counters"] if c["counter"] == "L02")
    assert (row["state"], row["ticket_code"], row["device"], row["online"]) == (
        "open",
        got["code"],
        "PTK-L02",
        True,
    )
    waiting = {s["service"]: s["waiting"] for s in board["services"]}
    assert waiting == {"KTP": 1, "KK": 1}
    assert all(s["longest_wait_s"] >= 0 for s in board["services"])
    admin = httpx.get(
        live.url + "/api/v1/live/board",
        params={"site": "PTK"},
        headers={"Authorization": f"Bearer {live.admin_token}"},
    )
    assert admin.status_code == 200
    assert {s["service"]: s["waiting"] for s in admin.json()["services"]} == waiting


# ---- reports ------------------------------------------------------------------------------


def test_report_counts_each_ticket_once(live: Live, devices: Any) -> None:
    desk, b = devices("PTK-FD"), devices("PTK-L02")
    doc = ticket("A001")
    desk.push(doc, ticket("A002"))
    got = b.got()
    b.push(moved(got, "serving", "L02"), moved(got, "done", "L02"))
    report = httpx.get(
        live.url + "/api/v1/reports/daily",
        params={"date": DAY},
        headers={"Authorization": f"Bearer {live.admin_token}"},
    ).json()
    assert report["totals"]["registered"] == 2
    assert report["totals"]["served"] == 1 and report["totals"]["waiting"] == 1
    assert {r["device"]: r["registered"] for r in report["by_device"]} == {"PTK-FD": 2}


def test_a_stream_ends_when_its_client_goes_away(devices: Any) -> None:
    watcher = devices("PTK-L03")
    stream = Subscriber(watcher)
    waiters = live_store.notifier()._waiters
    assert len(waiters.get("PTK", ())) == 1
    stream.close()
    stream._thread.join(20)
    deadline = datetime.now(UTC) + timedelta(seconds=20)
    while waiters.get("PTK") and datetime.now(UTC) < deadline:
        threading.Event().wait(0.05)
    assert not waiters.get("PTK")  # the generator ran its `finally`: it is not polling any more


def test_the_server_command_stops_on_sigint_with_an_open_stream(tmp_path: Any) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys
    from pathlib import Path

    from counter_app.server.store import default_url, open_store

    store = open_store(default_url(tmp_path))
    try:
        token = bind(store, "PTK-L03", "PTK", "L03")
    finally:
        store.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "counter_app.server", "--data-dir", str(tmp_path), "--port", str(port)],
        cwd=root,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                httpx.get(url + "/api/v1/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None
                threading.Event().wait(0.05)

        class Remote:
            pass

        remote = Remote()
        remote.url, remote.token = url, token  # type: ignore[attr-defined]
        stream = Subscriber(remote)  # type: ignore[arg-type]
        assert stream.status == 200
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=60)  # ends: the open stream does not hold it
        stream._thread.join(20)
        assert not stream._thread.is_alive()
        stream.close()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode in (0, 130), err

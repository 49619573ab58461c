"""End to end, against SQLite and a real PostgreSQL: counters push, the server stores, and
whatever goes wrong in between, the central store ends with exactly the local records."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest

from counter_app.server.app import create_app
from counter_app.server.embedded import ServerThread
from counter_app.server.store import Store
from counter_app.services import complaints, journal, tickets
from counter_app.services.demo import run_demo
from counter_app.services.sync import last_sync, run_sync
from counter_app.store.connection import DB_NAME, close_db, open_database
from counter_app.store.models import db
from counter_app.sync import outbox
from counter_app.sync.client import SyncClient, SyncError, push_outbox
from counter_app.sync.protocol import PIPELINE, push_body
from server.helpers import FAST_RETRY, CuttingProxy, Live, Station, assert_converged, bound, ticket_doc

DAY = date(2026, 11, 27)
ROOT = Path(__file__).resolve().parents[2]

MakeStation = Callable[..., Station]


def demo_station(
    stations: MakeStation,
    live: Live | Store,
    counter: str = "L01",
    visits: int = 40,
    seed: int = 1,
    *,
    publisher: bool = False,
) -> Station:
    station = stations(counter)
    ctx = station.use()
    run_demo(ctx, DAY, visits, seed=seed)
    store = live.store if isinstance(live, Live) else live
    station.token = store.add_device(station.device, **bound(station.device), publisher=publisher)
    return station


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the plain case -----------------------------------------------------------------------


def test_round_trip_then_more_changes(live: Live, stations: MakeStation) -> None:
    station = demo_station(stations, live)
    ctx = station.use()
    sent = station.pending()
    assert sent > 100

    result = run_sync(ctx, live.url, station.token, retry=FAST_RETRY)

    assert result.pushed == sent
    assert result.device == station.device
    assert result.mismatches == []
    assert_converged(live.store, station)

    # later in the day: a new visitor, called and served; only the new rows travel
    ctx = station.use()
    ticket = tickets.register(ctx, service="KTP", name="Siti Aminah").ticket
    tickets.call_next(ctx, "L01")
    tickets.start(ctx, ticket.id)
    again = run_sync(ctx, retry=FAST_RETRY)  # server and token were saved by the first run
    assert again.pushed == 3  # register, call, start
    assert_converged(live.store, station)
    counts = outbox.ticket_counts(db)
    assert counts["2026-11-30"] == 1
    assert live.store.ticket_counts(station.device) == counts


def test_same_batch_twice_changes_nothing(live: Live, stations: MakeStation) -> None:
    station = demo_station(stations, live, visits=10)
    station.use()
    rows = outbox.pending(db, 10_000)
    half = len(rows) // 2
    first = push_body(station.device, str(uuid.uuid4()), rows[:half])
    second = push_body(station.device, str(uuid.uuid4()), rows[half:])
    with SyncClient(live.url, station.token, retry=FAST_RETRY) as client:
        assert client.push(first) == rows[half - 1][0]
        after_first = live.store.records()
        assert client.push(first) == rows[half - 1][0]  # the very same batch again
        assert live.store.records() == after_first
        assert client.push(second) == rows[-1][0]
        final = live.store.records()
        # an old batch replayed late (same id, then a new id): the newer rows stay
        assert client.push(first) == rows[-1][0]
        assert client.push(push_body(station.device, str(uuid.uuid4()), rows[:half])) == rows[-1][0]
        assert live.store.records() == final
    with live.store.transaction(write=False) as tx:
        assert tx.one("SELECT COUNT(*) FROM sync_batch")[0] == 3
    outbox.mark_sent(db, rows[0][0], rows[-1][0], station.clock.now())
    assert_converged(live.store, station)


# ---- failures between the counter and the store -------------------------------------------


def test_answer_lost_after_commit_is_retried_and_converges(store: Store, stations: MakeStation) -> None:
    """The server commits a batch, then fails before answering (HTTP 500): the client sends
    the same batch again and the server recognises it."""
    station = demo_station(stations, store)
    failures: list[str] = []

    def fail_once(device: str, batch_id: str) -> None:
        if not failures:
            failures.append(batch_id)
            raise RuntimeError("injected: died after commit")

    with ServerThread(create_app(store, after_commit=fail_once)) as server:
        result = run_sync(station.use(), server.url, station.token, retry=FAST_RETRY, batch_rows=50)
    assert failures and result.pushed > 50
    assert_converged(store, station)


def test_server_process_killed_after_commit_then_resync(
    store_url: str, store: Store, stations: MakeStation
) -> None:
    station = demo_station(stations, store)
    ctx = station.use()
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("crashing_server.py")), store_url, str(port), "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "crashing server did not start"
            time.sleep(0.05)
        with pytest.raises(SyncError) as failed:
            run_sync(ctx, url, station.token, retry=FAST_RETRY, batch_rows=50)
        assert failed.value.key == "sync.unreachable"
        assert process.wait(timeout=10) == 17
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr:
            process.stderr.close()

    # Two batches are on the server; only the first was answered, so only it is marked sent.
    station.use()
    stored = store.devices()[0].stored_through
    rows = outbox.pending(db, 10_000)
    assert rows[0][0] == 51 and stored == 100
    assert not last_sync(ctx).ok

    with ServerThread(create_app(store)) as server:
        result = run_sync(station.use(), server.url, station.token, retry=FAST_RETRY, batch_rows=50)
    assert result.pushed == len(rows)
    assert_converged(store, station)


@pytest.mark.parametrize("plan", [["cut"], ["cut", "cut", "drop"], ["drop", "pass", "drop"]])
def test_connection_cut_mid_request(live: Live, stations: MakeStation, plan: list[str]) -> None:
    station = demo_station(stations, live)
    proxy = CuttingProxy(live.thread.port, plan)
    try:
        run_sync(station.use(), proxy.url, station.token, retry=FAST_RETRY, batch_rows=40)
    finally:
        proxy.close()
    assert proxy.done[: len(plan)] == plan
    assert_converged(live.store, station)


def test_connection_cut_on_every_try_then_next_sync(live: Live, stations: MakeStation) -> None:
    station = demo_station(stations, live)
    # every push after the first is cut, on every try of every batch on its way (PIPELINE)
    proxy = CuttingProxy(live.thread.port, ["pass", *["cut"] * 4 * 2 * PIPELINE])
    try:
        with pytest.raises(SyncError) as failed:
            run_sync(station.use(), proxy.url, station.token, retry=FAST_RETRY, batch_rows=40)
        assert failed.value.key == "sync.unreachable"
        proxy.plan.clear()  # the network is back
        run_sync(station.use(), proxy.url, station.token, retry=FAST_RETRY, batch_rows=40)
    finally:
        proxy.close()
    assert_converged(live.store, station)


def test_server_down_for_the_whole_sync_then_up(store: Store, stations: MakeStation) -> None:
    station = demo_station(stations, store)
    ctx = station.use()
    before = station.pending()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"

    with pytest.raises(SyncError) as failed:
        run_sync(ctx, url, station.token, retry=FAST_RETRY)

    assert failed.value.key == "sync.unreachable"
    assert station.pending() == before
    assert store.records() == []
    status = last_sync(ctx)
    assert status.ok is False and status.result["error"] == "sync.unreachable"
    assert list((station.folder / "backups").glob("pre-sync-*.sqlite3"))
    assert ctx.setting("sync_server") == ""  # saved only after a success

    with ServerThread(create_app(store), port=port):
        run_sync(station.use(), url, station.token, retry=FAST_RETRY)
    assert_converged(store, station)
    assert last_sync(station.use()).ok is True


# ---- who may push -------------------------------------------------------------------------


def test_wrong_or_revoked_token_stores_nothing(live: Live, stations: MakeStation) -> None:
    station = demo_station(stations, live)
    ctx = station.use()
    before = station.pending()

    with pytest.raises(SyncError) as wrong:
        run_sync(ctx, live.url, "not-the-token", retry=FAST_RETRY)
    assert wrong.value.key == "sync.unauthorized"

    live.store.revoke_device(station.device)
    with pytest.raises(SyncError) as revoked:
        run_sync(ctx, live.url, station.token, retry=FAST_RETRY)
    assert revoked.value.key == "sync.revoked"

    # straight at the API too: 401 without or with a wrong token, 403 when revoked
    rows = outbox.pending(db, 100)
    body = push_body(station.device, str(uuid.uuid4()), rows)
    api = live.url + "/api/v1/push"
    assert httpx.post(api, content=body).status_code == 401
    assert httpx.post(api, content=body, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert (
        httpx.post(api, content=body, headers={"Authorization": f"Bearer {station.token}"}).status_code == 403
    )
    # another device's token cannot push in this device's name
    other = live.store.add_device("PTK-L09", site="PTK", counter="L09")
    assert httpx.post(api, content=body, headers={"Authorization": f"Bearer {other}"}).status_code == 403

    assert live.store.records() == []
    assert station.pending() == before
    assert saved_token_absent(station)


def saved_token_absent(station: Station) -> bool:
    return not (station.folder / "secrets" / "sync.token").exists()


def test_a_phone_number_typed_into_a_complaint_leaves_masked(live: Live, stations: MakeStation) -> None:
    """The server refuses any batch holding a full NIK or phone number; a counter masks them
    on the way out instead of being refused night after night."""
    station = demo_station(stations, live, visits=5)
    ctx = station.use()
    complaint = complaints.add(
        ctx,
        channel="langsung",
        category=complaints.CATEGORIES[0],
        classification=complaints.CLASSES[0],
        text="Antrian lama. Hubungi saya 081234567890, NIK 6171010101900001.",
    )
    leaky = ticket_doc(name_masked="6171010101900001")
    with db.atomic():  # and a bug that would leak a NIK into a text of the outbox
        journal.outbox(ctx.clock, "ticket", leaky["id"], "upsert", leaky)

    result = run_sync(ctx, live.url, station.token, retry=FAST_RETRY)

    assert result.redacted == 2
    stored = {r["uuid"]: r["payload"] for r in live.store.records()}
    assert stored[complaint.id]["text"] == "Antrian lama. Hubungi saya 0812*****890, NIK 6171**********01."
    assert "6171010101900001" not in json.dumps(live.store.records())
    assert stored[leaky["id"]]["name_masked"] == "6171**********01"
    assert station.pending() == 0


# ---- several counters ---------------------------------------------------------------------


def test_two_devices_with_the_same_ticket_codes(live: Live, stations: MakeStation) -> None:
    first = stations("L01")
    second = stations("L02")
    for station in (first, second):
        ctx = station.use()
        for name in ("Budi Santoso", "Dewi Lestari", "Agus Hidayat"):
            tickets.register(ctx, service="KTP", name=name)
        station.token = live.store.add_device(station.device, **bound(station.device))
    codes = set()
    for station in (first, second):
        ctx = station.use()
        codes.add(tuple(sorted(t.code for t in tickets.queue(ctx))))
        run_sync(ctx, live.url, station.token, retry=FAST_RETRY)
    assert codes == {("A001", "A002", "A003")}  # the same codes on both counters

    for station in (first, second):
        assert_converged(live.store, station)
    central = [r for r in live.store.records() if r["entity"] == "ticket"]
    assert len(central) == 6
    assert sorted((r["device"], r["payload"]["code"]) for r in central) == [
        (d, c) for d in ("PTK-L01", "PTK-L02") for c in ("A001", "A002", "A003")
    ]
    report = httpx.get(
        live.url + "/api/v1/reports/daily",
        params={"date": "2026-11-30"},
        headers={"Authorization": f"Bearer {first.token}"},
    ).json()
    assert report["totals"]["registered"] == 6
    assert [d["registered"] for d in report["by_device"]] == [3, 3]


@pytest.mark.slow
def test_twenty_devices_at_once(live: Live, stations: MakeStation, tmp_path: Path) -> None:
    """20 counters with 5,000 outbox rows each push at the same time (threads)."""
    template = stations("L00")
    ctx = template.use()
    visits = 1250
    run_demo(ctx, DAY, visits, seed=11)
    while template.pending() < 5000:
        tickets.register(ctx, service="KK", name="Budi Santoso")  # KK has no daily quota
    expected = template.tickets()
    counts = outbox.ticket_counts(db)
    events = template.pending()
    close_db()  # checkpoints the WAL into the file before it is copied

    devices = []
    for i in range(20):
        folder = tmp_path / f"copy-{i:02d}"
        folder.mkdir()
        shutil.copy(template.folder / DB_NAME, folder / DB_NAME)
        name = f"PTK-L{i + 1:02d}"
        devices.append((name, folder, live.store.add_device(name, **bound(name))))

    errors: list[BaseException] = []
    start = time.perf_counter()

    def push(name: str, folder: Path, token: str) -> None:
        database = open_database(folder / DB_NAME)
        try:
            with SyncClient(live.url, token, retry=FAST_RETRY) as client:
                result = push_outbox(client, database, name, clock=template.clock)
            assert result.pushed == events
            assert outbox.pending_count(database) == 0
        except BaseException as exc:
            errors.append(exc)
        finally:
            database.close()

    threads = [threading.Thread(target=push, args=d) for d in devices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - start
    assert not errors, errors
    assert elapsed < 120

    for name, _folder, _token in devices:
        central = {r["uuid"]: r["payload"] for r in live.store.records(name) if r["entity"] == "ticket"}
        assert central == expected
        assert live.store.ticket_counts(name) == counts
    print(f"\n20 devices × {events} rows: {elapsed:.1f} s ({20 * events / elapsed:,.0f} rows/s)")


# ---- reconciliation -----------------------------------------------------------------------


def test_reconcile_reports_a_day_the_server_lost(live: Live, stations: MakeStation) -> None:
    station = demo_station(stations, live)
    ctx = station.use()
    run_sync(ctx, live.url, station.token, retry=FAST_RETRY)
    with live.store.transaction() as tx:
        victim = tx.one("SELECT uuid FROM sync_record WHERE entity = 'ticket' ORDER BY uuid")[0]
        tx.run("DELETE FROM sync_record WHERE uuid = ?", (victim,))

    result = run_sync(station.use(), retry=FAST_RETRY)

    local = outbox.ticket_counts(db)[str(DAY)]
    assert result.mismatches == [{"day": str(DAY), "local": local, "server": local - 1}]
    assert "2026-11-27" in result.text()
    status = json.loads(
        db.execute_sql("SELECT value FROM setting WHERE key = 'sync_last_result'").fetchone()[0]
    )
    assert status["ok"] is True and status["mismatches"] == 1

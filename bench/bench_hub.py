"""The site hub (issue 12): call-next → another subscriber's SSE stream, a building's peak, a
city night, against `counter-app server` running as its own process on 127.0.0.1.

    .venv/bin/python bench/bench_hub.py                 # ~3 minutes: the peak runs 1 minute
    .venv/bin/python bench/bench_hub.py --full          # the issue's 10-minute peak
    .venv/bin/python bench/bench_hub.py --minutes 3 --calls 500
    .venv/bin/python bench/bench_hub.py --db-url postgresql://user@host/postgres   # an existing cluster

1. Latency: one counter registers a ticket (`/live/code` + push), calls it with
   `/api/v1/live/claim` as the counter side does, and finishes it (push); the clock runs from
   just before the claim to the `call` event arriving on ANOTHER device's SSE stream
   (`/live/events`). On the SQLite hub and on the PostgreSQL hub, ≥ 200 calls each. Bare
   baselines in the same run, interleaved call by call: SQLite, an INSERT + commit into a bare
   table and a second connection polling it every POLL_S (the hub stream's interval);
   PostgreSQL, an INSERT + NOTIFY committed, received by LISTEN on another connection.
   Targets: p95 < 1 s, median < 100 ms.
2. A building's peak (SQLite hub, as a building runs it): 40 counters (threads, each its own
   device token), 5 operations a second in total, each counter cycling register (code
   allocation + push), call (claim), finish (push). The hub's CPU % (of one core, from
   /proc/<pid>/stat) and peak RSS (VmHWM), the call → stream p95 under load, errors (any refusal,
   a code twice, a ticket claimed twice, a call event that never arrived). Targets: p95 < 1 s,
   0 errors.
3. A city night (PostgreSQL hub): 10 buildings × 40 counters, each pushing its share of a day's
   outbox (3,000 tickets per building, 4 rows per ticket as a real day makes them) at once;
   wall time, rows per second, the hub's peak RSS; ratio against a bare COPY of the same rows
   into a bare table of sync_record's columns, in the same run. Information (no target).

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
for extra in (ROOT, HERE):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import _common as C  # noqa: E402
import httpx  # noqa: E402
import psycopg  # noqa: E402
from bench_sync import Databases, throwaway_cluster  # noqa: E402

from counter_app.server.live import POLL_S  # noqa: E402
from counter_app.server.store import open_store  # noqa: E402
from counter_app.store.models import dump_json  # noqa: E402
from counter_app.sync.protocol import push_body  # noqa: E402

DAY = datetime.now(UTC).date().isoformat()
SERVICE, LETTER = "KTP", "A"
TARGET_P95_MS = 1000.0
TARGET_MEDIAN_MS = 100.0
ENV = {k: v for k, v in os.environ.items() if k != "COUNTER_APP_DATA_DIR"} | {"PYTHONPATH": str(ROOT)}


def now_ms() -> float:
    return time.time() * 1000


def iso(at: datetime) -> str:
    return at.isoformat()


# ---- the hub process ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def hub(url: str, data_dir: Path) -> Iterator[tuple[str, int]]:
    """`counter-app server` on a free loopback port; yields (base URL, pid)."""
    port = free_port()
    data_dir.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), "server", "--db-url", url]
        + ["--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the hub did not start")
            time.sleep(0.05)
        yield base, process.pid
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def proc_cpu_s(pid: int) -> float:
    """utime + stime of the process in seconds (/proc/<pid>/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_hwm_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        return next(int(line.split()[1]) / 1024 for line in fh if line.startswith("VmHWM:"))


# ---- a counter as the hub sees it ---------------------------------------------------------


def ticket_payload(tid: str, code: str, device: str, at: datetime, status: str = "waiting") -> dict[str, Any]:
    """A ticket's sync payload, shaped as tickets.sync_payload makes it (see bench_sync)."""
    return {
        "id": tid,
        "day": DAY,
        "code": code,
        "receipt_no": f"{device}-{DAY.replace('-', '')}-{code}",
        "service": SERVICE,
        "device": device.split("-", 1)[-1],
        "counter": None,
        "priority": "",
        "status": status,
        "name_masked": "Siti A*****",
        "arrived_at": iso(at),
        "registered_at": iso(at),
        "first_called_at": None,
        "started_at": None,
        "finished_at": None,
        "call_count": 0,
        "served_by": None,
        "transferred_from": None,
        "transferred_to": None,
    }


class Counter:
    """One counter device talking to the hub the way counter_app.sync.live does."""

    def __init__(self, base: str, name: str, token: str) -> None:
        self.name = name
        self.http = httpx.Client(
            base_url=base + "/api/v1", timeout=30, headers={"Authorization": f"Bearer {token}"}
        )
        self.seq = 0

    def close(self) -> None:
        self.http.close()

    def _ok(self, response: httpx.Response, what: str) -> Any:
        if response.status_code != 200:
            raise RuntimeError(f"{self.name} {what}: {response.status_code} {response.text[:200]}")
        return response.json()

    def push(self, payloads: list[dict[str, Any]]) -> None:
        rows = []
        for p in payloads:
            self.seq += 1
            rows.append((self.seq, "ticket", p["id"], "upsert", dump_json(p), iso(datetime.now(UTC))))
        body = push_body(self.name, str(uuid.uuid4()), rows)
        self._ok(self.http.post("/push", content=body, headers={"Content-Type": "application/json"}), "push")

    def register(self) -> dict[str, Any]:
        """Code allocation at the hub, then the push of the new waiting ticket."""
        answer = self._ok(self.http.post("/live/code", json={"day": DAY, "letter": LETTER}), "code")
        payload = ticket_payload(str(uuid.uuid4()), answer["code"], self.name, datetime.now(UTC))
        self.push([payload])
        return payload

    def claim(self) -> dict[str, Any] | None:
        body = {"day": DAY, "services": [SERVICE], "priority_cap": 3, "ticket": None}
        ticket = self._ok(self.http.post("/live/claim", json=body), "claim")["ticket"]
        return ticket if isinstance(ticket, dict) else None

    def finish(self, ticket: dict[str, Any]) -> None:
        at = iso(datetime.now(UTC))
        self.push([dict(ticket, status="done", started_at=at, finished_at=at, served_by="petugas")])


class Subscriber(threading.Thread):
    """Another device's SSE stream: the arrival time (epoch ms) of each `call` event by code."""

    def __init__(self, base: str, token: str) -> None:
        super().__init__(daemon=True)
        self.base, self.token = base, token
        self.arrived: dict[str, float] = {}
        self.ready = threading.Event()
        self.stop = False
        self.error: str | None = None

    def run(self) -> None:
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            head = httpx.get(
                f"{self.base}/api/v1/live/events", params={"once": 1}, headers=headers, timeout=10
            ).json()["head"]
            with (
                httpx.Client(timeout=httpx.Timeout(5, read=60)) as client,
                client.stream(
                    "GET", f"{self.base}/api/v1/live/events", params={"since": head}, headers=headers
                ) as answer,
            ):
                self.ready.set()
                kind = ""
                for line in answer.iter_lines():
                    if self.stop:
                        return
                    if line.startswith("event: "):
                        kind = line[7:]
                    elif line.startswith("data: ") and kind == "call":
                        code = json.loads(line[6:])["payload"]["code"]
                        self.arrived.setdefault(code, now_ms())
        except Exception as exc:  # reported as an error of the run
            if not self.stop:
                self.error = repr(exc)
            self.ready.set()


def wait_for(check: Any, seconds: float = 10.0) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            return None
        time.sleep(0.001)


def add_devices(url: str, site: str, counters: list[str]) -> dict[str, str]:
    store = open_store(url)
    try:
        return {c: store.add_device(f"{site}-{c}", site=site, counter=c) for c in counters}
    finally:
        store.close()


# ---- bare baselines -----------------------------------------------------------------------


class SqlitePoll:
    """INSERT + commit on one connection; a second connection polls every POLL_S."""

    def __init__(self, folder: Path) -> None:
        path = folder / "bare.sqlite3"
        self.writer = C.bare_connect(path)
        self.writer.execute("CREATE TABLE IF NOT EXISTS ev (seq INTEGER PRIMARY KEY, code TEXT)")
        self.reader = C.bare_connect(path)
        self.arrived: dict[str, float] = {}
        self.stop = False
        self.thread = threading.Thread(target=self._poll, daemon=True)
        self.thread.start()

    def _poll(self) -> None:
        last = 0
        while not self.stop:
            for seq, code in self.reader.execute("SELECT seq, code FROM ev WHERE seq > ?", (last,)):
                self.arrived[code] = now_ms()
                last = seq
            time.sleep(POLL_S)

    def one(self, code: str) -> float | None:
        time.sleep(random.uniform(0, POLL_S))  # any phase of the poller, as a real call has
        t0 = now_ms()
        self.writer.execute("BEGIN")
        self.writer.execute("INSERT INTO ev (code) VALUES (?)", (code,))
        self.writer.execute("COMMIT")
        at = wait_for(lambda: self.arrived.get(code))
        return None if at is None else at - t0

    def close(self) -> None:
        self.stop = True
        self.thread.join()
        self.writer.close()
        self.reader.close()


class PgNotify:
    """INSERT + NOTIFY committed on one connection; LISTEN on another."""

    def __init__(self, url: str) -> None:
        self.writer = psycopg.connect(url)
        self.writer.execute("CREATE TABLE IF NOT EXISTS bare_ev (seq bigserial PRIMARY KEY, code text)")
        self.writer.commit()
        self.listener = psycopg.connect(url, autocommit=True)
        self.listener.execute("LISTEN bare_ev")
        self.arrived: dict[str, float] = {}
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        for note in self.listener.notifies():
            if note.payload == "<stop>":
                return
            self.arrived[note.payload] = now_ms()

    def one(self, code: str) -> float | None:
        t0 = now_ms()
        self.writer.execute("INSERT INTO bare_ev (code) VALUES (%s)", (code,))
        self.writer.execute("SELECT pg_notify('bare_ev', %s)", (code,))
        self.writer.commit()
        at = wait_for(lambda: self.arrived.get(code))
        return None if at is None else at - t0

    def close(self) -> None:
        self.writer.execute("SELECT pg_notify('bare_ev', '<stop>')")
        self.writer.commit()
        self.thread.join(10)
        self.writer.close()
        self.listener.close()


# ---- 1. latency ---------------------------------------------------------------------------


def latency(report: C.Report, label: str, url: str, work: Path, calls: int, bare: Any) -> None:
    tokens = add_devices(url, "PTK", ["L01", "L99"])
    hub_ms: list[float] = []
    bare_ms: list[float] = []
    errors: list[str] = []
    with hub(url, work / f"hub-{label}") as (base, _pid):
        sub = Subscriber(base, tokens["L99"])
        sub.start()
        sub.ready.wait(15)
        counter = Counter(base, "PTK-L01", tokens["L01"])
        try:
            for i in range(calls + 5):  # 5 warm-up calls
                rounds = [("hub", None), ("bare", None)]
                random.shuffle(rounds)  # interleaved, order varied: load hits both alike
                for what, _ in rounds:
                    if what == "bare":
                        ms = bare.one(f"B{i}")
                        if ms is None:
                            errors.append(f"bare event {i} never arrived")
                        elif i >= 5:
                            bare_ms.append(ms)
                        continue
                    counter.register()
                    t0 = now_ms()
                    ticket = counter.claim()
                    if ticket is None:
                        errors.append(f"call {i}: nothing to call")
                        continue
                    at = wait_for(lambda code=ticket["code"]: sub.arrived.get(code))
                    if at is None:
                        errors.append(f"call {ticket['code']}: the event never arrived")
                    elif i >= 5:
                        hub_ms.append(at - t0)
                    counter.finish(ticket)
        except Exception as exc:  # reported as a figure that failed
            errors.append(repr(exc))
        finally:
            sub.stop = True
            counter.close()
            bare.close()
    if sub.error:
        errors.append(f"subscriber: {sub.error}")
    if errors or not hub_ms:
        report.failed(f"{label} hub: call-next -> another subscriber", "; ".join(errors[:3]) or "no samples")
        return
    med, p95 = C.percentile(hub_ms, 50), C.percentile(hub_ms, 95)
    bmed, bp95 = C.percentile(bare_ms, 50), C.percentile(bare_ms, 95)
    base_name = (
        f"INSERT + commit, polled every {POLL_S:.1f} s" if label == "SQLite" else "INSERT + NOTIFY -> LISTEN"
    )
    print(
        f"\n{label} hub, {len(hub_ms)} calls: call-next -> SSE median {med:.1f} ms, p95 {p95:.1f} ms\n"
        f"  bare ({base_name}): median {bmed:.1f} ms, p95 {bp95:.1f} ms\n"
        f"  ratio hub/bare: median {C.ratio(med, bmed):.2f}x, p95 {C.ratio(p95, bp95):.2f}x"
    )
    n = f"{len(hub_ms)} calls"
    report.add(
        f"{label} hub call-next -> subscriber p95 ({n})",
        p95,
        target="< 1000 ms",
        ok=p95 < TARGET_P95_MS,
        baseline=bp95,
        ratio=C.ratio(p95, bp95),
    )
    report.add(
        f"{label} hub call-next -> subscriber median ({n})",
        med,
        target="< 100 ms",
        ok=med < TARGET_MEDIAN_MS,
        baseline=bmed,
        ratio=C.ratio(med, bmed),
    )
    report.add(f"{label} bare baseline median ({base_name})", bmed)
    report.add(f"{label} bare baseline p95", bp95)


# ---- 2. a building's peak -----------------------------------------------------------------


def peak(report: C.Report, url: str, work: Path, counters: int, rate: float, minutes: float) -> None:
    names = [f"L{i + 1:02d}" for i in range(counters)]
    tokens = add_devices(url, "PTK", [*names, "L99"])
    period = counters / rate  # each counter's time between two operations
    duration = minutes * 60
    lock = threading.Lock()
    errors: list[str] = []
    codes: list[str] = []
    claimed: list[str] = []
    claims: list[tuple[str, float]] = []
    ops = [0]
    empty = [0]
    with hub(url, work / "hub-peak") as (base, pid):
        sub = Subscriber(base, tokens["L99"])
        sub.start()
        sub.ready.wait(15)
        stop_at = time.monotonic() + 2 + duration
        start = time.monotonic() + 2

        def run(i: int) -> None:
            name = names[i]
            counter = Counter(base, f"PTK-{name}", tokens[name])
            step, held = 0, None
            k = 0
            try:
                while True:
                    due = start + i * period / counters + k * period
                    k += 1
                    if due >= stop_at:
                        break
                    time.sleep(max(0.0, due - time.monotonic()))
                    try:
                        if held is not None:
                            counter.finish(held)
                            held = None
                        elif step % 2 == 0:
                            payload = counter.register()
                            with lock:
                                codes.append(payload["code"])
                        else:
                            t0 = now_ms()
                            held = counter.claim()
                            with lock:
                                if held is None:
                                    empty[0] += 1
                                else:
                                    claimed.append(held["id"])
                                    claims.append((held["code"], t0))
                        step += 1 if held is None else 0
                        with lock:
                            ops[0] += 1
                    except Exception as exc:  # every failure counts
                        with lock:
                            errors.append(f"{name}: {exc!r}"[:300])
            finally:
                counter.close()

        threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(counters)]
        time.sleep(max(0.0, start - time.monotonic() - 0.5))
        cpu0, t0 = proc_cpu_s(pid), time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        cpu = proc_cpu_s(pid) - cpu0
        hwm = proc_hwm_mb(pid)
        missing = [code for code, _ in claims if wait_for(lambda c=code: sub.arrived.get(c), 5) is None]
        sub.stop = True
    latencies = [sub.arrived[code] - t for code, t in claims if code in sub.arrived]
    if missing:
        errors.append(f"{len(missing)} call events never arrived (first {missing[0]})")
    if len(set(codes)) != len(codes):
        errors.append(f"{len(codes) - len(set(codes))} codes issued twice")
    if len(set(claimed)) != len(claimed):
        errors.append(f"{len(claimed) - len(set(claimed))} tickets claimed twice")
    if sub.error:
        errors.append(f"subscriber: {sub.error}")
    cpu_pct = 100 * cpu / wall
    p95 = C.percentile(latencies, 95) if latencies else float("nan")
    med = C.percentile(latencies, 50) if latencies else float("nan")
    print(
        f"\npeak: {counters} counters, {ops[0]} operations in {wall:.0f} s ({ops[0] / wall:.2f}/s): "
        f"{len(codes)} registered, {len(claims)} called ({empty[0]} calls found nothing waiting)\n"
        f"  hub CPU {cpu_pct:.1f} % of one core, peak RSS {hwm:.0f} MB\n"
        f"  call-next -> subscriber under load: median {med:.1f} ms, p95 {p95:.1f} ms; errors {len(errors)}"
    )
    for e in errors[:5]:
        print(f"  !! {e}")
    size = f"{counters} counters, {rate:g}/s, {minutes:g} min"
    report.add(f"peak ({size}): call-next -> subscriber p95", p95, target="< 1000 ms", ok=p95 < TARGET_P95_MS)
    report.add(f"peak ({size}): call-next -> subscriber median", med)
    report.add(f"peak ({size}): errors", float(len(errors)), "", target="0", ok=not errors, first=errors[:3])
    report.add(f"peak ({size}): operations per second", ops[0] / wall, "/s")
    report.add(f"peak ({size}): hub CPU (one core)", cpu_pct, "%")
    report.add(f"peak ({size}): hub peak RSS", hwm, "MB")


# ---- 3. a city night ----------------------------------------------------------------------

STATUSES = ("waiting", "called", "serving", "done")


def night_rows(
    site: str, counter: str, first: int, tickets: int
) -> list[tuple[int, str, str, str, str, str]]:
    """A counter's share of a day's outbox: register, call, start, finish of each ticket."""
    rows = []
    start = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
    seq = 0
    for k in range(tickets):
        tid = str(uuid.uuid4())
        arrived = start + timedelta(seconds=7 * (first + k))
        code = f"A{first + k + 1:03d}"
        for step in range(4):
            at = arrived + timedelta(minutes=5 * step)
            payload = dict(
                ticket_payload(tid, code, f"{site}-{counter}", arrived, STATUSES[step]),
                day="2026-11-30",
                counter=counter if step else None,
                first_called_at=iso(arrived + timedelta(minutes=5)) if step >= 1 else None,
                started_at=iso(arrived + timedelta(minutes=10)) if step >= 2 else None,
                finished_at=iso(arrived + timedelta(minutes=15)) if step >= 3 else None,
                call_count=1 if step else 0,
                served_by="petugas" if step else None,
            )
            seq += 1
            rows.append((seq, "ticket", tid, "upsert", dump_json(payload), iso(at)))
    return rows


def city_night(
    report: C.Report, dbs: Databases, work: Path, buildings: int, counters: int, per_building: int
) -> None:
    url = dbs.fresh()
    per_counter = per_building // counters
    store = open_store(url)
    devices: list[tuple[str, str, list[Any]]] = []
    for b in range(buildings):
        site = f"B{b + 1:02d}"
        for c in range(counters):
            counter = f"L{c + 1:02d}"
            token = store.add_device(f"{site}-{counter}", site=site, counter=counter)
            devices.append(
                (f"{site}-{counter}", token, night_rows(site, counter, c * per_counter, per_counter))
            )
    store.close()
    total = sum(len(rows) for _, _, rows in devices)
    bodies = [(name, token, push_body(name, str(uuid.uuid4()), rows)) for name, token, rows in devices]
    failures: list[str] = []
    lock = threading.Lock()
    with hub(url, work / "hub-city") as (base, pid):
        gate = threading.Barrier(len(bodies) + 1)

        def one(name: str, token: str, body: bytes) -> None:
            with httpx.Client(base_url=base, timeout=900, headers={"Authorization": f"Bearer {token}"}) as c:
                gate.wait()
                try:
                    r = c.post("/api/v1/push", content=body, headers={"Content-Type": "application/json"})
                    ok = r.status_code == 200
                    why = f"{r.status_code} {r.text[:100]}"
                except httpx.HTTPError as exc:
                    ok, why = False, repr(exc)
            if not ok:
                with lock:
                    failures.append(f"{name}: {why}")

        threads = [threading.Thread(target=one, args=b, daemon=True) for b in bodies]
        for t in threads:
            t.start()
        gate.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        hwm = proc_hwm_mb(pid)
    with psycopg.connect(url) as conn:
        live = conn.execute("SELECT count(*) FROM live_ticket").fetchone()[0]
    # the bare baseline: the same rows COPYed into a table of sync_record's columns
    bare_url = dbs.fresh()
    open_store(bare_url).close()
    now = datetime.now(UTC).isoformat()
    with psycopg.connect(bare_url) as conn:
        conn.execute("CREATE TABLE bare_rows (LIKE sync_record INCLUDING DEFAULTS)")
        conn.commit()
        c0 = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                "COPY bare_rows (device, entity, uuid, seq, op, payload, created_at, day, received_at) FROM STDIN"
            ) as copy,
        ):
            for name, _token, rows in devices:
                for seq, entity, uid, op, payload, created in rows:
                    copy.write_row((name, entity, uid, seq, op, payload, created, "2026-11-30", now))
        conn.commit()
        copy_s = time.perf_counter() - c0
    print(
        f"\ncity night: {buildings} buildings x {counters} counters, {total:,} rows "
        f"({buildings * per_counter * counters:,} tickets) pushed at once: {wall:.1f} s "
        f"({total / wall:,.0f} rows/s), hub peak RSS {hwm:.0f} MB, {live:,} live tickets, "
        f"{len(failures)} pushes refused\n"
        f"  bare COPY of the same rows: {copy_s:.2f} s ({total / copy_s:,.0f} rows/s); ratio {wall / copy_s:.1f}x"
    )
    size = f"{buildings} x {counters} counters, {total:,} rows"
    report.add(f"city night ({size}): wall time", wall, "s", baseline=copy_s, ratio=C.ratio(wall, copy_s))
    report.add("city night: rows per second", total / wall, "rows/s")
    report.add("city night: hub peak RSS", hwm, "MB")
    report.add(
        "city night: pushes answered 200, tickets live",
        float(len(bodies) - len(failures)),
        "",
        target=f"{len(bodies)} and {buildings * per_counter * counters:,} live",
        ok=not failures and live == buildings * per_counter * counters,
        first=failures[:3],
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=200, help="calls measured for the latency (each hub)")
    ap.add_argument("--counters", type=int, default=40)
    ap.add_argument("--rate", type=float, default=5.0, help="operations per second in total (peak)")
    ap.add_argument("--minutes", type=float, default=1.0, help="the peak's duration (the issue's: 10)")
    ap.add_argument("--full", action="store_true", help="the issue's 10-minute peak")
    ap.add_argument("--buildings", type=int, default=10)
    ap.add_argument("--tickets", type=int, default=3000, help="tickets per building (city night)")
    ap.add_argument("--db-url", help="admin URL of an existing PostgreSQL (databases are created in it)")
    ap.add_argument("--skip", nargs="*", default=[], choices=["latency", "peak", "city"])
    C.bench_args(ap)
    args = ap.parse_args(argv)
    if args.full:
        args.minutes = 10.0
    report = C.Report("bench_hub", calls=args.calls, counters=args.counters, minutes=args.minutes)
    work = Path(tempfile.mkdtemp(prefix="loket-bench-hub-"))
    cluster = throwaway_cluster() if not args.db_url else contextmanager(lambda: iter([args.db_url]))()
    t_all = time.perf_counter()
    try:
        if "latency" not in args.skip:
            url = f"sqlite:///{work / 'lat' / 'server.sqlite3'}"
            (work / "lat").mkdir()
            latency(report, "SQLite", url, work, args.calls, SqlitePoll(work))
        if "peak" not in args.skip:
            (work / "peak").mkdir()
            peak(
                report,
                f"sqlite:///{work / 'peak' / 'server.sqlite3'}",
                work,
                args.counters,
                args.rate,
                args.minutes,
            )
        with cluster as admin_url:
            dbs = Databases(admin_url)
            try:
                if "latency" not in args.skip:
                    url = dbs.fresh()
                    latency(report, "PostgreSQL", url, work, args.calls, PgNotify(dbs.fresh()))
                if "city" not in args.skip:
                    city_night(report, dbs, work, args.buildings, args.counters, args.tickets)
            finally:
                dbs.drop_all()
    finally:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    print(f"\nbench_hub: {time.perf_counter() - t_all:.0f} s in all")
    return report.finish(args.json)


if __name__ == "__main__":
    raise SystemExit(main())

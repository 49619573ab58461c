"""End to end, with processes as the building has them: the hub is `counter-app server` in its
own process (SQLite file or the PostgreSQL fixture), every counter PC its own data folder and its
own `python -m counter_app` processes — one command at a time (the command line), or a
long-running counter with the live link's background threads (as the window runs it).

Faults: the hub killed with SIGKILL while streams are open and counters work, a LAN cut by a TCP
relay that drops every connection, both sides working during the cut, the hub restarted on the
same database; then every store and the hub agree exactly, no code twice, no ticket served twice.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server import live_site
from server.conftest import pg_url, postgres  # noqa: F401 - the PostgreSQL fixtures
from server.helpers import Station, make_station
from server.live_site import LanCut

from counter_app.core import numbering
from counter_app.server.store import open_store
from counter_app.store.connection import DB_NAME, close_db

ROOT = Path(__file__).resolve().parents[1]
SITE = "PTK"
PYTHON = [sys.executable, "-m", "counter_app"]
ENV = {k: v for k, v in os.environ.items() if k != "COUNTER_APP_DATA_DIR"} | {"PYTHONPATH": str(ROOT)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check: Callable[[], Any], seconds: float = 60.0) -> Any:
    """Processes start slower than threads: the shared bounded poll, with a longer bound."""
    return live_site.wait_for(check, seconds, step=0.1)


class HubProcess:
    """`counter-app server` on a fixed loopback port, restartable on the same database."""

    def __init__(self, db_url: str, folder: Path) -> None:
        self.db_url = db_url
        self.folder = folder
        self.port = _free_port()
        self.process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *PYTHON,
                "--data-dir",
                str(self.folder),
                "server",
                "--db-url",
                self.db_url,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=ROOT,
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            text=True,
        )

        def up() -> bool:
            assert self.process is not None and self.process.poll() is None, "the hub died at start"
            try:
                return httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(up)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to the open streams."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)
        self.process = None

    def state(self, token: str) -> tuple[dict[str, dict[str, Any]], int]:
        """The hub's latest payload of every ticket (from its stream), and the head seq."""
        out: dict[str, dict[str, Any]] = {}
        since, head = 0, 0
        while True:
            doc = httpx.get(
                self.url + "/api/v1/live/events",
                params={"since": since, "once": 1},
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            ).json()
            for event in doc["events"]:
                if event["kind"] == "ticket":
                    out[event["uuid"]] = event["payload"]
                since = event["seq"]
            head = max(head, doc.get("head", since))
            if not doc.get("more"):
                return out, head


@pytest.fixture(params=["sqlite", "postgresql"])
def hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[HubProcess]:
    url = (
        f"sqlite:///{tmp_path / 'hub' / 'server.sqlite3'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    open_store(url).close()  # the schema, before devices are added
    running = HubProcess(url, tmp_path / "hub")
    yield running
    running.kill()


@pytest.fixture
def counters(tmp_path: Path, hub: HubProcess) -> Iterator[Callable[..., Station]]:
    def make(counter: str, serves: tuple[str, ...] | None = None, via: str | None = None) -> Station:
        station = make_station(tmp_path / f"pc-{counter}", counter, SITE)
        store = open_store(hub.db_url)
        try:
            station.token = store.add_device(station.device, site=SITE, counter=counter)
        finally:
            store.close()
        return live_site.join_site(station, via or hub.url, serves)

    yield make
    close_db()


def cli(station: Station, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*PYTHON, "--data-dir", str(station.folder), "--json", *args],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def answer(process: subprocess.Popen[str]) -> tuple[int, Any]:
    out, err = process.communicate(timeout=120)
    return process.returncode, (json.loads(out) if out.strip() else err)


def run(station: Station, *args: str) -> Any:
    code, doc = answer(cli(station, *args))
    assert code == 0, doc
    return doc


def queue_state(station: Station, ticket_id: str) -> tuple[str, str | None, str | None] | None:
    row = next((r for r in run(station, "queue") if r["id"] == ticket_id), None)
    return None if row is None else (row["status"], row["counter"], row["device"])


# ---- the command line, live ---------------------------------------------------------------


def test_counters_share_one_live_queue_from_the_command_line(
    hub: HubProcess, counters: Callable[..., Station]
) -> None:
    hub.start()
    desk = counters("L10", serves=())  # the front desk: registers for every agency, serves none
    agent = counters("L01")
    third = counters("L12", serves=("KTP", "KK"))

    # a visitor registered at the front desk is called, served and finished at L01; the third
    # counter's queue shows every step
    ticket = run(desk, "register", "--service", "KTP", "--name", "Siti Aminah")
    assert ticket["code"] == "A001"
    assert wait_for(lambda: queue_state(third, ticket["id"])) == ("waiting", None, "L10")
    called = run(agent, "call-next")
    assert called["id"] == ticket["id"]
    assert wait_for(lambda: queue_state(third, ticket["id"]) == ("called", "L01", "L10"))
    run(agent, "start", ticket["id"])
    assert wait_for(lambda: queue_state(third, ticket["id"]) == ("serving", "L01", "L10"))
    run(agent, "finish", ticket["id"])
    assert wait_for(lambda: queue_state(third, ticket["id"]) == ("done", "L01", "L10"))
    assert queue_state(desk, ticket["id"]) == ("done", "L01", "L10")

    # three counters register at once: codes consecutive and unique
    codes: list[str] = []
    for _ in range(3):
        started = [
            cli(s, "register", "--service", "KTP", "--name", "Budi Santoso") for s in (desk, agent, third)
        ]
        for process in started:
            code, doc = answer(process)
            assert code == 0, doc
            codes.append(doc["code"])
    assert sorted(codes) == [f"A{n:03d}" for n in range(2, 11)]

    # two counters calling at once never share a ticket
    taken: list[str] = []
    for _ in range(4):
        started = [cli(s, "call-next") for s in (agent, third)]
        got = []
        for process in started:
            code, doc = answer(process)
            assert code == 0, doc
            got.append(doc)
        for station, doc in zip((agent, third), got, strict=True):
            run(station, "finish", run(station, "start", doc["id"])["id"])
        taken += [d["id"] for d in got]
    assert len(taken) == len(set(taken)) == 8

    states = {s.counter: run(s, "status") for s in (desk, agent, third)}
    assert {d["mode"] for d in states.values()} == {"live"}
    assert {d["backlog"] for d in states.values()} == {0}
    hub_state, head = hub.state(desk.token)
    for station in (agent, third):  # every KTP ticket, as the hub has it
        rows = {r["id"]: r for r in run(station, "queue")}
        assert set(rows) == set(hub_state)
        for ticket_id, payload in hub_state.items():
            assert (rows[ticket_id]["status"], rows[ticket_id]["counter"]) == (
                payload["status"],
                payload["counter"],
            )
    assert run(agent, "status")["last_event"] == head

    # --offline works locally: an offline code, nothing asked of the hub
    offline = run(agent, "--offline", "register", "--service", "KTP", "--name", "Agus Hidayat")
    assert numbering.is_offline_number(numbering.code_number(offline["code"]) or 0)
    assert run(agent, "--offline", "status")["mode"] == "offline"


# ---- long-running counters and faults -----------------------------------------------------

DRIVER = r"""
import json, sys
from pathlib import Path
from counter_app.core.clock import SystemClock
from counter_app.core.roles import Actor, Role
from counter_app.services import live_queue, tickets
from counter_app.services.context import Context
from counter_app.store.connection import init_db

data_dir = Path(sys.argv[1])
init_db(data_dir)
ctx = Context(data_dir, Actor("admin", Role.ADMIN, 1), SystemClock())
link = live_queue.make_link(ctx)
ctx.live = link
link.start()  # as the window does: push within a second, the event stream
for line in sys.stdin:
    cmd = json.loads(line)
    op = cmd["op"]
    if op == "quit":
        break
    try:
        if op == "register":
            t = tickets.register(ctx, service=cmd["service"], name=cmd["name"]).ticket
            out = {"id": t.id, "code": t.code}
        elif op == "call":
            t = tickets.call_next(ctx)
            out = None if t is None else {"id": t.id, "code": t.code}
        elif op in ("start", "finish"):
            t = getattr(tickets, op)(ctx, cmd["id"])
            out = {"id": t.id, "status": t.status}
        elif op == "status":
            out = live_queue.status(ctx) | {"state": link.state, "seq": link.last_event_seq}
        print(json.dumps({"ok": True, "result": out}), flush=True)
    except Exception as exc:
        print(json.dumps({"ok": False, "error": f"{type(exc).__name__}: {exc}"}), flush=True)
link.close()
"""


class Counter:
    """A counter PC running the live link in the background (the window's way)."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self.process = subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(station.folder)],
            cwd=ROOT,
            env=ENV,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )

    def ask(self, op: str, **fields: Any) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
        self.process.stdin.flush()
        doc = json.loads(self.process.stdout.readline())
        assert doc["ok"], doc
        return doc["result"]

    def status(self) -> dict[str, Any]:
        return self.ask("status")

    def kill(self) -> None:
        """SIGKILL: whatever it was pushing is cut off where it was."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:  # the pipe's reader died with the process
                    pass

    def quit(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write(json.dumps({"op": "quit"}) + "\n")
            self.process.stdin.close()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _store_tickets(station: Station) -> tuple[dict[str, tuple[Any, ...]], set[str]]:
    """(id → (code, status, counter, call_count)) and the ids this store saw started, read
    straight from the counter's file after its process ended."""
    with sqlite3.connect(f"file:{station.folder / DB_NAME}?mode=ro", uri=True) as conn:
        rows = {
            r[0]: tuple(r[1:])
            for r in conn.execute('SELECT "id", "code", "status", "counter", "call_count" FROM "ticket"')
        }
        started = {
            r[0] for r in conn.execute('SELECT "ticket_id" FROM "ticket_event" WHERE "action" = \'start\'')
        }
    return rows, started


def test_the_hub_killed_and_the_lan_cut_counters_work_offline_and_converge(
    hub: HubProcess, counters: Callable[..., Station]
) -> None:
    hub.start()
    lan = LanCut(hub.port)
    one = counters("L01")
    two = counters("L12", serves=("KTP", "KK"), via=lan.url)  # reaches the hub through the relay
    a, b = Counter(one), Counter(two)
    try:
        wait_for(lambda: a.status()["state"] == "live" and b.status()["state"] == "live")
        first = [
            a.ask("register", service="KTP", name=n)["code"]
            for n in ("Budi Santoso", "Dewi Lestari", "Rina Wati", "Agus Hidayat")
        ]
        assert first == ["A001", "A002", "A003", "A004"]
        wait_for(lambda: a.status()["backlog"] == 0)
        held_b = b.ask("call")
        held_a = a.ask("call")
        assert {held_a["code"], held_b["code"]} == {"A001", "A002"}

        lan.cut()  # L12 loses the LAN; both sides keep working
        wait_for(lambda: b.status()["state"] != "live")
        b.ask("start", id=held_b["id"])
        b.ask("finish", id=held_b["id"])  # it holds it: no one else can touch it
        cut_b = b.ask("register", service="KTP", name="Yusuf Maulana")
        assert numbering.is_offline_number(numbering.code_number(cut_b["code"]) or 0)
        assert b.ask("call")["id"] == cut_b["id"]  # only its own offline ticket
        a.ask("finish", id=a.ask("start", id=held_a["id"])["id"])
        assert a.ask("register", service="KTP", name="Sri Wahyuni")["code"] == "A005"
        next_a = a.ask("call")
        assert next_a["code"] == "A003"  # live: the site's queue in order
        lan.mend()
        wait_for(lambda: (s := b.status())["state"] == "live" and s["backlog"] == 0)

        hub.kill()  # SIGKILL, streams open, mid-work
        wait_for(lambda: a.status()["state"] != "live")
        a.ask("finish", id=a.ask("start", id=next_a["id"])["id"])  # it holds A003: it goes on
        off_a = a.ask("register", service="KTP", name="Hendra Gunawan")
        assert numbering.is_offline_number(numbering.code_number(off_a["code"]) or 0)
        assert a.ask("call")["id"] == off_a["id"]
        off_b = b.ask("register", service="KK", name="Lina Marlina")
        b.ask("finish", id=b.ask("start", id=cut_b["id"])["id"])
        assert b.ask("call")["id"] == off_b["id"]

        hub.start()  # the same database, the same port: the counters catch up by themselves
        wait_for(lambda: _settled(hub, one, (a, b)))
    finally:
        a.quit()
        b.quit()
        lan.close()

    hub_state, head = hub.state(one.token)
    codes = [p["code"] for p in hub_state.values()]
    assert len(codes) == len(set(codes))  # no code twice in the day
    stores = {s.counter: _store_tickets(s) for s in (one, two)}
    for counter, (rows, _started) in stores.items():
        assert set(rows) == set(hub_state), counter  # both serve KTP; L12 also KK: all here
        for ticket_id, payload in hub_state.items():
            assert rows[ticket_id] == (
                payload["code"],
                payload["status"],
                payload["counter"],
                payload["call_count"],
            ), (counter, payload["code"])
    started_one, started_two = stores["L01"][1], stores["L12"][1]
    assert not started_one & started_two  # no ticket served at two counters
    assert sum(1 for p in hub_state.values() if p["status"] == "done") == 4


def _settled(hub: HubProcess, station: Station, running: tuple[Counter, ...]) -> tuple[bool, int] | None:
    try:
        _, head = hub.state(station.token)
    except httpx.TransportError:
        return None
    for counter in running:
        s = counter.status()
        if s["state"] != "live" or s["backlog"] or s["seq"] < head:
            return None
    return True, head


def _unsent(station: Station) -> int:
    with sqlite3.connect(f"file:{station.folder / DB_NAME}?mode=ro", uri=True) as conn:
        return int(conn.execute('SELECT COUNT(*) FROM "outbox" WHERE "sent_at" IS NULL').fetchone()[0])


def test_a_counter_killed_mid_push_loses_nothing_and_doubles_nothing(
    hub: HubProcess, counters: Callable[..., Station]
) -> None:
    """SIGKILL of a counter process (1) right after its registrations, while the link's push
    is due or on its way, several times over, and (2) after the hub committed its push but
    before the answer came back (the relay drops the answers). Restarted on the same folder,
    it pushes again: the hub keeps each ticket once, every code once, and both stores agree
    with the hub ticket by ticket."""
    hub.start()
    lan = LanCut(hub.port)
    one = counters("L01")
    two = counters("L12", serves=("KTP", "KK"), via=lan.url)
    a = Counter(one)
    b = Counter(two)
    names = iter(f"Pengunjung {chr(65 + i)}{chr(65 + j)}" for i in range(26) for j in range(26))
    mine: list[str] = []
    try:
        for round_ in range(4):
            wait_for(lambda: b.status()["state"] == "live")
            mine += [b.ask("register", service="KTP", name=next(names))["id"] for _ in range(round_ + 1)]
            b.kill()  # no goodbye: the push of these may be unsent, half sent or sent
            a.ask("register", service="KTP", name=next(names))  # the site goes on meanwhile
            b = Counter(two)

        wait_for(lambda: b.status()["state"] == "live" and b.status()["backlog"] == 0)
        lan.drop_answers = True  # requests reach the hub, no answer comes back
        lost = b.ask("register", service="KK", name=next(names))
        mine.append(lost["id"])
        wait_for(lambda: lost["id"] in hub.state(one.token)[0])  # the hub committed the push
        b.kill()  # before any answer arrived: for L12 it is still unsent
        assert _unsent(two) > 0  # the hub has it, the counter does not know: it will push again
        lan.drop_answers = False
        b = Counter(two)
        wait_for(lambda: _settled(hub, one, (a, b)))
    finally:
        a.quit()
        b.quit()
        lan.close()

    hub_state, _head = hub.state(one.token)
    assert set(mine) <= set(hub_state)  # nothing a killed counter recorded was lost
    codes = [p["code"] for p in hub_state.values()]
    assert len(codes) == len(set(codes)) == len(hub_state)  # each ticket once, no code twice
    for station in (one, two):
        rows, _started = _store_tickets(station)
        assert set(rows) == set(hub_state), station.counter
        for ticket_id, payload in hub_state.items():
            assert rows[ticket_id][:3] == (payload["code"], payload["status"], payload["counter"])

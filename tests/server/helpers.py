"""Shared by the server and sync tests: counter stations, live servers, the convergence check."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.server.embedded import ServerThread
from counter_app.server.store import Store
from counter_app.services.context import Context
from counter_app.services.setup import initialise
from counter_app.services.tickets import sync_payload
from counter_app.store.connection import close_db, init_db
from counter_app.store.models import Ticket, db
from counter_app.sync.client import RetryPolicy

WIB = ZoneInfo("Asia/Pontianak")
PASSWORD = "rahasia-admin-1"
ADMIN_TOKEN = "admin-token-for-tests-0123456789abcdef"
FAST_RETRY = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.05)
NO_RETRY = RetryPolicy(attempts=1)


def ticket_doc(**changes: Any) -> dict[str, Any]:
    """A ticket payload as a counter sends it (services/tickets.py `sync_payload`)."""
    doc: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "day": "2026-11-30",
        "code": "A001",
        "receipt_no": "PTK-L01-20261130-A001",
        "service": "KTP",
        "device": "L01",
        "counter": "L01",
        "priority": "",
        "status": "done",
        "name_masked": "Siti A*****",
        "arrived_at": "2026-11-30T08:00:00+07:00",
        "registered_at": "2026-11-30T08:00:00+07:00",
        "first_called_at": "2026-11-30T08:10:00+07:00",
        "started_at": "2026-11-30T08:11:00+07:00",
        "finished_at": "2026-11-30T08:20:00+07:00",
        "call_count": 1,
        "served_by": "admin",
        "transferred_from": None,
        "transferred_to": None,
    }
    doc.update(changes)
    return doc


def complaint_doc(**changes: Any) -> dict[str, Any]:
    """A complaint payload as a counter sends it (services/complaints.py `sync_payload`)."""
    doc: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "number": "PTK-L01-20261130-P01",
        "received_at": "2026-11-30T09:00:00+07:00",
        "day": "2026-11-30",
        "channel": "langsung",
        "category": "waktu",
        "classification": "ringan",
        "text": "Antrean lama sekali",
        "ticket_id": None,
        "service": "KTP",
        "contact_given": False,
        "status": "baru",
        "deadline_at": "2026-12-03T09:00:00+07:00",
        "closed_at": None,
        "received_by": "admin",
        "device": "L01",
        "actions": [],
    }
    doc.update(changes)
    return doc


def row(
    seq: int, entity: str, payload: dict[str, Any], op: str = "upsert"
) -> tuple[int, str, str, str, str, str]:
    """An outbox row (for `push_body`) carrying `payload`, its uuid the payload's id."""
    record = str(payload.get("id") or uuid.uuid4())
    return (seq, entity, record, op, json.dumps(payload), "2026-11-30T01:00:00+00:00")


def bound(device: str) -> dict[str, str]:
    """The binding of a device named SITE-COUNTER (`PTK-L01` → site PTK, counter L01)."""
    site, counter = device.split("-", 1)
    return {"site": site, "counter": counter}


@dataclass
class Live:
    store: Store
    thread: ServerThread
    admin_token: str | None = None

    @property
    def url(self) -> str:
        return self.thread.url


@dataclass
class Station:
    """One counter PC: its own data folder and counter code. Only one local store is open per
    process (the `db` proxy), so `use()` switches to this one."""

    folder: Path
    counter: str
    clock: FixedClock
    device: str = ""
    token: str = ""

    def use(self) -> Context:
        close_db()
        init_db(self.folder)
        return Context(self.folder, Actor("admin", Role.ADMIN, 1), self.clock)

    def pending(self) -> int:
        return db.execute_sql('SELECT COUNT(*) FROM "outbox" WHERE "sent_at" IS NULL').fetchone()[0]

    def tickets(self) -> dict[str, dict[str, Any]]:
        return {t.id: sync_payload(t) for t in Ticket.select()}


def make_station(
    folder: Path, counter: str = "L01", site: str = "PTK", when: datetime | None = None
) -> Station:
    clock = FixedClock(when or datetime(2026, 11, 30, 8, 0, tzinfo=WIB))
    close_db()
    initialise(
        folder, site=site, counter=counter, admin="admin", admin_password=PASSWORD, by="test", clock=clock
    )
    return Station(folder, counter, clock, device=f"{site}-{counter}")


def assert_converged(store: Store, station: Station) -> None:
    """The central store holds exactly the station's tickets (no more, no fewer, the same
    content) and the station has nothing left to send."""
    station.use()
    assert station.pending() == 0
    local = station.tickets()
    central = {r["uuid"]: r["payload"] for r in store.records(station.device) if r["entity"] == "ticket"}
    assert set(central) == set(local)
    assert central == local


class CuttingProxy:
    """A loopback HTTP/1.1 proxy that can break chosen requests to the server.

    `plan` lists what happens to successive POST /push requests: "cut" forwards only the
    first `cut_bytes` of the request and closes both sides (the connection drops mid-request),
    "drop" forwards the whole request, waits for the server's complete answer, then closes the
    client's connection without passing the answer on (committed but never answered). Other
    requests, and pushes beyond the plan, pass through."""

    def __init__(self, target_port: int, plan: list[str], cut_bytes: int = 1500) -> None:
        import socket
        import threading

        self.target_port = target_port
        self.plan = list(plan)
        self.cut_bytes = cut_bytes
        self.done: list[str] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stop = False
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self._stop = True
        self._listener.close()

    def _accept(self) -> None:
        import threading

        while not self._stop:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _next_action(self, head: bytes) -> str:
        if not head.startswith(b"POST /api/v1/push "):
            return "pass"
        with self._lock:
            action = self.plan.pop(0) if self.plan else "pass"
            self.done.append(action)
            return action

    @staticmethod
    def _read_message(sock: Any, buffer: bytearray) -> tuple[bytes, bytes] | None:
        """One HTTP message (head, body) by Content-Length; None when the peer closed."""
        while b"\r\n\r\n" not in buffer:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            buffer += chunk
        end = buffer.index(b"\r\n\r\n") + 4
        head = bytes(buffer[:end])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(buffer) < end + length:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            buffer += chunk
        body = bytes(buffer[end : end + length])
        del buffer[: end + length]
        return head, body

    def _serve(self, client: Any) -> None:
        import socket

        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        inbox, outbox = bytearray(), bytearray()
        try:
            while True:
                request = self._read_message(client, inbox)
                if request is None:
                    return
                head, body = request
                action = self._next_action(head)
                raw = head + body
                if action == "cut":
                    upstream.sendall(raw[: self.cut_bytes])
                    return
                upstream.sendall(raw)
                answer = self._read_message(upstream, outbox)
                if answer is None or action == "drop":
                    return
                client.sendall(answer[0] + answer[1])
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()

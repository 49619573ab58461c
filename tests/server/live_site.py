"""A site for the live tests (sync, GUI, end to end): a hub in this process on loopback, counter
PCs joined to it, bounded polls, and a LAN that can be cut.

The hub is the embedded `ServerThread` over a real store (SQLite file or the PostgreSQL fixture);
`tests/test_live_site.py` runs `counter-app server` as its own process instead.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from counter_app.server.app import create_app
from counter_app.server.embedded import ServerThread
from counter_app.server.live import close_streams
from counter_app.server.store import Store, open_store
from counter_app.services import site_settings
from counter_app.services.sync import save_token
from counter_app.store.connection import close_db
from counter_app.store.models import CounterService, db

from .helpers import Station, make_station


@dataclass
class Hub:
    """The site hub in this process, restartable on the same port and store."""

    store: Store
    thread: ServerThread
    app: Any

    @property
    def url(self) -> str:
        return self.thread.url

    def stop(self) -> None:
        close_streams(self.app)
        self.thread.stop()

    def start(self) -> None:
        """Again on the same port and store (the hub PC back)."""
        self.app = create_app(self.store)
        self.thread = ServerThread(self.app, port=self.thread.port)
        self.thread.start()

    def events(self, token: str, since: int = 0) -> list[dict[str, Any]]:
        answer = httpx.get(
            f"{self.url}/api/v1/live/events",
            params={"since": since, "once": 1},
            headers={"Authorization": f"Bearer {token}"},
            timeout=5,
        )
        answer.raise_for_status()
        return answer.json()["events"]

    def state(self, token: str) -> dict[str, dict[str, Any]]:
        """The hub's latest ticket payloads, by id (from the stream)."""
        out: dict[str, dict[str, Any]] = {}
        for event in self.events(token):
            if event["kind"] == "ticket":
                out[event["uuid"]] = event["payload"]
        return out

    def live_codes(self) -> set[str]:
        with self.store.transaction(write=False) as tx:
            return {r[0] for r in tx.all("SELECT code FROM live_ticket", ())}


def start_hub(db_url: str) -> Hub:
    store = open_store(db_url)
    app = create_app(store)
    thread = ServerThread(app)
    thread.start()
    return Hub(store, thread, app)


@contextmanager
def running_hub(db_url: str) -> Iterator[Hub]:
    """A hub for one test: started on `db_url`, stopped and its store closed after."""
    hub = start_hub(db_url)
    try:
        yield hub
    finally:
        hub.stop()
        hub.store.close()


def station_maker(folder: Path, hub: Hub, site: str) -> Callable[..., Station]:
    """`make(counter, serves=None)`: a counter PC of `site` in its own data folder under
    `folder`, bound at `hub` (device token added there) and joined (address and token saved)."""

    def make(counter: str, serves: tuple[str, ...] | None = None) -> Station:
        station = make_station(folder / f"pc-{counter}", counter, site)
        station.token = hub.store.add_device(station.device, site=site, counter=counter)
        return join_site(station, hub.url, serves)

    return make


def join_site(station: Station, server: str, serves: tuple[str, ...] | None = None) -> Station:
    """The counter PC told its hub (the server address and its device token, already in
    `station.token`); `serves` replaces the services its counter calls (None: the defaults)."""
    ctx = station.use()
    site_settings.set_setting(ctx, "sync_server", server)
    save_token(ctx.data_dir, station.token)
    if serves is not None:
        with db.atomic():
            CounterService.delete().where(CounterService.counter == station.counter).execute()
            for code in serves:
                CounterService.create(counter=station.counter, service=code)
    close_db()
    return station


def wait_for(check: Callable[[], Any], seconds: float = 20.0, step: float = 0.05) -> Any:
    """A bounded poll: the condition's value once true. No timing is asserted: it fails only
    when the condition never comes within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(step)


class LanCut:
    """A loopback TCP relay between a counter and its hub that can sever the LAN: `cut()`
    resets every open connection and drops new ones at once until `mend()`."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._cut = False
        self._closed = False
        # True: requests still reach the hub, but its answer is dropped (the connection reset
        # before the first byte of the response reaches the counter)
        self.drop_answers = False
        self._upstreams: set[socket.socket] = set()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cut(self) -> None:
        with self._lock:
            self._cut = True
            for sock in list(self._open):
                _reset(sock)
            self._open.clear()

    def mend(self) -> None:
        with self._lock:
            self._cut = False

    def close(self) -> None:
        self._closed = True
        self.cut()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
        except OSError:
            pass
        self._listener.close()
        self._thread.join(5)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                if self._cut:
                    _reset(client)
                    continue
                try:
                    upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=2)
                except OSError:
                    _reset(client)
                    continue
                upstream.settimeout(None)
                self._open.update((client, upstream))
                self._upstreams.add(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data or (self.drop_answers and source in self._upstreams):
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with self._lock:
                for sock in (source, sink):
                    if sock in self._open:
                        self._open.discard(sock)
                        _reset(sock)


def _reset(sock: socket.socket) -> None:
    """Close with a RST (SO_LINGER 0): the peer sees the connection dropped, not a clean end.
    SHUT_RD first wakes this relay's own thread blocked reading it (close alone does not)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.shutdown(socket.SHUT_RD)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass

"""The counter's live link to its site hub (DESIGN.md §9): codes, claims, the push within a
second, and the site's ordered event stream.

`LiveLink` knows HTTP and the outbox, nothing of tickets: what an event means for the local
store is the `apply` callback's business (services/replica.py), so this module stays below the
services layer. Every network call has a short timeout (connect 1 s, read 2 s for a code or a
claim): when the hub cannot be reached the caller hears so at once and works offline; the
window never waits on the network. The background threads do the rest:

* `live-push`  — pushes the outbox within ~0.25 s of a local change (it polls the outbox's
  highest seq, or wakes on `kick()`), with the nightly sync's push protocol;
* `live-stream` — keeps a Server-Sent Events subscription to `/live/events`, resumed from the
  last applied sequence number after any cut, reconnecting with back-off (0.25 s … 5 s).

After every acknowledged push the link asks `release_due()` (services/replica.py) which offline
tickets to release (`POST /live/release`): the hub keeps an offline-code ticket reserved for this
counter until then, because a push whose answer was lost looks unsent here and the counter may
call that ticket offline. A release that got no answer is sent again after the next push or
within a few idle polls.

`state` is `connecting` until the first contact, `live` while the hub answers, `offline` when it
does not; `on_state(state)` is called on every change (the GUI wraps it in a Qt signal).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from counter_app import __version__
from counter_app.core.errors import LoketError
from counter_app.store.models import db as default_db
from counter_app.sync import outbox
from counter_app.sync.client import PushResult, RetryPolicy, SyncClient, SyncError, push_outbox
from counter_app.sync.protocol import API, PROTOCOL

log = logging.getLogger(__name__)

LIVE = "live"
OFFLINE = "offline"
CONNECTING = "connecting"

CONNECT_TIMEOUT = 1.0
READ_TIMEOUT = 2.0  # a code, a claim, whoami
PUSH_READ_TIMEOUT = 10.0  # a push batch may be large after a long cut
STREAM_READ_TIMEOUT = 20.0  # the hub pings every 15 s
PUSH_POLL = 0.25  # seconds between looks at the outbox
BACKOFF = (0.25, 0.5, 1.0, 2.0, 5.0)  # reconnect delays; the last one repeats
HEALTH_EVERY = 5.0  # while live and idle, a cheap request proves the hub is still there

Event = dict[str, Any]  # {"seq", "kind", "device", "uuid", "payload"}
Apply = Callable[[list[Event]], int]  # applies events in order; returns the last seq applied
Names = Callable[[list[tuple[str, str, dict[str, Any]]]], dict[str, list[str]]]  # see push_outbox


class Unreachable:
    """The answer of a call that could not reach the hub (falsy, a singleton)."""

    _instance: Unreachable | None = None

    def __new__(cls) -> Unreachable:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNREACHABLE"


UNREACHABLE = Unreachable()


class LiveError(LoketError):
    """The hub answered, but refused (queue full, already holding a ticket, forbidden …)."""


class QueueFull(LiveError):
    pass


class Holding(LiveError):
    """This counter already holds a called or serving ticket at the hub (`params["code"]`)."""


class LiveLink:
    def __init__(
        self,
        server: str,
        token: str,
        data_dir: Path | str | None = None,
        *,
        database: Any = None,
        apply: Apply | None = None,
        since: int = 0,
        on_state: Callable[[str], None] | None = None,
        on_device: Callable[[dict[str, Any]], None] | None = None,
        names: Names | None = None,
        release_due: Callable[[], list[str]] | None = None,
        release_done: Callable[[list[str]], None] | None = None,
        transport: httpx.BaseTransport | None = None,
        connect_timeout: float = CONNECT_TIMEOUT,
        read_timeout: float = READ_TIMEOUT,
    ) -> None:
        self.server = server.rstrip("/")
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.database = database if database is not None else default_db
        self.apply_events = apply
        self.on_state = on_state
        self.on_device = on_device
        self.names = names
        self.release_due = release_due
        self.release_done = release_done
        self._release_pending = False  # a release got no answer: send it again
        self.last_event_seq = int(since)
        self.device: dict[str, Any] | None = None  # whoami's answer, once the hub was reached
        # The counter's state the hub should show ("open", "break"): sent again at every
        # (re)connection, so a break taken while the hub was away reaches the board.
        self.wanted_state: str | None = None
        # Held while events are applied and while a claim's answer is written locally: an
        # event about a ticket must never slip between the hub's answer and the local move.
        self.lock = threading.RLock()
        self._push_lock = threading.Lock()
        self._state = CONNECTING
        self._state_lock = threading.Lock()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._stream: httpx.Response | None = None
        self._stream_socket: socket.socket | None = None
        self._token = token
        self._transport = transport
        headers = {
            "Authorization": f"Bearer {token}",
            "User-Agent": f"counter-app/{__version__} {PROTOCOL}",
        }
        short = httpx.Timeout(
            connect=connect_timeout, read=read_timeout, write=read_timeout, pool=connect_timeout
        )
        self._http = httpx.Client(
            base_url=self.server + API, timeout=short, headers=headers, transport=transport
        )
        stream_timeout = httpx.Timeout(
            connect=connect_timeout, read=STREAM_READ_TIMEOUT, write=read_timeout, pool=connect_timeout
        )
        self._stream_http = httpx.Client(
            base_url=self.server + API,
            timeout=stream_timeout,
            headers={**headers, "Accept": "text/event-stream"},
            transport=transport,
        )
        self._push_client = SyncClient(
            self.server,
            token,
            transport=transport,
            retry=RetryPolicy(attempts=1),
            timeout=httpx.Timeout(
                connect=connect_timeout, read=PUSH_READ_TIMEOUT, write=PUSH_READ_TIMEOUT, pool=connect_timeout
            ),
        )

    # ---- state ----------------------------------------------------------------------------

    @property
    def state(self) -> str:
        return self._state

    @property
    def online(self) -> bool:
        return self._state != OFFLINE

    def _set_state(self, state: str) -> None:
        with self._state_lock:
            if state == self._state:
                return
            self._state = state
        log.info("site hub %s: %s", self.server, state)
        if self.on_state is not None:
            try:
                self.on_state(state)
            except Exception:
                log.exception("state callback failed")

    def _unreachable(self, exc: BaseException | None = None) -> Unreachable:
        if exc is not None:
            log.info("site hub %s unreachable: %s", self.server, type(exc).__name__)
        self._set_state(OFFLINE)
        self._drop_stream()
        self._wake.set()
        return UNREACHABLE

    @property
    def backlog(self) -> int:
        """Outbox rows not yet stored by the hub."""
        return outbox.pending_count(self.database)

    # ---- requests -------------------------------------------------------------------------

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One short request: the JSON answer, or UNREACHABLE (network, 5xx); refusals raise."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            return self._unreachable(exc)
        status = response.status_code
        if status >= 500 or status == 429:
            return self._unreachable()
        try:
            body = response.json()
        except ValueError:
            body = {}
        if status >= 400:
            detail = body.get("detail") if isinstance(body, dict) else None
            if status in (404, 409):  # the hub's ruling (queue full, counter busy, taken …)
                self._set_state(LIVE)
                return _Conflict(status, body if isinstance(body, dict) else {})
            key = {401: "sync.unauthorized", 403: "sync.forbidden"}.get(status, "sync.protocol")
            raise SyncError(key, server=self.server, detail=f"{status} {detail}")
        self._set_state(LIVE)
        return body

    def connect(self) -> bool:
        """whoami: learn this device's site, counter and offline block. False if unreachable."""
        answer = self._call("GET", "/device")
        if answer is UNREACHABLE:
            return False
        if not isinstance(answer, dict) or not isinstance(answer.get("device"), str):
            raise SyncError("sync.protocol", server=self.server, detail="device")
        self.device = answer
        if self.on_device is not None:
            self.on_device(answer)
        return True

    def allocate_code(self, day: str, letter: str) -> int | None:
        """The hub's next number for the letter and day; None when the hub is unreachable
        (the caller takes an offline number). Raises QueueFull past 9999."""
        if self._state == OFFLINE and self._threads:
            return None  # the background thread is reconnecting: do not wait on the network
        answer = self._call("POST", "/live/code", json={"day": str(day), "letter": letter})
        if answer is UNREACHABLE:
            return None
        if isinstance(answer, _Conflict):
            if answer.body.get("detail") == "queue_full":
                raise QueueFull("queue.full", letter=letter, max=9999)
            raise SyncError("sync.protocol", server=self.server, detail=f"{answer.status} live/code")
        number = answer.get("number") if isinstance(answer, dict) else None
        if not isinstance(number, int):
            raise SyncError("sync.protocol", server=self.server, detail="live/code")
        return number

    def claim(
        self, day: str, services: list[str], cap: int, ticket: str | None = None
    ) -> dict[str, Any] | None | Unreachable:
        """Compare-and-set at the hub: the next waiting ticket of the site for `services` (or
        the ticket `ticket`) is now this counter's. None: nothing to call (or that ticket was
        taken); UNREACHABLE: go offline. Raises Holding when this counter holds one already."""
        if self._state == OFFLINE and self._threads:
            return UNREACHABLE
        answer = self._call(
            "POST",
            "/live/claim",
            json={
                "day": str(day),
                "services": list(services),
                "priority_cap": int(cap),
                "ticket": ticket,
            },
        )
        if isinstance(answer, Unreachable):  # (not `is`: mypy narrows an isinstance only)
            return answer
        if isinstance(answer, _Conflict):
            if answer.body.get("detail") != "counter_busy":
                return None  # that ticket is not waiting any more (taken), or unknown
            held = answer.body.get("ticket")
            held = held if isinstance(held, dict) else {}
            code = answer.body.get("code") or held.get("code") or "?"
            raise Holding("live.holding", code=code, ticket=held)
        ticket_doc = answer.get("ticket") if isinstance(answer, dict) else None
        return ticket_doc if isinstance(ticket_doc, dict) else None

    def set_counter_state(self, state: str) -> dict[str, Any] | Unreachable:
        answer = self._call("POST", "/live/state", json={"state": state})
        return answer if answer is UNREACHABLE or isinstance(answer, dict) else {}

    def board(self, day: str | None = None) -> dict[str, Any] | Unreachable:
        """The site's live board (each counter's state, each service's waiting figures)."""
        answer = self._call("GET", "/live/board", params={"day": day} if day else None)
        if answer is UNREACHABLE or isinstance(answer, dict):
            return answer
        raise SyncError("sync.protocol", server=self.server, detail="live/board")

    def push_now(self) -> PushResult | None:
        """Push the outbox (the nightly sync's protocol: replays are harmless). None when the
        hub could not be reached (the rows stay pending)."""
        with self._push_lock:
            if self.device is None and not self.connect():
                return None
            assert self.device is not None
            try:
                extra: dict[str, Any] = {"names": self.names} if self.names is not None else {}
                result = push_outbox(self._push_client, self.database, self.device["device"], **extra)
            except SyncError as exc:
                if exc.key in ("sync.unreachable", "sync.server_error"):
                    self._unreachable()
                    return None
                raise
            self._set_state(LIVE)
        self.release_now()  # outside the push lock: a call-next holds `lock`, then pushes
        return result

    def release_now(self) -> bool:
        """Release at the hub the offline tickets `release_due` names (this device marked
        them released first, so whatever the answer they are never called offline again).
        False when the hub could not be reached (sent again later)."""
        if self.release_due is None or self.device is None:
            return True
        with self.lock:  # never between an offline call's choice and its move
            ids = self.release_due()
        if not ids:
            self._release_pending = False
            return True
        answer = self._call("POST", "/live/release", json={"tickets": ids})
        if not isinstance(answer, dict):
            self._release_pending = True
            return False
        self._release_pending = False
        if self.release_done is not None:
            self.release_done(ids)
        return True

    def events(self, since: int | None = None, limit: int | None = None) -> list[Event] | Unreachable:
        """The site's events after `since` (default: the last applied), in order."""
        params: dict[str, Any] = {"since": self.last_event_seq if since is None else since, "once": 1}
        if limit:
            params["limit"] = limit
        answer = self._call("GET", "/live/events", params=params)
        if isinstance(answer, Unreachable):
            return answer
        events = answer.get("events") if isinstance(answer, dict) else None
        if not isinstance(events, list):
            raise SyncError("sync.protocol", server=self.server, detail="live/events")
        return events

    def catch_up(self) -> int | Unreachable:
        """Read and apply every event since the last applied one; returns how many were new."""
        total = 0
        while True:
            with self.lock:
                events = self.events()
                if isinstance(events, Unreachable):
                    return events
                fresh = self._fresh(events)
                if not fresh:
                    return total
                self._apply(fresh)
                total += len(fresh)

    def _fresh(self, events: list[Event]) -> list[Event]:
        return [e for e in events if isinstance(e.get("seq"), int) and e["seq"] > self.last_event_seq]

    def _apply(self, events: list[Event]) -> None:
        """Apply in order (under `lock`), then remember how far (the callback persists it)."""
        if self.apply_events is not None:
            last = self.apply_events(events)
        else:
            last = events[-1]["seq"]
        self.last_event_seq = max(self.last_event_seq, int(last))

    # ---- background ---------------------------------------------------------------------

    def start(self) -> None:
        if self._threads:
            return
        self._stop.clear()
        for name, target in (("live-stream", self._stream_loop), ("live-push", self._push_loop)):
            thread = threading.Thread(target=self._guarded, args=(target,), name=name, daemon=True)
            self._threads.append(thread)
            thread.start()

    def kick(self) -> None:
        """A local change was committed: push now rather than at the next poll."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        self._drop_stream()
        for thread in self._threads:
            thread.join(timeout)
        self._threads = []

    def close(self) -> None:
        self.stop()
        self._http.close()
        self._stream_http.close()
        self._push_client.close()

    def __enter__(self) -> LiveLink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _guarded(self, loop: Callable[[], None]) -> None:
        try:
            loop()
        finally:
            try:
                if not self.database.is_closed():
                    self.database.close()  # this thread's own SQLite connection
            except Exception:
                pass

    def _sleep(self, seconds: float) -> bool:
        """Wait (woken early by stop); True when stopping."""
        return self._stop.wait(seconds)

    def _push_loop(self) -> None:
        seen = -1
        quiet_since = time.monotonic()
        while not self._stop.is_set():
            self._wake.wait(PUSH_POLL)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                top = self._pending_top()
                if top is not None and top != seen:
                    if self.push_now() is not None:
                        seen = self._pending_top() or -1
                        quiet_since = time.monotonic()
                    else:
                        self._sleep(BACKOFF[1])
                elif top is None:
                    seen = -1
                    if self._release_pending and self._state == LIVE:
                        self.release_now()
                    if self._state == LIVE and time.monotonic() - quiet_since > HEALTH_EVERY:
                        quiet_since = time.monotonic()
                        self._call("GET", "/health")
                elif self._state == OFFLINE:
                    seen = -1  # try the same rows again once the hub is back
                    self._sleep(BACKOFF[2])
            except LoketError as exc:  # refused (token revoked, data rejected): log, retry later
                log.warning("live push failed: %s", exc)
                self._sleep(BACKOFF[-1])
            except Exception:
                log.exception("live push failed")
                self._sleep(BACKOFF[-1])

    def _pending_top(self) -> int | None:
        row = self.database.execute_sql('SELECT MAX("seq") FROM "outbox" WHERE "sent_at" IS NULL').fetchone()
        return row[0] if row and row[0] is not None else None

    def _stream_loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                if self.device is None and not self.connect():
                    raise _Down()
                if self.catch_up() is UNREACHABLE:  # the backlog of events, in one answer
                    raise _Down()
                if self.wanted_state and self.set_counter_state(self.wanted_state) is UNREACHABLE:
                    raise _Down()
                for batch in self._subscribe():
                    failures = 0
                    with self.lock:
                        fresh = self._fresh(batch)
                        if fresh:
                            self._apply(fresh)
                if self._stop.is_set():
                    return
                raise _Down()  # the hub closed the stream: reconnect
            except (_Down, httpx.TransportError, httpx.HTTPStatusError) as exc:
                if self._stop.is_set():
                    return
                if not isinstance(exc, _Down):
                    self._unreachable(exc)
                failures += 1
            except LoketError as exc:
                log.warning("live stream: %s", exc)
                failures += 1
            except Exception:
                log.exception("live stream failed")
                failures += 1
            if self._sleep(BACKOFF[min(failures, len(BACKOFF)) - 1]):
                return
            if self._state == OFFLINE:
                self._set_state(CONNECTING)

    def _subscribe(self) -> Iterator[list[Event]]:
        """Events as they arrive (each batch = what one read brought)."""
        headers = {"Last-Event-ID": str(self.last_event_seq)}
        with self._stream_http.stream(
            "GET", "/live/events", params={"since": self.last_event_seq}, headers=headers
        ) as response:
            if response.status_code >= 400:
                response.read()
                if response.status_code >= 500:
                    raise _Down()
                raise SyncError(
                    "sync.protocol", server=self.server, detail=f"{response.status_code} live/events"
                )
            self._stream = response
            # The socket itself: closing a response from another thread does not wake a read
            # blocked in this one, a shutdown does (stop(), or the push finding the hub gone).
            network = response.extensions.get("network_stream")
            self._stream_socket = network.get_extra_info("socket") if network is not None else None
            self._set_state(LIVE)
            try:
                yield from _sse_batches(response.iter_lines())
            finally:
                self._stream = None
                self._stream_socket = None

    def _drop_stream(self) -> None:
        sock = self._stream_socket
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        stream = self._stream
        if stream is not None:
            try:
                stream.close()
            except Exception:
                pass


class _Down(Exception):
    """The hub is not there (already reported through the state)."""


class _Conflict:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body


def _sse_batches(lines: Iterator[str]) -> Iterator[list[Event]]:
    """Parse `text/event-stream`: one event per blank-line-terminated block; comments (pings)
    ignored. Yields one event at a time as a one-element list."""
    data: list[str] = []
    ident: str | None = None
    kind: str | None = None
    for line in lines:
        if line == "":
            if data:
                try:
                    event = json.loads("\n".join(data))
                except ValueError:
                    event = None
                if isinstance(event, dict):
                    if "seq" not in event and ident and ident.isdigit():
                        event["seq"] = int(ident)
                    event.setdefault("kind", kind)
                    yield [event]
            data, ident, kind = [], None, None
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if field == "data":
            data.append(value)
        elif field == "id":
            ident = value
        elif field == "event":
            kind = value

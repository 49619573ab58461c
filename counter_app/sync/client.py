"""The sync client: HTTP to the central server (httpx), and the push of the outbox.

Every request has timeouts; network failures, 5xx and 429 answers are retried with bounded
exponential back-off; anything else comes back as a `SyncError` with a message for the user.
A push may be interrupted anywhere: rows are marked sent only up to the `stored_through` the
server answered, so the next run simply sends the rest again (the server ignores what it
already has).
"""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from counter_app import __version__
from counter_app.core.clock import Clock, SystemClock
from counter_app.core.errors import LoketError
from counter_app.core.pii import clear_all
from counter_app.store.models import dump_json
from counter_app.sync import outbox
from counter_app.sync.protocol import (
    AFTER_HEADER,
    API,
    BATCH_ROWS,
    MAX_BODY_BYTES,
    PIPELINE,
    PROTOCOL,
    document_problem,
    push_body,
    redact,
)

MARK_EVERY = 10_000  # stored rows marked sent while a long push goes on (see push_outbox)
log = logging.getLogger("loket.sync")  # counts and reasons only: never a payload or the token
Progress = Callable[[str, int, int], None]  # stage, done, total
# (entity, uuid, decoded payload) of a batch's rows → the visitor names to mask, by row uuid
Names = Callable[[list[tuple[str, str, dict[str, Any]]]], dict[str, list[str]]]


class SyncError(LoketError):
    """The sync could not be done (server unreachable, token refused, data rejected …)."""

    @property
    def detail(self) -> str:
        """The server's reason (`detail` of its answer), when it gave one."""
        return str(self.params.get("detail", ""))


# The server's reasons for refusing a device's keys (it may still push and pull).
KEYS_REFUSED = frozenset({"device_unbound", "key_not_bound", "too_many_keys"})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # tries per request, the first included
    base_delay: float = 0.5  # seconds before the second try; doubled each time
    max_delay: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        wait = min(self.max_delay, self.base_delay * (2.0 ** (attempt - 1)))
        if retry_after is not None:
            wait = min(self.max_delay, max(wait, retry_after))
        return wait


DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=60.0, pool=10.0)


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return response.text[:200]
    return detail if isinstance(detail, str) else str(detail)[:500]


class SyncClient:
    """One server, one device token."""

    def __init__(
        self,
        server: str,
        token: str,
        *,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.server = server.rstrip("/")
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(
            base_url=self.server + API,
            timeout=timeout,
            transport=transport,
            headers={
                "Authorization": f"Bearer {token}",
                "User-Agent": f"counter-app/{__version__} {PROTOCOL}",
                "Accept": "application/json",
            },
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- one request, retried --

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """The decoded JSON answer (any JSON value: each caller checks the shape it needs)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._http.request(method, path, **kwargs)
            except httpx.TransportError as exc:  # refused, reset, timed out, cut mid-way …
                log.warning(
                    "%s %s: %s (try %d of %d)", method, path, type(exc).__name__, attempt, self.retry.attempts
                )
                if attempt >= self.retry.attempts:
                    raise SyncError(
                        "sync.unreachable", server=self.server, detail=type(exc).__name__
                    ) from None
                self.retry.sleep(self.retry.delay(attempt))
                continue
            status = response.status_code
            if status >= 500 or status == 429:
                log.warning("%s %s: %d (try %d of %d)", method, path, status, attempt, self.retry.attempts)
                if attempt >= self.retry.attempts:
                    raise SyncError("sync.server_error", server=self.server, status=status)
                self.retry.sleep(self.retry.delay(attempt, _retry_after(response)))
                continue
            if status >= 400:
                log.warning("%s %s: %d %s", method, path, status, _detail(response)[:200])
            if status == 401:
                raise SyncError("sync.unauthorized", server=self.server)
            if status == 403:
                detail = _detail(response)
                raise SyncError(
                    "sync.revoked" if detail == "revoked" else "sync.forbidden",
                    server=self.server,
                    detail=detail,
                )
            if status == 413:
                raise SyncError("sync.too_large", server=self.server)
            if status == 422:
                raise SyncError("sync.rejected", server=self.server, detail=_detail(response))
            if status == 409 and _detail(response) in KEYS_REFUSED:
                raise SyncError("sync.forbidden", server=self.server, detail=_detail(response))
            if status >= 400:
                raise SyncError("sync.protocol", server=self.server, detail=f"{status} {_detail(response)}")
            try:
                return response.json()
            except ValueError:
                raise SyncError("sync.protocol", server=self.server, detail="not JSON") from None

    # -- the protocol --

    def health(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.request("GET", "/health")
        return answer

    def whoami(self) -> dict[str, Any]:
        answer: dict[str, Any] = self.request("GET", "/device")
        if answer.get("protocol") != PROTOCOL or not isinstance(answer.get("device"), str):
            raise SyncError("sync.protocol", server=self.server, detail="device")
        return answer

    def push(self, body: bytes, *, after: int | None = None, sent: threading.Event | None = None) -> int:
        """Send one push batch; the server's stored_through. `after`: the last seq of the batch
        sent before this one and maybe not stored yet (the server stores this one only after
        it). `sent`: set once the whole body has been written (the next batch may go)."""
        headers = {"Content-Type": "application/json"}
        if after is not None:
            headers[AFTER_HEADER] = str(after)
        content: bytes | _Body = body
        if sent is not None:
            headers["Content-Length"] = str(len(body))
            content = _Body(body, sent)
        answer = self.request("POST", "/push", content=content, headers=headers)
        through = answer.get("stored_through") if isinstance(answer, dict) else None
        if not isinstance(through, int):
            raise SyncError("sync.protocol", server=self.server, detail="stored_through")
        return through

    def push_keys(self, device: str, entries: list[dict[str, Any]]) -> int:
        answer = self.request("POST", "/keys", json={"protocol": PROTOCOL, "device": device, "keys": entries})
        return int(answer.get("added", 0))

    def push_audit_head(self, device: str, seq: int, hash_: str) -> bool:
        """Send the head of this PC's audit chain: the server keeps every head it is sent."""
        answer = self.request(
            "POST", "/audit/head", json={"protocol": PROTOCOL, "device": device, "seq": seq, "hash": hash_}
        )
        return bool(answer.get("new")) if isinstance(answer, dict) else False

    def audit_heads(self, device: str) -> list[tuple[int, str]]:
        """Every head of this device's audit chain the server kept, as (seq, hash)."""
        answer = self.request("GET", "/audit/heads", params={"device": device})
        heads = answer.get("heads") if isinstance(answer, dict) else None
        if not isinstance(heads, list):
            raise SyncError("sync.protocol", server=self.server, detail="audit heads")
        out = []
        for head in heads:
            if not (
                isinstance(head, dict)
                and isinstance(head.get("seq"), int)
                and isinstance(head.get("hash"), str)
            ):
                raise SyncError("sync.protocol", server=self.server, detail="audit heads")
            out.append((head["seq"], head["hash"]))
        return out

    def push_reference(self, device: str, docs: dict[str, list[dict[str, Any]]]) -> int:
        answer = self.request("POST", "/reference", json={"protocol": PROTOCOL, "device": device, **docs})
        return int(answer.get("changed", 0))

    def pull(self, since: int) -> dict[str, Any]:
        answer: dict[str, Any] = self.request("GET", "/pull", params={"since": since})
        if answer.get("protocol") != PROTOCOL or not isinstance(answer.get("version"), int):
            raise SyncError("sync.protocol", server=self.server, detail="pull")
        log.info(
            "pull since %d: version %d, %s",
            since,
            answer["version"],
            {k: len(v) for k, v in answer.items() if isinstance(v, list)},
        )
        return answer

    def reconcile(self, device: str) -> dict[str, int]:
        answer = self.request("GET", "/reconcile", params={"device": device})
        return {str(d["day"]): int(d["tickets"]) for d in answer.get("days", [])}

    def daily_report(self, day: str, to: str | None = None) -> dict[str, Any]:
        params = {"date": day}
        if to:
            params["to"] = to
        answer: dict[str, Any] = self.request("GET", "/reports/daily", params=params)
        return answer


class _Body:
    """A request body that says when it has been written (each try writes it again)."""

    def __init__(self, data: bytes, sent: threading.Event) -> None:
        self.data = data
        self.sent = sent

    def __iter__(self) -> Iterator[bytes]:
        yield self.data
        self.sent.set()  # httpx asks for more only once the data went out


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    try:
        return float(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class PushResult:
    pushed: int  # rows marked sent by this run
    stored_through: int  # the server's answer for this device (0 if nothing was sent)
    batches: int
    redacted: int = 0  # rows sent with a NIK or phone number masked


def push_outbox(
    client: SyncClient,
    database: Any,
    device: str,
    *,
    batch_rows: int = BATCH_ROWS,
    max_body: int = MAX_BODY_BYTES,
    clock: Clock | None = None,
    progress: Progress | None = None,
    names: Names | None = None,
    in_flight: int = PIPELINE,
) -> PushResult:
    """Send every unsent outbox row in seq order, batch by batch, then mark the rows sent up to
    what the server stored, in one transaction. Stops at the first failure (what was stored is
    marked all the same).

    Up to `in_flight` batches are on their way at once, each sent once the one before it has
    been written, naming that one's last seq (`after`) so the server stores them in order.
    Answers are taken in seq order: rows count as stored only up to the highest seq below
    which every batch was acknowledged. The local work (reading and preparing the next batch,
    marking at the end) runs on a helper thread with its own SQLite connection."""
    clock = clock or SystemClock()
    total = outbox.pending_count(database)
    in_flight = max(1, in_flight)

    def prepare(after: int) -> tuple[list[outbox.OutboxRow], bytes, int, tuple[int, int]]:
        """(rows to send, body, how many masked, (first seq, count) of the outbox rows read)."""
        read = outbox.pending(database, batch_rows, after)
        batch_id = str(uuid.uuid4())
        while True:
            # the server keeps a record's last row of a batch: the rows before it are not sent
            rows = latest_rows(read)
            if not rows:
                return rows, b"", 0, (0, 0)
            # e.g. a phone number or the visitor's name typed into a complaint: masked here
            rows, redacted = _redacted(rows, names)
            body = push_body(device, batch_id, rows)
            if len(body) <= max_body or len(read) == 1:
                return rows, body, redacted, (read[0][0], len(read))
            read = read[: len(read) // 2]  # large payloads: fewer rows per batch

    def send(rows: list[outbox.OutboxRow], body: bytes, after: int | None, sent: threading.Event) -> int:
        # A retried request re-sends this very body, batch id included: the server
        # recognises it and answers without storing anything twice.
        try:
            return client.push(body, after=after, sent=sent)
        except SyncError as exc:
            if exc.key != "sync.rejected" or not str(exc.params.get("detail", "")).startswith(
                "personal_data"
            ):
                raise
            raise _Refused(exc) from None
        finally:
            sent.set()  # also when it failed before its body went out

    # One durable acknowledgement per push, not an fsync'd UPDATE per batch: the stored range
    # [first_seq, stored_upto] is marked at the end (also when the push stops early), in one
    # durable transaction. A long push marks what is stored as it goes, every MARK_EVERY rows,
    # on a thread of its own and without waiting for the disk; the last mark's fsync makes
    # those durable too. A crash before it only means those rows go again: the server keeps
    # the highest seq.
    first_seq: int | None = None
    stored_upto = 0
    sent = batches = through = redacted = 0
    pushed = 0
    marked_upto = 0  # marked (not durably) by the marks made during the push
    marking: Future[int] | None = None
    # (rows, masked, answer, body, after) of the batches on their way, oldest first
    flying: deque[tuple[list[outbox.OutboxRow], int, Future[int], bytes, int | None, tuple[int, int]]] = (
        deque()
    )

    def mark(first: int, last: int, durable: bool) -> int:
        database.execute_sql(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        return outbox.mark_sent(database, first, last, clock.now())

    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox") as local,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-mark") as marker,
        ThreadPoolExecutor(max_workers=in_flight, thread_name_prefix="push") as wire,
    ):
        try:
            upcoming: Future[tuple[list[outbox.OutboxRow], bytes, int, tuple[int, int]]] | None = (
                local.submit(prepare, 0)
            )
            previous: int | None = None  # last seq of the batch sent before
            written: threading.Event | None = None
            while True:
                while upcoming is not None and len(flying) < in_flight:
                    rows, body, masked, covered = upcoming.result()
                    if not rows:
                        upcoming = None
                        break
                    if len(body) > max_body:
                        raise SyncError("sync.too_large", server=client.server)
                    upcoming = local.submit(prepare, rows[-1][0])  # read ahead while it travels
                    if written is not None:
                        written.wait()  # in order on the wire: the one before has gone out
                    written = threading.Event()
                    answer = wire.submit(send, rows, body, previous, written)
                    flying.append((rows, masked, answer, body, previous, covered))
                    previous = rows[-1][0]
                if not flying:
                    break
                rows, masked, answer, body, after, covered = flying.popleft()
                first, last = covered[0], rows[-1][0]  # the outbox rows the batch stands for
                try:
                    through = answer.result()
                    if through < last and after is not None:
                        # not stored: it waited on the server for the batch before it, which
                        # came too late (its first try was cut, say). That one is stored now
                        # (its answer came first): the same batch once more, in order.
                        through = client.push(body)
                except _Refused:
                    # Refused for something the quick check does not see (a phone-like field):
                    # mask this batch the thorough way and send it once more. The batches
                    # sent after it cannot be stored before it: their answers are dropped
                    # and they go again after it.
                    for _rows, _masked, later, _body, _after, _covered in flying:
                        later.exception()  # wait for it, whatever it answers
                    flying.clear()
                    rows, extra = _redacted(rows, names)
                    masked += extra
                    through = client.push(push_body(device, str(uuid.uuid4()), rows))
                    if upcoming is not None:
                        upcoming.result()
                    upcoming = local.submit(prepare, last)
                    previous, written = None, None
                if first_seq is None:
                    first_seq = first
                if stored_upto - max(marked_upto, first_seq - 1) >= MARK_EVERY and (
                    marking is None or marking.done()
                ):  # up to the batch before this one: the last mark always has rows to mark
                    if marking is not None:
                        pushed += marking.result()
                    marking = marker.submit(mark, max(marked_upto + 1, first_seq), stored_upto, False)
                    marked_upto = stored_upto
                stored_upto = max(stored_upto, min(last, through))
                batches += 1
                if through < last:
                    raise SyncError("sync.incomplete", server=client.server, stored=through, sent=last)
                sent += covered[1]
                redacted += masked
                if progress:
                    progress("push", sent, max(total, sent))
        except BaseException as exc:
            log.warning(
                "push %s stopped: %s, %d of %d rows sent in %d batches",
                device,
                exc.key if isinstance(exc, LoketError) else type(exc).__name__,
                sent,
                total,
                batches,
            )
            for _rows, _masked, later, _body, _after, _covered in flying:  # not counted: one before failed
                later.cancel()
            raise
        finally:
            wire.shutdown(wait=True)  # what is still on its way: its answer is not used
            if marking is not None:
                pushed += marking.result()
            if first_seq is not None:  # what was stored is marked, always, durably
                pushed += marker.submit(mark, max(marked_upto + 1, first_seq), stored_upto, True).result()
            marker.submit(database.close).result()  # the helper threads' own connections
            local.submit(database.close).result()
    log.info(
        "push %s: %d rows in %d batches, stored through %d, %d redacted",
        device,
        pushed,
        batches,
        through,
        redacted,
    )
    return PushResult(pushed, through, batches, redacted)


class _Refused(Exception):
    """A batch refused for personal data the quick check did not see."""

    def __init__(self, error: SyncError) -> None:
        super().__init__(error.key)
        self.error = error


def _redacted(rows: list[outbox.OutboxRow], names: Names | None = None) -> tuple[list[outbox.OutboxRow], int]:
    """The rows with any full NIK or phone number (or phone-like field) in their payload
    masked, and the visitor's own names (from `names`) masked in their texts: the server would
    refuse the whole batch, every night, and such data must not leave the PC anyway. Each
    payload is decoded and checked by the same rules the server applies."""
    docs = _decoded([row[4] for row in rows])
    known = names([(r[1], r[2], d) for r, d in zip(rows, docs) if isinstance(d, dict)]) if names else {}
    if not any(known.values()) and clear_all([d for d in docs if d is not None]):
        return rows, 0  # nothing to mask in any of them (checked a field at a time, at once)
    out, count = [], 0
    for row, doc in zip(rows, docs):
        seq, entity, record, op, payload, created_at = row
        visitor = known.get(record, ())
        if doc is not None and (visitor or document_problem(doc)):
            clean = redact(doc, visitor)
            if clean != doc:
                payload = dump_json(clean) or "{}"
                count += 1
        out.append((seq, entity, record, op, payload, created_at))
    return out, count


def latest_rows(rows: list[outbox.OutboxRow]) -> list[outbox.OutboxRow]:
    """The last row of each record (entity, uuid) among `rows`, in seq order: what the server
    keeps of a batch (it stores a record's latest row of the batch, and the live hub applies
    that one too), so the earlier ones need not be sent, checked or validated at all. Each
    kept row is stored in the same transaction as the rows it stands for, so marking those
    sent with it loses nothing."""
    last = {(row[1], row[2]): row[0] for row in rows}
    if len(last) == len(rows):
        return rows
    return [row for row in rows if last[(row[1], row[2])] == row[0]]


# what json.loads calls, without its two Python frames (set in JSONDecoder.__init__, untyped)
_scan: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _decoded(payloads: list[str]) -> list[Any]:
    """The payloads decoded as `json.loads` decodes each (None for one that is not JSON: not
    ours to fix, the server refuses it with a reason), a payload at a time: one call of the
    decoder's scanner per payload (a third less of the client's work on a push) and
    `json.loads` itself for anything but one JSON value filling the whole text."""
    out: list[Any] = []
    for payload in payloads:
        try:
            if type(payload) is str:
                try:
                    doc, end = _scan(payload, 0)
                except StopIteration:  # nothing at 0: white space first, or no value
                    end = -1
                if end != len(payload):  # or white space or more after it: as json.loads says
                    doc = json.loads(payload)
            else:
                doc = json.loads(payload)
        except ValueError:
            doc = None
        out.append(doc)
    return out

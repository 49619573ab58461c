"""The central sync API (FastAPI): push, pull, devices, reconciliation, reports, verify page.

Stateless: everything lives in the store, so several copies may run behind a proxy. Device
requests carry `Authorization: Bearer <device token>`; device administration takes the admin
token of the server's configuration. Every request body is capped (413 above the cap) and
validated; a push holding a full NIK or a phone number, a malformed record or a NUL character
is refused whole (422) and nothing of it is stored. Failed authentication is rate-limited per
client address (429). The OpenAPI schema and its /docs, /redoc pages are off unless asked for.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import ValidationError as PydanticError
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from counter_app import __version__
from counter_app.core import token as tokens
from counter_app.core.errors import LoketError, NotFound
from counter_app.core.period import period_ok
from counter_app.core.verify_page import render_verify_page
from counter_app.server import live_store, schemas
from counter_app.server.display import register_display
from counter_app.server.limits import FailedAuth
from counter_app.server.live import register_live
from counter_app.server.report import consolidated_daily
from counter_app.server.request_log import RequestLog
from counter_app.server.store import Device, DeviceGone, KeysRefused, Store, StoreUnavailable, token_hash
from counter_app.sync.protocol import (
    AFTER_HEADER,
    API,
    DEVICE_NAME,
    MAX_BODY_BYTES,
    PROTOCOL,
    document_problem,
    rows_problem,
)

_DEVICE = f"^{DEVICE_NAME.pattern}$"
# Fields that are no one's personal data but random-looking material (skipped by the check).
_NOT_TEXT: dict[Any, Any] = {
    schemas.KeysRequest: {"keys": {"__all__": {"kid", "public_key"}}},
    schemas.ReferenceRequest: {"staff": {"__all__": {"password_hash"}}},
}
AfterCommit = Callable[[str, str], None]
_NUL = b"\\u0000"  # how JSON spells U+0000 (a raw one is not JSON at all)
# Pushes read, decoded and stored at once (the rest wait; issue 16: 200 counters at once).
PUSH_SLOTS = 2
PUSH_SLOT_WAIT_S = 300.0  # then 503 + Retry-After
PUSH_RETRY_AFTER_S = 5
RELEASE_SLOT = "loket.release_push_slot"  # in the ASGI scope of a push holding a slot
# Pushes waiting for the batch before them (Loket-After-Seq): they hold their decoded rows but
# no slot; past this many, a push that would wait is answered at once without being stored.
AFTER_WAITERS = PUSH_SLOTS


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, before the app reads them.

    Requests to `slot_paths` (the push) first take one of `slots` push slots and keep it
    until answered: their bodies are read, decoded and stored only `slots` at a time, so a
    crowd of counters pushing at once costs the memory of `slots` pushes, not of the crowd
    (the others wait in their sockets). One that waits over `slot_wait` seconds gets 503 with
    Retry-After, which the client retries."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        slots: int = PUSH_SLOTS,
        slot_paths: frozenset[str] = frozenset(),
        slot_wait: float = PUSH_SLOT_WAIT_S,
    ) -> None:
        self.app = app
        self.limit = limit
        self.slots = max(1, slots)
        self.slot_paths = slot_paths
        self.slot_wait = slot_wait
        # one semaphore per event loop (a test client runs its own loop per instance)
        self._gates: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(self.slots)
        return gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _too_large(send)
            return
        if scope.get("path") not in self.slot_paths:
            await self._read_and_run(scope, receive, send)
            return
        gate = self._gate()
        try:
            await asyncio.wait_for(gate.acquire(), self.slot_wait)
        except TimeoutError:
            await _busy(send)
            return
        held = True

        def release() -> None:
            """Give the slot back early: the push waits for the batch before it, which may
            need this very slot (its first try was cut; it is sent again)."""
            nonlocal held
            if held:
                held = False
                gate.release()

        scope[RELEASE_SLOT] = release
        try:
            await self._read_and_run(scope, receive, send)
        finally:
            release()

    async def _read_and_run(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Chunked or lying clients: read (at most limit + 1 bytes) before handing over.
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                await _too_large(send)
                return
        sent = False
        data = bytes(body)
        del body

        async def replay() -> Message:
            nonlocal sent, data
            if not sent:
                sent = True
                message: Message = {"type": "http.request", "body": data, "more_body": False}
                data = b""  # the app holds it now: not a second copy for the request's life
                return message
            return await receive()

        await self.app(scope, replay, send)


async def _busy(send: Send) -> None:
    data = json.dumps({"detail": "busy", "retry_after": PUSH_RETRY_AFTER_S}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/json"),
                (b"retry-after", str(PUSH_RETRY_AFTER_S).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


async def _too_large(send: Send) -> None:
    data = json.dumps({"detail": "request_too_large", "limit": MAX_BODY_BYTES}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": data})


@dataclass(frozen=True)
class Caller:
    device: Device | None
    admin: bool = False


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def create_app(
    store: Store,
    *,
    admin_token: str | None = None,
    max_body: int = MAX_BODY_BYTES,
    after_commit: AfterCommit | None = None,
    api_docs: bool = False,
    auth_limit: FailedAuth | None = None,
    push_slots: int = PUSH_SLOTS,
    push_wait: float = PUSH_SLOT_WAIT_S,
) -> FastAPI:
    """The API over `store`. `after_commit(device, batch_id)` runs after each push batch is
    committed and before it is answered (tests use it to die at exactly that point).
    `api_docs`: serve the OpenAPI schema and /docs, /redoc (off by default: they map the
    whole attack surface for anyone). `auth_limit`: the failed-authentication counter.
    `push_slots`: pushes handled at once, `push_wait`: seconds one waits for its slot before
    a 503 (BodyLimit)."""
    admin_hash = token_hash(admin_token) if admin_token else None
    app = FastAPI(
        title="Loket sync server",
        version=__version__,
        docs_url="/docs" if api_docs else None,
        redoc_url="/redoc" if api_docs else None,
        openapi_url=f"{API}/openapi.json" if api_docs else None,
    )
    app.state.store = store
    limiter = auth_limit or FailedAuth()
    waiters = threading.BoundedSemaphore(AFTER_WAITERS)

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        return JSONResponse({"detail": "store_unavailable"}, status_code=503)

    @app.exception_handler(DeviceGone)
    async def _gone(request: Request, exc: DeviceGone) -> JSONResponse:
        return JSONResponse({"detail": "revoked"}, status_code=403)

    @app.exception_handler(KeysRefused)
    async def _keys_refused(request: Request, exc: KeysRefused) -> JSONResponse:
        status = 409 if exc.reason == "too_many_keys" else 403
        return JSONResponse({"detail": exc.reason, "message": exc.message("en")}, status_code=status)

    @app.exception_handler(LoketError)
    async def _expected(request: Request, exc: LoketError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFound) else 400
        return JSONResponse({"detail": exc.key, "message": exc.message("en")}, status_code=status)

    # -- who is calling --

    def refused(request: Request, status: int, detail: str) -> HTTPException:
        """A failed authentication: counted for the client's address; past the limit the
        answer is 429 (and the client waits Retry-After seconds) instead of `status`."""
        wait = limiter.failed(request.client.host if request.client else "")
        if wait is not None:
            return HTTPException(429, "too_many_failed_logins", headers={"Retry-After": str(wait)})
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return HTTPException(status, detail, headers=headers)

    def caller(request: Request) -> Caller:
        token = _bearer(request)
        if token is None:
            raise refused(request, 401, "unauthorized")
        if admin_hash is not None and hmac.compare_digest(token_hash(token), admin_hash):
            request.state.device = "(admin)"  # for the request log
            return Caller(None, admin=True)
        device = store.device_for_token(token)
        if device is None:
            raise refused(request, 401, "unauthorized")
        if device.revoked:
            raise refused(request, 403, "revoked")
        request.state.device = device.name  # for the request log (server/request_log.py)
        return Caller(device)

    def device_caller(who: Caller = Depends(caller)) -> Device:
        if who.device is None:
            raise HTTPException(403, "device_token_required")
        return who.device

    def admin_caller(request: Request) -> Caller:
        token = _bearer(request)
        if admin_hash is None:
            raise HTTPException(403, "admin_api_disabled")
        if token is None or not hmac.compare_digest(token_hash(token), admin_hash):
            raise refused(request, 401, "unauthorized")
        request.state.device = "(admin)"  # for the request log
        return Caller(None, admin=True)

    def same_device(device: Device, claimed: str) -> None:
        if claimed != device.name:
            raise HTTPException(403, "device_mismatch")

    def parse(body: bytes, model: Any) -> Any:
        """Validate a body: no personal data (checked before and after decoding), then the
        model (a pydantic model, or a TypeAdapter). Runs off the event loop."""
        # Checked once decoded, field by field (escapes and floats decoded); key ids, public
        # keys and password hashes may hold long runs of digits by chance and are skipped.
        problem = None
        if problem is None:
            try:
                doc = model.validate_json(body) if model is schemas.PUSH else model.model_validate_json(body)
            except PydanticError as exc:
                # loc and message only: the input may be anything and must not be echoed
                if model is schemas.PUSH:
                    raise HTTPException(422, schemas.push_errors(body, exc)) from None
                errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()[:20]]
                raise HTTPException(422, errors) from None
            if _NUL in body and schemas.holds_nul(body):  # PostgreSQL cannot store it: refused here
                raise HTTPException(422, "nul_character: text may not contain U+0000")
            if model is schemas.PUSH:
                if not schemas.in_seq_order(doc["rows"]):
                    raise HTTPException(422, "rows must be in strictly increasing seq order")
                mismatch = schemas.id_mismatch(doc["rows"])
                if mismatch:
                    raise HTTPException(422, [mismatch])
                problem = rows_problem(doc["rows"], schemas.SHAPED)  # uuids, times: checked already
            else:
                problem = document_problem(doc.model_dump(exclude=_NOT_TEXT.get(model)))
        if problem:
            raise HTTPException(422, f"personal_data: {problem}")
        return doc

    async def validated(request: Request, model: type[Any]) -> Any:
        return await run_in_threadpool(parse, await request.body(), model)

    # -- the protocol --

    @app.get(f"{API}/health")
    def health() -> dict[str, Any]:
        try:
            store.ping()
        except Exception:
            raise HTTPException(503, "store_unavailable") from None
        return {"status": "ok", "protocol": PROTOCOL, "store": store.d.name, "version": __version__}

    @app.get(f"{API}/device")
    def whoami(device: Device = Depends(device_caller)) -> dict[str, Any]:
        return {
            "protocol": PROTOCOL,
            "device": device.name,
            "publisher": device.publisher,
            "stored_through": device.stored_through,
            **live_store.identity(store, device.name),
        }

    @app.post(f"{API}/push")
    async def push(request: Request, device: Device = Depends(device_caller)) -> dict[str, Any]:
        after = request.headers.get(AFTER_HEADER)
        if after is not None and not (after.isdigit() and after.isascii() and len(after) <= 18):
            raise HTTPException(422, f"{AFTER_HEADER} must be a sequence number")
        doc: schemas.PushRequest = await validated(request, schemas.PUSH)
        same_device(device, doc["device"])
        loop = asyncio.get_running_loop()
        release = request.scope.get(RELEASE_SLOT)
        waiting = False

        def on_wait() -> bool:  # in the worker thread, before waiting for the batch before
            nonlocal waiting
            waiting = waiters.acquire(blocking=False)
            if waiting and release is not None:
                loop.call_soon_threadsafe(release)
            return waiting

        try:
            through = await run_in_threadpool(
                store.store_batch,
                device.name,
                doc["batch_id"].lower(),
                doc["rows"],
                after_commit=after_commit,
                after=None if after is None else int(after),
                on_wait=on_wait,
            )
        finally:
            if waiting:
                waiters.release()
        return {"protocol": PROTOCOL, "stored_through": through}

    @app.post(f"{API}/keys")
    async def keys(request: Request, device: Device = Depends(device_caller)) -> dict[str, Any]:
        doc: schemas.KeysRequest = await validated(request, schemas.KeysRequest)
        same_device(device, doc.device)
        entries = [e.model_dump() for e in doc.keys]
        try:
            tokens.load_keyring({"version": tokens.KEYRING_VERSION, "keys": entries})
        except tokens.KeyringError as exc:
            raise HTTPException(422, f"keyring: {exc}") from None
        # only for the device's own site and counter, a bounded number (KeysRefused: 403/409)
        added = await run_in_threadpool(store.store_keys, device.name, entries)
        return {"protocol": PROTOCOL, "added": added}

    @app.post(f"{API}/audit/head")
    async def audit_head(request: Request, device: Device = Depends(device_caller)) -> dict[str, Any]:
        doc: schemas.AuditHeadRequest = await validated(request, schemas.AuditHeadRequest)
        same_device(device, doc.device)
        new = await run_in_threadpool(store.store_audit_head, device.name, doc.seq, doc.hash)
        return {"protocol": PROTOCOL, "new": new}

    @app.get(f"{API}/audit/heads")
    def audit_heads(
        device: str = Query(..., pattern=_DEVICE), who: Caller = Depends(caller)
    ) -> dict[str, Any]:
        if not who.admin and (who.device is None or who.device.name != device):
            raise HTTPException(403, "other_device")
        return {"protocol": PROTOCOL, "device": device, "heads": store.audit_heads(device)}

    @app.post(f"{API}/reference")
    async def reference(request: Request, device: Device = Depends(device_caller)) -> dict[str, Any]:
        if not device.publisher:
            raise HTTPException(403, "not_publisher")
        doc: schemas.ReferenceRequest = await validated(request, schemas.ReferenceRequest)
        same_device(device, doc.device)
        items: list[tuple[str, str, dict[str, Any]]] = []
        items += [("agency", a.code, a.model_dump()) for a in doc.agency]
        items += [("service", s.code, s.model_dump()) for s in doc.service]
        items += [("counter", c.code, c.model_dump()) for c in doc.counter]
        items += [("staff", s.username, s.model_dump()) for s in doc.staff]
        changed = await run_in_threadpool(store.store_reference, device.name, items)
        return {"protocol": PROTOCOL, "changed": changed}

    @app.get(f"{API}/pull")
    def pull(since: int = Query(0, ge=0), device: Device = Depends(device_caller)) -> dict[str, Any]:
        return {"protocol": PROTOCOL, **store.pull(since)}

    @app.get(f"{API}/reconcile")
    def reconcile(device: str = Query(..., pattern=_DEVICE), who: Caller = Depends(caller)) -> dict[str, Any]:
        if not who.admin and (who.device is None or who.device.name != device):
            raise HTTPException(403, "other_device")
        counts = store.ticket_counts(device)
        return {
            "protocol": PROTOCOL,
            "device": device,
            "days": [{"day": d, "tickets": n} for d, n in counts.items()],
        }

    @app.get(f"{API}/reports/daily")
    def daily(
        day: date = Query(..., alias="date"),
        to: date | None = Query(None),
        who: Caller = Depends(caller),
    ) -> dict[str, Any]:
        day_to = to or day
        if not period_ok(day, day_to):  # the one period rule (core/period.py)
            raise HTTPException(422, "bad_period")
        tickets = live_store.report_tickets(store, day.isoformat(), day_to.isoformat())  # each uuid once
        return consolidated_daily(tickets, store.reference("service"), day, day_to)

    # -- device administration (admin token) --

    @app.post(f"{API}/devices", status_code=201)
    def add_device(body: schemas.DeviceRequest, who: Caller = Depends(admin_caller)) -> dict[str, Any]:
        if body.site is None and body.counter is None and not body.replace:
            raise HTTPException(422, "binding_required: a new device needs its site and counter")
        token = store.add_device(
            body.name, site=body.site, counter=body.counter, publisher=body.publisher, replace=body.replace
        )
        return {"device": body.name, "token": token}

    @app.patch(f"{API}/devices/{{name}}")
    def bind_device(
        name: str, body: schemas.BindRequest, who: Caller = Depends(admin_caller)
    ) -> dict[str, Any]:
        if not DEVICE_NAME.fullmatch(name):
            raise HTTPException(404, "server.device_unknown")
        return store.bind_device(name, body.site, body.counter).to_json()

    @app.get(f"{API}/devices")
    def list_devices(who: Caller = Depends(admin_caller)) -> list[dict[str, Any]]:
        return [d.to_json() for d in store.devices()]

    @app.delete(f"{API}/devices/{{name}}")
    def revoke_device(name: str, who: Caller = Depends(admin_caller)) -> dict[str, Any]:
        if not DEVICE_NAME.fullmatch(name):  # e.g. a NUL: never sent to the database
            raise HTTPException(404, "server.device_unknown")
        revoked = store.revoke_device(name)  # and its keys: off the keyring and the verify page
        return {"device": name, "revoked": True, "keys_revoked": revoked}

    # -- public: the keyring and the visitors' verify page --

    def keyring() -> dict[str, Any]:
        return store.keyring()

    app.get(f"{API}/keyring.json")(keyring)
    app.get("/keyring.json")(keyring)

    def verify_page() -> HTMLResponse:
        return HTMLResponse(render_verify_page(store.keyring()), headers={"Cache-Control": "no-cache"})

    app.get("/verify", response_class=HTMLResponse)(verify_page)
    app.get("/verifikasi", response_class=HTMLResponse)(verify_page)

    register_live(app, store, caller)  # /api/v1/live/…: the site hub
    register_display(app, store, admin_caller)  # /display…: the hall display (issue 13)
    app.add_middleware(
        BodyLimit,
        limit=max_body,
        slots=push_slots,
        slot_paths=frozenset({f"{API}/push"}),
        slot_wait=push_wait,
    )
    app.add_middleware(RequestLog)  # added last: outermost, so a 413 and a bug are logged too
    return app

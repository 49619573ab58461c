"""The central sync API (FastAPI): push, pull, devices, reconciliation, reports, verify page.

Stateless: everything lives in the store, so several copies may run behind a proxy. Device
requests carry `Authorization: Bearer <device token>`; device administration takes the admin
token of the server's configuration. Every request body is capped (413 above the cap) and
validated; a push holding a full NIK or a phone number is refused whole (422) and nothing of it
is stored.
"""

from __future__ import annotations

import hmac
import json
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
from counter_app.core.verify_page import render_verify_page
from counter_app.server import schemas
from counter_app.server.report import consolidated_daily
from counter_app.server.store import Device, DeviceGone, Store, StoreUnavailable, token_hash
from counter_app.sync.protocol import (
    API,
    MAX_BODY_BYTES,
    PROTOCOL,
    digits_problem,
    document_problem,
    keys_problem,
)

MAX_REPORT_DAYS = 366
# Fields that are no one's personal data but random-looking material (skipped by the check).
_NOT_TEXT: dict[Any, Any] = {
    schemas.KeysRequest: {"keys": {"__all__": {"kid", "public_key"}}},
    schemas.ReferenceRequest: {"staff": {"__all__": {"password_hash"}}},
}
AfterCommit = Callable[[str, str], None]


class BodyLimit:
    """Refuse request bodies over `limit` bytes with 413, before the app reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.limit:
            await _too_large(send)
            return
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

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _too_large(send: Send) -> None:
    data = json.dumps({"detail": "request_too_large", "limit": MAX_BODY_BYTES}).encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"connection", b"close")]})
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
) -> FastAPI:
    """The API over `store`. `after_commit(device, batch_id)` runs after each push batch is
    committed and before it is answered (tests use it to die at exactly that point)."""
    admin_hash = token_hash(admin_token) if admin_token else None
    app = FastAPI(title="Loket sync server", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url=f"{API}/openapi.json")
    app.state.store = store

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(request: Request, exc: StoreUnavailable) -> JSONResponse:
        return JSONResponse({"detail": "store_unavailable"}, status_code=503)

    @app.exception_handler(DeviceGone)
    async def _gone(request: Request, exc: DeviceGone) -> JSONResponse:
        return JSONResponse({"detail": "revoked"}, status_code=403)

    @app.exception_handler(LoketError)
    async def _expected(request: Request, exc: LoketError) -> JSONResponse:
        status = 404 if isinstance(exc, NotFound) else 400
        return JSONResponse({"detail": exc.key, "message": exc.message("en")}, status_code=status)

    # -- who is calling --

    def caller(request: Request) -> Caller:
        token = _bearer(request)
        if token is None:
            raise HTTPException(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
        if admin_hash is not None and hmac.compare_digest(token_hash(token), admin_hash):
            return Caller(None, admin=True)
        device = store.device_for_token(token)
        if device is None:
            raise HTTPException(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
        if device.revoked:
            raise HTTPException(403, "revoked")
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
            raise HTTPException(401, "unauthorized", headers={"WWW-Authenticate": "Bearer"})
        return Caller(None, admin=True)

    def same_device(device: Device, claimed: str) -> None:
        if claimed != device.name:
            raise HTTPException(403, "device_mismatch")

    def parse(body: bytes, model: Any) -> Any:
        """Validate a body: no personal data (checked before and after decoding), then the
        model (a pydantic model, or a TypeAdapter). Runs off the event loop."""
        # Key ids, public keys and password hashes may hold long runs of digits by chance:
        # other bodies are checked field by field once decoded, without those.
        problem = digits_problem(body) if model is schemas.PUSH else None
        if problem is None:
            try:
                doc = model.validate_json(body) if model is schemas.PUSH else model.model_validate_json(body)
            except PydanticError as exc:
                # loc and message only: the input may be anything and must not be echoed
                errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()[:20]]
                raise HTTPException(422, errors) from None
            if model is schemas.PUSH:
                if not schemas.in_seq_order(doc["rows"]):
                    raise HTTPException(422, "rows must be in strictly increasing seq order")
                problem = keys_problem(body, [r["payload"] for r in doc["rows"]])
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
        except Exception:  # noqa: BLE001 - any failure to reach the store is "unhealthy"
            raise HTTPException(503, "store_unavailable") from None
        return {"status": "ok", "protocol": PROTOCOL, "store": store.d.name, "version": __version__}

    @app.get(f"{API}/device")
    def whoami(device: Device = Depends(device_caller)) -> dict[str, Any]:
        return {"protocol": PROTOCOL, "device": device.name, "publisher": device.publisher,
                "stored_through": device.stored_through}

    @app.post(f"{API}/push")
    async def push(request: Request, device: Device = Depends(device_caller)) -> dict[str, Any]:
        doc: schemas.PushRequest = await validated(request, schemas.PUSH)
        same_device(device, doc["device"])
        through = await run_in_threadpool(
            store.store_batch, device.name, doc["batch_id"].lower(), doc["rows"], after_commit=after_commit
        )
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
        added = await run_in_threadpool(store.store_keys, device.name, entries)
        return {"protocol": PROTOCOL, "added": added}

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
    def reconcile(device: str = Query(..., max_length=64), who: Caller = Depends(caller)) -> dict[str, Any]:
        if not who.admin and (who.device is None or who.device.name != device):
            raise HTTPException(403, "other_device")
        counts = store.ticket_counts(device)
        return {"protocol": PROTOCOL, "device": device,
                "days": [{"day": d, "tickets": n} for d, n in counts.items()]}

    @app.get(f"{API}/reports/daily")
    def daily(
        day: date = Query(..., alias="date"),
        to: date | None = Query(None),
        who: Caller = Depends(caller),
    ) -> dict[str, Any]:
        day_to = to or day
        if day_to < day or (day_to - day).days + 1 > MAX_REPORT_DAYS:
            raise HTTPException(422, "bad_period")
        tickets = store.tickets(day.isoformat(), day_to.isoformat())
        return consolidated_daily(tickets, store.reference("service"), day, day_to)

    # -- device administration (admin token) --

    @app.post(f"{API}/devices", status_code=201)
    def add_device(body: schemas.DeviceRequest, who: Caller = Depends(admin_caller)) -> dict[str, Any]:
        token = store.add_device(body.name, publisher=body.publisher, replace=body.replace)
        return {"device": body.name, "token": token}

    @app.get(f"{API}/devices")
    def list_devices(who: Caller = Depends(admin_caller)) -> list[dict[str, Any]]:
        return [d.to_json() for d in store.devices()]

    @app.delete(f"{API}/devices/{{name}}")
    def revoke_device(name: str, who: Caller = Depends(admin_caller)) -> dict[str, Any]:
        store.revoke_device(name)
        return {"device": name, "revoked": True}

    # -- public: the keyring and the visitors' verify page --

    def keyring() -> dict[str, Any]:
        return store.keyring()

    app.get(f"{API}/keyring.json")(keyring)
    app.get("/keyring.json")(keyring)

    def verify_page() -> HTMLResponse:
        return HTMLResponse(render_verify_page(store.keyring()),
                            headers={"Cache-Control": "no-cache"})

    app.get("/verify", response_class=HTMLResponse)(verify_page)
    app.get("/verifikasi", response_class=HTMLResponse)(verify_page)

    app.add_middleware(BodyLimit, limit=max_body)
    return app

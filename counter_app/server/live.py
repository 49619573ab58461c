"""The hub's live endpoints (hub-spec "Hub endpoints"), registered on the sync server's app.

    POST /api/v1/live/code    {"day","letter"} → {"number","code"}: the site's next live code
    POST /api/v1/live/claim   {"day","services","priority_cap","ticket"} → {"ticket": payload|null}
    POST /api/v1/live/state   {"state": "open"|"break"|"closed"} → the counter's state
    POST /api/v1/live/release {"tickets": [uuid, …]} → {"released": [uuid, …]}: the offline
                              tickets this counter registered join the site's queue
    GET  /api/v1/live/board   [?day=] (device token; admin token with ?site=)
    GET  /api/v1/live/events  ?since=N | Last-Event-ID, [?once=1]: the site's ordered stream

The site and the counter come from the device's binding in the store, never from the body:
a device can only allocate, claim and read for its own site, and claim for its own counter.
Refusals are JSON `{"detail": key, …}`: 403 `device_not_bound`, 409 `counter_busy` (with the
`ticket` it holds), 409 `not_waiting`, 404 `ticket_unknown`, 409 `queue_full`.

The event stream is Server-Sent Events: `id:` = seq, `event:` = kind, `data:` = JSON
`{"seq","kind","device","uuid","payload"}`, a `: ping` comment every PING_S. Each stream is an
async generator that reads the table in a worker thread every POLL_S (sooner when a claim or a
state change of this process pokes it), so no stream holds the event loop or a thread; it ends
when the client goes away or the server stops (`close_streams`).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Annotated, Any, Literal

import anyio
from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from counter_app.server import live_store
from counter_app.server.live_store import LiveError
from counter_app.server.store import Store

LIVE = "/api/v1/live"
POLL_S = 0.2
PING_S = 15.0
BATCH = 1000  # events per read (and per `once` answer: `more` says there are others)
_CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_UUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CodeRequest(_Body):
    day: date
    letter: str = Field(pattern=r"^[A-Z]$")


class ClaimRequest(_Body):
    day: date
    services: list[Annotated[str, Field(pattern=_CODE)]] = Field(default_factory=list, max_length=500)
    priority_cap: int = Field(default=3, ge=0, le=1000)
    ticket: str | None = Field(default=None, pattern=_UUID)


class ReleaseRequest(_Body):
    tickets: list[Annotated[str, Field(pattern=_UUID)]] = Field(max_length=5000)


class StateRequest(_Body):
    state: Literal["open", "break", "closed"]


class _Waiter:
    """One stream's wake-up, poked from any thread."""

    def __init__(self) -> None:
        self.loop = asyncio.get_running_loop()
        self.event = asyncio.Event()

    def wake(self) -> None:
        try:
            self.loop.call_soon_threadsafe(self.event.set)
        except RuntimeError:  # the loop is closed: the stream is gone
            pass


def sse(event: dict[str, Any]) -> str:
    data = json.dumps(event, ensure_ascii=False, separators=(",", ":"))
    return f"id: {event['seq']}\nevent: {event['kind']}\ndata: {data}\n\n"


def close_streams(app: FastAPI) -> None:
    """End every open event stream of `app` (before stopping its server)."""
    closing = getattr(app.state, "live_closing", None)
    if closing is not None:
        closing.set()


def register_live(app: FastAPI, store: Store, caller: Callable[..., Any]) -> None:
    """Add the live endpoints to `app`; `caller` is the app's dependency that returns who is
    calling (`.device` with `.name`, or `.admin`)."""
    closing = threading.Event()
    app.state.live_closing = closing

    @app.exception_handler(LiveError)
    async def _refused(request: Request, exc: LiveError) -> JSONResponse:
        return JSONResponse({"detail": exc.detail, **exc.extra}, status_code=exc.status)

    def device(who: Any = Depends(caller)) -> str:
        if who.device is None:
            raise HTTPException(403, "device_token_required")
        return str(who.device.name)

    @app.post(f"{LIVE}/code")
    def code(body: CodeRequest, name: str = Depends(device)) -> dict[str, Any]:
        number, text = live_store.allocate_code(store, name, body.day.isoformat(), body.letter)
        return {"number": number, "code": text, "day": body.day.isoformat(), "letter": body.letter}

    @app.post(f"{LIVE}/claim")
    def claim(body: ClaimRequest, name: str = Depends(device)) -> dict[str, Any]:
        ticket = body.ticket.lower() if body.ticket else None
        payload = live_store.claim(
            store, name, body.day.isoformat(), list(dict.fromkeys(body.services)), body.priority_cap, ticket
        )
        return {"ticket": payload}

    @app.post(f"{LIVE}/release")
    def release(body: ReleaseRequest, name: str = Depends(device)) -> dict[str, Any]:
        return {"released": live_store.release(store, name, [t.lower() for t in body.tickets])}

    @app.post(f"{LIVE}/state")
    def state(body: StateRequest, name: str = Depends(device)) -> dict[str, Any]:
        return live_store.set_state(store, name, body.state)

    @app.get(f"{LIVE}/board")
    def board(
        site: str | None = Query(None, max_length=64),
        day: date | None = Query(None),
        who: Any = Depends(caller),
    ) -> dict[str, Any]:
        if who.device is not None:
            own = live_store.seen(store, str(who.device.name)).site
            if site is not None and site != own:
                raise HTTPException(403, "other_site")
            site = own
        elif site is None:
            raise HTTPException(422, "site_required")
        targets: dict[str, int | None] = {}
        for service_code, doc in store.reference("service").items():
            minutes = doc.get("target_minutes")
            targets[service_code] = int(minutes) * 60 if isinstance(minutes, int) else None
        return live_store.board(store, site, day.isoformat() if day else None, targets)

    @app.get(f"{LIVE}/events", response_model=None)
    async def events(
        request: Request,
        since: int = Query(0, ge=0),
        once: bool = Query(False),
        name: str = Depends(device),
    ) -> Any:
        resume = request.headers.get("last-event-id")
        if resume is not None and resume.strip():
            if not resume.strip().isdigit():
                raise HTTPException(422, "bad_last_event_id")
            since = int(resume.strip())
        site = (await anyio.to_thread.run_sync(live_store.seen, store, name)).site
        if once:
            found, head = await anyio.to_thread.run_sync(live_store.events_since, store, site, since, BATCH)
            reset = since > head
            if reset:  # the hub's store was replaced: start over
                found, head = await anyio.to_thread.run_sync(live_store.events_since, store, site, 0, BATCH)
            last = found[-1]["seq"] if found else (0 if reset else since)
            return {"events": found, "last": last, "head": head, "more": len(found) == BATCH, "reset": reset}
        return StreamingResponse(
            _stream(store, site, name, since, closing),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )


async def _stream(
    store: Store, site: str, device: str, since: int, closing: threading.Event
) -> AsyncIterator[str]:
    waiter = _Waiter()
    notifier = live_store.notifier()
    notifier.subscribe(site, waiter)
    last = since
    pinged = time.monotonic()
    try:
        yield "retry: 1000\n\n"
        while not closing.is_set():
            waiter.event.clear()  # before the read: a poke during it is not lost
            found, head = await anyio.to_thread.run_sync(live_store.events_since, store, site, last, BATCH)
            if last > head:  # the hub's store was replaced: start over
                last = 0
                continue
            for event in found:
                yield sse(event)
                last = event["seq"]
            if len(found) == BATCH:
                continue
            if time.monotonic() - pinged >= PING_S:
                pinged = time.monotonic()
                yield ": ping\n\n"
                await anyio.to_thread.run_sync(live_store.seen, store, device)
            with anyio.move_on_after(POLL_S):
                await waiter.event.wait()
    finally:
        notifier.unsubscribe(site, waiter)

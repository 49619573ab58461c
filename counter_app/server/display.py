"""The hall display's public endpoints (DESIGN.md §9, issue 13), served by the site hub.

    GET /display                      the page (resources/web/display.html, self-contained)
    GET /display/events?site=S[&profile=P][&services=A,B][&counters=L01,L02]
                                      Server-Sent Events for the page (below)
    GET /display/voice/<clip>.ogg?site=S   a clip: the site's own recording, else the default
    GET /display/logo.png?site=S      the MPP's logo (404 when none is set)
    GET /api/v1/display/settings?site=S, PATCH (admin token): the settings (display_settings.py)

No token: a hall TV has none. So the stream carries codes and counters and the waiting count
per service, never a visitor's name, NIK or phone: it is built from the hub's `call` events
(appended by the claim and, on a recall, by the push when a ticket's call_count grows — see
live_store.apply_push) and from counts over `live_ticket`.

The stream: `snapshot` first (site settings, the server's time, the day's last calls oldest
first, the waiting counts, `last` = the stream's head seq), then `call` for every new call,
`waiting` when the counts change, `site` when the admin changes the settings, and a `: ping`
comment every PING_S. A page that reconnects gets a new snapshot and announces only calls after
its `last`: calls made while it was cut off are listed, never spoken late.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import anyio
from fastapi import Body, Depends, FastAPI, HTTPException, Query
from fastapi.responses import FileResponse, HTMLResponse, Response, StreamingResponse

from counter_app.core.announcement import AUDIO_TYPES, UnknownWord, announcement, clip_file, pack_clips
from counter_app.core.errors import LoketError
from counter_app.core.number_words import split_code
from counter_app.core.paths import resource
from counter_app.server import display_settings, live_store
from counter_app.server.display_settings import Config
from counter_app.server.live import PING_S, POLL_S, _Waiter
from counter_app.server.store import Store

_SITE = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
_LIST = r"^[A-Za-z0-9._,-]{0,2000}$"
HISTORY = 300  # call events looked at for the snapshot's list (the day's last ones)
SETTINGS_POLL_S = 2.0


def _page() -> str:
    return resource("web", "display.html").read_text(encoding="utf-8")


# ---- what the page is told ------------------------------------------------------------------


class View:
    """One display's filter and wording, from the site's settings, its profile and the query."""

    def __init__(
        self,
        store: Store,
        config: Config,
        profile: str | None,
        services: list[str] | None,
        counters: list[str] | None,
    ) -> None:
        self.config = config
        chosen = config.profile(profile)
        self.services = set(services or chosen.get("services") or []) or None
        self.counters = set(counters or chosen.get("counters") or []) or None
        self.recent = int(chosen.get("recent") or config["recent"])
        self.voice = bool(chosen.get("voice", config["voice"]))
        self.running_text = chosen.get("running_text", config["running_text"])
        self.reference_services = store.reference("service")
        self.reference_counters = store.reference("counter")
        self.available = pack_clips(config["voice_dir"] or None)

    def today(self) -> str:
        return datetime.now(ZoneInfo(self.config["tz"])).date().isoformat()

    def shows(self, payload: dict[str, Any]) -> bool:
        return (self.services is None or payload.get("service") in self.services) and (
            self.counters is None or payload.get("counter") in self.counters
        )

    def counter_label(self, counter: str) -> str:
        own = self.config["counters"].get(counter, {})
        if own.get("label"):
            return str(own["label"])
        doc = self.reference_counters.get(counter) or {}
        if doc.get("name"):
            return str(doc["name"])
        try:
            return f"Loket {split_code(counter)[1]}"
        except ValueError:
            return counter

    def call(self, seq: int, payload: dict[str, Any], at: str) -> dict[str, Any]:
        code, counter = str(payload.get("code", "")), str(payload.get("counter", ""))
        label = self.counter_label(counter)
        spoken = self.config["counters"].get(counter, {}).get("spoken")
        said = None
        # The configured spoken name, else the shown one if the pack can say every word of it
        # ("Loket Imigrasi 2"), else "loket" and the counter's number.
        for words in [w for w in (spoken, label) if w] + [None]:
            try:
                said = announcement(code, counter, words, available=self.available)
                break
            except UnknownWord:
                continue
            except ValueError:  # not a queue code: shown, not spoken
                break
        return {
            "seq": seq,
            "code": code,
            "counter": counter,
            "counter_label": label,
            "service": payload.get("service"),
            "recall": bool(payload.get("recall")),
            "at": at,
            **(said.to_json() if said else {"clips": [], "gaps_ms": []}),
        }

    def site(self) -> dict[str, Any]:
        c = self.config
        return {
            "code": c.site,
            "name": c["name"],
            "running_text": self.running_text,
            "tz": c["tz"],
            "voice": self.voice,
            "chime": c["chime"],
            "speak_recalls": c["speak_recalls"],
            "volume": c["volume"],
            "recent": self.recent,
            "logo": c.has_logo,
        }

    def waiting(self, store: Store) -> list[dict[str, Any]]:
        day = self.today()
        with store.transaction(write=False) as tx:
            rows = tx.all(
                "SELECT service, SUM(CASE WHEN status = 'waiting' THEN 1 ELSE 0 END), MAX(letter) "
                "FROM live_ticket WHERE site = ? AND day = ? GROUP BY service",
                (self.config.site, day),
            )
        counts = {str(r[0]): int(r[1] or 0) for r in rows}
        # The tickets' own letter until the catalogue reaches the hub (with the first sync of a
        # publishing device): a tile reads "A · KTP", not a bare service code without its letter.
        letters = {str(r[0]): str(r[2] or "") for r in rows}
        names = set(counts) | (self.services or set())
        if self.services is not None:
            names &= self.services
        out = []
        for service in names:
            doc = self.reference_services.get(service) or {}
            out.append(
                {
                    "service": service,
                    "name": doc.get("name_id") or service,
                    "letter": doc.get("letter") or letters.get(service, ""),
                    "waiting": counts.get(service, 0),
                }
            )
        return sorted(out, key=lambda w: (w["letter"] or "~", w["service"]))

    def history(self, store: Store) -> tuple[list[dict[str, Any]], int]:
        """The day's last calls of this display, oldest first, and the stream's head."""
        zone = ZoneInfo(self.config["tz"])
        day = self.today()
        with store.transaction(write=False) as tx:
            head = int(
                tx.one("SELECT COALESCE(MAX(seq), 0) FROM site_event WHERE site = ?", (self.config.site,))[0]
            )
            rows = tx.all(
                "SELECT seq, payload, at FROM site_event WHERE site = ? AND kind = 'call' AND seq <= ? "
                "ORDER BY seq DESC LIMIT ?",
                (self.config.site, head, HISTORY),
            )
            calls = []
            for seq, raw, at in rows:
                if datetime.fromisoformat(at).astimezone(zone).date().isoformat() != day:
                    break
                payload = tx.d.load_json(raw)
                if isinstance(payload, dict) and self.shows(payload):
                    calls.append(self.call(int(seq), payload, at))
                if len(calls) >= self.recent:
                    break
        return list(reversed(calls)), head


def _sse(kind: str, data: Any, seq: int | None = None) -> str:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    head = f"id: {seq}\n" if seq is not None else ""
    return f"{head}event: {kind}\ndata: {text}\n\n"


async def _stream(
    store: Store, open_view: Callable[[], View], closing: threading.Event
) -> AsyncIterator[str]:
    view = await anyio.to_thread.run_sync(open_view)
    site = view.config.site
    waiter = _Waiter()
    notifier = live_store.notifier()
    notifier.subscribe(site, waiter)
    try:
        calls, last = await anyio.to_thread.run_sync(view.history, store)
        waiting = await anyio.to_thread.run_sync(view.waiting, store)
        yield "retry: 1000\n\n"
        yield _sse(
            "snapshot",
            {
                "site": view.site(),
                "now": datetime.now(UTC).isoformat(),
                "calls": calls,
                "waiting": waiting,
                "last": last,
            },
            last,
        )
        pinged = checked = time.monotonic()
        settings_at = view.config.updated_at
        while not closing.is_set():
            waiter.event.clear()  # before the read: a poke during it is not lost
            found, head = await anyio.to_thread.run_sync(live_store.events_since, store, site, last, 500)
            if last > head:  # the hub's store was replaced: start the page over
                return
            changed = False
            for event in found:
                last = event["seq"]
                payload = event["payload"]
                if event["kind"] == "call" and isinstance(payload, dict) and view.shows(payload):
                    yield _sse("call", view.call(last, payload, datetime.now(UTC).isoformat()), last)
                elif event["kind"] == "ticket":
                    changed = True
            if changed:
                counts = await anyio.to_thread.run_sync(view.waiting, store)
                if counts != waiting:
                    waiting = counts
                    yield _sse("waiting", {"waiting": waiting})
            if len(found) == 500:
                continue
            now = time.monotonic()
            if now - checked >= SETTINGS_POLL_S:
                checked = now
                if await anyio.to_thread.run_sync(display_settings.version, store, site) != settings_at:
                    view = await anyio.to_thread.run_sync(open_view)
                    settings_at = view.config.updated_at
                    yield _sse("site", view.site())
                    waiting = await anyio.to_thread.run_sync(view.waiting, store)
                    yield _sse("waiting", {"waiting": waiting})
            if now - pinged >= PING_S:
                pinged = now
                yield ": ping\n\n"
            with anyio.move_on_after(POLL_S):
                await waiter.event.wait()
    finally:
        notifier.unsubscribe(site, waiter)


# ---- the endpoints --------------------------------------------------------------------------


def _list(text: str | None) -> list[str] | None:
    items = [t.strip() for t in (text or "").split(",") if t.strip()]
    return items or None


def register_display(app: FastAPI, store: Store, admin: Callable[..., Any]) -> None:
    """Add the display endpoints to `app`; `admin` is the app's admin-token dependency."""
    display_settings.create_schema(store)
    closing: threading.Event = getattr(app.state, "live_closing", None) or threading.Event()
    app.state.live_closing = closing

    def site_of(site: str | None) -> str:
        if site:
            return site
        known = display_settings.sites(store)
        if len(known) == 1:  # a one-site hub (a small MPP): no need to say which
            return known[0]
        raise HTTPException(422, "site_required")

    @app.get("/display", response_class=HTMLResponse)
    def page() -> HTMLResponse:
        return HTMLResponse(_page(), headers={"Cache-Control": "no-cache"})

    @app.get("/display/events", response_model=None)
    async def events(
        site: str | None = Query(None, pattern=_SITE),
        profile: str | None = Query(None, pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$"),
        services: str | None = Query(None, pattern=_LIST),
        counters: str | None = Query(None, pattern=_LIST),
    ) -> Any:
        code = await anyio.to_thread.run_sync(site_of, site)

        def open_view() -> View:
            return View(store, display_settings.load(store, code), profile, _list(services), _list(counters))

        try:
            await anyio.to_thread.run_sync(open_view)  # an unknown profile is refused here
        except LoketError as exc:
            raise HTTPException(404, exc.key) from None
        return StreamingResponse(
            _stream(store, open_view, closing),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.get("/display/voice/{clip}.ogg", response_model=None)
    def voice(clip: str, site: str | None = Query(None, pattern=_SITE)) -> Any:
        folder = display_settings.load(store, site).doc["voice_dir"] if site else ""
        path = clip_file(clip, folder or None)
        if path is None:
            raise HTTPException(404, "no_such_clip")
        return FileResponse(
            path,
            media_type=AUDIO_TYPES.get(path.suffix, "application/octet-stream"),
            headers={"Cache-Control": "max-age=300"},
        )

    @app.get("/display/logo.png", response_model=None)
    def logo(site: str | None = Query(None, pattern=_SITE)) -> Any:
        data = display_settings.logo(store, site_of(site))
        if data is None:
            raise HTTPException(404, "no_logo")
        return Response(data, media_type="image/png", headers={"Cache-Control": "max-age=300"})

    @app.get("/api/v1/display/settings")
    def settings(site: str = Query(..., pattern=_SITE), who: Any = Depends(admin)) -> dict[str, Any]:
        config = display_settings.load(store, site)
        return {"site": site, **config.doc, "logo": config.has_logo, "updated_at": config.updated_at}

    @app.patch("/api/v1/display/settings")
    def change(
        site: str = Query(..., pattern=_SITE), changes: dict[str, Any] = Body(...), who: Any = Depends(admin)
    ) -> dict[str, Any]:
        try:
            config = display_settings.update(store, site, changes)
        except LoketError as exc:
            raise HTTPException(
                422, {"detail": exc.key, "field": getattr(exc, "field", None), "message": exc.message("en")}
            ) from None
        return {"site": site, **config.doc, "logo": config.has_logo, "updated_at": config.updated_at}

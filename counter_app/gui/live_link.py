"""The site hub link for the window: `sync.live.LiveLink` (its own threads: the push, the event
stream) wrapped in a QObject whose signals carry the link's news to the UI thread.

The link calls back on its own threads; emitting a signal of an object that lives in the UI
thread is queued by Qt, so the slots (the queue table, the status bar, the banner) always run
on the UI thread. Nothing here waits on the network: `start()` starts threads, `close()` stops
them (at exit and at log-out).
"""

from __future__ import annotations

import logging
from typing import Any

from PySide6.QtCore import QObject, Signal

from counter_app.core.errors import LoketError
from counter_app.services import live_queue
from counter_app.services.context import Context

log = logging.getLogger(__name__)

LIVE = "live"
OFFLINE = "offline"
CONNECTING = "connecting"


class LiveConnection(QObject):
    """One counter's link to its hub while a window is logged in."""

    state_changed = Signal(str)  # live | offline | connecting
    events_applied = Signal(int)  # how many events of the site were just applied locally

    def __init__(self, ctx: Context, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.link = live_queue.make_link(ctx, on_state=self.state_changed.emit, on_applied=self._applied)

    @property
    def active(self) -> bool:
        return self.link is not None

    @property
    def state(self) -> str:
        return self.link.state if self.link is not None else OFFLINE

    @property
    def server(self) -> str:
        return self.link.server if self.link is not None else ""

    @property
    def last_event(self) -> int:
        return self.link.last_event_seq if self.link is not None else 0

    def hub_name(self) -> str:
        """What the status bar names: the site the hub answered for (else its address; the
        address is in the tooltip)."""
        if self.link is None:
            return ""
        site = (self.link.device or {}).get("site")
        return str(site) if site else self.link.server.split("://", 1)[-1]

    def _applied(self, events: list[dict[str, Any]]) -> None:
        self.events_applied.emit(len(events))  # from the link's thread: queued to the UI

    def start(self) -> None:
        """`ctx.live` is the link from now on: registration and call-next go to the hub."""
        if self.link is None:
            return
        self.ctx.live = self.link
        self.link.start()

    def close(self, *, say_closed: bool = True) -> None:
        """Stop the threads, tell the board the counter closed (best effort, short timeouts)."""
        link = self.link
        if link is None:
            return
        self.link = None
        if say_closed:
            try:
                live_queue.say_closed(self.ctx)
            except LoketError as exc:  # the hub refused: the board shows it offline soon anyway
                log.warning("counter state at close: %s", exc)
        try:
            link.close()
        finally:
            if self.ctx.live is link:
                self.ctx.live = None

"""The nightly sync in the window: a timer for the setting `sync_time`, a catch-up at start-up,
and `run_sync` on a worker thread with progress and the outcome coming back by signal.

Self-contained: the window connects `progress` and `finished` to its status bar and a
"Sinkronkan sekarang" action to `sync_now()`. Scheduled runs act as the machine
(`system:nightly-sync`, supervisor rights: the admin who set the server up chose this); a run
started by hand acts as the given user, whose role must allow syncing.

The schedule's rules (`services.sync_schedule`) load the sync client (httpx and the protocol,
~100 ms): they are imported where they are used, and on a PC with no server set the first look at
the schedule waits `catch_up_delay_ms` after `start()`, so the window's start never pays for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from counter_app.core.errors import LoketError
from counter_app.core.i18n import t
from counter_app.core.roles import Actor, Role
from counter_app.gui.background import Background
from counter_app.services.context import Context

NIGHTLY_ACTOR = Actor("system:nightly-sync", Role.SUPERVISOR)
MAX_WAIT_MS = 15 * 60 * 1000  # re-check at least this often (sleep, clock changes)
STAGE_KEYS = {
    "backup": "sync.stage.backup",
    "connect": "sync.stage.connect",
    "done": "sync.stage.done",
    "pull": "sync.stage.pull",
    "push": "sync.stage.push",
    "reconcile": "sync.stage.reconcile",
}

Runner = Callable[..., Any]


def run_sync(ctx: Context, **kwargs: Any) -> Any:
    """`services.sync.run_sync`, imported when a sync runs."""
    from counter_app.services import sync

    return sync.run_sync(ctx, **kwargs)


class NightlySync(QObject):
    started = Signal()
    progress = Signal(str)  # a line for the status bar
    finished = Signal(bool, str)  # ok, the outcome in words
    bug = Signal(object)  # an unexpected exception, for the window's error path

    def __init__(
        self,
        ctx: Context,
        parent: QObject | None = None,
        *,
        run: Runner = run_sync,
        catch_up_delay_ms: int = 60_000,
    ) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._run = run
        self.catch_up_delay_ms = catch_up_delay_ms
        self.background = Background(self)  # the GUI's one worker (gui/background.py)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.timeout.connect(self._tick)
        self._due: datetime | None = None
        self._deferred_from: datetime | None = None  # start()'s moment, its schedule not read yet
        self._retries = 0
        self._running = False
        self.last_text = ""

    # -- the schedule (the rules are services.sync_schedule; this object only waits) --

    def now(self) -> datetime:
        return self.ctx.clock.now()

    def sync_time(self) -> time:
        from counter_app.services import sync_schedule as schedule

        return schedule.sync_time(self.ctx)

    def last_scheduled(self, now: datetime | None = None) -> datetime:
        """The latest scheduled moment at or before `now` (aware)."""
        from counter_app.services import sync_schedule as schedule

        return schedule.last_scheduled(self.ctx, now or self.now())

    def next_scheduled(self, now: datetime | None = None) -> datetime:
        from counter_app.services import sync_schedule as schedule

        return schedule.next_scheduled(self.ctx, now or self.now())

    def is_configured(self) -> bool:
        from counter_app.services import sync_schedule as schedule

        return schedule.is_configured(self.ctx)

    def catch_up_due(self, now: datetime | None = None) -> bool:
        """The PC was off (or the program closed) at the last scheduled time."""
        from counter_app.services import sync_schedule as schedule

        return schedule.catch_up_due(self.ctx, now or self.now())

    @property
    def running(self) -> bool:
        return self._running

    @property
    def due(self) -> datetime | None:
        return self._due

    def start(self) -> None:
        """Arm the timer; run soon if last night's sync was missed."""
        self.ctx.reload_settings()
        now = self.now()
        if not self.ctx.setting("sync_server"):
            # Not set up: nothing to catch up, the next run is the next scheduled moment from
            # now (as `due_at_start` says); worked out at the first tick, off the window's start.
            self._deferred_from = now
            self.timer.start(min(max(self.catch_up_delay_ms, 0), MAX_WAIT_MS))
            return
        from counter_app.services import sync_schedule as schedule

        self._due = schedule.due_at_start(self.ctx, now, timedelta(milliseconds=self.catch_up_delay_ms))
        self._arm()

    def stop(self) -> None:
        self.timer.stop()
        self._due = None
        self._deferred_from = None

    def _arm(self) -> None:
        if self._due is None:
            return
        wait = (self._due - self.now()).total_seconds() * 1000
        self.timer.start(int(min(max(wait, 0), MAX_WAIT_MS)))

    def _tick(self) -> None:
        if self._deferred_from is not None:
            self._due = self.next_scheduled(self._deferred_from)
            self._deferred_from = None
        now = self.now()
        if self._due is not None and now >= self._due and not self.running:
            self.ctx.reload_settings()
            if self.is_configured():
                self._start_job(NIGHTLY_ACTOR, scheduled=True)
            self._due = self.next_scheduled(now)
        self._arm()

    # -- running --

    def sync_now(self, actor: Actor | None = None) -> bool:
        """Start a sync by hand; False if one is already running or sync is not set up."""
        if self.running:
            return False
        self.ctx.reload_settings()
        if not self.is_configured():
            self.last_text = t("gui.sync.not_configured")
            self.finished.emit(False, self.last_text)
            return False
        self._start_job(actor or self.ctx.actor, scheduled=False)
        return True

    def _start_job(self, actor: Actor, *, scheduled: bool) -> None:
        ctx = replace(self.ctx, actor=actor, _settings=None)
        self._running = True
        self.started.emit()
        self.progress.emit(t("sync.stage.backup"))
        self.background.submit(
            lambda progress: self._run(ctx, progress=progress),
            lambda result: self._on_done(result, scheduled),
            lambda exc: self._on_failed(exc, scheduled),
            self._on_progress,
        )

    def _release(self) -> None:
        self._running = False

    def _on_progress(self, stage: str, done: int, total: int) -> None:
        self.progress.emit(t(STAGE_KEYS[stage], done=done, total=total))

    def _on_done(self, result: Any, scheduled: bool) -> None:
        self._release()
        self._retries = 0
        self.ctx.reload_settings()
        self.last_text = result.text() if hasattr(result, "text") else str(result)
        self.finished.emit(True, self.last_text)

    def _on_failed(self, exc: BaseException, scheduled: bool) -> None:
        self._release()
        self.ctx.reload_settings()
        if isinstance(exc, LoketError):
            self.last_text = t("sync.failed", message=exc.message())
        else:
            self.last_text = t("sync.failed", message=t("sync.failed_bug"))
            self.bug.emit(exc)
        from counter_app.services import sync_schedule as schedule

        if scheduled and self._retries < schedule.RETRIES:
            self._retries += 1
            self._due = schedule.retry_at(self.ctx, self._due, self.now())
            self._arm()
        self.finished.emit(False, self.last_text)

    def wait(self, msecs: int = 30_000) -> bool:
        """Block until the running sync is over (closing the window, tests)."""
        return self.background.wait(msecs)

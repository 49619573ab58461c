"""Slow work (PDFs, printing, the nightly sync) off the UI thread; results, failures and
progress come back to the UI thread by signal. The one worker of the GUI: every screen that
needs a thread uses this, so the rules below are written once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from counter_app.services.usecase import close_thread_store


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(object)  # a tuple of the job's progress arguments


class _Job(QRunnable):
    def __init__(self, fn: Callable[..., Any], signals: _Signals, with_progress: bool) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.with_progress = with_progress
        self.setAutoDelete(True)

    def run(self) -> None:
        signals = self.signals
        try:
            if self.with_progress:
                result = self.fn(lambda *args: signals.progress.emit(args))
            else:
                result = self.fn()
        except BaseException as exc:
            signals.failed.emit(exc)
        else:
            signals.done.emit(result)
        finally:
            # Each thread has its own SQLite connection (peewee keeps them per thread).
            close_thread_store()


class Background(QObject):
    """One worker thread: jobs run in the order given (receipts print in the order issued)."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._pending: set[_Signals] = set()

    def submit(
        self,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None],
        on_failed: Callable[[BaseException], None],
        on_progress: Callable[..., None] | None = None,
    ) -> None:
        """Run `fn` on the worker. With `on_progress`, `fn` gets a `progress(*args)` callable
        whose calls arrive, in order, as `on_progress(*args)` on the UI thread."""
        # A child of this object, living in the UI thread (its slots run there) and deleted
        # there: the worker may drop the last Python reference to it, which must not delete it.
        signals = _Signals(self)
        self._pending.add(signals)

        def finish(handler: Callable[[Any], None], value: Any) -> None:
            self._pending.discard(signals)
            signals.deleteLater()
            if not self._pending:
                self.busy_changed.emit(False)
            handler(value)

        signals.done.connect(lambda value: finish(on_done, value))
        signals.failed.connect(lambda exc: finish(on_failed, exc))
        if on_progress is not None:
            signals.progress.connect(lambda args: on_progress(*args))
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self.pool.start(_Job(fn, signals, on_progress is not None))

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every job has run (closing the window, tests)."""
        return self.pool.waitForDone(msecs)

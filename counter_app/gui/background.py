"""Slow work (PDFs, printing) off the UI thread; results come back to the UI thread by signal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from counter_app.services.usecase import close_thread_store


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], signals: _Signals) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the UI thread's error path
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)
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
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_failed: Callable[[BaseException], None],
    ) -> None:
        signals = _Signals()  # lives in the UI thread: its slots run there
        self._pending.add(signals)

        def finish(handler: Callable[[Any], None], value: Any) -> None:
            self._pending.discard(signals)
            if not self._pending:
                self.busy_changed.emit(False)
            handler(value)

        signals.done.connect(lambda value: finish(on_done, value))
        signals.failed.connect(lambda exc: finish(on_failed, exc))
        if len(self._pending) == 1:
            self.busy_changed.emit(True)
        self.pool.start(_Job(fn, signals))

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every job has run (closing the window, tests)."""
        return self.pool.waitForDone(msecs)

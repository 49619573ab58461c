"""The one error path: expected problems as a clear message, bugs logged and reported as bugs.

`install` points `sys.excepthook` and `threading.excepthook` here; screens wrap their actions
with `guarded`, which turns database file failures into `StoreError`s and shows any
`LoketError` in the user's language. Everything else is a bug: its traceback goes to
`<data_dir>/logs/loket.log` and the dialog says where.
"""

from __future__ import annotations

import functools
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any, ParamSpec, TypeVar

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.core.errors import LoketError
from counter_app.core.i18n import t
from counter_app.gui.widgets import prompts

log = logging.getLogger("loket")

P = ParamSpec("P")
R = TypeVar("R")

_state: dict[str, Any] = {"log_path": None, "bridge": None}


def log_path() -> Path | None:
    return _state["log_path"]


def setup_logging(data_dir: Path | None) -> Path | None:
    """The program's one log (`core/logs.py`): `<data_dir>/logs/loket.log`, owner-only, else
    the user's state folder when the data folder is unusable."""
    from counter_app.core import logs

    _state["log_path"] = logs.setup_logging(data_dir)
    return _state["log_path"]


class _Bridge(QObject):
    """Carries an exception from any thread to the UI thread, where dialogs may be shown."""

    raised = Signal(object)


def _active_window() -> QWidget | None:
    app = QApplication.instance()
    return app.activeWindow() if isinstance(app, QApplication) else None


def report(exc: BaseException, parent: QWidget | None = None) -> None:
    """Show `exc` to the user: its message if expected, otherwise a bug notice (and log it)."""
    parent = parent or _active_window()
    if isinstance(exc, LoketError):
        log.info("%s: %s", type(exc).__name__, exc.key)
        prompts.warn(parent, t("gui.error.title"), exc.message())
        return
    log.error("bug", exc_info=(type(exc), exc, exc.__traceback__))
    where = log_path()
    text = t("gui.error.bug", detail=f"{type(exc).__name__}: {exc}")
    if where:
        text += "\n\n" + t("gui.error.logged", path=str(where))
    prompts.critical(parent, t("gui.error.bug_title"), text)


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, tb)
        return
    if exc.__traceback__ is None:
        exc = exc.with_traceback(tb)
    bridge = _state["bridge"]
    if bridge is not None and threading.current_thread() is not threading.main_thread():
        bridge.raised.emit(exc)
    else:
        report(exc)


def _thread_excepthook(args: threading.ExceptHookArgs) -> None:
    if args.exc_value is not None:
        _excepthook(args.exc_type, args.exc_value, args.exc_traceback)


def install(data_dir: Path | None) -> None:
    setup_logging(data_dir)
    bridge = _Bridge()
    bridge.raised.connect(report)
    _state["bridge"] = bridge
    sys.excepthook = _excepthook
    threading.excepthook = _thread_excepthook


def guarded(method: Callable[P, R]) -> Callable[P, R | None]:
    """For a screen's action method: LoketErrors (and database file failures) become a message.

    The widget's `ctx.data_dir`, when it has one, names the database in store messages.
    """

    # Here, not at the top: the error path is installed before any store (and peewee) is needed.
    from counter_app.services.usecase import usecase

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | None:
        owner = args[0] if args else None
        try:
            with usecase(getattr(owner, "ctx", None)):
                return method(*args, **kwargs)
        except LoketError as exc:
            report(exc, owner if isinstance(owner, QWidget) else None)
            return None

    return wrapper

"""Shared fixtures: a fresh store on disk per test, a clock that only moves when told."""

from __future__ import annotations

import os

# Before anything imports Qt: CI has no display (pytest-qt aborts without one).
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.pop("COUNTER_APP_DATA_DIR", None)
# A message rendered without one of its parameters raises (core/i18n.py), here and in the
# CLI processes the tests start, instead of showing a hole.
os.environ.setdefault("LOKET_I18N_STRICT", "1")

import gc
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from counter_app.core import i18n
from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.services.context import Context
from counter_app.services.setup import initialise
from counter_app.store.connection import close_db

WIB = ZoneInfo("Asia/Pontianak")
ADMIN_PASSWORD = "rahasia-admin-1"


@pytest.fixture(autouse=True)
def _language() -> Iterator[None]:
    i18n.set_language("id")
    yield
    i18n.set_language("id")


@pytest.fixture
def clock() -> FixedClock:
    """Monday 2026-11-30, 08:00 WIB."""
    return FixedClock(datetime(2026, 11, 30, 8, 0, tzinfo=WIB))


@pytest.fixture
def data_dir(tmp_path: Path, clock: FixedClock) -> Iterator[Path]:
    """An initialised store (site PTK, counter L01, admin `admin`) in a temporary folder."""
    folder = tmp_path / "data"
    initialise(folder, admin="admin", admin_password=ADMIN_PASSWORD, by="test", clock=clock)
    yield folder
    close_db()


@pytest.fixture
def ctx(data_dir: Path, clock: FixedClock) -> Context:
    """Acting as an admin at counter L01."""
    return Context(data_dir, Actor("admin", Role.ADMIN, 1), clock)


@pytest.fixture
def staff_ctx(ctx: Context) -> Context:
    return replace(ctx, actor=Actor("petugas1", Role.STAFF, 2))


@pytest.fixture
def supervisor_ctx(ctx: Context) -> Context:
    return replace(ctx, actor=Actor("koordinator", Role.SUPERVISOR, 3))


@pytest.fixture(autouse=True)
def _close_the_log() -> Iterator[None]:
    """Close the program's log file after each test that opened it (a GUI window, a CLI run
    in-process): otherwise the open file outlives the test's folder and is only found at
    interpreter exit, as an unraisable ResourceWarning no test can fail on."""
    yield
    from counter_app.core import logs

    logs.shutdown()


@pytest.fixture(autouse=True, scope="session")
def _qt_teardown() -> Iterator[None]:
    """Leave Qt tidy before the interpreter exits, if any test used it: close and delete every
    window, let worker threads finish. Otherwise widgets outlive the QApplication and the exit
    segfaults (exit code 139 after a green run)."""
    yield
    if "PySide6.QtWidgets" not in sys.modules:
        return
    from PySide6.QtCore import QCoreApplication, QEvent, QThreadPool
    from PySide6.QtWidgets import QApplication

    if QApplication.instance() is None:
        return
    for widget in QApplication.topLevelWidgets():
        widget.close()
        widget.deleteLater()
    QThreadPool.globalInstance().waitForDone(10_000)
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


@pytest.fixture
def qt_garbage_on_the_main_thread() -> Iterator[None]:
    """For tests that run server or worker threads: Qt objects left unreachable by earlier (GUI)
    tests must be destroyed on the main thread; a garbage collection that happens to start in
    another thread would destroy them there and crash the interpreter (seen: SIGSEGV in the
    uvicorn thread). So collect here, and freeze what is left for the test's duration."""
    if "PySide6" not in sys.modules:
        yield
        return
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.collect()

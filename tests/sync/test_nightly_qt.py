"""The nightly sync of the window: schedule, catch-up, a run off the UI thread, the signals."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from server.helpers import WIB

from counter_app.core.roles import Actor, Role
from counter_app.gui.nightly_sync import NIGHTLY_ACTOR, NightlySync
from counter_app.services import site_settings, tickets
from counter_app.services.context import Context
from counter_app.services.sync import last_sync, run_sync, save_token
from counter_app.store.models import db
from counter_app.sync import outbox
from counter_app.sync.client import RetryPolicy

from .conftest import Central


@pytest.fixture
def configured(ctx: Context, central: Central) -> Context:
    site_settings.set_setting(ctx, "sync_server", central.url)
    save_token(ctx.data_dir, central.token)
    return ctx


@pytest.fixture
def nightly(qtbot: QtBot, configured: Context) -> Any:
    made: list[NightlySync] = []

    def make(**kwargs: Any) -> NightlySync:
        job = NightlySync(configured, catch_up_delay_ms=0, **kwargs)
        made.append(job)
        return job

    yield make
    for job in made:
        job.stop()
        job.wait(10_000)
        job.deleteLater()
    made.clear()


def test_schedule_follows_the_setting(nightly: Any, configured: Context) -> None:
    job = nightly()
    now = configured.clock.now()  # Monday 08:00 WIB
    assert job.last_scheduled(now) == datetime(2026, 11, 29, 21, 0, tzinfo=WIB)
    assert job.next_scheduled(now) == datetime(2026, 11, 30, 21, 0, tzinfo=WIB)
    site_settings.set_setting(configured, "sync_time", "06:30")
    assert job.last_scheduled(now) == datetime(2026, 11, 30, 6, 30, tzinfo=WIB)
    assert job.last_scheduled(datetime(2026, 11, 30, 6, 30, tzinfo=WIB)) == datetime(
        2026, 11, 30, 6, 30, tzinfo=WIB
    )


def test_catches_up_at_start_when_last_night_was_missed(
    qtbot: QtBot, nightly: Any, configured: Context
) -> None:
    tickets.register(configured, service="KTP", name="Budi Santoso")
    job = nightly()
    assert job.catch_up_due()
    progress: list[str] = []
    job.progress.connect(progress.append)
    with qtbot.waitSignal(job.finished, timeout=20_000) as done:
        job.start()
    ok, text = done.args
    assert ok and "PTK-L01" in text
    assert any("Mengirim" in p for p in progress)
    assert outbox.pending_count(db) == 0
    assert not job.catch_up_due()
    assert job.due == datetime(2026, 11, 30, 21, 0, tzinfo=WIB)
    audit = db.execute_sql("SELECT actor FROM audit_log WHERE action = 'sync.run'").fetchone()
    assert audit[0] == NIGHTLY_ACTOR.username


def test_no_catch_up_after_a_recent_success(qtbot: QtBot, nightly: Any, configured: Context) -> None:
    run_sync(configured)
    job = nightly()
    assert not job.catch_up_due()
    with qtbot.assertNotEmitted(job.started, wait=200):
        job.start()
    assert job.due == datetime(2026, 11, 30, 21, 0, tzinfo=WIB)


def test_runs_at_the_scheduled_time(qtbot: QtBot, nightly: Any, configured: Context) -> None:
    run_sync(configured)
    job = nightly()
    job.start()
    assert 0 < job.timer.remainingTime() <= 15 * 60 * 1000 * 1.06  # coarse timers may run late
    tickets.register(configured, service="KTP", name="Dewi Lestari")
    configured.clock.set(datetime(2026, 11, 30, 21, 0, 5, tzinfo=WIB))  # type: ignore[attr-defined]
    with qtbot.waitSignal(job.finished, timeout=20_000) as done:
        job.timer.timeout.emit()
    assert done.args[0] is True
    assert job.due == datetime(2026, 12, 1, 21, 0, tzinfo=WIB)
    assert outbox.pending_count(db) == 0
    assert last_sync(configured).ok_at == configured.clock.now()


def test_runs_off_the_ui_thread(qtbot: QtBot, nightly: Any, configured: Context) -> None:
    threads: list[threading.Thread] = []
    release = threading.Event()

    def slow(ctx: Context, progress: Any) -> Any:
        threads.append(threading.current_thread())
        progress("push", 1, 2)
        release.wait(10)
        return run_sync(ctx, progress=progress)

    job = nightly(run=slow)
    with qtbot.waitSignal(job.started, timeout=5_000):
        assert job.sync_now(Actor("koordinator", Role.SUPERVISOR))
    assert job.running
    assert not job.sync_now()  # one at a time
    qtbot.waitUntil(lambda: bool(threads), timeout=5_000)
    qtbot.wait(50)  # the UI thread keeps handling events meanwhile
    with qtbot.waitSignal(job.finished, timeout=20_000) as done:
        release.set()
    assert done.args[0] is True
    assert threads[0] is not threading.main_thread()
    assert not job.running


def test_failure_comes_back_as_text_and_retries(
    qtbot: QtBot, nightly: Any, configured: Context, central: Central
) -> None:
    central.thread.stop()
    fast = RetryPolicy(attempts=2, base_delay=0.01)
    job = nightly(run=lambda ctx, progress: run_sync(ctx, progress=progress, retry=fast))
    with qtbot.waitSignal(job.finished, timeout=60_000) as done:
        job.start()
    ok, text = done.args
    assert not ok and text.startswith("Sinkronisasi gagal")
    assert job.due is not None and job.due <= configured.clock.now() + timedelta(minutes=30)
    assert last_sync(configured).ok is False


def test_a_bug_reaches_the_error_path(qtbot: QtBot, nightly: Any) -> None:
    def broken(ctx: Context, progress: Any) -> Any:
        raise RuntimeError("bug")

    job = nightly(run=broken)
    with qtbot.waitSignal(job.bug, timeout=5_000) as bug:
        job.sync_now()
    assert isinstance(bug.args[0], RuntimeError)
    assert job.last_text.startswith("Sinkronisasi gagal")


def test_not_configured_does_nothing(qtbot: QtBot, ctx: Context) -> None:
    job = NightlySync(ctx, catch_up_delay_ms=0)
    with qtbot.assertNotEmitted(job.started, wait=100):
        job.start()
    with qtbot.waitSignal(job.finished) as done:
        assert not job.sync_now()
    assert done.args[0] is False
    assert "belum diatur" in done.args[1] and "Pengaturan → Sinkronisasi" in done.args[1]
    job.stop()

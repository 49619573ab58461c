"""`run_sync`, the use case: who may, what it keeps on this PC, backups, the recorded outcome."""

from __future__ import annotations

import stat
from dataclasses import replace
from datetime import date

import pytest

from counter_app.core.errors import NotAllowed, ValidationError
from counter_app.services import site_settings, tickets
from counter_app.services.context import Context
from counter_app.services.demo import run_demo
from counter_app.services.sync import (
    BACKUP_KEEP,
    consolidated_text,
    last_sync,
    run_sync,
    saved_token,
    server_daily_report,
)
from counter_app.store.models import AuditLog, Setting, db
from counter_app.sync import outbox
from counter_app.sync.client import RetryPolicy, SyncError

from .conftest import Central

FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.01)


def test_staff_may_not_sync(staff_ctx: Context, central: Central) -> None:
    with pytest.raises(NotAllowed):
        run_sync(staff_ctx, central.url, central.token)


def test_supervisor_may(supervisor_ctx: Context, central: Central) -> None:
    assert run_sync(supervisor_ctx, central.url, central.token, retry=FAST).device == "PTK-L01"


def test_needs_a_server_and_a_token(ctx: Context, central: Central) -> None:
    with pytest.raises(ValidationError) as no_server:
        run_sync(ctx)
    assert no_server.value.key == "sync.no_server"
    with pytest.raises(ValidationError) as no_token:
        run_sync(ctx, central.url)
    assert no_token.value.key == "sync.no_token"
    with pytest.raises(ValidationError):
        run_sync(ctx, "ftp://example.org", central.token)


def test_first_success_saves_server_and_token(ctx: Context, central: Central) -> None:
    tickets.register(ctx, service="KTP", name="Budi Santoso")
    stages: list[str] = []
    result = run_sync(
        ctx, central.url, central.token, retry=FAST, progress=lambda stage, done, total: stages.append(stage)
    )

    assert result.to_json()["pushed"] == 1
    assert set(result.to_json()) >= {"pushed", "stored_through", "pulled", "mismatches"}
    assert stages[:2] == ["backup", "connect"] and stages[-1] == "done"
    assert {"push", "pull", "reconcile"} <= set(stages)
    assert ctx.setting("sync_server") == central.url
    token_file = ctx.data_dir / "secrets" / "sync.token"
    assert saved_token(ctx.data_dir) == central.token
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert not Setting.select().where(Setting.value.contains(central.token)).exists()

    status = last_sync(ctx)
    assert status.ok is True and status.at == ctx.clock.now() and status.ok_at == ctx.clock.now()
    assert status.result["pushed"] == 1
    assert "PTK-L01" in status.text()
    assert site_settings.stored_text(site_settings.LAST_SYNC_KEY) == "30-11-2026 08:00"

    # from now on, no arguments needed
    tickets.register(ctx, service="KTP", name="Dewi Lestari")
    assert run_sync(ctx, retry=FAST).pushed == 1
    assert outbox.pending_count(db) == 0


def test_a_failure_is_recorded_and_keeps_the_last_success(ctx: Context, central: Central) -> None:
    run_sync(ctx, central.url, central.token, retry=FAST)
    ok_at = last_sync(ctx).ok_at
    ctx.clock.advance(hours=13)  # type: ignore[attr-defined]
    central.thread.stop()
    with pytest.raises(SyncError):
        run_sync(ctx, retry=FAST)
    status = last_sync(ctx)
    assert status.ok is False and status.at == ctx.clock.now() and status.ok_at == ok_at
    assert status.result["error"] == "sync.unreachable"
    assert status.text().startswith("Sinkronisasi gagal")


def test_backups_before_each_sync_keep_the_last_14(ctx: Context, central: Central) -> None:
    for _ in range(BACKUP_KEEP + 3):
        ctx.clock.advance(seconds=1)  # type: ignore[attr-defined]
        run_sync(ctx, central.url, central.token, retry=FAST)
    copies = sorted((ctx.data_dir / "backups").glob("pre-sync-*.sqlite3"))
    assert len(copies) == BACKUP_KEEP
    assert copies[-1].name == f"pre-sync-{ctx.clock.now():%Y%m%dT%H%M%S%f}.sqlite3"


def test_sent_rows_are_forgotten_after_30_days(ctx: Context, central: Central) -> None:
    tickets.register(ctx, service="KTP", name="Budi Santoso")
    run_sync(ctx, central.url, central.token, retry=FAST)
    assert db.execute_sql('SELECT COUNT(*) FROM "outbox"').fetchone()[0] == 1
    ctx.clock.advance(days=31)  # type: ignore[attr-defined]
    run_sync(ctx, retry=FAST)
    assert db.execute_sql('SELECT COUNT(*) FROM "outbox"').fetchone()[0] == 0
    tickets.register(ctx, service="KTP", name="Dewi Lestari")  # numbering goes on
    assert db.execute_sql('SELECT MIN("seq") FROM "outbox"').fetchone()[0] == 2


def test_each_sync_runs_the_days_retention_purge(ctx: Context, central: Central) -> None:
    # Issue 15, point 1: the purge runs after each nightly sync (once a local day).
    from counter_app.core.clock import local_day
    from counter_app.services import privacy

    assert privacy.last_purge(ctx) is None
    run_sync(ctx, central.url, central.token, retry=FAST)
    first = privacy.last_purge(ctx)
    assert first is not None and first["day"] == str(local_day(ctx.clock.now(), ctx.tz))
    ctx.clock.advance(days=1)  # type: ignore[attr-defined]
    run_sync(ctx, retry=FAST)
    second = privacy.last_purge(ctx)
    assert second is not None and second["day"] == str(local_day(ctx.clock.now(), ctx.tz))
    entries = AuditLog.select().where(AuditLog.action == "retention.purge").count()
    assert entries == 2


def test_consolidated_report_from_the_server(ctx: Context, central: Central) -> None:
    run_demo(ctx, date(2026, 11, 27), 30, seed=2)
    run_sync(ctx, central.url, central.token, retry=FAST)
    figures = server_daily_report(ctx, "2026-11-27", retry=FAST)
    assert figures["totals"]["registered"] >= 30
    assert figures["scope"]["devices"] == ["PTK-L01"]
    with pytest.raises(NotAllowed):
        server_daily_report(replace(ctx, actor=replace(ctx.actor, role=ctx.actor.role.STAFF)), "2026-11-27")


def test_consolidated_summary_as_text(ctx: Context, central: Central) -> None:
    run_demo(ctx, date(2026, 11, 27), 20, seed=3)
    run_sync(ctx, central.url, central.token, retry=FAST)
    text = consolidated_text(server_daily_report(ctx, "2026-11-27", retry=FAST), "id")
    lines = text.splitlines()
    assert lines[0].startswith("Rekap gabungan server:") and "1 perangkat" in lines[0]
    assert lines[1].startswith("Terdaftar ")
    assert lines[-1].lstrip().startswith("PTK-L01")

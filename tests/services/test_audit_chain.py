"""The audit chain (issue 10, point 6, the local side): triggers keep tickets, their events and
audit rows (schema v4); the one purge path is audited; `audit verify` reports a damaged row
with its sequence number and exit 1, never a traceback; the head is there for the anchors."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import peewee
import pytest

from counter_app.core.clock import FixedClock, day_bounds_utc
from counter_app.services import journal, tickets
from counter_app.services.context import Context
from counter_app.store import migrations
from counter_app.store.connection import DB_NAME, close_db, init_db
from counter_app.store.models import AuditLog, Ticket, TicketEvent, db


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    cmd = [sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def history(ctx: Context) -> Ticket:
    t = tickets.register(ctx, service="KTP", name="Budi Santoso").ticket
    tickets.register(ctx, service="KTP", name="Siti Aminah")
    tickets.call_next(ctx, "L01")
    tickets.start(ctx, t.id)
    return t


# ---- triggers (schema v4) ------------------------------------------------------------------


def test_a_version_3_store_gets_the_triggers(tmp_path: Path) -> None:
    """A store written by the v3 release (tests/data) gains the v4 triggers when opened."""
    folder = tmp_path / "v3"
    folder.mkdir()
    shutil.copyfile(Path(__file__).parents[1] / "data" / "store-v3.sqlite3", folder / "loket.sqlite3")
    old = sqlite3.connect(folder / "loket.sqlite3")
    try:
        assert old.execute("PRAGMA user_version").fetchone()[0] == 3
        tickets = old.execute('SELECT COUNT(*) FROM "ticket"').fetchone()[0]
        ticket_id = old.execute('SELECT "id" FROM "ticket" LIMIT 1').fetchone()[0]
        old.execute('DELETE FROM "outbox"')  # v3 allowed any delete: proves the starting point
        old.commit()
    finally:
        old.close()
    init_db(folder)
    try:
        assert db.execute_sql("PRAGMA user_version").fetchone()[0] == migrations.LATEST >= 4
        for sql in (
            'DELETE FROM "ticket_event" WHERE "ticket_id" = ?',
            'DELETE FROM "ticket" WHERE "id" = ?',
        ):
            with pytest.raises(peewee.IntegrityError):
                db.execute_sql(sql, (ticket_id,))
        with pytest.raises(peewee.IntegrityError):
            db.execute_sql('DELETE FROM "audit_log"')
        assert Ticket.select().count() == tickets and TicketEvent.select().count() >= 1
    finally:
        close_db()
    assert list((folder / "backups").glob("pre-migrate-v3-*.sqlite3"))


def test_the_sqlite_tool_cannot_delete_either(data_dir: Path, ctx: Context) -> None:
    history(ctx)
    close_db()
    con = sqlite3.connect(data_dir / DB_NAME)
    try:
        for sql in (
            "DELETE FROM ticket",
            "DELETE FROM ticket_event",
            "DELETE FROM audit_log",
            "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
            "UPDATE audit_log SET actor = 'mallory'",
        ):
            with pytest.raises(sqlite3.IntegrityError):
                con.execute(sql)
        con.rollback()
        assert con.execute("SELECT count(*) FROM ticket").fetchone()[0] == 2
    finally:
        con.close()


def test_the_purge_permit_is_the_one_audited_way_to_delete(ctx: Context, clock: FixedClock) -> None:
    t = history(ctx)
    before = AuditLog.select().count()
    with journal.purge_permit(clock, "admin", "retention", {"tickets": 1}):
        db.execute_sql('DELETE FROM "receipt" WHERE "ticket_id" = ?', (t.id,))
        db.execute_sql('DELETE FROM "ticket_event" WHERE "ticket_id" = ?', (t.id,))
        db.execute_sql('DELETE FROM "ticket" WHERE "id" = ?', (t.id,))
    assert Ticket.select().count() == 1
    last = AuditLog.select().order_by(AuditLog.id.desc()).get()
    assert AuditLog.select().count() == before + 1
    assert (last.action, last.subject, last.detail) == ("retention.purge", "retention", {"tickets": 1})
    assert db.execute_sql('SELECT count(*) FROM "purge_permit"').fetchone()[0] == 0
    with pytest.raises(peewee.IntegrityError):  # the permit does not outlive its transaction
        db.execute_sql('DELETE FROM "ticket"')
    with pytest.raises(peewee.IntegrityError):  # and never covers the audit log itself
        with journal.purge_permit(clock, "admin", "retention"):
            db.execute_sql('DELETE FROM "audit_log"')
    assert AuditLog.select().count() == before + 1  # the failed purge left no entry
    assert journal.verify_chain()[0] is True


# ---- verify ---------------------------------------------------------------------------------


def _tamper(sql: str, *params: object) -> None:
    db.execute_sql('DROP TRIGGER IF EXISTS "audit_log_no_update"')
    db.execute_sql(sql, params)


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ("UPDATE audit_log SET detail = '{bad' WHERE id = ?", "damaged"),
        ("UPDATE audit_log SET detail = x'ff' WHERE id = ?", "damaged"),
        ("UPDATE audit_log SET at = x'00' WHERE id = ?", "damaged"),
        ("UPDATE audit_log SET detail = NULL WHERE id = ?", "altered"),
        ("UPDATE audit_log SET hash = 'f00d' WHERE id = ?", "altered"),
        ("UPDATE audit_log SET actor = 'mallory' WHERE id = ?", "altered"),
    ],
)
def test_a_damaged_row_is_reported_with_its_sequence(ctx: Context, sql: str, reason: str) -> None:
    history(ctx)
    seq = AuditLog.select().order_by(AuditLog.id).offset(2).get().id
    _tamper(sql, seq)
    result = journal.check_chain()
    assert (result.intact, result.broken_at, result.reason) == (False, seq, reason)


def test_audit_verify_reports_a_damaged_row_without_a_traceback(data_dir: Path, ctx: Context) -> None:
    history(ctx)
    seq = AuditLog.select().order_by(AuditLog.id).offset(1).get().id
    _tamper("UPDATE audit_log SET detail = '{bad' WHERE id = ?", seq)
    close_db()
    proc = run(data_dir, "--json", "audit", "verify")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(proc.stdout)
    assert (data["intact"], data["broken_at"], data["reason"]) == (False, seq, "damaged")
    text = run(data_dir, "--lang", "en", "audit", "verify")
    assert text.returncode == 1 and f"no. {seq}" in text.stdout and "damaged" in text.stdout


# ---- the head, for the anchors --------------------------------------------------------------


def test_chain_head_and_contains(ctx: Context, clock: FixedClock) -> None:
    history(ctx)
    last = AuditLog.select().order_by(AuditLog.id.desc()).get()
    assert journal.chain_head() == (last.id, last.hash)
    assert journal.chain_contains(last.id, last.hash)
    assert not journal.chain_contains(last.id, "0" * 64)
    assert not journal.chain_contains(last.id + 1, last.hash)
    assert journal.check_chain().head == (last.id, last.hash)
    # the day's head: the last entry before the end of that local day
    day_end = day_bounds_utc(clock.now().date())[1]
    clock.advance(days=1)
    tickets.register(ctx, service="KTP", name="Ani")
    end_iso = day_end.isoformat(timespec="microseconds") + "+00:00"
    assert journal.chain_head(before=end_iso) == (last.id, last.hash)
    assert journal.chain_head() != (last.id, last.hash)

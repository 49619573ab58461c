"""The local store: pragmas, schema version, refusing newer/corrupt files, locks, migrations,
and the audit hash chain."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import peewee
import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import StoreError
from counter_app.core.roles import Actor, Role
from counter_app.services import journal, tickets
from counter_app.services.context import Context
from counter_app.services.setup import initialise
from counter_app.store import migrations
from counter_app.store.connection import DB_NAME, close_db, init_db, store_errors
from counter_app.store.models import AuditLog, Ticket, db


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file in the folder: bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def raw(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(data_dir / DB_NAME, isolation_level=None)


# ---- pragmas and version -------------------------------------------------------------------


def test_pragmas_of_an_open_store(data_dir: Path) -> None:
    def pragma(name: str) -> object:
        return db.execute_sql(f"PRAGMA {name}").fetchone()[0]

    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL: a printed ticket survives a power cut
    assert pragma("foreign_keys") == 1
    assert pragma("user_version") == migrations.LATEST
    assert pragma("integrity_check") == "ok"


def test_the_file_itself_is_in_wal_mode(data_dir: Path) -> None:
    close_db()
    con = raw(data_dir)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert con.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST
    finally:
        con.close()


def test_opening_without_a_store_does_not_create_one(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as info:
        init_db(tmp_path / "nothing")
    assert info.value.key == "store.missing"
    assert "counter-app init" in info.value.message("en")
    assert not (tmp_path / "nothing" / DB_NAME).exists()


def test_initialise_twice_changes_nothing(data_dir: Path, clock: FixedClock) -> None:
    audit_before = AuditLog.select().count()
    close_db()
    again = initialise(data_dir, admin="other", admin_password="kata-sandi-9", by="test", clock=clock)
    assert again is False
    assert AuditLog.select().count() == audit_before
    from counter_app.store.models import Staff

    assert [s.username for s in Staff.select()] == ["admin"]


def _make_newer(data_dir: Path) -> None:
    close_db()
    con = raw(data_dir)
    con.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    con.close()


def test_newer_file_is_refused_and_left_untouched(data_dir: Path) -> None:
    _make_newer(data_dir)
    before = snapshot(data_dir)
    with pytest.raises(StoreError) as info:
        init_db(data_dir)
    assert info.value.key == "store.newer"
    assert info.value.params["version"] == migrations.LATEST + 1
    assert info.value.params["supported"] == migrations.LATEST
    assert snapshot(data_dir) == before
    assert not (data_dir / "backups").exists()


def test_newer_file_in_rollback_journal_mode_is_left_untouched(tmp_path: Path) -> None:
    """A newer Loket (or a copy made with the sqlite3 tool) need not be in WAL mode. The
    message promises "the file was not changed", so opening must not switch its journal mode."""
    folder = tmp_path / "data"
    folder.mkdir()
    con = sqlite3.connect(folder / DB_NAME)
    con.execute("CREATE TABLE future (x)")
    con.execute(f"PRAGMA user_version = {migrations.LATEST + 5}")
    con.commit()
    con.close()
    before = snapshot(folder)
    with pytest.raises(StoreError) as info:
        init_db(folder)
    assert info.value.key == "store.newer"
    assert snapshot(folder) == before


@pytest.mark.parametrize("size", [16, 4096, 20000])
def test_corrupt_file_is_refused(tmp_path: Path, size: int) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    junk = bytes((i * 131 + 7) % 256 for i in range(size))
    (folder / DB_NAME).write_bytes(junk)
    with pytest.raises(StoreError) as info:
        init_db(folder)
    assert info.value.key == "store.damaged"
    assert (folder / DB_NAME).read_bytes() == junk


def test_random_bytes_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    junk = os.urandom(8192)
    (folder / DB_NAME).write_bytes(junk)
    with pytest.raises(StoreError) as info:
        init_db(folder)
    assert info.value.key == "store.damaged"


# ---- locks ----------------------------------------------------------------------------------


@pytest.fixture
def locker(data_dir: Path) -> Iterator[sqlite3.Connection]:
    """Another program holding the write lock."""
    close_db()
    con = raw(data_dir)
    con.execute("BEGIN EXCLUSIVE")
    yield con
    con.rollback()
    con.close()


def test_locked_store_gives_a_clear_error(
    data_dir: Path, clock: FixedClock, ctx: Context, locker: sqlite3.Connection
) -> None:
    init_db(data_dir, busy_timeout_ms=100)
    with pytest.raises(StoreError) as info:
        with store_errors(data_dir / DB_NAME):
            tickets.register(ctx, service="KTP", name="Budi Santoso")
    assert info.value.key == "store.locked"
    assert str(data_dir / DB_NAME) in info.value.message("id")
    locker.rollback()
    # Once the other program lets go, the same registration goes through, numbered from 1.
    assert tickets.register(ctx, service="KTP", name="Budi Santoso").ticket.code == "A001"


def test_store_errors_passes_other_exceptions_through() -> None:
    with pytest.raises(ValueError):
        with store_errors("x"):
            raise ValueError("not ours")
    with pytest.raises(peewee.IntegrityError):
        with store_errors("x"):
            raise peewee.IntegrityError("UNIQUE constraint failed")
    full = sqlite3.OperationalError("database or disk is full")
    full.sqlite_errorcode = sqlite3.SQLITE_FULL  # classified by SQLite's code, not the text
    with pytest.raises(StoreError) as info:
        with store_errors("x"):
            raise full
    assert info.value.key == "store.full"


# ---- migrations ----------------------------------------------------------------------------


def test_reopening_a_current_store_takes_no_backup(data_dir: Path) -> None:
    close_db()
    init_db(data_dir)
    assert db.execute_sql("PRAGMA user_version").fetchone()[0] == migrations.LATEST
    assert not (data_dir / "backups").exists()


def _future_step(monkeypatch: pytest.MonkeyPatch, step: object) -> int:
    """Pretend the program knows one more schema step than the store has; returns the new one."""
    future = migrations.LATEST + 1
    monkeypatch.setitem(migrations.STEPS, future, step)
    monkeypatch.setattr(migrations, "LATEST", future)
    return future


def test_failed_migration_leaves_the_old_version_and_a_backup(
    data_dir: Path, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets.register(ctx, service="KTP", name="Budi Santoso")
    close_db()
    current = migrations.LATEST

    def broken_step(database: peewee.SqliteDatabase) -> None:
        database.execute_sql('CREATE TABLE "survey_next" ("id" INTEGER PRIMARY KEY)')
        database.execute_sql('ALTER TABLE "ticket" ADD COLUMN "next_col" TEXT')
        raise RuntimeError("the step breaks half-way")

    _future_step(monkeypatch, broken_step)
    with pytest.raises(RuntimeError):
        init_db(data_dir)
    monkeypatch.undo()

    con = raw(data_dir)
    try:
        assert con.execute("PRAGMA user_version").fetchone()[0] == current
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "survey_next" not in tables
        columns = {r[1] for r in con.execute("PRAGMA table_info(ticket)")}
        assert "next_col" not in columns
        assert con.execute("SELECT code FROM ticket").fetchall() == [("A001",)]
    finally:
        con.close()

    backups = list((data_dir / "backups").glob(f"pre-migrate-v{current}-*.sqlite3"))
    assert len(backups) == 1
    copy = sqlite3.connect(backups[0])
    try:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == current
        assert copy.execute("SELECT code FROM ticket").fetchall() == [("A001",)]
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        copy.close()

    # The program still opens the store afterwards.
    init_db(data_dir)
    assert Ticket.select().count() == 1


def test_successful_migration_backs_up_first_then_bumps_the_version(
    data_dir: Path, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    tickets.register(ctx, service="KTP", name="Budi Santoso")
    close_db()
    current = migrations.LATEST

    def step(database: peewee.SqliteDatabase) -> None:
        database.execute_sql('CREATE TABLE "survey_next" ("id" INTEGER PRIMARY KEY)')

    future = _future_step(monkeypatch, step)
    init_db(data_dir)
    assert db.execute_sql("PRAGMA user_version").fetchone()[0] == future
    assert Ticket.select().count() == 1
    close_db()
    (backup,) = (data_dir / "backups").glob(f"pre-migrate-v{current}-*.sqlite3")
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == current
        tables = {r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "survey_next" not in tables
    finally:
        copy.close()


def test_a_version_1_store_is_upgraded_with_a_backup(tmp_path: Path, clock: FixedClock) -> None:
    """A store made by the first release (schema 1) opens in this one: backed up, migrated,
    its tickets kept and still numbered on."""
    if migrations.LATEST < 2:
        pytest.skip("only one schema version so far")
    # The v1 file built by the first release itself (tests/data/README.md): today's models
    # cannot write a v1 schema any more (schema v5 added columns), so they do not build it.
    folder = tmp_path / "old"
    folder.mkdir(mode=0o700)
    store = folder / DB_NAME
    shutil.copyfile(Path(__file__).resolve().parents[1] / "data" / "store-v1.sqlite3", store)
    store.chmod(0o600)
    old = sqlite3.connect(store)
    try:
        old_codes = sorted(old.execute("SELECT code FROM ticket").fetchall())
    finally:
        old.close()

    init_db(folder)
    try:
        assert db.execute_sql("PRAGMA user_version").fetchone()[0] == migrations.LATEST
        assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        ctx = Context(folder, Actor("admin", Role.ADMIN), clock)
        assert tickets.register(ctx, service="KK", name="Ani").ticket.code.startswith("A")
        assert journal.verify_chain()[0] is True
    finally:
        close_db()
    (backup,) = (folder / "backups").glob("pre-migrate-v1-*.sqlite3")
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == 1
        assert sorted(copy.execute("SELECT code FROM ticket").fetchall()) == old_codes
    finally:
        copy.close()


def test_a_new_store_takes_no_pre_migration_backup(tmp_path: Path) -> None:
    init_db(tmp_path / "new", create=True)
    close_db()
    assert not (tmp_path / "new" / "backups").exists()


# ---- append-only records and the audit chain -------------------------------------------------


def _some_history(ctx: Context, clock: FixedClock) -> None:
    for name in ["Ani", "Budi", "Cici", "Dodi"]:
        clock.advance(minutes=1)
        tickets.register(ctx, service="KTP", name=name)
    clock.advance(minutes=1)
    t = tickets.call_next(ctx)
    tickets.start(ctx, t.id)
    tickets.finish(ctx, t.id, "selesai")


def test_audit_chain_is_intact_after_operations(ctx: Context, clock: FixedClock) -> None:
    _some_history(ctx, clock)
    ok, broken, count = journal.verify_chain()
    assert (ok, broken) == (True, None)
    assert count == AuditLog.select().count() >= 8


def test_audit_log_and_events_refuse_updates(ctx: Context, clock: FixedClock) -> None:
    _some_history(ctx, clock)
    with pytest.raises(peewee.IntegrityError):
        db.execute_sql("UPDATE audit_log SET actor = 'mallory' WHERE id = 2")
    with pytest.raises(peewee.IntegrityError):
        db.execute_sql("UPDATE ticket_event SET actor = 'mallory' WHERE id = 1")
    assert journal.verify_chain()[0] is True


def test_tampered_entry_is_found(ctx: Context, clock: FixedClock) -> None:
    _some_history(ctx, clock)
    ids = [a.id for a in AuditLog.select(AuditLog.id).order_by(AuditLog.id)]
    target = ids[len(ids) // 2]
    db.execute_sql('DROP TRIGGER "audit_log_no_update"')
    db.execute_sql("UPDATE audit_log SET actor = 'mallory' WHERE id = ?", (target,))
    ok, broken, _ = journal.verify_chain()
    assert ok is False
    assert broken == target


def test_tampered_detail_is_found(ctx: Context, clock: FixedClock) -> None:
    _some_history(ctx, clock)
    target = AuditLog.select().where(AuditLog.action == "ticket.register").order_by(AuditLog.id).get().id
    db.execute_sql('DROP TRIGGER "audit_log_no_update"')
    db.execute_sql("""UPDATE audit_log SET detail = '{"code":"A999"}' WHERE id = ?""", (target,))
    assert journal.verify_chain()[:2] == (False, target)


def test_deleted_middle_entry_is_found(ctx: Context, clock: FixedClock) -> None:
    _some_history(ctx, clock)
    ids = [a.id for a in AuditLog.select(AuditLog.id).order_by(AuditLog.id)]
    gone = ids[3]
    db.execute_sql('DROP TRIGGER "audit_log_no_delete"')  # v4 blocks it; an attacker drops it
    db.execute_sql("DELETE FROM audit_log WHERE id = ?", (gone,))
    ok, broken, checked = journal.verify_chain()
    assert ok is False
    assert broken == ids[4]  # the entry after the gap no longer links
    assert checked == 4


def test_rehashing_a_forged_entry_still_breaks_the_next_link(ctx: Context, clock: FixedClock) -> None:
    from counter_app.core.audit_chain import entry_hash

    _some_history(ctx, clock)
    rows = list(AuditLog.select().order_by(AuditLog.id))
    victim = rows[2]
    forged = entry_hash(victim.prev_hash, victim.at, "mallory", victim.action, victim.subject, victim.detail)
    db.execute_sql('DROP TRIGGER "audit_log_no_update"')
    db.execute_sql("UPDATE audit_log SET actor = 'mallory', hash = ? WHERE id = ?", (forged, victim.id))
    assert journal.verify_chain()[:2] == (False, rows[3].id)


def test_newer_version_still_in_the_wal_is_refused(data_dir: Path, tmp_path: Path) -> None:
    """A newer program bumped the version and died before a checkpoint: the main file's header
    still shows the old version, the -wal file the new one. It must be refused all the same."""
    import shutil

    close_db()
    con = raw(data_dir)
    con.execute("PRAGMA wal_autocheckpoint = 0")
    con.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    crashed = tmp_path / "crashed"
    crashed.mkdir()
    for suffix in ("", "-wal"):
        shutil.copy2(data_dir / (DB_NAME + suffix), crashed / (DB_NAME + suffix))
    con.close()
    assert (crashed / (DB_NAME + "-wal")).stat().st_size > 0
    with pytest.raises(StoreError) as info:
        init_db(crashed)
    assert info.value.key == "store.newer"
    copy = raw(crashed)
    try:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == migrations.LATEST + 1
    finally:
        copy.close()

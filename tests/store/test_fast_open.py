"""A store at the latest schema opens without peewee, and peewee takes its connection over at
the first use that needs it (issue 16: the start to the login; store/fast_open.py).

The plain path runs only while peewee is not loaded, so what it does alone is checked in a
fresh interpreter; in this process (peewee loaded) the open goes plain and is handed over at once.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from counter_app.core.errors import StoreError
from counter_app.services import usecase
from counter_app.store import connection, migrations, settings as setting_table
from counter_app.store.connection import DB_NAME, close_db, db, init_db


def run_fresh(code: str, *args: str) -> str:
    probe = "import sys\nsys.modules['psycopg'] = None\nsys.modules['psycopg2'] = None\n" + code
    out = subprocess.run(
        [sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


PLAIN_THEN_PEEWEE = """
import sqlite3, sys, threading
from pathlib import Path
from counter_app.core.errors import StoreError
from counter_app.services import usecase
from counter_app.store import settings as setting_table
from counter_app.store.connection import db, store_errors

folder = Path(sys.argv[1])
usecase.open_store(folder)
assert setting_table.value("site_code") == "PTK"
assert setting_table.load()["counter_code"] == "L01"
assert "peewee" not in sys.modules, "peewee loaded on the plain path"
plain = db._plain.conn
assert not db.is_closed()

# a failing statement is sqlite3's own error (peewee is not there), translated as before
try:
    db.execute_sql("SELECT * FROM no_such_table")
except sqlite3.OperationalError as exc:
    assert "peewee" not in sys.modules
    translated = None
    try:
        with store_errors(folder / "loket.sqlite3"):
            raise exc
    except StoreError as err:
        translated = err.key
    assert translated == "store.error", translated
else:
    raise AssertionError("no error")

# the first model query: peewee takes the very same connection over
from counter_app.store.models import Staff
assert Staff.select().where(Staff.username == "admin").count() == 1
assert db.obj.connection() is plain
# peewee's per-connection SQL functions were put on it
assert db.execute_sql("SELECT date_trunc('day', '2026-11-30 10:11:12')").fetchone()[0] == "2026-11-30 00:00:00"
# and its exceptions from now on
import peewee
try:
    db.execute_sql("SELECT * FROM no_such_table")
except peewee.OperationalError:
    pass
# another thread has its own connection, as with peewee's
seen = []
t = threading.Thread(target=lambda: seen.append(db.connection()))
t.start(); t.join()
assert seen and seen[0] is not plain
with db.atomic():
    setting_table.put("site_name", "MPP Uji")
assert setting_table.value("site_name") == "MPP Uji"
db.close()
assert db.is_closed()
print("OK")
"""


def test_a_store_at_the_latest_schema_opens_without_peewee_then_hands_over(data_dir: Path) -> None:
    close_db()
    assert run_fresh(PLAIN_THEN_PEEWEE, str(data_dir)).strip() == "OK"


def test_peewee_imported_by_another_thread_takes_over_in_the_owner(data_dir: Path) -> None:
    close_db()
    code = """
import sys, threading
from pathlib import Path
from counter_app.services import usecase
from counter_app.store import settings as setting_table
from counter_app.store.connection import db
usecase.open_store(Path(sys.argv[1]))
plain = db._plain.conn
def other():
    from counter_app.store.models import Staff
    assert Staff.select().count() == 1  # its own connection
t = threading.Thread(target=other); t.start(); t.join()
assert db._plain is not None  # still this thread's, until it uses the store again
assert setting_table.value("site_code") == "PTK"
assert db._plain is None and db.obj.connection() is plain
print("OK")
"""
    assert run_fresh(code, str(data_dir)).strip() == "OK"


def test_the_plain_open_in_this_process_is_handed_to_peewee_at_once(data_dir: Path) -> None:
    close_db()
    init_db(data_dir)
    assert db._plain is not None  # opened plain (peewee is loaded here, so the next use hands over)
    plain = db._plain.conn
    assert setting_table.value("site_code") == "PTK"
    assert db._plain is None
    assert db.obj.connection() is plain
    pragmas = {
        name: db.execute_sql(f"PRAGMA {name}").fetchone()[0]
        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout", "cache_size")
    }
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": connection.BUSY_TIMEOUT_MS,
        "cache_size": -16000,
    }


def test_close_before_any_use_imports_nothing_and_reopens(data_dir: Path) -> None:
    close_db()
    init_db(data_dir)
    assert not db.is_closed()
    close_db()
    assert db.is_closed()
    assert setting_table.value("site_code") == "PTK"  # peewee connects again by itself
    close_db()


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_plain_open_keeps_the_files_owner_only(data_dir: Path) -> None:
    close_db()
    for p in data_dir.glob(f"{DB_NAME}*"):
        p.chmod(0o644)
    data_dir.chmod(0o755)
    init_db(data_dir)
    assert db._plain is not None
    for p in [data_dir, *data_dir.glob(f"{DB_NAME}*")]:
        assert stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600), p
    assert {p.name for p in data_dir.glob(f"{DB_NAME}*")} >= {DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"}


def test_a_newer_version_only_in_the_wal_is_refused_untouched(data_dir: Path, tmp_path: Path) -> None:
    """The header says the latest schema, the WAL a newer one: the plain open steps aside and the
    full open refuses it (as `store.newer`), like before."""
    close_db()
    newer = tmp_path / "newer"
    newer.mkdir(mode=0o700)
    writer = sqlite3.connect(str(data_dir / DB_NAME), isolation_level=None)
    try:
        writer.execute("PRAGMA journal_mode = wal")
        writer.execute("PRAGMA wal_autocheckpoint = 0")
        writer.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
        for name in (DB_NAME, f"{DB_NAME}-wal"):
            shutil.copy2(data_dir / name, newer / name)
    finally:
        writer.close()
    header = (newer / DB_NAME).read_bytes()[60:64]
    assert int.from_bytes(header, "big") == migrations.LATEST
    with pytest.raises(StoreError) as err:
        usecase.open_store(newer)
    assert err.value.key == "store.newer"


def test_a_store_to_migrate_goes_the_full_way(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An older store is backed up and migrated by peewee (no plain connection)."""
    close_db()
    version = migrations.LATEST - 1
    conn = sqlite3.connect(str(data_dir / DB_NAME), isolation_level=None)
    try:
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute("PRAGMA journal_mode = delete")
    finally:
        conn.close()
    # the last step's SQL is in the file already: only its version bump is to do
    monkeypatch.setitem(migrations.STEPS, migrations.LATEST, lambda database: None)
    init_db(data_dir)
    assert db._plain is None and db._full is not None
    assert int(db.execute_sql("PRAGMA user_version").fetchone()[0]) == migrations.LATEST
    assert any((data_dir / "backups").glob(f"pre-migrate-v{version}-*.sqlite3"))


def test_threads_before_the_hand_over_get_their_own_connections(data_dir: Path) -> None:
    close_db()
    init_db(data_dir)
    plain = db._plain.conn if db._plain is not None else None
    conns: list[object] = []
    t = threading.Thread(target=lambda: conns.append(db.connection()))
    t.start()
    t.join()
    assert conns and conns[0] is not plain
    assert db.connection() is plain

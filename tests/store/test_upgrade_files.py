"""Store files made by each released schema version (tests/data/store-vN.sqlite3, built with that
release's own code: see tests/data/README.md) open with today's code: a backup of the old file
first, then the migrations up to `migrations.LATEST`, and every row of the old file is still
there, unchanged, with the audit chain intact."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import peewee
import pytest

from counter_app.services import journal
from counter_app.store import migrations
from counter_app.store.connection import BACKUPS_DIR, DB_NAME, close_db, init_db
from counter_app.store.models import Ticket, db

DATA = Path(__file__).resolve().parents[1] / "data"
RELEASED = (1, 2, 3, 4, 5)  # schema versions of released commits (git log -- counter_app/store/migrations.py)


def rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, on the columns the file has, in a stable order (raw SQLite, so it
    reads an old file and its upgraded copy alike)."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        out = {}
        for table in tables:
            columns = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
            names = ", ".join(f'"{c}"' for c in columns)
            out[table] = sorted(con.execute(f'SELECT {names} FROM "{table}"').fetchall(), key=repr)
        return out
    finally:
        con.close()


def user_version(path: Path) -> int:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(con.execute("PRAGMA user_version").fetchone()[0])
    finally:
        con.close()


def columns_of(path: Path, table: str) -> list[str]:
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
    finally:
        con.close()


def test_there_is_a_file_for_every_released_version_and_they_stay_small() -> None:
    for version in RELEASED:
        path = DATA / f"store-v{version}.sqlite3"
        assert user_version(path) == version
        assert path.stat().st_size < 400_000  # VACUUMed: a few hundred KB at most
    assert migrations.LATEST >= max(RELEASED)


@pytest.mark.parametrize("version", RELEASED)
def test_an_old_store_upgrades_and_keeps_its_data(version: int, tmp_path: Path) -> None:
    original = DATA / f"store-v{version}.sqlite3"
    pristine = hashlib.sha256(original.read_bytes()).hexdigest()
    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    store = folder / DB_NAME
    shutil.copyfile(original, store)
    store.chmod(0o600)
    before = rows(store)
    assert len(before["ticket"]) == 4 and len(before["audit_log"]) > 0

    init_db(folder)
    try:
        assert db.execute_sql("PRAGMA user_version").fetchone()[0] == migrations.LATEST
        assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        chain = journal.check_chain()
        assert chain.intact, chain
        assert chain.entries == len(before["audit_log"])
        budi = Ticket.get(Ticket.name == "Budi Santoso")
        assert (budi.code, budi.status, budi.nik_masked, budi.phone) == (
            "A001",
            "done",
            "6171**********01",
            "+6281234567890",
        )
        assert budi.receipt_no.startswith("PTK-L01-") and budi.receipt_no.endswith("-A001")
        assert budi.finished_at is not None and budi.finished_at >= budi.started_at >= budi.called_at
        assert Ticket.select().where(Ticket.status == "done").count() == 3
        assert Ticket.select().where(Ticket.status == "waiting").count() == 1
        if version >= 3:
            assert db.execute_sql('SELECT COUNT(*) FROM "survey_response"').fetchone()[0] == 2
            assert db.execute_sql('SELECT COUNT(*) FROM "complaint"').fetchone()[0] == 1
        if version >= 5:  # the milestones v5 wrote for its complaint
            due = db.execute_sql('SELECT "verification_due_at", "first_response_due_at" FROM "complaint"')
            assert all(due.fetchone())
        # the no-delete triggers (v4) hold on the upgraded file, whichever version it came from
        with pytest.raises(peewee.IntegrityError, match="tickets are kept"):
            with db.atomic():
                db.execute_sql('DELETE FROM "ticket" WHERE "id" = ?', (budi.id,))
    finally:
        close_db()

    # every old row is still there, field for field (new columns may have been added)
    after = {table: columns_of(store, table) for table in before}
    for table, old_rows in before.items():
        old_columns = columns_of(original, table)
        assert set(old_columns) <= set(after[table]), table
        con = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
        try:
            names = ", ".join(f'"{c}"' for c in old_columns)
            now = sorted(con.execute(f'SELECT {names} FROM "{table}"').fetchall(), key=repr)
        finally:
            con.close()
        assert now == old_rows, table

    backups = list((folder / BACKUPS_DIR).glob(f"pre-migrate-v{version}-*.sqlite3"))
    if version == migrations.LATEST:  # today's own version: opened as is, nothing to migrate
        assert backups == []
        return
    # the backup came first: the old version, whole
    (backup,) = backups
    assert user_version(backup) == version
    assert rows(backup) == before
    assert hashlib.sha256(original.read_bytes()).hexdigest() == pristine  # the kept file untouched

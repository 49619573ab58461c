"""Schema v3 (survey responses, complaints, complaint actions): a v2 store upgrades with a
backup, keeps its tickets, and the new tables enforce what the models promise."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import peewee
import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.services import survey
from counter_app.services.context import Context
from counter_app.store import migrations
from counter_app.store.connection import DB_NAME, close_db, init_db
from counter_app.store.models import Complaint, ComplaintAction, SurveyResponse, db


def test_v3_is_the_latest_step_and_frozen_sql() -> None:
    assert migrations.LATEST >= 3
    assert '"survey_response"' in migrations.V3 and '"complaint_action"' in migrations.V3


def test_a_version_2_store_is_upgraded(tmp_path: Path, clock: FixedClock) -> None:
    # The v2 file built by the v2 release itself (tests/data/README.md): today's models cannot
    # write a v2 schema any more (schema v5 added columns), so they do not build it.
    folder = tmp_path / "v2"
    folder.mkdir(mode=0o700)
    store = folder / DB_NAME
    shutil.copyfile(Path(__file__).resolve().parents[1] / "data" / "store-v2.sqlite3", store)
    store.chmod(0o600)
    old = sqlite3.connect(store)
    try:
        tables = {r[0] for r in old.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "survey_response" not in tables
        (ticket_id,) = old.execute("SELECT id FROM ticket WHERE status = 'done' LIMIT 1").fetchone()
    finally:
        old.close()

    init_db(folder)
    try:
        assert db.execute_sql("PRAGMA user_version").fetchone()[0] == migrations.LATEST
        assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        ctx = Context(folder, Actor("admin", Role.ADMIN), clock)
        survey.record(
            ctx, ticket_id, dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"), 3)
        )
        assert SurveyResponse.select().count() == 1
        assert Complaint.select().count() == 0 and ComplaintAction.select().count() == 0
    finally:
        close_db()
    (backup,) = (folder / "backups").glob("pre-migrate-v2-*.sqlite3")
    copy = sqlite3.connect(backup)
    try:
        assert copy.execute("PRAGMA user_version").fetchone()[0] == 2
    finally:
        copy.close()


def test_the_tables_enforce_their_rules(data_dir: Path) -> None:
    def insert_response(**over: object) -> None:
        values = {
            "id": "r1",
            "ticket_id": None,
            "day": "2026-11-30",
            "u1": 3,
            "suggestions": "",
            "source": "paper",
            "consent": 1,
            "created_at": "2026-11-30 01:00:00",
            "created_by": "x",
        }
        values.update(over)
        cols = ", ".join(f'"{k}"' for k in values)
        marks = ", ".join("?" for _ in values)
        db.execute_sql(f'INSERT INTO "survey_response" ({cols}) VALUES ({marks})', list(values.values()))

    with pytest.raises(peewee.IntegrityError):
        insert_response(u1=5)
    with pytest.raises(peewee.IntegrityError):
        insert_response(source="web")
    insert_response(id="a")
    insert_response(id="b")  # many paper forms: NULL ticket ids do not clash
    assert SurveyResponse.select().count() == 2

    complaint = {
        "id": "c1",
        "number": "N1",
        "received_at": "2026-11-30 01:00:00",
        "day": "2026-11-30",
        "channel": "langsung",
        "category": "waktu",
        "classification": "ringan",
        "text": "x",
        "contact": "+6281234567890",
        "contact_consent": 0,
        "status": "baru",
        "deadline_at": "2026-11-30 04:00:00",
        "received_by": "x",
        "device": "L01",
        "updated_at": "2026-11-30 01:00:00",
    }
    cols = ", ".join(f'"{k}"' for k in complaint)
    marks = ", ".join("?" for _ in complaint)
    with pytest.raises(peewee.IntegrityError):  # a contact without consent
        db.execute_sql(f'INSERT INTO "complaint" ({cols}) VALUES ({marks})', list(complaint.values()))
    with pytest.raises(peewee.IntegrityError):
        db.execute_sql(
            f'INSERT INTO "complaint" ({cols}) VALUES ({marks})',
            list({**complaint, "contact": None, "status": "tutup"}.values()),
        )

"""`counter-app privacy purge|export|erase|notice` as scripts see it: real processes on a real
store built with old days, exit codes (0 done, 1 a record kept or nobody found, 2 bad input and
nothing written), JSON shapes, the files written."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.services import backup as backups, complaints, tickets
from counter_app.services.context import Context
from counter_app.services.setup import initialise
from counter_app.store.connection import DB_NAME, close_db
from tests.test_cli import run

WIB = ZoneInfo("Asia/Pontianak")


def names(data_dir: Path) -> list[str]:
    con = sqlite3.connect(data_dir / DB_NAME)
    try:
        return [r[0] for r in con.execute('SELECT "name" FROM "ticket" ORDER BY "registered_at"')]
    finally:
        con.close()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """Six years ago: Budi (NIK, phone) and Rina (phone, an open complaint), and a backup;
    a year ago: Siti. Built in-process on a fixed clock, closed for the CLI."""
    folder = tmp_path / "data"
    now = datetime.now(WIB).replace(hour=9, minute=0, second=0, microsecond=0)
    clock = FixedClock(now - timedelta(days=6 * 365))
    initialise(folder, by="test", clock=clock)
    ctx = Context(folder, Actor("admin", Role.ADMIN, 1), clock)
    tickets.register(
        ctx,
        service="KTP",
        name="Budi Santoso",
        nik="6171010101900001",
        phone="081234567890",
        phone_consent=True,
    )
    rina = tickets.register(
        ctx, service="KTP", name="Rina Wati", phone="081298765432", phone_consent=True
    ).ticket
    complaints.add(
        ctx,
        channel="langsung",
        category="waktu",
        classification="normatif",
        text="Rina Wati menunggu lama",
        ticket=rina.id,
        contact="081298765432",
        contact_consent=True,
    )
    backups.backup(ctx)
    clock.set(now - timedelta(days=365))
    tickets.register(ctx, service="KTP", name="Siti Aminah", phone="081311112222", phone_consent=True)
    close_db()
    return folder


def test_purge_dry_run_then_purge(store: Path) -> None:
    dry = run(store, "--json", "privacy", "purge", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    data = json.loads(dry.stdout)
    assert data["dry_run"] and data["counts"]["tickets"] == 1 and data["counts"]["kept"] == 1
    assert data["counts"]["backups"] == 1
    assert names(store) == ["Budi Santoso", "Rina Wati", "Siti Aminah"]
    assert len(list((store / "backups").glob("loket-*.sqlite3"))) == 1

    done = run(store, "privacy", "purge")
    assert done.returncode == 0, done.stderr
    assert "1 nomor antrean" in done.stdout
    assert names(store) == ["[anonim]", "Rina Wati", "Siti Aminah"]
    assert list((store / "backups").glob("loket-*.sqlite3")) == []
    audit = run(store, "audit", "verify")
    assert audit.returncode == 0, audit.stderr


def test_export_by_nik_writes_json_and_pdf(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    proc = run(store, "--json", "privacy", "export", "--nik", "6171010101900001", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    files = [Path(f) for f in json.loads(proc.stdout)["files"]]
    assert sorted(f.suffix for f in files) == [".json", ".pdf"]
    doc = json.loads(next(f for f in files if f.suffix == ".json").read_text("utf-8"))
    assert [t["name"] for t in doc["tickets"]] == ["Budi Santoso"]
    pdf = pypdf.PdfReader(io.BytesIO(next(f for f in files if f.suffix == ".pdf").read_bytes()))
    assert "Budi Santoso" in pdf.pages[0].extract_text()
    nobody = run(store, "privacy", "export", "--phone", "081399998888", "--out", str(out))
    assert nobody.returncode == 1 and "Tidak ada data" in nobody.stdout
    assert len(list(out.iterdir())) == 2


def test_bad_input_exits_2_and_writes_nothing(store: Path, tmp_path: Path) -> None:
    before = names(store)
    missing = run(store, "privacy", "export", "--ticket", "X", "--out", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "nope" in missing.stderr
    both = run(
        store, "privacy", "export", "--nik", "6171010101900001", "--phone", "0812", "--out", str(tmp_path)
    )
    assert both.returncode == 2
    bad_nik = run(store, "privacy", "erase", "--nik", "6171017201900001", "--reason", "x")
    assert bad_nik.returncode == 2
    assert names(store) == before


def test_erase_refuses_an_open_complaint_with_the_reason(store: Path) -> None:
    proc = run(store, "--json", "privacy", "erase", "--phone", "081298765432", "--reason", "permintaan")
    assert proc.returncode == 1, proc.stderr
    kept = json.loads(proc.stdout)["kept"]
    assert {k["kind"] for k in kept} == {"complaint", "ticket"}
    assert all(k["reason"] == "privacy.kept.open_complaint" for k in kept)
    text = run(store, "privacy", "erase", "--phone", "081298765432", "--reason", "permintaan")
    assert "pengaduan masih terbuka" in text.stdout
    assert "Rina Wati" in names(store)
    gone = run(store, "privacy", "erase", "--phone", "081311112222", "--reason", "permintaan pemohon")
    assert gone.returncode == 0, gone.stderr
    assert "Siti Aminah" not in names(store)


def test_notice_is_printable(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "notice.pdf"
    proc = run(store, "privacy", "notice", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    text = pypdf.PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    assert "Pemberitahuan Privasi" in text
    flat = " ".join(text.split())
    assert "1.825 hari (sekitar 5 tahun)" in flat  # numbers as Indonesian writes them, not "5.0"

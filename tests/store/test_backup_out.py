"""`backup --out` and `keys export --out` (issue 10, point 5): a folder, a symbolic link or a
device as the target is a clear exit 2, with nothing written anywhere (no `.part` copy of the
store left outside the data folder, no audit entry)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.services.setup import initialise
from counter_app.store.connection import DB_NAME, close_db


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    cmd = [sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def audit_rows(data_dir: Path) -> int:
    con = sqlite3.connect(data_dir / DB_NAME)
    try:
        return con.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    finally:
        con.close()


def every_file(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    initialise(folder, by="test")
    close_db()
    return folder


def targets(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "out" / "existing"
    folder.mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    link = tmp_path / "out" / "link.sqlite3"
    link.symlink_to(victim)
    return {"folder": folder, "link": link, "device": Path("/dev/null")}


@pytest.mark.parametrize("kind", ["folder", "link", "device"])
@pytest.mark.parametrize("command", [["backup"], ["keys", "export"]])
def test_out_must_be_a_plain_file(store: Path, tmp_path: Path, kind: str, command: list[str]) -> None:
    target = targets(tmp_path)[kind]
    before_out = every_file(tmp_path / "out")
    before_data = every_file(store)
    rows = audit_rows(store)
    proc = run(store, "--lang", "en", *command, "--out", str(target))
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and str(target) in proc.stderr
    assert every_file(tmp_path / "out") == before_out  # no DIR.part, nothing inside DIR
    assert every_file(store) == before_data
    assert audit_rows(store) == rows
    assert (tmp_path / "victim.txt").read_text() == "keep me"
    assert not list(tmp_path.glob("**/*.part"))


def test_backup_out_to_a_new_file_still_works(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "usb" / "loket.sqlite3"
    proc = run(store, "backup", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    con = sqlite3.connect(out)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    again = run(store, "backup", "--out", str(out))  # replacing a plain file is fine
    assert again.returncode == 0, again.stderr

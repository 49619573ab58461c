"""A missing, empty or damaged store is never silently a new one (issue 10, point 2): only `init`
makes a store; every other command refuses with "store missing or damaged" (exit 2), naming the
file and the backups; a backup of a damaged store writes nothing, and pruning never lets empty
or damaged copies push out the last good ones."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import StoreError
from counter_app.core.roles import Actor, Role
from counter_app.services import tickets
from counter_app.services.backup import backup, prune
from counter_app.services.context import Context
from counter_app.services.setup import initialise
from counter_app.store.connection import DB_NAME, close_db, copy_is_good, init_db

WIB = ZoneInfo("Asia/Pontianak")


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    cmd = [sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def store(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    initialise(folder, by="test")
    ctx = Context(folder, Actor("admin", Role.ADMIN), FixedClock(datetime(2026, 11, 30, 8, tzinfo=WIB)))
    tickets.register(ctx, service="KTP", name="Budi Santoso")
    close_db()
    return folder


# ---- opening ---------------------------------------------------------------------------------


def test_an_empty_file_is_a_damaged_store_not_a_new_one(store: Path) -> None:
    (store / DB_NAME).write_bytes(b"")
    for name in (f"{DB_NAME}-wal", f"{DB_NAME}-shm"):
        (store / name).unlink(missing_ok=True)
    with pytest.raises(StoreError) as info:
        init_db(store)
    assert info.value.key == "store.damaged"
    message = info.value.message("en")
    assert str(store / DB_NAME) in message and "backups" in message
    assert (store / DB_NAME).read_bytes() == b""  # left exactly as found
    assert not (store / f"{DB_NAME}-wal").exists()


def test_an_sqlite_file_without_a_loket_schema_is_damaged(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    con = sqlite3.connect(folder / DB_NAME)
    con.execute("CREATE TABLE notes (x)")
    con.commit()
    con.close()
    with pytest.raises(StoreError) as info:
        init_db(folder)
    assert info.value.key == "store.damaged"


def test_init_does_not_make_a_store_over_an_empty_file(store: Path) -> None:
    (store / DB_NAME).write_bytes(b"")
    with pytest.raises(StoreError) as info:
        initialise(store, by="test")
    assert info.value.key == "store.damaged"
    assert (store / DB_NAME).read_bytes() == b""


def test_init_leaves_no_half_made_store_behind(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    initialise(folder, by="test")
    close_db()
    assert not [p.name for p in folder.iterdir() if p.name.endswith((".new", ".part"))]
    assert copy_is_good(folder / DB_NAME)


@pytest.mark.parametrize("command", [["queue"], ["audit", "verify"], ["backup"], ["services"]])
def test_every_command_refuses_an_empty_store(store: Path, command: list[str]) -> None:
    os.truncate(store / DB_NAME, 0)
    before = files(store)
    proc = run(store, "--lang", "en", *command)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Store missing or damaged" in proc.stderr
    assert str(store / DB_NAME) in proc.stderr and "backups" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert files(store) == before  # nothing written: no copy counted among the kept ones


def test_a_missing_store_in_a_used_folder_points_to_the_backups(store: Path) -> None:
    assert run(store, "backup").returncode == 0
    (store / DB_NAME).unlink()
    proc = run(store, "queue")
    assert proc.returncode == 2
    assert "Penyimpanan hilang atau rusak" in proc.stderr and "backups" in proc.stderr
    assert not (store / DB_NAME).exists()


def test_init_refuses_an_empty_store_file(store: Path) -> None:
    os.truncate(store / DB_NAME, 0)
    proc = run(store, "init")
    assert proc.returncode == 2
    assert (store / DB_NAME).stat().st_size == 0


# ---- backups -----------------------------------------------------------------------------------


def _damage_pages(path: Path) -> None:
    """Overwrite one index page of the ticket table: the file opens and takes writes (the audit
    entry of a backup), but its content is damaged — as a failing disk leaves it."""
    con = sqlite3.connect(path)
    (root,) = con.execute("SELECT rootpage FROM sqlite_master WHERE name = 'ticket_day_code'").fetchone()
    (page_size,) = con.execute("PRAGMA page_size").fetchone()
    con.close()
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(bytes((i * 37 + 11) % 256 for i in range(page_size)))


def test_a_damaged_store_gives_no_backup_and_keeps_the_old_ones(store: Path) -> None:
    ctx = Context(store, Actor("admin", Role.ADMIN))
    init_db(store)
    good = backup(ctx)
    close_db()
    _damage_pages(store / DB_NAME)
    before = files(store / "backups")
    with pytest.raises(StoreError) as info:
        init_db(store)
        backup(ctx)
    assert info.value.key in {"store.damaged", "store.corrupt"}
    close_db()
    assert files(store / "backups") == before
    assert copy_is_good(good)
    assert not list((store / "backups").glob("*.part"))


def test_pruning_counts_only_good_copies(store: Path) -> None:
    ctx = Context(store, Actor("admin", Role.ADMIN), FixedClock(datetime(2026, 12, 1, 8, tzinfo=WIB)))
    init_db(store)
    folder = store / "backups"
    folder.mkdir(exist_ok=True)
    old_good = []
    for day in (1, 2, 3):
        ctx.clock.set(datetime(2026, 12, day, 8, tzinfo=WIB))  # type: ignore[attr-defined]
        old_good.append(backup(ctx, keep=3))
    # two weeks of empty and damaged "copies", newer than every good one
    junk = []
    for day in range(10, 24):
        path = folder / f"loket-202612{day}T080000000000.sqlite3"
        path.write_bytes(b"" if day % 2 else b"SQLite format 3\x00" + b"\x00" * 200)
        junk.append(path)
    ctx.clock.set(datetime(2026, 12, 4, 8, tzinfo=WIB))  # type: ignore[attr-defined]
    newest = backup(ctx, keep=3)
    close_db()
    kept = {p.name for p in folder.glob("loket-*.sqlite3")}
    assert {p.name for p in (newest, *old_good[1:])} <= kept  # the three newest good copies
    assert old_good[0].name not in kept
    assert all(copy_is_good(folder / name) for name in (newest.name, old_good[1].name, old_good[2].name))


def test_prune_removes_only_what_is_older_than_the_kept_good_copies(tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    (folder / "loket-1.sqlite3").write_bytes(b"")
    assert prune(folder, keep=1) == []  # no good copy at all: nothing is removed


def test_backup_json_names_a_good_copy(store: Path) -> None:
    proc = run(store, "--json", "backup")
    assert proc.returncode == 0, proc.stderr
    assert copy_is_good(Path(json.loads(proc.stdout)["path"]))

"""A full disk (issue 10 point 5): exit 2 says "disk full" and nothing was written.

A real, tiny tmpfs is mounted for each test (needs root, or at least CAP_SYS_ADMIN; skipped
otherwise) and filled with a plain file until the kernel answers ENOSPC, so SQLite, ReportLab's
output and the rename all meet a genuinely full file system.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from counter_app.services.setup import initialise
from counter_app.store.connection import DB_NAME, close_db

TABLES = ["ticket", "ticket_event", "outbox", "audit_log", "queue_sequence", "receipt", "complaint"]


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    return subprocess.run(
        [sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def counts(data_dir: Path) -> dict[str, int]:
    con = sqlite3.connect(f"file:{data_dir / DB_NAME}?mode=ro", uri=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def full(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert "Disk penuh" in proc.stderr, proc.stderr
    assert "baca/tulis" not in proc.stderr and "rollback" not in proc.stderr, proc.stderr


def fill(folder: Path, leave: int = 0) -> Path:
    """Fill `folder`'s file system until ENOSPC, then give back `leave` bytes."""
    filler = folder / "filler"
    chunk = b"\0" * 65536
    with open(filler, "wb", buffering=0) as fh:
        for size in (65536, 4096, 1):
            while True:
                try:
                    fh.write(chunk[:size])
                except OSError as exc:
                    assert exc.errno == errno.ENOSPC
                    break
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))
    return filler


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A real tmpfs of a few MB, unmounted afterwards."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m,mode=0700", "tmpfs", str(mnt)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        close_db()
        subprocess.run(["umount", "-l", str(mnt)], check=False)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    initialise(folder, by="test")
    close_db()
    return folder


def test_register_with_a_receipt_on_a_full_disk_registers_nothing(store: Path, small_fs: Path) -> None:
    # 300 KB free: less than the receipt needs (its fonts alone are larger).
    filler = fill(small_fs, leave=0)
    before = counts(store)
    proc = run(
        store, "register", "--service", "KTP", "--name", "Ani Lestari", "--receipt", str(small_fs / "r.pdf")
    )
    full(proc)
    assert counts(store) == before  # no ticket, no receipt, no audit entry
    assert sorted(p.name for p in small_fs.iterdir()) == ["filler"]  # no temporary file left

    # The operator frees space and retries: one ticket, not two.
    filler.unlink()
    again = run(
        store,
        "--json",
        "register",
        "--service",
        "KTP",
        "--name",
        "Ani Lestari",
        "--receipt",
        str(small_fs / "r.pdf"),
    )
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["code"] == "A001"
    assert (small_fs / "r.pdf").read_bytes().startswith(b"%PDF")
    after = counts(store)
    assert after["ticket"] == before["ticket"] + 1 and after["receipt"] == before["receipt"] + 1


def test_receipt_on_a_full_disk_stores_nothing_so_the_next_print_is_no_reprint(
    store: Path, small_fs: Path
) -> None:
    assert run(store, "register", "--service", "KTP", "--name", "Ani").returncode == 0
    filler = fill(small_fs)
    before = counts(store)
    full(run(store, "receipt", "A001", "--out", str(small_fs / "r.pdf")))
    assert counts(store) == before
    filler.unlink()
    assert run(store, "receipt", "A001", "--out", str(small_fs / "r.pdf")).returncode == 0
    con = sqlite3.connect(store / DB_NAME)
    try:
        assert con.execute("SELECT reprint_count FROM receipt").fetchall() == [(0,)]
    finally:
        con.close()


def copy_store(store: Path, small_fs: Path) -> Path:
    data = small_fs / "data"
    shutil.copytree(store, data)
    return data


WRITES = [
    ["register", "--service", "KTP", "--name", "Ani"],
    [
        "complaint",
        "add",
        "--channel",
        "langsung",
        "--category",
        "waktu",
        "--class",
        "ringan",
        "--text",
        "Antrean lama sekali",
    ],
    ["demo", "--date", "2026-11-30", "--visits", "5"],
]


@pytest.mark.parametrize("command", WRITES, ids=lambda c: c[0])
def test_a_store_on_a_full_disk_says_disk_full(store: Path, small_fs: Path, command: list[str]) -> None:
    data = copy_store(store, small_fs)
    before = counts(data)
    fill(small_fs)  # 0 bytes free
    full(run(data, *command))
    assert counts(data) == before
    # After the failed write (its -shm and -wal now exist, empty), reading still works or
    # says "disk full" too, never a bare I/O error.
    for read in (["queue"], ["call-next"], *WRITES):
        proc = run(data, *read)
        if proc.returncode != 1 and not (proc.returncode == 0 and read[0] == "queue"):
            full(proc)
    assert counts(data) == before


@pytest.mark.parametrize(
    "command",
    [
        ["register", "--service", "KTP", "--name", "Ani"],
        [
            "complaint",
            "add",
            "--channel",
            "langsung",
            "--category",
            "waktu",
            "--class",
            "ringan",
            "--text",
            "Antrean lama sekali",
        ],
    ],
)
def test_a_write_that_fills_the_disk_says_disk_full_not_cannot_rollback(
    store: Path, small_fs: Path, command: list[str]
) -> None:
    """Room to open the store (its -shm) but not for the change: SQLite fails the write and
    rolls back by itself, so peewee's own ROLLBACK fails too and used to hide the real error."""
    data = copy_store(store, small_fs)
    before = counts(data)
    fill(small_fs, leave=40 * 1024)
    full(run(data, *command))
    assert counts(data) == before

"""Owner-only files (issue 10, point 7): the data folder, the store with its -wal/-shm, backups,
secrets and `backup --out` copies are 0700/0600 on POSIX whatever the umask; folders left by
older versions are tightened at open; the CLI's operator mode is only for the folder's owner."""

from __future__ import annotations

import os
import pwd
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from counter_app.core.roles import Actor, Role
from counter_app.services import tickets
from counter_app.services.backup import backup
from counter_app.services.context import Context
from counter_app.services.setup import initialise
from counter_app.store.connection import DB_NAME, close_db, init_db

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX modes (Windows inherits the profile ACL)")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def run(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, umask: int = 0o022
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    base.update(env or {})
    cmd = [sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), *args]
    return subprocess.run(
        cmd, capture_output=True, text=True, env=base, timeout=120, preexec_fn=lambda: os.umask(umask)
    )


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_everything_made_is_owner_only_even_with_umask_0(tmp_path: Path, loose_umask: None) -> None:
    folder = tmp_path / "data"
    initialise(folder, by="test")
    ctx = Context(folder, Actor("admin", Role.ADMIN))
    tickets.register(ctx, service="KTP", name="Budi Santoso")
    copy = backup(ctx)
    # while the store is open its -wal and -shm exist: they take the main file's mode
    for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm"):
        assert mode(folder / name) == 0o600, name
    close_db()
    for sub in ("", "backups", "backups/keys", "backups/secrets", "secrets", "keys"):
        assert mode(folder / sub) == 0o700, sub
    assert mode(copy) == 0o600
    for path in [*(folder / "backups").rglob("*"), *(folder / "secrets").iterdir()]:
        if path.is_file():
            assert mode(path) == 0o600, path


def test_folders_of_an_older_version_are_tightened_at_open(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    initialise(folder, by="test")
    ctx = Context(folder, Actor("admin", Role.ADMIN))
    old_copy = backup(ctx)
    close_db()
    (folder / "printouts" / "20261130").mkdir(parents=True)
    (folder / "exports").mkdir()
    for path, loose in [
        (folder, 0o755),
        (folder / DB_NAME, 0o644),
        (folder / "backups", 0o755),
        (old_copy, 0o644),
        (folder / "printouts", 0o755),
        (folder / "exports", 0o777),
    ]:
        os.chmod(path, loose)
    init_db(folder)
    close_db()
    assert mode(folder) == 0o700
    assert mode(folder / DB_NAME) == 0o600
    assert mode(folder / "backups") == mode(folder / "printouts") == mode(folder / "exports") == 0o700
    assert mode(old_copy) == 0o600


def test_backup_out_is_owner_only(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    initialise(folder, by="test")
    close_db()
    out = tmp_path / "usb" / "copy.sqlite3"
    proc = run(folder, "backup", "--out", str(out), umask=0)
    assert proc.returncode == 0, proc.stderr
    assert mode(out) == 0o600
    assert not [p for p in out.parent.iterdir() if p != out]  # no .part, no -journal left


# ---- the operator mode ------------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_operator_mode_is_only_for_the_folders_owner(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    initialise(folder, admin="admin", admin_password="rahasia-admin-1", by="test")
    close_db()
    assert run(folder, "queue").returncode == 0  # the owner (root here) may act as operator
    nobody = pwd.getpwnam("nobody").pw_uid
    os.chown(folder, nobody, -1)
    before = (folder / DB_NAME).read_bytes()
    proc = run(folder, "--lang", "en", "register", "--service", "KTP", "--name", "Budi")
    assert proc.returncode == 2
    assert "--user" in proc.stderr and "nobody" in proc.stderr
    assert (folder / DB_NAME).read_bytes() == before  # refused before the store was opened
    proc = run(folder, "--user", "admin", "queue", env={"COUNTER_APP_PASSWORD": "rahasia-admin-1"})
    assert proc.returncode == 0, proc.stderr
    proc = run(folder, "init")
    assert proc.returncode == 2 and "--user" in proc.stderr

"""Secrets and keys after a crash (issue 10, point 8): written whole with fsync, checked at start.
A missing, empty or malformed `secrets/nik.key` or `keys/station.key` is a clear exit 2 naming
the file and its copy under backups/ — never an empty HMAC key, never a PEM traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.core.errors import LoketError
from counter_app.services import keys, tickets
from counter_app.services.context import Context, create_exclusive, ensure_secret, read_secret
from counter_app.services.setup import initialise
from counter_app.store.connection import close_db


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    cmd = [sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def store(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    initialise(folder, by="test")
    close_db()
    keys._cache.clear()
    assert run(folder, "backup").returncode == 0
    return folder


NIK = "secrets/nik.key"
STATION = "keys/station.key"


@pytest.mark.parametrize(
    ("name", "damage"),
    [
        (NIK, b""),
        (NIK, b"short"),
        (NIK, None),
        (STATION, b""),
        (STATION, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"),
        (STATION, os.urandom(64)),
        (STATION, None),
    ],
)
@pytest.mark.parametrize(
    "command", [["queue"], ["register", "--service", "KTP", "--name", "Budi", "--nik", "6171014501900001"]]
)
def test_a_bad_key_is_a_clear_error_at_start(
    store: Path, name: str, damage: bytes | None, command: list[str]
) -> None:
    path = store / name
    if damage is None:
        path.unlink()
    else:
        path.write_bytes(damage)
    proc = run(store, "--lang", "en", *command)
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    assert str(path) in proc.stderr
    backup_copy = store / "backups" / name
    assert str(backup_copy) in proc.stderr and backup_copy.exists()
    assert "ticket" not in proc.stdout.lower()  # nothing registered
    # restoring the copy named in the message is the whole repair
    shutil.copy2(backup_copy, path)
    assert run(store, *command).returncode == 0


def test_an_empty_nik_secret_is_never_used_as_an_hmac_key(store: Path) -> None:
    (store / NIK).write_bytes(b"")
    from counter_app.core.roles import Actor, Role
    from counter_app.store.connection import init_db

    init_db(store)
    try:
        ctx = Context(store, Actor("admin", Role.ADMIN))
        with pytest.raises(LoketError) as info:
            tickets.register(ctx, service="KTP", name="Budi", nik="6171014501900001")
        assert info.value.key == "secret.damaged"
    finally:
        close_db()


def test_a_lost_station_key_is_not_silently_replaced(store: Path) -> None:
    (store / STATION).unlink()
    keys._cache.clear()
    with pytest.raises(keys.KeyFileError) as info:
        keys.ensure_keys(store, "PTK", "L01")
    assert info.value.key == "keys.missing"
    assert not (store / STATION).exists()


def test_backup_never_copies_a_damaged_key_over_the_good_one(store: Path) -> None:
    good = (store / "backups" / STATION).read_bytes()
    good_secret = (store / "backups" / NIK).read_bytes()
    (store / STATION).write_bytes(b"")
    (store / NIK).write_bytes(b"")
    proc = run(store, "backup")  # the data must still be saveable with a damaged key
    assert proc.returncode == 0, proc.stderr
    assert (store / "backups" / STATION).read_bytes() == good
    assert (store / "backups" / NIK).read_bytes() == good_secret


def test_secrets_are_written_whole_and_once(tmp_path: Path) -> None:
    value = ensure_secret(tmp_path, "nik.key")
    assert len(value) == 32 and read_secret(tmp_path, "nik.key") == value
    assert ensure_secret(tmp_path, "nik.key") == value
    assert not create_exclusive(tmp_path / "secrets" / "nik.key", b"x" * 32)
    assert read_secret(tmp_path, "nik.key") == value
    assert sorted(p.name for p in (tmp_path / "secrets").iterdir()) == ["nik.key"]  # no .part

"""The one log (core/logs.py): where it goes, who may read it, and that it never gets lost."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from counter_app.core import logs


@pytest.fixture(autouse=True)
def _fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The fallback folders follow the environment (XDG, TMPDIR): point them into tmp_path.
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    logs.shutdown()
    yield
    logs.shutdown()


def test_logs_go_to_the_data_folder_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    path = logs.setup_logging(data)
    assert path == data / "logs" / "loket.log"
    try:
        raise ValueError("boom-42")
    except ValueError as exc:
        assert logs.log_exception(exc, data) == path
    text = path.read_text(encoding="utf-8")
    assert "Traceback" in text and "ValueError: boom-42" in text
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_an_old_world_readable_log_is_made_private(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "logs"
    folder.mkdir(parents=True)
    (folder / "loket.log").write_text("old\n")
    os.chmod(folder / "loket.log", 0o644)
    os.chmod(folder, 0o755)
    path = logs.setup_logging(tmp_path / "data")
    assert path is not None and path.read_text().startswith("old")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_a_missing_data_folder_is_not_created_the_state_folder_is_used(tmp_path: Path) -> None:
    path = logs.setup_logging(tmp_path / "missing")
    assert not (tmp_path / "missing").exists()
    assert path is not None and (tmp_path / "state") in path.parents


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes anywhere")
def test_a_read_only_data_folder_falls_back(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    os.chmod(data, 0o500)
    try:
        path = logs.setup_logging(data)
    finally:
        os.chmod(data, 0o700)
    assert path is not None and data not in path.parents


def test_with_no_state_folder_the_private_temp_folder_is_used(tmp_path: Path) -> None:
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where folders should be")
    os.environ["XDG_STATE_HOME"] = str(blocked)  # undone by monkeypatch at the end
    path = logs.setup_logging(None)
    assert path is not None and (tmp_path / "tmp") in path.parents
    if os.name == "posix":
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_symlinked_log_file_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "logs"
    folder.mkdir(parents=True)
    victim = tmp_path / "victim"
    victim.write_text("keep")
    (folder / "loket.log").symlink_to(victim)
    path = logs.setup_logging(tmp_path / "data")
    assert path is not None and path.parent != folder  # went elsewhere
    logging.getLogger("loket").error("hello")
    assert victim.read_text() == "keep"


def test_a_big_log_is_rotated_at_open_keeping_three(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 10)
    data = tmp_path / "data"
    data.mkdir()
    for n in range(5):
        path = logs.setup_logging(data)
        assert path is not None
        logging.getLogger("loket").error("run %d %s", n, "x" * 20)
        logs.shutdown()
    names = sorted(p.name for p in (data / "logs").iterdir())
    assert names == ["loket.log", "loket.log.1", "loket.log.2", "loket.log.3"]
    assert "run 4" in (data / "logs" / "loket.log").read_text()
    assert "run 3" in (data / "logs" / "loket.log.1").read_text()


def test_the_log_is_not_echoed_to_the_terminal(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    logs.setup_logging(tmp_path)
    logging.getLogger("loket").error("secret-ish detail")
    out, err = capfd.readouterr()
    assert "secret-ish" not in out + err


def test_a_named_log_rotates_under_its_own_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 10)
    for n in range(2):
        path = logs.setup_logging(tmp_path, name="server.log")
        assert path == tmp_path / "logs" / "server.log"
        logging.getLogger("loket.server").info("request %d %s", n, "x" * 20)
        logs.shutdown()
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == ["server.log", "server.log.1"]


def test_a_chosen_log_file_is_used_as_is_or_refused(tmp_path: Path) -> None:
    shared = tmp_path / "var-log"
    shared.mkdir(mode=0o755)
    path = logs.setup_logging(tmp_path, log_file=shared / "loket-server.log")
    assert path == shared / "loket-server.log"
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # the operator's folder is left alone
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with pytest.raises(OSError):  # no fallback for a file the operator asked for
        logs.setup_logging(tmp_path, log_file=tmp_path / "missing" / "x.log")
    assert not (tmp_path / "missing").exists()


def test_nothing_reaches_stderr_before_the_log_is_set_up() -> None:
    # A fresh process: under pytest the root logger has pytest's handler, which hides
    # logging's last-resort handler (the one that would print to stderr).
    import subprocess
    import sys

    code = (
        "import logging, counter_app.core.logs; "
        "logging.getLogger('loket.sync').warning('push stopped: sync.unreachable')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stderr == ""

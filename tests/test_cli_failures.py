"""The command line's promises when things go wrong (DESIGN.md §7, issue 10 points 5, 9, 11).

Exit 2 means bad input and *nothing written*; exit 3 means a bug, said so, with the log path;
never a traceback on the terminal. Real processes against real data folders.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.services.setup import initialise
from counter_app.store.connection import DB_NAME, close_db

TABLES = ["ticket", "ticket_event", "outbox", "audit_log", "queue_sequence", "receipt", "staff"]


def run(
    data_dir: Path | None,
    *args: str | bytes,
    stdin: int | None = subprocess.DEVNULL,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`python -m counter_app …` with bytes allowed in argv (as a shell passes them)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    base.update(env or {})
    cmd: list[str | bytes] = [sys.executable, "-m", "counter_app"]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    proc = subprocess.run(cmd + list(args), capture_output=True, env=base, stdin=stdin, timeout=120)
    return subprocess.CompletedProcess(
        proc.args,
        proc.returncode,
        proc.stdout.decode("utf-8", "replace"),
        proc.stderr.decode("utf-8", "replace"),
    )


def counts(data_dir: Path) -> dict[str, int]:
    con = sqlite3.connect(data_dir / DB_NAME)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        con.close()


def refused(proc: subprocess.CompletedProcess[str]) -> None:
    """Exit 2 with a message and no traceback."""
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout, proc.stderr
    assert proc.stderr.strip(), "a refusal says why"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    initialise(folder, by="test", admin="admin", admin_password="rahasia-admin-1")
    close_db()
    return folder


def make_device(path: Path) -> None:
    """A character device (as root) or else a FIFO: either way not a plain file."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))
    except PermissionError:
        os.mkfifo(path)


def register(store: Path) -> dict[str, str]:
    proc = run(store, "--json", "register", "--service", "KTP", "--name", "Ani Lestari")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# ---- non-UTF-8 arguments --------------------------------------------------------------------

BAD = os.fsencode("KT\udcffP")  # b"KT\xffP", as `$'KT\xffP'` in a shell
CAFE = b"caf\xe9"  # Latin-1, not UTF-8

BAD_ARGV: list[list[str | bytes]] = [
    ["register", "--service", BAD, "--name", "Ani"],
    ["register", "--service", "KTP", "--name", "Ani", "--notes", CAFE],
    ["register", "--service", "KTP", "--name", CAFE],
    ["register", "--service", "KTP", "--name", "Ani", "--receipt", b"r\xff.pdf"],
    ["queue", "--date", BAD],
    ["queue", "--status", CAFE],
    ["call-next", "--counter", BAD],
    ["start", BAD],
    ["finish", "A001", "--outcome", CAFE],
    ["cancel", "A001", "--reason", CAFE],
    ["transfer", "A001", "--to", BAD],
    ["receipt", BAD, "--out", "r.pdf"],
    ["receipt", "A001", "--out", b"r\xff.pdf"],
    ["verify", CAFE],
    ["report", "daily", "--date", BAD],
    ["complaint", "add", "--channel", "langsung", "--category", "waktu", "--class", "ringan", "--text", CAFE],
    ["staff", "add", CAFE, "--password", "rahasia-baru-1"],
    ["ikm", "--from", BAD, "--to", "2026-11-30"],
    [BAD],
    ["--lang", BAD, "queue"],
]


@pytest.mark.parametrize("argv", BAD_ARGV, ids=lambda a: " ".join(os.fsdecode(x)[:12] for x in a))
def test_non_utf8_arguments_are_refused_and_change_nothing(store: Path, argv: list[str | bytes]) -> None:
    before = counts(store)
    proc = run(store, *argv)
    refused(proc)
    assert "UTF-8" in proc.stderr
    assert counts(store) == before


def test_a_non_utf8_data_dir_is_refused_too(tmp_path: Path) -> None:
    proc = run(None, "--data-dir", os.fsencode(str(tmp_path)) + b"/d\xff", "init")
    refused(proc)
    assert list(tmp_path.iterdir()) == []


# ---- passwords without a terminal ---------------------------------------------------------


def test_staff_add_with_an_empty_password_is_refused(store: Path) -> None:
    before = counts(store)
    refused(run(store, "staff", "add", "petugas9", "--password", ""))
    assert counts(store) == before


def test_staff_add_without_a_password_and_no_terminal_is_refused(store: Path) -> None:
    before = counts(store)
    proc = run(store, "staff", "add", "petugas9")
    refused(proc)
    assert "COUNTER_APP_NEW_PASSWORD" in proc.stderr
    assert counts(store) == before


def test_user_without_a_password_and_no_terminal_is_refused(store: Path) -> None:
    before = counts(store)
    proc = run(store, "--user", "admin", "register", "--service", "KTP", "--name", "Ani")
    refused(proc)
    assert "COUNTER_APP_PASSWORD" in proc.stderr
    assert counts(store) == before


# ---- malformed inputs -------------------------------------------------------------------


def test_a_deeply_nested_keyring_is_not_a_keyring(tmp_path: Path) -> None:
    ring = tmp_path / "keyring.json"
    ring.write_text("[" * 100_000 + "]" * 100_000)
    proc = run(tmp_path / "nodata", "verify", "LK1.abc.def", "--keyring", str(ring))
    refused(proc)
    assert "keyring" in proc.stderr.lower() or "kunci" in proc.stderr.lower()


def test_receipt_with_an_empty_out_is_refused(store: Path) -> None:
    register(store)
    before = counts(store)
    refused(run(store, "receipt", "A001", "--out", ""))
    refused(run(store, "register", "--service", "KTP", "--name", "Budi", "--receipt", ""))
    assert counts(store) == before


def test_sync_with_a_malformed_server_url_is_refused(store: Path) -> None:
    proc = run(store, "sync", "--server", "http://[::1", "--token", "x" * 32)
    refused(proc)
    # It names the address and what is wrong with it (it does start with http://).
    assert "http://[::1" in proc.stderr and "IPv6" in proc.stderr


def test_queue_with_an_empty_date_is_refused(store: Path) -> None:
    register(store)
    proc = run(store, "queue", "--date", "")
    refused(proc)
    assert "A001" not in proc.stdout


# ---- --out targets: checked before anything is committed ------------------------------------


@pytest.mark.parametrize("kind", ["missing_folder", "symlink", "device", "folder", "unwritable"])
def test_receipt_to_a_bad_target_stores_nothing(store: Path, tmp_path: Path, kind: str) -> None:
    register(store)
    if kind == "missing_folder":
        out = Path("/proc/nope/r.pdf")
    elif kind == "symlink":
        victim = tmp_path / "victim.txt"
        victim.write_text("keep me")
        out = tmp_path / "r.pdf"
        out.symlink_to(victim)
    elif kind == "device":
        # Our own device node, never /dev/null: a broken build would replace it (one did).
        out = tmp_path / "device"
        make_device(out)
    elif kind == "folder":
        out = tmp_path / "a-folder"
        out.mkdir()
    else:
        out = Path("/proc/r.pdf")  # a folder nobody may create files in, not even root
    before = counts(store)
    proc = run(store, "receipt", "A001", "--out", str(out))
    refused(proc)
    assert counts(store) == before  # no receipt row, no audit entry
    if kind == "symlink":
        assert out.is_symlink() and (tmp_path / "victim.txt").read_text() == "keep me"
    if kind == "device":
        assert not out.is_file()  # still the device, not replaced by a PDF
    assert not [p for p in tmp_path.rglob("*.part")]
    # And so the first receipt that does get written is not a reprint.
    good = tmp_path / "good.pdf"
    assert run(store, "receipt", "A001", "--out", str(good)).returncode == 0
    con = sqlite3.connect(store / DB_NAME)
    try:
        assert con.execute("SELECT reprint_count FROM receipt").fetchall() == [(0,)]
        actions = [a for (a,) in con.execute("SELECT action FROM audit_log WHERE action LIKE 'receipt.%'")]
    finally:
        con.close()
    assert actions == ["receipt.issue"]


def test_register_with_a_bad_receipt_target_registers_nothing(store: Path, tmp_path: Path) -> None:
    before = counts(store)
    refused(run(store, "register", "--service", "KTP", "--name", "Ani", "--receipt", "/proc/nope/r.pdf"))
    device = tmp_path / "device"
    make_device(device)
    refused(run(store, "register", "--service", "KTP", "--name", "Ani", "--receipt", str(device)))
    assert not device.is_file()
    assert counts(store) == before


def test_receipt_out_is_private_and_leaves_no_temporary_file(store: Path, tmp_path: Path) -> None:
    register(store)
    out = tmp_path / "out" / "r.pdf"
    out.parent.mkdir()
    assert run(store, "receipt", "A001", "--out", str(out)).returncode == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert out.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in out.parent.iterdir()] == ["r.pdf"]


# ---- a bug: exit 3, said so, traceback in the log ---------------------------------------------

BOOM = """
import sys
from counter_app import cli
def boom(args, session):
    raise ZeroDivisionError("kaboom-1234")
cli.COMMANDS["services"] = boom
raise SystemExit(cli.main(sys.argv[1:]))
"""


def run_boom(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-c", BOOM, *args],
        capture_output=True,
        text=True,
        env=base,
        stdin=subprocess.DEVNULL,
        timeout=120,
    )


def test_a_bug_exits_3_names_the_log_and_keeps_the_traceback_off_the_terminal(store: Path) -> None:
    proc = run_boom("--data-dir", str(store), "services")
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr and "kaboom" not in proc.stdout
    assert "bug" in proc.stderr
    log = store / "logs" / "loket.log"
    assert str(log) in proc.stderr
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "ZeroDivisionError: kaboom-1234" in text
    assert log.stat().st_mode & 0o777 == 0o600

    english = run_boom("--data-dir", str(store), "--lang", "en", "services")
    assert english.returncode == 3 and "this is a bug" in english.stderr.lower()


def test_a_bug_without_a_usable_data_folder_logs_elsewhere(tmp_path: Path) -> None:
    state = tmp_path / "state"
    proc = run_boom(
        "--data-dir",
        str(tmp_path / "missing"),
        "services",
        env={"XDG_STATE_HOME": str(state), "HOME": str(tmp_path)},
    )
    assert proc.returncode == 3, proc.stderr
    assert not (tmp_path / "missing").exists()  # logging a bug creates no data folder
    logs = list(state.rglob("loket.log"))
    assert len(logs) == 1 and str(logs[0]) in proc.stderr
    assert "kaboom-1234" in logs[0].read_text(encoding="utf-8")


def test_expected_errors_still_exit_2_without_a_log(store: Path) -> None:
    refused(run(store, "start", "no-such-ticket"))
    assert not (store / "logs").exists()

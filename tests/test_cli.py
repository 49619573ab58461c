"""The command line as scripts see it (DESIGN.md §7): exit codes, JSON shapes, messages."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from counter_app.services.setup import initialise
from counter_app.store.connection import DB_NAME, close_db

WIB = ZoneInfo("Asia/Pontianak")
REGISTER_FIELDS = {"id", "code", "receipt_no", "service", "status", "registered_at"}


def run(
    data_dir: Path | None, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    base.update(env or {})
    cmd = [sys.executable, "-m", "counter_app"]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, env=base, timeout=120)


def ok_json(data_dir: Path, *args: str) -> Any:
    proc = run(data_dir, "--json", *args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def table_counts(data_dir: Path) -> dict[str, int]:
    con = sqlite3.connect(data_dir / DB_NAME)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ["ticket", "ticket_event", "outbox", "audit_log", "queue_sequence"]
        }
    finally:
        con.close()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A store made in-process (faster than a subprocess `init`), closed for the CLI to use."""
    folder = tmp_path / "data"
    initialise(folder, by="test")
    close_db()
    return folder


def today_wib() -> set[date]:
    now = datetime.now(WIB)
    return {(now - timedelta(minutes=5)).date(), (now + timedelta(minutes=5)).date()}


# ---- init and services ---------------------------------------------------------------------


def test_init_creates_a_store_once(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    proc = run(folder, "init", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"data_dir": str(folder), "created": True}
    assert (folder / DB_NAME).exists()
    con = sqlite3.connect(folder / DB_NAME)
    try:
        assert con.execute("SELECT value FROM setting WHERE key='site_code'").fetchone() == ("PTK",)
        assert con.execute("SELECT count(*) FROM service").fetchone()[0] >= 20
    finally:
        con.close()

    again = run(folder, "init", "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout)["created"] is False


def test_init_with_an_admin(tmp_path: Path) -> None:
    folder = tmp_path / "fresh"
    proc = run(
        folder,
        "init",
        "--site",
        "ptk",
        "--counter",
        "L02",
        "--admin",
        "Admin",
        "--admin-password",
        "rahasia-admin-1",
    )
    assert proc.returncode == 0, proc.stderr
    con = sqlite3.connect(folder / DB_NAME)
    try:
        ((username, role, hash_),) = con.execute("SELECT username, role, password_hash FROM staff").fetchall()
        assert (username, role) == ("admin", "admin")
        assert hash_.startswith("$argon2")
        assert con.execute("SELECT value FROM setting WHERE key='counter_code'").fetchone() == ("L02",)
    finally:
        con.close()


def test_init_refuses_a_bad_site_code(tmp_path: Path) -> None:
    proc = run(tmp_path / "fresh", "init", "--site", "P T K!")
    assert proc.returncode == 2
    assert proc.stderr.strip()
    assert not (tmp_path / "fresh" / DB_NAME).exists()


def test_services_json(store: Path) -> None:
    data = ok_json(store, "services")
    assert isinstance(data, list) and len(data) >= 20
    for row in data:
        assert {"code", "name", "agency", "letter"} <= set(row)
        assert len(row["letter"]) == 1 and row["letter"].isupper()
    by_code = {r["code"]: r for r in data}
    assert by_code["KTP"]["letter"] == "A"
    assert by_code["PASPOR"]["letter"] == "C"
    assert "Disdukcapil" in by_code["KTP"]["agency"] or "Kependudukan" in by_code["KTP"]["agency"]


def test_services_follow_the_language(store: Path) -> None:
    id_names = {r["code"]: r["name"] for r in ok_json(store, "services")}
    en_names = {r["code"]: r["name"] for r in ok_json(store, "--lang", "en", "services")}
    assert id_names.keys() == en_names.keys()
    assert id_names["PKB"] != en_names["PKB"]


def test_json_flag_may_come_before_or_after_the_command(store: Path) -> None:
    a = run(store, "--json", "services")
    b = run(store, "services", "--json")
    assert a.returncode == b.returncode == 0
    assert json.loads(a.stdout) == json.loads(b.stdout)


# ---- register and the queue ------------------------------------------------------------------


def test_register_json(store: Path) -> None:
    data = ok_json(
        store,
        "register",
        "--service",
        "KTP",
        "--name",
        "Siti Aminah",
        "--nik",
        "6171014101900001",
        "--phone",
        "0812-3456-7890",
        "--phone-consent",
    )
    assert REGISTER_FIELDS <= set(data)
    assert data["code"] == "A001"
    assert data["service"] == "KTP"
    assert data["status"] == "waiting"
    day = date.fromisoformat(data["day"])
    assert day in today_wib()
    assert data["receipt_no"] == f"PTK-L01-{day:%Y%m%d}-A001"
    registered = datetime.fromisoformat(data["registered_at"])
    assert registered.tzinfo is not None
    assert abs(registered - datetime.now(WIB)) < timedelta(minutes=5)
    # Personal data appears masked only.
    out = json.dumps(data)
    assert "6171014101900001" not in out and "81234567890" not in out and "Aminah" not in out
    assert data["nik_masked"] == "6171**********01"

    second = ok_json(store, "register", "--service", "KK", "--name", "Budi")
    assert second["code"] == "A002"
    assert second["id"] != data["id"]


def test_register_plain_text_names_the_code(store: Path) -> None:
    proc = run(store, "register", "--service", "PASPOR", "--name", "Budi")
    assert proc.returncode == 0, proc.stderr
    assert "C001" in proc.stdout


@pytest.mark.parametrize(
    ("args", "id_text", "en_text"),
    [
        (["--nik", "12345"], "NIK harus 16 angka", "The NIK must be 16 digits"),
        (
            ["--nik", "6171017201900001"],
            "Tanggal lahir dalam NIK tidak mungkin",
            "The birth date in the NIK is impossible",
        ),
        (["--phone", "0812-ABC"], "Nomor telepon", "phone number"),
        # UU PDP: a phone is kept only with the visitor's consent (--phone-consent)
        (["--phone", "0812-3456-7890"], "persetujuan pengunjung", "visitor's consent"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_writes_nothing(
    store: Path, args: list[str], id_text: str, en_text: str
) -> None:
    before = table_counts(store)
    proc = run(store, "--json", "register", "--service", "KTP", "--name", "Budi", *args)
    assert proc.returncode == 2
    assert id_text in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == ""
    assert table_counts(store) == before

    proc = run(store, "--lang", "en", "register", "--service", "KTP", "--name", "Budi", *args)
    assert proc.returncode == 2
    assert en_text in proc.stderr
    assert table_counts(store) == before


def test_too_long_name_exits_2_and_writes_nothing(store: Path) -> None:
    before = table_counts(store)
    proc = run(store, "register", "--service", "KTP", "--name", "a" * 5000)
    assert proc.returncode == 2
    assert "Nama terlalu panjang" in proc.stderr
    assert table_counts(store) == before


def test_unknown_service_exits_2(store: Path) -> None:
    proc = run(store, "register", "--service", "NOPE", "--name", "Budi")
    assert proc.returncode == 2
    assert "NOPE" in proc.stderr


def test_second_active_ticket_for_a_nik_exits_2(store: Path) -> None:
    ok_json(store, "register", "--service", "KTP", "--name", "Budi", "--nik", "6171010101900001")
    before = table_counts(store)
    proc = run(store, "register", "--service", "KTP", "--name", "Budi", "--nik", "6171010101900001")
    assert proc.returncode == 2
    assert "A001" in proc.stderr
    assert table_counts(store) == before


def test_queue_call_start_finish(store: Path) -> None:
    a = ok_json(store, "register", "--service", "KTP", "--name", "Ani")
    b = ok_json(store, "register", "--service", "PASPOR", "--name", "Budi")
    c = ok_json(store, "register", "--service", "KK", "--name", "Cici", "--priority", "lansia")

    listed = ok_json(store, "queue")
    assert [t["code"] for t in listed] == ["A001", "C001", "A002"]
    for row in listed:
        assert REGISTER_FIELDS <= set(row)
    assert [t["id"] for t in listed] == [a["id"], b["id"], c["id"]]

    # Counter L01 serves Disdukcapil: the priority visitor first.
    called = ok_json(store, "call-next")
    assert called["id"] == c["id"]
    assert called["status"] == "called"
    assert ok_json(store, "start", c["id"])["status"] == "serving"
    done = ok_json(store, "finish", c["id"], "--outcome", "selesai")
    assert done["status"] == "done"
    assert done["finished_at"] is not None

    assert ok_json(store, "call-next")["id"] == a["id"]
    # By today's code too.
    assert ok_json(store, "start", "A001")["status"] == "serving"

    assert [t["code"] for t in ok_json(store, "queue", "--status", "waiting")] == ["C001"]
    assert ok_json(store, "call-next", "--counter", "L03")["id"] == b["id"]

    # L01 still holds A001: call-next is refused, names it, exits 2 and writes nothing.
    before = ok_json(store, "queue")
    held = run(store, "call-next")
    assert held.returncode == 2
    assert "A001" in held.stderr and "Sedang dilayani" in held.stderr
    assert ok_json(store, "queue") == before
    ok_json(store, "finish", "A001")

    # Nothing left for L01: the answer is "no".
    empty = run(store, "call-next")
    assert empty.returncode == 1
    assert "Tidak ada pengunjung" in empty.stdout

    statuses = {t["code"]: t["status"] for t in ok_json(store, "queue")}
    assert statuses == {"A001": "done", "C001": "called", "A002": "done"}


def test_call_next_on_an_empty_queue_exits_1(store: Path) -> None:
    proc = run(store, "--json", "call-next")
    assert proc.returncode == 1
    assert json.loads(proc.stdout) is None
    assert table_counts(store)["ticket_event"] == 0


def test_illegal_move_exits_2_and_changes_nothing(store: Path) -> None:
    t = ok_json(store, "register", "--service", "KTP", "--name", "Ani")
    before = table_counts(store)
    proc = run(store, "finish", t["id"])
    assert proc.returncode == 2
    assert "A001" in proc.stderr
    assert table_counts(store) == before
    proc = run(store, "start", "no-such-ticket")
    assert proc.returncode == 2


def test_transfer_from_the_command_line(store: Path) -> None:
    t = ok_json(store, "register", "--service", "KTP", "--name", "Ani")
    new = ok_json(store, "transfer", t["id"], "--to", "PASPOR")
    assert new["code"] == "C001"
    assert new["transferred_from"] == t["id"]
    assert new["arrived_at"] == t["arrived_at"]
    statuses = {r["code"]: r["status"] for r in ok_json(store, "queue")}
    assert statuses == {"A001": "transferred", "C001": "waiting"}


def test_queue_filters_reject_bad_values(store: Path) -> None:
    assert run(store, "queue", "--date", "30-11-2026").returncode == 2
    assert run(store, "queue", "--status", "sleeping").returncode == 2
    assert ok_json(store, "queue", "--date", "2020-01-01") == []


# ---- audit, backup ---------------------------------------------------------------------------


def test_audit_verify(store: Path) -> None:
    ok_json(store, "register", "--service", "KTP", "--name", "Ani")
    proc = run(store, "audit", "verify")
    assert proc.returncode == 0, proc.stderr
    data = ok_json(store, "audit", "verify")
    assert data["intact"] is True and data["broken_at"] is None
    assert data["entries"] >= 2


def test_audit_verify_reports_a_broken_chain_with_exit_1(store: Path) -> None:
    for name in ["Ani", "Budi", "Cici"]:
        ok_json(store, "register", "--service", "KTP", "--name", name)
    con = sqlite3.connect(store / DB_NAME)
    ids = [r[0] for r in con.execute("SELECT id FROM audit_log ORDER BY id")]
    con.execute('DROP TRIGGER "audit_log_no_delete"')  # schema v4 blocks the delete itself
    con.execute("DELETE FROM audit_log WHERE id = ?", (ids[1],))
    con.commit()
    con.close()
    proc = run(store, "--json", "audit", "verify")
    assert proc.returncode == 1
    assert json.loads(proc.stdout)["broken_at"] == ids[2]


def test_actions_are_recorded_as_the_cli_operator(store: Path) -> None:
    ok_json(store, "register", "--service", "KTP", "--name", "Ani")
    con = sqlite3.connect(store / DB_NAME)
    try:
        (actor,) = con.execute("SELECT actor FROM ticket_event").fetchone()
        (audit_actor,) = con.execute("SELECT actor FROM audit_log ORDER BY id DESC").fetchone()
    finally:
        con.close()
    assert actor.startswith("cli:") and audit_actor == actor


def test_backup(store: Path, tmp_path: Path) -> None:
    ok_json(store, "register", "--service", "KTP", "--name", "Ani")
    data = ok_json(store, "backup")
    path = Path(data["path"])
    assert path.parent == store / "backups"
    con = sqlite3.connect(path)
    try:
        assert con.execute("SELECT code FROM ticket").fetchall() == [("A001",)]
    finally:
        con.close()
    out = tmp_path / "elsewhere" / "copy.sqlite3"
    proc = run(store, "backup", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert out.exists()


# ---- demo --------------------------------------------------------------------------------------


def _demo(folder: Path, seed: int) -> tuple[dict[str, Any], list[tuple[str, str, str, str | None]]]:
    result = ok_json(folder, "demo", "--date", "2026-11-27", "--visits", "200", "--seed", str(seed))
    rows = ok_json(folder, "queue", "--date", "2026-11-27")
    return result, [(r["code"], r["status"], r["service"], r["priority"]) for r in rows]


def test_demo_day_is_consistent_and_deterministic(tmp_path: Path) -> None:
    folders = []
    for name in ("one", "two"):
        folder = tmp_path / name
        initialise(folder, by="test")
        close_db()
        folders.append(folder)

    result, rows = _demo(folders[0], 3)
    assert result["day"] == "2026-11-27"
    assert result["registered"] == 200
    # Transfers add a linked ticket each.
    assert len(rows) == result["registered"] + result["transferred"]
    statuses = [r[1] for r in rows]
    assert statuses.count("done") == result["served"]
    assert statuses.count("no_show") == result["no_show"]
    assert statuses.count("cancelled") == result["cancelled"]
    assert statuses.count("transferred") == result["transferred"]
    assert statuses.count("waiting") == result["waiting"]
    assert result["served"] > result["registered"] // 2
    # Codes are unique and without gaps per letter.
    by_letter: dict[str, list[int]] = {}
    for code, *_ in rows:
        by_letter.setdefault(code[0], []).append(int(code[1:]))
    for numbers in by_letter.values():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))

    result2, rows2 = _demo(folders[1], 3)
    assert result2 == result
    assert sorted(rows2) == sorted(rows)

    audit = ok_json(folders[0], "audit", "verify")
    assert audit["intact"] is True


def test_demo_rejects_a_bad_date_and_writes_nothing(store: Path) -> None:
    before = table_counts(store)
    proc = run(store, "demo", "--date", "27/11/2026", "--visits", "10")
    assert proc.returncode == 2
    assert "27/11/2026" in proc.stderr
    assert run(store, "demo", "--date", "2026-11-27", "--visits", "0").returncode == 2
    assert table_counts(store) == before


# ---- usage and missing store -------------------------------------------------------------------


def test_unknown_command_exits_2(store: Path) -> None:
    proc = run(store, "frobnicate")
    assert proc.returncode == 2
    assert "frobnicate" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_required_option_exits_2(store: Path) -> None:
    proc = run(store, "register", "--name", "Budi")
    assert proc.returncode == 2
    assert "--service" in proc.stderr


def test_missing_store_exits_2_and_says_to_run_init(tmp_path: Path) -> None:
    folder = tmp_path / "nowhere"
    proc = run(folder, "queue")
    assert proc.returncode == 2
    assert "counter-app init" in proc.stderr
    assert not folder.exists()
    proc = run(folder, "--lang", "en", "register", "--service", "KTP", "--name", "Budi")
    assert proc.returncode == 2
    assert "counter-app init" in proc.stderr
    assert "No store" in proc.stderr


def test_data_dir_from_the_environment(store: Path) -> None:
    proc = run(
        None,
        "--json",
        "register",
        "--service",
        "KTP",
        "--name",
        "Budi",
        env={"COUNTER_APP_DATA_DIR": str(store)},
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["code"] == "A001"
    assert table_counts(store)["ticket"] == 1


def test_store_locked_by_another_program_exits_2(store: Path) -> None:
    con = sqlite3.connect(store / DB_NAME, isolation_level=None, timeout=0.1)
    con.execute("BEGIN EXCLUSIVE")
    try:
        proc = subprocess.run(
            [
                sys.executable,
                "-c",
                (
                    "import sys; from counter_app.store import connection as c; c.init_db.__kwdefaults__['busy_timeout_ms'] = 200\n"
                    "from counter_app.cli import main\n"
                    "sys.exit(main(['--data-dir', sys.argv[1], 'register', '--service', 'KTP', '--name', 'Budi']))"
                ),
                str(store),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        con.rollback()
        con.close()
    assert proc.returncode == 2, proc.stderr
    assert "dikunci" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert table_counts(store)["ticket"] == 0


def test_unknown_region_warns_on_stderr_but_registers(store: Path) -> None:
    proc = run(store, "--json", "register", "--service", "KTP", "--name", "Budi", "--nik", "6199010101900001")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["code"] == "A001"
    assert len(data["warnings"]) == 1
    assert "Peringatan" in proc.stderr


def test_acting_as_a_staff_member(tmp_path: Path) -> None:
    from datetime import UTC

    from counter_app.core.clock import FixedClock
    from counter_app.core.roles import Actor, Role
    from counter_app.services import staff
    from counter_app.services.context import Context

    folder = tmp_path / "data"
    initialise(folder, admin="admin", admin_password="rahasia-admin-1", by="test")
    ctx = Context(folder, Actor("admin", Role.ADMIN, 1), FixedClock(datetime.now(UTC)))
    staff.create_staff(ctx, "petugas1", "kata-sandi-1", "staff")
    close_db()
    as_staff = {"COUNTER_APP_PASSWORD": "kata-sandi-1"}

    proc = run(
        folder, "--user", "petugas1", "--json", "register", "--service", "KTP", "--name", "Ani", env=as_staff
    )
    assert proc.returncode == 0, proc.stderr
    con = sqlite3.connect(folder / DB_NAME)
    try:
        assert con.execute("SELECT actor FROM ticket_event").fetchall() == [("petugas1",)]
    finally:
        con.close()

    # A staff member's role applies: no backups, no new accounts.
    proc = run(folder, "--user", "petugas1", "backup", env=as_staff)
    assert proc.returncode == 2
    assert "staff" in proc.stderr
    assert not (folder / "backups").exists()

    # A wrong password is refused before anything happens.
    before = table_counts(folder)
    proc = run(
        folder,
        "--user",
        "petugas1",
        "register",
        "--service",
        "KTP",
        "--name",
        "Budi",
        env={"COUNTER_APP_PASSWORD": "salah"},
    )
    assert proc.returncode == 2
    assert "kata sandi salah" in proc.stderr
    after = table_counts(folder)
    assert after["ticket"] == before["ticket"]

"""`counter-app server …` (through its runner, and as `python -m counter_app.server`)."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from counter_app.core.errors import NotFound, ValidationError
from counter_app.server.command import add_arguments, run
from counter_app.server.store import SERVER_DB_NAME, open_store

ROOT = Path(__file__).resolve().parents[2]
TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def server_cli(data_dir: Path, *argv: str, as_json: bool = False) -> str:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out = io.StringIO()
    assert run(parser.parse_args(list(argv)), data_dir, as_json=as_json, out=out) == 0
    return out.getvalue()


def test_add_device_prints_the_token_alone(tmp_path: Path) -> None:
    out = server_cli(tmp_path, "add-device", "PTK-L01", "--site", "PTK", "--counter", "L01")
    assert TOKEN.fullmatch(out.strip()) and out.endswith("\n") and out.count("\n") == 1
    assert (tmp_path / "server" / SERVER_DB_NAME).exists()  # the default store

    doc = json.loads(
        server_cli(
            tmp_path,
            "add-device",
            "PTK-L02",
            "--site",
            "PTK",
            "--counter",
            "L02",
            "--publisher",
            as_json=True,
        )
    )
    assert doc["device"] == "PTK-L02" and TOKEN.fullmatch(doc["token"])

    store = open_store(f"sqlite:///{tmp_path / 'server' / SERVER_DB_NAME}")
    try:
        assert store.device_for_token(out.strip()).name == "PTK-L01"  # type: ignore[union-attr]
        assert store.device_for_token(doc["token"]).publisher  # type: ignore[union-attr]
    finally:
        store.close()

    with pytest.raises(ValidationError) as twice:
        server_cli(tmp_path, "add-device", "PTK-L01", "--site", "PTK", "--counter", "L01")
    assert twice.value.key == "server.device_exists"
    renewed = server_cli(tmp_path, "add-device", "PTK-L01", "--replace").strip()
    assert renewed != out.strip()

    server_cli(tmp_path, "revoke-device", "PTK-L01")
    listed = json.loads(server_cli(tmp_path, "devices", as_json=True))
    assert [(d["device"], d["revoked"]) for d in listed] == [("PTK-L01", True), ("PTK-L02", False)]
    with pytest.raises(NotFound):
        server_cli(tmp_path, "revoke-device", "PTK-L99")
    with pytest.raises(ValidationError):
        server_cli(tmp_path, "add-device")
    with pytest.raises(ValidationError):
        server_cli(tmp_path, "add-device", "bad name")


def test_db_url_option_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    server_cli(tmp_path, "add-device", "PTK-L01", "--site", "PTK", "--counter", "L01", "--db-url", url)
    assert (tmp_path / "elsewhere.sqlite3").exists()
    monkeypatch.setenv("COUNTER_APP_SERVER_DB_URL", url)
    assert "PTK-L01" in server_cli(tmp_path / "other", "devices")
    with pytest.raises(ValidationError):
        server_cli(tmp_path, "devices", "--db-url", "mysql://x")


def test_postgresql_url(pg_url: str, tmp_path: Path) -> None:
    token = server_cli(
        tmp_path, "add-device", "PTK-L01", "--site", "PTK", "--counter", "L01", "--db-url", pg_url
    ).strip()
    assert TOKEN.fullmatch(token)
    assert not (tmp_path / "server").exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_python_m_server_serves_until_interrupted(tmp_path: Path) -> None:
    base = [sys.executable, "-m", "counter_app.server", "--data-dir", str(tmp_path)]
    env = {**os.environ, "COUNTER_APP_SERVER_ADMIN_TOKEN": "a" * 43}
    added = subprocess.run(
        [*base, "add-device", "PTK-L01", "--site", "PTK", "--counter", "L01"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
        env=env,
    )
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip()
    port = _free_port()
    process = subprocess.Popen(
        [*base, "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1"
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(url + "/device", headers={"Authorization": f"Bearer {token}"}, timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
        assert answer.json()["device"] == "PTK-L01"
        made = httpx.post(
            url + "/devices",
            json={"name": "PTK-L02", "site": "PTK", "counter": "L02"},
            headers={"Authorization": "Bearer " + "a" * 43},
        )
        assert made.status_code == 201
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert "127.0.0.1" in err and "sqlite:///" in err

    bad = subprocess.run(
        [*base, "revoke-device", "PTK-L99"], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert bad.returncode == 2 and "PTK-L99" in bad.stderr

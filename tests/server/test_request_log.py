"""The server's request log (server/request_log.py, core/logs.py): one line per request, with the
device once it authenticated, never a body or a token; a bug is logged with its traceback and
answered 500 without it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from counter_app.core import logs
from counter_app.server.app import create_app
from counter_app.server.embedded import ServerThread
from counter_app.server.request_log import safe_target
from counter_app.server.store import Store
from counter_app.sync.client import SyncError
from counter_app.sync.protocol import push_body
from server.helpers import FAST_RETRY, Live, Station, bound, complaint_doc, row

ROOT = Path(__file__).resolve().parents[2]
COMPLAINT = "Petugas loket tiga membentak saya di depan antrean"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def _no_log() -> Iterator[None]:
    logs.shutdown()
    yield
    logs.shutdown()


def test_a_served_push_is_logged_without_its_body_or_token(tmp_path: Path) -> None:
    """A real `python -m counter_app.server`: the log in its data folder names the request, the
    status, the client and the device, and holds neither the complaint text nor the token."""
    base = [sys.executable, "-m", "counter_app.server", "--data-dir", str(tmp_path)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_SERVER_")}
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
        headers = {"Authorization": f"Bearer {token}"}
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url + "/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
        body = push_body(
            "PTK-L01", str(uuid.uuid4()), [row(1, "complaint", complaint_doc(text=COMPLAINT, device="L01"))]
        )
        pushed = httpx.post(
            url + "/push", content=body, headers={**headers, "Content-Type": "application/json"}
        )
        assert pushed.status_code == 200, pushed.text
        assert httpx.get(url + f"/pull?since=0&token={token}", headers=headers).status_code == 200
        assert httpx.get(url + "/device", headers={"Authorization": "Bearer wrong"}).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    text = (tmp_path / "logs" / "server.log").read_text(encoding="utf-8")
    assert " POST /api/v1/push 200 " in text and "127.0.0.1 PTK-L01" in text
    assert " GET /api/v1/pull?since=0&token=… 200 " in text  # a token in a URL is left out
    assert " GET /api/v1/device 401 " in text and "127.0.0.1 -" in text
    assert COMPLAINT not in text and "membentak" not in text
    assert token not in text and "Bearer" not in text and "wrong" not in text


def test_a_bug_in_an_endpoint_is_logged_with_its_traceback_and_answered_500(
    store: Store, tmp_path: Path, _no_log: None
) -> None:
    path = logs.setup_logging(tmp_path, name="server.log")
    assert path == tmp_path / "logs" / "server.log"
    app = create_app(store)

    @app.get("/api/v1/boom")
    def boom() -> dict[str, str]:
        raise ZeroDivisionError("secret-detail-of-the-bug")

    with ServerThread(app) as server:
        answer = httpx.get(server.url + "/api/v1/boom?date=2026-12-01")
        health = httpx.get(server.url + "/api/v1/health")
    assert answer.status_code == 500
    assert answer.json() == {"detail": "internal_error"}
    assert "Traceback" not in answer.text and "secret-detail" not in answer.text
    assert health.status_code == 200  # the server goes on
    logs.shutdown()
    text = path.read_text(encoding="utf-8")
    assert "unhandled error in GET /api/v1/boom?date=2026-12-01" in text
    assert "Traceback (most recent call last)" in text
    assert "ZeroDivisionError: secret-detail-of-the-bug" in text
    assert " GET /api/v1/boom?date=2026-12-01 500 " in text


def test_log_file_option_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _no_log: None
) -> None:
    import argparse

    from counter_app.core.errors import ValidationError
    from counter_app.server.command import ENV_LOG_FILE, add_arguments, setup_log

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    chosen = tmp_path / "chosen.log"
    assert setup_log(parser.parse_args(["--log-file", str(chosen)]), tmp_path / "data") == chosen
    logs.shutdown()
    monkeypatch.setenv(ENV_LOG_FILE, str(tmp_path / "env.log"))
    assert setup_log(parser.parse_args([]), tmp_path / "data") == tmp_path / "env.log"
    logs.shutdown()
    with pytest.raises(ValidationError) as refused:  # a folder that is not there: exit 2
        setup_log(parser.parse_args(["--log-file", str(tmp_path / "nowhere" / "x.log")]), tmp_path)
    assert refused.value.key == "server.log_file"
    assert not (tmp_path / "nowhere").exists()


def test_only_known_query_values_are_logged() -> None:
    scope = {"path": "/api/v1/reports/daily", "query_string": b"date=2026-12-01&to=2026-12-02&key=s3cret"}
    assert safe_target(scope) == "/api/v1/reports/daily?date=2026-12-01&to=2026-12-02&key=…"
    assert safe_target({"path": "/x\n y", "query_string": b""}) == "/x%0A%20y"  # no forged lines


def test_a_sync_run_logs_its_outcome_without_payloads(
    live: Live, stations: Callable[..., Station], tmp_path: Path, _no_log: None
) -> None:
    """Both ends: the counter's log says what a run pushed and pulled, the server's what was
    asked; a visitor's name and the device token appear in neither."""
    from counter_app.services import tickets
    from counter_app.services.sync import run_sync

    station = stations("L01")
    ctx = station.use()
    tickets.register(ctx, service="KTP", name="Siti Aminah Rahmawati")
    station.token = live.store.add_device(station.device, **bound(station.device))
    path = logs.setup_logging(station.folder)  # counter and server share this test's process
    assert path is not None
    result = run_sync(ctx, live.url, station.token, retry=FAST_RETRY)
    with pytest.raises(SyncError):
        run_sync(ctx, live.url, "not-the-token", retry=FAST_RETRY)
    logs.shutdown()
    text = path.read_text(encoding="utf-8")
    assert result.pushed >= 1
    assert f"loket.sync: push {station.device}: {result.pushed} rows in 1 batches" in text
    assert (
        f"sync run with {live.url}: pushed {result.pushed}, pulled {result.pulled}, "
        f"stored through {result.stored_through}"
    ) in text
    assert f"sync run with {live.url} failed: sync.unauthorized" in text
    assert "POST /api/v1/push 200" in text and f" {station.device}\n" in text
    assert "Siti" not in text and "Aminah" not in text
    assert station.token not in text and "not-the-token" not in text

"""The hall display's stream and settings on a real hub (SQLite store, uvicorn on loopback)."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from counter_app.server import display_settings, live_store
from counter_app.server.app import create_app
from counter_app.server.embedded import ServerThread
from counter_app.server.store import Store, open_store

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "admin-token-for-display-tests-0123456789"
SITE = "PTK"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[Store, str, str]]:
    url = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    store = open_store(url)
    store.add_device("PTK-L01", site=SITE, counter="L01")
    with ServerThread(create_app(store, admin_token=ADMIN)) as server:
        yield store, server.url, url
    store.close()


def call(store: Store, code: str, counter: str, service: str, **extra: Any) -> None:
    with store.transaction() as tx:
        live_store.append_events(
            tx,
            SITE,
            [
                (
                    "PTK-" + counter,
                    "ticket",
                    str(uuid.uuid4()),
                    "call",
                    {
                        "code": code,
                        "counter": counter,
                        "service": service,
                        "letter": code[0],
                        "recall": False,
                        **extra,
                    },
                )
            ],
        )


def read_events(url: str, query: str, until: int, then: Any = None) -> list[tuple[str, dict[str, Any]]]:
    """The first `until` events of a display stream; `then()` runs after the snapshot."""
    out: list[tuple[str, dict[str, Any]]] = []
    with httpx.stream("GET", f"{url}/display/events?{query}", timeout=httpx.Timeout(5, read=20)) as answer:
        assert answer.status_code == 200, answer.read()
        kind = ""
        for line in answer.iter_lines():
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: "):
                out.append((kind, json.loads(line[6:])))
                if kind == "snapshot" and then is not None:
                    then()
                if len(out) >= until:
                    return out
    return out


def test_stream_filters_by_profile_and_never_carries_a_name(hub: tuple[Store, str, str]) -> None:
    store, url, _ = hub
    call(store, "A001", "L01", "KTP")
    call(store, "B001", "L04", "PASPOR")
    display_settings.update(
        store,
        SITE,
        {
            "profiles": {"imigrasi": {"services": ["PASPOR"]}},
            "counters": {"L04": {"label": "Loket Imigrasi 2"}},
        },
    )

    def more() -> None:
        call(store, "A002", "L01", "KTP", name="Siti Aminah")  # a payload that somehow holds a name
        call(store, "B002", "L04", "PASPOR", name="Siti Aminah")

    events = read_events(url, f"site={SITE}&profile=imigrasi", 2, more)
    (k1, snap), (k2, new) = events
    assert k1 == "snapshot" and [c["code"] for c in snap["calls"]] == ["B001"]
    assert k2 == "call" and new["code"] == "B002" and new["counter_label"] == "Loket Imigrasi 2"
    assert new["clips"][-3:] == ["loket", "imigrasi", "dua"]
    assert "Siti" not in json.dumps(events)


def test_unknown_profile_and_bad_query_are_refused(hub: tuple[Store, str, str]) -> None:
    _store, url, _ = hub
    assert httpx.get(f"{url}/display/events?site={SITE}&profile=nope", timeout=5).status_code == 404
    assert httpx.get(f"{url}/display/events?site=P%00K", timeout=5).status_code == 422
    assert httpx.get(f"{url}/display/voice/..%2Fsecret.ogg", timeout=5).status_code == 404
    page = httpx.get(f"{url}/display", timeout=5)
    assert page.status_code == 200 and "Terputus — mencoba menyambung kembali" in page.text
    assert "http://" not in page.text and "https://" not in page.text  # nothing from outside


def test_settings_api_needs_the_admin_token_and_refuses_bad_values_whole(hub: tuple[Store, str, str]) -> None:
    store, url, _ = hub
    where = f"{url}/api/v1/display/settings?site={SITE}"
    assert httpx.patch(where, json={"running_text": "x"}, timeout=5).status_code == 401
    auth = {"Authorization": f"Bearer {ADMIN}"}
    ok = httpx.patch(where, json={"running_text": "Selamat datang", "volume": 0.5}, headers=auth, timeout=5)
    assert ok.status_code == 200 and ok.json()["running_text"] == "Selamat datang"
    bad = httpx.patch(where, json={"running_text": "Lain", "volume": 3}, headers=auth, timeout=5)
    assert bad.status_code == 422
    assert display_settings.load(store, SITE)["running_text"] == "Selamat datang"  # nothing changed
    bad = httpx.patch(where, json={"counters": {"L03": {"spoken": "loket kapuas"}}}, headers=auth, timeout=5)
    assert bad.status_code == 422 and "kapuas" in bad.text


def cli(tmp_path: Path, db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "counter_app",
            "--data-dir",
            str(tmp_path / "d"),
            "--json",
            "display",
            *args,
            "--db-url",
            db_url,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_display_command_sets_and_refuses(tmp_path: Path, hub: tuple[Store, str, str]) -> None:
    store, _url, db_url = hub
    done = cli(
        tmp_path,
        db_url,
        "set",
        "--site",
        SITE,
        "--name",
        "MPP Kota Pontianak",
        "--chime",
        "off",
        "--counter",
        "L03",
        "--spoken",
        "loket imigrasi 3",
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["name"] == "MPP Kota Pontianak" and doc["chime"] is False
    assert doc["counters"]["L03"] == {"spoken": "loket imigrasi 3"}
    for bad in (
        ["--volume", "2"],
        ["--recent", "12"],
        ["--tz", "Mars/Olympus"],
        ["--voice-dir", "/no/such"],
        ["--counter", "L03", "--spoken", "loket kapuas"],
        ["--label", "Loket 9"],
    ):
        done = cli(tmp_path, db_url, "set", "--site", SITE, "--name", "Changed", *bad)
        assert done.returncode == 2, (bad, done.stdout, done.stderr)
        assert "Traceback" not in done.stderr
    assert display_settings.load(store, SITE)["name"] == "MPP Kota Pontianak"
    done = cli(tmp_path, db_url, "profile", "tv2", "--site", SITE, "--services", "KTP,KK", "--voice", "off")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["profiles"]["tv2"] == {"services": ["KTP", "KK"], "voice": False}


def test_waiting_tiles_carry_the_letter_before_the_catalogue_reaches_the_hub(
    hub: tuple[Store, str, str],
) -> None:
    # No sync has published the catalogue yet (a new site's first morning): the tiles still show
    # each service's letter, taken from its tickets, not a bare service code.
    store, url, _ = hub
    from datetime import datetime
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Pontianak"))
    with store.transaction() as tx:
        for i, (code, service) in enumerate((("A001", "KTP"), ("A002", "KTP"), ("C001", "PASPOR"))):
            tx.run(
                "INSERT INTO live_ticket (id, site, day, code, letter, service, priority, status, counter,"
                " device, queued_at, call_count, payload, updated_at) VALUES"
                " (?, ?, ?, ?, ?, ?, 'umum', 'waiting', NULL, 'PTK-L01', ?, 0, ?, ?)",
                (
                    f"t{i}",
                    SITE,
                    now.date().isoformat(),
                    code,
                    code[0],
                    service,
                    now.isoformat(),
                    "{}",
                    now.isoformat(),
                ),
            )
    assert store.reference("service") == {}
    (kind, snap), *_ = read_events(url, f"site={SITE}", 1)
    assert kind == "snapshot"
    tiles = {w["service"]: (w["letter"], w["waiting"]) for w in snap["waiting"]}
    assert tiles == {"KTP": ("A", 2), "PASPOR": ("C", 1)}

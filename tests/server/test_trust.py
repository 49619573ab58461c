"""Who may publish which key (issue 10, points 1 and 10): a device publishes keys only for the
site and counter it was bound to, a bounded number, with no unknown fields; revoking it
revokes its keys on the served keyring, the verify page and every counter after a sync."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from counter_app.core import token as tokens
from counter_app.server.store import MAX_KEYS_PER_DEVICE, Store, open_store
from counter_app.services import keys, receipts, tickets
from counter_app.services.sync import run_sync
from counter_app.sync.protocol import PROTOCOL
from server.helpers import ADMIN_TOKEN, FAST_RETRY, Live, Station, bound

MakeStation = Callable[..., Station]
ROOT = Path(__file__).resolve().parents[2]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def publish(live: Live, token: str, device: str, entries: list[dict[str, Any]]) -> httpx.Response:
    return httpx.post(
        live.url + "/api/v1/keys",
        headers=auth(token),
        json={"protocol": PROTOCOL, "device": device, "keys": entries},
    )


def forged_token(key: Ed25519PrivateKey, site: str = "PTK", counter: str = "L02") -> str:
    fields = tokens.ReceiptFields(
        site=site,
        counter=counter,
        receipt_no=f"{site}-{counter}-20261130-A777",
        code="A777",
        service="KTP",
        issued_at=datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
    )
    return tokens.sign_token(key, fields)


def cli_verify(token: str, keyring: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    return subprocess.run(
        [sys.executable, "-m", "counter_app", "--json", "verify", token, "--keyring", str(keyring)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


def test_the_forgery_of_the_issue_is_refused(live: Live, stations: MakeStation, tmp_path: Path) -> None:
    """PTK-L01's token publishes a key labelled PTK/L02, then signs a receipt for
    PTK-L02-…-A777 with it: the key is refused, and nothing that trusts the server's keyring
    (verify --keyring, a counter after sync, the verify page) takes the receipt."""
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    attacker = Ed25519PrivateKey.generate()
    labelled = tokens.keyring_entry(attacker.public_key(), "PTK", "L02", "2026-11-30T08:00:00+07:00")

    answer = publish(live, token, "PTK-L01", [labelled])
    assert answer.status_code == 403 and answer.json()["detail"] == "key_not_bound"
    assert live.store.keyring()["keys"] == []

    forged = forged_token(attacker)
    ring = httpx.get(live.url + "/keyring.json").json()
    with pytest.raises(tokens.TokenError):
        tokens.verify_token(forged, ring)
    (tmp_path / "server-keyring.json").write_text(json.dumps(ring))
    verified = cli_verify(forged, tmp_path / "server-keyring.json")
    assert verified.returncode == 1 and json.loads(verified.stdout)["valid"] is False
    assert labelled["kid"] not in httpx.get(live.url + "/verify").text

    counter = stations("L03")
    counter.token = live.store.add_device(counter.device, **bound(counter.device))
    ctx = counter.use()
    run_sync(ctx, live.url, counter.token, retry=FAST_RETRY)
    assert receipts.verify_report(forged, ctx)["valid"] is False

    # The same key labelled with the device's own binding is taken, and vouches for PTK/L01 only.
    own = tokens.keyring_entry(attacker.public_key(), "PTK", "L01", "2026-11-30T08:00:00+07:00")
    assert publish(live, token, "PTK-L01", [own]).status_code == 200
    with pytest.raises(tokens.TokenError):
        tokens.verify_token(forged, httpx.get(live.url + "/keyring.json").json())
    served = {k["kid"]: k for k in live.store.keyring()["keys"]}[own["kid"]]
    assert served["device"] == "PTK-L01" and served["published_at"]  # who published it, and when


def test_keys_with_unknown_fields_are_refused(live: Live) -> None:
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    entry = tokens.keyring_entry(Ed25519PrivateKey.generate().public_key(), "PTK", "L01", "")
    assert publish(live, token, "PTK-L01", [entry | {"pad": "x" * 200_000}]).status_code == 422
    assert publish(live, token, "PTK-L01", [entry | {"label": "trusted"}]).status_code == 422
    extra_top = httpx.post(
        live.url + "/api/v1/keys",
        headers=auth(token),
        json={"protocol": PROTOCOL, "device": "PTK-L01", "keys": [entry], "x": 1},
    )
    assert extra_top.status_code == 422
    assert live.store.keyring()["keys"] == []


def test_keys_per_device_are_bounded(live: Live) -> None:
    """The 2,000-key flood of the issue: at most MAX_KEYS_PER_DEVICE active keys a device."""
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")

    def entries(n: int) -> list[dict[str, Any]]:
        return [
            tokens.keyring_entry(Ed25519PrivateKey.generate().public_key(), "PTK", "L01", "")
            for _ in range(n)
        ]

    assert publish(live, token, "PTK-L01", entries(100)).status_code == 422  # more than a request may hold
    page_before = len(httpx.get(live.url + "/verify").content)
    for _ in range(MAX_KEYS_PER_DEVICE):
        assert publish(live, token, "PTK-L01", entries(1)).status_code == 200
    for _ in range(20):
        over = publish(live, token, "PTK-L01", entries(1))
        assert over.status_code == 409 and over.json()["detail"] == "too_many_keys"
    assert len(live.store.keyring()["keys"]) == MAX_KEYS_PER_DEVICE
    page = len(httpx.get(live.url + "/verify").content)
    assert page - page_before < MAX_KEYS_PER_DEVICE * 400  # each key a few hundred bytes, no more
    print(f"verify page {page_before} → {page} bytes with {MAX_KEYS_PER_DEVICE} keys")


def test_revoking_a_device_revokes_its_keys(live: Live, stations: MakeStation, tmp_path: Path) -> None:
    signer, reader = stations("L02"), stations("L03")
    signer.token = live.store.add_device(signer.device, **bound(signer.device))
    reader.token = live.store.add_device(reader.device, **bound(reader.device))
    ctx = signer.use()
    ticket = tickets.register(ctx, service="KTP", name="Budi Santoso").ticket
    receipt = receipts.issue_receipt(ctx, ticket.id).token
    kid = keys.station_key(ctx).kid
    run_sync(ctx, live.url, signer.token, retry=FAST_RETRY)

    ctx = reader.use()
    run_sync(ctx, live.url, reader.token, retry=FAST_RETRY)
    assert receipts.verify_report(receipt, ctx)["valid"] is True  # ASLI while the device stands
    assert kid in httpx.get(live.url + "/verify").text

    gone = httpx.delete(live.url + f"/api/v1/devices/{signer.device}", headers=auth(ADMIN_TOKEN))
    assert gone.status_code == 200 and gone.json()["keys_revoked"] == 1

    ring = httpx.get(live.url + "/keyring.json").json()
    assert kid not in {k["kid"] for k in ring["keys"]}
    assert kid not in httpx.get(live.url + "/verify").text
    (tmp_path / "server-keyring.json").write_text(json.dumps(ring))
    assert cli_verify(receipt, tmp_path / "server-keyring.json").returncode == 1
    run_sync(ctx, retry=FAST_RETRY)  # a plain sync, as every night
    report = receipts.verify_report(receipt, ctx)
    assert report["valid"] is False and report["message"].startswith("TIDAK VALID")
    assert [k for k in live.store.keys(signer.device) if k["kid"] == kid][0]["revoked_at"]

    # Given a new token, the device's old keys stay revoked: no one can publish them again.
    signer.token = live.store.add_device(signer.device, replace=True)
    run_sync(signer.use(), live.url, signer.token, retry=FAST_RETRY)
    assert kid not in {k["kid"] for k in live.store.keyring()["keys"]}


def test_a_device_of_an_old_store_publishes_no_key_until_bound(
    store_url: str, stations: MakeStation, tmp_path: Path
) -> None:
    """A store made before bindings: its devices have none. They still push and pull, but may
    not publish a key until an admin binds them (never bound by their first publication)."""
    from counter_app.server.app import create_app
    from counter_app.server.command import add_arguments, run
    from counter_app.server.embedded import ServerThread

    old = open_store(store_url)
    station = stations("L01")
    station.token = old.add_device(station.device)  # the store API still allows an unbound one
    with old.transaction() as tx:  # what a schema-1 store looks like
        tx.run("ALTER TABLE device DROP COLUMN counter")
        tx.run("ALTER TABLE device DROP COLUMN site")
        tx.run("ALTER TABLE keyring_key DROP COLUMN revoked_at")
        tx.run("DROP TABLE audit_head")
        tx.run("UPDATE server_meta SET value = 1 WHERE name = 'schema_version'")
    old.close()

    store: Store = open_store(store_url)  # migrated on start
    try:
        (device,) = store.devices()
        assert (device.site, device.counter) == (None, None)
        with ServerThread(create_app(store)) as server:
            entry = tokens.keyring_entry(Ed25519PrivateKey.generate().public_key(), "PTK", "L01", "")
            refused = httpx.post(
                server.url + "/api/v1/keys",
                headers=auth(station.token),
                json={"protocol": PROTOCOL, "device": station.device, "keys": [entry]},
            )
            assert refused.status_code == 403 and refused.json()["detail"] == "device_unbound"
            ctx = station.use()
            tickets.register(ctx, service="KTP", name="Budi Santoso")
            first = run_sync(ctx, server.url, station.token, retry=FAST_RETRY)
            assert first.keys_refused == "device_unbound" and first.pushed == 1
            assert store.keyring()["keys"] == []

            import argparse

            parser = argparse.ArgumentParser()
            add_arguments(parser)
            args = parser.parse_args(
                ["bind-device", station.device, "--site", "ptk", "--counter", "L01", "--db-url", store_url]
            )
            assert run(args, tmp_path, as_json=True, out=io.StringIO()) == 0
            second = run_sync(ctx, retry=FAST_RETRY)
            assert second.keys_refused is None and second.keys_added == 1
            assert [k["site"] for k in store.keyring()["keys"]] == ["PTK"]
            with pytest.raises(Exception) as rebind:
                store.bind_device(station.device, "PTK", "L09")
            assert getattr(rebind.value, "key", "") == "server.device_bound"
    finally:
        store.close()

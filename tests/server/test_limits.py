"""Server limits (issue 10, point 10): NUL characters refused with 422 (PostgreSQL cannot store
them), failed authentication rate-limited per client address, the API docs off unless asked."""

from __future__ import annotations

import argparse
import json
import uuid

import httpx
import pytest

from counter_app.server.app import create_app
from counter_app.server.command import ENV_API_DOCS, add_arguments, api_docs
from counter_app.server.embedded import ServerThread
from counter_app.server.limits import FailedAuth
from counter_app.server.store import Store
from counter_app.sync.protocol import PROTOCOL, push_body
from server.helpers import ADMIN_TOKEN, Live, complaint_doc, row, ticket_doc


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    "rows",
    [
        [row(1, "complaint", complaint_doc(text="Antrean\u0000lama"))],
        [row(1, "ticket", ticket_doc(name_masked="Siti\u0000"))],
        [row(1, "ticket", ticket_doc()), row(2, "complaint", complaint_doc(text="\u0000"))],
    ],
)
def test_a_nul_in_a_pushed_string_is_refused(
    live: Live, rows: list[tuple[int, str, str, str, str, str]]
) -> None:
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    body = push_body("PTK-L01", str(uuid.uuid4()), rows)
    assert b"\\u0000" in body
    answer = httpx.post(live.url + "/api/v1/push", content=body, headers=auth(token))
    assert answer.status_code == 422 and "nul_character" in answer.text  # not a 500 on PostgreSQL
    assert live.store.records() == []
    # an escaped backslash before "u0000" is plain text, not a NUL
    text = complaint_doc(text="C:\\u0000")
    fine = httpx.post(
        live.url + "/api/v1/push",
        headers=auth(token),
        content=push_body("PTK-L01", str(uuid.uuid4()), [row(1, "complaint", text)]),
    )
    assert fine.status_code == 200, fine.text


def test_nul_elsewhere_never_reaches_the_database(live: Live) -> None:
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    assert (
        httpx.get(
            live.url + "/api/v1/reconcile", params={"device": "PTK\u0000"}, headers=auth(token)
        ).status_code
        == 422
    )
    assert (
        httpx.get(
            live.url + "/api/v1/audit/heads", params={"device": "PTK\u0000"}, headers=auth(token)
        ).status_code
        == 422
    )
    assert httpx.delete(live.url + "/api/v1/devices/PTK%00", headers=auth(ADMIN_TOKEN)).status_code == 404
    made = httpx.post(
        live.url + "/api/v1/devices",
        headers=auth(ADMIN_TOKEN),
        json={"name": "PTK-L02", "site": "PTK\u0000", "counter": "L02"},
    )
    assert made.status_code == 422
    head = httpx.post(
        live.url + "/api/v1/audit/head",
        headers=auth(token),
        json={"protocol": PROTOCOL, "device": "PTK-L01", "seq": 1, "hash": "0" * 63 + "\u0000"},
    )
    assert head.status_code == 422
    assert httpx.get(live.url + "/api/v1/health").status_code == 200


def test_failed_authentication_is_limited_per_address(live: Live) -> None:
    """The issue's 300 wrong device tokens and 100 wrong admin tokens: past 20 failures in a
    minute, 429 with Retry-After; a good token from the same address still works."""
    good = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    device_api, admin_api = live.url + "/api/v1/device", live.url + "/api/v1/devices"
    statuses = [httpx.get(device_api, headers=auth(f"wrong-{i}")).status_code for i in range(300)]
    assert statuses[:20] == [401] * 20 and set(statuses[20:]) == {429}
    limited = httpx.get(device_api, headers=auth("wrong-again"))
    assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 60
    assert httpx.get(device_api).status_code == 429  # no token at all counts as a failure too
    admin = [httpx.get(admin_api, headers=auth(f"not-admin-{i}")).status_code for i in range(100)]
    assert set(admin) == {429}

    assert httpx.get(device_api, headers=auth(good)).status_code == 200  # success is unaffected
    assert httpx.get(admin_api, headers=auth(ADMIN_TOKEN)).status_code == 200
    print(f"wrong tokens: {statuses.count(401)} × 401, {statuses.count(429) + admin.count(429)} × 429")


def test_the_limit_is_per_address_and_forgets_after_its_window() -> None:
    now = [0.0]
    limit = FailedAuth(limit=3, window=60.0, clock=lambda: now[0])
    assert [limit.failed("10.0.0.1") for _ in range(3)] == [None, None, None]
    assert limit.failed("10.0.0.1") == 60
    assert limit.failed("10.0.0.2") is None  # another address has its own count
    now[0] = 45.0
    assert limit.failed("10.0.0.1") == 15  # until the oldest failure leaves the window
    now[0] = 200.0
    assert limit.failed("10.0.0.1") is None
    small = FailedAuth(limit=1, max_addresses=2, clock=lambda: now[0])
    for host in ("a", "b", "c"):
        small.failed(host)
    assert small.failed("a") is None  # forgotten: the table stays bounded


def test_api_docs_are_off_unless_configured(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    paths = ["/api/v1/openapi.json", "/docs", "/redoc"]
    with ServerThread(create_app(store)) as server:
        assert [httpx.get(server.url + p).status_code for p in paths] == [404, 404, 404]
    with ServerThread(create_app(store, api_docs=True)) as server:
        assert [httpx.get(server.url + p).status_code for p in paths] == [200, 200, 200]
        assert "/api/v1/push" in json.loads(httpx.get(server.url + paths[0]).text)["paths"]

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    monkeypatch.delenv(ENV_API_DOCS, raising=False)
    assert api_docs(parser.parse_args([])) is False
    assert api_docs(parser.parse_args(["--api-docs"])) is True
    monkeypatch.setenv(ENV_API_DOCS, "1")
    assert api_docs(parser.parse_args([])) is True

"""The server's API one endpoint at a time: devices, limits, pull, keyring, reports."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from counter_app.core import token as tokens
from counter_app.server import schemas
from counter_app.server.app import create_app
from counter_app.server.embedded import ServerThread
from counter_app.server.store import Store
from counter_app.services import daily_report, keys, receipts, staff, tickets
from counter_app.services.demo import run_demo
from counter_app.services.sync import run_sync
from counter_app.store.models import Service, Staff, db
from counter_app.sync import outbox, reference
from counter_app.sync.protocol import MAX_BODY_BYTES, PROTOCOL, push_body
from server.helpers import FAST_RETRY, Live, Station, bound, complaint_doc, row, ticket_doc

MakeStation = Callable[..., Station]


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_health(live: Live) -> None:
    answer = httpx.get(live.url + "/api/v1/health").json()
    assert answer["status"] == "ok"
    assert answer["protocol"] == PROTOCOL
    assert answer["store"] == live.store.d.name


def test_devices_through_the_admin_api(live: Live) -> None:
    api = live.url + "/api/v1/devices"
    assert httpx.post(api, json={"name": "PTK-L01"}).status_code == 401
    assert httpx.post(api, json={"name": "PTK-L01"}, headers=auth("wrong")).status_code == 401
    # a new device is bound to its site and counter: without them, refused
    unbound = httpx.post(api, json={"name": "PTK-L01"}, headers=auth(live.admin_token or ""))
    assert unbound.status_code == 422 and "binding_required" in unbound.json()["detail"]
    made = httpx.post(
        api, json={"name": "PTK-L01", "site": "PTK", "counter": "L01"}, headers=auth(live.admin_token or "")
    )
    assert made.status_code == 201
    token = made.json()["token"]
    assert len(token) >= 43

    me = httpx.get(live.url + "/api/v1/device", headers=auth(token)).json()
    assert {k: me[k] for k in ("protocol", "device", "publisher", "stored_through", "site", "counter")} == {
        "protocol": PROTOCOL,
        "device": "PTK-L01",
        "publisher": False,
        "stored_through": 0,
        "site": "PTK",
        "counter": "L01",
    }
    # the same name again: refused unless a new token is asked for
    assert (
        httpx.post(
            api,
            json={"name": "PTK-L01", "site": "PTK", "counter": "L01"},
            headers=auth(live.admin_token or ""),
        ).status_code
        == 400
    )
    again = httpx.post(api, json={"name": "PTK-L01", "replace": True}, headers=auth(live.admin_token or ""))
    assert again.status_code == 201
    assert httpx.get(live.url + "/api/v1/device", headers=auth(token)).status_code == 401
    token = again.json()["token"]

    listed = httpx.get(api, headers=auth(live.admin_token or "")).json()
    assert [d["device"] for d in listed] == ["PTK-L01"]
    assert httpx.delete(f"{api}/PTK-L01", headers=auth(live.admin_token or "")).status_code == 200
    assert httpx.delete(f"{api}/PTK-L99", headers=auth(live.admin_token or "")).status_code == 404
    assert httpx.get(live.url + "/api/v1/device", headers=auth(token)).status_code == 403
    # a device token is not an admin token
    other = live.store.add_device("PTK-L02", site="PTK", counter="L02")
    assert httpx.post(api, json={"name": "X"}, headers=auth(other)).status_code == 401
    # bad names never reach the store
    assert httpx.post(api, json={"name": "../etc"}, headers=auth(live.admin_token or "")).status_code == 422
    # tokens are stored hashed
    with live.store.transaction(write=False) as tx:
        stored = [r[0] for r in tx.all("SELECT token_hash FROM device")]
    assert token not in stored and other not in stored


def test_admin_api_is_off_without_an_admin_token(store: Store) -> None:
    with ServerThread(create_app(store)) as server:
        answer = httpx.post(server.url + "/api/v1/devices", json={"name": "PTK-L01"}, headers=auth("x"))
    assert answer.status_code == 403


def test_request_size_limit(store: Store) -> None:
    token = store.add_device("PTK-L01", site="PTK", counter="L01")
    big = b'{"protocol":"loket-sync/1","pad":"' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while read
        for _ in range(6):
            yield b"x" * (1024 * 1024)

    app = create_app(store)
    assert asgi_post(app, [big], token, length=len(big)) == 413
    assert asgi_post(app, list(chunks()), token) == 413
    assert asgi_post(app, [b"{}"], token) == 422
    assert store.records() == []


def asgi_post(app: Any, chunks: list[bytes], token: str, length: int | None = None) -> int:
    """POST /api/v1/push straight into the ASGI app (no network, no timing): the status."""
    headers = [(b"authorization", f"Bearer {token}".encode()), (b"content-type", b"application/json")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/push",
        "raw_path": b"/api/v1/push",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "server": ("test", 80),
        "client": ("test", 1),
    }
    messages = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


def test_request_size_limit_over_the_network(live: Live) -> None:
    """Refused before the body is read: a client still sending may see the connection
    closed instead of the 413, but nothing is stored either way."""
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    big = b'{"protocol":"loket-sync/1","pad":"' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'
    try:
        answer = httpx.post(live.url + "/api/v1/push", content=big, headers=auth(token))
    except httpx.TransportError:
        pass
    else:
        assert answer.status_code == 413
    assert live.store.records() == []
    assert httpx.get(live.url + "/api/v1/health").status_code == 200


@pytest.mark.parametrize(
    "entity, payload",
    [
        ("ticket", ticket_doc(nik="6171010101900001")),  # a field no ticket has
        ("complaint", complaint_doc(text="nik 6171 0101 0190 0001")),
        ("ticket", ticket_doc(phone="+6281234567890")),
        ("ticket", ticket_doc(no_hp="081234567890")),
        ("ticket", ticket_doc(visitor={"telepon": "0812 3456 7890"})),
        ("complaint", complaint_doc(text="WA 081234567890")),
    ],
)
def test_personal_data_is_refused(live: Live, entity: str, payload: dict[str, object]) -> None:
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    answer = httpx.post(
        live.url + "/api/v1/push",
        content=push_body("PTK-L01", str(uuid.uuid4()), [row(1, entity, payload)]),
        headers=auth(token),
    )
    assert answer.status_code == 422
    assert "6171" not in answer.text and "3456" not in answer.text  # never echoed back
    assert live.store.records() == []


def test_masked_data_and_uuids_are_accepted(live: Live) -> None:
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    ticket = ticket_doc(id="01a22996-0016-70bc-bdfe-081234567890")
    complaint = complaint_doc(text="HP 0812****7890, NIK 6171**********01", ticket_id=ticket["id"])
    rows = [row(1, "ticket", ticket), row(2, "complaint", complaint)]
    answer = httpx.post(
        live.url + "/api/v1/push", content=push_body("PTK-L01", str(uuid.uuid4()), rows), headers=auth(token)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored_through"] == 2


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(protocol="loket-sync/2"),
        lambda d: d.update(batch_id="not-a-uuid"),
        lambda d: d["rows"].reverse(),
        lambda d: d["rows"][0].update(op="drop"),
        lambda d: d["rows"][0].update(extra=1),
        lambda d: d["rows"][0].update(seq=0),
        lambda d: d["rows"][0].update(payload=[1, 2]),
        lambda d: d.update(rows=[]),
    ],
)
def test_malformed_pushes_are_refused(live: Live, mutate: Callable[[dict[str, object]], None]) -> None:
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    rows = [row(i, "ticket", ticket_doc()) for i in (1, 2)]
    doc = json.loads(push_body("PTK-L01", str(uuid.uuid4()), rows))
    schemas.PUSH.validate_json(json.dumps(doc))  # as made, it passes: the mutation is what is refused
    mutate(doc)
    answer = httpx.post(live.url + "/api/v1/push", json=doc, headers=auth(token))
    assert answer.status_code == 422
    assert live.store.records() == []


def test_pull_brings_catalogue_staff_and_keyring(live: Live, stations: MakeStation) -> None:
    admin_pc = stations("L01")
    counter_pc = stations("L02")
    admin_pc.token = live.store.add_device(admin_pc.device, **bound(admin_pc.device), publisher=True)
    counter_pc.token = live.store.add_device(counter_pc.device, **bound(counter_pc.device))

    ctx = admin_pc.use()
    staff.create_staff(ctx, "petugas9", "kata-sandi-9", "supervisor", "Petugas Sembilan")
    Service.update(fee=50_000, name_en="Passport (new)").where(Service.code == "PASPOR").execute()
    ticket = tickets.register(ctx, service="KTP", name="Budi Santoso").ticket
    token = receipts.issue_receipt(ctx, ticket.id).token
    admin_kid = keys.station_key(ctx).kid
    first = run_sync(ctx, live.url, admin_pc.token, retry=FAST_RETRY)
    assert first.reference_published and first.reference_published > 20

    ctx = counter_pc.use()
    with pytest.raises(tokens.TokenError):  # not known here yet
        tokens.verify_token(token, keys.local_keyring(counter_pc.folder))
    result = run_sync(ctx, live.url, counter_pc.token, retry=FAST_RETRY)

    assert result.pulled >= 4
    assert Service.get(Service.code == "PASPOR").fee == 50_000
    assert Service.get(Service.code == "PASPOR").name_en == "Passport (new)"
    member = Staff.get(Staff.username == "petugas9")
    assert (member.role, member.full_name) == ("supervisor", "Petugas Sembilan")
    assert staff.authenticate(ctx, "petugas9", "kata-sandi-9").username == "petugas9"
    facts = tokens.verify_token(token, keys.local_keyring(counter_pc.folder))
    assert (facts.kid, facts.counter) == (admin_kid, "L01")
    assert reference.stored_version(db) > 0
    assert run_sync(ctx, retry=FAST_RETRY).pulled == 0  # nothing new since

    # the public keyring and the visitors' page carry both stations' keys
    ring = httpx.get(live.url + "/keyring.json").json()
    kids = {k["kid"] for k in ring["keys"]}
    assert admin_kid in kids and keys.station_key(ctx).kid in kids
    page = httpx.get(live.url + "/verify")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert all(kid in page.text for kid in kids)
    assert httpx.get(live.url + "/api/v1/keyring.json").json() == ring


def test_only_a_publisher_sends_reference_data(live: Live, stations: MakeStation) -> None:
    station = stations("L02")
    token = live.store.add_device(station.device, **bound(station.device))
    docs = reference.snapshot(db)
    answer = httpx.post(
        live.url + "/api/v1/reference",
        headers=auth(token),
        json={"protocol": PROTOCOL, "device": station.device, **docs},
    )
    assert answer.status_code == 403
    assert live.store.reference("service") == {}


def test_consolidated_report_matches_each_counters_own(live: Live, stations: MakeStation) -> None:
    day = date(2026, 11, 27)
    figures = []
    pcs = [stations("L01"), stations("L02")]
    for i, pc in enumerate(pcs):
        ctx = pc.use()
        run_demo(ctx, day, 150 + 50 * i, seed=5 + i)
        pc.token = live.store.add_device(pc.device, **bound(pc.device), publisher=(i == 0))
        run_sync(ctx, live.url, pc.token, retry=FAST_RETRY)
        figures.append(daily_report.daily_figures(ctx, day).to_json())

    def report(token: str) -> dict[str, object]:
        answer = httpx.get(live.url + "/api/v1/reports/daily", params={"date": str(day)}, headers=auth(token))
        assert answer.status_code == 200, answer.text
        return answer.json()

    both = report(pcs[0].token)
    assert both["scope"]["devices"] == ["PTK-L01", "PTK-L02"]
    by_device = {row["device"]: row for row in both["by_device"]}
    for pc, own in zip(pcs, figures, strict=True):
        assert by_device[pc.device]["registered"] == own["totals"]["registered"]
        assert by_device[pc.device]["served"] == own["totals"]["served"]
    assert both["totals"]["registered"] == sum(f["totals"]["registered"] for f in figures)
    assert both["totals"]["visitors"] == sum(f["totals"]["visitors"] for f in figures)

    # one device alone (revoke the other's tickets out of the store): identical figures
    with live.store.transaction() as tx:
        tx.run("DELETE FROM sync_record WHERE device = 'PTK-L02'")
    alone = report(pcs[0].token)
    own = figures[0]
    assert alone["totals"] == own["totals"]
    assert [r["service"] for r in alone["by_service"]] == [r["service"] for r in own["by_service"]]
    for theirs, ours in zip(alone["by_service"], own["by_service"], strict=True):
        assert {k: theirs.get(k) for k in ours} == ours


def test_reports_and_reconcile_need_a_token(live: Live) -> None:
    assert httpx.get(live.url + "/api/v1/reports/daily", params={"date": "2026-11-30"}).status_code == 401
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    live.store.add_device("PTK-L02", site="PTK", counter="L02")
    ok = httpx.get(live.url + "/api/v1/reconcile", params={"device": "PTK-L01"}, headers=auth(token))
    assert ok.json() == {"protocol": PROTOCOL, "device": "PTK-L01", "days": []}
    other = httpx.get(live.url + "/api/v1/reconcile", params={"device": "PTK-L02"}, headers=auth(token))
    assert other.status_code == 403
    admin = httpx.get(
        live.url + "/api/v1/reconcile", params={"device": "PTK-L02"}, headers=auth(live.admin_token or "")
    )
    assert admin.status_code == 200
    bad = httpx.get(
        live.url + "/api/v1/reports/daily",
        params={"date": "2026-11-30", "to": "2026-11-01"},
        headers=auth(token),
    )
    assert bad.status_code == 422


def test_pull_version_never_skips_a_change(store: Store) -> None:
    store.add_device("PTK-L01", site="PTK", counter="L01", publisher=True)
    service = {"code": "KTP", "name": "x"}
    assert store.store_reference("PTK-L01", [("agency", "DUKCAPIL", service)]) == 1
    assert store.store_reference("PTK-L01", [("agency", "DUKCAPIL", service)]) == 0  # unchanged
    first = store.pull(0)
    assert first["version"] == 1 and len(first["agency"]) == 1 and first["keyring"] is None
    store.store_reference("PTK-L01", [("agency", "DUKCAPIL", {"code": "KTP", "name": "y"})])
    second = store.pull(first["version"])
    assert second["version"] == 2 and second["agency"] == [{"code": "KTP", "name": "y"}]
    assert store.pull(second["version"])["agency"] == []
    assert store.pull(99)["version"] == 2 and len(store.pull(99)["agency"]) == 1  # store replaced


def test_outbox_rows_in_the_store_match_the_counter(live: Live, stations: MakeStation) -> None:
    """Seq order, highest seq per record, and the raw payloads as the counter wrote them."""
    pc = stations("L01")
    ctx = pc.use()
    ticket = tickets.register(ctx, service="KTP", name="Budi Santoso").ticket
    tickets.call_next(ctx, "L01")
    tickets.start(ctx, ticket.id)
    tickets.finish(ctx, ticket.id)
    rows = outbox.pending(db, 100)
    assert [r[0] for r in rows] == [1, 2, 3, 4]
    token = live.store.add_device(pc.device, **bound(pc.device))
    run_sync(ctx, live.url, token, retry=FAST_RETRY)
    (record,) = live.store.records()
    assert record["seq"] == 4 and record["payload"] == json.loads(rows[-1][4])
    assert record["payload"]["status"] == "done"


def test_random_looking_key_material_is_not_taken_for_a_nik(live: Live) -> None:
    """A key id is 16 hex digits: now and then (1 in 1,800) all of them are decimal digits."""
    while True:
        public = Ed25519PrivateKey.generate().public_key()
        if tokens.key_id(public).isdigit():
            break
    entry = tokens.keyring_entry(public, "PTK", "L01", "2026-11-30T08:00:00+07:00")
    token = live.store.add_device("PTK-L01", site="PTK", counter="L01")
    answer = httpx.post(
        live.url + "/api/v1/keys",
        headers=auth(token),
        json={"protocol": PROTOCOL, "device": "PTK-L01", "keys": [entry]},
    )
    assert answer.status_code == 200, answer.text
    (served,) = live.store.keyring()["keys"]
    assert served | {"device": "PTK-L01"} == entry | {
        "device": "PTK-L01",
        "published_at": served["published_at"],
    }

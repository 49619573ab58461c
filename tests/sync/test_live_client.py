"""The counter's live link against a real hub on loopback (SQLite and PostgreSQL): codes from the
hub and from the offline range, call-next as a claim, the replica, the background push and
event stream, a LAN cut by a TCP relay that drops every connection, a lost claim.

Only one local store is open per process (the `db` proxy): counters take turns (`Station.use`);
where a second device must act while this counter's threads run, it speaks HTTP to the hub with
its own token, as another PC would.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server.conftest import pg_url, postgres  # noqa: F401 - the PostgreSQL fixtures
from server.helpers import Station
from server.live_site import Hub, LanCut, running_hub, station_maker, wait_for

from counter_app.core import numbering
from counter_app.core.errors import IllegalTransition
from counter_app.services import live_queue, replica, tickets
from counter_app.services.context import Context
from counter_app.store.connection import close_db
from counter_app.store.models import Ticket, db
from counter_app.sync.live import LIVE, OFFLINE, LiveLink

SITE = "PTK"
DAY = "2026-11-30"


# ---- numbering ----------------------------------------------------------------------------


def test_offline_numbers_are_a_range_no_hub_issues() -> None:
    assert numbering.offline_number(0, 1) == 10001
    assert numbering.offline_number(2, 5) == 12005
    assert numbering.offline_number(89, 999) == 99999
    assert numbering.ticket_code("A", 12005) == "A12005"
    assert numbering.ticket_code("A", 7) == "A007" and numbering.ticket_code("A", 1234) == "A1234"
    assert numbering.is_offline_number(12005) and not numbering.is_offline_number(9999)
    assert not numbering.is_offline_number(12000)  # n starts at 1
    assert numbering.offline_block(12005) == 2 and numbering.offline_block(24) is None
    assert numbering.CODE_RE.match("A12005") and numbering.CODE_RE.match("A024")
    assert not numbering.CODE_RE.match("A123456") and not numbering.CODE_RE.match("A12")
    for bad in ((90, 1), (0, 0), (0, 1000), (-1, 1)):
        with pytest.raises(ValueError):
            numbering.offline_number(*bad)
    for bad in (0, 10000, 12000, 100000):
        with pytest.raises(ValueError):
            numbering.ticket_code("A", bad)
    assert numbering.code_number("A12005") == 12005 and numbering.code_number("x") is None


# ---- a hub and counters -------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def hub(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Hub]:
    url = (
        f"sqlite:///{tmp_path / 'hub' / 'server.sqlite3'}"
        if request.param == "sqlite"
        else request.getfixturevalue("pg_url")
    )
    with running_hub(url) as running:
        yield running


@pytest.fixture
def counters(tmp_path: Path, hub: Hub) -> Iterator[Callable[..., Station]]:
    """Counter PCs of site PTK, each its own data folder, bound at the hub, hub and token saved."""
    yield station_maker(tmp_path, hub, SITE)
    close_db()


def live_ctx(station: Station, server: str | None = None) -> Context:
    ctx = station.use()
    ctx.live = live_queue.open_link(ctx, server=server) if server else live_queue.open_link(ctx)
    return ctx


def done(ctx: Context) -> None:
    live_queue.close_link(ctx.live)
    ctx.live = None


def local(ticket_id: str) -> Ticket:
    return Ticket.get(Ticket.id == ticket_id)


# ---- codes and claims ---------------------------------------------------------------------


def test_codes_come_from_the_hub_unique_across_counters(hub: Hub, counters: Callable[..., Station]) -> None:
    stations = [counters(c) for c in ("L01", "L02", "L03")]
    codes: list[str] = []
    for _round in range(2):
        for station in stations:
            ctx = live_ctx(station)
            assert ctx.live is not None and ctx.live.state == LIVE
            codes.append(tickets.register(ctx, service="KTP", name="Budi Santoso").ticket.code)
            done(ctx)
    assert codes == [f"A{n:03d}" for n in range(1, 7)]  # consecutive, in the order asked
    blocks = set()
    for station in stations:
        station.use()
        blocks.add(replica.raw_setting(replica.BLOCK_KEY))
    assert len(blocks) == 3  # every device its own offline block
    assert sorted(p["code"] for p in hub.state(stations[0].token).values()) == codes


def test_a_front_desk_ticket_is_called_served_and_finished_elsewhere(
    hub: Hub, counters: Callable[..., Station]
) -> None:
    desk = counters("L10", serves=())  # registers for every agency, serves none
    agent = counters("L01")  # KTP, KK, …
    other = counters("L12", serves=("KTP",))  # a second KTP counter: its replica must follow
    ctx = live_ctx(desk)
    ticket = tickets.register(ctx, service="KTP", name="Siti Aminah").ticket
    done(ctx)

    def seen_at(station: Station) -> tuple[str, str | None]:
        ctx = live_ctx(station)
        row = local(ticket.id)
        done(ctx)
        return row.status, row.counter

    assert seen_at(other) == ("waiting", None)
    ctx = live_ctx(agent)
    called = tickets.call_next(ctx)
    assert called is not None and called.id == ticket.id and called.code == "A001"
    done(ctx)
    assert seen_at(other) == ("called", "L01")
    assert seen_at(desk) == ("called", "L01")
    ctx = live_ctx(other)
    assert tickets.call_next(ctx) is None  # the hub gave it to L01: nobody else gets it
    done(ctx)
    for step, status in ((tickets.start, "serving"), (tickets.finish, "done")):
        ctx = live_ctx(agent)
        step(ctx, ticket.id)
        done(ctx)
        assert seen_at(other) == (status, "L01")
        assert seen_at(desk) == (status, "L01")
    hub_state = hub.state(desk.token)[ticket.id]
    assert hub_state["status"] == "done" and hub_state["counter"] == "L01"
    # the replica keeps no personal data it was not given, and wrote no outbox row for it
    other.use()
    assert local(ticket.id).name == "Siti A*****"
    assert db.execute_sql('SELECT COUNT(*) FROM "outbox" WHERE "uuid" = ?', (ticket.id,)).fetchone()[0] == 0


def test_offline_codes_when_the_hub_is_unreachable_then_the_replay(
    hub: Hub, counters: Callable[..., Station]
) -> None:
    desk = counters("L10", serves=())
    agent = counters("L01")
    ctx = live_ctx(desk)
    theirs = tickets.register(ctx, service="KTP", name="Dewi Lestari").ticket  # A001, at the hub
    done(ctx)
    ctx = live_ctx(agent)  # learns its block and A001
    block = int(replica.raw_setting(replica.BLOCK_KEY) or -1)
    done(ctx)

    hub.stop()
    agent.clock.advance(minutes=1)  # type: ignore[attr-defined]
    ctx = live_ctx(agent)
    assert ctx.live is None and live_queue.mode(ctx) == "offline"
    started = time.monotonic()
    mine = tickets.register(ctx, service="KTP", name="Agus Hidayat").ticket
    second = tickets.register(ctx, service="KK", name="Rina Wati").ticket
    assert time.monotonic() - started < 5  # no waiting on the network (connection refused)
    assert mine.code == numbering.ticket_code("A", numbering.offline_number(block, 1))
    assert second.code == numbering.ticket_code("A", numbering.offline_number(block, 2))
    # offline, only this device's own offline tickets may be called: A001 waits for the hub
    first_call = tickets.call_next(ctx)
    assert first_call is not None and first_call.id == mine.id
    tickets.start(ctx, mine.id)
    assert local(theirs.id).status == "waiting"

    hub.start()
    ctx = live_ctx(agent)  # connects, catches up; the command's end pushes the backlog
    assert ctx.live is not None
    done(ctx)
    assert agent.pending() == 0
    state = hub.state(desk.token)
    assert state[mine.id]["status"] == "serving" and state[mine.id]["counter"] == "L01"
    assert state[second.id]["status"] == "waiting"
    codes = [p["code"] for p in state.values()]
    assert len(codes) == len(set(codes)) == 3
    ctx = live_ctx(agent)
    with pytest.raises(IllegalTransition):  # holds A…(mine): the hub refuses a second one
        tickets.call_next(ctx)
    tickets.finish(ctx, mine.id)
    nxt = tickets.call_next(ctx)
    assert nxt is not None and nxt.id == theirs.id  # FIFO over the site: A001 came first
    done(ctx)


# ---- the background link ------------------------------------------------------------------


def _claim_as(hub: Hub, token: str, services: list[str]) -> dict[str, Any] | None:
    answer = httpx.post(
        f"{hub.url}/api/v1/live/claim",
        headers={"Authorization": f"Bearer {token}"},
        json={"day": DAY, "services": services, "priority_cap": 3, "ticket": None},
        timeout=5,
    )
    answer.raise_for_status()
    return answer.json()["ticket"]


def test_the_background_link_pushes_streams_and_survives_a_lan_cut(
    hub: Hub, counters: Callable[..., Station]
) -> None:
    other = counters("L12", serves=("KTP",))
    third = counters("L13", serves=("KTP",))
    agent = counters("L01")
    lan = LanCut(hub.thread.port)
    states: list[str] = []
    ctx = agent.use()
    link = live_queue.make_link(ctx, server=lan.url, on_state=states.append)
    assert isinstance(link, LiveLink)
    ctx.live = link
    link.start()
    try:
        wait_for(lambda: link.state == LIVE)
        first = tickets.register(ctx, service="KTP", name="Budi Santoso").ticket
        second = tickets.register(ctx, service="KTP", name="Dewi Lestari").ticket
        assert (first.code, second.code) == ("A001", "A002")
        # pushed within a moment, without anyone asking
        wait_for(lambda: {first.id, second.id} <= set(hub.state(other.token)))
        # another counter claims A001: the stream brings it here
        claimed = _claim_as(hub, other.token, ["KTP"])
        assert claimed is not None and claimed["id"] == first.id
        wait_for(lambda: local(first.id).counter == "L12")
        assert local(first.id).status == "called"

        lan.cut()  # every connection dropped, new ones refused
        wait_for(lambda: link.state != LIVE)
        offline = tickets.register(ctx, service="KTP", name="Agus Hidayat").ticket
        assert numbering.is_offline_number(numbering.code_number(offline.code) or 0)
        during = _claim_as(hub, third.token, ["KTP"])  # the building goes on meanwhile
        assert during is not None and during["id"] == second.id
        assert link.backlog >= 1

        lan.mend()  # the counter catches up by itself: pushes, resumes the stream
        wait_for(lambda: link.state == LIVE and link.backlog == 0)
        wait_for(lambda: offline.id in hub.state(other.token))
        head = hub.events(other.token)[-1]["seq"]
        wait_for(lambda: link.last_event_seq >= head)
        assert replica.last_site_event() >= head
        assert OFFLINE in states and states[-1] == LIVE
        assert (local(second.id).status, local(second.id).counter) == ("called", "L13")
    finally:
        link.close()
        lan.close()
    # every ticket of the hub is in this replica, in the hub's state
    state = hub.state(other.token)
    for ticket_id, payload in state.items():
        row = local(ticket_id)
        assert (row.status, row.counter, row.code) == (payload["status"], payload["counter"], payload["code"])


def test_a_claim_whose_answer_was_lost_is_given_back(hub: Hub, counters: Callable[..., Station]) -> None:
    desk = counters("L10", serves=())
    agent = counters("L01")
    ctx = live_ctx(desk)
    lost = tickets.register(ctx, service="KTP", name="Budi Santoso").ticket
    done(ctx)
    # the hub gives A001 to L01, but the answer never reaches L01 (the LAN went down)
    assert _claim_as(hub, agent.token, ["KTP"])["id"] == lost.id  # type: ignore[index]
    agent.clock.advance(minutes=1)  # type: ignore[attr-defined]
    ctx = agent.use()  # offline meanwhile: L01 registers and calls a visitor of its own
    own = tickets.register(ctx, service="KTP", name="Rina Wati").ticket
    assert tickets.call_next(ctx).id == own.id  # type: ignore[union-attr]
    before = local(lost.id).queued_at if Ticket.get_or_none(Ticket.id == lost.id) else None
    assert before is None  # L01 never heard of A001 (it serves KTP, but was offline)

    ctx = live_ctx(agent)  # back: the stream says L01 holds A001, but it holds its own
    assert local(lost.id).status == "waiting"  # given back at once …
    done(ctx)
    state = hub.state(desk.token)
    assert state[lost.id]["status"] == "waiting"  # … at the hub too, so another counter may call it
    assert state[own.id]["status"] == "called" and state[own.id]["counter"] == "L01"
    assert state[lost.id]["queued_at"] <= state[own.id]["queued_at"]  # kept its place
    ctx = live_ctx(desk)
    assert local(lost.id).status == "waiting"
    done(ctx)


def test_a_lost_claim_is_kept_when_the_counter_is_free(hub: Hub, counters: Callable[..., Station]) -> None:
    desk = counters("L10", serves=())
    agent = counters("L01")
    ctx = live_ctx(desk)
    lost = tickets.register(ctx, service="KTP", name="Budi Santoso").ticket
    done(ctx)
    assert _claim_as(hub, agent.token, ["KTP"])["id"] == lost.id  # type: ignore[index]
    ctx = live_ctx(agent)
    row = local(lost.id)
    assert (row.status, row.counter) == ("called", "L01")  # this counter's visitor now
    tickets.start(ctx, lost.id)
    done(ctx)
    assert hub.state(desk.token)[lost.id]["status"] == "serving"


def test_an_offline_ticket_whose_push_answer_was_lost_is_not_served_twice(
    hub: Hub, counters: Callable[..., Station]
) -> None:
    """The push of offline tickets reaches the hub but its answer is lost: the counter still
    sees them unsent and, cut off again, calls one of them offline. The hub keeps them reserved
    for that counter until it releases them (after an acknowledged push), so no other counter
    gets them meanwhile; after the release they are the site's like any other."""
    agent = counters("L01")
    other = counters("L12", serves=("KTP",))
    ctx = live_ctx(agent)  # learns its offline block
    done(ctx)
    ctx = agent.use()  # offline
    first = tickets.register(ctx, service="KTP", name="Agus Hidayat").ticket
    second = tickets.register(ctx, service="KTP", name="Rina Wati").ticket
    assert numbering.is_offline_number(numbering.code_number(first.code) or 0)
    lan = LanCut(hub.thread.port)
    link = live_queue.make_link(ctx, server=lan.url)
    assert isinstance(link, LiveLink)
    try:
        assert link.connect()
        lan.drop_answers = True
        assert link.push_now() is None  # the hub stored the rows; the answer never came
    finally:
        link.close()
        lan.close()
    state = hub.state(other.token)
    assert state[first.id]["status"] == state[second.id]["status"] == "waiting"
    assert agent.pending() >= 2 and replica.released() == {}  # unsent, as far as L01 knows

    # cut off again: L01 calls its offline ticket while another counter calls at the hub
    called = tickets.call_next(ctx)
    assert called is not None and called.id == first.id
    assert _claim_as(hub, other.token, ["KTP"]) is None  # reserved for L01: not served twice

    ctx = live_ctx(agent)  # back: the push is acknowledged, then the waiting one is released
    done(ctx)
    assert agent.pending() == 0
    assert replica.released() == {second.id: True}
    state = hub.state(other.token)
    assert (state[first.id]["status"], state[first.id]["counter"]) == ("called", "L01")
    ctx = agent.use()  # offline once more: the released ticket is the hub's now, not called here
    tickets.start(ctx, first.id)
    tickets.finish(ctx, first.id)
    assert tickets.call_next(ctx) is None
    got = _claim_as(hub, other.token, ["KTP"])
    assert got is not None and got["id"] == second.id

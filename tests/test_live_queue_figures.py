"""Issue 12, points 3 and 5, with a real hub on loopback and one data folder per counter PC:

* the front desk (serves nothing) tells a visitor the same people ahead as the counter that
  will call them, in the order that counter's call-next really takes (priority classes, the
  priority cap, every service the counter serves, tickets registered on any PC);
* a ticket registered on one PC is transferred, no-showed and finished on others, and a
  transfer to a service another counter serves reaches that counter's queue and is called there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from server.helpers import WIB, Station
from server.live_site import Hub, running_hub, station_maker

from counter_app.core.clock import from_db
from counter_app.services import live_queue, receipts, tickets, waiting
from counter_app.services.context import Context
from counter_app.store.connection import close_db
from counter_app.store.models import CounterService, Ticket

SITE = "PTK"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    with running_hub(f"sqlite:///{tmp_path / 'hub' / 'server.sqlite3'}") as running:
        yield running


@pytest.fixture
def counters(tmp_path: Path, hub: Hub) -> Iterator[Callable[..., Station]]:
    yield station_maker(tmp_path, hub, SITE)
    close_db()


def live_ctx(station: Station) -> Context:
    ctx = station.use()
    ctx.live = live_queue.open_link(ctx)
    assert ctx.live is not None  # the hub answers: this is the live path
    return ctx


def done(ctx: Context) -> None:
    live_queue.close_link(ctx.live)
    ctx.live = None


def register(station: Station, service: str, name: str, priority: str = "") -> tuple[str, int]:
    """Register on `station` and print the receipt at once: (ticket id, receipt's people ahead)."""
    ctx = live_ctx(station)
    ticket = tickets.register(ctx, service=service, name=name, priority=priority).ticket
    ahead = int(receipts.issue_receipt(ctx, ticket.id).snapshot["people_ahead"])
    done(ctx)
    return ticket.id, ahead


def figures(station: Station, ids: list[str]) -> dict[str, int]:
    """The people ahead each waiting ticket shows on this PC's screen, after catching up."""
    ctx = live_ctx(station)
    out = {}
    for tid in ids:
        ticket = Ticket.get_or_none(Ticket.id == tid)
        assert ticket is not None, "the site's ticket is missing from this PC's replica"
        if ticket.status == "waiting":
            out[tid] = waiting.position(ctx, ticket).ahead
    done(ctx)
    return out


def order_at(station: Station) -> list[str]:
    ctx = live_ctx(station)
    order = waiting.call_order(ctx)
    done(ctx)
    return order


def test_the_front_desk_counts_the_queue_the_serving_counter_calls(
    hub: Hub, counters: Callable[..., Station]
) -> None:
    agent = counters("L01")  # KTP, KK, AKTALAHIR, PINDAH; priority cap 3
    desk = counters("L10", serves=())  # registers for every service, serves none
    other = counters("L03", serves=("PASPOR",))  # another service's counter, another PC
    first, _ = register(agent, "KTP", "Budi Santoso")  # general, registered at L01
    ids = [first]
    for name in ("Siti Aminah", "Dewi Lestari", "Rina Wati", "Agus Hidayat", "Hadi Susanto"):
        ids.append(register(desk, "KK" if name == "Rina Wati" else "KTP", name, "lansia")[0])
    ids.append(register(other, "AKTALAHIR", "Yanti Putri")[0])  # general, on a third PC
    last, receipt_ahead = register(desk, "PINDAH", "Joko Widodo")  # general
    ids.append(last)
    # cap 3: three priority, then the oldest general, the other two priority, the generals
    g1, p1, p2, p3, p4, p5, g2, g3 = ids
    expected = [p1, p2, p3, g1, p4, p5, g2, g3]
    assert order_at(agent) == expected
    assert order_at(desk) == []  # the desk serves nothing: it calls nobody
    at_agent, at_desk = figures(agent, ids), figures(desk, ids)
    assert at_agent == {tid: expected.index(tid) for tid in ids}
    assert at_desk == at_agent  # the desk keeps the whole queue (A001 came from L01)
    assert receipt_ahead == at_agent[last] == 7

    # call-next takes exactly that order; half-way, with a priority streak of 3 at L01, the
    # desk still agrees (the streak comes from L01's calls it holds in its replica)
    called = []
    for step in range(len(expected)):
        ctx = live_ctx(agent)
        nxt = tickets.call_next(ctx)
        assert nxt is not None
        called.append(nxt.id)
        tickets.start(ctx, nxt.id)
        agent.clock.advance(minutes=5)  # type: ignore[attr-defined]
        tickets.finish(ctx, nxt.id)
        done(ctx)
        if step == 2:  # p1..p3 called: the cap gives g1 next
            rest = [t for t in expected if t not in called]
            assert figures(agent, rest) == figures(desk, rest) == {t: i for i, t in enumerate(rest)}
            assert order_at(agent) == rest
    assert called == expected


def test_a_ticket_moves_between_pcs_transfer_no_show_finish(
    hub: Hub, counters: Callable[..., Station]
) -> None:
    agent = counters("L01")  # KTP …
    passport = counters("L03", serves=("PASPOR",))
    desk = counters("L10", serves=())
    moved, _ = register(desk, "KTP", "Siti Aminah")
    absent, _ = register(desk, "KTP", "Rina Wati")
    served, _ = register(desk, "KK", "Agus Hidayat")

    # L01 calls the desk's ticket and transfers it to PASPOR, which L03 serves
    ctx = live_ctx(agent)
    nxt = tickets.call_next(ctx)
    assert nxt is not None and nxt.id == moved
    tickets.start(ctx, moved)
    new = tickets.transfer(ctx, moved, "PASPOR", "perlu paspor")
    done(ctx)
    assert new.service_id == "PASPOR" and new.transferred_from == moved
    assert order_at(passport) == [new.id]  # it reached L03's queue through the hub
    ctx = live_ctx(passport)
    called = tickets.call_next(ctx)
    assert called is not None and called.id == new.id
    tickets.start(ctx, new.id)
    tickets.finish(ctx, new.id)
    done(ctx)

    # L01 no-shows one desk ticket and finishes the other
    ctx = live_ctx(agent)
    nxt = tickets.call_next(ctx)
    assert nxt is not None and nxt.id == absent
    for _ in range(ctx.setting("no_show_after_calls") - 1):
        tickets.recall(ctx, absent)
    # the grace counts from the call the hub stamped with its own clock (real time, days after
    # this PC's fixed test clock): step past it for the no-show, then back to the test's day
    stamped = from_db(Ticket.get(Ticket.id == absent).first_called_at)
    assert stamped is not None
    before = agent.clock.now()
    agent.clock.set(stamped + timedelta(minutes=ctx.setting("no_show_grace_minutes") + 1))  # type: ignore[attr-defined]
    tickets.no_show(ctx, absent)
    agent.clock.set(before)  # type: ignore[attr-defined]
    nxt = tickets.call_next(ctx)
    assert nxt is not None and nxt.id == served
    tickets.start(ctx, served)
    tickets.finish(ctx, served)
    done(ctx)

    state = hub.state(desk.token)
    assert (state[moved]["status"], state[moved]["counter"]) == ("transferred", "L01")
    assert (state[new.id]["status"], state[new.id]["counter"]) == ("done", "L03")
    assert (state[absent]["status"], state[absent]["counter"]) == ("no_show", "L01")
    assert (state[served]["status"], state[served]["counter"]) == ("done", "L01")
    # the PC that registered them sees every outcome in its replica
    ctx = live_ctx(desk)
    seen = {t: Ticket.get(Ticket.id == t).status for t in (moved, new.id, absent, served)}
    done(ctx)
    assert seen == {
        moved: "transferred",
        new.id: "done",
        absent: "no_show",
        served: "done",
    }


def wait_minutes(station: Station, ticket_id: str) -> int | None:
    """The wait this PC's screen shows for a waiting ticket, after catching up with the hub."""
    ctx = live_ctx(station)
    minutes = waiting.position(ctx, Ticket.get(Ticket.id == ticket_id)).minutes
    done(ctx)
    return minutes


def test_the_estimate_knows_the_other_counters_breaks_and_closing(
    hub: Hub, counters: Callable[..., Station]
) -> None:
    """Two counters share KTP (L01 and L05): the wait of the third visitor is 2 × 10 min ÷ 2
    on every PC, and doubles on every PC while L05 is on a break or closed — a state each PC
    learns from the hub's events, not only the counter that took the break."""
    agent = counters("L01")
    second = counters("L05", serves=("SKCK", "KTP"))
    desk = counters("L10", serves=())
    for station in (agent, desk):  # the site's catalogue: L05 serves KTP too, on every PC
        station.use()
        CounterService.create(counter="L05", service="KTP")
        close_db()
    third = [register(desk, "KTP", name)[0] for name in ("Budi Santoso", "Siti Aminah", "Dewi Lestari")][-1]
    shared = {"L01": wait_minutes(agent, third), "L10": wait_minutes(desk, third)}
    assert shared == {"L01": 10, "L10": 10}  # both counters open (never heard otherwise)

    def at_l05(change: Callable[[Context], object]) -> None:
        ctx = live_ctx(second)
        change(ctx)
        done(ctx)

    at_l05(lambda ctx: live_queue.set_break(ctx, True))
    assert wait_minutes(second, third) == 20  # its own break, known first hand
    assert {"L01": wait_minutes(agent, third), "L10": wait_minutes(desk, third)} == {"L01": 20, "L10": 20}
    at_l05(lambda ctx: live_queue.set_break(ctx, False))
    assert {"L01": wait_minutes(agent, third), "L10": wait_minutes(desk, third)} == shared
    at_l05(live_queue.say_closed)  # the window closed (end of the day, log-out)
    assert {"L01": wait_minutes(agent, third), "L10": wait_minutes(desk, third)} == {"L01": 20, "L10": 20}

    # the states are kept in each store: a PC restarted offline still knows L05 is closed
    ctx = desk.use()
    assert waiting.open_counters(ctx, "KTP") == ["L01"]
    assert waiting.position(ctx, Ticket.get(Ticket.id == third)).minutes == 20
    close_db()

    # L05 opens again, and its PC is switched off without closing: the next morning the hub
    # still says "open" (since yesterday); it counts only once it calls a visitor that day
    at_l05(lambda ctx: live_queue.set_break(ctx, False))
    tomorrow = (datetime.now(WIB) + timedelta(days=1)).replace(hour=8, minute=0)
    for station in (agent, second, desk):
        station.clock.set(tomorrow)  # type: ignore[attr-defined]
    first, _, third = [
        register(desk, "KTP", name)[0] for name in ("Agus Hidayat", "Rina Wati", "Joko Widodo")
    ]
    assert {"L01": wait_minutes(agent, third), "L10": wait_minutes(desk, third)} == {"L01": 20, "L10": 20}
    ctx = live_ctx(second)
    called = tickets.call_next(ctx)
    assert called is not None and called.id == first
    done(ctx)
    assert {"L01": wait_minutes(agent, third), "L10": wait_minutes(desk, third)} == {"L01": 5, "L10": 5}

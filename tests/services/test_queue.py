"""Moving tickets through the queue (DESIGN.md §4): life, illegal moves, priority, transfers."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from counter_app.core.clock import FixedClock, local_day
from counter_app.core.errors import IllegalTransition, NotFound, ValidationError
from counter_app.core.ticket_rules import TRANSITIONS
from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.store.models import (
    AuditLog,
    Outbox,
    QueueSequence,
    Setting,
    Ticket,
    TicketEvent,
)

WIB = ZoneInfo("Asia/Pontianak")

# The ticket's life, written out independently of the code (DESIGN.md §4 and ticket_rules).
MODEL: dict[str, tuple[set[str], str]] = {
    "call": ({"waiting"}, "called"),
    "recall": ({"called"}, "called"),
    "start": ({"called"}, "serving"),
    "finish": ({"serving"}, "done"),
    "no_show": ({"called"}, "no_show"),
    "cancel": ({"waiting", "called"}, "cancelled"),
    "requeue": ({"called", "serving", "no_show"}, "waiting"),  # no_show: same day, audited
    "transfer": ({"waiting", "called", "serving"}, "transferred"),
}
ALL_STATUSES = ["waiting", "called", "serving", "done", "no_show", "cancelled", "transferred"]


def counts() -> dict[str, int]:
    return {
        "ticket": Ticket.select().count(),
        "event": TicketEvent.select().count(),
        "outbox": Outbox.select().count(),
        "audit": AuditLog.select().count(),
        "sequence": sum(q.last for q in QueueSequence.select()),
    }


def reg(ctx: Context, service: str = "KTP", priority: str = "", name: str = "Budi Santoso") -> Ticket:
    return tickets.register(ctx, service=service, name=name, priority=priority).ticket


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.get_by_id(ticket.id)


def events(ticket: Ticket) -> list[tuple[str, str | None, str]]:
    return [
        (e.action, e.from_status, e.to_status)
        for e in TicketEvent.select().where(TicketEvent.ticket == ticket.id).order_by(TicketEvent.id)
    ]


def set_setting(ctx: Context, key: str, value: str) -> None:
    Setting.insert(key=key, value=value).on_conflict_replace().execute()
    ctx.reload_settings()


def move(ctx: Context, action: str, ticket_id: str) -> Ticket:
    if action == "transfer":
        return tickets.transfer(ctx, ticket_id, "PASPOR")
    return getattr(tickets, action)(ctx, ticket_id)


def called_to(ctx: Context, t: Ticket, calls: int = 1) -> Ticket:
    """Bring a waiting ticket (the only one waiting) to `called`, with `calls` calls."""
    got = tickets.call_next(ctx)
    assert got is not None and got.id == t.id
    for _ in range(calls - 1):
        tickets.recall(ctx, t.id)
    return fresh(t)


def test_transition_table_is_the_documented_one() -> None:
    assert {a: ({s.value for s in src}, dst.value) for a, (src, dst) in TRANSITIONS.items()} == MODEL


# ---- the whole life ------------------------------------------------------------------------


def test_full_life_waiting_called_serving_done(ctx: Context, clock: FixedClock) -> None:
    t = reg(ctx)
    clock.advance(minutes=12)
    called = tickets.call_next(ctx)
    assert called is not None and called.id == t.id
    t = fresh(t)
    assert t.status == "called"
    assert t.counter == "L01"
    assert t.call_count == 1
    assert t.first_called_at == datetime(2026, 11, 30, 1, 12)
    assert tickets.waiting_seconds(t) == 12 * 60

    clock.advance(minutes=1)
    tickets.start(ctx, t.id)
    assert fresh(t).status == "serving"
    clock.advance(minutes=9)
    tickets.finish(ctx, t.id, "Berkas lengkap")
    t = fresh(t)
    assert t.status == "done"
    assert t.outcome == "Berkas lengkap"
    assert tickets.service_seconds(t) == 9 * 60
    assert events(t) == [
        ("register", None, "waiting"),
        ("call", "waiting", "called"),
        ("start", "called", "serving"),
        ("finish", "serving", "done"),
    ]
    # Each move is also queued for sync and audited.
    assert Outbox.select().where(Outbox.uuid == t.id).count() == 4
    assert [r.payload["status"] for r in Outbox.select().where(Outbox.uuid == t.id).order_by(Outbox.seq)] == [
        "waiting",
        "called",
        "serving",
        "done",
    ]
    assert [a.action for a in AuditLog.select().where(AuditLog.subject == t.id).order_by(AuditLog.id)] == [
        "ticket.register",
        "ticket.call",
        "ticket.start",
        "ticket.finish",
    ]


def test_tickets_can_be_found_by_code_and_receipt_number(ctx: Context) -> None:
    t = reg(ctx)
    assert tickets.get("a001", ctx).id == t.id
    assert tickets.get("PTK-L01-20261130-A001").id == t.id
    with pytest.raises(NotFound):
        tickets.get("A999", ctx)


# ---- illegal moves ------------------------------------------------------------------------


def _ticket_in(ctx: Context, clock: FixedClock, status: str) -> Ticket:
    t = reg(ctx)
    clock.advance(minutes=1)
    if status == "waiting":
        return fresh(t)
    called_to(ctx, t)
    if status == "called":
        return fresh(t)
    if status == "no_show":
        tickets.recall(ctx, t.id)
        tickets.recall(ctx, t.id)
        clock.advance(minutes=3)  # the grace time since the first call
        tickets.no_show(ctx, t.id)
        return fresh(t)
    if status == "cancelled":
        tickets.cancel(ctx, t.id)
        return fresh(t)
    if status == "transferred":
        tickets.transfer(ctx, t.id, "PASPOR")
        return fresh(t)
    tickets.start(ctx, t.id)
    if status == "serving":
        return fresh(t)
    tickets.finish(ctx, t.id)
    return fresh(t)


@pytest.mark.parametrize("status", ALL_STATUSES)
def test_illegal_moves_raise_and_change_nothing(ctx: Context, clock: FixedClock, status: str) -> None:
    t = _ticket_in(ctx, clock, status)
    assert t.status == status
    row_before = dict(t.__data__)
    before = counts()
    illegal = [a for a in MODEL if a != "call" and status not in MODEL[a][0]]
    assert illegal or status in ("called",)
    for action in illegal:
        clock.advance(minutes=1)
        with pytest.raises(IllegalTransition) as info:
            move(ctx, action, t.id)
        assert info.value.key == "ticket.illegal", action
        assert fresh(t).__data__ == row_before, action
        assert counts() == before, action


def test_illegal_move_message_names_the_ticket(ctx: Context, clock: FixedClock) -> None:
    t = reg(ctx)
    with pytest.raises(IllegalTransition) as info:
        tickets.finish(ctx, t.id)
    msg = info.value.message("en")
    assert "A001" in msg and "waiting" in msg


# ---- recall, no-show, cancel, requeue -----------------------------------------------------


def test_recall_counts_calls(ctx: Context, clock: FixedClock) -> None:
    t = called_to(ctx, reg(ctx))
    first_call = t.called_at
    clock.advance(minutes=2)
    tickets.recall(ctx, t.id)
    clock.advance(minutes=2)
    tickets.recall(ctx, t.id)
    t = fresh(t)
    assert t.status == "called"
    assert t.call_count == 3
    assert t.called_at == first_call + timedelta(minutes=4)
    assert t.first_called_at == first_call  # waiting time is measured to the first call
    assert [e[0] for e in events(t)] == ["register", "call", "recall", "recall"]


def test_no_show_refused_before_three_calls(ctx: Context, clock: FixedClock) -> None:
    t = called_to(ctx, reg(ctx))
    for calls in (1, 2):
        before = counts()
        with pytest.raises(IllegalTransition) as info:
            tickets.no_show(ctx, t.id)
        assert info.value.key == "ticket.no_show_early"
        assert info.value.params["calls"] == calls
        assert fresh(t).status == "called"
        assert counts() == before
        tickets.recall(ctx, t.id)
    clock.advance(minutes=1)
    # Three calls, but only a minute since the first: the grace time is not over.
    with pytest.raises(IllegalTransition) as info:
        tickets.no_show(ctx, t.id)
    assert info.value.key == "ticket.no_show_grace"
    assert fresh(t).status == "called"
    clock.advance(minutes=2)
    tickets.no_show(ctx, t.id)
    t = fresh(t)
    assert t.status == "no_show"
    assert t.finished_at == datetime(2026, 11, 30, 1, 3)


def test_no_show_threshold_is_a_setting(ctx: Context) -> None:
    set_setting(ctx, "no_show_after_calls", "1")
    set_setting(ctx, "no_show_grace_minutes", "0")
    t = called_to(ctx, reg(ctx))
    tickets.no_show(ctx, t.id)
    assert fresh(t).status == "no_show"


def test_a_no_show_goes_back_in_the_queue_the_same_day_only(ctx: Context, clock: FixedClock) -> None:
    # Issue 14, defect 5: a visitor back five minutes late keeps the number; the next day not.
    set_setting(ctx, "no_show_after_calls", "1")
    set_setting(ctx, "no_show_grace_minutes", "0")
    gone = called_to(ctx, reg(ctx, name="Agus Salim"))
    tickets.no_show(ctx, gone.id)
    late = called_to(ctx, reg(ctx, name="Rina Wati"))
    tickets.no_show(ctx, late.id)
    clock.advance(minutes=5)
    assert tickets.requeue(ctx, late.id).status == "waiting"
    entry = AuditLog.select().where(AuditLog.action == "ticket.requeue").order_by(AuditLog.id.desc()).first()
    assert entry is not None and entry.subject == late.id
    clock.advance(days=1)
    with pytest.raises(IllegalTransition) as info:
        tickets.requeue(ctx, gone.id)
    assert info.value.key == "ticket.requeue_other_day"
    assert fresh(gone).status == "no_show"


@pytest.mark.parametrize("status", ["waiting", "called"])
def test_cancel(ctx: Context, clock: FixedClock, status: str) -> None:
    t = _ticket_in(ctx, clock, status)
    tickets.cancel(ctx, t.id, "  Pengunjung  pulang ")
    t = fresh(t)
    assert t.status == "cancelled"
    assert t.outcome == "Pengunjung pulang"
    last = TicketEvent.select().where(TicketEvent.ticket == t.id).order_by(TicketEvent.id.desc()).get()
    assert (last.action, last.from_status, last.to_status) == ("cancel", status, "cancelled")
    assert last.detail == {"reason": "Pengunjung pulang"}
    # A cancelled ticket is never called.
    assert tickets.call_next(ctx) is None


def test_requeue_puts_the_ticket_at_the_end(ctx: Context, clock: FixedClock) -> None:
    a = reg(ctx, name="Ani")
    clock.advance(minutes=1)
    b = reg(ctx, "KK", name="Budi")
    clock.advance(minutes=1)
    c = reg(ctx, name="Cici")
    clock.advance(minutes=1)
    assert tickets.call_next(ctx).id == a.id
    clock.advance(minutes=1)
    tickets.requeue(ctx, a.id)
    assert fresh(a).status == "waiting"
    order = []
    for _ in range(3):
        clock.advance(minutes=1)
        got = tickets.call_next(ctx)
        assert got is not None
        order.append(got.id)
        tickets.start(ctx, got.id)  # one ticket in hand: this one is served before the next
        tickets.finish(ctx, got.id)
    assert order == [b.id, c.id, a.id]
    assert tickets.call_next(ctx) is None


def test_requeue_from_serving_clears_the_start(ctx: Context, clock: FixedClock) -> None:
    t = _ticket_in(ctx, clock, "serving")
    assert t.started_at is not None
    tickets.requeue(ctx, t.id)
    t = fresh(t)
    assert t.status == "waiting"
    assert t.started_at is None
    assert t.first_called_at is not None


# ---- transfer ------------------------------------------------------------------------------


def test_transfer_creates_a_linked_ticket_keeping_the_arrival(ctx: Context, clock: FixedClock) -> None:
    old = tickets.register(
        ctx,
        service="KTP",
        name="Siti Aminah",
        nik="6171014101900001",
        phone="081234567890",
        phone_consent=True,
        priority="lansia",
    ).ticket
    arrived = fresh(old).arrived_at
    clock.advance(minutes=5)
    later = reg(ctx, "PASPOR", name="Later Visitor")  # arrived after Siti
    clock.advance(minutes=5)
    called_to(ctx, old)
    clock.advance(minutes=5)
    before = counts()
    new = tickets.transfer(ctx, old.id, "paspor", "Perlu paspor")
    old, new = fresh(old), fresh(new)

    assert old.status == "transferred"
    assert old.transferred_to == new.id
    assert old.finished_at == datetime(2026, 11, 30, 1, 15)
    assert new.status == "waiting"
    assert new.service_id == "PASPOR"
    assert new.code == "C002"
    assert new.receipt_no == "PTK-L01-20261130-C002"
    assert new.transferred_from == old.id
    assert new.arrived_at == arrived
    assert new.registered_at == datetime(2026, 11, 30, 1, 15)
    assert (new.name, new.priority, new.nik_hash, new.phone) == (
        old.name,
        old.priority,
        old.nik_hash,
        old.phone,
    )
    assert new.notes == "Perlu paspor"
    assert events(new) == [("register", None, "waiting")]
    assert events(old)[-1] == ("transfer", "called", "transferred")
    after = counts()
    assert after["ticket"] == before["ticket"] + 1
    assert after["event"] == before["event"] + 2
    assert after["outbox"] == before["outbox"] + 2

    # Nobody queues twice: at the passport counter the transferred visitor keeps her place.
    clock.advance(minutes=1)
    assert tickets.call_next(ctx, "L03").id == new.id
    tickets.start(ctx, new.id)
    tickets.finish(ctx, new.id)
    clock.advance(minutes=1)
    assert tickets.call_next(ctx, "L03").id == later.id


def test_transfer_keeps_one_active_ticket_per_nik_and_service(ctx: Context, clock: FixedClock) -> None:
    """The visitor already queues for PASPOR; sending their KTP ticket there as well must not
    give the same NIK two active PASPOR tickets today (the rule register enforces)."""
    nik = "6171010101900001"
    ktp = tickets.register(ctx, service="KTP", name="Budi", nik=nik).ticket
    tickets.register(ctx, service="PASPOR", name="Budi", nik=nik)
    clock.advance(minutes=1)
    try:
        tickets.transfer(ctx, ktp.id, "PASPOR")
    except ValidationError as exc:
        assert exc.key == "nik.active_ticket"
        assert fresh(ktp).status == "waiting"
    active = (
        Ticket.select()
        .where(
            (Ticket.nik_hash == fresh(ktp).nik_hash)
            & (Ticket.service == "PASPOR")
            & (Ticket.status.in_(["waiting", "called", "serving"]))
        )
        .count()
    )
    assert active == 1


def test_transfer_to_the_same_service_is_refused(ctx: Context) -> None:
    t = reg(ctx)
    before = counts()
    with pytest.raises(ValidationError) as info:
        tickets.transfer(ctx, t.id, "KTP")
    assert info.value.key == "transfer.same_service"
    assert counts() == before
    assert fresh(t).status == "waiting"


def test_transfer_to_an_unknown_service_is_refused(ctx: Context) -> None:
    t = reg(ctx)
    before = counts()
    with pytest.raises(NotFound):
        tickets.transfer(ctx, t.id, "NOPE")
    assert counts() == before


def test_refused_transfer_does_not_use_up_a_number(ctx: Context, clock: FixedClock) -> None:
    t = _ticket_in(ctx, clock, "done")
    with pytest.raises(IllegalTransition):
        tickets.transfer(ctx, t.id, "PASPOR")
    assert reg(ctx, "PASPOR").code == "C001"


# ---- priority and counters -----------------------------------------------------------------


def _register_mix(ctx: Context, clock: FixedClock, spec: list[tuple[str, str]]) -> dict[str, str]:
    ids = {}
    for label, prio in spec:
        ids[label] = reg(ctx, "KTP", prio, name=f"Visitor {label}").id
        clock.advance(minutes=1)
    return ids


def _drain(ctx: Context, clock: FixedClock, ids: dict[str, str], counter: str | None = None) -> list[str]:
    by_id = {v: k for k, v in ids.items()}
    order = []
    while True:
        clock.advance(minutes=1)
        got = tickets.call_next(ctx, counter)
        if got is None:
            return order
        order.append(by_id[got.id])
        tickets.start(ctx, got.id)
        tickets.finish(ctx, got.id)


MIX = [
    ("G1", ""),
    ("G2", ""),
    ("P1", "lansia"),
    ("P2", "disabilitas"),
    ("P3", "ibu_hamil"),
    ("P4", "anak"),
    ("G3", ""),
]


def test_priority_first_fifo_with_a_cap_of_three(ctx: Context, clock: FixedClock) -> None:
    ids = _register_mix(ctx, clock, MIX)
    assert _drain(ctx, clock, ids) == ["P1", "P2", "P3", "G1", "P4", "G2", "G3"]


def test_priority_cap_is_a_setting(ctx: Context, clock: FixedClock) -> None:
    set_setting(ctx, "priority_cap", "1")
    ids = _register_mix(ctx, clock, MIX)
    assert _drain(ctx, clock, ids) == ["P1", "G1", "P2", "G2", "P3", "G3", "P4"]


def test_priority_visitors_keep_coming_when_nobody_general_waits(ctx: Context, clock: FixedClock) -> None:
    ids = _register_mix(ctx, clock, [(f"P{i}", "lansia") for i in range(1, 6)])
    assert _drain(ctx, clock, ids) == ["P1", "P2", "P3", "P4", "P5"]


def test_priority_class_codes_are_validated(ctx: Context) -> None:
    with pytest.raises(ValidationError) as info:
        reg(ctx, priority="sakit jantung")
    assert info.value.key == "priority.unknown"
    assert reg(ctx, priority="LANSIA").priority == "lansia"


def test_call_next_on_an_empty_queue_returns_none_and_writes_nothing(ctx: Context) -> None:
    before = counts()
    assert tickets.call_next(ctx) is None
    assert counts() == before


def test_counter_only_calls_its_own_services(ctx: Context, clock: FixedClock) -> None:
    ids = {}
    for service in ["PASPOR", "NIB", "PKB", "KTP", "KK", "AKTALAHIR", "PINDAH", "SKCK"]:
        ids[service] = reg(ctx, service).id
        clock.advance(minutes=1)
    assert _drain(ctx, clock, ids) == ["KTP", "KK", "AKTALAHIR", "PINDAH"]
    assert tickets.call_next(ctx, "L03").id == ids["PASPOR"]
    tickets.cancel(ctx, ids["PASPOR"])
    assert tickets.call_next(ctx, "L03") is None
    assert tickets.call_next(ctx, "L02").service_id == "NIB"
    waiting = {t.service_id for t in tickets.queue(ctx, status="waiting")}
    assert waiting == {"PKB", "SKCK"}


def test_call_next_for_a_counter_without_services_is_refused(ctx: Context) -> None:
    reg(ctx)
    with pytest.raises(ValidationError) as info:
        tickets.call_next(ctx, "L99")
    assert info.value.key == "counter.no_services"


def test_yesterdays_waiting_tickets_are_not_called_today(ctx: Context, clock: FixedClock) -> None:
    reg(ctx)
    clock.advance(days=1)
    assert tickets.call_next(ctx) is None


def test_queue_listing_and_status_filter(ctx: Context, clock: FixedClock) -> None:
    a = reg(ctx)
    clock.advance(minutes=1)
    reg(ctx, "PASPOR")
    called_to(ctx, a)
    assert [t.code for t in tickets.queue(ctx)] == ["A001", "C001"]
    assert [t.code for t in tickets.queue(ctx, status="called")] == ["A001"]
    assert [t.code for t in tickets.queue(ctx, service="paspor")] == ["C001"]
    with pytest.raises(ValidationError):
        tickets.queue(ctx, status="sleeping")


def test_staff_can_serve(staff_ctx: Context, clock: FixedClock) -> None:
    t = reg(staff_ctx)
    got = tickets.call_next(staff_ctx)
    assert got.id == t.id
    assert fresh(t).served_by == "petugas1"
    assert TicketEvent.select().where(TicketEvent.action == "call").get().actor == "petugas1"


# ---- stateful: random walks against the model ------------------------------------------------

SERVICES = ["KTP", "KK", "PASPOR"]
COUNTER_OF = {"KTP": "L01", "KK": "L01", "PASPOR": "L03"}


class QueueMachine(RuleBasedStateMachine):
    ctx: Context
    clock: FixedClock

    runs = 0
    tickets = Bundle("tickets")

    def __init__(self) -> None:
        super().__init__()
        # 08:00 on a new local day for every run: earlier runs' tickets are another day's.
        QueueMachine.runs += 1
        self.clock.set(datetime(2026, 12, 1, 8, 0, tzinfo=WIB) + timedelta(days=QueueMachine.runs))
        self.status: dict[str, str] = {}
        self.calls: dict[str, int] = {}
        self.service: dict[str, str] = {}
        self.priority: dict[str, str] = {}
        self.moves: dict[str, int] = {}  # successful actions (events expected beyond `register`)
        self.queued: dict[str, object] = {}  # place in the queue
        self.arrived: dict[str, object] = {}
        self.first_called: dict[str, object] = {}

    def _tick(self) -> None:
        self.clock.advance(seconds=30)

    @rule(target=tickets, service=st.sampled_from(SERVICES), prio=st.sampled_from(["", "", "lansia"]))
    def register(self, service: str, prio: str) -> str:
        self._tick()
        t = tickets.register(self.ctx, service=service, name="Budi Santoso", priority=prio).ticket
        self.status[t.id] = "waiting"
        self.calls[t.id] = 0
        self.service[t.id] = service
        self.priority[t.id] = prio
        self.moves[t.id] = 0
        self.queued[t.id] = self.arrived[t.id] = self.clock.now()
        return t.id

    @rule(counter=st.sampled_from(["L01", "L03"]))
    def call_next(self, counter: str) -> None:
        self._tick()
        mine = [
            i for i, s in self.status.items() if s == "waiting" and COUNTER_OF[self.service[i]] == counter
        ]
        held = [
            i
            for i, s in self.status.items()
            if s in ("called", "serving") and COUNTER_OF[self.service[i]] == counter
        ]
        if held:  # one ticket in hand per counter: refused, naming it, nothing written
            before = counts()
            with pytest.raises(IllegalTransition) as info:
                tickets.call_next(self.ctx, counter)
            assert info.value.key == "ticket.in_hand"
            assert counts() == before
            return
        expected = self._expected_call(counter, mine)
        got = tickets.call_next(self.ctx, counter)
        assert (got.id if got else None) == expected
        if got is None:
            return
        self.status[got.id] = "called"
        self.calls[got.id] = 1
        self.moves[got.id] += 1
        self.first_called.setdefault(got.id, self.clock.now())

    def _expected_call(self, counter: str, waiting: list[str]) -> str | None:
        """Priority first, FIFO by place in the queue, a general visitor after `cap` priority
        calls in a row (counted over this counter's tickets, by first call)."""
        if not waiting:
            return None
        fifo = sorted(waiting, key=lambda i: self.queued[i])
        prio = [i for i in fifo if self.priority[i]]
        general = [i for i in fifo if not self.priority[i]]
        cap = self.ctx.setting("priority_cap")
        recent = sorted(
            (i for i in self.first_called if COUNTER_OF[self.service[i]] == counter),
            key=lambda i: self.first_called[i],
            reverse=True,
        )[:cap]
        streak = 0
        for i in recent:
            if not self.priority[i]:
                break
            streak += 1
        if prio and general and streak >= cap:
            return general[0]
        return (prio or general)[0]

    ACTIONS = ["recall", "start", "finish", "no_show", "cancel", "requeue"]

    @rule(t=tickets, action=st.sampled_from(ACTIONS))
    def act(self, t: str, action: str) -> None:
        self._do(t, action)

    @precondition(lambda self: any(s in ("called", "serving") for s in self.status.values()))
    @rule(data=st.data(), action=st.sampled_from(ACTIONS + ["recall", "start", "finish"]))
    def act_on_a_called_or_serving_ticket(self, data: st.DataObject, action: str) -> None:
        """Random picks from the bundle rarely find a ticket in service: aim at one."""
        busy = sorted(i for i, s in self.status.items() if s in ("called", "serving"))
        self._do(data.draw(st.sampled_from(busy)), action)

    def _do(self, t: str, action: str) -> None:
        self._tick()
        sources, dest = MODEL[action]
        legal = self.status[t] in sources
        if (
            action == "no_show"
            and legal
            and (self.calls[t] < 3 or self.clock.now() - self.first_called[t] < timedelta(minutes=3))
        ):
            legal = False
        before = counts()
        if not legal:
            with pytest.raises(IllegalTransition):
                getattr(tickets, action)(self.ctx, t)
            assert counts() == before
            return
        getattr(tickets, action)(self.ctx, t)
        self.status[t] = dest
        if action == "recall":
            self.calls[t] += 1
        if action == "requeue":
            self.queued[t] = self.clock.now()  # to the end of the queue
        self.moves[t] += 1

    @rule(target=tickets, t=tickets, to=st.sampled_from(SERVICES))
    def transfer(self, t: str, to: str):  # type: ignore[no-untyped-def]
        self._tick()
        before = counts()
        if to == self.service[t]:
            with pytest.raises(ValidationError):
                tickets.transfer(self.ctx, t, to)
            assert counts() == before
            return multiple()
        if self.status[t] not in MODEL["transfer"][0]:
            with pytest.raises(IllegalTransition):
                tickets.transfer(self.ctx, t, to)
            assert counts() == before
            return multiple()
        new = tickets.transfer(self.ctx, t, to)
        self.status[t] = "transferred"
        self.moves[t] += 1
        self.status[new.id] = "waiting"
        self.calls[new.id] = 0
        self.service[new.id] = to
        self.priority[new.id] = self.priority[t]
        self.moves[new.id] = 0
        # The new ticket keeps the visitor's arrival time and place.
        self.queued[new.id] = self.arrived[new.id] = self.arrived[t]
        assert Ticket.get_by_id(new.id).transferred_from == t
        assert Ticket.get_by_id(t).transferred_to == new.id
        return new.id

    @invariant()
    def statuses_match_the_model(self) -> None:
        if not self.status:
            return
        rows = {r.id: r for r in Ticket.select().where(Ticket.id.in_(list(self.status)))}
        assert {i: r.status for i, r in rows.items()} == self.status
        for i, r in rows.items():
            if self.status[i] == "called":
                assert r.call_count == self.calls[i]

    @invariant()
    def every_change_has_exactly_one_event(self) -> None:
        for tid, status in self.status.items():
            evs = events(Ticket(id=tid))
            assert evs[0] == ("register", None, "waiting")
            assert len(evs) == 1 + self.moves[tid]
            for (_, _, prev_to), (_, frm, _) in zip(evs, evs[1:]):
                assert frm == prev_to
            assert evs[-1][2] == status

    @invariant()
    def codes_are_unique_per_day(self) -> None:
        day = local_day(self.clock.now())
        codes = [t.code for t in Ticket.select(Ticket.code).where(Ticket.day == day)]
        assert len(codes) == len(set(codes))


def test_random_walks_follow_the_state_machine(ctx: Context, clock: FixedClock) -> None:
    QueueMachine.ctx = ctx
    QueueMachine.clock = clock
    run_state_machine_as_test(
        QueueMachine,
        settings=settings(
            max_examples=40,
            stateful_step_count=40,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            # Every step is a durable transaction: shrinking a failure would take minutes.
            phases=[Phase.explicit, Phase.reuse, Phase.generate],
        ),
    )

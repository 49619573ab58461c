"""The queue's live paths (DESIGN.md §9): codes from the hub or the offline range, call-next as a
claim at the hub, and the offline rule. `services/tickets.py` delegates here when the counter
belongs to a site hub; the local transaction, its ticket event, outbox row and audit entry are
written by tickets.py exactly as for a lone PC.

Three modes:
* **local** — no sync server configured: the PC is its site's only device; numbering 1..9999
  from the local `queue_sequence`, call-next over the local queue (as before the hub existed).
* **live** — `ctx.live` set and the hub reachable: the hub issues each code (unique in the
  building) and decides each call (a compare-and-set: one ticket, one counter).
* **offline** — a server is configured but cannot be reached (or `--offline`): codes from this
  device's offline block (`core/numbering.py`), kept in `queue_sequence` under the letter
  `A~off`; call-next takes only tickets no other counter can claim meanwhile: those this
  device registered with an offline code and has not released. The hub keeps such a ticket
  reserved for this counter from its first push until this device releases it (after a push
  acknowledgement covered it; replica.release_due), so a push whose answer was lost — the
  ticket looks unsent here — cannot let another counter claim it while this one calls it
  offline. A device that never reached its hub does not know its block: it uses block 89 and
  says so once in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from counter_app.core.clock import to_db
from counter_app.core.errors import IllegalTransition, LoketError, NotFound, ValidationError
from counter_app.core.numbering import (
    OFFLINE_BASE,
    OFFLINE_PER_BLOCK,
    UNKNOWN_BLOCK,
    offline_number,
)
from counter_app.core.roles import Permission
from counter_app.core.ticket_rules import Status
from counter_app.services import replica, ticket_store
from counter_app.services.context import Context
from counter_app.services.rows import fk_id
from counter_app.store.models import CounterService, Ticket, db

if TYPE_CHECKING:
    from counter_app.sync.live import LiveLink

# `sync.live` (httpx, ~100 ms) is imported where a hub link exists or is made: a lone PC, and
# every window until its link starts, never load it.

log = logging.getLogger(__name__)

OFFLINE_SUFFIX = "~off"
BREAK_KEY = "counter_break"  # "1" while this counter is on a break (istirahat)
_warned_block = False


def networked(ctx: Context) -> bool:
    """True when this counter belongs to a site hub (live now or not)."""
    return getattr(ctx, "live", None) is not None or bool(ctx.setting("sync_server"))


def mode(ctx: Context) -> str:
    live = getattr(ctx, "live", None)
    if live is not None and live.state != "offline" and live.device is not None:
        return "live"
    return "offline" if networked(ctx) else "local"


def offline_block() -> int:
    global _warned_block
    text = replica.raw_setting(replica.BLOCK_KEY)
    if text is not None and text.isdigit() and 0 <= int(text) <= 89:
        return int(text)
    if not _warned_block:
        _warned_block = True
        log.warning("offline block unknown (the hub was never reached): using block %d", UNKNOWN_BLOCK)
    return UNKNOWN_BLOCK


# ---- codes --------------------------------------------------------------------------------


def next_number(ctx: Context, day: date, letter: str) -> int:
    """The number of a new ticket's code: the hub's while live, else an offline one. Runs in
    the registration's transaction (a rollback returns an offline number; a hub number lost to
    a rollback is a gap, never a double)."""
    live: LiveLink | None = getattr(ctx, "live", None)
    if live is not None:
        from counter_app.sync.live import QueueFull

        try:
            number = live.allocate_code(str(day), letter)
        except QueueFull:
            raise ValidationError("queue.full", field="service", letter=letter, max=9999) from None
        except LoketError as exc:  # refused (token revoked, device not bound): keep working
            log.warning("the hub refused a code: %s; using an offline number", exc)
            number = None
        if number is not None:
            return number
    return _offline_number(day, letter)


def _offline_number(day: date, letter: str) -> int:
    n: int = db.execute_sql(
        'INSERT INTO "queue_sequence" ("day", "letter", "last") VALUES (?, ?, 1) '
        'ON CONFLICT ("day", "letter") DO UPDATE SET "last" = "last" + 1 RETURNING "last"',
        (str(day), letter + OFFLINE_SUFFIX),
    ).fetchone()[0]
    if n > OFFLINE_PER_BLOCK:
        raise ValidationError("queue.full", field="service", letter=letter, max=OFFLINE_PER_BLOCK)
    return offline_number(offline_block(), n)


# ---- call next ----------------------------------------------------------------------------


def _services(counter: str) -> list[str]:
    return [
        fk_id(row, CounterService.service)
        for row in CounterService.select().where(CounterService.counter == counter)
    ]


def call_next(ctx: Context, counter: str, today: date, now: datetime) -> Ticket | None:
    """Live: claim at the hub, write the answer locally, then the local call. Offline: the
    next of this device's own offline tickets. Returns the called row (or None)."""
    services = _services(counter)
    if not services:
        raise ValidationError("counter.no_services", field="counter", code=counter)
    if on_break():
        raise IllegalTransition("live.on_break", counter=counter)
    live = getattr(ctx, "live", None)
    if live is not None and live.online:
        from counter_app.sync.live import UNREACHABLE, Holding

        with live.lock:
            if live.backlog:  # tickets registered offline must be at the hub before it picks
                live.push_now()
            try:
                answer = live.claim(str(today), services, ctx.setting("priority_cap"))
            except Holding as exc:
                live.catch_up()  # perhaps a claim whose answer was lost: learn it
                raise IllegalTransition("live.holding", code=exc.params.get("code", "?")) from None
            except LoketError as exc:  # refused (token revoked, device not bound)
                log.warning("the hub refused a claim: %s; calling offline", exc)
                answer = UNREACHABLE
            if answer is not UNREACHABLE:
                if answer is None:
                    return None
                assert isinstance(answer, dict)
                return _take(ctx, answer, counter, now)
    return _offline_call(ctx, counter, today, now)


def _take(ctx: Context, payload: dict[str, Any], counter: str, now: datetime) -> Ticket:
    """The hub gave us this ticket: write its state locally as it was (waiting), then move it
    to called as today (event, outbox row, audit) — so the local store tells the same story."""
    waiting = {**payload, "status": Status.WAITING.value, "counter": None}
    with db.atomic():
        current = Ticket.get_or_none(Ticket.id == payload["id"])
        if current is None:
            replica._insert(waiting)
        else:
            replica._update(waiting, current)
        row = Ticket.get(Ticket.id == payload["id"])
        return ticket_store.move(
            ctx,
            row,
            "call",
            {"counter": counter},
            counter=counter,
            call_count=1,
            first_called_at=row.first_called_at or to_db(now),
            called_at=to_db(now),
            served_by=ctx.actor.username,
        )


def _offline_call(ctx: Context, counter: str, today: date, now: datetime) -> Ticket | None:
    live: LiveLink | None = getattr(ctx, "live", None)
    if live is None:
        return _offline_pick(ctx, counter, today, now)
    with live.lock:  # the link's release marks tickets under the same lock
        return _offline_pick(ctx, counter, today, now)


def _offline_pick(ctx: Context, counter: str, today: date, now: datetime) -> Ticket | None:
    own = ctx.setting("counter_code")
    order = ((Ticket.priority == ""), Ticket.queued_at, Ticket.seq)
    with db.atomic():
        # this device's offline tickets not released yet: the hub reserves them for this
        # counter (pushed or not), so no other counter can claim them meanwhile
        mine = (
            (Ticket.day == today)
            & (Ticket.status == Status.WAITING.value)
            & (Ticket.service.in_(_services(counter)))
            & (Ticket.device == own)
            & (Ticket.seq > OFFLINE_BASE)
            & Ticket.id.not_in(list(replica.released()))
        )
        chosen = Ticket.select().where(mine).order_by(*order).first()
        if chosen is None:
            return None
        if chosen.priority and ticket_store.priority_streak(today, counter, ctx) >= ctx.setting(
            "priority_cap"
        ):
            chosen = Ticket.select().where(mine & (Ticket.priority == "")).order_by(*order).first() or chosen
        return ticket_store.move(
            ctx,
            chosen,
            "call",
            {"counter": counter, "offline": True},
            counter=counter,
            call_count=1,
            first_called_at=chosen.first_called_at or to_db(now),
            called_at=to_db(now),
            served_by=ctx.actor.username,
        )


# ---- the link -----------------------------------------------------------------------------


def make_link(
    ctx: Context,
    *,
    server: str | None = None,
    token: str | None = None,
    on_applied: Callable[[list[dict[str, Any]]], None] | None = None,
    **options: Any,
) -> LiveLink | None:
    """A LiveLink for this counter from its saved server and device token (None when either is
    missing: a lone PC). Not started: call `start()` for the background threads (the window),
    or use it request by request (the command line). `on_applied(events)` is called (on the
    link's thread) after other devices' events were written to the local store."""
    url = (server or ctx.setting("sync_server") or "").strip()
    if not url:  # a lone PC: neither the sync service nor the link's httpx is loaded
        return None
    from counter_app.services import sync

    secret = (token or "").strip() or sync.saved_token(ctx.data_dir)
    if not secret:
        return None
    from counter_app.sync.live import LiveLink

    names = getattr(sync, "_visitor_names", None)

    def apply(events: list[dict[str, Any]]) -> int:
        last = replica.apply_site_events(ctx, events)
        if on_applied is not None:
            on_applied(events)
        return last

    def release_done(ids: list[str]) -> None:
        replica.release_confirmed(ctx, ids)

    link = LiveLink(
        url,
        secret,
        ctx.data_dir,
        apply=apply,
        since=replica.last_site_event(),
        on_device=replica.remember_device,
        names=names,
        release_due=lambda: replica.release_due(ctx),
        release_done=release_done,
        **options,
    )
    link.wanted_state = "break" if on_break() else "open"
    return link


def open_link(ctx: Context, **options: Any) -> LiveLink | None:
    """For one command (the command line): a link that has reached the hub and caught up with
    the site's events, or None (no server configured, or the hub is unreachable: the command
    then works offline). The caller pushes and closes it with `close_link`."""
    link = make_link(ctx, **options)
    if link is None:
        return None
    from counter_app.sync.live import UNREACHABLE

    try:
        if link.connect() and link.catch_up() is not UNREACHABLE:
            return link
    except LoketError as exc:
        log.warning("the hub refused this device: %s; working offline", exc)
    link.close()
    return None


def close_link(link: LiveLink | None) -> None:
    """Push what the command wrote (best effort: what is not sent now goes with the next
    command or the window), then close the connections."""
    if link is None:
        return
    try:
        if link.backlog:
            link.push_now()
    except LoketError as exc:
        log.warning("live push after the command failed: %s", exc)
    finally:
        link.close()


def status(ctx: Context) -> dict[str, Any]:
    """`status --json`: the mode, the hub, the last event applied, the outbox backlog, who."""
    from counter_app.sync import outbox

    live = getattr(ctx, "live", None)
    device = live.device if live is not None and live.device else {}
    return {
        "mode": mode(ctx),
        "hub": (ctx.setting("sync_server") or None) if networked(ctx) else None,
        "last_event": replica.last_site_event(),
        "backlog": outbox.pending_count(db),
        "device": device.get("device") or replica.raw_setting(replica.DEVICE_KEY),
        "site": device.get("site") or replica.raw_setting(replica.SITE_KEY) or ctx.setting("site_code"),
        "counter": device.get("counter")
        or replica.raw_setting(replica.COUNTER_KEY)
        or ctx.setting("counter_code"),
        "offline_block": int(block)
        if (block := replica.raw_setting(replica.BLOCK_KEY) or "").isdigit()
        else None,
    }


# ---- the counter's break (istirahat) -------------------------------------------------------


def on_break() -> bool:
    return replica.raw_setting(BREAK_KEY) == "1"


def set_break(ctx: Context, on: bool) -> str:
    """Start or end this counter's break: no call-next meanwhile; the hub's board shows it.
    Kept locally (it survives a restart) and sent to the hub now if it is reachable, else at
    the link's next connection. Returns the state the hub now shows ("break" / "open").
    Not with a visitor in hand: finish, requeue or no-show them first."""
    from counter_app.services import journal

    ctx.actor.require(Permission.SERVE)
    counter = ctx.setting("counter_code")
    if on:
        held = ticket_store.in_hand(ctx, counter)
        if held is not None:
            raise IllegalTransition("live.break_in_hand", code=held.code)
    state = "break" if on else "open"
    if on_break() != on:
        with db.atomic():
            replica.put_setting(BREAK_KEY, "1" if on else "")
            journal.audit(
                ctx.clock, ctx.actor.username, "counter.break" if on else "counter.open", counter, {}
            )
    live = getattr(ctx, "live", None)
    if live is not None:
        live.wanted_state = state
        if live.online:
            try:
                live.set_counter_state(state)  # short timeouts; unreachable: sent on reconnect
            except LoketError as exc:
                log.warning("the hub refused the counter state: %s", exc)
    return state


def say_closed(ctx: Context) -> None:
    """The window closes (exit, log-out): the board shows the counter closed, not stale."""
    live = getattr(ctx, "live", None)
    if live is None or not live.online or live.device is None:
        return
    try:
        live.set_counter_state("closed")
    except LoketError as exc:
        log.warning("the hub refused the counter state: %s", exc)


# ---- the coordinator's live board (Pantauan) -----------------------------------------------


@dataclass(frozen=True)
class CounterOnBoard:
    counter: str
    state: str  # serving | idle | break | closed | offline
    ticket_code: str | None
    since: datetime | None  # serving/idle/break since (idle: since its hands were freed)
    device: str | None
    last_seen: datetime | None


@dataclass(frozen=True)
class ServiceOnBoard:
    service: str
    name_id: str
    name_en: str
    waiting: int
    longest_wait_s: float
    target_s: int | None

    def name(self, lang: str = "id") -> str:
        return self.name_en if lang == "en" else self.name_id

    @property
    def over_target(self) -> bool:
        return self.target_s is not None and self.waiting > 0 and self.longest_wait_s > self.target_s


@dataclass(frozen=True)
class Board:
    site: str
    day: str | None
    counters: tuple[CounterOnBoard, ...]
    services: tuple[ServiceOnBoard, ...]
    at: datetime  # when the hub answered

    @property
    def over_target(self) -> int:
        return sum(1 for s in self.services if s.over_target)


def instant(value: Any) -> datetime | None:
    """A time the hub sent (ISO 8601; without an offset: UTC), or None if unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def board(ctx: Context, day: date | None = None) -> Board:
    """The site's live board from the hub, for supervisors and admins (Permission.REPORT).
    NotFound when this counter has no hub or the hub does not answer now."""
    from counter_app.services import catalogue

    ctx.actor.require(Permission.REPORT)
    live = getattr(ctx, "live", None)
    if live is None:
        raise NotFound("live.board_no_hub")
    from counter_app.sync.live import UNREACHABLE

    doc = live.board(str(day) if day else None)
    if doc is UNREACHABLE:
        raise NotFound("live.board_unreachable", server=live.server)
    assert isinstance(doc, dict)
    counters = []
    for row in doc.get("counters") or []:
        if not isinstance(row, dict) or not row.get("counter"):
            continue
        state = str(row.get("state") or "open")
        code = row.get("ticket_code") or None
        since = instant(row.get("since"))
        if not row.get("online"):
            shown = "offline"
        elif state in ("break", "closed"):
            shown = state
        else:  # serving since it took the code, free since its hands were freed
            shown = "serving" if code else "idle"
            since = instant(row.get("updated_at")) or since
        counters.append(
            CounterOnBoard(
                str(row["counter"]), shown, code, since, row.get("device"), instant(row.get("last_seen"))
            )
        )
    known = {s.code: s for s in catalogue.active_services()}
    services = []
    for row in doc.get("services") or []:
        if not isinstance(row, dict) or not row.get("service"):
            continue
        code = str(row["service"])
        local = known.get(code)
        target = row.get("target_s")
        if not isinstance(target, int) and local is not None and local.target_minutes:
            target = int(local.target_minutes) * 60  # the service standard's minutes
        services.append(
            ServiceOnBoard(
                code,
                local.name_id if local else code,
                local.name_en if local else code,
                int(row.get("waiting") or 0),
                float(row.get("longest_wait_s") or 0.0),
                target if isinstance(target, int) else None,
            )
        )
    services.sort(key=lambda s: (not s.over_target, -s.longest_wait_s, s.service))
    return Board(
        str(doc.get("site") or ""), doc.get("day"), tuple(counters), tuple(services), ctx.clock.now()
    )

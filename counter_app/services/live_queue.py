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
  device registered with an offline code (the hub does not know them yet). A device that never
  reached its hub does not know its block: it uses block 89 and says so once in the log.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from counter_app.core.clock import to_db
from counter_app.core.errors import IllegalTransition, LoketError, ValidationError
from counter_app.core.numbering import (
    OFFLINE_BASE,
    OFFLINE_PER_BLOCK,
    UNKNOWN_BLOCK,
    offline_number,
)
from counter_app.core.ticket_rules import Status
from counter_app.services import replica
from counter_app.services.context import Context
from peewee import fn

from counter_app.store.models import CounterService, Outbox, Ticket, db
from counter_app.sync.live import UNREACHABLE, Holding, LiveLink, QueueFull

log = logging.getLogger(__name__)

OFFLINE_SUFFIX = "~off"
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
    live = getattr(ctx, "live", None)
    if live is not None:
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
    n = db.execute_sql(
        'INSERT INTO "queue_sequence" ("day", "letter", "last") VALUES (?, ?, 1) '
        'ON CONFLICT ("day", "letter") DO UPDATE SET "last" = "last" + 1 RETURNING "last"',
        (str(day), letter + OFFLINE_SUFFIX),
    ).fetchone()[0]
    if n > OFFLINE_PER_BLOCK:
        raise ValidationError("queue.full", field="service", letter=letter, max=OFFLINE_PER_BLOCK)
    return offline_number(offline_block(), n)


# ---- call next ----------------------------------------------------------------------------


def _services(counter: str) -> list[str]:
    return [row.service_id for row in CounterService.select().where(CounterService.counter == counter)]


def call_next(ctx: Context, counter: str, today: date, now: datetime) -> Ticket | None:
    """Live: claim at the hub, write the answer locally, then the local call. Offline: the
    next of this device's own offline tickets. Returns the called row (or None)."""
    services = _services(counter)
    if not services:
        raise ValidationError("counter.no_services", field="counter", code=counter)
    live = getattr(ctx, "live", None)
    if live is not None and live.online:
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
    from counter_app.services import tickets

    waiting = {**payload, "status": Status.WAITING.value, "counter": None}
    with db.atomic():
        current = Ticket.get_or_none(Ticket.id == payload["id"])
        if current is None:
            replica._insert(waiting)
        else:
            replica._update(waiting, current)
        row = Ticket.get(Ticket.id == payload["id"])
        return tickets._move(
            ctx, row, "call", {"counter": counter},
            counter=counter, call_count=1,
            first_called_at=row.first_called_at or to_db(now),
            called_at=to_db(now), served_by=ctx.actor.username,
        )


def _offline_call(ctx: Context, counter: str, today: date, now: datetime) -> Ticket | None:
    from counter_app.services import tickets

    own = ctx.setting("counter_code")
    mine = (
        (Ticket.day == today)
        & (Ticket.status == Status.WAITING.value)
        & (Ticket.service.in_(_services(counter)))
        & (Ticket.device == own)
        & (Ticket.seq > OFFLINE_BASE)
        # never sent: the hub cannot have given it to another counter
        & ~fn.EXISTS(Outbox.select(Outbox.seq).where((Outbox.uuid == Ticket.id) & Outbox.sent_at.is_null(False)))
    )
    order = ((Ticket.priority == ""), Ticket.queued_at, Ticket.seq)
    with db.atomic():
        chosen = Ticket.select().where(mine).order_by(*order).first()
        if chosen is None:
            return None
        if chosen.priority and tickets._priority_streak(today, counter, ctx) >= ctx.setting("priority_cap"):
            chosen = Ticket.select().where(mine & (Ticket.priority == "")).order_by(*order).first() or chosen
        return tickets._move(
            ctx, chosen, "call", {"counter": counter, "offline": True},
            counter=counter, call_count=1,
            first_called_at=chosen.first_called_at or to_db(now),
            called_at=to_db(now), served_by=ctx.actor.username,
        )


# ---- the link -----------------------------------------------------------------------------


def make_link(ctx: Context, *, server: str | None = None, token: str | None = None, **options: Any) -> LiveLink | None:
    """A LiveLink for this counter from its saved server and device token (None when either is
    missing: a lone PC). Not started: call `start()` for the background threads (the window),
    or use it request by request (the command line)."""
    from counter_app.services import sync

    url = (server or ctx.setting("sync_server") or "").strip()
    secret = (token or "").strip() or sync.saved_token(ctx.data_dir)
    if not url or not secret:
        return None
    names = getattr(sync, "_visitor_names", None)
    return LiveLink(
        url, secret, ctx.data_dir,
        apply=lambda events: replica.apply_site_events(ctx, events),
        since=replica.last_site_event(),
        on_device=replica.remember_device,
        names=names,
        **options,
    )


def open_link(ctx: Context, **options: Any) -> LiveLink | None:
    """For one command (the command line): a link that has reached the hub and caught up with
    the site's events, or None (no server configured, or the hub is unreachable: the command
    then works offline). The caller pushes and closes it with `close_link`."""
    link = make_link(ctx, **options)
    if link is None:
        return None
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
        "counter": device.get("counter") or replica.raw_setting(replica.COUNTER_KEY) or ctx.setting("counter_code"),
        "offline_block": int(block) if (block := replica.raw_setting(replica.BLOCK_KEY) or "").isdigit() else None,
    }

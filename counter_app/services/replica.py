"""The local replica of the site's tickets, fed by the hub's ordered event stream (DESIGN.md §9).

`apply_site_events(ctx, events)` writes other devices' ticket changes into the local Ticket table
for every service of this PC's catalogue — the site's queue, not only the services this counter
serves: a front desk that serves nothing registers for every service, and its receipt's people
ahead and wait come from that service's whole queue and today's finished tickets
(services/waiting.py) — with no outbox row (they are not ours to send), no ticket event, one
audit row per applied batch. The sequence
number of the last applied event is kept in the setting `last_site_event`, in the same
transaction as the rows, so a batch is applied exactly once whatever the moment of a crash.

Which state wins. A ticket's payload is its whole state; its *version* is (queued_at, phase,
call_count) with phase waiting 0 < called 1 < serving 2 < final 3: every legal move makes it
larger (a requeue moves queued_at on; a recall counts a call), so an event older than what this
store already knows — the stream lags a little behind the answers of claims and this counter's
own moves — is simply not applied. An event from another device with the *same* version but a
different content is the hub's ruling on a conflict and is applied (the hub is authoritative);
this counter's own events are acknowledgements and are applied only when newer.

A claim lost in a cut (the hub gave this counter a ticket but the answer never arrived) shows
up as an event saying this counter holds a ticket it does not hold locally: if the counter holds
another one meanwhile, the lost one is given back at once (a requeue at its old place, pushed
like any requeue), so nothing is stuck and a counter never holds two.

Offline tickets and their release. The hub keeps a ticket this device registered with an
offline code *reserved* for this counter (no other counter can claim it), because this
device, not knowing whether its push arrived (a lost answer), may call it offline. Once a push
acknowledgement covered such a ticket and this counter does not hold it, `release_due` marks it
released here (in the setting `live_released`, before the request is sent) and the link asks
the hub to release it; from then on this device never calls it offline (only through a claim,
like any other). A release the hub did not confirm is sent again; until then the ticket only
waits for this counter (safe).

The other counters' states. The hub's `counter` events (open, on a break, closed) are kept
per counter in the setting `live_counter_states`, in the same transaction as the batch's
tickets: the wait estimate counts only the counters open now (services/waiting.py).
"""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta
from typing import Any

import peewee

from counter_app.core.clock import local_day, to_db
from counter_app.core.numbering import OFFLINE_BASE, code_number
from counter_app.core.ticket_rules import Status
from counter_app.services import journal, ticket_store
from counter_app.services.context import Context
from counter_app.store import settings as setting_table
from counter_app.store.models import Outbox, Service, Ticket, db

log = logging.getLogger(__name__)

LAST_EVENT_KEY = "last_site_event"
DEVICE_KEY = "live_device"  # this PC's device name at the hub (whoami), to know its own events
BLOCK_KEY = "offline_block"
SITE_KEY = "live_site"
COUNTER_KEY = "live_counter"
STATES_KEY = "live_counter_states"  # the other counters' last states (the wait estimate)
COUNTER_STATES = ("open", "break", "closed")
RELEASED_KEY = "live_released"  # {uuid: true once the hub confirmed}: offline tickets released

_PHASE = {Status.WAITING.value: 0, Status.CALLED.value: 1, Status.SERVING.value: 2}
_HELD = (Status.CALLED.value, Status.SERVING.value)
_TIMES = ("arrived_at", "registered_at", "queued_at", "first_called_at", "started_at", "finished_at")


# ---- settings kept by the live link -------------------------------------------------------


def raw_setting(key: str) -> str | None:
    return setting_table.stored(key)


def put_setting(key: str, value: Any) -> None:
    setting_table.put(key, value)


def last_site_event() -> int:
    try:
        return int(raw_setting(LAST_EVENT_KEY) or 0)
    except ValueError:
        return 0


def remember_device(answer: dict[str, Any]) -> None:
    """whoami's answer, kept at every successful contact: the device name (own events), the
    offline block (offline codes), the site and counter the hub binds it to."""
    with db.atomic():
        put_setting(DEVICE_KEY, answer["device"])
        block = answer.get("offline_block")
        if isinstance(block, int) and 0 <= block <= 89:
            put_setting(BLOCK_KEY, block)
        for key, field in ((SITE_KEY, "site"), (COUNTER_KEY, "counter")):
            if isinstance(answer.get(field), str):
                put_setting(key, answer[field])


# ---- versions -----------------------------------------------------------------------------


def _when(value: Any) -> datetime | None:
    """An aware ISO text (payload) or a naive UTC datetime (store) → naive UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return to_db(value) if value.tzinfo else value
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return to_db(parsed) if parsed.tzinfo else parsed


def _phase(status: str) -> int:
    return _PHASE.get(status, 3)


def payload_version(payload: dict[str, Any]) -> tuple[datetime, int, int]:
    queued = _when(payload.get("queued_at")) or _when(payload.get("registered_at")) or datetime.min
    return queued, _phase(str(payload.get("status"))), int(payload.get("call_count") or 0)


def row_version(row: Ticket) -> tuple[datetime, int, int]:
    return row.queued_at or row.registered_at or datetime.min, _phase(row.status), int(row.call_count or 0)


# ---- applying -----------------------------------------------------------------------------


def _fields(payload: dict[str, Any], current: Ticket | None) -> dict[str, Any]:
    """The Ticket columns an event sets (never the visitor's name, NIK, phone or notes)."""
    values: dict[str, Any] = {
        "day": date.fromisoformat(str(payload["day"])),
        "code": payload["code"],
        "receipt_no": payload["receipt_no"],
        "service": payload["service"],
        "device": payload["device"],
        "counter": payload.get("counter"),
        "priority": payload.get("priority") or "",
        "status": payload["status"],
        "call_count": int(payload.get("call_count") or 0),
        "served_by": payload.get("served_by"),
        "transferred_from": payload.get("transferred_from"),
        "transferred_to": payload.get("transferred_to"),
    }
    for name in _TIMES:
        if name in payload:
            values[name] = _when(payload.get(name))
    if values.get("queued_at") is None:  # an older payload without it: keep ours
        values["queued_at"] = current.queued_at if current is not None else values["registered_at"]
    if payload["status"] in _HELD and (current is None or current.called_at is None):
        values["called_at"] = values.get("first_called_at")
    return values


def _insert(payload: dict[str, Any]) -> None:
    values = _fields(payload, None)
    code = str(payload["code"])
    values.update(
        id=payload["id"],
        seq=code_number(code) or 0,
        letter=code[:1],
        name=payload.get("name_masked") or "",
        notes="",
        outcome="",
    )
    Ticket.insert(**values).execute()


def _update(payload: dict[str, Any], current: Ticket) -> None:
    Ticket.update(**_fields(payload, current)).where(Ticket.id == current.id).execute()


def _wanted(payload: dict[str, Any], services: set[str]) -> bool:
    """Every ticket of the site's services: a counter that registers for a service (a front
    desk registers for all) needs that service's whole queue for its receipts, and today's
    finished tickets for the estimate. Only a service missing from this PC's catalogue is
    left out (the foreign key would refuse it; the next reference pull brings it)."""
    return payload.get("service") in services


def _valid(payload: Any) -> bool:
    return isinstance(payload, dict) and all(
        isinstance(payload.get(k), str) and payload.get(k)
        for k in ("id", "day", "code", "receipt_no", "service", "device", "status")
    )


def apply_site_events(ctx: Context, events: list[dict[str, Any]]) -> int:
    """Apply the events (in seq order) to the local replica; returns the last seq applied.

    Run under the live link's lock (see LiveLink.lock), on any thread."""
    if not events:
        return last_site_event()
    counter = ctx.setting("counter_code")
    me = raw_setting(DEVICE_KEY)
    lost: list[str] = []
    applied = 0
    first = events[0].get("seq")
    last = last_site_event()
    # The payload is the ticket's whole state: only the latest event of each ticket matters.
    latest: dict[str, dict[str, Any]] = {}
    for event in events:
        seq = event.get("seq")
        if not isinstance(seq, int) or seq <= last:  # applied before (a replayed batch)
            continue
        if event.get("kind") == "ticket" and _valid(event.get("payload")):
            latest.pop(event["payload"]["id"], None)
            latest[event["payload"]["id"]] = event
    top = max((e["seq"] for e in events if isinstance(e.get("seq"), int)), default=last)
    states = _counter_states_of(events, last)
    with db.atomic():
        if states:
            _remember_counter_states(states)
        services = {row.code for row in Service.select(Service.code)}
        for event in latest.values():
            payload = event["payload"]
            own = me is not None and event.get("device") == me
            current = Ticket.get_or_none(Ticket.id == payload["id"])
            if current is None and not _wanted(payload, services):
                continue
            held_before = current is not None and current.status in _HELD and current.counter == counter
            if current is not None:
                theirs, ours = payload_version(payload), row_version(current)
                newer = theirs > ours
                ruling = (
                    theirs == ours
                    and not own
                    and (payload.get("status"), payload.get("counter")) != (current.status, current.counter)
                )
                if not (newer or ruling):
                    continue
            try:
                with db.atomic():  # a savepoint: one bad row (a code clash) skips that row only
                    if current is None:
                        _insert(payload)
                    else:
                        _update(payload, current)
            except peewee.IntegrityError as exc:
                log.warning(
                    "site event %s for ticket %s not applied: %s", event.get("seq"), payload["id"], exc
                )
                continue
            applied += 1
            if (
                payload["status"] == Status.CALLED.value
                and payload.get("counter") == counter
                and not held_before
            ):
                lost.append(payload["id"])
        put_setting(LAST_EVENT_KEY, max(top, last))
        if applied:
            journal.audit(
                ctx.clock,
                ctx.actor.username,
                "site.apply",
                "",
                {"from": first, "to": top, "tickets": applied},
            )
    for ticket_id in lost:
        give_back_if_holding_another(ctx, ticket_id)
    return max(top, last)


def _counter_states_of(events: list[dict[str, Any]], last: int) -> dict[str, dict[str, str]]:
    """The last state each counter's `counter` events (after seq `last`) give."""
    found: dict[str, dict[str, str]] = {}
    for event in events:
        seq, payload = event.get("seq"), event.get("payload")
        if event.get("kind") != "counter" or not isinstance(seq, int) or seq <= last:
            continue
        if not isinstance(payload, dict):
            continue
        counter, state = payload.get("counter"), payload.get("state")
        if not isinstance(counter, str) or not counter or state not in COUNTER_STATES:
            continue
        since = payload.get("since")
        found[counter] = {"state": str(state), "since": since if isinstance(since, str) else ""}
    return found


def _remember_counter_states(states: dict[str, dict[str, str]]) -> None:
    known = counter_states()
    merged = {**known, **states}
    if merged != known:
        put_setting(STATES_KEY, json.dumps(merged, sort_keys=True))


def counter_states() -> dict[str, dict[str, str]]:
    """Each counter's last state from the hub's events: {counter: {"state", "since"}}; a
    counter never heard of is absent."""
    try:
        doc = json.loads(raw_setting(STATES_KEY) or "{}")
    except ValueError:
        return {}
    if not isinstance(doc, dict):
        return {}
    return {str(k): v for k, v in doc.items() if isinstance(v, dict) and v.get("state") in COUNTER_STATES}


def give_back_if_holding_another(ctx: Context, ticket_id: str) -> bool:
    """A claim this counter did not know it won: keep it if the counter is free, else requeue
    it at its old place (queued_at + 1 µs: later, so every store takes the move, and still
    ahead of everyone who came after)."""
    counter = ctx.setting("counter_code")
    with db.atomic():
        ticket = Ticket.get_or_none(Ticket.id == ticket_id)
        if ticket is None or ticket.status != Status.CALLED.value or ticket.counter != counter:
            return False
        other = (
            Ticket.select(Ticket.id)
            .where(
                (Ticket.day == ticket.day)
                & (Ticket.counter == counter)
                & Ticket.status.in_(list(_HELD))
                & (Ticket.id != ticket.id)
            )
            .exists()
        )
        if not other:
            return False
        ticket_store.move(
            ctx,
            ticket,
            "requeue",
            {"lost_claim": True},
            queued_at=ticket.queued_at + timedelta(microseconds=1),
            started_at=None,
        )
    log.info("lost claim of %s given back (this counter holds another ticket)", ticket_id)
    return True


# ---- offline tickets released to the site's queue -------------------------------------------


def released() -> dict[str, bool]:
    """The offline tickets this device released (sent or not yet confirmed): uuid → confirmed."""
    try:
        doc = json.loads(raw_setting(RELEASED_KEY) or "{}")
    except ValueError:
        return {}
    return {str(k): bool(v) for k, v in doc.items()} if isinstance(doc, dict) else {}


def _keep_released(doc: dict[str, bool], today: date) -> None:
    # A confirmed entry of a finished ticket or of a past day can never matter again (the
    # offline call takes today's waiting tickets only): dropped, so the setting stays small.
    confirmed = [k for k, v in doc.items() if v]
    if confirmed:
        alive = {
            row.id
            for row in Ticket.select(Ticket.id).where(
                Ticket.id.in_(confirmed)
                & Ticket.status.in_([Status.WAITING.value, *_HELD])
                & (Ticket.day >= today)
            )
        }
        doc = {k: v for k, v in doc.items() if not v or k in alive}
    put_setting(RELEASED_KEY, json.dumps(doc, separators=(",", ":")))


def release_due(ctx: Context) -> list[str]:
    """The offline tickets to release at the hub now: this device's offline-code tickets that a
    push acknowledgement covered and this counter does not hold, marked released here first
    (so they are never called offline again, whatever becomes of the request), plus those
    whose release the hub did not confirm yet. Run under the live link's lock."""
    own = ctx.setting("counter_code")
    with db.atomic():
        doc = released()
        acked = Outbox.select(Outbox.seq).where((Outbox.uuid == Ticket.id) & Outbox.sent_at.is_null(False))
        fresh = [
            row.id
            for row in Ticket.select(Ticket.id).where(
                (Ticket.device == own)
                & (Ticket.seq > OFFLINE_BASE)
                & (Ticket.status == Status.WAITING.value)
                & peewee.fn.EXISTS(acked)
            )
            if row.id not in doc
        ]
        if fresh:
            doc.update(dict.fromkeys(fresh, False))
            _keep_released(doc, local_day(ctx.clock.now(), ctx.tz))
    return [k for k, v in doc.items() if not v]


def release_confirmed(ctx: Context, ids: list[str]) -> None:
    """The hub answered the release of `ids` (released, or not reserved for us any more)."""
    with db.atomic():
        doc = released()
        doc.update({k: True for k in ids if k in doc})
        _keep_released(doc, local_day(ctx.clock.now(), ctx.tz))

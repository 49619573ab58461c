"""The append-only records every change writes in its own transaction: events, audit, outbox.

These run several times per ticket move, so they use plain parameterised SQL rather than
building peewee queries each time (that construction cost dominated a demo day's profile).
"""

from __future__ import annotations

from typing import Any

from counter_app.core.audit_chain import GENESIS, entry_hash
from counter_app.core.clock import Clock, to_db
from counter_app.store.models import AuditLog, db, db_time, dump_json


def audit(clock: Clock, actor: str, action: str, subject: str = "", detail: Any = None) -> None:
    """Append to the hash chain. Call inside the change's transaction (BEGIN IMMEDIATE)."""
    row = db.execute_sql('SELECT "hash" FROM "audit_log" ORDER BY "id" DESC LIMIT 1').fetchone()
    prev = row[0] if row else GENESIS
    at = clock.now().isoformat(timespec="microseconds")
    db.execute_sql(
        'INSERT INTO "audit_log" ("at", "actor", "action", "subject", "detail", "prev_hash", '
        '"hash") VALUES (?, ?, ?, ?, ?, ?, ?)',
        (at, actor, action, subject, dump_json(detail), prev,
         entry_hash(prev, at, actor, action, subject, detail)),
    )


def outbox(clock: Clock, entity: str, uuid: str, op: str, payload: dict[str, Any]) -> None:
    """Queue a record for the nightly push. Payloads hold masked personal data only."""
    db.execute_sql(
        'INSERT INTO "outbox" ("entity", "uuid", "op", "payload", "created_at") '
        "VALUES (?, ?, ?, ?, ?)",
        (entity, uuid, op, dump_json(payload), db_time(to_db(clock.now()))),
    )


def ticket_event(
    ticket_id: str,
    action: str,
    from_status: str | None,
    to_status: str,
    actor: str,
    counter: str | None,
    at: Any,
    detail: dict[str, Any] | None,
) -> None:
    db.execute_sql(
        'INSERT INTO "ticket_event" ("ticket_id", "action", "from_status", "to_status", "actor", '
        '"counter", "at", "detail") VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        (ticket_id, action, from_status, to_status, actor, counter, db_time(at), dump_json(detail)),
    )


def verify_chain() -> tuple[bool, int | None, int]:
    """(intact, id of the first broken entry or None, entries checked)."""
    prev = GENESIS
    count = 0
    query = AuditLog.select().order_by(AuditLog.id)
    for row in query.iterator():
        count += 1
        expected = entry_hash(prev, row.at, row.actor, row.action, row.subject, row.detail)
        if row.prev_hash != prev or row.hash != expected:
            return False, row.id, count
        prev = row.hash
    return True, None, count

"""The two append-only records every change writes in its own transaction: audit and outbox."""

from __future__ import annotations

from typing import Any

from counter_app.core.audit_chain import GENESIS, entry_hash
from counter_app.core.clock import Clock, to_db
from counter_app.store.models import AuditLog, Outbox


def audit(clock: Clock, actor: str, action: str, subject: str = "", detail: Any = None) -> None:
    """Append to the hash chain. Call inside the change's transaction (BEGIN IMMEDIATE)."""
    last = AuditLog.select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1).scalar()
    prev = last or GENESIS
    at = clock.now().isoformat(timespec="microseconds")
    AuditLog.create(
        at=at,
        actor=actor,
        action=action,
        subject=subject,
        detail=detail,
        prev_hash=prev,
        hash=entry_hash(prev, at, actor, action, subject, detail),
    )


def outbox(clock: Clock, entity: str, uuid: str, op: str, payload: dict[str, Any]) -> None:
    """Queue a record for the nightly push. Payloads hold masked personal data only."""
    Outbox.create(entity=entity, uuid=uuid, op=op, payload=payload, created_at=to_db(clock.now()))


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

"""The append-only records every change writes in its own transaction: events, audit, outbox.

These run several times per ticket move, so they use plain parameterised SQL rather than
building peewee queries each time (that construction cost dominated a demo day's profile).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from counter_app.core.audit_chain import GENESIS, entry_hash
from counter_app.core.clock import Clock, to_db
from counter_app.core.roles import Actor, Permission
from counter_app.store.models import db, db_time, dump_json


def audit(clock: Clock, actor: str, action: str, subject: str = "", detail: Any = None) -> None:
    """Append to the hash chain. Call inside the change's transaction (BEGIN IMMEDIATE)."""
    row = db.execute_sql('SELECT "hash" FROM "audit_log" ORDER BY "id" DESC LIMIT 1').fetchone()
    prev = row[0] if row else GENESIS
    at = clock.now().isoformat(timespec="microseconds")
    db.execute_sql(
        'INSERT INTO "audit_log" ("at", "actor", "action", "subject", "detail", "prev_hash", '
        '"hash") VALUES (?, ?, ?, ?, ?, ?, ?)',
        (
            at,
            actor,
            action,
            subject,
            dump_json(detail),
            prev,
            entry_hash(prev, at, actor, action, subject, detail),
        ),
    )


def outbox(clock: Clock, entity: str, uuid: str, op: str, payload: dict[str, Any]) -> None:
    """Queue a record for the nightly push. Payloads hold masked personal data only."""
    db.execute_sql(
        'INSERT INTO "outbox" ("entity", "uuid", "op", "payload", "created_at") VALUES (?, ?, ?, ?, ?)',
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


@dataclass(frozen=True)
class ChainCheck:
    """What `audit verify` found. `broken_at` is the sequence number (the row's id) of the first
    entry that is damaged (unreadable), altered (its hash does not match) or unlinked (it does
    not follow the entry before it: rows removed or put in)."""

    intact: bool
    entries: int
    broken_at: int | None = None
    reason: str | None = None  # "damaged" | "altered" | "unlinked"
    head: tuple[int, str] | None = None  # (sequence, hash) of the last entry

    def to_json(self) -> dict[str, Any]:
        head = None if self.head is None else {"seq": self.head[0], "hash": self.head[1]}
        return {
            "intact": self.intact,
            "entries": self.entries,
            "broken_at": self.broken_at,
            "reason": self.reason,
            "head": head,
        }


_ROWS = (
    'SELECT "id", "at", "actor", "action", "subject", "detail", "prev_hash", "hash" '
    'FROM "audit_log" WHERE "id" > ? ORDER BY "id" LIMIT 1000'
)


def check_chain() -> ChainCheck:
    """Walk the chain from its start; raw rows, so a damaged one is reported, not a traceback."""
    prev = GENESIS
    count = 0
    after = -1
    while True:
        rows = db.execute_sql(_ROWS, (after,)).fetchall()
        if not rows:
            break
        for seq, at, actor, action, subject, detail, prev_hash, hash_ in rows:
            count += 1
            after = seq
            try:
                if not all(isinstance(v, str) for v in (at, actor, action, subject, prev_hash, hash_)):
                    raise ValueError("a missing or non-text field")
                content = None if detail is None else json.loads(detail)
                expected = entry_hash(prev, at, actor, action, subject, content)
            except (ValueError, TypeError):
                return ChainCheck(False, count, seq, "damaged", chain_head())
            if prev_hash != prev:
                return ChainCheck(False, count, seq, "unlinked", chain_head())
            if hash_ != expected:
                return ChainCheck(False, count, seq, "altered", chain_head())
            prev = hash_
    return ChainCheck(True, count, None, None, chain_head())


def check_chain_for(actor: Actor) -> ChainCheck:
    """`check_chain` on a person's behalf (the command line's `audit`): the AUDIT right first."""
    actor.require(Permission.AUDIT)
    return check_chain()


def verify_chain() -> tuple[bool, int | None, int]:
    """(intact, id of the first broken entry or None, entries checked)."""
    result = check_chain()
    return result.intact, result.broken_at, result.entries


def chain_head(before: str | None = None) -> tuple[int, str] | None:
    """(sequence, hash) of the chain's last entry — or of the last one written before the ISO
    UTC time `before` (the day's head for the *segel audit*). None for an empty chain. This is
    the anchor kept outside the file: the server's record of heads, the signed daily paper."""
    if before is None:
        row = db.execute_sql('SELECT "id", "hash" FROM "audit_log" ORDER BY "id" DESC LIMIT 1').fetchone()
    else:
        row = db.execute_sql(
            'SELECT "id", "hash" FROM "audit_log" WHERE "at" < ? ORDER BY "id" DESC LIMIT 1',
            (before,),
        ).fetchone()
    if row is None or not isinstance(row[1], str):
        return None
    return int(row[0]), row[1]


def chain_contains(seq: int, hash_: str) -> bool:
    """Does entry `seq` still carry `hash_`? With an intact chain (check_chain), a head seen
    earlier that is still contained proves nothing before it was rewritten or removed."""
    row = db.execute_sql('SELECT "hash" FROM "audit_log" WHERE "id" = ?', (seq,)).fetchone()
    return row is not None and row[0] == hash_


# Free texts an event detail may carry (finish outcome, cancel reason, transfer note): kept in
# the ticket's events, where the retention purge can empty them, never in the audit chain.
FREE_TEXTS = ("outcome", "reason", "note", "notes")


def without_texts(detail: Any) -> Any:
    """`detail` for the audit chain: a free text is recorded only as given (True), not its words."""
    if not isinstance(detail, dict):
        return detail
    return {k: (bool(v) if k in FREE_TEXTS else v) for k, v in detail.items()}


@contextmanager
def purge_permit(clock: Clock, actor: str, reason: str, detail: Any = None) -> Iterator[None]:
    """The one way past the triggers that keep tickets and their events (schema v4): used only
    by `services.privacy` (the retention purge and a data subject's erasure), which rewrites an
    event it must pseudonymise by deleting it and putting it back under the same id. It writes
    its audit entry first, and the permit row exists only inside this one transaction, so no
    other connection ever sees it. Audit rows themselves are never deleted, permit or not."""
    with db.atomic():
        audit(clock, actor, "retention.purge", reason, detail)
        db.execute_sql('INSERT INTO "purge_permit" ("reason") VALUES (?)', (reason,))
        yield
        db.execute_sql('DELETE FROM "purge_permit"')

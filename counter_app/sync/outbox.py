"""The local store's side of the push: pending outbox rows, marking them sent, counts per day.

Functions take the peewee database explicitly (the app passes the `db` proxy; tests and the
benchmark may hold several stores open at once). Plain SQL: this is the hot path of a sync.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from counter_app.core.clock import to_db
from counter_app.store.models import db_time

OutboxRow = tuple[int, str, str, str, str, str]  # seq, entity, uuid, op, payload JSON, created_at


def pending(database: Any, limit: int, after: int = 0) -> list[OutboxRow]:
    """Up to `limit` unsent rows with seq > `after`, in seq order. `created_at` is stored as
    naive UTC text ('2026-11-30 01:02:03.456789'); it leaves as ISO 8601 with its offset."""
    cursor = database.execute_sql(
        'SELECT "seq", "entity", "uuid", "op", "payload", '
        "replace(\"created_at\", ' ', 'T') || '+00:00' FROM \"outbox\" "
        'WHERE "sent_at" IS NULL AND "seq" > ? ORDER BY "seq" LIMIT ?',
        (after, limit),
    )
    rows: list[OutboxRow] = cursor.fetchall()
    return rows


def pending_count(database: Any) -> int:
    return int(database.execute_sql('SELECT COUNT(*) FROM "outbox" WHERE "sent_at" IS NULL').fetchone()[0])


def mark_sent(database: Any, first: int, last: int, when: datetime) -> int:
    """Mark the unsent rows with first ≤ seq ≤ last as sent at `when`; returns how many."""
    if last < first:
        return 0
    with database.atomic():
        cursor = database.execute_sql(
            'UPDATE "outbox" SET "sent_at" = ? WHERE "seq" >= ? AND "seq" <= ? AND "sent_at" IS NULL',
            (db_time(to_db(when)), first, last),
        )
        return int(cursor.rowcount)


def prune_sent(database: Any, before: datetime) -> int:
    """Forget rows sent before `before` (the server has them; the file stays small)."""
    with database.atomic():
        cursor = database.execute_sql(
            'DELETE FROM "outbox" WHERE "sent_at" IS NOT NULL AND "sent_at" < ?',
            (db_time(to_db(before)),),
        )
        return int(cursor.rowcount)


def ticket_counts(database: Any) -> dict[str, int]:
    """Tickets per local day in this store: what the server should hold for this device."""
    cursor = database.execute_sql('SELECT "day", COUNT(*) FROM "ticket" GROUP BY "day" ORDER BY "day"')
    return {str(day): n for day, n in cursor}

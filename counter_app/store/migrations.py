"""Numbered schema migrations. Each runs in one transaction with its `user_version` bump.

The SQL of each step is frozen here (not derived from the models), so a step means the same
thing forever, whatever the models become later. Add a step; never edit an old one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # a store at the latest schema opens without peewee (store/fast_open.py)
    import peewee

V1 = """
CREATE TABLE "setting" ("key" VARCHAR(255) NOT NULL PRIMARY KEY, "value" TEXT NOT NULL);
CREATE TABLE "agency" ("code" VARCHAR(255) NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL);
CREATE TABLE "service" ("code" VARCHAR(255) NOT NULL PRIMARY KEY, "letter" VARCHAR(1) NOT NULL,
  "name_id" VARCHAR(255) NOT NULL, "name_en" VARCHAR(255) NOT NULL,
  "agency_id" VARCHAR(255) NOT NULL REFERENCES "agency" ("code"),
  "target_minutes" INTEGER NOT NULL, "completion_id" VARCHAR(255) NOT NULL,
  "completion_en" VARCHAR(255) NOT NULL, "fee" INTEGER NOT NULL, "requirements" TEXT NOT NULL,
  "active" INTEGER NOT NULL);
CREATE INDEX "service_agency_id" ON "service" ("agency_id");
CREATE TABLE "counter" ("code" VARCHAR(255) NOT NULL PRIMARY KEY, "name" VARCHAR(255) NOT NULL,
  "active" INTEGER NOT NULL);
CREATE TABLE "counter_service" (
  "counter_id" VARCHAR(255) NOT NULL REFERENCES "counter" ("code") ON DELETE CASCADE,
  "service_id" VARCHAR(255) NOT NULL REFERENCES "service" ("code") ON DELETE CASCADE,
  PRIMARY KEY ("counter_id", "service_id"));
CREATE INDEX "counter_service_service_id" ON "counter_service" ("service_id");
CREATE TABLE "staff" ("id" INTEGER NOT NULL PRIMARY KEY, "username" VARCHAR(255) NOT NULL,
  "full_name" VARCHAR(255) NOT NULL, "password_hash" VARCHAR(255) NOT NULL,
  "role" VARCHAR(255) NOT NULL, "active" INTEGER NOT NULL, "failed_attempts" INTEGER NOT NULL,
  "locked_until" DATETIME, "created_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "staff_username" ON "staff" ("username");
CREATE TABLE "queue_sequence" ("day" DATE NOT NULL, "letter" VARCHAR(1) NOT NULL,
  "last" INTEGER NOT NULL, PRIMARY KEY ("day", "letter"));
CREATE TABLE "ticket" ("id" VARCHAR(255) NOT NULL PRIMARY KEY, "day" DATE NOT NULL,
  "seq" INTEGER NOT NULL, "letter" VARCHAR(1) NOT NULL, "code" VARCHAR(255) NOT NULL,
  "receipt_no" VARCHAR(255) NOT NULL,
  "service_id" VARCHAR(255) NOT NULL REFERENCES "service" ("code"),
  "device" VARCHAR(255) NOT NULL, "counter" VARCHAR(255), "priority" VARCHAR(255) NOT NULL,
  "status" VARCHAR(255) NOT NULL, "name" VARCHAR(255) NOT NULL, "nik_hash" VARCHAR(255),
  "nik_masked" VARCHAR(255), "phone" VARCHAR(255), "notes" TEXT NOT NULL,
  "arrived_at" DATETIME NOT NULL, "queued_at" DATETIME NOT NULL,
  "registered_at" DATETIME NOT NULL, "first_called_at" DATETIME,
  "called_at" DATETIME, "started_at" DATETIME, "finished_at" DATETIME,
  "call_count" INTEGER NOT NULL, "served_by" VARCHAR(255), "outcome" TEXT NOT NULL,
  "transferred_from" VARCHAR(255), "transferred_to" VARCHAR(255));
CREATE UNIQUE INDEX "ticket_receipt_no" ON "ticket" ("receipt_no");
CREATE INDEX "ticket_service_id" ON "ticket" ("service_id");
CREATE UNIQUE INDEX "ticket_day_letter_seq" ON "ticket" ("day", "letter", "seq");
CREATE INDEX "ticket_day_status" ON "ticket" ("day", "status");
CREATE INDEX "ticket_day_code" ON "ticket" ("day", "code");
CREATE INDEX "ticket_nik_hash_day" ON "ticket" ("nik_hash", "day");
CREATE TABLE "ticket_event" ("id" INTEGER NOT NULL PRIMARY KEY,
  "ticket_id" VARCHAR(255) NOT NULL REFERENCES "ticket" ("id"),
  "action" VARCHAR(255) NOT NULL, "from_status" VARCHAR(255), "to_status" VARCHAR(255) NOT NULL,
  "actor" VARCHAR(255) NOT NULL, "counter" VARCHAR(255), "at" DATETIME NOT NULL, "detail" TEXT);
CREATE INDEX "ticket_event_ticket_id" ON "ticket_event" ("ticket_id");
CREATE TABLE "receipt" ("id" INTEGER NOT NULL PRIMARY KEY,
  "ticket_id" VARCHAR(255) NOT NULL REFERENCES "ticket" ("id"),
  "snapshot" TEXT NOT NULL, "token" TEXT NOT NULL, "reprint_count" INTEGER NOT NULL,
  "created_at" DATETIME NOT NULL);
CREATE UNIQUE INDEX "receipt_ticket_id" ON "receipt" ("ticket_id");
CREATE TABLE "outbox" ("seq" INTEGER PRIMARY KEY AUTOINCREMENT, "entity" VARCHAR(255) NOT NULL,
  "uuid" VARCHAR(255) NOT NULL, "op" VARCHAR(255) NOT NULL, "payload" TEXT NOT NULL,
  "created_at" DATETIME NOT NULL, "sent_at" DATETIME);
CREATE INDEX "outbox_sent_at" ON "outbox" ("sent_at");
CREATE TABLE "audit_log" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "at" VARCHAR(255) NOT NULL,
  "actor" VARCHAR(255) NOT NULL, "action" VARCHAR(255) NOT NULL, "subject" VARCHAR(255) NOT NULL,
  "detail" TEXT, "prev_hash" VARCHAR(255) NOT NULL, "hash" VARCHAR(255) NOT NULL);
CREATE TRIGGER "audit_log_no_update" BEFORE UPDATE ON "audit_log"
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER "ticket_event_no_update" BEFORE UPDATE ON "ticket_event"
  BEGIN SELECT RAISE(ABORT, 'ticket events are append-only'); END;
"""


def _script(sql: str) -> Callable[[peewee.SqliteDatabase], None]:
    def step(database: peewee.SqliteDatabase) -> None:
        for statement in _split(sql):
            database.execute_sql(statement)

    return step


def _split(sql: str) -> list[str]:
    """Split on `;` at line ends, keeping trigger bodies (which end `END;`) whole."""
    out, buf = [], []
    for line in sql.strip().splitlines():
        buf.append(line)
        stripped = line.strip()
        if stripped.endswith(";") and (not _in_trigger(buf) or stripped.endswith("END;")):
            out.append("\n".join(buf).rstrip(";"))
            buf = []
    if buf:
        out.append("\n".join(buf))
    return out


def _in_trigger(lines: list[str]) -> bool:
    return lines[0].lstrip().upper().startswith("CREATE TRIGGER")


# v2: indexes for the busiest reads at millions of tickets (found by bench/bench_lookup.py):
# the day's list in arrival order without a sort, and the priority-streak check of call_next.
V2 = """
CREATE INDEX "ticket_day_registered" ON "ticket" ("day", "registered_at", "seq");
CREATE INDEX "ticket_day_counter_called" ON "ticket" ("day", "counter", "first_called_at");
"""

# v3: the satisfaction survey (SKM, one response per ticket at most; paper forms have no
# ticket) and complaints with their append-only follow-up. Scores are 1–4 or NULL.
V3 = """
CREATE TABLE "survey_response" ("id" VARCHAR(255) NOT NULL PRIMARY KEY,
  "ticket_id" VARCHAR(255) REFERENCES "ticket" ("id"), "day" DATE NOT NULL,
  "service_id" VARCHAR(255) REFERENCES "service" ("code"), "counter" VARCHAR(255),
  "u1" INTEGER CHECK ("u1" BETWEEN 1 AND 4), "u2" INTEGER CHECK ("u2" BETWEEN 1 AND 4),
  "u3" INTEGER CHECK ("u3" BETWEEN 1 AND 4), "u4" INTEGER CHECK ("u4" BETWEEN 1 AND 4),
  "u5" INTEGER CHECK ("u5" BETWEEN 1 AND 4), "u6" INTEGER CHECK ("u6" BETWEEN 1 AND 4),
  "u7" INTEGER CHECK ("u7" BETWEEN 1 AND 4), "u8" INTEGER CHECK ("u8" BETWEEN 1 AND 4),
  "u9" INTEGER CHECK ("u9" BETWEEN 1 AND 4),
  "age_band" VARCHAR(255), "sex" VARCHAR(255), "education" VARCHAR(255),
  "occupation" VARCHAR(255), "suggestions" TEXT NOT NULL,
  "source" VARCHAR(255) NOT NULL CHECK ("source" IN ('kiosk', 'paper')),
  "consent" INTEGER NOT NULL, "created_at" DATETIME NOT NULL, "created_by" VARCHAR(255) NOT NULL);
CREATE UNIQUE INDEX "survey_response_ticket_id" ON "survey_response" ("ticket_id");
CREATE INDEX "survey_response_service_id" ON "survey_response" ("service_id");
CREATE INDEX "survey_response_day_service_id" ON "survey_response" ("day", "service_id");
CREATE TABLE "complaint" ("id" VARCHAR(255) NOT NULL PRIMARY KEY,
  "number" VARCHAR(255) NOT NULL, "received_at" DATETIME NOT NULL, "day" DATE NOT NULL,
  "channel" VARCHAR(255) NOT NULL, "category" VARCHAR(255) NOT NULL,
  "classification" VARCHAR(255) NOT NULL, "text" TEXT NOT NULL,
  "ticket_id" VARCHAR(255) REFERENCES "ticket" ("id"),
  "service_id" VARCHAR(255) REFERENCES "service" ("code"),
  "contact" VARCHAR(255), "contact_consent" INTEGER NOT NULL,
  "status" VARCHAR(255) NOT NULL CHECK ("status" IN ('baru', 'diproses', 'selesai')),
  "deadline_at" DATETIME NOT NULL, "closed_at" DATETIME, "received_by" VARCHAR(255) NOT NULL,
  "device" VARCHAR(255) NOT NULL, "updated_at" DATETIME NOT NULL,
  CHECK ("contact" IS NULL OR "contact_consent" = 1));
CREATE UNIQUE INDEX "complaint_number" ON "complaint" ("number");
CREATE INDEX "complaint_ticket_id" ON "complaint" ("ticket_id");
CREATE INDEX "complaint_service_id" ON "complaint" ("service_id");
CREATE INDEX "complaint_status_deadline_at" ON "complaint" ("status", "deadline_at");
CREATE INDEX "complaint_day" ON "complaint" ("day");
CREATE TABLE "complaint_action" ("id" INTEGER NOT NULL PRIMARY KEY,
  "complaint_id" VARCHAR(255) NOT NULL REFERENCES "complaint" ("id"),
  "at" DATETIME NOT NULL, "actor" VARCHAR(255) NOT NULL, "action" TEXT NOT NULL,
  "status_before" VARCHAR(255) NOT NULL, "status_after" VARCHAR(255) NOT NULL);
CREATE INDEX "complaint_action_complaint_id" ON "complaint_action" ("complaint_id");
CREATE TRIGGER "complaint_action_no_update" BEFORE UPDATE ON "complaint_action"
  BEGIN SELECT RAISE(ABORT, 'complaint actions are append-only'); END;
"""

# v4: nothing recorded is deleted behind the audit's back. Audit rows are never deleted (nor
# updated: v1). Tickets and their events may be deleted only while a row sits in
# "purge_permit", which only `services.journal.purge_permit` writes — after its own audit entry,
# inside its one transaction, removed again before the commit (the retention purge of a later
# issue goes through it). Anyone who can write the file can drop a trigger too: the anchors
# outside the file (the server's heads, the signed daily paper) are what catch that.
V4 = """
CREATE TABLE "purge_permit" ("reason" TEXT NOT NULL);
CREATE TRIGGER "audit_log_no_delete" BEFORE DELETE ON "audit_log"
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER "ticket_no_delete" BEFORE DELETE ON "ticket"
  WHEN NOT EXISTS (SELECT 1 FROM "purge_permit")
  BEGIN SELECT RAISE(ABORT, 'tickets are kept: only the audited retention purge removes them'); END;
CREATE TRIGGER "ticket_event_no_delete" BEFORE DELETE ON "ticket_event"
  WHEN NOT EXISTS (SELECT 1 FROM "purge_permit")
  BEGIN SELECT RAISE(ABORT, 'ticket events are append-only'); END;
"""

# v5: the service standard beyond requirements, time and fee (UU 25/2009 Pasal 21; Perpres
# 89/2021): procedure, product, legal basis, service hours, daily quota, the fee's kind (a tax
# assessed case by case prints "sesuai ketetapan", never "Gratis") and the completion time in
# working days; the agency's maklumat pelayanan; the SP4N-LAPOR! milestones of a complaint
# (verification and first response due, and when each happened). Older rows keep NULL/empty.
V5 = """
ALTER TABLE "agency" ADD COLUMN "maklumat" TEXT NOT NULL DEFAULT '';
ALTER TABLE "service" ADD COLUMN "procedure" TEXT NOT NULL DEFAULT '[]';
ALTER TABLE "service" ADD COLUMN "product_id" TEXT NOT NULL DEFAULT '';
ALTER TABLE "service" ADD COLUMN "product_en" TEXT NOT NULL DEFAULT '';
ALTER TABLE "service" ADD COLUMN "legal_basis" TEXT NOT NULL DEFAULT '[]';
ALTER TABLE "service" ADD COLUMN "hours_id" TEXT NOT NULL DEFAULT '';
ALTER TABLE "service" ADD COLUMN "hours_en" TEXT NOT NULL DEFAULT '';
ALTER TABLE "service" ADD COLUMN "daily_quota" INTEGER CHECK ("daily_quota" IS NULL OR "daily_quota" > 0);
ALTER TABLE "service" ADD COLUMN "fee_kind" VARCHAR(255) NOT NULL DEFAULT 'fixed' CHECK ("fee_kind" IN ('fixed', 'assessed'));
ALTER TABLE "service" ADD COLUMN "completion_days" INTEGER CHECK ("completion_days" IS NULL OR "completion_days" >= 0);
ALTER TABLE "complaint" ADD COLUMN "verification_due_at" DATETIME;
ALTER TABLE "complaint" ADD COLUMN "first_response_due_at" DATETIME;
ALTER TABLE "complaint" ADD COLUMN "verified_at" DATETIME;
ALTER TABLE "complaint" ADD COLUMN "first_response_at" DATETIME;
"""

STEPS: dict[int, Callable[[peewee.SqliteDatabase], None]] = {
    1: _script(V1),
    2: _script(V2),
    3: _script(V3),
    4: _script(V4),
    5: _script(V5),
}
LATEST = max(STEPS)


def migrate(database: peewee.SqliteDatabase, current: int) -> int:
    """Apply every step after `current`, each atomically with its version bump."""
    for version in range(current + 1, LATEST + 1):
        with database.atomic():
            STEPS[version](database)
            database.execute_sql(f"PRAGMA user_version = {version}")
    return LATEST

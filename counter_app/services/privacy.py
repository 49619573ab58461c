"""Personal data under UU PDP 27/2022: the retention purge, and the data subject's export and erasure.

* `purge` pseudonymises what the store holds about visitors once it is older than the setting
  `retention_days` (Pasal 42–44): the name becomes `ANONYMOUS`; phone, NIK hash and masked NIK
  go; notes, outcome texts and the free texts of the ticket's events are emptied; a closed
  complaint loses its contact and its texts are masked (NIKs, phone numbers, the visitor's name);
  a survey response loses its respondent profile and its suggestion is masked. The statistics
  stay: days, times, service, counter, status, priority class, call counts, IKM answers,
  complaint class and deadlines. It is idempotent (a second run finds nothing), runs by itself
  once a day (`purge_if_due`: at the window's start, when an open window passes midnight and
  after each nightly sync) and deletes the
  backups older than the retention period. A copy restored from an old backup carries its own
  older "last purge" day, so it is purged again as soon as it is opened.
* `export` gathers everything the store holds about one person (by NIK through its keyed hash,
  by phone in E.164, or by ticket) for the JSON and the readable PDF (Pasal 32, 3×24 hours).
* `erase` pseudonymises that person's records now, with the reason; an open complaint (it must
  still be answered) and a ticket still in the queue are kept, each with why.

Every change goes through `journal.purge_permit`, the one audited path past the triggers of
schema v4. Ticket events and complaint actions cannot be updated (v1, v3 triggers); the permit
lets an event be deleted, so a rewritten event is deleted and put back under its own id with its
free texts emptied — the same row, same order, inside the permit's one audited transaction.
The audit chain itself is never rewritten: ticket moves record there only *that* a free text
was given (`journal.without_texts`); entries written before that change keep their words.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from counter_app.core import person
from counter_app.core.clock import day_bounds_utc, from_db, local_day
from counter_app.core.errors import ValidationError
from counter_app.core.roles import Actor, Permission, Role
from counter_app.services import journal, retention_due
from counter_app.services.context import Context
from counter_app.services.rows import fk_id, fk_id_or_none
from counter_app.store import settings as setting_table
from counter_app.store.models import (
    Complaint,
    ComplaintAction,
    Receipt,
    Service,
    SurveyResponse,
    Ticket,
    TicketEvent,
    db,
    db_time,
    dump_json,
)

# The window's start imports this module for `purge_if_due`, which on most starts only reads one
# setting: backups (cryptography), complaints (uuid6), the phone and PII rules (phonenumbers)
# are imported inside the functions that use them, when a purge or a request runs.

ANONYMOUS = "[anonim]"  # the name of a pseudonymised visitor
LAST_PURGE_KEY = retention_due.LAST_PURGE_KEY
SYSTEM_ACTOR = Actor("system:retention", Role.ADMIN)
OPEN_COMPLAINT = ("baru", "diproses")
ACTIVE_TICKET = ("waiting", "called", "serving")
EVENT_TEXTS = journal.FREE_TEXTS  # emptied in the events of a pseudonymised ticket
BATCH = 500

_NOT_PURGED = (
    '("name" != ? OR "phone" IS NOT NULL OR "nik_hash" IS NOT NULL OR "nik_masked" IS NOT NULL '
    "OR \"notes\" != '' OR \"outcome\" != '')"
)
# Tickets a complaint still needs: it is open, or closed too recently to be purged itself.
_HELD_BY_COMPLAINT = (
    'SELECT "ticket_id" FROM "complaint" WHERE "ticket_id" IS NOT NULL '
    "AND (\"status\" IN ('baru', 'diproses') OR \"closed_at\" >= ?)"
)


@dataclass(frozen=True)
class Counts:
    """What a purge or an erasure changed (or, in a dry run, would change)."""

    tickets: int = 0
    events: int = 0
    receipts: int = 0
    complaints: int = 0
    complaint_actions: int = 0
    surveys: int = 0
    backups: int = 0
    kept: int = 0  # old tickets kept because an open complaint still needs them

    def to_json(self) -> dict[str, int]:
        return dict(vars(self))

    @property
    def total(self) -> int:
        return self.tickets + self.complaints + self.surveys + self.backups


@dataclass(frozen=True)
class PurgeResult:
    cutoff: date  # records of days before this one were purged
    counts: Counts
    dry_run: bool
    backups_removed: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "cutoff": str(self.cutoff),
            "dry_run": self.dry_run,
            "counts": self.counts.to_json(),
            "backups_removed": list(self.backups_removed),
        }


@dataclass(frozen=True)
class PrivacyStatus:
    """What the *Privasi* settings tab shows."""

    retention_days: int
    cutoff: date
    last_purge_at: datetime | None
    last_counts: dict[str, int]
    backup_keep: int


# ---- the retention purge ------------------------------------------------------------------


def cutoff_day(ctx: Context) -> date:
    """Records of local days before this one are past the retention period."""
    return local_day(ctx.clock.now(), ctx.tz) - timedelta(days=int(ctx.setting("retention_days")))


def purge(ctx: Context, *, dry_run: bool = False) -> PurgeResult:
    """Pseudonymise everything older than the retention period; delete old backups. Audited.
    With `dry_run`, count and change nothing (no audit entry either)."""
    from counter_app.services import backup as backups

    ctx.actor.require(Permission.MANAGE_SETTINGS)
    cutoff = cutoff_day(ctx)
    start, _ = day_bounds_utc(cutoff, ctx.tz)  # naive UTC
    with db.atomic():
        params = (str(cutoff), ANONYMOUS, db_time(start))
        kept = _scalar(
            f'SELECT count(*) FROM "ticket" WHERE "day" < ? AND {_NOT_PURGED} '
            f'AND "id" IN ({_HELD_BY_COMPLAINT})',
            params,
        )
        ids = [
            r[0]
            for r in db.execute_sql(
                f'SELECT "id" FROM "ticket" WHERE "day" < ? AND {_NOT_PURGED} '
                f'AND "id" NOT IN ({_HELD_BY_COMPLAINT})',
                params,
            )
        ]
        complaints = [
            c.id
            for c in _complaints_to_clean(
                [
                    r[0]
                    for r in db.execute_sql(
                        'SELECT "id" FROM "complaint" WHERE "status" = \'selesai\' AND "closed_at" < ?',
                        (db_time(start),),
                    )
                ]
            )
        ]
        surveys = _surveys_to_clean(SurveyResponse.select().where(SurveyResponse.day < cutoff))
        old_backups = backups.older_than(Path(ctx.data_dir), start)
        if dry_run:
            counts = Counts(
                tickets=len(ids),
                events=len(_events_to_rewrite(ids)),
                receipts=_receipts_named(ids),
                complaints=len(complaints),
                surveys=len(surveys),
                backups=len(old_backups),
                kept=kept,
            )
            return PurgeResult(cutoff, counts, True, tuple(p.name for p in old_backups))
        planned = {
            "cutoff": str(cutoff),
            "tickets": len(ids),
            "complaints": len(complaints),
            "surveys": len(surveys),
            "backups": len(old_backups),
            "kept": kept,
        }
        db.execute_sql("PRAGMA secure_delete = ON")  # old values overwritten, not left in free pages
        with journal.purge_permit(ctx.clock, ctx.actor.username, "retention", planned):
            counts = _pseudonymise(ids, complaints, surveys)
            counts = replace(counts, kept=kept, backups=len(old_backups))
            _put(
                LAST_PURGE_KEY,
                json.dumps(
                    {
                        "at": ctx.clock.now().isoformat(),
                        "day": str(local_day(ctx.clock.now(), ctx.tz)),
                        "cutoff": str(cutoff),
                        "counts": counts.to_json(),
                    }
                ),
            )
    _wipe_free_pages()
    # After the commit: a backup removed before a rollback could not come back.
    removed = backups.remove(old_backups)
    return PurgeResult(cutoff, counts, False, tuple(p.name for p in removed))


def purge_if_due(ctx: Context) -> PurgeResult | None:
    """The daily purge, as the system (window start, midnight, after the nightly sync): once per
    local day. A restored old copy has an older day of its own, so it is purged again. (The
    window's start asks `retention_due` first, so as not to import this module on most starts.)"""
    if not retention_due.due(ctx):
        return None
    return purge(replace(ctx, actor=SYSTEM_ACTOR))


last_purge = retention_due.last_purge


def status(ctx: Context) -> PrivacyStatus:
    from counter_app.services import backup as backups

    last = last_purge(ctx) or {}
    at = last.get("at")
    return PrivacyStatus(
        retention_days=int(ctx.setting("retention_days")),
        cutoff=cutoff_day(ctx),
        last_purge_at=datetime.fromisoformat(at) if isinstance(at, str) else None,
        last_counts={k: int(v) for k, v in (last.get("counts") or {}).items()},
        backup_keep=backups.KEEP,
    )


# ---- the pseudonymising itself (inside a purge permit) ------------------------------------


def _pseudonymise(
    ids: Sequence[str], complaints: Sequence[str], surveys: Sequence[str], also: tuple[str, ...] = ()
) -> Counts:
    """`also`: more names to mask in the complaint texts (an erasure: all the person's names)."""
    names = _names(ids)  # before they go: the complaint texts are masked with them
    to_clean = _complaints_to_clean(complaints, also)
    cleaned = _clean_complaints(to_clean, names, also)
    events = _rewrite_events(_events_to_rewrite(ids))
    receipts = 0
    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        db.execute_sql(
            f'UPDATE "ticket" SET "name" = ?, "phone" = NULL, "nik_hash" = NULL, '
            f'"nik_masked" = NULL, "notes" = \'\', "outcome" = \'\' WHERE "id" IN ({marks})',
            (ANONYMOUS, *chunk),
        )
        receipts += db.execute_sql(
            f'UPDATE "receipt" SET "snapshot" = json_set("snapshot", \'$.name_masked\', ?) '
            f'WHERE "ticket_id" IN ({marks}) AND json_extract("snapshot", \'$.name_masked\') IS NOT ?',
            (person.mask_name(ANONYMOUS), *chunk, person.mask_name(ANONYMOUS)),
        ).rowcount
    for survey in SurveyResponse.select().where(SurveyResponse.id.in_(list(surveys))):
        db.execute_sql(
            'UPDATE "survey_response" SET "age_band" = NULL, "sex" = NULL, "education" = NULL, '
            '"occupation" = NULL, "suggestions" = ?, "consent" = 0 WHERE "id" = ?',
            (
                _scrub(survey.suggestions, names.get(fk_id_or_none(survey, SurveyResponse.ticket) or "", ())),
                survey.id,
            ),
        )
    _refresh_outbox(ids, [c.id for c in to_clean], surveys)
    return Counts(
        tickets=len(ids),
        events=events,
        receipts=receipts,
        complaints=cleaned[0],
        complaint_actions=cleaned[1],
        surveys=len(surveys),
    )


def _refresh_outbox(ids: Sequence[str], complaint_ids: Sequence[str], survey_ids: Sequence[str]) -> None:
    """Outbox rows of these records (waiting to be pushed, or kept after it for diagnostics)
    get the record as it is now: the server receives the pseudonymised form, and no copy of
    the old texts stays in the outbox."""
    from counter_app.services import complaints, survey, tickets

    def put(entity: str, uuid: str, payload: dict[str, Any]) -> None:
        db.execute_sql(
            'UPDATE "outbox" SET "payload" = ? WHERE "entity" = ? AND "uuid" = ?',
            (dump_json(payload), entity, uuid),
        )

    for chunk in _chunks(ids):
        for row in Ticket.select().where(Ticket.id.in_(list(chunk))):
            put("ticket", row.id, tickets.sync_payload(row))
    for complaint in Complaint.select().where(Complaint.id.in_(list(complaint_ids))):
        put("complaint", complaint.id, complaints.sync_payload(complaint, complaints.actions_of(complaint)))
    for response in SurveyResponse.select().where(SurveyResponse.id.in_(list(survey_ids))):
        put("survey", response.id, survey.sync_payload(response))


def _names(ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        sql = f'SELECT "id", "name" FROM "ticket" WHERE "id" IN ({marks})'
        for tid, name in db.execute_sql(sql, tuple(chunk)):
            if name and name != ANONYMOUS:
                out[tid] = (name,)
    return out


def _events_to_rewrite(ids: Sequence[str]) -> list[TicketEvent]:
    rows: list[TicketEvent] = []
    for chunk in _chunks(ids):
        for event in TicketEvent.select().where(TicketEvent.ticket.in_(list(chunk))):
            detail = event.detail
            if isinstance(detail, dict) and any(detail.get(k) for k in EVENT_TEXTS):
                rows.append(event)
    return rows


def _rewrite_events(events: Iterable[TicketEvent]) -> int:
    """Empty the free texts of these events: deleted and put back under the same id (the
    permit allows the delete; v1's trigger forbids an update)."""
    count = 0
    for event in events:
        detail = {k: ("" if k in EVENT_TEXTS else v) for k, v in event.detail.items()}
        db.execute_sql('DELETE FROM "ticket_event" WHERE "id" = ?', (event.id,))
        db.execute_sql(
            'INSERT INTO "ticket_event" ("id", "ticket_id", "action", "from_status", "to_status", '
            '"actor", "counter", "at", "detail") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
            (
                event.id,
                fk_id(event, TicketEvent.ticket),
                event.action,
                event.from_status,
                event.to_status,
                event.actor,
                event.counter,
                db_time(event.at),
                dump_json(detail),
            ),
        )
        count += 1
    return count


def _surveys_to_clean(query: Iterable[SurveyResponse]) -> list[str]:
    """Responses that still hold a profile, a consent or a suggestion naming someone."""
    out = []
    for row in query:
        profile = (row.age_band, row.sex, row.education, row.occupation)
        if (
            any(profile)
            or row.consent
            or _scrub(row.suggestions, _ticket_names(fk_id_or_none(row, SurveyResponse.ticket)))
            != row.suggestions
        ):
            out.append(row.id)
    return out


def _receipts_named(ids: Sequence[str]) -> int:
    total = 0
    for chunk in _chunks(ids):
        marks = ", ".join("?" for _ in chunk)
        total += _scalar(
            f'SELECT count(*) FROM "receipt" WHERE "ticket_id" IN ({marks}) '
            f"AND json_extract(\"snapshot\", '$.name_masked') IS NOT ?",
            (*chunk, person.mask_name(ANONYMOUS)),
        )
    return total


def _complaints_to_clean(ids: Sequence[str], also: tuple[str, ...] = ()) -> list[Complaint]:
    """Closed complaints that still hold a contact or text with a NIK, a phone number or the
    visitor's name (checked row by row: the free texts are few)."""
    from counter_app.services.complaints import action_query as complaint_actions

    out = []
    for row in Complaint.select().where(Complaint.id.in_(list(ids))):
        names = _ticket_names(fk_id_or_none(row, Complaint.ticket)) + also
        texts = [row.text, *(a.action for a in complaint_actions(row))]
        if row.contact is not None or any(_scrub(x, names) != x for x in texts):
            out.append(row)
    return out


def _ticket_names(ticket_id: str | None) -> tuple[str, ...]:
    if ticket_id is None:
        return ()
    row = db.execute_sql('SELECT "name" FROM "ticket" WHERE "id" = ?', (ticket_id,)).fetchone()
    return (row[0],) if row and row[0] and row[0] != ANONYMOUS else ()


def _clean_complaints(
    rows: Sequence[Complaint], names: dict[str, tuple[str, ...]], also: tuple[str, ...] = ()
) -> tuple[int, int]:
    from counter_app.services.complaints import action_query as complaint_actions

    actions = 0
    for row in rows:
        ticket_id = fk_id_or_none(row, Complaint.ticket)
        known = (names.get(ticket_id or "") or _ticket_names(ticket_id)) + also
        db.execute_sql(
            'UPDATE "complaint" SET "contact" = NULL, "contact_consent" = 0, "text" = ? WHERE "id" = ?',
            (_scrub(row.text, known), row.id),
        )
        for action in complaint_actions(row):
            masked = _scrub(action.action, known)
            if masked == action.action:
                continue
            # complaint actions cannot be updated (v3 trigger): the same row is put back masked
            db.execute_sql('DELETE FROM "complaint_action" WHERE "id" = ?', (action.id,))
            db.execute_sql(
                'INSERT INTO "complaint_action" ("id", "complaint_id", "at", "actor", "action", '
                '"status_before", "status_after") VALUES (?, ?, ?, ?, ?, ?, ?)',
                (
                    action.id,
                    row.id,
                    db_time(action.at),
                    action.actor,
                    masked,
                    action.status_before,
                    action.status_after,
                ),
            )
            actions += 1
    return len(rows), actions


# ---- the data subject's rights --------------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """Whom a request is about, as the store can find them."""

    by: str  # nik | phone | ticket
    shown: str  # the masked form, for the papers and the audit
    nik_hash: str | None = None
    phone: str | None = None
    ticket_id: str | None = None


def subject(
    ctx: Context, *, nik: str | None = None, phone: str | None = None, ticket: str | None = None
) -> Subject:
    """Exactly one of NIK (matched by its keyed hash), phone (E.164) or ticket reference."""
    given = [x for x in (nik, phone, ticket) if x is not None and x.strip()]
    if len(given) != 1:
        raise ValidationError("privacy.one_subject", field="subject")
    from counter_app.core import nik as nik_rules, phone as phone_rules

    if nik:
        parsed = nik_rules.parse(nik, today=local_day(ctx.clock.now(), ctx.tz))
        return Subject("nik", parsed.masked, nik_hash=nik_rules.keyed_hash(parsed.digits, ctx.nik_key()))
    if phone:
        e164 = phone_rules.normalise(phone)
        return Subject("phone", phone_rules.mask(e164), phone=e164)
    from counter_app.services import tickets  # the reference rules (uuid, receipt no., today's code)

    row = tickets.get(str(ticket), ctx)
    return Subject("ticket", row.receipt_no, nik_hash=row.nik_hash, phone=row.phone, ticket_id=row.id)


def _tickets_of(who: Subject) -> list[Ticket]:
    """The person's tickets: by NIK hash or phone, and a ticket's own transfer chain."""
    cond = None
    if who.nik_hash:
        cond = Ticket.nik_hash == who.nik_hash
    if who.phone:
        cond = (Ticket.phone == who.phone) if cond is None else cond | (Ticket.phone == who.phone)
    if who.ticket_id:
        cond = (Ticket.id == who.ticket_id) if cond is None else cond | (Ticket.id == who.ticket_id)
    found = {t.id: t for t in Ticket.select().where(cond)} if cond is not None else {}
    frontier = list(found.values())
    while frontier:  # transfers carry the same visitor to another service
        links = {x for t in frontier for x in (t.transferred_from, t.transferred_to) if x} - set(found)
        frontier = list(Ticket.select().where(Ticket.id.in_(list(links)))) if links else []
        found.update({t.id: t for t in frontier})
    return sorted(found.values(), key=lambda t: (t.registered_at, t.id))


def _complaints_of(who: Subject, ticket_ids: Sequence[str]) -> list[Complaint]:
    cond = Complaint.ticket.in_(list(ticket_ids)) if ticket_ids else None
    if who.phone:
        cond = (Complaint.contact == who.phone) if cond is None else cond | (Complaint.contact == who.phone)
    if cond is None:
        return []
    return list(Complaint.select().where(cond).order_by(Complaint.received_at))


def export(ctx: Context, who: Subject) -> dict[str, Any]:
    """Everything the store holds about the person, as one plain document (JSON-ready).
    Audited: who asked, about whom (masked), how many records."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    rows = _tickets_of(who)
    ids = [r.id for r in rows]
    complaints = _complaints_of(who, ids)
    surveys = list(SurveyResponse.select().where(SurveyResponse.ticket.in_(ids))) if ids else []
    services = {s.code: s.name_id for s in Service.select()}
    doc = {
        "generated_at": ctx.clock.now().isoformat(),
        "site": {
            "code": ctx.setting("site_code"),
            "name": ctx.setting("site_name"),
            "contact": ctx.setting("site_contact"),
        },
        "subject": {"by": who.by, "shown": who.shown},
        "retention_days": int(ctx.setting("retention_days")),
        "tickets": [_ticket_doc(r, services) for r in rows],
        "complaints": [_complaint_doc(c) for c in complaints],
        "survey_responses": [_survey_doc(s) for s in surveys],
    }
    with db.atomic():
        journal.audit(
            ctx.clock,
            ctx.actor.username,
            "privacy.export",
            who.shown,
            {"by": who.by, "tickets": len(rows), "complaints": len(complaints), "surveys": len(surveys)},
        )
    return doc


def _iso(value: datetime | None) -> str | None:
    aware = from_db(value)
    return None if aware is None else aware.isoformat()


def _ticket_doc(row: Ticket, services: dict[str, str]) -> dict[str, Any]:
    receipt = Receipt.get_or_none(Receipt.ticket == row.id)
    events = TicketEvent.select().where(TicketEvent.ticket == row.id).order_by(TicketEvent.id)
    consent = next(
        (
            e.at
            for e in events
            if e.action == "register" and isinstance(e.detail, dict) and e.detail.get("phone_consent")
        ),
        None,
    )
    return {
        "id": row.id,
        "day": str(row.day),
        "code": row.code,
        "receipt_no": row.receipt_no,
        "service": fk_id(row, Ticket.service),
        "service_name": services.get(fk_id(row, Ticket.service), fk_id(row, Ticket.service)),
        "status": row.status,
        "priority": row.priority,
        "name": row.name,
        "nik_masked": row.nik_masked,
        "nik_stored_as": "keyed hash" if row.nik_hash else None,
        "phone": row.phone,
        "phone_consent_at": _iso(consent),
        "notes": row.notes,
        "outcome": row.outcome,
        "registered_at": _iso(row.registered_at),
        "first_called_at": _iso(row.first_called_at),
        "started_at": _iso(row.started_at),
        "finished_at": _iso(row.finished_at),
        "counter": row.counter,
        "served_by": row.served_by,
        "events": [
            {
                "at": _iso(e.at),
                "action": e.action,
                "from": e.from_status,
                "to": e.to_status,
                "actor": e.actor,
                "counter": e.counter,
                "detail": e.detail,
            }
            for e in events
        ],
        "receipt": None
        if receipt is None
        else {"snapshot": receipt.snapshot, "reprints": receipt.reprint_count},
    }


def _complaint_doc(row: Complaint) -> dict[str, Any]:
    from counter_app.services.complaints import action_query as complaint_actions

    actions = complaint_actions(row).order_by(ComplaintAction.id)
    return {
        "number": row.number,
        "received_at": _iso(row.received_at),
        "channel": row.channel,
        "category": row.category,
        "classification": row.classification,
        "text": row.text,
        "contact": row.contact,
        "status": row.status,
        "deadline_at": _iso(row.deadline_at),
        "closed_at": _iso(row.closed_at),
        "ticket": fk_id_or_none(row, Complaint.ticket),
        "actions": [
            {"at": _iso(a.at), "actor": a.actor, "action": a.action, "status": a.status_after}
            for a in actions
        ],
    }


def _survey_doc(row: SurveyResponse) -> dict[str, Any]:
    return {
        "day": str(row.day),
        "service": fk_id_or_none(row, SurveyResponse.service),
        "answers": row.answers(),
        "age_band": row.age_band,
        "sex": row.sex,
        "education": row.education,
        "occupation": row.occupation,
        "suggestions": row.suggestions,
        "ticket": fk_id_or_none(row, SurveyResponse.ticket),
    }


@dataclass(frozen=True)
class Kept:
    kind: str  # complaint | ticket
    ref: str  # complaint number or receipt number
    reason: str  # message key: privacy.kept.open_complaint | privacy.kept.active_ticket


@dataclass(frozen=True)
class Erasure:
    counts: Counts
    kept: tuple[Kept, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts.to_json(),
            "kept": [{"kind": k.kind, "ref": k.ref, "reason": k.reason} for k in self.kept],
        }


def erase(ctx: Context, who: Subject, reason: str) -> Erasure:
    """Pseudonymise the person's records now (Pasal 43), audited with the reason; an open
    complaint (still to be answered) and a ticket still in the queue are kept, each named."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    text = person.clean_notes(reason)
    if not text:
        raise ValidationError("privacy.reason_required", field="reason")
    db.execute_sql("PRAGMA secure_delete = ON")
    with db.atomic():
        rows = _tickets_of(who)
        complaints = _complaints_of(who, [r.id for r in rows])
        open_ = [c for c in complaints if c.status in OPEN_COMPLAINT]
        held = {t for t in (fk_id_or_none(c, Complaint.ticket) for c in open_) if t}
        kept = [Kept("complaint", c.number, "privacy.kept.open_complaint") for c in open_]
        kept += [Kept("ticket", r.receipt_no, "privacy.kept.open_complaint") for r in rows if r.id in held]
        today = local_day(ctx.clock.now(), ctx.tz)
        queued = {r.id for r in rows if r.status in ACTIVE_TICKET and r.day == today}  # in today's queue
        kept += [
            Kept("ticket", r.receipt_no, "privacy.kept.active_ticket")
            for r in rows
            if r.id in queued and r.id not in held
        ]
        kept_ids = held | queued
        ids = [r.id for r in rows if r.id not in kept_ids and _holds_data(r)]
        closed = [c.id for c in complaints if c.status not in OPEN_COMPLAINT]
        surveys = (
            _surveys_to_clean(SurveyResponse.select().where(SurveyResponse.ticket.in_(ids))) if ids else []
        )
        names = [r.name for r in rows]
        detail = {
            "by": who.by,
            "tickets": ids,
            "complaints": [c.number for c in complaints if c.id in closed],
            "kept": len(kept),
        }
        # the reason goes into the audit chain for good: masked like any text that may name someone
        with journal.purge_permit(ctx.clock, ctx.actor.username, f"erase: {_scrub(text, names)}", detail):
            counts = _pseudonymise(ids, closed, surveys, tuple(n for n in names if n and n != ANONYMOUS))
    _wipe_free_pages()
    return Erasure(replace(counts, kept=len(kept)), tuple(kept))


def _holds_data(row: Ticket) -> bool:
    return bool(
        row.name != ANONYMOUS or row.phone or row.nik_hash or row.nik_masked or row.notes or row.outcome
    )


# ---- files ----------------------------------------------------------------------------------


def export_files(ctx: Context, who: Subject, folder: Path, lang: str | None = None) -> list[Path]:
    """Write the export as `<name>.json` and `<name>.pdf` (owner-only, whole or not at all) in an
    existing folder. Nothing is written when the store holds nothing about the person."""
    from counter_app.core.files import atomic_write
    from counter_app.documents.privacy_pdf import render_export

    folder = Path(folder)
    if not folder.is_dir():
        raise ValidationError("privacy.out_folder", field="out", path=str(folder))
    doc = export(ctx, who)
    if not (doc["tickets"] or doc["complaints"] or doc["survey_responses"]):
        return []
    stamp = ctx.clock.now().astimezone(UTC).strftime("%Y%m%dT%H%M%S")
    base = folder / f"data-pribadi-{who.by}-{stamp}"
    pdf = render_export(doc, lang)
    data = json.dumps(doc, ensure_ascii=False, indent=2, default=str).encode("utf-8")
    json_path, pdf_path = base.with_suffix(".json"), base.with_suffix(".pdf")
    atomic_write(json_path, data)
    atomic_write(pdf_path, pdf)
    return [json_path, pdf_path]


def notice_data(ctx: Context) -> dict[str, Any]:
    """What the privacy notice says for this site: who, what, why, how long, whom to ask."""
    from counter_app.services import backup as backups

    days = int(ctx.setting("retention_days"))
    return {
        "site_name": ctx.setting("site_name"),
        "site_address": ctx.setting("site_address"),
        "site_contact": ctx.setting("site_contact"),
        "retention_days": days,
        "retention_years": round(days / 365, 1),
        "backup_keep": backups.KEEP,
    }


def notice_pdf(ctx: Context, lang: str | None = None) -> bytes:
    from counter_app.documents.privacy_pdf import render_notice

    return render_notice(notice_data(ctx), lang)


# ---- small helpers --------------------------------------------------------------------------


def _scrub(text: str, names: Iterable[str] = ()) -> str:
    """A free text with the visitor's names gone (the whole name becomes `ANONYMOUS`, each
    word of it of three letters or more `***`) and every NIK and phone number masked."""
    from counter_app.core import pii

    for name in sorted({" ".join(n.split()) for n in names if n and n.strip()}, key=len, reverse=True):
        words = name.split()
        whole = re.compile(r"(?<!\w)" + r"\s+".join(map(re.escape, words)) + r"(?!\w)", re.I)
        text = whole.sub(ANONYMOUS, text)
        for word in words:
            if sum(ch.isalpha() for ch in word) >= 3:
                text = re.sub(r"(?<!\w)" + re.escape(word) + r"(?!\w)", "***", text, flags=re.I)
    return pii.redact_text(text)


def _wipe_free_pages() -> None:
    """Move the rewritten pages out of the WAL into the file (whose freed cells secure_delete
    zeroed), so the old values do not linger in the -wal file. Best effort: a reader holding an
    old snapshot only delays it to the next checkpoint."""
    db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _chunks(items: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), BATCH):
        yield items[i : i + BATCH]


def _scalar(sql: str, params: Sequence[Any] = ()) -> int:
    return int(db.execute_sql(sql, tuple(params)).fetchone()[0])


def _put(key: str, value: str) -> None:
    setting_table.put(key, value)

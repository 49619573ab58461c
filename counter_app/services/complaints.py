"""Complaints (pengaduan) and their follow-up (tindak lanjut), with deadlines by class.

Staff record a complaint (`add`, Permission.COMPLAINT); supervisors answer it (`respond`,
Permission.COMPLAINT_RESPOND), moving it baru → diproses → selesai. The deadline is fixed when
the complaint is received (core/deadlines.py, the site's `complaint_deadlines` setting), so a
later change of the rules never moves a promise already made. "Overdue" is computed from the
clock: still open after its deadline. A contact is kept only with the complainant's consent and
never leaves this PC (not in the outbox, not in the audit log).

Every change writes the complaint, its action, the audit entry and the outbox row (entity
"complaint": the whole complaint with its actions, minus the contact) in one transaction.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from counter_app.core import deadlines as deadline_rules
from counter_app.core.clock import from_db, local_day, to_db
from counter_app.core.deadlines import ComplaintClass, Rules
from counter_app.core.errors import IllegalTransition, NotFound, ValidationError
from counter_app.core.roles import Permission
from counter_app.services import catalogue, journal, site_calendar, tickets
from counter_app.services.context import Context
from counter_app.services.rows import fk_id, fk_id_or_none
from counter_app.store.models import Complaint, ComplaintAction, Ticket, db

if TYPE_CHECKING:  # annotations only
    from peewee import ModelSelect

CHANNELS = ("langsung", "telepon", "whatsapp", "kotak_saran", "lapor")
CATEGORIES = (
    "persyaratan",
    "prosedur",
    "waktu",
    "biaya",
    "produk",
    "kompetensi",
    "perilaku",
    "sarana",
    "informasi",
    "lainnya",
)
CLASSES = tuple(c.value for c in ComplaintClass)
NEW, IN_PROGRESS, DONE = "baru", "diproses", "selesai"
STATUSES = (NEW, IN_PROGRESS, DONE)
# status before → statuses an action may leave it in (a note may keep it where it is)
NEXT: dict[str, tuple[str, ...]] = {
    NEW: (NEW, IN_PROGRESS, DONE),
    IN_PROGRESS: (IN_PROGRESS, DONE),
    DONE: (),
}
TEXT_MAX = 2000
CONTACT_MAX = 100
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


# ---- settings -----------------------------------------------------------------------------


def deadline_rules_of(ctx: Context) -> Rules:
    """The site's rules: the defaults with the `complaint_deadlines` setting on top (kept, with
    the calendar's add/remove and the per-rule setters, in services/site_calendar.py)."""
    return site_calendar.rules_of(ctx)


def set_deadline_rules(ctx: Context, overrides: Mapping[str, Any] | str) -> Rules:
    """Store the site's overrides (JSON text or a mapping); refused unless they parse."""
    return site_calendar.set_rules(ctx, dict(overrides) if isinstance(overrides, Mapping) else overrides)


# ---- plain views --------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionView:
    at: datetime  # aware UTC
    actor: str
    action: str
    status_before: str
    status_after: str


@dataclass(frozen=True)
class ComplaintView:
    """A complaint as screens and the CLI show it; the contact only masked."""

    id: str
    number: str
    received_at: datetime  # aware UTC
    day: date
    channel: str
    category: str
    classification: str
    text: str
    ticket_id: str | None
    ticket_code: str | None
    service: str | None
    contact_masked: str | None
    status: str
    deadline_at: datetime
    closed_at: datetime | None
    received_by: str
    overdue: bool  # open and past its deadline, by the clock
    late: bool  # closed after its deadline
    actions: tuple[ActionView, ...] = field(default=())
    # SP4N-LAPOR! milestones, each overdue on its own: verification and first response
    verification_due_at: datetime | None = None
    first_response_due_at: datetime | None = None
    verified_at: datetime | None = None
    first_response_at: datetime | None = None
    verification_overdue: bool = False  # not verified, past its due time
    first_response_overdue: bool = False  # no response yet, past its due time
    estimated_years: tuple[int, ...] = ()  # deadline years the holidays release only estimates

    @property
    def open(self) -> bool:
        return self.status != DONE

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "number": self.number,
            "received_at": self.received_at.isoformat(),
            "day": self.day.isoformat(),
            "channel": self.channel,
            "category": self.category,
            "classification": self.classification,
            "text": self.text,
            "ticket_id": self.ticket_id,
            "ticket_code": self.ticket_code,
            "service": self.service,
            "contact_masked": self.contact_masked,
            "status": self.status,
            "deadline_at": self.deadline_at.isoformat(),
            "closed_at": None if self.closed_at is None else self.closed_at.isoformat(),
            "received_by": self.received_by,
            "overdue": self.overdue,
            "late": self.late,
            "verification_due_at": _iso(self.verification_due_at),
            "first_response_due_at": _iso(self.first_response_due_at),
            "verified_at": _iso(self.verified_at),
            "first_response_at": _iso(self.first_response_at),
            "verification_overdue": self.verification_overdue,
            "first_response_overdue": self.first_response_overdue,
            "holidays_estimated": list(self.estimated_years),
            "actions": [
                {
                    "at": a.at.isoformat(),
                    "actor": a.actor,
                    "action": a.action,
                    "status_before": a.status_before,
                    "status_after": a.status_after,
                }
                for a in self.actions
            ],
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def mask_contact(contact: str | None) -> str | None:
    if not contact:
        return None
    if contact.startswith("+"):
        from counter_app.core import phone as phone_rules  # phonenumbers: ~30 ms, only for a phone

        return phone_rules.mask(contact)
    name, _, domain = contact.partition("@")
    return (name[:2] + "***@" + domain) if domain else contact[:2] + "***"


def _milestones(c: Complaint, rules: Rules, tz: str) -> tuple[datetime, datetime]:
    """The stored due times; rows from before schema v5 get them from today's rules."""
    received = from_db(c.received_at)
    assert received is not None
    verify = from_db(c.verification_due_at) or deadline_rules.milestone_due(
        received, "verification", rules, tz
    )
    first = from_db(c.first_response_due_at) or deadline_rules.milestone_due(
        received, "first_response", rules, tz
    )
    return verify, first


def _view(
    c: Complaint,
    now: datetime,
    codes: Mapping[str, str],
    actions: Sequence[ComplaintAction] = (),
    rules: Rules | None = None,
    tz: str = "Asia/Pontianak",
    estimated: tuple[int, ...] = (),
) -> ComplaintView:
    deadline = from_db(c.deadline_at)
    closed = from_db(c.closed_at)
    assert deadline is not None
    ticket_id = fk_id_or_none(c, Complaint.ticket)
    verify_due, first_due = _milestones(c, rules or Rules(), tz)
    verified, first = from_db(c.verified_at), from_db(c.first_response_at)
    # Closing a complaint answers it: neither milestone is overdue after that.
    done = c.status == DONE
    return ComplaintView(
        id=c.id,
        number=c.number,
        received_at=from_db(c.received_at),
        day=c.day,
        channel=c.channel,
        category=c.category,
        classification=c.classification,
        text=c.text,
        ticket_id=ticket_id,
        ticket_code=codes.get(ticket_id) if ticket_id else None,
        service=fk_id_or_none(c, Complaint.service),
        contact_masked=mask_contact(c.contact),
        status=c.status,
        deadline_at=deadline,
        closed_at=closed,
        received_by=c.received_by,
        overdue=c.status != DONE and now > deadline,
        late=closed is not None and closed > deadline,
        actions=tuple(
            ActionView(from_db(a.at), a.actor, a.action, a.status_before, a.status_after) for a in actions
        ),
        verification_due_at=verify_due,
        first_response_due_at=first_due,
        verified_at=verified,
        first_response_at=first,
        verification_overdue=verified is None and not done and now > verify_due,
        first_response_overdue=first is None and not done and now > first_due,
        estimated_years=estimated,
    )


def sync_payload(c: Complaint, actions: Sequence[ComplaintAction]) -> dict[str, Any]:
    """What leaves this PC about a complaint: everything but the contact."""

    def iso(value: Any) -> str | None:
        return None if value is None else from_db(value).isoformat()

    return {
        "id": c.id,
        "number": c.number,
        "received_at": iso(c.received_at),
        "day": str(c.day),
        "channel": c.channel,
        "category": c.category,
        "classification": c.classification,
        "text": c.text,
        "ticket_id": fk_id_or_none(c, Complaint.ticket),
        "service": fk_id_or_none(c, Complaint.service),
        "contact_given": bool(c.contact),
        "status": c.status,
        "deadline_at": iso(c.deadline_at),
        "closed_at": iso(c.closed_at),
        "received_by": c.received_by,
        "device": c.device,
        "actions": [
            {
                "at": iso(a.at),
                "actor": a.actor,
                "action": a.action,
                "status_before": a.status_before,
                "status_after": a.status_after,
            }
            for a in actions
        ],
    }


# ---- adding -------------------------------------------------------------------------------


_EMPTY_KEYS = {"complaint.text": "complaint.text.empty", "complaint.action": "complaint.action.empty"}
_TOO_LONG_KEYS = {
    "complaint.text": "complaint.text.too_long",
    "complaint.action": "complaint.action.too_long",
}
_UNKNOWN_KEYS = {
    "channel": "complaint.channel_unknown",
    "category": "complaint.category_unknown",
    "classification": "complaint.classification_unknown",
    "status": "complaint.status_unknown",
}


def _clean_text(text: str | None, key: str, field_name: str) -> str:
    text = unicodedata.normalize("NFC", text or "")
    text = "".join(ch if unicodedata.category(ch) != "Cc" or ch == "\n" else " " for ch in text)
    text = "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
    if not text:
        raise ValidationError(_EMPTY_KEYS[key], field=field_name)
    if len(text) > TEXT_MAX:
        raise ValidationError(_TOO_LONG_KEYS[key], field=field_name, max=TEXT_MAX)
    return text


def _choice(value: str, allowed: Sequence[str], field_name: str) -> str:
    clean = (value or "").strip().lower()
    if clean not in allowed:
        raise ValidationError(
            _UNKNOWN_KEYS[field_name], field=field_name, value=value, allowed=", ".join(allowed)
        )
    return clean


def _contact(contact: str | None, consent: bool) -> str | None:
    text = " ".join((contact or "").split())
    if not text:
        return None
    if not consent:
        raise ValidationError("complaint.contact_consent", field="contact")
    if len(text) > CONTACT_MAX:
        raise ValidationError("complaint.contact_invalid", field="contact")
    if "@" in text:
        if not _EMAIL.fullmatch(text):
            raise ValidationError("complaint.contact_invalid", field="contact")
        return text
    from counter_app.core import phone as phone_rules

    try:
        return phone_rules.normalise(text)
    except ValidationError:
        raise ValidationError("complaint.contact_invalid", field="contact") from None


def _number(site: str, device: str, day: date) -> str:
    prefix = f"{site}-{device}-{day:%Y%m%d}-P"
    last = (
        Complaint.select(Complaint.number)
        .where(Complaint.number.startswith(prefix))
        .order_by(Complaint.number.desc())
        .first()
    )
    seq = int(last.number[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{seq:02d}"


def add(
    ctx: Context,
    *,
    channel: str,
    category: str,
    classification: str,
    text: str,
    ticket: str | None = None,
    service: str | None = None,
    contact: str | None = None,
    contact_consent: bool = False,
) -> Complaint:
    """Record a complaint received now; its deadline follows from its class and the calendar."""
    ctx.actor.require(Permission.COMPLAINT)
    channel = _choice(channel, CHANNELS, "channel")
    category = _choice(category, CATEGORIES, "category")
    classification = _choice(classification, CLASSES, "classification")
    body = _clean_text(text, "complaint.text", "text")
    kept_contact = _contact(contact, contact_consent)
    now = ctx.clock.now()
    rules = deadline_rules_of(ctx)
    due = deadline_rules.deadline(now, classification, rules, ctx.tz)
    verify_due = deadline_rules.milestone_due(now, "verification", rules, ctx.tz)
    first_due = deadline_rules.milestone_due(now, "first_response", rules, ctx.tz)
    with db.atomic():
        linked: Ticket | None = tickets.get(ticket, ctx) if ticket and ticket.strip() else None
        service_code = fk_id(linked, Ticket.service) if linked is not None else None
        if service and service.strip():
            service_code = catalogue.get_service(service).code
        day = local_day(now, ctx.tz)
        site, device = ctx.setting("site_code"), ctx.setting("counter_code")
        from uuid6 import uuid7  # here: uuid6 reads its package metadata at import (~15 ms)

        row = Complaint(
            id=str(uuid7()),
            number=_number(site, device, day),
            received_at=to_db(now),
            day=day,
            channel=channel,
            category=category,
            classification=classification,
            text=body,
            ticket=linked.id if linked is not None else None,
            service=service_code,
            contact=kept_contact,
            contact_consent=bool(contact_consent and kept_contact),
            status=NEW,
            deadline_at=to_db(due),
            closed_at=None,
            received_by=ctx.actor.username,
            device=device,
            updated_at=to_db(now),
            verification_due_at=to_db(verify_due),
            first_response_due_at=to_db(first_due),
        )
        row.save(force_insert=True)
        journal.outbox(ctx.clock, "complaint", row.id, "upsert", sync_payload(row, []))
        journal.audit(
            ctx.clock,
            ctx.actor.username,
            "complaint.add",
            row.id,
            {"number": row.number, "class": classification, "deadline": _stored_iso(row.deadline_at)},
        )
    return row


# ---- following up -------------------------------------------------------------------------


def get(ref: str) -> Complaint:
    """A complaint by id or number (`PTK-L01-20261130-P01`, any case)."""
    clean = (ref or "").strip()
    row = Complaint.get_or_none(Complaint.id == clean) or Complaint.get_or_none(
        Complaint.number == clean.upper()
    )
    if row is None:
        raise NotFound("complaint.unknown", ref=ref)
    return row


def respond(ctx: Context, ref: str, action: str, status: str | None = None) -> Complaint:
    """Add a follow-up action. `status` is where it leaves the complaint: by default a new
    complaint moves to *diproses*, one in progress stays; *selesai* closes it (for good)."""
    ctx.actor.require(Permission.COMPLAINT_RESPOND)
    text = _clean_text(action, "complaint.action", "action")
    with db.atomic():
        row = get(ref)
        before = row.status
        after = (
            (IN_PROGRESS if before == NEW else before)
            if status is None
            else _choice(status, STATUSES, "status")
        )
        if after not in NEXT[before]:
            raise IllegalTransition("complaint.illegal", number=row.number, status=before, to=after)
        now = ctx.clock.now()
        ComplaintAction.create(
            complaint=row.id,
            at=to_db(now),
            actor=ctx.actor.username,
            action=text,
            status_before=before,
            status_after=after,
        )
        row.status = after
        row.updated_at = to_db(now)
        if after == DONE:
            row.closed_at = to_db(now)
        # The first answer is the SP4N-LAPOR! first response, and answering implies verifying.
        if row.first_response_at is None:
            row.first_response_at = to_db(now)
        if row.verified_at is None:
            row.verified_at = to_db(now)
        row.save()
        actions = actions_of(row)
        journal.outbox(ctx.clock, "complaint", row.id, "upsert", sync_payload(row, actions))
        journal.audit(
            ctx.clock,
            ctx.actor.username,
            "complaint.respond",
            row.id,
            {"number": row.number, "from": before, "to": after},
        )
    return row


def verify(ctx: Context, ref: str, note: str | None = None) -> Complaint:
    """Record the SP4N-LAPOR! verification (the complaint checked and passed to the unit that
    answers it), with an optional note; the status stays. Refused once it is verified or closed."""
    ctx.actor.require(Permission.COMPLAINT_RESPOND)
    text = _clean_text(note, "complaint.action", "action") if note and note.strip() else None
    with db.atomic():
        row = get(ref)
        if row.verified_at is not None or row.status == DONE:
            raise IllegalTransition("complaint.already_verified", number=row.number)
        now = ctx.clock.now()
        ComplaintAction.create(
            complaint=row.id,
            at=to_db(now),
            actor=ctx.actor.username,
            action=text or "verifikasi",
            status_before=row.status,
            status_after=row.status,
        )
        row.verified_at = to_db(now)
        row.updated_at = to_db(now)
        row.save()
        actions = actions_of(row)
        journal.outbox(ctx.clock, "complaint", row.id, "upsert", sync_payload(row, actions))
        journal.audit(ctx.clock, ctx.actor.username, "complaint.verify", row.id, {"number": row.number})
    return row


# ---- reading ------------------------------------------------------------------------------


def action_query(row: Complaint) -> ModelSelect[ComplaintAction]:
    """A complaint's follow-up rows: the query of the `actions` backref, spelt out so the type
    checker sees it."""
    return ComplaintAction.select().where(ComplaintAction.complaint == row.id)


def actions_of(row: Complaint) -> list[ComplaintAction]:
    """A complaint's follow-up, oldest first."""
    return list(action_query(row).order_by(ComplaintAction.id))


def _stored_iso(value: datetime) -> str:
    """A NOT NULL stored time as aware ISO text."""
    return from_db(value).isoformat()


def _codes(ticket_ids: Sequence[str | None]) -> dict[str, str]:
    ids = [i for i in ticket_ids if i]
    if not ids:
        return {}
    return {t.id: t.code for t in Ticket.select(Ticket.id, Ticket.code).where(Ticket.id.in_(ids))}


def list_complaints(
    ctx: Context,
    *,
    status: str | None = None,
    open_only: bool = False,
    overdue_only: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
    limit: int = 1000,
) -> list[ComplaintView]:
    """Complaints, overdue first, then by deadline (open) and newest (closed)."""
    ctx.actor.require(Permission.COMPLAINT)
    now = ctx.clock.now()
    query = Complaint.select()
    if status:
        query = query.where(Complaint.status == _choice(status, STATUSES, "status"))
    if open_only or overdue_only:
        query = query.where(Complaint.status != DONE)
    if overdue_only:
        query = query.where(Complaint.deadline_at < to_db(now))
    if date_from is not None:
        query = query.where(Complaint.day >= date_from)
    if date_to is not None:
        query = query.where(Complaint.day <= date_to)
    rows = list(query.order_by(Complaint.received_at.desc()).limit(limit))
    codes = _codes([fk_id_or_none(r, Complaint.ticket) for r in rows])
    actions: dict[str, list[ComplaintAction]] = {}
    if rows:
        for a in (
            ComplaintAction.select()
            .where(ComplaintAction.complaint.in_([r.id for r in rows]))
            .order_by(ComplaintAction.id)
        ):
            actions.setdefault(fk_id(a, ComplaintAction.complaint), []).append(a)
    rules = deadline_rules_of(ctx)
    views = [_view(r, now, codes, actions.get(r.id, []), rules, ctx.tz, _estimated(ctx, r)) for r in rows]
    views.sort(
        key=lambda v: (
            not v.overdue,
            not v.open,
            v.deadline_at.timestamp() if v.open else 0.0,
            -v.received_at.timestamp(),
        )
    )
    return views


def detail(ctx: Context, ref: str) -> ComplaintView:
    ctx.actor.require(Permission.COMPLAINT)
    row = get(ref)
    actions = actions_of(row)
    return _view(
        row,
        ctx.clock.now(),
        _codes([fk_id_or_none(row, Complaint.ticket)]),
        actions,
        deadline_rules_of(ctx),
        ctx.tz,
        _estimated(ctx, row),
    )


def _estimated(ctx: Context, row: Complaint) -> tuple[int, ...]:
    """Years between receipt and deadline whose holidays the installed release only guesses."""
    due = from_db(row.deadline_at)
    if row.status == DONE or due is None:
        return ()
    return tuple(site_calendar.estimated_years(ctx, row.day, local_day(due, ctx.tz)))


@dataclass(frozen=True)
class ComplaintCounts:
    """Complaints received in a period, by what became of them (as of `at`)."""

    received: int = 0
    answered_in_time: int = 0  # closed by the deadline
    answered_late: int = 0  # closed after it
    overdue: int = 0  # still open and past the deadline
    open_in_time: int = 0  # still open, deadline ahead
    by_channel: dict[str, int] = field(default_factory=dict)
    by_class: dict[str, int] = field(default_factory=dict)
    by_category: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "received": self.received,
            "answered_in_time": self.answered_in_time,
            "answered_late": self.answered_late,
            "overdue": self.overdue,
            "open_in_time": self.open_in_time,
            "by_channel": dict(self.by_channel),
            "by_class": dict(self.by_class),
            "by_category": dict(self.by_category),
        }


def counts(ctx: Context, date_from: date, date_to: date | None = None) -> ComplaintCounts:
    """Received, answered in time, answered late, overdue and open, for complaints whose local
    day of receipt lies in [date_from, date_to]; overdue is judged by the clock now."""
    ctx.actor.require(Permission.COMPLAINT)
    date_to = date_to or date_from
    now = to_db(ctx.clock.now())
    received = in_time = late = overdue = open_ok = 0
    by_channel: dict[str, int] = {}
    by_class: dict[str, int] = {}
    by_category: dict[str, int] = {}
    query = Complaint.select(
        Complaint.channel,
        Complaint.classification,
        Complaint.category,
        Complaint.status,
        Complaint.deadline_at,
        Complaint.closed_at,
    ).where((Complaint.day >= date_from) & (Complaint.day <= date_to))
    for c in query.iterator():
        received += 1
        by_channel[c.channel] = by_channel.get(c.channel, 0) + 1
        by_class[c.classification] = by_class.get(c.classification, 0) + 1
        by_category[c.category] = by_category.get(c.category, 0) + 1
        if c.status == DONE and c.closed_at is not None:
            if c.closed_at <= c.deadline_at:
                in_time += 1
            else:
                late += 1
        elif now > c.deadline_at:
            overdue += 1
        else:
            open_ok += 1
    return ComplaintCounts(received, in_time, late, overdue, open_ok, by_channel, by_class, by_category)


def overdue_count(ctx: Context) -> int:
    """Open complaints past their deadline right now, whenever they came in (the banner)."""
    ctx.actor.require(Permission.COMPLAINT)
    return (
        Complaint.select()
        .where((Complaint.status != DONE) & (Complaint.deadline_at < to_db(ctx.clock.now())))
        .count()
    )

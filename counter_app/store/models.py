"""peewee models of the local store (DESIGN.md §3). Times are naive UTC; money is whole Rupiah."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

import peewee
from peewee import (
    AutoField,
    BooleanField,
    CharField,
    CompositeKey,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)

# The proxy lives in store.connection (which opens it), re-exported here: reading the settings
# at the login needs it without building every model class (~13 ms on the way to the login).
from counter_app.store.connection import db as db


def dump_json(value: Any) -> str | None:
    """The one JSON form stored (and hashed): sorted keys, no spaces, UTF-8 text."""
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def db_time(value: Any) -> str | None:
    """A naive UTC datetime as stored by peewee's DateTimeField (for raw hot-path inserts)."""
    return None if value is None else str(value)


class DateTimeField(peewee.DateTimeField):
    """Naive UTC datetimes, parsed with `fromisoformat`: peewee's strptime loop dominated the
    cost of loading a 3,000-ticket day."""

    def python_value(self, value: object) -> datetime | None:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                # peewee-stubs leave Field.python_value unannotated (untyped_calls_exclude
                # does not reach a call through super())
                parsed: datetime | None = super().python_value(value)  # type: ignore[no-untyped-call]
                return parsed
        return value  # type: ignore[return-value]


class DateField(peewee.DateField):
    def python_value(self, value: object) -> date | None:
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        parsed: date | None = super().python_value(value)  # type: ignore[no-untyped-call]  # as above
        return parsed


class JSONField(TextField):
    def db_value(self, value: Any) -> str | None:
        return dump_json(value)

    def python_value(self, value: str | None) -> Any:
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False
        only_save_dirty = True


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = TextField()


class Agency(BaseModel):
    code = CharField(primary_key=True)
    name = CharField()
    maklumat = TextField(default="")  # v5: the unit's public promise (maklumat pelayanan)


class Service(BaseModel):
    code = CharField(primary_key=True)
    letter = CharField(max_length=1)
    name_id = CharField()
    name_en = CharField()
    agency = ForeignKeyField(Agency, backref="services")
    target_minutes = IntegerField()  # counter-service target: call to finish
    completion_id = CharField()  # published completion time (waktu penyelesaian)
    completion_en = CharField()
    fee = IntegerField(default=0)  # Rupiah; 0 = Gratis
    requirements = JSONField(default=list)  # [{"id": "...", "en": "..."}]
    active = BooleanField(default=True)
    # v5: the rest of the service standard (UU 25/2009 Pasal 21) the counter shows and prints
    procedure = JSONField(default=list)  # steps [{"id": "...", "en": "..."}] (prosedur)
    product_id = TextField(default="")  # produk layanan
    product_en = TextField(default="")
    legal_basis = JSONField(default=list)  # ["UU No. 24 Tahun 2013 …", …] (dasar hukum)
    hours_id = TextField(default="")  # service hours as published
    hours_en = TextField(default="")
    daily_quota = IntegerField(null=True)  # tickets per local day; None = no quota
    fee_kind = CharField(default="fixed")  # fixed (fee; 0 = Gratis) | assessed (sesuai ketetapan)
    completion_days = IntegerField(null=True)  # working days to the product; 0 = same visit

    def name(self, lang: str = "id") -> str:
        return self.name_en if lang == "en" else self.name_id


class Counter(BaseModel):
    code = CharField(primary_key=True)
    name = CharField()
    active = BooleanField(default=True)


class CounterService(BaseModel):
    counter = ForeignKeyField(Counter, backref="links", on_delete="CASCADE")
    service = ForeignKeyField(Service, backref="counter_links", on_delete="CASCADE")

    class Meta:
        primary_key = CompositeKey("counter", "service")


class Staff(BaseModel):
    id = AutoField()
    username = CharField(unique=True)
    full_name = CharField(default="")
    password_hash = CharField()
    role = CharField()  # staff | supervisor | admin
    active = BooleanField(default=True)
    failed_attempts = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    created_at = DateTimeField()


class QueueSequence(BaseModel):
    """Last number issued per local day and queue letter; bumped in the ticket's transaction."""

    day = DateField()
    letter = CharField(max_length=1)
    last = IntegerField()

    class Meta:
        primary_key = CompositeKey("day", "letter")


class Ticket(BaseModel):
    id = CharField(primary_key=True)  # uuid7
    day = DateField()  # local day of issue
    seq = IntegerField()
    letter = CharField(max_length=1)
    code = CharField()
    receipt_no = CharField(unique=True)
    service = ForeignKeyField(Service, backref="tickets")
    device = CharField()  # counter code of the PC that issued it
    counter = CharField(null=True)  # counter that called it
    priority = CharField(default="")  # "" = general
    status = CharField()
    name = CharField()
    nik_hash = CharField(null=True)
    nik_masked = CharField(null=True)
    phone = CharField(null=True)  # E.164; only the masked form leaves this file
    notes = TextField(default="")
    arrived_at = DateTimeField()  # first arrival; kept across transfers
    queued_at = DateTimeField()  # place in the queue (FIFO key); a requeue moves it back
    registered_at = DateTimeField()
    first_called_at = DateTimeField(null=True)
    called_at = DateTimeField(null=True)
    started_at = DateTimeField(null=True)
    finished_at = DateTimeField(null=True)
    call_count = IntegerField(default=0)
    served_by = CharField(null=True)
    outcome = TextField(default="")
    transferred_from = CharField(null=True)
    transferred_to = CharField(null=True)

    class Meta:
        indexes = (
            (("day", "letter", "seq"), True),
            (("day", "status"), False),
            (("day", "code"), False),
            (("nik_hash", "day"), False),
        )


class TicketEvent(BaseModel):
    """Append-only history of a ticket: every status change, by whom, when."""

    id = AutoField()
    ticket = ForeignKeyField(Ticket, backref="events", column_name="ticket_id")
    action = CharField()
    from_status = CharField(null=True)
    to_status = CharField()
    actor = CharField()
    counter = CharField(null=True)
    at = DateTimeField()
    detail = JSONField(null=True)


class Receipt(BaseModel):
    """The exact snapshot that was printed, and its token; reprints use it unchanged."""

    id = AutoField()
    ticket = ForeignKeyField(Ticket, backref="receipts", unique=True, column_name="ticket_id")
    snapshot = JSONField()
    token = TextField()
    reprint_count = IntegerField(default=0)
    created_at = DateTimeField()


class Outbox(BaseModel):
    """Rows waiting for the nightly push, written in the same transaction as the change."""

    seq = AutoField()
    entity = CharField()
    uuid = CharField()
    op = CharField()
    payload = JSONField()
    created_at = DateTimeField()
    sent_at = DateTimeField(null=True, index=True)


class AuditLog(BaseModel):
    id = AutoField()
    at = CharField()  # ISO UTC text, exactly as hashed
    actor = CharField()
    action = CharField()
    subject = CharField(default="")
    detail = JSONField(null=True)
    prev_hash = CharField()
    hash = CharField()


SCHEMA_V1 = [
    Setting,
    Agency,
    Service,
    Counter,
    CounterService,
    Staff,
    QueueSequence,
    Ticket,
    TicketEvent,
    Receipt,
    Outbox,
    AuditLog,
]


# ---- schema v3: satisfaction survey (SKM) and complaints --------------------------------


class SurveyResponse(BaseModel):
    """One SKM questionnaire: answers by element code (1–4, None = not answered). At most one
    per ticket; paper forms have no ticket. Never a name, NIK or phone."""

    id = CharField(primary_key=True)  # uuid7
    ticket = ForeignKeyField(Ticket, null=True, unique=True, backref="survey", column_name="ticket_id")
    day = DateField()  # local day of the service (paper: the form's `tanggal`)
    service = ForeignKeyField(Service, null=True, backref="survey_responses", column_name="service_id")
    counter = CharField(null=True)
    u1 = IntegerField(null=True)
    u2 = IntegerField(null=True)
    u3 = IntegerField(null=True)
    u4 = IntegerField(null=True)
    u5 = IntegerField(null=True)
    u6 = IntegerField(null=True)
    u7 = IntegerField(null=True)
    u8 = IntegerField(null=True)
    u9 = IntegerField(null=True)
    age_band = CharField(null=True)
    sex = CharField(null=True)
    education = CharField(null=True)
    occupation = CharField(null=True)
    suggestions = TextField(default="")
    source = CharField()  # kiosk | paper
    consent = BooleanField(default=False)  # the respondent agreed to the profile being kept
    created_at = DateTimeField()
    created_by = CharField()

    class Meta:
        table_name = "survey_response"
        indexes = ((("day", "service"), False),)

    def answers(self) -> dict[str, int | None]:
        return {f"U{i}": getattr(self, f"u{i}") for i in range(1, 10)}


class Complaint(BaseModel):
    """A complaint (pengaduan), however small; its deadline is fixed when it is received."""

    id = CharField(primary_key=True)  # uuid7
    number = CharField(unique=True)  # PTK-L01-20261130-P01, for people to quote
    received_at = DateTimeField()
    day = DateField()  # local day received
    channel = CharField()  # langsung | telepon | whatsapp | kotak_saran | lapor
    category = CharField()
    classification = CharField()  # ringan | normatif | tidak_berkadar_pengawasan | berkadar_pengawasan
    text = TextField()
    ticket = ForeignKeyField(Ticket, null=True, backref="complaints", column_name="ticket_id")
    service = ForeignKeyField(Service, null=True, backref="complaints", column_name="service_id")
    contact = CharField(null=True)  # only with consent; never leaves this PC
    contact_consent = BooleanField(default=False)
    status = CharField()  # baru | diproses | selesai
    deadline_at = DateTimeField()
    closed_at = DateTimeField(null=True)
    received_by = CharField()
    device = CharField()
    updated_at = DateTimeField()
    # v5: SP4N-LAPOR! milestones, fixed at receipt like the deadline (NULL on older rows)
    verification_due_at = DateTimeField(null=True)
    first_response_due_at = DateTimeField(null=True)
    verified_at = DateTimeField(null=True)
    first_response_at = DateTimeField(null=True)

    class Meta:
        table_name = "complaint"
        indexes = ((("status", "deadline_at"), False), (("day",), False))


class ComplaintAction(BaseModel):
    """Append-only follow-up of a complaint (tindak lanjut): who did what, and the status after."""

    id = AutoField()
    complaint = ForeignKeyField(Complaint, backref="actions", column_name="complaint_id")
    at = DateTimeField()
    actor = CharField()
    action = TextField()
    status_before = CharField()
    status_after = CharField()

    class Meta:
        table_name = "complaint_action"

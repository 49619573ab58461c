"""What the screens and the command line see of the store: plain, frozen view objects.

Each view has ONE mapping from its store row (`from_row`), used by the GUI, the CLI and JSON
output alike, so no front end touches a peewee row (DESIGN.md §2). Attribute names are those of
the models, so code written against a row reads the same against its view. Times stay as the
store keeps them (naive UTC; `core.clock.from_db` makes them aware).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from counter_app.core.clock import from_db
from counter_app.core.person import mask_name


@dataclass(frozen=True, slots=True)
class AgencyView:
    code: str
    name: str
    maklumat: str = ""  # the unit's maklumat pelayanan (schema v5)

    @classmethod
    def from_row(cls, row: Any) -> AgencyView:
        return cls(row.code, row.name, getattr(row, "maklumat", "") or "")


@dataclass(frozen=True, slots=True)
class ServiceView:
    """A service of the catalogue; `agency` carries the agency's name too."""

    code: str
    letter: str
    name_id: str
    name_en: str
    agency: AgencyView
    target_minutes: int
    completion_id: str
    completion_en: str
    fee: int  # whole Rupiah; 0 = free (unless fee_kind is "assessed")
    requirements: tuple[dict[str, str], ...]  # ({"id": ..., "en": ...}, ...)
    active: bool
    # The rest of the service standard (UU 25/2009 Pasal 21), schema v5.
    procedure: tuple[dict[str, str], ...] = ()
    product_id: str = ""
    product_en: str = ""
    legal_basis: tuple[str, ...] = ()
    hours_id: str = ""
    hours_en: str = ""
    daily_quota: int | None = None
    fee_kind: str = "fixed"  # fixed | assessed ("sesuai ketetapan": PKB, PBB, BPHTB)
    completion_days: int | None = None  # working days; 0 = same visit

    @property
    def agency_id(self) -> str:
        return self.agency.code

    def name(self, lang: str = "id") -> str:
        return self.name_en if lang == "en" else self.name_id

    @classmethod
    def from_row(cls, row: Any) -> ServiceView:
        """From a Service row; its agency is read too (join it in the query to save a look-up)."""
        return cls(
            code=row.code,
            letter=row.letter,
            name_id=row.name_id,
            name_en=row.name_en,
            agency=AgencyView.from_row(row.agency),
            target_minutes=row.target_minutes,
            completion_id=row.completion_id,
            completion_en=row.completion_en,
            fee=row.fee,
            requirements=tuple(dict(r) for r in row.requirements or ()),
            active=bool(row.active),
            procedure=tuple(dict(r) for r in getattr(row, "procedure", None) or ()),
            product_id=getattr(row, "product_id", "") or "",
            product_en=getattr(row, "product_en", "") or "",
            legal_basis=tuple(str(x) for x in getattr(row, "legal_basis", None) or ()),
            hours_id=getattr(row, "hours_id", "") or "",
            hours_en=getattr(row, "hours_en", "") or "",
            daily_quota=getattr(row, "daily_quota", None),
            fee_kind=getattr(row, "fee_kind", "fixed") or "fixed",
            completion_days=getattr(row, "completion_days", None),
        )


@dataclass(frozen=True, slots=True)
class CounterView:
    code: str
    name: str
    active: bool

    @classmethod
    def from_row(cls, row: Any) -> CounterView:
        return cls(row.code, row.name, bool(row.active))


@dataclass(frozen=True, slots=True)
class StaffView:
    """A staff account without its password hash."""

    id: int
    username: str
    full_name: str
    role: str
    active: bool
    failed_attempts: int
    locked_until: datetime | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: Any) -> StaffView:
        return cls(
            row.id,
            row.username,
            row.full_name,
            row.role,
            bool(row.active),
            row.failed_attempts,
            row.locked_until,
            row.created_at,
        )


@dataclass(frozen=True, slots=True)
class TicketView:
    """A ticket as the screens and the CLI see it: every column but the NIK's keyed hash.

    `phone` is the full E.164 number: it is shown masked, and only the masked form leaves the PC.
    """

    id: str
    day: date
    seq: int
    letter: str
    code: str
    receipt_no: str
    service_id: str
    device: str
    counter: str | None
    priority: str
    status: str
    name: str
    nik_masked: str | None
    phone: str | None
    notes: str
    arrived_at: datetime
    queued_at: datetime
    registered_at: datetime
    first_called_at: datetime | None
    called_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    call_count: int
    served_by: str | None
    outcome: str
    transferred_from: str | None
    transferred_to: str | None

    @classmethod
    def from_row(cls, row: Any) -> TicketView:
        return cls(
            id=row.id,
            day=row.day,
            seq=row.seq,
            letter=row.letter,
            code=row.code,
            receipt_no=row.receipt_no,
            service_id=row.service_id,
            device=row.device,
            counter=row.counter,
            priority=row.priority or "",
            status=row.status,
            name=row.name,
            nik_masked=row.nik_masked,
            phone=row.phone,
            notes=row.notes or "",
            arrived_at=row.arrived_at,
            queued_at=row.queued_at,
            registered_at=row.registered_at,
            first_called_at=row.first_called_at,
            called_at=row.called_at,
            started_at=row.started_at,
            finished_at=row.finished_at,
            call_count=row.call_count,
            served_by=row.served_by,
            outcome=row.outcome or "",
            transferred_from=row.transferred_from,
            transferred_to=row.transferred_to,
        )

    def to_json(self) -> dict[str, Any]:
        """The ticket in JSON output (`register`, `queue`, the moves: DESIGN.md §7): masked
        name and phone, aware ISO times; the order of the keys is part of the output."""
        # Here, not at the top: phonenumbers (~30 ms) is not needed to show a window.
        from counter_app.core.phone import mask as mask_phone

        def iso(value: datetime | None) -> str | None:
            aware = from_db(value)
            return None if aware is None else aware.isoformat()

        return {
            "id": self.id,
            "code": self.code,
            "receipt_no": self.receipt_no,
            "service": self.service_id,
            "status": self.status,
            "registered_at": iso(self.registered_at),
            "day": str(self.day),
            "priority": self.priority or None,
            "name_masked": mask_name(self.name),
            "nik_masked": self.nik_masked,
            "phone_masked": mask_phone(self.phone) if self.phone else None,
            "counter": self.counter,
            "device": self.device,  # the PC that registered it (the site's queue has them all)
            "call_count": self.call_count,
            "arrived_at": iso(self.arrived_at),
            "first_called_at": iso(self.first_called_at),
            "started_at": iso(self.started_at),
            "finished_at": iso(self.finished_at),
            "transferred_from": self.transferred_from,
            "transferred_to": self.transferred_to,
        }

"""Keeping the catalogue: adding, editing and deactivating services; counters and what they serve."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from counter_app.core.errors import ValidationError
from counter_app.core.roles import Permission
from counter_app.services import journal
from counter_app.services.context import Context
from counter_app.services.rows import fk_id
from counter_app.services.views import AgencyView, CounterView, ServiceView
from counter_app.store.models import Agency, Counter, CounterService, Service, db

_CODE = re.compile(r"[A-Z0-9]{1,12}")
FEE_FIXED, FEE_ASSESSED = "fixed", "assessed"
FEE_KINDS = (FEE_FIXED, FEE_ASSESSED)
MAX_QUOTA = 10_000
MAX_COMPLETION_DAYS = 365
_COUNTER = re.compile(r"[A-Z0-9]{1,8}")


@dataclass
class ServiceDraft:
    """A service as typed in a form; `requirements` are lines (the English after ` | `)."""

    code: str
    letter: str
    agency: str
    name_id: str
    name_en: str = ""
    requirements: Sequence[str] = field(default_factory=list)
    fee: int = 0
    target_minutes: int = 10
    completion_id: str = ""
    completion_en: str = ""
    active: bool = True
    # The rest of the service standard (UU 25/2009 Pasal 21): lines like `requirements`.
    procedure: Sequence[str] = field(default_factory=list)
    product_id: str = ""
    product_en: str = ""
    legal_basis: Sequence[str] = field(default_factory=list)
    hours_id: str = ""
    hours_en: str = ""
    daily_quota: int | None = None  # None = no quota
    fee_kind: str = FEE_FIXED  # FEE_FIXED | FEE_ASSESSED ("sesuai ketetapan")
    completion_days: int | None = None  # working days; 0 = same visit; None = not published


def all_services() -> list[ServiceView]:
    """The whole catalogue, inactive services included."""
    query = Service.select(Service, Agency).join(Agency).order_by(Service.letter, Service.code)
    return [ServiceView.from_row(row) for row in query]


def agencies() -> list[AgencyView]:
    return [AgencyView.from_row(row) for row in Agency.select().order_by(Agency.name)]


def counters() -> list[CounterView]:
    return [CounterView.from_row(row) for row in Counter.select().order_by(Counter.code)]


def services_served(counter_code: str) -> list[str]:
    """Codes of the services a counter serves (active or not)."""
    rows = CounterService.select(CounterService.service).where(CounterService.counter == counter_code)
    return sorted(fk_id(r, CounterService.service) for r in rows)


def _requirements(lines: Sequence[str]) -> list[dict[str, str]]:
    out = []
    for line in lines:
        text = " ".join(line.split())
        if not text:
            continue
        id_text, _, en_text = (part.strip() for part in text.partition("|"))
        out.append({"id": id_text, "en": en_text or id_text})
    return out


def save_service(ctx: Context, draft: ServiceDraft) -> ServiceView:
    """Add a service or change one (matched by code)."""
    ctx.actor.require(Permission.MANAGE_CATALOGUE)
    code = draft.code.strip().upper()
    if not _CODE.fullmatch(code):
        raise ValidationError("catalogue.code", field="code", value=draft.code)
    letter = draft.letter.strip().upper()
    if len(letter) != 1 or not "A" <= letter <= "Z":
        raise ValidationError("catalogue.letter", field="letter")
    name_id = " ".join(draft.name_id.split())
    if not name_id:
        raise ValidationError("catalogue.name", field="name_id")
    if not Agency.select().where(Agency.code == draft.agency).exists():
        raise ValidationError("catalogue.agency", field="agency")
    if draft.fee < 0:
        raise ValidationError("catalogue.fee", field="fee")
    if not 1 <= draft.target_minutes <= 600:
        raise ValidationError("catalogue.target", field="target_minutes")
    if draft.fee_kind not in FEE_KINDS:
        raise ValidationError("catalogue.fee_kind", field="fee_kind", allowed=", ".join(FEE_KINDS))
    if draft.fee_kind == FEE_ASSESSED and draft.fee:
        raise ValidationError("catalogue.fee_assessed", field="fee")  # its amount is set case by case
    if draft.daily_quota is not None and not 1 <= draft.daily_quota <= MAX_QUOTA:
        raise ValidationError("catalogue.quota", field="daily_quota", max=MAX_QUOTA)
    if draft.completion_days is not None and not 0 <= draft.completion_days <= MAX_COMPLETION_DAYS:
        raise ValidationError("catalogue.completion_days", field="completion_days", max=MAX_COMPLETION_DAYS)
    values = {
        "letter": letter,
        "name_id": name_id[:120],
        "name_en": " ".join(draft.name_en.split())[:120] or name_id[:120],
        "agency": draft.agency,
        "target_minutes": draft.target_minutes,
        "completion_id": " ".join(draft.completion_id.split()),
        "completion_en": " ".join(draft.completion_en.split()) or " ".join(draft.completion_id.split()),
        "fee": int(draft.fee),
        "requirements": _requirements(draft.requirements),
        "active": bool(draft.active),
        "procedure": _requirements(draft.procedure),
        "product_id": " ".join(draft.product_id.split()),
        "product_en": " ".join(draft.product_en.split()) or " ".join(draft.product_id.split()),
        "legal_basis": [" ".join(x.split()) for x in draft.legal_basis if x.strip()],
        "hours_id": " ".join(draft.hours_id.split()),
        "hours_en": " ".join(draft.hours_en.split()) or " ".join(draft.hours_id.split()),
        "daily_quota": draft.daily_quota,
        "fee_kind": draft.fee_kind,
        "completion_days": draft.completion_days,
    }
    with db.atomic():
        exists = Service.select().where(Service.code == code).exists()
        if exists:
            Service.update(**values).where(Service.code == code).execute()
        else:
            Service.create(code=code, **values)
        journal.audit(
            ctx.clock,
            ctx.actor.username,
            "catalogue.edit" if exists else "catalogue.add",
            code,
            {k: v for k, v in values.items() if k not in ("requirements", "procedure", "legal_basis")},
        )
    return ServiceView.from_row(Service.get_by_id(code))


def set_service_active(ctx: Context, code: str, active: bool) -> None:
    ctx.actor.require(Permission.MANAGE_CATALOGUE)
    with db.atomic():
        n = Service.update(active=active).where(Service.code == code).execute()
        if not n:
            raise ValidationError("service.unknown", field="code", code=code)
        journal.audit(ctx.clock, ctx.actor.username, "catalogue.active", code, {"active": active})


def save_counter(ctx: Context, code: str, name: str, services: Sequence[str]) -> CounterView:
    """Add or rename a counter and set the services it serves."""
    ctx.actor.require(Permission.MANAGE_CATALOGUE)
    code = code.strip().upper()
    if not _COUNTER.fullmatch(code):
        raise ValidationError("setup.code", field="counter", value=code)
    name = " ".join(name.split()) or f"Loket {code}"
    wanted = sorted({s.strip().upper() for s in services if s.strip()})
    known = {s.code for s in Service.select(Service.code).where(Service.code.in_(wanted))}
    unknown = [s for s in wanted if s not in known]
    if unknown:
        raise ValidationError("service.unknown", field="services", code=", ".join(unknown))
    with db.atomic():
        Counter.insert(code=code, name=name[:100], active=True).on_conflict(
            conflict_target=[Counter.code], update={Counter.name: name[:100]}
        ).execute()
        CounterService.delete().where(CounterService.counter == code).execute()
        for svc in wanted:
            CounterService.create(counter=code, service=svc)
        journal.audit(ctx.clock, ctx.actor.username, "counter.save", code, {"services": wanted})
    return CounterView.from_row(Counter.get_by_id(code))

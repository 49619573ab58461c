"""Issuing, storing and re-rendering receipts: one signed snapshot per ticket, printed as is.

The snapshot is what the paper says, frozen at first issue: a reprint shows the same people
ahead, the same fee and the same QR, marked CETAK ULANG. It never holds a NIK or a phone
number; the visitor's name only masked.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

from counter_app.core import formats, i18n, person, token as tokens
from counter_app.core.clock import from_db, local_day, to_db
from counter_app.core.errors import ValidationError
from counter_app.core.files import atomic_write, check_target, fsync_dir
from counter_app.core.paper import DEFAULT_RECEIPT_PAPER, RECEIPT_PAPERS
from counter_app.core.roles import Permission
from counter_app.services import catalogue, journal, keys, site_calendar, tickets, waiting
from counter_app.services.context import Context
from counter_app.services.rows import fk_id
from counter_app.services.tickets import Registration
from counter_app.store.models import Receipt, Service, Ticket, db

SNAPSHOT_VERSION = 1
PAPERS = RECEIPT_PAPERS  # the one paper table: core/paper.py

# Indonesia's three zones go by their own names on paper, not by UTC offsets.
_ZONE_NAMES = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def local_text(when_utc: Any, tz: str, lang: str) -> str:
    """`Senin, 30 November 2026 08.00 WIB` (core/formats: the same date and time as on screen)."""
    local = when_utc.astimezone(ZoneInfo(tz))
    lang = lang if lang in i18n.LANGUAGES else "id"
    zone = _ZONE_NAMES.get(tz) or local.strftime("%Z")
    return f"{formats.format_datetime(local, lang=lang)} {zone}"


def estimated_wait_minutes(ctx: Context, ahead: int, service: Service) -> int:
    """`ahead` visitors of `service` × its minutes today (median, else target) ÷ the counters
    open now for it (services/waiting.py: the receipt's own figure comes from there)."""
    day = local_day(ctx.clock.now(), ctx.tz)
    return waiting.estimate(ctx, day, service.code, [service.code] * max(0, ahead))


def wait_text(place: waiting.Position, lang: str | None = None) -> str:
    """ "segera dipanggil" when nobody is ahead, else "± 20 menit" (the receipt and screens)."""
    if place.soon:
        return i18n.t("receipt.wait_soon", lang=lang)
    if place.minutes is None:
        return ""
    return i18n.t("receipt.wait_value", lang=lang, minutes=place.minutes)


def build_snapshot(ctx: Context, ticket: Ticket, *, lang: str | None = None) -> dict[str, Any]:
    """Everything the receipt shows, as plain JSON-able data, with a freshly signed token."""
    lang = lang or i18n.language()
    # the ticket's service through the catalogue's kept row, not a foreign-key query (~0.4 ms)
    svc: Service = catalogue.service_row(fk_id(ticket, Ticket.service))
    issued = ctx.clock.now()
    site = ctx.setting("site_code")
    station = keys.station_key(ctx)
    token = tokens.sign_token(
        station.private_key,
        tokens.ReceiptFields(
            site=site,
            counter=station.counter,
            receipt_no=ticket.receipt_no,
            code=ticket.code,
            service=svc.code,
            issued_at=issued,
        ),
    )
    # From the order call-next will take at the counters serving this service (priority
    # first within the cap, all their services), not "earlier tickets of the same service".
    place = waiting.position(ctx, ticket)
    requirements = [
        str(r.get(lang) or r.get("id") or "") if isinstance(r, dict) else str(r)
        for r in (svc.requirements or [])
    ]
    base_url = str(ctx.setting("verify_base_url") or "")
    # Only the masked name: no NIK (not even masked) and no phone number, ever.
    return {
        "version": SNAPSHOT_VERSION,
        "lang": lang,
        "site_code": site,
        "site_name": ctx.setting("site_name"),
        "site_address": ctx.setting("site_address"),
        "site_contact": ctx.setting("site_contact"),
        "counter": ticket.device,
        "ticket_id": ticket.id,
        "code": ticket.code,
        "receipt_no": ticket.receipt_no,
        "service_code": svc.code,
        "service_name_id": svc.name_id,
        "service_name_en": svc.name_en,
        "agency": catalogue.agency_name(svc),
        "issued_at": issued.isoformat(timespec="seconds"),
        "issued_local": local_text(issued, ctx.tz, lang),
        "name_masked": person.mask_name(ticket.name),
        "priority": ticket.priority or "",
        "priority_label": i18n.t(i18n.PRIORITY_KEYS[ticket.priority], lang=lang) if ticket.priority else "",
        "people_ahead": place.ahead,
        # None when nobody is ahead: a receipt never says "± 0 menit" (wait_text says "segera").
        "wait_minutes": place.minutes if place.ahead else None,
        "wait_text": wait_text(place, lang),
        "requirements": [r for r in requirements if r],
        "completion": svc.completion_en if lang == "en" else svc.completion_id,
        **_completion_date(ctx, ticket, svc, lang),
        "fee": int(svc.fee or 0),
        "fee_kind": svc.fee_kind or "fixed",  # "assessed": printed "sesuai ketetapan"
        "kid": station.kid,
        "token": token,
        "verify_url": f"{base_url}#{token}" if base_url else token,
    }


def _completion_date(ctx: Context, ticket: Ticket, svc: Service, lang: str) -> dict[str, Any]:
    """The estimated completion date from the service's working days and the site's calendar
    (none for a same-visit service or one that publishes no time)."""
    days = svc.completion_days
    if not days:
        return {}
    ready = site_calendar.completion_date(ctx, ticket.day, days)
    if ready is None:
        return {}
    return {
        "completion_date": ready.isoformat(),
        "completion_date_text": site_calendar.date_text(ready, lang),
    }


def _existing(ticket: Ticket) -> Receipt | None:
    # Plain SQL: peewee's query building took longer than the look-up (on every print)
    return next(iter(Receipt.raw('SELECT * FROM "receipt" WHERE "ticket_id" = ?', ticket.id)), None)


def issue_receipt(ctx: Context, ticket_ref: str) -> Receipt:
    """The ticket's receipt, created (signed, stored, audited) on the first call only."""
    ctx.actor.require(Permission.REGISTER)
    with db.atomic():  # BEGIN IMMEDIATE: two PCs/threads cannot both create one
        ticket = tickets.get(ticket_ref, ctx)
        receipt = _existing(ticket)
        if receipt is not None:
            return receipt
        snapshot = build_snapshot(ctx, ticket)
        receipt = Receipt.create(
            ticket=ticket.id,
            snapshot=snapshot,
            token=snapshot["token"],
            reprint_count=0,
            created_at=to_db(ctx.clock.now()),
        )
        journal.audit(
            ctx.clock,
            ctx.actor.username,
            "receipt.issue",
            ticket.id,
            {"code": ticket.code, "kid": snapshot["kid"]},
        )
    return receipt


def record_reprint(ctx: Context, ticket_ref: str) -> Receipt:
    """Count and audit a reprint of the stored receipt (issuing it first if there is none)."""
    ctx.actor.require(Permission.SERVE)
    with db.atomic():
        ticket = tickets.get(ticket_ref, ctx)
        receipt = _existing(ticket)
        if receipt is None:
            return issue_receipt(ctx, ticket.id)  # never printed: this is the first print
        receipt.reprint_count += 1
        receipt.save()
        journal.audit(
            ctx.clock,
            ctx.actor.username,
            "receipt.reprint",
            ticket.id,
            {"code": ticket.code, "count": receipt.reprint_count},
        )
    return receipt


def check_paper(paper: str | None, ctx: Context) -> str:
    value = (paper or ctx.setting("paper") or DEFAULT_RECEIPT_PAPER).strip().lower()
    if value not in PAPERS:
        raise ValidationError("receipt.paper", field="paper", value=paper)
    return value


def receipt_pdf(ctx: Context, ticket_ref: str, paper: str | None = None, reprint: bool = False) -> bytes:
    """PDF bytes of the ticket's receipt from its stored snapshot (created on first call).

    `reprint=True` counts and audits a reprint and marks the paper CETAK ULANG; otherwise the
    same document is rendered again unmarked (e.g. saved to a file).
    """
    chosen = check_paper(paper, ctx)
    if reprint:
        receipt = record_reprint(ctx, ticket_ref)
        marked = receipt.reprint_count > 0  # 0: it had never been printed, so this is the first
    else:
        receipt = issue_receipt(ctx, ticket_ref)
        marked = False
    from counter_app.documents.receipt import render_receipt  # heavy: ReportLab, on demand

    return render_receipt(receipt.snapshot, chosen, reprint=marked)


Render = Callable[..., bytes]


def _renderer() -> Render:
    """ReportLab, imported before a transaction takes the write lock (the import is slow)."""
    from counter_app.documents.receipt import render_receipt

    return render_receipt


@contextmanager
def _staged(out: Path) -> Iterator[Callable[[bytes], None]]:
    """Put a file in place only if the transaction inside this block commits.

    `stage(data)` writes the bytes durably beside `out` under a hidden name (so a full disk or
    a bad folder fails *before* the commit and rolls it back); after a clean exit the file is
    renamed over `out`, after a failure it is removed. The rename is the one step after the
    commit, and a rename in one folder needs no free space.
    """
    check_target(out)
    staged = out.with_name(f".{out.name}.{uuid.uuid4().hex}.staged")
    written = False

    def stage(data: bytes) -> None:
        nonlocal written
        try:
            atomic_write(staged, data)
        except OSError as exc:  # name the file the user gave, not our hidden one
            raise OSError(exc.errno, exc.strerror, str(out)) from exc
        written = True

    try:
        yield stage
        if written:
            check_target(out)
            os.replace(staged, out)
            fsync_dir(out.parent)
    finally:
        if staged.exists():
            staged.unlink(missing_ok=True)


def save_receipt(
    ctx: Context, ticket_ref: str, out: Path, paper: str | None = None, reprint: bool = False
) -> Path:
    """The ticket's receipt written to `out`, all or nothing (`receipt ID --out FILE`).

    The first save issues the receipt (row and audit entry); with `reprint` the reprint is
    counted and the paper marked CETAK ULANG. The file is written before the commit: a target
    that cannot be written stores nothing, so the next print is not wrongly a reprint.
    """
    chosen = check_paper(paper, ctx)
    render = _renderer()
    with _staged(Path(out)) as stage:
        with db.atomic():
            if reprint:
                receipt = record_reprint(ctx, ticket_ref)
                marked = receipt.reprint_count > 0
            else:
                receipt, marked = issue_receipt(ctx, ticket_ref), False
            stage(render(receipt.snapshot, chosen, reprint=marked))
    return Path(out)


def register_with_receipt(ctx: Context, out: Path, paper: str | None = None, **visitor: Any) -> Registration:
    """Register a visitor and write the new ticket's receipt to `out` as one act
    (`register --receipt FILE`): either the ticket, its receipt and the file all exist, or
    none of them does, so an operator retrying after a full disk makes no duplicate."""
    chosen = check_paper(paper, ctx)
    render = _renderer()
    with _staged(Path(out)) as stage:
        with db.atomic():
            reg = tickets.register(ctx, **visitor)
            receipt = issue_receipt(ctx, reg.ticket.id)
            stage(render(receipt.snapshot, chosen, reprint=False))
    return reg


def receipt_for(ticket_ref: str, ctx: Context) -> Receipt | None:
    """The stored receipt of a ticket, if one was issued (no permission needed to look)."""
    return _existing(tickets.get(ticket_ref, ctx))


def verify(text: str, ctx: Context | None = None, keyring: dict[str, Any] | None = None) -> dict[str, Any]:
    """Check a scanned QR text; the facts as JSON-able data, or raise TokenError (exit 1).

    Uses `keyring` if given (e.g. `verify --keyring FILE`), else this PC's local keyring.
    When the receipt is in the local store, also says whether it matches the stored one.
    """
    if keyring is None:
        if ctx is None:
            raise ValueError("verify needs a context or a keyring")
        keys.station_key(ctx)
        keyring = keys.local_keyring(ctx.data_dir)
    facts = tokens.verify_token(text, keyring)
    out: dict[str, Any] = {
        "valid": True,
        "version": facts.version,
        "kid": facts.kid,
        "site": facts.site,
        "counter": facts.counter,
        "receipt_no": facts.receipt_no,
        "code": facts.code,
        "service": facts.service,
        "issued_at": facts.issued_at.isoformat(),
    }
    if ctx is not None:
        out["issued_local"] = local_text(facts.issued_at, ctx.tz, i18n.language())
        ticket = Ticket.get_or_none(Ticket.receipt_no == facts.receipt_no)
        if ticket is not None:
            stored = _existing(ticket)
            out["status"] = ticket.status
            # registered_at is NOT NULL: from_db gives a datetime back
            out["registered_at"] = cast(datetime, from_db(ticket.registered_at)).isoformat()
            out["matches_stored"] = bool(stored and stored.token == tokens.extract_token(text))
    return out


def verify_report(
    text: str, ctx: Context | None = None, keyring: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Like `verify`, but a "no" is data too: `{"valid": false, "reason", "message"}`.

    For `verify --json` (one document on stdout either way; exit 1 when not valid).
    """
    try:
        facts = verify(text, ctx, keyring)
    except tokens.TokenError as exc:
        return {"valid": False, "reason": exc.reason, "message": exc.message()}
    facts["message"] = verify_message(facts)
    return facts


def verify_message(facts: dict[str, Any]) -> str:
    """One line for people: `ASLI: A001 (KTP), PTK/L01, …`."""
    return i18n.t(
        "receipt.verify.ok",
        code=facts["code"],
        service=facts["service"],
        site=facts["site"],
        counter=facts["counter"],
        time=facts.get("issued_local") or facts["issued_at"],
        receipt_no=facts["receipt_no"],
    )

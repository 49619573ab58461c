"""The service standard of each service, shown at the counter and printed on request.

`standard(code)` is what the catalogue holds of the standard (UU 25/2009 Pasal 21; Perpres
89/2021), in one language, as plain data for a screen or the A4 print
(`documents/service_standard_pdf.py`); `write_pdf` prints one service or all active ones.
A tax or levy assessed case by case (PKB, PBB, BPHTB: `fee_kind` "assessed") reads
"sesuai ketetapan", never "Gratis".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from counter_app.core import formats, i18n
from counter_app.core.errors import ValidationError
from counter_app.core.files import atomic_write, check_target
from counter_app.documents import service_standard_pdf
from counter_app.services import catalogue
from counter_app.services.context import Context
from counter_app.services.views import ServiceView


def fee_text(service: ServiceView, lang: str | None = None) -> str:
    """`Rp350.000`, `Gratis`, or `Sesuai ketetapan` for an assessed tax or levy."""
    if service.fee_kind == "assessed":
        return i18n.t("receipt.fee_assessed", lang=lang)
    return formats.fee_text(service.fee, lang=lang)


def _texts(items: Any, lang: str) -> list[str]:
    out = []
    for r in items or ():
        text = str(r.get(lang) or r.get("id") or "") if isinstance(r, dict) else str(r)
        if text:
            out.append(text)
    return out


def standard(code: str, lang: str | None = None) -> dict[str, Any]:
    """The standard of one service (NotFound for an unknown code), as plain JSON-able data."""
    lang = lang or i18n.language()
    svc = catalogue.service_view(code)
    en = lang == "en"
    return {
        "code": svc.code,
        "name": svc.name(lang),
        "agency": svc.agency.name,
        "legal_basis": list(svc.legal_basis),
        "requirements": _texts(svc.requirements, lang),
        "procedure": _texts(svc.procedure, lang),
        "completion": (svc.completion_en if en else svc.completion_id) or "",
        "completion_days": svc.completion_days,
        "fee": svc.fee,
        "fee_kind": svc.fee_kind,
        "fee_text": fee_text(svc, lang),
        "product": (svc.product_en if en else svc.product_id) or "",
        "hours": (svc.hours_en if en else svc.hours_id) or "",
        "daily_quota": svc.daily_quota,
        "maklumat": svc.agency.maklumat,
    }


def render_pdf(ctx: Context, codes: list[str] | None = None, lang: str | None = None) -> bytes:
    """The standard of the given services (all active ones when none) as A4 PDF bytes, one page
    per service (NotFound for an unknown code)."""
    lang = lang or i18n.language()
    wanted = codes or [s.code for s in catalogue.active_services()]
    standards = [standard(code, lang) for code in wanted]
    site = str(ctx.setting("site_name") or "")
    generated = i18n.t("standard.generated", lang=lang, site=site)
    return service_standard_pdf.render(standards, site=site, generated=generated, lang=lang)


def write_pdf(ctx: Context, out: Path, codes: list[str] | None = None, lang: str | None = None) -> Path:
    """`render_pdf` written to `out` whole or not at all (the GUI's "print the standard")."""
    data = render_pdf(ctx, codes, lang)  # NotFound before anything is written
    try:
        check_target(out)
    except OSError as exc:
        raise ValidationError("report.write_failed", field="out", path=str(out), error=str(exc)) from exc
    try:
        return atomic_write(out, data)
    except OSError as exc:
        raise ValidationError(
            "report.write_failed", field="out", path=str(out), error=exc.strerror or str(exc)
        ) from exc

"""The service standard (issue 15, point 7; UU 25/2009 Pasal 21, Perpres 89/2021): the
catalogue holds procedure, product, legal basis, hours, quota and the maklumat besides
requirements, time and fee; it prints A4 per service; the receipt shows the estimated
completion date from working days; assessed taxes read "sesuai ketetapan", never "Gratis"."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pypdf
import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import NotFound, ValidationError
from counter_app.services import catalogue_edit, receipts, service_standard, site_calendar, tickets
from counter_app.services.catalogue import default_catalogue
from counter_app.services.context import Context

WIB = ZoneInfo("Asia/Pontianak")


def pdf_pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_every_default_service_has_the_whole_standard() -> None:
    for s in default_catalogue()["services"]:
        assert s["procedure"] and s["product_id"] and s["legal_basis"] and s["hours_id"], s["code"]
        assert s["fee_kind"] in ("fixed", "assessed") and s["completion_days"] is not None, s["code"]
    for a in default_catalogue()["agencies"]:
        assert a["maklumat"].startswith("Dengan ini kami menyatakan sanggup"), a["code"]


@pytest.mark.parametrize("code", ["PKB", "PBB", "BPHTB"])
def test_taxes_whose_amount_varies_read_sesuai_ketetapan(ctx: Context, code: str) -> None:
    std = service_standard.standard(code, "id")
    assert std["fee_kind"] == "assessed" and std["fee_text"] == "Sesuai ketetapan"
    assert service_standard.standard(code, "en")["fee_text"] == "As assessed"
    ticket = tickets.register(ctx, service=code, name="Budi Santoso").ticket
    text = " ".join(
        " ".join(p.extract_text().split())
        for p in pypdf.PdfReader(io.BytesIO(receipts.receipt_pdf(ctx, ticket.id))).pages
    )
    assert "Sesuai ketetapan" in text and "Gratis" not in text


def test_free_and_fixed_fees(ctx: Context) -> None:
    assert service_standard.standard("KTP", "id")["fee_text"] == "Gratis"
    assert (
        service_standard.standard("PASPOR", "id")["fee_text"] == "Rp350.000"
    )  # core/formats (Babel), as on screen


def test_the_standard_of_a_service(ctx: Context) -> None:
    std = service_standard.standard("PASPOR", "id")
    assert std["daily_quota"] == 120 and std["completion_days"] == 4
    assert std["legal_basis"][0] == "UU No. 6 Tahun 2011 tentang Keimigrasian"
    assert std["procedure"][0] == "Ambil nomor antrean di meja informasi"
    assert std["product"] == "Paspor RI" and "08.00" in std["hours"]
    assert std["maklumat"].startswith("Dengan ini kami menyatakan sanggup")
    with pytest.raises(NotFound):
        service_standard.standard("NOPE")


def test_a4_one_page_per_service(ctx: Context) -> None:
    pages = pdf_pages(service_standard.render_pdf(ctx, ["PASPOR", "PBB"], "id"))
    assert len(pages) == 2
    assert "STANDAR PELAYANAN" in pages[0] and "Paspor (Baru/Penggantian) (PASPOR)" in pages[0]
    for part in (
        "Dasar hukum",
        "Persyaratan",
        "Sistem, mekanisme dan prosedur",
        "Jangka waktu penyelesaian",
        "Biaya/tarif",
        "Produk pelayanan",
        "Jam pelayanan",
        "Kuota harian",
        "120 pemohon per hari",
        "Maklumat Pelayanan",
        "Rp350.000",
    ):
        assert part in pages[0], part
    assert "Sesuai ketetapan" in pages[1] and "Gratis" not in pages[1] and "Tanpa kuota" in pages[1]
    reader = pypdf.PdfReader(io.BytesIO(service_standard.render_pdf(ctx, ["KTP"], "en")))
    assert round(float(reader.pages[0].mediabox.width)) == 595  # A4 portrait
    assert "SERVICE STANDARD" in reader.pages[0].extract_text()


def test_cli_service_standard_out(tmp_path: Path) -> None:
    from counter_app.services.setup import initialise
    from counter_app.store.connection import close_db

    folder = tmp_path / "data"
    initialise(folder, by="test")
    close_db()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "counter_app", "--data-dir", str(folder), "--lang", "id", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    out = tmp_path / "paspor.pdf"
    done = run("service-standard", "PASPOR", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert len(pdf_pages(out.read_bytes())) == 1
    bad = run("service-standard", "NOPE", "--out", str(tmp_path / "nope.pdf"))
    assert bad.returncode == 2 and not (tmp_path / "nope.pdf").exists()
    shown = run("service-standard", "PBB")
    assert shown.returncode == 0 and "Sesuai ketetapan" in shown.stdout


def test_receipt_shows_the_estimated_completion_date(ctx: Context, clock: FixedClock) -> None:
    """Passport, 4 working days, applied for on Wed 23 Dec 2026: Thu 24 cuti bersama, Fri 25
    Christmas, then Mon 28 (1), Tue 29 (2), Wed 30 (3), Thu 31 (4)."""
    clock.set(datetime(2026, 12, 23, 9, tzinfo=WIB))
    ticket = tickets.register(ctx, service="PASPOR", name="Budi Santoso").ticket
    snap = receipts.issue_receipt(ctx, ticket.id).snapshot
    assert snap["completion_date"] == "2026-12-31"
    assert snap["completion_date_text"] == "Kamis, 31 Desember 2026"
    text = " ".join(pdf_pages(receipts.receipt_pdf(ctx, ticket.id)))
    assert "Perkiraan selesai" in text and "Kamis, 31 Desember 2026" in text
    # a same-visit service prints no date; a removed joint-leave day moves the estimate
    same = tickets.register(ctx, service="SKCK", name="Siti Aminah").ticket
    assert "completion_date" not in receipts.issue_receipt(ctx, same.id).snapshot
    site_calendar.remove_closed_day(ctx, date(2026, 12, 24))
    later = tickets.register(ctx, service="PASPOR", name="Ani Lestari").ticket
    assert receipts.issue_receipt(ctx, later.id).snapshot["completion_date"] == "2026-12-30"


def test_catalogue_edit_keeps_the_new_fields_and_checks_them(ctx: Context) -> None:
    draft = catalogue_edit.ServiceDraft(
        code="PKB2",
        letter="D",
        agency="SAMSAT",
        name_id="PKB Keliling",
        fee_kind="assessed",
        daily_quota=40,
        completion_days=0,
        procedure=["Datang | Come", "Bayar | Pay"],
        product_id="Bukti PKB",
        legal_basis=["UU No. 1 Tahun 2022"],
        hours_id="Senin–Jumat 08.00–12.00",
    )
    view = catalogue_edit.save_service(ctx, draft)
    assert (view.fee_kind, view.daily_quota, view.completion_days) == ("assessed", 40, 0)
    assert view.procedure == ({"id": "Datang", "en": "Come"}, {"id": "Bayar", "en": "Pay"})
    assert service_standard.standard("PKB2", "id")["fee_text"] == "Sesuai ketetapan"
    for bad, key in [
        ({"fee_kind": "kadang"}, "catalogue.fee_kind"),
        ({"fee": 5000}, "catalogue.fee_assessed"),
        ({"daily_quota": 0}, "catalogue.quota"),
        ({"completion_days": -1}, "catalogue.completion_days"),
    ]:
        values = {**draft.__dict__, **bad}
        with pytest.raises(ValidationError) as info:
            catalogue_edit.save_service(ctx, catalogue_edit.ServiceDraft(**values))
        assert info.value.key == key

"""Font subsets kept between receipts (issue 16): the PDF is byte for byte ReportLab's own."""

from __future__ import annotations

import io
from typing import Any

from reportlab.pdfgen import canvas

from counter_app.core.i18n import t
from counter_app.documents import receipt as rc


def snapshot(**changes: Any) -> dict[str, Any]:
    snap: dict[str, Any] = {
        "lang": "id",
        "site_name": "MPP Kota Pontianak",
        "site_address": "Jl. Rahadi Usman No. 3",
        "site_contact": "0561 733 000",
        "code": "A012",
        "receipt_no": "PTK-L01-20261130-A012",
        "counter": "L01",
        "service_code": "KTP",
        "service_name_id": "Perekaman KTP-el",
        "agency": "Disdukcapil",
        "issued_local": "Senin, 30 November 2026 08.00 WIB",
        "name_masked": "S*** A*****",
        "people_ahead": 3,
        "wait_minutes": 12,
        "requirements": ["Kartu Keluarga", "Surat pengantar RT/RW"],
        "completion": "Hari itu juga",
        "fee": 0,
        "verify_url": "https://loket.example/v#" + "t" * 180,
    }
    snap.update(changes)
    return snap


def reportlabs_own(snap: dict[str, Any]) -> bytes:
    """The same drawing with the subsets made by ReportLab itself, every time."""
    lay = rc.layout(snap)
    return rc._draw(lay, f"{t('receipt.title', lang='id')} {snap['code']}")


def test_the_pdf_is_reportlabs_own_first_and_again() -> None:
    rc._SUBSETS.clear()
    snap = snapshot()
    first = rc.render_receipt(snap)
    again = rc.render_receipt(snap)  # the subsets come from the cache now
    assert rc._SUBSETS
    assert first == again == reportlabs_own(snap)


def test_other_glyphs_make_their_own_subset() -> None:
    plain = rc.render_receipt(snapshot())
    kept = len(rc._SUBSETS)
    other = snapshot(name_masked="Ð*** Ş*****", code="Q987", site_name="MPP Kabupaten Kubu Raya")
    assert rc.render_receipt(other) == reportlabs_own(other)
    assert len(rc._SUBSETS) > kept
    assert rc.render_receipt(snapshot()) == plain


def test_other_documents_are_left_to_reportlab() -> None:
    rc.render_receipt(snapshot())  # the faces are wrapped now
    rc._SUBSETS.clear()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, pageCompression=1)
    c.setFont(rc.FONT, 10)
    c.drawString(10, 10, "Laporan harian")
    c.showPage()
    c.save()
    assert not rc._SUBSETS
    assert b"FontFile2" in buf.getvalue()


def test_the_cache_stays_small() -> None:
    for i in range(rc._SUBSETS_KEPT + 5):
        rc.render_receipt(snapshot(name_masked=chr(0x100 + i) + "*** A*****"))
    assert len(rc._SUBSETS) <= rc._SUBSETS_KEPT

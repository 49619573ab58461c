"""The receipt PDF, opened as a reader would: text, page size, fonts, and the QR at 203 dpi."""

from __future__ import annotations

import io
import random
import re
import string
from datetime import UTC, datetime
from typing import Any

import pypdf
import pypdfium2 as pdfium
import pytest
import qrcode
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings, strategies as st
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib.units import mm

from counter_app.core import formats, token as tk
from counter_app.documents import receipt as rc

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(7, 39)))
RING = tk.make_keyring([tk.keyring_entry(KEY.public_key(), "PTK", "L01", "2026-11-01")])
ISSUED = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)
WIDTHS = {"80mm": 80 * mm, "58mm": 58 * mm, "a6": 105 * mm}
PAPERS = tuple(rc.PAPERS)


def snapshot(**changes: Any) -> dict[str, Any]:
    token = tk.sign_token(
        KEY, tk.ReceiptFields("PTK", "L01", "PTK-L01-20261130-C007", "C007", "PASPOR", ISSUED)
    )
    snap = {
        "version": 1,
        "lang": "id",
        "site_code": "PTK",
        "site_name": "Mal Pelayanan Publik Kota Pontianak",
        "site_address": "Gedung Kapuas Indah Lt. 3, Jl. Kapten Marsan, Pontianak",
        "site_contact": "WhatsApp 0811-5600-000",
        "counter": "L01",
        "code": "C007",
        "receipt_no": "PTK-L01-20261130-C007",
        "service_code": "PASPOR",
        "service_name_id": "Paspor (Baru/Penggantian)",
        "service_name_en": "Passport (new/replacement)",
        "agency": "Kantor Imigrasi Kelas I TPI Pontianak",
        "issued_at": ISSUED.isoformat(),
        "issued_local": "Senin, 30 November 2026 08:00 WIB",
        "name_masked": "Siti A***** R*****",
        "priority": "",
        "priority_label": "",
        "people_ahead": 4,
        "wait_minutes": 60,
        "requirements": ["KTP-el asli", "Kartu Keluarga asli", "Akta kelahiran / ijazah"],
        "completion": "4 hari kerja",
        "fee": 350000,
        "token": token,
        "verify_url": f"https://mpp.pontianak.go.id/verifikasi#{token}",
    }
    snap.update(changes)
    return snap


def pdf_text(pdf: bytes) -> str:
    """All text, whitespace collapsed (wrapped lines read as one)."""
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", " ", text)


def page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages]


def decode_qr(pdf: bytes, dpi: int = rc.PRINTER_DPI) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        texts: list[str] = []
        for page in doc:
            image = page.render(scale=dpi / 72).to_pil()
            texts += [r.text for r in zxingcpp.read_barcodes(image)]
        return texts
    finally:
        doc.close()


# ---- content ----------------------------------------------------------------------------


def test_text_content_in_indonesian() -> None:
    text = pdf_text(rc.render_receipt(snapshot()))
    for expected in (
        "Mal Pelayanan Publik Kota Pontianak",
        "NOMOR ANTREAN",  # issue 15: the slip is headed NOMOR ANTREAN (a tanda terima is for documents)
        "C007",
        "Paspor (Baru/Penggantian)",
        "Kantor Imigrasi",
        "L01",
        "Senin, 30 November 2026 08:00 WIB",  # the snapshot's text, as issued
        "Siti A***** R*****",
        "PTK-L01-20261130-C007",
        "4 orang",
        "± 60 menit",
        "Persyaratan",
        "KTP-el asli",
        "4 hari kerja",
        "Rp350.000",  # Babel's id_ID format, the same as on screen (it printed "Rp 350.000")
        "Pindai untuk memeriksa keaslian nomor antrean",
        "SP4N-LAPOR! lapor.go.id",
        "WhatsApp 0811-5600-000",
    ):
        assert expected in text, expected
    assert "CETAK ULANG" not in text


def test_english() -> None:
    text = pdf_text(rc.render_receipt(snapshot(lang="en", fee=0)))
    for expected in (
        "QUEUE NUMBER",
        "4 people",
        "Passport (new/replacement)",
        "Free",
        "Requirements",
        "Scan",
    ):
        assert expected in text, expected
    assert "Gratis" not in text


def test_free_service_says_gratis() -> None:
    assert "Biaya Gratis" in pdf_text(rc.render_receipt(snapshot(fee=0)))
    assert formats.fee_text(1_500_000) == "Rp1.500.000" and formats.fee_text(0) == "Gratis"


def test_priority_class_is_shown_only_when_set() -> None:
    assert "Layanan khusus: Lansia" in pdf_text(
        rc.render_receipt(snapshot(priority="lansia", priority_label="Lansia"))
    )
    assert "Layanan khusus" not in pdf_text(rc.render_receipt(snapshot()))


@pytest.mark.parametrize("paper", PAPERS)
def test_reprint_mark_and_otherwise_identical(paper: str) -> None:
    original = rc.layout(snapshot(), paper)
    again = rc.layout(snapshot(), paper, reprint=True)
    assert "CETAK ULANG" in pdf_text(rc.draw(again))
    marked = [op.text for op in again.texts()]
    marked.remove("CETAK ULANG")
    assert marked == [op.text for op in original.texts()]


@pytest.mark.parametrize(
    "name",
    ["<b>Budi</b> & <i>Co</i>", "Budi<br/>Santoso", "&amp; &lt;x&gt;", "Ratna <font size=40>"],
)
def test_markup_in_names_prints_literally(name: str) -> None:
    assert name in pdf_text(rc.render_receipt(snapshot(name_masked=name)))


def test_unicode_names_use_the_embedded_font() -> None:
    pdf = rc.render_receipt(snapshot(name_masked="Nguyễn Thị Ánh Şükrü Łukasz Ωμέγα"))
    assert "Nguyễn Thị Ánh Şükrü Łukasz Ωμέγα" in pdf_text(pdf)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = {str(fonts[f].get_object()["/BaseFont"]) for f in fonts}
    assert all("DejaVuSans" in n for n in names) and len(names) == 2
    assert pdf.count(b"/FontFile2") == 2  # embedded (subset), not merely named


def test_same_snapshot_same_bytes() -> None:
    assert rc.render_receipt(snapshot()) == rc.render_receipt(snapshot())


# ---- sizes ------------------------------------------------------------------------------


@pytest.mark.parametrize("paper", PAPERS)
def test_page_size(paper: str) -> None:
    sizes = page_sizes(rc.render_receipt(snapshot(), paper))
    assert len(sizes) == 1
    width, height = sizes[0]
    assert width == pytest.approx(WIDTHS[paper], abs=0.01)
    if paper == "a6":
        assert height == pytest.approx(148 * mm, abs=0.01)
    else:
        assert height > width  # a roll: as long as the content


def test_eighty_mm_is_226_77_points() -> None:
    assert page_sizes(rc.render_receipt(snapshot()))[0][0] == pytest.approx(226.77, abs=0.01)


@pytest.mark.parametrize("paper", ["80mm", "58mm"])
def test_roll_height_follows_content(paper: str) -> None:
    short = page_sizes(rc.render_receipt(snapshot(requirements=[]), paper))[0][1]
    long = page_sizes(rc.render_receipt(snapshot(requirements=["Dokumen"] * 12), paper))[0][1]
    assert long > short + 11 * 7  # at least a line per requirement


def test_a6_overflow_continues_on_a_second_page() -> None:
    pdf = rc.render_receipt(snapshot(requirements=[f"Dokumen nomor {i}" for i in range(40)]), "a6")
    sizes = page_sizes(pdf)
    assert len(sizes) >= 2
    assert all(s == pytest.approx((105 * mm, 148 * mm), abs=0.01) for s in sizes)
    assert "Dokumen nomor 39" in pdf_text(pdf)


def test_a6_details_too_long_to_sit_beside_the_qr_are_stacked() -> None:
    lay = rc.layout(snapshot(name_masked="Nama " * 150), "a6")
    assert_inside(lay)
    (qr,) = [op for op in lay.ops if op.kind == "image"]
    names = [op for op in lay.texts() if op.text.startswith("Nama")]
    assert qr.page >= max(op.page for op in names)  # below the details, not beside them
    assert qr.x + qr.w / 2 == pytest.approx(lay.width / 2, abs=rc.DOT / 2)  # on the dot grid
    short = rc.layout(snapshot(), "a6")
    (beside,) = [op for op in short.ops if op.kind == "image"]
    assert short.pages == 1 and beside.x + beside.w == pytest.approx(short.width - 7 * mm, abs=rc.DOT / 2)


def test_unknown_paper() -> None:
    with pytest.raises(ValueError):
        rc.render_receipt(snapshot(), "a4")


# ---- nothing leaves the paper -----------------------------------------------------------


def assert_inside(lay: rc.Layout) -> None:
    left, right = lay.paper.margin - 0.01, lay.width - lay.paper.margin + 0.01
    assert len([op for op in lay.ops if op.kind == "image"]) == 1  # the QR, once
    for op in lay.ops:
        assert 0 <= op.page < lay.pages
        if op.kind in ("text", "image", "emblem", "line", "box"):
            assert op.x >= left, (op.kind, op.text, op.x)
            assert op.x + op.w <= right, (op.kind, op.text, op.x + op.w, right)
            assert 0 <= op.y <= lay.height, (op.kind, op.text, op.y)
        if op.kind == "text":  # the recorded width is the real one
            assert op.w == pytest.approx(rc.text_width(op.text, op.font, op.size))


LONG_NAMES = [
    "Siti " + "A" * 195,  # one 195-letter word: must be cut between letters
    " ".join(["Muhammad"] * 23)[:200],
    "W" * 200,
    ("Ñ" + "x" * 9 + " ") * 18 + "Ab",
]


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("name", LONG_NAMES)
def test_two_hundred_character_name_wraps_inside_the_paper(paper: str, name: str) -> None:
    assert len(name) >= 200
    lay = rc.layout(snapshot(name_masked=name), paper)
    assert_inside(lay)
    if paper != "a6":
        assert lay.pages == 1
    printed = "".join(op.text.replace(" ", "") for op in lay.texts())
    assert name.replace(" ", "") in printed  # nothing lost in wrapping


@pytest.mark.parametrize("paper", PAPERS)
def test_everything_long_stays_inside(paper: str) -> None:
    lay = rc.layout(
        snapshot(
            site_name="Mal Pelayanan Publik " + "Kabupaten" * 12,
            site_address="Jl. " + "Panjang" * 30,
            agency="Badan " + "Pendapatan" * 15,
            service_name_id="Layanan" * 20,
            requirements=["Surat" * 40, "Fotokopi " * 30],
            completion="hari kerja " * 12,
            receipt_no="PTK-L01-20261130-A0234" * 3,
            priority_label="Ibu hamil/menyusui",
            site_contact="0" * 90,
        ),
        paper,
        reprint=True,
    )
    assert_inside(lay)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(st.characters(codec="utf-8", categories=["L", "N", "P", "Zs"]), max_size=300),
    size=st.floats(min_value=5, max_value=40),
    width=st.floats(min_value=20, max_value=300),
)
def test_wrap_never_exceeds_the_width(text: str, size: float, width: float) -> None:
    lines = rc.wrap_text(text, rc.FONT, size, width)
    for line in lines:
        assert rc.text_width(line, rc.FONT, size) <= width or len(line) == 1
    assert "".join("".join(lines).split()) == "".join(text.split())


# ---- the QR code ------------------------------------------------------------------------


@pytest.mark.parametrize("paper", PAPERS)
def test_qr_decodes_at_printer_resolution_and_verifies(paper: str) -> None:
    snap = snapshot()
    texts = decode_qr(rc.render_receipt(snap, paper, reprint=paper == "a6"))
    assert texts == [snap["verify_url"]]
    facts = tk.verify_token(texts[0], RING)  # ASLI
    assert (facts.code, facts.receipt_no, facts.service, facts.site, facts.counter) == (
        "C007",
        "PTK-L01-20261130-C007",
        "PASPOR",
        "PTK",
        "L01",
    )
    assert facts.issued_at == ISSUED


@pytest.mark.parametrize("paper", PAPERS)
def test_qr_modules_are_at_least_three_printer_dots(paper: str) -> None:
    lay = rc.layout(snapshot(), paper)
    (image,) = [op for op in lay.ops if op.kind == "image"]
    module = image.w / image.image.width
    assert module >= 3 * 72 / 203 - 1e-9  # 0.375 mm
    assert module / mm >= 0.375
    dots = module / (72 / 203)
    assert dots == pytest.approx(round(dots))  # whole dots: crisp on a thermal head


def test_qr_uses_error_correction_m() -> None:
    snap = snapshot()
    pdf = rc.render_receipt(snap)
    doc = pdfium.PdfDocument(pdf)
    image = doc[0].render(scale=rc.PRINTER_DPI / 72).to_pil()
    doc.close()
    (result,) = zxingcpp.read_barcodes(image)
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    assert result.ec_level == "M"


def test_qr_matrix_equals_the_reference_encoder() -> None:
    """Our faster mask choice must give exactly qrcode's symbol (same mask, same modules)."""
    rnd = random.Random(5)
    alphabet = string.ascii_letters + string.digits + "-_.#/:|"
    for _ in range(25):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 500)))
        ref = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=rc.QR_BORDER)
        ref.add_data(text)
        ref.make(fit=True)
        ours = rc.qr_matrix_image(text)
        n = ref.modules_count + 2 * rc.QR_BORDER
        assert ours.size == (n, n)
        pixels = ours.tobytes()
        b = rc.QR_BORDER
        for r, row in enumerate(ref.modules):
            got = pixels[(r + b) * n + b : (r + b) * n + n - b]
            assert got == bytes(0 if dark else 255 for dark in row)


def test_mask_penalty_equals_qrcode_lost_point() -> None:
    rnd = random.Random(9)
    for n in (21, 25, 45, 61):
        for _ in range(10):
            p = rnd.random()
            modules = [[rnd.random() < p for _ in range(n)] for _ in range(n)]
            assert rc.mask_penalty(modules) == qrcode.util.lost_point(modules)


def test_no_token_no_qr() -> None:
    lay = rc.layout(snapshot(token="", verify_url=""))
    assert not [op for op in lay.ops if op.kind == "image"]

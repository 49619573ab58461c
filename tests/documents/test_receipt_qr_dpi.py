"""The receipt's QR at low resolution: it decodes when the PDF is rendered at 120, 150 and 203 dpi,
for short and long tokens, on every paper; at 203 dpi (the thermal head) every module is a whole
square of printer dots, so the printer draws it crisp (issue 14, point 11)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
import zxingcpp
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from counter_app.core import token as tk
from counter_app.documents import receipt as rc
from tests.documents.test_receipt_pdf import snapshot

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(7, 39)))
ISSUED = datetime(2026, 11, 30, 3, 17, tzinfo=UTC)
# verify pages from a bare host to a long city path: the URL (hence the QR version) grows with it
BASES = (
    "https://mpp.id/v",
    "https://mpp.pontianak.go.id/verifikasi",
    "https://layanan.dpmptsp.pontianak.go.id/mal-pelayanan-publik/tanda-terima/verifikasi",
    "https://layanan.dpmptsp.pontianak.go.id/mal-pelayanan-publik/tanda-terima/verifikasi"
    "/gedung-kapuas-indah/lantai-3/index.html",
)
CODES = ("A040", "C007", "Z999")


def url_for(base: str, code: str) -> str:
    receipt_no = f"PTK-L01-20261130-{code}"
    token = tk.sign_token(KEY, tk.ReceiptFields("PTK", "L01", receipt_no, code, "AKTALAHIR", ISSUED))
    return f"{base}#{token}"


def render(pdf: bytes, dpi: int) -> Image.Image:
    doc = pdfium.PdfDocument(pdf)
    try:
        return doc[0].render(scale=dpi / 72).to_pil().convert("L")
    finally:
        doc.close()


def render_at_dot_pitch(pdf: bytes, dpi: int) -> Image.Image:
    """The page as a printer rasterises it: exactly `dpi` pixels per inch from the top left.

    (`PdfPage.render` rounds the page up to whole pixels and stretches it to fit, which moves a
    point near the bottom of an 80 mm roll by most of a pixel.)"""
    doc = pdfium.PdfDocument(pdf)
    try:
        page = doc[0]
        scale = dpi / 72
        width, height = math.ceil(page.get_width() * scale), math.ceil(page.get_height() * scale)
        bitmap = pdfium.PdfBitmap.new_native(width, height, pdfium_c.FPDFBitmap_BGR)
        bitmap.fill_rect((255, 255, 255, 255), 0, 0, width, height)
        matrix = pdfium_c.FS_MATRIX(scale, 0, 0, scale, 0, 0)
        clip = pdfium_c.FS_RECTF(0, 0, width, height)
        pdfium_c.FPDF_RenderPageBitmapWithMatrix(bitmap, page, matrix, clip, 0)
        return bitmap.to_pil().convert("L")
    finally:
        doc.close()


def snap_for(url: str, code: str) -> dict:
    return snapshot(code=code, receipt_no=f"PTK-L01-20261130-{code}", verify_url=url)


@pytest.mark.parametrize("paper", tuple(rc.PAPERS))
@pytest.mark.parametrize("base", BASES)
def test_qr_decodes_at_120_150_and_203_dpi(paper: str, base: str) -> None:
    for code in CODES:
        url = url_for(base, code)
        pdf = rc.render_receipt(snap_for(url, code), paper)
        for dpi in (120, 150, 203):
            texts = [r.text for r in zxingcpp.read_barcodes(render(pdf, dpi))]
            assert texts == [url], (paper, len(url), code, dpi)


@pytest.mark.parametrize("paper", tuple(rc.PAPERS))
@pytest.mark.parametrize("base", BASES[::3])
def test_every_module_is_a_whole_square_of_printer_dots(paper: str, base: str) -> None:
    url = url_for(base, "A040")
    snap = snap_for(url, "A040")
    lay = rc.layout(snap, paper)
    (op,) = [o for o in lay.ops if o.kind == "image"]
    dots = op.w / op.image.width / rc.DOT
    assert dots == pytest.approx(round(dots)) and round(dots) >= 4
    left, top = op.x / rc.DOT, (op.y - op.h) / rc.DOT  # the symbol's corner, in dots from the page's
    assert left == pytest.approx(round(left)) and top == pytest.approx(round(top))
    d, left, top = round(dots), round(left), round(top)
    page = render_at_dot_pitch(rc.render_receipt(snap, paper), rc.PRINTER_DPI)
    matrix = op.image
    wrong = 0
    for row in range(matrix.height):
        for col in range(matrix.width):
            want = matrix.getpixel((col, row))
            block = page.crop((left + col * d, top + row * d, left + (col + 1) * d, top + (row + 1) * d))
            lo, hi = block.getextrema()
            if abs(lo - want) > 16 or abs(hi - want) > 16:  # the whole block one colour
                wrong += 1
    assert wrong == 0


def test_the_qr_stays_inside_the_printable_width_with_a_very_long_url() -> None:
    url = url_for(BASES[-1] + "/" + "x" * 160, "A040")
    for paper in rc.PAPERS:
        lay = rc.layout(snap_for(url, "A040"), paper)
        (op,) = [o for o in lay.ops if o.kind == "image"]
        assert op.x >= lay.paper.margin - 1e-6 and op.x + op.w <= lay.width - lay.paper.margin + 1e-6

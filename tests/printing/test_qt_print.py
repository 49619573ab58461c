"""The Qt printing bridge against a real CUPS queue (cups-pdf turns the printed pages into a PDF).

What comes out of the queue is what a printer would have received: the pages rasterised by
QtPdf and drawn by Qt's print engine, then run through CUPS' filters. So the output has no
text layer; it is checked by its page count and size, by comparing its rendering with the
rendering of the original, and by scanning the QR code back.
"""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image, ImageChops, ImageFilter
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from counter_app.core import i18n
from counter_app.printing.jobs import print_or_keep
from counter_app.printing.qt_print import (
    PrinterMissing,
    PrintFailed,
    available_printers,
    default_printer,
    print_pdf,
)

from .conftest import CupsQueue

pytestmark = pytest.mark.printing

MM = 72 / 25.4
QR_TEXT = "https://verify.example/#v1.L01.A023"


def receipt_pdf(width_mm: float = 80, height_mm: float = 120) -> bytes:
    """A receipt-like page: a big queue code, a line of text and a QR code."""
    out = io.BytesIO()
    width, height = width_mm * mm, height_mm * mm
    pdf = canvas.Canvas(out, pagesize=(width, height))
    pdf.setFont("Helvetica-Bold", 40)
    pdf.drawCentredString(width / 2, height - 25 * mm, "A023")
    pdf.setFont("Helvetica", 9)
    pdf.drawCentredString(width / 2, height - 33 * mm, "Disdukcapil - KTP elektronik")
    widget = QrCodeWidget(QR_TEXT, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    side = 40 * mm
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, pdf, (width - side) / 2, 10 * mm)
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def report_pdf(pages: int = 2) -> bytes:
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    for number in range(1, pages + 1):
        pdf.setFont("Helvetica-Bold", 48)
        pdf.drawString(25 * mm, A4[1] - 40 * mm, f"Halaman {number}")
        pdf.rect(25 * mm, 40 * mm + number * 20 * mm, 120 * mm, 60 * mm, fill=1)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def render(pdf: bytes | Path, index: int, size: tuple[int, int]) -> Image.Image:
    """Page `index` in greyscale, stretched to `size` pixels (so two renderings line up)."""
    document = pdfium.PdfDocument(pdf.read_bytes() if isinstance(pdf, Path) else pdf)
    try:
        page = document[index]
        scale = size[0] / page.get_width()
        image = page.render(scale=scale).to_pil().convert("L")
    finally:
        document.close()
    return image.resize(size)


def ink(image: Image.Image) -> float:
    """The share of dark pixels."""
    return sum(image.histogram()[:128]) / (image.width * image.height)


def difference(a: Image.Image, b: Image.Image) -> float:
    """Mean grey difference (0…255) after a slight blur, which forgives one-pixel shifts."""
    blur = ImageFilter.GaussianBlur(1.5)
    histogram = ImageChops.difference(a.filter(blur), b.filter(blur)).histogram()
    return sum(value * count for value, count in enumerate(histogram)) / (a.width * a.height)


def assert_page_matches(
    original: bytes, printed: Path, index: int, size: tuple[int, int], printed_index: int | None = None
) -> None:
    """Page `index` of `original` looks like page `printed_index` (default: the same) printed."""
    want = render(original, index, size)
    got = render(printed, index if printed_index is None else printed_index, size)
    assert ink(got) > 0.005, "the printed page is blank"
    assert abs(ink(got) - ink(want)) < 0.02, (ink(got), ink(want))
    assert difference(want, got) < 12, difference(want, got)


# -- against the CUPS queue ------------------------------------------------------------------


def test_qt_sees_the_cups_queue(cups_queue: CupsQueue) -> None:
    assert cups_queue.name in available_printers()
    assert default_printer() in (None, *available_printers())


def test_receipt_prints_on_an_80mm_roll(cups_queue: CupsQueue) -> None:
    original = receipt_pdf()
    job = cups_queue.job_name()

    result = print_pdf(original, printer=cups_queue.name, paper="80mm", job_name=job)

    assert (result.printer, result.pages, result.copies) == (cups_queue.name, 1, 1)
    assert result.page_size_mm == (80.0, 120.0)
    assert 150 <= result.dpi <= 300
    printed = cups_queue.wait_for_output(job)
    reader = pypdf.PdfReader(printed)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    # cups-pdf rounds the page size down to whole points (226.77 pt -> 226 pt).
    assert float(page.mediabox.width) / MM == pytest.approx(80, abs=1)
    assert float(page.mediabox.height) / MM == pytest.approx(120, abs=1)
    text = page.extract_text() or ""
    assert "A023" in text or page.get_contents() is not None  # the page is an image: no text
    assert page.get_contents() is not None and len(page.get_contents().get_data()) > 0
    assert_page_matches(original, printed, 0, (452, 680))
    scanned = zxingcpp.read_barcodes(render(printed, 0, (640, 960)))
    assert [code.text for code in scanned] == [QR_TEXT]


def test_58mm_roll_keeps_its_width(cups_queue: CupsQueue) -> None:
    original = receipt_pdf(58, 100)
    job = cups_queue.job_name()

    print_pdf(original, printer=cups_queue.name, paper="58mm", job_name=job)

    page = pypdf.PdfReader(cups_queue.wait_for_output(job)).pages[0]
    assert float(page.mediabox.width) / MM == pytest.approx(58, abs=1)
    assert float(page.mediabox.height) / MM == pytest.approx(100, abs=1)


def test_a4_report_prints_every_page(cups_queue: CupsQueue) -> None:
    original = report_pdf(pages=2)
    job = cups_queue.job_name()

    result = print_pdf(original, printer=cups_queue.name, paper="a4", job_name=job)

    assert result.pages == 2
    printed = cups_queue.wait_for_output(job)
    reader = pypdf.PdfReader(printed)
    assert len(reader.pages) == 2
    for index, page in enumerate(reader.pages):
        assert float(page.mediabox.width) == pytest.approx(A4[0], abs=2)
        assert float(page.mediabox.height) == pytest.approx(A4[1], abs=2)
        assert_page_matches(original, printed, index, (298, 421))
    # Each page is its own: the second is not a copy of the first.
    first, second = render(printed, 0, (298, 421)), render(printed, 1, (298, 421))
    assert difference(first, second) > 5


def test_copies_reach_the_queue(cups_queue: CupsQueue) -> None:
    original = receipt_pdf()
    job = cups_queue.job_name()

    result = print_pdf(original, printer=cups_queue.name, copies=2, job_name=job)

    assert (result.pages, result.copies) == (1, 2)
    printed = cups_queue.wait_for_output(job)
    assert len(pypdf.PdfReader(printed).pages) == 2  # cups-pdf writes each copy as a page
    for index in range(2):
        assert_page_matches(original, printed, 0, (452, 680), printed_index=index)


def test_unreadable_pdf_is_a_typed_failure(cups_queue: CupsQueue) -> None:
    with pytest.raises(PrintFailed) as caught:
        print_pdf(b"%PDF-1.4 this is not a PDF", printer=cups_queue.name)
    assert caught.value.key == "print.failed"
    assert "PDF" in str(caught.value)


def test_print_or_keep_prints_and_keeps_a_copy(cups_queue: CupsQueue, tmp_path: Path) -> None:
    original = receipt_pdf()
    job = cups_queue.job_name()

    outcome = print_or_keep(
        original,
        data_dir=tmp_path,
        name=job,
        printer=cups_queue.name,
        paper="80mm",
        day=date(2026, 11, 30),
    )

    assert outcome.printed
    assert outcome.printer == cups_queue.name
    assert outcome.pdf_path == tmp_path / "printouts" / "20261130" / f"{job}.pdf"
    assert outcome.pdf_path.read_bytes() == original
    assert cups_queue.name in outcome.message and str(outcome.pdf_path) in outcome.message
    assert len(pypdf.PdfReader(cups_queue.wait_for_output(job)).pages) == 1


# -- without a printer (no CUPS needed) ------------------------------------------------------


def test_missing_printer_is_typed() -> None:
    with pytest.raises(PrinterMissing) as caught:
        print_pdf(receipt_pdf(), printer="Tidak-Ada-Printer")
    assert caught.value.key == "print.no_printer"
    assert caught.value.params == {"name": "Tidak-Ada-Printer"}
    assert "Tidak-Ada-Printer" in str(caught.value)
    assert "Tidak-Ada-Printer" in caught.value.message("en")


def test_bad_arguments_are_programming_errors() -> None:
    with pytest.raises(ValueError):
        print_pdf(receipt_pdf(), printer="x", paper="letter")
    with pytest.raises(ValueError):
        print_pdf(receipt_pdf(), printer="x", copies=0)


def test_print_or_keep_without_printer_keeps_the_pdf(tmp_path: Path) -> None:
    original = receipt_pdf()

    outcome = print_or_keep(
        original,
        data_dir=tmp_path,
        name="A023",
        printer="Tidak-Ada-Printer",
        paper="80mm",
        day=date(2026, 11, 30),
    )

    assert not outcome.printed
    assert outcome.printer is None
    assert outcome.pdf_path == tmp_path / "printouts" / "20261130" / "A023.pdf"
    assert outcome.pdf_path.read_bytes() == original
    assert str(outcome.pdf_path) in outcome.message
    assert "Tidak-Ada-Printer" in outcome.message
    assert not list(outcome.pdf_path.parent.glob("*.part"))


def test_print_or_keep_never_overwrites_an_earlier_printout(tmp_path: Path) -> None:
    first, second = receipt_pdf(), receipt_pdf(80, 130)
    keep = dict(data_dir=tmp_path, printer="Tidak-Ada-Printer", paper="80mm", day=date(2026, 11, 30))

    a = print_or_keep(first, name="A023", **keep)  # type: ignore[arg-type]
    again = print_or_keep(first, name="A023", **keep)  # type: ignore[arg-type]
    b = print_or_keep(second, name="A023", **keep)  # type: ignore[arg-type]

    assert again.pdf_path == a.pdf_path  # the same printout is not saved twice
    assert b.pdf_path == a.pdf_path.with_name("A023-2.pdf")
    assert (a.pdf_path.read_bytes(), b.pdf_path.read_bytes()) == (first, second)


def test_print_or_keep_message_follows_the_language(tmp_path: Path) -> None:
    i18n.set_language("en")
    outcome = print_or_keep(
        receipt_pdf(),
        data_dir=tmp_path,
        name="../../etc/A023",
        printer="Tidak-Ada-Printer",
        paper="80mm",
        day=date(2026, 11, 30),
    )
    assert outcome.message.startswith("Not printed.")
    assert outcome.pdf_path.parent.parent == tmp_path / "printouts"  # no escaping the folder
    assert outcome.pdf_path.name == "etc_A023.pdf"


def test_prints_from_a_worker_thread(cups_queue: CupsQueue) -> None:
    """The window prints in the background: Qt allows QPainter on a QPrinter off the GUI thread."""
    available_printers()  # the application object exists on the main thread, as in the GUI
    original = receipt_pdf()
    job = cups_queue.job_name()
    with ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(print_pdf, original, printer=cups_queue.name, paper="80mm", job_name=job).result(
            timeout=60
        )

    assert result.pages == 1
    assert_page_matches(original, cups_queue.wait_for_output(job), 0, (452, 680))

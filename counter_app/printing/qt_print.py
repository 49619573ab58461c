"""The Qt printing bridge: the pages of a PDF, rendered by QtPdf, painted onto a `QPrinter`.

ReportLab writes every printout as a PDF (receipts on an 80 mm or 58 mm roll, or A6; reports
on A4). This module sends such a PDF to a printer the operating system knows (CUPS on Linux,
the spooler on Windows): each page is rasterised by QtPdf at the printer's resolution (capped
at `MAX_DPI`, plenty for receipt printers at 203 dpi and laser printers alike) and drawn so that
it fills the printed page exactly, with no margins and no "fit to page" surprises.

PySide6 is imported only when something is printed, so importing this module (for its error
types, say) works without Qt installed. No QApplication is needed beforehand: one is created if
none exists; with no display on Linux (neither `DISPLAY`, `WAYLAND_DISPLAY` nor
`QT_QPA_PLATFORM` set) Qt's offscreen platform is used, which still sees the CUPS queues.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from counter_app.core import paper as paper_sizes
from counter_app.core.errors import LoketError
from counter_app.core.i18n import t

if TYPE_CHECKING:
    from PySide6.QtCore import QSizeF
    from PySide6.QtGui import QPageLayout
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPrintSupport import QPrinter

# Rasterising finer than this only makes the print job bigger: receipt printers print at 203
# dpi, and 300 dpi is the usual "good" setting of an office printer. A4 at 300 dpi is 35 MB of
# pixels; at the 1200 dpi Qt reports for a CUPS queue it would be 550 MB.
MAX_DPI = 300

# Paper names as the documents layer and the CLI spell them (`--paper 80mm|58mm|a6`), from the
# one paper table (core/paper.py).
ROLL_PAPERS = paper_sizes.ROLLS
SHEET_PAPERS = paper_sizes.SHEETS
PAPERS = ROLL_PAPERS + SHEET_PAPERS

_POINTS_PER_MM = 72 / 25.4
_SAME_SIZE_PT = 1.5  # two page sizes closer than this (in points) are the same size

_app: Any = None  # the QApplication we created ourselves, kept alive for the process


class PrintError(LoketError):
    """Printing did not happen; the PDF itself is fine (see `printing.jobs.print_or_keep`)."""


class PrinterMissing(PrintError):
    """The named printer is not known to the system, or no printer was named and none is the
    default. Key `print.no_printer` (param `name`) or `print.no_default`."""

    def __init__(self, name: str | None) -> None:
        if name:
            super().__init__("print.no_printer", name=name)
        else:
            super().__init__("print.no_default", name="")
        self.name = name


class PrintFailed(PrintError):
    """The printer exists but the job could not be produced. Key `print.failed` (param `detail`)."""

    def __init__(self, detail: str) -> None:
        super().__init__("print.failed", detail=detail)
        self.detail = detail


@dataclass(frozen=True)
class PrintResult:
    """What was sent: the job is in the system's queue (printing itself happens later)."""

    printer: str
    pages: int
    copies: int
    dpi: int  # resolution the pages were rendered at
    page_size_mm: tuple[float, float]  # of the first page, width × height


# -- Qt set-up -------------------------------------------------------------------------------


def _ensure_app() -> None:
    """Make sure a Qt application object exists (the print system plugins need one)."""
    global _app
    from counter_app.printing.pyside_refs import keep_singletons_alive

    keep_singletons_alive()
    try:
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtGui import QGuiApplication
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise PrintFailed(t("print.detail.no_qt", error=str(exc))) from exc

    existing = QCoreApplication.instance()
    if existing is not None:
        if not isinstance(existing, QGuiApplication):
            raise PrintFailed(t("print.detail.core_app"))
        return
    if (
        sys.platform not in ("win32", "darwin")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
        and not os.environ.get("QT_QPA_PLATFORM")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # A QApplication (not only a QGuiApplication) so that a GUI started later in the same
    # process (or pytest-qt's `qapp`) can still create widgets with it.
    try:
        from PySide6.QtWidgets import QApplication as AppClass
    except ImportError:  # pragma: no cover - QtWidgets is part of PySide6-Essentials
        AppClass = QGuiApplication  # type: ignore[assignment,misc]
    _app = AppClass(["loket"])


def available_printers() -> list[str]:
    """The names of the printers (print queues) the system knows, in the system's order."""
    _ensure_app()
    from PySide6.QtPrintSupport import QPrinterInfo

    return [info.printerName() for info in QPrinterInfo.availablePrinters()]


def default_printer() -> str | None:
    """The system's default printer, or None when there is none."""
    _ensure_app()
    from PySide6.QtPrintSupport import QPrinterInfo

    return QPrinterInfo.defaultPrinterName() or None


# -- printing --------------------------------------------------------------------------------


def print_pdf(
    pdf: bytes,
    *,
    printer: str | None = None,
    paper: str = "80mm",
    copies: int = 1,
    job_name: str = "Loket",
) -> PrintResult:
    """Send every page of `pdf` to `printer` (default: the system's default printer).

    The printed page size is the size of the PDF's first page: a custom size for roll paper
    (`paper` "80mm" or "58mm"), the matching standard size (A6, A4 …) otherwise. Returns when
    the job has been handed to the system's spooler. Raises `PrinterMissing` or `PrintFailed`.
    """
    paper = paper.lower()
    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r} (expected one of {', '.join(PAPERS)})")
    if copies < 1:
        raise ValueError("copies must be at least 1")

    _ensure_app()
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    name = printer or default_printer()
    if not name:
        raise PrinterMissing(None)
    info = QPrinterInfo.printerInfo(name)
    if info.isNull():
        raise PrinterMissing(name)

    # The document reads from the buffer lazily: both must live until the last page is drawn.
    data = QByteArray(pdf)
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = _load(buffer)
    try:
        pages = document.pageCount()
        first = document.pagePointSize(0)
        device = QPrinter(info, QPrinter.PrinterMode.HighResolution)
        if not device.isValid():
            raise PrintFailed(t("print.detail.invalid_printer", name=name))
        device.setDocName(job_name)
        # Most systems make the copies themselves; where they cannot, the pages are repeated.
        repeat = 1 if device.supportsMultipleCopies() else copies
        device.setCopyCount(copies if repeat == 1 else 1)
        device.setFullPage(True)
        device.setPageLayout(_layout(first, paper))
        dpi = _choose_resolution(device, info.supportedResolutions())
        _paint(document, device, paper, repeat)
    finally:
        document.close()
        buffer.close()

    return PrintResult(
        printer=name,
        pages=pages,
        copies=copies,
        dpi=dpi,
        page_size_mm=(
            round(first.width() / _POINTS_PER_MM, 1),
            round(first.height() / _POINTS_PER_MM, 1),
        ),
    )


def _load(buffer: Any) -> QPdfDocument:
    from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QEventLoop
    from PySide6.QtPdf import QPdfDocument

    document = QPdfDocument()
    document.load(buffer)
    # A QBuffer holds everything, so loading finishes at once; wait briefly just in case.
    deadline = QDeadlineTimer(5000)
    while document.status() == QPdfDocument.Status.Loading and not deadline.hasExpired():
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 50)
    if document.status() != QPdfDocument.Status.Ready or document.pageCount() < 1:
        error = document.error().name
        document.close()
        raise PrintFailed(t("print.detail.bad_pdf", error=error))
    return document


def _layout(size_pt: QSizeF, paper: str) -> QPageLayout:
    """A full-page layout, zero margins, of the given page size (in points)."""
    from PySide6.QtCore import QMarginsF, QSizeF
    from PySide6.QtGui import QPageLayout, QPageSize

    width, height = size_pt.width(), size_pt.height()
    orientation = QPageLayout.Orientation.Portrait
    if width > height:  # page sizes are portrait; a landscape page is a turned portrait one
        width, height = height, width
        orientation = QPageLayout.Orientation.Landscape
    portrait = QSizeF(width, height)
    if paper in ROLL_PAPERS:
        page_size = QPageSize(
            portrait, QPageSize.Unit.Point, f"Loket {paper}", QPageSize.SizeMatchPolicy.ExactMatch
        )
    else:
        page_size = QPageSize(portrait, QPageSize.Unit.Point, "", QPageSize.SizeMatchPolicy.FuzzyMatch)
        standard = page_size.size(QPageSize.Unit.Point)
        if abs(standard.width() - width) > _SAME_SIZE_PT or abs(standard.height() - height) > _SAME_SIZE_PT:
            page_size = QPageSize(
                portrait, QPageSize.Unit.Point, f"Loket {paper}", QPageSize.SizeMatchPolicy.ExactMatch
            )
    layout = QPageLayout(page_size, orientation, QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    layout.setMode(QPageLayout.Mode.FullPageMode)
    return layout


def _choose_resolution(device: QPrinter, supported: list[int]) -> int:
    """Use the printer's resolution, but no finer than MAX_DPI; return the one in effect."""
    dpi = device.resolution()
    if dpi > MAX_DPI:
        fitting = [r for r in supported if 0 < r <= MAX_DPI]
        device.setResolution(max(fitting) if fitting else MAX_DPI)
    return device.resolution()


def _paint(document: QPdfDocument, device: QPrinter, paper: str, repeat: int = 1) -> None:
    from PySide6.QtGui import QPainter
    from PySide6.QtPrintSupport import QPrinter

    painter = QPainter()
    if not painter.begin(device):
        raise PrintFailed(t("print.detail.cannot_start", name=device.printerName()))
    complete = False
    try:
        current = document.pagePointSize(0)
        count = document.pageCount()
        for sheet in range(count * repeat):
            index = sheet % count
            size_pt = document.pagePointSize(index)
            if sheet > 0:
                if not _same_size(size_pt, current):
                    # Mixed page sizes: ask for the new size; if the device will not change
                    # size mid-job, the page is fitted into the current one below.
                    if device.setPageLayout(_layout(size_pt, paper)):
                        current = size_pt
                if not device.newPage():
                    raise PrintFailed(t("print.detail.new_page", page=index + 1))
            target = device.pageRect(QPrinter.Unit.DevicePixel).toAlignedRect()
            dpi = min(device.resolution(), MAX_DPI)
            image = _render(document, index, size_pt, dpi, target.size())
            placed = _fit(image.size(), target)
            painter.drawImage(placed, image)
        complete = True
    finally:
        if not complete:
            device.abort()  # a half-drawn job never reaches the printer
        ended = painter.end()
    if not ended or device.printerState() == QPrinter.PrinterState.Error:
        raise PrintFailed(t("print.detail.spooler", name=device.printerName()))


def _render(document: QPdfDocument, index: int, size_pt: QSizeF, dpi: int, target: Any) -> Any:
    """Page `index` as an opaque image: exactly `target` pixels when the page fills the
    printed page at `dpi`, else the page's own size at `dpi`."""
    from PySide6.QtCore import QSize, Qt
    from PySide6.QtGui import QImage, QPainter

    own = QSize(round(size_pt.width() * dpi / 72), round(size_pt.height() * dpi / 72))
    if abs(own.width() - target.width()) <= 2 and abs(own.height() - target.height()) <= 2:
        own = target  # the device's rounding of the same page size: fill it exactly
    rendered = document.render(index, own)
    if rendered.isNull():
        raise PrintFailed(t("print.detail.render", page=index + 1))
    # QtPdf leaves the background transparent: put the page on white paper so no driver
    # has to guess what transparency means.
    opaque = QImage(rendered.size(), QImage.Format.Format_RGB32)
    opaque.fill(Qt.GlobalColor.white)
    painter = QPainter(opaque)
    painter.drawImage(0, 0, rendered)
    painter.end()
    return opaque


def _fit(image: Any, target: Any) -> Any:
    """Where to draw an image of size `image` inside the rect `target`: the whole rect when the
    shapes agree, else scaled to fit, centred across and aligned to the top (roll paper)."""
    from PySide6.QtCore import QRect

    if image.width() == target.width() and image.height() == target.height():
        return QRect(target)
    scale = min(target.width() / image.width(), target.height() / image.height())
    width = round(image.width() * scale)
    height = round(image.height() * scale)
    return QRect(target.x() + (target.width() - width) // 2, target.y(), width, height)


def _same_size(a: QSizeF, b: QSizeF) -> bool:
    return abs(a.width() - b.width()) <= _SAME_SIZE_PT and abs(a.height() - b.height()) <= _SAME_SIZE_PT

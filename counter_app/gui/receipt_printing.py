"""Receipts from the window: the PDF is made and printed in the background, never on the UI thread.

ReportLab and the Qt print bridge are imported inside the jobs, so neither slows the start.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from counter_app.core.clock import local_day
from counter_app.gui import error_dialog
from counter_app.gui.background import Background
from counter_app.services.context import Context
from counter_app.services.usecase import usecase
from counter_app.services.views import TicketView

if TYPE_CHECKING:
    from counter_app.gui.receipt_preview import ReceiptPreview


class ReceiptPrinting(QObject):
    """Printing from the window. A failure is never a dialog (it took the officer's next key
    press): the outcome goes to the window, which shows a notice with Coba lagi / Buka PDF
    until a receipt prints again."""

    printed = Signal(object)  # printing.jobs.PrintOutcome
    busy_changed = Signal(bool)

    def __init__(self, ctx: Context, background: Background, window: QWidget) -> None:
        super().__init__(window)
        self.ctx = ctx
        self.background = background
        self.window = window
        self.outcomes: deque = deque(maxlen=100)  # the latest PrintOutcomes, newest last
        self.last_preview: ReceiptPreview | None = None
        background.busy_changed.connect(self.busy_changed)

    @property
    def last_outcome(self):
        return self.outcomes[-1] if self.outcomes else None

    # ---- jobs (run in the worker thread) ----------------------------------------------

    def _pdf(self, ticket_id: str, reprint: bool) -> bytes:
        from counter_app.services import receipts

        with usecase(self.ctx):
            return receipts.receipt_pdf(self.ctx, ticket_id, reprint=reprint)

    def _print_pdf(self, pdf: bytes, name: str):
        from counter_app.printing.jobs import print_or_keep

        return print_or_keep(
            pdf,
            data_dir=self.ctx.data_dir,
            name=name,
            printer=self.ctx.setting("printer") or None,
            paper=self.ctx.setting("paper"),
            day=local_day(self.ctx.clock.now(), self.ctx.tz),
        )

    # ---- from the UI thread -----------------------------------------------------------

    def print_ticket(self, ticket: TicketView, *, reprint: bool = False) -> None:
        """Make the receipt and print it (or keep the PDF and say where)."""
        name = self._name(ticket, reprint)
        reprint_flag = reprint
        self.background.submit(
            lambda: self._print_pdf(self._pdf(ticket.id, reprint_flag), name),
            self._printed,
            self._failed,
        )

    def preview(self, ticket: TicketView, *, reprint: bool = True) -> None:
        """Make the receipt, then show it; the preview's Print button sends it."""
        code, name = ticket.code, self._name(ticket, reprint)
        self.background.submit(
            lambda: self._pdf(ticket.id, reprint),
            lambda pdf: self._show_preview(pdf, code, name, reprint),
            self._failed,
        )

    def print_pdf(self, pdf: bytes, name: str, then: Callable[[object], None] | None = None) -> None:
        def done(outcome: object) -> None:
            self._printed(outcome)
            if then:
                then(outcome)

        self.background.submit(lambda: self._print_pdf(pdf, name), done, self._failed)

    # ---- results (back on the UI thread) ----------------------------------------------

    @staticmethod
    def _name(ticket: TicketView, reprint: bool) -> str:
        return f"{ticket.receipt_no}{'-ulang' if reprint else ''}"

    def _show_preview(self, pdf: bytes, code: str, name: str, reprint: bool) -> None:
        # QtPdf and its widgets are loaded with the first preview, not with the window.
        from counter_app.gui.receipt_preview import ReceiptPreview

        dialog = ReceiptPreview(
            pdf,
            code,
            reprint=reprint,
            printer=self.ctx.setting("printer"),
            paper=self.ctx.setting("paper"),
            parent=self.window,
        )
        dialog.print_clicked.connect(lambda data: self.print_pdf(data, name))
        self.last_preview = dialog
        dialog.open()

    def _printed(self, outcome) -> None:
        self.outcomes.append(outcome)
        self.printed.emit(outcome)

    def _failed(self, exc: BaseException) -> None:
        error_dialog.report(exc, self.window)

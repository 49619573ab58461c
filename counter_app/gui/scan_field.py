"""Pindai: a USB scanner types the receipt's QR text and Enter; we check it and open the ticket."""

from __future__ import annotations

import re

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QLineEdit, QVBoxLayout, QWidget

from counter_app.core.clock import local_day, local_time_text
from counter_app.core.errors import NotFound
from counter_app.core.i18n import STATUS_KEYS, t
from counter_app.core.numbering import CODE_RE
from counter_app.core.token import TokenError, verify_token
from counter_app.gui.error_dialog import guarded
from counter_app.gui.widgets.field_message import FieldMessage
from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.services.views import TicketView

_TOKEN = re.compile(r"(?:\S*#)?[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{40,}")


def looks_like_scan(text: str) -> bool:
    """A receipt's QR text (a token, or the verify URL with one), typed by a USB scanner."""
    return bool(_TOKEN.fullmatch(text.strip()))


def _looks_like_reference(text: str) -> bool:
    """A typed queue code (`A023`) or receipt number rather than a scanned token."""
    return bool(CODE_RE.match(text.upper())) or (text.count("-") == 3 and "." not in text)


class ScanField(QGroupBox):
    ticket_found = Signal(object)  # TicketView

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.edit = QLineEdit()
        self.edit.setClearButtonEnabled(True)
        self.edit.returnPressed.connect(self._scanned)
        self.result = FieldMessage(lines=1)  # one line kept; a long verdict whole on hover
        layout = QVBoxLayout(self)
        layout.addWidget(self.edit)
        layout.addWidget(self.result)
        self.retranslate()

    def retranslate(self) -> None:
        self.setTitle(t("gui.scan.title"))
        self.edit.setPlaceholderText(t("gui.scan.hint"))

    def _scanned(self) -> None:
        text = self.edit.text()
        self.edit.clear()
        self.scan(text)

    @guarded
    def scan(self, text: str) -> TicketView | None:
        """Open the ticket a receipt (or a typed code) names; say clearly when it cannot."""
        text = text.strip()
        if not text:
            return None
        if _looks_like_reference(text):
            try:
                ticket = tickets.find(text, self.ctx)
            except NotFound as exc:
                self.result.show_error(exc.message())
                return None
            self.result.show_hint(t("gui.scan.opened", code=ticket.code))
            self.ticket_found.emit(ticket)
            return ticket
        from counter_app.services import keys  # with cryptography (~18 ms): at the first scan

        try:
            receipt = verify_token(text, keys.local_keyring(self.ctx.data_dir))
        except TokenError as exc:
            self.result.show_error(exc.message())
            return None
        today = local_day(self.ctx.clock.now(), self.ctx.tz)
        if local_day(receipt.issued_at, self.ctx.tz) != today:
            self.result.show_error(
                t(
                    "gui.scan.not_today",
                    code=receipt.code,
                    day=local_time_text(receipt.issued_at, self.ctx.tz, "%d-%m-%Y"),
                )
            )
            return None
        try:
            ticket = tickets.find(receipt.receipt_no)
        except NotFound:
            self.result.show_error(t("gui.scan.not_here", code=receipt.code, counter=receipt.counter))
            return None
        self.result.show_ok(t("gui.scan.valid", code=ticket.code, status=t(STATUS_KEYS[ticket.status])))
        self.ticket_found.emit(ticket)
        return ticket

"""The service standard of one service (UU 25/2009 Pasal 21; Perpres 89/2021), read at the
counter with the visitor and printed on request as an A4 page (`service-standard CODE`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import i18n
from counter_app.core.errors import LoketError
from counter_app.core.files import make_private_dir
from counter_app.core.i18n import t
from counter_app.gui import error_dialog
from counter_app.gui.screen_fit import StatusLine, fit_to_screen
from counter_app.services import service_standard
from counter_app.services.context import Context
from counter_app.services.usecase import usecase

# The parts in the order of the printed page (documents/service_standard_pdf.py).
PART_KEYS = {
    "legal_basis": "standard.legal_basis",
    "requirements": "standard.requirements",
    "procedure": "standard.procedure",
    "completion": "standard.completion",
    "fee_text": "standard.fee",
    "product": "standard.product",
    "hours": "standard.hours",
    "daily_quota": "standard.quota",
    "maklumat": "standard.maklumat",
}


def _plain(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # catalogue text is never markup
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
    return label


class ServiceStandardDialog(QDialog):
    """Each part of the standard with its label; *Cetak A4* keeps the PDF under the data
    folder's printouts/ and opens it in the system viewer, which prints it."""

    def __init__(self, ctx: Context, code: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.code = code
        self.lang = i18n.language()
        self.open_file: Callable[[Path], Any] = lambda path: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(path))
        )
        self.last_pdf: Path | None = None
        with usecase(ctx):
            self.standard = service_standard.standard(code, self.lang)
        std = self.standard

        self.heading = _plain(f"{std['name']} ({std['code']})")
        self.heading.setProperty("role", "heading")
        self.agency_label = _plain(str(std.get("agency") or ""))
        self.agency_label.setProperty("role", "muted")
        body = QWidget()
        form = QFormLayout(body)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.values: dict[str, QLabel] = {}
        for key in PART_KEYS:
            value = _plain(self._text(key))
            value.setObjectName(key)
            self.values[key] = value
            name = _plain(t(PART_KEYS[key]))
            name.setProperty("role", "muted")
            form.addRow(name, value)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)

        self.print_button = QPushButton(t("gui.standard.print"))
        self.print_button.setProperty("primary", True)
        self.print_button.clicked.connect(self.print_a4)
        self.close_button = QPushButton(t("gui.common.close"))
        self.close_button.clicked.connect(self.reject)
        self.status = StatusLine()
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.agency_label)
        layout.addWidget(scroll, 1)
        layout.addLayout(buttons)
        self.setWindowTitle(t("gui.standard.title", name=std["name"]))
        fit_to_screen(self, 760, 620)

    def _text(self, key: str) -> str:
        value = self.standard.get(key)
        if key == "daily_quota":
            return t("standard.quota_value", n=value) if value else t("standard.no_quota")
        if isinstance(value, list):
            return "\n".join(f"{i}. {x}" for i, x in enumerate(value, 1)) if value else "—"
        return str(value or "—")

    def print_a4(self) -> Path | None:
        """Write the A4 standard under printouts/ and open it to print (the privacy notice's way)."""
        out = Path(self.ctx.data_dir) / "printouts" / f"standar-pelayanan-{self.code}.pdf"
        try:
            make_private_dir(out.parent)  # printouts/ may not exist yet
            with usecase(self.ctx):
                path = service_standard.write_pdf(self.ctx, out, [self.code], self.lang)
        except (LoketError, OSError) as exc:
            error_dialog.report(exc, self)
            return None
        self.last_pdf = path
        self.status.setText(t("gui.standard.saved", path=str(path)))
        self.open_file(path)
        return path

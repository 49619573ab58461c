"""A receipt as it will print (QtPdf renders ReportLab's PDF), with Print and Close."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from counter_app.core.i18n import PAPER_KEYS, t


class ReceiptPreview(QDialog):
    print_clicked = Signal(bytes)

    def __init__(
        self,
        pdf: bytes,
        code: str,
        *,
        reprint: bool,
        printer: str = "",
        paper: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.pdf = pdf
        self.code = code
        self.reprint = reprint
        self.printer = printer
        self.paper = paper
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, False)
        # The document reads the buffer lazily: both live as long as the dialog.
        self._data = QByteArray(pdf)
        self._buffer = QBuffer(self._data, self)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(self)
        self.document.load(self._buffer)
        self.view = QPdfView(self)
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setStyleSheet("background: #9aa5b1;")
        self.info_label = QLabel()
        self.info_label.setWordWrap(True)
        self.info_label.setProperty("role", "muted")
        self.print_button = QPushButton()
        self.print_button.setProperty("primary", True)
        self.print_button.setDefault(True)
        self.close_button = QPushButton()
        self.print_button.clicked.connect(self._print)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.info_label, 1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.print_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self.resize(480, 720)
        self.retranslate()

    def retranslate(self) -> None:
        key = "gui.preview.title_reprint" if self.reprint else "gui.preview.title"
        self.setWindowTitle(t(key, code=self.code))
        self.info_label.setText(
            t(
                "gui.preview.pages",
                n=self.document.pageCount(),
                printer=self.printer or t("gui.status.printer_default"),
                paper=t(PAPER_KEYS[self.paper]) if self.paper else "",
            )
        )
        self.print_button.setText(t("gui.preview.print"))
        self.close_button.setText(t("gui.common.close"))

    def _print(self) -> None:
        self.print_clicked.emit(self.pdf)
        self.accept()

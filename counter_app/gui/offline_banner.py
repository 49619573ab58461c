"""The banner across the top of the window while the site hub cannot be reached: the counter
works offline (offline numbers, its own tickets) and says so in words, not colour alone."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from counter_app.core.i18n import t


class OfflineBanner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("offlineBanner")  # its colours: theme.WIDGET_RULES
        self.icon = QLabel("⚠")
        font = self.icon.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        self.icon.setFont(font)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setWordWrap(True)
        bold = self.label.font()
        bold.setBold(True)
        self.label.setFont(bold)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 10, 4)
        row.addWidget(self.icon, 0, Qt.AlignmentFlag.AlignVCenter)
        row.addWidget(self.label, 1)
        self.retranslate()
        self.hide()

    def retranslate(self) -> None:
        self.label.setText(t("gui.live.banner"))

    def text(self) -> str:
        return self.label.text()

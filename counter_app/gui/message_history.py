"""The window's message line: the latest message whole (elided to the room, the full text on
hover), and a short history the officer can open (the button beside it, or Ctrl+H)."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QListWidget,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.core.i18n import t
from counter_app.gui.widgets.elided_label import ElidedLabel

KEEP = 50


@dataclass(frozen=True)
class Entry:
    at: datetime
    text: str


class MessageLine(QWidget):
    """One line in the status bar; it takes the room left and gives it back (never widens)."""

    opened = Signal()

    def __init__(self, clock_now, time_text, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._now = clock_now  # the injected clock: the history's times are the site's
        self._time_text = time_text
        self.history: deque[Entry] = deque(maxlen=KEEP)
        self.label = ElidedLabel(min_chars=8)
        self.label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.button = QToolButton()
        self.button.setAutoRaise(True)
        self.button.setObjectName("historyButton")  # low and narrow: theme.WIDGET_RULES
        self.button.setFixedHeight(self.fontMetrics().height() + 4)
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.button.clicked.connect(self.open_history)
        self._clear = QTimer(self)
        self._clear.setSingleShot(True)
        self._clear.timeout.connect(lambda: self.label.setText(""))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.button)
        layout.addWidget(self.label, 1)
        self.dialog: QDialog | None = None
        self.retranslate()

    def retranslate(self) -> None:
        self.button.setText(t("gui.messages.button"))
        self.button.setToolTip(t("gui.messages.tooltip"))

    def show_message(self, text: str, timeout_ms: int = 0) -> None:
        if not text:
            self.label.setText("")
            return
        self.history.append(Entry(self._now(), text))
        self.label.setText(text)
        if timeout_ms:
            self._clear.start(timeout_ms)
        else:
            self._clear.stop()
        if self.dialog is not None and self.dialog.isVisible():
            self._fill()

    def texts(self) -> list[str]:
        return [e.text for e in self.history]

    def open_history(self) -> QDialog:
        """Non-modal: the counter keeps working while it is open."""
        if self.dialog is None:
            self.dialog = QDialog(self.window())
            self.dialog.setWindowTitle(t("gui.messages.title"))
            self.list = QListWidget()
            self.list.setWordWrap(True)
            self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
            box = QVBoxLayout(self.dialog)
            box.addWidget(self.list)
            self.dialog.resize(640, 360)
        self._fill()
        self.dialog.show()
        self.dialog.raise_()
        self.opened.emit()
        return self.dialog

    def _fill(self) -> None:
        self.list.clear()
        for entry in reversed(self.history):  # newest first
            self.list.addItem(f"{self._time_text(entry.at)}  {entry.text}")

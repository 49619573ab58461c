"""Windows that fit the screen they open on (a 1366×768 laptop with a taskbar is the design case).

`fit_to_screen` sizes a top-level window to what it would like or to the screen's available
geometry (taskbar excluded, room left for the title bar), whichever is smaller. `StatusLine` is a
one-line message that never widens its window: elided to the room it gets, the whole text in its
tooltip. (A window grows when a child's minimum width grows: one long unwrapped line did that.)
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

# title bar and borders of a typical window manager, not known before the window is mapped
FRAME = QSize(12, 40)


def available(widget: QWidget) -> QRect:
    screen = widget.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit_to_screen(widget: QWidget, width: int, height: int) -> QSize:
    """Resize `widget` to width×height, or smaller to fit its screen with its frame; centred."""
    room = available(widget)
    size = QSize(min(width, room.width() - FRAME.width()), min(height, room.height() - FRAME.height()))
    size = size.expandedTo(widget.minimumSizeHint()).boundedTo(room.size())
    widget.resize(size)
    if widget.isWindow():
        widget.move(
            room.x() + max(0, (room.width() - size.width()) // 2),
            room.y() + max(0, (room.height() - FRAME.height() - size.height()) // 2),
        )
    return size


class StatusLine(QLabel):
    """Plain text on one line, elided on the right; the full text is the tooltip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._full = ""

    def setText(self, text: str) -> None:
        self._full = text or ""
        super().setText(self._full)
        self.setToolTip(self._full)

    def full_text(self) -> str:
        return self._full

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return QSize(self.fontMetrics().horizontalAdvance("M") * 6, hint.height())

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(min(hint.width(), self.fontMetrics().horizontalAdvance("M") * 40), hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, rect.width())
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.drawText(rect, int(self.alignment() | Qt.AlignmentFlag.AlignVCenter), shown)
        painter.end()

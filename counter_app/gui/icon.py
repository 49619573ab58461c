"""The application icon: a green ticket with a queue number, drawn once and shipped as a PNG."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon

from counter_app.core.paths import resource

if TYPE_CHECKING:
    from PySide6.QtGui import QPixmap

ICON_PATH = resource("icons", "loket.png")
CHEVRON_PATH = resource("icons", "chevron-down.png")


def draw(size: int = 256) -> QPixmap:
    # The painting classes only here: a start loads the shipped PNG and never draws.
    from PySide6.QtCore import QRectF, Qt
    from PySide6.QtGui import QColor, QFont, QPainter, QPainterPath, QPixmap

    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 256
    # The ticket: a rounded card with two punched notches.
    card = QPainterPath()
    card.addRoundedRect(QRectF(18 * s, 42 * s, 220 * s, 172 * s), 26 * s, 26 * s)
    for cx in (18 * s, 238 * s):
        notch = QPainterPath()
        notch.addEllipse(QRectF(cx - 18 * s, 110 * s, 36 * s, 36 * s))
        card = card.subtracted(notch)
    p.fillPath(card, QColor("#0b6e4f"))
    p.setPen(QColor("#e8f5ef"))
    font = QFont("DejaVu Sans")
    font.setPixelSize(int(92 * s))
    font.setBold(True)
    p.setFont(font)
    p.drawText(QRectF(18 * s, 52 * s, 220 * s, 120 * s), Qt.AlignmentFlag.AlignCenter, "A1")
    p.fillRect(QRectF(58 * s, 170 * s, 140 * s, 10 * s), QColor("#8fd1b6"))
    p.end()
    return pixmap


def draw_chevron(size: int = 32) -> QPixmap:
    """The drop-down arrow of combo boxes (the stylesheet replaces the style's own)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QColor, QPainter, QPainterPath, QPixmap

    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = p.pen()
    pen.setColor(QColor("#52606d"))
    pen.setWidthF(size / 9)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    path = QPainterPath()
    path.moveTo(size * 0.25, size * 0.38)
    path.lineTo(size * 0.5, size * 0.64)
    path.lineTo(size * 0.75, size * 0.38)
    p.drawPath(path)
    p.end()
    return pixmap


def app_icon() -> QIcon:
    if ICON_PATH.exists():
        return QIcon(str(ICON_PATH))
    return QIcon(draw())


def save() -> None:
    """Write the shipped PNGs (run once by tools/screenshots.py --icons)."""
    ICON_PATH.parent.mkdir(parents=True, exist_ok=True)
    draw(256).save(str(ICON_PATH), "PNG")
    draw_chevron(32).save(str(CHEVRON_PATH), "PNG")

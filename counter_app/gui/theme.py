"""The look: calm colours, status colours that always come with their word, large ticket codes."""

from __future__ import annotations

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QWidget

from counter_app.core.paths import resource
from counter_app.core.ticket_rules import Status

INK = "#1f2933"
MUTED = "#52606d"
ACCENT = "#0b6e4f"  # MPP green
ACCENT_DARK = "#08543c"
PAPER = "#f5f7fa"
LINE = "#d9e2ec"
ERROR = "#b42318"
WARNING = "#9a5b00"
# The notice bar (a receipt that did not print) and the bar of a ticket only being looked at.
NOTICE_BG = "#fff4e0"
NOTICE_LINE = "#e8b35a"
# The banner while the site hub cannot be reached.
BANNER_BG = "#fdecea"
BANNER_LINE = "#b42318"
BANNER_INK = "#7a1a12"

# (background, text) per status: pale backgrounds keep dark text readable on any screen.
STATUS_COLOURS: dict[str, tuple[str, str]] = {
    Status.WAITING: ("#e8f1fb", "#1d4e89"),
    Status.CALLED: ("#fff4d6", "#8a5300"),
    Status.SERVING: ("#dff5e8", "#0b6e4f"),
    Status.DONE: ("#eceff3", "#3e4c59"),
    Status.NO_SHOW: ("#fde8e7", "#a12c24"),
    Status.CANCELLED: ("#f1eef5", "#5b4a73"),
    Status.TRANSFERRED: ("#e6f6f8", "#0e6470"),
}
# A small mark before the word, so the status reads without colour too.
STATUS_MARKS: dict[str, str] = {
    Status.WAITING: "○",
    Status.CALLED: "◔",
    Status.SERVING: "◑",
    Status.DONE: "●",
    Status.NO_SHOW: "✕",
    Status.CANCELLED: "⊘",
    Status.TRANSFERRED: "→",
}


def status_background(status: str) -> QColor:
    return QColor(STATUS_COLOURS.get(status, ("#ffffff", INK))[0])


def status_foreground(status: str) -> QColor:
    return QColor(STATUS_COLOURS.get(status, ("#ffffff", INK))[1])


def load_fonts() -> None:
    """Bundle DejaVu Sans so ticket codes and Indonesian text look the same on every PC."""
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        path = resource("fonts", name)
        if path.exists():
            QFontDatabase.addApplicationFont(str(path))


def code_font(point_size: int = 54) -> QFont:
    font = QFont(QApplication.font())
    font.setPointSize(point_size)
    font.setWeight(QFont.Weight.Bold)
    font.setStyleHint(QFont.StyleHint.SansSerif)
    return font


_CHEVRON = resource("icons", "chevron-down.png").as_posix()

STYLESHEET = f"""
QMainWindow, QDialog {{ background: {PAPER}; }}
QWidget {{ color: {INK}; }}
QGroupBox {{
    background: white; border: 1px solid {LINE}; border-radius: 8px;
    margin-top: 14px; padding: 10px 10px 8px 10px; font-weight: bold;
}}
QGroupBox::title {{ subcontrol-origin: margin; left: 12px; padding: 0 4px; color: {ACCENT_DARK}; }}
QLineEdit, QComboBox, QPlainTextEdit {{
    background: white; border: 1px solid #bcccdc; border-radius: 5px; padding: 4px 6px;
    min-height: 22px;
}}
QSpinBox, QTimeEdit {{ min-height: 26px; }}
QComboBox::drop-down {{
    subcontrol-origin: padding; subcontrol-position: center right; width: 22px; border: none;
}}
QComboBox::down-arrow {{ image: url({_CHEVRON}); width: 12px; height: 12px; }}
QComboBox QAbstractItemView {{ background: white; selection-background-color: #cfe3f7; }}
QLineEdit:focus, QComboBox:focus, QPlainTextEdit:focus {{
    border: 2px solid {ACCENT};
}}
QLineEdit[invalid="true"] {{ border: 2px solid {ERROR}; background: #fff6f5; }}
QPushButton, QToolButton {{
    background: white; border: 1px solid #9fb3c8; border-radius: 6px; padding: 6px 12px;
    min-height: 22px;
}}
QPushButton:hover, QToolButton:hover {{ background: #f0f4f8; }}
QPushButton:focus, QToolButton:focus {{ border: 2px solid {ACCENT}; }}
QPushButton:disabled, QToolButton:disabled {{
    color: #9aa5b1; border-color: {LINE}; background: #f7f9fb;
}}
QPushButton[primary="true"], QToolButton[primary="true"] {{
    background: {ACCENT}; color: white; border: 1px solid {ACCENT_DARK}; font-weight: bold;
}}
QPushButton[primary="true"]:hover, QToolButton[primary="true"]:hover {{ background: {ACCENT_DARK}; }}
QPushButton[primary="true"]:disabled, QToolButton[primary="true"]:disabled {{
    background: #8fbfae; color: #eef6f2;
}}
QLabel[role="field-error"] {{ color: {ERROR}; }}
QLabel[role="field-warning"] {{ color: {WARNING}; }}
QLabel[role="field-hint"] {{ color: {MUTED}; }}
QLabel[role="field-ok"] {{ color: {ACCENT_DARK}; font-weight: bold; }}
QLabel[role="muted"] {{ color: {MUTED}; }}
QLabel[role="code"] {{ color: {ACCENT_DARK}; }}
QLabel[role="banner"] {{
    background: {ACCENT}; color: white; padding: 6px 12px; border-radius: 6px; font-weight: bold;
}}
QTableView {{
    background: white; border: 1px solid {LINE}; border-radius: 6px;
    gridline-color: #eef2f6; selection-background-color: #cfe3f7; selection-color: {INK};
}}
QHeaderView::section {{
    background: #eef2f6; border: none; border-bottom: 1px solid {LINE}; padding: 4px 6px;
    font-weight: bold; color: {MUTED};
}}
QStatusBar {{ background: white; border-top: 1px solid {LINE}; }}
QStatusBar QLabel {{ padding: 0 8px; color: {MUTED}; }}
QTabWidget::pane {{ border: 1px solid {LINE}; border-radius: 6px; background: white; }}
QTabBar::tab {{ padding: 6px 14px; }}
QTabBar::tab:selected {{ color: {ACCENT_DARK}; font-weight: bold; }}
"""

# The serving panel's status word: the status's colours, the break in the warning colour and
# an unknown status plain (ServingPanel.show_ticket sets `ticketStatus`).
_STATUS_LOOKS = {
    **{str(s): colours for s, colours in STATUS_COLOURS.items()},
    "break": (WARNING, "white"),
    "other": ("#ffffff", INK),
}
_STATUS_RULES = "\n".join(
    f'QLabel[ticketStatus="{name}"] {{ background: {bg}; color: {fg};'
    " border-radius: 6px; padding: 2px 10px; font-weight: bold; }"
    for name, (bg, fg) in _STATUS_LOOKS.items()
)

# Rules of single widgets, keyed on an object name or a dynamic property. They were each
# widget's own setStyleSheet, and each of those made Qt build a style for that widget and
# polish it and its children again (~20 ms at the main window's start, issue 16). A widget's own
# sheet outranks the application's; every selector here is more specific than the general
# rules above it touches, so the result is the same.
WIDGET_RULES = f"""
QPushButton#standardButton {{ padding: 3px 8px; min-height: 20px; }}
QComboBox#servicePicker[invalid="true"] {{ border: 2px solid {ERROR}; background: #fff6f5; }}
QToolButton#historyButton {{ padding: 0 4px; min-height: 0; }}
QFrame#notice {{
    background: {NOTICE_BG}; border: 1px solid {NOTICE_LINE}; border-radius: 4px;
}}
QFrame#notice QLabel {{ color: {WARNING}; }}
QFrame#offlineBanner {{
    background: {BANNER_BG}; border: 1px solid {BANNER_LINE}; border-radius: 4px;
}}
QFrame#offlineBanner QLabel {{ color: {BANNER_INK}; }}
QFrame#viewingBar, QFrame#viewingBar QFrame {{ background: {NOTICE_BG}; border-radius: 4px; }}
QFrame[role="rule"] {{ color: {LINE}; }}
QLabel[role="code"][empty="true"] {{ color: {LINE}; }}
{_STATUS_RULES}
QStatusBar QLabel[tone="error"] {{ color: {ERROR}; font-weight: bold; }}
QStatusBar QLabel[tone="warning"] {{ color: {WARNING}; font-weight: bold; }}
QStatusBar QLabel[tone="live"] {{ color: {ACCENT}; font-weight: bold; }}
QStatusBar QLabel[tone="offline"] {{
    background: {WARNING}; color: white; font-weight: bold; padding: 0 6px;
}}
QStatusBar QLabel[tone="alarm"] {{
    background: {ERROR}; color: white; font-weight: bold; padding: 0 6px;
}}
"""
STYLESHEET += WIDGET_RULES


def set_look(widget: QWidget, prop: str, value: str | bool | None) -> None:
    """Set a dynamic property the stylesheet keys on and repolish the widget, only if it
    changed: Qt does not re-read the rules when a property changes by itself. The StyleChange
    event is what setStyleSheet also sends: a frame re-reads its padding, the layout its size."""
    if widget.property(prop) == value:
        return
    widget.setProperty(prop, value)
    # Qt's namespace imported here, not at the top: importing it builds its ~100 Python enums
    # (~15 ms), which the way to the login does not otherwise need
    from PySide6.QtCore import Qt

    if not widget.testAttribute(Qt.WidgetAttribute.WA_WState_Polished):
        return  # never polished yet: its first polish reads the rules with the property
    style = widget.style()
    style.unpolish(widget)
    style.polish(widget)
    QApplication.sendEvent(widget, QEvent(QEvent.Type.StyleChange))


STYLE = "Fusion"


def apply(app: QApplication, *, style_set: bool = False) -> None:
    """Fonts, style and stylesheet. `style_set`: the app was made with `-style Fusion` already
    (`app.make_app`), so `setStyle` is not called again."""
    load_fonts()
    font = QFont(app.font())
    if QFontDatabase.hasFamily("DejaVu Sans") and font.family() in ("", "Sans Serif", "sans-serif"):
        font.setFamily("DejaVu Sans")
    # Readable at arm's length from a counter screen.
    font.setPointSizeF(max(font.pointSizeF(), 10.5))
    app.setFont(font)
    if not style_set:
        app.setStyle(STYLE)
    app.setStyleSheet(STYLESHEET)

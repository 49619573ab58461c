"""Terkunci: the counter window after *Keluar akun* (Ctrl+L) or an idle time. The queue and
the visitors' names are hidden; the same officer unlocks with the password, or another logs
in (a shift change) and the window carries on as them. A ticket in hand stays in hand."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from counter_app.core.i18n import t
from counter_app.core.roles import Actor
from counter_app.gui.login_dialog import LoginDialog
from counter_app.services.context import Context


class LockPage(QWidget):
    """What the window shows behind the lock dialog: nothing personal."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setProperty("role", "banner")
        self.label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)  # at the top: the login dialog sits in the middle
        layout.addStretch(1)

    def show_locked(self, counter: str, held: str | None) -> None:
        text = t("gui.lock.page", counter=counter)
        if held:
            text += "\n" + t("gui.lock.in_hand", code=held)
        self.label.setText(text)


class LockDialog(LoginDialog):
    """The login, window-modal over the locked window; it cannot be closed without a login."""

    unlocked = Signal(object)  # the Actor who logged in

    def __init__(self, ctx: Context, parent: QWidget, *, previous: Actor, held: str | None) -> None:
        super().__init__(ctx, parent)
        self.previous = previous
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.held_label = QLabel()
        self.held_label.setTextFormat(Qt.TextFormat.PlainText)
        self.held_label.setWordWrap(True)
        self.held_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(3, self.held_label)
        self.held_label.setText(t("gui.lock.in_hand", code=held) if held else "")
        self.held_label.setVisible(bool(held))
        self.setWindowTitle(t("gui.lock.title"))
        self.username_edit.setText(previous.username)
        self.password_edit.setFocus()
        self.accepted.connect(lambda: self.unlocked.emit(self.actor))
        self.setMaximumWidth(560)  # wrapped lines wrap here, never widen it past the screen
        self.adjustSize()

    def retranslate(self) -> None:
        super().retranslate()
        self.setWindowTitle(t("gui.lock.title"))

    def reject(self) -> None:
        """Esc does not unlock: only a login does."""
        self.password_edit.setFocus()

"""Masuk: username and password; too many wrong tries lock the account (the message says so).

The staff service (argon2) is loaded in the background once the dialog is up: importing it
costs a deliberate password hash, which should not delay the first window.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import replace

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.core.errors import AuthError, LoketError
from counter_app.core.i18n import t
from counter_app.core.roles import Actor, Role
from counter_app.gui import error_dialog
from counter_app.gui.icon import app_icon
from counter_app.gui.widgets.field_message import FieldMessage
from counter_app.gui.widgets.qt_names import set_by_name
from counter_app.services.context import Context
from counter_app.services.usecase import usecase

# Who is "acting" while nobody is logged in: only reads settings and checks a password.
NOBODY = Actor(username="login", role=Role.STAFF)
STAFF_SERVICE = "counter_app.services.staff"


# The preload waits this long once the dialog's event loop runs: nobody types a name and a
# password that fast, and an import started at once competed (the GIL) with the dialog's first
# paint. A login sooner than that imports the module itself (`try_login`), as before.
PRELOAD_DELAY_MS = 300


def preload_staff_service(delay_ms: int = PRELOAD_DELAY_MS) -> None:
    """Import the staff service in a thread (argon2 releases the GIL while it hashes), started
    `delay_ms` after the event loop runs, i.e. after the login has been painted."""

    def start() -> None:
        threading.Thread(
            target=importlib.import_module, args=(STAFF_SERVICE,), name="loket-preload", daemon=True
        ).start()

    QTimer.singleShot(delay_ms, start)


class LoginDialog(QDialog):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = replace(ctx, actor=NOBODY) if ctx.actor is not NOBODY else ctx
        self.actor: Actor | None = None
        self.setWindowIcon(app_icon())
        self.icon_label = QLabel()
        self.icon_label.setPixmap(app_icon().pixmap(64, 64))
        # Centred by name, not with Qt.AlignmentFlag: building PySide's `Qt` enums would cost
        # the start to the login ~25 ms (gui/widgets/qt_names.py).
        set_by_name(self.icon_label, "alignment", "AlignCenter")
        self.site_label = QLabel()
        self.site_label.setProperty("role", "banner")
        set_by_name(self.site_label, "alignment", "AlignCenter")
        self.site_label.setWordWrap(True)
        self.counter_label = QLabel()
        set_by_name(self.counter_label, "alignment", "AlignCenter")
        self.counter_label.setProperty("role", "muted")
        self.username_edit = QLineEdit()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.message = FieldMessage()
        self.login_button = QPushButton()
        self.login_button.setProperty("primary", True)
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.try_login)
        self.username_edit.returnPressed.connect(self.password_edit.setFocus)
        self.password_edit.returnPressed.connect(self.try_login)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.username_label = QLabel()
        self.password_label = QLabel()
        form.addRow(self.username_label, self.username_edit)
        form.addRow(self.password_label, self.password_edit)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 16, 18, 16)
        layout.addWidget(self.icon_label)
        layout.addWidget(self.site_label)
        layout.addWidget(self.counter_label)
        layout.addSpacing(8)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.login_button)
        self.setMinimumWidth(420)
        self.retranslate()
        self.username_edit.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(t("gui.login.title"))
        self.site_label.setText(self.ctx.setting("site_name"))
        self.counter_label.setText(t("gui.login.counter", counter=self.ctx.setting("counter_code")))
        self.username_label.setText(t("gui.login.username"))
        self.password_label.setText(t("gui.login.password"))
        self.login_button.setText(t("gui.login.submit"))

    def try_login(self) -> Actor | None:
        username = self.username_edit.text().strip()
        if not username:
            self.message.show_error(t("gui.login.username_required"))
            self.username_edit.setFocus()
            return None
        staff = importlib.import_module(STAFF_SERVICE)
        try:
            with usecase(self.ctx):
                actor = staff.authenticate(self.ctx, username, self.password_edit.text())
        except AuthError as exc:
            self.message.show_error(exc.message())
            self.password_edit.clear()
            self.password_edit.setFocus()
            return None
        except LoketError as exc:
            error_dialog.report(exc, self)
            return None
        self.actor = actor
        self.accept()
        return actor

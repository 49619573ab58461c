"""First start without a store: site, counter, the services it serves, and the first admin."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import i18n
from counter_app.core.clock import Clock, SystemClock
from counter_app.core.errors import LoketError, NotFound, ValidationError
from counter_app.core.i18n import t
from counter_app.core.roles import Actor, Role
from counter_app.core.settings import SETTINGS
from counter_app.gui import error_dialog
from counter_app.gui.icon import app_icon
from counter_app.gui.widgets.field_message import field_form, mark_invalid
from counter_app.services import catalogue, catalogue_edit, site_settings, staff
from counter_app.services.context import Context
from counter_app.services.setup import initialise
from counter_app.services.usecase import usecase

FIELDS = ("site", "site_name", "counter", "services", "admin", "password", "password2")
FIELD_KEYS = {
    "site": "gui.setup.site",
    "site_name": "gui.setup.site_name",
    "counter": "gui.setup.counter",
    "services": "gui.setup.services",
    "admin": "gui.setup.admin",
    "password": "gui.setup.password",
    "password2": "gui.setup.password2",
}


class SetupDialog(QDialog):
    def __init__(self, data_dir: Path, clock: Clock | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = Path(data_dir)
        self.clock = clock or SystemClock()
        self.actor: Actor | None = None
        self.setWindowIcon(app_icon())
        default = catalogue.default_catalogue()
        self._counter_services = {c["code"]: set(c["services"]) for c in default.get("counters", [])}

        self.intro_label = QLabel()
        self.intro_label.setWordWrap(True)
        self.site_edit = QLineEdit(SETTINGS["site_code"].default)
        self.site_name_edit = QLineEdit(SETTINGS["site_name"].default)
        self.counter_edit = QLineEdit(SETTINGS["counter_code"].default)
        self.services_list = QListWidget()
        self.services_list.setMinimumHeight(230)
        lang = i18n.language()
        for s in default["services"]:
            item = QListWidgetItem(f"{s['letter']} · {s['name_en'] if lang == 'en' else s['name_id']}")
            item.setData(Qt.ItemDataRole.UserRole, s["code"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.services_list.addItem(item)
        self.admin_edit = QLineEdit("admin")
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.password2_edit = QLineEdit()
        self.password2_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.inputs: dict[str, QWidget] = {
            "site": self.site_edit,
            "site_name": self.site_name_edit,
            "counter": self.counter_edit,
            "services": self.services_list,
            "admin": self.admin_edit,
            "password": self.password_edit,
            "password2": self.password2_edit,
        }
        form, self.labels, self.messages = field_form(FIELDS, self.inputs)
        self.create_button = QPushButton()
        self.create_button.setProperty("primary", True)
        self.create_button.setDefault(True)
        self.create_button.clicked.connect(self.create)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro_label)
        layout.addLayout(form)
        layout.addWidget(self.create_button)
        self.counter_edit.textChanged.connect(self._preselect)
        self._preselect(self.counter_edit.text())
        self.setMinimumWidth(640)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(t("gui.setup.title"))
        self.intro_label.setText(t("gui.setup.intro", path=str(self.data_dir)))
        for key in FIELDS:
            self.labels[key].setText(t(FIELD_KEYS[key]))
        self.create_button.setText(t("gui.setup.create"))

    def _preselect(self, code: str) -> None:
        wanted = self._counter_services.get(code.strip().upper(), set())
        for i in range(self.services_list.count()):
            item = self.services_list.item(i)
            checked = item.data(Qt.ItemDataRole.UserRole) in wanted
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def chosen_services(self) -> list[str]:
        return [
            self.services_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(self.services_list.count())
            if self.services_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    def _error(self, key: str, text: str) -> None:
        self.messages[key].show_error(text)
        mark_invalid(self.inputs[key], True)
        self.inputs[key].setFocus()

    def create(self) -> bool:
        for key in FIELDS:
            self.messages[key].clear()
            mark_invalid(self.inputs[key], False)
        services = self.chosen_services()
        if not services:
            self._error("services", t("gui.setup.services_required"))
            return False
        if not self.admin_edit.text().strip():
            self._error("admin", t("cli.username_required"))
            return False
        if self.password_edit.text() != self.password2_edit.text():
            self._error("password2", t("gui.setup.password_mismatch"))
            return False
        fields = {
            "site": "site",
            "site_code": "site",
            "counter": "counter",
            "counter_code": "counter",
            "site_name": "site_name",
            "username": "admin",
            "password": "password",
            "admin": "admin",
        }
        try:
            with usecase(self.data_dir):
                initialise(
                    self.data_dir,
                    site=self.site_edit.text(),
                    counter=self.counter_edit.text(),
                    site_name=" ".join(self.site_name_edit.text().split()) or None,
                    admin=self.admin_edit.text(),
                    admin_password=self.password_edit.text(),
                    by="setup",
                    clock=self.clock,
                )
                ctx = Context(self.data_dir, Actor("setup", Role.STAFF), self.clock)
                actor = staff.authenticate(ctx, self.admin_edit.text(), self.password_edit.text())
                ctx = replace(ctx, actor=actor)
                # Again, as the new admin: a second try after a refused password must still
                # take the codes typed now (initialise keeps those of the first try).
                site_settings.set_settings(
                    ctx,
                    {
                        "site_code": self.site_edit.text(),
                        "counter_code": self.counter_edit.text(),
                        "site_name": self.site_name_edit.text(),
                    },
                )
                code = ctx.setting("counter_code")
                try:
                    name = catalogue.get_counter(code).name
                except NotFound:
                    name = f"Loket {code}"
                catalogue_edit.save_counter(ctx, code, name, services)
        except ValidationError as exc:
            key = fields.get(exc.field or "", "")
            if key:
                self._error(key, exc.message())
            else:
                error_dialog.report(exc, self)
            return False
        except LoketError as exc:
            error_dialog.report(exc, self)
            return False
        self.actor = actor
        self.accept()
        return True

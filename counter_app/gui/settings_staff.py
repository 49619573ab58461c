"""Settings page "Petugas": staff accounts, their roles, and who may log in."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.core.clock import from_db, local_time_text
from counter_app.core.errors import LoketError, ValidationError
from counter_app.core.i18n import ROLE_KEYS, t
from counter_app.core.roles import Role
from counter_app.gui import error_dialog
from counter_app.gui.error_dialog import guarded
from counter_app.gui.widgets import prompts
from counter_app.gui.widgets.field_message import FieldMessage, field_form, mark_invalid
from counter_app.gui.widgets.rows_model import RowsModel
from counter_app.services import accounts, staff
from counter_app.services.context import Context
from counter_app.services.usecase import usecase
from counter_app.services.views import StaffView

NEW_FIELDS = ("username", "full_name", "role", "password")
FIELD_KEYS = {
    "username": "gui.staff.username",
    "full_name": "gui.staff.full_name",
    "role": "gui.staff.role",
    "password": "gui.staff.password",
}


class StaffPage(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = RowsModel(
            [
                "gui.staff.col.username",
                "gui.staff.col.full_name",
                "gui.staff.col.role",
                "gui.staff.col.active",
                "gui.staff.col.locked",
            ],
            lambda s: [
                s.username,
                s.full_name,
                t(ROLE_KEYS[s.role]),
                t("gui.common.yes") if s.active else t("gui.common.no"),
                self._locked_text(s),
            ],
            lambda s: s.username,
            self,
        )
        self.model.muted = lambda s: not s.active
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected())

        self.role_combo = QComboBox()
        self.role_button = QPushButton()
        self.role_button.clicked.connect(self.change_role)
        self.active_button = QPushButton()
        self.active_button.clicked.connect(self.toggle_active)
        self.password_button = QPushButton()
        self.password_button.clicked.connect(self.reset_password)
        self.unlock_button = QPushButton()
        self.unlock_button.clicked.connect(self.unlock)
        self.result = FieldMessage(collapse=True)
        # two rows: the role and its button, then the account's other actions (one row
        # squeezed the role list to two letters)
        self.role_combo.setMinimumContentsLength(12)
        role_row = QHBoxLayout()
        role_row.addWidget(self.role_combo)
        role_row.addWidget(self.role_button)
        role_row.addStretch(1)
        account_row = QHBoxLayout()
        account_row.addWidget(self.active_button)
        account_row.addWidget(self.password_button)
        account_row.addWidget(self.unlock_button)
        account_row.addStretch(1)
        actions = QVBoxLayout()
        actions.addLayout(role_row)
        actions.addLayout(account_row)

        self.new_box = QGroupBox()
        self.username_edit = QLineEdit()
        self.full_name_edit = QLineEdit()
        self.new_role_combo = QComboBox()
        self.password_edit = QLineEdit()
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        for combo in (self.role_combo, self.new_role_combo):
            for role in Role:
                combo.addItem("", role.value)
        self.new_editors: dict[str, QWidget] = {
            "username": self.username_edit,
            "full_name": self.full_name_edit,
            "role": self.new_role_combo,
            "password": self.password_edit,
        }
        form, self.new_labels, self.new_messages = field_form(NEW_FIELDS, self.new_editors)
        self.add_button = QPushButton()
        self.add_button.setProperty("primary", True)
        self.add_button.clicked.connect(self.add_staff)
        new_layout = QVBoxLayout(self.new_box)
        new_layout.addLayout(form)
        new_layout.addWidget(self.add_button)

        top = QVBoxLayout()
        top.addWidget(self.view, 1)
        top.addLayout(actions)
        top.addWidget(self.result)
        layout = QHBoxLayout(self)
        layout.addLayout(top, 3)
        layout.addWidget(self.new_box, 2)
        self.reload()

    def retranslate(self) -> None:
        for combo in (self.role_combo, self.new_role_combo):
            for i in range(combo.count()):
                combo.setItemText(i, t(ROLE_KEYS[combo.itemData(i)]))
        self.role_button.setText(t("gui.staff.change_role"))
        self.password_button.setText(t("gui.staff.reset_password"))
        self.unlock_button.setText(t("gui.staff.unlock"))
        self.new_box.setTitle(t("gui.staff.new"))
        for key in NEW_FIELDS:
            self.new_labels[key].setText(t(FIELD_KEYS[key]))
        self.add_button.setText(t("gui.staff.add"))
        self.model.retranslate()
        self._selected()

    @guarded
    def reload(self, select: str | None = None) -> None:
        self.model.set_items(accounts.list_staff(self.ctx))
        self.view.resizeColumnsToContents()
        self.view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        row = self.model.row_of(select) if select else -1
        if row >= 0:
            self.view.selectRow(row)
        self._selected()

    def selected(self) -> StaffView | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.items[rows[0].row()] if rows else None

    def _selected(self) -> None:
        member = self.selected()
        for widget in (self.role_combo, self.role_button, self.active_button, self.password_button):
            widget.setEnabled(member is not None)
        if member is not None:
            self.role_combo.setCurrentIndex(max(0, self.role_combo.findData(member.role)))
        locked = member is not None and self.locked_until(member) is not None
        self.unlock_button.setEnabled(locked)
        self.unlock_button.setToolTip("" if locked else t("gui.staff.unlock_not_locked"))
        active = member is None or member.active
        self.active_button.setText(t("gui.staff.deactivate" if active else "gui.staff.activate"))

    @guarded
    def change_role(self) -> None:
        member = self.selected()
        if member is None:
            return
        accounts.set_role(self.ctx, member.username, self.role_combo.currentData())
        self.reload(select=member.username)
        self.result.show_ok(t("gui.staff.saved", username=member.username))

    @guarded
    def toggle_active(self) -> None:
        member = self.selected()
        if member is None:
            return
        if member.username == self.ctx.actor.username and member.active:
            self.result.show_error(t("gui.staff.self_deactivate"))
            return
        staff.set_active(self.ctx, member.username, not member.active)
        self.reload(select=member.username)
        self.result.show_ok(t("gui.staff.saved", username=member.username))

    def locked_until(self, member: StaffView):
        """When the member's lock-out after failed log-ins ends, if it has not yet."""
        until = from_db(member.locked_until) if member.locked_until else None
        return until if until is not None and until > self.ctx.clock.now() else None

    def _locked_text(self, member: StaffView) -> str:
        until = self.locked_until(member)
        if until is None:
            return ""
        return t("gui.staff.locked_until", time=local_time_text(until, self.ctx.tz, "%H:%M"))

    @guarded
    def unlock(self) -> None:
        """Lift a lock-out now (audited), e.g. for an officer who mistyped at the start of a shift."""
        member = self.selected()
        if member is None:
            return
        staff.unlock(self.ctx, member.username)
        self.reload(select=member.username)
        self.result.show_ok(t("gui.staff.unlocked", username=member.username))

    @guarded
    def reset_password(self) -> None:
        member = self.selected()
        if member is None:
            return
        password = prompts.ask_text(
            self,
            t("gui.staff.reset_password"),
            t("gui.staff.new_password", username=member.username),
            password=True,
        )
        if password is None:
            return
        accounts.set_password(self.ctx, member.username, password)
        self.result.show_ok(t("gui.staff.password_set", username=member.username))

    def add_staff(self) -> bool:
        for key in NEW_FIELDS:
            self.new_messages[key].clear()
            mark_invalid(self.new_editors[key], False)
        try:
            with usecase(self.ctx):
                member = staff.create_staff(
                    self.ctx,
                    self.username_edit.text(),
                    self.password_edit.text(),
                    self.new_role_combo.currentData(),
                    self.full_name_edit.text(),
                )
        except ValidationError as exc:
            key = exc.field if exc.field in self.new_editors else None
            if key:
                self.new_messages[key].show_error(exc.message())
                mark_invalid(self.new_editors[key], True)
                self.new_editors[key].setFocus()
            else:
                error_dialog.report(exc, self)
            return False
        except LoketError as exc:
            error_dialog.report(exc, self)
            return False
        for edit in (self.username_edit, self.full_name_edit, self.password_edit):
            edit.clear()
        self.reload(select=member.username)
        self.result.show_ok(t("gui.staff.added", username=member.username))
        return True

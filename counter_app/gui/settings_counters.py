"""Settings page "Loket": the counters of this site and the services each one serves."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import i18n
from counter_app.core.i18n import t
from counter_app.gui.error_dialog import guarded
from counter_app.gui.widgets import prompts
from counter_app.gui.widgets.field_message import FieldMessage
from counter_app.services import catalogue_edit
from counter_app.services.context import Context

CODE_ROLE = Qt.ItemDataRole.UserRole


class CountersPage(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.counter_list = QListWidget()
        self.counter_list.currentItemChanged.connect(self._show_counter)
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self.add_counter)
        self.name_label = QLabel()
        self.name_edit = QLineEdit()
        self.services_label = QLabel()
        self.services_list = QListWidget()
        self.save_button = QPushButton()
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save_counter)
        self.message = FieldMessage()
        self.this_label = QLabel()
        self.this_label.setProperty("role", "muted")

        left = QVBoxLayout()
        left.addWidget(self.counter_list, 1)
        left.addWidget(self.add_button)
        form = QFormLayout()
        form.addRow(self.name_label, self.name_edit)
        right = QVBoxLayout()
        right.addWidget(self.this_label)
        right.addLayout(form)
        right.addWidget(self.services_label)
        right.addWidget(self.services_list, 1)
        right.addWidget(self.message)
        right.addWidget(self.save_button)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 1)
        layout.addLayout(right, 2)
        self.reload()

    def retranslate(self) -> None:
        self.add_button.setText(t("gui.counters.add"))
        self.name_label.setText(t("gui.counters.name"))
        self.services_label.setText(t("gui.counters.services"))
        self.save_button.setText(t("gui.counters.save"))
        self.this_label.setText(t("gui.counters.this_pc", code=self.ctx.setting("counter_code")))
        self._fill_services()
        self._show_counter()

    def reload(self, select: str | None = None) -> None:
        select = select or self.current_code() or self.ctx.setting("counter_code")
        self.counter_list.blockSignals(True)
        self.counter_list.clear()
        for counter in catalogue_edit.counters():
            item = QListWidgetItem(f"{counter.code} — {counter.name}")
            item.setData(CODE_ROLE, counter.code)
            self.counter_list.addItem(item)
            if counter.code == select:
                self.counter_list.setCurrentItem(item)
        self.counter_list.blockSignals(False)
        self._fill_services()
        self._show_counter()

    def _fill_services(self) -> None:
        lang = i18n.language()
        self.services_list.clear()
        for service in catalogue_edit.all_services():
            label = f"{service.letter} · {service.name(lang)}"
            if not service.active:
                label += f"  ({t('gui.catalogue.inactive')})"
            item = QListWidgetItem(label)
            item.setData(CODE_ROLE, service.code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.services_list.addItem(item)

    def current_code(self) -> str | None:
        item = self.counter_list.currentItem()
        return item.data(CODE_ROLE) if item else None

    def _show_counter(self, *_: object) -> None:
        code = self.current_code()
        self.message.clear()
        served = set(catalogue_edit.services_served(code)) if code else set()
        counters = {c.code: c for c in catalogue_edit.counters()}
        self.name_edit.setText(counters[code].name if code in counters else "")
        for i in range(self.services_list.count()):
            item = self.services_list.item(i)
            on = item.data(CODE_ROLE) in served
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)
        self.save_button.setEnabled(code is not None)

    def checked_services(self) -> list[str]:
        return [
            self.services_list.item(i).data(CODE_ROLE)
            for i in range(self.services_list.count())
            if self.services_list.item(i).checkState() == Qt.CheckState.Checked
        ]

    @guarded
    def add_counter(self) -> None:
        code = prompts.ask_text(self, t("gui.counters.add"), t("gui.counters.add_prompt"))
        if not code:
            return
        counter = catalogue_edit.save_counter(self.ctx, code, "", [])
        self.reload(select=counter.code)

    @guarded
    def save_counter(self) -> None:
        code = self.current_code()
        if code is None:
            return
        catalogue_edit.save_counter(self.ctx, code, self.name_edit.text(), self.checked_services())
        self.reload(select=code)
        self.message.show_ok(t("gui.counters.saved", code=code))

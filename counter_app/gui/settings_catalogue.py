"""Settings page "Katalog layanan": add, change and deactivate services (standar pelayanan)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import i18n
from counter_app.core.errors import LoketError, ValidationError
from counter_app.core.formats import fee_text
from counter_app.core.i18n import t
from counter_app.gui import error_dialog
from counter_app.gui.error_dialog import guarded
from counter_app.gui.widgets.field_message import FieldMessage, field_form, mark_invalid
from counter_app.gui.widgets.rows_model import KEY_ROLE, RowsModel
from counter_app.services import catalogue_edit
from counter_app.services.catalogue_edit import ServiceDraft
from counter_app.services.context import Context
from counter_app.services.usecase import usecase
from counter_app.services.views import ServiceView

FORM_FIELDS = (
    "code",
    "letter",
    "agency",
    "name_id",
    "name_en",
    "requirements",
    "fee",
    "target_minutes",
    "completion_id",
    "completion_en",
    "active",
)
FIELD_KEYS = {
    "code": "gui.catalogue.code",
    "letter": "gui.catalogue.letter",
    "agency": "gui.catalogue.agency",
    "name_id": "gui.catalogue.name_id",
    "name_en": "gui.catalogue.name_en",
    "requirements": "gui.catalogue.requirements",
    "fee": "gui.catalogue.fee",
    "target_minutes": "gui.catalogue.target_minutes",
    "completion_id": "gui.catalogue.completion_id",
    "completion_en": "gui.catalogue.completion_en",
    "active": "gui.catalogue.active",
}


class CataloguePage(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = RowsModel(
            [
                "gui.catalogue.col.code",
                "gui.catalogue.col.name",
                "gui.catalogue.col.fee",
                "gui.catalogue.col.active",
            ],
            self._cells,
            lambda s: s.code,
            self,
        )
        self.model.muted = lambda s: not s.active
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().setVisible(False)
        self.view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.view.selectionModel().selectionChanged.connect(self._selected)
        self.view.setMinimumWidth(430)

        self.code_edit = QLineEdit()
        self.letter_edit = QLineEdit()
        self.letter_edit.setMaxLength(1)
        self.agency_combo = QComboBox()
        self.agency_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.agency_combo.setMinimumContentsLength(18)
        self.name_id_edit = QLineEdit()
        self.name_en_edit = QLineEdit()
        self.requirements_edit = QPlainTextEdit()
        self.requirements_edit.setMinimumHeight(72)
        self.fee_spin = QSpinBox()
        self.fee_spin.setRange(0, 100_000_000)
        self.fee_spin.setSingleStep(5000)
        self.fee_spin.setGroupSeparatorShown(True)
        self.fee_spin.setMaximumWidth(180)
        self.target_spin = QSpinBox()
        self.target_spin.setRange(1, 600)
        self.target_spin.setMaximumWidth(180)
        self.completion_id_edit = QLineEdit()
        self.completion_en_edit = QLineEdit()
        self.active_check = QCheckBox()
        self.editors: dict[str, QWidget] = {
            "code": self.code_edit,
            "letter": self.letter_edit,
            "agency": self.agency_combo,
            "name_id": self.name_id_edit,
            "name_en": self.name_en_edit,
            "requirements": self.requirements_edit,
            "fee": self.fee_spin,
            "target_minutes": self.target_spin,
            "completion_id": self.completion_id_edit,
            "completion_en": self.completion_en_edit,
            "active": self.active_check,
        }
        form, self.labels, self.messages = field_form(FORM_FIELDS, self.editors)
        self.new_button = QPushButton()
        self.new_button.clicked.connect(self.new_service)
        self.save_button = QPushButton()
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save_service)
        self.toggle_button = QPushButton()
        self.toggle_button.clicked.connect(self.toggle_active)
        self.result_label = FieldMessage(collapse=True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.toggle_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)

        form_box = QWidget()
        right = QVBoxLayout(form_box)
        right.setContentsMargins(6, 0, 0, 0)
        right.addLayout(form)
        right.addWidget(self.result_label)
        right.addLayout(buttons)
        right.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.view)
        splitter.addWidget(form_box)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([520, 480])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.reload()

    def _cells(self, s: ServiceView) -> list[str]:
        return [
            s.code,
            f"{s.letter} · {s.name(i18n.language())}",
            fee_text(s.fee),
            t("gui.common.yes") if s.active else t("gui.common.no"),
        ]

    def retranslate(self) -> None:
        for key in FORM_FIELDS:
            self.labels[key].setText(t(FIELD_KEYS[key]))
        self.requirements_edit.setPlaceholderText(t("gui.catalogue.requirements_hint"))
        self.active_check.setText(t("gui.catalogue.active_box"))
        self.new_button.setText(t("gui.catalogue.new"))
        self._toggle_text()
        self.save_button.setText(t("gui.catalogue.save"))
        self.fee_spin.setPrefix("Rp ")
        self.target_spin.setSuffix(" " + t("gui.catalogue.minutes"))
        self.model.retranslate()

    def reload(self, select: str | None = None) -> None:
        self.agency_combo.clear()
        for agency in catalogue_edit.agencies():
            self.agency_combo.addItem(agency.name, agency.code)
        self.model.set_items(catalogue_edit.all_services())
        self.view.resizeColumnsToContents()
        self.view.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        row = self.model.row_of(select) if select else 0
        if self.model.rowCount():
            self.view.selectRow(max(0, row))

    def _selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if not indexes:
            return
        code = self.model.data(indexes[0], KEY_ROLE)
        service = next((s for s in self.model.items if s.code == code), None)
        if service is not None:
            self.show_service(service)

    def show_service(self, s: ServiceView) -> None:
        self._clear_messages()
        self.code_edit.setText(s.code)
        self.code_edit.setReadOnly(True)
        self.letter_edit.setText(s.letter)
        self.agency_combo.setCurrentIndex(max(0, self.agency_combo.findData(s.agency_id)))
        self.name_id_edit.setText(s.name_id)
        self.name_en_edit.setText(s.name_en)
        self.requirements_edit.setPlainText(
            "\n".join(
                r.get("id", "") + (f" | {r['en']}" if r.get("en") and r.get("en") != r.get("id") else "")
                for r in s.requirements or []
            )
        )
        self.fee_spin.setValue(s.fee)
        self.target_spin.setValue(s.target_minutes)
        self.completion_id_edit.setText(s.completion_id)
        self.completion_en_edit.setText(s.completion_en)
        self.active_check.setChecked(bool(s.active))
        self._toggle_text()

    def selected(self) -> ServiceView | None:
        rows = self.view.selectionModel().selectedRows()
        return self.model.items[rows[0].row()] if rows else None

    def _toggle_text(self) -> None:
        service = self.selected()
        self.toggle_button.setEnabled(service is not None)
        active = service is None or bool(service.active)
        self.toggle_button.setText(t("gui.catalogue.deactivate" if active else "gui.catalogue.activate"))

    @guarded
    def toggle_active(self) -> None:
        service = self.selected()
        if service is None:
            return
        catalogue_edit.set_service_active(self.ctx, service.code, not service.active)
        self.reload(select=service.code)
        self.result_label.show_ok(t("gui.catalogue.saved", code=service.code))

    def new_service(self) -> None:
        self.view.clearSelection()
        self._clear_messages()
        for edit in (
            self.code_edit,
            self.letter_edit,
            self.name_id_edit,
            self.name_en_edit,
            self.completion_id_edit,
            self.completion_en_edit,
        ):
            edit.clear()
        self.code_edit.setReadOnly(False)
        self.requirements_edit.clear()
        self.fee_spin.setValue(0)
        self.target_spin.setValue(10)
        self.active_check.setChecked(True)
        self._toggle_text()
        self.code_edit.setFocus()

    def _clear_messages(self) -> None:
        self.result_label.clear()
        for key in FORM_FIELDS:
            self.messages[key].clear()
            mark_invalid(self.editors[key], False)

    def draft(self) -> ServiceDraft:
        return ServiceDraft(
            code=self.code_edit.text(),
            letter=self.letter_edit.text(),
            agency=self.agency_combo.currentData() or "",
            name_id=self.name_id_edit.text(),
            name_en=self.name_en_edit.text(),
            requirements=self.requirements_edit.toPlainText().splitlines(),
            fee=self.fee_spin.value(),
            target_minutes=self.target_spin.value(),
            completion_id=self.completion_id_edit.text(),
            completion_en=self.completion_en_edit.text(),
            active=self.active_check.isChecked(),
        )

    def save_service(self) -> bool:
        self._clear_messages()
        try:
            with usecase(self.ctx):
                service = catalogue_edit.save_service(self.ctx, self.draft())
        except ValidationError as exc:
            key = exc.field if exc.field in self.editors else None
            if key:
                self.messages[key].show_error(exc.message())
                mark_invalid(self.editors[key], True)
                self.editors[key].setFocus()
            else:
                error_dialog.report(exc, self)
            return False
        except LoketError as exc:
            error_dialog.report(exc, self)
            return False
        self.reload(select=service.code)
        self.result_label.show_ok(t("gui.catalogue.saved", code=service.code))
        return True

"""The complaints window (Pengaduan): the list with overdue ones flagged, recording and follow-up.

A banner on top counts the complaints past their deadline (by the clock, whenever they came
in). Overdue rows are tinted red *and* carry the word TERLAMBAT, so they read without colour.
Staff record complaints; only supervisors (Permission.COMPLAINT_RESPOND) see the follow-up
button enabled, and the service refuses anyone else anyway. The list refreshes every minute,
so a complaint turns overdue on screen when its deadline passes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QFont, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import deadlines as deadline_rules, i18n
from counter_app.core.clock import local_time_text
from counter_app.core.errors import LoketError, NotAllowed, ValidationError
from counter_app.core.i18n import t
from counter_app.core.roles import Permission
from counter_app.gui import error_dialog, theme
from counter_app.gui.error_dialog import guarded
from counter_app.gui.screen_fit import fit_to_screen
from counter_app.gui.widgets.field_message import FieldMessage, mark_invalid
from counter_app.services import complaints
from counter_app.services.complaints import ComplaintView
from counter_app.services.context import Context

Index = QModelIndex | QPersistentModelIndex
REFRESH_MS = 60_000
COLUMNS = ("flag", "number", "received", "channel", "category", "class", "status", "deadline", "text")
FILTERS = ("open", "overdue", "done", "all")
COLUMN_KEYS = {
    "flag": "gui.complaints.col.flag",
    "number": "gui.complaints.col.number",
    "received": "gui.complaints.col.received",
    "channel": "gui.complaints.col.channel",
    "category": "gui.complaints.col.category",
    "class": "gui.complaints.col.class",
    "status": "gui.complaints.col.status",
    "deadline": "gui.complaints.col.deadline",
    "text": "gui.complaints.col.text",
}
FILTER_KEYS = {
    "open": "gui.complaints.filter_open",
    "overdue": "gui.complaints.filter_overdue",
    "done": "gui.complaints.filter_done",
    "all": "gui.complaints.filter_all",
}
OVERDUE_BG = "#fde8e7"
OVERDUE_FG = "#a12c24"
LATE_FG = "#8a5300"
TEXT_SHOWN = 90
# a dialog runs modally; tests replace this so nothing blocks
RunDialog = Callable[[QDialog], int]


def open_complaints(parent: QWidget | None, ctx: Context) -> ComplaintsWindow | None:
    """For the main window's menu: the complaints window (non-modal), or why not."""
    if not ctx.actor.can(Permission.COMPLAINT):
        error_dialog.report(
            NotAllowed("role.denied", role=ctx.actor.role.value, action=Permission.COMPLAINT.value),
            parent,
        )
        return None
    window = ComplaintsWindow(ctx, parent)
    window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    window.show()
    return window


def _when(value: Any, tz: str) -> str:
    return local_time_text(value, tz, "%d-%m-%Y %H:%M")


class ComplaintsModel(QAbstractTableModel):
    def __init__(self, tz: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.tz = tz
        self.items: list[ComplaintView] = []

    def set_items(self, items: Sequence[ComplaintView]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return t(COLUMN_KEYS[COLUMNS[section]])
        return None

    def text(self, row: int, column: str) -> str:
        c = self.items[row]
        if column == "flag":
            if c.overdue:
                return t("gui.complaints.badge_overdue")
            return t("gui.complaints.badge_late") if c.late else ""
        if column == "number":
            return c.number
        if column == "received":
            return _when(c.received_at, self.tz)
        if column == "channel":
            return t(i18n.COMPLAINT_CHANNEL_KEYS[c.channel])
        if column == "category":
            return t(i18n.COMPLAINT_CATEGORY_KEYS[c.category])
        if column == "class":
            return t(i18n.COMPLAINT_CLASS_KEYS[c.classification])
        if column == "status":
            return t(i18n.COMPLAINT_STATUS_KEYS[c.status])
        if column == "deadline":
            return _when(c.deadline_at, self.tz)
        line = " ".join(c.text.split())
        return line if len(line) <= TEXT_SHOWN else line[: TEXT_SHOWN - 1] + "…"

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        c = self.items[index.row()]
        column = COLUMNS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(index.row(), column)
        if role == Qt.ItemDataRole.ToolTipRole and column == "text":
            return c.text
        if role == Qt.ItemDataRole.BackgroundRole and c.overdue:
            return QColor(OVERDUE_BG)
        if role == Qt.ItemDataRole.ForegroundRole:
            if c.overdue:
                return QColor(OVERDUE_FG)
            if c.late and column == "flag":
                return QColor(LATE_FG)
            if not c.open:
                return QColor("#7b8794")
        if role == Qt.ItemDataRole.FontRole and c.overdue and column in ("flag", "deadline"):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def retranslate(self) -> None:
        self.beginResetModel()
        self.endResetModel()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)


class ComplaintsWindow(QWidget):
    """Banner, filter, the list, the chosen complaint in full, and the two actions."""

    changed = Signal()  # a complaint was added or answered

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        ctx.actor.require(Permission.COMPLAINT)
        super().__init__(parent, Qt.WindowType.Window)
        self.setObjectName("complaints")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet(f"QWidget#complaints {{ background: {theme.PAPER}; }}")
        self.ctx = ctx
        self.run_dialog: RunDialog = lambda dialog: dialog.exec()
        self.overdue = 0

        self.banner = QLabel(self)
        self.banner.setProperty("role", "banner")
        self.banner.setWordWrap(True)
        self.filter_label = QLabel(self)
        self.filter_combo = QComboBox(self)
        for key in FILTERS:
            self.filter_combo.addItem("", key)
        self.filter_combo.currentIndexChanged.connect(self.refresh)
        self.count_label = QLabel(self)
        self.count_label.setProperty("role", "muted")
        self.add_button = QPushButton(self)
        self.add_button.setProperty("primary", True)
        self.add_button.clicked.connect(self.add_complaint)
        self.respond_button = QPushButton(self)
        self.respond_button.clicked.connect(self.respond)
        self.refresh_button = QPushButton(self)
        self.refresh_button.clicked.connect(self.refresh)
        # why the follow-up button is grey, in words (a tooltip alone is found by nobody)
        self.respond_reason = QLabel(self)
        self.respond_reason.setProperty("role", "muted")
        self.respond_reason.setWordWrap(True)
        self.respond_reason.setVisible(not ctx.actor.can(Permission.COMPLAINT_RESPOND))
        self.close_button = QPushButton(self)
        self.close_button.clicked.connect(self.close)
        bar = QHBoxLayout()
        bar.addWidget(self.filter_label)
        bar.addWidget(self.filter_combo)
        bar.addWidget(self.count_label)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.respond_button)
        bar.addWidget(self.add_button)

        self.model = ComplaintsModel(ctx.tz, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COLUMNS.index("text"), QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        self.table.selectionModel().selectionChanged.connect(self._selected)
        self.table.doubleClicked.connect(lambda _index: self.respond())
        self.detail = QLabel(self)
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail.setMargin(8)
        self.detail.setStyleSheet(f"background: white; border: 1px solid {theme.LINE}; border-radius: 6px;")
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)

        bottom = QHBoxLayout()
        bottom.addWidget(self.respond_reason, 1)
        bottom.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addLayout(bottom)
        fit_to_screen(self, 1280, 680)  # a 1366×768 laptop with a taskbar: the whole window shows

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.retranslate()
        self.refresh()

    # ---- words ----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setWindowTitle(t("gui.complaints.title"))
        self.filter_label.setText(t("gui.complaints.filter"))
        for i, key in enumerate(FILTERS):
            self.filter_combo.setItemText(i, t(FILTER_KEYS[key]))
        self.add_button.setText(t("gui.complaints.add"))
        self.respond_button.setText(t("gui.complaints.respond"))
        self.refresh_button.setText(t("gui.complaints.refresh"))
        self.close_button.setText(t("gui.complaints.close"))
        if not self.ctx.actor.can(Permission.COMPLAINT_RESPOND):
            self.respond_button.setToolTip(t("gui.complaints.respond_only_supervisor"))
            self.respond_reason.setText(t("gui.complaints.respond_only_supervisor"))
        self.model.retranslate()
        self._show_banner()
        self._show_detail()

    # ---- reading --------------------------------------------------------------------------

    @guarded
    def refresh(self, *args: object) -> None:
        keep = self.current()
        choice = self.filter_combo.currentData() or "open"
        kwargs: dict[str, Any] = {
            "open": {"open_only": True},
            "overdue": {"overdue_only": True},
            "done": {"status": complaints.DONE},
            "all": {},
        }[choice]
        self.model.set_items(complaints.list_complaints(self.ctx, **kwargs))
        self.overdue = complaints.overdue_count(self.ctx)
        self.count_label.setText(t("gui.complaints.count", shown=self.model.rowCount()))
        self._show_banner()
        if keep is not None:
            self.select(keep.id)
        self._selected()

    def _show_banner(self) -> None:
        count = self.overdue
        if count:
            self.banner.setText(t("gui.complaints.banner_overdue", count=count))
            self.banner.setStyleSheet(f"background: {theme.ERROR}; color: white;")
        else:
            self.banner.setText(t("gui.complaints.banner_ok"))
            self.banner.setStyleSheet("")

    def current(self) -> ComplaintView | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.items[rows[0].row()]

    def select(self, complaint_id: str) -> bool:
        for i, item in enumerate(self.model.items):
            if item.id == complaint_id:
                self.table.selectRow(i)
                return True
        return False

    def _selected(self, *args: object) -> None:
        c = self.current()
        self.respond_button.setEnabled(
            c is not None and c.open and self.ctx.actor.can(Permission.COMPLAINT_RESPOND)
        )
        self._show_detail()

    def _show_detail(self) -> None:
        c = self.current()
        if c is None:
            self.detail.setText(t("gui.complaints.detail_empty"))
            return
        tz = self.ctx.tz
        lines = [
            t(
                "gui.complaints.detail_head",
                number=c.number,
                received=_when(c.received_at, tz),
                by=c.received_by,
                deadline=_when(c.deadline_at, tz),
            ),
            " · ".join(
                [
                    t(i18n.COMPLAINT_CHANNEL_KEYS[c.channel]),
                    t(i18n.COMPLAINT_CATEGORY_KEYS[c.category]),
                    t(i18n.COMPLAINT_CLASS_KEYS[c.classification]),
                    t(i18n.COMPLAINT_STATUS_KEYS[c.status]),
                ]
                + ([t("gui.complaints.badge_overdue")] if c.overdue else [])
            ),
        ]
        if c.ticket_code:
            lines.append(t("gui.complaints.detail_ticket", code=c.ticket_code))
        if c.contact_masked:
            lines.append(t("gui.complaints.detail_contact", contact=c.contact_masked))
        lines += ["", c.text, "", t("gui.complaints.actions")]
        if not c.actions:
            lines.append(t("gui.complaints.no_actions"))
        for a in c.actions:
            lines.append(
                t(
                    "gui.complaints.action_line",
                    at=_when(a.at, tz),
                    actor=a.actor,
                    action=a.action,
                    before=t(i18n.COMPLAINT_STATUS_KEYS[a.status_before]),
                    after=t(i18n.COMPLAINT_STATUS_KEYS[a.status_after]),
                )
            )
        self.detail.setText("\n".join(lines))

    # ---- actions --------------------------------------------------------------------------

    def add_complaint(self) -> None:
        dialog = AddComplaintDialog(self.ctx, self)
        if self.run_dialog(dialog) == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self.filter_combo.setCurrentIndex(FILTERS.index("open"))
            self.refresh()
            self.select(dialog.saved.id)
            self.changed.emit()

    def respond(self) -> None:
        c = self.current()
        if c is None or not c.open:
            return
        if not self.ctx.actor.can(Permission.COMPLAINT_RESPOND):
            error_dialog.report(
                NotAllowed(
                    "role.denied", role=self.ctx.actor.role.value, action=Permission.COMPLAINT_RESPOND.value
                ),
                self,
            )
            return
        dialog = RespondDialog(self.ctx, c, self)
        if self.run_dialog(dialog) == QDialog.DialogCode.Accepted and dialog.saved is not None:
            self.refresh()
            self.select(c.id)
            self.changed.emit()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:  # as in every dialog: Esc closes
            self.close()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        self.timer.stop()
        super().closeEvent(event)


def _fill(combo: QComboBox, values: Sequence[str], keys: Mapping[str, str]) -> None:
    for value in values:
        combo.addItem(t(keys[value]), value)


class AddComplaintDialog(QDialog):
    """Channel, category, class (with the deadline it sets), the text, an optional ticket, and a
    contact that can only be typed once the complainant has agreed."""

    FIELDS = ("channel", "category", "classification", "text", "ticket", "contact")

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.saved: Any = None
        self.setWindowTitle(t("gui.complaints.add_title"))
        self.channel_combo = QComboBox(self)
        _fill(self.channel_combo, complaints.CHANNELS, i18n.COMPLAINT_CHANNEL_KEYS)
        self.category_combo = QComboBox(self)
        _fill(self.category_combo, complaints.CATEGORIES, i18n.COMPLAINT_CATEGORY_KEYS)
        self.class_combo = QComboBox(self)
        _fill(self.class_combo, complaints.CLASSES, i18n.COMPLAINT_CLASS_KEYS)
        self.class_combo.currentIndexChanged.connect(self._show_deadline)
        self.deadline_label = QLabel(self)
        self.deadline_label.setProperty("role", "muted")
        self.text_edit = QPlainTextEdit(self)
        self.text_edit.setMinimumHeight(110)
        self.ticket_edit = QLineEdit(self)
        self.consent_check = QCheckBox(t("gui.complaints.consent"), self)
        self.consent_check.toggled.connect(self._consent_changed)
        self.contact_edit = QLineEdit(self)
        self.messages = {name: FieldMessage(self, collapse=True) for name in self.FIELDS}
        self.save_button = QPushButton(t("gui.complaints.save"), self)
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton(t("gui.complaints.cancel"), self)
        self.cancel_button.clicked.connect(self.reject)

        form = QFormLayout()
        for label, widget, name in (
            ("gui.complaints.channel", self.channel_combo, "channel"),
            ("gui.complaints.category", self.category_combo, "category"),
            ("gui.complaints.class", self.class_combo, "classification"),
        ):
            form.addRow(t(label), widget)
            form.addRow("", self.messages[name])
        form.addRow("", self.deadline_label)
        form.addRow(t("gui.complaints.text"), self.text_edit)
        form.addRow("", self.messages["text"])
        form.addRow(t("gui.complaints.ticket"), self.ticket_edit)
        form.addRow("", self.messages["ticket"])
        form.addRow("", self.consent_check)
        form.addRow(t("gui.complaints.contact"), self.contact_edit)
        form.addRow("", self.messages["contact"])
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.resize(560, self.sizeHint().height())
        self._consent_changed(False)
        self._show_deadline()

    def _consent_changed(self, on: bool) -> None:
        self.contact_edit.setEnabled(on)
        if not on:
            self.contact_edit.clear()

    def _show_deadline(self, *args: object) -> None:
        klass = self.class_combo.currentData()
        try:
            rules = complaints.deadline_rules_of(self.ctx)
            due = deadline_rules.deadline(self.ctx.clock.now(), klass, rules, self.ctx.tz)
        except LoketError as exc:
            self.deadline_label.setText(exc.message())
            return
        rule = rules.rule(klass)
        if rule.hours is not None:
            text = t("complaint.rule.hours", n=rule.hours)
        else:
            text = t("complaint.rule.working_days", n=rule.working_days)
        self.deadline_label.setText(t("gui.complaints.deadline_hint", rule=text, due=_when(due, self.ctx.tz)))

    def _clear(self) -> None:
        for message in self.messages.values():
            message.clear()
        for widget in (self.text_edit, self.ticket_edit, self.contact_edit):
            mark_invalid(widget, False)

    def save(self) -> Any:
        """Record it; a problem is shown beside its field and the dialog stays open."""
        self._clear()
        try:
            self.saved = complaints.add(
                self.ctx,
                channel=self.channel_combo.currentData(),
                category=self.category_combo.currentData(),
                classification=self.class_combo.currentData(),
                text=self.text_edit.toPlainText(),
                ticket=self.ticket_edit.text() or None,
                contact=self.contact_edit.text() or None,
                contact_consent=self.consent_check.isChecked(),
            )
        except LoketError as exc:
            field = getattr(exc, "field", None)
            if exc.key.startswith("ticket."):
                field = "ticket"
            if field in self.messages:
                self.messages[field].show_error(exc.message())
                widget = {
                    "text": self.text_edit,
                    "ticket": self.ticket_edit,
                    "contact": self.contact_edit,
                }.get(field)
                if widget is not None:
                    mark_invalid(widget, True)
                    widget.setFocus()
            else:
                error_dialog.report(exc, self)
            return None
        self.accept()
        return self.saved


class RespondDialog(QDialog):
    """A follow-up action and the status it leaves the complaint in."""

    def __init__(self, ctx: Context, complaint: ComplaintView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.complaint = complaint
        self.saved: Any = None
        self.setWindowTitle(t("gui.complaints.respond_title", number=complaint.number))
        summary = QLabel(complaint.text, self)
        summary.setWordWrap(True)
        summary.setTextFormat(Qt.TextFormat.PlainText)
        summary.setProperty("role", "muted")
        self.action_edit = QPlainTextEdit(self)
        self.action_edit.setMinimumHeight(100)
        self.status_combo = QComboBox(self)
        for status in complaints.NEXT[complaint.status]:
            self.status_combo.addItem(t(i18n.COMPLAINT_STATUS_KEYS[status]), status)
        default = complaints.IN_PROGRESS if complaint.status == complaints.NEW else complaint.status
        self.status_combo.setCurrentIndex(max(0, self.status_combo.findData(default)))
        self.message = FieldMessage(self, collapse=True)
        self.save_button = QPushButton(t("gui.complaints.save"), self)
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.save)
        self.cancel_button = QPushButton(t("gui.complaints.cancel"), self)
        self.cancel_button.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow(t("gui.complaints.action"), self.action_edit)
        form.addRow("", self.message)
        form.addRow(t("gui.complaints.new_status"), self.status_combo)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(summary)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.resize(520, self.sizeHint().height())

    def save(self) -> Any:
        self.message.clear()
        mark_invalid(self.action_edit, False)
        try:
            self.saved = complaints.respond(
                self.ctx, self.complaint.id, self.action_edit.toPlainText(), self.status_combo.currentData()
            )
        except ValidationError as exc:
            self.message.show_error(exc.message())
            mark_invalid(self.action_edit, True)
            return None
        except LoketError as exc:
            error_dialog.report(exc, self)
            return None
        self.accept()
        return self.saved

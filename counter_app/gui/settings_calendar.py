"""Settings page "Kalender & batas waktu" (admins): complaint deadlines per class and the
SP4N-LAPOR! milestones, whether *cuti bersama* counts as closed, and the closed days the site
adds or removes (a revised SKB can cancel a day). Everything goes through
services/site_calendar.py, the functions `complaint deadlines` and `closed-days` call: they
check the permission, refuse a bad value whole, store and audit."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from counter_app.core.clock import local_day
from counter_app.core.deadlines import ComplaintClass, Milestone, Rules
from counter_app.core.errors import LoketError, ValidationError
from counter_app.core.i18n import t
from counter_app.gui import error_dialog
from counter_app.gui.widgets.field_message import FieldMessage, mark_invalid
from counter_app.services import site_calendar
from counter_app.services.context import Context
from counter_app.services.usecase import usecase

CLASSES = tuple(c.value for c in ComplaintClass)
MILESTONES = tuple(m.value for m in Milestone)
RULE_KEYS = {
    "ringan": "complaint.class.ringan",
    "normatif": "complaint.class.normatif",
    "tidak_berkadar_pengawasan": "complaint.class.tidak_berkadar_pengawasan",
    "berkadar_pengawasan": "complaint.class.berkadar_pengawasan",
    "verification": "complaint.milestone.verification",
    "first_response": "complaint.milestone.first_response",
}
UNIT_KEYS = {"working_days": "gui.calendar.unit.working_days", "hours": "gui.calendar.unit.hours"}
UNITS = tuple(UNIT_KEYS)
SOURCE_KEYS = {"national": "calendar.source.national", "site": "calendar.source.site"}


class CalendarPage(QWidget):
    """One row per deadline (a number and its unit, with its message line), the *cuti bersama*
    switch and *Terapkan*; below, a year's closed days with a date to add or remove."""

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rules: Rules = Rules()

        # ---- deadlines ----
        self.deadline_box = QGroupBox()
        grid = QGridLayout(self.deadline_box)
        grid.setVerticalSpacing(2)
        self.rule_labels: dict[str, QLabel] = {}
        self.rule_edits: dict[str, QLineEdit] = {}
        self.rule_units: dict[str, QComboBox] = {}
        self.rule_messages: dict[str, FieldMessage] = {}
        for row, name in enumerate((*CLASSES, *MILESTONES)):
            label, edit, unit = QLabel(), QLineEdit(), QComboBox()
            edit.setObjectName(f"rule_{name}")
            edit.setMaximumWidth(80)
            for u in UNITS if name in CLASSES else UNITS[:1]:  # milestones: working days only
                unit.addItem("", u)
            message = FieldMessage(collapse=True)
            self.rule_labels[name], self.rule_edits[name] = label, edit
            self.rule_units[name], self.rule_messages[name] = unit, message
            grid.addWidget(label, row * 2, 0)
            grid.addWidget(edit, row * 2, 1)
            grid.addWidget(unit, row * 2, 2)
            grid.addWidget(message, row * 2 + 1, 1, 1, 3)
            edit.textEdited.connect(lambda _text, name=name: self._clear_rule(name))
        grid.setColumnStretch(3, 1)
        self.cuti_check = QCheckBox()
        self.apply_button = QPushButton()
        self.apply_button.setProperty("primary", True)
        self.apply_button.clicked.connect(self.apply_rules)
        self.rules_status = FieldMessage(lines=1)
        row = 2 * (len(CLASSES) + len(MILESTONES))
        grid.addWidget(self.cuti_check, row, 0, 1, 4)
        apply_row = QHBoxLayout()
        apply_row.addWidget(self.rules_status, 1)
        apply_row.addWidget(self.apply_button)
        grid.addLayout(apply_row, row + 1, 0, 1, 4)

        # ---- closed days ----
        self.days_box = QGroupBox()
        self.year_label = QLabel()
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(local_day(ctx.clock.now(), ctx.tz).year)
        self.year_spin.valueChanged.connect(lambda _year: self.refresh_days())
        self.day_list = QListWidget()
        self.day_list.currentItemChanged.connect(self._picked)
        self.date_label = QLabel()
        self.date_edit = QDateEdit()
        self.date_edit.setDisplayFormat("dd-MM-yyyy")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDate(QDate.currentDate())
        self.date_edit.dateChanged.connect(lambda _d: self._clear_date())
        self.add_button = QPushButton()
        self.add_button.clicked.connect(self.add_day)
        self.remove_button = QPushButton()
        self.remove_button.clicked.connect(self.remove_day)
        self.date_message = FieldMessage(lines=1)
        self.estimate_label = QLabel()
        self.estimate_label.setWordWrap(True)
        self.estimate_label.setProperty("role", "muted")
        top = QHBoxLayout()
        top.addWidget(self.year_label)
        top.addWidget(self.year_spin)
        top.addStretch(1)
        change = QHBoxLayout()
        change.addWidget(self.date_label)
        change.addWidget(self.date_edit)
        change.addWidget(self.add_button)
        change.addWidget(self.remove_button)
        change.addStretch(1)
        days = QVBoxLayout(self.days_box)
        days.addLayout(top)
        days.addWidget(self.day_list, 1)
        days.addWidget(self.estimate_label)
        days.addLayout(change)
        days.addWidget(self.date_message)

        layout = QHBoxLayout(self)
        layout.addWidget(self.deadline_box, 1, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.days_box, 1)
        self.retranslate()
        self.refresh()

    # ---- showing ------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.deadline_box.setTitle(t("gui.calendar.deadlines"))
        for name in self.rule_labels:
            self.rule_labels[name].setText(t(RULE_KEYS[name]))
            combo = self.rule_units[name]
            for i in range(combo.count()):
                combo.setItemText(i, t(UNIT_KEYS[combo.itemData(i)]))
        self.cuti_check.setText(t("gui.calendar.cuti_bersama"))
        self.apply_button.setText(t("gui.calendar.apply"))
        self.days_box.setTitle(t("gui.calendar.closed_days"))
        self.year_label.setText(t("gui.calendar.year"))
        self.date_label.setText(t("gui.calendar.date"))
        self.add_button.setText(t("gui.calendar.add"))
        self.remove_button.setText(t("gui.calendar.remove"))

    def refresh(self) -> None:
        with usecase(self.ctx):
            self.rules = site_calendar.rules_of(self.ctx)
        current = {**self.rules.by_class, **self.rules.milestones}
        for key, rule in current.items():
            name = key.value
            unit = "hours" if rule.hours is not None else "working_days"
            self.rule_edits[name].setText(str(rule.hours if rule.hours is not None else rule.working_days))
            combo = self.rule_units[name]
            combo.setCurrentIndex(max(0, combo.findData(unit)))
            self._clear_rule(name)
        self.cuti_check.setChecked(self.rules.cuti_bersama)
        self.refresh_days()

    def refresh_days(self) -> None:
        year = self.year_spin.value()
        with usecase(self.ctx):
            days = site_calendar.closed_days(self.ctx, year)
            estimated = site_calendar.estimated_years(self.ctx, date(year, 1, 1), date(year, 12, 31))
        self.day_list.clear()
        for d in days:
            source = t(SOURCE_KEYS[d.source])
            text = f"{d.day.strftime('%d-%m-%Y')}  {d.name or '—'}  ({source})"
            if d.is_open:
                text += f" — {t('calendar.removed')}"
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, d.day.isoformat())
            self.day_list.addItem(item)
        if not days:
            self.day_list.addItem(t("calendar.none"))
        self.estimate_label.setText(site_calendar.estimate_text(estimated) if estimated else "")

    def day_texts(self) -> list[str]:
        return [self.day_list.item(i).text() for i in range(self.day_list.count())]

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()
        super().showEvent(event)

    # ---- deadlines ------------------------------------------------------------------------

    def _clear_rule(self, name: str) -> None:
        self.rule_messages[name].clear()
        mark_invalid(self.rule_edits[name], False)

    def _rule_error(self, name: str, text: str) -> None:
        self.rule_messages[name].show_error(text)
        mark_invalid(self.rule_edits[name], True)
        self.rule_edits[name].setFocus()

    def apply_rules(self) -> bool:
        """Every changed deadline and the *cuti bersama* switch in one change: all or none."""
        current = {k.value: r for k, r in {**self.rules.by_class, **self.rules.milestones}.items()}
        working: list[tuple[str, int]] = []
        hours: list[tuple[str, int]] = []
        for name, edit in self.rule_edits.items():
            self._clear_rule(name)
            text = edit.text().strip()
            if not text.isdigit():  # checked here first: the service takes whole numbers only
                self._rule_error(name, t("gui.calendar.not_number", value=text))
                return False
            n, unit = int(text), self.rule_units[name].currentData()
            old = current[name]
            if (old.hours if unit == "hours" else old.working_days) == n and (old.hours is not None) == (
                unit == "hours"
            ):
                continue
            (hours if unit == "hours" else working).append((name, n))
        cuti = self.cuti_check.isChecked()
        try:
            with usecase(self.ctx):
                site_calendar.change_rules(
                    self.ctx,
                    working_days=working,
                    hours=hours,
                    cuti_bersama=cuti if cuti != self.rules.cuti_bersama else None,
                )
        except ValidationError as exc:
            # The refusal names the rule first ("ringan: 1–60"): shown beside that field.
            detail = str(exc.params.get("detail", ""))
            name = detail.split(":", 1)[0].strip()
            if name in self.rule_edits:
                self._rule_error(name, exc.message())
            else:
                self.rules_status.show_error(exc.message())
            return False
        except LoketError as exc:
            error_dialog.report(exc, self)
            return False
        changed = len(working) + len(hours) + (cuti != self.rules.cuti_bersama)
        self.refresh()
        self.rules_status.show_ok(
            t("gui.settings.saved", n=changed) if changed else t("gui.settings.unchanged")
        )
        return True

    # ---- closed days ------------------------------------------------------------------------

    def _picked(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        iso = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if iso:
            self.date_edit.setDate(QDate.fromString(iso, "yyyy-MM-dd"))

    def _clear_date(self) -> None:
        self.date_message.clear()
        mark_invalid(self.date_edit, False)

    def _change_day(self, action: str) -> bool:
        self._clear_date()
        day = self.date_edit.date().toPython()
        assert isinstance(day, date)
        try:
            with usecase(self.ctx):
                site_calendar.change_closed_days(self.ctx, action, [day])
        except ValidationError as exc:
            self.date_message.show_error(exc.message())
            mark_invalid(self.date_edit, True)
            return False
        except LoketError as exc:
            error_dialog.report(exc, self)
            return False
        if day.year != self.year_spin.value():
            self.year_spin.setValue(day.year)  # refreshes the list
        else:
            self.refresh_days()
        shown = day.strftime("%d-%m-%Y")
        if action == "add":
            self.date_message.show_ok(t("gui.calendar.added", date=shown))
        else:
            self.date_message.show_ok(t("gui.calendar.removed", date=shown))
        return True

    def add_day(self) -> bool:
        return self._change_day("add")

    def remove_day(self) -> bool:
        return self._change_day("remove")

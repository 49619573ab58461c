"""Pengaturan (admins): site, this counter's rules, printer and paper, sync; plus the pages for
counters, the service catalogue and staff accounts. The services check permissions anyway."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import i18n
from counter_app.core.errors import LoketError, ValidationError
from counter_app.core.i18n import t
from counter_app.core.roles import Permission
from counter_app.core.settings import SETTINGS
from counter_app.gui import error_dialog
from counter_app.gui.screen_fit import fit_to_screen
from counter_app.gui.settings_calendar import CalendarPage
from counter_app.gui.settings_catalogue import CataloguePage
from counter_app.gui.settings_counters import CountersPage
from counter_app.gui.settings_display import DisplayPage
from counter_app.gui.settings_privacy import PrivacyPage
from counter_app.gui.settings_staff import StaffPage
from counter_app.gui.widgets import prompts
from counter_app.gui.widgets.field_message import field_form, mark_invalid
from counter_app.services import site_settings, sync
from counter_app.services.context import Context
from counter_app.services.usecase import usecase

SITE_KEYS = (
    "site_code",
    "site_name",
    "site_address",
    "site_contact",
    "verify_base_url",
    "timezone",
    "language",
)
COUNTER_KEYS = (
    "counter_code",
    "priority_cap",
    "no_show_after_calls",
    "no_show_grace_minutes",
    "one_active_ticket_per_nik",
    "idle_lock_minutes",
)
PRINTER_KEYS = ("printer", "paper")
SYNC_KEYS = ("sync_server", "sync_time")
# Indonesia's zones (DOMAIN.md: Pontianak is WIB, Asia/Pontianak), offered by their short names;
# stored by IANA name, as the setting's check wants. Another valid stored zone is kept in the list.
TIMEZONES = ("Asia/Pontianak", "Asia/Jakarta", "Asia/Makassar", "Asia/Jayapura")
TIMEZONE_KEYS = {
    "Asia/Pontianak": "gui.settings.tz.Asia/Pontianak",
    "Asia/Jakarta": "gui.settings.tz.Asia/Jakarta",
    "Asia/Makassar": "gui.settings.tz.Asia/Makassar",
    "Asia/Jayapura": "gui.settings.tz.Asia/Jayapura",
}
SETTING_KEYS = {
    "site_code": "gui.settings.key.site_code",
    "site_name": "gui.settings.key.site_name",
    "site_address": "gui.settings.key.site_address",
    "site_contact": "gui.settings.key.site_contact",
    "verify_base_url": "gui.settings.key.verify_base_url",
    "timezone": "gui.settings.key.timezone",
    "language": "gui.settings.key.language",
    "counter_code": "gui.settings.key.counter_code",
    "priority_cap": "gui.settings.key.priority_cap",
    "no_show_after_calls": "gui.settings.key.no_show_after_calls",
    "no_show_grace_minutes": "gui.settings.key.no_show_grace_minutes",
    "idle_lock_minutes": "gui.settings.key.idle_lock_minutes",
    "one_active_ticket_per_nik": "gui.settings.key.one_active_ticket_per_nik",
    "printer": "gui.settings.key.printer",
    "paper": "gui.settings.key.paper",
    "sync_server": "gui.settings.key.sync_server",
    "sync_time": "gui.settings.key.sync_time",
}


class SettingsForm(QWidget):
    """One editor per setting, each with its message line; values come back as text."""

    def __init__(self, ctx: Context, keys: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.keys = list(keys)
        self.editors: dict[str, QWidget] = {key: self._editor(key) for key in self.keys}
        self.form, self.labels, self.messages = field_form(self.keys, self.editors, QFormLayout(self))
        self.load()
        self.retranslate()

    def _editor(self, key: str) -> QWidget:
        kind = SETTINGS[key].type
        if key == "language":
            combo = QComboBox()
            for lang in i18n.LANGUAGES:
                combo.addItem(t(i18n.LANGUAGE_KEYS[lang]), lang)
            return combo
        if key == "timezone":  # the zones of Indonesia (WIB, WITA, WIT), stored by IANA name
            combo = QComboBox()
            for zone in TIMEZONES:
                combo.addItem("", zone)
            return combo
        if key == "paper":
            combo = QComboBox()
            for paper in site_settings.PAPERS:
                combo.addItem("", paper)
            return combo
        if key == "printer":
            combo = QComboBox()
            combo.setEditable(True)
            return combo
        if key == "sync_time":
            edit = QTimeEdit()
            edit.setDisplayFormat("HH:mm")
            edit.setMaximumWidth(120)
            return edit
        if kind is bool:
            return QCheckBox()
        if kind is int:
            spin = QSpinBox()
            spin.setRange(0, 100000)
            spin.setMaximumWidth(120)
            return spin
        return QLineEdit()

    def set_printers(self, names: Sequence[str]) -> None:
        combo = self.editors.get("printer")
        if not isinstance(combo, QComboBox):
            return
        current = self.ctx.setting("printer")
        combo.clear()
        combo.addItem(t("gui.settings.printer_default"), "")
        for name in names:
            combo.addItem(name, name)
        if current and current not in names:
            combo.addItem(current, current)
        combo.setCurrentIndex(max(0, combo.findData(current)))

    def load(self) -> None:
        for key, editor in self.editors.items():
            value = self.ctx.setting(key)
            if isinstance(editor, QComboBox):
                index = editor.findData(value)
                if index < 0 and key == "timezone" and value:  # another valid IANA zone: kept
                    editor.addItem(str(value), value)
                    index = editor.count() - 1
                if index < 0 and editor.isEditable():
                    editor.addItem(str(value), value)
                    index = editor.count() - 1
                editor.setCurrentIndex(max(0, index))
            elif isinstance(editor, QTimeEdit):
                editor.setTime(QTime.fromString(str(value), "HH:mm"))
            elif isinstance(editor, QCheckBox):
                editor.setChecked(bool(value))
            elif isinstance(editor, QSpinBox):
                editor.setValue(int(value))
            elif isinstance(editor, QLineEdit):
                editor.setText(str(value))

    def values(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, editor in self.editors.items():
            if isinstance(editor, QComboBox):
                data = editor.currentData()
                text = editor.currentText()
                if editor.isEditable() and (data is None or editor.itemText(editor.currentIndex()) != text):
                    data = text  # a printer name typed by hand
                out[key] = "" if data is None else str(data)
            elif isinstance(editor, QTimeEdit):
                out[key] = editor.time().toString("HH:mm")
            elif isinstance(editor, QCheckBox):
                out[key] = "1" if editor.isChecked() else "0"
            elif isinstance(editor, QSpinBox):
                out[key] = str(editor.value())
            elif isinstance(editor, QLineEdit):
                out[key] = editor.text()
        return out

    def show_error(self, key: str, text: str) -> None:
        self.messages[key].show_error(text)
        mark_invalid(self.editors[key], True)
        self.editors[key].setFocus()

    def clear_errors(self) -> None:
        for key in self.keys:
            self.messages[key].clear()
            mark_invalid(self.editors[key], False)

    def retranslate(self) -> None:
        for key in self.keys:
            self.labels[key].setText(t(SETTING_KEYS[key]))
        paper = self.editors.get("paper")
        if isinstance(paper, QComboBox):
            for i in range(paper.count()):
                paper.setItemText(i, t(i18n.PAPER_KEYS[paper.itemData(i)]))
        zone = self.editors.get("timezone")
        if isinstance(zone, QComboBox):
            for i in range(zone.count()):
                name = zone.itemData(i)
                zone.setItemText(i, t(TIMEZONE_KEYS[name]) if name in TIMEZONE_KEYS else str(name))


class SettingsDialog(QDialog):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tabs = QTabWidget()
        self.site_form = SettingsForm(ctx, SITE_KEYS)
        self.counter_form = SettingsForm(ctx, COUNTER_KEYS)
        self.printer_form = SettingsForm(ctx, PRINTER_KEYS)
        self.sync_form = SettingsForm(ctx, SYNC_KEYS)
        # the device token (from `server add-device` on the server): a secret, so masked, never
        # shown back; kept in the data folder's secrets/ (services/sync.py), not in the database
        self.token_label = QLabel()
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.token_edit.setObjectName("sync_token")
        self.token_hint = QLabel()
        self.token_hint.setProperty("role", "muted")
        self.token_hint.setWordWrap(True)
        self.sync_form.form.addRow(self.token_label, self.token_edit)
        self.sync_form.form.addRow("", self.token_hint)
        self.last_sync_label = QLabel()
        self.last_sync_label.setProperty("role", "muted")
        self.sync_form.form.addRow("", self.last_sync_label)
        self.forms = (self.site_form, self.counter_form, self.printer_form, self.sync_form)
        self.counters_page = CountersPage(ctx)
        self.catalogue_page = CataloguePage(ctx)
        self.staff_page = StaffPage(ctx)

        can_settings = ctx.actor.can(Permission.MANAGE_SETTINGS)
        can_catalogue = ctx.actor.can(Permission.MANAGE_CATALOGUE)
        can_staff = ctx.actor.can(Permission.MANAGE_STAFF)
        self.pages: list[tuple[QWidget, str]] = []
        for page, key, allowed in (
            (self.site_form, "gui.settings.tab.site", can_settings),
            (self.counter_form, "gui.settings.tab.counter", can_settings),
            (self.counters_page, "gui.settings.tab.counters", can_catalogue),
            (self.catalogue_page, "gui.settings.tab.catalogue", can_catalogue),
            (self.staff_page, "gui.settings.tab.staff", can_staff),
            (self.printer_form, "gui.settings.tab.printer", can_settings),
            (self.sync_form, "gui.settings.tab.sync", can_settings),
            (CalendarPage(ctx), "gui.settings.tab.calendar", can_settings),
            (PrivacyPage(ctx), "gui.settings.tab.privacy", can_settings),
            (DisplayPage(ctx), "gui.settings.tab.display", can_settings),
        ):
            if allowed:
                self.tabs.addTab(page, "")
                self.pages.append((page, key))

        self.save_button = QPushButton()
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        self.save_button.setVisible(can_settings)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.reject)  # asks first when something is unsaved
        self.saved_label = QLabel()
        self.saved_label.setProperty("role", "muted")
        buttons = QHBoxLayout()
        buttons.addWidget(self.saved_label, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        fit_to_screen(self, 1040, 660)
        self.retranslate()
        self._load_printers()
        self._saved_values = self._values()

    def _load_printers(self) -> None:
        try:
            from counter_app.printing.qt_print import PrintError, available_printers

            names = available_printers()
        except (ImportError, PrintError):
            names = []
        self.printer_form.set_printers(names)

    def retranslate(self) -> None:
        self.setWindowTitle(t("gui.settings.title"))
        for index, (_page, key) in enumerate(self.pages):
            self.tabs.setTabText(index, t(key).replace("&", "&&"))
        for form in self.forms:
            form.retranslate()
        self.token_label.setText(t("gui.settings.key.sync_token"))
        has_token = sync.saved_token(self.ctx.data_dir) is not None
        self.token_edit.setPlaceholderText(t("gui.settings.token_saved") if has_token else "")
        self.token_hint.setText(t("gui.settings.token_hint"))
        last = site_settings.stored_text(site_settings.LAST_SYNC_KEY)
        self.last_sync_label.setText(t("gui.status.sync", when=last or t("gui.status.sync_never")))
        self.save_button.setText(t("gui.settings.save"))
        self.close_button.setText(t("gui.common.close"))
        self.counters_page.retranslate()
        self.catalogue_page.retranslate()
        self.staff_page.retranslate()

    def _values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for form in self.forms:
            values.update(form.values())
        return values

    def unsaved(self) -> bool:
        """A value differs from what was loaded or last saved, or a new token was typed."""
        return self._values() != self._saved_values or bool(self.token_edit.text().strip())

    def reject(self) -> None:
        """Tutup, Esc and the window's ✕: unsaved changes are not dropped without asking."""
        if self.unsaved() and not prompts.confirm(
            self, t("gui.settings.title"), t("gui.settings.discard_question")
        ):
            return
        super().reject()

    def save(self) -> bool:
        """Store the settings pages' values (all or none); a problem is shown by its field."""
        values: dict[str, str] = {}
        for form in self.forms:
            form.clear_errors()
            values.update(form.values())
        mark_invalid(self.token_edit, False)
        token = self.token_edit.text().strip()
        try:
            if any(ch.isspace() for ch in token):  # checked first: all or nothing is saved
                raise ValidationError("gui.settings.token_invalid", field="token")
            with usecase(self.ctx):
                changed = site_settings.set_settings(self.ctx, values)
                if token:
                    sync.save_token(self.ctx.data_dir, token)  # secrets/sync.token, owner-only
                    changed["sync_token"] = "***"
        except ValidationError as exc:
            if exc.field == "token":
                self.tabs.setCurrentWidget(self.sync_form)
                mark_invalid(self.token_edit, True)
                self.token_edit.setFocus()
                self.saved_label.setText(exc.message())
                return False
            for form in self.forms:
                if exc.field in form.editors:
                    self.tabs.setCurrentWidget(form)
                    form.show_error(exc.field, exc.message())
                    return False
            error_dialog.report(exc, self)
            return False
        except LoketError as exc:
            error_dialog.report(exc, self)
            return False
        self.saved_label.setText(
            t("gui.settings.saved", n=len(changed)) if changed else t("gui.settings.unchanged")
        )
        self._saved_values = self._values()
        if token:
            self.token_edit.clear()
            self.token_edit.setPlaceholderText(t("gui.settings.token_saved"))
        return True

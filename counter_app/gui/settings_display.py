"""Settings page "Layar aula" (admins): the hall display's settings, kept by the site hub.

Read and changed through services/display_link.py (the hub's admin API with its admin token,
kept in this data folder): the MPP's name, the running text, the voice (on, chime, recalls,
volume, the site's own voice pack folder), how many past calls, each counter's shown and spoken
name, and the display profiles (which services and counters one TV shows). The service checks the
permission and the values; a refused value is shown beside its field and nothing changes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.core.errors import LoketError, ValidationError
from counter_app.core.i18n import t
from counter_app.gui.widgets.field_message import FieldMessage, field_form, mark_invalid
from counter_app.services import display_link
from counter_app.services.context import Context

TEXT_KEYS = ("name", "running_text", "voice_dir", "volume")
CHECK_KEYS = ("voice", "chime", "speak_recalls")
FORM_KEYS = (
    "admin_token",
    "name",
    "running_text",
    "voice",
    "chime",
    "speak_recalls",
    "volume",
    "recent",
    "voice_dir",
)
# Written out, so the translations scan finds every key.
LABEL_KEYS = {
    "admin_token": "gui.display.key.admin_token",
    "name": "gui.display.key.name",
    "running_text": "gui.display.key.running_text",
    "voice": "gui.display.key.voice",
    "chime": "gui.display.key.chime",
    "speak_recalls": "gui.display.key.speak_recalls",
    "volume": "gui.display.key.volume",
    "recent": "gui.display.key.recent",
    "voice_dir": "gui.display.key.voice_dir",
}
CHECK_TEXT_KEYS = {
    "voice": "gui.display.check.voice",
    "chime": "gui.display.check.chime",
    "speak_recalls": "gui.display.check.speak_recalls",
}
# Which message line a refusal of the hub goes to (its `field`).
TABLE_FIELDS = {
    "counter": "counters",
    "label": "counters",
    "spoken": "counters",
    "profile": "profiles",
    "services": "profiles",
    "counters": "profiles",
}


def _csv(values: Any) -> str:
    return ", ".join(str(v) for v in values or [])


def _codes(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class DisplayPage(QWidget):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.loaded: dict[str, Any] | None = None
        self._shown = False
        # Typed by kind (what the code calls on them); `editors` is every one by key, for the form.
        self.token_edit = QLineEdit()
        self.token_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.texts = {key: QLineEdit() for key in TEXT_KEYS}
        self.checks = {key: QCheckBox() for key in CHECK_KEYS}
        self.recent_spin = QSpinBox()
        self.recent_spin.setRange(6, 8)
        self.editors: dict[str, QWidget] = {
            "admin_token": self.token_edit,
            **self.texts,
            **self.checks,
            "recent": self.recent_spin,
        }
        for key, editor in self.editors.items():
            editor.setObjectName(f"display_{key}")
        self.form, self.labels, self.messages = field_form(FORM_KEYS, self.editors)

        self.counters = QTableWidget(0, 3)
        self.counters.setObjectName("display_counters")
        self.profiles = QTableWidget(0, 3)
        self.profiles.setObjectName("display_profiles")
        for table in (self.counters, self.profiles):
            table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
            table.verticalHeader().setVisible(False)
            table.setMinimumHeight(110)
        self.counters_title, self.profiles_title = QLabel(), QLabel()
        self.add_counter, self.add_profile = QPushButton(), QPushButton()
        self.add_counter.clicked.connect(lambda: self.counters.insertRow(self.counters.rowCount()))
        self.add_profile.clicked.connect(lambda: self.profiles.insertRow(self.profiles.rowCount()))
        self.messages["counters"] = FieldMessage(collapse=True)
        self.messages["profiles"] = FieldMessage(collapse=True)

        self.load_button = QPushButton()
        self.load_button.clicked.connect(self.load)
        self.save_button = QPushButton()
        self.save_button.setProperty("primary", True)
        self.save_button.clicked.connect(self.save)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setObjectName("display_status")

        tables = QVBoxLayout()
        for title, table, add, key in (
            (self.counters_title, self.counters, self.add_counter, "counters"),
            (self.profiles_title, self.profiles, self.add_profile, "profiles"),
        ):
            head = QHBoxLayout()
            head.addWidget(title, 1)
            head.addWidget(add)
            tables.addLayout(head)
            tables.addWidget(table, 1)
            tables.addWidget(self.messages[key])
        body = QHBoxLayout()
        body.addLayout(self.form, 1)
        body.addLayout(tables, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.load_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        self.retranslate()
        self._enable()

    # ---- showing ------------------------------------------------------------------------

    def retranslate(self) -> None:
        for key, label in self.labels.items():
            label.setText(t(LABEL_KEYS[key]))
        for key in CHECK_KEYS:
            self.checks[key].setText(t(CHECK_TEXT_KEYS[key]))
        has_token = display_link.hub_admin_token(self.ctx) is not None
        self.token_edit.setPlaceholderText(
            t("gui.settings.token_saved") if has_token else t("gui.display.token_hint")
        )
        self.texts["volume"].setPlaceholderText("0 … 1")
        self.counters.setHorizontalHeaderLabels(
            [t("gui.display.col.counter"), t("gui.display.col.label"), t("gui.display.col.spoken")]
        )
        self.profiles.setHorizontalHeaderLabels(
            [t("gui.display.col.profile"), t("gui.display.col.services"), t("gui.display.col.counters")]
        )
        self.counters_title.setText(t("gui.display.counters"))
        self.profiles_title.setText(t("gui.display.profiles"))
        self.add_counter.setText(t("gui.display.add"))
        self.add_profile.setText(t("gui.display.add"))
        self.load_button.setText(t("gui.display.load"))
        self.save_button.setText(t("gui.display.save"))

    def _enable(self) -> None:
        ready = self.loaded is not None
        for key, editor in self.editors.items():
            editor.setEnabled(ready or key == "admin_token")
        for widget in (self.counters, self.profiles, self.add_counter, self.add_profile):
            widget.setEnabled(ready)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown and display_link.hub_admin_token(self.ctx) is not None:
            self._shown = True
            self.load()  # once: later, Muat ulang asks again

    def _clear_messages(self) -> None:
        for key, message in self.messages.items():
            message.clear()
            if key in self.editors:
                mark_invalid(self.editors[key], False)

    def _refused(self, exc: LoketError) -> None:
        field = getattr(exc, "field", None) if isinstance(exc, ValidationError) else None
        field = TABLE_FIELDS.get(str(field), field)
        if field in self.messages:
            self.messages[field].show_error(exc.message())
            if field in self.editors:
                mark_invalid(self.editors[field], True)
            self.status.setText(t("gui.display.not_saved"))
        else:
            self.status.setText(exc.message())

    def _take_token(self) -> bool:
        token = self.token_edit.text().strip()
        if not token:
            return True
        try:
            display_link.save_hub_admin_token(self.ctx, token)
        except LoketError as exc:
            self._refused(exc)
            return False
        self.token_edit.clear()
        self.retranslate()
        return True

    # ---- the hub's settings ---------------------------------------------------------------

    def load(self) -> bool:
        self._clear_messages()
        if not self._take_token():
            return False
        try:
            doc = display_link.hub_display_settings(self.ctx)
        except LoketError as exc:
            self._refused(exc)
            return False
        self.show_settings(doc)
        self.status.setText(
            t("gui.display.loaded", site=doc.get("site", ""), when=doc.get("updated_at") or "—")
        )
        return True

    def show_settings(self, doc: dict[str, Any]) -> None:
        self.loaded = doc
        for key in ("name", "running_text", "voice_dir"):
            self.texts[key].setText(str(doc.get(key, "")))
            self.texts[key].setCursorPosition(0)  # a long text from its start
        self.texts["volume"].setText(f"{float(doc.get('volume', 1.0)):g}")
        for key in CHECK_KEYS:
            self.checks[key].setChecked(bool(doc.get(key)))
        self.recent_spin.setValue(int(doc.get("recent", 7)))
        self._fill(
            self.counters,
            [
                (code, e.get("label", ""), e.get("spoken", ""))
                for code, e in sorted(doc.get("counters", {}).items())
            ],
        )
        self._fill(
            self.profiles,
            [
                (name, _csv(p.get("services")), _csv(p.get("counters")))
                for name, p in sorted(doc.get("profiles", {}).items())
            ],
        )
        self._enable()

    @staticmethod
    def _fill(table: QTableWidget, rows: list[tuple[str, str, str]]) -> None:
        table.setRowCount(0)
        for row in rows:
            index = table.rowCount()
            table.insertRow(index)
            for column, text in enumerate(row):
                table.setItem(index, column, QTableWidgetItem(text))

    @staticmethod
    def _rows(table: QTableWidget) -> list[tuple[str, str, str]]:
        rows = []
        for index in range(table.rowCount()):
            items = [table.item(index, c) for c in range(3)]
            code, first, second = (item.text().strip() if item is not None else "" for item in items)
            if code:
                rows.append((code, first, second))
        return rows

    def changes(self) -> dict[str, Any]:
        """What differs from what was loaded (removed rows are sent as None)."""
        old = self.loaded or {}
        out: dict[str, Any] = {}
        for key in ("name", "running_text", "voice_dir"):
            value = self.texts[key].text().strip()
            if value != str(old.get(key, "")):
                out[key] = value
        volume = self.texts["volume"].text().strip()
        if volume != f"{float(old.get('volume', 1.0)):g}":
            out["volume"] = volume
        for key in CHECK_KEYS:
            if self.checks[key].isChecked() != bool(old.get(key)):
                out[key] = self.checks[key].isChecked()
        if self.recent_spin.value() != old.get("recent"):
            out["recent"] = self.recent_spin.value()
        counters: dict[str, Any] = {}
        rows = {code: {"label": label, "spoken": spoken} for code, label, spoken in self._rows(self.counters)}
        for code, entry in rows.items():
            before = old.get("counters", {}).get(code, {})
            if {k: v for k, v in entry.items() if v} != before:
                counters[code] = entry
        for code in old.get("counters", {}):
            if code not in rows:
                counters[code] = None
        if counters:
            out["counters"] = counters
        profiles: dict[str, Any] = {}
        names = set()
        for name, services, codes in self._rows(self.profiles):
            names.add(name)
            before = dict(old.get("profiles", {}).get(name, {}))
            merged: dict[str, Any] = {**before, "services": _codes(services), "counters": _codes(codes)}
            profile = {k: v for k, v in merged.items() if v not in ([], None)}
            if profile != before:
                profiles[name] = profile
        for name in old.get("profiles", {}):
            if name not in names:
                profiles[name] = None
        if profiles:
            out["profiles"] = profiles
        return out

    def save(self) -> bool:
        self._clear_messages()
        if not self._take_token() or self.loaded is None:
            return False
        changes = self.changes()
        if not changes:
            self.status.setText(t("gui.settings.unchanged"))
            return True
        try:
            doc = display_link.save_hub_display_settings(self.ctx, changes)
        except LoketError as exc:
            self._refused(exc)
            return False
        self.show_settings(doc)
        self.status.setText(t("gui.display.saved", count=len(changes)))
        return True

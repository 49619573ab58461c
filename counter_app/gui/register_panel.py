"""Pendaftaran: register a visitor from the keyboard alone, with each problem shown by its field."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import i18n, nik as nik_rules, person
from counter_app.core.clock import local_day
from counter_app.core.errors import LoketError, ValidationError
from counter_app.core.formats import fee_text
from counter_app.core.i18n import t
from counter_app.core.ticket_rules import Priority
from counter_app.gui import error_dialog
from counter_app.gui.scan_field import looks_like_scan
from counter_app.gui.widgets.field_message import FieldMessage, mark_invalid, show_field_error
from counter_app.gui.widgets.service_picker import ServicePicker
from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.services.usecase import usecase
from counter_app.services.views import ServiceView

FIELDS = ("name", "nik", "phone", "service", "priority", "notes")
FIELD_KEYS = {
    "name": "gui.register.name",
    "nik": "gui.register.nik",
    "phone": "gui.register.phone",
    "service": "gui.register.service",
    "priority": "gui.register.priority",
    "notes": "gui.register.notes",
}
# The room kept under each field (never more, never less: the form does not jump). NIK and
# service messages can be long; the others fit one line or are elided (whole on hover).
MESSAGE_LINES = {"name": 1, "nik": 2, "phone": 1, "service": 1, "priority": 1, "notes": 1}
# The requirements of the chosen service, what the officer checks with the visitor: a fixed
# room under the service field (cut there, the whole list on hover and in the standard dialog).
REQUIREMENT_LINES = 2
SUBMIT_KEY = "F2"
SCAN_MAX = 2048


class RegisterPanel(QGroupBox):
    """Name, NIK, phone, service, priority, notes → one ticket. Enter moves on; F2 registers."""

    registered = Signal(object)  # tickets.Registration
    scanned = Signal(str)  # a receipt scanned while the cursor was in this form

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._services: dict[str, ServiceView] = {}

        self.name_edit = QLineEdit()
        self.nik_edit = QLineEdit()
        self.phone_edit = QLineEdit()
        self.service_picker = ServicePicker()
        # The standard of the chosen service (UU 25/2009 Pasal 21), to read and print (A4).
        self.standard_button = QPushButton()
        self.standard_button.setAutoDefault(False)
        self.standard_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Enter/Tab skip it
        self.standard_button.clicked.connect(self.show_standard)
        # no taller than the field beside it (the theme's buttons are 4 px taller): its rule
        # in theme.WIDGET_RULES
        self.standard_button.setObjectName("standardButton")
        self.requirements_label = FieldMessage(lines=REQUIREMENT_LINES)
        self.requirements_label.setObjectName("requirements")
        self.priority_combo = QComboBox()
        for p in Priority:
            self.priority_combo.addItem("", p.value)
        self.notes_edit = QLineEdit()
        # No short maxLength: a receipt scanned into a field must arrive whole (it is then
        # routed to the scan field); lengths are checked with a message instead.
        for edit in (self.name_edit, self.nik_edit, self.phone_edit, self.notes_edit):
            edit.setMaxLength(SCAN_MAX)
        self.submit_button = QPushButton()
        self.submit_button.setProperty("primary", True)
        self.submit_button.setAutoDefault(True)
        self.submit_button.clicked.connect(self.submit)
        # UU PDP: the phone is optional, for calling back, and kept only with the visitor's consent
        self.phone_consent = QCheckBox()
        self.privacy_note = QLabel()
        self.privacy_note.setProperty("role", "muted")
        self.privacy_note.setWordWrap(True)
        self.notice_button = QPushButton()
        self.notice_button.setAutoDefault(False)
        self.notice_button.clicked.connect(self.show_notice)
        # The latest registration: one line kept for it (whole on hover and in the status
        # bar's history), so the form below never moves.
        self.last_label = FieldMessage(lines=1)
        self.last_label.setProperty("role", "muted")

        self.inputs: dict[str, QWidget] = {
            "name": self.name_edit,
            "nik": self.nik_edit,
            "phone": self.phone_edit,
            "service": self.service_picker,
            "priority": self.priority_combo,
            "notes": self.notes_edit,
        }
        # Where the red border goes. The theme's invalid rule is for line edits, and the
        # picker's own line edit has no frame: the picker draws it, so it gets the rule too
        # (theme.WIDGET_RULES, by its object name).
        self.marked: dict[str, QWidget] = dict(self.inputs)
        self.service_picker.setObjectName("servicePicker")
        self.labels: dict[str, QLabel] = {}
        self.messages: dict[str, FieldMessage] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        row = 0
        for key in FIELDS:
            label = QLabel()
            label.setBuddy(self.inputs[key])
            message = FieldMessage(lines=MESSAGE_LINES[key])
            self.labels[key] = label
            self.messages[key] = message
            grid.addWidget(label, row, 0, Qt.AlignmentFlag.AlignVCenter)
            if key == "service":
                service_row = QHBoxLayout()
                service_row.setSpacing(4)
                service_row.addWidget(self.service_picker, 1)
                service_row.addWidget(self.standard_button)
                grid.addLayout(service_row, row, 1)
            else:
                grid.addWidget(self.inputs[key], row, 1)
            grid.addWidget(message, row + 1, 1)
            row += 2
            if key == "service":
                grid.addWidget(self.requirements_label, row, 1)
                row += 1
        grid.setColumnStretch(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.phone_consent)
        layout.addSpacing(4)
        # The notice's button beside the submit button and the note across the whole width:
        # the left column, requirements included, must fit 768 px less a taskbar.
        submit_row = QHBoxLayout()
        submit_row.addWidget(self.submit_button, 1)
        submit_row.addWidget(self.notice_button)
        layout.addLayout(submit_row)
        layout.addWidget(self.last_label)
        layout.addWidget(self.privacy_note)

        # Enter moves from field to field; on the last one it registers.
        for key in ("name", "nik", "phone", "notes"):
            self.inputs[key].returnPressed.connect(lambda key=key: self._enter(key))  # type: ignore[attr-defined]
        self.service_picker.lineEdit().returnPressed.connect(lambda: self._enter("service"))
        self.priority_combo.installEventFilter(self)
        self.shortcut = QShortcut(QKeySequence(SUBMIT_KEY), self)
        self.shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcut.activated.connect(self.submit)

        self.name_edit.textEdited.connect(self._check_name)
        self.nik_edit.textEdited.connect(self._check_nik)
        self.phone_edit.textEdited.connect(self._check_phone)
        self.notes_edit.textEdited.connect(self._check_notes)
        self.service_picker.currentIndexChanged.connect(self._service_changed)
        self.service_picker.lineEdit().textEdited.connect(lambda _: self._clear("service"))
        self.setTabOrder(self.name_edit, self.nik_edit)
        self.setTabOrder(self.nik_edit, self.phone_edit)
        self.setTabOrder(self.phone_edit, self.service_picker)
        self.setTabOrder(self.service_picker, self.priority_combo)
        self.setTabOrder(self.priority_combo, self.notes_edit)
        self.setTabOrder(self.notes_edit, self.submit_button)
        self.setTabOrder(self.phone_edit, self.phone_consent)  # Tab reaches the consent; Enter skips it
        self.retranslate()

    # ---- language ---------------------------------------------------------------------

    def retranslate(self) -> None:
        self.setTitle(t("gui.register.title"))
        for key in FIELDS:
            self.labels[key].setText(t(FIELD_KEYS[key]))
        self.name_edit.setPlaceholderText(t("gui.register.name_hint"))
        self.nik_edit.setPlaceholderText(t("gui.register.optional"))
        self.phone_edit.setPlaceholderText(t("privacy.phone_purpose"))
        self.phone_consent.setText(t("privacy.phone_consent"))  # short: the form is 400 px wide
        self.phone_consent.setToolTip(t("privacy.phone_consent_full"))
        years = round(int(self.ctx.setting("retention_days")) / 365)
        self.privacy_note.setText(t("privacy.notice.short", years=years))
        # short beside the submit button; its whole name on hover
        self.notice_button.setText(t("privacy.notice.button_short"))
        self.notice_button.setToolTip(t("privacy.notice.button"))
        self.notes_edit.setPlaceholderText(t("gui.register.optional"))
        self.service_picker.lineEdit().setPlaceholderText(t("gui.register.service_hint"))
        self.standard_button.setText(t("gui.register.standard"))
        self.standard_button.setToolTip(t("gui.register.standard_tip"))
        for i in range(self.priority_combo.count()):
            self.priority_combo.setItemText(i, t(i18n.PRIORITY_KEYS[self.priority_combo.itemData(i)]))
        self.submit_button.setText(t("gui.register.submit", key=SUBMIT_KEY).replace("&", "&&"))
        self.service_picker.set_services(list(self._services.values()), i18n.language())
        self._service_changed()
        # Messages already shown stay in the language they were written in until the next edit.

    # ---- services ---------------------------------------------------------------------

    def set_services(self, services: Sequence[ServiceView]) -> None:
        self._services = {s.code: s for s in services}
        self.service_picker.set_services(services, i18n.language())
        if len(services) == 1:
            self.service_picker.select(services[0].code)
        self._service_changed()

    def _service_changed(self, *_: object) -> None:
        code = self.service_picker.code()
        service = self._services.get(code or "")
        self.standard_button.setEnabled(service is not None)
        if service is None:
            if self.messages["service"].kind != "error":
                self.messages["service"].clear()
            self.requirements_label.clear()
            self.service_picker.setToolTip("")
            return
        self._clear("service")
        lang = i18n.language()
        completion = service.completion_en if lang == "en" else service.completion_id
        self.messages["service"].show_hint(
            t("gui.register.service_standard", fee=fee_text(service.fee), completion=completion)
        )
        reqs = [r.get(lang) or r.get("id", "") for r in service.requirements or []]
        whole = t("gui.register.requirements") + "\n• " + "\n• ".join(reqs) if reqs else ""
        self.service_picker.setToolTip(whole)
        # Under the field, one run of text (more fit in the fixed room); whole on hover.
        self.requirements_label.show_hint(
            t("gui.register.requirements") + " " + " · ".join(reqs)
            if reqs
            else t("gui.register.no_requirements")
        )
        self.requirements_label.setToolTip(whole)

    # ---- keyboard ---------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.priority_combo
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)  # type: ignore[attr-defined]
        ):
            self._enter("priority")
            return True
        return super().eventFilter(watched, event)

    def _enter(self, key: str) -> None:
        edit = self.inputs[key]
        if isinstance(edit, QLineEdit) and looks_like_scan(edit.text()):
            # The scanner typed into the form (the cursor was here): that was no name.
            text = edit.text()
            edit.clear()
            self._clear(key)
            self.scanned.emit(text)
            return
        if key == "service":
            self.service_picker.completer().popup().hide()
            self.service_picker.settle()
            if self.service_picker.code() is None and self.service_picker.currentText().strip():
                self.messages["service"].show_error(t("gui.register.service_pick"))
                mark_invalid(self.marked["service"], True)
                return
        index = FIELDS.index(key)
        if index == len(FIELDS) - 1:
            self.submit()
            return
        target = self.inputs[FIELDS[index + 1]]
        target.setFocus(Qt.FocusReason.TabFocusReason)
        if isinstance(target, QLineEdit):
            target.selectAll()

    # ---- live validation --------------------------------------------------------------

    def _show(self, key: str, exc: LoketError) -> None:
        self.messages[key].show_error(exc.message())
        mark_invalid(self.marked[key], True)

    def _clear(self, key: str) -> None:
        self.messages[key].clear()
        mark_invalid(self.marked[key], False)

    def _today(self):
        return local_day(self.ctx.clock.now(), self.ctx.tz)

    def _check_name(self, text: str, final: bool = False) -> bool:
        if not text.strip() and not final:
            self._clear("name")
            return True
        try:
            person.clean_name(text)
        except ValidationError as exc:
            self._show("name", exc)
            return False
        self._clear("name")
        return True

    def _check_nik(self, text: str, final: bool = False) -> bool:
        digits = "".join(text.split())
        if not digits:
            self._clear("nik")
            return True
        if not final and digits.isdigit() and len(digits) < 16:
            self._clear("nik")
            self.messages["nik"].show_hint(t("gui.register.nik_count", n=len(digits)))
            return True
        try:
            parsed = nik_rules.parse(digits, today=self._today())
        except ValidationError as exc:
            self._show("nik", exc)
            return False
        self._clear("nik")
        sex = t("gui.register.sex_f" if parsed.sex == "P" else "gui.register.sex_m")
        hint = t("gui.register.nik_ok", sex=sex, born=parsed.birth_date.strftime("%d-%m-%Y"))
        if parsed.warnings:
            self.messages["nik"].show_warning(" ".join(t(w) for w in parsed.warnings))
        else:
            self.messages["nik"].show_hint(hint)
        return True

    def _check_phone(self, text: str, final: bool = False) -> bool:
        raw = text.strip()
        if not raw:
            self._clear("phone")
            return True
        digits = sum(ch.isdigit() for ch in raw)
        if not final and digits < 10 and not any(ch.isalpha() for ch in raw):
            self._clear("phone")
            return True
        from counter_app.core import phone as phone_rules  # phonenumbers (~30 ms): not at start

        try:
            e164 = phone_rules.normalise(raw)
        except ValidationError as exc:
            self._show("phone", exc)
            return False
        self._clear("phone")
        self.messages["phone"].show_hint(t("gui.register.phone_ok", phone=phone_rules.national(e164)))
        return True

    def _check_notes(self, text: str, final: bool = False) -> bool:
        try:
            person.clean_notes(text)
        except ValidationError as exc:
            self._show("notes", exc)
            return False
        self._clear("notes")
        return True

    # ---- the privacy notice -------------------------------------------------------------

    def show_notice(self) -> Path | None:
        """The full notice as a PDF in the data folder, opened in the system's viewer to read
        or print (UU PDP: shown at registration, printed on request)."""
        from counter_app.core.files import atomic_write
        from counter_app.services import privacy

        try:
            with usecase(self.ctx):
                pdf = privacy.notice_pdf(self.ctx, i18n.language())
            path = atomic_write(Path(self.ctx.data_dir) / "pemberitahuan-privasi.pdf", pdf)
        except (LoketError, OSError) as exc:
            error_dialog.report(exc, self)
            return None
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return path

    # ---- the service standard -----------------------------------------------------------

    def show_standard(self) -> None:
        """The chosen service's standard, to read with the visitor and print on request."""
        from counter_app.gui.service_standard_dialog import ServiceStandardDialog

        code = self.service_picker.code()
        if code is None:
            return
        self.standard_dialog = ServiceStandardDialog(self.ctx, code, self)
        self.standard_dialog.show()

    # ---- registering ------------------------------------------------------------------

    def clear_form(self) -> None:
        for key in ("name", "nik", "phone", "notes"):
            self.inputs[key].clear()  # type: ignore[attr-defined]
            self._clear(key)
        self.priority_combo.setCurrentIndex(0)
        self.phone_consent.setChecked(False)
        if len(self._services) != 1:
            self.service_picker.select(None)
        self._service_changed()
        self._clear("priority")

    def submit(self) -> tickets.Registration | None:
        """Check every field, register, clear the form for the next visitor."""
        checks = [
            ("name", self._check_name(self.name_edit.text(), final=True)),
            ("nik", self._check_nik(self.nik_edit.text(), final=True)),
            ("phone", self._check_phone(self.phone_edit.text(), final=True)),
            ("notes", self._check_notes(self.notes_edit.text(), final=True)),
        ]
        service = self.service_picker.settle()
        if service is None:
            self.messages["service"].show_error(t("gui.register.service_pick"))
            mark_invalid(self.marked["service"], True)
            checks.insert(3, ("service", False))
        if self.phone_edit.text().strip() and not self.phone_consent.isChecked() and checks[2][1]:
            self.messages["phone"].show_error(t("privacy.phone_consent_needed"))
            mark_invalid(self.phone_edit, True)
            checks[2] = ("phone", False)
        bad = [key for key, ok in checks if not ok]
        if bad:
            self.inputs[bad[0]].setFocus(Qt.FocusReason.OtherFocusReason)
            return None
        try:
            with usecase(self.ctx):
                registration = tickets.register(
                    self.ctx,
                    service=service or "",
                    name=self.name_edit.text(),
                    nik=self.nik_edit.text() or None,
                    phone=self.phone_edit.text() or None,
                    priority=self.priority_combo.currentData(),
                    notes=self.notes_edit.text(),
                    phone_consent=self.phone_consent.isChecked(),
                )
        except ValidationError as exc:
            show_field_error(exc, self.marked, self.messages, self)
            return None
        except LoketError as exc:
            error_dialog.report(exc, self)
            return None
        ticket = registration.ticket
        done = t("gui.register.done", code=ticket.code, name=person.mask_name(ticket.name))
        # A registration with a warning (an unknown NIK region) still goes through; say so.
        self.last_label.show_hint(" ".join([done, *(t(w) for w in registration.warnings)]))
        self.clear_form()
        self.name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.registered.emit(registration)
        return registration

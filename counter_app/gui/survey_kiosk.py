"""The visitor's survey screen: nine questions with four large answers each, after *selesai*.

The officer opens it for the ticket just served (`open_survey`); it fills the second screen
when there is one (a customer-facing monitor), otherwise the whole screen. It speaks to the
visitor, in Indonesian or English at the visitor's choice, without changing the officer's
language. The profile (age band, sex, education, occupation) is optional and only with the
visitor's consent; all nine answers are needed to send. One response per ticket: the service
refuses a second, and `open_survey` says so before showing anything.

Each element is answered in its own words (core/survey_scales.py: *Tidak cepat … Sangat cepat*
for time, *Buruk … Sangat baik* for facilities …), as the regulation's questionnaire does.

The visitor cannot leave it: Esc and the window's close button do nothing; it ends when the
answers are sent (the thank-you page closes itself) or after IDLE_MS without a touch, which
clears every answer and closes it, so the next visitor never finds the last one's half-filled
form. The officer has two keys: Ctrl+Shift+M goes back to the queue (the kiosk is minimised and
the counter window raised; opening the survey of the same ticket brings it back) and
Ctrl+Shift+Q closes it after a confirmation. It is its own top-level window, never modal and
never kept above the counter window, so on a one-monitor PC it cannot hide the queue for good.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QCoreApplication, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QGuiApplication, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import i18n
from counter_app.core.errors import LoketError, ValidationError
from counter_app.core.i18n import t
from counter_app.core.ikm import ELEMENTS, PROFILE
from counter_app.core.survey_scales import answer_keys
from counter_app.core.ticket_rules import Status
from counter_app.gui import error_dialog, theme
from counter_app.gui.screen_fit import fit_to_screen
from counter_app.gui.widgets import prompts
from counter_app.gui.widgets.field_message import FieldMessage
from counter_app.services import catalogue, survey, tickets
from counter_app.services.context import Context

if TYPE_CHECKING:
    from counter_app.services.views import TicketView

THANKS_MS = 5000  # the thank-you page closes itself after this long
IDLE_MS = 120_000  # no touch for this long: the form is cleared and closed (back to the start)
OFFICER_CLOSE = "Ctrl+Shift+Q"  # the officer's way out, after a confirmation
OFFICER_BACK = "Ctrl+Shift+M"  # the officer's way back to the queue (the kiosk stays open)
_OPEN: dict[str, SurveyKiosk] = {}  # open kiosks by ticket id: opening one again brings it back
SCORES = (1, 2, 3, 4)

KIOSK_STYLE = f"""
QWidget#kiosk, QWidget#kiosk-body {{ background: {theme.PAPER}; }}
QFrame[role="question"] {{ background: white; border: 1px solid {theme.LINE}; border-radius: 10px; }}
QPushButton[role="answer"] {{
    min-height: 52px; padding: 6px 10px; border-radius: 8px; border: 2px solid #9fb3c8;
    background: white; font-size: 13pt;
}}
QPushButton[role="answer"]:checked {{
    background: {theme.ACCENT}; color: white; border: 2px solid {theme.ACCENT_DARK}; font-weight: bold;
}}
QPushButton[role="choice"] {{ min-height: 36px; padding: 4px 10px; border-radius: 6px; }}
QPushButton[role="choice"]:checked {{
    background: #1d4e89; color: white; border: 1px solid #163d6b;
}}
QCheckBox#consent {{ font-size: 12pt; spacing: 10px; }}
QCheckBox#consent::indicator {{ width: 24px; height: 24px; }}
QPushButton#skip {{ min-height: 44px; padding: 4px 18px; }}
QPushButton#submit {{ min-height: 56px; font-size: 15pt; padding: 6px 28px; }}
QLabel[role="question-text"] {{ font-size: 13pt; font-weight: bold; border: none; background: transparent; }}
QLabel[role="kiosk-title"] {{ font-size: 22pt; font-weight: bold; color: {theme.ACCENT_DARK}; }}
QLabel[role="thanks"] {{ font-size: 40pt; font-weight: bold; color: {theme.ACCENT_DARK}; }}
"""


def open_survey(
    parent: QWidget | None, ctx: Context, ticket_id: str, *, full_screen: bool = True
) -> SurveyKiosk | None:
    """For the main window, after *selesai*: the survey for that ticket, or a message why not
    (not served yet, already answered)."""
    try:
        ticket = tickets.find(ticket_id, ctx)
        if ticket.status != Status.DONE.value:
            raise ValidationError("survey.not_served", field="ticket", code=ticket.code)
        if survey.has_response(ticket.id):
            raise ValidationError("survey.already", field="ticket", code=ticket.code)
    except LoketError as exc:
        error_dialog.report(exc, parent)
        return None
    if ticket.id in _OPEN:  # the officer stepped back to the queue: bring the same form back
        kiosk = _OPEN[ticket.id]
        kiosk.bring_back()
        return kiosk
    kiosk = SurveyKiosk(ctx, ticket, parent)
    kiosk.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    screens = QGuiApplication.screens()
    if len(screens) > 1:  # the customer-facing monitor
        kiosk.setGeometry(screens[1].geometry())
    if full_screen:
        kiosk.showFullScreen()
    else:
        fit_to_screen(kiosk, 1100, 900)  # the questions scroll; the window never leaves the screen
        kiosk.show()
    return kiosk


class SurveyKiosk(QWidget):
    """The questionnaire for one served ticket. Child widgets tests drive are public."""

    submitted = Signal(object)  # the stored survey response (from survey.record)
    closed = Signal()

    def __init__(self, ctx: Context, ticket: TicketView, parent: QWidget | None = None) -> None:
        # No Qt parent: a child window is kept above its parent by the window manager, so a full
        # screen kiosk on the counter's only monitor would hide the queue until it is closed.
        super().__init__(None, Qt.WindowType.Window)
        self.setWindowModality(Qt.WindowModality.NonModal)
        self.officer_window = parent
        self.close_reason: str | None = None  # "sent", "timeout", "officer" once it may close
        self.ctx = ctx
        self.ticket = ticket
        _OPEN[ticket.id] = self
        if parent is not None:  # the counter window going away takes the kiosk with it
            parent.destroyed.connect(self._officer_gone)
        self.lang = i18n.language()
        self.response: object | None = None  # what survey.record stored (tests read its id)
        self.setObjectName("kiosk")
        self.setStyleSheet(KIOSK_STYLE)
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)

        self.title = QLabel(self)
        self.title.setProperty("role", "kiosk-title")
        self.subtitle = QLabel(self)
        self.subtitle.setProperty("role", "muted")
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.language_button = QPushButton(self)
        self.language_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.language_button.clicked.connect(self.toggle_language)
        head = QGridLayout()
        head.addWidget(self.title, 0, 0)
        head.addWidget(self.language_button, 0, 1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        head.addWidget(self.subtitle, 1, 0, 1, 2)
        head.addWidget(self.intro, 2, 0, 1, 2)
        head.setColumnStretch(0, 1)

        # the nine questions
        self.question_labels: dict[str, QLabel] = {}
        self.answer_groups: dict[str, QButtonGroup] = {}
        self.answer_buttons: dict[str, list[QPushButton]] = {}
        body = QWidget(self)
        body.setObjectName("kiosk-body")
        body_layout = QVBoxLayout(body)
        body_layout.setSpacing(10)
        for code in ELEMENTS:
            card = QFrame(body)
            card.setProperty("role", "question")
            inner = QVBoxLayout(card)
            label = QLabel(card)
            label.setProperty("role", "question-text")
            label.setWordWrap(True)
            inner.addWidget(label)
            row = QHBoxLayout()
            group = QButtonGroup(card)
            group.setExclusive(True)
            buttons = []
            for score in SCORES:
                button = QPushButton(card)
                button.setCheckable(True)
                button.setProperty("role", "answer")
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                group.addButton(button, score)
                row.addWidget(button)
                buttons.append(button)
            group.idToggled.connect(self._answered)
            inner.addLayout(row)
            body_layout.addWidget(card)
            self.question_labels[code] = label
            self.answer_groups[code] = group
            self.answer_buttons[code] = buttons

        # about you: optional, only with consent
        self.about_label = QLabel(body)
        self.about_label.setProperty("role", "question-text")
        self.consent_check = QCheckBox(body)
        self.consent_check.setObjectName("consent")
        self.consent_check.toggled.connect(self._consent_changed)
        about = QFrame(body)
        about.setProperty("role", "question")
        about_layout = QVBoxLayout(about)
        about_layout.addWidget(self.about_label)
        about_layout.addWidget(self.consent_check)
        self.profile_labels: dict[str, QLabel] = {}
        self.profile_groups: dict[str, QButtonGroup] = {}
        self.profile_buttons: dict[str, dict[str, QPushButton]] = {}
        grid = QGridLayout()
        for r, (name, codes) in enumerate(PROFILE.items()):
            label = QLabel(about)
            grid.addWidget(label, r, 0)
            group = QButtonGroup(about)
            group.setExclusive(True)
            row = QHBoxLayout()
            buttons: dict[str, QPushButton] = {}
            for value in codes:
                button = QPushButton(about)
                button.setCheckable(True)
                button.setProperty("role", "choice")
                group.addButton(button)
                row.addWidget(button)
                buttons[value] = button
            row.addStretch(1)
            grid.addLayout(row, r, 1)
            self.profile_labels[name] = label
            self.profile_groups[name] = group
            self.profile_buttons[name] = buttons
        about_layout.addLayout(grid)
        self.suggestions_label = QLabel(about)
        self.suggestions_edit = QPlainTextEdit(about)
        self.suggestions_edit.setFixedHeight(80)
        about_layout.addWidget(self.suggestions_label)
        about_layout.addWidget(self.suggestions_edit)
        body_layout.addWidget(about)
        body_layout.addStretch(1)

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setWidget(body)

        self.progress_label = QLabel(self)
        self.message = FieldMessage(self)
        self.officer_keys = QLabel(self)  # a quiet line for the officer; the visitor has no way out
        self.officer_keys.setProperty("role", "muted")
        self.submit_button = QPushButton(self)
        self.submit_button.setObjectName("submit")
        self.submit_button.setProperty("primary", True)
        self.submit_button.clicked.connect(self.submit)
        foot = QHBoxLayout()
        foot.addWidget(self.progress_label)
        foot.addWidget(self.message, 1)
        foot.addWidget(self.officer_keys)
        foot.addWidget(self.submit_button)

        form = QWidget(self)
        form_layout = QVBoxLayout(form)
        form_layout.setContentsMargins(32, 20, 32, 16)
        form_layout.addLayout(head)
        form_layout.addWidget(self.scroll, 1)
        form_layout.addLayout(foot)

        # thank-you page
        thanks = QWidget(self)
        thanks_layout = QVBoxLayout(thanks)
        self.thanks_label = QLabel(thanks)
        self.thanks_label.setProperty("role", "thanks")
        self.thanks_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thanks_detail = QLabel(thanks)
        self.thanks_detail.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.thanks_detail.setWordWrap(True)
        font = QFont(self.thanks_detail.font())
        font.setPointSizeF(font.pointSizeF() * 1.5)
        self.thanks_detail.setFont(font)
        thanks_layout.addStretch(1)
        thanks_layout.addWidget(self.thanks_label)
        thanks_layout.addWidget(self.thanks_detail)
        thanks_layout.addStretch(1)

        self.stack = QStackedWidget(self)
        self.stack.addWidget(form)
        self.stack.addWidget(thanks)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)

        self.close_timer = QTimer(self)
        self.close_timer.setSingleShot(True)
        self.close_timer.timeout.connect(lambda: self.finish("sent"))
        self.idle_timer = QTimer(self)
        self.idle_timer.setSingleShot(True)
        self.idle_timer.timeout.connect(self.timed_out)
        self.suggestions_edit.textChanged.connect(self.touched)
        self.consent_check.toggled.connect(self.touched)
        for group in self.profile_groups.values():
            group.buttonClicked.connect(self.touched)
        self.officer_close_shortcut = QShortcut(
            QKeySequence(OFFICER_CLOSE), self, activated=self.officer_close
        )
        self.officer_back_shortcut = QShortcut(QKeySequence(OFFICER_BACK), self, activated=self.back_to_queue)

        self._consent_changed(False)
        self.retranslate()
        self._answered()

    # ---- words ----------------------------------------------------------------------------

    def _service_name(self) -> str:
        try:
            return catalogue.service_view(self.ticket.service_id).name(self.lang)
        except LoketError:
            return self.ticket.service_id

    def retranslate(self) -> None:
        lang = self.lang
        self.setWindowTitle(t("gui.survey.window_title", lang=lang, code=self.ticket.code))
        self.title.setText(t("gui.survey.title", lang=lang))
        self.subtitle.setText(
            t("gui.survey.subtitle", lang=lang, service=self._service_name(), code=self.ticket.code)
        )
        self.intro.setText(t("gui.survey.intro", lang=lang))
        self.language_button.setText(t("gui.survey.language", lang=lang))
        for number, code in enumerate(ELEMENTS, start=1):
            self.question_labels[code].setText(f"{number}. {t(i18n.QUESTION_KEYS[code], lang=lang)}")
            for key, button in zip(answer_keys(code), self.answer_buttons[code]):
                button.setText(t(key, lang=lang))  # the element's own scale
        self.about_label.setText(t("gui.survey.about_you", lang=lang))
        self.consent_check.setText(t("gui.survey.consent", lang=lang))
        for name, label in self.profile_labels.items():
            label.setText(t(i18n.PROFILE_KEYS[name], lang=lang))
            for value, button in self.profile_buttons[name].items():
                button.setText(t(i18n.PROFILE_VALUE_TABLES[name][value], lang=lang))
        self.suggestions_label.setText(t("gui.survey.suggestions", lang=lang))
        self.suggestions_edit.setPlaceholderText(t("gui.survey.suggestions_hint", lang=lang))
        self.officer_keys.setText(
            t("gui.survey.officer_keys", lang=lang, back=OFFICER_BACK, close=OFFICER_CLOSE)
        )
        self.submit_button.setText(t("gui.survey.submit", lang=lang))
        self.thanks_label.setText(t("gui.survey.thanks", lang=lang))
        self.thanks_detail.setText(t("gui.survey.thanks_detail", lang=lang))
        self._answered()

    def toggle_language(self) -> None:
        """The visitor's language for this screen only; the officer's stays as it is."""
        self.lang = "en" if self.lang == "id" else "id"
        self.touched()
        self.message.clear()
        self.retranslate()

    # ---- state ----------------------------------------------------------------------------

    def answers(self) -> dict[str, int | None]:
        out: dict[str, int | None] = {}
        for code, group in self.answer_groups.items():
            chosen = group.checkedId()
            out[code] = chosen if chosen in SCORES else None
        return out

    def respondent(self) -> dict[str, str | None]:
        out: dict[str, str | None] = {}
        for name, buttons in self.profile_buttons.items():
            out[name] = next((v for v, b in buttons.items() if b.isChecked()), None)
        return out

    def answer(self, code: str, score: int) -> None:
        """Choose an answer (what a tap does)."""
        self.answer_buttons[code][score - 1].click()

    def choose(self, name: str, value: str) -> None:
        self.profile_buttons[name][value].click()

    def touched(self, *args: object) -> None:
        """The visitor did something: the idle time starts again (not on the thank-you page)."""
        if self.response is None:
            self.idle_timer.start(IDLE_MS)

    def _answered(self, *args: object) -> None:
        self.touched()
        done = sum(1 for v in self.answers().values() if v is not None)
        self.progress_label.setText(
            t("gui.survey.progress", lang=self.lang, answered=done, total=len(ELEMENTS))
        )
        self.submit_button.setEnabled(done == len(ELEMENTS) and self.response is None)

    def _consent_changed(self, on: bool) -> None:
        for name, group in self.profile_groups.items():
            if not on:  # withdrawing consent forgets what was chosen
                group.setExclusive(False)
                for button in self.profile_buttons[name].values():
                    button.setChecked(False)
                group.setExclusive(True)
            for button in self.profile_buttons[name].values():
                button.setEnabled(on)

    # ---- actions --------------------------------------------------------------------------

    def submit(self) -> object | None:
        consent = self.consent_check.isChecked()
        try:
            row = survey.record(
                self.ctx,
                self.ticket.id,
                self.answers(),
                self.respondent() if consent else None,
                consent,
                self.suggestions_edit.toPlainText(),
            )
        except LoketError as exc:
            self.message.show_error(exc.message(self.lang))
            return None
        self.response = row
        self.submit_button.setEnabled(False)
        self.stack.setCurrentIndex(1)
        self.close_timer.start(THANKS_MS)
        self.submitted.emit(row)
        return row

    def reset(self) -> None:
        """Back to the start: no answer, no profile, no suggestion, the officer's language."""
        for group in (*self.answer_groups.values(), *self.profile_groups.values()):
            group.setExclusive(False)
            for button in group.buttons():
                button.setChecked(False)
            group.setExclusive(True)
        self.consent_check.setChecked(False)
        self.suggestions_edit.clear()
        self.message.clear()
        self.lang = i18n.language()
        self.retranslate()
        self.scroll.verticalScrollBar().setValue(0)

    def timed_out(self) -> None:
        """Nobody touched it for IDLE_MS: clear the form and close it; nothing is stored."""
        self.reset()
        self.finish("timeout")

    def officer_close(self) -> None:
        if prompts.confirm(
            self,
            t("gui.survey.officer_close_title"),
            t("gui.survey.officer_close_text", code=self.ticket.code),
        ):
            self.finish("officer")

    def back_to_queue(self) -> None:
        """The officer needs the queue: the kiosk steps aside (still open) and the counter comes up."""
        self.showMinimized()
        if self.officer_window is not None:
            self.officer_window.raise_()
            self.officer_window.activateWindow()

    def bring_back(self) -> None:
        if self.isMinimized() or not self.isVisible():
            self.showNormal()
        self.raise_()
        self.activateWindow()

    def _officer_gone(self, *args: object) -> None:
        # `destroyed` comes from inside the officer window's destructor: nothing may reach back
        # into it (signals blocked), and a kiosk already deleted has nothing to close.
        if not shiboken6.isValid(self):
            return
        self.officer_window = None
        self.blockSignals(True)
        self.finish("officer")
        self.blockSignals(False)

    def _forget_officer(self) -> None:
        """Closing for good: the officer window's destructor must not call into a deleted kiosk."""
        officer, self.officer_window = self.officer_window, None
        if officer is not None and shiboken6.isValid(officer):
            try:
                officer.destroyed.disconnect(self._officer_gone)
            except (RuntimeError, TypeError):  # never connected, or already gone
                pass

    def finish(self, reason: str) -> None:
        """Close for a reason the visitor cannot give: sent, timeout, or the officer's."""
        if self.close_reason is None:
            self.close_reason = reason
        self.close()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:  # the visitor has no way out but sending or leaving it
            event.accept()
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        if self.close_reason is None and not QCoreApplication.closingDown():
            event.ignore()  # the window's close button, Alt+F4: not for the visitor
            return
        self.close_timer.stop()
        self.idle_timer.stop()
        self._forget_officer()
        if _OPEN.get(self.ticket.id) is self:
            del _OPEN[self.ticket.id]
        self.closed.emit()
        super().closeEvent(event)

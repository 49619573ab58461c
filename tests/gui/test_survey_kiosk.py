"""The visitor's survey screen: large answers, all nine needed, the profile only with consent,
one response per ticket, the visitor's own language, a thank-you that closes itself."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from counter_app.core import i18n
from counter_app.core.clock import FixedClock
from counter_app.core.ikm import ELEMENTS
from counter_app.gui import survey_kiosk
from counter_app.gui.survey_kiosk import SurveyKiosk, open_survey
from counter_app.services import survey, tickets
from counter_app.services.context import Context
from counter_app.store.models import SurveyResponse, Ticket


def served(ctx: Context, clock: FixedClock, service: str = "KTP", counter: str = "L01") -> Ticket:
    t = tickets.register(ctx, service=service, name="Siti Aminah").ticket
    clock.advance(minutes=3)
    tickets.call_next(ctx, counter)
    tickets.start(ctx, t.id)
    clock.advance(minutes=6)
    return tickets.finish(ctx, t.id)


def kiosk_for(qtbot: Any, ctx: Context, ticket: Ticket) -> SurveyKiosk:
    kiosk = open_survey(None, ctx, ticket.id, full_screen=False)
    assert kiosk is not None
    qtbot.addWidget(kiosk)
    return kiosk


def test_nine_questions_with_four_large_answers(
    qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any, styled: None
) -> None:
    kiosk = kiosk_for(qtbot, ctx, served(ctx, clock))
    assert kiosk.isVisible() and kiosk.isWindow()
    assert list(kiosk.answer_buttons) == list(ELEMENTS)
    assert {code: [b.text() for b in kiosk.answer_buttons[code]] for code in ELEMENTS} == SCALES_ID
    assert kiosk.question_labels["U7"].text().startswith("7. ")
    assert all(b.height() >= 48 for b in kiosk.answer_buttons["U1"])  # touch-sized
    assert "KTP-el" in kiosk.subtitle.text() and "A001" in kiosk.subtitle.text()
    assert not kiosk.submit_button.isEnabled()
    assert kiosk.progress_label.text() == "0 dari 9 pertanyaan dijawab"


# PermenPANRB No. 14 of 2017's questionnaire, element by element (DOMAIN.md)
SCALES_ID = {
    "U1": ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
    "U2": ["Tidak mudah", "Kurang mudah", "Mudah", "Sangat mudah"],
    "U3": ["Tidak cepat", "Kurang cepat", "Cepat", "Sangat cepat"],
    "U4": ["Sangat mahal", "Cukup mahal", "Murah", "Gratis"],
    "U5": ["Tidak sesuai", "Kurang sesuai", "Sesuai", "Sangat sesuai"],
    "U6": ["Tidak kompeten", "Kurang kompeten", "Kompeten", "Sangat kompeten"],
    "U7": ["Tidak sopan dan ramah", "Kurang sopan dan ramah", "Sopan dan ramah", "Sangat sopan dan ramah"],
    "U8": ["Tidak ada", "Ada tetapi tidak berfungsi", "Berfungsi kurang maksimal", "Dikelola dengan baik"],
    "U9": ["Buruk", "Cukup", "Baik", "Sangat baik"],
}


def test_all_nine_are_needed_then_one_response_is_stored(
    qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    ticket = served(ctx, clock)
    kiosk = kiosk_for(qtbot, ctx, ticket)
    for code in ELEMENTS[:-1]:
        kiosk.answer(code, 3)
    assert not kiosk.submit_button.isEnabled()
    assert kiosk.progress_label.text() == "8 dari 9 pertanyaan dijawab"
    kiosk.answer("U9", 2)
    kiosk.answer("U9", 4)  # changing one's mind: one answer per question
    assert sum(b.isChecked() for b in kiosk.answer_buttons["U9"]) == 1
    assert kiosk.submit_button.isEnabled()
    with qtbot.waitSignal(kiosk.submitted) as signal:
        qtbot.mouseClick(kiosk.submit_button, Qt.MouseButton.LeftButton)
    row = signal.args[0]
    assert isinstance(row, SurveyResponse)
    stored = SurveyResponse.get_by_id(row.id)
    assert stored.answers() == {**dict.fromkeys(ELEMENTS, 3), "U9": 4}
    assert stored.ticket_id == ticket.id and stored.age_band is None and not stored.consent
    assert kiosk.stack.currentIndex() == 1 and kiosk.thanks_label.text() == "Terima kasih!"
    assert kiosk.close_timer.isActive() and not kiosk.submit_button.isEnabled()
    kiosk.close_timer.timeout.emit()  # the thank-you page closes itself
    assert not kiosk.isVisible()

    # a second survey for the same ticket is refused before anything is shown
    assert open_survey(None, ctx, ticket.id, full_screen=False) is None
    assert prompts.messages("warn")[-1].startswith(f"Survei untuk nomor {ticket.code} sudah diisi")


def test_profile_only_with_consent(qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any) -> None:
    kiosk = kiosk_for(qtbot, ctx, served(ctx, clock))
    assert not kiosk.profile_buttons["sex"]["P"].isEnabled()
    kiosk.consent_check.setChecked(True)
    kiosk.choose("sex", "P")
    kiosk.choose("age_band", "31_40")
    kiosk.choose("education", "s1")
    kiosk.consent_check.setChecked(False)  # withdrawing consent forgets the choices
    assert kiosk.respondent() == dict.fromkeys(("age_band", "sex", "education", "occupation"))
    kiosk.consent_check.setChecked(True)
    kiosk.choose("sex", "P")
    kiosk.choose("occupation", "wirausaha")
    kiosk.suggestions_edit.setPlainText("Kursi tunggu kurang.")
    for code in ELEMENTS:
        kiosk.answer(code, 4)
    row = kiosk.submit()
    assert row is not None
    stored = SurveyResponse.get_by_id(row.id)
    assert (stored.sex, stored.occupation, stored.age_band, stored.consent) == ("P", "wirausaha", None, True)
    assert stored.suggestions == "Kursi tunggu kurang."


def test_the_visitor_may_switch_to_english(qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any) -> None:
    kiosk = kiosk_for(qtbot, ctx, served(ctx, clock))
    assert kiosk.language_button.text() == "English"
    qtbot.mouseClick(kiosk.language_button, Qt.MouseButton.LeftButton)
    assert kiosk.title.text() == "How did we do?"
    assert [b.text() for b in kiosk.answer_buttons["U4"]][-1] == "Free"
    assert [b.text() for b in kiosk.answer_buttons["U3"]] == ["Not fast", "Less fast", "Fast", "Very fast"]
    assert [b.text() for b in kiosk.answer_buttons["U9"]] == ["Poor", "Fair", "Good", "Very good"]
    assert [b.text() for b in kiosk.answer_buttons["U8"]][-1] == "Well managed"
    assert kiosk.profile_buttons["sex"]["L"].text() == "Male"
    assert kiosk.language_button.text() == "Bahasa Indonesia"
    assert i18n.language() == "id"  # the officer's language is untouched
    kiosk.answer("U1", 4)
    assert kiosk.progress_label.text() == "1 of 9 questions answered"


def test_not_served_tickets_get_a_message(qtbot: Any, ctx: Context, prompts: Any) -> None:
    waiting = tickets.register(ctx, service="KTP", name="Budi").ticket
    assert open_survey(None, ctx, waiting.id) is None
    assert prompts.messages("warn") == [
        "Survei hanya untuk nomor antrean yang sudah selesai dilayani (A001)."
    ]


def test_a_response_made_elsewhere_meanwhile_is_shown_in_place(
    qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    ticket = served(ctx, clock)
    kiosk = kiosk_for(qtbot, ctx, ticket)
    survey.record(ctx, ticket.id, dict.fromkeys(ELEMENTS, 3))  # e.g. a second window
    for code in ELEMENTS:
        kiosk.answer(code, 4)
    assert kiosk.submit() is None
    assert kiosk.message.text().startswith(
        f"Survei untuk nomor {ticket.code} sudah diisi"
    )  # not "Tiket … mengisi"
    assert kiosk.stack.currentIndex() == 0 and prompts.shown == []


def test_the_visitor_cannot_leave(qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any) -> None:
    """Esc and the window's close button do nothing; there is no close button on the form."""
    kiosk = kiosk_for(qtbot, ctx, served(ctx, clock))
    kiosk.answer("U1", 3)
    qtbot.keyClick(kiosk, Qt.Key.Key_Escape)
    assert kiosk.isVisible()
    assert kiosk.close() is False and kiosk.isVisible()  # what the title bar's × and Alt+F4 ask
    assert not hasattr(kiosk, "close_button")
    assert kiosk.answers()["U1"] == 3 and SurveyResponse.select().count() == 0


def test_a_timeout_clears_the_form_and_closes_it(
    qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    kiosk = kiosk_for(qtbot, ctx, served(ctx, clock))
    assert kiosk.idle_timer.isActive() and kiosk.idle_timer.interval() == survey_kiosk.IDLE_MS
    kiosk.toggle_language()
    kiosk.answer("U1", 2)
    kiosk.consent_check.setChecked(True)
    kiosk.choose("sex", "L")
    kiosk.suggestions_edit.setPlainText("antre lama")
    with qtbot.waitSignal(kiosk.closed):
        kiosk.idle_timer.timeout.emit()
    assert kiosk.close_reason == "timeout" and not kiosk.isVisible()
    assert kiosk.answers() == dict.fromkeys(ELEMENTS) and not kiosk.consent_check.isChecked()
    assert kiosk.suggestions_edit.toPlainText() == "" and kiosk.lang == "id"
    assert SurveyResponse.select().count() == 0


def test_the_officer_closes_it_with_a_confirmation(
    qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    ticket = served(ctx, clock)
    kiosk = kiosk_for(qtbot, ctx, ticket)
    prompts.confirm_answer = False
    kiosk.officer_close()
    assert kiosk.isVisible() and prompts.asked == [
        ("confirm", f"Tutup survei untuk nomor {ticket.code} tanpa menyimpan jawaban?")
    ]
    prompts.confirm_answer = True
    with qtbot.waitSignal(kiosk.closed):
        kiosk.officer_close_shortcut.activated.emit()  # what the officer's Ctrl+Shift+Q does
    assert kiosk.close_reason == "officer" and len(prompts.asked) == 2
    assert kiosk.officer_close_shortcut.key().toString() == "Ctrl+Shift+Q"
    assert kiosk.officer_back_shortcut.key().toString() == "Ctrl+Shift+M"
    assert "Ctrl+Shift+Q" in kiosk.officer_keys.text()


def test_it_never_hides_the_counter_window_for_good(
    qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    """A top-level window of its own (no Qt parent: the window manager keeps a child above its
    parent), not modal; the officer steps back to the queue and opening it again brings back the
    same half-filled form."""
    from PySide6.QtWidgets import QMainWindow

    counter = QMainWindow()
    qtbot.addWidget(counter)
    counter.show()
    ticket = served(ctx, clock)
    kiosk = open_survey(counter, ctx, ticket.id, full_screen=False)
    assert kiosk is not None
    qtbot.addWidget(kiosk)
    assert kiosk.parent() is None and kiosk.isWindow() and not kiosk.isModal()
    assert kiosk.windowModality() == Qt.WindowModality.NonModal
    assert counter.isEnabled()  # the queue stays usable while the kiosk is open
    kiosk.answer("U2", 4)
    kiosk.back_to_queue()
    assert kiosk.isMinimized() or kiosk.windowState() & Qt.WindowState.WindowMinimized
    again = open_survey(counter, ctx, ticket.id, full_screen=False)
    assert again is kiosk and kiosk.answers()["U2"] == 4 and not kiosk.isMinimized()
    kiosk.finish("officer")
    assert open_survey(counter, ctx, ticket.id, full_screen=False) is not kiosk


def test_full_screen_by_default(qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any) -> None:
    kiosk = open_survey(None, ctx, served(ctx, clock).id)
    assert kiosk is not None
    qtbot.addWidget(kiosk)
    assert kiosk.isFullScreen() or kiosk.windowState() & Qt.WindowState.WindowFullScreen
    assert survey_kiosk.THANKS_MS >= 3000


def test_the_counter_window_going_away_closes_it_safely(
    qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    """The counter window's `destroyed` comes from inside its destructor: the kiosk closes
    without reaching back into it, and a kiosk already gone is not called at all."""
    import shiboken6
    from PySide6.QtWidgets import QMainWindow

    counter = QMainWindow()
    counter.show()
    kiosk = open_survey(counter, ctx, served(ctx, clock).id, full_screen=False)
    assert kiosk is not None
    reached: list[str] = []
    kiosk.closed.connect(lambda: reached.append(counter.windowTitle()))
    shiboken6.delete(counter)
    assert not shiboken6.isValid(kiosk) or not kiosk.isVisible()
    assert kiosk.close_reason == "officer" if shiboken6.isValid(kiosk) else True
    assert reached == []  # nothing reached into the half-destroyed counter window

    counter = QMainWindow()  # the kiosk closed first, the counter later: nothing is called
    counter.show()
    second = open_survey(counter, ctx, served(ctx, clock).id, full_screen=False)
    assert second is not None
    second.finish("sent")
    qtbot.waitUntil(lambda: not shiboken6.isValid(second))  # deleted on close
    shiboken6.delete(counter)

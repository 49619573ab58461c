"""The main window reaches the survey and complaints screens, and hides what a role may not do."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.gui.complaints_window import ComplaintsWindow
from counter_app.gui.main_window import MainWindow
from counter_app.gui.survey_kiosk import SurveyKiosk
from counter_app.services import tickets
from counter_app.services.context import Context


def test_survey_opens_for_the_visitor_just_served(
    window: Any, ctx: Context, clock: FixedClock, prompts: Any, qtbot: Any
) -> None:
    t = tickets.register(ctx, service="KTP", name="Siti Aminah").ticket
    tickets.call_next(ctx)
    tickets.start(ctx, t.id)
    clock.advance(minutes=5)
    window.open_ticket(tickets.finish(ctx, t.id).id)
    window.survey_action.trigger()
    kiosk = window.survey_window
    assert isinstance(kiosk, SurveyKiosk)
    assert kiosk.isVisible()
    kiosk.close()  # deletes itself on close


def test_complaints_window_from_the_menu(window: Any, prompts: Any, qtbot: Any) -> None:
    assert window.complaints_action.isVisible()
    window.complaints_action.trigger()
    assert isinstance(window.complaints_window, ComplaintsWindow)
    qtbot.addWidget(window.complaints_window)
    assert window.complaints_window.banner.text()


def test_staff_see_no_report_or_settings(qtbot: Any, ctx: Context, prompts: Any, no_printer: str) -> None:
    staff = replace(ctx, actor=Actor("petugas1", Role.STAFF, 2))
    win = MainWindow(staff, check_printers=False)
    qtbot.addWidget(win)
    assert not win.report_action.isVisible()
    assert not win.settings_action.isVisible()
    assert win.complaints_action.isVisible()  # every complaint is recorded, by anyone
    assert not win.sync_action.isVisible()
    win.close()


def test_overdue_complaints_show_on_the_status_bar(
    window: Any, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    from counter_app.services import complaints

    window.refresh_complaints()
    assert not window.status.complaints_label.isVisibleTo(window)
    complaints.add(
        ctx,
        channel="langsung",
        category="waktu",
        classification="ringan",
        text="Antrian terlalu lama",
    )
    clock.advance(days=3)  # a minor complaint is due within 2 working days
    window.refresh_complaints()
    assert window.status.complaints_label.isVisibleTo(window)
    assert "1 pengaduan TERLAMBAT" in window.status.complaints_label.text()


def test_sync_now_without_a_server_says_so(window: Any, prompts: Any) -> None:
    assert window.sync_action.isVisible()
    window.sync_action.trigger()
    assert any("belum diatur" in text for text in prompts.messages())


def test_a_window_opened_with_overdue_complaints_shows_them_by_itself(
    qtbot: Any, ctx: Context, clock: FixedClock, prompts: Any, no_printer: str
) -> None:
    """The count comes a moment after the first paint (the start does not wait for it)."""
    from counter_app.services import complaints

    complaints.add(
        ctx, channel="langsung", category="waktu", classification="ringan", text="Antrian terlalu lama"
    )
    clock.advance(days=3)
    win = MainWindow(ctx, check_printers=False, nightly_sync=False, live=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.status.complaints_label.isVisibleTo(win), timeout=5000)
    assert "1 pengaduan TERLAMBAT" in win.status.complaints_label.text()
    win.close()

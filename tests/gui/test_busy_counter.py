"""Issue 14: a whole day at a busy counter on a 1366×768 laptop, through the real widgets.

Each test drives the window as the officer does (keys, scans, clicks) on a real store.
"""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QLabel, QWidget

from counter_app.core import i18n
from counter_app.core.clock import FixedClock
from counter_app.gui.main_window import MainWindow
from counter_app.gui.queue_table import COL_CODE, COL_ORDER, wait_text
from counter_app.printing.jobs import PrintOutcome
from counter_app.services import demo, site_settings, staff, tickets
from counter_app.services.context import Context
from counter_app.store.models import AuditLog, Service, Ticket
from tests.conftest import WIB

from .test_day_loop import ADMIN_PASSWORD, activate, press, register_by_keyboard, type_into

TASKBAR = 40


def reg(
    ctx: Context, clock: FixedClock, service: str = "KTP", name: str = "Budi Santoso", priority: str = ""
) -> Any:
    ticket = tickets.register(ctx, service=service, name=name, priority=priority).ticket
    clock.advance(minutes=1)
    return ticket


def status_of(ticket: Any) -> str:
    return Ticket.get_by_id(ticket.id).status


# ---- 1. one ticket in hand ---------------------------------------------------------------


def test_opening_another_ticket_never_drops_the_one_in_hand(
    qtbot: Any, window: MainWindow, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    first, second, third = (reg(ctx, clock, name=n) for n in ("Ani", "Budi", "Cici"))
    window.reload_queue()
    serving = window.serving_panel
    press(qtbot, window, Qt.Key.Key_F5)
    assert serving.ticket.code == first.code and serving.in_hand.code == first.code

    # The officer types another code into the scan field: shown, read-only; A001 stays in hand.
    activate(qtbot, window)
    window.scan_field.edit.setFocus()
    type_into(qtbot, window.scan_field.edit, second.code)
    assert serving.ticket.code == second.code
    assert serving.in_hand.code == first.code
    assert serving.viewing_bar.isVisible() and first.code in serving.viewing_label.text()
    assert not serving.actions["call_next"].isEnabled()
    assert not any(serving.actions[m].isEnabled() for m in ("cancel", "transfer", "requeue"))
    press(qtbot, window, Qt.Key.Key_F5)  # refused: nothing is called while A001 is in hand
    assert (status_of(first), status_of(second), status_of(third)) == ("called", "waiting", "waiting")

    # From the table too; Esc goes back to the ticket in hand, and its moves work again.
    window.queue_table.ticket_opened.emit(third.id)
    assert serving.ticket.code == third.code and serving.in_hand.code == first.code
    press(qtbot, window, Qt.Key.Key_Escape)
    assert serving.ticket.code == first.code and not serving.viewing_bar.isVisible()
    assert serving.actions["start"].isEnabled()
    press(qtbot, window, Qt.Key.Key_F7)
    prompts.texts.append("")
    press(qtbot, window, Qt.Key.Key_F9)
    assert status_of(first) == "done" and serving.in_hand is None
    press(qtbot, window, Qt.Key.Key_F5)
    assert serving.ticket.code == second.code


def test_call_next_is_refused_by_the_service_naming_the_ticket(
    window: MainWindow, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    first = reg(ctx, clock)
    reg(ctx, clock)
    tickets.call_next(ctx)
    window.serving_panel.call_next()  # a second window / a script: the service says no
    assert any(first.code in text for text in prompts.messages())
    assert [t.code for t in tickets.queue(ctx, status="called")] == [first.code]


# ---- 2. people ahead from the real call order --------------------------------------------


def test_people_ahead_follow_the_order_call_next_takes(
    window: MainWindow, ctx: Context, clock: FixedClock
) -> None:
    ktp1 = reg(ctx, clock, "KTP", "Ani")
    ktp2 = reg(ctx, clock, "KTP", "Budi")
    akta = reg(ctx, clock, "AKTALAHIR", "Cici")  # same counter, another service
    elderly = reg(ctx, clock, "KTP", "Dedi", priority="lansia")
    window.reload_queue()
    serving = window.serving_panel
    window.open_ticket(akta.id)
    assert serving.hint_label.text() == i18n.tn("gui.serving.hint_waiting_wait", 3, minutes=30)
    window.open_ticket(elderly.id)
    assert serving.hint_label.text() == i18n.t("gui.serving.hint_waiting_soon")
    assert "0" not in serving.hint_label.text()
    # The queue list shows the same order: the priority visitor first, then FIFO.
    proxy = window.queue_table.proxy
    codes = [proxy.index(r, COL_CODE).data() for r in range(proxy.rowCount())]
    assert codes == [elderly.code, ktp1.code, ktp2.code, akta.code]
    assert [proxy.index(r, COL_ORDER).data() for r in range(4)] == ["1", "2", "3", "4"]
    assert tickets.call_next(ctx).id == elderly.id


# ---- 3. the window fits a 1366×768 laptop with a taskbar ----------------------------------


@pytest.fixture
def busy_day(ctx: Context, clock: FixedClock) -> Context:
    """3,000 visitors (the demo generator), and a few late ones still waiting."""
    day = clock.now().date()
    if hasattr(Service, "daily_quota"):  # a busy day is past any daily quota: none here
        Service.update(daily_quota=None).execute()
    demo.run_demo(ctx, day, 3000, seed=3)
    clock.set(datetime.combine(day, time(15, 30), WIB))
    for name in ("Ani", "Budi", "Cici"):  # late arrivals still waiting
        reg(ctx, clock, name=name)
    return ctx


def _fits(widget: QWidget, room: Any, *, laptop: bool = True) -> None:
    """Inside the screen's available geometry, and (unless maximised to it) inside a 1366×768
    laptop's less a 40 px taskbar; its minimum always fits that laptop."""
    frame = widget.frameGeometry()
    assert frame.width() <= room.width() and frame.height() <= room.height(), (
        type(widget).__name__,
        frame,
        room,
    )
    if laptop:
        assert frame.width() <= 1366 and frame.height() <= 768 - TASKBAR, (type(widget).__name__, frame)
    least = widget.minimumSizeHint()
    assert least.width() <= 1366 and least.height() <= 768 - TASKBAR, (type(widget).__name__, least)


def _whole(widget: QWidget, window: QWidget) -> None:
    """Shown whole inside the window: not clipped at its right or bottom edge."""
    top_left = widget.mapTo(window, QPoint(0, 0))
    assert widget.isVisible()
    assert top_left.x() + widget.width() <= window.width(), widget
    assert top_left.y() + widget.height() <= window.height(), widget
    assert widget.width() >= widget.minimumSizeHint().width(), widget


def test_every_window_fits_the_screen_after_a_busy_day(
    qtbot: Any, busy_day: Context, prompts: Any, no_printer: str, styled: None
) -> None:
    window = MainWindow(busy_day, check_printers=False, nightly_sync=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    room = (window.screen() or QGuiApplication.primaryScreen()).availableGeometry()
    table = window.queue_table
    table.set_status_filter("all")
    total = table.model.rowCount()
    assert total >= 3000
    assert f"{total} dari {total}" in table.count_label.text()
    window.status.showMessage("Tidak tercetak. Belum ada printer yang dipasang di komputer ini; " * 4)
    QApplication.processEvents()
    _fits(window, room)
    for part in (
        window.serving_panel.buttons["no_show"],
        window.status.clock_label,
        table.view.verticalScrollBar(),
        table.count_label,
    ):
        _whole(part, window)
    window.showMaximized()
    QApplication.processEvents()
    _fits(window, room, laptop=False)
    _whole(window.serving_panel.buttons["no_show"], window)
    _whole(window.status.clock_label, window)

    # The other windows of the counter: lock, message history, receipt preview.
    lock = window.lock()
    QApplication.processEvents()
    _fits(lock, room)
    history = window.status.messages.open_history()
    QApplication.processEvents()
    _fits(history, room)
    window.close()


# ---- 4. user text is never markup ---------------------------------------------------------


def test_names_with_markup_are_shown_as_typed(
    qtbot: Any, window: MainWindow, ctx: Context, clock: FixedClock
) -> None:
    register_by_keyboard(qtbot, window, "<b>Joko</b> Widodo", "ktp")
    window.serving_panel.open_ticket(tickets.queue(ctx)[0].id)
    shown = [label for label in window.findChildren(QLabel) if "<b>" in label.text()]
    assert shown, "the name appears somewhere"
    for label in shown:
        assert label.textFormat() == Qt.TextFormat.PlainText, label.text()
    assert "<b>Joko</b>" in window.status.currentMessage()


def test_message_boxes_show_user_text_as_typed(qtbot: Any) -> None:
    # A confirmation or warning quoting a name ("Batalkan nomor A001 (<b>Joko</b>)?") shows the
    # tags, not bold: every box the program opens is made by prompts.message_box.
    from counter_app.gui.widgets import prompts as real_prompts

    for icon in ("Information", "Warning", "Critical", "Question"):
        box = real_prompts.message_box(None, icon, "Judul", "<b>Joko</b> Widodo")
        qtbot.addWidget(box)
        assert box.textFormat() == Qt.TextFormat.PlainText
        assert box.text() == "<b>Joko</b> Widodo"


# ---- 5. no-show after N calls and a grace time; back in the queue the same day ------------


def test_no_show_waits_for_the_grace_time_and_can_be_undone(
    qtbot: Any, window: MainWindow, ctx: Context, clock: FixedClock
) -> None:
    ticket = reg(ctx, clock)
    window.reload_queue()
    serving = window.serving_panel
    press(qtbot, window, Qt.Key.Key_F5)
    press(qtbot, window, Qt.Key.Key_F6)
    press(qtbot, window, Qt.Key.Key_F6)
    press(qtbot, window, Qt.Key.Key_F10)  # three calls within seconds: refused
    assert status_of(ticket) == "called"
    assert not serving.actions["no_show"].isEnabled()
    assert "08:04" in serving.hint_label.text()  # from when no-show is possible
    clock.advance(minutes=2, seconds=59)
    window.tick()
    assert not serving.actions["no_show"].isEnabled()
    clock.advance(seconds=1)
    window.tick()
    assert serving.actions["no_show"].isEnabled()
    press(qtbot, window, Qt.Key.Key_F10)
    assert status_of(ticket) == "no_show"

    # Five minutes later the visitor is back: Kembalikan ke antrean.
    clock.advance(minutes=5)
    assert serving.actions["requeue"].isEnabled()
    assert serving.actions["requeue"].text() == "Kembalikan ke antrean"
    serving.buttons["requeue"].click()
    assert status_of(ticket) == "waiting"
    assert (
        AuditLog.select()
        .where((AuditLog.action == "ticket.requeue") & (AuditLog.subject == ticket.id))
        .exists()
    )


# ---- 6. status-bar messages whole, with a history ----------------------------------------


def test_long_messages_are_whole_on_hover_and_in_the_history(window: MainWindow, ctx: Context) -> None:
    width = window.width()
    long = "Nomor antrean A036 diterbitkan untuk Siti Aminah Rahayu; " * 3
    window.status.showMessage(long, 8000)
    window.status.showMessage("Tidak tercetak. Belum ada printer yang dipasang.")
    QApplication.processEvents()
    assert window.width() == width  # the window did not grow
    line = window.status.messages
    assert line.label.full_text() == "Tidak tercetak. Belum ada printer yang dipasang."
    assert line.label.toolTip() == line.label.full_text()
    window.history_action.trigger()
    dialog = line.dialog
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    items = [line.list.item(i).text() for i in range(line.list.count())]
    assert items[0].endswith("Tidak tercetak. Belum ada printer yang dipasang.")
    assert items[1].endswith(long)
    assert items[0].startswith("08:00:00")  # the site's clock


# ---- 7. a print failure is a notice, never a dialog ---------------------------------------


def test_a_print_failure_is_a_notice_that_does_not_stop_the_counter(
    qtbot: Any, window: MainWindow, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    def places() -> list[int]:
        QApplication.processEvents()
        widgets = [
            window.scan_field,
            window.register_panel.name_edit,
            window.serving_panel.buttons["call_next"],
        ]
        return [w.mapTo(window, QPoint(0, 0)).y() for w in widgets]

    before = places()
    register_by_keyboard(qtbot, window, "Ani Lestari", "ktp")
    outcomes = window.receipts.outcomes
    qtbot.waitUntil(lambda: len(outcomes) == 1, timeout=60000)
    assert not outcomes[0].printed
    assert prompts.messages() == []  # no dialog took the next key
    notice = window.print_notice
    assert notice.isVisible() and notice.text() == outcomes[0].message
    assert places() == before  # nothing the officer aims at moved
    press(qtbot, window, Qt.Key.Key_F5)  # the very next F5 calls
    assert window.serving_panel.ticket is not None and status_of(window.serving_panel.ticket) == "called"

    opened: list[Path] = []
    window.open_file = opened.append  # the system's PDF viewer: the edge of the program
    notice.buttons[1].click()
    assert opened == [outcomes[0].pdf_path]
    notice.buttons[0].click()  # Coba lagi: the same PDF to the printer again
    qtbot.waitUntil(lambda: len(outcomes) == 2, timeout=60000)
    assert outcomes[1].pdf_path.name.startswith(outcomes[0].pdf_path.stem)
    assert notice.isVisible()
    # The next receipt that prints clears it.
    window.receipts._printed(PrintOutcome(True, "Loket-1", outcomes[0].pdf_path, "Tercetak."))
    assert not notice.isVisible()


# ---- 8. the form never jumps ---------------------------------------------------------------


def test_hints_and_errors_do_not_move_the_fields(window: MainWindow) -> None:
    panel = window.register_panel

    def places() -> list[int]:
        QApplication.processEvents()
        widgets = [*panel.inputs.values(), panel.submit_button, window.scan_field.edit]
        return [w.mapTo(window, QPoint(0, 0)).y() for w in widgets]

    before = places()
    long = "NIK ini tidak sah: tanggal lahir 32 tidak ada; periksa lagi KTP-el pengunjung " * 2
    for key in panel.messages:
        panel.messages[key].show_error(long)
    panel.last_label.show_hint(long * 2)
    assert places() == before
    for key in panel.messages:
        panel.messages[key].clear()
    assert places() == before
    assert panel.messages["name"].toolTip() == ""


# ---- 9. switch officer, lock, warn before quitting ---------------------------------------


def test_log_out_lock_and_switch_officer(
    qtbot: Any, window: MainWindow, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    staff.create_staff(ctx, "rina", "rahasia-rina-1", "staff", "Rina Lestari")
    held = reg(ctx, clock)
    reg(ctx, clock)
    window.reload_queue()
    press(qtbot, window, Qt.Key.Key_F5)
    assert [a.text() for a in window.file_menu.actions()][-3:] == [
        "Ganti petugas…",
        "Keluar akun (kunci layar)",
        "Keluar",
    ]
    assert window.logout_action.shortcut().toString() == "Ctrl+L"
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    lock = window.lock_dialog
    assert lock is not None and lock.isVisible() and window.pages.currentWidget() is window.lock_page
    assert held.code in window.lock_page.label.text()
    lock.reject()  # Esc does not unlock
    assert window.locked
    lock.username_edit.setText("rina")
    lock.password_edit.setText("rahasia-rina-1")
    lock.login_button.click()
    assert not window.locked and window.pages.currentWidget() is window.work_page
    assert window.ctx.actor.username == "rina" and window.serving_panel.ctx.actor.username == "rina"
    assert "rina" in window.status.officer_label.full_text()
    assert window.serving_panel.in_hand.code == held.code  # the ticket stayed in hand
    assert not window.settings_action.isVisible()  # a petugas: no settings

    # Idle for the set minutes: the window locks by itself.
    site_settings.set_setting(ctx, "idle_lock_minutes", "2")
    window.ctx.reload_settings()
    now = [0.0]
    window.idle_clock = lambda: now[0]
    window._last_input = 0.0
    now[0] = 119.0
    window.check_idle()
    assert not window.locked
    now[0] = 120.0
    window.check_idle()
    assert window.locked
    window.lock_dialog.username_edit.setText("admin")
    window.lock_dialog.password_edit.setText(ADMIN_PASSWORD)
    window.lock_dialog.try_login()
    assert not window.locked and window.ctx.actor.username == "admin"

    # Quitting with a ticket in hand asks first; "no" keeps the window and the ticket.
    prompts.confirm_answer = False
    window.close()
    assert window.isVisible() and status_of(held) == "called"
    assert any(held.code in text for kind, text in prompts.asked if kind == "confirm")
    prompts.confirm_answer = True


# ---- 10. the queue list at a busy counter -------------------------------------------------


def test_queue_list_opens_on_the_waiting_in_call_order_and_keeps_the_filter(
    qtbot: Any, window: MainWindow, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    a = reg(ctx, clock, "KTP", "Ani")
    b = reg(ctx, clock, "KK", "Budi", priority="ibu_hamil")
    tickets.call_next(ctx)  # B first (priority)
    tickets.start(ctx, b.id)
    tickets.finish(ctx, b.id)
    c = reg(ctx, clock, "KTP", "Cici", priority="lansia")
    window.reload_queue()
    table = window.queue_table
    assert table.status_combo.currentData() == "waiting"
    proxy = table.proxy
    assert [proxy.index(r, COL_CODE).data() for r in range(proxy.rowCount())] == [c.code, a.code]
    table.set_status_filter("all")
    window.close()

    again = MainWindow(ctx, check_printers=False, nightly_sync=False)
    qtbot.addWidget(again)
    assert again.queue_table.status_combo.currentData() == "all"  # kept
    again.close()

    assert wait_text(43 * 60 + 1) == "43 mnt"
    assert wait_text(65 * 60) == "1 j 5 mnt"
    i18n.set_language("en")
    assert wait_text(65 * 60) == "1 h 5 min"

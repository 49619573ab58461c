"""Sedang dilayani: which moves are offered when, cancel and requeue, and picking up after a restart."""

from __future__ import annotations

from typing import Any

from counter_app.core import i18n
from counter_app.core.clock import FixedClock
from counter_app.core.ticket_rules import Status
from counter_app.gui.main_window import MainWindow
from counter_app.gui.queue_table import COL_STATUS
from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.store.models import Ticket


def test_moves_follow_the_ticket_rules(window: Any, ctx: Context, clock: FixedClock, prompts: Any) -> None:
    serving = window.serving_panel
    enabled = lambda: sorted(n for n, a in serving.actions.items() if a.isEnabled())
    assert enabled() == ["call_next"]
    serving.call_next()
    assert prompts.messages("inform") == [i18n.t("gui.serving.nobody")]

    tickets.register(ctx, service="KTP", name="Ani")
    window.reload_queue()
    serving.call_next()
    assert enabled() == ["cancel", "recall", "reprint", "requeue", "start", "transfer"]
    serving.start()
    assert enabled() == ["finish", "reprint", "requeue", "transfer"]
    assert serving.actions["call_next"].toolTip() == i18n.t("gui.serving.busy", code="A001")

    serving.requeue()
    ticket = Ticket.get_by_id(serving.ticket.id)
    assert ticket.status == Status.WAITING
    assert enabled() == ["call_next", "cancel", "reprint", "transfer"]
    assert serving.hint_label.text() == i18n.t("gui.serving.hint_waiting_soon")

    prompts.texts.append(None)  # the officer changes their mind
    serving.cancel()
    assert Ticket.get_by_id(ticket.id).status == Status.WAITING
    prompts.texts.append("Berkas tertinggal di rumah")
    serving.cancel()
    cancelled = Ticket.get_by_id(ticket.id)
    assert cancelled.status == Status.CANCELLED and cancelled.outcome == "Berkas tertinggal di rumah"
    assert enabled() == ["call_next", "reprint"]
    assert "Batal" in window.queue_table.model.data(window.queue_table.model.index(0, COL_STATUS))


def test_the_ticket_in_hand_survives_a_restart(
    qtbot: Any, window: Any, ctx: Context, clock: FixedClock, prompts: Any
) -> None:
    tickets.register(ctx, service="KK", name="Budi")
    window.reload_queue()
    window.serving_panel.call_next()
    code = window.serving_panel.ticket.code
    window.close()
    again = MainWindow(ctx, check_printers=False)
    qtbot.addWidget(again)
    assert again.serving_panel.ticket is not None
    assert again.serving_panel.ticket.code == code
    assert again.serving_panel.code_label.text() == code
    again.close()


def test_opening_a_ticket_from_the_queue(window: Any, ctx: Context, clock: FixedClock, prompts: Any) -> None:
    made = tickets.register(ctx, service="PASPOR", name="Citra").ticket
    window.reload_queue()
    table = window.queue_table
    index = table.proxy.index(0, 0)
    table.view.doubleClicked.emit(index)
    assert window.serving_panel.ticket.id == made.id
    assert window.serving_panel.service_label.text() == "Paspor (Baru/Penggantian)"


def test_preview_needs_a_ticket(window: Any, prompts: Any) -> None:
    window.preview_receipt()
    assert prompts.messages("inform") == [i18n.t("gui.serving.no_ticket")]


def test_printer_state_in_the_status_bar(window: Any, no_printer: str) -> None:
    window.check_printer()
    assert window.status.printer_label.text() == i18n.t("gui.status.printer_missing", name=no_printer)


def test_no_default_printer_says_so(window: Any) -> None:
    # Issue 14, defect 13: not "Printer tidak tersedia (bawaan sistem)".
    window.status.show_printer(None, False)
    assert window.status.printer_label.text() == "Tidak ada printer bawaan sistem"
    window.status.show_printer(None, True)
    assert window.status.printer_label.text() == i18n.t("gui.status.printer", name="bawaan sistem")


def test_fits_a_1366_by_768_screen(window: Any) -> None:
    hint = window.minimumSizeHint()
    assert hint.width() <= 1366
    assert hint.height() <= 768 - 40  # a taskbar


def test_supervisors_find_the_daily_summary_in_the_menu(
    qtbot: Any, window: Any, staff_ctx: Context, prompts: Any
) -> None:
    assert window.report_action.isVisible()  # the fixture's window is an admin's
    window.report_action.trigger()
    assert window.report_dialog is not None and window.report_dialog.isVisible()
    window.report_dialog.close()
    staff_window = MainWindow(staff_ctx, check_printers=False)
    qtbot.addWidget(staff_window)
    assert not staff_window.report_action.isVisible()
    staff_window.close()

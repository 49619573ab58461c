"""A whole day at the counter, driven through the real widgets from the keyboard."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from counter_app.core import i18n
from counter_app.core.clock import FixedClock
from counter_app.core.ticket_rules import Status
from counter_app.gui.login_dialog import NOBODY, LoginDialog
from counter_app.gui.main_window import MainWindow
from counter_app.gui.queue_table import COL_CODE, COL_STATUS, COL_WAITING
from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.store.models import Receipt, Ticket

ADMIN_PASSWORD = "rahasia-admin-1"  # the fixtures' admin (tests/conftest.py)

ENTER = Qt.Key.Key_Return


def type_into(qtbot: Any, widget: Any, text: str) -> None:
    qtbot.keyClicks(widget, text)
    qtbot.keyClick(widget, ENTER)


def focused() -> Any:
    return QApplication.focusWidget()


def activate(qtbot: Any, window: Any) -> None:
    """Make the window the active one again. Offscreen, a completer popup shown a moment ago
    may be activated late by queued window-system events; a real window manager does not."""
    qtbot.wait(1)
    if QApplication.activeWindow() is not window:
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def register_by_keyboard(
    qtbot: Any,
    window: MainWindow,
    name: str,
    service: str,
    *,
    nik: str = "",
    phone: str = "",
    priority_steps: int = 0,
    notes: str = "",
) -> None:
    """Name ⏎ NIK ⏎ phone ⏎ service ⏎ priority ⏎ notes ⏎ — the form never needs the mouse."""
    activate(qtbot, window)
    panel = window.register_panel
    panel.name_edit.setFocus()
    type_into(qtbot, panel.name_edit, name)
    assert focused() is panel.nik_edit
    type_into(qtbot, panel.nik_edit, nik)
    assert focused() is panel.phone_edit
    type_into(qtbot, panel.phone_edit, phone)
    if phone:  # the visitor agreed to be called back (UU PDP): the officer ticks it
        panel.phone_consent.setChecked(True)
    picker = panel.service_picker
    assert focused() in (picker, picker.lineEdit())
    type_into(qtbot, picker.lineEdit(), service)
    assert focused() is panel.priority_combo
    for _ in range(priority_steps):
        qtbot.keyClick(panel.priority_combo, Qt.Key.Key_Down)
    qtbot.keyClick(panel.priority_combo, ENTER)
    assert focused() is panel.notes_edit
    type_into(qtbot, panel.notes_edit, notes)


def press(qtbot: Any, window: MainWindow, key: Qt.Key) -> None:
    """A function key, where the officer's hands are: in the window's focused field."""
    activate(qtbot, window)
    qtbot.keyClick(focused() or window, key)


def test_whole_day(
    qtbot: Any,
    data_dir: Path,
    clock: FixedClock,
    ctx: Context,
    prompts: Any,
    no_printer: str,
    styled: None,
) -> None:
    # ---- log in with the real dialog ------------------------------------------------------
    login = LoginDialog(replace(ctx, actor=NOBODY))
    qtbot.addWidget(login)
    login.show()
    qtbot.waitExposed(login)
    type_into(qtbot, login.username_edit, "admin")
    qtbot.keyClicks(login.password_edit, "salah-sekali")
    qtbot.keyClick(login.password_edit, ENTER)
    assert login.actor is None
    assert login.message.text() == i18n.t("auth.failed")
    type_into(qtbot, login.password_edit, ADMIN_PASSWORD)
    assert login.result() == LoginDialog.DialogCode.Accepted
    assert login.actor is not None and login.actor.username == "admin"

    window = MainWindow(replace(ctx, actor=login.actor), check_printers=False)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    model = window.queue_table.model
    serving = window.serving_panel

    # ---- registrations from the keyboard ---------------------------------------------------
    register_by_keyboard(
        qtbot,
        window,
        "Siti Aminah",
        "kartu",
        nik="6171014101900001",
        phone="0812-3456-7890",
        priority_steps=1,
        notes="bawa KK asli",
    )
    clock.advance(minutes=2)
    register_by_keyboard(qtbot, window, "Budi Santoso", "ktp")
    clock.advance(minutes=1)
    register_by_keyboard(qtbot, window, "Rina Lestari", "akta")
    clock.advance(minutes=1)
    register_by_keyboard(qtbot, window, "Agus Hidayat", "pindah", phone="08115600123")
    assert [r.code for r in model.rows] == ["A001", "A002", "A003", "A004"]
    assert model.rows[0].priority == "lansia"
    assert Ticket.select().count() == 4
    assert focused() is window.register_panel.name_edit  # ready for the next visitor

    # Each registration printed a receipt: there is no such printer, so the PDF is kept.
    outcomes = window.receipts.outcomes
    qtbot.waitUntil(lambda: len(outcomes) >= 4, timeout=60000)
    kept = [o.message for o in outcomes]
    assert all(no_printer in text for text in kept)
    assert all("PDF disimpan di" in text for text in kept)
    first_pdf = Path(kept[0].rsplit("PDF disimpan di ", 1)[1].strip())
    assert first_pdf == outcomes[0].pdf_path
    assert first_pdf.exists() and first_pdf.read_bytes().startswith(b"%PDF")
    assert not any(o.printed for o in outcomes)
    # Never a dialog (it took the next key press): a notice in the window, the latest one.
    assert prompts.messages("warn") == []
    assert window.print_notice.isVisible() and window.print_notice.text() == kept[-1]
    assert window.status.printer_label.text() == i18n.t("gui.status.printer_missing", name=no_printer)

    # ---- an invalid NIK: the message beside the field, nothing written ---------------------
    panel = window.register_panel
    activate(qtbot, window)
    panel.name_edit.setFocus()
    type_into(qtbot, panel.name_edit, "Dewi Kusuma")
    qtbot.keyClicks(panel.nik_edit, "6171017201900001")  # day 32
    assert panel.messages["nik"].kind == "error"
    assert panel.messages["nik"].text() == i18n.t("nik.date")
    panel.service_picker.lineEdit().setText("ktp")
    panel.service_picker.settle()
    qtbot.keyClick(panel.nik_edit, Qt.Key.Key_F2)
    assert Ticket.select().count() == 4
    assert focused() is panel.nik_edit
    assert panel.name_edit.text() == "Dewi Kusuma"  # kept for correcting
    panel.clear_form()

    # ---- the waiting time ticks, only its column is repainted ------------------------------
    changes: list[tuple[int, int, int, int]] = []
    window.queue_table.proxy.dataChanged.connect(
        lambda a, b, roles=None: changes.append((a.row(), a.column(), b.row(), b.column()))
    )
    resets: list[int] = []
    model.modelReset.connect(lambda: resets.append(1))
    clock.advance(seconds=65)
    window.tick()
    assert changes == [(0, COL_WAITING, 3, COL_WAITING)]  # the rows on screen, that column
    assert resets == []
    assert model.data(model.index(3, COL_WAITING)) == "1 mnt"
    assert model.data(model.index(0, COL_WAITING)) == "5 mnt"

    # ---- call, recall, start, finish --------------------------------------------------------
    press(qtbot, window, Qt.Key.Key_F5)
    assert serving.ticket is not None and serving.ticket.code == "A001"  # priority first
    assert serving.code_label.text() == "A001"
    # The model keeps its rows in the order shown (call order): called, A001 left the top.
    assert "Dipanggil" in model.data(model.index(model.row_of(serving.ticket.id), COL_STATUS))
    press(qtbot, window, Qt.Key.Key_F6)
    assert serving.ticket.call_count == 2
    press(qtbot, window, Qt.Key.Key_F7)
    assert serving.ticket.status == Status.SERVING
    clock.advance(minutes=7)
    window.tick()
    assert serving.timer_label.text() == "07:00"
    prompts.texts.append("Berkas lengkap, KK dicetak")
    press(qtbot, window, Qt.Key.Key_F9)
    assert Ticket.get_by_id(serving.ticket.id).status == Status.DONE
    assert Ticket.get_by_id(serving.ticket.id).outcome == "Berkas lengkap, KK dicetak"
    assert "Selesai" in model.data(model.index(model.row_of(serving.ticket.id), COL_STATUS))

    # ---- no-show only after three calls ----------------------------------------------------
    press(qtbot, window, Qt.Key.Key_F5)
    absent = serving.ticket
    assert absent is not None and absent.code == "A002"
    assert not serving.actions["no_show"].isEnabled()
    press(qtbot, window, Qt.Key.Key_F10)  # refused quietly: the action is disabled
    assert Ticket.get_by_id(absent.id).status == Status.CALLED
    press(qtbot, window, Qt.Key.Key_F6)
    press(qtbot, window, Qt.Key.Key_F6)
    assert serving.ticket.call_count == 3
    assert not serving.actions["no_show"].isEnabled()  # the grace time is not over yet
    clock.advance(minutes=3)
    window.tick()
    assert serving.actions["no_show"].isEnabled()
    press(qtbot, window, Qt.Key.Key_F10)
    assert Ticket.get_by_id(absent.id).status == Status.NO_SHOW
    assert "Tidak hadir" in model.data(model.index(model.row_of(absent.id), COL_STATUS))

    # ---- transfer to another service -------------------------------------------------------
    press(qtbot, window, Qt.Key.Key_F5)
    moving = serving.ticket
    assert moving is not None and moving.code == "A003"
    prompts.choose = lambda items: next(i for i, s in enumerate(items) if "Paspor" in s)
    printed = len(outcomes)
    serving.buttons["transfer"].click()
    assert Ticket.get_by_id(moving.id).status == Status.TRANSFERRED
    new = Ticket.get(Ticket.transferred_from == moving.id)
    assert new.code == "C001" and new.status == Status.WAITING
    assert model.rows[model.row_of(new.id)].code == "C001"
    assert "Dialihkan" in model.data(model.index(model.row_of(moving.id), COL_STATUS))
    qtbot.waitUntil(lambda: len(outcomes) > printed, timeout=60000)  # its receipt
    assert "C001" in outcomes[-1].pdf_path.name

    # ---- reprint: preview, then print (kept as PDF) ----------------------------------------
    window.serving_panel.open_ticket("A004")
    assert serving.ticket.code == "A004"
    printed = len(outcomes)
    serving.buttons["reprint"].click()
    qtbot.waitUntil(lambda: window.receipts.last_preview is not None, timeout=60000)
    preview = window.receipts.last_preview
    assert preview.document.pageCount() == 1
    assert "A004" in preview.windowTitle()
    preview.print_button.click()
    qtbot.waitUntil(lambda: len(outcomes) > printed, timeout=60000)
    reprint_text = outcomes[-1].message
    assert "PDF disimpan di" in reprint_text and "ulang" in reprint_text
    a004 = Ticket.get(Ticket.code == "A004")
    assert Receipt.get(Receipt.ticket == a004.id).reprint_count == 1

    # ---- scan a genuine and a forged receipt -----------------------------------------------
    token = Receipt.get(Receipt.ticket == a004.id).token
    serving.show_ticket(None)
    type_into(qtbot, window.scan_field.edit, token)
    assert serving.ticket is not None and serving.ticket.code == "A004"
    assert window.scan_field.result.kind == "ok"
    head, sig = token.split(".")
    forged = head + "." + ("A" if sig[0] != "A" else "B") + sig[1:]
    serving.show_ticket(None)
    type_into(qtbot, window.scan_field.edit, forged)
    assert serving.ticket is None
    assert window.scan_field.result.kind == "error"
    assert window.scan_field.result.text() == i18n.t("receipt.verify.bad_signature")

    # ---- switch to English at run time -----------------------------------------------------
    assert serving.title() == "Sedang dilayani"
    window.language_actions["en"].trigger()
    assert serving.title() == "Now serving"
    assert window.register_panel.submit_button.text() == "Register && Print (F2)"
    assert model.headerData(COL_CODE, Qt.Orientation.Horizontal) == "Number"
    assert "No-show" in model.data(model.index(model.row_of(absent.id), COL_STATUS))
    assert window.file_menu.title() == "&File"
    window.language_actions["id"].trigger()
    assert serving.title() == "Sedang dilayani"

    # The day as the services see it.
    statuses = {t.code: t.status for t in tickets.queue(window.ctx)}
    assert statuses == {
        "A001": "done",
        "A002": "no_show",
        "A003": "transferred",
        "A004": "waiting",
        "C001": "waiting",
    }
    window.close()

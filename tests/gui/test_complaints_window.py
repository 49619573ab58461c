"""The complaints window: overdue ones counted in the banner and flagged in colour and words;
recording and following up through the dialogs; staff cannot follow up."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.gui.complaints_window import (
    COLUMNS,
    OVERDUE_BG,
    AddComplaintDialog,
    ComplaintsWindow,
    RespondDialog,
    open_complaints,
)
from counter_app.services import complaints, tickets
from counter_app.services.context import Context
from counter_app.store.models import Complaint


@pytest.fixture
def staff(ctx: Context) -> Context:
    return replace(ctx, actor=Actor("petugas1", Role.STAFF, 2))


@pytest.fixture
def boss(ctx: Context) -> Context:
    return replace(ctx, actor=Actor("koordinator", Role.SUPERVISOR, 3))


def add(who: Context, klass: str = "normatif", text: str = "Antrian lama.") -> Complaint:
    return complaints.add(who, channel="langsung", category="waktu", classification=klass, text=text)


def window_for(qtbot: Any, who: Context) -> ComplaintsWindow:
    win = open_complaints(None, who)
    assert win is not None
    qtbot.addWidget(win)
    return win


def cell(win: ComplaintsWindow, row: int, column: str, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
    return win.model.data(win.model.index(row, COLUMNS.index(column)), role)


def test_overdue_complaints_are_counted_and_flagged(
    qtbot: Any, staff: Context, clock: FixedClock, prompts: Any, styled: None
) -> None:
    minor = add(staff, "ringan", "AC mati.")
    add(staff, "normatif", "Petugas kurang ramah.")
    win = window_for(qtbot, staff)
    assert win.banner.text() == "Tidak ada pengaduan yang terlambat."
    assert win.model.rowCount() == 2 and cell(win, 0, "flag") == ""
    clock.advance(days=3)  # Thursday: the minor one is past its two working days (Wed 23:59)
    win.timer.timeout.emit()  # the minute's refresh
    assert win.banner.text().startswith("⚠ 1 pengaduan TERLAMBAT")
    assert win.model.items[0].id == minor.id  # overdue first
    assert cell(win, 0, "flag") == "⚠ TERLAMBAT"
    assert cell(win, 0, "number", Qt.ItemDataRole.BackgroundRole).name() == OVERDUE_BG
    assert cell(win, 1, "number", Qt.ItemDataRole.BackgroundRole) is None
    assert cell(win, 0, "status") == "Baru" and cell(win, 0, "class") == "Ringan"
    assert cell(win, 0, "deadline") == "02-12-2026 23:59"
    win.filter_combo.setCurrentIndex(win.filter_combo.findData("overdue"))
    assert win.model.rowCount() == 1 and win.count_label.text() == "1 pengaduan"


def test_staff_record_but_cannot_follow_up(qtbot: Any, staff: Context, prompts: Any) -> None:
    add(staff)
    win = window_for(qtbot, staff)
    win.table.selectRow(0)
    assert not win.respond_button.isEnabled()
    assert "koordinator" in win.respond_button.toolTip()
    assert "PTK-L01-20261130-P01" in win.detail.text() and "Antrian lama." in win.detail.text()
    win.respond()
    assert "tidak diizinkan" in prompts.messages("warn")[-1]


def test_staff_see_why_follow_up_is_disabled(qtbot: Any, staff: Context, boss: Context, prompts: Any) -> None:
    add(staff)
    win = window_for(qtbot, staff)
    win.show()
    win.table.selectRow(0)
    assert not win.respond_button.isEnabled()
    assert win.respond_reason.isVisible()  # in words beside the buttons, not only on hover
    assert "koordinator" in win.respond_reason.text()
    chief = window_for(qtbot, boss)
    chief.show()
    assert not chief.respond_reason.isVisible()


def test_add_dialog(qtbot: Any, staff: Context, ctx: Context, prompts: Any) -> None:
    ticket = tickets.register(ctx, service="PASPOR", name="Dewi Lestari").ticket
    dialog = AddComplaintDialog(staff)
    qtbot.addWidget(dialog)
    assert dialog.deadline_label.text() == "Batas waktu 2 hari kerja: 02-12-2026 23:59"  # ringan first
    dialog.class_combo.setCurrentIndex(dialog.class_combo.findData("normatif"))
    assert dialog.deadline_label.text() == "Batas waktu 5 hari kerja: 07-12-2026 23:59"
    assert not dialog.contact_edit.isEnabled()
    assert dialog.save() is None  # no text yet
    assert dialog.messages["text"].text() == "Isi pengaduan wajib diisi."
    dialog.text_edit.setPlainText("Formulir paspor habis.")
    dialog.ticket_edit.setText("Z999")
    assert dialog.save() is None and "Z999" in dialog.messages["ticket"].text()
    dialog.ticket_edit.setText(ticket.code)
    dialog.consent_check.setChecked(True)
    dialog.contact_edit.setText("12")
    assert dialog.save() is None and dialog.messages["contact"].text().startswith("Kontak harus")
    dialog.contact_edit.setText("0812 3456 7890")
    saved = dialog.save()
    assert saved is not None and dialog.result() == QDialog.DialogCode.Accepted
    row = Complaint.get_by_id(saved.id)
    assert (row.classification, row.ticket_id, row.contact) == ("normatif", ticket.id, "+6281234567890")
    dialog.consent_check.setChecked(False)
    assert dialog.contact_edit.text() == ""


def test_adding_from_the_window(qtbot: Any, staff: Context, prompts: Any) -> None:
    win = window_for(qtbot, staff)

    def fill(dialog: QDialog) -> int:
        assert isinstance(dialog, AddComplaintDialog)
        dialog.channel_combo.setCurrentIndex(dialog.channel_combo.findData("whatsapp"))
        dialog.text_edit.setPlainText("Nomor antrian di layar tidak terdengar.")
        dialog.save()
        return dialog.result()

    win.run_dialog = fill
    with qtbot.waitSignal(win.changed):
        qtbot.mouseClick(win.add_button, Qt.MouseButton.LeftButton)
    assert win.model.rowCount() == 1 and cell(win, 0, "channel") == "WhatsApp"
    assert win.current() is not None and win.current().text.startswith("Nomor antrian")


def test_supervisor_follows_up(
    qtbot: Any, staff: Context, boss: Context, clock: FixedClock, prompts: Any
) -> None:
    row = add(staff)
    win = window_for(qtbot, boss)
    win.table.selectRow(0)
    assert win.respond_button.isEnabled()
    steps = iter([("Diteruskan ke Disdukcapil.", "diproses"), ("Sudah dijawab lewat telepon.", "selesai")])

    def answer(dialog: QDialog) -> int:
        assert isinstance(dialog, RespondDialog)
        text, status = next(steps)
        dialog.action_edit.setPlainText(text)
        dialog.status_combo.setCurrentIndex(dialog.status_combo.findData(status))
        dialog.save()
        return dialog.result()

    win.run_dialog = answer
    win.respond()
    assert Complaint.get_by_id(row.id).status == "diproses"
    assert "Diteruskan ke Disdukcapil." in win.detail.text() and "Baru → Diproses" in win.detail.text()
    clock.advance(hours=1)
    win.respond()
    assert Complaint.get_by_id(row.id).status == "selesai"
    assert win.model.rowCount() == 0  # the default view shows open complaints
    win.filter_combo.setCurrentIndex(win.filter_combo.findData("done"))
    assert win.model.rowCount() == 1 and cell(win, 0, "status") == "Selesai"
    win.table.selectRow(0)
    assert not win.respond_button.isEnabled()


def test_respond_dialog_offers_only_forward_moves(
    qtbot: Any, staff: Context, boss: Context, prompts: Any
) -> None:
    row = add(staff)
    view = complaints.detail(boss, row.id)
    dialog = RespondDialog(boss, view)
    qtbot.addWidget(dialog)
    assert [dialog.status_combo.itemData(i) for i in range(dialog.status_combo.count())] == [
        "baru",
        "diproses",
        "selesai",
    ]
    assert dialog.status_combo.currentData() == "diproses"
    assert dialog.save() is None and dialog.message.text() == "Tuliskan tindak lanjutnya."
    complaints.respond(boss, row.id, "Diproses.")
    later = RespondDialog(boss, complaints.detail(boss, row.id))
    qtbot.addWidget(later)
    assert [later.status_combo.itemData(i) for i in range(later.status_combo.count())] == [
        "diproses",
        "selesai",
    ]


def test_english(qtbot: Any, staff: Context, clock: FixedClock, prompts: Any) -> None:
    from counter_app.core import i18n

    add(staff, "ringan")
    clock.advance(days=3)  # past the two working days of a minor complaint
    i18n.set_language("en")
    win = window_for(qtbot, staff)
    assert win.windowTitle() == "Complaints"
    assert win.banner.text().startswith("⚠ 1 complaint(s) OVERDUE")
    assert cell(win, 0, "flag") == "⚠ OVERDUE" and cell(win, 0, "channel") == "In person"
    assert win.model.headerData(COLUMNS.index("deadline"), Qt.Orientation.Horizontal) == "Deadline"


def test_an_admin_may_follow_up_and_the_list_refreshes_each_minute(
    qtbot: Any, ctx: Context, prompts: Any
) -> None:
    win = window_for(qtbot, ctx)
    assert win.respond_button.toolTip() == "" and win.timer.interval() == 60_000
    assert win.detail.text() == "Pilih pengaduan untuk melihat isi dan tindak lanjutnya."

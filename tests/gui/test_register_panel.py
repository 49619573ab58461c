"""Pendaftaran: live validation beside each field, and what the service refuses shown there too."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from counter_app.core import i18n
from counter_app.core.formats import fee_text as rupiah
from counter_app.gui import theme
from counter_app.gui.register_panel import RegisterPanel
from counter_app.gui.widgets.field_message import is_invalid
from counter_app.services import catalogue
from counter_app.services.context import Context
from counter_app.store.models import Ticket

NIK_F = "6171014101900001"


def make_panel(qtbot: Any, ctx: Context) -> RegisterPanel:
    panel = RegisterPanel(ctx)
    qtbot.addWidget(panel)
    panel.set_services(catalogue.services_of_counter("L01"))
    return panel


def test_nik_is_checked_while_typing(qtbot: Any, ctx: Context, prompts: Any) -> None:
    panel = make_panel(qtbot, ctx)
    qtbot.keyClicks(panel.nik_edit, "617101")
    assert panel.messages["nik"].kind == "hint"
    assert panel.messages["nik"].text() == "6 dari 16 angka"
    qtbot.keyClicks(panel.nik_edit, "4101900001")
    assert panel.messages["nik"].kind == "hint"
    assert "Perempuan" in panel.messages["nik"].text()
    assert "01-01-1990" in panel.messages["nik"].text()
    qtbot.keyClicks(panel.nik_edit, "9")  # 17 digits
    assert panel.messages["nik"].kind == "error"
    assert panel.messages["nik"].text() == i18n.t("nik.format")
    assert is_invalid(panel.nik_edit)
    panel.nik_edit.clear()
    qtbot.keyClicks(panel.nik_edit, "61710x")
    assert panel.messages["nik"].text() == i18n.t("nik.format")
    panel.nik_edit.clear()
    qtbot.keyClicks(panel.nik_edit, "9971010101900001")
    assert panel.messages["nik"].text() == i18n.t("nik.province", code="99")


def test_unknown_region_only_warns(qtbot: Any, ctx: Context, prompts: Any) -> None:
    panel = make_panel(qtbot, ctx)
    qtbot.keyClicks(panel.nik_edit, "6199010101900001")
    assert panel.messages["nik"].kind == "warning"
    assert panel.messages["nik"].text() == i18n.t("nik.unknown_region")


def test_phone_and_name_while_typing(qtbot: Any, ctx: Context, prompts: Any) -> None:
    panel = make_panel(qtbot, ctx)
    qtbot.keyClicks(panel.phone_edit, "0812")
    assert panel.messages["phone"].kind == ""  # too short to judge yet
    qtbot.keyClicks(panel.phone_edit, "-3456-7890")
    assert panel.messages["phone"].text() == "✓ 081234567890"
    panel.phone_edit.clear()
    qtbot.keyClicks(panel.phone_edit, "08abc")
    assert panel.messages["phone"].text() == i18n.t("phone.format")
    qtbot.keyClicks(panel.name_edit, "12345")
    assert panel.messages["name"].text() == i18n.t("name.letters")
    panel.name_edit.clear()
    qtbot.keyClicks(panel.name_edit, "Ani")
    assert panel.messages["name"].kind == ""


def test_service_shows_its_standard_and_only_this_counters(qtbot: Any, ctx: Context, prompts: Any) -> None:
    panel = make_panel(qtbot, ctx)
    codes = [panel.service_picker.itemData(i) for i in range(panel.service_picker.count())]
    assert sorted(codes) == ["AKTALAHIR", "KK", "KTP", "PINDAH"]
    panel.service_picker.select("KTP")
    assert panel.messages["service"].text() == "Gratis · selesai 1 hari kerja"
    assert "Fotokopi Kartu Keluarga" in panel.service_picker.toolTip()
    panel.service_picker.lineEdit().setText("paspor")  # Imigrasi is not served at L01
    assert panel.service_picker.code() is None
    assert rupiah(350000) == "Rp350.000"


def test_submit_shows_every_problem_and_writes_nothing(qtbot: Any, ctx: Context, prompts: Any) -> None:
    panel = make_panel(qtbot, ctx)
    qtbot.keyClicks(panel.phone_edit, "12")
    assert panel.submit() is None
    assert panel.messages["name"].text() == i18n.t("name.empty")
    assert panel.messages["phone"].text() == i18n.t("phone.invalid")
    assert panel.messages["service"].text() == i18n.t("gui.register.service_pick")
    assert Ticket.select().count() == 0
    assert prompts.shown == []


def test_the_service_refusal_lands_beside_its_field(qtbot: Any, ctx: Context, prompts: Any) -> None:
    panel = make_panel(qtbot, ctx)
    for attempt in range(2):
        qtbot.keyClicks(panel.name_edit, "Siti Aminah")
        qtbot.keyClicks(panel.nik_edit, NIK_F)
        panel.service_picker.select("KTP")
        result = panel.submit()
        if attempt == 0:
            assert result is not None and result.ticket.code == "A001"
            assert panel.name_edit.text() == ""  # cleared for the next visitor
            assert "A001" in panel.last_label.text()
    assert result is None
    assert panel.messages["nik"].text() == i18n.t("nik.active_ticket", code="A001")
    assert Ticket.select().count() == 1


def test_enter_on_the_last_field_registers(qtbot: Any, ctx: Context, prompts: Any) -> None:
    panel = make_panel(qtbot, ctx)
    received: list[Any] = []
    panel.registered.connect(received.append)
    qtbot.keyClicks(panel.name_edit, "Budi")
    panel.service_picker.select("KK")
    qtbot.keyClicks(panel.notes_edit, "antar")
    qtbot.keyClick(panel.notes_edit, Qt.Key.Key_Return)
    assert len(received) == 1 and received[0].ticket.service_id == "KK"


# ---- issue 14, point 13: the service field's error border; requirements under the field --


def test_a_refused_service_gets_the_red_border(qtbot: Any, ctx: Context, prompts: Any, styled: None) -> None:
    panel = make_panel(qtbot, ctx)
    edit = panel.service_picker.lineEdit()
    edit.setText("tidak ada layanan ini")  # typed (no completer popup under offscreen)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    assert panel.messages["service"].kind == "error"
    assert is_invalid(panel.service_picker)
    assert border(panel) == QColor(theme.ERROR)  # drawn red, not only flagged
    panel.service_picker.select("KTP")
    assert not is_invalid(panel.service_picker)
    assert border(panel) != QColor(theme.ERROR)
    panel.service_picker.select(None)
    qtbot.keyClicks(panel.name_edit, "Ani Lestari")
    assert panel.submit() is None  # no service chosen: refused beside the field
    assert panel.messages["service"].kind == "error"
    assert border(panel) == QColor(theme.ERROR)


def border(panel: RegisterPanel) -> QColor:
    """The colour of the service field's left border as painted."""
    picker = panel.service_picker
    image = picker.grab().toImage()
    return QColor(image.pixel(0, picker.height() // 2))


def test_requirements_are_shown_under_the_service_field(
    qtbot: Any, ctx: Context, prompts: Any, styled: None
) -> None:
    panel = make_panel(qtbot, ctx)
    panel.resize(400, 640)
    panel.layout().activate()  # laid out as in the window, without a top-level of its own
    label = panel.requirements_label
    height = label.height()
    assert label.text() == ""
    panel.service_picker.select("KTP")
    assert not label.isHidden()
    assert "Fotokopi Kartu Keluarga" in label.text()
    assert "Surat keterangan hilang/rusak" in label.text()
    assert "Fotokopi Kartu Keluarga" in label.toolTip()  # the whole list on hover
    # below the service field, above the priority field, in a room that does not change
    picker_y = panel.service_picker.mapTo(panel, panel.service_picker.rect().topLeft()).y()
    label_y = label.mapTo(panel, label.rect().topLeft()).y()
    priority_y = panel.priority_combo.mapTo(panel, panel.priority_combo.rect().topLeft()).y()
    assert picker_y < label_y < priority_y
    assert label.height() == height
    panel.service_picker.select(None)
    assert label.text() == ""
    assert panel.priority_combo.mapTo(panel, panel.priority_combo.rect().topLeft()).y() == priority_y


def test_a_cut_message_ends_in_an_ellipsis_never_mid_word(qtbot: Any) -> None:
    from PySide6.QtWidgets import QLabel

    from counter_app.gui.widgets.field_message import FieldMessage

    message = FieldMessage(lines=2)
    qtbot.addWidget(message)
    message.resize(220, message.height())
    text = (
        "Persyaratan: Fotokopi Kartu Keluarga · Surat keterangan hilang/rusak (untuk penggantian) · Pas foto"
    )
    message.show_hint(text)
    shown = QLabel.text(message)  # what is painted, not the whole message
    assert message.text() == text and message.toolTip() == text
    assert shown.endswith("…") and shown.count("\n") == 1
    metrics = message.fontMetrics()
    assert all(metrics.horizontalAdvance(line) <= 220 for line in shown.split("\n"))
    message.show_hint("Gratis")  # a short one is left alone
    assert QLabel.text(message) == "Gratis"

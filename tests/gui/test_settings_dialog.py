"""Pengaturan: admins change the site, catalogue, counters and staff; others never see it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from PySide6.QtCore import QTime
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit

from counter_app.core import i18n
from counter_app.core.errors import NotAllowed
from counter_app.core.roles import Role
from counter_app.gui.main_window import MainWindow
from counter_app.gui.settings_dialog import SettingsDialog
from counter_app.services import catalogue, site_settings, staff, sync
from counter_app.services.context import Context
from counter_app.store.models import AuditLog, Service, Staff


def make(qtbot: Any, ctx: Context) -> SettingsDialog:
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    return dialog


def test_settings_are_saved_and_audited(qtbot: Any, ctx: Context, prompts: Any) -> None:
    dialog = make(qtbot, ctx)
    dialog.site_form.editors["site_name"].setText("MPP Kota Singkawang")
    dialog.printer_form.editors["paper"].setCurrentIndex(1)  # 58 mm
    dialog.printer_form.editors["printer"].setEditText("Epson-TM-T82")
    dialog.sync_form.editors["sync_time"].setTime(QTime(22, 30))
    dialog.counter_form.editors["no_show_after_calls"].setValue(2)
    assert dialog.save()
    assert ctx.setting("site_name") == "MPP Kota Singkawang"
    assert ctx.setting("paper") == "58mm"
    assert ctx.setting("printer") == "Epson-TM-T82"
    assert ctx.setting("sync_time") == "22:30"
    assert ctx.setting("no_show_after_calls") == 2
    assert "5 pengaturan" in dialog.saved_label.text()
    entry = AuditLog.select().where(AuditLog.action == "settings.change").get()
    assert entry.actor == "admin" and entry.detail["paper"] == "58mm"
    assert dialog.save()
    assert dialog.saved_label.text() == i18n.t("gui.settings.unchanged")


def test_the_no_show_grace_and_the_idle_lock_are_set_on_the_counter_tab(
    qtbot: Any, window: Any, ctx: Context, prompts: Any
) -> None:
    # Issue 14, defects 5 and 9: both times are settings an admin changes here.
    dialog = make(qtbot, ctx)
    dialog.counter_form.editors["no_show_grace_minutes"].setValue(5)
    dialog.counter_form.editors["idle_lock_minutes"].setValue(0)
    assert dialog.save()
    assert ctx.setting("no_show_grace_minutes") == 5
    assert ctx.setting("idle_lock_minutes") == 0
    window._last_input = window.idle_clock() - 24 * 3600
    window.check_idle()  # 0 = never: a day without a key press does not lock
    assert not window.locked


def test_a_bad_value_is_shown_beside_its_field(qtbot: Any, ctx: Context, prompts: Any) -> None:
    dialog = make(qtbot, ctx)
    dialog.site_form.editors["site_name"].setText("Nama Baru")
    dialog.site_form.editors["verify_base_url"].setText("mpp.pontianak.go.id")
    assert not dialog.save()
    assert dialog.site_form.messages["verify_base_url"].text() == i18n.t("settings.url")
    assert dialog.tabs.currentWidget() is dialog.site_form
    assert ctx.setting("site_name") != "Nama Baru"  # all or nothing
    dialog.site_form.editors["verify_base_url"].setText("https://mpp.example.id/v")
    dialog.site_form.editors["site_name"].setText("  ")
    assert not dialog.save()
    assert dialog.site_form.messages["site_name"].text() != ""


def test_catalogue_add_edit_deactivate(qtbot: Any, ctx: Context, prompts: Any) -> None:
    dialog = make(qtbot, ctx)  # keep a reference: the pages live in it
    page = dialog.catalogue_page
    page.new_service()
    page.code_edit.setText("ktpanak")
    page.letter_edit.setText("a")
    page.agency_combo.setCurrentIndex(page.agency_combo.findData("DUKCAPIL"))
    page.name_id_edit.setText("Kartu Identitas Anak")
    page.requirements_edit.setPlainText("Akta kelahiran | Birth certificate\n\nKartu Keluarga")
    page.fee_spin.setValue(0)
    page.target_spin.setValue(7)
    assert page.save_service()
    svc = Service.get_by_id("KTPANAK")
    assert svc.letter == "A" and svc.name_en == "Kartu Identitas Anak"
    assert svc.requirements == [
        {"id": "Akta kelahiran", "en": "Birth certificate"},
        {"id": "Kartu Keluarga", "en": "Kartu Keluarga"},
    ]
    assert page.selected() is not None and page.selected().code == "KTPANAK"

    page.fee_spin.setValue(10000)
    assert page.save_service()
    assert Service.get_by_id("KTPANAK").fee == 10000

    page.toggle_button.click()
    assert not Service.get_by_id("KTPANAK").active
    assert "KTPANAK" not in {s.code for s in catalogue.active_services()}

    page.new_service()
    page.code_edit.setText("X")
    page.letter_edit.setText("7")
    page.name_id_edit.setText("Apa saja")
    assert not page.save_service()
    assert page.messages["letter"].text() == i18n.t("catalogue.letter")


def test_counter_services(qtbot: Any, ctx: Context, prompts: Any) -> None:
    dialog = make(qtbot, ctx)  # keep a reference: the pages live in it
    page = dialog.counters_page
    assert page.current_code() == "L01"
    for i in range(page.services_list.count()):
        item = page.services_list.item(i)
        if item.data(page_role()) == "PASPOR":
            item.setCheckState(item.checkState().Checked)
    page.save_button.click()
    assert "PASPOR" in {s.code for s in catalogue.services_of_counter("L01")}
    prompts.texts.append("l10")
    page.add_button.click()
    assert page.current_code() == "L10"


def page_role() -> int:
    from counter_app.gui.settings_counters import CODE_ROLE

    return CODE_ROLE


def test_staff_accounts(qtbot: Any, ctx: Context, prompts: Any) -> None:
    dialog = make(qtbot, ctx)  # keep a reference: the pages live in it
    page = dialog.staff_page
    page.username_edit.setText("petugas.a")
    page.full_name_edit.setText("Ani Petugas")
    page.password_edit.setText("pendek")
    assert not page.add_staff()
    assert page.new_messages["password"].text() == i18n.t("staff.password_short", min=8)
    page.password_edit.setText("kata-sandi-ani")
    assert page.add_staff()
    member = Staff.get(Staff.username == "petugas.a")
    assert member.role == "staff" and member.full_name == "Ani Petugas"
    assert page.selected().username == "petugas.a"

    page.role_combo.setCurrentIndex(page.role_combo.findData("supervisor"))
    page.role_button.click()
    assert Staff.get(Staff.username == "petugas.a").role == "supervisor"
    page.active_button.click()
    assert not Staff.get(Staff.username == "petugas.a").active
    prompts.texts.append("sandi-baru-ani-1")
    page.password_button.click()
    page.active_button.click()
    assert staff.authenticate(ctx, "petugas.a", "sandi-baru-ani-1").role == Role.SUPERVISOR

    page.reload(select="admin")
    page.active_button.click()  # not yourself
    assert Staff.get(Staff.username == "admin").active
    assert page.result.text() == i18n.t("gui.staff.self_deactivate")


def test_staff_see_no_settings_and_services_refuse(
    qtbot: Any, staff_ctx: Context, prompts: Any, styled: None
) -> None:
    window = MainWindow(staff_ctx, check_printers=False)
    qtbot.addWidget(window)
    assert not window.settings_action.isVisible()
    dialog = make(qtbot, staff_ctx)
    assert dialog.tabs.count() == 0
    with pytest.raises(NotAllowed):
        site_settings.set_setting(staff_ctx, "paper", "58mm")
    window.close()


def test_the_window_follows_saved_settings(window: Any, ctx: Context, prompts: Any) -> None:
    site_settings.set_settings(ctx, {"site_name": "MPP Uji"})
    window.settings_changed()
    assert "MPP Uji" in window.windowTitle()


# ---- issue 14, point 13 -------------------------------------------------------------------


def test_time_zone_is_a_list_of_wib_wita_wit(qtbot: Any, ctx: Context, prompts: Any) -> None:
    dialog = make(qtbot, ctx)
    combo = dialog.site_form.editors["timezone"]
    assert isinstance(combo, QComboBox) and not combo.isEditable()
    items = [combo.itemText(i) for i in range(combo.count())]
    assert [i.split(" ")[0] for i in items] == ["WIB", "WIB", "WITA", "WIT"]
    assert combo.currentData() == "Asia/Pontianak" and "Asia/Pontianak" in combo.currentText()
    combo.setCurrentIndex(combo.findData("Asia/Makassar"))
    assert dialog.save()
    assert ctx.setting("timezone") == "Asia/Makassar"


def test_device_token_field_is_masked_and_kept_in_the_token_file(
    qtbot: Any, ctx: Context, prompts: Any
) -> None:
    dialog = make(qtbot, ctx)
    field = dialog.token_edit
    assert field.echoMode() == QLineEdit.EchoMode.Password
    assert dialog.token_label.text() == "Token perangkat"
    assert sync.saved_token(ctx.data_dir) is None
    field.setText("bad token")
    assert not dialog.save()
    assert dialog.tabs.currentWidget() is dialog.sync_form and sync.saved_token(ctx.data_dir) is None
    field.setText("  tok-PTK-L01-9f8e7d6c5b4a  ")
    assert dialog.save()
    assert sync.saved_token(ctx.data_dir) == "tok-PTK-L01-9f8e7d6c5b4a"
    assert oct((ctx.data_dir / "secrets" / sync.TOKEN_FILE).stat().st_mode & 0o777) == "0o600"
    assert field.text() == "" and "tersimpan" in field.placeholderText()  # never shown back
    again = make(qtbot, ctx)
    assert again.token_edit.text() == "" and "tersimpan" in again.token_edit.placeholderText()


def test_close_asks_before_dropping_changes(qtbot: Any, ctx: Context, prompts: Any) -> None:
    dialog = make(qtbot, ctx)
    dialog.show()
    dialog.close_button.click()  # nothing changed: closes without a question
    assert prompts.asked == [] and not dialog.isVisible()

    dialog = make(qtbot, ctx)
    dialog.show()
    dialog.site_form.editors["site_name"].setText("MPP Baru")
    prompts.confirm_answer = False
    dialog.close_button.click()
    assert prompts.asked == [("confirm", i18n.t("gui.settings.discard_question"))]
    assert dialog.isVisible()  # stays, the typing kept
    assert dialog.site_form.editors["site_name"].text() == "MPP Baru"
    assert dialog.save()
    dialog.close_button.click()  # saved: no second question
    assert len(prompts.asked) == 1 and not dialog.isVisible()

    dialog = make(qtbot, ctx)
    dialog.show()
    dialog.token_edit.setText("tok-baru")
    prompts.confirm_answer = True
    dialog.reject()  # Esc, the window's close button
    assert len(prompts.asked) == 2 and not dialog.isVisible()
    assert sync.saved_token(ctx.data_dir) is None


def test_sync_not_set_up_says_where_to_set_it(qtbot: Any, ctx: Context) -> None:
    from counter_app.gui.nightly_sync import NightlySync

    nightly = NightlySync(ctx)
    assert not nightly.sync_now()
    assert "Pengaturan → Sinkronisasi" in nightly.last_text and "Token perangkat" in nightly.last_text
    # the message box is as wide as its text: now wider than its title, which is no longer cut
    metrics = QFontMetrics(QApplication.font())
    assert metrics.horizontalAdvance(nightly.last_text) > 2 * metrics.horizontalAdvance(
        i18n.t("gui.menu.sync_now")
    )


def test_a_locked_account_can_be_unlocked(qtbot: Any, ctx: Context, prompts: Any) -> None:
    member = staff.create_staff(ctx, "petugas.b", "kata-sandi-budi", "staff", "Budi")
    Staff.update(failed_attempts=5, locked_until=ctx.clock.now() + timedelta(minutes=15)).where(
        Staff.username == "petugas.b"
    ).execute()
    dialog = make(qtbot, ctx)
    page = dialog.staff_page
    page.reload(select="admin")
    assert not page.unlock_button.isEnabled() and page.unlock_button.toolTip() != ""
    page.reload(select=member.username)
    row = page.model.row_of(member.username)
    locked = page.model.data(page.model.index(row, 4))
    assert locked == "terkunci s.d. 08:15"
    assert page.unlock_button.isEnabled() and page.unlock_button.text() == "Buka kunci"
    page.unlock_button.click()
    assert Staff.get(Staff.username == "petugas.b").locked_until is None
    assert page.model.data(page.model.index(row, 4)) == "" and not page.unlock_button.isEnabled()
    assert AuditLog.select().where(AuditLog.action == "staff.unlock").count() == 1
    assert staff.authenticate(ctx, "petugas.b", "kata-sandi-budi").username == "petugas.b"

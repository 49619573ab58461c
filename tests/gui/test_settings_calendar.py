"""Settings "Kalender & batas waktu" (issue 15, point 4): deadlines, cuti bersama and the
site's closed days changed from the GUI through services/site_calendar.py, as the CLI does."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtCore import QDate

from counter_app.core.deadlines import ComplaintClass, Rule
from counter_app.gui.settings_calendar import CalendarPage
from counter_app.gui.settings_dialog import SettingsDialog
from counter_app.gui.widgets.field_message import is_invalid
from counter_app.services import site_calendar
from counter_app.services.context import Context
from counter_app.store import settings as setting_table


def make_page(qtbot: Any, ctx: Context) -> CalendarPage:
    page = CalendarPage(ctx)
    qtbot.addWidget(page)
    page.year_spin.setValue(2026)
    return page


def test_the_tab_is_in_settings_for_admins_only(
    qtbot: Any, ctx: Context, staff_ctx: Context, prompts: Any
) -> None:
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    names = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert "Kalender && batas waktu" in names
    staff = SettingsDialog(staff_ctx)
    qtbot.addWidget(staff)
    assert not any(isinstance(page, CalendarPage) for page, _key in staff.pages)


def test_add_and_remove_closed_days(qtbot: Any, ctx: Context, prompts: Any) -> None:
    page = make_page(qtbot, ctx)
    local = date(2026, 12, 23)  # a Wednesday the site closes (a local holiday)
    page.date_edit.setDate(QDate(2026, 12, 23))
    assert page.add_day()
    assert local in site_calendar.rules_of(ctx).closed_days
    assert any(d.day == local and d.source == "site" for d in site_calendar.closed_days(ctx, 2026))
    assert any(t.startswith("23-12-2026") for t in page.day_texts())
    assert not site_calendar.calendar_of(ctx).is_working_day(local)

    # a national day a revised SKB cancelled: removed, so it is a working day again
    christmas = date(2026, 12, 25)
    page.date_edit.setDate(QDate(2026, 12, 25))
    assert page.remove_day()
    assert christmas in site_calendar.rules_of(ctx).open_days
    assert site_calendar.calendar_of(ctx).is_working_day(christmas)
    assert any(t.startswith("25-12-2026") and "dihapus" in t for t in page.day_texts())

    # and the site's own day removed again
    page.date_edit.setDate(QDate(2026, 12, 23))
    assert page.remove_day()
    assert local not in site_calendar.rules_of(ctx).closed_days
    assert site_calendar.calendar_of(ctx).is_working_day(local)


def test_a_weekend_day_is_refused_beside_the_date(qtbot: Any, ctx: Context, prompts: Any) -> None:
    page = make_page(qtbot, ctx)
    before = setting_table.stored(site_calendar.SETTING_KEY)
    page.date_edit.setDate(QDate(2026, 12, 26))  # a Saturday: always closed
    assert not page.remove_day()
    assert page.date_message.kind == "error"
    assert "akhir pekan" in page.date_message.text()
    assert setting_table.stored(site_calendar.SETTING_KEY) == before
    assert prompts.shown == []


def test_a_deadline_and_cuti_bersama_are_changed(qtbot: Any, ctx: Context, prompts: Any) -> None:
    page = make_page(qtbot, ctx)
    assert page.rule_edits["ringan"].text() == "2"
    page.rule_edits["normatif"].setText("7")
    page.cuti_check.setChecked(False)
    assert page.apply_rules()
    rules = site_calendar.rules_of(ctx)
    assert rules.rule(ComplaintClass.NORMATIF) == Rule(working_days=7)
    assert rules.rule(ComplaintClass.RINGAN) == Rule(working_days=2)  # untouched
    assert rules.cuti_bersama is False
    # the hours option
    hours = page.rule_units["ringan"]
    hours.setCurrentIndex(hours.findData("hours"))
    page.rule_edits["ringan"].setText("4")
    assert page.apply_rules()
    assert site_calendar.rules_of(ctx).rule(ComplaintClass.RINGAN) == Rule(hours=4)


def test_a_bad_deadline_is_refused_beside_its_field_and_nothing_changes(
    qtbot: Any, ctx: Context, prompts: Any
) -> None:
    page = make_page(qtbot, ctx)
    before = setting_table.stored(site_calendar.SETTING_KEY)
    page.rule_edits["normatif"].setText("9")  # a good change alongside: kept back too
    page.rule_edits["berkadar_pengawasan"].setText("abc")
    assert not page.apply_rules()
    assert page.rule_messages["berkadar_pengawasan"].kind == "error"
    assert "abc" in page.rule_messages["berkadar_pengawasan"].text()
    assert is_invalid(page.rule_edits["berkadar_pengawasan"])
    assert setting_table.stored(site_calendar.SETTING_KEY) == before

    # out of the range the service allows: its own refusal, beside the field
    page.rule_edits["berkadar_pengawasan"].setText("60")
    page.rule_edits["verification"].setText("9999")
    assert not page.apply_rules()
    assert page.rule_messages["verification"].kind == "error"
    assert page.rule_messages["berkadar_pengawasan"].kind == ""
    assert site_calendar.rules_of(ctx).rule(ComplaintClass.NORMATIF) == Rule(working_days=5)
    assert setting_table.stored(site_calendar.SETTING_KEY) == before
    assert prompts.shown == []

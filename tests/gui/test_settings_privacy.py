"""Settings → Privasi (issue 15, point 1): the retention, its cut-off and the last purge's counts,
read from the store after a real purge."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from counter_app.core.clock import FixedClock
from counter_app.gui.settings_dialog import SettingsDialog
from counter_app.gui.settings_privacy import PrivacyPage
from counter_app.services import privacy, site_settings, tickets
from counter_app.services.context import Context

WIB = ZoneInfo("Asia/Pontianak")


def served_long_ago(ctx: Context, clock: FixedClock) -> None:
    clock.set(datetime(2020, 6, 1, 9, 0, tzinfo=WIB))
    ticket = tickets.register(
        ctx, service="KTP", name="Budi Santoso", phone="081234567890", phone_consent=True
    )
    clock.advance(minutes=3)
    assert tickets.call_next(ctx, "L01") is not None
    tickets.start(ctx, ticket.ticket.id)
    clock.advance(minutes=7)
    tickets.finish(ctx, ticket.ticket.id)
    clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=WIB))


def page_of(qtbot: Any, ctx: Context) -> tuple[SettingsDialog, PrivacyPage]:
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    pages = [page for page, _key in dialog.pages if isinstance(page, PrivacyPage)]
    assert len(pages) == 1  # an admin sees the tab
    return dialog, pages[0]  # the dialog too: the page is gone with it


def test_before_any_purge_it_says_never(qtbot: Any, ctx: Context) -> None:
    _dialog, page = page_of(qtbot, ctx)
    assert page.retention_label.text() == "Masa simpan data pribadi: 1.825 hari (sekitar 5 tahun)"
    assert page.last_label.text() == "Pembersihan terakhir: belum pernah"
    assert page.counts_label.text() == ""


def test_after_a_purge_it_shows_when_and_what(qtbot: Any, ctx: Context, clock: FixedClock) -> None:
    served_long_ago(ctx, clock)
    result = privacy.purge(ctx)
    assert result.counts.tickets == 1
    _dialog, page = page_of(qtbot, ctx)
    assert page.last_label.text() == "Pembersihan terakhir: 30-11-2026 09:00"
    assert page.counts_label.text().startswith("1 nomor antrean, 0 pengaduan, 0 survei dianonimkan")
    assert page.cutoff_label.text() == "Data sebelum 01-12-2021 dianonimkan."


def test_a_retention_of_part_years_is_written_with_a_comma(qtbot: Any, ctx: Context) -> None:
    site_settings.set_setting(ctx, "retention_days", 2008)  # 5.5 years
    _dialog, page = page_of(qtbot, ctx)
    assert page.retention_label.text() == "Masa simpan data pribadi: 2.008 hari (sekitar 5,5 tahun)"

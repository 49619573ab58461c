"""Pengaturan → Layar aula: the hall display's settings loaded from and saved to a real hub
(uvicorn on loopback, its SQLite store) with its admin token; refusals beside their field."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QTableWidgetItem

from counter_app.core.errors import NotAllowed
from counter_app.core.i18n import t
from counter_app.gui.settings_dialog import SettingsDialog
from counter_app.gui.settings_display import DisplayPage
from counter_app.server import display_settings
from counter_app.server.app import create_app
from counter_app.server.embedded import ServerThread
from counter_app.server.store import Store, open_store
from counter_app.services import display_link, site_settings
from counter_app.services.context import Context, secret_path

ADMIN = "hub-admin-token-for-the-display-tab-0123"


@pytest.fixture
def hub(tmp_path: Path, ctx: Context) -> Iterator[Store]:
    store = open_store(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    with ServerThread(create_app(store, admin_token=ADMIN)) as server:
        site_settings.set_setting(ctx, "sync_server", server.url)
        ctx.reload_settings()
        yield store
    store.close()


def page_for(qtbot: Any, ctx: Context) -> DisplayPage:
    page = DisplayPage(ctx)
    qtbot.addWidget(page)
    return page


def loaded_page(qtbot: Any, ctx: Context) -> DisplayPage:
    page = page_for(qtbot, ctx)
    page.editors["admin_token"].setText(ADMIN)
    assert page.load(), page.status.text()
    return page


def test_loads_and_saves_through_the_hub(qtbot: Any, ctx: Context, hub: Store) -> None:
    site = str(ctx.setting("site_code"))
    page = loaded_page(qtbot, ctx)
    token_file = secret_path(ctx.data_dir, display_link.ADMIN_TOKEN_FILE)
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600 and page.editors["admin_token"].text() == ""
    assert page.editors["name"].text() == display_settings.DEFAULTS["name"]
    assert page.editors["chime"].isChecked() and page.editors["volume"].text() == "1"

    page.editors["running_text"].setText("Siapkan KTP-el asli dan fotokopi KK")
    page.editors["volume"].setText("0,8")  # as an Indonesian writes it
    page.editors["chime"].setChecked(False)
    page.editors["speak_recalls"].setChecked(False)
    page.editors["recent"].setValue(6)
    page.add_counter.click()
    page.counters.setItem(0, 0, QTableWidgetItem("L03"))
    page.counters.setItem(0, 1, QTableWidgetItem("Loket Imigrasi 2"))
    page.counters.setItem(0, 2, QTableWidgetItem("loket imigrasi dua"))
    page.add_profile.click()
    page.profiles.setItem(0, 0, QTableWidgetItem("imigrasi"))
    page.profiles.setItem(0, 1, QTableWidgetItem("PASPOR"))
    page.profiles.setItem(0, 2, QTableWidgetItem("L03, L04"))
    assert page.save(), page.status.text()
    doc = display_settings.load(hub, site).doc
    assert doc["running_text"] == "Siapkan KTP-el asli dan fotokopi KK"
    assert doc["volume"] == 0.8 and doc["chime"] is False and doc["speak_recalls"] is False
    assert doc["recent"] == 6
    assert doc["counters"] == {"L03": {"label": "Loket Imigrasi 2", "spoken": "loket imigrasi dua"}}
    assert doc["profiles"] == {"imigrasi": {"services": ["PASPOR"], "counters": ["L03", "L04"]}}
    assert page.status.text() == t("gui.display.saved", count=7)

    # A second page (the dialog opened again) shows what the hub keeps; a removed row is removed.
    again = page_for(qtbot, ctx)
    assert again.load()
    assert (
        again.editors["volume"].text() == "0.8" and again.counters.item(0, 2).text() == "loket imigrasi dua"
    )
    again.counters.removeRow(0)
    assert again.save()
    assert display_settings.load(hub, site).doc["counters"] == {}
    assert again.save() and again.status.text() == t("gui.settings.unchanged")


def test_a_bad_volume_is_refused_beside_its_field(qtbot: Any, ctx: Context, hub: Store) -> None:
    site = str(ctx.setting("site_code"))
    page = loaded_page(qtbot, ctx)
    before = display_settings.load(hub, site)
    page.editors["running_text"].setText("tidak disimpan")
    page.editors["volume"].setText("1,5")
    assert not page.save()
    assert page.messages["volume"].text() == t("display.bad_volume", value="1,5")
    assert page.editors["volume"]._loket_invalid  # red border
    assert page.status.text() == t("gui.display.not_saved")
    assert display_settings.load(hub, site) == before  # nothing changed, not even the running text


def test_the_hubs_own_refusal_is_shown_beside_the_counters(qtbot: Any, ctx: Context, hub: Store) -> None:
    site = str(ctx.setting("site_code"))
    page = loaded_page(qtbot, ctx)
    before = display_settings.load(hub, site)
    page.editors["running_text"].setText("tidak disimpan")
    page.add_counter.click()
    page.counters.setItem(0, 0, QTableWidgetItem("L05"))
    page.counters.setItem(0, 2, QTableWidgetItem("loket kependudukan"))  # no clip for that word
    assert not page.save()
    assert "kependudukan" in page.messages["counters"].text()
    assert display_settings.load(hub, site) == before


def test_a_wrong_admin_token_is_refused_beside_the_token(qtbot: Any, ctx: Context, hub: Store) -> None:
    page = page_for(qtbot, ctx)
    assert not page.load()
    assert page.messages["admin_token"].text() == t("display.no_admin_token")
    page.editors["admin_token"].setText("not-the-hubs-admin-token")
    assert not page.load()
    assert page.messages["admin_token"].text() == t("display.admin_refused", hub=ctx.setting("sync_server"))
    assert not page.editors["running_text"].isEnabled()  # nothing loaded: nothing to change


def test_only_an_admin_reads_or_changes_them(ctx: Context, staff_ctx: Context, hub: Store) -> None:
    display_link.save_hub_admin_token(ctx, ADMIN)
    with pytest.raises(NotAllowed):
        display_link.hub_display_settings(staff_ctx)
    with pytest.raises(NotAllowed):
        display_link.save_hub_display_settings(staff_ctx, {"volume": 0.5})
    with pytest.raises(NotAllowed):
        display_link.save_hub_admin_token(staff_ctx, ADMIN)


def test_the_settings_dialog_has_the_tab_for_an_admin(qtbot: Any, ctx: Context) -> None:
    dialog = SettingsDialog(ctx)
    qtbot.addWidget(dialog)
    titles = [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())]
    assert t("gui.settings.tab.display") in titles

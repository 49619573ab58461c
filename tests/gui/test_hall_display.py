"""Layar aula: the screens of this PC, the kiosk command line, a real Chromium started and
stopped, the URL with Salin and a QR code that reads back as it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import zxingcpp
from PySide6.QtCore import QProcess, QRect
from PySide6.QtGui import QGuiApplication

from counter_app.core.i18n import t
from counter_app.gui import hall_display
from counter_app.gui.hall_display import DisplayLauncher, HallDisplayDialog
from counter_app.services import site_settings
from counter_app.services.context import Context

HUB = "http://192.168.1.20:8470"


@pytest.fixture
def dialog(qtbot: Any, ctx: Context) -> Iterator[HallDisplayDialog]:
    site_settings.set_setting(ctx, "sync_server", HUB)
    ctx.reload_settings()
    host = QGuiApplication.instance()
    assert host is not None
    made = HallDisplayDialog(ctx, DisplayLauncher(host))
    qtbot.addWidget(made)
    yield made
    made.launcher.stop()


def test_lists_the_screens_and_builds_the_kiosk_command(dialog: HallDisplayDialog, ctx: Context) -> None:
    screens = QGuiApplication.screens()
    assert dialog.screens.count() == len(screens) == 1  # offscreen: the laptop's one screen
    assert dialog.screens.item(0).text() == t(
        "gui.hall.screen", name="laptop", width=1366, height=768, x=0, y=0
    )
    url = f"{HUB}/display?site={ctx.setting('site_code')}"
    assert dialog.url_edit.text() == url
    if dialog.browser is None:
        pytest.skip("no Chromium on this machine")
    program, arguments = dialog.command()  # type: ignore[misc]
    assert program == shutil.which("chromium") or Path(program).name in hall_display.BROWSERS
    profile = Path(ctx.data_dir) / "display-profile"
    assert arguments[:6] == [
        "--kiosk",
        f"--app={url}",
        "--window-position=0,0",
        "--window-size=1366,768",
        "--autoplay-policy=no-user-gesture-required",
        f"--user-data-dir={profile}",
    ]


def test_a_second_screen_puts_the_window_at_its_corner(tmp_path: Path) -> None:
    arguments = hall_display.kiosk_arguments("http://hub/display", QRect(1366, 0, 1920, 1080), tmp_path)
    assert "--window-position=1366,0" in arguments and "--window-size=1920,1080" in arguments


def test_qr_code_reads_back_as_the_url_and_salin_copies_it(dialog: HallDisplayDialog) -> None:
    pixmap = dialog.qr.pixmap()
    assert not pixmap.isNull()
    (found,) = zxingcpp.read_barcodes(pixmap.toImage())
    assert found.text == dialog.url
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == dialog.url
    assert dialog.status.text() == t("gui.hall.copied")


def test_opens_a_real_chromium_and_stops_it(dialog: HallDisplayDialog, qtbot: Any) -> None:
    if dialog.browser is None:
        pytest.skip("no Chromium on this machine")
    # Headless: no display in the test; the rest of the command line is the real one.
    assert dialog.open_display(extra=["--headless=new", "--disable-gpu"])
    process = dialog.launcher.process
    assert process is not None and process.state() == QProcess.ProcessState.Running
    assert dialog.launcher.running() and dialog.stop_button.isEnabled()
    assert (Path(dialog.ctx.data_dir) / "display-profile").is_dir()
    dialog.stop_button.click()
    assert process.state() == QProcess.ProcessState.NotRunning
    assert not dialog.launcher.running()
    assert dialog.status.text() == t("gui.hall.stopped")


def test_without_a_browser_it_says_so_and_still_shows_the_url(
    qtbot: Any, ctx: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    site_settings.set_setting(ctx, "sync_server", HUB)
    ctx.reload_settings()
    monkeypatch.setenv("PATH", "")  # no browser to be found (the real lookup, on an empty PATH)
    host = QGuiApplication.instance()
    made = HallDisplayDialog(ctx, DisplayLauncher(host))
    qtbot.addWidget(made)
    assert made.browser is None
    assert made.status.text() == t("gui.hall.no_browser")
    assert not made.open_button.isEnabled()
    assert made.url_edit.text().startswith(HUB) and not made.qr.pixmap().isNull()


def test_without_a_hub_it_says_how_to_set_one(qtbot: Any, ctx: Context) -> None:
    host = QGuiApplication.instance()
    made = HallDisplayDialog(ctx, DisplayLauncher(host))
    qtbot.addWidget(made)
    assert made.url == "" and not made.open_button.isEnabled() and not made.copy_button.isEnabled()
    assert made.status.text() == t("display.no_hub")


def test_the_main_window_opens_it_from_the_file_menu(window: Any, qtbot: Any) -> None:
    assert window.hall_action in window.file_menu.actions()
    assert window.hall_action.text() == t("gui.menu.hall_display")
    window.hall_action.trigger()
    dialogs = [w for w in window.findChildren(HallDisplayDialog) if w.isVisible()]
    assert len(dialogs) == 1
    assert dialogs[0].launcher is hall_display.launcher_for(window)
    dialogs[0].close()


def test_a_hub_on_this_pc_only_says_how_a_tv_reaches_it_without_a_command_line_flag(
    qtbot: Any, ctx: Context
) -> None:
    site_settings.set_setting(ctx, "sync_server", "http://127.0.0.1:8470")
    ctx.reload_settings()
    host = QGuiApplication.instance()
    assert host is not None
    made = HallDisplayDialog(ctx, DisplayLauncher(host))
    qtbot.addWidget(made)
    assert t("gui.hall.loopback_note") in made.note.text()
    assert "--hub" not in made.note.text()  # no counter-app flag on an officer's screen

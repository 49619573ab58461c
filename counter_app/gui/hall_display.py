"""Layar aula: the hall display on a second screen of this PC, or its URL and QR code for a TV.

The page is the hub's `/display` (services/display_link.py). It opens full screen on the chosen
screen in the system's Chromium, Chrome or Edge as a kiosk app window, with autoplay allowed so
the voice plays without a click, in a profile of its own under the data folder (apart from the
PC's own browser). No QtWebEngine: it is not among our dependencies, and the browser's audio and
kiosk mode are what a hall TV runs anyway. The browser is a QProcess the window stops when the
program quits. The URL and its QR code are always shown, for a TV's own browser.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QRect, Qt
from PySide6.QtGui import QGuiApplication, QPixmap, QScreen
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from counter_app.core.errors import LoketError
from counter_app.core.i18n import t
from counter_app.gui.screen_fit import fit_to_screen
from counter_app.services import display_link
from counter_app.services.context import Context

BROWSERS = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "msedge",
    "microsoft-edge",
    "microsoft-edge-stable",
)
# Where Windows installs them (Program Files, per-user under LOCALAPPDATA).
WINDOWS_PATHS = (
    ("PROGRAMFILES", r"Google\Chrome\Application\chrome.exe"),
    ("PROGRAMFILES(X86)", r"Google\Chrome\Application\chrome.exe"),
    ("LOCALAPPDATA", r"Google\Chrome\Application\chrome.exe"),
    ("PROGRAMFILES(X86)", r"Microsoft\Edge\Application\msedge.exe"),
    ("PROGRAMFILES", r"Microsoft\Edge\Application\msedge.exe"),
    ("LOCALAPPDATA", r"Chromium\Application\chrome.exe"),
)
PROFILE_DIR = "display-profile"
STOP_WAIT_MS = 3000


def find_browser() -> str | None:
    """The first Chromium-family browser of this PC, or None."""
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    if sys.platform == "win32":
        for var, tail in WINDOWS_PATHS:
            root = os.environ.get(var)
            if root and Path(root, tail).is_file():
                return str(Path(root, tail))
    return None


def kiosk_arguments(url: str, screen: QRect, profile_dir: Path) -> list[str]:
    """Full screen at the screen's top-left corner, no browser frame, sound without a click."""
    return [
        "--kiosk",
        f"--app={url}",
        f"--window-position={screen.x()},{screen.y()}",
        f"--window-size={screen.width()},{screen.height()}",
        "--autoplay-policy=no-user-gesture-required",
        f"--user-data-dir={profile_dir}",
        "--no-first-run",
        "--no-default-browser-check",
        "--noerrdialogs",
        "--disable-session-crashed-bubble",
        "--disable-translate",
    ]


def screen_text(screen: QScreen) -> str:
    geometry = screen.geometry()
    return t(
        "gui.hall.screen",
        name=screen.name() or "?",
        width=geometry.width(),
        height=geometry.height(),
        x=geometry.x(),
        y=geometry.y(),
    )


class DisplayLauncher(QObject):
    """The browser showing the hall display: one at a time, stopped when the program quits."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.setObjectName("hall_display_launcher")
        self.process: QProcess | None = None
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    def running(self) -> bool:
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def start(self, program: str, arguments: list[str]) -> bool:
        """Start the browser (after stopping one this launcher started before)."""
        self.stop()
        process = QProcess(self)
        process.setProgram(program)
        process.setArguments(arguments)
        process.setProcessChannelMode(QProcess.ProcessChannelMode.ForwardedErrorChannel)
        process.setStandardOutputFile(QProcess.nullDevice())
        process.start()
        self.process = process
        return process.waitForStarted(STOP_WAIT_MS)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.state() == QProcess.ProcessState.NotRunning:
            return
        process.terminate()  # Chromium closes its windows and its helper processes itself
        if not process.waitForFinished(STOP_WAIT_MS):
            process.kill()
            process.waitForFinished(STOP_WAIT_MS)


def launcher_for(window: QObject) -> DisplayLauncher:
    found = window.findChild(DisplayLauncher, "hall_display_launcher")
    return found if found is not None else DisplayLauncher(window)


class HallDisplayDialog(QDialog):
    """Screens of this PC, "Buka di layar ini", the URL with Salin and its QR code."""

    def __init__(self, ctx: Context, launcher: DisplayLauncher, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.launcher = launcher
        self.browser = find_browser()
        self.url = ""
        self.url_error = ""
        try:
            self.url = display_link.display_url(ctx)
        except LoketError as exc:
            self.url_error = exc.message()
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.screens = QListWidget()
        self.screens.setObjectName("hall_screens")
        self.open_button = QPushButton()
        self.open_button.setProperty("primary", True)
        self.open_button.clicked.connect(self.open_display)
        self.stop_button = QPushButton()
        self.stop_button.clicked.connect(self.stop_display)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextFormat(Qt.TextFormat.PlainText)
        self.url_label = QLabel()
        self.url_edit = QLineEdit(self.url)
        self.url_edit.setReadOnly(True)
        self.url_edit.setObjectName("hall_url")
        self.copy_button = QPushButton()
        self.copy_button.clicked.connect(self.copy_url)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setProperty("role", "muted")
        self.qr = QLabel()
        self.qr.setObjectName("hall_qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.close_button = QPushButton()
        self.close_button.clicked.connect(self.accept)

        left = QVBoxLayout()
        left.addWidget(self.intro)
        left.addWidget(self.screens, 1)
        row = QHBoxLayout()
        row.addWidget(self.open_button)
        row.addWidget(self.stop_button)
        row.addStretch(1)
        left.addLayout(row)
        left.addWidget(self.status)
        right = QVBoxLayout()
        right.addWidget(self.url_label)
        url_row = QHBoxLayout()
        url_row.addWidget(self.url_edit, 1)
        url_row.addWidget(self.copy_button)
        right.addLayout(url_row)
        right.addWidget(self.qr, 1)
        right.addWidget(self.note)
        body = QHBoxLayout()
        body.addLayout(left, 1)
        body.addLayout(right, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        self._list_screens()
        if self.url:
            pixmap = QPixmap()
            pixmap.loadFromData(display_link.qr_png(self.url, box=6), "PNG")
            self.qr.setPixmap(pixmap)
        fit_to_screen(self, 860, 520)
        self.retranslate()

    def _list_screens(self) -> None:
        self.screens.clear()
        screens = QGuiApplication.screens()
        primary = QGuiApplication.primaryScreen()
        for screen in screens:
            item = QListWidgetItem(screen_text(screen))
            item.setData(Qt.ItemDataRole.UserRole, screen.geometry())
            self.screens.addItem(item)
        # A second screen is the usual choice: the first one that is not the officer's own.
        others = [i for i, s in enumerate(screens) if s is not primary]
        self.screens.setCurrentRow(others[0] if others else 0)

    def chosen_geometry(self) -> QRect:
        item = self.screens.currentItem()
        if item is None:
            return QGuiApplication.primaryScreen().geometry()
        return QRect(item.data(Qt.ItemDataRole.UserRole))

    def command(self) -> tuple[str, list[str]] | None:
        """The browser and its arguments for the chosen screen (None: no browser or no URL)."""
        if self.browser is None or not self.url:
            return None
        profile = Path(self.ctx.data_dir) / PROFILE_DIR
        return self.browser, kiosk_arguments(self.url, self.chosen_geometry(), profile)

    def open_display(self, extra: list[str] | None = None) -> bool:
        command = self.command()
        if command is None:
            return False
        program, arguments = command
        profile = Path(self.ctx.data_dir) / PROFILE_DIR
        profile.mkdir(parents=True, exist_ok=True, mode=0o700)
        started = self.launcher.start(program, arguments + list(extra or []))
        self.status.setText(
            t("gui.hall.started" if started else "gui.hall.not_started", browser=Path(program).name)
        )
        self.stop_button.setEnabled(self.launcher.running())
        return started

    def stop_display(self) -> None:
        self.launcher.stop()
        self.status.setText(t("gui.hall.stopped"))
        self.stop_button.setEnabled(False)

    def copy_url(self) -> None:
        QGuiApplication.clipboard().setText(self.url)
        self.status.setText(t("gui.hall.copied"))

    def retranslate(self) -> None:
        self.setWindowTitle(t("gui.hall.title"))
        self.intro.setText(t("gui.hall.intro"))
        self.open_button.setText(t("gui.hall.open"))
        self.stop_button.setText(t("gui.hall.stop"))
        self.url_label.setText(t("gui.hall.url"))
        self.copy_button.setText(t("gui.hall.copy"))
        self.close_button.setText(t("gui.common.close"))
        self.open_button.setEnabled(self.command() is not None)
        self.stop_button.setEnabled(self.launcher.running())
        self.copy_button.setEnabled(bool(self.url))
        if self.url_error:
            self.status.setText(self.url_error)
        elif self.browser is None:
            self.status.setText(t("gui.hall.no_browser"))
        notes = [t("gui.hall.tv_note")]
        if self.url and display_link.is_loopback(self.url):
            notes.append(t("gui.hall.loopback_note"))  # the CLI's own note names its --hub flag
        self.note.setText("\n".join(notes))


def open_dialog(window: QWidget) -> HallDisplayDialog:
    """File → Layar aula… of the main window: the dialog over `window`, whose `ctx` is read now
    (it changes when another officer logs in) and which keeps the browser it starts."""
    dialog = HallDisplayDialog(window.ctx, launcher_for(window), window)  # type: ignore[attr-defined]
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog

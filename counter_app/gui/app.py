"""Starting the window: Qt application, error path, first-run set-up, login, then the main window.

Only what the login needs is imported before it shows (the main window, ReportLab and the print
bridge come later), so the program is at the login quickly.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from counter_app.core import i18n, logs, ticket_rules  # noqa: F401  (logs, ticket_rules: see below)
from counter_app.core.clock import Clock, SystemClock
from counter_app.core.errors import LoketError
from counter_app.core.paths import default_data_dir
from counter_app.services import retention_due, usecase
from counter_app.services.context import Context

# Qt after the layers below the window (and the modules the window's own need there: the log
# for the error path, the ticket rules for the theme): once PySide6 is loaded, each module an
# import statement names is read in full for the word "PySide6" (shiboken's __feature__ check,
# once per module), which cost the start to the login ~8 ms while all of these came after it.
# isort: split
from PySide6.QtWidgets import QApplication, QDialog

# Answers shiboken's per-import source scan on import, before the imports below (see there).
from counter_app.gui import feature_scan  # noqa: F401  # isort: skip
from counter_app.gui import error_dialog, theme
from counter_app.gui.icon import app_icon
from counter_app.gui.login_dialog import NOBODY, LoginDialog, preload_staff_service

if TYPE_CHECKING:
    from counter_app.gui.main_window import MainWindow


def make_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    made = False
    if not isinstance(app, QApplication):
        # The style named at construction (Qt's own `-style` option, last one wins) rather than
        # set after: `setStyle` hands the QStyle to Python, and PySide then builds its QStyle
        # enums (~5 ms) on the way to the login. Same style, same palette.
        args = argv if argv is not None else sys.argv[:1]
        app = QApplication([*args, "-style", theme.STYLE])
        made = True
    app.setApplicationName("Loket")
    app.setOrganizationName("MPP")
    app.setApplicationDisplayName("Loket")
    app.setWindowIcon(app_icon())
    theme.apply(app, style_set=made)
    return app


def open_store(data_dir: Path, clock: Clock) -> Context | None:
    """The store opened (made first if this is the first run), or None if the user gave up."""
    if not usecase.store_exists(data_dir):
        from counter_app.gui.setup_dialog import SetupDialog

        setup = SetupDialog(data_dir, clock)
        if setup.exec() != QDialog.DialogCode.Accepted or setup.actor is None:
            return None
        return Context(data_dir, setup.actor, clock)
    try:
        usecase.open_store(data_dir)
        ctx = Context(data_dir, NOBODY, clock)
        with usecase.usecase(ctx):
            # daily, and at once on a restored old copy (UU PDP); services.privacy is imported
            # only when the purge is due (most starts: one setting read)
            if retention_due.due(ctx):
                from counter_app.services import privacy

                privacy.purge_if_due(ctx)
    except LoketError as exc:
        error_dialog.report(exc)
        return None
    return ctx


def use_site_language(ctx: Context) -> None:
    """The site's language, unless one was asked for (`--lang`, COUNTER_APP_LANG)."""
    if os.environ.get("COUNTER_APP_LANG") or i18n.language() != i18n.DEFAULT_LANGUAGE:
        return
    lang = ctx.setting("language")
    if lang in i18n.LANGUAGES:
        i18n.set_language(lang)


def log_in(ctx: Context) -> Context | None:
    if ctx.actor is not NOBODY:
        return ctx  # just set up: the new admin is already known
    login = LoginDialog(ctx)
    preload_staff_service()
    if login.exec() != QDialog.DialogCode.Accepted or login.actor is None:
        return None
    return replace(ctx, actor=login.actor)


def start(data_dir: Path, clock: Clock | None = None) -> MainWindow | None:
    clock = clock or SystemClock()
    ctx = open_store(Path(data_dir), clock)
    if ctx is None:
        return None
    use_site_language(ctx)
    ctx = log_in(ctx)
    if ctx is None:
        return None
    from counter_app.gui.main_window import MainWindow

    return MainWindow(ctx)


def run(data_dir: Path | None = None, clock: Clock | None = None) -> int:
    """The GUI's entry point (`counter-app` with no command)."""
    app = make_app()
    folder = Path(data_dir) if data_dir else default_data_dir()
    error_dialog.install(folder)
    try:
        window = start(folder, clock)
        if window is None:
            return 0
        window.show()
        return app.exec()
    finally:
        from counter_app.core import logs

        logs.shutdown()  # the log file flushed and closed with the window, not at interpreter exit

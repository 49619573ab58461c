"""The officer's window: Pendaftaran, Pindai, Sedang dilayani and Antrean, with a status bar; on a
counter of a site hub, the live link (started at login, closed at exit and log-out), the banner
while the hub is cut off, and the coordinator's Pantauan."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QSettings, Qt, QTimer, QUrl
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDesktopServices,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QMainWindow,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app import __version__
from counter_app.core import i18n
from counter_app.core.clock import local_day
from counter_app.core.errors import LoketError
from counter_app.core.i18n import t
from counter_app.core.roles import Permission
from counter_app.gui import error_dialog
from counter_app.gui.background import Background
from counter_app.gui.icon import app_icon
from counter_app.gui.live_link import LiveConnection
from counter_app.gui.lock_screen import LockDialog, LockPage
from counter_app.gui.offline_banner import OfflineBanner
from counter_app.gui.queue_table import QueueTable
from counter_app.gui.receipt_printing import ReceiptPrinting
from counter_app.gui.register_panel import RegisterPanel
from counter_app.gui.scan_field import ScanField
from counter_app.gui.serving_panel import ServingPanel
from counter_app.gui.status_bar import StatusBar
from counter_app.gui.widgets import prompts
from counter_app.gui.widgets.notice import Notice
from counter_app.services import (
    catalogue,
    live_queue,
    queue_view,
    site_settings,
    store_watch,
    tickets,
    waiting,
)
from counter_app.services.context import Context
from counter_app.services.usecase import usecase
from counter_app.services.views import TicketView

TICK_MS = 1000
WATCH_MS = 3000
APPLIED_MS = 150  # events of other devices arriving in a burst: one reload of the queue
IDLE_CHECK_MS = 15000
PRINTER_CHECK_MS = 500  # after the window's first paint: the check loads print support, asks CUPS
COMPLAINTS_CHECK_MS = 500  # after the first paint: the status bar's overdue complaints
INPUT_WATCH_MS = 1000  # after the first paint: the idle lock's watch on keys and clicks
TASKBAR = 40  # px a desktop's panel takes (1366×768 laptops: the window gets 1366×728)


class MainWindow(QMainWindow):
    def __init__(
        self,
        ctx: Context,
        *,
        print_receipts: bool = True,
        check_printers: bool = True,
        nightly_sync: bool = True,
        live: bool = True,
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.live: LiveConnection | None = None
        self.live_wanted = live  # tests and screenshots may keep the window off the hub
        self._hub_cut = False  # Terputus shown (stays through the link's reconnect attempts)
        self.board_window = None
        self._fitted_with_frame = False
        self._refit_tries = 0
        self.refit_timer = QTimer(self)  # a child: it dies with the window
        self.refit_timer.timeout.connect(self._refit)
        from counter_app.gui.nightly_sync import NightlySync

        self.nightly = NightlySync(ctx, self)
        self.print_receipts = print_receipts
        self.setWindowIcon(app_icon())
        self.background = Background(self)
        self.receipts = ReceiptPrinting(ctx, self.background, self)

        self.prefs = QSettings(str(Path(ctx.data_dir) / "window-prefs.ini"), QSettings.Format.IniFormat)
        self.register_panel = RegisterPanel(ctx)
        self.scan_field = ScanField(ctx)
        self.serving_panel = ServingPanel(ctx)
        self.queue_table = QueueTable(ctx.clock.now(), ctx.tz, prefs=self.prefs)
        # The services, and the ticket in hand after a restart, before the panels are put in
        # the window: their first polish then reads the held ticket's look, and nothing is
        # repolished (the first repolish makes PySide build QStyle's enums, ~5 ms at start).
        self.load_services()
        self.serving_panel.resume()
        self.status = StatusBar(now=ctx.clock.now, tz=ctx.tz)
        self.setStatusBar(self.status)
        # A receipt that did not print: a notice between the panel and the queue list (only
        # the list gives it room: the form, the scan field and the F-key buttons never move),
        # with Coba lagi / Buka PDF; gone when the next one prints.
        self.print_notice = Notice()
        self.retry_button = self.print_notice.add_button(self.retry_print)
        self.open_pdf_button = self.print_notice.add_button(self.open_failed_pdf)
        self.print_notice.hide()
        self.failed_print = None  # the PrintOutcome shown in the notice
        self.open_file: Callable[[Path], object] = lambda path: QDesktopServices.openUrl(
            QUrl.fromLocalFile(str(path))
        )

        left = QVBoxLayout()
        left.addWidget(self.register_panel)
        left.addWidget(self.scan_field)
        left.addStretch(1)
        # The hub cut off: a banner at the top, over the counter's work (the ticket in hand and
        # the queue). Not over the form too: the form's column has no room to give on a
        # 1366×768 screen (the window grew past it); the queue list gives the room.
        self.offline_banner = OfflineBanner()
        right = QVBoxLayout()
        right.addWidget(self.offline_banner)
        right.addWidget(self.serving_panel)
        right.addWidget(self.print_notice)
        right.addWidget(self.queue_table, 1)
        body = QHBoxLayout()
        body.addLayout(left, 0)
        body.addLayout(right, 1)
        body.setContentsMargins(10, 8, 10, 6)
        body.setSpacing(10)
        # The pages in the window first, the panels put on the page last: with the stylesheet,
        # every reparenting of a widget tree re-polishes all of it; built bottom-up, the panels
        # were polished once per level (page, stack, window: ~15 ms at start).
        self.pages = QStackedWidget()
        self.setCentralWidget(self.pages)
        self.work_page = QWidget()
        self.lock_page = LockPage()
        self.pages.addWidget(self.work_page)
        self.pages.addWidget(self.lock_page)
        self.work_page.setLayout(body)
        self.lock_dialog: LockDialog | None = None
        # The form's width is set, not taken from its texts: a long label or hint wraps inside
        # it and never widens the window past a 1366 px screen (it did, to 1377 and 1520 px).
        self.register_panel.setFixedWidth(400)
        self.scan_field.setFixedWidth(self.register_panel.width())

        self.register_panel.setVisible(ctx.actor.can(Permission.REGISTER))
        self.register_panel.registered.connect(self._registered)
        self.register_panel.scanned.connect(self.scan_field.scan)
        self.scan_field.ticket_found.connect(self._open)
        self.queue_table.ticket_opened.connect(self.open_ticket)
        self.serving_panel.ticket_changed.connect(self._changed)
        self.serving_panel.ticket_added.connect(self._changed)
        self.serving_panel.print_requested.connect(self._print_requested)
        self.serving_panel.notice.connect(lambda text: self.status.showMessage(text, 8000))
        self.serving_panel.ticket_changed.connect(lambda _t: self.refresh_order())
        self.receipts.printed.connect(self._printed)

        self._build_menus()
        self._day: date = local_day(ctx.clock.now(), ctx.tz)
        self._data_version: int | None = None
        self.reload_queue()
        self.status.show_officer(ctx.setting("counter_code"), ctx.actor)
        self.status.show_database(None)
        self.status.show_printer(ctx.setting("printer") or None, None)
        self.status.show_sync(site_settings.stored_text(site_settings.LAST_SYNC_KEY))
        # The overdue complaints' count a moment after the first paint, as the printer's state:
        # the count imports the complaints service and reads the table (~3 ms of the start).
        self._complaints_checked: float = time.monotonic()
        QTimer.singleShot(COMPLAINTS_CHECK_MS, self, self.refresh_complaints)
        self.nightly.progress.connect(lambda text: self.status.showMessage(text))
        self.nightly.finished.connect(self.sync_finished)
        self.nightly.bug.connect(lambda exc: error_dialog.report(exc, self))
        if nightly_sync:
            self.nightly.start()
        self.retranslate()
        self.tick()

        self.tick_timer = QTimer(self)
        self.tick_timer.timeout.connect(self.tick)
        self.tick_timer.start(TICK_MS)
        self.watch_timer = QTimer(self)
        self.watch_timer.timeout.connect(self.check_store)
        self.watch_timer.start(WATCH_MS)
        if check_printers:
            QTimer.singleShot(PRINTER_CHECK_MS, self.check_printer)
        self.applied_timer = QTimer(self)
        self.applied_timer.setSingleShot(True)
        self.applied_timer.timeout.connect(self.site_changed)
        self.start_live()

        # Idle lock: any key or click counts as activity (the injected `idle_clock` in tests).
        # The application-wide filter is installed a moment after the first paint: while it is
        # there every event of every object passes through Python, and the first one about a
        # Qt-internal object (an animation timer) makes PySide build the enums of every class
        # it has (~25 ms); the lock counts minutes from here, so that second is no gap.
        self.idle_clock: Callable[[], float] = time.monotonic
        self._last_input = self.idle_clock()
        QTimer.singleShot(INPUT_WATCH_MS, self, self.watch_input)
        self.idle_timer = QTimer(self)
        self.idle_timer.timeout.connect(self.check_idle)
        self.idle_timer.start(IDLE_CHECK_MS)
        self.fit_to_screen()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._fitted_with_frame:
            # The window manager's frame is known only a moment after the first show: fit
            # again with it (openbox's 2 px border made a 1366 px window 1368 px wide).
            self._fitted_with_frame = True
            self._refit_tries = 10
            self.refit_timer.start(100)

    def _refit(self) -> None:
        self._refit_tries -= 1
        framed = self.frameGeometry().width() > self.geometry().width()
        if framed or self._refit_tries <= 0:
            self.refit_timer.stop()
            self.fit_to_screen()

    def fit_to_screen(self) -> None:
        """1366×768 less a taskbar at most, and never more than the screen gives."""
        for layout in (self.work_page.layout(), self.layout()):
            layout.invalidate()  # sizes cached before the form's width was fixed: stale
            layout.activate()
        screen = self.screen() or QGuiApplication.primaryScreen()
        room = screen.availableGeometry()
        frame = self.frameGeometry().size() - self.geometry().size()  # title bar, borders
        width = min(1366, room.width()) - max(0, frame.width())
        height = min(768 - TASKBAR, room.height()) - max(0, frame.height())
        self.resize(width, height)

    # ---- menus ------------------------------------------------------------------------

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("")
        self.settings_action = QAction(self)
        self.settings_action.triggered.connect(self.open_settings)
        self.settings_action.setVisible(self.ctx.actor.can(Permission.MANAGE_SETTINGS))
        self.preview_action = QAction(self)
        self.preview_action.triggered.connect(self.preview_receipt)
        self.report_action = QAction(self)
        self.report_action.setShortcut(QKeySequence("Ctrl+R"))
        self.report_action.triggered.connect(self.open_daily_report)
        self.report_action.setVisible(self.ctx.actor.can(Permission.REPORT))
        self.complaints_action = QAction(self)
        self.complaints_action.setShortcut(QKeySequence("Ctrl+K"))
        self.complaints_action.triggered.connect(self.open_complaints)
        self.complaints_action.setVisible(self.ctx.actor.can(Permission.COMPLAINT))
        self.sync_action = QAction(self)
        self.sync_action.triggered.connect(self.sync_now)
        self.sync_action.setVisible(self.ctx.actor.can(Permission.SYNC))
        self.board_action = QAction(self)
        self.board_action.setShortcut(QKeySequence("Ctrl+B"))
        self.board_action.triggered.connect(self.open_board)
        self._show_board_action()
        self.hall_action = QAction(self)  # Layar aula (issue 13): the display on a second screen
        self.hall_action.triggered.connect(self.open_hall_display)
        self.survey_action = QAction(self)
        self.survey_action.setShortcut(QKeySequence("F11"))
        self.survey_action.triggered.connect(self.open_survey)
        self.quit_action = QAction(self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.switch_action = QAction(self)
        self.switch_action.triggered.connect(lambda: self.lock(switch=True))
        self.logout_action = QAction(self)
        self.logout_action.setShortcut(QKeySequence("Ctrl+L"))
        self.logout_action.triggered.connect(lambda: self.lock())
        self.history_action = QAction(self)
        self.history_action.setShortcut(QKeySequence("Ctrl+H"))
        self.history_action.triggered.connect(self.status.messages.open_history)
        self.file_menu.addAction(self.preview_action)
        self.file_menu.addAction(self.report_action)
        self.file_menu.addAction(self.complaints_action)
        self.file_menu.addAction(self.board_action)
        self.file_menu.addAction(self.hall_action)
        self.file_menu.addAction(self.sync_action)
        self.file_menu.addAction(self.settings_action)
        self.file_menu.addAction(self.history_action)
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.switch_action)
        self.file_menu.addAction(self.logout_action)
        self.file_menu.addAction(self.quit_action)

        self.queue_menu = bar.addMenu("")
        self.register_action = QAction(self)
        self.register_action.triggered.connect(self.register_panel.submit)
        self.queue_menu.addAction(self.register_action)
        self.focus_register_action = QAction(self)
        self.focus_register_action.setShortcut(QKeySequence("Ctrl+N"))
        self.focus_register_action.triggered.connect(self.focus_register)
        self.queue_menu.addAction(self.focus_register_action)
        self.focus_scan_action = QAction(self)
        self.focus_scan_action.setShortcut(QKeySequence("Ctrl+F"))
        self.focus_scan_action.triggered.connect(lambda: self.scan_field.edit.setFocus())
        self.queue_menu.addAction(self.focus_scan_action)
        self.queue_menu.addAction(self.survey_action)
        self.queue_menu.addSeparator()
        for action in self.serving_panel.actions.values():
            self.queue_menu.addAction(action)

        self.language_menu = bar.addMenu("")
        self.language_group = QActionGroup(self)
        self.language_actions: dict[str, QAction] = {}
        for lang in i18n.LANGUAGES:
            action = QAction(t(i18n.LANGUAGE_KEYS[lang]), self)
            action.setCheckable(True)
            action.triggered.connect(lambda _=False, lang=lang: self.set_language(lang))
            self.language_group.addAction(action)
            self.language_menu.addAction(action)
            self.language_actions[lang] = action

        self.help_menu = bar.addMenu("")
        self.about_action = QAction(self)
        self.about_action.triggered.connect(self.about)
        self.help_menu.addAction(self.about_action)

    def open_hall_display(self) -> None:
        from counter_app.gui import hall_display  # QProcess, screens: only when asked for

        hall_display.open_dialog(self)

    def retranslate(self) -> None:
        self.setWindowTitle(
            t("gui.main.title", site=self.ctx.setting("site_name"), counter=self.ctx.setting("counter_code"))
        )
        self.file_menu.setTitle(t("gui.menu.file"))
        self.settings_action.setText(t("gui.menu.settings"))
        self.preview_action.setText(t("gui.menu.preview"))
        self.report_action.setText(t("gui.menu.daily_report"))
        self.complaints_action.setText(t("gui.menu.complaints"))
        self.sync_action.setText(t("gui.menu.sync_now"))
        self.board_action.setText(t("gui.menu.board"))
        self.hall_action.setText(t("gui.menu.hall_display"))
        self.offline_banner.retranslate()
        self.survey_action.setText(t("gui.menu.survey"))
        self.quit_action.setText(t("gui.menu.quit"))
        self.switch_action.setText(t("gui.menu.switch_officer"))
        self.logout_action.setText(t("gui.menu.log_out"))
        self.history_action.setText(t("gui.menu.messages"))
        self.retry_button.setText(t("gui.print.retry"))
        self.open_pdf_button.setText(t("gui.print.open_pdf"))
        self.queue_menu.setTitle(t("gui.menu.queue"))
        self.register_action.setText(t("gui.register.submit", key="F2").replace("&", "&&"))
        self.register_action.setShortcut(QKeySequence())  # F2 belongs to the panel's shortcut
        self.focus_register_action.setText(t("gui.menu.new_visitor"))
        self.focus_scan_action.setText(t("gui.menu.scan"))
        self.language_menu.setTitle(t("gui.menu.language"))
        for lang, action in self.language_actions.items():
            action.setText(t(i18n.LANGUAGE_KEYS[lang]))
            action.setChecked(lang == i18n.language())
        self.help_menu.setTitle(t("gui.menu.help"))
        self.about_action.setText(t("gui.menu.about"))
        self.register_panel.retranslate()
        self.scan_field.retranslate()
        self.serving_panel.retranslate()
        self.queue_table.retranslate()
        self.status.retranslate()

    def set_language(self, lang: str) -> None:
        """Switch every visible text now (the site's default is in the settings)."""
        i18n.set_language(lang)
        self.retranslate()

    # ---- data -------------------------------------------------------------------------

    def load_services(self) -> None:
        counter = self.ctx.setting("counter_code")
        served = catalogue.services_of_counter(counter)
        everything = catalogue.active_services()
        self.register_panel.set_services(served)
        self.serving_panel.set_services(everything)
        self.queue_table.set_services(everything)

    @error_dialog.guarded
    def reload_queue(self) -> None:
        entries = queue_view.queue_entries(self.ctx)
        # The order first: on the first fill the one reset then sorts by it once, instead of
        # sorting by registration and re-placing every waiting row when the order arrives.
        self.refresh_order()
        self.queue_table.model.replace_all(entries)
        self._data_version = store_watch.data_version()

    def refresh_order(self) -> None:
        """The queue list's # column: the order call-next at this counter will take."""
        try:
            with usecase(self.ctx):
                self.queue_table.model.set_order(waiting.call_order(self.ctx))
        except LoketError as exc:
            self.status.show_database(exc.message())

    def daily_purge(self) -> None:
        """A PC left on for days still purges daily (UU PDP), not only at start and after a sync."""
        from counter_app.services import privacy

        try:
            with usecase(self.ctx):
                privacy.purge_if_due(self.ctx)
        except LoketError as exc:
            self.status.show_database(exc.message())

    def check_store(self) -> None:
        """Every few seconds: is the store healthy, and did another program change it?"""
        try:
            with usecase(self.ctx):
                version = store_watch.data_version()
                if version != self._data_version:
                    self.queue_table.model.replace_all(queue_view.queue_entries(self.ctx))
                    self.queue_table.model.set_order(waiting.call_order(self.ctx))
                    self._data_version = version
                    self.serving_panel.refresh()
        except LoketError as exc:
            self.status.show_database(exc.message())
            return
        self.status.show_database(None)
        self.show_live()  # the backlog goes down as the push goes on
        if time.monotonic() - self._complaints_checked > 60:  # deadlines pass with the clock
            self.refresh_complaints()

    def refresh_complaints(self) -> None:
        from counter_app.services import complaints

        self._complaints_checked = time.monotonic()
        if self.ctx.actor.can(Permission.COMPLAINT):
            self.status.show_complaints(complaints.overdue_count(self.ctx))

    def check_printer(self) -> None:
        from counter_app.printing.qt_print import PrintError, available_printers, default_printer

        name = self.ctx.setting("printer") or None
        try:
            known = available_printers()
            available = (name in known) if name else default_printer() is not None
        except PrintError:
            available = False
        self.status.show_printer(name, available)

    def tick(self) -> None:
        now = self.ctx.clock.now()
        today = local_day(now, self.ctx.tz)
        if today != self._day:  # past midnight: a new day's queue
            self._day = today
            self.reload_queue()
            self.daily_purge()
        self.queue_table.tick(now)
        self.serving_panel.tick(now)
        self.status.tick(now, self.ctx.tz)

    # ---- reactions --------------------------------------------------------------------

    def _registered(self, registration: tickets.Registration) -> None:
        ticket = registration.ticket
        self.queue_table.model.upsert([ticket])
        self.queue_table.select_ticket(ticket.id)
        self.refresh_order()
        self.status.showMessage(self.register_panel.last_label.full_text(), 8000)
        if self.print_receipts:
            self.receipts.print_ticket(ticket)

    def _printed(self, outcome) -> None:
        self.status.showMessage(outcome.message, 15000)
        if outcome.printed:
            self.failed_print = None
            self.print_notice.hide()
        else:
            self.failed_print = outcome
            self.print_notice.setText(outcome.message)
            self.print_notice.show()
        self.status.show_printer(self.ctx.setting("printer") or None, outcome.printed)

    def retry_print(self) -> None:
        """Coba lagi: the same kept PDF to the printer again (no new receipt is issued)."""
        outcome = self.failed_print
        if outcome is None:
            return
        try:
            pdf = Path(outcome.pdf_path).read_bytes()
        except OSError as exc:
            self.status.showMessage(
                t("gui.print.pdf_gone", path=str(outcome.pdf_path), error=exc.strerror or "")
            )
            return
        self.receipts.print_pdf(pdf, Path(outcome.pdf_path).stem)

    def open_failed_pdf(self) -> None:
        """Buka PDF: the kept copy in the system's viewer (it can be printed from there)."""
        if self.failed_print is not None:
            self.open_file(Path(self.failed_print.pdf_path))

    def _changed(self, ticket: TicketView) -> None:
        self.queue_table.model.upsert([ticket])
        self.queue_table.select_ticket(ticket.id)

    def _open(self, ticket: TicketView) -> None:
        """A scanned or typed ticket: shown; the one in hand stays in hand (read-only view)."""
        self.serving_panel.show_ticket(ticket)
        self.queue_table.select_ticket(ticket.id)
        self._say_viewing()

    def open_ticket(self, ticket_id: str) -> None:
        self.serving_panel.open_ticket(ticket_id)
        self._say_viewing()

    def _say_viewing(self) -> None:
        held = self.serving_panel.in_hand
        if self.serving_panel.viewing and held is not None:
            self.status.showMessage(
                t("gui.serving.viewing", held=held.code, status=t(i18n.STATUS_KEYS[held.status])), 8000
            )

    def _print_requested(self, ticket: TicketView, reprint: bool) -> None:
        if reprint:
            self.receipts.preview(ticket, reprint=True)
        elif self.print_receipts:
            self.receipts.print_ticket(ticket)

    def preview_receipt(self) -> None:
        ticket = self.serving_panel.ticket
        if ticket is None:
            prompts.inform(self, t("gui.menu.preview"), t("gui.serving.no_ticket"))
            return
        self.receipts.preview(ticket, reprint=True)

    def focus_register(self) -> None:
        self.register_panel.name_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def open_daily_report(self) -> None:
        from counter_app.gui.daily_report_dialog import open_daily_report

        self.report_dialog = open_daily_report(self, self.ctx)

    def sync_now(self) -> None:
        """A supervisor runs tonight's sync now (off the UI thread; the status bar follows)."""
        if not self.nightly.sync_now():
            if self.nightly.running:
                self.status.showMessage(t("gui.sync.already_running"), 8000)
            else:
                prompts.inform(self, t("gui.menu.sync_now"), self.nightly.last_text)

    def sync_finished(self, ok: bool, text: str) -> None:
        self.status.show_sync(site_settings.stored_text(site_settings.LAST_SYNC_KEY))
        self.status.showMessage(text, 15000)

    def open_complaints(self) -> None:
        from counter_app.gui.complaints_window import open_complaints

        self.complaints_window = open_complaints(self, self.ctx)

    def open_survey(self) -> None:
        """Turn the satisfaction survey to the visitor just served (second screen if any)."""
        ticket = self.serving_panel.ticket
        if ticket is None:
            prompts.inform(self, t("gui.menu.survey"), t("gui.serving.no_ticket"))
            return
        from counter_app.gui.survey_kiosk import open_survey

        self.survey_window = open_survey(self, self.ctx, ticket.id)

    def open_settings(self) -> None:
        from counter_app.gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.ctx, self)
        dialog.exec()
        self.settings_changed()

    def settings_changed(self) -> None:
        self.ctx.reload_settings()
        if self.live is None and live_queue.networked(self.ctx):
            self.start_live()  # a hub was just set up (Pengaturan → Sinkronisasi)
        self._show_board_action()
        self.load_services()
        self.status.show_officer(self.ctx.setting("counter_code"), self.ctx.actor)
        self.check_printer()
        self.retranslate()

    def about(self) -> None:
        prompts.inform(self, t("gui.menu.about"), t("gui.about.text", version=__version__))

    # ---- officers: lock, switch, idle -------------------------------------------------

    @property
    def locked(self) -> bool:
        return self.lock_dialog is not None

    def lock(self, *, switch: bool = False) -> LockDialog:
        """Keluar akun (Ctrl+L) / Ganti petugas / idle: hide the work, ask for a login."""
        if self.lock_dialog is not None:
            return self.lock_dialog
        self.stop_live()  # logged out: the board shows the counter closed; back at the login
        if self.board_window is not None:
            self.board_window.close()
        held = self.serving_panel.in_hand
        self.lock_page.show_locked(self.ctx.setting("counter_code"), held.code if held else None)
        self.pages.setCurrentWidget(self.lock_page)
        self.status.clearMessage()  # messages name visitors (masked): not on a locked screen
        self.menuBar().setEnabled(False)
        dialog = LockDialog(self.ctx, self, previous=self.ctx.actor, held=held.code if held else None)
        if switch:
            dialog.username_edit.clear()
            dialog.username_edit.setFocus()
        dialog.unlocked.connect(self._unlocked)
        self.lock_dialog = dialog
        dialog.open()
        return dialog

    def _unlocked(self, actor) -> None:
        self.lock_dialog = None
        self.menuBar().setEnabled(True)
        self.pages.setCurrentWidget(self.work_page)
        if actor is not None and actor != self.ctx.actor:
            self.set_actor(actor)
        self.start_live()
        self._last_input = self.idle_clock()
        self.register_panel.name_edit.setFocus()

    def set_actor(self, actor) -> None:
        """Another officer carries on at this window (a shift change): every part acts as them."""
        ctx = replace(self.ctx, actor=actor)
        self.ctx = ctx
        for part in (self.register_panel, self.scan_field, self.serving_panel, self.receipts, self.nightly):
            part.ctx = ctx
        self.register_panel.setVisible(actor.can(Permission.REGISTER))
        self.settings_action.setVisible(actor.can(Permission.MANAGE_SETTINGS))
        self.report_action.setVisible(actor.can(Permission.REPORT))
        self.complaints_action.setVisible(actor.can(Permission.COMPLAINT))
        self.sync_action.setVisible(actor.can(Permission.SYNC))
        self._show_board_action()
        self.status.show_officer(ctx.setting("counter_code"), actor)
        self.serving_panel.update_actions()
        self.status.showMessage(t("gui.lock.switched", user=actor.username), 8000)

    def watch_input(self) -> None:
        """Count every key press and click of the application as activity (the idle lock)."""
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress):
            self._last_input = self.idle_clock()
        return False

    def check_idle(self) -> None:
        minutes = self.ctx.setting("idle_lock_minutes")
        if minutes and not self.locked and self.idle_clock() - self._last_input >= minutes * 60:
            self.lock()

    def closeEvent(self, event: QCloseEvent) -> None:
        held = self.serving_panel.in_hand
        # Asked once, of a window on screen (closing it again later asks nothing).
        if (
            held is not None
            and self.isVisible()
            and not prompts.confirm(
                self,
                t("gui.menu.quit"),
                t("gui.quit.in_hand", code=held.code, status=t(i18n.STATUS_KEYS[held.status])),
            )
        ):
            event.ignore()
            return
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self.idle_timer.stop()
        self.tick_timer.stop()
        self.watch_timer.stop()
        self.applied_timer.stop()
        self.refit_timer.stop()
        self.nightly.stop()
        self.nightly.wait(30000)  # a sync under way finishes: it only ever adds a backup
        # A receipt being printed is finished first: its ticket is already issued.
        self.background.wait(30000)
        self.serving_panel.worker.wait(30000)  # a call at the hub: its answer is written
        if self.board_window is not None:
            self.board_window.close()
        self.stop_live()
        super().closeEvent(event)

    # ---- the site hub -----------------------------------------------------------------

    def start_live(self) -> None:
        """At login: the link to the site hub, when a server and a device token are set (else
        the counter works alone, as before). Its threads push and follow the site's events."""
        if self.live is not None or not self.live_wanted:
            return
        connection = LiveConnection(self.ctx, self)
        if not connection.active:
            connection.deleteLater()
            self.status.show_live("offline" if live_queue.networked(self.ctx) else None)
            self.offline_banner.setVisible(False)
            return
        connection.state_changed.connect(self._live_state)
        connection.events_applied.connect(self._events_applied)
        self.live = connection
        connection.start()
        self.show_live()

    def stop_live(self) -> None:
        """At exit and log-out: the link's threads end; the store stays as it is."""
        connection, self.live = self.live, None
        if connection is None:
            return
        connection.state_changed.disconnect(self._live_state)
        connection.events_applied.disconnect(self._events_applied)
        connection.close()
        connection.deleteLater()
        self.ctx.live = None

    def show_live(self) -> None:
        connection = self.live
        if connection is None:
            return
        state = connection.state
        if state == "offline":
            self._hub_cut = True
        elif state == "live":
            self._hub_cut = False
        shown = "offline" if self._hub_cut else state
        try:
            with usecase(self.ctx):
                backlog = connection.link.backlog if connection.link is not None else 0
        except LoketError:
            backlog = 0
        self.status.show_live(shown, connection.hub_name(), backlog, connection.last_event, connection.server)
        self.offline_banner.setVisible(self._hub_cut)

    def _live_state(self, state: str) -> None:
        """The link's state changed (queued from its thread)."""
        was_cut = self._hub_cut
        self.show_live()
        if was_cut and not self._hub_cut:
            self.status.showMessage(t("gui.live.back"), 8000)
            self.site_changed()
        elif self._hub_cut and not was_cut:
            self.status.showMessage(t("gui.live.lost"), 8000)

    def _events_applied(self, count: int) -> None:
        if count and not self.applied_timer.isActive():
            self.applied_timer.start(APPLIED_MS)

    def site_changed(self) -> None:
        """Other devices' events were applied to the store: the queue, the ticket in hand."""
        try:
            with usecase(self.ctx):
                self.queue_table.model.replace_all(queue_view.queue_entries(self.ctx))
                self.queue_table.model.set_order(waiting.call_order(self.ctx))
                self._data_version = store_watch.data_version()
                self.serving_panel.refresh()
        except LoketError as exc:
            self.status.show_database(exc.message())
            return
        self.show_live()
        if self.board_window is not None:
            self.board_window.site_changed()

    def _show_board_action(self) -> None:
        self.board_action.setVisible(self.ctx.actor.can(Permission.REPORT) and live_queue.networked(self.ctx))

    def open_board(self) -> None:
        """Pantauan: every counter and every service's queue of the building, live."""
        from counter_app.gui.live_board import LiveBoard

        if self.board_window is None:
            self.board_window = LiveBoard(self.ctx, self)
            self.board_window.finished.connect(self._board_closed)
        self.board_window.show()
        self.board_window.raise_()
        self.board_window.refresh()

    def _board_closed(self, *_: object) -> None:
        if self.board_window is not None:
            self.board_window.deleteLater()
        self.board_window = None

"""The "Laporan" dialog: the supervisor's daily summary on screen, as PDF, printed or exported.

The figures and the PDF are made off the UI thread (a 90-day range takes a second or two); the
figures view shows the same tables as the PDF and the XLSX (`documents.exports.report_tables`).
Staff cannot open it: `open_daily_report` says so, the dialog itself refuses, and the service
refuses anyway.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QBuffer,
    QByteArray,
    QDate,
    QIODevice,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import i18n
from counter_app.core.clock import local_day
from counter_app.core.errors import LoketError, NotAllowed
from counter_app.core.i18n import t
from counter_app.core.roles import Permission
from counter_app.documents import exports
from counter_app.gui import error_dialog
from counter_app.gui.background import Background
from counter_app.gui.screen_fit import StatusLine, fit_to_screen
from counter_app.gui.widgets import prompts
from counter_app.services import daily_report, report_files
from counter_app.services.context import Context
from counter_app.services.daily_report import DailyFigures

Index = QModelIndex | QPersistentModelIndex
# (title, suggested file name, file-type filter) → the chosen path, or None when cancelled
AskSavePath = Callable[[str, str, str], str | None]

TILES = (
    "registered",
    "served",
    "no_show",
    "cancelled",
    "transferred",
    "waiting",
    "wait_mean",
    "within_target",
)
TABLES = ("service", "agency", "priority", "officer", "counter", "day", "hour", "longest_wait")
TABLE_KEYS = {
    "service": "report.table.service",
    "agency": "report.table.agency",
    "priority": "report.table.priority",
    "officer": "report.table.officer",
    "counter": "report.table.counter",
    "day": "report.table.day",
    "hour": "report.table.hour",
    "longest_wait": "report.table.longest_wait",
}
TILE_KEYS = {
    "registered": "report.key.registered",
    "served": "report.key.served",
    "no_show": "report.key.no_show",
    "cancelled": "report.key.cancelled",
    "transferred": "report.key.transferred",
    "waiting": "report.key.waiting",
    "wait_mean": "report.key.wait_mean",
    "within_target": "report.key.within_target",
}
EXPORT_KEYS = {"csv": "report.dialog.export_csv", "xlsx": "report.dialog.export_xlsx"}


def open_daily_report(parent: QWidget | None, ctx: Context) -> DailyReportDialog | None:
    """For the main window's menu: show the dialog (non-modal), or say why not."""
    if not ctx.actor.can(Permission.REPORT):
        error_dialog.report(
            NotAllowed("role.denied", role=ctx.actor.role.value, action=Permission.REPORT.value),
            parent,
        )
        return None
    dialog = DailyReportDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    dialog.show()
    return dialog


def gui_message(exc: BaseException) -> str:
    """The message for this window: where to set the sync server in the program, not the CLI's
    --server flag that the shared message names."""
    if isinstance(exc, LoketError) and exc.key == "sync.no_server":
        return t("gui.sync.no_server")
    return exc.message() if isinstance(exc, LoketError) else str(exc)


def _ask_save_path(parent: QWidget) -> AskSavePath:
    def ask(title: str, suggested: str, file_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, file_filter)
        return path or None

    return ask


class ReportTableModel(QAbstractTableModel):
    """One of the report's tables (`exports.Table`), formatted as in the PDF; total row bold."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.table: exports.Table | None = None
        self.lang = i18n.language()
        self._rows: list[list[str]] = []

    def set_table(self, table: exports.Table | None, lang: str) -> None:
        self.beginResetModel()
        self.table, self.lang = table, lang
        self._rows = []
        if table is not None:
            rows = list(table.rows) + ([table.total] if table.total is not None else [])
            self._rows = [
                [
                    exports.format_cell(v, c.kind, lang) if v is not None or c.kind != "text" else ""
                    for v, c in zip(row, table.columns)
                ]
                for row in rows
            ]
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() or self.table is None else len(self.table.columns)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self.table is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return self.table.columns[section].label(self.lang)
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.table is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._rows[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            kind = self.table.columns[index.column()].kind
            if kind not in ("text", "date"):
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.FontRole and self.is_total(index.row()):
            font = QFont()
            font.setBold(True)
            return font
        return None

    def is_total(self, row: int) -> bool:
        return self.table is not None and self.table.total is not None and row == len(self._rows) - 1

    def cell(self, row: int, column_key: str) -> str:
        assert self.table is not None
        return self._rows[row][self.table.column(column_key)]


class DailyReportDialog(QDialog):
    """Dates, scope, the figures, the PDF preview, Print and Export."""

    loaded = Signal(object)  # DailyFigures, once the figures and the PDF are ready
    printed = Signal(object)  # the PrintOutcome
    exported = Signal(str)  # the path written

    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        ctx.actor.require(Permission.REPORT)  # refuses before any widget exists
        super().__init__(parent)
        self.ctx = ctx
        self.lang = i18n.language()
        self.figures: DailyFigures | None = None
        self.snapshot: dict[str, Any] | None = None
        self.pdf: bytes | None = None
        self.last_outcome: Any = None
        self.ask_save_path: AskSavePath = _ask_save_path(self)
        self.background = Background(self)
        self._generation = 0

        today = local_day(ctx.clock.now(), ctx.tz)
        self.from_date = QDateEdit(self)
        self.to_date = QDateEdit(self)
        for edit in (self.from_date, self.to_date):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("dd-MM-yyyy")
            edit.setDate(QDate(today.year, today.month, today.day))
        self.from_date.dateChanged.connect(self._from_changed)
        self.scope_combo = QComboBox(self)
        self.scope_combo.addItem("", None)
        self.scope_combo.addItem("", ctx.setting("counter_code"))
        self.show_button = QPushButton(self)
        self.show_button.setDefault(True)
        self.show_button.clicked.connect(self.refresh)
        self.from_label, self.to_label, self.scope_label = QLabel(self), QLabel(self), QLabel(self)

        top = QHBoxLayout()
        for w in (
            self.from_label,
            self.from_date,
            self.to_label,
            self.to_date,
            self.scope_label,
            self.scope_combo,
        ):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.show_button)

        # figures: key tiles, then any one of the tables, then the notes
        self.tiles: dict[str, QLabel] = {}
        self.tile_labels: dict[str, QLabel] = {}
        tiles = QGridLayout()
        for i, key in enumerate(TILES):
            box = QFrame(self)
            box.setFrameShape(QFrame.Shape.StyledPanel)
            inner = QVBoxLayout(box)
            value, label = QLabel("–", box), QLabel(box)
            font = value.font()
            font.setPointSizeF(font.pointSizeF() * 1.6)
            font.setBold(True)
            value.setFont(font)
            value.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.setProperty("role", "muted")
            inner.addWidget(value)
            inner.addWidget(label)
            tiles.addWidget(box, i // 4, i % 4)
            self.tiles[key], self.tile_labels[key] = value, label
        self.times_label = QLabel(self)  # a few short lines: no word wrap, so it sizes right
        self.times_label.setTextFormat(Qt.TextFormat.PlainText)
        self.table_label = QLabel(self)
        self.table_combo = QComboBox(self)
        for name in TABLES:
            self.table_combo.addItem("", name)
        self.table_combo.currentIndexChanged.connect(self._show_table)
        self.table_model = ReportTableModel(self)
        self.table_view = QTableView(self)
        self.table_view.setModel(self.table_model)
        self.table_view.setAlternatingRowColors(True)
        self.table_view.verticalHeader().setVisible(False)
        self.table_view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table_view.setWordWrap(True)
        self.notes_label = QLabel(self)
        self.notes_label.setWordWrap(True)
        self.notes_label.setTextFormat(Qt.TextFormat.PlainText)
        pick = QHBoxLayout()
        pick.addWidget(self.table_label)
        pick.addWidget(self.table_combo)
        pick.addStretch(1)
        figures_tab = QWidget(self)
        fl = QVBoxLayout(figures_tab)
        fl.addLayout(tiles)
        fl.addWidget(self.times_label)
        fl.addLayout(pick)
        fl.addWidget(self.table_view, 1)
        fl.addWidget(self.notes_label)

        # the PDF as it prints; the document reads its buffer lazily, so both are kept
        self.document = QPdfDocument(self)
        self.preview = QPdfView(self)
        self.preview.setDocument(self.document)
        self.preview.setPageMode(QPdfView.PageMode.MultiPage)
        self.preview.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self._pdf_data: QByteArray | None = None
        self._pdf_buffer: QBuffer | None = None

        # the whole site: every counter's synced figures, from the central server
        site_tab = QWidget(self)
        sl = QVBoxLayout(site_tab)
        self.site_button = QPushButton(self)
        self.site_button.clicked.connect(self.fetch_site)
        self.site_text = QPlainTextEdit(self)
        self.site_text.setReadOnly(True)
        self.site_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        site_row = QHBoxLayout()
        site_row.addWidget(self.site_button)
        site_row.addStretch(1)
        sl.addLayout(site_row)
        sl.addWidget(self.site_text, 1)

        self.tabs = QTabWidget(self)
        self.tabs.addTab(figures_tab, "")
        self.tabs.addTab(self.preview, "")
        self.tabs.addTab(site_tab, "")

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy, no percentage
        self.progress.setMaximumWidth(160)
        self.progress.setVisible(False)
        # one line, elided, the whole message on hover: a long path or error never widens the window
        self.status_label = StatusLine(self)
        self.status_label.setProperty("role", "muted")
        self.status_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.printer_combo = QComboBox(self)
        self._fill_printers()
        self.print_button = QPushButton(self)
        self.print_button.setProperty("primary", True)
        self.xlsx_button = QPushButton(self)
        self.csv_button = QPushButton(self)
        self.close_button = QPushButton(self)
        self.print_button.clicked.connect(self.print_report)
        self.xlsx_button.clicked.connect(self.export_xlsx)
        self.csv_button.clicked.connect(self.export_csv)
        self.close_button.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.progress)
        bottom.addWidget(self.status_label, 1)
        bottom.addWidget(self.xlsx_button)
        bottom.addWidget(self.csv_button)
        bottom.addWidget(self.printer_combo)
        bottom.addWidget(self.print_button)
        bottom.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        fit_to_screen(self, 1100, 680)
        self.retranslate()
        self._set_ready(False)
        self.refresh()

    # ---- words ----------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.lang = i18n.language()
        self.setWindowTitle(t("report.dialog.title"))
        self.from_label.setText(t("report.dialog.from"))
        self.to_label.setText(t("report.dialog.to"))
        self.scope_label.setText(t("report.dialog.scope"))
        self.scope_combo.setItemText(0, t("report.dialog.scope_store"))
        self.scope_combo.setItemText(
            1, t("report.dialog.scope_counter", code=self.ctx.setting("counter_code"))
        )
        self.show_button.setText(t("report.dialog.show"))
        self.tabs.setTabText(0, t("report.dialog.tab_figures"))
        self.tabs.setTabText(1, t("report.dialog.tab_preview"))
        self.tabs.setTabText(2, t("report.dialog.tab_site"))
        self.site_button.setText(t("report.dialog.site_fetch"))
        self.table_label.setText(t("report.dialog.table"))
        for i, name in enumerate(TABLES):
            self.table_combo.setItemText(i, t(TABLE_KEYS[name]))
        for key, label in self.tile_labels.items():
            label.setText(t(TILE_KEYS[key]))
        self.print_button.setText(t("report.dialog.print"))
        self.xlsx_button.setText(t("report.dialog.export_xlsx"))
        self.csv_button.setText(t("report.dialog.export_csv"))
        self.close_button.setText(t("report.dialog.close"))

    # ---- computing (off the UI thread) ----------------------------------------------------

    def period(self) -> tuple[date, date]:
        return self.from_date.date().toPython(), self.to_date.date().toPython()  # type: ignore[return-value]

    def scope(self) -> str | None:
        return self.scope_combo.currentData()

    def refresh(self) -> None:
        """Compute the figures and the PDF for the chosen dates and scope, in the background."""
        day_from, day_to = self.period()
        counter, lang, ctx = self.scope(), self.lang, self.ctx
        self._generation += 1
        generation = self._generation

        def work() -> tuple[DailyFigures, bytes]:
            figures = daily_report.daily_figures(ctx, day_from, day_to, counter=counter)
            return figures, daily_report.report_pdf(figures, lang)

        self._busy(t("report.dialog.working"))
        self.background.submit(
            work,
            lambda result: self._loaded(generation, result),
            lambda exc: self._failed(generation, exc),
        )

    def fetch_site(self) -> None:
        """The consolidated figures of all counters for the chosen dates (server, background)."""
        from counter_app.services import sync

        day_from, day_to = self.period()
        ctx, lang = self.ctx, self.lang

        def work() -> str:
            data = sync.server_daily_report(ctx, day_from.isoformat(), day_to.isoformat())
            return sync.consolidated_text(data, lang)

        def done(text: str) -> None:
            self.site_text.setPlainText(text)
            self._idle(t("report.dialog.site_ready"))

        def failed(exc: BaseException) -> None:
            message = gui_message(exc)
            self.site_text.setPlainText(message)
            self._idle(t("report.dialog.failed", message=message))

        self._busy(t("report.dialog.site_working"))
        self.background.submit(work, done, failed)

    def _loaded(self, generation: int, result: tuple[DailyFigures, bytes]) -> None:
        if generation != self._generation:
            return  # an older request, overtaken by a newer one
        figures, pdf = result
        self.figures, self.pdf = figures, pdf
        self.snapshot = figures.to_json()
        self._show_figures()
        self._load_pdf(pdf)
        self._idle(
            t(
                "report.dialog.ready",
                period=exports.period_text(self.snapshot, self.lang),
                registered=exports.number(figures.totals.tickets, self.lang),
            )
        )
        self._set_ready(True)
        self.loaded.emit(figures)

    def _failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self._idle(
            t("report.dialog.failed", message=exc.message() if isinstance(exc, LoketError) else str(exc))
        )
        error_dialog.report(exc, self)

    # ---- showing --------------------------------------------------------------------------

    def _show_figures(self) -> None:
        assert self.snapshot is not None
        snap, lang = self.snapshot, self.lang
        tot = snap["totals"]
        for key in ("registered", "served", "no_show", "cancelled", "transferred", "waiting"):
            self.tiles[key].setText(exports.number(tot[key], lang))
        self.tiles["wait_mean"].setText(exports.number(exports.minutes(tot["wait_mean_s"]), lang, 1))
        self.tiles["within_target"].setText(exports.format_cell(tot["within_target_pct"], "pct", lang))
        self.times_label.setText(
            "\n".join(f"{label}: {text}" for label, text in exports.summary_lines(snap, lang))
        )
        self._tables = {tb.name: tb for tb in exports.report_tables(snap, lang)}
        self._show_table()
        notes = [exports.note_text(n, lang) for n in snap["notes"]]
        if notes:
            self.notes_label.setText(t("report.notes", lang=lang) + ":\n• " + "\n• ".join(notes))
        else:
            self.notes_label.setText(t("report.notes_none", lang=lang))

    def _show_table(self) -> None:
        tables = getattr(self, "_tables", None)
        if not tables:
            return
        self.table_model.set_table(tables[self.table_combo.currentData()], self.lang)

    def show_table(self, name: str) -> None:
        self.table_combo.setCurrentIndex(TABLES.index(name))

    def _load_pdf(self, pdf: bytes) -> None:
        self.document.close()
        old = self._pdf_buffer
        self._pdf_data = QByteArray(pdf)
        self._pdf_buffer = QBuffer(self._pdf_data, self)
        self._pdf_buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._pdf_buffer)
        if old is not None:
            old.close()
            old.deleteLater()

    def _fill_printers(self) -> None:
        try:
            from counter_app.printing.qt_print import available_printers, default_printer

            names, default = available_printers(), default_printer()
        except (ImportError, LoketError):
            names, default = [], None
        self.printer_combo.clear()
        for name in names:
            self.printer_combo.addItem(name, name)
        if default in names:
            self.printer_combo.setCurrentIndex(names.index(default))
        self.printer_combo.setVisible(bool(names))

    # ---- busy / ready ---------------------------------------------------------------------

    def _busy(self, text: str) -> None:
        self.progress.setVisible(True)
        self.status_label.setText(text)
        self.show_button.setEnabled(False)
        self.print_button.setEnabled(False)

    def _idle(self, text: str) -> None:
        self.progress.setVisible(False)
        self.status_label.setText(text)
        self.show_button.setEnabled(True)
        self.print_button.setEnabled(self.pdf is not None)

    def _set_ready(self, ready: bool) -> None:
        for button in (self.print_button, self.xlsx_button, self.csv_button):
            button.setEnabled(ready)

    def _from_changed(self, value: QDate) -> None:
        if self.to_date.date() < value:
            self.to_date.setDate(value)

    # ---- print and export -----------------------------------------------------------------

    def print_report(self) -> None:
        """Keep the PDF under the data folder's printouts and send it to the chosen printer."""
        if self.pdf is None or self.figures is None:
            return
        pdf, name, ctx = self.pdf, daily_report.file_stem(self.figures), self.ctx
        printer = self.printer_combo.currentData() if self.printer_combo.count() else None

        def work() -> Any:
            try:
                from counter_app.printing.jobs import print_or_keep
            except ImportError:  # no printing bridge in this build: keep the file, say where
                path = Path(ctx.data_dir) / "printouts" / f"{name}.pdf"
                report_files.save(path, pdf)
                return path
            return print_or_keep(
                pdf,
                data_dir=ctx.data_dir,
                name=name,
                printer=printer,
                paper="a4",
                day=local_day(ctx.clock.now(), ctx.tz),
            )

        self._busy(t("report.dialog.printing"))
        self.background.submit(work, self._printed, self._print_failed)

    def _printed(self, outcome: Any) -> None:
        self.last_outcome = outcome
        if isinstance(outcome, Path):
            message, ok = t("report.dialog.saved", path=str(outcome)), False
        else:
            message, ok = outcome.message, outcome.printed
        self._idle(message)
        if ok:
            prompts.inform(self, t("report.dialog.title"), message)
        else:
            prompts.warn(self, t("report.dialog.title"), message)
        self.printed.emit(outcome)

    def _print_failed(self, exc: BaseException) -> None:
        self._idle(
            t("report.dialog.failed", message=exc.message() if isinstance(exc, LoketError) else str(exc))
        )
        error_dialog.report(exc, self)

    def export_xlsx(self) -> Path | None:
        return self._export("xlsx", t("report.dialog.filter_xlsx"))

    def export_csv(self) -> Path | None:
        return self._export("csv", t("report.dialog.filter_csv"))

    def _export(self, kind: str, file_filter: str) -> Path | None:
        if self.figures is None:
            return None
        suggested = str(Path.home() / f"{daily_report.file_stem(self.figures)}.{kind}")
        chosen = self.ask_save_path(t(EXPORT_KEYS[kind]).rstrip("…"), suggested, file_filter)
        if not chosen:
            return None
        path = Path(chosen)
        if path.suffix.lower() != f".{kind}":
            path = path.with_name(path.name + f".{kind}")
        try:
            report_files.write_files(self.figures, lang=self.lang, **{kind: path})
        except LoketError as exc:
            self._idle(t("report.dialog.failed", message=exc.message()))
            error_dialog.report(exc, self)
            return None
        self._idle(t("report.dialog.saved", path=str(path)))
        self.exported.emit(str(path))
        return path

    # ---- closing --------------------------------------------------------------------------

    def done(self, result: int) -> None:
        self._generation += 1  # late results are dropped
        self.background.wait()
        self.document.close()
        super().done(result)

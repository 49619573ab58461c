"""Pantauan: the coordinator's live board of the building, from the site hub — each counter's
state (serving which code, free since, on a break, closed, offline) and each service's waiting
count and longest wait against its target (the service standard's minutes), a service past its
target marked in words and an icon, not colour alone.

The hub is asked on the board's own worker (never on the UI thread): every few seconds, and soon
after the window applied other devices' events. Supervisors and admins only (the service checks).
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import i18n
from counter_app.core.clock import local_time_text
from counter_app.core.errors import LoketError
from counter_app.core.i18n import t
from counter_app.gui import theme
from counter_app.gui.background import Background
from counter_app.gui.queue_table import wait_text
from counter_app.gui.screen_fit import StatusLine, fit_to_screen
from counter_app.services import live_queue
from counter_app.services.context import Context
from counter_app.services.usecase import usecase

REFRESH_MS = 5000
SOON_MS = 300  # after the window applied events: soon, once for a burst
OVER_BG = "#fde2e0"
OFF_INK = "#7b8794"
COUNTER_COLS = ("counter", "state", "since")  # the device: the counter cell's tooltip
SERVICE_COLS = ("service", "waiting", "longest", "target", "flag")
COLUMN_KEYS = {
    "counter": "gui.board.col.counter",
    "state": "gui.board.col.state",
    "since": "gui.board.col.since",
    "device": "gui.board.col.device",
    "service": "gui.board.col.service",
    "waiting": "gui.board.col.waiting",
    "longest": "gui.board.col.longest",
    "target": "gui.board.col.target",
    "flag": "gui.board.col.flag",
}
STATE_KEYS = {
    "serving": "gui.board.state.serving",
    "idle": "gui.board.state.idle",
    "break": "gui.board.state.break",
    "closed": "gui.board.state.closed",
    "offline": "gui.board.state.offline",
}


class LiveBoard(QDialog):
    def __init__(self, ctx: Context, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setModal(False)
        self.board: live_queue.Board | None = None
        self.worker = Background(self)
        self._asking = False
        self._again = False
        self.counters_table = _table(len(COUNTER_COLS), COUNTER_COLS.index("state"))
        self.services_table = _table(len(SERVICE_COLS), SERVICE_COLS.index("service"))
        self.counters_box = QGroupBox()
        QVBoxLayout(self.counters_box).addWidget(self.counters_table)
        self.services_box = QGroupBox()
        QVBoxLayout(self.services_box).addWidget(self.services_table)
        self.status_line = StatusLine()
        self.refresh_button = QPushButton()
        self.refresh_button.clicked.connect(self.refresh)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status_line, 1)
        bottom.addWidget(self.refresh_button)
        tables = QHBoxLayout()
        tables.addWidget(self.counters_box, 4)
        tables.addWidget(self.services_box, 6)
        layout = QVBoxLayout(self)
        layout.addLayout(tables, 1)
        layout.addLayout(bottom)
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.refresh)
        self.timer.start(REFRESH_MS)
        self.soon = QTimer(self)
        self.soon.setSingleShot(True)
        self.soon.timeout.connect(self.refresh)
        self.retranslate()
        fit_to_screen(self, 1240, 600)

    def retranslate(self) -> None:
        site = self.board.site if self.board is not None else self.ctx.setting("site_code")
        self.setWindowTitle(t("gui.board.title", site=site))
        self.counters_box.setTitle(t("gui.board.counters"))
        self.services_box.setTitle(t("gui.board.services"))
        self.refresh_button.setText(t("gui.board.refresh"))
        self.counters_table.setHorizontalHeaderLabels([t(COLUMN_KEYS[c]) for c in COUNTER_COLS])
        self.services_table.setHorizontalHeaderLabels([t(COLUMN_KEYS[c]) for c in SERVICE_COLS])
        if self.board is not None:
            self.show_board(self.board)

    # ---- asking the hub (the worker) ------------------------------------------------------

    def refresh(self) -> None:
        if self._asking:
            self._again = True  # one more when this answer is in
            return
        self._asking = True
        ctx = self.ctx

        def ask() -> live_queue.Board:
            with usecase(ctx):
                return live_queue.board(ctx)

        self.worker.submit(ask, self._answered, self._failed)

    def site_changed(self) -> None:
        """The window applied other devices' events: the board follows soon."""
        if not self.soon.isActive():
            self.soon.start(SOON_MS)

    def _answered(self, board: live_queue.Board) -> None:
        self._asking = False
        self.show_board(board)
        self._next()

    def _failed(self, exc: BaseException) -> None:
        self._asking = False
        if not isinstance(exc, LoketError):
            raise exc
        self.status_line.setText(exc.message())  # not a box: it would come back every 5 s
        self.status_line.setStyleSheet(f"color: {theme.ERROR};")
        self._next()

    def _next(self) -> None:
        if self._again:
            self._again = False
            self.refresh()

    # ---- showing --------------------------------------------------------------------------

    def show_board(self, board: live_queue.Board) -> None:
        self.board = board
        self.setWindowTitle(t("gui.board.title", site=board.site))
        tz = self.ctx.tz
        lang = i18n.language()
        table = self.counters_table
        table.setRowCount(len(board.counters))
        for row, counter in enumerate(board.counters):
            state = t(STATE_KEYS[counter.state], code=counter.ticket_code or "")
            since = ""
            if counter.since is not None and counter.state != "offline":
                since = _since(counter.since, board.at, tz)
            elif counter.last_seen is not None:
                since = _since(counter.last_seen, board.at, tz)
            cells = (counter.counter, state, since)
            for col, text in enumerate(cells):
                item = _item(text, right=False)
                if col == 0 and counter.device:
                    item.setToolTip(counter.device)
                if counter.state == "offline":
                    item.setForeground(QColor(OFF_INK))
                    item.setFont(_italic())
                elif counter.state == "serving" and col in (0, 1):
                    item.setFont(_bold())
                table.setItem(row, col, item)
        table = self.services_table
        table.setRowCount(len(board.services))
        for row, service in enumerate(board.services):
            if service.target_s is None:
                target, flag = t("gui.board.no_target"), ""
            else:
                target = t("gui.board.target_minutes", m=service.target_s // 60)
                flag = t("gui.board.over") if service.over_target else t("gui.board.within")
            cells = (
                service.name(lang),
                str(service.waiting),
                wait_text(service.longest_wait_s),
                target,
                flag,
            )
            for col, text in enumerate(cells):
                item = _item(text, right=col in (1, 2, 3))
                if service.over_target:
                    item.setBackground(QColor(OVER_BG))
                    if col in (0, 2, 4):
                        item.setFont(_bold())
                    if col == 4:
                        item.setForeground(QColor(theme.ERROR))
                table.setItem(row, col, item)
        if not board.services:
            table.setRowCount(1)
            table.setItem(0, 0, _item(t("gui.board.empty"), right=False))
            table.setSpan(0, 0, 1, len(SERVICE_COLS))
        else:
            table.clearSpans()
        self.status_line.setStyleSheet("")
        self.status_line.setText(
            t(
                "gui.board.updated",
                time=local_time_text(board.at, tz, "%H:%M:%S"),
                counters=len(board.counters),
                over=board.over_target,
            )
        )

    def closeEvent(self, event) -> None:
        self.timer.stop()
        self.soon.stop()
        self.worker.wait(5000)
        super().closeEvent(event)

    def done(self, result: int) -> None:
        self.timer.stop()
        self.soon.stop()
        self.worker.wait(5000)
        super().done(result)


def _table(columns: int, stretch: int) -> QTableWidget:
    table = QTableWidget(0, columns)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)  # takes what is left
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    table.setAlternatingRowColors(False)
    return table


def _item(text: str, *, right: bool) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    align = Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft
    item.setTextAlignment(align | Qt.AlignmentFlag.AlignVCenter)
    return item


def _since(when: datetime, now: datetime, tz: str) -> str:
    return f"{local_time_text(when, tz, '%H:%M')} ({wait_text(max(0.0, (now - when).total_seconds()))})"


def _bold() -> QFont:
    font = QFont()
    font.setBold(True)
    return font


def _italic() -> QFont:
    font = QFont()
    font.setItalic(True)
    return font

"""Antrean: today's tickets as a live table — status in colour and words, waiting time ticking."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QSettings,
    QSortFilterProxyModel,
    Qt,
    Signal,
)
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from counter_app.core import i18n
from counter_app.core.clock import DEFAULT_TZ, local_time_text
from counter_app.core.i18n import t
from counter_app.core.ticket_rules import ACTIVE, Status
from counter_app.gui import theme
from counter_app.services.queue_view import QueueEntry, entry_of
from counter_app.services.views import ServiceView, TicketView

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS = ("order", "code", "time", "name", "service", "priority", "status", "waiting")
COLUMN_KEYS = {
    "order": "gui.queue.col.order",
    "code": "gui.queue.col.code",
    "time": "gui.queue.col.time",
    "name": "gui.queue.col.name",
    "service": "gui.queue.col.service",
    "priority": "gui.queue.col.priority",
    "status": "gui.queue.col.status",
    "waiting": "gui.queue.col.waiting",
}
FILTER_KEYS = {"all": "gui.queue.filter_all", "active": "gui.queue.filter_active", **i18n.STATUS_KEYS}
COL_ORDER, COL_CODE, COL_TIME, COL_NAME, COL_SERVICE, COL_PRIORITY, COL_STATUS, COL_WAITING = range(8)
NOT_IN_ORDER = 10**6  # sorts after every place in the call order


# A row of the table: the queue service's small, immutable view of a ticket.
QueueRow = QueueEntry


def as_row(item: TicketView | QueueEntry) -> QueueEntry:
    return item if isinstance(item, QueueEntry) else entry_of(item)


def waiting_seconds(row: QueueEntry, now: datetime) -> float:
    """Waiting so far (still waiting), else first call − arrival (DESIGN.md §4)."""
    if row.status == Status.WAITING:
        return max(0.0, (now - row.arrived_at).total_seconds())
    if row.first_called_at is None:
        return 0.0
    return max(0.0, (row.first_called_at - row.arrived_at).total_seconds())


def wait_text(seconds: float) -> str:
    """A wait as people read it: "43 mnt", "1 j 5 mnt" — never like a clock time (11:01)."""
    minutes = int(seconds) // 60
    if minutes < 60:
        return t("gui.queue.wait_minutes", m=minutes)
    return t("gui.queue.wait_hours", h=minutes // 60, m=minutes % 60)


def duration_text(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def status_text(status: str) -> str:
    return f"{theme.STATUS_MARKS.get(status, '')} {t(i18n.STATUS_KEYS[status])}".strip()


class QueueModel(QAbstractTableModel):
    """Rows are upserted by ticket id; the waiting-time column alone changes every second.

    The model keeps its rows in the order shown (`sort`: a column, then arrival), sorted in
    Python with one key per row; the proxy above only filters. A proxy sorting a Python model
    asks it for two keys per comparison, each a call into Python with an index check that asks
    rowCount and columnCount too: ~39,000 calls, 90 ms for 3,000 rows shown.
    """

    def __init__(self, now: datetime, tz: str = DEFAULT_TZ, parent: Any = None) -> None:
        super().__init__(parent)
        self.rows: list[QueueRow] = []  # in the order shown
        self._where: dict[str, int] = {}
        self._waiting: set[int] = set()  # rows whose waiting time still runs
        self._arrival: dict[str, int] = {}  # ticket id → place in arrival order (ties' order)
        self.services: dict[str, ServiceView] = {}
        # Ticket id → place in the order call-next at this counter will take (1 = next).
        self.order: dict[str, int] = {}
        self._now = now
        self.tz = tz
        self.sort_column = -1  # -1: arrival order
        self.sort_order = Qt.SortOrder.AscendingOrder
        # The sort column's key of every row, in row order; None: to be computed again.
        self._keys: list[Any] | None = None
        self._lang: str | None = None  # the language the cells were last told to be in
        self._bold = QFont()
        self._bold.setBold(True)

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, now: datetime) -> None:
        self._now = now
        if self.sort_column == COL_WAITING:
            self._keys = None  # waiting times run on

    # ---- Qt model API -----------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return t(COLUMN_KEYS[COLUMNS[section]])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, col)
        if role == SORT_ROLE:
            return self._sort_key(row, col)
        if role == ID_ROLE:
            return row.id
        if col == COL_STATUS:
            if role == Qt.ItemDataRole.BackgroundRole:
                return theme.status_background(row.status)
            if role == Qt.ItemDataRole.ForegroundRole:
                return theme.status_foreground(row.status)
        if role == Qt.ItemDataRole.FontRole and col == COL_CODE:
            return self._bold
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (COL_WAITING, COL_TIME, COL_ORDER):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col == COL_SERVICE:
            return row.service
        return None

    def _text(self, row: QueueRow, col: int) -> str:
        if col == COL_ORDER:
            place = self.order.get(row.id)
            return str(place) if place else ""
        if col == COL_CODE:
            return row.code
        if col == COL_TIME:
            return local_time_text(row.registered_at, self.tz, "%H:%M")
        if col == COL_NAME:
            return row.name_masked
        if col == COL_SERVICE:
            service = self.services.get(row.service)
            return service.name(i18n.language()) if service else row.service
        if col == COL_PRIORITY:
            return t(i18n.PRIORITY_KEYS[row.priority]) if row.priority else "–"
        if col == COL_STATUS:
            return status_text(row.status)
        return wait_text(waiting_seconds(row, self.now))

    def _sort_key(self, row: QueueRow, col: int) -> Any:
        if col == COL_ORDER:  # the call order, then everything else by registration
            place = self.order.get(row.id)  # a number: Qt cannot compare Python tuples
            return float(place) if place else NOT_IN_ORDER + row.registered_at.timestamp()
        if col == COL_CODE:
            return row.code
        if col == COL_TIME:
            return row.registered_at.timestamp()
        if col == COL_WAITING:
            return waiting_seconds(row, self.now)
        if col == COL_STATUS:
            return list(Status).index(Status(row.status))
        return self._text(row, col)

    # ---- sorting ----------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort the rows by a column (ties in arrival order), as a header click asks."""
        if column == self.sort_column and order == self.sort_order:
            return
        self.sort_column, self.sort_order = column, order
        self._keys = None
        self._resort()

    def _key_list(self) -> list[Any]:
        if self._keys is None:
            col = self.sort_column
            self._keys = [self._sort_key(r, col) for r in self.rows]
        return self._keys

    def _permutation(self, rows: Sequence[QueueRow], keys: Sequence[Any] | None) -> list[int]:
        """Where each shown row comes from: the sort column's order, then arrival order."""
        arrival = self._arrival
        ranks = [arrival[r.id] for r in rows]
        perm = sorted(range(len(rows)), key=ranks.__getitem__)
        if keys is not None:  # stable: ties stay in arrival order, descending too
            perm.sort(key=keys.__getitem__, reverse=self.sort_order == Qt.SortOrder.DescendingOrder)
        return perm

    def _in_order(self) -> bool:
        keys = self._key_list() if self.sort_column >= 0 else None
        arrival = self._arrival
        ranks = [arrival[r.id] for r in self.rows]
        if keys is None:
            return all(a < b for a, b in zip(ranks, ranks[1:], strict=False))
        pairs = zip(keys, keys[1:], ranks, ranks[1:], strict=False)
        if self.sort_order == Qt.SortOrder.DescendingOrder:
            return all(k > k2 or (k == k2 and r < r2) for k, k2, r, r2 in pairs)
        return all(k < k2 or (k == k2 and r < r2) for k, k2, r, r2 in pairs)

    def _resort(self) -> None:
        """Put the rows in order again, if they are not: one layout change, persistent
        indexes (the proxy's, the selection's) moved with their rows."""
        if self._in_order():
            return
        keys = self._key_list() if self.sort_column >= 0 else None
        perm = self._permutation(self.rows, keys)
        self.layoutAboutToBeChanged.emit()
        old_place = [0] * len(perm)
        for new, old in enumerate(perm):
            old_place[old] = new
        self.rows = [self.rows[i] for i in perm]
        if keys is not None:
            self._keys = [keys[i] for i in perm]
        self._reindex()
        before = self.persistentIndexList()
        self.changePersistentIndexList(before, [self.index(old_place[i.row()], i.column()) for i in before])
        self.layoutChanged.emit()

    def _reindex(self) -> None:
        self._where = {r.id: i for i, r in enumerate(self.rows)}
        self._waiting = {i for i, r in enumerate(self.rows) if r.status == Status.WAITING}

    # ---- updates ----------------------------------------------------------------------

    def upsert(self, tickets: Iterable[TicketView | QueueRow]) -> int:
        """Add new tickets, change known ones in place (then moved to their place in the sort
        order if it changed); returns rows touched."""
        touched = 0
        new: list[QueueRow] = []
        keys = self._keys if self.sort_column >= 0 else None
        for item in tickets:
            row = as_row(item)
            at = self._where.get(row.id)
            if at is None:
                new.append(row)
                continue
            if self.rows[at] != row:
                self.rows[at] = row
                if keys is not None:
                    keys[at] = self._sort_key(row, self.sort_column)
                self._track(at, row)
                self.dataChanged.emit(self.index(at, 0), self.index(at, len(COLUMNS) - 1))
                touched += 1
        if new:
            first = len(self.rows)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            for offset, row in enumerate(new):
                self._where[row.id] = first + offset
                self._arrival[row.id] = len(self._arrival)
                self.rows.append(row)
                if keys is not None:
                    keys.append(self._sort_key(row, self.sort_column))
                self._track(first + offset, row)
            self.endInsertRows()
            touched += len(new)
        if touched:
            self._resort()
        return touched

    def replace_all(self, tickets: Sequence[TicketView | QueueRow]) -> int:
        """Make the table show exactly `tickets`: upsert when only changes/additions, else reset."""
        rows = [as_row(r) for r in tickets]
        ids = {r.id for r in rows}
        if self.rows and all(i in ids for i in self._where):
            return self.upsert(rows)
        # Empty (the first fill) or tickets vanished (a new day, a restored backup): one reset,
        # the rows sorted before the view and the proxy see them.
        self.beginResetModel()
        self._arrival = {r.id: i for i, r in enumerate(rows)}
        col = self.sort_column
        keys = [self._sort_key(r, col) for r in rows] if col >= 0 else None
        perm = self._permutation(rows, keys)
        self.rows = [rows[i] for i in perm]
        self._keys = [keys[i] for i in perm] if keys is not None else None
        self._reindex()
        self.endResetModel()
        return len(rows)

    def _track(self, at: int, row: QueueRow) -> None:
        if row.status == Status.WAITING:
            self._waiting.add(at)
        else:
            self._waiting.discard(at)

    def set_order(self, ids: Sequence[str]) -> None:
        """The order call-next will take (services.waiting.call_order)."""
        order = {tid: i + 1 for i, tid in enumerate(ids)}
        if order == self.order:
            return
        # Only the rows whose place changed: the proxy re-filters and re-places each row told.
        moved = sorted(
            at
            for tid in order.keys() | self.order.keys()
            if order.get(tid) != self.order.get(tid) and (at := self._where.get(tid)) is not None
        )
        self.order = order
        for first, last in _runs(moved):
            self.dataChanged.emit(
                self.index(first, COL_ORDER),
                self.index(last, COL_ORDER),
                [Qt.ItemDataRole.DisplayRole, SORT_ROLE],
            )
        if self.sort_column == COL_ORDER and moved:
            self._keys = None
            self._resort()

    def row_of(self, ticket_id: str) -> int | None:
        return self._where.get(ticket_id)

    def tick(self, now: datetime) -> None:
        """A second passed: the waiting-time cells of tickets still waiting change, nothing else.

        One dataChanged per run of adjacent waiting rows; finished tickets' times are fixed.
        """
        self.now = now
        for first, last in _runs(sorted(self._waiting)):
            self.dataChanged.emit(
                self.index(first, COL_WAITING),
                self.index(last, COL_WAITING),
                [Qt.ItemDataRole.DisplayRole],
            )
        if self.sort_column == COL_WAITING and self._waiting:
            self._resort()  # a waiting row may pass one whose wait ended

    def set_services(self, services: dict[str, ServiceView]) -> None:
        """The services by code, for their names; the service column is told only if they changed."""
        if services == self.services:
            return
        self.services = services
        if self.rows:
            self.dataChanged.emit(
                self.index(0, COL_SERVICE),
                self.index(len(self.rows) - 1, COL_SERVICE),
                [Qt.ItemDataRole.DisplayRole],
            )
        if self.sort_column == COL_SERVICE:
            self._keys = None
            self._resort()

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        lang = i18n.language()
        if lang == self._lang:  # the window's first texts: the cells are already in it
            return
        self._lang = lang
        if self.rows:
            self.dataChanged.emit(
                self.index(0, 0),
                self.index(len(self.rows) - 1, len(COLUMNS) - 1),
                [Qt.ItemDataRole.DisplayRole],
            )
        if self.sort_column in (COL_SERVICE, COL_PRIORITY):  # text keys follow the language
            self._keys = None
            self._resort()


def _runs(indexes: Sequence[int]) -> list[tuple[int, int]]:
    """[1, 2, 3, 7, 9, 10] → [(1, 3), (7, 7), (9, 10)]."""
    runs: list[tuple[int, int]] = []
    for i in indexes:
        if runs and runs[-1][1] == i - 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


# Status filter choices: (key, statuses); None = everything.
STATUS_FILTERS: tuple[tuple[str, frozenset[str] | None], ...] = (
    ("all", None),
    ("active", frozenset(s.value for s in ACTIVE)),
    *((s.value, frozenset({s.value})) for s in Status),
)


class QueueFilter(QSortFilterProxyModel):
    """Filters the rows; the sort a header click asks for is the model's (QueueModel.sort),
    so this proxy keeps the model's order and calls no Python per comparison."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.statuses: frozenset[str] | None = None
        self.service: str | None = None
        self.text = ""
        self.setDynamicSortFilter(True)
        # What the filter reads (status, service, code, name) changes only with a whole row.
        self.setFilterKeyColumn(COL_STATUS)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        model = self.sourceModel()
        if isinstance(model, QueueModel):
            model.sort(column, order)

    def set_filters(self, statuses: frozenset[str] | None, service: str | None, text: str = "") -> None:
        self.beginFilterChange()
        self.statuses, self.service, self.text = statuses, service, text.strip().casefold()
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: Index) -> bool:
        model = self.sourceModel()
        assert isinstance(model, QueueModel)
        row = model.rows[source_row]
        if self.statuses is not None and row.status not in self.statuses:
            return False
        if self.service and row.service != self.service:
            return False
        if self.text and self.text not in row.code.casefold() and self.text not in row.name_masked.casefold():
            return False
        return True


class QueueTable(QGroupBox):
    """The table with its filters. Enter or a double click opens a ticket."""

    ticket_opened = Signal(str)  # ticket id
    DEFAULT_FILTER = "waiting"  # a busy counter opens on the people waiting, in call order

    def __init__(
        self,
        now: datetime,
        tz: str = DEFAULT_TZ,
        parent: QWidget | None = None,
        *,
        prefs: QSettings | None = None,
    ) -> None:
        super().__init__(parent)
        self.prefs = prefs  # where the officer's filter is kept (this PC's window-prefs.ini)
        self.model = QueueModel(now, tz, self)
        self.proxy = QueueFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(COL_ORDER, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(False)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        header = self.view.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(COL_SERVICE, QHeaderView.ResizeMode.Stretch)
        widths = {
            COL_ORDER: 40,
            COL_CODE: 66,
            COL_TIME: 52,
            COL_NAME: 150,
            COL_PRIORITY: 104,
            COL_STATUS: 132,
            COL_WAITING: 92,
        }
        em = self.fontMetrics().horizontalAdvance("M") / 11  # scale with the font (HiDPI, big fonts)
        for col, width in widths.items():
            title = header.fontMetrics().horizontalAdvance(t(COLUMN_KEYS[COLUMNS[col]])) + 28
            header.resizeSection(col, max(int(width * max(1.0, em)), title))  # header whole
        self.view.doubleClicked.connect(self._open_index)
        self.view.activated.connect(self._open_index)

        self.status_combo = QComboBox()
        for key, _ in STATUS_FILTERS:
            self.status_combo.addItem("", key)
        self.status_combo.setMinimumContentsLength(12)
        self.status_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.service_combo = QComboBox()
        self.service_combo.addItem("", None)
        self.search_edit = QLineEdit()
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 14)
        self.service_combo.setMinimumContentsLength(14)
        self.service_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.status_label = QLabel()
        self.service_label = QLabel()
        self.count_label = QLabel()
        self.count_label.setProperty("role", "muted")
        self.count_label.setTextFormat(Qt.TextFormat.PlainText)
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.status_combo.currentIndexChanged.connect(self._apply_filters)
        self.service_combo.currentIndexChanged.connect(self._apply_filters)
        self.search_edit.textChanged.connect(self._apply_filters)
        self.proxy.rowsInserted.connect(self._count)
        self.proxy.rowsRemoved.connect(self._count)
        self.proxy.modelReset.connect(self._count)
        self.proxy.layoutChanged.connect(self._count)

        bar = QHBoxLayout()
        bar.addWidget(self.status_label)
        bar.addWidget(self.status_combo)
        bar.addSpacing(8)
        bar.addWidget(self.service_label)
        bar.addWidget(self.service_combo, 2)
        bar.addSpacing(8)
        bar.addWidget(self.search_edit, 2)
        bar.addWidget(self.count_label)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        self.retranslate()
        self._restore_filter()

    def _restore_filter(self) -> None:
        """The filter the officer chose last time (kept per PC), else the people waiting."""
        key = self.DEFAULT_FILTER
        service = None
        if self.prefs is not None:
            key = str(self.prefs.value("queue/status", key))
            service = self.prefs.value("queue/service", None) or None
        index = self.status_combo.findData(key)
        # Signals held: a change here is no choice of the officer's, so nothing is written back
        # (it rewrote the prefs file at every start, ~5 ms, and, the services not known yet,
        # with no service: the kept service filter was lost at the next start). One filter pass.
        for combo in (self.status_combo, self.service_combo):
            combo.blockSignals(True)
        self.status_combo.setCurrentIndex(
            index if index >= 0 else self.status_combo.findData(self.DEFAULT_FILTER)
        )
        self._wanted_service = service
        found = self.service_combo.findData(service)
        if found >= 0:
            self.service_combo.setCurrentIndex(found)
        for combo in (self.status_combo, self.service_combo):
            combo.blockSignals(False)
        self._apply_filters()

    def _keep_filter(self) -> None:
        if self.prefs is None:
            return
        self.prefs.setValue("queue/status", self.status_combo.currentData())
        self.prefs.setValue("queue/service", self.service_combo.currentData() or "")
        self.prefs.sync()

    def set_services(self, services: Sequence[ServiceView]) -> None:
        keep = self.service_combo.currentData() or getattr(self, "_wanted_service", None)
        self.service_combo.blockSignals(True)
        self.service_combo.clear()
        self.service_combo.addItem(t("gui.queue.all_services"), None)
        for s in services:
            self.service_combo.addItem(f"{s.letter} · {s.name(i18n.language())}", s.code)
        found = self.service_combo.findData(keep)
        self.service_combo.setCurrentIndex(max(0, found))
        self.service_combo.blockSignals(False)
        if self.service_combo.currentData() != self.proxy.service:
            self._apply_filters()  # the kept service filter, once the services are known
        self.model.set_services({s.code: s for s in services})

    def retranslate(self) -> None:
        self.setTitle(t("gui.queue.title"))
        self.status_label.setText(t("gui.queue.filter_status"))
        self.service_label.setText(t("gui.queue.filter_service"))
        self.search_edit.setPlaceholderText(t("gui.queue.search"))
        for i, (key, _) in enumerate(STATUS_FILTERS):
            label = t(FILTER_KEYS[key])
            self.status_combo.setItemText(i, label)
        self.set_services(list(self.model.services.values()))
        self.model.retranslate()
        self._count()

    def _apply_filters(self, *_: object) -> None:
        statuses = STATUS_FILTERS[max(0, self.status_combo.currentIndex())][1]
        self.proxy.set_filters(statuses, self.service_combo.currentData(), self.search_edit.text())
        self._count()
        if self.sender() in (self.status_combo, self.service_combo):
            self._keep_filter()

    def set_status_filter(self, key: str) -> None:
        self.status_combo.setCurrentIndex(self.status_combo.findData(key))

    def _count(self, *_: object) -> None:
        self.count_label.setText(
            t("gui.queue.count", shown=self.proxy.rowCount(), total=self.model.rowCount())
        )

    def _open_index(self, index: QModelIndex) -> None:
        ticket_id = self.proxy.data(index, ID_ROLE)
        if ticket_id:
            self.ticket_opened.emit(ticket_id)

    def tick(self, now: datetime) -> None:
        """A second passed. Sorted by waiting time, the model's own update re-sorts the rows;
        otherwise only the waiting-time cells on screen are repainted: the proxy would
        otherwise re-check the order of every waiting row, every second (30 ms at 3,000)."""
        if self.model.sort_column == COL_WAITING:
            self.model.tick(now)
            return
        self.model.now = now
        rows = self.proxy.rowCount()
        if not rows or not self.view.isVisible():
            return  # nothing on screen to repaint (not shown yet, or behind the lock page)
        first = max(0, self.view.rowAt(0))
        last = self.view.rowAt(self.view.viewport().height() - 1)
        last = rows - 1 if last < 0 else last
        self.proxy.dataChanged.emit(
            self.proxy.index(first, COL_WAITING),
            self.proxy.index(last, COL_WAITING),
            [Qt.ItemDataRole.DisplayRole],
        )

    def select_ticket(self, ticket_id: str) -> None:
        row = self.model.row_of(ticket_id)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.view.selectRow(index.row())
            self.view.scrollTo(index)

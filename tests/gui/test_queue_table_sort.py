"""The queue table's sort is the model's own (issue 16): a header click sorts the rows in Python
with one key per row, ties in arrival order; the proxy above only filters. No timing here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from counter_app.core.clock import FixedClock
from counter_app.gui.queue_table import (
    COL_CODE,
    COL_ORDER,
    COL_SERVICE,
    COL_TIME,
    SORT_ROLE,
    QueueFilter,
    QueueModel,
    QueueTable,
)
from counter_app.services import catalogue, queue_view, tickets
from counter_app.services.context import Context


def register(ctx: Context, clock: FixedClock, service: str, name: str) -> Any:
    clock.advance(minutes=1)
    return tickets.register(ctx, service=service, name=name).ticket


def shown(table: QueueTable) -> list[str]:
    proxy = table.proxy
    return [proxy.index(r, COL_CODE).data() for r in range(proxy.rowCount())]


def make_table(qtbot: Any, ctx: Context, clock: FixedClock) -> QueueTable:
    table = QueueTable(clock.now(), ctx.tz)
    qtbot.addWidget(table)
    table.set_services(catalogue.active_services())
    table.set_status_filter("all")
    return table


def test_header_sorts_keep_arrival_order_among_ties(qtbot: Any, ctx: Context, clock: FixedClock) -> None:
    table = make_table(qtbot, ctx, clock)
    for service, name in (("KTP", "Ani"), ("PASPOR", "Beni"), ("KTP", "Cici"), ("PASPOR", "Dodi")):
        register(ctx, clock, service, name)
    table.model.replace_all(queue_view.queue_entries(ctx))
    table.view.sortByColumn(COL_CODE, Qt.SortOrder.DescendingOrder)
    assert shown(table) == ["C002", "C001", "A002", "A001"]
    assert table.view.horizontalHeader().sortIndicatorSection() == COL_CODE
    # The service names sort as text; the tickets of one service stay in arrival order, also
    # when the order is reversed (as the proxy's stable sort did).
    proxy = table.proxy
    service_of = {proxy.index(r, COL_CODE).data(): proxy.index(r, COL_SERVICE).data() for r in range(4)}
    arrival = ["A001", "C001", "A002", "C002"]
    table.view.sortByColumn(COL_SERVICE, Qt.SortOrder.AscendingOrder)
    assert shown(table) == sorted(arrival, key=service_of.__getitem__)
    table.view.sortByColumn(COL_SERVICE, Qt.SortOrder.DescendingOrder)
    assert shown(table) == sorted(arrival, key=service_of.__getitem__, reverse=True)
    assert shown(table)[:2] in (["C001", "C002"], ["A001", "A002"])
    table.view.sortByColumn(COL_TIME, Qt.SortOrder.AscendingOrder)
    assert shown(table) == ["A001", "C001", "A002", "C002"]


def test_a_changed_ticket_moves_to_its_place_and_the_selection_follows(
    qtbot: Any, ctx: Context, clock: FixedClock
) -> None:
    table = make_table(qtbot, ctx, clock)
    made = [register(ctx, clock, "KTP", f"Pengunjung {i}") for i in range(4)]
    table.model.replace_all(queue_view.queue_entries(ctx))
    table.model.set_order([t.id for t in made])
    assert table.model.sort_column == COL_ORDER  # the table opens in call order
    assert shown(table) == ["A001", "A002", "A003", "A004"]
    table.select_ticket(made[2].id)
    kept = QPersistentModelIndex(table.model.index(table.model.row_of(made[2].id) or 0, 0))

    called = tickets.call_next(ctx)
    assert called is not None and called.id == made[0].id
    table.model.upsert([called])
    table.model.set_order([t.id for t in made[1:]])
    # Called: no place in the order any more, so after every waiting ticket.
    assert shown(table) == ["A002", "A003", "A004", "A001"]
    assert table.model.rows[table.model.row_of(called.id) or 0].status == "called"
    assert kept.row() == table.model.row_of(made[2].id)
    selected = table.view.selectionModel().selectedRows()
    assert [table.proxy.index(i.row(), COL_CODE).data() for i in selected] == ["A003"]

    # A new ticket, sorted by time with the newest first: on top.
    table.view.sortByColumn(COL_TIME, Qt.SortOrder.DescendingOrder)
    newest = register(ctx, clock, "KTP", "Baru Datang")
    table.model.upsert([newest])
    assert shown(table)[0] == newest.code
    assert [table.model.rows[i].code for i in range(5)] == shown(table)


class CountingModel(QueueModel):
    sort_asks = 0

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role == SORT_ROLE:
            self.sort_asks += 1
        return super().data(index, role)


def test_the_proxy_asks_no_sort_keys(ctx: Context, clock: FixedClock) -> None:
    for i in range(30):
        register(ctx, clock, "KTP" if i % 2 else "PASPOR", f"Pengunjung {i}")
    model = CountingModel(clock.now(), ctx.tz)
    proxy = QueueFilter()
    proxy.setSourceModel(model)
    proxy.sort(COL_CODE, Qt.SortOrder.DescendingOrder)
    model.replace_all(queue_view.queue_entries(ctx))
    codes = [proxy.index(r, COL_CODE).data() for r in range(proxy.rowCount())]
    assert codes == sorted(codes, reverse=True) and len(codes) == 30
    assert model.sort_asks == 0
    assert model.data(model.index(0, COL_CODE), SORT_ROLE) == codes[0]

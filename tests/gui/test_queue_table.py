"""The queue table: rows upserted by id, the waiting time ticking alone, filters and sorting."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from typing import Any

from PySide6.QtCore import Qt

from counter_app.core.clock import FixedClock, local_day
from counter_app.gui.queue_table import (
    COL_CODE,
    COL_NAME,
    COL_STATUS,
    COL_WAITING,
    ID_ROLE,
    QueueModel,
    QueueTable,
    duration_text,
)
from counter_app.services import catalogue, tickets
from counter_app.services.context import Context
from counter_app.store.connection import DB_NAME


def register(ctx: Context, clock: FixedClock, service: str, name: str, **kw: Any) -> Any:
    clock.advance(minutes=1)
    return tickets.register(ctx, service=service, name=name, **kw).ticket


class Spy:
    def __init__(self, model: QueueModel) -> None:
        self.events: list[tuple[str, Any]] = []
        model.rowsInserted.connect(lambda p, a, b: self.events.append(("insert", (a, b))))
        model.modelReset.connect(lambda: self.events.append(("reset", None)))
        model.dataChanged.connect(
            lambda a, b, roles=None: self.events.append(
                ("changed", (a.row(), a.column(), b.row(), b.column()))
            )
        )


def test_upsert_inserts_then_changes_in_place(qtbot: Any, ctx: Context, clock: FixedClock) -> None:
    model = QueueModel(clock.now(), ctx.tz)
    spy = Spy(model)
    first = [register(ctx, clock, "KTP", f"Pengunjung {i}") for i in range(3)]
    assert model.upsert(first) == 3
    assert spy.events == [("insert", (0, 2))]
    assert model.upsert(first) == 0  # nothing new, nothing changed
    spy.events.clear()

    called = tickets.call_next(ctx)
    assert called is not None and called.id == first[0].id
    model.upsert([called, register(ctx, clock, "PASPOR", "Baru Datang")])
    assert spy.events == [("changed", (0, 0, 0, COL_WAITING)), ("insert", (3, 3))]
    assert model.data(model.index(0, COL_STATUS)).endswith("Dipanggil")
    assert model.data(model.index(3, COL_CODE)) == "C001"
    assert model.data(model.index(1, COL_CODE), ID_ROLE) == first[1].id


def test_status_has_colour_and_words(ctx: Context, clock: FixedClock) -> None:
    model = QueueModel(clock.now(), ctx.tz)
    model.upsert([register(ctx, clock, "KTP", "Siti Aminah")])
    index = model.index(0, COL_STATUS)
    assert model.data(index) == "○ Menunggu"
    background = model.data(index, Qt.ItemDataRole.BackgroundRole)
    foreground = model.data(index, Qt.ItemDataRole.ForegroundRole)
    assert background.name() != foreground.name()
    assert model.data(model.index(0, COL_NAME)) == "Siti A*****"  # the name masked


def test_waiting_time_ticks_without_a_reset(ctx: Context, clock: FixedClock) -> None:
    model = QueueModel(clock.now(), ctx.tz)
    rows = [register(ctx, clock, "KTP", f"Orang {i}") for i in range(3)]
    model.upsert(rows)
    spy = Spy(model)
    clock.advance(seconds=30)
    model.tick(clock.now())
    assert spy.events == [("changed", (0, COL_WAITING, 2, COL_WAITING))]
    assert model.data(model.index(2, COL_WAITING)) == "0 mnt"
    assert model.data(model.index(0, COL_WAITING)) == "2 mnt"
    # Once called, the waiting time stops at the first call, and its cell is left alone.
    called = tickets.call_next(ctx)
    model.upsert([called])
    spy.events.clear()
    clock.advance(minutes=10)
    model.tick(clock.now())
    assert spy.events == [("changed", (1, COL_WAITING, 2, COL_WAITING))]
    assert model.data(model.index(0, COL_WAITING)) == "2 mnt"
    assert model.data(model.index(1, COL_WAITING)) == "11 mnt"


def test_duration_text() -> None:
    assert duration_text(0) == "00:00"
    assert duration_text(65) == "01:05"
    assert duration_text(3600 + 62) == "1:01:02"


def test_filters_and_sorting(qtbot: Any, ctx: Context, clock: FixedClock) -> None:
    table = QueueTable(clock.now(), ctx.tz)
    qtbot.addWidget(table)
    table.set_services(catalogue.active_services())
    made = [
        register(ctx, clock, "KTP", "Ani"),
        register(ctx, clock, "PASPOR", "Beni"),
        register(ctx, clock, "KK", "Cici"),
        register(ctx, clock, "PASPOR", "Dodi Saputra"),
    ]
    tickets.call_next(ctx)  # L01 serves KTP/KK: calls Ani
    table.model.replace_all(tickets.queue(ctx))
    proxy = table.proxy
    assert proxy.rowCount() == 3  # it opens on the people waiting
    table.set_status_filter("all")
    assert proxy.rowCount() == 4

    table.service_combo.setCurrentIndex(table.service_combo.findData("PASPOR"))
    assert [proxy.index(r, COL_CODE).data() for r in range(proxy.rowCount())] == ["C001", "C002"]
    table.service_combo.setCurrentIndex(0)

    table.set_status_filter("waiting")
    assert proxy.rowCount() == 3
    table.set_status_filter("called")
    assert [proxy.index(r, COL_CODE).data() for r in range(proxy.rowCount())] == ["A001"]
    table.set_status_filter("active")
    assert proxy.rowCount() == 4
    table.set_status_filter("all")

    table.search_edit.setText("dodi")
    assert [proxy.index(r, COL_CODE).data() for r in range(proxy.rowCount())] == ["C002"]
    table.search_edit.clear()
    assert "4 dari 4" in table.count_label.text()

    # Longest wait first: sorting by the waiting-time column uses seconds, not text.
    clock.advance(seconds=90)
    table.model.tick(clock.now())
    table.view.sortByColumn(COL_WAITING, Qt.SortOrder.DescendingOrder)
    order = [proxy.index(r, COL_CODE).data() for r in range(proxy.rowCount())]
    # Beni 3:30 and Cici 2:30 still waiting, Dodi 1:30; Ani waited 3:00 until called.
    assert order == ["C001", "A001", "A002", "C002"]
    assert made[0].code == "A001"


def test_replace_all_resets_only_when_tickets_vanish(ctx: Context, clock: FixedClock) -> None:
    model = QueueModel(clock.now(), ctx.tz)
    a = register(ctx, clock, "KTP", "Ani")
    b = register(ctx, clock, "KTP", "Budi")
    model.replace_all([a, b])
    spy = Spy(model)
    model.replace_all([a, b, register(ctx, clock, "KTP", "Cici")])
    assert [e[0] for e in spy.events] == ["insert"]
    model.replace_all([b])  # e.g. a new day
    assert spy.events[-1] == ("reset", None)
    assert [r.code for r in model.rows] == ["A002"]


def test_window_notices_changes_made_by_another_program(
    qtbot: Any, window: Any, ctx: Context, clock: FixedClock
) -> None:
    ticket = register(ctx, clock, "KTP", "Ani")
    window.reload_queue()
    assert window.queue_table.model.rows[0].status == "waiting"
    other = sqlite3.connect(str(ctx.data_dir / DB_NAME))
    with other:
        other.execute("UPDATE ticket SET status = 'cancelled' WHERE id = ?", (ticket.id,))
    other.close()
    window.check_store()
    assert window.queue_table.model.rows[0].status == "cancelled"
    assert window.status.database_label.text() == "Basis data: baik"


def test_a_new_day_starts_an_empty_queue(window: Any, ctx: Context, clock: FixedClock) -> None:
    register(ctx, clock, "KTP", "Ani")
    window.reload_queue()
    assert window.queue_table.model.rowCount() == 1
    clock.advance(days=1)
    window.tick()
    assert window.queue_table.model.rowCount() == 0
    assert clock.now() - timedelta(days=1) < clock.now()


def test_runs() -> None:
    from counter_app.gui.queue_table import _runs

    assert _runs([]) == []
    assert _runs([1, 2, 3, 7, 9, 10]) == [(1, 3), (7, 7), (9, 10)]


def test_the_table_repaints_only_waiting_times_on_screen(qtbot: Any, ctx: Context, clock: FixedClock) -> None:
    table = QueueTable(clock.now(), ctx.tz)
    qtbot.addWidget(table)
    table.resize(800, 300)
    table.show()
    qtbot.waitExposed(table)
    table.model.replace_all([register(ctx, clock, "KTP", f"Orang Ke {i}") for i in range(40)])
    proxy_changes: list[tuple[int, int, int, int]] = []
    table.proxy.dataChanged.connect(
        lambda a, b, roles=None: proxy_changes.append((a.row(), a.column(), b.row(), b.column()))
    )
    clock.advance(seconds=5)
    table.tick(clock.now())
    ((first, col, last, col2),) = proxy_changes
    assert (first, col, col2) == (0, COL_WAITING, COL_WAITING)
    assert 3 < last < 39  # only what fits on screen
    assert table.model.now == clock.now()

    # Sorted by waiting time, the model itself changes so the order stays right.
    table.view.sortByColumn(COL_WAITING, Qt.SortOrder.DescendingOrder)
    model_changes: list[int] = []
    table.model.dataChanged.connect(lambda a, b, roles=None: model_changes.append(b.row() - a.row() + 1))
    table.tick(clock.now())
    assert model_changes == [40]


def test_a_window_left_on_past_midnight_runs_the_daily_purge(
    window: Any, ctx: Context, clock: FixedClock
) -> None:
    # Issue 15, point 1: "it runs by itself daily" — also on a PC that is never restarted.
    from counter_app.services import privacy

    window.tick()
    assert privacy.last_purge(ctx) is None  # the fixture's window did not go through the login
    clock.advance(days=1)
    window.tick()
    last = privacy.last_purge(ctx)
    assert last is not None and last["day"] == str(local_day(clock.now(), ctx.tz))
    window.tick()  # once a day: the same record
    assert privacy.last_purge(ctx) == last


def test_the_kept_filter_survives_a_restart(
    qtbot: Any, ctx: Context, clock: FixedClock, tmp_path: Any
) -> None:
    """The officer's status and service filter are read back at start, not overwritten: the
    start wrote the prefs file again before the services were known, with no service."""
    from PySide6.QtCore import QSettings

    from counter_app.gui.queue_table import STATUS_FILTERS

    path = str(tmp_path / "window-prefs.ini")
    prefs = QSettings(path, QSettings.Format.IniFormat)
    prefs.setValue("queue/status", "active")
    prefs.setValue("queue/service", "KK")
    prefs.sync()
    before = (tmp_path / "window-prefs.ini").read_bytes()
    table = QueueTable(clock.now(), ctx.tz, prefs=QSettings(path, QSettings.Format.IniFormat))
    qtbot.addWidget(table)
    assert table.status_combo.currentData() == "active"
    assert table.proxy.statuses == dict(STATUS_FILTERS)["active"]
    table.set_services(catalogue.active_services())
    assert table.service_combo.currentData() == "KK"
    assert table.proxy.service == "KK"
    assert (tmp_path / "window-prefs.ini").read_bytes() == before
    table.set_status_filter("all")  # the officer's own choice is kept, as before
    again = QSettings(path, QSettings.Format.IniFormat)
    assert again.value("queue/status") == "all"
    assert again.value("queue/service") == "KK"

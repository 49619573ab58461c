"""What a cold start does not load, and the queue table's one-reset fill (issue 16).

No timing here: the figures are bench/bench_gui.py's. These check the mechanisms: which modules
a start imports, how the table model is filled and what it tells the view.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from PySide6.QtCore import Qt

from counter_app.core.clock import FixedClock
from counter_app.gui.queue_table import COL_CODE, COL_ORDER, COL_WAITING, SORT_ROLE, QueueModel, QueueTable
from counter_app.services import queue_view, tickets
from counter_app.services.context import Context


def imported_after(code: str) -> set[str]:
    """The modules a fresh interpreter holds after `code` (the psycopg drivers hidden, as on a
    counter PC without the server extras)."""
    probe = "import sys\n" + code + "\nprint('\\n'.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_the_package_alone_does_not_load_peewee() -> None:
    assert "peewee" not in imported_after("import counter_app")


def test_peewee_still_imports_without_probing_postgres() -> None:
    found = imported_after("import counter_app, peewee\nassert peewee.psycopg2 is None, peewee.psycopg2")
    assert "peewee" in found and "psycopg2" not in found


def test_the_display_link_does_not_load_httpx_until_it_asks_the_hub() -> None:
    assert "httpx" not in imported_after("import counter_app.services.display_link")


def test_the_error_path_does_not_load_the_store() -> None:
    assert "counter_app.store.connection" not in imported_after("import counter_app.gui.error_dialog")


def register(ctx: Context, clock: FixedClock, n: int) -> list[Any]:
    done = []
    for i in range(n):
        clock.advance(minutes=1)
        done.append(tickets.register(ctx, service="KTP", name=f"Pengunjung {i}").ticket)
    return done


def test_queue_entries_are_aware_utc_and_match_the_tickets(ctx: Context, clock: FixedClock) -> None:
    made = register(ctx, clock, 3)
    called = tickets.call_next(ctx)
    assert called is not None
    entries = queue_view.queue_entries(ctx)
    assert entries == [queue_view.entry_of(tickets.get(t.id)) for t in made]
    assert all(e.registered_at.tzinfo is UTC for e in entries)
    assert entries[0].first_called_at is not None and entries[0].first_called_at.tzinfo is UTC


def test_the_first_fill_is_one_reset_and_keys_follow_the_clock(
    qtbot: Any, ctx: Context, clock: FixedClock
) -> None:
    made = register(ctx, clock, 4)
    table = QueueTable(clock.now(), ctx.tz)
    qtbot.addWidget(table)
    table.set_status_filter("all")
    model = table.model
    events: list[str] = []
    model.rowsInserted.connect(lambda *a: events.append("insert"))
    model.modelReset.connect(lambda: events.append("reset"))
    model.replace_all(queue_view.queue_entries(ctx))
    assert events == ["reset"]  # not rows inserted one batch at a time behind a sorting proxy

    # Sorted by waiting time: a ticket called meanwhile stops waiting; the cached keys follow.
    table.view.sortByColumn(COL_WAITING, Qt.SortOrder.DescendingOrder)
    codes = [table.proxy.index(r, COL_CODE).data() for r in range(table.proxy.rowCount())]
    assert codes == [t.code for t in made]  # the first registered has waited longest
    called = tickets.call_next(ctx)
    assert called is not None and called.id == made[0].id
    clock.advance(minutes=30)
    model.upsert([called])
    table.tick(clock.now())
    codes = [table.proxy.index(r, COL_CODE).data() for r in range(table.proxy.rowCount())]
    assert codes == [t.code for t in made[1:]] + [made[0].code]


def test_set_order_tells_only_the_rows_whose_place_changed(ctx: Context, clock: FixedClock) -> None:
    made = register(ctx, clock, 5)
    model = QueueModel(datetime.now(UTC) + timedelta(hours=1), ctx.tz)
    model.replace_all(queue_view.queue_entries(ctx))
    ids = [t.id for t in made]
    model.set_order(ids)
    told: list[tuple[int, int]] = []
    model.dataChanged.connect(lambda a, b, roles=None: told.append((a.row(), b.row())))
    model.set_order([ids[0], ids[2], ids[1], ids[3], ids[4]])  # two swap places
    assert told == [(1, 2)]
    assert model.data(model.index(2, COL_ORDER)) == "2"
    assert model.data(model.index(2, COL_ORDER), SORT_ROLE) == 2.0


def test_the_login_path_loads_no_signing_phone_or_hub_libraries() -> None:
    # gui.app's open_store imports privacy for its daily purge check: one setting read
    found = imported_after(
        "import counter_app.gui.app, counter_app.gui.login_dialog, counter_app.services.privacy"
    )
    for heavy in ("cryptography", "phonenumbers", "uuid6", "httpx", "counter_app.services.backup"):
        assert heavy not in found, heavy


def test_the_main_window_module_loads_no_hub_or_sync_client() -> None:
    found = imported_after("import counter_app.gui.main_window")
    for heavy in (
        "httpx",
        "counter_app.sync.live",
        "counter_app.services.sync",
        "counter_app.gui.hall_display",
    ):
        assert heavy not in found, heavy


def test_a_pc_without_a_server_reads_the_nightly_schedule_at_the_first_tick(
    qtbot: Any, ctx: Context, clock: FixedClock
) -> None:
    from counter_app.gui.nightly_sync import NightlySync

    job = NightlySync(ctx, catch_up_delay_ms=0)
    started = clock.now()
    job.start()
    assert job.due is None and job.timer.isActive()  # nothing read yet at the window's start
    clock.advance(seconds=30)
    qtbot.waitUntil(lambda: job.due is not None)
    assert job.due == job.next_scheduled(started)  # what start() set before: nothing to catch up
    assert job.due.hour == 21 and not job.running
    job.stop()

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


# ---- what the real start builds on its way to the login and to the main window ------------

LOGIN_PATH = """
import sys
from pathlib import Path
import PySide6.QtCore, PySide6.QtWidgets
from counter_app.core.clock import SystemClock
from counter_app.gui import app as gui_app, error_dialog
from counter_app.gui.login_dialog import LoginDialog
data = Path(sys.argv[1])
qapp = gui_app.make_app(["test"])
error_dialog.install(data)
ctx = gui_app.open_store(data, SystemClock())
gui_app.use_site_language(ctx)
dialog = LoginDialog(ctx)
gui_app.preload_staff_service()
dialog.show()
while not (dialog.windowHandle() and dialog.windowHandle().isExposed()):
    qapp.processEvents()
qapp.processEvents()
print("built", "Qt" in vars(PySide6.QtCore), "QStyle" in vars(PySide6.QtWidgets))
qapp.setStyleSheet("")  # the style under the stylesheet's
print("style", qapp.style().name())
print("centred", dialog.site_label.alignment() == PySide6.QtCore.Qt.AlignmentFlag.AlignCenter)
print("modules", " ".join(sorted(sys.modules)))
"""

MAIN_PATH = """
import sys
from dataclasses import replace
from pathlib import Path
from counter_app.core.clock import SystemClock
from counter_app.core.roles import Actor, Role
from counter_app.gui import app as gui_app, error_dialog
from counter_app.gui.main_window import MainWindow
data = Path(sys.argv[1])
qapp = gui_app.make_app(["test"])
error_dialog.install(data)
ctx = replace(gui_app.open_store(data, SystemClock()), actor=Actor("admin", Role.ADMIN, 1))
window = MainWindow(ctx, check_printers=False, nightly_sync=False, live=False)
window.show()
while not (window.windowHandle() and window.windowHandle().isExposed()):
    qapp.processEvents()
qapp.processEvents()
print("modules", " ".join(sorted(sys.modules)))
"""


def run_path(code: str, data_dir: Any) -> dict[str, list[str]]:
    """Run `code` in a fresh interpreter on the store in `data_dir` (offscreen, no psycopg as on
    a counter PC); its printed lines as {first word: the rest}."""
    import os

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.pop("COUNTER_APP_LANG", None)
    hide = "import sys\nsys.modules['psycopg'] = None\nsys.modules['psycopg2'] = None\n"
    out = subprocess.run(
        [sys.executable, "-c", hide + code, str(data_dir)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        timeout=120,
    )
    return {line.split()[0]: line.split()[1:] for line in out.stdout.splitlines() if line.strip()}


def test_the_login_builds_neither_the_qt_namespace_nor_qstyle_in_python(data_dir: Any) -> None:
    # PySide builds a class's Python enums when Python first touches it: `Qt` alone is 94 of
    # them (~25 ms), QStyle 11. The login sets its few Qt values by name and names the style at
    # construction (gui/widgets/qt_names.py, gui/app.py), and still looks the same.
    first = run_path(LOGIN_PATH, data_dir)  # the day's first start also runs the retention purge
    assert "counter_app.services.privacy" in first["modules"]  # the purge was due: it ran
    found = run_path(LOGIN_PATH, data_dir)
    assert found["built"] == ["False", "False"]
    assert found["style"] == ["fusion"]  # asked after that check (as is `centred`): this builds it
    assert found["centred"] == ["True"]
    modules = set(found["modules"])
    # The staff service (argon2) is preloaded once the dialog's event loop has run a while.
    for heavy in ("counter_app.services.staff", "argon2", "phonenumbers", "uuid6", "cryptography"):
        assert heavy not in modules, heavy
    # Nor what the login does not use (issue 16): the model classes (the settings are read
    # through the store's proxy), privacy when today's purge already ran (one setting read),
    # platformdirs while the data folder takes the log, secrets (only a new key needs it),
    # getpass (only the command line names its operator).
    for unused in (
        "counter_app.store.models",
        "counter_app.services.privacy",
        "platformdirs",
        "secrets",
        "getpass",
    ):
        assert unused not in modules, unused


def test_the_main_window_shows_without_phone_uuid_signing_or_pdf_libraries(data_dir: Any) -> None:
    # Each is imported where it is used: phonenumbers at the first phone typed or shown, uuid6
    # at the first registration, cryptography at the first scan, QtPdf at the first preview.
    run_path(MAIN_PATH, data_dir)  # the day's first start also runs the retention purge
    modules = set(run_path(MAIN_PATH, data_dir)["modules"])
    assert "counter_app.gui.main_window" in modules
    for heavy in (
        "phonenumbers",
        "counter_app.core.phone",
        "uuid6",
        "cryptography",
        "counter_app.services.keys",
        "PySide6.QtPdf",
        "counter_app.gui.receipt_preview",
        "httpx",
        "reportlab",
    ):
        assert heavy not in modules, heavy


def test_the_idle_watch_counts_keys_once_the_window_has_shown(qtbot: Any, window: Any) -> None:
    from counter_app.gui.main_window import INPUT_WATCH_MS

    window.idle_clock = lambda: 1234.0
    qtbot.wait(INPUT_WATCH_MS + 200)  # the application-wide filter is installed by then
    assert window._last_input != 1234.0
    qtbot.keyClick(window.register_panel.name_edit, Qt.Key.Key_A)
    assert window._last_input == 1234.0


def test_an_enum_property_set_by_name_refuses_a_typo(qtbot: Any) -> None:
    import pytest
    from PySide6.QtWidgets import QLabel

    from counter_app.gui.widgets.qt_names import set_by_name

    label = QLabel()
    qtbot.addWidget(label)
    set_by_name(label, "alignment", "AlignTop|AlignLeft")
    assert label.alignment() == Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft
    with pytest.raises(ValueError):
        set_by_name(label, "alignment", "AlignCentre")
    with pytest.raises(ValueError):
        set_by_name(label, "alignmnet", "AlignLeft")
    assert not label.dynamicPropertyNames()  # a misspelt name left nothing behind


def test_a_field_message_made_before_its_first_show_has_its_role_style(qtbot: Any, styled: None) -> None:
    # It is not repolished when made (that would build QStyle's enums on the way to the
    # login): its first show polishes it, with the role's colour.
    from PySide6.QtGui import QPalette

    from counter_app.gui import theme
    from counter_app.gui.widgets.field_message import FieldMessage

    message = FieldMessage()
    qtbot.addWidget(message)
    message.show()
    qtbot.waitExposed(message)
    assert message.property("role") == "field-hint"
    assert message.palette().color(QPalette.ColorRole.WindowText).name() == theme.MUTED
    message.show_error("Salah")
    assert message.palette().color(QPalette.ColorRole.WindowText).name() == theme.ERROR

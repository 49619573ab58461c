"""The "Rekap harian" dialog: opens for a supervisor, shows the figures and the PDF, exports and
prints; refuses staff."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import NotAllowed
from counter_app.core.roles import Actor, Role
from counter_app.gui import daily_report_dialog as module
from counter_app.gui.daily_report_dialog import DailyReportDialog, open_daily_report
from counter_app.services import tickets
from counter_app.services.context import Context


def small_day(ctx: Context, clock: FixedClock) -> None:
    """KTP (target 10 min): A001 waits 10 min, served 5 (call→finish 5: within); A002 waits 20,
    served 11 (call→finish 11: not within). PASPOR: C001 still waiting."""
    ani = replace(ctx, actor=Actor("ani", Role.STAFF, 21))
    a1 = tickets.register(ctx, service="KTP", name="Siti Aminah").ticket
    a2 = tickets.register(ctx, service="KTP", name="Budi Santoso").ticket
    tickets.register(ctx, service="PASPOR", name="Dewi Lestari")
    clock.advance(minutes=10)
    tickets.call_next(ani, "L01")
    tickets.start(ani, a1.id)
    clock.advance(minutes=5)
    tickets.finish(ani, a1.id)
    clock.advance(minutes=5)
    tickets.call_next(ani, "L01")
    tickets.start(ani, a2.id)
    clock.advance(minutes=11)
    tickets.finish(ani, a2.id)


@pytest.fixture
def dialog(qtbot: Any, supervisor_ctx: Context, clock: FixedClock, prompts: Any) -> DailyReportDialog:
    small_day(supervisor_ctx, clock)
    dlg = DailyReportDialog(supervisor_ctx)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.figures is not None, timeout=15000)
    return dlg


def test_opens_for_a_supervisor_and_shows_the_figures(dialog: DailyReportDialog, qtbot: Any) -> None:
    assert dialog.windowTitle() == "Rekap harian"  # as the menu item that opens it
    assert dialog.tiles["registered"].text() == "3"
    assert dialog.tiles["served"].text() == "2"
    assert dialog.tiles["waiting"].text() == "1"
    assert dialog.tiles["wait_mean"].text() == "15,0"  # (10 + 20) / 2 minutes
    assert dialog.tiles["within_target"].text() == "50,0%"  # 5 ≤ 10 yes; 20 > 10 no
    model = dialog.table_model
    names = [model.cell(r, "service_code") for r in range(model.rowCount())]
    ktp = names.index("KTP")
    assert model.cell(ktp, "registered") == "2" and model.cell(ktp, "wait_mean") == "15,0"
    assert model.is_total(model.rowCount() - 1)
    assert model.cell(model.rowCount() - 1, "service") == "Jumlah"
    dialog.show_table("officer")
    assert [model.cell(r, "officer") for r in range(model.rowCount())] == ["ani"]
    # the PDF preview holds the very PDF that prints
    assert dialog.pdf is not None and dialog.pdf.startswith(b"%PDF")
    qtbot.waitUntil(lambda: dialog.document.pageCount() >= 1, timeout=5000)
    assert dialog.preview.document() is dialog.document
    assert dialog.progress.isHidden()
    assert dialog.print_button.isEnabled() and dialog.xlsx_button.isEnabled()


def test_export_writes_files(dialog: DailyReportDialog, tmp_path: Path, prompts: Any) -> None:
    asked: list[tuple[str, str, str]] = []

    def ask(title: str, suggested: str, file_filter: str) -> str:
        asked.append((title, suggested, file_filter))
        return str(tmp_path / ("rekap" if file_filter.endswith("(*.xlsx)") else "rekap.csv"))

    dialog.ask_save_path = ask
    xlsx = dialog.export_xlsx()
    csv_path = dialog.export_csv()
    assert xlsx == tmp_path / "rekap.xlsx" and csv_path == tmp_path / "rekap.csv"
    assert asked[0][1].endswith("rekap-harian-20261130.xlsx")
    wb = openpyxl.load_workbook(xlsx)
    summary = {r[0]: r[1] for r in wb["Ringkasan"].iter_rows(min_row=2, values_only=True)}
    assert summary["Terdaftar"] == 3 and summary["Selesai dilayani"] == 2
    rows = {r["service"]: r for r in csv.DictReader(io.StringIO(csv_path.read_text("utf-8")))}
    assert rows["KTP"]["wait_mean_s"] == "900.0" and rows["TOTAL"]["registered"] == "3"
    assert "rekap.csv" in dialog.status_label.text()

    dialog.ask_save_path = lambda *a: None  # cancelled: nothing written
    assert dialog.export_xlsx() is None

    dialog.ask_save_path = lambda *a: str(tmp_path / "rekap.csv" / "no.xlsx")  # not writable
    assert dialog.export_xlsx() is None
    assert "tidak bisa ditulis" in prompts.messages("warn")[-1]


def test_other_dates_and_scope(dialog: DailyReportDialog, qtbot: Any) -> None:
    day = dialog.from_date.date()
    dialog.from_date.setDate(day.addDays(-1))
    dialog.scope_combo.setCurrentIndex(1)  # this counter (L01)
    with qtbot.waitSignal(dialog.loaded, timeout=15000) as blocker:
        dialog.refresh()
    figures = blocker.args[0]
    assert figures.days == 2 and figures.counter == "L01"
    assert figures.totals.tickets == 2  # the PASPOR ticket belongs to counter L03
    # moving the start past the end drags the end along
    dialog.from_date.setDate(day.addDays(3))
    assert dialog.to_date.date() == day.addDays(3)


def test_print_keeps_or_prints_off_the_ui_thread(
    dialog: DailyReportDialog, qtbot: Any, monkeypatch: pytest.MonkeyPatch, prompts: Any
) -> None:
    import threading

    from counter_app.printing import jobs

    seen: dict[str, Any] = {}

    def fake_print_or_keep(pdf: bytes, **kwargs: Any) -> jobs.PrintOutcome:
        seen.update(kwargs, thread=threading.current_thread(), pdf=pdf)
        path = Path(kwargs["data_dir"]) / "printouts" / f"{kwargs['name']}.pdf"
        return jobs.PrintOutcome(False, None, path, f"Tidak tercetak. PDF disimpan di {path}")

    monkeypatch.setattr(jobs, "print_or_keep", fake_print_or_keep)
    with qtbot.waitSignal(dialog.printed, timeout=15000):
        dialog.print_report()
        assert not dialog.progress.isHidden()  # the busy indicator, while it prints
        assert not dialog.print_button.isEnabled()
    assert seen["thread"] is not threading.main_thread()
    assert seen["paper"] == "a4" and seen["name"] == "rekap-harian-20261130"
    assert seen["pdf"] == dialog.pdf
    assert dialog.progress.isHidden()
    assert prompts.messages("warn") and "PDF disimpan" in prompts.messages("warn")[-1]


def test_refused_for_staff(qtbot: Any, staff_ctx: Context, prompts: Any) -> None:
    with pytest.raises(NotAllowed):
        DailyReportDialog(staff_ctx)
    assert open_daily_report(None, staff_ctx) is None
    assert prompts.messages("warn") and "staff" in prompts.messages("warn")[-1]


def test_open_daily_report_for_an_admin(qtbot: Any, ctx: Context, prompts: Any) -> None:
    dlg = open_daily_report(None, ctx)
    assert dlg is not None
    try:
        qtbot.waitUntil(lambda: dlg.figures is not None, timeout=15000)
        assert dlg.isVisible() and not dlg.progress.isVisible()
        assert dlg.tiles["registered"].text() == "0"
    finally:
        with qtbot.waitSignal(dlg.destroyed, timeout=5000):
            dlg.close()  # deletes itself on close


def test_service_refuses_even_if_the_dialog_were_bypassed(
    qtbot: Any, supervisor_ctx: Context, staff_ctx: Context, prompts: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    dlg = DailyReportDialog(supervisor_ctx)
    qtbot.addWidget(dlg)
    qtbot.waitUntil(lambda: dlg.figures is not None, timeout=15000)
    dlg.ctx = staff_ctx  # a staff session somehow holding the dialog
    failures: list[BaseException] = []
    monkeypatch.setattr(module.error_dialog, "report", lambda exc, parent=None: failures.append(exc))
    dlg.from_date.setDate(dlg.from_date.date().addDays(-1))
    dlg.refresh()
    qtbot.waitUntil(lambda: bool(failures), timeout=15000)
    assert isinstance(failures[0], NotAllowed)
    assert dlg.show_button.isEnabled() and dlg.progress.isHidden()


def test_whole_site_tab_shows_the_servers_consolidated_figures(
    qtbot, ctx, clock, prompts, tmp_path, qt_garbage_on_the_main_thread
) -> None:
    """A supervisor fetches every counter's synced figures from a real (loopback) server."""
    from counter_app.gui.daily_report_dialog import DailyReportDialog
    from counter_app.server.app import create_app
    from counter_app.server.embedded import ServerThread
    from counter_app.server.store import open_store
    from counter_app.services import sync, tickets

    t1 = tickets.register(ctx, service="KTP", name="Siti Aminah").ticket
    tickets.call_next(ctx)
    tickets.start(ctx, t1.id)
    clock.advance(minutes=5)
    tickets.finish(ctx, t1.id)
    store = open_store(f"sqlite:///{tmp_path / 'central.sqlite3'}")
    token = store.add_device("PTK-L01", publisher=True)
    with ServerThread(create_app(store)) as server:
        sync.run_sync(ctx, server.url, token)
        dialog = DailyReportDialog(ctx)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.figures is not None, timeout=20000)
        dialog.fetch_site()
        qtbot.waitUntil(lambda: "PTK-L01" in dialog.site_text.toPlainText(), timeout=20000)
    store.close()
    text = dialog.site_text.toPlainText()
    assert "Terdaftar 1" in text and "selesai 1" in text


def test_whole_site_tab_without_a_server_says_so(qtbot, ctx, prompts) -> None:
    from counter_app.gui.daily_report_dialog import DailyReportDialog

    dialog = DailyReportDialog(ctx)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.figures is not None, timeout=20000)
    dialog.fetch_site()
    qtbot.waitUntil(lambda: dialog.site_text.toPlainText() != "", timeout=20000)
    assert "server" in dialog.site_text.toPlainText().lower()


def test_the_title_is_the_menu_item_that_opens_it(window: Any, qtbot: Any, prompts: Any) -> None:
    for lang in ("id", "en"):
        window.set_language(lang)
        dialog = window.report_action.trigger() or _open_report(window)
        assert dialog is not None
        assert dialog.windowTitle() == window.report_action.text().replace("&", "").rstrip("…")
        dialog.reject()
    window.set_language("id")


def _open_report(window: Any) -> DailyReportDialog | None:
    from PySide6.QtWidgets import QApplication

    found = [w for w in QApplication.topLevelWidgets() if isinstance(w, DailyReportDialog) and w.isVisible()]
    return found[-1] if found else None

"""Screenshots of the window's screens on a demo day, for docs/screenshots/.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python tools/screenshots.py [--out DIR]   (openbox started if installed)

Makes a throw-away data folder (setup.initialise + services.demo.run_demo for one day with ~60
visits), adds a few visitors still waiting, then saves QWidget.grab() PNGs of the login, the main
window at 1366×768 (in Indonesian and in English), a receipt preview, the settings pages and the
first-run set-up. `--scale 1.5` renders them as on a HiDPI screen.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

WIB = ZoneInfo("Asia/Pontianak")
WAITING = [
    ("Siti Aminah Rahayu", "KTP", "lansia"),
    ("Hendra Wijaya", "KK", ""),
    ("Dayang Purnamasari", "AKTALAHIR", "ibu_hamil"),
    ("Lim Kurniawan", "KTP", ""),
    ("Uray Syarif Alkadrie", "PINDAH", ""),
    ("Veronika Simanjuntak", "KK", ""),
    ("Muhammad Rizky", "KTP", "disabilitas"),
]


def settle(app, rounds: int = 5) -> None:
    for _ in range(rounds):
        app.processEvents()


def save(widget, path: Path, app) -> Path:
    settle(app)
    pixmap = widget.grab()
    pixmap.save(str(path), "PNG")
    print(f"{path}  {pixmap.width()}×{pixmap.height()}")
    return path


def wait_for(app, done, rounds: int = 600) -> None:
    import time as _time

    for _ in range(rounds):
        if done():
            return
        app.processEvents()
        _time.sleep(0.05)


def fits(widget, app) -> str:
    """The window's frame against the screen's available room (printed beside each shot)."""
    settle(app, 10)
    frame, room = widget.frameGeometry(), widget.screen().availableGeometry()
    ok = room.contains(frame)
    return f"frame {frame.width()}×{frame.height()} at {frame.x()},{frame.y()} in {room.width()}×{room.height()}: {'fits' if ok else 'DOES NOT FIT'}"


def other_windows(admin, window, out: Path, app) -> list[Path]:
    """Pengaduan, Rekap harian and the survey screen as they open over the main window."""
    from dataclasses import replace as _replace

    from counter_app.core.roles import Actor, Role
    from counter_app.gui.complaints_window import open_complaints
    from counter_app.gui.daily_report_dialog import open_daily_report
    from counter_app.gui.survey_kiosk import open_survey
    from counter_app.gui.widgets import prompts
    from counter_app.services import complaints, survey, tickets

    # no modal box may block the run: messages are printed instead
    prompts.inform = prompts.warn = lambda parent, title, text: print(f"  [{title}] {text}")
    prompts.confirm = lambda parent, title, text: print(f"  [{title}] {text} → ya") or True
    shots: list[Path] = []
    complaints.add(
        admin,
        channel="langsung",
        category="waktu",
        classification="normatif",
        text="Antrean KTP lama sekali pagi ini; loket 2 kosong hampir satu jam.",
    )
    complaints.add(
        admin,
        channel="telepon",
        category="perilaku",
        classification="ringan",
        text="Petugas di meja informasi kurang ramah.",
    )
    staff = _replace(admin, actor=Actor("petugas", Role.STAFF, 2))
    win = open_complaints(window, staff)
    win.table.selectRow(0)
    print(" pengaduan", fits(win, app))
    shots.append(save(win, out / "pengaduan.png", app))
    win.close()

    report = open_daily_report(window, admin)
    wait_for(app, lambda: report.figures is not None)
    print(" rekap harian", fits(report, app))
    shots.append(save(report, out / "rekap-harian.png", app))
    report.printer_combo.clear()  # as on a PC with no printer
    report.printer_combo.setVisible(False)
    report.print_report()
    wait_for(app, lambda: report.last_outcome is not None)
    report.tabs.setCurrentIndex(2)
    report.fetch_site()
    wait_for(app, lambda: report.site_button.isEnabled() and report.status_label.full_text() != "")
    wait_for(app, lambda: False, 10)
    print(" rekap harian after Cetak and the server", fits(report, app))
    shots.append(save(report, out / "rekap-harian-server.png", app))
    report.reject()

    served = next(t for t in tickets.queue(admin, None, "done") if not survey.has_response(t.id))
    kiosk = open_survey(window, admin, served.id, full_screen=False)
    print(" survei", fits(kiosk, app))
    shots.append(save(kiosk, out / "survei-kiosk.png", app))
    kiosk.close()
    return shots


def start_window_manager():
    """openbox on the X display (xvfb-run gives none): title bars, frames and window placement
    as on a counter's desktop, so what the shots show is what an officer sees."""
    import shutil
    import subprocess

    if (
        os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb"
        or not os.environ.get("DISPLAY")
        or not shutil.which("openbox")
    ):
        return None
    wm = subprocess.Popen(["openbox", "--sm-disable"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import time as _time

    _time.sleep(0.5)
    return wm


def live_shots(out: Path, app) -> list[Path]:
    """The window on a site hub (issue 12): live with the building's queue, Pantauan, and the
    banner while the hub is cut off. A real hub (ServerThread) on loopback; the other counters
    speak HTTP to it with their own tokens, as other PCs would."""
    from datetime import UTC, timedelta

    import httpx

    from counter_app.core.clock import FixedClock
    from counter_app.core.roles import Actor, Role
    from counter_app.gui.main_window import MainWindow
    from counter_app.gui.widgets import prompts
    from counter_app.server.app import create_app
    from counter_app.server.embedded import ServerThread
    from counter_app.server.live import close_streams
    from counter_app.server.store import open_store
    from counter_app.services import site_settings, tickets
    from counter_app.services.context import Context
    from counter_app.services.setup import initialise
    from counter_app.services.sync import save_token

    # no modal box may block the run: messages are printed, questions answered yes
    prompts.inform = prompts.warn = lambda parent, title, text: print(f"  [{title}] {text}")
    prompts.confirm = lambda parent, title, text: True

    import time as _time

    def until(done, rounds: int = 600) -> None:
        for _ in range(rounds):
            if done():
                return
            app.processEvents()
            _time.sleep(0.05)

    def frame(widget) -> str:
        settle(app, 10)
        box, room = widget.frameGeometry(), widget.screen().availableGeometry()
        return f"frame {box.width()}×{box.height()} in {room.width()}×{room.height()}: " + (
            "fits" if room.contains(box) else "DOES NOT FIT"
        )

    work = Path(tempfile.mkdtemp(prefix="loket-live-screens-"))
    now = datetime.now(WIB).replace(microsecond=0)
    clock = FixedClock(now - timedelta(minutes=48))  # the first visitors came 48 minutes ago
    data = work / "L01"
    initialise(data, admin="admin", admin_password="rahasia-admin-1", by="screens", clock=clock)
    ctx = Context(data, Actor("admin", Role.ADMIN, 1), clock)
    store = open_store(f"sqlite:///{work / 'hub' / 'server.sqlite3'}")
    tokens = {c: store.add_device(f"PTK-{c}", site="PTK", counter=c) for c in ("L01", "L02", "L03", "L05")}
    hub_app = create_app(store)
    hub = ServerThread(hub_app)
    hub.start()
    site_settings.set_setting(ctx, "sync_server", hub.url)
    save_token(data, tokens["L01"])
    ctx.reload_settings()
    site_settings.set_setting(ctx, "printer", "Printer-Loket-1")

    def other(counter: str, method: str, path: str, **body: object) -> dict:
        answer = httpx.request(
            method,
            f"{hub.url}/api/v1{path}",
            json=body or None,
            timeout=5,
            headers={"Authorization": f"Bearer {tokens[counter]}"},
        )
        answer.raise_for_status()
        return answer.json()

    window = MainWindow(ctx, check_printers=False, print_receipts=False, nightly_sync=False)
    window.status.show_printer("Printer-Loket-1", True)
    window.show()
    until(lambda: window.live is not None and window.status.live_label.text().startswith("Langsung"))
    visitors = [
        ("Siti Aminah Rahayu", "KTP", "lansia"),
        ("Hendra Wijaya", "KK", ""),
        ("Rina Marlina", "NIB", ""),
        ("Lim Kurniawan", "KTP", ""),
        ("Antonius Lie", "NIB", ""),
        ("Uray Syarif Alkadrie", "PINDAH", ""),
        ("Yohana Sitompul", "PASPOR", ""),
        ("Veronika Simanjuntak", "KK", ""),
        ("Muhammad Rizky", "KTP", "disabilitas"),
        ("Wulan Sari", "NIB", ""),
        ("Dayang Purnamasari", "AKTALAHIR", "ibu_hamil"),
    ]
    for name, service, priority in visitors:
        tickets.register(window.ctx, service=service, name=name, priority=priority)
        clock.advance(minutes=4, seconds=7)
    clock.set(now)
    window.site_changed()
    until(lambda: window.live.link.backlog == 0)
    day = str(now.date())
    claimed = other(
        "L02", "POST", "/live/claim", day=day, services=["NIB", "PBG"], priority_cap=3, ticket=None
    )
    print(" L02 claimed", (claimed.get("ticket") or {}).get("code"))
    other("L03", "POST", "/live/state", state="break")
    other("L05", "POST", "/live/state", state="open")
    with store.transaction() as tx:  # L05's PC was last heard of ten minutes ago: offline
        tx.run(
            "UPDATE counter_state SET last_seen = ? WHERE counter = 'L05'",
            ((now - timedelta(minutes=10)).astimezone(UTC).isoformat(timespec="microseconds"),),
        )
    window.serving_panel.call_next()
    until(lambda: window.serving_panel.in_hand is not None)
    tickets.start(window.ctx, window.serving_panel.in_hand.id)
    until(lambda: False, 20)
    window.site_changed()
    window.queue_table.set_status_filter("all")
    window.tick()
    shots = []
    print(" live window", frame(window))
    shots.append(save(window, out / "live-main-window.png", app))

    window.open_board()
    board = window.board_window
    until(lambda: board.board is not None and len(board.board.counters) >= 4)
    until(lambda: False, 10)
    print(" pantauan", frame(board))
    shots.append(save(board, out / "live-board.png", app))
    board.close()

    close_streams(hub_app)
    hub.stop()
    until(window.offline_banner.isVisible)
    clock.advance(minutes=1)
    panel = window.register_panel
    panel.name_edit.setText("Agus Hidayat")
    panel.service_picker.select("KTP")
    panel.submit()
    until(lambda: False, 10)
    offline = next(r for r in window.queue_table.model.rows if r.name_masked.startswith("Agus"))
    window.queue_table.select_ticket(offline.id)
    until(lambda: False, 4)
    print(" offline", frame(window))
    shots.append(save(window, out / "live-offline-banner.png", app))
    window.close()
    store.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--visits", type=int, default=60)
    ap.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 30))
    ap.add_argument("--scale", type=float, default=None, help="device pixel ratio (HiDPI check)")
    ap.add_argument("--icons", action="store_true", help="also redraw resources/icons/*.png")
    ap.add_argument("--live", action="store_true", help="only the site hub's shots (live, Pantauan, banner)")
    args = ap.parse_args(argv)
    wm = start_window_manager()
    try:
        return shoot(args)
    finally:
        if wm is not None:
            wm.terminate()


def shoot(args: argparse.Namespace) -> int:
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)

    from counter_app.core import i18n
    from counter_app.core.clock import FixedClock
    from counter_app.core.roles import Actor, Role
    from counter_app.services import demo, receipts, site_settings, tickets
    from counter_app.services.context import Context
    from counter_app.services.setup import initialise

    if args.live:
        from counter_app.gui.app import make_app

        args.out.mkdir(parents=True, exist_ok=True)
        shots = live_shots(args.out, make_app(["screenshots"]))
        print(f"{len(shots)} screenshots in {args.out}")
        return 0
    work = Path(tempfile.mkdtemp(prefix="loket-screens-"))
    data = work / "data"
    clock = FixedClock(datetime.combine(args.day, time(7, 30), WIB))
    initialise(data, admin="admin", admin_password="rahasia-admin-1", by="screens", clock=clock)
    admin = Context(data, Actor("admin", Role.ADMIN, 1), clock)
    result = demo.run_demo(admin, args.day, max(1, args.visits - len(WAITING)), seed=7)
    # The demo plays the whole day out; these arrive late and are still waiting.
    clock.set(datetime.combine(args.day, time(15, 5), WIB))
    for name, service, priority in WAITING:
        clock.advance(minutes=3, seconds=17)
        tickets.register(
            admin,
            service=service,
            name=name,
            priority=priority,
            phone="0812-5678-1234" if priority else None,
            phone_consent=True,
        )
    clock.advance(minutes=2)
    called = tickets.call_next(admin)
    assert called is not None
    clock.advance(seconds=40)
    tickets.start(admin, called.id)
    clock.advance(minutes=4, seconds=12)
    site_settings.set_setting(admin, "printer", "Printer-Loket-1")
    print(f"demo day {result.day}: {result.registered} + {len(WAITING)} visitors")

    from counter_app.gui.app import make_app

    app = make_app(["screenshots"])
    if args.icons:
        from counter_app.gui import icon

        icon.save()
    from counter_app.gui.login_dialog import NOBODY, LoginDialog
    from counter_app.gui.main_window import MainWindow
    from counter_app.gui.receipt_preview import ReceiptPreview
    from counter_app.gui.settings_dialog import SettingsDialog
    from counter_app.gui.setup_dialog import SetupDialog

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []

    login = LoginDialog(replace(admin, actor=NOBODY))
    login.username_edit.setText("admin")
    login.show()
    shots.append(save(login, out / "login.png", app))
    login.close()

    window = MainWindow(admin, check_printers=False)
    window.status.show_printer("Printer-Loket-1", True)
    window.resize(1366, 768)
    window.show()
    panel = window.register_panel
    panel.name_edit.setText("Yohanes Setiawan")
    panel._check_name(panel.name_edit.text())
    panel.nik_edit.setText("6171010101900001")
    panel._check_nik(panel.nik_edit.text())
    panel.phone_edit.setText("0812-3456-7890")
    panel._check_phone(panel.phone_edit.text())
    panel.service_picker.select("KTP")
    window.queue_table.set_status_filter("all")
    window.queue_table.view.sortByColumn(1, window.queue_table.view.horizontalHeader().sortIndicatorOrder())
    window.queue_table.view.scrollToBottom()
    window.tick()
    shots.append(save(window, out / "main_window.png", app))

    # The invalid NIK message beside its field.
    panel.nik_edit.setText("6171017201900001")
    panel._check_nik(panel.nik_edit.text())
    window.scan_field.scan("bukan.tanda-terima")
    shots.append(save(window, out / "main_window_invalid_nik.png", app))
    panel.clear_form()
    window.scan_field.result.clear()

    window.set_language("en")
    window.tick()
    shots.append(save(window, out / "main_window_en.png", app))
    window.set_language("id")

    pdf = receipts.receipt_pdf(admin, called.id, reprint=True)
    preview = ReceiptPreview(
        pdf,
        called.code,
        reprint=True,
        printer=admin.setting("printer"),
        paper=admin.setting("paper"),
        parent=window,
    )
    preview.show()
    settle(app, 20)
    shots.append(save(preview, out / "receipt_preview.png", app))
    preview.close()

    from counter_app.services import privacy

    privacy.purge(admin)  # the Privasi tab then shows a last purge and its counts
    settings = SettingsDialog(admin, window)
    settings.show()
    tabs = ["site", "counter", "counters", "catalogue", "staff", "printer", "sync", "calendar", "privacy"]
    for index, name in enumerate(tabs):
        settings.tabs.setCurrentIndex(index)
        shots.append(save(settings, out / f"settings_{name}.png", app))
    settings.close()
    shots += other_windows(admin, window, out, app)
    window.close()

    setup = SetupDialog(work / "new-site", clock)
    setup.show()
    shots.append(save(setup, out / "setup.png", app))
    setup.close()
    i18n.set_language("id")
    print(f"{len(shots)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

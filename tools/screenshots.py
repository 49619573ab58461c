"""Screenshots of the window's screens on a demo day, for docs/screenshots/.

    xvfb-run -a -s "-screen 0 1920x1200x24" .venv/bin/python tools/screenshots.py [--out DIR]

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


def settle(app, rounds: int = 5) -> None:  # noqa: ANN001
    for _ in range(rounds):
        app.processEvents()


def save(widget, path: Path, app) -> Path:  # noqa: ANN001
    settle(app)
    pixmap = widget.grab()
    pixmap.save(str(path), "PNG")
    print(f"{path}  {pixmap.width()}×{pixmap.height()}")
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    ap.add_argument("--visits", type=int, default=60)
    ap.add_argument("--day", type=date.fromisoformat, default=date(2026, 11, 30))
    ap.add_argument("--scale", type=float, default=None, help="device pixel ratio (HiDPI check)")
    ap.add_argument("--icons", action="store_true", help="also redraw resources/icons/*.png")
    args = ap.parse_args(argv)
    if args.scale:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)

    from counter_app.core import i18n
    from counter_app.core.clock import FixedClock
    from counter_app.core.roles import Actor, Role
    from counter_app.services import demo, receipts, site_settings, tickets
    from counter_app.services.context import Context
    from counter_app.services.setup import initialise

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
        tickets.register(admin, service=service, name=name, priority=priority,
                         phone="0812-5678-1234" if priority else None)
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
    preview = ReceiptPreview(pdf, called.code, reprint=True, printer=admin.setting("printer"),
                             paper=admin.setting("paper"), parent=window)
    preview.show()
    settle(app, 20)
    shots.append(save(preview, out / "receipt_preview.png", app))
    preview.close()

    settings = SettingsDialog(admin, window)
    settings.show()
    for index, name in enumerate(
        ["site", "counter", "counters", "catalogue", "staff", "printer", "sync"]
    ):
        settings.tabs.setCurrentIndex(index)
        shots.append(save(settings, out / f"settings_{name}.png", app))
    settings.close()
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

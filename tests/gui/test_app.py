"""Start-up: first-run set-up, login (and lock-out), the site's language, the one error path."""

from __future__ import annotations

import logging
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from counter_app.core import i18n
from counter_app.core.clock import FixedClock
from counter_app.core.errors import AuthError, StoreError
from counter_app.gui import app as gui_app, error_dialog
from counter_app.gui.login_dialog import LoginDialog
from counter_app.gui.setup_dialog import SetupDialog
from counter_app.services import catalogue, site_settings, staff
from counter_app.services.context import Context
from counter_app.store.connection import DB_NAME, close_db, init_db
from counter_app.store.models import Ticket

ADMIN_PASSWORD = "rahasia-admin-1"
ROOT = Path(__file__).resolve().parents[2]


def fill_setup(dialog: SetupDialog, password: str = "sandi-admin-baru", again: str | None = None) -> None:
    dialog.site_edit.setText("skw")
    dialog.site_name_edit.setText("MPP Kota Singkawang")
    dialog.counter_edit.setText("L03")  # the catalogue's Imigrasi counter: PASPOR preselected
    dialog.admin_edit.setText("kepala")
    dialog.password_edit.setText(password)
    dialog.password2_edit.setText(password if again is None else again)


def test_first_run_sets_up_and_goes_straight_in(
    qtbot: Any, tmp_path: Path, clock: FixedClock, prompts: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "baru"
    seen: list[SetupDialog] = []

    def run_setup(self: SetupDialog) -> int:
        seen.append(self)
        assert self.chosen_services() == ["KTP", "KK", "AKTALAHIR", "PINDAH"]  # L01's
        fill_setup(self, again="beda")
        assert not self.create()
        assert self.messages["password2"].text() == i18n.t("gui.setup.password_mismatch")
        assert not (folder / DB_NAME).exists()
        fill_setup(self, password="pendek")
        assert not self.create()  # refused by the store: the store exists, no admin yet
        assert self.messages["password"].text() == i18n.t("staff.password_short", min=8)
        fill_setup(self)
        assert self.chosen_services() == ["PASPOR"]
        assert self.create()
        return self.result()

    monkeypatch.setattr(SetupDialog, "exec", run_setup)
    window = gui_app.start(folder, clock)
    try:
        assert window is not None and len(seen) == 1
        qtbot.addWidget(window)
        assert window.ctx.actor.username == "kepala"
        assert window.ctx.setting("site_code") == "SKW"
        assert window.ctx.setting("counter_code") == "L03"
        assert [s.code for s in catalogue.services_of_counter("L03")] == ["PASPOR"]
        assert window.register_panel.service_picker.code() == "PASPOR"  # the only one
        window.close()
    finally:
        close_db()


def test_login_then_the_main_window(
    qtbot: Any, data_dir: Path, clock: FixedClock, prompts: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def log_in(self: LoginDialog) -> int:
        qtbot.keyClicks(self.username_edit, "admin")
        qtbot.keyClicks(self.password_edit, ADMIN_PASSWORD)
        self.try_login()
        return self.result()

    monkeypatch.setattr(LoginDialog, "exec", log_in)
    window = gui_app.start(data_dir, clock)
    assert window is not None
    qtbot.addWidget(window)
    assert window.ctx.actor.username == "admin"
    assert window.settings_action.isVisible()
    window.close()

    monkeypatch.setattr(LoginDialog, "exec", lambda self: LoginDialog.DialogCode.Rejected)
    assert gui_app.start(data_dir, clock) is None


def test_site_language_is_used_at_start(
    qtbot: Any, data_dir: Path, ctx: Context, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COUNTER_APP_LANG", raising=False)
    site_settings.set_setting(ctx, "language", "en")
    titles: list[str] = []
    monkeypatch.setattr(LoginDialog, "exec", lambda self: titles.append(self.windowTitle()) or 0)
    assert gui_app.start(data_dir, clock) is None
    assert titles == ["Log in — Loket"]
    assert i18n.language() == "en"


def test_lock_out_message(qtbot: Any, ctx: Context, prompts: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The dialog shows what authenticate says; counting failures is the service's job
    (tests/services/test_staff.py)."""
    login = LoginDialog(ctx)
    qtbot.addWidget(login)
    login.username_edit.setText("admin")
    login.password_edit.setText("salah")
    assert login.try_login() is None
    assert login.message.text() == i18n.t("auth.failed")
    assert login.password_edit.text() == ""

    def locked(ctx: Context, username: str, password: str) -> Any:
        raise AuthError("auth.locked", minutes=15)

    monkeypatch.setattr(staff, "authenticate", locked)  # looked up at each login
    login.password_edit.setText(ADMIN_PASSWORD)
    assert login.try_login() is None
    assert login.message.text() == i18n.t("auth.locked", minutes=15)
    assert "15 menit" in login.message.text()
    assert login.result() != LoginDialog.DialogCode.Accepted
    login.username_edit.clear()
    assert login.try_login() is None
    assert login.message.text() == i18n.t("gui.login.username_required")


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    """The error path installed for one test; the hooks and log handler are put back after."""
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    logger = logging.getLogger("loket")
    before = list(logger.handlers)
    error_dialog.install(data_dir)
    yield data_dir / "logs" / "loket.log"
    for handler in logger.handlers[:]:
        if handler not in before:
            logger.removeHandler(handler)
            handler.close()


def test_a_bug_is_logged_and_reported(hooks: Path, prompts: Any) -> None:
    try:
        raise RuntimeError("kabel putus")
    except RuntimeError as exc:
        sys.excepthook(type(exc), exc, exc.__traceback__)
    ((kind, title, text),) = prompts.shown
    assert kind == "critical"
    assert "RuntimeError: kabel putus" in text and str(hooks) in text
    log = hooks.read_text(encoding="utf-8")
    assert "Traceback" in log and "kabel putus" in log


def test_an_expected_problem_is_a_clear_message(hooks: Path, prompts: Any) -> None:
    exc = StoreError("store.full", path="/data/loket.sqlite3")
    sys.excepthook(type(exc), exc, None)
    assert prompts.shown == [
        ("warn", i18n.t("gui.error.title"), i18n.t("store.full", path="/data/loket.sqlite3"))
    ]


def test_thread_errors_reach_the_ui_thread(qtbot: Any, hooks: Path, prompts: Any) -> None:
    def work() -> None:
        raise StoreError("store.locked", path="x")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    qtbot.waitUntil(lambda: bool(prompts.shown))
    assert prompts.shown[0][2] == i18n.t("store.locked", path="x")


def test_a_locked_database_is_a_message_not_a_crash(
    qtbot: Any, data_dir: Path, window: Any, prompts: Any
) -> None:
    close_db()
    init_db(data_dir, busy_timeout_ms=100)
    other = sqlite3.connect(str(data_dir / DB_NAME), timeout=0.1)
    other.execute("BEGIN IMMEDIATE")
    try:
        panel = window.register_panel
        panel.name_edit.setText("Ani")
        panel.service_picker.select("KTP")
        assert panel.submit() is None
    finally:
        other.rollback()
        other.close()
    assert prompts.messages("warn") == [i18n.t("store.locked", path=str(data_dir / DB_NAME))]
    assert Ticket.select().count() == 0
    assert panel.name_edit.text() == "Ani"  # nothing lost: try again
    assert panel.submit() is not None


def test_the_login_needs_no_reportlab_nor_the_main_window() -> None:
    code = (
        "import sys, counter_app.gui.app;"
        "print(sorted(m for m in ('reportlab', 'counter_app.gui.main_window',"
        " 'counter_app.services.receipts', 'PySide6.QtPdf') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

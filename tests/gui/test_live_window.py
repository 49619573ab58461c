"""The window on a counter of a site hub, with real parts: the hub (`server/embedded.py`
ServerThread on loopback, its SQLite store), this window's data folder (counter L01), and another
counter PC (L02) as its own `python` processes on its own data folder — one store per process, as
on separate PCs.

The window starts the link at login and registers with the hub's codes; a ticket registered on
L02 reaches the window's queue through the link's signal; the hub gone, the banner says so and
registration goes on with offline codes; the hub back, the banner goes and the outbox drains; a
counter on a break is refused call-next.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from server.live_site import Hub, running_hub

from counter_app.core import numbering
from counter_app.core.clock import FixedClock
from counter_app.core.errors import IllegalTransition
from counter_app.services import live_queue, site_settings, tickets
from counter_app.services.context import Context
from counter_app.services.sync import save_token

ROOT = Path(__file__).resolve().parents[2]
WIB = ZoneInfo("Asia/Pontianak")
ENV = {k: v for k, v in os.environ.items() if k != "COUNTER_APP_DATA_DIR"} | {"PYTHONPATH": str(ROOT)}
WAIT_MS = 30000  # bounded waits: they fail only when the thing never happens

# Another counter PC: one command per process, its own store, the live link of the command line.
OTHER_PC = r"""
import json, sys
from datetime import datetime
from pathlib import Path
from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.services import live_queue, site_settings, tickets
from counter_app.services.context import Context
from counter_app.services.setup import initialise
from counter_app.services.sync import save_token
from counter_app.store.connection import init_db

folder, cmd = Path(sys.argv[1]), json.loads(sys.argv[2])
clock = FixedClock(datetime.fromisoformat(cmd["now"]))
if cmd["op"] == "setup":
    initialise(folder, site="PTK", counter=cmd["counter"], admin="admin",
               admin_password="rahasia-admin-1", by="test", clock=clock)
init_db(folder)
ctx = Context(folder, Actor("admin", Role.ADMIN, 1), clock)
if cmd["op"] == "setup":
    site_settings.set_setting(ctx, "sync_server", cmd["server"])
    save_token(folder, cmd["token"])
    print(json.dumps({}))
    raise SystemExit(0)
ctx.live = live_queue.open_link(ctx)
try:
    if cmd["op"] == "register":
        t = tickets.register(ctx, service=cmd["service"], name=cmd["name"]).ticket
        out = {"id": t.id, "code": t.code}
    elif cmd["op"] == "call":
        t = tickets.call_next(ctx)
        out = {"id": t.id, "code": t.code} if t else {}
    out["mode"] = live_queue.mode(ctx)
finally:
    live_queue.close_link(ctx.live)
print(json.dumps(out))
"""


@dataclass
class OtherPC:
    folder: Path
    counter: str
    now: datetime

    def run(self, op: str, **fields: Any) -> dict[str, Any]:
        cmd = json.dumps({"op": op, "now": self.now.isoformat(), "counter": self.counter, **fields})
        done = subprocess.run(
            [sys.executable, "-c", OTHER_PC, str(self.folder), cmd],
            cwd=ROOT,
            env=ENV,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def clock() -> FixedClock:
    """Today, now (the other PCs' processes use the same instant, so one day's queue)."""
    return FixedClock(datetime.now(WIB).replace(microsecond=0))


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    with running_hub(f"sqlite:///{tmp_path / 'hub' / 'server.sqlite3'}") as running:
        yield running


@pytest.fixture
def site(hub: Hub, ctx: Context) -> Hub:
    """This window's PC (PTK-L01) joined to the hub: the server address and its device token."""
    token = hub.store.add_device("PTK-L01", site="PTK", counter="L01")
    site_settings.set_setting(ctx, "sync_server", hub.url)
    save_token(ctx.data_dir, token)
    ctx.reload_settings()
    return hub


@pytest.fixture
def other_pc(tmp_path: Path, site: Hub, clock: FixedClock) -> OtherPC:
    token = site.store.add_device("PTK-L02", site="PTK", counter="L02")
    pc = OtherPC(tmp_path / "pc-L02", "L02", clock.now())
    pc.run("setup", server=site.url, token=token)
    return pc


@pytest.fixture
def live_window(
    qtbot: Any, ctx: Context, site: Hub, prompts: Any, no_printer: str, styled: None
) -> Iterator[Any]:
    from counter_app.gui.main_window import MainWindow

    win = MainWindow(ctx, check_printers=False, print_receipts=False, nightly_sync=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def wait_live(qtbot: Any, win: Any) -> None:
    """Until the window shows it: the link's news came through the signal to the UI thread."""
    qtbot.waitUntil(
        lambda: (
            win.live is not None
            and bool(win.ctx.live.device)
            and win.status.live_label.text().startswith("Langsung")
        ),
        timeout=WAIT_MS,
    )


def register(win: Any, name: str, service: str = "KTP") -> tickets.Registration:
    """Through the form, as the officer does (F2)."""
    panel = win.register_panel
    got: list[Any] = []
    panel.registered.connect(got.append)
    panel.name_edit.setText(name)
    panel.service_picker.select(service)
    panel.submit()
    panel.registered.disconnect(got.append)
    assert got, "nothing registered"
    return got[0]


def codes_in_queue(win: Any) -> set[str]:
    return {row.code for row in win.queue_table.model.rows}


def test_the_window_starts_the_link_at_login_and_registers_with_hub_codes(
    qtbot: Any, live_window: Any, site: Hub
) -> None:
    win = live_window
    assert win.live is not None and win.ctx.live is win.live.link  # started at login
    wait_live(qtbot, win)
    assert win.status.live_label.isVisible()
    assert win.status.live_label.text().startswith("Langsung")
    assert not win.offline_banner.isVisible()
    first = register(win, "Siti Aminah").ticket
    second = register(win, "Budi Santoso").ticket
    assert (first.code, second.code) == ("A001", "A002")  # the hub's numbers, not A89001
    qtbot.waitUntil(lambda: {"A001", "A002"} <= site.live_codes(), timeout=WAIT_MS)  # pushed
    qtbot.waitUntil(lambda: win.live.link.backlog == 0, timeout=WAIT_MS)


def test_a_ticket_registered_on_another_pc_appears_in_the_queue(
    qtbot: Any, live_window: Any, other_pc: OtherPC
) -> None:
    win = live_window
    wait_live(qtbot, win)
    with qtbot.waitSignal(win.live.events_applied, timeout=WAIT_MS, check_params_cb=lambda n: n > 0):
        theirs = other_pc.run("register", service="KTP", name="Dewi Lestari")
    assert theirs["mode"] == "live" and theirs["code"] == "A001"
    qtbot.waitUntil(lambda: "A001" in codes_in_queue(win), timeout=WAIT_MS)
    row = next(r for r in win.queue_table.model.rows if r.code == "A001")
    assert row.status == "waiting"
    # the window's own registration continues the building's numbering
    assert register(win, "Rudi Hartono").ticket.code == "A002"
    # this counter calls next (a claim at the hub, on the panel's worker): L02's visitor first
    panel = win.serving_panel
    panel.call_next()
    qtbot.waitUntil(lambda: panel.in_hand is not None, timeout=WAIT_MS)
    assert panel.in_hand.code == "A001"
    assert next(r for r in win.queue_table.model.rows if r.code == "A001").status == "called"


def test_hub_gone_banner_offline_codes_then_back_and_drained(qtbot: Any, live_window: Any, site: Hub) -> None:
    win = live_window
    wait_live(qtbot, win)
    assert register(win, "Siti Aminah").ticket.code == "A001"
    site.stop()
    qtbot.waitUntil(win.offline_banner.isVisible, timeout=WAIT_MS)
    assert "Hub tidak terjangkau" in win.offline_banner.text()
    assert "Terputus" in win.status.live_label.text()
    offline = register(win, "Budi Santoso").ticket  # registration goes on
    number = numbering.code_number(offline.code)
    assert number is not None and numbering.is_offline_number(number), offline.code
    assert win.offline_banner.isVisible()  # through the link's reconnect attempts too
    site.start()
    qtbot.waitUntil(lambda: not win.offline_banner.isVisible(), timeout=WAIT_MS)
    assert win.status.live_label.text().startswith("Langsung")
    qtbot.waitUntil(lambda: win.live.link.backlog == 0, timeout=WAIT_MS)  # the outbox drained
    assert {"A001", offline.code} <= site.live_codes()
    assert register(win, "Agus Hidayat").ticket.code == "A002"  # live numbering again


def test_a_counter_on_a_break_is_refused_call_next(
    qtbot: Any, live_window: Any, site: Hub, prompts: Any
) -> None:
    win = live_window
    wait_live(qtbot, win)
    register(win, "Siti Aminah")
    panel = win.serving_panel
    assert panel.buttons["break"].isVisible()
    panel.toggle_break()  # F8
    qtbot.waitUntil(lambda: panel.on_break and not panel.calling, timeout=WAIT_MS)
    assert "ISTIRAHAT" in panel.status_label.text()
    with pytest.raises(IllegalTransition) as refused:
        tickets.call_next(win.ctx)
    assert refused.value.key == "live.on_break"
    panel.call_next()  # F5 in the window: the service's refusal, in words
    qtbot.waitUntil(lambda: not panel.calling, timeout=WAIT_MS)
    assert any("istirahat" in text for text in prompts.messages("warn"))
    assert panel.in_hand is None

    # the hub shows the break on the board once the link has pushed it (in the background)
    def board_state() -> str:
        board = httpx.get(
            f"{site.url}/api/v1/live/board",
            headers={"Authorization": f"Bearer {win.live.link._token}"},
            timeout=5,
        ).json()
        return str({c["counter"]: c["state"] for c in board["counters"]}["L01"])

    qtbot.waitUntil(lambda: board_state() == "break", timeout=WAIT_MS)
    panel.toggle_break()
    qtbot.waitUntil(lambda: not panel.on_break and not panel.calling, timeout=WAIT_MS)
    panel.call_next()
    qtbot.waitUntil(lambda: panel.in_hand is not None, timeout=WAIT_MS)
    assert panel.in_hand.code == "A001"


def test_no_server_no_link(window: Any) -> None:
    """A lone PC works as before: no link, nothing about a hub on screen."""
    assert window.live is None and window.ctx.live is None
    assert not window.status.live_label.isVisible() and not window.offline_banner.isVisible()
    assert not window.serving_panel.buttons["break"].isVisible()
    assert not live_queue.networked(window.ctx)

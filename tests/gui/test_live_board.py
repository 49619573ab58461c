"""Pantauan (the coordinator's live board) against a real hub: the counters and the services of
the building, a break shown, supervisors and admins only (checked by the service)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from counter_app.core.errors import NotAllowed
from counter_app.core.roles import Actor, Role
from counter_app.gui.live_board import SERVICE_COLS, LiveBoard
from counter_app.services import live_queue
from gui.test_live_window import (  # noqa: F401 - the fixtures
    WAIT_MS,
    OtherPC,
    clock,
    hub,
    live_window,
    other_pc,
    site,
    wait_live,
)


def cell(table: Any, row: int, col: int) -> str:
    item = table.item(row, col)
    return item.text() if item is not None else ""


def rows(table: Any) -> list[list[str]]:
    return [[cell(table, r, c) for c in range(table.columnCount())] for r in range(table.rowCount())]


def test_the_board_lists_the_counters_and_services_of_the_building(
    qtbot: Any, live_window: Any, other_pc: OtherPC
) -> None:
    win = live_window
    wait_live(qtbot, win)
    other_pc.run("register", service="KTP", name="Dewi Lestari")  # for L01's agency
    other_pc.run("register", service="NIB", name="Hendra Wijaya")  # L02's own
    assert win.board_action.isVisible()
    win.open_board()
    board_window = win.board_window
    assert isinstance(board_window, LiveBoard)
    qtbot.waitUntil(
        lambda: (
            board_window.board is not None
            and {c.counter for c in board_window.board.counters} >= {"L01", "L02"}
            and {s.service for s in board_window.board.services} >= {"KTP", "NIB"}
        ),
        timeout=WAIT_MS,
    )
    board = board_window.board
    assert board.site == "PTK"
    waiting = {s.service: s.waiting for s in board.services}
    assert waiting["KTP"] == 1 and waiting["NIB"] == 1
    ktp = next(s for s in board.services if s.service == "KTP")
    assert ktp.target_s is not None and not ktp.over_target  # the service standard's minutes
    shown = rows(board_window.counters_table)
    assert [r[0] for r in shown][:2] == ["L01", "L02"]
    assert "Kosong" in shown[0][1]
    names = [r[0] for r in rows(board_window.services_table)]
    assert any("KTP" in n for n in names)

    # a break at L01 is on the board soon after
    win.serving_panel.toggle_break()
    qtbot.waitUntil(lambda: win.serving_panel.on_break and not win.serving_panel.calling, timeout=WAIT_MS)
    board_window.refresh()
    qtbot.waitUntil(lambda: "Istirahat" in rows(board_window.counters_table)[0][1], timeout=WAIT_MS)

    # the window calls a visitor: the board names the code L01 serves
    win.serving_panel.toggle_break()
    qtbot.waitUntil(lambda: not win.serving_panel.on_break and not win.serving_panel.calling, timeout=WAIT_MS)
    win.serving_panel.call_next()
    qtbot.waitUntil(lambda: win.serving_panel.in_hand is not None, timeout=WAIT_MS)
    board_window.refresh()
    qtbot.waitUntil(lambda: "Melayani A001" in rows(board_window.counters_table)[0][1], timeout=WAIT_MS)
    board_window.close()


def test_a_service_past_its_target_says_so_in_words(qtbot: Any, live_window: Any) -> None:
    win = live_window
    wait_live(qtbot, win)
    win.open_board()
    board_window = win.board_window
    qtbot.waitUntil(lambda: board_window.board is not None, timeout=WAIT_MS)
    late = live_queue.ServiceOnBoard("KTP", "KTP-el", "e-ID card", 4, 25 * 60.0, 15 * 60)
    fine = live_queue.ServiceOnBoard("KK", "Kartu Keluarga", "Family card", 1, 60.0, 15 * 60)
    board = replace(board_window.board, services=(late, fine))
    board_window.show_board(board)
    table = rows(board_window.services_table)
    flag = SERVICE_COLS.index("flag")
    assert table[0][0] == "KTP-el" and table[0][flag] == "⚠ lewat target"
    assert table[1][flag] == "✓ dalam target"
    assert board_window.services_table.item(0, 0).font().bold()
    assert "1 layanan lewat target" in board_window.status_line.full_text()
    board_window.close()


def test_only_supervisors_and_admins_see_the_board(live_window: Any) -> None:
    staff = replace(live_window.ctx, actor=Actor("petugas1", Role.STAFF, 2))
    with pytest.raises(NotAllowed):
        live_queue.board(staff)
    live_window.set_actor(staff.actor)
    assert not live_window.board_action.isVisible()
    live_window.set_actor(Actor("koordinator", Role.SUPERVISOR, 3))
    assert live_window.board_action.isVisible()

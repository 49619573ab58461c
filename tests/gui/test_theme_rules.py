"""The main window's looks come from the application stylesheet (issue 16): no widget carries a
sheet of its own (each made Qt build a style and polish it apart), and a look that follows a
state (theme.set_look) changes what a widget's own sheet did, padding and size included."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QMainWindow, QStatusBar, QWidget

from counter_app.gui import theme


def test_no_widget_of_the_main_window_has_its_own_stylesheet(window: Any) -> None:
    window.status.show_database("disk penuh")
    window.status.show_printer("Printer-Loket-1", False)
    window.status.show_complaints(2)
    window.status.show_live("offline", "hub", 3, 9, "srv")
    window.serving_panel.on_break = True
    window.serving_panel.show_ticket(None)
    own = [w.objectName() or type(w).__name__ for w in window.findChildren(QWidget) if w.styleSheet()]
    assert own == []


def test_set_look_applies_the_rule_as_a_widgets_own_sheet_did(qtbot: Any, styled: None) -> None:
    main = QMainWindow()
    qtbot.addWidget(main)
    bar = QStatusBar()
    main.setStatusBar(bar)
    by_rule, by_sheet = QLabel("Terputus"), QLabel("Terputus")
    bar.addPermanentWidget(by_rule)
    bar.addPermanentWidget(by_sheet)
    main.show()
    theme.set_look(by_rule, "tone", "offline")
    by_sheet.setStyleSheet(f"background: {theme.WARNING}; color: white; font-weight: bold; padding: 0 6px;")
    for label in (by_rule, by_sheet):
        label.ensurePolished()
    assert by_rule.contentsMargins() == by_sheet.contentsMargins()
    assert by_rule.font().bold() and by_sheet.font().bold()
    assert by_rule.sizeHint() == by_sheet.sizeHint()
    assert by_rule.palette().color(by_rule.foregroundRole()) == by_sheet.palette().color(
        by_sheet.foregroundRole()
    )
    theme.set_look(by_rule, "tone", None)  # back to the status bar's plain label
    assert by_rule.contentsMargins().left() == 8
    assert not by_rule.font().bold()

"""A long day must not wear out None/True/False (PySide6 6.12 on Python 3.11 drops references)."""

from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLineEdit

import counter_app.gui  # noqa: F401  (applies the guard)


class Emitter(QObject):
    fired = Signal()


def test_a_million_void_calls_and_emits_do_not_abort(qtbot: Any) -> None:
    edit = QLineEdit()
    qtbot.addWidget(edit)
    emitter = Emitter()
    for _ in range(20000):  # more than None's and True's natural counts on Python 3.11
        edit.clear()
        emitter.fired.emit()
    assert sys.getrefcount(None) > 1_000_000
    assert sys.getrefcount(True) > 1_000_000

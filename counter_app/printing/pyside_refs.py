"""Guard against a PySide6 6.12 reference-count bug on Python 3.11 (shared by gui/ and printing/).

PySide6 6.12 drops a reference to None on every call of a C++ method returning void
(QLineEdit.clear(), setText() …) and to True on every Signal.emit(). These objects are immortal
only from Python 3.12; before that, a busy day's few thousand calls bring a count to zero and
the interpreter aborts ("none_dealloc", "bool_dealloc"). Give them a count no day can use up,
as 3.12 does by design (tests/gui/test_pyside_refs.py).
"""

from __future__ import annotations

import ctypes
import sys

_done = False


def keep_singletons_alive() -> None:
    global _done
    if _done or sys.version_info >= (3, 12):
        return
    for singleton in (None, True, False):
        ctypes.c_ssize_t.from_address(id(singleton)).value += 1 << 40
    _done = True

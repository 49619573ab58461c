"""Qt enum properties set by their key names, for the widgets a start shows before the login.

PySide6 builds the Python enums of a Qt class the first time the class is touched from Python.
For the `Qt` namespace that is 94 enum classes, ~25 ms of a cold start: more than the whole
login dialog. The login's widgets set their few `Qt.*` values by name through Qt's property
system instead (Qt reads "AlignCenter" or "AlignTop|AlignLeft" in C++), so the login shows
without that cost; the main window, which needs `Qt` anyway, uses it as usual
(tests/gui/test_cold_start.py checks that the login path leaves `Qt` unbuilt).
"""

from __future__ import annotations

from PySide6.QtCore import QObject


def set_by_name(obj: QObject, prop: str, keys: str) -> None:
    """`obj.<prop> = keys`, e.g. ("alignment", "AlignTop|AlignLeft"); a typo is an error, not a
    silently ignored value (Qt's setProperty only returns False)."""
    if obj.metaObject().indexOfProperty(prop) < 0 or not obj.setProperty(prop, keys):
        raise ValueError(f"{type(obj).__name__}.{prop} cannot be set to {keys!r}")

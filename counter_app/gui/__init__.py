"""The PySide6 window (DESIGN.md §2: imports services, core and printing; no SQL here)."""

from counter_app.printing.pyside_refs import keep_singletons_alive

keep_singletons_alive()

"""Start Loket: the GUI with no arguments, otherwise the command line (see DESIGN.md §7)."""

from counter_app.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

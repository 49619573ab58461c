"""`python -m counter_app` is the same entry as `counter-app`."""

from counter_app.cli import main

raise SystemExit(main())

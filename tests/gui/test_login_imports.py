"""The start to the login imports no peewee and no model (issue 16): the store opens on a plain
connection (store/fast_open.py) and the login reads its settings with plain SQL. No timing here
(bench/bench_gui.py has the figure); this checks the mechanism in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

START_TO_LOGIN = """
import sys
sys.modules['psycopg'] = None
sys.modules['psycopg2'] = None
from pathlib import Path
from counter_app.core.clock import SystemClock
from counter_app.gui import app as gui_app, error_dialog
from counter_app.gui.login_dialog import LoginDialog
data = Path(sys.argv[1])
qapp = gui_app.make_app(["test"])
error_dialog.install(data)
ctx = gui_app.open_store(data, SystemClock())
assert ctx is not None
gui_app.use_site_language(ctx)
dialog = LoginDialog(ctx)
dialog.show()
qapp.processEvents()
assert dialog.site_label.text(), "the site name was read"
print("\\n".join(sorted(sys.modules)))
"""


def start_to_login(data_dir: Path) -> set[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run(
        [sys.executable, "-c", START_TO_LOGIN, str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_the_start_to_the_login_loads_neither_peewee_nor_the_models(data_dir: Path) -> None:
    # the day's first start runs the retention purge (services.privacy, with the models)
    assert "counter_app.services.privacy" in start_to_login(data_dir)
    loaded = start_to_login(data_dir)  # every later start of the day
    assert "counter_app.gui.login_dialog" in loaded
    for heavy in ("peewee", "counter_app.store.models", "counter_app.services.staff"):
        assert heavy not in loaded, heavy

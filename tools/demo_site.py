"""`make run`: a building on one PC — a site hub, two counters sharing its live queue, a hall TV.

    .venv/bin/python tools/demo_site.py [--data-dir demo-data] [--site-dir demo-site] [--port 8470]

* the hub: `counter-app server` on 127.0.0.1 (its store in SITE_DIR/hub), in the background;
* counter L01 (Disdukcapil, the front desk): the window, on the demo data folder (DATA_DIR);
* counter L02 (DPMPTSP): a scripted officer in the background (SITE_DIR/L02) who calls, starts
  and finishes a visitor every few seconds and registers a walk-in now and then;
* the hall display: printed as a URL (`/display?site=PTK` on the hub) to open in a browser.

The devices are added to the hub and their tokens saved in the folders the first time (as
`counter-app server add-device NAME --site S --counter C` and Pengaturan → Sinkronisasi do);
later runs reuse them. When the window closes (or on Ctrl+C) the hub and L02 are stopped.

`python tools/demo_site.py counter FOLDER` is the scripted L02 alone (what the launcher starts).
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SITE = "PTK"
PASSWORD = "loket-demo-2026"
PYTHON = [sys.executable, "-m", "counter_app"]
WALK_INS = [
    ("Rina Marlina", "NIB"),
    ("Yusuf Maulana", "KTP"),
    ("Fransiska Hutapea", "PBG"),
    ("Agus Salim", "KK"),
    ("Wulan Sari", "KONSULIZIN"),
    ("Teddy Gunawan", "INFO"),
    ("Nurul Hidayah", "AKTALAHIR"),
    ("Antonius Lie", "NIB"),
]


def free_port(preferred: int) -> int:
    for port in (preferred, 0):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port on 127.0.0.1")


def prepare(data_dir: Path, site_dir: Path, url: str) -> None:
    """The hub's store with both devices, L02's folder, each counter's hub address and token."""
    from counter_app.server.store import default_url, open_store
    from counter_app.services import site_settings
    from counter_app.services.context import Context, cli_actor
    from counter_app.services.setup import initialise
    from counter_app.services.sync import save_token, saved_token
    from counter_app.store.connection import close_db, init_db

    l02 = site_dir / "L02"
    if not (l02 / "loket.sqlite3").exists():
        initialise(l02, site=SITE, counter="L02", admin="admin", admin_password=PASSWORD, by="demo-site")
        close_db()
    store = open_store(default_url(site_dir / "hub"))
    try:
        known = {d.name for d in store.devices()}
        for folder, counter in ((data_dir, "L01"), (l02, "L02")):
            name = f"{SITE}-{counter}"
            if name not in known or saved_token(folder) is None:
                token = store.add_device(name, site=SITE, counter=counter, replace=name in known)
                save_token(folder, token)
            init_db(folder)
            ctx = Context(folder, cli_actor(folder))
            if (ctx.setting("sync_server") or "") != url:
                site_settings.set_setting(ctx, "sync_server", url)
            close_db()
    finally:
        store.close()
    # The hub's admin token, so Pengaturan → Layar aula on L01 can change the hall display.
    admin_file = site_dir / "hub-admin.token"
    if not admin_file.exists():
        import secrets

        from counter_app.core.files import atomic_write

        atomic_write(admin_file, (secrets.token_urlsafe(32) + "\n").encode())
    from counter_app.services.display_link import save_hub_admin_token

    init_db(data_dir)
    save_hub_admin_token(Context(data_dir, cli_actor(data_dir)), admin_file.read_text().strip())
    close_db()


def wait_up(url: str, process: subprocess.Popen, seconds: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the hub stopped at start (exit {process.returncode}); see {url}")
        try:
            if httpx.get(url + "/api/v1/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the hub did not answer in time")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(8)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def launch(args: argparse.Namespace) -> int:
    data_dir, site_dir = args.data_dir.resolve(), args.site_dir.resolve()
    if not (data_dir / "loket.sqlite3").exists():
        raise SystemExit(f"no demo data in {data_dir}: run `make demo-data` first")
    site_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    port = free_port(args.port)
    url = f"http://127.0.0.1:{port}"
    prepare(data_dir, site_dir, url)
    env = {k: v for k, v in os.environ.items() if k != "COUNTER_APP_DATA_DIR"}
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    logs = site_dir / "logs"
    logs.mkdir(exist_ok=True, mode=0o700)
    hub = counter = None

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupted)  # killed: the hub and L02 are stopped too
    try:
        with open(logs / "hub.out", "ab") as out:
            hub = subprocess.Popen(
                [
                    *PYTHON,
                    "--data-dir",
                    str(site_dir / "hub"),
                    "server",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--admin-token-file",
                    str(site_dir / "hub-admin.token"),
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=out,
                start_new_session=True,
            )
        wait_up(url, hub)
        if not args.no_counter:
            with open(logs / "L02.out", "ab") as out:
                counter = subprocess.Popen(
                    [sys.executable, str(Path(__file__).resolve()), "counter", str(site_dir / "L02")],
                    cwd=ROOT,
                    env=env,
                    stdout=out,
                    stderr=out,
                    start_new_session=True,
                )
        print(
            f"""
  Satu gedung di satu PC (demo):
    hub         {url}   (data: {site_dir / "hub"})
    loket L01   jendela ini, data: {data_dir}   — login admin / {PASSWORD}
    loket L02   petugas terjadwal (memanggil dan melayani tiap beberapa detik), data: {site_dir / "L02"}
    layar aula  {url}/display?site={SITE}
                buka di peramban, mis.: chromium --kiosk '{url}/display?site={SITE}'
  Tutup jendela untuk menghentikan hub dan L02. Log: {logs}
""",
            flush=True,
        )
        if args.no_window:
            while True:
                time.sleep(3600)  # until Ctrl+C or SIGTERM
        window = subprocess.run([*PYTHON, "--data-dir", str(data_dir)], cwd=ROOT, env=env)
        return window.returncode
    except KeyboardInterrupt:
        return 130
    finally:
        stop(counter)
        stop(hub)


# ---- the scripted second counter -----------------------------------------------------------


def counter_loop(folder: Path, pace: float = 5.0) -> int:
    """Counter L02's officer, for the demo: call, start, finish, a walk-in now and then."""
    import logging

    from counter_app.core.clock import SystemClock
    from counter_app.core.errors import LoketError
    from counter_app.core.roles import Actor, Role
    from counter_app.services import live_queue, tickets
    from counter_app.services.context import Context
    from counter_app.store.connection import init_db

    logging.basicConfig(level=logging.INFO, format="%(asctime)s L02 %(message)s")
    log = logging.getLogger("demo.L02")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request: too much
    init_db(folder)
    ctx = Context(folder, Actor("admin", Role.ADMIN, 1), SystemClock())
    link = live_queue.make_link(ctx)
    if link is None:
        raise SystemExit(f"{folder}: no hub set up (run tools/demo_site.py)")
    ctx.live = link
    link.start()
    stopping = False

    def end(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, end)
    signal.signal(signal.SIGINT, end)
    rng = random.Random()
    counter = ctx.setting("counter_code")
    beats = 0
    try:
        while not stopping:
            time.sleep(pace * rng.uniform(0.6, 1.4))
            if stopping or link.state != "live":
                continue
            beats += 1
            try:
                held = tickets.in_hand(ctx, counter)
                if held is None:
                    called = tickets.call_next(ctx)
                    log.info("call-next: %s", called.code if called else "nobody waiting")
                elif held.status == "called":
                    tickets.start(ctx, held.id)
                    log.info("start %s", held.code)
                else:
                    tickets.finish(ctx, held.id, "")
                    log.info("finish %s", held.code)
                if beats % 4 == 0:
                    name, service = rng.choice(WALK_INS)
                    new = tickets.register(ctx, service=service, name=name).ticket
                    log.info("walk-in %s for %s", new.code, service)
            except LoketError as exc:
                log.info("%s", exc.message())
    finally:
        link.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["counter"]:
        ap = argparse.ArgumentParser(prog="demo_site.py counter")
        ap.add_argument("folder", type=Path)
        ap.add_argument("--pace", type=float, default=5.0, help="seconds between moves (about)")
        a = ap.parse_args(argv[1:])
        return counter_loop(a.folder, a.pace)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=ROOT / "demo-data", help="counter L01's folder")
    ap.add_argument("--site-dir", type=Path, default=ROOT / "demo-site", help="the hub's and L02's folders")
    ap.add_argument("--port", type=int, default=8470)
    ap.add_argument("--no-window", action="store_true", help="only the hub and L02 (until Ctrl+C)")
    ap.add_argument("--no-counter", action="store_true", help="no scripted L02")
    return launch(ap.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())

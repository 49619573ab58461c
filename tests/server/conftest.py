"""Server fixtures: a real PostgreSQL cluster for the session, a fresh central store per test
(SQLite and PostgreSQL), live servers on loopback ports, and counter stations to sync from.

PostgreSQL: `initdb` into a temporary folder (as the `postgres` user when running as root:
initdb refuses root), `pg_ctl start` on a free loopback port with its unix socket in that
folder, one new database per test; stopped and removed at the end of the session. Without the
binaries the PostgreSQL cases are skipped, except in CI (`CI` set), where they fail.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from counter_app.server.app import create_app
from counter_app.server.embedded import ServerThread
from counter_app.server.store import Store, open_store
from counter_app.store.connection import close_db
from server.helpers import ADMIN_TOKEN, Live, Station, make_station

# ---- PostgreSQL ---------------------------------------------------------------------------


def _pg_bindir() -> Path | None:
    def version(path: str) -> float:
        try:
            return float(Path(path).parent.name)
        except ValueError:
            return 0.0

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=version, reverse=True)
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(os.path.realpath(on_path)).parent))
    for folder in candidates:
        if all((Path(folder) / tool).exists() for tool in ("initdb", "pg_ctl", "postgres")):
            return Path(folder)
    return None


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"PostgreSQL tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL not available ({reason}); install the `postgresql` package")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Cluster:
    bindir: Path
    folder: Path
    port: int
    user: str = "loket"
    _names: Any = field(default_factory=lambda: count(1))

    def url(self, database: str) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> Any:
        import psycopg

        return psycopg.connect(self.url("postgres"), autocommit=True)

    def create_database(self) -> str:
        name = f"loket_{os.getpid()}_{next(self._names)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    bindir = _pg_bindir()
    if bindir is None:
        _unavailable("initdb/pg_ctl/postgres not found under /usr/lib/postgresql/*/bin or on PATH")
    assert bindir is not None
    folder = Path(tempfile.mkdtemp(prefix="loket-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as `postgres`
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(folder, ignore_errors=True)
            _unavailable("running as root and there is no `postgres` user")
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        runuser = shutil.which("runuser")
        prefix = [runuser, "-u", "postgres", "--"] if runuser else ["su", "postgres", "-s", "/bin/sh", "-c"]
    port = _free_port()
    data = folder / "data"

    def run(*cmd: str) -> None:
        argv = [str(bindir / cmd[0]), *cmd[1:]]
        if prefix and prefix[0] == "su":
            argv = [*prefix, " ".join(f"'{a}'" for a in argv)]
        else:
            argv = [*prefix, *argv]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=folder)
        if result.returncode != 0:
            log = (folder / "log").read_text() if (folder / "log").exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed: {result.stdout}{result.stderr}{log}")

    cluster = Cluster(bindir, folder, port)
    try:
        run(
            "initdb",
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            cluster.user,
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
        )
        # Speed over durability: these tests kill the API server, never PostgreSQL.
        options = (
            f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
        )
        run("pg_ctl", "-D", str(data), "-l", str(folder / "log"), "-w", "-t", "60", "-o", options, "start")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        yield cluster
    finally:
        try:
            run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_url(postgres: Cluster) -> Iterator[str]:
    name = postgres.create_database()
    yield postgres.url(name)
    postgres.drop_database(name)


# ---- central stores and live servers ------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'central' / 'server.sqlite3'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    central = open_store(store_url)
    yield central
    central.close()


@pytest.fixture
def live(store: Store) -> Iterator[Live]:
    """The API over `store`, on a loopback port."""
    thread = ServerThread(create_app(store, admin_token=ADMIN_TOKEN))
    thread.start()
    yield Live(store, thread, ADMIN_TOKEN)
    thread.stop()


@pytest.fixture
def stations(tmp_path: Path) -> Iterator[Callable[..., Station]]:
    """Make counter stations (site PTK by default) in separate data folders."""

    def make(counter: str = "L01", site: str = "PTK", when: datetime | None = None) -> Station:
        return make_station(tmp_path / f"station-{site}-{counter}", counter, site, when)

    yield make
    close_db()


@pytest.fixture(autouse=True)
def _qt_garbage(qt_garbage_on_the_main_thread: None) -> None:
    """Server and worker threads run here: see tests/conftest.py."""

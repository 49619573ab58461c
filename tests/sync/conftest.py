"""Sync fixtures: a central server on SQLite (the default) on a loopback port, with this test's
counter (site PTK, counter L01: the `ctx` fixture) registered as device PTK-L01."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from counter_app.server.app import create_app
from counter_app.server.embedded import ServerThread
from counter_app.server.store import Store, open_store


@dataclass
class Central:
    store: Store
    thread: ServerThread
    token: str
    device: str = "PTK-L01"

    @property
    def url(self) -> str:
        return self.thread.url


@pytest.fixture
def central(tmp_path: Path) -> Iterator[Central]:
    store = open_store(f"sqlite:///{tmp_path / 'central' / 'server.sqlite3'}")
    token = store.add_device("PTK-L01", site="PTK", counter="L01")
    thread = ServerThread(create_app(store))
    thread.start()
    yield Central(store, thread, token)
    thread.stop()
    store.close()


@pytest.fixture(autouse=True)
def _qt_garbage(qt_garbage_on_the_main_thread: None) -> None:
    """Server and worker threads run here: see tests/conftest.py."""

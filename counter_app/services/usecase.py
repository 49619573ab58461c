"""Running a use case from a front end: the one place store failures become typed errors.

A screen (or a command) wraps its call in `with usecase(ctx):`; a locked, corrupt, full or
read-only database file then arrives as the translated `StoreError` naming the file, and every
other `LoketError` passes through unchanged. So no front end imports `counter_app.store` or
handles sqlite/peewee errors itself (DESIGN.md §2). Opening and closing the store for a front
end goes through here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from counter_app.store import connection


class _HasDataDir(Protocol):
    @property
    def data_dir(self) -> Path: ...


Where = _HasDataDir | Path | str | None


def store_path(data_dir: Path | str) -> Path:
    """The database file of a data folder."""
    return Path(data_dir) / connection.DB_NAME


def _path(where: Where) -> Path | None:
    if where is None:
        return None
    if isinstance(where, Path | str):
        return store_path(where)
    return store_path(where.data_dir)


@contextmanager
def usecase(where: Where = None) -> Iterator[None]:
    """Database file failures inside become `StoreError`s naming the file of `where` (a
    Context, or anything with a `data_dir`, or the data folder itself)."""
    with connection.store_errors(_path(where)):
        yield


def store_exists(data_dir: Path | str) -> bool:
    """Is there a store in this folder yet (else the first-run set-up is due)?"""
    return store_path(data_dir).exists()


@contextmanager
def store_failures(name: Path | str | None) -> Iterator[None]:
    """`usecase`, but a failure names `name` exactly as given: the command line names the data
    folder (its wording since the first release), the screens the file."""
    with connection.store_errors(name):
        yield


def open_store(data_dir: Path | str, *, named: Path | str | None = None) -> None:
    """Open the existing store for this process (migrating it if older); StoreError if not,
    naming the database file (or `named`)."""
    with store_failures(store_path(data_dir) if named is None else named):
        connection.init_db(Path(data_dir))


def close_thread_store() -> None:
    """Close this thread's own SQLite connection (peewee keeps one per thread): worker
    threads call it when their job is done."""
    connection.close_db()

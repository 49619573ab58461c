"""The program's one log (Qt-free): `<data_dir>/logs/loket.log`, owner-only, rotated at open.

Every front end (CLI, GUI, sync client, server) logs to the logger named `loket` through
`setup_logging`. A bug's traceback goes here, not onto the user's screen; the message the user
sees names the file. When the data folder is missing or unusable (read-only, full, not yet
created) the log goes to the user's state folder instead, else to a private temporary folder:
logging must never be the reason an error is lost, and it never creates the data folder.

Rotation happens once at open (`loket.log` → `loket.log.1` … `.3`) rather than through
`logging.handlers`, whose import costs ~20 ms on every start of the CLI and the window.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from counter_app.core.files import PRIVATE_DIR, PRIVATE_FILE

LOGGER = "loket"
LOG_DIR = "logs"
LOG_NAME = "loket.log"
MAX_BYTES = 1_000_000  # at open, a bigger log is rotated
KEEP = 3  # old copies kept: loket.log.1 … loket.log.3

log = logging.getLogger(LOGGER)
# Until a front end sets the log up, records go nowhere (not to stderr through logging's
# last-resort handler: the command line's output is the user's, and a sync failure is already
# said there in words).
log.addHandler(logging.NullHandler())

_state: dict[str, object] = {"path": None, "handler": None}


def log_path() -> Path | None:
    """The file the log currently goes to (None before `setup_logging`, or if none was usable)."""
    path = _state["path"]
    return path if isinstance(path, Path) else None


def candidate_folders(data_dir: Path | None) -> Iterator[Path]:
    """Where the log may go, best first: the data folder, the user's state folder, temp.

    Yielded one at a time: the later ones are worked out (platformdirs imported, ~4 ms on the
    way to the login) only when the data folder's log could not be opened."""
    if data_dir is not None and Path(data_dir).is_dir():
        yield Path(data_dir) / LOG_DIR
    try:
        from platformdirs import user_log_dir

        state = Path(user_log_dir("loket", "MPP"))
    except Exception:
        pass
    else:
        yield state
    import getpass

    uid = os.getuid() if hasattr(os, "getuid") else getpass.getuser()
    yield Path(tempfile.gettempdir()) / f"loket-{uid}" / LOG_DIR


def setup_logging(
    data_dir: Path | None,
    *,
    level: int = logging.INFO,
    name: str = LOG_NAME,
    log_file: Path | None = None,
) -> Path | None:
    """Send the `loket` logger to the first usable log folder; returns the log file's path.

    `name`: the file's name in the folder (the server keeps its own `server.log`).
    `log_file`: a file the user chose; it alone is tried, and an `OSError` opening it is raised
    (a log the operator asked for and cannot have is their error to hear about).
    Calling it again (e.g. once the data folder is known) moves the log there.
    """
    targets: Iterable[tuple[Path, str]]
    if log_file is not None:
        targets = [(Path(log_file).parent, Path(log_file).name)]
    else:  # lazily: the fallbacks only when the one before failed
        targets = ((folder, name) for folder in candidate_folders(data_dir))
    for folder, file_name in targets:
        try:
            path, stream = _open(folder, file_name, chosen=log_file is not None)
        except OSError:
            if log_file is not None:
                raise
            continue
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"))
        _close_handler()
        log.addHandler(handler)
        log.setLevel(level)
        log.propagate = False  # no copy on the terminal through the root logger
        _state.update(path=path, handler=handler)
        return path
    return None


def log_exception(exc: BaseException, data_dir: Path | None, what: str = "bug") -> Path | None:
    """Log `exc` with its traceback (setting up the log first if needed); the log's path."""
    path = log_path() or setup_logging(data_dir)
    if path is None:
        return None
    info: tuple[type[BaseException], BaseException, TracebackType | None] = (
        type(exc),
        exc,
        exc.__traceback__,
    )
    log.error("%s: %s", what, " ".join(sys.argv[1:2]) or "-", exc_info=info)
    handler = _state["handler"]
    if isinstance(handler, logging.StreamHandler):
        handler.flush()
    return path


def shutdown() -> None:
    """Close the log file (tests, and a front end moving its log elsewhere)."""
    _close_handler()
    _state.update(path=None, handler=None)


def _close_handler() -> None:
    old = _state["handler"]
    if isinstance(old, logging.StreamHandler):
        log.removeHandler(old)
        try:
            old.flush()
            old.stream.close()
        except (OSError, ValueError):
            pass


def _open(folder: Path, name: str = LOG_NAME, *, chosen: bool = False) -> tuple[Path, IO[str]]:
    """Open `folder/name` for appending, owner-only; refuse a folder or file we do not own
    (a shared temp folder may hold someone else's trap) and anything that is not a plain file.
    A `chosen` file (the operator's `--log-file`) lives in a folder that is theirs to manage:
    it must exist, and it is neither checked for its owner nor made private."""
    if not chosen:
        folder.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    if os.name == "posix" and not chosen:
        st = os.lstat(folder)
        if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid():
            raise PermissionError(f"{folder} is not this user's own folder")
        os.chmod(folder, PRIVATE_DIR)
    path = folder / name
    _rotate(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise PermissionError(f"{path} is not a regular file")
        if os.name == "posix":
            os.fchmod(fd, PRIVATE_FILE)  # an older log may have been made 0644
        stream = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
    except BaseException:
        os.close(fd)
        raise
    return path, stream


def _rotate(path: Path) -> None:
    try:
        if path.stat().st_size <= MAX_BYTES:
            return
    except FileNotFoundError:
        return
    for n in range(KEEP - 1, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        if older.exists():
            os.replace(older, path.with_name(f"{path.name}.{n + 1}"))
    os.replace(path, path.with_name(f"{path.name}.1"))

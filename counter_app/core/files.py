"""Writing files so that a crash, a full disk or a bad target never leaves half a file behind.

Every writer of the program goes through `atomic_write`: the bytes go to a temporary file in
the target's own folder, are flushed with fsync, renamed over the target, and the folder is
fsynced so the rename itself survives a power cut. On any failure the temporary file is removed
and the target is left exactly as it was.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

# Owner-only by default: data-folder files hold personal data or secrets (DESIGN.md §10).
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


class UnsafeTarget(OSError):
    """The target is a symlink, a device, a folder or otherwise not a plain file to replace."""


def check_target(path: Path) -> None:
    """Refuse to replace anything but a plain file (or nothing): no symlink, folder, device."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeTarget(f"{path} is a symbolic link")
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(f"{path} is a folder")
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeTarget(f"{path} is not a regular file")


def fsync_dir(folder: Path) -> None:
    """Make a rename or create inside `folder` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # Windows: folders cannot be opened; NTFS journals the rename itself
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def make_private_dir(folder: Path) -> Path:
    """Create `folder` (and parents) if needed; the folder itself is owner-only on POSIX."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.name == "posix":
        os.chmod(folder, PRIVATE_DIR)
    return folder


def atomic_write(path: Path, data: bytes, *, mode: int = PRIVATE_FILE) -> Path:
    """Write `data` to `path` all or nothing, durably, with permission bits `mode`."""
    path = Path(path)
    check_target(path)
    folder = path.parent
    fd, part = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            if os.name == "posix":
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, path)
    except BaseException:
        try:
            os.unlink(part)
        except OSError:
            pass
        raise
    fsync_dir(folder)
    return path

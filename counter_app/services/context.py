"""What every use case receives explicitly: the data folder, the clock and who is acting."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from counter_app.core.clock import Clock, SystemClock
from counter_app.core.errors import LoketError, NotAllowed
from counter_app.core.files import PRIVATE_FILE, check_target, fsync_dir, make_private_dir
from counter_app.core.roles import Actor, Role
from counter_app.store import settings as setting_table


@dataclass
class Context:
    data_dir: Path
    actor: Actor
    clock: Clock = field(default_factory=SystemClock)
    _settings: dict[str, Any] | None = None
    _nik_key: bytes | None = None
    # The site hub link (sync.live.LiveLink) while this counter works live; None = local work
    # only (no server configured, or `--offline`). See services/live_queue.py.
    live: Any = None

    def setting(self, key: str) -> Any:
        if self._settings is None:
            self.reload_settings()
        assert self._settings is not None
        return self._settings[key]

    def reload_settings(self) -> None:
        # the declared settings (core/settings.py), not the program's internal state
        self._settings = setting_table.load()

    @property
    def tz(self) -> str:
        tz: str = self.setting("timezone")
        return tz

    def nik_key(self) -> bytes:
        if self._nik_key is None:  # read once: it is needed on every registration with a NIK
            self._nik_key = read_secret(self.data_dir, "nik.key")
        return self._nik_key


def cli_actor(data_dir: Path | None = None) -> Actor:
    """The machine's operator at the command line: admin rights, named `cli:<os user>`.

    With `data_dir`, only for the OS account that owns the data folder (DESIGN.md §7): that
    folder is owner-only, so its owner could read the database anyway; anyone else (even root
    acting on another account's folder) must say who they are with `--user`.
    """
    if data_dir is not None and hasattr(os, "getuid"):
        try:
            owner = os.stat(data_dir).st_uid
        except OSError:
            owner = None  # no folder yet: `init` makes it, owned by whoever runs it
        if owner is not None and owner != os.getuid():
            raise NotAllowed("cli.operator_not_owner", path=str(data_dir), owner=_account(owner))
    import getpass  # here: only the command line names its operator (termios on the login's way)

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return Actor(username=f"cli:{user}", role=Role.ADMIN)


def _account(uid: int) -> str:
    try:
        import pwd

        return pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        return str(uid)


SECRET_SIZE = 32


def secret_path(data_dir: Path, name: str) -> Path:
    return Path(data_dir) / "secrets" / name


def create_exclusive(path: Path, data: bytes, mode: int = PRIVATE_FILE) -> bool:
    """Create `path` holding `data`, whole and durably (fsync of file and folder), only if it
    does not exist yet: False when someone else made it first (theirs is kept, not replaced).
    The bytes go to a temporary file that is linked to the name, so the name never shows an
    empty or half-written file, even after a kill or a power cut."""
    path = Path(path)
    check_target(path)
    fd, part_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    part = Path(part_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            if os.name == "posix":
                os.fchmod(fh.fileno(), mode)
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(part, path)
        except FileExistsError:
            return False
        except OSError:
            if os.name != "nt":
                raise
            try:
                os.rename(part, path)  # Windows: rename never replaces an existing file
            except FileExistsError:
                return False
    finally:
        part.unlink(missing_ok=True)
    fsync_dir(path.parent)
    return True


def ensure_secret(data_dir: Path, name: str, size: int = SECRET_SIZE) -> bytes:
    """Create a random secret readable only by its owner, once; return it."""
    path = secret_path(data_dir, name)
    if not path.exists():
        import secrets  # here, not at the top: hmac/_hashlib cost the login's start ~4 ms

        make_private_dir(path.parent)
        create_exclusive(path, secrets.token_bytes(size))
    return read_secret(data_dir, name, size)


def read_secret(data_dir: Path, name: str, size: int = SECRET_SIZE) -> bytes:
    """The secret, checked: missing, empty or the wrong size is a clear error naming the file
    and its copy in backups/keys/ — never silently an empty (brute-forceable) HMAC key."""
    path = secret_path(data_dir, name)
    backup = Path(data_dir) / "backups" / "secrets" / name
    try:
        value = path.read_bytes()
    except FileNotFoundError:
        raise LoketError("secret.missing", path=str(path), backup=str(backup)) from None
    except OSError as exc:
        raise LoketError(
            "secret.unreadable", path=str(path), backup=str(backup), detail=exc.strerror
        ) from None
    if len(value) != size:
        raise LoketError("secret.damaged", path=str(path), backup=str(backup), size=len(value))
    return value

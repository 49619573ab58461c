"""What every use case receives explicitly: the data folder, the clock and who is acting."""

from __future__ import annotations

import getpass
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from counter_app.core import settings as settings_def
from counter_app.core.clock import Clock, SystemClock
from counter_app.core.roles import Actor, Role
from counter_app.store.models import Setting


@dataclass
class Context:
    data_dir: Path
    actor: Actor
    clock: Clock = field(default_factory=SystemClock)
    _settings: dict[str, Any] | None = None
    _nik_key: bytes | None = None

    def setting(self, key: str) -> Any:
        if self._settings is None:
            self.reload_settings()
        assert self._settings is not None
        return self._settings[key]

    def reload_settings(self) -> None:
        values = {k: d.default for k, d in settings_def.SETTINGS.items()}
        for row in Setting.select():
            if row.key in settings_def.SETTINGS:
                values[row.key] = settings_def.coerce(row.key, row.value)
        self._settings = values

    @property
    def tz(self) -> str:
        return self.setting("timezone")

    def nik_key(self) -> bytes:
        if self._nik_key is None:  # read once: it is needed on every registration with a NIK
            self._nik_key = read_secret(self.data_dir, "nik.key")
        return self._nik_key


def cli_actor() -> Actor:
    """The machine's operator at the command line: admin rights, named `cli:<os user>`."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return Actor(username=f"cli:{user}", role=Role.ADMIN)


def secret_path(data_dir: Path, name: str) -> Path:
    return Path(data_dir) / "secrets" / name


def ensure_secret(data_dir: Path, name: str, size: int = 32) -> bytes:
    """Create a random secret readable only by its owner, once; return it."""
    path = secret_path(data_dir, name)
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_bytes(size)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(value)
    return value


def read_secret(data_dir: Path, name: str) -> bytes:
    return secret_path(data_dir, name).read_bytes()

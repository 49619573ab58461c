"""Backups of the local store through SQLite's online backup API; the newest N are kept."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

from counter_app.core.clock import Clock
from counter_app.core.roles import Permission
from counter_app.services import journal
from counter_app.services.context import Context
from counter_app.services.keys import keys_dir
from counter_app.store.connection import backup_file
from counter_app.store.models import db

KEEP = 14


def backup(ctx: Context, target: Path | None = None, *, prefix: str = "loket", keep: int = KEEP) -> Path:
    """Copy the store consistently (others may keep writing); prune old automatic copies."""
    ctx.actor.require(Permission.BACKUP)
    stamp = _stamp(ctx.clock)
    folder = Path(ctx.data_dir) / "backups"
    path = Path(target) if target else folder / f"{prefix}-{stamp}.sqlite3"
    backup_file(db.obj, path)
    _mirror_keys(Path(ctx.data_dir), folder)
    with db.atomic():
        journal.audit(ctx.clock, ctx.actor.username, "store.backup", path.name)
    if target is None:
        olds = sorted(folder.glob(f"{prefix}-*.sqlite3"))
        for old in olds[:-keep]:
            old.unlink(missing_ok=True)
    return path


def _mirror_keys(data_dir: Path, folder: Path) -> None:
    """Keep a copy of the station keys beside the database copies: without the private key
    (and its public half not yet exported) the receipts already printed cannot be verified."""
    source = keys_dir(data_dir)
    if not source.is_dir():
        return
    target = folder / "keys"
    target.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.chmod(0o700)
    for item in source.iterdir():
        if item.is_file():
            shutil.copy2(item, target / item.name)  # copy2 keeps the 0600 of private keys


def _stamp(clock: Clock) -> str:
    now: datetime = clock.now()
    return now.strftime("%Y%m%dT%H%M%S%f")

"""Backups of the local store through SQLite's online backup API; the newest N are kept."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from counter_app.core.clock import Clock
from counter_app.core.roles import Permission
from counter_app.services import journal
from counter_app.services.context import Context
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
    with db.atomic():
        journal.audit(ctx.clock, ctx.actor.username, "store.backup", path.name)
    if target is None:
        olds = sorted(folder.glob(f"{prefix}-*.sqlite3"))
        for old in olds[:-keep]:
            old.unlink(missing_ok=True)
    return path


def _stamp(clock: Clock) -> str:
    now: datetime = clock.now()
    return now.strftime("%Y%m%dT%H%M%S%f")

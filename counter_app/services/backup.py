"""Backups of the local store through SQLite's online backup API; the newest N good ones are kept.

A copy is checked before it gets its name (integrity, a Loket schema), so a damaged store makes
no backup at all; and pruning counts only copies that pass the same check, so two weeks of
empty or damaged copies can never push out the last good ones.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from counter_app.core.clock import Clock
from counter_app.core.errors import ValidationError
from counter_app.core.files import UnsafeTarget, atomic_write, check_target, fsync_dir, make_private_dir
from counter_app.core.roles import Permission
from counter_app.services import journal
from counter_app.services.context import SECRET_SIZE, Context, secret_path
from counter_app.services.keys import PRIVATE_FILE, keys_dir, load_private_file
from counter_app.store.connection import BACKUPS_DIR, backup_file, copy_is_good
from counter_app.store.models import db

KEEP = 14


def backup(ctx: Context, target: Path | None = None, *, prefix: str = "loket", keep: int = KEEP) -> Path:
    """Copy the store consistently (others may keep writing); prune old automatic copies."""
    ctx.actor.require(Permission.BACKUP)
    stamp = _stamp(ctx.clock)
    folder = Path(ctx.data_dir) / BACKUPS_DIR
    path = Path(target) if target else folder / f"{prefix}-{stamp}.sqlite3"
    if target is not None:
        check_out(path)
    backup_file(db.obj, path)
    _mirror_keys(Path(ctx.data_dir), folder)
    with db.atomic():
        journal.audit(ctx.clock, ctx.actor.username, "store.backup", path.name)
    if target is None:
        prune(folder, prefix, keep)
    return path


def check_out(path: Path) -> None:
    """`--out` must name a plain file (or nothing yet): never a folder, a link or a device."""
    try:
        check_target(path)
    except IsADirectoryError:
        raise ValidationError("backup.out_folder", field="out", path=str(path)) from None
    except UnsafeTarget:
        raise ValidationError("backup.out_unsafe", field="out", path=str(path)) from None
    except OSError as exc:
        raise ValidationError("cli.write_failed", field="out", path=str(path), detail=exc.strerror) from None


def prune(folder: Path, prefix: str = "loket", keep: int = KEEP) -> list[Path]:
    """Keep the newest `keep` copies that pass the check, and every newer copy that does not;
    remove the copies older than the oldest one kept. Returns what was removed."""
    good = 0
    removed: list[Path] = []
    for copy in sorted(folder.glob(f"{prefix}-*.sqlite3"), reverse=True):
        if good >= keep:
            copy.unlink(missing_ok=True)
            removed.append(copy)
        elif copy_is_good(copy):
            good += 1
    return removed


_STAMP = re.compile(r"(\d{8}T\d{6})\d*\.sqlite3$")


def taken_at(copy: Path) -> datetime | None:
    """When a copy in backups/ was made (naive UTC), from the stamp in its name
    (`loket-…`, `pre-sync-…`, `pre-migrate-vN-…`); None for a name without one."""
    match = _STAMP.search(copy.name)
    if match is None:
        return None
    try:
        return datetime.strptime(match.group(1), "%Y%m%dT%H%M%S")
    except ValueError:
        return None


def older_than(data_dir: Path, when: datetime) -> list[Path]:
    """The copies in backups/ made before `when` (naive UTC): past the retention period of
    the personal data they hold (UU PDP). A copy without a stamp goes by its file time."""
    folder = Path(data_dir) / BACKUPS_DIR
    if not folder.is_dir():
        return []
    old = []
    for copy in sorted(folder.glob("*.sqlite3")):
        made = taken_at(copy)
        if made is None:
            made = datetime.fromtimestamp(copy.stat().st_mtime, UTC).replace(tzinfo=None)
        if made < when:
            old.append(copy)
    return old


def remove(copies: list[Path]) -> list[Path]:
    """Delete these copies (and any -wal/-journal left beside them); returns what went."""
    removed = []
    for copy in copies:
        for extra in (Path(f"{copy}-wal"), Path(f"{copy}-shm"), Path(f"{copy}-journal")):
            extra.unlink(missing_ok=True)
        try:
            copy.unlink()
        except FileNotFoundError:
            continue
        removed.append(copy)
    if removed:
        fsync_dir(removed[0].parent)
    return removed


def _mirror_keys(data_dir: Path, folder: Path) -> None:
    """Keep a copy of the station keys (backups/keys/) and the NIK secret (backups/secrets/)
    beside the database copies: without the private key the receipts already printed cannot
    be verified, and without the secret a returning visitor's NIK no longer matches. A damaged
    key never replaces a good copy."""
    source = keys_dir(data_dir)
    keys = sorted(p for p in source.iterdir() if p.is_file()) if source.is_dir() else []
    _mirror(keys, folder / "keys")
    nik = secret_path(data_dir, "nik.key")
    _mirror([nik] if nik.is_file() else [], folder / "secrets")


def _mirror(items: list[Path], target: Path) -> None:
    if not items:
        return
    make_private_dir(target)
    for item in items:
        if item.name.endswith(".part") or item.name.startswith("."):
            continue
        data = item.read_bytes()
        if _usable(item, data):
            atomic_write(target / item.name, data)


def _usable(item: Path, data: bytes) -> bool:
    if item.name == "nik.key":
        return len(data) == SECRET_SIZE
    if item.name == PRIVATE_FILE or item.name.startswith(f"{PRIVATE_FILE}."):
        try:
            load_private_file(item)
        except Exception:
            return False
    return bool(data)


def _stamp(clock: Clock) -> str:
    now: datetime = clock.now()
    return now.strftime("%Y%m%dT%H%M%S%f")

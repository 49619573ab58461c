"""Staff accounts: argon2 password hashes, roles, and the limits on failed logins.

Usernames are ASCII (`[a-z0-9._-]{2,32}`, NFKC-normalised and lower-cased, at creation and at
login alike), so a look-alike such as a Cyrillic `аdmin` is refused and never matches `admin`.

Failed logins are limited twice (both counted with the injected clock, kept in one Setting row
`auth.throttle`, pruned to the last window):

* per account: after `lockout_attempts` failures the account locks for `lockout_minutes`
  (15). It unlocks by itself, when an admin runs `unlock` (`counter-app staff unlock NAME`,
  audited; the CLI's operator mode needs no login, so the data folder's owner can always do it),
  or with a new password. Unknown (or disabled) names are counted and locked the same way, so
  the answers do not tell which names exist, and each writes at most one audit row per window.
* per source (the OS user on this machine: the desktop session or the CLI's user): after
  `SOURCE_FREE` failures in a window every further failure makes the source wait, 4 s doubling
  up to `SOURCE_MAX_DELAY_S`; while it waits every try is refused unchecked and writes nothing.
  This is what stops password spraying (one try per name never locks an account) and the
  unknown-name flood; a success from the source clears it.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
import unicodedata
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from counter_app.core.clock import Clock, from_db, to_db
from counter_app.core.errors import AuthError, ValidationError
from counter_app.core.roles import Actor, Permission, Role
from counter_app.services import journal
from counter_app.services.context import Context
from counter_app.services.views import StaffView
from counter_app.store import settings as setting_table
from counter_app.store.models import Staff, db

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A real hash to verify against when the user does not exist, so timing does not reveal
    names. Made on first use: hashing costs ~200 ms, too much for import time."""
    return _hasher.hash("loket-dummy-password")


PASSWORD_MIN = 8
USERNAME_MIN = 2
USERNAME_MAX = 32
_USERNAME = re.compile(rf"[a-z0-9._-]{{{USERNAME_MIN},{USERNAME_MAX}}}")

SOURCE_FREE = 5  # failures from one source in a window before it has to wait
SOURCE_FIRST_DELAY_S = 4
SOURCE_MAX_DELAY_S = 300
THROTTLE_KEY = "auth.throttle"
THROTTLE_MAX_ENTRIES = 1000  # per map; the per-source delays keep it far below this anyway
_SUBJECT_MAX = 64  # an unknown name as written in the audit log


def normalise_username(text: str) -> str:
    """The one form of a username: NFKC (full-width letters become ASCII), trimmed, lower."""
    return unicodedata.normalize("NFKC", text).strip().lower()


def valid_username(name: str) -> bool:
    return _USERNAME.fullmatch(name) is not None


def _check_new(username: str, password: str, role: str) -> tuple[str, Role]:
    name = normalise_username(username)
    if not valid_username(name):
        raise ValidationError("staff.username", field="username", min=USERNAME_MIN, max=USERNAME_MAX)
    if len(password) < PASSWORD_MIN:
        raise ValidationError("staff.password_short", field="password", min=PASSWORD_MIN)
    try:
        return name, Role(role)
    except ValueError:
        raise ValidationError("staff.role", field="role", role=role) from None


def create_first_admin(clock: Clock, username: str, password: str, by: str) -> Staff:
    """Only at set-up, when no account exists yet (no acting user to check)."""
    name, role = _check_new(username, password, "admin")
    with db.atomic():
        if Staff.select().exists():
            raise ValidationError("staff.exists", field="username", username=name)
        staff = Staff.create(
            username=name,
            full_name=name,
            password_hash=_hasher.hash(password),
            role=role.value,
            created_at=to_db(clock.now()),
        )
        journal.audit(clock, by, "staff.create", name, {"role": role.value})
    return staff


def create_staff(ctx: Context, username: str, password: str, role: str, full_name: str = "") -> StaffView:
    ctx.actor.require(Permission.MANAGE_STAFF)
    name, role_ = _check_new(username, password, role)
    with db.atomic():
        if Staff.select().where(Staff.username == name).exists():
            raise ValidationError("staff.exists", field="username", username=name)
        staff = Staff.create(
            username=name,
            full_name=" ".join(full_name.split())[:100] or name,
            password_hash=_hasher.hash(password),
            role=role_.value,
            created_at=to_db(ctx.clock.now()),
        )
        journal.audit(ctx.clock, ctx.actor.username, "staff.create", name, {"role": role_.value})
    return StaffView.from_row(staff)


def set_active(ctx: Context, username: str, active: bool) -> None:
    ctx.actor.require(Permission.MANAGE_STAFF)
    username = normalise_username(username)
    with db.atomic():
        n = (
            Staff.update(active=active, failed_attempts=0, locked_until=None)
            .where(Staff.username == username)
            .execute()
        )
        if not n:
            raise ValidationError("staff.unknown", field="username", username=username)
        journal.audit(ctx.clock, ctx.actor.username, "staff.active", username, {"active": active})


def unlock(ctx: Context, username: str) -> bool:
    """Lift an account's lock-out and clear its failure count (admin, audited). True if it was
    locked."""
    ctx.actor.require(Permission.MANAGE_STAFF)
    name = normalise_username(username)
    with db.atomic():
        row = Staff.get_or_none(Staff.username == name)
        if row is None:
            raise ValidationError("staff.unknown", field="username", username=name)
        was_locked = is_locked(ctx, row)
        Staff.update(failed_attempts=0, locked_until=None).where(Staff.id == row.id).execute()
        journal.audit(
            ctx.clock,
            ctx.actor.username,
            "staff.unlock",
            name,
            {"was_locked": was_locked, "failed_attempts": row.failed_attempts},
        )
    return was_locked


def is_locked(ctx: Context, row: Staff) -> bool:
    locked_until = from_db(row.locked_until)
    return bool(locked_until and locked_until > ctx.clock.now())


def local_source() -> str:
    """Where a login comes from on a desktop program: the OS user on this machine (the desktop
    session, or the user running the CLI)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"{user}@{socket.gethostname()}"


# ---- the throttle state: {"sources": {src: [fails, last_failure, wait_until]},
#                           "unknown": {name: [fails, last_failure, locked_until, audited_at]}}


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _when(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def _load_throttle() -> dict[str, dict[str, list[Any]]]:
    text = setting_table.stored(THROTTLE_KEY)
    try:
        state = json.loads(text) if text is not None else {}
    except ValueError:  # damaged: start afresh rather than refuse every login
        state = {}
    if not isinstance(state, dict):
        state = {}
    return {
        k: v if isinstance(v, dict) else {}
        for k, v in (("sources", state.get("sources")), ("unknown", state.get("unknown")))
    }


def _save_throttle(state: dict[str, dict[str, list[Any]]], now: datetime, window: timedelta) -> None:
    for table in state.values():
        for key in [k for k, v in table.items() if _stale(v, now, window)]:
            del table[key]
        if len(table) > THROTTLE_MAX_ENTRIES:  # keep the most recent
            keep = sorted(table, key=lambda k: str(table[k][1]), reverse=True)[:THROTTLE_MAX_ENTRIES]
            for key in set(table) - set(keep):
                del table[key]
    setting_table.put(THROTTLE_KEY, json.dumps(state, sort_keys=True))


def _stale(entry: list[Any], now: datetime, window: timedelta) -> bool:
    """An entry whose last failure is a window old and that holds no running lock or wait."""
    try:
        last, until = _when(entry[1]), _when(entry[2])
    except (IndexError, TypeError):
        return True
    if until is not None and until > now:
        return False
    return last is None or now - last >= window


def _source_wait(state: dict[str, dict[str, list[Any]]], source: str, now: datetime) -> int:
    """Seconds this source still has to wait (0: it may try)."""
    entry = state["sources"].get(source)
    until = _when(entry[2]) if entry and len(entry) > 2 else None
    if until is None or until <= now:
        return 0
    return max(1, int((until - now).total_seconds() + 0.999))


def _source_failed(
    state: dict[str, dict[str, list[Any]]], source: str, now: datetime, window: timedelta
) -> int:
    entry = state["sources"].get(source)
    fails = int(entry[0]) if entry and not _stale(entry, now, window) else 0
    fails += 1
    until = None
    if fails >= SOURCE_FREE:
        delay = min(SOURCE_FIRST_DELAY_S * 2 ** (fails - SOURCE_FREE), SOURCE_MAX_DELAY_S)
        until = now + timedelta(seconds=delay)
    state["sources"][source] = [fails, _iso(now), _iso(until)]
    return fails


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() // 60) + 1)


def authenticate(ctx: Context, username: str, password: str, source: str | None = None) -> Actor:
    """Check a login from `source` (default: this OS user on this machine, `local_source`).

    Refusals that need no password check (a waiting source, a locked account) come first and
    write nothing. The password is checked outside the write transaction (argon2 takes a
    noticeable time; other writers should not wait for it). The failure counts are committed
    before the error is raised: raising inside the transaction would roll them back.
    """
    name = normalise_username(username)
    source = source or local_source()
    now = ctx.clock.now()
    window = timedelta(minutes=ctx.setting("lockout_minutes"))
    state = _load_throttle()
    if wait := _source_wait(state, source, now):
        raise AuthError("auth.slow_down", seconds=wait)
    staff = Staff.get_or_none(Staff.username == name) if valid_username(name) else None
    known = staff is not None and staff.active
    if known:
        assert staff is not None
        if (locked_until := from_db(staff.locked_until)) and locked_until > now:
            raise AuthError("auth.locked", minutes=_minutes_left(locked_until, now))
        ok = _verify(staff.password_hash, password)
    else:
        entry = state["unknown"].get(name[:_SUBJECT_MAX])
        locked_until = _when(entry[2]) if entry and len(entry) > 2 else None
        if locked_until is not None and locked_until > now:
            raise AuthError("auth.locked", minutes=_minutes_left(locked_until, now))
        _verify(_dummy_hash(), password)  # the same time as a real check: names stay hidden
        ok = False

    failure: AuthError | None = None
    with db.atomic():
        state = _load_throttle()  # again, inside the lock: another login may have counted
        if ok:
            assert staff is not None
            staff = Staff.get_by_id(staff.id)
            if staff.failed_attempts or staff.locked_until:
                staff.failed_attempts = 0
                staff.locked_until = None
                staff.save()
            if state["sources"].pop(source, None) is not None:
                _save_throttle(state, now, window)
            journal.audit(ctx.clock, name, "auth.login", name, {"source": source})
        else:
            _source_failed(state, source, now, window)
            failure = AuthError("auth.failed")
            limit = ctx.setting("lockout_attempts")
            minutes = ctx.setting("lockout_minutes")
            if known:
                assert staff is not None
                staff = Staff.get_by_id(staff.id)
                staff.failed_attempts += 1
                detail: dict[str, object] = {"attempts": staff.failed_attempts, "source": source}
                if staff.failed_attempts >= limit:
                    staff.locked_until = to_db(now + timedelta(minutes=minutes))
                    staff.failed_attempts = 0
                    detail["locked"] = True
                    failure = AuthError("auth.locked", minutes=minutes)
                staff.save()
                journal.audit(ctx.clock, name, "auth.failed", name, detail)
            else:
                failure = _unknown_failed(
                    ctx, state, name[:_SUBJECT_MAX], source, now, window, limit, minutes
                )
            _save_throttle(state, now, window)
    if failure is not None:
        raise failure
    assert staff is not None
    return Actor(username=staff.username, role=Role(staff.role), staff_id=staff.id)


def _unknown_failed(
    ctx: Context,
    state: dict[str, dict[str, list[Any]]],
    key: str,
    source: str,
    now: datetime,
    window: timedelta,
    limit: int,
    minutes: int,
) -> AuthError:
    """Count a failure for a name that is no (active) account, like a real one; audit it once
    per name and window so a flood of guesses cannot flood the audit log."""
    entry = state["unknown"].get(key)
    if entry is None or _stale(entry, now, window):
        entry = [0, None, None, None]
    entry = (list(entry) + [None] * 4)[:4]
    entry[0] = int(entry[0] or 0) + 1
    entry[1] = _iso(now)
    failure = AuthError("auth.failed")
    if entry[0] >= limit:
        entry[0] = 0
        entry[2] = _iso(now + timedelta(minutes=minutes))
        failure = AuthError("auth.locked", minutes=minutes)
    audited = _when(entry[3])
    if audited is None or now - audited >= window:
        entry[3] = _iso(now)
        journal.audit(
            ctx.clock,
            key or "?",
            "auth.failed",
            key,
            {"reason": "unknown", "source": source, "once_per_minutes": minutes},
        )
    state["unknown"][key] = entry
    return failure


def _verify(hash_: str, password: str) -> bool:
    try:
        return _hasher.verify(hash_, password)
    except (VerificationError, InvalidHashError):
        return False

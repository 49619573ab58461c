"""Staff accounts: argon2 password hashes, roles, and lock-out after repeated failures."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from counter_app.core.clock import Clock, from_db, to_db
from counter_app.core.errors import AuthError, ValidationError
from counter_app.core.roles import Actor, Permission, Role
from counter_app.services import journal
from counter_app.services.context import Context
from counter_app.store.models import Staff, db

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A real hash to verify against when the user does not exist, so timing does not reveal
    names. Made on first use: hashing costs ~200 ms, too much for import time."""
    return _hasher.hash("loket-dummy-password")


PASSWORD_MIN = 8
USERNAME_MAX = 40


def _check_new(username: str, password: str, role: str) -> tuple[str, Role]:
    name = username.strip().lower()
    if not name or len(name) > USERNAME_MAX or not all(c.isalnum() or c in "._-" for c in name):
        raise ValidationError("staff.username", field="username", max=USERNAME_MAX)
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


def create_staff(
    ctx: Context, username: str, password: str, role: str, full_name: str = ""
) -> Staff:
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
    return staff


def set_active(ctx: Context, username: str, active: bool) -> None:
    ctx.actor.require(Permission.MANAGE_STAFF)
    with db.atomic():
        n = Staff.update(active=active, failed_attempts=0, locked_until=None).where(
            Staff.username == username
        ).execute()
        if not n:
            raise ValidationError("staff.unknown", field="username", username=username)
        journal.audit(ctx.clock, ctx.actor.username, "staff.active", username, {"active": active})


def authenticate(ctx: Context, username: str, password: str) -> Actor:
    """Check a login; count failures, lock the account after too many (settings).

    The failure count is committed before the error is raised: raising inside the transaction
    would roll the count back and make the lock-out unreachable.
    """
    name = username.strip().lower()
    now = ctx.clock.now()
    failure: AuthError | None = None
    with db.atomic():
        staff = Staff.get_or_none(Staff.username == name)
        if staff is None or not staff.active:
            _verify(_dummy_hash(), password)
            journal.audit(ctx.clock, name or "?", "auth.failed", name, {"reason": "unknown"})
            failure = AuthError("auth.failed")
        elif (locked_until := from_db(staff.locked_until)) and locked_until > now:
            minutes = max(1, int((locked_until - now).total_seconds() // 60) + 1)
            failure = AuthError("auth.locked", minutes=minutes)
        elif not _verify(staff.password_hash, password):
            staff.failed_attempts += 1
            detail: dict[str, object] = {"attempts": staff.failed_attempts}
            failure = AuthError("auth.failed")
            if staff.failed_attempts >= ctx.setting("lockout_attempts"):
                minutes = ctx.setting("lockout_minutes")
                staff.locked_until = to_db(now + timedelta(minutes=minutes))
                staff.failed_attempts = 0
                detail["locked"] = True
                failure = AuthError("auth.locked", minutes=minutes)
            staff.save()
            journal.audit(ctx.clock, name, "auth.failed", name, detail)
        else:
            if staff.failed_attempts or staff.locked_until:
                staff.failed_attempts = 0
                staff.locked_until = None
                staff.save()
            journal.audit(ctx.clock, name, "auth.login", name)
    if failure is not None:
        raise failure
    return Actor(username=staff.username, role=Role(staff.role), staff_id=staff.id)


def _verify(hash_: str, password: str) -> bool:
    try:
        return _hasher.verify(hash_, password)
    except (VerificationError, InvalidHashError):
        return False

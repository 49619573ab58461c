"""Staff accounts as an admin sees them: the list, and changing a member's role or password."""

from __future__ import annotations

from counter_app.core.errors import ValidationError
from counter_app.core.roles import Permission, Role
from counter_app.services import journal, staff
from counter_app.services.context import Context
from counter_app.services.views import StaffView
from counter_app.store.models import Staff, db


def list_staff(ctx: Context) -> list[StaffView]:
    ctx.actor.require(Permission.MANAGE_STAFF)
    return [StaffView.from_row(row) for row in Staff.select().order_by(Staff.username)]


def set_role(ctx: Context, username: str, role: str) -> None:
    ctx.actor.require(Permission.MANAGE_STAFF)
    username = staff.normalise_username(username)
    try:
        new = Role(role)
    except ValueError:
        raise ValidationError("staff.role", field="role", role=role) from None
    if username == ctx.actor.username and new is not Role.ADMIN:
        # Why: an admin demoting themselves could leave the site with no admin at all.
        raise ValidationError("staff.self_demote", field="role")
    with db.atomic():
        n = Staff.update(role=new.value).where(Staff.username == username).execute()
        if not n:
            raise ValidationError("staff.unknown", field="username", username=username)
        journal.audit(ctx.clock, ctx.actor.username, "staff.role", username, {"role": new.value})


def set_password(ctx: Context, username: str, password: str) -> None:
    """A new password also lifts a lock-out (the admin vouches for the member)."""
    ctx.actor.require(Permission.MANAGE_STAFF)
    username = staff.normalise_username(username)
    if len(password) < staff.PASSWORD_MIN:
        raise ValidationError("staff.password_short", field="password", min=staff.PASSWORD_MIN)
    with db.atomic():
        n = (
            Staff.update(password_hash=staff._hasher.hash(password), failed_attempts=0, locked_until=None)
            .where(Staff.username == username)
            .execute()
        )
        if not n:
            raise ValidationError("staff.unknown", field="username", username=username)
        journal.audit(ctx.clock, ctx.actor.username, "staff.password", username)

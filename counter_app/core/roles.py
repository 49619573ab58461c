"""Who may do what. The services check these; the GUI only hides what would be refused."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from counter_app.core.errors import NotAllowed


class Role(StrEnum):
    STAFF = "staff"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(StrEnum):
    REGISTER = "register"
    SERVE = "serve"  # call, start, finish, no-show, cancel, transfer, requeue, reprint
    VIEW_QUEUE = "view_queue"
    REPORT = "report"
    SYNC = "sync"
    COMPLAINT = "complaint"
    COMPLAINT_RESPOND = "complaint_respond"
    SURVEY_IMPORT = "survey_import"
    MANAGE_STAFF = "manage_staff"
    MANAGE_CATALOGUE = "manage_catalogue"
    MANAGE_SETTINGS = "manage_settings"
    BACKUP = "backup"
    AUDIT = "audit"


_STAFF = {
    Permission.REGISTER,
    Permission.SERVE,
    Permission.VIEW_QUEUE,
    Permission.COMPLAINT,
}
_SUPERVISOR = _STAFF | {
    Permission.REPORT,
    Permission.SYNC,
    Permission.COMPLAINT_RESPOND,
    Permission.SURVEY_IMPORT,
    Permission.BACKUP,
    Permission.AUDIT,
}
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.STAFF: frozenset(_STAFF),
    Role.SUPERVISOR: frozenset(_SUPERVISOR),
    Role.ADMIN: frozenset(Permission),
}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff member, or the machine's operator at the CLI (`cli:<os user>`)."""

    username: str
    role: Role
    staff_id: int | None = None

    def can(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.can(permission):
            raise NotAllowed("role.denied", role=self.role.value, action=permission.value)

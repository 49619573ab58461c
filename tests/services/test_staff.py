"""Staff accounts and roles: who may do what, argon2 hashes, lock-out after failed logins."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import AuthError, NotAllowed, ValidationError
from counter_app.core.roles import Permission, Role
from counter_app.services import staff, tickets
from counter_app.services.backup import backup
from counter_app.services.context import Context
from counter_app.services.demo import run_demo
from counter_app.store.models import AuditLog, Staff, Ticket

ADMIN_PASSWORD = "rahasia-admin-1"


def test_first_admin_password_is_stored_as_argon2(data_dir: Path) -> None:
    admin = Staff.get(Staff.username == "admin")
    assert admin.role == "admin"
    assert admin.password_hash.startswith("$argon2")
    assert ADMIN_PASSWORD not in admin.password_hash


def test_admin_creates_staff_with_argon2_hash(ctx: Context) -> None:
    created = staff.create_staff(ctx, "  Petugas.Dua ", "kata-sandi-2", "staff", "  Dewi   Lestari ")
    row = Staff.get_by_id(created.id)
    assert row.username == "petugas.dua"
    assert row.full_name == "Dewi Lestari"
    assert row.role == "staff"
    assert row.password_hash.startswith("$argon2id$")
    assert "kata-sandi-2" not in row.password_hash
    audit = AuditLog.select().order_by(AuditLog.id.desc()).get()
    assert (audit.action, audit.subject, audit.actor) == ("staff.create", "petugas.dua", "admin")


def test_created_staff_can_log_in_with_their_role(ctx: Context) -> None:
    staff.create_staff(ctx, "koord", "kata-sandi-3", "supervisor")
    actor = staff.authenticate(ctx, "KOORD ", "kata-sandi-3")
    assert actor.username == "koord"
    assert actor.role is Role.SUPERVISOR
    assert actor.staff_id == Staff.get(Staff.username == "koord").id


def test_staff_cannot_create_staff(staff_ctx: Context) -> None:
    before = Staff.select().count()
    with pytest.raises(NotAllowed) as info:
        staff.create_staff(staff_ctx, "baru", "kata-sandi-4", "admin")
    assert info.value.key == "role.denied"
    assert Staff.select().count() == before


def test_supervisor_cannot_create_staff(supervisor_ctx: Context) -> None:
    with pytest.raises(NotAllowed):
        staff.create_staff(supervisor_ctx, "baru", "kata-sandi-4", "staff")
    with pytest.raises(NotAllowed):
        staff.set_active(supervisor_ctx, "admin", False)


def test_staff_cannot_run_the_demo(staff_ctx: Context) -> None:
    with pytest.raises(NotAllowed):
        run_demo(staff_ctx, date(2026, 11, 27), 5, seed=1)
    assert Ticket.select().count() == 0


def test_staff_cannot_back_up(staff_ctx: Context, data_dir: Path) -> None:
    with pytest.raises(NotAllowed):
        backup(staff_ctx)
    assert not (data_dir / "backups").exists()


def test_supervisor_can_back_up(supervisor_ctx: Context, data_dir: Path) -> None:
    tickets.register(supervisor_ctx, service="KTP", name="Budi")
    path = backup(supervisor_ctx)
    assert path.parent == data_dir / "backups"
    assert path.exists() and path.stat().st_size > 0
    import sqlite3

    con = sqlite3.connect(path)
    try:
        assert con.execute("select code from ticket").fetchall() == [("A001",)]
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()


def test_role_grants() -> None:
    from counter_app.core.roles import GRANTS

    assert Permission.MANAGE_STAFF not in GRANTS[Role.STAFF]
    assert Permission.MANAGE_STAFF not in GRANTS[Role.SUPERVISOR]
    assert Permission.BACKUP in GRANTS[Role.SUPERVISOR]
    assert Permission.BACKUP not in GRANTS[Role.STAFF]
    assert Permission.REGISTER in GRANTS[Role.STAFF]
    assert GRANTS[Role.ADMIN] == frozenset(Permission)


@pytest.mark.parametrize(
    ("username", "password", "role", "field"),
    [
        ("", "kata-sandi-5", "staff", "username"),
        ("ada spasi", "kata-sandi-5", "staff", "username"),
        ("x" * 41, "kata-sandi-5", "staff", "username"),
        ("baru", "pendek", "staff", "password"),
        ("baru", "kata-sandi-5", "raja", "role"),
        ("ADMIN", "kata-sandi-5", "staff", "username"),  # taken (case-insensitively)
    ],
)
def test_bad_new_accounts_are_refused(
    ctx: Context, username: str, password: str, role: str, field: str
) -> None:
    before = Staff.select().count()
    with pytest.raises(ValidationError) as info:
        staff.create_staff(ctx, username, password, role)
    assert info.value.field == field
    assert Staff.select().count() == before


def test_wrong_password_and_unknown_user_give_the_same_answer(ctx: Context) -> None:
    with pytest.raises(AuthError) as wrong:
        staff.authenticate(ctx, "admin", "salah-sandi")
    with pytest.raises(AuthError) as unknown:
        staff.authenticate(ctx, "siapa", "salah-sandi")
    assert wrong.value.key == unknown.value.key == "auth.failed"


def test_disabled_account_cannot_log_in(ctx: Context) -> None:
    staff.create_staff(ctx, "petugas2", "kata-sandi-6", "staff")
    staff.set_active(ctx, "petugas2", False)
    with pytest.raises(AuthError):
        staff.authenticate(ctx, "petugas2", "kata-sandi-6")


def test_failed_logins_are_counted(ctx: Context) -> None:
    with pytest.raises(AuthError):
        staff.authenticate(ctx, "admin", "salah-sandi")
    assert Staff.get(Staff.username == "admin").failed_attempts == 1


def test_account_locks_after_five_failures_and_unlocks_after_15_minutes(
    ctx: Context, clock: FixedClock
) -> None:
    for attempt in range(1, 5):
        with pytest.raises(AuthError) as info:
            staff.authenticate(ctx, "admin", "salah-sandi")
        assert info.value.key == "auth.failed", attempt
        clock.advance(seconds=10)
    with pytest.raises(AuthError) as info:
        staff.authenticate(ctx, "admin", "salah-sandi")
    assert info.value.key == "auth.locked"

    # While locked even the right password is refused.
    clock.advance(minutes=14)
    with pytest.raises(AuthError) as info:
        staff.authenticate(ctx, "admin", ADMIN_PASSWORD)
    assert info.value.key == "auth.locked"

    clock.advance(minutes=1, seconds=1)
    actor = staff.authenticate(ctx, "admin", ADMIN_PASSWORD)
    assert actor.username == "admin"
    row = Staff.get(Staff.username == "admin")
    assert row.failed_attempts == 0
    assert row.locked_until is None


def test_failed_logins_are_audited(ctx: Context) -> None:
    before = AuditLog.select().where(AuditLog.action == "auth.failed").count()
    with pytest.raises(AuthError):
        staff.authenticate(ctx, "admin", "salah-sandi")
    assert AuditLog.select().where(AuditLog.action == "auth.failed").count() == before + 1


def test_a_successful_login_resets_the_failure_count(ctx: Context) -> None:
    for _ in range(2):
        with pytest.raises(AuthError):
            staff.authenticate(ctx, "admin", "salah-sandi")
    staff.authenticate(ctx, "admin", ADMIN_PASSWORD)
    assert Staff.get(Staff.username == "admin").failed_attempts == 0


@pytest.mark.parametrize(
    "username",
    ["\u0430dmin", "budi\u00e9", "x", "x" * 33, "a b", "ad\u200bmin", "admin!", "\u0456van", "ad\nmin"],
)
def test_usernames_are_ascii(ctx: Context, username: str) -> None:
    before = Staff.select().count()
    with pytest.raises(ValidationError) as info:
        staff.create_staff(ctx, username, "kata-sandi-5", "staff")
    assert info.value.field == "username"
    assert info.value.message("en") == "Username must be ASCII letters, digits, . _ - (2–32 characters)."
    assert Staff.select().count() == before


def test_usernames_are_nfkc_normalised_and_lower_case(ctx: Context) -> None:
    staff.create_staff(ctx, "\uff22\uff55\uff44\uff49.Santoso_2 ", "kata-sandi-5", "staff")  # full-width Budi
    assert Staff.select().where(Staff.username == "budi.santoso_2").exists()
    assert staff.authenticate(ctx, "BUDI.santoso_2", "kata-sandi-5", source="t").username == "budi.santoso_2"
    staff.create_staff(ctx, "x" * 32, "kata-sandi-5", "staff")
    staff.create_staff(ctx, "ab", "kata-sandi-5", "staff")


def test_a_look_alike_name_never_logs_in_as_admin(ctx: Context) -> None:
    with pytest.raises(AuthError) as info:
        staff.authenticate(ctx, "\u0430dmin", ADMIN_PASSWORD, source="t")  # Cyrillic а
    assert info.value.key == "auth.failed"
    # full-width ＡＤＭＩＮ is the same name after NFKC: that is the account
    assert (
        staff.authenticate(ctx, "\uff21\uff24\uff2d\uff29\uff2e", ADMIN_PASSWORD, source="t").username
        == "admin"
    )

"""Login limits: an account locks for a while (counted with the injected clock), an admin can
unlock it, a source (OS user on this machine) that keeps failing is slowed down, and logins as
unknown users are limited like known ones without flooding the audit log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import AuthError, NotAllowed
from counter_app.core.roles import Actor, Role
from counter_app.services import staff
from counter_app.services.context import Context
from counter_app.store.connection import close_db
from counter_app.store.models import AuditLog, Setting, Staff

ADMIN_PASSWORD = "rahasia-admin-1"


def fail(ctx: Context, name: str, source: str, password: str = "salah-sandi") -> AuthError:
    with pytest.raises(AuthError) as info:
        staff.authenticate(ctx, name, password, source=source)
    return info.value


def lock_admin(ctx: Context, clock: FixedClock, source: str = "cli:mallory@pc") -> None:
    for _ in range(5):
        err = fail(ctx, "admin", source)
        clock.advance(minutes=1)  # past any per-source delay: only the account's count matters
    assert err.key == "auth.locked"


def audit_rows(action: str, subject: str) -> int:
    return AuditLog.select().where((AuditLog.action == action) & (AuditLog.subject == subject)).count()


def test_lock_out_is_temporary(ctx: Context, clock: FixedClock) -> None:
    lock_admin(ctx, clock)
    assert fail(ctx, "admin", "gui:loket@pc", ADMIN_PASSWORD).key == "auth.locked"
    clock.advance(minutes=13)  # the lock began 1 minute before lock_admin returned: 14 so far
    assert fail(ctx, "admin", "gui:loket@pc", ADMIN_PASSWORD).key == "auth.locked"
    clock.advance(minutes=1)
    assert staff.authenticate(ctx, "admin", ADMIN_PASSWORD, source="gui:loket@pc").username == "admin"


def test_an_admin_unlocks_an_account(ctx: Context, clock: FixedClock) -> None:
    staff.create_staff(ctx, "kepala", "kata-sandi-9", "admin")
    lock_admin(ctx, clock)
    other = replace(ctx, actor=staff.authenticate(ctx, "kepala", "kata-sandi-9", source="gui:kepala@pc"))
    with pytest.raises(NotAllowed):
        staff.unlock(replace(ctx, actor=Actor("petugas1", Role.STAFF, 2)), "admin")
    assert staff.is_locked(ctx, Staff.get(Staff.username == "admin"))
    staff.unlock(other, "ADMIN")  # names are normalised like at login
    assert not staff.is_locked(ctx, Staff.get(Staff.username == "admin"))
    assert audit_rows("staff.unlock", "admin") == 1
    assert staff.authenticate(ctx, "admin", ADMIN_PASSWORD, source="gui:loket@pc").username == "admin"


def test_cli_operator_unlocks_with_staff_unlock(data_dir: Path, ctx: Context, clock: FixedClock) -> None:
    clock.set(datetime.now(UTC))  # the CLI below runs on the real clock
    lock_admin(ctx, clock)
    close_db()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    base = [sys.executable, "-m", "counter_app", "--data-dir", str(data_dir)]
    listed = subprocess.run(
        base + ["--json", "staff", "list"], capture_output=True, text=True, env=env, timeout=120
    )
    assert listed.returncode == 0, listed.stderr
    assert {r["username"]: r["locked"] for r in json.loads(listed.stdout)}["admin"] is True
    proc = subprocess.run(
        base + ["staff", "unlock", "admin"], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run(
        base + ["staff", "unlock", "siapa"], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 2 and "siapa" in proc.stderr
    row = Staff.get(Staff.username == "admin")
    assert row.locked_until is None and row.failed_attempts == 0
    unlock = AuditLog.select().where(AuditLog.action == "staff.unlock").get()
    assert unlock.actor.startswith("cli:") and unlock.subject == "admin"


def test_a_failing_source_is_slowed_down_with_growing_delays(ctx: Context, clock: FixedClock) -> None:
    # Password spraying: one try per name never locks an account, so the source is what limits it.
    for i in range(staff.SOURCE_FREE - 1):
        assert fail(ctx, f"nama{i}", "cli:mallory@pc").key == "auth.failed"
    assert fail(ctx, "nama-last", "cli:mallory@pc").key == "auth.failed"
    delays: list[int] = []
    for i in range(8):
        err = fail(ctx, "admin", "cli:mallory@pc", ADMIN_PASSWORD)  # even the right password waits
        assert err.key == "auth.slow_down"
        delays.append(err.params["seconds"])
        # another source on this machine is not slowed down
        if i == 0:
            assert staff.authenticate(ctx, "admin", ADMIN_PASSWORD, source="gui:loket@pc").username == "admin"
        clock.advance(seconds=err.params["seconds"])
        assert fail(ctx, f"lagi{i}", "cli:mallory@pc").key == "auth.failed"
    assert delays == sorted(delays) and delays[0] < delays[-1] <= staff.SOURCE_MAX_DELAY_S
    assert delays[-1] == staff.SOURCE_MAX_DELAY_S
    # a blocked attempt writes nothing: no audit row, no count
    before = AuditLog.select().count()
    assert fail(ctx, "admin", "cli:mallory@pc").key == "auth.slow_down"
    assert AuditLog.select().count() == before
    assert Staff.get(Staff.username == "admin").failed_attempts == 0
    # the delays are forgotten after a quiet window
    clock.advance(minutes=16)
    assert staff.authenticate(ctx, "admin", ADMIN_PASSWORD, source="cli:mallory@pc").username == "admin"


def test_a_successful_login_clears_the_source(ctx: Context, clock: FixedClock) -> None:
    for i in range(staff.SOURCE_FREE - 1):
        fail(ctx, f"nama{i}", "gui:loket@pc")
    staff.authenticate(ctx, "admin", ADMIN_PASSWORD, source="gui:loket@pc")
    for i in range(staff.SOURCE_FREE - 1):
        assert fail(ctx, f"nama{i}", "gui:loket@pc").key == "auth.failed"


def test_unknown_users_are_limited_like_known_ones(ctx: Context, clock: FixedClock) -> None:
    keys = []
    for i in range(5):
        keys.append(fail(ctx, "siapa", f"cli:user{i}@pc").key)
        clock.advance(seconds=10)
    known = []
    for i in range(5):
        known.append(fail(ctx, "admin", f"cli:other{i}@pc").key)
        clock.advance(seconds=10)
    assert keys == known == ["auth.failed"] * 4 + ["auth.locked"]  # same answers: no enumeration
    err = fail(ctx, "siapa", "cli:user9@pc")
    assert err.key == "auth.locked" and err.params == fail(ctx, "admin", "cli:user9@pc").params


def test_unknown_users_write_one_audit_row_per_window(ctx: Context, clock: FixedClock) -> None:
    for i in range(40):  # many sources, one unknown name
        fail(ctx, "siapa", f"cli:user{i}@pc")
        clock.advance(seconds=5)
    assert audit_rows("auth.failed", "siapa") == 1
    clock.advance(minutes=16)
    fail(ctx, "siapa", "cli:user0@pc")
    assert audit_rows("auth.failed", "siapa") == 2
    # known accounts keep one row per real (checked) failure
    fail(ctx, "admin", "cli:user1@pc")
    assert audit_rows("auth.failed", "admin") == 1


def test_the_throttle_state_forgets_old_entries(ctx: Context, clock: FixedClock) -> None:
    for i in range(3):
        fail(ctx, f"hantu{i}", f"cli:user{i}@pc")
    clock.advance(minutes=16)
    fail(ctx, "baru", "cli:user9@pc")
    state = json.loads(Setting.get(Setting.key == staff.THROTTLE_KEY).value)
    assert set(state["unknown"]) == {"baru"} and set(state["sources"]) == {"cli:user9@pc"}


def test_default_source_is_the_os_user_on_this_machine(ctx: Context) -> None:
    source = staff.local_source()
    assert "@" in source
    fail(ctx, "siapa", source)
    state = json.loads(Setting.get(Setting.key == staff.THROTTLE_KEY).value)
    with pytest.raises(AuthError):
        staff.authenticate(ctx, "siapa", "salah")  # no source given: this OS user here
    assert (
        json.loads(Setting.get(Setting.key == staff.THROTTLE_KEY).value)["sources"][source][0]
        == state["sources"][source][0] + 1
    )

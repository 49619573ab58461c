"""Making a new store: schema, catalogue, site identity, secrets and the first admin."""

from __future__ import annotations

from pathlib import Path

from counter_app.core.clock import Clock, SystemClock
from counter_app.core.errors import ValidationError
from counter_app.core.settings import SETTINGS
from counter_app.services import catalogue, journal, keys, staff
from counter_app.services.context import ensure_secret
from counter_app.store import settings as setting_table
from counter_app.store.connection import init_db
from counter_app.store.models import Counter, Staff, db

CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _code(value: str, field: str) -> str:
    code = value.strip().upper()
    if not code or len(code) > 8 or not set(code) <= CODE_CHARS:
        raise ValidationError("setup.code", field=field, value=value)
    return code


def initialise(
    data_dir: Path,
    *,
    site: str = "PTK",
    counter: str = "L01",
    admin: str | None = None,
    admin_password: str | None = None,
    by: str,
    clock: Clock | None = None,
    site_name: str | None = None,
) -> bool:
    """Create (or complete) the store. Returns False if it was already initialised."""
    clock = clock or SystemClock()
    site_code = _code(site, "site")
    counter_code = _code(counter, "counter")
    if (admin is None) != (admin_password is None):
        raise ValidationError("setup.admin_pair", field="admin")
    init_db(data_dir, create=True)
    ensure_secret(data_dir, "nik.key")
    fresh = setting_table.stored("site_code") is None
    with db.atomic():
        if fresh:
            catalogue.load(catalogue.default_catalogue())
            setting_table.put_many(
                {
                    "site_code": site_code,
                    "counter_code": counter_code,
                    "site_name": site_name or SETTINGS["site_name"].default,
                }
            )
            if not Counter.select().where(Counter.code == counter_code).exists():
                Counter.create(code=counter_code, name=f"Loket {counter_code}", active=True)
            # Only for a fresh store: on an existing one the arguments may differ from the
            # stored codes and would retire the station key for nothing.
            keys.ensure_keys(data_dir, site_code, counter_code, clock=clock)
            journal.audit(clock, by, "store.init", site_code, {"counter": counter_code})
    if admin and admin_password and not Staff.select().exists():
        staff.create_first_admin(clock, admin, admin_password, by)
    return fresh

"""Reference data in the local store: the snapshot a publisher pushes, and applying a pull.

Reference data is the service catalogue (agencies, services, counters and what each serves)
and the staff accounts (username, name, role, active, argon2 hash). One PC, registered on the
server as the *publisher* (the admin's), sends its copy; every PC pulls what changed since its
last version and applies it in one transaction. Local-only state stays local: failed logins,
lock-outs, and accounts or services the publisher does not know (nothing is ever deleted).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from counter_app.core.clock import to_db
from counter_app.store import settings as setting_table
from counter_app.store.models import db_time, dump_json

VERSION_KEY = "sync_pull_version"


def snapshot(database: Any) -> dict[str, list[dict[str, Any]]]:
    """This store's catalogue and staff accounts, as the protocol's documents."""
    q = database.execute_sql
    agencies = [{"code": c, "name": n} for c, n in q('SELECT "code", "name" FROM "agency" ORDER BY "code"')]
    services = [
        {
            "code": code,
            "letter": letter,
            "name_id": name_id,
            "name_en": name_en,
            "agency": agency,
            "target_minutes": target,
            "completion_id": comp_id,
            "completion_en": comp_en,
            "fee": fee,
            "requirements": json.loads(req) if req else [],
            "active": bool(active),
        }
        for code, letter, name_id, name_en, agency, target, comp_id, comp_en, fee, req, active in q(
            'SELECT "code", "letter", "name_id", "name_en", "agency_id", "target_minutes", '
            '"completion_id", "completion_en", "fee", "requirements", "active" FROM "service" ORDER BY "code"'
        )
    ]
    links: dict[str, list[str]] = {}
    for counter, service in q('SELECT "counter_id", "service_id" FROM "counter_service" ORDER BY 1, 2'):
        links.setdefault(counter, []).append(service)
    counters = [
        {"code": c, "name": n, "active": bool(a), "services": links.get(c, [])}
        for c, n, a in q('SELECT "code", "name", "active" FROM "counter" ORDER BY "code"')
    ]
    staff = [
        {"username": u, "full_name": f, "role": r, "active": bool(a), "password_hash": h}
        for u, f, r, a, h in q(
            'SELECT "username", "full_name", "role", "active", "password_hash" FROM "staff" '
            'ORDER BY "username"'
        )
    ]
    return {"agency": agencies, "service": services, "counter": counters, "staff": staff}


def stored_version(database: Any) -> int:
    text = setting_table.stored(VERSION_KEY, database)
    try:
        return int(text) if text is not None else 0
    except ValueError:
        return 0


def apply(database: Any, pulled: dict[str, Any], now: datetime) -> int:
    """Apply a pull's documents and remember its version, all in one transaction (the
    caller's, if it holds one). Returns the number of documents applied."""
    q = database.execute_sql
    count = 0
    with database.atomic():
        for a in pulled.get("agency") or []:
            q(
                'INSERT INTO "agency" ("code", "name") VALUES (?, ?) '
                'ON CONFLICT ("code") DO UPDATE SET "name" = excluded."name"',
                (a["code"], a["name"]),
            )
            count += 1
        agencies = {row[0] for row in q('SELECT "code" FROM "agency"')}
        for s in pulled.get("service") or []:
            if s["agency"] not in agencies:  # a service whose agency is not known here yet
                q('INSERT INTO "agency" ("code", "name") VALUES (?, ?)', (s["agency"], s["agency"]))
                agencies.add(s["agency"])
            q(
                'INSERT INTO "service" ("code", "letter", "name_id", "name_en", "agency_id", '
                '"target_minutes", "completion_id", "completion_en", "fee", "requirements", "active") '
                'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("code") DO UPDATE SET '
                '"letter" = excluded."letter", "name_id" = excluded."name_id", '
                '"name_en" = excluded."name_en", "agency_id" = excluded."agency_id", '
                '"target_minutes" = excluded."target_minutes", "completion_id" = excluded."completion_id", '
                '"completion_en" = excluded."completion_en", "fee" = excluded."fee", '
                '"requirements" = excluded."requirements", "active" = excluded."active"',
                (
                    s["code"],
                    s["letter"],
                    s["name_id"],
                    s["name_en"],
                    s["agency"],
                    s["target_minutes"],
                    s["completion_id"],
                    s["completion_en"],
                    s["fee"],
                    dump_json(s.get("requirements") or []),
                    bool(s.get("active", True)),
                ),
            )
            count += 1
        services = {row[0] for row in q('SELECT "code" FROM "service"')}
        for c in pulled.get("counter") or []:
            q(
                'INSERT INTO "counter" ("code", "name", "active") VALUES (?, ?, ?) ON CONFLICT ("code") '
                'DO UPDATE SET "name" = excluded."name", "active" = excluded."active"',
                (c["code"], c["name"], bool(c.get("active", True))),
            )
            q('DELETE FROM "counter_service" WHERE "counter_id" = ?', (c["code"],))
            for service in c.get("services") or []:
                if service in services:
                    q(
                        'INSERT INTO "counter_service" ("counter_id", "service_id") VALUES (?, ?)',
                        (c["code"], service),
                    )
            count += 1
        created = db_time(to_db(now))
        for st in pulled.get("staff") or []:
            q(
                'INSERT INTO "staff" ("username", "full_name", "password_hash", "role", "active", '
                '"failed_attempts", "locked_until", "created_at") VALUES (?, ?, ?, ?, ?, 0, NULL, ?) '
                'ON CONFLICT ("username") DO UPDATE SET "full_name" = excluded."full_name", '
                '"password_hash" = excluded."password_hash", "role" = excluded."role", '
                '"active" = excluded."active"',
                (
                    st["username"],
                    st.get("full_name") or st["username"],
                    st["password_hash"],
                    st["role"],
                    bool(st.get("active", True)),
                    created,
                ),
            )
            count += 1
        setting_table.put(VERSION_KEY, int(pulled["version"]), database)
    return count

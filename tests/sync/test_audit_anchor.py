"""The audit chain anchored on the server (issue 10, point 6): every sync sends the chain head,
the server keeps every head it received, and `audit verify --server` finds a chain that was
rewritten, cut short or emptied — even one rewritten so well that it verifies on its own."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from counter_app.core.audit_chain import GENESIS, entry_hash
from counter_app.services import tickets
from counter_app.services.context import Context
from counter_app.services.journal import check_chain
from counter_app.services.sync import audit_head, check_audit_anchor, run_sync
from counter_app.store.connection import DB_NAME
from counter_app.sync.client import RetryPolicy

from .conftest import Central

FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.01)
ROOT = Path(__file__).resolve().parents[2]


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    return subprocess.run(
        [sys.executable, "-m", "counter_app", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


def tamper(data_dir: Path, change: Callable[[sqlite3.Connection], None]) -> None:
    """What someone with the file can do: drop the triggers and change the rows."""
    conn = sqlite3.connect(data_dir / DB_NAME, isolation_level=None)
    try:
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'"
        ):
            conn.execute(f'DROP TRIGGER "{name}"')
        change(conn)
    finally:
        conn.close()


def rechain(conn: sqlite3.Connection) -> None:
    """Recompute every link, so that the rewritten chain verifies on its own."""
    prev = GENESIS
    rows = conn.execute(
        'SELECT "id", "at", "actor", "action", "subject", "detail" FROM "audit_log" ORDER BY "id"'
    )
    for seq, at, actor, action, subject, detail in rows.fetchall():
        digest = entry_hash(prev, at, actor, action, subject, None if detail is None else json.loads(detail))
        conn.execute('UPDATE "audit_log" SET "prev_hash" = ?, "hash" = ? WHERE "id" = ?', (prev, digest, seq))
        prev = digest


def synced_twice(ctx: Context, central: Central) -> list[tuple[int, str]]:
    tickets.register(ctx, service="KTP", name="Budi Santoso")
    first = run_sync(ctx, central.url, central.token, retry=FAST)
    tickets.register(ctx, service="KTP", name="Dewi Lestari")
    second = run_sync(ctx, retry=FAST)
    assert first.audit_head and second.audit_head and second.audit_head[0] > first.audit_head[0]
    return [first.audit_head, second.audit_head]


def test_each_sync_sends_the_head_and_the_server_keeps_every_one(ctx: Context, central: Central) -> None:
    sent = synced_twice(ctx, central)
    kept = central.store.audit_heads(central.device)
    assert [(h["seq"], h["hash"]) for h in kept] == sent
    assert all(h["received_at"] for h in kept)
    assert run_sync(ctx, retry=FAST).audit_head != sent[-1]  # the last sync's own entry moved it
    assert len(central.store.audit_heads(central.device)) == 3
    check = check_audit_anchor(ctx, retry=FAST)
    assert check.intact and check.heads == 3


@pytest.mark.parametrize(
    "how",
    [
        pytest.param(
            lambda c: c.execute(
                'DELETE FROM "audit_log" WHERE "id" > (SELECT MAX("id") - 2 FROM "audit_log")'
            ),
            id="last-rows-deleted",
        ),
        pytest.param(lambda c: c.execute('DELETE FROM "audit_log"'), id="every-row-deleted"),
        pytest.param(
            lambda c: (c.execute('UPDATE "audit_log" SET "actor" = \'someone\' WHERE "id" = 2'), rechain(c)),
            id="row-rewritten-and-rechained",
        ),
        pytest.param(
            lambda c: (c.execute('DELETE FROM "audit_log" WHERE "id" = 3'), rechain(c)),
            id="row-removed-and-rechained",
        ),
    ],
)
def test_a_rewritten_chain_is_found_by_the_anchor(
    ctx: Context, central: Central, how: Callable[[sqlite3.Connection], None]
) -> None:
    synced_twice(ctx, central)
    assert cli(ctx.data_dir, "audit", "verify", "--server").returncode == 0

    tamper(ctx.data_dir, how)

    proc = cli(ctx.data_dir, "--json", "audit", "verify", "--server")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["anchor"]["intact"] is False and report["anchor"]["missing"]
    check = check_audit_anchor(ctx, central.url, retry=FAST)
    assert not check.intact and check.text("id").startswith("Log audit DIUBAH")
    if "rechain" in how.__code__.co_names:
        assert check_chain().intact  # alone, the chain says nothing is wrong: the anchor does


def test_the_head_is_read_from_the_audit_log(ctx: Context) -> None:
    tickets.register(ctx, service="KTP", name="Budi Santoso")
    head = audit_head()
    assert head is not None and head == check_chain().head

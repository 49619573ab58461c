"""The *segel audit* (issue 10, point 6): the supervisor's daily summary prints the day's audit
head (sequence and short hash) above the signature, and `report daily --json` carries it, so
the signed paper is an anchor of the chain outside the file."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pypdf

from counter_app.core.clock import FixedClock, local_day
from counter_app.services import daily_report, tickets
from counter_app.services.context import Context
from counter_app.services.daily_report import daily_figures
from counter_app.services.setup import initialise
from counter_app.store.connection import close_db
from counter_app.store.models import AuditLog


def pdf_text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join((p.extract_text() or "") for p in reader.pages).split())


def test_the_days_head_is_printed_above_the_signature(ctx: Context, clock: FixedClock) -> None:
    day = local_day(clock.now(), ctx.tz)
    t = tickets.register(ctx, service="KTP", name="Budi Santoso").ticket
    tickets.call_next(ctx, "L01")
    tickets.start(ctx, t.id)
    last = AuditLog.select().order_by(AuditLog.id.desc()).get()
    clock.advance(days=1)  # the next day's entries do not move that day's seal
    tickets.register(ctx, service="KTP", name="Siti Aminah")
    figures = daily_figures(ctx, day)
    assert figures.to_json()["audit_head"] == {"seq": last.id, "hash": last.hash}
    text = pdf_text(daily_report.report_pdf(figures))
    seal = f"Segel audit: no. {last.id} · {last.hash[:8]}"
    assert seal in text
    assert text.index(seal) < text.rindex("Mengetahui")
    english = pdf_text(daily_report.report_pdf(figures, "en"))
    assert f"no. {last.id} · {last.hash[:8]}" in english


def test_report_daily_json_includes_the_seal(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    initialise(folder, by="test")
    close_db()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}
    cmd = [sys.executable, "-m", "counter_app", "--data-dir", str(folder), "--json"]
    reg = subprocess.run(
        [*cmd, "register", "--service", "KTP", "--name", "Ani"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert reg.returncode == 0, reg.stderr
    day = json.loads(reg.stdout)["day"]
    proc = subprocess.run(
        [*cmd, "report", "daily", "--date", day], capture_output=True, text=True, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    head = json.loads(proc.stdout)["audit_head"]
    audit = subprocess.run([*cmd, "audit", "verify"], capture_output=True, text=True, env=env, timeout=120)
    assert head == json.loads(audit.stdout)["head"]
    assert isinstance(head["seq"], int) and len(head["hash"]) == 64

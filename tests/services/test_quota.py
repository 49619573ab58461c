"""Daily quotas (issue 15, point 7): MPP Pontianak's Imigrasi takes 120 applicants a day and
Disdukcapil's e-KTP recording 60 (DOMAIN.md). Past the quota a registration is refused on the
service field, naming the next open day by the site's calendar, and nothing is written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.errors import ValidationError
from counter_app.services import catalogue, site_calendar, tickets
from counter_app.services.context import Context
from counter_app.store.models import AuditLog, Outbox, Service, Ticket, TicketEvent

WIB = ZoneInfo("Asia/Pontianak")


def reg(ctx: Context, service: str, n: int = 1) -> None:
    for i in range(n):
        tickets.register(ctx, service=service, name=f"Pemohon {i + 1}")


def counts() -> tuple[int, int, int, int]:
    return (
        Ticket.select().count(),
        TicketEvent.select().count(),
        Outbox.select().count(),
        AuditLog.select().count(),
    )


def refused(ctx: Context, service: str) -> ValidationError:
    before = counts()
    with pytest.raises(ValidationError) as info:
        tickets.register(ctx, service=service, name="Satu Lagi")
    assert counts() == before  # nothing written, not even a number
    assert info.value.field == "service" and info.value.key == "service.quota_full"
    return info.value


def test_the_default_catalogue_carries_mpp_pontianaks_quotas(ctx: Context) -> None:
    assert catalogue.service_view("PASPOR").daily_quota == 120
    assert catalogue.service_view("KTP").daily_quota == 60
    assert catalogue.service_view("KK").daily_quota is None


def test_the_61st_e_ktp_recording_is_refused_with_the_next_open_day(ctx: Context) -> None:
    """Monday 30 Nov 2026: 60 KTP-el tickets, the 61st refused — back on Tuesday 1 Dec."""
    reg(ctx, "KTP", 60)
    error = refused(ctx, "KTP")
    assert error.params["quota"] == 60 and error.params["next_date"] == "2026-12-01"
    assert error.message("id") == (
        "Kuota harian layanan KTP (60 pemohon) sudah penuh. Silakan datang kembali pada hari "
        "layanan berikutnya: Selasa, 1 Desember 2026."
    )
    # The same letter's other services and other agencies are not held back.
    reg(ctx, "KK")
    reg(ctx, "PASPOR")


def test_the_121st_passport_is_refused(ctx: Context) -> None:
    reg(ctx, "PASPOR", 120)
    assert refused(ctx, "PASPOR").params["quota"] == 120


def test_a_cancelled_ticket_gives_its_place_back(ctx: Context) -> None:
    Service.update(daily_quota=2).where(Service.code == "PASPOR").execute()
    reg(ctx, "PASPOR", 2)
    refused(ctx, "PASPOR")
    first = Ticket.select().where(Ticket.service == "PASPOR").order_by(Ticket.seq).first()
    tickets.cancel(ctx, first.id, "salah layanan")
    reg(ctx, "PASPOR")
    refused(ctx, "PASPOR")


@pytest.mark.parametrize(
    ("today", "reopens"),
    [
        (datetime(2026, 12, 4, 9, tzinfo=WIB), date(2026, 12, 7)),  # Friday → Monday
        # Wed 23 Dec 2026: Thu 24 cuti bersama, Fri 25 Christmas, the weekend → Mon 28
        (datetime(2026, 12, 23, 9, tzinfo=WIB), date(2026, 12, 28)),
        # Thu 14 May 2026 Ascension Day itself is closed; Fri 15 cuti bersama → Mon 18
        (datetime(2026, 5, 13, 9, tzinfo=WIB), date(2026, 5, 18)),
    ],
)
def test_the_next_open_day_skips_weekends_holidays_and_joint_leave(
    ctx: Context, clock: FixedClock, today: datetime, reopens: date
) -> None:
    Service.update(daily_quota=1).where(Service.code == "PASPOR").execute()
    clock.set(today)
    reg(ctx, "PASPOR")
    assert refused(ctx, "PASPOR").params["next_date"] == reopens.isoformat()


def test_the_next_open_day_follows_the_days_the_site_adds_and_removes(
    ctx: Context, clock: FixedClock
) -> None:
    Service.update(daily_quota=1).where(Service.code == "PASPOR").execute()
    clock.set(datetime(2026, 12, 23, 9, tzinfo=WIB))
    reg(ctx, "PASPOR")
    site_calendar.remove_closed_day(ctx, date(2026, 12, 24))  # a revised SKB cancels it
    assert refused(ctx, "PASPOR").params["next_date"] == "2026-12-24"
    site_calendar.add_closed_day(ctx, date(2026, 12, 24))
    site_calendar.add_closed_day(ctx, date(2026, 12, 28))  # the site's own closed day
    assert refused(ctx, "PASPOR").params["next_date"] == "2026-12-29"


def test_the_quota_starts_again_the_next_day(ctx: Context, clock: FixedClock) -> None:
    Service.update(daily_quota=1).where(Service.code == "PASPOR").execute()
    reg(ctx, "PASPOR")
    refused(ctx, "PASPOR")
    clock.set(datetime(2026, 12, 1, 8, tzinfo=WIB))
    reg(ctx, "PASPOR")


def test_cli_register_past_the_quota_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    from counter_app.services.setup import initialise
    from counter_app.store.connection import close_db

    folder = tmp_path / "data"
    initialise(folder, by="test")
    Service.update(daily_quota=1).where(Service.code == "PASPOR").execute()
    close_db()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COUNTER_APP_")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "counter_app", "--data-dir", str(folder), "--lang", "id", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    first = run("--json", "register", "--service", "PASPOR", "--name", "Budi Santoso")
    assert first.returncode == 0, first.stderr
    second = run("register", "--service", "PASPOR", "--name", "Siti Aminah")
    assert second.returncode == 2
    assert "Kuota harian layanan PASPOR (1 pemohon) sudah penuh" in second.stderr
    assert "hari layanan berikutnya" in second.stderr
    listed = json.loads(run("--json", "queue").stdout)
    assert [t["service"] for t in listed] == ["PASPOR"]

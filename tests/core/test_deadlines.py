"""Complaint deadlines: clock hours for *ringan*, working days (no weekends, no national
holidays, no *cuti bersama* unless switched off) for the other classes; site overrides."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from counter_app.core import deadlines
from counter_app.core.deadlines import Rules, WorkingCalendar, deadline, parse_rules
from counter_app.core.errors import ValidationError

WIB = ZoneInfo("Asia/Pontianak")
TZ = "Asia/Pontianak"


def local(value: datetime) -> datetime:
    return value.astimezone(WIB)


def at(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


def end_of(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 23, 59, 59, tzinfo=WIB)


def test_ringan_is_three_clock_hours() -> None:
    assert deadline(at(2026, 11, 30, 10, 15), "ringan", Rules(), TZ) == at(2026, 11, 30, 13, 15)
    # clock hours run through the night and the weekend: Friday 22:00 → Saturday 01:00
    assert local(deadline(at(2026, 12, 4, 22), "ringan", Rules(), TZ)) == at(2026, 12, 5, 1)
    assert deadline(at(2026, 11, 30), "ringan", Rules(), TZ).tzinfo == UTC


def test_normatif_five_working_days_over_a_weekend() -> None:
    """Wednesday 2 Dec 2026: Thu 3 (1), Fri 4 (2), Mon 7 (3), Tue 8 (4), Wed 9 (5)."""
    assert local(deadline(at(2026, 12, 2), "normatif", Rules(), TZ)) == end_of(2026, 12, 9)


def test_normatif_on_the_thursday_before_good_friday() -> None:
    """Thursday 2 Apr 2026, Good Friday 3 Apr is a holiday: Mon 6 (1) … Fri 10 (5).
    Without the holiday the deadline would be Thursday 9 Apr."""
    assert WorkingCalendar().is_working_day(date(2026, 4, 3)) is False
    assert local(deadline(at(2026, 4, 2, 14), "normatif", Rules(), TZ)) == end_of(2026, 4, 10)
    assert WorkingCalendar().add_working_days(date(2026, 4, 2), 4) == date(2026, 4, 9)


def test_christmas_and_its_joint_leave_day() -> None:
    """Wednesday 23 Dec 2026; Thu 24 is cuti bersama, Fri 25 Christmas, then the weekend:
    Mon 28 (1), Tue 29 (2), Wed 30 (3), Thu 31 (4), Fri 1 Jan is New Year, Mon 4 Jan (5)."""
    assert local(deadline(at(2026, 12, 23), "normatif", Rules(), TZ)) == end_of(2027, 1, 4)
    # a site that works on joint-leave days counts Thu 24 Dec: Thu 24, Mon 28, Tue 29, Wed 30, Thu 31
    open_on_leave = Rules(cuti_bersama=False)
    assert local(deadline(at(2026, 12, 23), "normatif", open_on_leave, TZ)) == end_of(2026, 12, 31)


def test_received_on_a_saturday_counts_from_monday() -> None:
    """WhatsApp on Saturday 5 Dec 2026: Mon 7 (1) … Fri 11 (5)."""
    assert local(deadline(at(2026, 12, 5, 9), "normatif", Rules(), TZ)) == end_of(2026, 12, 11)


def test_late_evening_receipt_still_uses_the_local_day() -> None:
    """23:30 WIB on Monday 30 Nov is 16:30 UTC on the same day; 00:30 WIB Tuesday is still
    Monday in UTC: the local day decides."""
    assert local(deadline(at(2026, 11, 30, 23, 30), "normatif", Rules(), TZ)) == end_of(2026, 12, 7)
    assert local(deadline(at(2026, 12, 1, 0, 30), "normatif", Rules(), TZ)) == end_of(2026, 12, 8)


def test_fourteen_and_sixty_working_days() -> None:
    cal = WorkingCalendar()
    d14 = local(deadline(at(2026, 11, 30), "tidak_berkadar_pengawasan", Rules(), TZ)).date()
    d60 = local(deadline(at(2026, 11, 30), "berkadar_pengawasan", Rules(), TZ)).date()
    assert cal.working_days_between(date(2026, 11, 30), d14) == 14
    assert cal.working_days_between(date(2026, 11, 30), d60) == 60
    # 14 working days from Monday 30 Nov: 1–4 Dec (4), 7–11 (9), 14–18 (14) → Friday 18 Dec
    assert d14 == date(2026, 12, 18)


def test_site_overrides() -> None:
    rules = parse_rules(
        '{"ringan": {"hours": 4}, "normatif": {"working_days": 7}, "closed_days": ["2026-12-03"]}'
    )
    assert rules.rule("ringan").hours == 4 and rules.rule("normatif").working_days == 7
    assert rules.rule("berkadar_pengawasan").working_days == 60  # untouched default
    assert deadline(at(2026, 11, 30, 8), "ringan", rules, TZ) == at(2026, 11, 30, 12)
    # Mon 30 Nov, 7 working days without Thu 3 Dec (the site's own closed day):
    # Tue 1, Wed 2, Fri 4, Mon 7, Tue 8, Wed 9, Thu 10
    assert local(deadline(at(2026, 11, 30), "normatif", rules, TZ)) == end_of(2026, 12, 10)
    # a class may switch between hours and working days
    assert parse_rules('{"normatif": {"hours": 48}}').rule("normatif").hours == 48
    assert parse_rules(None) == Rules() and parse_rules("  ") == Rules()
    assert parse_rules('{"cuti_bersama": false}').cuti_bersama is False


@pytest.mark.parametrize(
    "text",
    [
        "{",  # not JSON
        "[]",
        '{"sedang": {"hours": 3}}',  # unknown class
        '{"ringan": {"days": 3}}',
        '{"ringan": {"hours": 0}}',
        '{"ringan": {"hours": 3, "working_days": 1}}',
        '{"normatif": {"working_days": "5"}}',
        '{"normatif": {"working_days": true}}',
        '{"cuti_bersama": "ya"}',
        '{"closed_days": ["31-12-2026"]}',
    ],
)
def test_bad_overrides_are_refused(text: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_rules(text)
    assert info.value.key == "complaint.deadlines_invalid"
    assert info.value.field == deadlines.SETTING_KEY


def test_rules_round_trip_as_json() -> None:
    import json

    rules = parse_rules('{"ringan": {"hours": 2}, "closed_days": ["2026-12-31"]}')
    assert parse_rules(json.dumps(rules.to_json())) == rules


def test_naive_datetimes_are_a_bug() -> None:
    with pytest.raises(ValueError):
        deadline(datetime(2026, 11, 30, 10), "ringan", Rules(), TZ)


def test_calendar_knows_weekends_and_holidays() -> None:
    cal = WorkingCalendar()
    assert cal.is_working_day(date(2026, 11, 30))  # Monday
    assert not cal.is_working_day(date(2026, 12, 5))  # Saturday
    assert not cal.is_working_day(date(2026, 8, 17))  # Independence Day (a Monday)
    assert cal.holiday_name(date(2026, 8, 17))
    assert cal.add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 18)  # Fri → Tue

"""Complaint deadlines: working days (no weekends, no national holidays, no *cuti bersama*
unless switched off) for every class by default, clock hours when a site says so; the
SP4N-LAPOR! milestones; closed days the site adds and removes; site overrides."""

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


def test_ringan_is_two_working_days() -> None:
    """Issue 15, point 4 (the SIPPN standard, DOMAIN.md): not 3 clock hours — a complaint at
    16:30 on Monday 30 Nov 2026 fell due at 19:30, after closing; it is due Wednesday 2 Dec."""
    assert local(deadline(at(2026, 11, 30, 16, 30), "ringan", Rules(), TZ)) == end_of(2026, 12, 2)
    # Friday 4 Dec: Mon 7 (1), Tue 8 (2)
    assert local(deadline(at(2026, 12, 4, 15), "ringan", Rules(), TZ)) == end_of(2026, 12, 8)
    assert deadline(at(2026, 11, 30), "ringan", Rules(), TZ).tzinfo == UTC


def test_clock_hours_still_run_through_the_night_when_a_site_sets_them() -> None:
    hours = parse_rules('{"ringan": {"hours": 3}}')
    assert deadline(at(2026, 11, 30, 10, 15), "ringan", hours, TZ) == at(2026, 11, 30, 13, 15)
    assert local(deadline(at(2026, 12, 4, 22), "ringan", hours, TZ)) == at(2026, 12, 5, 1)


def test_ringan_across_nyepi_and_idul_fitri_2026() -> None:
    """SKB 2026: Wed 18 Mar cuti (Nyepi), Thu 19 Nyepi, Fri 20 cuti (Idul Fitri), Sat–Sun 21–22
    Idul Fitri, Mon 23 and Tue 24 cuti: from Tuesday 17 Mar, Wed 25 (1), Thu 26 (2).
    Without joint leave: Wed 18 (1), Fri 20 (2)."""
    assert local(deadline(at(2026, 3, 17), "ringan", Rules(), TZ)) == end_of(2026, 3, 26)
    assert local(deadline(at(2026, 3, 17), "ringan", Rules(cuti_bersama=False), TZ)) == end_of(2026, 3, 20)


def test_a_joint_leave_day_the_site_removes_is_a_working_day_again() -> None:
    """A revised SKB cancels Thu 24 Dec 2026: normatif from Wed 23 Dec is Thu 24 (1), Mon 28,
    Tue 29, Wed 30, Thu 31 (5), where with the day closed it runs to Mon 4 Jan 2027."""
    removed = parse_rules('{"open_days": ["2026-12-24"]}')
    assert removed.calendar().is_working_day(date(2026, 12, 24))
    assert removed.calendar().is_national_closed_day(date(2026, 12, 24))
    assert local(deadline(at(2026, 12, 23), "normatif", removed, TZ)) == end_of(2026, 12, 31)
    assert local(deadline(at(2026, 12, 23), "normatif", Rules(), TZ)) == end_of(2027, 1, 4)
    # the same day cannot be both added and removed
    with pytest.raises(ValidationError):
        parse_rules('{"open_days": ["2026-12-24"], "closed_days": ["2026-12-24"]}')


def test_sp4n_lapor_milestones() -> None:
    """Verification within 3 working days, a first response within 5 (DOMAIN.md)."""
    received = at(2026, 11, 30, 9)
    assert local(deadlines.milestone_due(received, "verification", Rules(), TZ)) == end_of(2026, 12, 3)
    assert local(deadlines.milestone_due(received, "first_response", Rules(), TZ)) == end_of(2026, 12, 7)
    # Received on Nyepi, Thu 19 Mar 2026: Wed 25 (1), Thu 26 (2), Fri 27 (3); Mon 30 (4), Tue 31 (5)
    nyepi = at(2026, 3, 19, 11)
    assert local(deadlines.milestone_due(nyepi, "verification", Rules(), TZ)) == end_of(2026, 3, 27)
    assert local(deadlines.milestone_due(nyepi, "first_response", Rules(), TZ)) == end_of(2026, 3, 31)
    rules = parse_rules('{"verification": {"working_days": 2}}')
    assert local(deadlines.milestone_due(received, "verification", rules, TZ)) == end_of(2026, 12, 2)
    with pytest.raises(ValidationError):
        parse_rules('{"first_response": {"hours": 5}}')


def test_years_the_holidays_release_only_estimates() -> None:
    # The required release (pyproject: holidays>=0.99) has the 2026 SKB day by day.
    assert deadlines.estimated_years(date(2026, 1, 1), date(2026, 12, 31)) == []
    assert deadlines.estimated_years(date(2035, 12, 1), date(2036, 2, 1)) == [2035, 2036]


def test_the_2026_skb_day_by_day() -> None:
    """SKB 3 Menteri 2026 (DOMAIN.md; issue 15 checked it): 17 holidays and 8 joint-leave days."""
    cal = WorkingCalendar()
    cuti = [
        date(2026, 2, 16),
        date(2026, 3, 18),
        date(2026, 3, 20),
        date(2026, 3, 23),
        date(2026, 3, 24),
        date(2026, 5, 15),
        date(2026, 5, 28),
        date(2026, 12, 24),
    ]
    assert all(not cal.is_working_day(d) for d in cuti)
    assert all(WorkingCalendar(cuti_bersama=False).is_working_day(d) for d in cuti)


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

    rules = parse_rules(
        '{"ringan": {"hours": 2}, "closed_days": ["2026-12-31"], '
        '"open_days": ["2026-12-24"], "verification": {"working_days": 2}}'
    )
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


def test_holidays_are_named_in_the_programs_language() -> None:
    from counter_app.core import i18n

    calendar = WorkingCalendar()
    assert calendar.holiday_name(date(2026, 12, 24)) == "Cuti Bersama Hari Raya Natal"
    assert calendar.holiday_name(date(2026, 8, 17)) == "Hari Kemerdekaan Republik Indonesia"
    i18n.set_language("en")  # the conftest fixture sets Indonesian back after the test
    assert calendar.holiday_name(date(2026, 12, 24)) == "Christmas Joint Holiday"

"""The queue's statistics (core/statistics.py) against hand-computed figures, and the one period
rule (core/period.py) that every report uses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from counter_app.core.errors import ValidationError
from counter_app.core.period import MAX_PERIOD_DAYS, check_period, period_days, period_ok
from counter_app.core.statistics import (
    Durations,
    Tally,
    hour_counts,
    median,
    nearest_rank,
    share_pct,
)


def test_median_and_nearest_rank_by_hand() -> None:
    assert median([]) is None and nearest_rank([], 90) is None
    assert median([7]) == 7 and nearest_rank([7], 90) == 7
    assert median([1, 2, 3]) == 2
    assert median([1, 2, 3, 10]) == 2.5  # the mean of the two middle values
    ten = list(range(1, 11))
    assert nearest_rank(ten, 90) == 9  # rank ⌈0.9 · 10⌉ = 9
    assert nearest_rank(list(range(1, 12)), 90) == 10  # rank ⌈0.9 · 11⌉ = ⌈9.9⌉ = 10
    assert nearest_rank(ten, 0) == 1 and nearest_rank(ten, 100) == 10


def test_durations_from_whole_milliseconds() -> None:
    d = Durations.from_ms([90_000, 30_000, 60_000, 240_000])
    assert (d.n, d.mean, d.median, d.p90, d.max) == (4, 105.0, 75.0, 240.0, 240.0)
    assert d.to_json("wait") == {
        "wait_n": 4,
        "wait_mean_s": 105.0,
        "wait_median_s": 75.0,
        "wait_p90_s": 240.0,
        "wait_max_s": 240.0,
    }
    # rounded to 0.1 s only when shown
    assert Durations.from_ms([1_234, 1_250]).to_json("s")["s_mean_s"] == 1.2
    # a breakdown that shows means only leaves the order statistics out of its JSON
    short = Durations.from_ms([3_000, 1_000], order_stats=False)
    assert short.to_json("service") == {"service_n": 2, "service_mean_s": 2.0, "service_max_s": 3.0}
    assert Durations.from_ms([]).to_json("wait") == {
        "wait_n": 0,
        "wait_mean_s": None,
        "wait_median_s": None,
        "wait_p90_s": None,
        "wait_max_s": None,
    }


def test_share_tally_and_hours() -> None:
    assert share_pct(0, 0) is None and share_pct(1, 3) == pytest.approx(33.333, abs=1e-3)

    a, b = Tally(), Tally()
    a.add("done", 2, [1_000, 3_000], [60_000], within=1, measured=1)
    b.add("done", 1, [2_000], [], within=0, measured=1)
    b.add("no_show", 1, [5_000], [], within=0, measured=0)
    both = Tally.merged([a, b])
    assert both.tickets == 4 and both.counts == {"done": 3, "no_show": 1}
    assert sorted(both.waits) == [1_000, 2_000, 3_000, 5_000] and both.services == [60_000]
    assert (both.within, both.measured) == (1, 2)
    assert a.counts == {"done": 2}  # merging leaves its parts alone

    # 01:30 and 01:45 UTC are 08:xx in Pontianak (UTC+7); 17:10 UTC is 00:10 the next local day
    hours = hour_counts([90, 105, 17 * 60 + 10], 7 * 60)
    assert hours[8] == 2 and hours[0] == 1 and sum(hours) == 3
    hour_counts([90], 7 * 60, into=hours)
    assert hours[8] == 3


def test_the_server_report_uses_the_same_durations() -> None:
    from counter_app.server import report

    values = [61_000, 1_000, 30_500, 30_500, 999]
    assert report._durations(values, "wait") == Durations.from_ms(values).to_json("wait")


def test_one_period_rule() -> None:
    day = date(2026, 11, 30)
    assert check_period(day) == (day, day)
    last = day + timedelta(days=MAX_PERIOD_DAYS - 1)
    assert check_period(day, last) == (day, last) and period_days(day, last) == MAX_PERIOD_DAYS
    assert period_ok(day, last) and not period_ok(day, last + timedelta(days=1))
    assert not period_ok(day, day - timedelta(days=1))
    with pytest.raises(ValidationError) as err:
        check_period(day, last + timedelta(days=1))
    assert err.value.key == "report.range_too_long" and err.value.exit_code == 2
    with pytest.raises(ValidationError) as err:
        check_period(day, day - timedelta(days=1))
    assert err.value.key == "report.range_order"

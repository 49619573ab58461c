"""The queue's statistics as pure functions over plain numbers: no store, no Qt, no clock.

One definition for the counter's daily summary (services/daily_report.py, whose docstring says
what each figure means) and the server's consolidated report (server/report.py), so the two
cannot drift apart:

* durations are whole milliseconds in, seconds out (rounded to 0.1 s only in `to_json`);
* median: the middle value, the mean of the two middle values when n is even;
* P90: nearest rank, the value at rank ⌈0.9·n⌉ (1-based) of the sorted values;
* a share is a percentage of what was measured, None when nothing was;
* arrivals per local hour from minutes after 00:00 UTC and the day's UTC offset.
"""

from __future__ import annotations

import collections
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, SupportsInt


def _rank(n: int, pct: float) -> int:
    """The nearest rank ⌈pct/100 · n⌉ (1-based) among n > 0 sorted values."""
    return max(1, math.ceil(pct / 100 * n))


def _middle(n: int, at: Callable[[int], float]) -> float:
    """The middle of n > 0 sorted values, `at(i)` the i-th (0-based)."""
    mid = n // 2
    return at(mid) if n % 2 else (at(mid - 1) + at(mid)) / 2


def nearest_rank(ordered: Sequence[float], pct: float) -> float | None:
    """The nearest-rank percentile of already sorted values: rank ⌈pct/100 · n⌉ (1-based)."""
    if not ordered:
        return None
    return ordered[_rank(len(ordered), pct) - 1]


def median(ordered: Sequence[float]) -> float | None:
    """The middle of already sorted values (the mean of the two middle ones when n is even)."""
    n = len(ordered)
    if not n:
        return None
    return _middle(n, ordered.__getitem__)


class SortedInts(Protocol):
    """Sorted whole numbers that can be indexed: a list, or a numpy array (daily_report)."""

    def __len__(self) -> int: ...

    def __getitem__(self, i: int, /) -> SupportsInt: ...


def share_pct(part: int, whole: int) -> float | None:
    """`part` as a percentage of `whole` (unrounded); None when nothing was measured."""
    if not whole:
        return None
    return 100.0 * part / whole


@dataclass(frozen=True)
class Durations:
    """Summary of a set of durations, in seconds (None when there are none)."""

    n: int = 0
    mean: float | None = None
    median: float | None = None
    p90: float | None = None
    max: float | None = None

    ordered: bool = True  # median and p90 computed (breakdowns that show only means skip them)

    @classmethod
    def from_ms(cls, values: list[int], *, order_stats: bool = True) -> Durations:
        if not values:
            return cls(ordered=order_stats)
        if not order_stats:
            mean = sum(values) / len(values) / 1000
            return cls(n=len(values), mean=mean, max=max(values) / 1000, ordered=False)
        ordered = sorted(values)  # cheap when already sorted or made of sorted runs
        return cls._summary(len(ordered), sum(values), ordered.__getitem__, order_stats)

    @classmethod
    def from_sorted_ms(cls, ordered: SortedInts, total: int, *, order_stats: bool = True) -> Durations:
        """`from_ms` of whole milliseconds already sorted whose sum is `total` (the daily
        summary sorts all its groups at once, in numpy): the same figures, the same float
        operations on the same Python ints."""

        def at(i: int) -> int:
            return int(ordered[i])

        return cls._summary(len(ordered), total, at, order_stats)

    @classmethod
    def _summary(cls, n: int, total: float, at: Callable[[int], float], order_stats: bool) -> Durations:
        if not n:
            return cls(ordered=order_stats)
        mean = total / n / 1000
        top = at(n - 1) / 1000
        if not order_stats:
            return cls(n=n, mean=mean, max=top, ordered=False)
        return cls(n=n, mean=mean, median=_middle(n, at) / 1000, p90=at(_rank(n, 90) - 1) / 1000, max=top)

    def to_json(self, prefix: str) -> dict[str, Any]:
        """`{prefix}_n`, `_mean_s`, `_median_s`, `_p90_s` (when ordered), `_max_s`; 0.1 s."""

        def s(v: float | None) -> float | None:
            return None if v is None else round(v, 1)

        out: dict[str, Any] = {f"{prefix}_n": self.n, f"{prefix}_mean_s": s(self.mean)}
        if self.ordered:
            out[f"{prefix}_median_s"] = s(self.median)
            out[f"{prefix}_p90_s"] = s(self.p90)
        out[f"{prefix}_max_s"] = s(self.max)
        return out


@dataclass
class Tally:
    """Tickets counted by final status, with their waiting and service times (ms) and how many
    of the measured ones finished within target: the sum any breakdown row is made of."""

    tickets: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    waits: list[int] = field(default_factory=list)
    services: list[int] = field(default_factory=list)
    within: int = 0
    measured: int = 0

    def add(
        self,
        status: str,
        tickets: int,
        waits: Iterable[int],
        services: Iterable[int],
        within: int,
        measured: int,
    ) -> None:
        """Count `tickets` tickets of one final status, with their times and target check."""
        self.tickets += tickets
        self.counts[status] = self.counts.get(status, 0) + tickets
        self.waits.extend(waits)
        self.services.extend(services)
        self.within += within
        self.measured += measured

    @classmethod
    def merged(cls, parts: Iterable[Tally]) -> Tally:
        out = cls()
        for p in parts:
            out.tickets += p.tickets
            for status, n in p.counts.items():
                out.counts[status] = out.counts.get(status, 0) + n
            out.waits.extend(p.waits)
            out.services.extend(p.services)
            out.within += p.within
            out.measured += p.measured
        return out


def hour_counts(minutes: Iterable[int], offset: int, into: list[int] | None = None) -> list[int]:
    """Arrivals per local hour 0..23: `minutes` after 00:00 UTC of one day, shifted by the day's
    UTC `offset` in minutes; added into `into` (24 counts) when given."""
    hours = into if into is not None else [0] * 24
    for minute, n in collections.Counter(minutes).items():
        hours[(minute + offset) // 60 % 24] += n
    return hours

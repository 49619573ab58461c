"""Complaint deadlines by class: clock hours, or working days that skip weekends and holidays.

Defaults follow the standard published on SIPPN (DOMAIN.md, "Complaints"): *ringan* 2 working
days; *normatif* 5; *tidak berkadar pengawasan* 14; *berkadar pengawasan* 60. SP4N-LAPOR! adds
two milestones for every complaint, each overdue on its own: verification within 3 working days
and a first response (the follow-up plan) within 5. A site overrides any of them with the
setting `complaint_deadlines` (JSON, see `parse_rules`).

Counting: an hours rule adds clock hours to the time received (nights and weekends count). A
working-days rule ends at the end (23:59:59 local) of the N-th working day after the day the
complaint came in, so a complaint on Thursday before a Friday holiday, with 5 working days,
is due on the next week's Friday. Closed days: Saturdays, Sundays, Indonesia's national
holidays from the `holidays` package, its *cuti bersama* (joint leave) days unless switched
off, and any dates the site adds — minus the dates the site removes (`open_days`: a revised
SKB 3 Menteri can cancel a joint-leave day). The package knows a year exactly only once the
SKB for it is out; `estimated_years` names the years it only guesses, so callers can warn.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from counter_app.core import i18n
from counter_app.core.errors import ValidationError

SETTING_KEY = "complaint_deadlines"
MAX_HOURS = 24 * 90
MAX_WORKING_DAYS = 365


class ComplaintClass(StrEnum):
    RINGAN = "ringan"
    NORMATIF = "normatif"
    TIDAK_BERKADAR = "tidak_berkadar_pengawasan"
    BERKADAR = "berkadar_pengawasan"


@dataclass(frozen=True)
class Rule:
    """Exactly one of `hours` (clock hours) and `working_days`."""

    hours: int | None = None
    working_days: int | None = None

    def to_json(self) -> dict[str, int]:
        return {"hours": self.hours} if self.hours is not None else {"working_days": self.working_days or 0}


DEFAULT_RULES: dict[ComplaintClass, Rule] = {
    ComplaintClass.RINGAN: Rule(working_days=2),
    ComplaintClass.NORMATIF: Rule(working_days=5),
    ComplaintClass.TIDAK_BERKADAR: Rule(working_days=14),
    ComplaintClass.BERKADAR: Rule(working_days=60),
}


class Milestone(StrEnum):
    """SP4N-LAPOR! steps every complaint goes through before its final answer."""

    VERIFICATION = "verification"  # checked and passed to the unit responsible
    FIRST_RESPONSE = "first_response"  # the unit's first answer: what it will do


DEFAULT_MILESTONES: dict[Milestone, Rule] = {
    Milestone.VERIFICATION: Rule(working_days=3),
    Milestone.FIRST_RESPONSE: Rule(working_days=5),
}


@dataclass(frozen=True)
class Rules:
    by_class: dict[ComplaintClass, Rule] = field(default_factory=lambda: dict(DEFAULT_RULES))
    cuti_bersama: bool = True  # joint-leave days count as closed
    closed_days: frozenset[date] = frozenset()  # the site's own closed days
    open_days: frozenset[date] = frozenset()  # national closed days the site works after all
    milestones: dict[Milestone, Rule] = field(default_factory=lambda: dict(DEFAULT_MILESTONES))

    def rule(self, klass: str) -> Rule:
        return self.by_class[ComplaintClass(klass)]

    def calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.cuti_bersama, self.closed_days, self.open_days)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k.value: r.to_json() for k, r in self.by_class.items()}
        out.update({m.value: r.to_json() for m, r in self.milestones.items()})
        out["cuti_bersama"] = self.cuti_bersama
        out["closed_days"] = sorted(d.isoformat() for d in self.closed_days)
        out["open_days"] = sorted(d.isoformat() for d in self.open_days)
        return out


def _bad(detail: str) -> ValidationError:
    return ValidationError("complaint.deadlines_invalid", field=SETTING_KEY, detail=detail)


def _rule(name: str, raw: Any) -> Rule:
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise _bad(f'{name}: {{"hours": N}} / {{"working_days": N}}')
    ((kind, value),) = raw.items()
    if kind not in ("hours", "working_days") or isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f'{name}: {{"hours": N}} / {{"working_days": N}}')
    limit = MAX_HOURS if kind == "hours" else MAX_WORKING_DAYS
    if not 1 <= value <= limit:
        raise _bad(f"{name}: 1–{limit}")
    return Rule(hours=value) if kind == "hours" else Rule(working_days=value)


def parse_rules(text: str | None) -> Rules:
    """The site's overrides on top of the defaults, e.g.
    `{"ringan": {"hours": 4}, "normatif": {"working_days": 7}, "cuti_bersama": false,
    "closed_days": ["2026-12-31"]}`. Empty or None: the defaults."""
    if text is None or not text.strip():
        return Rules()
    try:
        raw = json.loads(text)
    except ValueError as exc:
        raise _bad(str(exc)) from None
    if not isinstance(raw, Mapping):
        raise _bad("{…}")
    by_class = dict(DEFAULT_RULES)
    milestones = dict(DEFAULT_MILESTONES)
    cuti_bersama = True
    days: dict[str, set[date]] = {"closed_days": set(), "open_days": set()}
    for key, value in raw.items():
        if key == "cuti_bersama":
            if not isinstance(value, bool):
                raise _bad("cuti_bersama: true/false")
            cuti_bersama = value
        elif key in days:
            if not isinstance(value, list):
                raise _bad(f'{key}: ["YYYY-MM-DD", …]')
            for item in value:
                try:
                    days[key].add(date.fromisoformat(str(item)))
                except ValueError:
                    raise _bad(f"{key}: {item!r}") from None
        elif key in {m.value for m in Milestone}:
            rule = _rule(key, value)
            if rule.working_days is None:
                raise _bad(f'{key}: {{"working_days": N}}')
            milestones[Milestone(key)] = rule
        else:
            try:
                klass = ComplaintClass(key)
            except ValueError:
                raise _bad(f"{key}?") from None
            by_class[klass] = _rule(key, value)
    if days["closed_days"] & days["open_days"]:
        raise _bad("closed_days ∩ open_days")
    return Rules(
        by_class, cuti_bersama, frozenset(days["closed_days"]), frozenset(days["open_days"]), milestones
    )


# The program's languages → the `holidays` package's: without one it names the days in
# English, whatever the program's language.
_HOLIDAY_LANGUAGES = {"id": "id", "en": "en_US"}


def holiday_language() -> str:
    """The `holidays` language for the program's current one (Indonesian by default)."""
    return _HOLIDAY_LANGUAGES.get(i18n.language(), "id")


def _national(cuti_bersama: bool) -> Any:
    return _national_in(cuti_bersama, holiday_language())


@cache
def _national_in(cuti_bersama: bool, language: str) -> Any:
    import holidays

    categories = ("public", "government") if cuti_bersama else ("public",)
    return holidays.country_holidays("ID", categories=categories, language=language)


@dataclass(frozen=True)
class WorkingCalendar:
    cuti_bersama: bool = True
    closed_days: frozenset[date] = frozenset()
    open_days: frozenset[date] = frozenset()  # national closed days the site works after all

    def is_working_day(self, day: date) -> bool:
        if day.weekday() >= 5 or day in self.closed_days:
            return False
        if day in self.open_days:
            return True
        return day not in _national(self.cuti_bersama)

    def is_national_closed_day(self, day: date) -> bool:
        """Closed by the national list (holiday, or joint leave when it counts), whatever the
        site says."""
        return day in _national(self.cuti_bersama)

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n ≥ 1); `day` itself never counts."""
        current = day
        left = n
        while left:
            current += timedelta(days=1)
            if self.is_working_day(current):
                left -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]."""
        return sum(
            1 for i in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=i))
        )

    def holiday_name(self, day: date) -> str | None:
        name: str | None = _national(self.cuti_bersama).get(day)
        return name

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        return self.add_working_days(day, 1)


@cache
def _estimated(year: int, cuti_bersama: bool) -> bool:
    import holidays

    found = holidays.country_holidays("ID", years=year, language="en_US", categories=("public", "government"))
    if any("estimated" in name.lower() for name in found.values()):
        return True
    # A joint-leave list is part of every SKB: none at all means the year's SKB is not in
    # this release (the package then knows only the fixed-date holidays).
    government = holidays.country_holidays("ID", years=year, categories=("government",))
    return cuti_bersama and not government


def estimated_years(start: date, end: date, cuti_bersama: bool = True) -> list[int]:
    """Years in [start, end] whose holidays the installed `holidays` release only estimates."""
    return [y for y in range(start.year, end.year + 1) if _estimated(y, cuti_bersama)]


def holidays_version() -> str:
    import holidays

    return str(holidays.__version__)


def deadline(received_at: datetime, klass: str, rules: Rules, tz: str) -> datetime:
    """When a complaint of `klass` received at `received_at` (aware) must be answered (aware UTC)."""
    return _due(received_at, rules.rule(klass), rules, tz)


def milestone_due(received_at: datetime, milestone: str, rules: Rules, tz: str) -> datetime:
    """When an SP4N-LAPOR! milestone of a complaint received at `received_at` falls due (UTC)."""
    return _due(received_at, rules.milestones[Milestone(milestone)], rules, tz)


def _due(received_at: datetime, rule: Rule, rules: Rules, tz: str) -> datetime:
    if received_at.tzinfo is None:
        raise ValueError("deadline needs an aware datetime")
    if rule.hours is not None:
        return received_at.astimezone(UTC) + timedelta(hours=rule.hours)
    zone = ZoneInfo(tz)
    local = received_at.astimezone(zone)
    due_day = rules.calendar().add_working_days(local.date(), rule.working_days or 0)
    return datetime.combine(due_day, time(23, 59, 59), zone).astimezone(UTC)


def classes() -> Iterable[str]:
    return [c.value for c in ComplaintClass]

"""The site's working calendar and deadline rules: one setting, read and changed here.

The setting `complaint_deadlines` (core/deadlines.py, `parse_rules`) holds the site's overrides:
deadlines per complaint class, the SP4N-LAPOR! milestones, whether *cuti bersama* counts as
closed, the days the site adds (`closed_days`) and the national closed days it removes
(`open_days`: a revised SKB 3 Menteri cancelled them). Complaint deadlines, the receipt's
estimated completion date and a service's next open day after its quota all read this one
calendar. Every change is checked whole, stored and audited in one transaction; the CLI
(`complaint deadlines`, `closed-days`) and the settings window call these functions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from counter_app.core import deadlines as rules_mod
from counter_app.core.deadlines import ComplaintClass, Milestone, Rules, WorkingCalendar
from counter_app.core.errors import ValidationError
from counter_app.core.roles import Permission
from counter_app.services import journal
from counter_app.services.context import Context
from counter_app.store import settings as setting_table
from counter_app.store.models import db

SETTING_KEY = rules_mod.SETTING_KEY


def date_text(day: date, lang: str | None = None) -> str:
    """`Kamis, 3 Desember 2026` (the day a service opens again, a product is ready)."""
    from counter_app.core.formats import format_date

    return format_date(day, "full", lang=lang)


def completion_date(ctx: Context, day: date, working_days: int | None) -> date | None:
    """The estimated completion date of a service applied for on `day`: that many working days
    later by the site's calendar (0 = the same day); None when the service publishes none."""
    if working_days is None:
        return None
    if working_days <= 0:
        return day
    return calendar_of(ctx).add_working_days(day, working_days)


def rules_of(ctx: Context) -> Rules:
    """The site's rules: the defaults with the `complaint_deadlines` setting on top."""
    return rules_mod.parse_rules(setting_table.stored(SETTING_KEY))


def calendar_of(ctx: Context) -> WorkingCalendar:
    return rules_of(ctx).calendar()


def _overrides() -> dict[str, Any]:
    text = setting_table.stored(SETTING_KEY)
    if text is None or not text.strip():
        return {}
    raw = json.loads(text)
    return dict(raw) if isinstance(raw, dict) else {}


def _store(ctx: Context, overrides: dict[str, Any], action: str, detail: dict[str, Any]) -> Rules:
    text = json.dumps(overrides, ensure_ascii=False, sort_keys=True)
    rules = rules_mod.parse_rules(text)  # refused whole, before anything is written
    setting_table.put(SETTING_KEY, text)
    journal.audit(ctx.clock, ctx.actor.username, action, "", detail)
    return rules


def set_rules(ctx: Context, overrides: dict[str, Any] | str) -> Rules:
    """Replace the site's overrides (JSON text or a mapping); refused unless they parse."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    text = overrides if isinstance(overrides, str) else json.dumps(overrides, ensure_ascii=False)
    rules = rules_mod.parse_rules(text)
    with db.atomic():
        setting_table.put(SETTING_KEY, text)
        journal.audit(ctx.clock, ctx.actor.username, "settings.change", "", {SETTING_KEY: rules.to_json()})
    return rules


def set_rule(ctx: Context, name: str, *, working_days: int | None = None, hours: int | None = None) -> Rules:
    """One class's deadline (`ringan` … `berkadar_pengawasan`) or one milestone (`verification`,
    `first_response`, working days only), in working days or clock hours."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    known = [c.value for c in ComplaintClass] + [m.value for m in Milestone]
    if name not in known:
        raise ValidationError("complaint.rule_unknown", field="rule", value=name, allowed=", ".join(known))
    if (working_days is None) == (hours is None):
        raise ValidationError(
            "complaint.deadlines_invalid", field=SETTING_KEY, detail=f"{name}: working days or hours"
        )
    value = {"working_days": working_days} if working_days is not None else {"hours": hours}
    with db.atomic():
        overrides = _overrides()
        overrides[name] = value
        return _store(ctx, overrides, "settings.change", {SETTING_KEY: {name: value}})


def reset_rule(ctx: Context, name: str) -> Rules:
    """Back to the published default for one class or milestone."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    with db.atomic():
        overrides = _overrides()
        overrides.pop(name, None)
        return _store(ctx, overrides, "settings.change", {SETTING_KEY: {name: "default"}})


def set_cuti_bersama(ctx: Context, counts: bool) -> Rules:
    """Whether the national joint-leave days are closed days at this site."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    with db.atomic():
        overrides = _overrides()
        overrides["cuti_bersama"] = bool(counts)
        return _store(ctx, overrides, "settings.change", {SETTING_KEY: {"cuti_bersama": bool(counts)}})


def _days(overrides: dict[str, Any], key: str) -> set[str]:
    return {str(d) for d in overrides.get(key) or []}


def add_closed_day(ctx: Context, day: date) -> Rules:
    """Close a day: the site's own (a local holiday), or a national one removed before."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    with db.atomic():
        overrides = _overrides()
        closed, opened = _days(overrides, "closed_days"), _days(overrides, "open_days")
        iso = day.isoformat()
        if iso in opened:
            opened.discard(iso)
        elif not rules_mod.parse_rules(json.dumps(overrides)).calendar().is_working_day(day):
            raise ValidationError("calendar.already_closed", field="date", date=iso)
        else:
            closed.add(iso)
        overrides["closed_days"], overrides["open_days"] = sorted(closed), sorted(opened)
        return _store(ctx, overrides, "calendar.close", {"date": iso})


def remove_closed_day(ctx: Context, day: date) -> Rules:
    """Open a closed day: one the site added, or a national holiday / joint-leave day that a
    revised SKB cancelled. Weekends stay closed."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    iso = day.isoformat()
    if day.weekday() >= 5:
        raise ValidationError("calendar.weekend", field="date", date=iso)
    with db.atomic():
        overrides = _overrides()
        closed, opened = _days(overrides, "closed_days"), _days(overrides, "open_days")
        calendar = rules_mod.parse_rules(json.dumps(overrides)).calendar()
        if iso in closed:
            closed.discard(iso)
        elif calendar.is_national_closed_day(day) and iso not in opened:
            opened.add(iso)
        else:
            raise ValidationError("calendar.not_closed", field="date", date=iso)
        overrides["closed_days"], overrides["open_days"] = sorted(closed), sorted(opened)
        return _store(ctx, overrides, "calendar.open", {"date": iso})


def change_rules(
    ctx: Context,
    *,
    working_days: Sequence[tuple[str, int]] = (),
    hours: Sequence[tuple[str, int]] = (),
    reset: Sequence[str] = (),
    cuti_bersama: bool | None = None,
) -> Rules:
    """Several rule changes in one transaction: a bad one keeps none of them."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    with db.atomic():
        for name, n in working_days:
            set_rule(ctx, name, working_days=n)
        for name, n in hours:
            set_rule(ctx, name, hours=n)
        for name in reset:
            reset_rule(ctx, name)
        if cuti_bersama is not None:
            set_cuti_bersama(ctx, cuti_bersama)
    return rules_of(ctx)


def change_closed_days(ctx: Context, action: str, days: list[date]) -> Rules:
    """`add` or `remove` several days in one transaction: a bad one keeps none of them."""
    ctx.actor.require(Permission.MANAGE_SETTINGS)
    change = {"add": add_closed_day, "remove": remove_closed_day}[action]
    with db.atomic():
        for day in days:
            change(ctx, day)
    return rules_of(ctx)


@dataclass(frozen=True)
class ClosedDay:
    day: date
    source: str  # "national" | "site"
    name: str  # the holiday's name (national), "" for the site's own
    is_open: bool  # a national closed day the site removed: it works after all

    def to_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "source": self.source, "name": self.name, "open": self.is_open}


def closed_days(ctx: Context, year: int) -> list[ClosedDay]:
    """A year's weekday closed days (national and the site's), with the removed ones marked."""
    rules = rules_of(ctx)
    calendar = rules.calendar()
    out: dict[date, ClosedDay] = {}
    import holidays  # loaded only when listing: it is large

    categories = ("public", "government") if rules.cuti_bersama else ("public",)
    found = holidays.country_holidays(
        "ID", years=year, categories=categories, language=rules_mod.holiday_language()
    )
    for day, name in found.items():
        if day.weekday() < 5:
            out[day] = ClosedDay(day, "national", str(name), day in rules.open_days)
    for day in rules.closed_days:
        if day.year == year:
            out[day] = ClosedDay(day, "site", calendar.holiday_name(day) or "", False)
    return [out[d] for d in sorted(out)]


def estimated_years(ctx: Context, start: date, end: date) -> list[int]:
    """Years in [start, end] whose holidays the installed `holidays` release only estimates
    (their closed days may still change): callers warn with `calendar.estimated`."""
    return rules_mod.estimated_years(start, end, rules_of(ctx).cuti_bersama)


def estimate_text(years: list[int], lang: str | None = None) -> str:
    """The warning for `estimated_years`, naming the years and the installed release."""
    from counter_app.core.i18n import t

    return t(
        "calendar.estimated",
        lang=lang,
        years=", ".join(str(y) for y in years),
        version=rules_mod.holidays_version(),
    )

"""The daily summary reads the period's tickets once (issue 16): its survey block takes the
population (visitors served) from the figures' own read instead of a second walk over the
tickets, and gives what skm_report.ikm gives for the same period and scope."""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from counter_app.core.clock import FixedClock
from counter_app.core.roles import Actor, Role
from counter_app.services import daily_report, skm_report, survey, tickets
from counter_app.services.context import Context
from counter_app.store.models import Ticket, db

DAY = date(2026, 11, 30)  # the clock fixture's Monday
SCORES = dict(zip(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"), (4, 3, 2, 4, 3, 3, 3, 3, 3)))
KEPT = ("respondents", "incomplete", "ikm", "grade", "kinerja", "population", "required_sample")


def _serve(ctx: Context, clock: FixedClock, service: str = "KTP") -> Ticket:
    t = tickets.register(ctx, service=service, name="Siti Aminah").ticket
    clock.advance(minutes=2)
    called = tickets.call_next(ctx, "L01")
    assert called is not None and called.id == t.id
    tickets.start(ctx, t.id)
    clock.advance(minutes=5)
    return tickets.finish(ctx, t.id)


def _selects(call: Callable[[], object]) -> list[str]:
    """The SELECTs peewee runs during `call` (it logs every statement at DEBUG)."""
    seen: list[str] = []

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.msg[0])  # type: ignore[index]

    logger, handler = logging.getLogger("peewee"), Handler(logging.DEBUG)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        call()
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    return [sql for sql in seen if sql.lstrip().upper().startswith("SELECT")]


@pytest.fixture
def day(ctx: Context, clock: FixedClock) -> Context:
    """Three tickets served at L01, two of them answered the survey; one served ticket then
    lost its counter (an unclaimed ticket of L01's services: in L01's figures, not among the
    visitors L01 served for the survey's population)."""
    served = [_serve(ctx, clock), _serve(ctx, clock), _serve(ctx, clock)]
    survey.record(ctx, served[0].id, SCORES)
    survey.record(ctx, served[1].id, {**SCORES, "U3": 4})
    Ticket.update(counter=None).where(Ticket.id == served[2].id).execute()
    return replace(ctx, actor=Actor("koordinator", Role.SUPERVISOR, 3))


@pytest.mark.parametrize("counter", [None, "L01"])
def test_the_survey_block_is_the_ikm_of_the_period(day: Context, counter: str | None) -> None:
    figures = daily_report.daily_figures(day, DAY, counter=counter)
    expected = skm_report.ikm(day, DAY, counter=counter)
    assert figures.survey is not None
    assert {k: figures.survey[k] for k in KEPT} == {k: expected[k] for k in KEPT}
    for k in ("nrr", "element_index", "element_grade", "answered"):
        assert figures.survey[k] == expected[k]
    # the counter's population leaves out the ticket that lost its counter
    assert figures.survey["population"] == (3 if counter is None else 2)
    assert figures.survey["respondents"] == 2
    # and day_section counting for itself gives the same block
    assert skm_report.day_section(day, DAY, DAY, counter) == figures.survey


def test_the_daily_summary_reads_the_tickets_once(day: Context) -> None:
    selects = [" ".join(sql.split()) for sql in _selects(lambda: daily_report.daily_figures(day, DAY))]
    assert " ".join(skm_report._SERVED_SQL.split()) not in selects, selects
    # the period's tickets: the one block read plus the gap check's counts, nothing else walks them
    walks = [sql for sql in selects if 'FROM "ticket" WHERE "day" >= ?' in sql]
    assert len(walks) == 2, walks


@pytest.fixture
def weeks(ctx: Context, clock: FixedClock) -> Context:
    """Three weeks with tickets every day: served, no-show, one left waiting each day."""
    start = clock.now()
    for i in range(21):
        clock.set(start - timedelta(days=21 - i))
        _serve(ctx, clock)
        tickets.register(ctx, service="KK", name="Budi Santoso")
        tickets.register(ctx, service="KTP", name="Ani Lestari", priority="lansia" if i % 3 else None)
    clock.set(start)
    return replace(ctx, actor=Actor("koordinator", Role.SUPERVISOR, 3))


def test_a_long_period_is_read_in_runs_with_the_same_blocks(
    weeks: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, last = DAY - timedelta(days=21), DAY
    whole = db.execute_sql(daily_report._SQL, (first.isoformat(), last.isoformat())).fetchall()
    monkeypatch.setattr(daily_report.os, "cpu_count", lambda: 4)
    threads: list[str] = []
    apart = daily_report._read_apart

    def read_apart(path: str, period: tuple[str, str]) -> list[tuple[object, ...]]:
        threads.append(threading.current_thread().name)
        return apart(path, period)

    monkeypatch.setattr(daily_report, "_read_apart", read_apart)
    assert len(whole) > 21 and daily_report._blocks(first, last) == whole
    # 22 days: 3 runs, one after the other on connections of their own, off this thread
    assert len(threads) == 3 and len(set(threads)) == 1
    assert threading.current_thread().name not in threads
    split = daily_report.daily_figures(weeks, first, last).to_json()
    monkeypatch.setattr(daily_report, "_MAX_RUNS", 1)
    assert daily_report.daily_figures(weeks, first, last).to_json() == split


def test_inside_a_transaction_the_period_is_read_on_its_connection(
    weeks: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Other connections cannot see a transaction's rows: then one query on the store's own."""
    monkeypatch.setattr(daily_report.os, "cpu_count", lambda: 4)
    first, last = DAY - timedelta(days=21), DAY
    before = daily_report.daily_figures(weeks, first, last).totals.tickets
    with db.atomic() as txn:
        tickets.register(weeks, service="KTP", name="Siti Aminah")
        assert daily_report.daily_figures(weeks, first, last).totals.tickets == before + 1
        txn.rollback()


_JULIANDAY = (
    "SELECT CAST(ROUND(julianday(?1) * 86400000.0) AS INTEGER) - 210866760000000, "
    "CAST(substr(?1, 12, 2) AS INTEGER) * 60 + CAST(substr(?1, 15, 2) AS INTEGER)"
)


def test_stored_times_are_read_as_julianday_reads_them(ctx: Context) -> None:
    """The daily summary reads the stored time texts itself (issue 16): every one gives the
    milliseconds julianday gives (the durations are their differences, as the former SELECT
    differenced julianday) and the arrival minute its text gives; what it does not read at
    fixed places SQLite reads."""
    rng = random.Random(16)
    texts = [
        "2026-11-30 01:00:01.202573",
        "2026-11-30 01:00:01",  # str(datetime) without microseconds
        "2026-11-30 23:59:59.999600",  # rounds up, or held at .999 by SQLite 3.42+
        "2026-11-30 00:00:00.000500",
        "2026-11-30 00:00:00.002500",
        "2024-02-29 12:34:56.789012",
        "1999-12-31 23:59:59.999999",
        "1969-07-20 20:17:40.000001",  # before the years read at fixed places: SQLite reads it
        "2150-01-01 00:00:00.500000",
        "2026-11-30T08:00:00.000001",  # julianday reads a 'T' too
        "2026-11-30 08:00:00.123456+07:00",  # an offset
        "2026-13-01 00:00:00.000000",  # no month 13
        "2026-11-30 24:00:00.000000",
        "2026-11-30 08:00:00.12345",
        "~~~~~~~~~~~~~~~~~~~~~~~~~x",
        "not a time at all; really!",
        "",
    ]
    for _ in range(3000):
        when = datetime(2000, 1, 1) + timedelta(seconds=rng.randrange(40 * 365 * 86400))
        texts.append(str(when.replace(microsecond=rng.choice([0, 500, 999_500, rng.randrange(10**6)]))))
    texts.append(daily_report._NO_TIME)
    expected = [db.execute_sql(_JULIANDAY, (t,)).fetchone() for t in texts]
    blocks = [",".join(texts[:9]).encode(), ",".join(texts[9:]).encode()]
    ms, minutes = daily_report._times(blocks, [9, len(texts) - 9], len(texts))
    for text, (want_ms, want_minute), got_ms, got_minute in zip(
        texts[:-1], expected, ms.tolist(), minutes.tolist(), strict=False
    ):
        assert (got_ms, got_minute) == (daily_report._NULL if want_ms is None else want_ms, want_minute), text
    assert (ms[-1], minutes[-1]) == (daily_report._NULL, -2)  # no time (NULL)
    # a block of 26-wide entries on average only is read entry by entry
    uneven = ["2026-11-30 01:00:01", "2026-11-30 01:00:01.2025730+07:00", texts[0]]
    assert len(",".join(uneven)) == 3 * 27 - 1
    ms, _ = daily_report._times([",".join(uneven).encode()], [3], 3)
    assert ms.tolist() == [db.execute_sql(_JULIANDAY, (t,)).fetchone()[0] for t in uneven]

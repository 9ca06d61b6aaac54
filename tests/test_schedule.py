"""`due_reminders` with fixed times: month ends, fiscal-year boundaries, leap days, weekends, holidays, grace."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.rules import load_holidays
from bot.reminders.schedule import RuleTiming, ScheduleError, due_reminders, lateness, parse_schedule

BKK = ZoneInfo("Asia/Bangkok")
# A given set of holidays: the bundled holidays.toml, 2026-12-05 (Saturday), 2026-12-10 (Thursday), 2026-12-31
# (Thursday), 2027-01-01 (Friday) ... The job passes the office's real days off (bot.ita.office_days), in which
# Monday 7 Dec 2026 is a substitute holiday too (tests/test_reminders.py); here it is a working day on purpose.
HOLIDAYS = set(load_holidays())


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=BKK)


def due(spec: dict, since: datetime, until: datetime, holidays: set[date] = HOLIDAYS) -> list[datetime]:
    rule = RuleTiming("r", parse_schedule(spec), timedelta(hours=12))
    return [d.due_at for d in due_reminders([rule], since, until, holidays=holidays, tz=BKK)]


MONTH_5 = {"every": "month", "day": 5, "time": "09:00"}
MONTH_31 = {"every": "month", "day": 31, "time": "09:00"}

CASES = [
    # id, schedule, since, until, expected due times (Asia/Bangkok)
    ("month-plain", {"every": "month", "day": 9, "time": "09:00"}, at(2026, 12, 1), at(2027, 1, 1),
     [at(2026, 12, 9, 9)]),
    ("month-holiday-on-saturday-moves-to-monday", MONTH_5, at(2026, 12, 1), at(2026, 12, 31), [at(2026, 12, 7, 9)]),
    ("month-keep-stays-on-saturday", {**MONTH_5, "non_working": "keep"}, at(2026, 12, 1), at(2026, 12, 31),
     [at(2026, 12, 5, 9)]),
    ("month-skip-drops-it", {**MONTH_5, "non_working": "skip"}, at(2026, 12, 1), at(2026, 12, 31), []),
    # 31 October 2026 is a Saturday: that month's reminder moves to Monday 2 November.
    ("month-31st-previous-month-saturday", MONTH_31, at(2026, 11, 1), at(2026, 11, 3), [at(2026, 11, 2, 9)]),
    ("month-31st-in-30-day-month", MONTH_31, at(2026, 11, 3), at(2026, 12, 1), [at(2026, 11, 30, 9)]),
    # 31 Dec and 1 Jan are holidays, then a weekend: the first working day is Monday 4 January.
    ("month-31st-holidays-then-weekend", MONTH_31, at(2026, 12, 1), at(2027, 1, 5), [at(2027, 1, 4, 9)]),
    ("month-31st-in-february-leap-year", MONTH_31, at(2028, 2, 1), at(2028, 3, 1), [at(2028, 2, 29, 9)]),
    ("month-31st-in-february-common-year-sunday", MONTH_31, at(2027, 2, 2), at(2027, 3, 2), [at(2027, 3, 1, 9)]),
    ("month-31st-february-keep", {**MONTH_31, "non_working": "keep"}, at(2027, 2, 2), at(2027, 3, 1),
     [at(2027, 2, 28, 9)]),
    ("month-three-months", {"every": "month", "day": 15, "time": "10:30"}, at(2027, 1, 1), at(2027, 4, 1),
     [at(2027, 1, 15, 10, 30), at(2027, 2, 15, 10, 30), at(2027, 3, 15, 10, 30)]),
    ("week-mondays", {"every": "week", "weekday": "mon", "time": "08:30"}, at(2026, 11, 23), at(2026, 12, 8),
     [at(2026, 11, 23, 8, 30), at(2026, 11, 30, 8, 30), at(2026, 12, 7, 8, 30)]),
    ("week-holiday-thursday-skipped", {"every": "week", "weekday": "thu", "time": "08:30"}, at(2026, 12, 7),
     at(2026, 12, 18), [at(2026, 12, 17, 8, 30)]),
    ("week-saturday-skipped-by-default", {"every": "week", "weekday": "sat"}, at(2026, 11, 1), at(2026, 12, 1), []),
    ("week-saturday-kept", {"every": "week", "weekday": "saturday", "non_working": "keep", "time": "07:00"},
     at(2026, 11, 20), at(2026, 12, 1), [at(2026, 11, 21, 7), at(2026, 11, 28, 7)]),
    ("day-skips-weekend", {"every": "day", "time": "08:00"}, at(2026, 11, 27), at(2026, 11, 30, 23),
     [at(2026, 11, 27, 8), at(2026, 11, 30, 8)]),
    ("day-skips-new-year-holidays", {"every": "day", "time": "08:00"}, at(2026, 12, 30, 12), at(2027, 1, 5),
     [at(2027, 1, 4, 8)]),
    ("year-1-september", {"every": "year", "month": 9, "day": 1, "time": "09:00"}, at(2027, 1, 1), at(2028, 1, 1),
     [at(2027, 9, 1, 9)]),
    ("year-29-feb-common-year-sunday-moves", {"every": "year", "month": 2, "day": 29}, at(2027, 1, 1),
     at(2027, 12, 31), [at(2027, 3, 1, 9)]),
    ("year-29-feb-leap-year", {"every": "year", "month": 2, "day": 29}, at(2028, 1, 1), at(2028, 12, 31),
     [at(2028, 2, 29, 9)]),
    ("fy-end-thursday", {"every": "fiscal_year_end"}, at(2027, 9, 1), at(2027, 10, 31), [at(2027, 9, 30, 9)]),
    ("fy-end-saturday-moves-back-to-friday", {"every": "fiscal_year_end", "time": "16:00"}, at(2028, 9, 1),
     at(2028, 10, 31), [at(2028, 9, 29, 16)]),
    ("fy-start-thursday", {"every": "fiscal_year_start"}, at(2026, 9, 15), at(2026, 10, 15), [at(2026, 10, 1, 9)]),
    ("fy-start-sunday-moves-to-monday", {"every": "fiscal_year_start"}, at(2028, 9, 15), at(2028, 10, 15),
     [at(2028, 10, 2, 9)]),
    ("fy-boundary-both-sides", {"every": "month", "day": 30, "time": "09:00"}, at(2027, 9, 29), at(2027, 10, 31),
     [at(2027, 9, 30, 9)]),
    ("fy-end-then-start", {"every": "fiscal_year_start", "time": "08:00"}, at(2027, 9, 30, 12), at(2027, 10, 1, 8),
     [at(2027, 10, 1, 8)]),
    ("once-on-holiday-moves", {"every": "once", "date": "2026-12-10", "time": "10:00"}, at(2026, 12, 1),
     at(2027, 1, 1), [at(2026, 12, 11, 10)]),
    ("once-in-the-past-is-not-due", {"every": "once", "date": "2026-01-10"}, at(2026, 12, 1), at(2027, 1, 1), []),
    ("window-start-is-exclusive", MONTH_5, at(2026, 12, 7, 9), at(2026, 12, 31), []),
    ("window-end-is-inclusive", MONTH_5, at(2026, 12, 7, 8, 59), at(2026, 12, 7, 9), [at(2026, 12, 7, 9)]),
    ("shifted-into-window-from-before-it", MONTH_5, at(2026, 12, 6), at(2026, 12, 8), [at(2026, 12, 7, 9)]),
    ("shifted-out-of-window", MONTH_5, at(2026, 12, 4), at(2026, 12, 6, 23), []),
    ("one-minute-window", {"every": "day", "time": "09:00"}, at(2026, 11, 25, 8, 59), at(2026, 11, 25, 9),
     [at(2026, 11, 25, 9)]),
    ("no-holidays-given", MONTH_5, at(2026, 12, 1), at(2026, 12, 31), [at(2026, 12, 7, 9)]),
]


@pytest.mark.parametrize(("spec", "since", "until", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_due_reminders(spec, since, until, expected):
    assert due(spec, since, until) == expected


def test_utc_window_gives_bangkok_times():
    utc = ZoneInfo("UTC")
    found = due({"every": "day", "time": "09:00"}, datetime(2026, 11, 25, 1, 0, tzinfo=utc),
                datetime(2026, 11, 25, 2, 0, tzinfo=utc))
    assert found == [at(2026, 11, 25, 9)]
    assert found[0].astimezone(utc).hour == 2


def test_without_holidays_a_holiday_is_a_working_day():
    assert due(MONTH_5 | {"day": 10}, at(2026, 12, 1), at(2026, 12, 31), holidays=set()) == [at(2026, 12, 10, 9)]


def test_several_rules_are_sorted_by_time():
    rules = [RuleTiming("b", parse_schedule({"every": "day", "time": "10:00"}), timedelta(hours=1)),
             RuleTiming("a", parse_schedule({"every": "day", "time": "09:00"}), timedelta(hours=1))]
    found = due_reminders(rules, at(2026, 11, 25), at(2026, 11, 25, 23), holidays=set(), tz=BKK)
    assert [(d.rule_key, d.due_at.hour) for d in found] == [("a", 9), ("b", 10)]


@pytest.mark.parametrize(
    ("delay", "expected"),
    [(timedelta(0), "on_time"), (timedelta(minutes=2), "on_time"), (timedelta(minutes=3), "late"),
     (timedelta(hours=12), "late"), (timedelta(hours=12, seconds=1), "missed"), (timedelta(days=3), "missed")],
)
def test_lateness_against_a_twelve_hour_grace(delay, expected):
    due_at = at(2026, 12, 7, 9)
    assert lateness(due_at, due_at + delay, timedelta(hours=12)) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"every": "fortnight"}, "'every' must be one of"),
        ({"every": "month", "day": 32}, "'day' must be a whole number from 1 to 31"),
        ({"every": "month"}, "'day' must be a whole number"),
        ({"every": "day", "time": "25:00"}, "'time' must be HH:MM"),
        ({"every": "day", "time": "nine"}, "'time' must be HH:MM"),
        ({"every": "week", "weekday": "funday"}, "'weekday' must be one of"),
        ({"every": "year", "month": 13, "day": 1}, "'month' must be a whole number from 1 to 12"),
        ({"every": "once", "date": "5/12/69"}, "'date' must be YYYY-MM-DD"),
        ({"every": "day", "hour": 9}, "unknown field"),
        ({"every": "day", "non_working": "sometimes"}, "'non_working' must be one of"),
        ("every month", "schedule must be a table"),
    ],
)
def test_bad_schedules_are_refused_with_the_reason(spec, message):
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(spec)

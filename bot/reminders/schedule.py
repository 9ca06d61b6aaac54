"""When reminders fall due: a small schedule language read from data, and the pure function that says
which due times lie in a window. No database and no clock here, so every case can be tested with T given.

A schedule is a TOML table, for example
    { every = "month", day = 5, time = "09:00" }            every month on the 5th (31 = the month's last day)
    { every = "week", weekday = "mon", time = "08:30" }      every Monday
    { every = "year", month = 9, day = 1, time = "09:00" }  every 1 September
    { every = "day", time = "08:00" }                        every day
    { every = "once", date = "2026-12-05", time = "10:00" } one date
    { every = "fiscal_year_start", time = "09:00" }         1 October, or the first working day after
    { every = "fiscal_year_end", time = "09:00" }           the last working day of the fiscal year
with `non_working = "skip" | "next" | "previous" | "keep"` for a due day that is a weekend or a holiday
(defaults: day and week skip, month, year and once move to the next working day, fiscal_year_end to the
previous one, fiscal_year_start to the next).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Set
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.thai.dates import clock_time

EVERY = ("day", "week", "month", "year", "once", "fiscal_year_start", "fiscal_year_end")
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
NON_WORKING = ("skip", "next", "previous", "keep")
DEFAULT_NON_WORKING = {
    "day": "skip", "week": "skip", "month": "next", "year": "next", "once": "next",
    "fiscal_year_start": "next", "fiscal_year_end": "previous",
}
# A shifted due day can move at most this far (a long run of holidays), so the search window is widened by it.
MAX_SHIFT_DAYS = 10
ON_TIME = timedelta(minutes=2)


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    every: str
    at: time
    day: int | None = None
    weekday: int | None = None
    month: int | None = None
    on: date | None = None
    non_working: str = "keep"


@dataclass(frozen=True)
class RuleTiming:
    key: str
    schedule: Schedule
    grace: timedelta


@dataclass(frozen=True, order=True)
class Due:
    due_at: datetime
    rule_key: str


def parse_schedule(spec: dict[str, Any]) -> Schedule:
    if not isinstance(spec, dict):
        raise ScheduleError("schedule must be a table such as { every = \"month\", day = 5, time = \"09:00\" }")
    every = spec.get("every")
    if every not in EVERY:
        raise ScheduleError(f"'every' must be one of {', '.join(EVERY)}; got {every!r}")
    known = {"every", "time", "day", "weekday", "month", "date", "non_working"}
    unknown = set(spec) - known
    if unknown:
        raise ScheduleError(f"unknown field(s): {', '.join(sorted(unknown))}")
    non_working = spec.get("non_working", DEFAULT_NON_WORKING[every])
    if non_working not in NON_WORKING:
        raise ScheduleError(f"'non_working' must be one of {', '.join(NON_WORKING)}")
    return Schedule(
        every=every,
        at=parse_time(spec.get("time", "09:00")),
        day=_int(spec, "day", 1, 31) if every in ("month", "year") else None,
        weekday=_weekday(spec.get("weekday")) if every == "week" else None,
        month=_int(spec, "month", 1, 12) if every == "year" else None,
        on=_date(spec.get("date")) if every == "once" else None,
        non_working=non_working,
    )


def parse_time(value: Any) -> time:
    try:
        return clock_time(value)
    except ValueError as exc:
        raise ScheduleError(str(exc)) from None


def _int(spec: dict[str, Any], name: str, low: int, high: int) -> int:
    value = spec.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ScheduleError(f"'{name}' must be a whole number from {low} to {high}; got {value!r}")
    return value


def _weekday(value: Any) -> int:
    if str(value).lower()[:3] not in WEEKDAYS:
        raise ScheduleError(f"'weekday' must be one of {', '.join(WEEKDAYS)}; got {value!r}")
    return WEEKDAYS[str(value).lower()[:3]]


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ScheduleError(f"'date' must be YYYY-MM-DD (Christian era); got {value!r}") from None


def is_working_day(day: date, holidays: Set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def due_reminders(
    rules: Iterable[RuleTiming], since: datetime, until: datetime, *, holidays: Set[date], tz: ZoneInfo
) -> list[Due]:
    """Every due time in (since, until], sorted; since and until are aware datetimes."""
    first = since.astimezone(tz).date() - timedelta(days=MAX_SHIFT_DAYS)
    last = until.astimezone(tz).date() + timedelta(days=MAX_SHIFT_DAYS)
    found: set[Due] = set()
    for rule in rules:
        for day in _due_days(rule.schedule, first, last, holidays):
            due_at = datetime.combine(day, rule.schedule.at, tzinfo=tz)
            if since < due_at <= until:
                found.add(Due(due_at, rule.key))
    return sorted(found)


def _due_days(schedule: Schedule, first: date, last: date, holidays: Set[date]) -> Iterable[date]:
    day = first
    while day <= last:
        if _is_nominal(schedule, day):
            shifted = _shift(day, schedule.non_working, holidays)
            if shifted is not None:
                yield shifted
        day += timedelta(days=1)


def _is_nominal(schedule: Schedule, day: date) -> bool:
    every = schedule.every
    if every == "day":
        return True
    if every == "week":
        return day.weekday() == schedule.weekday
    if every == "month":
        return day.day == min(schedule.day or 1, calendar.monthrange(day.year, day.month)[1])
    if every == "year":
        if day.month != schedule.month:
            return False
        # 29 February in a common year falls on the 28th, as the 31st does in a 30-day month.
        return day.day == min(schedule.day or 1, calendar.monthrange(day.year, day.month)[1])
    if every == "once":
        return day == schedule.on
    if every == "fiscal_year_start":
        return (day.month, day.day) == (10, 1)
    return (day.month, day.day) == (9, 30)  # fiscal_year_end


def _shift(day: date, how: str, holidays: Set[date]) -> date | None:
    if how == "keep" or is_working_day(day, holidays):
        return day
    if how == "skip":
        return None
    step = timedelta(days=1 if how == "next" else -1)
    for _ in range(MAX_SHIFT_DAYS):
        day += step
        if is_working_day(day, holidays):
            return day
    return None


def lateness(due_at: datetime, now: datetime, grace: timedelta) -> str:
    """"on_time", "late" (send, and say so) or "missed" (record, do not send)."""
    delay = now - due_at
    if delay <= ON_TIME:
        return "on_time"
    return "late" if delay <= grace else "missed"

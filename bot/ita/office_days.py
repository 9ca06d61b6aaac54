"""The office's working days, on which a borrower picks items up and brings them back.

A day off is a weekend, a Thai public holiday, or one of the office's own days off. Public holidays come from the
`holidays` package (holidays.Thailand): it knows the lunar holidays (มาฆบูชา, วิสาขบูชา, อาสาฬหบูชา, เข้าพรรษา)
and the substitute days (ชดเชย) that a hand-kept list misses or gets wrong each year. The office's own days off
(and any special holiday the cabinet announces late) stay in bot/data/holidays.toml, seeded into the `holiday`
table; both count.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Holiday

# How far to look for a working day around a day off (Songkran with a weekend is the longest run).
SEARCH_DAYS = 14


@lru_cache(maxsize=8)
def _public_holidays(year: int) -> dict[date, str]:
    """Thailand's public holidays of a year, with Thai names (computed once per process: pure data)."""
    import holidays

    return dict(holidays.Thailand(years=year, language="th", categories=(holidays.PUBLIC,)))


def days_off(session: Session, first: date, last: date) -> dict[date, str]:
    """Every holiday (public or the office's own) in [first, last], with its name; weekends are not listed."""
    found: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        found.update({d: n for d, n in _public_holidays(year).items() if first <= d <= last})
    for holiday in session.scalars(select(Holiday).where(Holiday.day >= first, Holiday.day <= last)):
        found.setdefault(holiday.day, holiday.name)
    return found


class OfficeDays:
    """The working days around a period, read once: is_open() and the nearest open day before or after."""

    def __init__(self, session: Session, first: date, last: date) -> None:
        self.first = first - timedelta(days=SEARCH_DAYS)
        self.last = last + timedelta(days=SEARCH_DAYS)
        self.off: Mapping[date, str] = days_off(session, self.first, self.last)

    def is_open(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self.off

    def why_closed(self, day: date) -> str | None:
        """The holiday's name, "weekend" for a Saturday or Sunday, None when the office is open."""
        if day in self.off:
            return self.off[day]
        return "weekend" if day.weekday() >= 5 else None

    def open_before(self, day: date) -> date | None:
        return self._walk(day, -1)

    def open_after(self, day: date) -> date | None:
        return self._walk(day, 1)

    def _walk(self, day: date, step: int) -> date | None:
        for offset in range(1, SEARCH_DAYS + 1):
            candidate = day + timedelta(days=step * offset)
            if self.is_open(candidate):
                return candidate
        return None

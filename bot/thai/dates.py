"""Dates the Thai way: Buddhist Era, Thai month abbreviations, and the government fiscal year."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pythainlp.util import thai_strftime

BE_OFFSET = 543


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz)


def thai_date(day: date | datetime) -> str:
    """25 พ.ย. 2569"""
    moment = day if isinstance(day, datetime) else datetime(day.year, day.month, day.day)
    return thai_strftime(moment, "%-d %b %Y")


def thai_datetime(moment: datetime, tz: ZoneInfo) -> str:
    """25 พ.ย. 2569 เวลา 09:00 น. (in the office's time zone)"""
    return thai_strftime(moment.astimezone(tz), "%-d %b %Y เวลา %H:%M น.")


def fiscal_year_of(day: date) -> int:
    """Fiscal year N (BE) runs from 1 October of N-1 to 30 September of N."""
    return day.year + BE_OFFSET + (1 if day.month >= 10 else 0)


def fiscal_year_bounds(fiscal_year: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of fiscal year N (BE) as aware UTC datetimes."""
    ce_end_year = fiscal_year - BE_OFFSET
    start = datetime(ce_end_year - 1, 10, 1, tzinfo=tz)
    end = datetime(ce_end_year, 10, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


# The fiscal years (BE) every reader accepts, the CLI's --fy and the pages' ?fy= alike: wide enough for any record
# an office keeps and for loans booked ahead, narrow enough that a typo is refused rather than queried.
FISCAL_YEARS = range(2500, 2700)
_CE_FISCAL_YEARS = range(FISCAL_YEARS.start - BE_OFFSET, FISCAL_YEARS.stop - BE_OFFSET)


def parse_fiscal_year(typed: str) -> int | None:
    """The one reader of a fiscal year someone typed: the Buddhist-era year meant by 2570 or 70 (Buddhist era,
    two digits being 25xx) or 2027 (a Christian-era year Y is the fiscal year ending 30 Sep Y, so 2570); Thai
    digits too. None when it is none of these, or outside FISCAL_YEARS."""
    typed = typed.strip()
    if not typed.isdecimal() or len(typed) not in (2, 4):
        return None
    number = int(typed)
    if len(typed) == 2:
        return FISCAL_YEARS.start + number
    if number in FISCAL_YEARS:
        return number
    if number in _CE_FISCAL_YEARS:
        return number + BE_OFFSET
    return None


def thai_month(day: date) -> str:
    """พฤศจิกายน 2569: the month in full, as a month view's title names it."""
    return thai_strftime(datetime(day.year, day.month, 1), "%B %Y")


def clock_time(value: Any) -> time:
    """A time of day written HH:MM ("09:00"); ValueError, saying so, for anything else."""
    try:
        # Seconds are allowed (HH:MM:SS) for one-off rules set a moment ahead, as tests and drills do.
        parts = [int(part) for part in str(value).split(":")]
        if len(parts) not in (2, 3):
            raise ValueError(value)
        return time(*parts)
    except (TypeError, ValueError):
        raise ValueError(f"'time' must be HH:MM, such as \"09:00\"; got {value!r}") from None

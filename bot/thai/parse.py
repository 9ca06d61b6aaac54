"""Reading the dates people type in Thai: one date or a range, relative to a given `today`.

Pure functions, no clock: `today` is always a parameter, so every case is testable.

Read: "5 ธ.ค.", "5 ธันวาคม 2569", "๕ ธ.ค. ๖๙", "5/12/69", "5/12/2026", "2026-12-05", "วันที่ 5",
"วันนี้", "พรุ่งนี้", "มะรืน", "เสาร์นี้", "วันเสาร์หน้า", and ranges of any two of them joined by "-", "ถึง"
or "จนถึง" ("5-7 ธ.ค.", "30 ธ.ค. - 2 ม.ค.", "พรุ่งนี้ ถึง มะรืน"). A range shares what one side leaves out:
"5-7 ธ.ค. 69" is 5 to 7 December 2569 for both ends.

Years: four digits from 2400 are Buddhist era (BE = CE + 543), others Christian era; "พ.ศ." or "ค.ศ."
says so outright. Two digits are whichever reading lies nearer today ("69" is 2569 BE, "26" is 2026 CE).
A date without a year is its next occurrence from today (today or later); `far_ahead` says when that is
months away, so a bot can say so ("1 พ.ย." typed on 1 December is next November).

find_range() finds a date or a range inside a longer sentence ("ขอยืมเต็นท์ 2 หลัง เสาร์นี้ถึงอาทิตย์").

pythainlp's thai_strptime reads one fixed format; people type many, and ranges, so this module matches
the forms itself and leaves calendar arithmetic to datetime.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.thai.text import clean

BE_OFFSET = 543
MAX_DAYS_AHEAD = 366


class DateProblem(enum.StrEnum):
    UNREADABLE = "unreadable"  # not a date we can read
    IMPOSSIBLE = "impossible"  # 31 ก.พ., month 13
    PAST = "past"  # before today
    TOO_FAR = "too_far"  # more than a year ahead: most likely a typo in the year
    END_BEFORE_START = "end_before_start"


class DateError(ValueError):
    def __init__(self, problem: DateProblem, text: str = "") -> None:
        super().__init__(f"{problem.value}: {text}")
        self.problem = problem
        self.text = text


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


# Month names as written in full and as abbreviated (dots and the space between letters optional).
_MONTHS: tuple[tuple[int, tuple[str, ...], str], ...] = (
    (1, ("มกราคม",), "ม.ค."),
    (2, ("กุมภาพันธ์", "กุมภา"), "ก.พ."),
    (3, ("มีนาคม", "มีนา"), "มี.ค."),
    (4, ("เมษายน", "เมษา"), "เม.ย."),
    (5, ("พฤษภาคม", "พฤษภา"), "พ.ค."),
    (6, ("มิถุนายน", "มิถุนา"), "มิ.ย."),
    (7, ("กรกฎาคม", "กรกฏาคม", "กรกฎา"), "ก.ค."),
    (8, ("สิงหาคม", "สิงหา"), "ส.ค."),
    (9, ("กันยายน", "กันยา"), "ก.ย."),
    (10, ("ตุลาคม", "ตุลา"), "ต.ค."),
    (11, ("พฤศจิกายน", "พฤศจิกา"), "พ.ย."),
    (12, ("ธันวาคม", "ธันวา"), "ธ.ค."),
)
_EN_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _abbreviation_pattern(abbr: str) -> str:
    first, second = abbr.rstrip(".").split(".")
    return rf"{re.escape(first)}\.?\s?{re.escape(second)}\.?"


def _month_table() -> list[tuple[str, int]]:
    table: list[tuple[str, int]] = []
    for number, names, abbr in _MONTHS:
        table += [(re.escape(name), number) for name in names]
        table.append((_abbreviation_pattern(abbr), number))
    for number, name in enumerate(_EN_MONTHS, 1):
        table.append((rf"{name}[a-z]*\.?", number))
    # Longest first, so "มีนาคม" is not read as "มี.ค." followed by junk.
    return sorted(table, key=lambda entry: len(entry[0]), reverse=True)


_MONTH_TABLE = _month_table()
_MONTH = "(?P<month>" + "|".join(pattern for pattern, _ in _MONTH_TABLE) + ")"
_ERA = r"(?:(?P<era>พ\.?\s?ศ\.?|ค\.?\s?ศ\.?)\s?)?"
_YEAR = r"(?P<year>\d{4}|\d{2})"

_ISO = re.compile(r"^(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})$")
_NUMERIC = re.compile(r"^(?P<day>\d{1,2})[/.](?P<month>\d{1,2})(?:[/.]" + _YEAR + r")?$")
_NAMED = re.compile(r"^(?P<day>\d{1,2})\s?" + _MONTH + r"(?:\s?" + _ERA + _YEAR + r")?$")
_DAY_ONLY = re.compile(r"^(?P<day>\d{1,2})$")
_RANGE_SEPARATOR = re.compile(r"\s*(?:จนถึง|ถึง|–|—|-|~)\s*")
_FILLER = re.compile(r"วันที่|ตั้งแต่|ค่ะ|คะ|ครับ|นะ|จ้า|จ้ะ|,")

_WEEKDAYS = {
    "จันทร์": 0, "อังคาร": 1, "พุธ": 2, "พฤหัสบดี": 3, "พฤหัส": 3, "ศุกร์": 4, "เสาร์": 5, "อาทิตย์": 6,
}
_WEEKDAY = re.compile(
    r"^(?:วัน)?(?P<weekday>" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")(?P<which>นี้|หน้า)?$"
)
_RELATIVE = {"วันนี้": 0, "พรุ่งนี้": 1, "พรุ่งนี้นี้": 1, "มะรืน": 2, "มะรืนนี้": 2, "วันมะรืน": 2, "today": 0, "tomorrow": 1}


@dataclass(frozen=True)
class FoundRange:
    """What find_range() found in a sentence: the range, or the problem with the date that is there, and
    where it was (so the rest of the sentence can be read for other things)."""

    range: DateRange | None
    problem: DateProblem | None
    span: tuple[int, int]
    text: str


def far_ahead(day: date, today: date, months: int = 2) -> int | None:
    """The number of months (rounded) to `day` when it is more than `months` months after today, else None."""
    days = (day - today).days
    return round(days / 30.4) if days > months * 30.4 else None


@dataclass(frozen=True)
class _Partial:
    """One side of what was typed: a day with the month and year it named, or a date it named outright."""

    day: int
    month: int | None = None
    year: int | None = None  # CE
    exact: date | None = None
    weekday_only: bool = False  # "อาทิตย์" without นี้/หน้า: at the end of a range, the one on or after the start


def parse_date(text: str, today: date) -> date:
    """One date; a range is refused as unreadable here."""
    found = _parse_partial(_prepare(text), today)
    if found is None:
        raise DateError(DateProblem.UNREADABLE, text)
    return _check(_complete(found, today), today, text)


def parse_range(text: str, today: date, *, max_days_ahead: int = MAX_DAYS_AHEAD) -> DateRange:
    """A range "from - to", or one date as a range of one day. DateError says what is wrong."""
    prepared = _prepare(text)
    if not prepared:
        raise DateError(DateProblem.UNREADABLE, text)
    single = _parse_partial(prepared, today)
    if single is not None:
        day = _check(_complete(single, today), today, text, max_days_ahead)
        return DateRange(day, day)
    for separator in _RANGE_SEPARATOR.finditer(prepared):
        left = _parse_partial(prepared[: separator.start()], today)
        right = _parse_partial(prepared[separator.end() :], today)
        if left is not None and right is not None:
            start, end = _complete_range(left, right, today)
            start = _check(start, today, text, max_days_ahead)
            end = _check(end, today, text, max_days_ahead)
            if end < start:
                raise DateError(DateProblem.END_BEFORE_START, text)
            return DateRange(start, end)
    raise DateError(DateProblem.UNREADABLE, text)


def _prepare(text: str) -> str:
    text = _FILLER.sub(" ", clean(text))
    return re.sub(r"\s+", " ", text).strip()


def _parse_partial(text: str, today: date) -> _Partial | None:
    text = text.strip()
    if not text:
        return None
    compact = text.replace(" ", "")
    if compact in _RELATIVE:
        return _exact(today + timedelta(days=_RELATIVE[compact]))
    weekday = _WEEKDAY.match(compact)
    if weekday:
        day = _weekday_date(today, _WEEKDAYS[weekday["weekday"]], weekday["which"] == "หน้า")
        return _Partial(day.day, day.month, day.year, exact=day, weekday_only=weekday["which"] is None)
    iso = _ISO.match(text)
    if iso:
        return _Partial(int(iso["day"]), int(iso["month"]), int(iso["year"]))
    found = _NUMERIC.match(text) or _NAMED.match(text)
    if found:
        month = _month_number(found["month"])
        year = _year(found["year"], found.groupdict().get("era"), today) if found["year"] else None
        return _Partial(int(found["day"]), month, year)
    day_only = _DAY_ONLY.match(text)
    if day_only:
        return _Partial(int(day_only["day"]))
    return None


def _exact(day: date) -> _Partial:
    return _Partial(day.day, day.month, day.year, exact=day)


def _month_number(token: str) -> int:
    if token.isdigit():
        return int(token)
    for pattern, number in _MONTH_TABLE:
        if re.fullmatch(pattern, token):
            return number
    raise AssertionError(f"month pattern matched but no entry: {token!r}")


def _year(token: str, era: str | None, today: date) -> int:
    value = int(token)
    if era:
        be = era.startswith("พ")
        if len(token) == 2:
            value += 2500 if be else 2000
        return value - BE_OFFSET if be else value
    if len(token) == 4:
        return value - BE_OFFSET if value >= 2400 else value
    # Two digits: the reading nearer today ("69" -> 2569 BE = 2026; "26" -> 2026 CE).
    as_be, as_ce = 2500 + value - BE_OFFSET, 2000 + value
    return min((as_be, as_ce), key=lambda year: abs(year - today.year))


def _weekday_date(today: date, weekday: int, next_week: bool) -> date:
    """"เสาร์นี้": the coming Saturday (today if today is one). "เสาร์หน้า": the Saturday of next week, the week
    (Monday to Sunday) after this one; so on a Sunday "เสาร์หน้า ถึง อาทิตย์หน้า" is the coming weekend, and on a
    Wednesday "จันทร์หน้า" is the coming Monday, as people mean them."""
    if next_week:
        return today + timedelta(days=7 - today.weekday() + weekday)
    return today + timedelta(days=(weekday - today.weekday()) % 7)


def _complete(part: _Partial, today: date, *, on_or_after: date | None = None) -> date:
    """A date from a partial one: a missing month or year is the next occurrence on or after the anchor."""
    if part.exact is not None:
        return part.exact
    anchor = on_or_after or today
    if part.month is None:
        return _next_day_of_month(part.day, anchor)
    if part.year is not None:
        return _make(part.year, part.month, part.day)
    _make(2024, part.month, part.day)  # 2024 is a leap year: refuses only what no year allows (31 ก.พ.)
    for year in (anchor.year, anchor.year + 1, anchor.year + 2, anchor.year + 3, anchor.year + 4):
        try:
            candidate = date(year, part.month, part.day)
        except ValueError:
            continue  # 29 ก.พ. in a common year
        if candidate >= anchor:
            return candidate
    raise DateError(DateProblem.IMPOSSIBLE)


def _next_day_of_month(day: int, anchor: date) -> date:
    if not 1 <= day <= 31:
        raise DateError(DateProblem.IMPOSSIBLE)
    year, month = anchor.year, anchor.month
    for _ in range(13):
        try:
            candidate = date(year, month, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= anchor:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    raise DateError(DateProblem.IMPOSSIBLE)


def _make(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise DateError(DateProblem.IMPOSSIBLE) from None


def _complete_range(left: _Partial, right: _Partial, today: date) -> tuple[date, date]:
    """Each side takes from the other what it left out: "5-7 ธ.ค. 69" gives both ends month and year."""
    if left.exact is None and right.exact is None:
        month = left.month if left.month is not None else right.month
        if left.year is None and right.year is not None and month is not None and right.month is not None:
            # "30 ธ.ค. - 2 ม.ค. 70": the start is in the year before the end when its month comes later.
            year = right.year - 1 if month > right.month else right.year
            left = _Partial(left.day, month, year)
        else:
            left = _Partial(left.day, month, left.year)
        if right.month is None:
            right = _Partial(right.day, left.month, right.year if right.year is not None else left.year)
    start = _complete(left, today)
    if right.exact is not None and right.weekday_only and right.exact < start:
        # "เสาร์นี้ถึงอาทิตย์" typed on a Sunday: the Sunday after that Saturday, not today.
        return start, right.exact + timedelta(days=7 * ((start - right.exact).days // 7 + 1))
    if right.exact is not None or right.year is not None:
        return start, _complete(right, today)
    if right.month is None:
        return start, _complete(right, today, on_or_after=start)
    # The end takes the start's year; "30 ธ.ค. - 2 ม.ค." rolls into the next year, "7-5 ธ.ค." stays wrong.
    end = _make(start.year, right.month, right.day)
    if end < start and right.month != start.month:
        end = _make(start.year + 1, right.month, right.day)
    return start, end


def _check(day: date, today: date, text: str, max_days_ahead: int = MAX_DAYS_AHEAD) -> date:
    if day < today:
        raise DateError(DateProblem.PAST, text)
    if day > today + timedelta(days=max_days_ahead):
        raise DateError(DateProblem.TOO_FAR, text)
    return day


# -- a date inside a sentence -------------------------------------------------------------------------------

_ATOM = (
    r"(?:\d{4}-\d{1,2}-\d{1,2}"
    r"|\d{1,2}[/.]\d{1,2}(?:[/.](?:\d{4}|\d{2}))?(?!\d)"
    r"|\d{1,2}\s?(?:" + "|".join(pattern for pattern, _ in _MONTH_TABLE) + r")(?:\s?(?:(?:พ\.?\s?ศ\.?|ค\.?\s?ศ\.?)\s?)?"
    r"(?:\d{4}|\d{2})(?!\d))?"
    r"|(?:วัน)?(?:" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")(?:นี้|หน้า)?(?!ๆ|หน้า|นี้)"
    r"|วันนี้|พรุ่งนี้|มะรืนนี้|มะรืน|today|tomorrow"
    r"|วันที่\s?\d{1,2}(?![\d/.])"
    r")"
)
_DAY = r"(?:วันที่\s?)?\d{1,2}"
_SEP = r"\s*(?:จนถึง|ถึง|–|—|-|~)\s*(?:วันที่\s?|วัน)?"
# A range (of two dates, or a bare day and a date: "5-7 ธ.ค."), else one date; "ตั้งแต่"/"วันที่" before it.
_IN_SENTENCE = re.compile(
    r"(?:ตั้งแต่\s?)?(?:วันที่\s?)?(?:(?:" + _ATOM + "|" + _DAY + ")" + _SEP + _ATOM + "|" + _ATOM + ")"
)


def find_range(text: str, today: date, *, max_days_ahead: int = MAX_DAYS_AHEAD) -> FoundRange | None:
    """The first date or range in a sentence, read as parse_range() reads it; None when there is none.

    `text` is read as clean() gives it, and the span is in that cleaned text. A bare number is not a date
    here ("เต็นท์ 2 หลัง"): only with "วันที่" before it, or as the first day of a range ("5-7 ธ.ค.").
    """
    cleaned = clean(text)
    for found in _IN_SENTENCE.finditer(cleaned):
        if found.start() > 0 and cleaned[found.start() - 1].isdigit():
            continue
        piece = found.group(0)
        try:
            return FoundRange(parse_range(piece, today, max_days_ahead=max_days_ahead), None, found.span(), piece)
        except DateError as exc:
            if exc.problem is DateProblem.UNREADABLE:
                continue
            return FoundRange(None, exc.problem, found.span(), piece)
    return None

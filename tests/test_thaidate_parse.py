"""The Thai date reader, as a table: what people type, and the range (or the problem) it means."""

from __future__ import annotations

from datetime import date

import pytest

from bot.thai.parse import DateError, DateProblem, DateRange, parse_date, parse_range

TODAY = date(2026, 11, 25)  # a Wednesday; 2569 BE


def d(day: int, month: int, year: int = 2026) -> date:
    return date(year, month, day)


VALID: list[tuple[str, date, date]] = [
    # one date, the forms of the issue
    ("5 ธ.ค.", d(5, 12), d(5, 12)),
    ("5 ธ.ค", d(5, 12), d(5, 12)),
    ("5 ธค", d(5, 12), d(5, 12)),
    ("5ธ.ค.", d(5, 12), d(5, 12)),
    ("5 ธันวาคม", d(5, 12), d(5, 12)),
    ("5 ธันวา", d(5, 12), d(5, 12)),
    ("5/12/69", d(5, 12), d(5, 12)),
    ("05/12/2569", d(5, 12), d(5, 12)),
    ("5/12/2026", d(5, 12), d(5, 12)),
    ("5.12.69", d(5, 12), d(5, 12)),
    ("5/12", d(5, 12), d(5, 12)),
    ("๕ ธันวาคม ๒๕๖๙", d(5, 12), d(5, 12)),
    ("๕/๑๒/๖๙", d(5, 12), d(5, 12)),
    ("2026-12-05", d(5, 12), d(5, 12)),
    ("วันที่ 5 ธ.ค. 2569", d(5, 12), d(5, 12)),
    ("5 ธ.ค. พ.ศ. 2569", d(5, 12), d(5, 12)),
    ("5 ธ.ค. ค.ศ. 2026", d(5, 12), d(5, 12)),
    ("5 ธ.ค. 69", d(5, 12), d(5, 12)),
    ("5 ธ.ค. 26", d(5, 12), d(5, 12)),
    ("5 dec 2026", d(5, 12), d(5, 12)),
    ("5 December", d(5, 12), d(5, 12)),
    ("5 ธ.ค. ค่ะ", d(5, 12), d(5, 12)),
    # every month name, the next occurrence when no year is given
    ("10 มกราคม", d(10, 1, 2027), d(10, 1, 2027)),
    ("10 ก.พ.", d(10, 2, 2027), d(10, 2, 2027)),
    ("10 มี.ค.", d(10, 3, 2027), d(10, 3, 2027)),
    ("10 เม.ย. 70", d(10, 4, 2027), d(10, 4, 2027)),
    ("10 พฤษภาคม 2570", d(10, 5, 2027), d(10, 5, 2027)),
    ("10 มิ.ย.", d(10, 6, 2027), d(10, 6, 2027)),
    ("10 กรกฎาคม", d(10, 7, 2027), d(10, 7, 2027)),
    ("10 กรกฏาคม", d(10, 7, 2027), d(10, 7, 2027)),
    ("10 ส.ค.", d(10, 8, 2027), d(10, 8, 2027)),
    ("10 ก.ย.", d(10, 9, 2027), d(10, 9, 2027)),
    ("10 ต.ค.", d(10, 10, 2027), d(10, 10, 2027)),
    ("30 พ.ย.", d(30, 11), d(30, 11)),
    ("25 พ.ย.", d(25, 11), d(25, 11)),
    ("24 พ.ย.", d(24, 11, 2027), d(24, 11, 2027)),
    ("28 ก.พ. 2570", d(28, 2, 2027), d(28, 2, 2027)),
    # words
    ("วันนี้", d(25, 11), d(25, 11)),
    ("พรุ่งนี้", d(26, 11), d(26, 11)),
    ("พรุ่งนี้ค่ะ", d(26, 11), d(26, 11)),
    ("มะรืน", d(27, 11), d(27, 11)),
    ("มะรืนนี้", d(27, 11), d(27, 11)),
    ("เสาร์นี้", d(28, 11), d(28, 11)),
    ("วันเสาร์นี้", d(28, 11), d(28, 11)),
    ("วันเสาร์หน้า", d(5, 12), d(5, 12)),
    ("พุธนี้", d(25, 11), d(25, 11)),
    ("อาทิตย์นี้", d(29, 11), d(29, 11)),
    ("วันจันทร์", d(30, 11), d(30, 11)),
    ("วันที่ 28", d(28, 11), d(28, 11)),
    ("วันที่ 3", d(3, 12), d(3, 12)),
    # ranges
    ("5-7 ธ.ค.", d(5, 12), d(7, 12)),
    ("5 - 7 ธ.ค. 69", d(5, 12), d(7, 12)),
    ("5 ถึง 7 ธันวาคม", d(5, 12), d(7, 12)),
    ("5 ธ.ค. - 7 ธ.ค.", d(5, 12), d(7, 12)),
    ("5 ธ.ค. 69 ถึง 7 ธ.ค. 69", d(5, 12), d(7, 12)),
    ("ตั้งแต่วันที่ 5 ธ.ค. จนถึงวันที่ 7 ธ.ค.", d(5, 12), d(7, 12)),
    ("5/12/69-7/12/69", d(5, 12), d(7, 12)),
    ("2026-12-05 - 2026-12-07", d(5, 12), d(7, 12)),
    ("๕-๗ ธ.ค. ๒๕๖๙", d(5, 12), d(7, 12)),
    ("28 พ.ย. - 2 ธ.ค.", d(28, 11), d(2, 12)),
    ("30 พ.ย. ถึง 1 ธ.ค. 69", d(30, 11), d(1, 12)),
    ("30 ธ.ค. - 2 ม.ค.", d(30, 12), d(2, 1, 2027)),
    ("31 ธ.ค. 69 - 1 ม.ค. 70", d(31, 12), d(1, 1, 2027)),
    ("30 ธ.ค. - 2 ม.ค. 2570", d(30, 12), d(2, 1, 2027)),
    ("30-31 ธ.ค.", d(30, 12), d(31, 12)),
    ("พรุ่งนี้ - มะรืน", d(26, 11), d(27, 11)),
    ("พรุ่งนี้ ถึง 30 พ.ย.", d(26, 11), d(30, 11)),
    ("เสาร์นี้ - อาทิตย์นี้", d(28, 11), d(29, 11)),
    ("28-30", d(28, 11), d(30, 11)),
    ("1 - 2 ธ.ค.", d(1, 12), d(2, 12)),
    ("5 ธันวาคม 2569 - 7 ธันวาคม 2569", d(5, 12), d(7, 12)),
    ("5 ธ.ค. 2569 - 7 ธ.ค. 2569", d(5, 12), d(7, 12)),
]

INVALID: list[tuple[str, DateProblem]] = [
    ("31 ก.พ.", DateProblem.IMPOSSIBLE),
    ("30 ก.พ. 2570", DateProblem.IMPOSSIBLE),
    ("29 ก.พ. 2570", DateProblem.IMPOSSIBLE),
    ("31/4/70", DateProblem.IMPOSSIBLE),
    ("5/13/69", DateProblem.IMPOSSIBLE),
    ("0 ธ.ค.", DateProblem.IMPOSSIBLE),
    ("32 ธ.ค.", DateProblem.IMPOSSIBLE),
    ("2026-02-30", DateProblem.IMPOSSIBLE),
    ("1 ม.ค. 2569", DateProblem.PAST),
    ("20 พ.ย. 69", DateProblem.PAST),
    ("24/11/2026", DateProblem.PAST),
    ("5 ธ.ค. 2568", DateProblem.PAST),
    ("5 ธ.ค. 2571", DateProblem.TOO_FAR),
    ("5 ธ.ค. 2027", DateProblem.TOO_FAR),
    ("7-5 ธ.ค.", DateProblem.END_BEFORE_START),
    ("7 ธ.ค. 69 - 5 ธ.ค. 69", DateProblem.END_BEFORE_START),
    ("2 ม.ค. 70 - 30 ธ.ค. 69", DateProblem.END_BEFORE_START),
    ("เร็วๆ นี้", DateProblem.UNREADABLE),
    ("ต้นเดือนหน้า", DateProblem.UNREADABLE),
    ("", DateProblem.UNREADABLE),
    ("abc", DateProblem.UNREADABLE),
    ("5 ธ.ค. 123", DateProblem.UNREADABLE),
    ("5-7-9 ธ.ค.", DateProblem.UNREADABLE),
    ("เต็นท์ 3 หลัง", DateProblem.UNREADABLE),
]


@pytest.mark.parametrize(("typed", "start", "end"), VALID, ids=[case[0] or "empty" for case in VALID])
def test_valid_dates_and_ranges(typed: str, start: date, end: date) -> None:
    assert parse_range(typed, TODAY) == DateRange(start, end)


@pytest.mark.parametrize(("typed", "problem"), INVALID, ids=[case[0] or "empty" for case in INVALID])
def test_invalid_dates_say_what_is_wrong(typed: str, problem: DateProblem) -> None:
    with pytest.raises(DateError) as caught:
        parse_range(typed, TODAY)
    assert caught.value.problem is problem


def test_the_table_is_large_enough() -> None:
    assert len(VALID) + len(INVALID) >= 60


def test_parse_date_reads_one_date_and_refuses_a_range() -> None:
    assert parse_date("5 ธ.ค.", TODAY) == d(5, 12)
    with pytest.raises(DateError):
        parse_date("5-7 ธ.ค.", TODAY)


def test_a_range_counts_its_days_inclusively() -> None:
    assert parse_range("5-7 ธ.ค.", TODAY).days == 3


@pytest.mark.parametrize(("today", "typed", "start", "end"), [
    (d(29, 11), "เสาร์หน้า ถึง อาทิตย์หน้า", d(5, 12), d(6, 12)),  # said on a Sunday: the coming weekend
    (d(29, 11), "อาทิตย์นี้", d(29, 11), d(29, 11)),
    (d(25, 11), "จันทร์หน้า", d(30, 11), d(30, 11)),  # said on a Wednesday: the Monday of next week
    (d(25, 11), "พุธหน้า", d(2, 12), d(2, 12)),
    (d(30, 11), "จันทร์หน้า", d(7, 12), d(7, 12)),  # said on a Monday: a week on
])
def test_next_week_is_the_monday_to_sunday_week_after_this_one(today: date, typed: str, start: date, end: date) -> None:
    assert parse_range(typed, today) == DateRange(start, end)


def test_next_year_dates_near_the_year_end() -> None:
    new_year_eve = date(2026, 12, 31)
    assert parse_range("2 ม.ค.", new_year_eve) == DateRange(d(2, 1, 2027), d(2, 1, 2027))
    assert parse_range("พรุ่งนี้", new_year_eve) == DateRange(d(1, 1, 2027), d(1, 1, 2027))
    assert parse_range("เสาร์นี้", date(2026, 11, 28)) == DateRange(d(28, 11), d(28, 11)), "today is Saturday"

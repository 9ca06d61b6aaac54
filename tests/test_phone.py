"""The one phone reader (bot.thai.text.parse_phone), used by the complaint and the loan flows alike."""

from __future__ import annotations

import pytest

from bot.thai.text import parse_phone


@pytest.mark.parametrize(("typed", "expected"), [
    ("0812345678", "0812345678"),
    ("081-234-5678", "0812345678"),
    ("081 234 5678", "0812345678"),
    ("081.234.5678", "0812345678"),
    ("(081) 234-5678", "0812345678"),
    ("๐๘๑-๒๓๔-๕๖๗๘", "0812345678"),
    ("๐๘๑ ๒๓๔ ๕๖๗๘", "0812345678"),
    ("0612345678", "0612345678"),
    ("0912345678", "0912345678"),
    ("+66 81 234 5678", "0812345678"),
    ("+66812345678", "0812345678"),
    ("66812345678", "0812345678"),
    ("+66 (0)81-234-5678", "0812345678"),
    ("+๖๖ ๘๑ ๒๓๔ ๕๖๗๘", "0812345678"),
    ("02-123-4567", "021234567"),
    ("(02) 123 4567", "021234567"),
    ("043-123-456", "043123456"),
    ("+66 43 123 456", "043123456"),
    ("  0812345678  ", "0812345678"),
])
def test_thai_numbers_as_people_write_them_are_read_in_national_form(typed, expected):
    assert parse_phone(typed) == expected


@pytest.mark.parametrize("typed", [
    "", "12345", "081234567",  # too few digits for a mobile
    "08123456789",  # too many
    "0212345678",  # a land line with a mobile's length
    "01-234-5678", "0012345678",  # no Thai number starts so
    "812345678",  # the leading 0 forgotten
    "+1 415 555 0100", "+6681234567",  # another country; +66 with too few digits
    "โทรมาได้เลย", "081-234-5678 ต่อ 12", "081234567x", "081/234/5678", "081_234_5678",
    "0812345678 0898765432",  # two numbers
    "++66812345678", "66 66812345678",
])
def test_anything_else_is_refused(typed):
    assert parse_phone(typed) is None

"""Reading a whole loan request from one sentence: the items with their quantities, the dates, a phone number,
the borrower's name and what it is for.

    parse_request("ยืมโต๊ะ 10 ตัว เก้าอี้ 100 ตัว เสาร์นี้ถึงอาทิตย์", assets, today)
    -> items [(โต๊ะพับ, 10), (เก้าอี้พลาสติก, 100)], dates 21-22 Nov, rest ""

Each quantity belongs to the item it follows ("โต๊ะ 10 ตัว เก้าอี้ 100 ตัว" is 10 tables and 100 chairs, never
10 chairs); an item without one has None, for the flow to ask. Pure: no database, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.thai.parse import FoundRange, find_range
from bot.thai.text import clean, parse_phone
from models import Asset

# Where a phone number may stand in a sentence (0..., +66 ..., +66 (0)..., 66...; spaces, dashes or dots between
# groups); whether it is one, and its national form, parse_phone says.
_PHONE = re.compile(r"(?<![\d+])(?:\+66[\s-]?(?:\(0\)[\s-]?)?|66(?=\d)|0)\d{1,2}[\s.-]?\d{3}[\s.-]?\d{3,4}(?!\d)")
# What a request says besides its slots: dropped before the rest is read as a purpose.
_FILLER = re.compile(
    r"ลงทะเบียน|ต้องการ|อยากจะ|อยาก|ขอยืม|ยืม|ขอ|จำนวน|หน่อย|ด้วย|ค่ะ|คะ|ครับ|นะ|จ้า|จ้ะ|และ|กับ|โทร\.?|เบอร์|"
    r"ตั้งแต่|วันที่|[,;:()]"
)
# The borrower's name, when the sentence gives it: "ชื่อ สมศรี ดีใจ", "ผู้ยืม สมศรี ดีใจ" (a first name and a
# surname, no digits).
_NAME = re.compile(r"(?:ชื่อ|ผู้ยืม)\s*:?\s*([^\d\s,]{2,40}(?:\s+[^\d\s,]{2,40})?)")
# A purpose names an event or a use: "งานบุญ", "ใช้ที่ศาลา", "สำหรับประชุม", "เพื่อจัดงาน".
_PURPOSE_MARKERS = ("งาน", "ใช้", "สำหรับ", "เพื่อ", "ประชุม", "กิจกรรม")
_NUMBER_WORD = re.compile(r"[\u0e00-\u0e7f]+")


@dataclass(frozen=True)
class RequestedItem:
    asset: Asset
    quantity: int | None  # None: not said


@dataclass(frozen=True)
class ParsedRequest:
    items: list[RequestedItem] = field(default_factory=list)
    dates: FoundRange | None = None  # the range, or the problem with the date typed
    phone: str | None = None  # its national form (parse_phone); None when none is there
    purpose: str | None = None
    name: str | None = None  # the borrower's, after "ชื่อ"/"ผู้ยืม"
    rest: str = ""  # what is left once the slots are taken out


def parse_request(text: str, assets: Sequence[Asset], today: date) -> ParsedRequest:
    """Every slot one sentence fills; see the module's docstring."""
    cleaned = clean(text)
    blanked = cleaned
    phone = None
    found_phone = _PHONE.search(blanked)
    if found_phone:
        phone = parse_phone(found_phone.group(0))
        blanked = _blank(blanked, found_phone.span())
    name = None
    found_name = _NAME.search(blanked)
    if found_name:
        name = found_name.group(1).strip()
        blanked = _blank(blanked, found_name.span())
    dates = find_range(blanked, today)
    if dates is not None:
        blanked = _blank(blanked, dates.span)
    mentions = _mentions(blanked, assets)
    items: list[RequestedItem] = []
    for index, (start, end, asset) in enumerate(mentions):
        following = mentions[index + 1][0] if index + 1 < len(mentions) else len(blanked)
        quantity, span = _quantity_after(blanked, end, following, asset)
        blanked = _blank(blanked, (start, end))
        if span is not None:
            blanked = _blank(blanked, span)
        if any(item.asset.id == asset.id for item in items):
            continue  # "เต็นท์ 2 หลัง (เต็นท์สีฟ้า)": the first mention counts
        items.append(RequestedItem(asset, quantity))
    if len(items) == 1 and items[0].quantity is None:
        # "ขอยืม 3 หลัง เต็นท์": a number followed by the item's unit anywhere in the sentence.
        unit = re.search(rf"(\d+)\s*{re.escape(clean(items[0].asset.count_unit))}", blanked)
        if unit:
            items[0] = RequestedItem(items[0].asset, int(unit.group(1)))
            blanked = _blank(blanked, unit.span())
    rest = re.sub(r"\s+", " ", _FILLER.sub(" ", blanked)).strip()
    purpose = rest if len(rest) >= 4 and any(marker in rest for marker in _PURPOSE_MARKERS) else None
    return ParsedRequest(items, dates, phone, purpose, name, rest)


def _blank(text: str, span: tuple[int, int]) -> str:
    """`text` with `span` replaced by spaces: the other spans keep their places."""
    return text[: span[0]] + " " * (span[1] - span[0]) + text[span[1] :]


def _mentions(text: str, assets: Sequence[Asset]) -> list[tuple[int, int, Asset]]:
    """Where the sentence names an item, left to right; the longest name wins where two overlap
    ("โต๊ะพับ" over "โต๊ะ", "เต็นท์" over its alias "เต็น")."""
    candidates: list[tuple[int, int, Asset]] = []
    for asset in assets:
        for word in {clean(w) for w in (asset.name, *asset.aliases)}:
            if not word:
                continue
            for found in re.finditer(re.escape(word), text):
                candidates.append((found.start(), found.end(), asset))
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int, Asset]] = []
    for candidate in candidates:
        if all(candidate[1] <= s or candidate[0] >= e for s, e, _ in taken):
            taken.append(candidate)
    return sorted(taken, key=lambda c: c[0])


def _quantity_after(text: str, end: int, limit: int, asset: Asset) -> tuple[int | None, tuple[int, int] | None]:
    """The number right after an item's name ("เต็นท์ 2 หลัง", "เต็นท์สองหลัง"), with its span."""
    segment = text[end:limit]
    unit = re.escape(clean(asset.count_unit))
    digits = re.match(rf"\s*(\d{{1,6}})\s*(?:{unit})?", segment)
    if digits:
        return int(digits.group(1)), (end + digits.start(1), end + digits.end())
    words = re.match(rf"\s*([\u0e00-\u0e7f]+?)\s*{unit}", segment)
    if words:
        number = _thai_number(words.group(1))
        if number is not None:
            return number, (end + words.start(1), end + words.end())
    return None, None


def _thai_number(word: str) -> int | None:
    from pythainlp.util import thaiword_to_num

    try:
        return int(thaiword_to_num(word))
    except (ValueError, TypeError):
        return None


@dataclass(frozen=True)
class ReturnProblem:
    """One item staff found damaged or lost on return: "เต็นท์ ชำรุด 1 ผ้าใบขาด"."""

    asset: Asset
    lost: bool  # else damaged
    quantity: int
    note: str | None


def parse_return_problems(
    text: str, assets: Sequence[Asset], damaged_words: Sequence[str], lost_words: Sequence[str]
) -> list[ReturnProblem] | None:
    """Each line (or part between commas) names an item of the loan, "ชำรุด" or "หาย", a number (1 when none) and
    a note; a loan of one item may leave its name out. None when a part cannot be read."""
    problems: list[ReturnProblem] = []
    for raw in re.split(r"[\n,]+", text):  # split before clean(), which joins the lines
        part = clean(raw)
        if not part:
            continue
        mentions = _mentions(part, assets)
        if mentions:
            start, end, asset = mentions[0]
            part = _blank(part, (start, end))
        elif len(assets) == 1:
            asset = assets[0]
        else:
            return None
        word = next((w for w in (*lost_words, *damaged_words) if w in part), None)
        if word is None:
            return None
        lost = word in lost_words
        part = part.replace(word, " ", 1)
        number = re.search(r"\d+", part)
        quantity = int(number.group(0)) if number else 1
        if number:
            part = _blank(part, number.span())
        part = part.replace(clean(asset.count_unit), " ", 1)
        note = re.sub(r"\s+", " ", part).strip(" -:") or None
        problems.append(ReturnProblem(asset, lost, quantity, note))
    return problems or None

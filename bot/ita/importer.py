"""Parse the office's OCR'd ITA report into typed records.

Pure parsing: no database, no network. The report is OCR text, so every field goes through
`clean_text`, which undoes the OCR's faults (HTML list markup, misread letters, spaces where the
original line wrapped) while keeping the spaces Thai puts between phrases.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from pythainlp.corpus import thai_words
from pythainlp.tokenize import word_tokenize
from pythainlp.util import thai_digit_to_arabic_digit

from bot.datafile import DataFileError, data_file, read_toml

FIXES_FILE = "ocr_fixes.toml"
REPORT_FILE = "ita_report_2568.txt"

EXPECTED_MEASURES = 7
COLUMNS = 7  # ลำดับ, มาตรการ, ขั้นตอน, ช่วงเวลา, ผู้รับผิดชอบ, ผลการดำเนินการ, ผลลัพธ์

# Canonical unit names keyed by the spellings a report may use. A unit not listed here keeps
# its cleaned name, so a new unit in next year's report is imported, not dropped.
UNIT_ALIASES: dict[str, str] = {
    "สำนักปลัด": "สำนักปลัด",
    "สำนักงานปลัด": "สำนักปลัด",
    "กองคลัง": "กองคลัง",
}
# Units are listed with commas or slashes, or run on with "และ" or a space before the next
# "กอง..."/"สำนัก..."; a "และ" inside a name ("กองการศึกษา ศาสนาและวัฒนธรรม") does not split it.
_UNIT_SEPARATOR = re.compile(r"\s*[,/]\s*|\s*และ\s*(?=กอง|สำนัก)|\s+(?=กอง|สำนัก)")
_ALL_UNITS = re.compile(r"^ทุก\s*(?:หน่วยงาน|ส่วนราชการ|กอง|สำนัก)")

# Compounds of this office missing from pythainlp's dictionary; without them the wrap in
# "ตำบล ดอนกลาง" would look like a pause between phrases.
OFFICE_WORDS = frozenset(
    {"ดอนกลาง", "ตำบลดอนกลาง", "องค์การบริหารส่วนตำบลดอนกลาง", "อบต.ดอนกลาง", "หน่วยงานภายใน"}
)

# Words that cannot end a Thai phrase: prefixes, prepositions, conjunctions, auxiliaries and
# verbs that must take an object. A space right after one is where the line wrapped, not a pause.
BOUND_BEFORE = frozenset(
    {
        "การ", "ความ", "ผู้", "ของ", "ใน", "ที่", "และ", "หรือ", "กับ", "แก่", "ต่อ", "เพื่อ",
        "เพื่อให้", "โดย", "จาก", "ถึง", "ซึ่ง", "ทั้ง", "ระหว่าง", "ร่วมใน",
        "มี", "ให้", "เป็น", "สามารถ", "หา", "รับ", "จัดทำ", "จัดส่ง", "ขอยืม", "เข้าถึง",
    }
)
# Words that cannot start a phrase: they modify the word before them.
BOUND_AFTER = frozenset({"ของ", "สูงสุด", "หลัก", "โดยตรง"})
# Prefixes newmm glues onto the next word ("ความซื่อสัตย์"); the word after the prefix can still
# be the first half of a compound that a wrap split ("ซื่อสัตย์ สุจริต").
NOMINAL_PREFIXES = ("ความ", "การ", "ผู้")
_MAX_WORD = 24  # longer than any compound a wrap splits; bounds the dictionary probes

# Dashes inside a phrase ("ยืม - คืน", borrow - return) that must not be read as bullets.
DASH_PAIRS = ("ยืม - คืน", "รับ - ส่ง", "เข้า - ออก")
_DASH_GUARD = "\ue000"  # private-use character: cannot occur in the report

_THAI_LETTER = "\u0e01-\u0e4f"  # letters, vowels and marks; not the Thai digits
_THAI_START = re.compile(f"[{_THAI_LETTER}]")
_THAI_END = re.compile(f"[{_THAI_LETTER}]$")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>?")  # the ">" may be lost when OCR cuts a tag
_MARKDOWN_BOLD = re.compile(r"\*\*")
_SPACES = re.compile(r"\s+")
_LI = re.compile(r"<li\b[^<>]*>?", re.IGNORECASE)
_LEADING_BULLET = re.compile(r"^[-•]\s*")
_PLAIN_BULLET = re.compile(r"(?:^|\s)-\s+")  # "- " opening the cell or after a space
_ROW_START = re.compile(r"^\s*([0-9๐-๙]{1,3})\s*\t")
_HEADER_ROW = re.compile(r"^\s*ลำดับ\s*\t")


class ReportFormatError(DataFileError):
    """The report text, or its OCR fixes, lack something the importer needs; the message says what."""


@dataclass(frozen=True)
class MeasureRecord:
    number: int
    title: str
    steps: tuple[str, ...]
    period: str
    responsible: str
    units: tuple[str, ...]
    all_units: bool
    results: tuple[str, ...]
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class ReportRecord:
    office_name: str
    district: str
    province: str
    fiscal_year: int
    ita_score: float
    ita_level: str
    measures: tuple[MeasureRecord, ...]


# ---------------------------------------------------------------------------------------------
# OCR fixes


def load_ocr_fixes(path: str | Path | None = None) -> dict[str, str]:
    """Wrong -> right pairs from the TOML file; every table in it contributes."""
    source = Path(path) if path is not None else data_file(FIXES_FILE)
    _, document = read_toml(source, ReportFormatError)
    fixes: dict[str, str] = {}
    for table_name, table in document.items():
        if not isinstance(table, dict):
            raise ReportFormatError(f"{source}: {table_name!r} must be a table of wrong = right")
        for wrong, right in table.items():
            if not isinstance(right, str):
                raise ReportFormatError(f"{source}: [{table_name}] {wrong!r} must map to a string")
            if not wrong.strip():
                raise ReportFormatError(f"{source}: [{table_name}] has an empty key")
            fixes[_squash(wrong)] = _squash(right)
    for wrong in fixes:
        for right in fixes.values():
            # Such a pair would be rewritten again and again by _apply_fixes.
            if wrong in right:
                raise ReportFormatError(f"{source}: the correction {right!r} contains the fault {wrong!r}")
    return fixes


@lru_cache(maxsize=8)
def _fix_pattern(keys: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so a fix for a phrase wins over a fix for a word inside it.
    ordered = sorted(keys, key=len, reverse=True)
    return re.compile("|".join(re.escape(key) for key in ordered))


def _apply_fixes(text: str, fixes: Mapping[str, str]) -> str:
    if not fixes:
        return text
    pattern = _fix_pattern(tuple(sorted(fixes)))
    # Until stable, because one fix can complete another; bounded in case a caller's own fixes
    # feed each other.
    for _ in range(len(fixes) + 1):
        fixed = pattern.sub(lambda match: fixes[match.group(0)], text)
        if fixed == text:
            break
        text = fixed
    return text


# ---------------------------------------------------------------------------------------------
# Text cleaning


def clean_text(text: str, fixes: Mapping[str, str]) -> str:
    """Strip markup, fix misread words, join line-wrap spaces and normalise whitespace."""
    text = _apply_fixes(_squash(_strip_markup(text)), fixes)
    text = _join_line_wraps(text)
    # Joining can complete a misread word that the wrap had split ("ตอน กลาง").
    return _squash(_apply_fixes(text, fixes))


def _squash(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def _strip_markup(text: str) -> str:
    # Unescape first so an escaped tag is removed too; a tag becomes a space because
    # "</li><li>" separates words just as a line break does.
    text = _TAG.sub(" ", html.unescape(text))
    return _MARKDOWN_BOLD.sub("", text)


@lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    return frozenset(thai_words()) | OFFICE_WORDS


@lru_cache(maxsize=4096)
def _tokens(chunk: str) -> tuple[str, ...]:
    return tuple(word_tokenize(chunk, engine="newmm", keep_whitespace=False))


def _join_line_wraps(text: str) -> str:
    chunks = text.split(" ")
    joined = [chunks[0]]
    for left, right in itertools.pairwise(chunks):
        if _is_line_wrap(left, right):
            joined[-1] += right
        else:
            joined.append(right)
    return " ".join(joined)


def _is_line_wrap(left: str, right: str) -> bool:
    # Only a space between Thai words can be a wrap: spaces next to Latin words, digits and
    # brackets stay ("(After Action Review : AAR)", "ตัวชี้วัดที่ ๙.๓").
    if not _THAI_START.match(right) or not (_THAI_END.search(left) or left.endswith(".")):
        return False
    left_tokens, right_tokens = _tokens(left), _tokens(right)
    if not left_tokens or not right_tokens or "." in right_tokens[0]:
        return False  # Thai sets an abbreviation off by a space: "ระหว่าง อบต.ดอนกลาง"
    if left_tokens[-1] in BOUND_BEFORE or right_tokens[0] in BOUND_AFTER:
        return True
    return _space_splits_word(left_tokens, right)


def _space_splits_word(left_tokens: tuple[str, ...], right: str) -> bool:
    """True when the last words before the space and the start of `right` form a dictionary word.

    The left part must start on a token boundary, so a chance hit that starts inside a word
    ("หน่วย|งานประจำ" in "หน่วยงาน ประจำ") does not count; the rest of `right` must start with a
    word, which lets "ช่อง ทางการ..." join as "ช่องทาง|การ..." although newmm reads "ช่อง|ทางการ".
    """
    words = _dictionary()
    for head in _heads(left_tokens):
        for size in range(2, min(len(right), _MAX_WORD) + 1):
            if head + right[:size] in words and _starts_with_word(right[size:]):
                return True
    return False


def _heads(left_tokens: tuple[str, ...]) -> list[str]:
    heads = ["".join(left_tokens[-count:]) for count in range(1, min(3, len(left_tokens)) + 1)]
    last = left_tokens[-1]
    heads += [last[len(p) :] for p in NOMINAL_PREFIXES if last.startswith(p) and len(last) > len(p)]
    return heads


def _starts_with_word(rest: str) -> bool:
    if not _THAI_START.match(rest):
        return True
    return _tokens(rest)[0] in _dictionary()


# ---------------------------------------------------------------------------------------------
# Cells


def split_bullets(cell: str, fixes: Mapping[str, str]) -> tuple[str, ...]:
    """One cleaned item per bullet, whether the cell uses <li> items or "- " markers."""
    if _LI.search(cell):
        # Inside <li> items a " - " is text ("ยืม - คืน"); only the leading "- " is a marker.
        raw_items = _LI.split(cell)
    else:
        text = _squash(_strip_markup(cell))
        for pair in DASH_PAIRS:
            text = text.replace(pair, pair.replace("-", _DASH_GUARD))
        raw_items = [item.replace(_DASH_GUARD, "-") for item in _PLAIN_BULLET.split(text)]
    items = (clean_text(_LEADING_BULLET.sub("", _squash(_strip_markup(raw))), fixes) for raw in raw_items)
    return tuple(item for item in items if item)


def _units(responsible: str) -> tuple[bool, tuple[str, ...]]:
    if _ALL_UNITS.match(responsible):
        return True, ()
    units: list[str] = []
    for part in _UNIT_SEPARATOR.split(responsible):
        name = UNIT_ALIASES.get(part.strip(), part.strip())
        if name and name not in units:
            units.append(name)
    return False, tuple(units)


# ---------------------------------------------------------------------------------------------
# Report


def parse_report(text: str, fixes: Mapping[str, str] | None = None) -> ReportRecord:
    """Parse the whole report; raise ReportFormatError saying what is missing."""
    if not text or not text.strip():
        raise ReportFormatError("the report text is empty")
    if fixes is None:
        fixes = load_ocr_fixes()
    preamble, rows = _split_table(text)
    # Line by line, so a name at the end of one line cannot run into the next.
    heading = "\n".join(clean_text(line, fixes) for line in preamble)
    measures = tuple(_measure(cells, fixes) for cells in rows)
    _check_numbering(measures)
    office, district, province = _office(heading)
    return ReportRecord(
        office_name=office,
        district=district,
        province=province,
        fiscal_year=_fiscal_year(heading),
        ita_score=_score(heading),
        ita_level=_level(heading),
        measures=measures,
    )


def load_bundled_report() -> ReportRecord:
    """The office's report: BOT_DATA_DIR's copy when there is one, else the FY 2568 report shipped with the package."""
    path = data_file(REPORT_FILE)
    try:
        return parse_report(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ReportFormatError) as exc:
        raise ReportFormatError(f"{path.name}: {exc}") from exc


def _split_table(text: str) -> tuple[list[str], list[list[str]]]:
    """The lines before the table, and the table's rows as lists of raw cells."""
    preamble: list[str] = []
    rows: list[list[str]] = []  # the lines of each row
    header_cells = COLUMNS  # cells seen of the header being read; COLUMNS when none is
    seen_table = False
    blank_since_row = False
    for line in text.splitlines():
        if _ROW_START.match(line):
            rows.append([line])
            header_cells, seen_table, blank_since_row = COLUMNS, True, False
        elif _HEADER_ROW.match(line):
            # A page header may fall inside a row; the row's rest follows it, so keep it open.
            header_cells, seen_table, blank_since_row = line.count("\t") + 1, True, False
        elif not line.strip():
            blank_since_row = bool(rows)
        elif header_cells < COLUMNS:
            header_cells += line.count("\t")  # a header that wrapped onto another line
        elif rows and (not blank_since_row or _cell_count(rows[-1]) < COLUMNS):
            rows[-1].append(line)  # a row the OCR broke across lines
        elif not seen_table:
            preamble.append(line)
        # Anything else follows the table (a signature, a footer): not part of the report's data.
    return preamble, [_row_cells(lines) for lines in rows]


def _cell_count(lines: list[str]) -> int:
    return len(" ".join(lines).split("\t"))


def _row_cells(lines: list[str]) -> list[str]:
    # A break inside a cell is a line wrap (a space); a break that leaves the row short of cells
    # fell on a cell boundary (a tab).
    cells = " ".join(lines).split("\t")
    if len(cells) < COLUMNS:
        tabbed = "\t".join(lines).split("\t")
        if len(tabbed) == COLUMNS:
            return tabbed
    return cells


def _measure(cells: list[str], fixes: Mapping[str, str]) -> MeasureRecord:
    number = int(thai_digit_to_arabic_digit(cells[0].strip()))
    if len(cells) != COLUMNS:
        raise ReportFormatError(f"measure {number} has {len(cells)} cells, expected {COLUMNS}")
    _, title, steps, period, responsible, results, outcomes = cells
    # Joined with commas, so a cell that lists its units as bullets reads like "สำนักปลัด, กองคลัง".
    responsible_text = ", ".join(split_bullets(responsible, fixes))
    all_units, units = _units(responsible_text)
    record = MeasureRecord(
        number=number,
        title=clean_text(title, fixes),
        steps=split_bullets(steps, fixes),
        period=clean_text(period, fixes),
        responsible=responsible_text,
        units=units,
        all_units=all_units,
        results=split_bullets(results, fixes),
        outcomes=split_bullets(outcomes, fixes),
    )
    fields = (
        ("title", record.title),
        ("steps", record.steps),
        ("period", record.period),
        ("responsible unit", record.responsible),
        ("results", record.results),
        ("outcomes", record.outcomes),
    )
    missing = [name for name, value in fields if not value]
    if missing:
        raise ReportFormatError(f"measure {number} has no {', no '.join(missing)}")
    return record


def _check_numbering(measures: tuple[MeasureRecord, ...]) -> None:
    if len(measures) != EXPECTED_MEASURES:
        raise ReportFormatError(f"found {len(measures)} measures, expected {EXPECTED_MEASURES}")
    numbers = [measure.number for measure in measures]
    if numbers != list(range(1, EXPECTED_MEASURES + 1)):
        raise ReportFormatError(f"measures are numbered {numbers}, expected 1 to {EXPECTED_MEASURES}")


def _office(heading: str) -> tuple[str, str, str]:
    match = re.search(r"(องค์การบริหารส่วนตำบล\S+?)\s*อำเภอ\s*(\S+?)\s*จังหวัด\s*(\S+)", heading)
    if not match:
        raise ReportFormatError("the title names no องค์การบริหารส่วนตำบล with its อำเภอ and จังหวัด")
    return match.group(1), match.group(2), match.group(3)


def _fiscal_year(heading: str) -> int:
    match = re.search(r"ปีงบประมาณ\s*(?:พ\.\s*ศ\.)?\s*(\d{4})", thai_digit_to_arabic_digit(heading))
    if not match:
        raise ReportFormatError("the title gives no fiscal year (ปีงบประมาณ ...)")
    return int(match.group(1))


def _score(heading: str) -> float:
    match = re.search(r"คะแนน\s*(\d{1,3}(?:\.\d+)?)\s*คะแนน", thai_digit_to_arabic_digit(heading))
    if not match:
        raise ReportFormatError("the summary gives no ITA score (ได้คะแนน ... คะแนน)")
    return float(match.group(1))


def _level(heading: str) -> str:
    match = re.search(r"อยู่ในระดับ\s*([^\s,]+)", heading)
    if not match:
        raise ReportFormatError("the summary gives no ITA level (อยู่ในระดับ ...)")
    return match.group(1)

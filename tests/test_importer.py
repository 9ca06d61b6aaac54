"""The ITA report importer: every field of the bundled FY 2568 report, OCR clean-up, and refusals.

The expected texts below were typed from reading the report: the OCR's misread words corrected,
the spaces that only mark where a table column wrapped removed, the spaces between phrases kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.datafile import BUNDLED_DIR
from bot.ita.importer import (
    REPORT_FILE,
    MeasureRecord,
    ReportFormatError,
    ReportRecord,
    clean_text,
    load_bundled_report,
    load_ocr_fixes,
    parse_report,
    split_bullets,
)

SOURCE_REPORT = Path("/work/shared/reports/000_03321e3b0eb08b1c.txt")
OCR_FAULTS = ("<", ">", "ตอนกลาง", "ตอน กลาง", "หูจจริต", "สรุปลผล", "\t", "  ")
PERIOD = "ตลอดปีงบประมาณ"

EXPECTED: dict[int, MeasureRecord] = {
    1: MeasureRecord(
        number=1,
        title="มาตรการเสริมสร้างความซื่อสัตย์สุจริต และปลูกฝังทัศนคติวัฒนธรรมที่ดีในการต่อต้านการทุจริต",
        steps=(
            ("จัดทำคู่มือหรือมาตรฐานการปฏิบัติงานของเจ้าหน้าที่แต่ละคนให้ทราบถึงระเบียบ และวิธีปฏิบัติ"
             " มีการอบรมคุณธรรมและจริยธรรมบุคลากร"),
            ("จัดโครงการส่งเสริมคุณธรรมจริยธรรมบุคลากรขององค์การบริหารส่วนตำบลดอนกลาง"
             " เพื่อเสริมสร้างวัฒนธรรมองค์การสุจริต"),
        ),
        period=PERIOD,
        responsible="สำนักปลัด",
        units=("สำนักปลัด",),
        all_units=False,
        results=(
            ("จัดทำคู่มือหรือมาตรฐานการปฏิบัติงานของเจ้าหน้าที่แต่ละคนให้ทราบถึงระเบียบและวิธีปฏิบัติ"
             "มีการอบรมคุณธรรมจริยธรรมบุคลากร"),
            ("จัดโครงการส่งเสริมคุณธรรมจริยธรรมบุคลากรขององค์การบริหารส่วนตำบลดอนกลาง"
             " เพื่อเสริมสร้างวัฒนธรรมองค์กรสุจริต"),
        ),
        outcomes=(
            ("จัดโครงการส่งเสริมคุณธรรมจริยธรรมบุคลากรขององค์การบริหารส่วนตำบลดอนกลาง"
             " เพื่อเสริมสร้างวัฒนธรรมองค์กรสุจริต"),
            ("มีคู่มือการปฏิบัติงานของเจ้าหน้าที่โดยระบุขั้นตอนที่ใช้ในการปฏิบัติงานหรือการให้บริการ"
             " ในรูปแบบต่างๆ เช่น แผ่นพับ หรือป้ายประชาสัมพันธ์ เป็นต้น"
             " เพื่อให้บุคลากรภายในหน่วยงานได้รับทราบและถือปฏิบัติโดยเคร่งครัด"),
        ),
    ),
    2: MeasureRecord(
        number=2,
        title="สนับสนุน และให้คำปรึกษา หน่วยงานในการเปิดเผยข้อมูล",
        steps=(
            "เชิญหน่วยงานที่เกี่ยวข้องเข้าร่วมประชุม",
            "มีการเผยแพร่และประชาสัมพันธ์ข้อมูลข่าวสารผ่านช่องทางต่างๆ และอำนวยความสะดวกในการเข้าใช้งาน",
            "ดำเนินการปรับปรุงข้อมูลหน่วยงานให้มีความครบถ้วนและเป็นปัจจุบัน",
        ),
        period=PERIOD,
        responsible="สำนักปลัด",
        units=("สำนักปลัด",),
        all_units=False,
        results=(
            ("เชิญหน่วยงานที่เกี่ยวข้องเข้าร่วมประชุมเพื่อชี้แจงเกณฑ์การประเมิน รายละเอียดข้อมูลที่ต้องเปิดเผย"
             " ระยะเวลาที่ต้องเปิดเผยระยะเวลาที่ต้องดำเนินการ ระยะเวลาที่มีการตรวจประเมิน"
             " ให้แก่หน่วยงานที่เกี่ยวข้องรับทราบพร้อมทั้งให้มีการมอบหมายผู้ประสานงานข้อมูลในการติดต่อ"),
            "สนับสนุน และให้คำปรึกษา หน่วยงานในการเปิดเผยข้อมูล",
        ),
        outcomes=(
            ("สนับสนุน และให้คำปรึกษา หน่วยงานในการเปิดเผยข้อมูลขององค์การบริหารส่วนตำบลดอนกลาง"
             " เพื่อประสานงานข้อมูลในการติดต่อ"),
            "ประชาชนสามารถรับรู้ข้อมูลข่าวสารขององค์การบริหารส่วนตำบลดอนกลาง ได้ครบถ้วนและเป็นปัจจุบัน",
        ),
    ),
    3: MeasureRecord(
        number=3,
        title="การทบทวนหลังการปฏิบัติงาน (After Action Review : AAR)",
        steps=(
            "เชิญหน่วยงานที่เกี่ยวข้องร่วมประชุม",
            "ให้บุคลากรภายในหน่วยงานได้มีส่วนร่วมในการจัดทำแผนการดำเนินงานและการใช้จ่ายงบประมาณ",
            ("ให้บุคลากร เข้ามามีส่วนร่วมในกระบวนการกำกับติดตามแผนการดำเนินงานและแผนการใช้จ่ายงบประมาณ"
             " ให้เป็นไปตามวัตถุประสงค์ที่ตั้งไว้"),
        ),
        period=PERIOD,
        responsible="สำนักปลัด",
        units=("สำนักปลัด",),
        all_units=False,
        results=(
            ("หน่วยงานที่เกี่ยวข้องร่วมประชุม การทบทวนหลังการปฏิบัติงาน (After Action Review : AAR)"
             " ในการวิเคราะห์ถึงสาเหตุและหาแนวทางเพื่อนำมาพัฒนาปรับปรุง ป้องกันไม่ให้เกิดปัญหาซ้ำอีก"),
        ),
        outcomes=(
            ("การจัดประชุมทบทวนหลังการปฏิบัติงาน (After Action Review : AAR)"
             " ส่งผลให้บุคลากรในหน่วยงานได้มีส่วนร่วมในการวางแผนดำเนินงานและกำกับติดตามผลการดำเนินงาน"
             "ให้เป็นไปตามวัตถุประสงค์ มีความคุ้มค่า และเกิดประโยชน์สูงสุดต่อประชาชน"),
        ),
    ),
    4: MeasureRecord(
        number=4,
        title="มาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน",
        steps=(
            ("มีการปรับปรุงการทำงานในประเด็นที่เกี่ยวข้องกับการปรับปรุงพัฒนาหน่วยงาน"
             " ทั้งการปฏิบัติงานของเจ้าหน้าที่ และกระบวนการนำเทคโนโลยีมาใช้ในการดำเนินงาน"),
            ("การเปิดโอกาสให้ผู้มาติดต่อเข้ามามีส่วนร่วมในการปรับปรุงพัฒนาการดำเนินงาน"
             " ช่องทางการเข้าถึงข้อมูลของหน่วยงาน ระหว่างองค์การบริหารส่วนตำบลดอนกลางกับประชาชน"),
        ),
        period=PERIOD,
        responsible="ทุกหน่วยงานภายใน อบต.ดอนกลาง",
        units=(),
        all_units=True,
        results=(
            "แต่งตั้งเจ้าหน้าที่ประชาสัมพันธ์ เพื่อคอยเผยแพร่ข้อมูลข่าวสารในด้านต่างๆ",
            "จัดทำช่องทางการเข้าถึงข้อมูลของหน่วยงาน ระหว่าง อบต.ดอนกลาง กับประชาชน",
            "จัดช่องทางสื่อประชาสัมพันธ์",
            "พัฒนาช่องทางการให้บริการในรูปแบบออนไลน์หรือ E-Service",
        ),
        outcomes=(
            "จัดทำช่องทางการเข้าถึงข้อมูล เช่น เว็บไซต์ กระจกประชาสัมพันธ์ เสียงตามสาย บอร์ดประจำหมู่บ้าน",
        ),
    ),
    5: MeasureRecord(
        number=5,
        title="มาตรการกำกับดูแลและตรวจสอบการใช้ทรัพย์สินของทางราชการ",
        steps=(
            ("ระบุขั้นตอนและแนวทางในการขอยืมทรัพย์สินของทางราชการตามประเภทงาน ด้านต่างๆ"
             " ไว้อย่างชัดเจนในคู่มือมาตรฐานการปฏิบัติงาน"),
            "เผยแพร่ประชาสัมพันธ์การจัดกิจกรรม ผ่านเว็บไซต์ และ Facebook ของหน่วยงาน",
        ),
        period=PERIOD,
        responsible="สำนักปลัด, กองคลัง",
        units=("สำนักปลัด", "กองคลัง"),
        all_units=False,
        results=(
            "คำสั่งแต่งตั้งคณะกรรมการทบทวนปรับปรุงการจัดทำคู่มือการใช้ทรัพย์สินของทางราชการ",
            "แบบฟอร์มการให้บริการขอยืมทรัพย์สินของทางราชการ",
            "สมุดคุมการให้ยืม - คืน ทรัพย์สินของทางราชการ",
            "รายงานสถิติการยืม สรุปผลการดำเนินการด้านการให้บริการยืม - คืนทรัพย์สินของทางราชการ",
        ),
        outcomes=(
            "รายงานสถิติการยืม สรุปผลการดำเนินการด้านการให้บริการยืม - คืน ทรัพย์สินของทางราชการสิ้นปีงบประมาณ",
            "ออกคำสั่งแต่งตั้งคณะกรรมการทบทวนปรับปรุงการจัดทำคู่มือการใช้ทรัพย์สินของทางราชการ",
            "จัดทำแบบฟอร์มการให้บริการยืมทรัพย์สินของทางราชการ",
            "มีสมุดคุมการให้ยืม - คืน ทรัพย์สินของทางราชการ",
        ),
    ),
    6: MeasureRecord(
        number=6,
        title="แนวทางการจัดซื้อจัดจ้างของหน่วยงาน",
        steps=(
            ("จากการประเมิน ITA ตัวชี้วัดที่ ๙.๓ การจัดซื้อจัดจ้างประเด็นรายงานผลการจัดซื้อจัดจ้าง"
             "หรือการจัดหาพัสดุประจำปี โดยจัดทำรายงานผลการจัดซื้อจัดจ้างให้เป็นปัจจุบัน"),
        ),
        period=PERIOD,
        responsible="กองคลัง",
        units=("กองคลัง",),
        all_units=False,
        results=(
            "จัดประชุมชี้แจงข้อมูลการใช้จ่ายงบประมาณตามแผนการจัดซื้อจัดจ้าง",
            ("ผู้รับผิดชอบการจัดซื้อจัดจ้างจัดส่งประกาศแผนการจัดซื้อจัดจ้าง"
             " และผลการจัดซื้อจัดจ้างหรือจัดหาพัสดุ แผนการใช้จ่ายงบประมาณรายงาน ให้ผู้บริหารทราบ"
             " และประชาสัมพันธ์ให้ประชาชนได้รับทราบทางเว็บไซต์หน่วยงานหรือสื่อออนไลน์"),
        ),
        outcomes=(
            ("ผู้รับผิดชอบการจัดซื้อจัดจ้าง จัดส่งประกาศแผนการจัดซื้อจัดจ้าง"
             " และผลการจัดซื้อจัดจ้างหรือการจัดหาพัสดุ แผนการใช้จ่ายงบประมาณ รายงานให้ผู้บริหารทราบ"
             " และประชาสัมพันธ์ให้ประชาชนได้รับทราบทางเว็บไซต์หน่วยงานหรือสื่อออนไลน์"),
        ),
    ),
    7: MeasureRecord(
        number=7,
        title=(
            "มาตรการให้บริการผ่านระบบออนไลน์ (E-Service)"
            " เพื่อเพิ่มช่องทางการให้บริการประชาชนหรือผู้มาติดต่อราชการเข้าถึงหน่วยงาน"
            " ได้รวดเร็วและมีความสะดวกในการติดต่อราชการ"
        ),
        steps=(
            ("จากตัวชี้วัดด้านการใช้บริการและการติดต่อประสานงานและการประชาสัมพันธ์ข้อมูลของหน่วยงาน"
             "ได้มีการจัดทำช่องทางการติดต่อสอบถามข้อมูลให้มีลักษณะเป็นการสื่อสารสองทาง"
             "และช่องทางการรับฟังความคิดเห็นของผู้มาติดต่อ หรือผู้รับบริการ"
             "และพัฒนาระบบการให้บริการประชาชนผ่านระบบ E-Service"),
            "ผู้บริหารออกคำสั่งกำหนดผู้รับผิดชอบหลักในการเผยแพร่ข่าวสารสู่สาธารณะใน Website, Facebook เป็นต้น",
            "แจ้งเวียนให้บุคลากรภายในได้รับทราบ",
        ),
        period=PERIOD,
        responsible="สำนักปลัด",
        units=("สำนักปลัด",),
        all_units=False,
        results=(
            ("สามารถนำเทคโนโลยีมาใช้ในการดำเนินงานเพื่อก่อให้เกิดความสะดวกรวดเร็วมากยิ่งขึ้น"
             " ให้ผู้มาติดต่อราชการหรือผู้รับบริการเข้าถึงข้อมูลได้ทางเว็บไซต์ของหน่วยงานโดยตรง"),
            "พัฒนาระบบการให้บริการออนไลน์ (E-Service) ให้เป็นบริการหลักของหน่วยงาน",
        ),
        outcomes=(
            ("การพัฒนาระบบการให้บริการออนไลน์ (E-Service)"
             " สามารถตอบสนองความต้องการของผู้รับบริการที่ไม่สะดวกเข้ามารับบริการ ณ อบต.ดอนกลาง"),
            "มีช่องทางการสื่อสารให้สะดวก และตอบสนองความต้องการแก่ผู้ที่มาใช้บริการ",
        ),
    ),
}

NUMBERS = sorted(EXPECTED)
BULLET_FIELDS = ("steps", "results", "outcomes")


@pytest.fixture(scope="module")
def fixes() -> dict[str, str]:
    return load_ocr_fixes()


@pytest.fixture(scope="module")
def bundled_text() -> str:
    return (BUNDLED_DIR / REPORT_FILE).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def report() -> ReportRecord:
    return load_bundled_report()


def _measure(report: ReportRecord, number: int) -> MeasureRecord:
    return report.measures[number - 1]


def _all_texts(report: ReportRecord) -> list[str]:
    texts = [report.office_name, report.district, report.province, report.ita_level]
    for m in report.measures:
        texts += [m.title, m.period, m.responsible, *m.units, *m.steps, *m.results, *m.outcomes]
    return texts


# --- the bundled report ----------------------------------------------------------------------


def test_bundled_report_is_the_shared_report_verbatim() -> None:
    if not SOURCE_REPORT.exists():
        pytest.skip("the shared reports folder is not on this machine")
    assert (BUNDLED_DIR / REPORT_FILE).read_bytes() == SOURCE_REPORT.read_bytes()


def test_header_fields(report: ReportRecord) -> None:
    assert report.office_name == "องค์การบริหารส่วนตำบลดอนกลาง"
    assert report.district == "โกสุมพิสัย"
    assert report.province == "มหาสารคาม"
    assert report.fiscal_year == 2568
    assert report.ita_score == pytest.approx(80.39)
    assert report.ita_level == "ต้องปรับปรุง"


def test_seven_measures_in_order(report: ReportRecord) -> None:
    assert [m.number for m in report.measures] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize("number", NUMBERS)
def test_measure_title(report: ReportRecord, number: int) -> None:
    assert _measure(report, number).title == EXPECTED[number].title


@pytest.mark.parametrize("number", NUMBERS)
def test_measure_period_and_responsibility(report: ReportRecord, number: int) -> None:
    measure, expected = _measure(report, number), EXPECTED[number]
    assert measure.period == expected.period
    assert measure.responsible == expected.responsible
    assert measure.units == expected.units
    assert measure.all_units is expected.all_units


@pytest.mark.parametrize("field", BULLET_FIELDS)
@pytest.mark.parametrize("number", NUMBERS)
def test_measure_bullets(report: ReportRecord, number: int, field: str) -> None:
    got, want = getattr(_measure(report, number), field), getattr(EXPECTED[number], field)
    assert len(got) == len(want)
    assert got[0] == want[0]
    assert got[-1] == want[-1]
    assert got == want


def test_whole_report_equals_expected(report: ReportRecord) -> None:
    assert report.measures == tuple(EXPECTED[n] for n in NUMBERS)


def test_no_ocr_fault_remains_in_any_field(report: ReportRecord) -> None:
    for text in _all_texts(report):
        assert text == text.strip() and text, f"blank or padded field: {text!r}"
        for fault in OCR_FAULTS:
            assert fault not in text, f"{fault!r} left in {text!r}"
    for m in report.measures:
        for item in (*m.steps, *m.results, *m.outcomes):
            assert not item.startswith(("-", "•")), item


def test_cleaning_loses_no_words(report: ReportRecord, bundled_text: str, fixes: dict[str, str]) -> None:
    """Apart from markup, bullet dashes, spaces and the listed fixes, every letter of a cell is kept."""

    def letters(text: str) -> str:
        text = re.sub(r"<[^>]*>|[\s\-]", "", text)
        for wrong, right in fixes.items():
            text = text.replace(wrong.replace(" ", ""), right.replace(" ", ""))
        return text

    rows = [line.split("\t") for line in bundled_text.splitlines() if re.match(r"[๐-๙]\t", line)]
    for m, cells in zip(report.measures, rows, strict=True):
        parsed = (m.title, "".join(m.steps), m.period, m.responsible, "".join(m.results), "".join(m.outcomes))
        for got, raw in zip(parsed, cells[1:], strict=True):
            assert letters(got) == letters(raw)


def test_parsing_is_deterministic(bundled_text: str, fixes: dict[str, str]) -> None:
    first = parse_report(bundled_text, fixes)
    assert parse_report(bundled_text, fixes) == first
    assert parse_report(bundled_text) == first
    assert load_bundled_report() == first


# --- robustness to the OCR's layout ----------------------------------------------------------


def test_repeated_header_rows_do_not_change_the_bundled_report(bundled_text: str, report: ReportRecord) -> None:
    header = next(line for line in bundled_text.splitlines() if line.startswith("ลำดับ\t"))
    lines = [line for line in bundled_text.splitlines() if line != header]
    first_row = next(i for i, line in enumerate(lines) if line.startswith("๑\t"))
    only_first = "\n".join(lines[:first_row] + [header] + lines[first_row:])
    before_every_row = "\n".join(
        part for line in lines for part in ([header, line] if re.match(r"[๐-๙]\t", line) else [line])
    )
    assert parse_report(only_first) == report
    assert parse_report(before_every_row) == report


def test_a_row_broken_across_lines_parses_the_same(bundled_text: str, report: ReportRecord) -> None:
    lines = bundled_text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("๕\t"))
    cells = lines[row].split("\t")
    inside_a_cell = cells[1].replace(" ", "\n", 1)  # the OCR wrapped the title cell
    broken_in_cell = lines[:row] + ["\t".join([cells[0], inside_a_cell, *cells[2:]])] + lines[row + 1 :]
    at_a_tab = lines[:row] + ["\t".join(cells[:4]), "\t".join(cells[4:])] + lines[row + 1 :]
    assert parse_report("\n".join(broken_in_cell)) == report
    assert parse_report("\n".join(at_a_tab)) == report


def test_a_page_header_inside_a_row_and_text_after_the_table_are_tolerated(
    bundled_text: str, report: ReportRecord
) -> None:
    header = next(line for line in bundled_text.splitlines() if line.startswith("ลำดับ\t"))
    lines = bundled_text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("๒\t"))
    head, tail = lines[row].rsplit("\t", 1)
    split_by_page = lines[:row] + [head + "\t" + tail[:40], "", header, tail[40:]] + lines[row + 1 :]
    with_signature = lines + ["", "ลงชื่อ ผู้รายงาน", "(ปลัดองค์การบริหารส่วนตำบลดอนกลาง)"]
    assert parse_report("\n".join(split_by_page)) == report
    assert parse_report("\n".join(with_signature)) == report


# --- refusals --------------------------------------------------------------------------------


def _without_row(text: str, thai_number: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith(thai_number + "\t"))


def test_a_missing_row_is_refused(bundled_text: str) -> None:
    with pytest.raises(ReportFormatError, match="found 6 measures, expected 7"):
        parse_report(_without_row(bundled_text, "๓"))


@pytest.mark.parametrize("text", ["", "   \n\t\n"])
def test_empty_text_is_refused(text: str) -> None:
    with pytest.raises(ReportFormatError, match="empty"):
        parse_report(text)


def test_a_blank_responsible_cell_is_refused(bundled_text: str) -> None:
    lines = bundled_text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("๓\t"))
    cells = lines[row].split("\t")
    cells[4] = " "
    lines[row] = "\t".join(cells)
    with pytest.raises(ReportFormatError, match="measure 3 has no responsible unit"):
        parse_report("\n".join(lines))


def test_a_row_short_of_cells_is_refused(bundled_text: str) -> None:
    lines = bundled_text.splitlines()
    row = next(i for i, line in enumerate(lines) if line.startswith("๖\t"))
    lines[row] = "\t".join(lines[row].split("\t")[:6])
    with pytest.raises(ReportFormatError, match="measure 6 has 6 cells, expected 7"):
        parse_report("\n".join(lines))


def test_misnumbered_rows_are_refused(bundled_text: str) -> None:
    text = bundled_text.replace("\n๗\t", "\n๘\t")
    with pytest.raises(ReportFormatError, match=r"numbered \[1, 2, 3, 4, 5, 6, 8\]"):
        parse_report(text)


def test_a_report_without_its_score_is_refused(bundled_text: str) -> None:
    with pytest.raises(ReportFormatError, match="ITA score"):
        parse_report(bundled_text.replace("๘๐.๓๙", ""))


# --- small synthetic reports -----------------------------------------------------------------

SYNTH_PREAMBLE = (
    "**รายงานผลการดำเนินการ ประจำปีงบประมาณ ๒๕๖๙**  \n"
    "**องค์การบริหารส่วนตำบลดอนกลาง อำเภอโกสุมพิสัย จังหวัดมหาสารคาม**\n"
    "\n"
    "จากการประเมิน ประจำปีงบประมาณ พ.ศ. ๒๕๖๙ โดยภาพรวมได้คะแนน ๙๑.๕ คะแนน อยู่ในระดับผ่าน ดังนี้\n"
    "\n"
)
SYNTH_HEADER = "ลำดับ\tมาตรการ\tขั้นตอนหรือวิธีการปฏิบัติ\tช่วงระยะเวลาใน การปฏิบัติ\tผู้รับผิดชอบ\tผลการดำเนินการ\tผลลัพธ์"
THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
LIST_ITEMS = ("จัดประชุมชี้แจงข้อมูล", "มีสมุดคุมการให้ยืม - คืน ทรัพย์สินของทางราชการ")


def _as_li(items: tuple[str, ...]) -> str:
    return '<ul style="list-style-type: none"> ' + " ".join(f"<li>- {i}</li>" for i in items) + " </ul>"


def _as_dashes(items: tuple[str, ...]) -> str:
    return " ".join(f"- {i}" for i in items)


def _synthetic(bullets: Callable[[tuple[str, ...]], str] = _as_dashes, headers_before: tuple[int, ...] = (1,)) -> str:
    lines = [SYNTH_PREAMBLE.rstrip("\n")]
    for n in range(1, 8):
        if n in headers_before:
            lines.append(SYNTH_HEADER)
        cells = [THAI_DIGITS[n], f"มาตรการที่ {n}", bullets(LIST_ITEMS), "ตลอดปีงบประมาณ",
                 "สำนักงานปลัด และกองช่าง", bullets(LIST_ITEMS), bullets(LIST_ITEMS[:1])]
        lines.append("\t".join(cells))
    return "\n".join(lines) + "\n"


def test_synthetic_report_header_fields() -> None:
    report = parse_report(_synthetic())
    assert (report.office_name, report.district, report.province) == (
        "องค์การบริหารส่วนตำบลดอนกลาง", "โกสุมพิสัย", "มหาสารคาม")
    assert (report.fiscal_year, report.ita_score, report.ita_level) == (2569, 91.5, "ผ่าน")
    first = report.measures[0]
    assert first.title == "มาตรการที่ 1"
    assert first.steps == LIST_ITEMS
    assert first.outcomes == LIST_ITEMS[:1]
    assert first.units == ("สำนักปลัด", "กองช่าง") and not first.all_units


def test_a_repeated_header_row_parses_the_same() -> None:
    assert parse_report(_synthetic(headers_before=(1, 3, 5))) == parse_report(_synthetic())


def test_li_and_dash_bullets_parse_the_same() -> None:
    as_li = parse_report(_synthetic(bullets=_as_li))
    assert as_li == parse_report(_synthetic(bullets=_as_dashes))
    assert as_li.measures[0].results == LIST_ITEMS


# --- the pieces ------------------------------------------------------------------------------


def test_load_ocr_fixes_reads_the_bundled_misreadings(fixes: dict[str, str]) -> None:
    assert fixes["ตอนกลาง"] == "ดอนกลาง"
    assert fixes["หูจจริต"] == "ทุจริต"
    assert fixes["สรุปลผล"] == "สรุปผล"


def test_load_ocr_fixes_merges_tables_and_refuses_a_fix_that_undoes_itself(tmp_path: Path) -> None:
    good = tmp_path / "fixes.toml"
    good.write_text('[misreadings]\n"ab" = "cd"\n[line_wraps]\n"x  y" = "xy"\n', encoding="utf-8")
    assert load_ocr_fixes(good) == {"ab": "cd", "x y": "xy"}
    bad = tmp_path / "bad.toml"
    bad.write_text('[misreadings]\n"ab" = "xaby"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="contains the fault"):
        load_ocr_fixes(bad)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        # markup, misreadings and wraps, from the report
        ("<li>- สนับสนุน</li>", "- สนับสนุน"),
        ("องค์การบริหารส่วนตำบลตอน กลาง", "องค์การบริหารส่วนตำบลดอนกลาง"),
        ("ทุกหน่วยงาน ภายใน อบต. ตอนกลาง", "ทุกหน่วยงานภายใน อบต.ดอนกลาง"),
        ("ในการต่อต้านการ หูจจริต", "ในการต่อต้านการทุจริต"),
        ("รายงานสถิติการยืม สรุปลผลการ ดำเนินการ", "รายงานสถิติการยืม สรุปผลการดำเนินการ"),
        ("ให้มี ความครบถ้วน", "ให้มีความครบถ้วน"),
        ("ตามแผนการจัดซื้อจัด จ้าง", "ตามแผนการจัดซื้อจัดจ้าง"),
        ("ทรัพย์สินของทางราชการสิ้น ปีงบประมาณ", "ทรัพย์สินของทางราชการสิ้นปีงบประมาณ"),
        ("เพื่อเพิ่มช่อง ทางการให้บริการ", "เพื่อเพิ่มช่องทางการให้บริการ"),
        # spaces that stay: between phrases, around Latin words, numbers and abbreviations
        ("ความซื่อสัตย์ สุจริต และปลูกฝัง", "ความซื่อสัตย์สุจริต และปลูกฝัง"),
        ("ความโปร่งใสภายในหน่วยงาน ประจำปีงบประมาณ ๒๕๖๘", "ความโปร่งใสภายในหน่วยงาน ประจำปีงบประมาณ ๒๕๖๘"),
        ("การทบทวนหลังการปฏิบัติงาน (After Action Review : AAR)",
         "การทบทวนหลังการปฏิบัติงาน (After Action Review : AAR)"),
        ("ในรูปแบบออนไลน์หรือ E-Service", "ในรูปแบบออนไลน์หรือ E-Service"),
        ("ตัวชี้วัดที่ ๙.๓ การ จัดซื้อ", "ตัวชี้วัดที่ ๙.๓ การจัดซื้อ"),
        ("เช่น เว็บไซต์ กระจก", "เช่น เว็บไซต์ กระจก"),
        ("  ตลอดปีงบประมาณ \n", "ตลอดปีงบประมาณ"),
        ("", ""),
    ],
)
def test_clean_text(raw: str, clean: str, fixes: dict[str, str]) -> None:
    assert clean_text(raw, fixes) == clean


@pytest.mark.parametrize(
    ("cell", "items"),
    [
        ("- จัดประชุม - แจ้งเวียนให้บุคลากรทราบ", ("จัดประชุม", "แจ้งเวียนให้บุคลากรทราบ")),
        ("<ul> <li>- จัดประชุม</li> <li>- แจ้งเวียนให้บุคลากรทราบ</li> </ul>", ("จัดประชุม", "แจ้งเวียนให้บุคลากรทราบ")),
        ("<ul><li>- สมุดคุมการให้ยืม - คืน</li><li></li><li>- </li></ul>", ("สมุดคุมการให้ยืม - คืน",)),
        ("- สมุดคุมการให้ยืม - คืน ทรัพย์สิน", ("สมุดคุมการให้ยืม - คืน ทรัพย์สิน",)),
        ("ผ่านระบบ E-Service - ผู้บริหารออกคำสั่ง", ("ผ่านระบบ E-Service", "ผู้บริหารออกคำสั่ง")),
        ("จัดทำรายงานผลการจัดซื้อจัดจ้าง", ("จัดทำรายงานผลการจัดซื้อจัดจ้าง",)),
        ("  ", ()),
    ],
)
def test_split_bullets(cell: str, items: tuple[str, ...], fixes: dict[str, str]) -> None:
    assert split_bullets(cell, fixes) == items

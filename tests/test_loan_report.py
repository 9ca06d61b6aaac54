"""The year-end loan report on a known ledger: its figures, its formats and its chart."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlalchemy import select

from bot.runtime import runtime
from models import Asset, Condition, LineUser, Loan, LoanEvent, LoanLine, LoanStatus, Movement

BKK = ZoneInfo("Asia/Bangkok")


def at(y: int, m: int, d: int, h: int = 10) -> datetime:
    return datetime(y, m, d, h, tzinfo=BKK)


def _loan(session, asset, borrower, qty, start, end, moves):  # type: ignore[no-untyped-def]
    """A loan with its ledger: moves are (movement, when, condition)."""
    line = LoanLine(asset_id=asset.id, quantity=qty, damaged=0, lost=0)
    loan = Loan(lines=[line], borrower_id=borrower.id, start_date=start, end_date=end,
                purpose="งานบุญ", contact_name="สมศรี", phone="0812345678", status=LoanStatus.PENDING)
    session.add(loan)
    session.flush()
    for movement, when, condition in moves:
        actor = borrower.id if movement is Movement.REQUESTED else None  # the borrower asks; staff unknown here
        session.add(LoanEvent(loan_id=loan.id, line_id=line.id, asset_id=asset.id, movement=movement, quantity=qty,
                              at=when, condition=condition, actor_id=actor))
    return loan


def known_ledger(app) -> None:  # type: ignore[no-untyped-def]
    with runtime(app).sessions.begin() as session:
        assets = {a.key: a for a in session.scalars(select(Asset))}
        who = LineUser(line_user_id="U" + "9" * 32)
        session.add(who)
        session.flush()
        R, A, H, T = Movement.REQUESTED, Movement.APPROVED, Movement.HANDED_OVER, Movement.RETURNED
        # 1. tents, Dec 2569: returned on time, complete
        _loan(session, assets["tent"], who, 3, date(2026, 12, 5), date(2026, 12, 7),
              [(R, at(2026, 11, 20), None), (A, at(2026, 11, 21), None), (H, at(2026, 12, 5), None),
               (T, at(2026, 12, 7, 16), Condition.COMPLETE)])
        # 2. tents, Jan 2570: returned late, 1 damaged
        _loan(session, assets["tent"], who, 1, date(2027, 1, 10), date(2027, 1, 11),
              [(R, at(2027, 1, 2), None), (A, at(2027, 1, 3), None), (H, at(2027, 1, 10), None),
               (T, at(2027, 1, 13), Condition.DAMAGED)])
        # 3. chairs, Jan 2570: returned on time, 50 lost
        _loan(session, assets["chair"], who, 50, date(2027, 1, 20), date(2027, 1, 21),
              [(R, at(2027, 1, 5), None), (A, at(2027, 1, 6), None), (H, at(2027, 1, 20), None),
               (T, at(2027, 1, 21), Condition.LOST)])
        # 4. a rejected and a cancelled request
        _loan(session, assets["sound"], who, 1, date(2027, 3, 1), date(2027, 3, 2),
              [(R, at(2027, 2, 1), None), (Movement.REJECTED, at(2027, 2, 2), None)])
        _loan(session, assets["table"], who, 5, date(2027, 3, 1), date(2027, 3, 2),
              [(R, at(2027, 2, 1), None), (Movement.CANCELLED, at(2027, 2, 3), None)])
        # 5. outside FY 2570 (September 2569 is FY 2569): not counted
        _loan(session, assets["tent"], who, 2, date(2026, 9, 5), date(2026, 9, 6),
              [(R, at(2026, 9, 1), None), (A, at(2026, 9, 2), None), (H, at(2026, 9, 5), None)])


def _section(text: str, title_start: str) -> list[list[str]]:
    block = text.split(title_start, 1)[1].split("\n", 1)[1].split("\n\n", 1)[0]
    return list(csv.reader(io.StringIO(block)))


def test_the_report_of_a_known_ledger(seeded, tmp_path):
    known_ledger(seeded)
    out, chart = tmp_path / "loans.csv", tmp_path / "loans.png"
    result = seeded.test_cli_runner().invoke(
        args=["report", "loans", "--fy", "2570", "--output", str(out), "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    written = out.read_text(encoding="utf-8")
    assert written.startswith("\ufeff")
    stats = _section(written, "สถิติการให้ยืม")
    header, rows = stats[0], {r[0]: dict(zip(stats[0], r, strict=True)) for r in stats[1:]}
    assert header[0] == "รายการ"
    tent, chair, total = rows["เต็นท์"], rows["เก้าอี้พลาสติก"], rows["รวม"]
    assert (tent["คำขอ"], tent["อนุมัติ"], tent["ให้ยืม (ครั้ง)"], tent["ให้ยืม (จำนวน)"]) == ("2", "2", "2", "4")
    assert (tent["คืนแล้ว (ครั้ง)"], tent["คืนตรงเวลา (ครั้ง)"], tent["อัตราคืนตรงเวลา"]) == ("2", "1", "50%")
    assert (tent["ชำรุด (จำนวน)"], tent["สูญหาย (จำนวน)"]) == ("1", "0")
    assert (chair["สูญหาย (จำนวน)"], chair["อัตราคืนตรงเวลา"]) == ("50", "100%")
    assert (total["คำขอ"], total["ไม่อนุมัติ"], total["ยกเลิก"], total["คืนแล้ว (ครั้ง)"]) == ("5", "1", "1", "3")
    assert total["อัตราคืนตรงเวลา"] == "67%"
    months = {r[0]: r for r in _section(written, "จำนวนครั้งที่ให้ยืม รายเดือน")[1:]}
    assert list(months)[:3] == ["ต.ค. 69", "พ.ย. 69", "ธ.ค. 69"] and list(months)[-1] == "ก.ย. 70"
    assert months["ธ.ค. 69"][-1] == "1" and months["ม.ค. 70"][-1] == "2" and months["ต.ค. 69"][-1] == "0"
    ledger = _section(written, "สมุดคุมการให้ยืม-คืน")
    assert len(ledger) == 1 + 4 + 4 + 4 + 2 + 2, "every movement of the year, none from the year before"
    assert ledger[1][5] == "ขอยืม" and ledger[4][5] == "รับคืน" and ledger[4][9] == "ครบ"
    assert ledger[1][8] == "สมศรี" and ledger[2][8] == "-", "the borrower by name, never a LINE user id"
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and chart.stat().st_size > 10_000


def test_the_report_as_a_workbook(seeded, tmp_path):
    known_ledger(seeded)
    path = tmp_path / "loans.xlsx"
    result = seeded.test_cli_runner().invoke(
        args=["report", "loans", "--fy", "2570", "--format", "xlsx", "--output", str(path),
              "--chart", str(tmp_path / "c.png")])
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    assert book.sheetnames == ["สถิติ", "รายเดือน", "สมุดคุม"]
    stats = book["สถิติ"]
    assert stats["A1"].value.startswith("สถิติการให้ยืม") and stats["A3"].value == "เต็นท์"
    assert stats["H3"].value == 2


def test_an_empty_year_still_gives_a_report(seeded, tmp_path):
    result = seeded.test_cli_runner().invoke(
        args=["report", "loans", "--fy", "2575", "--output", str(tmp_path / "x.csv"),
              "--chart", str(tmp_path / "x.png")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x.png").exists()

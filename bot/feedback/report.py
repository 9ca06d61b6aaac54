"""`report complaints`: the ITA's evidence of the complaint channel for a fiscal year.

Counts by category, unit and status, the median days to acknowledge and to close, and the satisfaction
average. Only aggregates: no reporter, LINE id or phone number appears in it.
"""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import texts
from bot.feedback.service import settings
from bot.reports import Table
from models import FeedbackReport, FeedbackStatus, Unit

COLUMNS = ("หัวข้อ", "รายการ", "ค่า")
SECTION_TOTAL = "จำนวนเรื่องทั้งหมด"
SECTION_CATEGORY = "ตามประเภท"
SECTION_UNIT = "ตามหน่วยงาน"
SECTION_STATUS = "ตามสถานะ"
SECTION_ANONYMOUS = "แจ้งแบบไม่เปิดเผยชื่อ"
SECTION_ACK = "ระยะเวลารับเรื่อง มัธยฐาน (วัน)"
SECTION_CLOSE = "ระยะเวลาดำเนินการจนเสร็จ มัธยฐาน (วัน)"
SECTION_RATING = "ความพึงพอใจเฉลี่ย (เต็ม 5)"
RATED_COUNT = "จากผู้ประเมิน {n} ราย"
NO_UNIT = "ไม่ระบุหน่วยงาน"
NONE = "-"


def complaints_report(session: Session, fiscal_year: int) -> Table:
    reports = session.scalars(
        select(FeedbackReport).where(FeedbackReport.fiscal_year == fiscal_year)
        .options(selectinload(FeedbackReport.unit))
    ).all()
    rows: list[list[str]] = [[SECTION_TOTAL, "", str(len(reports))]]
    by_category = Counter(r.category for r in reports)
    for category in settings().categories:
        rows.append([SECTION_CATEGORY, category.label, str(by_category.pop(category.key, 0))])
    rows.extend([SECTION_CATEGORY, key, str(n)] for key, n in sorted(by_category.items()))  # retired categories
    by_unit = Counter(r.unit.name if r.unit else NO_UNIT for r in reports)
    for name in session.scalars(select(Unit.name).order_by(Unit.id)):
        rows.append([SECTION_UNIT, name, str(by_unit.pop(name, 0))])
    rows.extend([SECTION_UNIT, name, str(n)] for name, n in sorted(by_unit.items()))
    by_status = Counter(r.status for r in reports)
    rows.extend([SECTION_STATUS, texts.FB_STATUS_NAMES[s.value], str(by_status[s])] for s in FeedbackStatus)
    rows.append([SECTION_ANONYMOUS, "", str(sum(r.anonymous for r in reports))])
    rows.append([SECTION_ACK, "", _median_days([(r.created_at, r.acknowledged_at) for r in reports])])
    rows.append([SECTION_CLOSE, "", _median_days([(r.created_at, r.closed_at) for r in reports])])
    ratings = [r.rating for r in reports if r.rating is not None]
    average = f"{statistics.mean(ratings):.2f}" if ratings else NONE
    rows.append([SECTION_RATING, RATED_COUNT.format(n=len(ratings)), average])
    return Table(f"สถิติเรื่องร้องเรียนและข้อเสนอแนะ ปีงบประมาณ {fiscal_year}", COLUMNS, rows)


def _median_days(spans: list[tuple[datetime, datetime | None]]) -> str:
    days = [(end - start).total_seconds() / 86400 for start, end in spans if end is not None]
    return f"{statistics.median(days):.1f}" if days else NONE

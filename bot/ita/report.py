"""The measures report the ITA asks for: each measure of the fiscal year with the reminders done for it, as
evidence."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.ita.office import current_measures
from bot.reports import Table
from bot.thai.dates import fiscal_year_bounds, thai_date
from models import LineUser, OccurrenceStatus, ReminderOccurrence, ReminderRule

MEASURE_COLUMNS = (
    "ลำดับ",
    "มาตรการ โครงการ หรือกิจกรรม",
    "ขั้นตอนหรือวิธีการปฏิบัติ",
    "ช่วงระยะเวลาในการปฏิบัติ",
    "ผู้รับผิดชอบ",
    "ผลการดำเนินการ",
    "ผลลัพธ์หรือผลสัมฤทธิ์ (outcome/result)",
)


def measure_report(session: Session, fiscal_year: int, tz: ZoneInfo) -> Table:
    """The report's table for a fiscal year: each measure with the reminders done for it, as evidence."""
    start, end = fiscal_year_bounds(fiscal_year, tz)
    done = session.scalars(
        select(ReminderOccurrence)
        .where(
            ReminderOccurrence.status == OccurrenceStatus.DONE,
            ReminderOccurrence.due_at >= start,
            ReminderOccurrence.due_at < end,
        )
        .order_by(ReminderOccurrence.done_at)
        .options(selectinload(ReminderOccurrence.rule).selectinload(ReminderRule.units))
    ).all()
    by_measure: dict[int, list[str]] = {}
    for occurrence in done:
        by_measure.setdefault(occurrence.rule.measure_number or 0, []).append(_done_line(session, occurrence, tz))
    rows = []
    for measure in current_measures(session):
        rows.append([
            str(measure.number),
            measure.title,
            _bullets(measure.steps),
            measure.period,
            measure.responsible,
            "\n".join(by_measure.get(measure.number, [])) or "-",
            _bullets(measure.outcomes),
        ])
    return Table(f"ผลการดำเนินการตามมาตรการ ปีงบประมาณ {fiscal_year}", MEASURE_COLUMNS, rows)


def _done_line(session: Session, occurrence: ReminderOccurrence, tz: ZoneInfo) -> str:
    who = session.get(LineUser, occurrence.done_by_id) if occurrence.done_by_id else None
    parts = [f"- {thai_date(occurrence.done_at.astimezone(tz)) if occurrence.done_at else '-'}: {occurrence.rule.task}"]
    if occurrence.note:
        parts.append(f"({occurrence.note})")
    if occurrence.evidence_path:
        parts.append(f"[หลักฐาน: {occurrence.evidence_path}]")
    if who is not None:
        parts.append(f"โดย {who.display_name or who.line_user_id}")
    return " ".join(parts)


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)



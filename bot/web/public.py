"""/transparency: what the office did this fiscal year, for anyone, without signing in.

The ITA asks an office to publish how its measures, its complaint channel and its asset loans are going. This page
shows the same figures as the year-end reports (bot.reports, bot.feedback.report, bot.loans.report), computed by
them, and only their aggregates: counts, medians, averages. No name, phone number, LINE id, location or text a citizen
or a clerk typed is ever handed to the template, so none can appear on the page. Corruption reports are counted like
the others and never described.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template, request
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import office_today, office_tz
from bot.feedback import report as feedback_report
from bot.ita.office import current_measures, office_name
from bot.loans.report import fiscal_months, loan_report, month_label
from bot.reports import Table
from bot.runtime import runtime
from bot.thai.dates import FISCAL_YEARS, fiscal_year_bounds, fiscal_year_of, parse_fiscal_year, thai_datetime
from models import FeedbackReport, OccurrenceStatus, ReminderOccurrence, ReminderRule, utcnow

bp = Blueprint("public", __name__, template_folder="templates")

CACHE_CONTROL = "public, max-age=300"
YEARS_OFFERED = 5


@dataclass(frozen=True)
class Bar:
    """One labelled count, and its length as a percentage of the longest bar of its chart."""

    label: str
    value: int
    percent: int


@dataclass(frozen=True)
class MeasureProgress:
    number: int
    title: str
    done: int
    due: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.due) if self.due else 0


def bars(pairs: list[tuple[str, int]]) -> list[Bar]:
    longest = max((value for _, value in pairs), default=0)
    return [Bar(label, value, round(100 * value / longest) if longest else 0) for label, value in pairs]


def requested_fiscal_year(current: int) -> int | None:
    """The ?fy= asked for (bot.thai.dates.parse_fiscal_year), the current one when none is; None when it is no year."""
    asked = request.args.get("fy", "").strip()
    return parse_fiscal_year(asked) if asked else current


def measure_progress(session: Session, fiscal_year: int, tz: ZoneInfo) -> list[MeasureProgress]:
    """Per measure of the report, the reminders that fell due in the fiscal year so far and how many were done
    (the occurrences bot.ita.report.measure_report lists as evidence)."""
    start, end = fiscal_year_bounds(fiscal_year, tz)
    counts = session.execute(
        select(ReminderRule.measure_number, ReminderOccurrence.status, func.count())
        .join(ReminderRule, ReminderOccurrence.rule_id == ReminderRule.id)
        .where(ReminderOccurrence.due_at >= start, ReminderOccurrence.due_at < end,
               ReminderOccurrence.due_at <= utcnow())
        .group_by(ReminderRule.measure_number, ReminderOccurrence.status)
    ).all()
    due, done = Counter[int](), Counter[int]()
    for number, status, n in counts:
        due[number or 0] += n
        if status == OccurrenceStatus.DONE:
            done[number or 0] += n
    return [MeasureProgress(m.number, m.title, done[m.number], due[m.number]) for m in current_measures(session)]


def complaint_sections(table: Table) -> dict[str, list[tuple[str, str]]]:
    """bot.feedback.report's rows, grouped by their section: {section: [(item, value), ...]}."""
    sections: dict[str, list[tuple[str, str]]] = {}
    for section, item, value in table.rows:
        sections.setdefault(section, []).append((item, value))
    return sections


def complaints_by_month(session: Session, fiscal_year: int, tz: ZoneInfo) -> list[Bar]:
    """Reports of the fiscal year (by their code's year, as bot.feedback.report counts them) per month received."""
    per_month = Counter[tuple[int, int]]()
    for created_at in session.scalars(select(FeedbackReport.created_at)
                                      .where(FeedbackReport.fiscal_year == fiscal_year)):
        local = created_at.astimezone(tz)
        per_month[(local.year, local.month)] += 1
    return bars([(month_label(*ym), per_month[ym]) for ym in fiscal_months(fiscal_year)])


def counted(rows: list[tuple[str, str]]) -> list[Bar]:
    return bars([(label, int(value)) for label, value in rows])


def years_offered(session: Session, current: int) -> list[int]:
    with_reports = set(session.scalars(select(FeedbackReport.fiscal_year).distinct()))
    recent = set(range(current - YEARS_OFFERED + 1, current + 1))
    return sorted({y for y in with_reports | recent if y in FISCAL_YEARS and y <= current}, reverse=True)


@bp.get("/transparency")
def transparency():  # type: ignore[no-untyped-def]
    tz = office_tz()
    current = fiscal_year_of(office_today())
    fiscal_year = requested_fiscal_year(current)
    if fiscal_year is None:
        return render_template("public/bad_year.html", current=current), 400
    with runtime(current_app).sessions() as session:
        complaints = complaint_sections(feedback_report.complaints_report(session, fiscal_year))
        loans = loan_report(session, fiscal_year, tz)
        page = render_template(
            "public/transparency.html",
            office=office_name(session),
            fiscal_year=fiscal_year,
            current=current,
            years=years_offered(session, current),
            generated=thai_datetime(utcnow(), tz),
            measures=measure_progress(session, fiscal_year, tz),
            total=int(complaints[feedback_report.SECTION_TOTAL][0][1]),
            by_month=complaints_by_month(session, fiscal_year, tz),
            by_category=counted(complaints[feedback_report.SECTION_CATEGORY]),
            by_status=counted(complaints[feedback_report.SECTION_STATUS]),
            by_unit=counted(complaints[feedback_report.SECTION_UNIT]),
            anonymous=complaints[feedback_report.SECTION_ANONYMOUS][0][1],
            ack_days=complaints[feedback_report.SECTION_ACK][0][1],
            close_days=complaints[feedback_report.SECTION_CLOSE][0][1],
            rating=complaints[feedback_report.SECTION_RATING][0][1],
            rated=complaints[feedback_report.SECTION_RATING][0][0],
            loan_columns=loans.months.columns,
            loan_rows=loans.months.rows,
            loans_by_month=bars([(label, sum(counts.values())) for label, counts in loans.by_month]),
        )
    response = current_app.make_response(page)
    response.headers["Cache-Control"] = CACHE_CONTROL
    return response

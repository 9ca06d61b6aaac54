"""/admin/measures (all staff, read-only): each measure of the ITA report beside what its reminders became in a
fiscal year (done, missed, snoozed, still to do) with the notes, who did them and when, and the year's progress.

The measures are those the year-end report lists (bot.ita.office.current_measures); the reminders are those that fell
due in the chosen fiscal year, matched to a measure by its number as bot.ita.report.measure_report matches them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask import g, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from bot import texts
from bot.config import office_tz
from bot.ita.office import current_measures
from bot.thai.dates import fiscal_year_bounds, thai_datetime
from bot.web.admin import bp
from bot.web.admin_loans import _fiscal_year
from bot.web.auth import staff_required
from models import LineUser, OccurrenceStatus, ReminderOccurrence, ReminderRule


def _occurrence_row(occurrence: ReminderOccurrence, people: dict[int, LineUser]) -> dict[str, Any]:
    tz = office_tz()
    who = people.get(occurrence.done_by_id) if occurrence.done_by_id else None
    return {
        "task": occurrence.rule.task,
        "due": thai_datetime(occurrence.due_at, tz),
        "status": occurrence.status.value,
        "status_name": texts.OCCURRENCE_STATUS_NAMES[occurrence.status.value],
        "note": occurrence.note or "",
        "who": (who.display_name or "-") if who else "",
        "done_at": thai_datetime(occurrence.done_at, tz) if occurrence.done_at else "",
    }


def _occurrences_by_measure(fiscal_year: int) -> dict[int, list[dict[str, Any]]]:
    start, end = fiscal_year_bounds(fiscal_year, office_tz())
    occurrences = g.db.scalars(
        select(ReminderOccurrence).where(ReminderOccurrence.due_at >= start, ReminderOccurrence.due_at < end)
        .order_by(ReminderOccurrence.due_at, ReminderOccurrence.id)
        .options(selectinload(ReminderOccurrence.rule).selectinload(ReminderRule.units))
    ).all()
    ids = {o.done_by_id for o in occurrences if o.done_by_id}
    people = {u.id: u for u in g.db.scalars(select(LineUser).where(LineUser.id.in_(ids)))} if ids else {}
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for occurrence in occurrences:
        grouped[occurrence.rule.measure_number or 0].append(_occurrence_row(occurrence, people))
    return grouped


@bp.get("/measures")
@staff_required
def measures():  # type: ignore[no-untyped-def]
    fiscal_year = _fiscal_year()
    grouped = _occurrences_by_measure(fiscal_year)
    done = OccurrenceStatus.DONE.value
    rows = [{"measure": m, "reminders": grouped.get(m.number, []),
             "done": sum(1 for r in grouped.get(m.number, []) if r["status"] == done),
             "due": len(grouped.get(m.number, []))} for m in current_measures(g.db)]
    return render_template("admin/measures.html", rows=rows, fiscal_year=fiscal_year,
                           title=texts.WEB["measures_title"].format(fy=fiscal_year))

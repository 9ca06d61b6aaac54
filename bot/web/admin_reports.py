"""/admin/reports: the queue of feedback and complaints, one report's page, and the staff's four actions.

The actions call what the LINE buttons call (bot.feedback.service.change_status and forward, bot.feedback.notify's
pushes),
so the citizen hears exactly what they would have heard had staff tapped the card. A report of another unit is
404, as if it did not exist. An anonymous report has no reporter to show: its row holds nobody.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from flask import abort, current_app, g, redirect, render_template, request, send_from_directory, url_for
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from bot import texts
from bot.config import office_tz
from bot.feedback.cards import staff_card, status_name, unit_name
from bot.feedback.notify import forwarded_message, push_to_reporter, push_to_unit, status_message
from bot.feedback.service import NOTE_LIMIT, change_status, forward, settings
from bot.media import photo_links
from bot.thai.dates import thai_datetime
from bot.web.admin import bp, commit_and_send, flash_note, int_arg, newest_outbox_id, require, take_note
from bot.web.auth import audit, staff_required
from models import FeedbackReport, FeedbackStatus, LineUser, Role, Unit, utcnow

BUTTON_STATUSES = {FeedbackStatus.ACKNOWLEDGED.value, FeedbackStatus.IN_PROGRESS.value}



def _visible_to(user: LineUser):  # type: ignore[no-untyped-def]
    """The reports a staff member may open: their unit's and those of no unit; every one for an admin."""
    if user.role is Role.ADMIN:
        return True
    return or_(FeedbackReport.unit_id == user.unit_id, FeedbackReport.unit_id.is_(None))


def _report_or_404(report_id: int) -> FeedbackReport:
    report = g.db.get(FeedbackReport, report_id, options=[selectinload(FeedbackReport.unit)])
    require(report is not None and g.staff.may_act_for(report.unit_id))
    return report


@bp.get("/reports")
@staff_required
def reports():  # type: ignore[no-untyped-def]
    status = request.args.get("status", "open")
    query = select(FeedbackReport).where(_visible_to(g.staff)).options(selectinload(FeedbackReport.unit))
    if status == "open":
        query = query.where(FeedbackReport.status != FeedbackStatus.DONE)
    elif status in {s.value for s in FeedbackStatus}:
        query = query.where(FeedbackReport.status == FeedbackStatus(status))
    unit_id = int_arg("unit")
    if unit_id is not None:
        query = query.where(FeedbackReport.unit_id == unit_id)
    category = request.args.get("category", "")
    if category:
        query = query.where(FeedbackReport.category == category)
    age = int_arg("age")
    now = utcnow()
    if age:
        query = query.where(FeedbackReport.created_at <= now - timedelta(days=age))
    found = g.db.scalars(query.order_by(FeedbackReport.created_at, FeedbackReport.id).limit(500)).all()
    units = g.db.scalars(select(Unit).order_by(Unit.id)).all()
    if g.staff.role is not Role.ADMIN:
        units = [u for u in units if u.id == g.staff.unit_id]
    rows = [{
        "report": r, "category": settings().label_of(r.category), "unit": unit_name(r.unit),
        "status": status_name(r), "when": thai_datetime(r.created_at, office_tz()), "days": (now - r.created_at).days,
    } for r in found]
    return render_template(
        "admin/reports.html", rows=rows, units=units, categories=settings().categories,
        statuses=[(s.value, texts.FB_STATUS_NAMES[s.value]) for s in FeedbackStatus],
        chosen={"status": status, "unit": unit_id, "category": category, "age": age or ""}, note=take_note(),
    )


@bp.get("/reports/<int:report_id>")
@staff_required
def report(report_id: int):  # type: ignore[no-untyped-def]
    found = _report_or_404(report_id)
    tz = office_tz()
    reporter = None if found.anonymous or found.reporter_id is None else g.db.get(LineUser, found.reporter_id)
    # The page shows a phone number or a name for a named report: who looked is recorded (PDPA).
    audit(g.db, g.staff, "view_report", f"report:{found.id}")
    history = [{
        "when": thai_datetime(e.at, tz),
        "what": texts.FB_EVENT_NAMES.get(e.kind, e.kind).format(unit=unit_name(e.unit)),
        "note": e.note if e.kind == "done" else None,
    } for e in found.events]
    others = g.db.scalars(select(Unit).where(Unit.id != (found.unit_id or 0)).order_by(Unit.id)).all()
    return render_template(
        "admin/report.html", report=found, category=settings().label_of(found.category), unit=unit_name(found.unit),
        status=status_name(found), when=thai_datetime(found.created_at, tz), history=history, others=others,
        reporter_name=reporter.display_name if reporter else None, note=take_note(), note_limit=NOTE_LIMIT,
        is_open=found.status is not FeedbackStatus.DONE, is_new=found.status is FeedbackStatus.NEW,
    )


@bp.get("/reports/<int:report_id>/photos/<int:number>")
@staff_required
def report_photo(report_id: int, number: int):  # type: ignore[no-untyped-def]
    """A photo of a report this staff member may open; served from MEDIA_DIR (it refuses paths that leave it)."""
    found = _report_or_404(report_id)
    require(1 <= number <= len(found.photos or []))
    relative = str(found.photos[number - 1])
    require((Path(current_app.config["MEDIA_DIR"]) / relative).is_file())
    return send_from_directory(current_app.config["MEDIA_DIR"], relative, max_age=0)


@bp.post("/reports/<int:report_id>/status")
@staff_required
def set_status(report_id: int):  # type: ignore[no-untyped-def]
    found = _report_or_404(report_id)
    wanted = request.form.get("to", "")
    if wanted not in BUTTON_STATUSES:
        abort(400)
    mark = newest_outbox_id()
    event = change_status(g.db, found, FeedbackStatus(wanted), g.staff, utcnow())
    if event is None:
        flash_note(texts.WEB["already"].format(status=status_name(found)))
        return redirect(url_for("admin.report", report_id=found.id))
    push_to_reporter(g.db, found, status_message(found), dedupe=f"fb-status:{event.id}")
    audit(g.db, g.staff, f"report_{wanted}", f"report:{found.id}")
    commit_and_send(mark)
    flash_note(texts.FB_STATUS_SET.format(code=found.code, status=status_name(found)))
    return redirect(url_for("admin.report", report_id=found.id))


@bp.post("/reports/<int:report_id>/done")
@staff_required
def close(report_id: int):  # type: ignore[no-untyped-def]
    found = _report_or_404(report_id)
    note = request.form.get("note", "").strip()
    if not note:
        flash_note(texts.WEB["note_required"])
        return redirect(url_for("admin.report", report_id=found.id))
    mark = newest_outbox_id()
    event = change_status(g.db, found, FeedbackStatus.DONE, g.staff, utcnow(), note=note[:NOTE_LIMIT])
    if event is None:
        flash_note(texts.WEB["already"].format(status=status_name(found)))
        return redirect(url_for("admin.report", report_id=found.id))
    push_to_reporter(g.db, found, status_message(found), dedupe=f"fb-status:{event.id}")
    audit(g.db, g.staff, "report_done", f"report:{found.id}")
    commit_and_send(mark)
    flash_note(texts.FB_CLOSED.format(code=found.code))
    return redirect(url_for("admin.report", report_id=found.id))


@bp.post("/reports/<int:report_id>/forward")
@staff_required
def forward_report(report_id: int):  # type: ignore[no-untyped-def]
    found = _report_or_404(report_id)
    target = g.db.get(Unit, int_arg("unit") or 0)
    if target is None or target.id == found.unit_id:
        abort(400)
    previous = unit_name(found.unit)
    mark = newest_outbox_id()
    event = forward(g.db, found, found.unit_id, target, g.staff, utcnow())
    if event is None:
        flash_note(texts.WEB["already"].format(status=status_name(found)))
        return redirect(url_for("admin.report", report_id=found.id))
    links = photo_links(current_app.config, found.photos, utcnow())
    card = staff_card(found, office_tz(), forwarded_from=previous, photo_links=links)
    push_to_unit(g.db, found, card, dedupe=f"fb-fwd:{event.id}")
    push_to_reporter(g.db, found, forwarded_message(found), dedupe=f"fb-status:{event.id}")
    audit(g.db, g.staff, "report_forwarded", f"report:{found.id}", detail=f"unit:{target.id}")
    commit_and_send(mark)
    flash_note(texts.FB_FORWARDED.format(code=found.code, unit=target.name))
    # Forwarded away, the report may no longer be this staff member's to open.
    if not g.staff.may_act_for(found.unit_id):
        return redirect(url_for("admin.reports"))
    return redirect(url_for("admin.report", report_id=found.id))

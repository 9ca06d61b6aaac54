"""/admin/loans: requests to decide, hand-overs and returns; the week calendar per asset; the printable ledger
(สมุดคุม); the year-end downloads; the audit log.

Each action calls what the LINE buttons call (bot.loans.service, then handlers.loans' notice to the borrower), so
stock is
checked under the asset's lock and the borrower hears the same words. Staff see their unit's assets; admins all.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from flask import Response, abort, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import texts
from bot.config import office_today, office_tz
from bot.feedback.report import complaints_report
from bot.ita.report import measure_report
from bot.loans.cards import loan_code, loan_fields, return_summary
from bot.loans.notify import tell_borrower
from bot.loans.report import loan_report, report_csv, write_report_xlsx
from bot.loans.service import (
    TEXT_LIMIT,
    LineReturn,
    LoanOutcome,
    LoanResult,
    approve,
    early_or_late,
    hand_over,
    holds_on_or_after,
    holds_until,
    loans_to_act_on,
    may_act_on,
    record_return,
    reject,
)
from bot.reports import write_csv, write_xlsx
from bot.thai.dates import fiscal_year_of, parse_fiscal_year, thai_date, thai_datetime, thai_month
from bot.web.admin import bp, commit_and_send, flash_note, newest_outbox_id, require, take_note
from bot.web.auth import audit, roles_required, staff_required
from models import HOLDING, Asset, AuditEntry, LineUser, Loan, LoanLine, LoanStatus, Role, utcnow

WEEK = 7
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"




def _visible_assets(db: Session, user: LineUser) -> list[Asset]:
    query = select(Asset).where(Asset.active.is_(True)).options(selectinload(Asset.unit))
    if user.role is not Role.ADMIN:
        query = query.where(Asset.unit_id == user.unit_id)
    return list(db.scalars(query.order_by(Asset.position, Asset.id)))


def _loan_or_404(loan_id: int) -> Loan:
    loan = g.db.get(Loan, loan_id)
    require(loan is not None and may_act_on(g.staff, loan))
    return loan


def _row(loan: Loan) -> dict[str, object]:
    """A loan as the pages show it, with what staff must know before they act: a hand-over before or after the
    start day, a return after the end day (the page is drawn when they look, so the count is today's)."""
    timing = early_or_late(loan, office_today())
    shown = texts.LOAN_TIMING[timing[0]].format(days=timing[1], start=thai_date(loan.start_date),
                                                end=thai_date(loan.end_date)) if timing else None
    return {"loan": loan, "code": loan_code(loan), "timing": shown, **loan_fields(loan)}


@bp.get("/loans")
@staff_required
def loans():  # type: ignore[no-untyped-def]
    to_act = loans_to_act_on(g.db, g.staff)
    recent_query = select(Loan).where(Loan.status.not_in(
        (LoanStatus.PENDING, LoanStatus.APPROVED, LoanStatus.HANDED_OVER)))
    if g.staff.role is not Role.ADMIN:
        recent_query = recent_query.where(Loan.id.in_(
            select(LoanLine.loan_id).join(LoanLine.asset).where(Asset.unit_id == g.staff.unit_id)))
    recent = g.db.scalars(recent_query.order_by(Loan.id.desc()).limit(30)).all()
    # The list shows borrowers' names and phone numbers.
    audit(g.db, g.staff, "view_loans")
    return render_template("admin/loans.html", to_act=[_row(x) for x in to_act], recent=[_row(x) for x in recent],
                           reasons=texts.LOAN_REJECT_REASONS, note=take_note())


def _act(loan_id: int, act: Callable[[], LoanOutcome], notice: str | None, cause: str, **fields: object) -> Response:
    """Do a staff step and tell the borrower as the LINE button does; the outcome is shown on the list."""
    _loan_or_404(loan_id)
    mark = newest_outbox_id()
    outcome = act()
    loan = outcome.loan
    if outcome.result is LoanResult.WRONG_STATE and loan is not None:
        flash_note(texts.WEB["already"].format(status=texts.LOAN_STATUS_NAMES[loan.status.value]))
    elif outcome.result is LoanResult.NOT_ENOUGH:
        name = outcome.asset.name if outcome.asset else ""
        flash_note(texts.WEB["not_enough"].format(free=outcome.free, name=name))
    elif outcome.result is LoanResult.INVALID:
        flash_note(texts.WEB["return_invalid"])
    elif not outcome.ok or loan is None:
        abort(404)
    else:
        if notice is not None:
            values = {name: value() if callable(value) else value for name, value in fields.items()}
            tell_borrower(g.db, loan, notice.format(**loan_fields(loan), **values), cause)
        audit(g.db, g.staff, f"loan_{cause}", f"loan:{loan.id}")
        commit_and_send(mark)
        flash_note(f"{loan_code(loan)}: {texts.LOAN_STATUS_NAMES[loan.status.value]}")
    return redirect(_back())


def _back() -> str:
    """Where the form came from (the list or the calendar): a path of the back-office, never another site."""
    back = request.form.get("back", "")
    return back if back.startswith("/admin/") and not back.startswith("//") else url_for("admin.loans")


@bp.post("/loans/<int:loan_id>/approve")
@staff_required
def approve_loan(loan_id: int) -> Response:
    return _act(loan_id, lambda: approve(g.db, loan_id, g.staff, utcnow(), today=office_today()),
                texts.LOAN_NOTICE_APPROVED, "approved")


@bp.post("/loans/<int:loan_id>/reject")
@staff_required
def reject_loan(loan_id: int) -> Response:
    reason = request.form.get("reason", "").strip()
    if not 2 <= len(reason) <= TEXT_LIMIT:
        _loan_or_404(loan_id)
        flash_note(texts.WEB["reason_required"])
        return redirect(url_for("admin.loans"))
    return _act(loan_id, lambda: reject(g.db, loan_id, g.staff, reason, utcnow()), texts.LOAN_NOTICE_REJECTED,
                "rejected", reason=reason)


@bp.post("/loans/<int:loan_id>/handover")
@staff_required
def hand_over_loan(loan_id: int) -> Response:
    return _act(loan_id, lambda: hand_over(g.db, loan_id, g.staff, utcnow()), texts.LOAN_NOTICE_HANDED_OVER,
                "handed_over")


@bp.post("/loans/<int:loan_id>/return")
@staff_required
def take_back(loan_id: int) -> Response:
    """Per line: how many came back damaged, how many were lost, a note (fields damaged_<line>, lost_<line>,
    note_<line>); nothing filled in is the common case, all complete."""
    loan = _loan_or_404(loan_id)
    found: dict[int, LineReturn] = {}
    for line in loan.lines:
        try:
            damaged = int(request.form.get(f"damaged_{line.id}") or 0)
            lost = int(request.form.get(f"lost_{line.id}") or 0)
        except ValueError:
            abort(400)
        line_note = request.form.get(f"note_{line.id}", "").strip()[:TEXT_LIMIT] or None
        if damaged or lost or line_note:
            found[line.id] = LineReturn(damaged, lost, line_note)
    note = request.form.get("note", "").strip()[:TEXT_LIMIT * 2] or None
    outcome_loan: list[Loan] = []

    def act() -> LoanOutcome:
        outcome = record_return(g.db, loan_id, g.staff, utcnow(), found, note)
        if outcome.loan is not None:
            outcome_loan.append(outcome.loan)
        return outcome

    return _act(loan_id, act, texts.LOAN_NOTICE_RETURNED, "returned",
                condition=lambda: return_summary(outcome_loan[0]))


# -- the week calendar --------------------------------------------------------------------------------------

def _week_start(requested: str | None) -> date:
    try:
        day = date.fromisoformat(requested or "")
    except ValueError:
        day = office_today()
    return day - timedelta(days=day.weekday())


def _holding_loans(assets: list[Asset], days: list[date], today: date) -> list[Loan]:
    """The loans holding any of these assets on any of these days (each with all its lines), an overdue loan
    on every day until it is returned, as the request and approval checks count it."""
    return list(g.db.scalars(
        select(Loan).where(
            Loan.id.in_(select(LoanLine.loan_id).where(LoanLine.asset_id.in_([a.id for a in assets]))),
            Loan.status.in_(HOLDING), Loan.start_date <= days[-1], holds_on_or_after(days[0], today),
        ).order_by(Loan.start_date, Loan.id)
    ))


def _booked_grid(assets: list[Asset], days: list[date], loans: list[Loan], today: date) -> list[dict[str, object]]:
    """For each asset, each day's count booked (requested, approved or out, overdue items still out included)
    and how many of those wait."""
    grid = []
    for asset in assets:
        cells = []
        for day in days:
            holding = [(loan, line) for loan in loans if loan.start_date <= day <= holds_until(loan, today)
                       for line in loan.lines if line.asset_id == asset.id]
            cells.append({"booked": sum(line.quantity for _, line in holding),
                          "pending": sum(line.quantity for loan, line in holding
                                         if loan.status is LoanStatus.PENDING)})
        grid.append({"asset": asset, "cells": cells})
    return grid


@bp.get("/loans/calendar")
@staff_required
def calendar():  # type: ignore[no-untyped-def]
    """Days across, assets down: how many of each are booked (requested, approved or out) on each day."""
    start = _week_start(request.args.get("start"))
    days = [start + timedelta(days=i) for i in range(WEEK)]
    assets = _visible_assets(g.db, g.staff)
    today = office_today()
    loans_in_week = _holding_loans(assets, days, today)
    grid = _booked_grid(assets, days, loans_in_week, today)
    pending = [_row(x) for x in loans_in_week if x.status is LoanStatus.PENDING]
    audit(g.db, g.staff, "view_calendar", f"week:{start.isoformat()}")
    return render_template(
        "admin/calendar.html", days=[(d, thai_date(d)) for d in days], grid=grid, pending=pending,
        title=texts.WEB["week_of"].format(start=thai_date(start)), today=today,
        prev=(start - timedelta(days=WEEK)).isoformat(), next=(start + timedelta(days=WEEK)).isoformat(),
        reasons=texts.LOAN_REJECT_REASONS, note=take_note(),
    )


def _month_start(requested: str | None) -> date:
    try:
        year, month = (int(part) for part in (requested or "").split("-"))
        return date(year, month, 1)
    except ValueError:
        return office_today().replace(day=1)


def _next_month(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1)


@bp.get("/loans/calendar/month")
@staff_required
def calendar_month():  # type: ignore[no-untyped-def]
    """The week calendar's counts for a whole month (?month=YYYY-MM): days down, assets across, as a month is long."""
    first = _month_start(request.args.get("month"))
    following = _next_month(first)
    days = [first + timedelta(days=i) for i in range((following - first).days)]
    assets = _visible_assets(g.db, g.staff)
    today = office_today()
    grid = _booked_grid(assets, days, _holding_loans(assets, days, today), today)
    audit(g.db, g.staff, "view_calendar", f"month:{first.isoformat()[:7]}")
    return render_template(
        "admin/calendar_month.html", assets=assets, today=today,
        rows=[(day, thai_date(day), [line["cells"][i] for line in grid]) for i, day in enumerate(days)],
        title=thai_month(first), month=first.isoformat()[:7],
        prev=(first - timedelta(days=1)).isoformat()[:7], next=following.isoformat()[:7],
    )


# -- the ledger and the year-end reports --------------------------------------------------------------------

def _fiscal_year() -> int:
    """The ?fy= asked for (bot.thai.dates.parse_fiscal_year), else the current one."""
    return parse_fiscal_year(request.args.get("fy", "")) or fiscal_year_of(office_today())


@bp.get("/loans/ledger")
@staff_required
def ledger():  # type: ignore[no-untyped-def]
    """The ledger of a fiscal year as the year-end report writes it; staff see the lines of their unit's assets."""
    fiscal_year = _fiscal_year()
    table = loan_report(g.db, fiscal_year, office_tz()).ledger
    rows = table.rows
    if g.staff.role is not Role.ADMIN:
        names = {a.name for a in g.db.scalars(select(Asset).where(Asset.unit_id == g.staff.unit_id))}
        rows = [r for r in rows if r[2] in names]
    audit(g.db, g.staff, "view_ledger", f"ledger:{fiscal_year}")
    return render_template("admin/ledger.html", columns=table.columns, rows=rows, fiscal_year=fiscal_year,
                           title=texts.WEB["ledger_title"].format(fy=fiscal_year))


@bp.get("/downloads")
@roles_required(Role.HEAD, Role.ADMIN)
def downloads():  # type: ignore[no-untyped-def]
    return render_template("admin/downloads.html", fiscal_year=_fiscal_year(),
                           reports=[(k, texts.WEB[f"report_{k}"]) for k in ("measures", "complaints", "loans")])


@bp.get("/downloads/<kind>-<int:fiscal_year>.<fmt>")
@roles_required(Role.HEAD, Role.ADMIN)
def download(kind: str, fiscal_year: int, fmt: str) -> Response:
    """A year-end report, written by the same functions as `flask report ...`; office-wide, so heads and admins."""
    if fmt not in {"csv", "xlsx"} or kind not in {"measures", "complaints", "loans"}:
        abort(404)
    tz = office_tz()
    if kind == "loans":
        report = loan_report(g.db, fiscal_year, tz)
        csv_text: Callable[[], str] = lambda: report_csv(report)  # noqa: E731
        xlsx: Callable[[Path], None] = lambda p: write_report_xlsx(report, p)  # noqa: E731
    else:
        table = measure_report(g.db, fiscal_year, tz) if kind == "measures" else complaints_report(g.db, fiscal_year)
        csv_text = lambda: write_csv(table)  # noqa: E731
        xlsx = lambda p: write_xlsx(table, p)  # noqa: E731
    # The loan report names borrowers: a download of personal data, recorded like a page view.
    audit(g.db, g.staff, "download", f"{kind}:{fiscal_year}", detail=fmt)
    name = f"{kind}-{fiscal_year}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if fmt == "csv":
        return Response(csv_text().encode("utf-8"), mimetype="text/csv", headers=headers)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        xlsx(path)
        return Response(path.read_bytes(), mimetype=XLSX, headers=headers)


# -- the audit log ------------------------------------------------------------------------------------------

@bp.get("/audit")
@roles_required(Role.ADMIN)
def audit_log():  # type: ignore[no-untyped-def]
    entries = g.db.scalars(select(AuditEntry).options(selectinload(AuditEntry.actor))
                           .order_by(AuditEntry.id.desc()).limit(300)).all()
    rows = [{"when": thai_datetime(e.at, office_tz()), "who": (e.actor.display_name if e.actor else None) or "-",
             "action": e.action, "target": e.target or "", "detail": e.detail or ""} for e in entries]
    return render_template("admin/audit.html", rows=rows)



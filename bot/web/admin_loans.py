"""/admin/loans: requests to decide, hand-overs and returns; the week calendar per asset; the printable ledger
(สมุดคุม); the year-end downloads; the audit log.

Each action calls what the LINE buttons call (bot.loans, then handlers.loans' notice to the borrower), so stock is
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
from bot.feedback_report import complaints_report
from bot.loan_cards import loan_code, loan_fields
from bot.loan_report import loan_report, report_csv, write_report_xlsx
from bot.loans import LoanOutcome, LoanResult, approve, hand_over, loans_to_act_on, may_act_on, record_return, reject
from bot.reports import measure_report, write_csv, write_xlsx
from bot.thaidate import fiscal_year_of, parse_fiscal_year, thai_date, thai_datetime, thai_month
from bot.web.admin import bp, commit_and_send, flash_note, newest_outbox_id, require, take_note
from bot.web.auth import audit, roles_required, staff_required
from handlers.loans import TEXT_LIMIT, _tell_borrower
from models import HOLDING, Asset, AuditEntry, Condition, LineUser, Loan, LoanStatus, Role, utcnow

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
    return {"loan": loan, "code": loan_code(loan), **loan_fields(loan)}


@bp.get("/loans")
@staff_required
def loans():  # type: ignore[no-untyped-def]
    to_act = loans_to_act_on(g.db, g.staff)
    recent_query = select(Loan).join(Asset).where(Loan.status.not_in(
        (LoanStatus.PENDING, LoanStatus.APPROVED, LoanStatus.HANDED_OVER)))
    if g.staff.role is not Role.ADMIN:
        recent_query = recent_query.where(Asset.unit_id == g.staff.unit_id)
    recent = g.db.scalars(recent_query.order_by(Loan.id.desc()).limit(30)).all()
    # The list shows borrowers' names and phone numbers.
    audit(g.db, g.staff, "view_loans")
    return render_template("admin/loans.html", to_act=[_row(x) for x in to_act], recent=[_row(x) for x in recent],
                           conditions=texts.CONDITION_NAMES, reasons=texts.LOAN_REJECT_REASONS, note=take_note())


def _act(loan_id: int, act: Callable[[], LoanOutcome], notice: str | None, cause: str, **fields: object) -> Response:
    """Do a staff step and tell the borrower as the LINE button does; the outcome is shown on the list."""
    _loan_or_404(loan_id)
    mark = newest_outbox_id()
    outcome = act()
    loan = outcome.loan
    if outcome.result is LoanResult.WRONG_STATE and loan is not None:
        flash_note(texts.WEB["already"].format(status=texts.LOAN_STATUS_NAMES[loan.status.value]))
    elif outcome.result is LoanResult.NOT_ENOUGH:
        flash_note(texts.WEB["not_enough"].format(free=outcome.free))
    elif not outcome.ok or loan is None:
        abort(404)
    else:
        if notice is not None:
            _tell_borrower(g.db, loan, notice.format(**loan_fields(loan), **fields), cause)
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
    return _act(loan_id, lambda: approve(g.db, loan_id, g.staff, utcnow()), texts.LOAN_NOTICE_APPROVED, "approved")


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
    try:
        condition = Condition(request.form.get("condition", ""))
    except ValueError:
        abort(400)
    note = request.form.get("note", "").strip()[:TEXT_LIMIT * 2] or None
    shown = texts.CONDITION_NAMES[condition.value]
    return _act(loan_id, lambda: record_return(g.db, loan_id, g.staff, condition, utcnow(), note),
                texts.LOAN_NOTICE_RETURNED, "returned", condition=shown)


# -- the week calendar --------------------------------------------------------------------------------------

def _week_start(requested: str | None) -> date:
    try:
        day = date.fromisoformat(requested or "")
    except ValueError:
        day = office_today()
    return day - timedelta(days=day.weekday())


def _holding_loans(assets: list[Asset], days: list[date]) -> list[Loan]:
    return list(g.db.scalars(
        select(Loan).where(Loan.asset_id.in_([a.id for a in assets]), Loan.status.in_(HOLDING),
                           Loan.start_date <= days[-1], Loan.end_date >= days[0]).order_by(Loan.start_date, Loan.id)
    ))


def _booked_grid(assets: list[Asset], days: list[date], loans: list[Loan]) -> list[dict[str, object]]:
    """For each asset, each day's count booked (requested, approved or out) and how many of those wait."""
    grid = []
    for asset in assets:
        cells = []
        for day in days:
            holding = [x for x in loans if x.asset_id == asset.id and x.start_date <= day <= x.end_date]
            cells.append({"booked": sum(x.quantity for x in holding),
                          "pending": sum(x.quantity for x in holding if x.status is LoanStatus.PENDING)})
        grid.append({"asset": asset, "cells": cells})
    return grid


@bp.get("/loans/calendar")
@staff_required
def calendar():  # type: ignore[no-untyped-def]
    """Days across, assets down: how many of each are booked (requested, approved or out) on each day."""
    start = _week_start(request.args.get("start"))
    days = [start + timedelta(days=i) for i in range(WEEK)]
    assets = _visible_assets(g.db, g.staff)
    loans_in_week = _holding_loans(assets, days)
    grid = _booked_grid(assets, days, loans_in_week)
    pending = [_row(x) for x in loans_in_week if x.status is LoanStatus.PENDING]
    audit(g.db, g.staff, "view_calendar", f"week:{start.isoformat()}")
    return render_template(
        "admin/calendar.html", days=[(d, thai_date(d)) for d in days], grid=grid, pending=pending,
        title=texts.WEB["week_of"].format(start=thai_date(start)), today=office_today(),
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
    grid = _booked_grid(assets, days, _holding_loans(assets, days))
    audit(g.db, g.staff, "view_calendar", f"month:{first.isoformat()[:7]}")
    return render_template(
        "admin/calendar_month.html", assets=assets, today=office_today(),
        rows=[(day, thai_date(day), [line["cells"][i] for line in grid]) for i, day in enumerate(days)],
        title=thai_month(first), month=first.isoformat()[:7],
        prev=(first - timedelta(days=1)).isoformat()[:7], next=following.isoformat()[:7],
    )


# -- the ledger and the year-end reports --------------------------------------------------------------------

def _fiscal_year() -> int:
    """The ?fy= asked for (bot.thaidate.parse_fiscal_year), else the current one."""
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



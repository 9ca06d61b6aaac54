"""/admin/reports/year (heads and admins): the year-end reports' tables on the page, as `flask report ...` and the
downloads write them (measures, complaints, the loans' statistics per item and per month), and the loans chart as
a PNG drawn by the same function, shown on the page and downloadable. The borrower-naming ledger stays on its own
page (/admin/loans/ledger), where staff see only their unit's lines.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import Response, g, render_template, request

from bot import texts
from bot.config import office_tz
from bot.feedback.report import complaints_report
from bot.ita.report import measure_report
from bot.loans.report import loan_report, write_chart
from bot.web.admin import bp
from bot.web.admin_loans import _fiscal_year
from bot.web.auth import audit, roles_required
from models import Role


@bp.get("/reports/year")
@roles_required(Role.HEAD, Role.ADMIN)
def year_reports():  # type: ignore[no-untyped-def]
    fiscal_year = _fiscal_year()
    tz = office_tz()
    loans = loan_report(g.db, fiscal_year, tz)
    tables = [("measures", measure_report(g.db, fiscal_year, tz)), ("complaints", complaints_report(g.db, fiscal_year)),
              ("loan-stats", loans.stats), ("loan-months", loans.months)]
    return render_template("admin/year_reports.html", fiscal_year=fiscal_year, tables=tables,
                           title=texts.WEB["year_reports_title"].format(fy=fiscal_year))


@bp.get("/reports/year/loans-chart-<int:fiscal_year>.png")
@roles_required(Role.HEAD, Role.ADMIN)
def loans_chart(fiscal_year: int) -> Response:
    """The chart `flask report loans` draws; `?download=1` saves it as a file instead of showing it."""
    report = loan_report(g.db, fiscal_year, office_tz())
    name = f"loans-chart-{fiscal_year}.png"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        write_chart(report, path)
        image = path.read_bytes()
    headers = {}
    if request.args.get("download"):
        audit(g.db, g.staff, "download", f"loans-chart:{fiscal_year}", detail="png")
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return Response(image, mimetype="image/png", headers=headers)

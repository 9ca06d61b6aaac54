"""`report loans`: the loan ledger and its statistics, from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.cli import OutputFile, emit_report, fiscal_year_report_options, report_group
from bot.config import office_tz
from bot.runtime import runtime


@click.command("loans")
@with_appcontext
@fiscal_year_report_options
@click.option("--chart", type=OutputFile(), help="PNG chart file (default: loans-<fy>.png).")
def report_loans(fiscal_year: int, fmt: str, output: str | None, chart: str | None) -> None:
    """The loan ledger (สมุดคุม), statistics per item and month, and a chart of loans per month."""
    from bot.loans.report import loan_report, report_csv, write_chart, write_report_xlsx

    with runtime(current_app).sessions() as session:
        report = loan_report(session, fiscal_year, office_tz())
    emit_report(
        fmt, output, f"loans-{fiscal_year}.xlsx", lambda: report_csv(report), lambda p: write_report_xlsx(report, p)
    )
    chart_path = Path(chart or f"loans-{fiscal_year}.png")
    write_chart(report, chart_path)
    click.echo(f"wrote {chart_path}", err=output is None and fmt == "csv")


def init_app(app: object) -> None:
    report_group.add_command(report_loans)

"""`report complaints`: the year's feedback and complaints, from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.cli import emit_report, fiscal_year_report_options, report_group
from bot.runtime import runtime


@click.command("complaints")
@with_appcontext
@fiscal_year_report_options
def report_complaints(fiscal_year: int, fmt: str, output: str | None) -> None:
    """Feedback and complaints of a fiscal year: counts, median days to acknowledge and close, satisfaction."""
    from bot.feedback.report import complaints_report
    from bot.reports import write_csv, write_xlsx

    with runtime(current_app).sessions() as session:
        table = complaints_report(session, fiscal_year)
    emit_report(fmt, output, f"complaints-{fiscal_year}.xlsx", lambda: write_csv(table), lambda p: write_xlsx(table, p))


def init_app(app: object) -> None:
    report_group.add_command(report_complaints)

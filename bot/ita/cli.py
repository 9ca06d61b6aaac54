"""`report measures`: the ITA's table of measures, from the command line."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from bot.cli import emit_report, fiscal_year_report_options, report_group
from bot.config import office_tz
from bot.runtime import runtime


@click.command("measures")
@with_appcontext
@fiscal_year_report_options
def report_measures(fiscal_year: int, fmt: str, output: str | None) -> None:
    """The report's table of measures for a fiscal year, with what staff recorded as done."""
    from bot.ita.report import measure_report
    from bot.reports import write_csv, write_xlsx

    with runtime(current_app).sessions() as session:
        table = measure_report(session, fiscal_year, office_tz())
    emit_report(fmt, output, f"measures-{fiscal_year}.xlsx", lambda: write_csv(table), lambda p: write_xlsx(table, p))


def init_app(app: object) -> None:
    report_group.add_command(report_measures)

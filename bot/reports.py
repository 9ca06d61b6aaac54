"""Year-end tables, as rows that any format can write: CSV for Excel, XLSX. Each capability makes its own tables
(bot.ita.report, bot.feedback.report, bot.loans.report)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Table:
    title: str
    columns: Sequence[str]
    rows: list[list[str]]


def write_csv(table: Table) -> str:
    """CSV with a byte-order mark, so that Excel opens the Thai text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.columns)
    writer.writerows(table.rows)
    return "\ufeff" + out.getvalue()


def write_xlsx(table: Table, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = "report"
    sheet.append([table.title])
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(table.columns))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in table.rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for column, width in zip("ABCDEFG", (8, 40, 50, 18, 20, 50, 50), strict=False):
        sheet.column_dimensions[column].width = width
    book.save(path)

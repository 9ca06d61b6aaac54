"""The year-end loan report (measure 5): the ledger (สมุดคุม), statistics per item and month, and a chart.

The ledger has a row per item (loan line) and movement, so a loan of tents and chairs counts for each item.

Everything is computed from the ledger rows of the fiscal year, so the report says what was recorded then.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from pythainlp.util import thai_strftime
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot import texts
from bot.datafile import BUNDLED_DIR
from bot.reports import Table, write_csv
from bot.thai.dates import BE_OFFSET, fiscal_year_bounds, thai_datetime
from models import Asset, Condition, LineUser, Loan, LoanEvent, Movement

FONT_FILE = BUNDLED_DIR / "fonts" / "Loma.ttf"
LEDGER_COLUMNS = ("วันที่", "เลขที่คำขอ", "รายการ", "จำนวน", "หน่วยนับ", "รายการเคลื่อนไหว", "ผู้ยืม", "โทรศัพท์",
                  "ผู้บันทึก", "สภาพเมื่อคืน", "หมายเหตุ")
STATS_COLUMNS = ("รายการ", "หน่วยงานที่รับผิดชอบ", "จำนวนที่มี", "คำขอ", "อนุมัติ", "ไม่อนุมัติ", "ยกเลิก", "ให้ยืม (ครั้ง)",
                 "ให้ยืม (จำนวน)", "คืนแล้ว (ครั้ง)", "คืนตรงเวลา (ครั้ง)", "อัตราคืนตรงเวลา", "ชำรุด (จำนวน)",
                 "สูญหาย (จำนวน)")


@dataclass(frozen=True)
class LoanReport:
    fiscal_year: int
    ledger: Table
    stats: Table
    months: Table
    # (month label, {item name: loans handed over}) in fiscal order, for the chart
    by_month: list[tuple[str, dict[str, int]]]


def fiscal_months(fiscal_year: int) -> list[tuple[int, int]]:
    """(CE year, month) from October of the year before to September."""
    ce = fiscal_year - BE_OFFSET
    return [(ce - 1, m) for m in range(10, 13)] + [(ce, m) for m in range(1, 10)]


def month_label(year: int, month: int) -> str:
    """ต.ค. 69"""
    return thai_strftime(datetime(year, month, 1), "%b %y")


def loan_report(session: Session, fiscal_year: int, tz: ZoneInfo) -> LoanReport:
    start, end = fiscal_year_bounds(fiscal_year, tz)
    events = session.scalars(
        select(LoanEvent).where(LoanEvent.at >= start, LoanEvent.at < end).order_by(LoanEvent.at, LoanEvent.id)
        .options(selectinload(LoanEvent.asset), selectinload(LoanEvent.loan).selectinload(Loan.borrower))
    ).all()
    actors = {u.id: u for u in session.scalars(select(LineUser).where(
        LineUser.id.in_({e.actor_id for e in events if e.actor_id is not None})))}
    assets = list(session.scalars(select(Asset).options(selectinload(Asset.unit)).order_by(Asset.position, Asset.id)))
    ledger = Table(texts.LOAN_REPORT_LEDGER_TITLE.format(fiscal_year=fiscal_year), LEDGER_COLUMNS,
                   [_ledger_row(e, actors, tz) for e in events])
    by_month = _by_month(events, fiscal_year, tz)
    return LoanReport(fiscal_year, ledger, _stats(events, assets, fiscal_year, tz), _months_table(by_month, assets,
                      fiscal_year), by_month)


def _ledger_row(event: LoanEvent, actors: dict[int, LineUser], tz: ZoneInfo) -> list[str]:
    loan = event.loan
    actor = actors.get(event.actor_id or 0)
    return [
        thai_datetime(event.at, tz),
        texts.LOAN_CODE.format(id=loan.id),
        event.asset.name,
        str(event.quantity),
        event.asset.count_unit,
        texts.MOVEMENT_NAMES[event.movement.value],
        loan.contact_name,
        loan.phone,
        _actor_name(event, loan, actor),
        texts.CONDITION_NAMES[event.condition.value] if event.condition else "",
        event.note or "",
    ]


def _actor_name(event: LoanEvent, loan: Loan, actor: LineUser | None) -> str:
    """Who recorded the movement, as a clerk reads the ledger: the borrower by the name they gave, staff by
    their registered name; a LINE user id is not a name."""
    if actor is None:
        return "-"
    if event.actor_id == loan.borrower_id:
        return loan.contact_name
    return actor.display_name or "-"


def _on_time(event: LoanEvent, tz: ZoneInfo) -> bool:
    return event.at.astimezone(tz).date() <= event.loan.end_date


def _stats(events: list[LoanEvent], assets: list[Asset], fiscal_year: int, tz: ZoneInfo) -> Table:
    rows = []
    totals = Counter[str]()
    for asset in assets:
        mine = [e for e in events if e.asset_id == asset.id]
        moves = Counter(e.movement for e in mine)
        # A return writes a row per condition found on a line: a line returned counts once.
        returned = [e for e in mine if e.movement is Movement.RETURNED]
        returned_lines = {e.line_id: e for e in returned}
        on_time = sum(_on_time(e, tz) for e in returned_lines.values())
        figures = {
            "requested": moves[Movement.REQUESTED], "approved": moves[Movement.APPROVED],
            "rejected": moves[Movement.REJECTED], "cancelled": moves[Movement.CANCELLED],
            "lent": moves[Movement.HANDED_OVER],
            "lent_qty": sum(e.quantity for e in mine if e.movement is Movement.HANDED_OVER),
            "returned": len(returned_lines), "on_time": on_time,
            "damaged": sum(e.quantity for e in returned if e.condition is Condition.DAMAGED),
            "lost": sum(e.quantity for e in returned if e.condition is Condition.LOST),
        }
        if not mine and not asset.active:
            continue
        totals.update(figures)
        rows.append(_stats_row(asset.name, asset.unit.name, str(asset.quantity), figures))
    rows.append(_stats_row("รวม", "", "", dict(totals)))
    return Table(texts.LOAN_REPORT_STATS_TITLE.format(fiscal_year=fiscal_year), STATS_COLUMNS, rows)


def _stats_row(name: str, unit: str, held: str, f: dict[str, int]) -> list[str]:
    rate = f"{f.get('on_time', 0) / f['returned']:.0%}" if f.get("returned") else "-"
    keys = ("requested", "approved", "rejected", "cancelled", "lent", "lent_qty", "returned", "on_time")
    return [name, unit, held, *(str(f.get(k, 0)) for k in keys), rate, str(f.get("damaged", 0)),
            str(f.get("lost", 0))]


def _by_month(events: list[LoanEvent], fiscal_year: int, tz: ZoneInfo) -> list[tuple[str, dict[str, int]]]:
    counts: dict[tuple[int, int], Counter[str]] = {ym: Counter() for ym in fiscal_months(fiscal_year)}
    for event in events:
        if event.movement is Movement.HANDED_OVER:
            local = event.at.astimezone(tz)
            counts[(local.year, local.month)][event.asset.name] += 1
    return [(month_label(*ym), dict(c)) for ym, c in counts.items()]


def _months_table(by_month: list[tuple[str, dict[str, int]]], assets: list[Asset], fiscal_year: int) -> Table:
    names = [a.name for a in assets if a.active or any(a.name in c for _, c in by_month)]
    rows = [[label, *(str(c.get(n, 0)) for n in names), str(sum(c.values()))] for label, c in by_month]
    return Table(texts.LOAN_REPORT_MONTHS_TITLE.format(fiscal_year=fiscal_year), ("เดือน", *names, "รวม"), rows)


def report_csv(report: LoanReport) -> str:
    """The three tables one after the other, each under its title (one BOM at the top, for Excel)."""
    parts = []
    for table in (report.stats, report.months, report.ledger):
        parts.append(table.title + "\n" + write_csv(table).lstrip("\ufeff"))
    return "\ufeff" + "\n".join(parts)


def write_report_xlsx(report: LoanReport, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    book.remove(book.active)
    for sheet_name, table in (("สถิติ", report.stats), ("รายเดือน", report.months), ("สมุดคุม", report.ledger)):
        sheet = book.create_sheet(sheet_name)
        sheet.append([table.title])
        sheet["A1"].font = Font(bold=True)
        sheet.append(list(table.columns))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            sheet.append([int(v) if v.isdigit() else v for v in row])
    book.save(path)


def write_chart(report: LoanReport, path: Path) -> None:
    """A stacked bar chart of loans handed over per month, per item, in Thai (the bundled Loma font)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager
    from matplotlib import pyplot as plt

    font_manager.fontManager.addfont(str(FONT_FILE))
    family = font_manager.FontProperties(fname=str(FONT_FILE)).get_name()
    with matplotlib.rc_context({"font.family": family, "axes.unicode_minus": False}):
        labels = [label for label, _ in report.by_month]
        names = sorted({n for _, counts in report.by_month for n in counts})
        fig, ax = plt.subplots(figsize=(10, 5), dpi=120)
        bottom = [0] * len(labels)
        for name in names:
            values = [counts.get(name, 0) for _, counts in report.by_month]
            ax.bar(labels, values, bottom=bottom, label=name)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title(texts.LOAN_REPORT_CHART_TITLE.format(fiscal_year=report.fiscal_year))
        ax.set_ylabel(texts.LOAN_REPORT_CHART_Y)
        ax.yaxis.get_major_locator().set_params(integer=True)
        if names:
            ax.legend()
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)


"""What the loans capability sends on its own: due-date reminders (a scheduler job) and the unit head's digest
section of requests waiting for a decision."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import texts
from bot.loans.cards import loan_fields
from bot.messages import Message, text
from bot.outbox import enqueue_push
from bot.scheduler import digest_section, tick_job
from bot.staff import staff_of_units
from models import Asset, LineUser, Loan, LoanLine, LoanStatus

# Reminders go out from this hour (office time), not at midnight.
REMIND_FROM_HOUR = 8


def tell_staff(session: Session, loan: Loan, messages: list[Message], cause: str) -> None:
    for member in staff_of_units(session, [loan.unit_id]):
        session_push(session, member.line_user_id, messages, f"loan:{loan.id}:{cause}:{member.id}")


def tell_borrower(session: Session, loan: Loan, body: str, cause: str) -> None:
    if loan.borrower.is_following:
        session_push(session, loan.borrower.line_user_id, [text(body)], f"loan:{loan.id}:{cause}")


def session_push(session: Session, to: str, messages: list[Message], dedupe_key: str) -> int:
    return len(enqueue_push(session, to=to, messages=messages, dedupe_key=dedupe_key))


@tick_job("loan_reminders")
def loan_reminders(session: Session, now: datetime, tz: ZoneInfo) -> int:
    """The day before pick-up and the due date to the borrower; overdue, daily, to the borrower and the unit.

    Idempotent: each push has a dedupe key per loan and cause (per day for overdue), so ticks can repeat.
    """
    local = now.astimezone(tz)
    if local.hour < REMIND_FROM_HOUR:
        return 0
    today = local.date()
    sent = 0
    pickup = select(Loan).where(Loan.status == LoanStatus.APPROVED, Loan.start_date == today + timedelta(days=1))
    for loan in session.scalars(pickup):
        sent += _remind(session, loan, texts.LOAN_REMIND_PICKUP.format(**loan_fields(loan)), "pickup")
    due = select(Loan).where(Loan.status == LoanStatus.HANDED_OVER, Loan.end_date == today)
    for loan in session.scalars(due):
        sent += _remind(session, loan, texts.LOAN_REMIND_DUE.format(**loan_fields(loan)), "due")
    overdue = select(Loan).where(Loan.status == LoanStatus.HANDED_OVER, Loan.end_date < today)
    for loan in session.scalars(overdue):
        fields = {**loan_fields(loan), "days": (today - loan.end_date).days}
        cause = f"overdue:{today.isoformat()}"
        sent += _remind(session, loan, texts.LOAN_REMIND_OVERDUE.format(**fields), cause)
        for member in staff_of_units(session, [loan.unit_id]):
            sent += session_push(session, member.line_user_id, [text(texts.LOAN_REMIND_OVERDUE_STAFF.format(**fields))],
                                 f"loan:{loan.id}:{cause}:{member.id}")
    return sent


def _remind(session: Session, loan: Loan, body: str, cause: str) -> int:
    if not loan.borrower.is_following:
        return 0
    return session_push(session, loan.borrower.line_user_id, [text(body)], f"loan:{loan.id}:{cause}")


@digest_section
def pending_loan_lines(session: Session, head: LineUser, now: datetime, tz: ZoneInfo) -> list[str]:
    of_unit = select(LoanLine.loan_id).join(LoanLine.asset).where(Asset.unit_id == head.unit_id)
    pending = session.scalars(
        select(Loan).where(Loan.status == LoanStatus.PENDING, Loan.id.in_(of_unit)).order_by(Loan.start_date, Loan.id)
    )
    return [texts.DIGEST_LOAN_LINE.format(**loan_fields(loan)) for loan in pending]


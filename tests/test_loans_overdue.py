"""Items handed over and not returned by their return day (an overdue loan) stay out until staff record the
return: no request or approval is promised them, whatever dates it asks for, and the return frees them at once."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot import texts
from bot.thai.dates import thai_date
from models import Loan, LoanEvent, LoanStatus, Movement, clock
from tests import line_events as ev
from tests.helpers import count, rows
from tests.test_loans import (
    CLERK,
    borrow,
    dates,
    office,  # noqa: F401 (a fixture)
    open_run,
    replied_text,
    say,
    tap,
    tap_confirm,
    today,
)

BKK = ZoneInfo("Asia/Bangkok")


def live_on(day: date) -> None:
    """The bot's clock at 10:00 in the office on `day`."""
    clock.pin(datetime.combine(day, time(10), tzinfo=BKK))


def lend_and_keep(webhook, fake_line, quantity: int) -> Loan:  # type: ignore[no-untyped-def]
    """A first citizen's tents, approved and handed over (not returned yet)."""
    first = open_run(webhook.client.application, today() + timedelta(days=3), 2)
    loan = borrow(webhook, fake_line, quantity=quantity, first=first, days=2)
    tap(webhook, fake_line, f"action=loan_approve&id={loan.id}", CLERK)
    tap(webhook, fake_line, f"action=loan_handover&id={loan.id}&ok=1", CLERK)
    assert rows(webhook.client.application, Loan, Loan.id == loan.id)[0].status is LoanStatus.HANDED_OVER
    return loan


def take_back(webhook, fake_line, loan: Loan) -> None:  # type: ignore[no-untyped-def]
    tap(webhook, fake_line, f"action=loan_return&id={loan.id}", CLERK)
    tap_confirm(webhook, fake_line, CLERK)  # the return is late: staff are told, then confirm
    assert rows(webhook.client.application, Loan, Loan.id == loan.id)[0].status is LoanStatus.RETURNED


def test_tents_still_out_after_their_return_day_are_not_promised_until_they_come_back(webhook, fake_line, office):  # noqa: F811
    out = lend_and_keep(webhook, fake_line, 8)
    live_on(out.end_date + timedelta(days=3))  # the 8 tents are still in the village
    later = open_run(office, today() + timedelta(days=7), 2)
    asked = dates(later, later + timedelta(days=1))

    say(webhook, fake_line, "ขอยืมเต็นท์ 3 หลัง", ev.OTHER_CITIZEN)
    answer = say(webhook, fake_line, asked, ev.OTHER_CITIZEN)
    assert answer.startswith(texts.LOAN_NOT_ENOUGH.format(
        start=thai_date(later), end=thai_date(later + timedelta(days=1)), name="เต็นท์", free=2, unit="หลัง",
        quantity=3))
    assert texts.LOAN_NO_SUGGESTION in answer, "no dates are free for 3 while 8 are out with no return day"
    for private in ("สมศรี", "0812345678", "081-234-5678", f"ยืม-{out.id:04d}", "งานบุญประจำปี"):
        assert private not in answer, "nothing of the other borrower is told"
    assert count(office, Loan) == 1

    take_back(webhook, fake_line, out)
    assert say(webhook, fake_line, asked, ev.OTHER_CITIZEN).endswith(texts.LOAN_ASK_PURPOSE)
    say(webhook, fake_line, "งานบวช หมู่ 5", ev.OTHER_CITIZEN)
    say(webhook, fake_line, "สมชาย ใจดี", ev.OTHER_CITIZEN)
    say(webhook, fake_line, "0899999999", ev.OTHER_CITIZEN)
    assert say(webhook, fake_line, "ยืนยัน", ev.OTHER_CITIZEN).startswith("ส่งคำขอยืมเรียบร้อยแล้วค่ะ")
    [request] = rows(office, Loan, Loan.id != out.id)
    assert (request.start_date, request.status, [line.quantity for line in request.lines]) == (
        later, LoanStatus.PENDING, [3])


def test_the_last_tents_free_while_others_are_overdue_can_still_be_asked_for(webhook, fake_line, office):  # noqa: F811
    out = lend_and_keep(webhook, fake_line, 8)
    live_on(out.end_date + timedelta(days=1))
    later = open_run(office, today() + timedelta(days=7), 2)
    say(webhook, fake_line, "ขอยืมเต็นท์ 2 หลัง", ev.OTHER_CITIZEN)
    assert say(webhook, fake_line, dates(later, later + timedelta(days=1)), ev.OTHER_CITIZEN).endswith(
        texts.LOAN_ASK_PURPOSE), "the 2 not lent are free"


def test_staff_cannot_approve_tents_that_are_still_out_until_they_are_returned(webhook, fake_line, office):  # noqa: F811
    out = lend_and_keep(webhook, fake_line, 8)
    # Asked while the 8 were due back before it: all 10 free then.
    waiting = borrow(webhook, fake_line, quantity=5, first=out.end_date + timedelta(days=5),
                     user_id=ev.OTHER_CITIZEN)
    live_on(out.end_date + timedelta(days=2))  # the return day passed, the tents are not back

    tap(webhook, fake_line, f"action=loan_approve&id={waiting.id}", CLERK)
    refused = replied_text(fake_line)
    assert refused.startswith("อนุมัติไม่ได้ค่ะ") and "ว่างเพียง 2 หลัง (คำขอนี้ 5 หลัง)" in refused
    assert rows(office, Loan, Loan.id == waiting.id)[0].status is LoanStatus.PENDING
    assert count(office, LoanEvent, LoanEvent.loan_id == waiting.id, LoanEvent.movement == Movement.APPROVED) == 0

    take_back(webhook, fake_line, out)
    tap(webhook, fake_line, f"action=loan_approve&id={waiting.id}", CLERK)
    assert rows(office, Loan, Loan.id == waiting.id)[0].status is LoanStatus.APPROVED


def test_an_overdue_loan_holds_only_after_its_return_day_has_passed(webhook, fake_line, office):  # noqa: F811
    """On its return day the loan is not overdue yet: it is expected back, and the days after it are free."""
    out = lend_and_keep(webhook, fake_line, 8)
    live_on(out.end_date)
    later = open_run(office, today() + timedelta(days=7), 2)
    say(webhook, fake_line, "ขอยืมเต็นท์ 10 หลัง", ev.OTHER_CITIZEN)
    assert say(webhook, fake_line, dates(later, later + timedelta(days=1)), ev.OTHER_CITIZEN).endswith(
        texts.LOAN_ASK_PURPOSE)

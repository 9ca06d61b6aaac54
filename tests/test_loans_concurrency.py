"""Fifty requests, and fifty approvals, racing for the last items: never more lent than held.

Each thread has its own session and transaction and calls the functions the LINE handlers call.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlalchemy import func, select

from bot.loans.service import LoanRequest, LoanRequestLine, LoanResult, approve, create_request
from bot.runtime import runtime
from models import LENT, Asset, LineUser, Loan, LoanEvent, LoanLine, LoanStatus, Movement, Role, Unit, utcnow
from tests.helpers import count

RACERS = 50


def _people(app) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    with runtime(app).sessions.begin() as session:
        unit = session.scalar(select(Unit).where(Unit.name == "สำนักปลัด"))
        citizen = LineUser(line_user_id="U" + "1" * 32)
        staff = LineUser(line_user_id="U" + "2" * 32, role=Role.STAFF, unit_id=unit.id)
        session.add_all([citizen, staff])
        session.flush()
        tent = session.scalar(select(Asset).where(Asset.key == "tent"))
        return citizen.id, staff.id, tent.id


def _race(work) -> list[object]:  # type: ignore[no-untyped-def]
    barrier = threading.Barrier(RACERS)
    results: list[object] = [None] * RACERS

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # surfaced by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    return results


def _lent_on(app, asset_id: int, day: date) -> int:  # type: ignore[no-untyped-def]
    with runtime(app).sessions() as session:
        return session.scalar(
            select(func.coalesce(func.sum(LoanLine.quantity), 0)).join(LoanLine.loan).where(
                LoanLine.asset_id == asset_id, Loan.status.in_(LENT), Loan.start_date <= day, Loan.end_date >= day)
        ) or 0


def test_fifty_requests_and_approvals_for_the_last_tents(seeded):
    citizen_id, staff_id, tent_id = _people(seeded)
    sessions = runtime(seeded).sessions
    start = date.today() + timedelta(days=20)
    with sessions.begin() as session:
        held = session.get(Asset, tent_id).quantity

    def request(i: int) -> LoanResult:
        with sessions.begin() as session:
            citizen = session.get(LineUser, citizen_id)
            draft = LoanRequest.one(tent_id, 1 + i % 2, start, start + timedelta(days=1), "งานบุญ", "ชื่อ", "0812345678")
            return create_request(session, citizen, draft, utcnow(),
                                  today=utcnow().date()).result

    outcomes = _race(request)
    accepted = [o for o in outcomes if o is LoanResult.OK]
    assert accepted and len(accepted) < RACERS
    with sessions() as session:
        pending = session.scalar(select(func.sum(LoanLine.quantity)).join(LoanLine.loan)
                                 .where(Loan.status == LoanStatus.PENDING))
    assert held - 1 <= pending <= held, "requests fill the stock, never more"

    def approve_one(i: int) -> LoanResult:
        with sessions.begin() as session:
            loans = session.scalars(select(Loan.id).order_by(Loan.id)).all()
            staff = session.get(LineUser, staff_id)
            return approve(session, loans[i % len(loans)], staff, utcnow(),
                           today=utcnow().date()).result

    results = _race(approve_one)
    assert _lent_on(seeded, tent_id, start) <= held
    assert count(seeded, LoanEvent, LoanEvent.movement == Movement.APPROVED) == len(accepted)
    assert sum(r is LoanResult.OK for r in results) == len(accepted), "each loan approved once, double taps no-ops"


def test_fifty_approvals_of_requests_beyond_the_stock_lend_only_what_is_held(seeded):
    """Requests can outnumber the stock (e.g. the office lowered the quantity after they came in): the
    approval's own check under the lock is what keeps the promise."""
    citizen_id, staff_id, tent_id = _people(seeded)
    sessions = runtime(seeded).sessions
    start = date.today() + timedelta(days=30)
    with sessions.begin() as session:
        held = session.get(Asset, tent_id).quantity
        loans = [Loan(lines=[LoanLine(asset_id=tent_id, quantity=1, damaged=0, lost=0)], borrower_id=citizen_id,
                      start_date=start,
                      end_date=start + timedelta(days=i % 3), purpose="x", contact_name="x", phone="0812345678")
                 for i in range(RACERS)]
        session.add_all(loans)
        session.flush()
        loan_ids = [loan.id for loan in loans]

    def approve_one(i: int) -> LoanResult:
        with sessions.begin() as session:
            return approve(session, loan_ids[i], session.get(LineUser, staff_id), utcnow(),
                           today=utcnow().date()).result

    results = _race(approve_one)
    assert sum(r is LoanResult.OK for r in results) == held
    assert sum(r is LoanResult.NOT_ENOUGH for r in results) == RACERS - held
    assert _lent_on(seeded, tent_id, start) == held


def test_fifty_approvals_while_tents_are_overdue_lend_only_what_is_in_the_store(seeded):
    """Tents handed over and not back by their return day are out with no end: racing approvals for any later
    day, under the asset's lock, lend only the rest."""
    citizen_id, staff_id, tent_id = _people(seeded)
    sessions = runtime(seeded).sessions
    today = utcnow().date()
    start = today + timedelta(days=50)
    with sessions.begin() as session:
        held = session.get(Asset, tent_id).quantity
        out = held - 3
        session.add(Loan(lines=[LoanLine(asset_id=tent_id, quantity=out, damaged=0, lost=0)], borrower_id=citizen_id,
                         start_date=today - timedelta(days=6), end_date=today - timedelta(days=2),
                         status=LoanStatus.HANDED_OVER, purpose="x", contact_name="x", phone="0812345678"))
        loans = [Loan(lines=[LoanLine(asset_id=tent_id, quantity=1, damaged=0, lost=0)], borrower_id=citizen_id,
                      start_date=start, end_date=start + timedelta(days=i % 3), purpose="x", contact_name="x",
                      phone="0812345678")
                 for i in range(RACERS)]
        session.add_all(loans)
        session.flush()
        loan_ids = [loan.id for loan in loans]

    def approve_one(i: int) -> LoanResult:
        with sessions.begin() as session:
            return approve(session, loan_ids[i], session.get(LineUser, staff_id), utcnow(), today=today).result

    results = _race(approve_one)
    assert sum(r is LoanResult.OK for r in results) == held - out == 3
    assert sum(r is LoanResult.NOT_ENOUGH for r in results) == RACERS - 3


def test_fifty_requests_of_two_items_named_in_either_order_never_deadlock_nor_overbook(seeded):
    """Half ask for tents and chairs, half for chairs and tents: every request locks both rows in ascending id
    order, so none waits for the other in a cycle (PostgreSQL would abort one as a deadlock), and neither item is
    promised beyond its stock."""
    citizen_id, staff_id, tent_id = _people(seeded)
    sessions = runtime(seeded).sessions
    start = date.today() + timedelta(days=40)
    with sessions.begin() as session:
        chair = session.scalar(select(Asset).where(Asset.key == "chair"))
        chair_id, chairs = chair.id, chair.quantity
        tents = session.get(Asset, tent_id).quantity

    def request(i: int) -> LoanResult:
        lines = (LoanRequestLine(tent_id, 1), LoanRequestLine(chair_id, 30))
        with sessions.begin() as session:
            draft = LoanRequest(lines if i % 2 else lines[::-1], start, start + timedelta(days=1), "งาน", "ชื่อ",
                                "0812345678")
            return create_request(session, session.get(LineUser, citizen_id), draft, utcnow(),
                                  today=utcnow().date()).result

    outcomes = _race(request)
    accepted = sum(o is LoanResult.OK for o in outcomes)
    assert accepted == min(tents, chairs // 30), "as many as the scarcer item allows, no more"

    def approve_one(i: int) -> LoanResult:
        with sessions.begin() as session:
            loans = session.scalars(select(Loan.id).order_by(Loan.id)).all()
            return approve(session, loans[i % len(loans)], session.get(LineUser, staff_id), utcnow(),
                           today=utcnow().date()).result

    _race(approve_one)
    assert _lent_on(seeded, tent_id, start) <= tents and _lent_on(seeded, chair_id, start) <= chairs

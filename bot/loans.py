"""Lending assets: availability, and every movement of a loan with its ledger row, safe under concurrency.

No overbooking, whatever the number of workers: a request and an approval first lock the asset's row
(SELECT ... FOR UPDATE on PostgreSQL; on SQLite every writing transaction is BEGIN IMMEDIATE, see bot.db),
then count, then write, all in the caller's one transaction. Two approvals of the last tent therefore run
one after the other, and the second sees the first. Status changes are conditional UPDATEs, so a double
tap has one effect. Every movement inserts a LoanEvent in the same transaction: the ledger can never say
something the loans do not.

These functions are what the LINE handlers call, and what the concurrency test and scripts/bench_loans.py
race against each other.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from models import HOLDING, LENT, Asset, Condition, LineUser, Loan, LoanEvent, LoanStatus, Movement, Role

# How far around the asked dates to look for dates when the full quantity is free.
SEARCH_DAYS = 60


class LoanResult(enum.Enum):
    OK = "ok"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    WRONG_STATE = "wrong_state"  # already decided, cancelled, returned...: a double tap lands here
    NOT_ENOUGH = "not_enough"


@dataclass(frozen=True)
class LoanOutcome:
    result: LoanResult
    loan: Loan | None = None
    free: int = 0

    @property
    def ok(self) -> bool:
        return self.result is LoanResult.OK


@dataclass(frozen=True)
class LoanRequest:
    """What a citizen asked for, before it is a loan."""

    asset_id: int
    quantity: int
    start: date
    end: date
    purpose: str
    contact_name: str
    phone: str


# -- availability -----------------------------------------------------------------------------------

def lock_asset(session: Session, asset_id: int) -> Asset | None:
    """The asset's row, locked until the transaction ends (populate_existing: fresh, not a cached copy)."""
    return session.scalar(
        select(Asset).where(Asset.id == asset_id).with_for_update().execution_options(populate_existing=True)
    )


def free_quantity(
    session: Session, asset: Asset, start: date, end: date, *, statuses: tuple[LoanStatus, ...] = HOLDING,
    exclude_loan_id: int | None = None,
) -> int:
    """How many are free on every day of [start, end]: the quantity held less the busiest day's loans."""
    query = select(Loan.start_date, Loan.end_date, Loan.quantity).where(
        Loan.asset_id == asset.id, Loan.status.in_(statuses), Loan.start_date <= end, Loan.end_date >= start
    )
    if exclude_loan_id is not None:
        query = query.where(Loan.id != exclude_loan_id)
    loans = session.execute(query).all()
    return max(asset.quantity - _busiest_day(loans, start, end)[1], 0)


@dataclass(frozen=True)
class Peak:
    """The day when the most of an asset are held, how many, and the loans that hold them."""

    day: date
    quantity: int
    loans: list[Loan]


def peak_from(session: Session, asset: Asset, today: date) -> Peak | None:
    """The busiest day from `today` on, counted as free_quantity counts; None when nothing is held.

    Items handed over and not yet returned are out today even when their loan has ended, so an overdue loan
    holds its quantity on `today` too.
    """
    loans = list(session.scalars(
        select(Loan).where(
            Loan.asset_id == asset.id, Loan.status.in_(HOLDING),
            or_(Loan.end_date >= today, Loan.status == LoanStatus.HANDED_OVER),
        ).order_by(Loan.start_date, Loan.id)
    ))
    if not loans:
        return None
    spans = [(max(loan.start_date, today), max(loan.end_date, today), loan.quantity) for loan in loans]
    day, quantity = _busiest_day(spans, today, max(end for _, end, _ in spans))
    return Peak(day, quantity, [loan for loan, (s, e, _) in zip(loans, spans, strict=True) if s <= day <= e])


def _busiest_day(spans: Sequence[tuple[date, date, int]], start: date, end: date) -> tuple[date, int]:
    """The first day of [start, end] with the most held, and how many, from (first day, last day, quantity)."""
    best = (start, 0)
    day = start
    while day <= end:
        held = sum(q for s, e, q in spans if s <= day <= e)
        if held > best[1]:
            best = (day, held)
        day += timedelta(days=1)
    return best


def nearest_free_dates(
    session: Session, asset: Asset, quantity: int, start: date, end: date, earliest: date
) -> tuple[date, date] | None:
    """The same number of days, as near the asked dates as possible, when `quantity` are free throughout."""
    length = (end - start).days
    for offset in range(1, SEARCH_DAYS + 1):
        for shift in (offset, -offset):
            candidate = start + timedelta(days=shift)
            if candidate < earliest:
                continue
            if free_quantity(session, asset, candidate, candidate + timedelta(days=length)) >= quantity:
                return candidate, candidate + timedelta(days=length)
    return None


# -- movements --------------------------------------------------------------------------------------

def create_request(session: Session, borrower: LineUser, draft: LoanRequest, now: datetime) -> LoanOutcome:
    """A pending loan, if the quantity is free on those dates once the asset is locked."""
    asset = lock_asset(session, draft.asset_id)
    if asset is None or not asset.active:
        return LoanOutcome(LoanResult.NOT_FOUND)
    free = free_quantity(session, asset, draft.start, draft.end)
    if free < draft.quantity:
        return LoanOutcome(LoanResult.NOT_ENOUGH, free=free)
    loan = Loan(
        asset_id=asset.id, borrower_id=borrower.id, quantity=draft.quantity, start_date=draft.start,
        end_date=draft.end, purpose=draft.purpose, contact_name=draft.contact_name, phone=draft.phone,
        status=LoanStatus.PENDING, created_at=now,
    )
    session.add(loan)
    session.flush()
    _ledger(session, loan, Movement.REQUESTED, borrower, now)
    return LoanOutcome(LoanResult.OK, loan, free - draft.quantity)


def approve(session: Session, loan_id: int, actor: LineUser, now: datetime) -> LoanOutcome:
    """Approve, re-checking under the asset's lock that what is lent stays within what is held."""
    found = _locked_loan(session, loan_id, actor)
    if not found.ok or found.loan is None:
        return found
    loan = found.loan
    if loan.status is not LoanStatus.PENDING:
        return LoanOutcome(LoanResult.WRONG_STATE, loan)
    free = free_quantity(session, loan.asset, loan.start_date, loan.end_date, statuses=LENT, exclude_loan_id=loan.id)
    if free < loan.quantity:
        return LoanOutcome(LoanResult.NOT_ENOUGH, loan, free)
    return _move(session, loan, LoanStatus.PENDING, LoanStatus.APPROVED, Movement.APPROVED, actor, now,
                 decided_at=now, decided_by_id=actor.id)


def reject(session: Session, loan_id: int, actor: LineUser, reason: str, now: datetime) -> LoanOutcome:
    found = _locked_loan(session, loan_id, actor)
    if not found.ok or found.loan is None:
        return found
    return _move(session, found.loan, LoanStatus.PENDING, LoanStatus.REJECTED, Movement.REJECTED, actor, now,
                 note=reason, decided_at=now, decided_by_id=actor.id, reject_reason=reason)


def cancel(session: Session, loan_id: int, borrower: LineUser, now: datetime) -> LoanOutcome:
    """The borrower withdraws a request, or an approved loan before pick-up."""
    loan = session.get(Loan, loan_id)
    if loan is None:
        return LoanOutcome(LoanResult.NOT_FOUND)
    if loan.borrower_id != borrower.id:
        return LoanOutcome(LoanResult.NOT_ALLOWED, loan)
    lock_asset(session, loan.asset_id)
    session.refresh(loan)
    for status in (LoanStatus.PENDING, LoanStatus.APPROVED):
        if loan.status is status:
            return _move(session, loan, status, LoanStatus.CANCELLED, Movement.CANCELLED, borrower, now)
    return LoanOutcome(LoanResult.WRONG_STATE, loan)


def hand_over(session: Session, loan_id: int, actor: LineUser, now: datetime) -> LoanOutcome:
    found = _locked_loan(session, loan_id, actor)
    if not found.ok or found.loan is None:
        return found
    return _move(session, found.loan, LoanStatus.APPROVED, LoanStatus.HANDED_OVER, Movement.HANDED_OVER, actor,
                 now, handed_over_at=now)


def record_return(
    session: Session, loan_id: int, actor: LineUser, condition: Condition, now: datetime, note: str | None = None
) -> LoanOutcome:
    found = _locked_loan(session, loan_id, actor)
    if not found.ok or found.loan is None:
        return found
    return _move(session, found.loan, LoanStatus.HANDED_OVER, LoanStatus.RETURNED, Movement.RETURNED, actor, now,
                 condition=condition, note=note, returned_at=now, return_condition=condition, return_note=note)


def add_return_note(session: Session, loan_id: int, actor: LineUser, note: str) -> bool:
    """The note typed after a return: on the loan and on its return line of the ledger (written just before)."""
    loan = session.get(Loan, loan_id)
    if loan is None or loan.status is not LoanStatus.RETURNED or not may_act_on(actor, loan):
        return False
    loan.return_note = note
    event = session.scalar(
        select(LoanEvent).where(LoanEvent.loan_id == loan.id, LoanEvent.movement == Movement.RETURNED)
    )
    if event is not None and event.note is None:
        # The one exception to "never updated": the note completes the return line it belongs to.
        event.note = note
    return True


def may_act_on(user: LineUser | None, loan: Loan) -> bool:
    """Staff of the unit responsible for the asset, or an admin."""
    return user is not None and user.is_staff and user.may_act_for(loan.asset.unit_id)


def _locked_loan(session: Session, loan_id: int, actor: LineUser) -> LoanOutcome:
    loan = session.get(Loan, loan_id)
    if loan is None:
        return LoanOutcome(LoanResult.NOT_FOUND)
    if not may_act_on(actor, loan):
        return LoanOutcome(LoanResult.NOT_ALLOWED, loan)
    lock_asset(session, loan.asset_id)
    session.refresh(loan)  # what another transaction committed before we got the lock
    return LoanOutcome(LoanResult.OK, loan)


def _move(
    session: Session, loan: Loan, source: LoanStatus, target: LoanStatus, movement: Movement, actor: LineUser,
    now: datetime, *, condition: Condition | None = None, note: str | None = None, **values: object,
) -> LoanOutcome:
    changed = session.execute(
        update(Loan).where(Loan.id == loan.id, Loan.status == source).values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(loan)
    if changed.rowcount != 1:
        return LoanOutcome(LoanResult.WRONG_STATE, loan)
    _ledger(session, loan, movement, actor, now, condition=condition, note=note)
    return LoanOutcome(LoanResult.OK, loan)


def _ledger(
    session: Session, loan: Loan, movement: Movement, actor: LineUser | None, now: datetime, *,
    condition: Condition | None = None, note: str | None = None,
) -> None:
    session.add(LoanEvent(
        loan_id=loan.id, asset_id=loan.asset_id, movement=movement, quantity=loan.quantity,
        actor_id=actor.id if actor else None, at=now, condition=condition, note=note,
    ))
    session.flush()


def loans_of(session: Session, borrower: LineUser, statuses: tuple[LoanStatus, ...]) -> list[Loan]:
    return list(session.scalars(
        select(Loan).where(Loan.borrower_id == borrower.id, Loan.status.in_(statuses)).order_by(Loan.start_date)
    ))


def loans_to_act_on(session: Session, user: LineUser) -> list[Loan]:
    """What a staff member can move now: requests to decide, approved loans to hand over, loans to take back."""
    query = select(Loan).join(Asset).where(
        Loan.status.in_((LoanStatus.PENDING, LoanStatus.APPROVED, LoanStatus.HANDED_OVER))
    )
    if user.role is not Role.ADMIN:
        query = query.where(Asset.unit_id == user.unit_id)
    return list(session.scalars(query.order_by(Loan.start_date, Loan.id)))

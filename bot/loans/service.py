"""Lending assets: availability, and every movement of a loan with its ledger row, safe under concurrency.

No overbooking, whatever the number of workers: a request and an approval first lock the rows of every
asset of the request, one by one in ascending id (so two requests naming the same items in any order queue
on the same first row rather than deadlock; SELECT ... FOR UPDATE on PostgreSQL; on SQLite every writing
transaction is BEGIN IMMEDIATE, see bot.db), then count, then write, all in the caller's one transaction.
Two approvals of the last tent therefore run one after the other, and the second sees the first. Status
changes are conditional UPDATEs, so a double tap has one effect. Every movement inserts a LoanEvent per line
in the same transaction: the ledger can never say something the loans do not.

These functions are what the LINE handlers call, and what the concurrency test and scripts/bench_loans.py
race against each other.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from models import HOLDING, LENT, Asset, Condition, LineUser, Loan, LoanEvent, LoanLine, LoanStatus, Movement, Role

# How far around the asked dates to look for dates when the full quantity is free.
SEARCH_DAYS = 60
# The longest purpose, place or reason a person may type (a return note may be twice that).
TEXT_LIMIT = 200


class LoanResult(enum.Enum):
    OK = "ok"
    NOT_FOUND = "not_found"
    NOT_ALLOWED = "not_allowed"
    WRONG_STATE = "wrong_state"  # already decided, cancelled, returned...: a double tap lands here
    NOT_ENOUGH = "not_enough"
    INVALID = "invalid"  # a return that counts more damaged and lost than were lent


@dataclass(frozen=True)
class LoanOutcome:
    result: LoanResult
    loan: Loan | None = None
    free: int = 0
    asset: Asset | None = None  # with NOT_ENOUGH: the item that is short (`free` is how many of it are free)

    @property
    def ok(self) -> bool:
        return self.result is LoanResult.OK


@dataclass(frozen=True)
class LoanRequestLine:
    asset_id: int
    quantity: int


@dataclass(frozen=True)
class LoanRequest:
    """What a citizen asked for, before it is a loan: one or more items for one period."""

    lines: tuple[LoanRequestLine, ...]
    start: date
    end: date
    purpose: str
    contact_name: str
    phone: str

    @classmethod
    def one(cls, asset_id: int, quantity: int, start: date, end: date, purpose: str, contact_name: str,
            phone: str) -> LoanRequest:
        return cls((LoanRequestLine(asset_id, quantity),), start, end, purpose, contact_name, phone)


@dataclass(frozen=True)
class LineReturn:
    """What staff found of one line on return; the rest of its quantity came back in good order."""

    damaged: int = 0
    lost: int = 0
    note: str | None = None


# -- availability -----------------------------------------------------------------------------------

def lock_asset(session: Session, asset_id: int) -> Asset | None:
    """The asset's row, locked until the transaction ends (populate_existing: fresh, not a cached copy)."""
    return session.scalar(
        select(Asset).where(Asset.id == asset_id).with_for_update().execution_options(populate_existing=True)
    )


def lock_assets(session: Session, asset_ids: Sequence[int]) -> dict[int, Asset]:
    """The rows of these assets, locked one at a time in ascending id: every transaction that locks several
    takes them in the same order, so two of them wait for each other instead of deadlocking."""
    locked: dict[int, Asset] = {}
    for asset_id in sorted(set(asset_ids)):
        asset = lock_asset(session, asset_id)
        if asset is not None:
            locked[asset_id] = asset
    return locked


# A loan handed over and not returned by its end day (overdue) still has its items out in a village, and nobody
# knows when they will come back. It holds them with no end, until staff record the return: the conservative rule,
# items still out are never promised to anyone. Holding them only until "today" or "tomorrow" would let the office
# approve, for next week, tents it may not have; the cost of the rule is a refusal that a return lifts at once.
OPEN_END = date.max


def is_overdue(status: LoanStatus, end_date: date, today: date) -> bool:
    return status is LoanStatus.HANDED_OVER and end_date < today


def holds_until(loan: Loan, today: date) -> date:
    """The last day `loan` holds its items, for availability: its end day, or no end while it is overdue."""
    return OPEN_END if is_overdue(loan.status, loan.end_date, today) else loan.end_date


def holds_on_or_after(day: date, today: date) -> ColumnElement[bool]:
    """SQL: the loan still holds its items on `day` or later (ends then or after, or is overdue), whatever its
    status; combine it with a status filter."""
    return or_(Loan.end_date >= day, and_(Loan.status == LoanStatus.HANDED_OVER, Loan.end_date < today))


def free_quantity(
    session: Session, asset: Asset, start: date, end: date, *, today: date,
    statuses: tuple[LoanStatus, ...] = HOLDING, exclude_loan_id: int | None = None,
) -> int:
    """How many are free on every day of [start, end]: the quantity held less the busiest day's loans, an
    overdue loan counting on every day until it is returned (`today` is the office's date, which says what is
    overdue)."""
    query = select(Loan.start_date, Loan.end_date, Loan.status, LoanLine.quantity).join(LoanLine.loan).where(
        LoanLine.asset_id == asset.id, Loan.status.in_(statuses), Loan.start_date <= end,
        holds_on_or_after(start, today),
    )
    if exclude_loan_id is not None:
        query = query.where(Loan.id != exclude_loan_id)
    spans = [(first, OPEN_END if is_overdue(status, last, today) else last, quantity)
             for first, last, status, quantity in session.execute(query)]
    return max(asset.quantity - _busiest_day(spans, start, end)[1], 0)


@dataclass(frozen=True)
class Peak:
    """The day when the most of an asset are held, how many, and the loans that hold them."""

    day: date
    quantity: int
    loans: list[Loan]


def peak_from(session: Session, asset: Asset, today: date) -> Peak | None:
    """The busiest day from `today` on, counted as free_quantity counts; None when nothing is held.

    Items handed over and not yet returned are out even when their loan has ended: an overdue loan holds its
    quantity on every day from `today` on (holds_until).
    """
    held = session.execute(
        select(Loan, LoanLine.quantity).join(LoanLine.loan).where(
            LoanLine.asset_id == asset.id, Loan.status.in_(HOLDING), holds_on_or_after(today, today),
        ).order_by(Loan.start_date, Loan.id)
    ).all()
    if not held:
        return None
    spans = [(max(loan.start_date, today), holds_until(loan, today), quantity) for loan, quantity in held]
    # An open end holds every later day alike, so the busiest day is never after the last finite end.
    last = max([today] + [end for _, end, _ in spans if end != OPEN_END])
    day, quantity = _busiest_day(spans, today, last)
    loans = [loan for (loan, _), (s, e, _) in zip(held, spans, strict=True) if s <= day <= e]
    return Peak(day, quantity, list(dict.fromkeys(loans)))


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
    session: Session, wanted: Sequence[tuple[Asset, int]], start: date, end: date, earliest: date, *, today: date,
    acceptable: Callable[[date, date], bool] = lambda first, last: True,
) -> tuple[date, date] | None:
    """The same number of days, as near the asked dates as possible, when every item's quantity is free
    throughout (and `acceptable`, e.g. both ends on the office's working days)."""
    length = (end - start).days
    for offset in range(1, SEARCH_DAYS + 1):
        for shift in (offset, -offset):
            first = start + timedelta(days=shift)
            last = first + timedelta(days=length)
            if first < earliest or not acceptable(first, last):
                continue
            if all(free_quantity(session, asset, first, last, today=today) >= quantity for asset, quantity in wanted):
                return first, last
    return None


# -- movements --------------------------------------------------------------------------------------

def create_request(session: Session, borrower: LineUser, draft: LoanRequest, now: datetime, *,
                   today: date) -> LoanOutcome:
    """A pending loan of all the draft's items, if each is free on those dates once all their rows are locked
    (`today`: the office's date, which says which loans are overdue and so hold their items with no end)."""
    if not draft.lines:
        return LoanOutcome(LoanResult.NOT_FOUND)
    assets = lock_assets(session, [line.asset_id for line in draft.lines])
    wanted: dict[int, int] = {}
    for line in draft.lines:
        wanted[line.asset_id] = wanted.get(line.asset_id, 0) + line.quantity
    for asset_id, quantity in wanted.items():
        asset = assets.get(asset_id)
        if asset is None or not asset.active:
            return LoanOutcome(LoanResult.NOT_FOUND)
        free = free_quantity(session, asset, draft.start, draft.end, today=today)
        if free < quantity:
            return LoanOutcome(LoanResult.NOT_ENOUGH, free=free, asset=asset)
    loan = Loan(
        borrower_id=borrower.id, start_date=draft.start, end_date=draft.end, purpose=draft.purpose,
        contact_name=draft.contact_name, phone=draft.phone, status=LoanStatus.PENDING, created_at=now,
        lines=[LoanLine(asset_id=asset_id, quantity=quantity, damaged=0, lost=0)
               for asset_id, quantity in wanted.items()],
    )
    session.add(loan)
    session.flush()
    _ledger(session, loan, Movement.REQUESTED, borrower, now)
    return LoanOutcome(LoanResult.OK, loan)


def approve(session: Session, loan_id: int, actor: LineUser, now: datetime, *, today: date) -> LoanOutcome:
    """Approve, re-checking under the locks of all its assets that what is lent stays within what is held (items
    still out on an overdue loan included: `today` is the office's date)."""
    found = _locked_loan(session, loan_id, actor)
    if not found.ok or found.loan is None:
        return found
    loan = found.loan
    if loan.status is not LoanStatus.PENDING:
        return LoanOutcome(LoanResult.WRONG_STATE, loan)
    for line in loan.lines:
        free = free_quantity(session, line.asset, loan.start_date, loan.end_date, today=today, statuses=LENT,
                             exclude_loan_id=loan.id)
        if free < line.quantity:
            return LoanOutcome(LoanResult.NOT_ENOUGH, loan, free, line.asset)
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
    lock_assets(session, loan.asset_ids)
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
    session: Session, loan_id: int, actor: LineUser, now: datetime, found: dict[int, LineReturn] | None = None,
    note: str | None = None,
) -> LoanOutcome:
    """Take the items back. `found` maps a line's id to what was damaged or lost on it; a line not in it (or
    `found` None: the common case) came back complete. Each line's ledger rows say how many in which state."""
    locked = _locked_loan(session, loan_id, actor)
    if not locked.ok or locked.loan is None:
        return locked
    loan = locked.loan
    found = found or {}
    lines = {line.id: line for line in loan.lines}
    if any(line_id not in lines for line_id in found) or any(
        r.damaged < 0 or r.lost < 0 or r.damaged + r.lost > lines[line_id].quantity for line_id, r in found.items()
    ):
        return LoanOutcome(LoanResult.INVALID, loan)
    changed = session.execute(
        update(Loan).where(Loan.id == loan.id, Loan.status == LoanStatus.HANDED_OVER)
        .values(status=LoanStatus.RETURNED, returned_at=now, return_note=note)
        .execution_options(synchronize_session=False)
    )
    session.refresh(loan)
    if changed.rowcount != 1:
        return LoanOutcome(LoanResult.WRONG_STATE, loan)
    for line in loan.lines:
        result = found.get(line.id, LineReturn())
        line.damaged, line.lost, line.return_note = result.damaged, result.lost, result.note
        for condition, quantity in ((Condition.COMPLETE, line.complete), (Condition.DAMAGED, line.damaged),
                                    (Condition.LOST, line.lost)):
            if quantity:
                note_here = result.note if condition is not Condition.COMPLETE else None
                session.add(LoanEvent(
                    loan_id=loan.id, line_id=line.id, asset_id=line.asset_id, movement=Movement.RETURNED,
                    quantity=quantity, actor_id=actor.id, at=now, condition=condition, note=note_here or note,
                ))
    session.flush()
    return LoanOutcome(LoanResult.OK, loan)


def add_return_note(session: Session, loan_id: int, actor: LineUser, note: str) -> bool:
    """The note typed after a return: on the loan and on its return lines of the ledger (written just before)."""
    loan = session.get(Loan, loan_id)
    if loan is None or loan.status is not LoanStatus.RETURNED or not may_act_on(actor, loan):
        return False
    loan.return_note = note
    events = session.scalars(
        select(LoanEvent).where(LoanEvent.loan_id == loan.id, LoanEvent.movement == Movement.RETURNED)
    )
    for event in events:
        if event.note is None:
            # The one exception to "never updated": the note completes the return lines it belongs to.
            event.note = note
    return True


def may_act_on(user: LineUser | None, loan: Loan) -> bool:
    """Staff of the unit responsible for the loan's items, or an admin."""
    return user is not None and user.is_staff and bool(loan.lines) and user.may_act_for(loan.unit_id)


def early_or_late(loan: Loan, today: date) -> tuple[str, int] | None:
    """("early", days) when a hand-over happens before the start day, ("late", days) when it happens after it
    or a return happens after the end day; None on time. What staff are told before they confirm."""
    if loan.status is LoanStatus.APPROVED:
        if today < loan.start_date:
            return "early", (loan.start_date - today).days
        if today > loan.start_date:
            return "late_handover", (today - loan.start_date).days
    if loan.status is LoanStatus.HANDED_OVER and today > loan.end_date:
        return "late", (today - loan.end_date).days
    return None


def _locked_loan(session: Session, loan_id: int, actor: LineUser) -> LoanOutcome:
    loan = session.get(Loan, loan_id)
    if loan is None:
        return LoanOutcome(LoanResult.NOT_FOUND)
    if not may_act_on(actor, loan):
        return LoanOutcome(LoanResult.NOT_ALLOWED, loan)
    lock_assets(session, loan.asset_ids)
    session.refresh(loan)  # what another transaction committed before we got the locks
    return LoanOutcome(LoanResult.OK, loan)


def _move(
    session: Session, loan: Loan, source: LoanStatus, target: LoanStatus, movement: Movement, actor: LineUser,
    now: datetime, *, note: str | None = None, **values: object,
) -> LoanOutcome:
    changed = session.execute(
        update(Loan).where(Loan.id == loan.id, Loan.status == source).values(status=target, **values)
        .execution_options(synchronize_session=False)
    )
    session.refresh(loan)
    if changed.rowcount != 1:
        return LoanOutcome(LoanResult.WRONG_STATE, loan)
    _ledger(session, loan, movement, actor, now, note=note)
    return LoanOutcome(LoanResult.OK, loan)


def _ledger(
    session: Session, loan: Loan, movement: Movement, actor: LineUser | None, now: datetime, *,
    note: str | None = None,
) -> None:
    """One ledger row per line: the ledger (สมุดคุม) lists each item with its own quantity."""
    for line in loan.lines:
        session.add(LoanEvent(
            loan_id=loan.id, line_id=line.id, asset_id=line.asset_id, movement=movement, quantity=line.quantity,
            actor_id=actor.id if actor else None, at=now, note=note,
        ))
    session.flush()


def loans_of(session: Session, borrower: LineUser, statuses: tuple[LoanStatus, ...]) -> list[Loan]:
    return list(session.scalars(
        select(Loan).where(Loan.borrower_id == borrower.id, Loan.status.in_(statuses)).order_by(Loan.start_date)
    ))


def loans_to_act_on(session: Session, user: LineUser) -> list[Loan]:
    """What a staff member can move now: requests to decide, approved loans to hand over, loans to take back."""
    query = select(Loan).where(
        Loan.status.in_((LoanStatus.PENDING, LoanStatus.APPROVED, LoanStatus.HANDED_OVER))
    )
    if user.role is not Role.ADMIN:
        query = query.where(Loan.id.in_(
            select(LoanLine.loan_id).join(LoanLine.asset).where(Asset.unit_id == user.unit_id)))
    return list(session.scalars(query.order_by(Loan.start_date, Loan.id)))

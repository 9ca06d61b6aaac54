"""Loans of government assets, their lines (one per item), and their ledger (สมุดคุมการให้ยืม-คืน): one row per
movement of a line, never changed."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.asset import Asset
from models.base import Base, str_enum, utcnow
from models.user import LineUser


class LoanStatus(enum.StrEnum):
    PENDING = "pending"  # requested, waiting for the unit's decision
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # by the citizen, before pick-up
    HANDED_OVER = "handed_over"  # the borrower has the items
    RETURNED = "returned"


# What holds stock on its dates: a request counts while it waits, so the office is never asked for more.
HOLDING = (LoanStatus.PENDING, LoanStatus.APPROVED, LoanStatus.HANDED_OVER)
# What is actually lent (the promise approval makes): never more than the office holds.
LENT = (LoanStatus.APPROVED, LoanStatus.HANDED_OVER)


class Movement(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    HANDED_OVER = "handed_over"
    RETURNED = "returned"


class Condition(enum.StrEnum):
    COMPLETE = "complete"  # ครบ
    DAMAGED = "damaged"  # ชำรุด
    LOST = "lost"  # สูญหาย


class Loan(Base):
    """One request to borrow one or more items (its lines) for a period (whole days, the office's time zone).

    start_date is the hand-over (pick-up) day and end_date the return day; both are office working days.
    """

    __tablename__ = "loan"
    __table_args__ = (Index("ix_loan_status_dates", "status", "start_date", "end_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    borrower_id: Mapped[int] = mapped_column(ForeignKey("line_user.id"))
    start_date: Mapped[date]
    end_date: Mapped[date]
    purpose: Mapped[str] = mapped_column(Text)
    contact_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[LoanStatus] = mapped_column(str_enum(LoanStatus), default=LoanStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("line_user.id", ondelete="SET NULL"))
    reject_reason: Mapped[str | None] = mapped_column(Text)
    handed_over_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    # A note on the return as a whole ("คืนช้าเพราะฝนตก"); what was damaged or lost is on each line.
    return_note: Mapped[str | None] = mapped_column(Text)

    borrower: Mapped[LineUser] = relationship(foreign_keys=[borrower_id])
    lines: Mapped[list[LoanLine]] = relationship(
        back_populates="loan", order_by="LoanLine.id", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def asset_ids(self) -> list[int]:
        """The ids of its assets, ascending: the order in which a movement locks them (no deadlock)."""
        return sorted({line.asset_id for line in self.lines})

    @property
    def unit_id(self) -> int:
        """The unit that decides: a request holds items of one unit (the flow keeps to the first item's)."""
        return self.lines[0].asset.unit_id


class LoanLine(Base):
    """One item of a loan: how many of one asset, and on return how many came back damaged or were lost."""

    __tablename__ = "loan_line"
    __table_args__ = (Index("ix_loan_line_asset", "asset_id", "loan_id"), Index("ix_loan_line_loan", "loan_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id", ondelete="CASCADE"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"))
    quantity: Mapped[int]
    damaged: Mapped[int] = mapped_column(default=0)
    lost: Mapped[int] = mapped_column(default=0)
    return_note: Mapped[str | None] = mapped_column(Text)

    loan: Mapped[Loan] = relationship(back_populates="lines")
    asset: Mapped[Asset] = relationship(lazy="joined")

    @property
    def complete(self) -> int:
        """How many came back in good order (of a returned loan)."""
        return self.quantity - self.damaged - self.lost


class LoanEvent(Base):
    """A line of the ledger: inserted with each movement, in the same transaction, and never updated."""

    __tablename__ = "loan_event"
    __table_args__ = (Index("ix_loan_event_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    # The line it moves: one event per line and movement (a return: one per condition found on the line).
    line_id: Mapped[int] = mapped_column(ForeignKey("loan_line.id"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"))
    movement: Mapped[Movement] = mapped_column(str_enum(Movement))
    quantity: Mapped[int]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("line_user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    condition: Mapped[Condition | None] = mapped_column(str_enum(Condition))
    note: Mapped[str | None] = mapped_column(Text)

    loan: Mapped[Loan] = relationship()
    asset: Mapped[Asset] = relationship()

"""Loans of government assets and their ledger (สมุดคุมการให้ยืม-คืน): one row per movement, never changed."""

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
    """One request to borrow a quantity of one asset for a period (whole days, the office's time zone)."""

    __tablename__ = "loan"
    __table_args__ = (Index("ix_loan_asset_status", "asset_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"))
    borrower_id: Mapped[int] = mapped_column(ForeignKey("line_user.id"))
    quantity: Mapped[int]
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
    return_condition: Mapped[Condition | None] = mapped_column(str_enum(Condition))
    return_note: Mapped[str | None] = mapped_column(Text)

    asset: Mapped[Asset] = relationship()
    borrower: Mapped[LineUser] = relationship(foreign_keys=[borrower_id])


class LoanEvent(Base):
    """A line of the ledger: inserted with each movement, in the same transaction, and never updated."""

    __tablename__ = "loan_event"
    __table_args__ = (Index("ix_loan_event_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loan.id"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset.id"))
    movement: Mapped[Movement] = mapped_column(str_enum(Movement))
    quantity: Mapped[int]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("line_user.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    condition: Mapped[Condition | None] = mapped_column(str_enum(Condition))
    note: Mapped[str | None] = mapped_column(Text)

    loan: Mapped[Loan] = relationship()

"""Feedback and complaints citizens send, their history, and the counters behind tracking codes and daily caps."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, str_enum, utcnow
from models.office import Unit


class FeedbackStatus(enum.StrEnum):
    NEW = "new"  # waiting for the unit to acknowledge
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    DONE = "done"


OPEN_STATUSES = (FeedbackStatus.NEW, FeedbackStatus.ACKNOWLEDGED, FeedbackStatus.IN_PROGRESS)


class FeedbackReport(Base):
    """One report (complaint, problem, corruption report, suggestion, information request).

    An anonymous report keeps no link to who sent it: reporter_id is NULL and nothing else names them. Its
    reporter follows it with the code and a PIN shown once at submission, of which only secret_hash is kept.
    """

    __tablename__ = "feedback_report"
    __table_args__ = (
        UniqueConstraint("fiscal_year", "seq", name="uq_feedback_report_fiscal_year_seq"),
        Index("ix_feedback_report_status_assigned", "status", "assigned_at"),
        Index("ix_feedback_report_reporter", "reporter_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    fiscal_year: Mapped[int]
    seq: Mapped[int]
    category: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("line_user.id", ondelete="SET NULL"))
    anonymous: Mapped[bool] = mapped_column(default=False)
    details: Mapped[str] = mapped_column(Text)
    photos: Mapped[list[Any]] = mapped_column(default=list)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    address: Mapped[str | None] = mapped_column(String(300))
    phone: Mapped[str | None] = mapped_column(String(20))
    # sha256 of "<code>:<PIN>" for an anonymous report (bot.feedback.service.hash_pin); NULL for a named one.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[FeedbackStatus] = mapped_column(str_enum(FeedbackStatus), default=FeedbackStatus.NEW)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When it reached its current unit (creation, or the last forward): the reminders count from here.
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closing_note: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None]
    rated_at: Mapped[datetime | None]
    # When the unit, then its head, were reminded of a report nobody acknowledged (each happens once).
    unit_reminded_at: Mapped[datetime | None]
    head_reminded_at: Mapped[datetime | None]

    unit: Mapped[Unit | None] = relationship()
    events: Mapped[list[FeedbackEvent]] = relationship(
        back_populates="report", order_by="FeedbackEvent.id", cascade="all, delete-orphan"
    )


class FeedbackEvent(Base):
    """One step of a report's history: created, acknowledged, in progress, forwarded, done, rated."""

    __tablename__ = "feedback_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("feedback_report.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The staff member who acted; NULL for what the citizen did (so an anonymous report names nobody).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("line_user.id", ondelete="SET NULL"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)

    report: Mapped[FeedbackReport] = relationship(back_populates="events")
    unit: Mapped[Unit | None] = relationship()


class FeedbackCounter(Base):
    """A named counter incremented inside the transaction that uses it: tracking-code numbers per fiscal
    year ("FB-2570"), reports per user per day ("daily:<keyed hash of the user and the date>",
    bot.feedback.service.user_tag).
    A rolled-back use rolls the count back, so tracking codes have no gaps."""

    __tablename__ = "feedback_counter"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


class TrackingAttempt(Base):
    """A wrong tracking code or PIN, kept for a while so that guessing is throttled across workers. `who` is a keyed
    hash of the LINE user (bot.feedback.service.user_tag): the rows count attempts without saying whose they are."""

    __tablename__ = "tracking_attempt"
    __table_args__ = (Index("ix_tracking_attempt_who_at", "who", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    who: Mapped[str] = mapped_column(String(64))
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)

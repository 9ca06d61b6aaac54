from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, str_enum, utcnow
from models.office import Unit

reminder_rule_unit = Table(
    "reminder_rule_unit",
    Base.metadata,
    Column("rule_id", ForeignKey("reminder_rule.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
)


class ReminderRule(Base):
    """What a unit must do for a measure, and when: imported from bot/data/reminder_rules.toml."""

    __tablename__ = "reminder_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    measure_number: Mapped[int | None]
    task: Mapped[str] = mapped_column(Text)
    schedule: Mapped[dict[str, Any]]
    grace_hours: Mapped[int] = mapped_column(default=12)
    active: Mapped[bool] = mapped_column(default=True)

    # Empty: every unit of the office is responsible (measure 4 of the report).
    units: Mapped[list[Unit]] = relationship(secondary=reminder_rule_unit, order_by=Unit.id)


class OccurrenceStatus(enum.StrEnum):
    SENT = "sent"  # pushed to the unit's staff (or recorded with nobody to push to)
    MISSED = "missed"  # came due while the scheduler was down for longer than the grace time
    SNOOZED = "snoozed"
    DONE = "done"


class ReminderOccurrence(Base):
    """One due time of one rule. Its uniqueness is what makes a reminder exist once, whoever writes it."""

    __tablename__ = "reminder_occurrence"
    __table_args__ = (UniqueConstraint("rule_id", "due_at", name="uq_reminder_occurrence_rule_id_due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("reminder_rule.id", ondelete="CASCADE"))
    due_at: Mapped[datetime]
    status: Mapped[OccurrenceStatus] = mapped_column(str_enum(OccurrenceStatus))
    sent_late: Mapped[bool] = mapped_column(default=False)
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    snoozed_until: Mapped[datetime | None]
    snooze_count: Mapped[int] = mapped_column(default=0)
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("line_user.id", ondelete="SET NULL"))
    note: Mapped[str | None] = mapped_column(Text)
    evidence_path: Mapped[str | None] = mapped_column(String(300))

    rule: Mapped[ReminderRule] = relationship()


class Holiday(Base):
    """One of the office's own days off (bot/data/holidays.toml); bot.ita.office_days adds the public holidays."""

    __tablename__ = "holiday"

    day: Mapped[date] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class SchedulerMark(Base):
    """How far a scheduler has looked; a restarted scheduler catches up from here."""

    __tablename__ = "scheduler_mark"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    until: Mapped[datetime]

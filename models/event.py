from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum, utcnow


class ProcessedEvent(Base):
    """One row per webhook event handled; the unique id is what makes a redelivery a no-op."""

    __tablename__ = "processed_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str] = mapped_column(String(64), unique=True)
    event_type: Mapped[str] = mapped_column(String(40))
    is_redelivery: Mapped[bool] = mapped_column(default=False)
    # "handled", or "failed" when the handler raised and only the apology was committed.
    outcome: Mapped[str] = mapped_column(String(16), default="handled")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class InboundStatus(enum.StrEnum):
    PENDING = "pending"  # stored by the webhook, not yet claimed
    PROCESSING = "processing"  # claimed until lease_until; then claimable again (its worker died)
    DONE = "done"  # handled: marked in the same commit as the event's effects
    FAILED = "failed"  # given up after MAX_ATTEMPTS claims (bot.inbound)


class InboundEvent(Base):
    """A webhook event as LINE sent it, stored before the webhook answers 200 and processed right after (bot.inbound).

    The unique webhook_event_id makes a redelivered body a no-op; chat_key keeps one chat's events in order."""

    __tablename__ = "inbound_event"
    __table_args__ = (Index("ix_inbound_event_chat_status", "chat_key", "status"),
                      Index("ix_inbound_event_status", "status", "received_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_event_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    chat_key: Mapped[str] = mapped_column(String(80))
    raw: Mapped[str] = mapped_column(Text)
    status: Mapped[InboundStatus] = mapped_column(str_enum(InboundStatus), default=InboundStatus.PENDING)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]

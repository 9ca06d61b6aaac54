from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


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

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, str_enum, utcnow


class OutboxKind(enum.StrEnum):
    REPLY = "reply"
    PUSH = "push"
    # Not messages, but calls that must not be lost either: `messages` then holds the call's arguments.
    LINK_MENU = "link_menu"  # [{"richMenuId": ...}] linked to the user `to`
    UNLINK_MENU = "unlink_menu"  # the user `to` back to the default menu


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender until next_attempt_at; then claimable again
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(Base):
    """One LINE API call to make: written in the same transaction as the change that caused it."""

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OutboxKind] = mapped_column(str_enum(OutboxKind))
    to: Mapped[str | None] = mapped_column(String(64))
    reply_token: Mapped[str | None] = mapped_column(String(255))
    messages: Mapped[list[Any]]
    retry_key: Mapped[str] = mapped_column(String(36), default=lambda: str(uuid.uuid4()), unique=True)
    # Set for pushes that must exist once per cause, e.g. a reminder's (rule, due time).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    source_event_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[OutboxStatus] = mapped_column(str_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]
    # When a reply attempt began whose outcome is unknown (LINE may have delivered it: its answer was lost, or
    # the sender never recorded one). A later "Invalid reply token" then means delivered, not expired.
    uncertain_at: Mapped[datetime | None]

"""Questions the bot could not answer, kept for staff to review (never with who asked)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class UnansweredQuestion(Base):
    """One question that matched nothing in the knowledge base.

    No user id is stored: staff only need to know what people ask, not who asked it.
    """

    __tablename__ = "unanswered_question"
    __table_args__ = (Index("ix_unanswered_question_normalized", "normalized"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    # The matcher's normalised form, so "ยืมเต็นท์ได้บ่คะ" and "ยืมเต็นท์ได้บ่" count as one question.
    normalized: Mapped[str] = mapped_column(String(500))
    # The best (rejected) guess, to help staff see what the knowledge base is missing.
    best_entry: Mapped[str | None] = mapped_column(String(100))
    best_score: Mapped[float | None] = mapped_column(Float)
    asked_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaughtQuestion(Base):
    """A question staff attached to an entry (or marked out of scope) after it went unanswered.

    The matcher reads these as more ways of asking; who asked is never here, only which operator taught it.
    """

    __tablename__ = "taught_question"
    __table_args__ = (Index("ix_taught_question_normalized", "normalized"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    # The same normalised form as unanswered_question's, so the report can tell which groups are taught.
    normalized: Mapped[str] = mapped_column(String(500))
    # None when taught as out of scope.
    entry_id: Mapped[str | None] = mapped_column(String(100))
    out_of_scope: Mapped[bool] = mapped_column(default=False)
    taught_at: Mapped[datetime] = mapped_column(default=utcnow)
    taught_by: Mapped[str | None] = mapped_column(String(100))

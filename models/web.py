"""The staff's web back-office (/admin/): one-time sign-in links, signed-in sessions, and the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow
from models.user import LineUser


class WebLoginToken(Base):
    """A one-time sign-in link the bot gave a staff member; only the hash of its token is kept."""

    __tablename__ = "web_login_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("line_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class WebSession(Base):
    """A signed-in browser. The cookie holds the nonce, the row its hash: signing out (or idling too long) ends the
    row, and a copied cookie then opens nothing."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    nonce_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("line_user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    user: Mapped[LineUser] = relationship()


class AuditEntry(Base):
    """Who did what through /admin/, and who looked at a page showing personal data (a name, a phone number)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("line_user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    # What it was about: "report:12", "loan:5", "ledger:2570"; never a name or a phone number.
    target: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[LineUser | None] = relationship()

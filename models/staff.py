from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, str_enum, utcnow
from models.office import Unit
from models.user import Role


class StaffInvite(Base):
    """A one-time registration code an administrator gave to a staff member; only its hash is kept."""

    __tablename__ = "staff_invite"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by_id: Mapped[int | None] = mapped_column(ForeignKey("line_user.id", ondelete="SET NULL"))

    unit: Mapped[Unit] = relationship()


class RegistrationAttempt(Base):
    """Each code a user sent, kept so that repeated wrong codes can be throttled across workers."""

    __tablename__ = "registration_attempt"
    __table_args__ = (Index("ix_registration_attempt_user_at", "line_user_id", "attempted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(default=False)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)

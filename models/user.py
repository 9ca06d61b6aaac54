from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, str_enum, utcnow
from models.office import Unit


class Role(enum.StrEnum):
    CITIZEN = "citizen"
    STAFF = "staff"
    HEAD = "head"  # head of a unit: staff rights, plus the unit's morning digest
    ADMIN = "admin"  # may act for every unit


STAFF_ROLES = (Role.STAFF, Role.HEAD, Role.ADMIN)


class LineUser(Base):
    """Anyone who has talked to the bot, keyed by the LINE user id of this channel."""

    __tablename__ = "line_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(str_enum(Role), default=Role.CITIZEN)
    display_name: Mapped[str | None] = mapped_column(String(200))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    is_following: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The day of the last message (UTC midnight), not the moment: see bot.dispatch.seen_on.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # PDPA s.23: when the privacy notice was shown just before this person was first asked for personal data.
    privacy_notice_at: Mapped[datetime | None]
    # PDPA s.33: set when they asked for their data to be erased while a loan of theirs was still open; the
    # retention job finishes the erasure once nothing of theirs is open (bot.privacy).
    erase_requested_at: Mapped[datetime | None]

    unit: Mapped[Unit | None] = relationship()

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def may_act_for(self, unit_id: int | None) -> bool:
        """Staff act for their own unit; admins for every unit; a task of all units is anyone's on staff."""
        if self.role is Role.ADMIN:
            return True
        return self.is_staff and (unit_id is None or self.unit_id == unit_id)

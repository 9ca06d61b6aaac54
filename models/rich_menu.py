"""The rich menus the bot has put on the LINE channel, so that registration links the staff menu and a new deploy
knows which menus are its own to replace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, utcnow


class RichMenu(Base):
    """One deployed menu, by its key in bot/data/richmenu.toml ("citizen", "staff")."""

    __tablename__ = "rich_menu"

    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    line_rich_menu_id: Mapped[str] = mapped_column(String(100))
    # The menu's name on the channel: the key and a digest of its content, so an unchanged menu is not made again.
    name: Mapped[str] = mapped_column(String(300))
    audience: Mapped[str] = mapped_column(String(16))  # "citizens" (the default) or "staff" (linked per user)
    deployed_at: Mapped[datetime] = mapped_column(default=utcnow)

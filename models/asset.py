"""Government assets lent to citizens (tents, tables, chairs...): the catalogue from bot/data/assets.toml."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base
from models.office import Unit


class Asset(Base):
    """One kind of item the office lends, and how many it holds.

    Its row is also the lock that serialises decisions on it: a request or an approval locks the row
    (SELECT ... FOR UPDATE) before counting what is lent, so two of them can never both take the last one.
    """

    __tablename__ = "asset"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    count_unit: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    max_days: Mapped[int]
    lead_days: Mapped[int] = mapped_column(default=0)
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    photo_url: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    is_example: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0)

    unit: Mapped[Unit] = relationship()

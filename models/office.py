from __future__ import annotations

from typing import Any

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base

measure_unit = Table(
    "measure_unit",
    Base.metadata,
    Column("measure_id", ForeignKey("measure.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True),
)


class Unit(Base):
    """An organisational unit of the office (สำนักปลัด, กองคลัง, ...)."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Measure(Base):
    """One row of the ITA report's table of integrity and transparency measures."""

    __tablename__ = "measure"
    __table_args__ = (UniqueConstraint("fiscal_year", "number", name="uq_measure_fiscal_year_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    fiscal_year: Mapped[int]
    number: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    steps: Mapped[list[Any]] = mapped_column(default=list)
    period: Mapped[str] = mapped_column(Text)
    responsible: Mapped[str] = mapped_column(Text)
    all_units: Mapped[bool] = mapped_column(default=False)
    results: Mapped[list[Any]] = mapped_column(default=list)
    outcomes: Mapped[list[Any]] = mapped_column(default=list)

    units: Mapped[list[Unit]] = relationship(secondary=measure_unit, order_by=Unit.id)


class Setting(Base):
    """An office setting the report does not give (phone, hours...): data the office edits."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    label: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(Text)
    # True while the value is still the bundled example, so answers can say it is not yet real.
    is_example: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)

"""Declarative base and the column types every model shares."""

from __future__ import annotations

import enum
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names let Alembic migrations refer to constraints on both SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Clock:
    """The one source of "now" for the whole bot (utcnow below, the models' defaults, the handlers, the scheduler).

    It reads the system clock, shifted by an offset that tests set with pin(): the bot then lives on a chosen day
    (the 1st of a month, a Sunday, a holiday, the turn of the fiscal year) and time runs on from there at its real
    pace, so leases, timeouts and expiry still see it pass. Production never pins it.
    """

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def pin(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("pin the clock to an aware datetime")
        self._offset = at - datetime.now(UTC)

    def advance(self, by: timedelta) -> None:
        self._offset += by

    def release(self) -> None:
        self._offset = timedelta(0)


clock = Clock()


def utcnow() -> datetime:
    return clock.now()


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC and always hands back aware datetimes.

    SQLite keeps no time zone, so without this a value read back would be naive and compare wrongly
    against aware "now" values.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def str_enum(cls: type[enum.Enum], length: int = 16) -> Enum:
    """The column type of every enum the models keep: the members' values (not their names) in a VARCHAR.

    No native database enum and no CHECK constraint, so adding a member needs no migration on either database.
    """
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSONType, list[Any]: JSONType}

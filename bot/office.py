"""Facts about the office as stored in the database: imported from the report, or settings it edits."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from models import Measure, Setting

OFFICE_NAME_KEY = "office.name"
# Shown when nothing has been imported yet; never a made-up name.
GENERIC_OFFICE_NAME = "หน่วยงาน"


def office_name(session: Session) -> str:
    setting = session.get(Setting, OFFICE_NAME_KEY)
    return setting.value if setting else GENERIC_OFFICE_NAME


def contact_settings(session: Session) -> list[Setting]:
    query = select(Setting).where(Setting.key.like("contact.%")).order_by(Setting.position, Setting.key)
    return list(session.scalars(query))


def current_fiscal_year(session: Session) -> int | None:
    return session.scalar(select(func.max(Measure.fiscal_year)))


def current_measures(session: Session) -> list[Measure]:
    year = current_fiscal_year(session)
    if year is None:
        return []
    return list(
        session.scalars(
            select(Measure)
            .where(Measure.fiscal_year == year)
            .order_by(Measure.number)
            .options(selectinload(Measure.units))
        )
    )

"""Facts about the office as stored in the database: imported from the report, or settings it edits.

They change only when `seed` runs, yet most events read them, so each process keeps a snapshot per
database for OFFICE_CACHE_SECONDS (read on a connection of its own, committed data only):
- a `seed` run by another process shows within OFFICE_CACHE_SECONDS;
- a change made in this process through a session shows at once: flushing office rows drops the
  snapshots, and so does that session's commit or rollback;
- a session that has changed office rows itself (or is bound to a connection) reads them directly, so it
  sees its own uncommitted changes.
What is handed out are detached objects, shared by the requests of this process: read them, never change
them (change the rows through a session of your own, as `seed` does).
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, selectinload

from bot.db import READ_ONLY, WriteWatch
from models import Measure, Setting, Unit, measure_unit

OFFICE_NAME_KEY = "office.name"
# Shown when nothing has been imported yet; never a made-up name.
GENERIC_OFFICE_NAME = "หน่วยงาน"


OFFICE_CACHE_SECONDS = 2.0


def office_name(session: Session) -> str:
    snapshot = _snapshot(session)
    return snapshot.name if snapshot is not None else _office_name(session)


def contact_settings(session: Session) -> list[Setting]:
    snapshot = _snapshot(session)
    return list(snapshot.contacts) if snapshot is not None else _contact_settings(session)


def current_fiscal_year(session: Session) -> int | None:
    snapshot = _snapshot(session)
    return snapshot.fiscal_year if snapshot is not None else _current_fiscal_year(session)


def current_measures(session: Session) -> list[Measure]:
    snapshot = _snapshot(session)
    if snapshot is not None:
        return list(snapshot.measures)
    return _measures_of(session, _current_fiscal_year(session))


# -- the queries ----------------------------------------------------------------------------------------


def _office_name(session: Session) -> str:
    setting = session.get(Setting, OFFICE_NAME_KEY)
    return setting.value if setting else GENERIC_OFFICE_NAME


def _contact_settings(session: Session) -> list[Setting]:
    query = select(Setting).where(Setting.key.like("contact.%")).order_by(Setting.position, Setting.key)
    return list(session.scalars(query))


def _current_fiscal_year(session: Session) -> int | None:
    return session.scalar(select(func.max(Measure.fiscal_year)))


def _measures_of(session: Session, year: int | None) -> list[Measure]:
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


# -- the per-process snapshot -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Snapshot:
    generation: int
    expires_at: float  # time.monotonic()
    name: str
    contacts: tuple[Setting, ...]
    fiscal_year: int | None
    measures: tuple[Measure, ...]


# Office rows written by this process's sessions (see the module's docstring).
WRITES = WriteWatch(
    "office", (Setting, Measure, Unit), [Setting.__table__, Measure.__table__, Unit.__table__, measure_unit]
)
_snapshots: weakref.WeakKeyDictionary[Engine, _Snapshot] = weakref.WeakKeyDictionary()


def _snapshot(session: Session) -> _Snapshot | None:
    """The snapshot for the session's database; None when the session must read for itself."""
    if WRITES.wrote(session):
        return None
    engine = session.get_bind()
    if not isinstance(engine, Engine):
        return None  # bound to a connection: perhaps inside someone's transaction, so read through it
    snapshot = _snapshots.get(engine)
    if snapshot is not None and snapshot.generation == WRITES.generation and time.monotonic() < snapshot.expires_at:
        return snapshot
    return _load(engine)


def _load(engine: Engine) -> _Snapshot:
    generation = WRITES.generation  # taken first: a change while loading makes this snapshot stale at once
    expires_at = time.monotonic() + OFFICE_CACHE_SECONDS
    with engine.connect() as conn, Session(bind=conn.execution_options(**{READ_ONLY: True})) as session:
        year = _current_fiscal_year(session)
        snapshot = _Snapshot(
            generation=generation,
            expires_at=expires_at,
            name=_office_name(session),
            contacts=tuple(_contact_settings(session)),
            fiscal_year=year,
            measures=tuple(_measures_of(session, year)),
        )
    _snapshots[engine] = snapshot
    return snapshot

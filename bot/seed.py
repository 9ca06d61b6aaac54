"""`flask --app wsgi seed`: the office's data files into the database, idempotently.

Each capability brings its own data as a step (seed_step): `load` reads and checks its files, given the units the
steps before it declared, and `write` puts them in the database. Every file is read and checked before the first
row is written. Steps run in their declared `order`: the office's report first (its units are everyone's).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import DEFAULT_TIMEZONE
from bot.datafile import DataFileError
from models import Setting, Unit, utcnow


class SeedError(DataFileError):
    pass


@dataclass
class SeedStats:
    changed: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        self.changed.append(what)


@dataclass(frozen=True)
class SeedStep:
    name: str
    order: int
    load: Callable[[frozenset[str]], Any]  # known unit names -> what was read; ValueError when a file is wrong
    write: Callable[[Session, Any, date], Iterable[str]]  # -> what changed; ValueError when it cannot be written
    units: Callable[[Any], Iterable[str]] = lambda loaded: ()  # the unit names this data declares


SEED_STEPS: dict[str, SeedStep] = {}


def seed_step(step: SeedStep) -> SeedStep:
    clash = [s.name for s in SEED_STEPS.values() if s.order == step.order and s.name != step.name]
    if clash:
        raise RuntimeError(f"seed step {step.name} has the order of {clash[0]}: give each its own")
    SEED_STEPS[step.name] = step
    return step


def seed_bundled(session: Session, today: date | None = None) -> SeedStats:
    """Every capability's data; every file is read and checked before the first row is written.

    `today` is the office's date, from which the loans booked must fit the catalogue's stock. That check needs
    the database, so it comes after rows are written: call this in one transaction, which its SeedError rolls back
    (as the `seed` command does).
    """
    steps = sorted(SEED_STEPS.values(), key=lambda step: step.order)
    if not steps:
        raise SeedError("no data to seed: the capabilities were not loaded (create the app first)")
    known: set[str] = set()
    loaded = []
    try:
        for step in steps:
            data = step.load(frozenset(known))
            known.update(step.units(data))
            loaded.append((step, data))
    except ValueError as exc:
        raise SeedError(str(exc)) from exc
    stats = SeedStats()
    try:
        for step, data in loaded:
            stats.changed.extend(step.write(session, data, today or _office_today()))
    except ValueError as exc:
        raise SeedError(str(exc)) from exc
    return stats


def _office_today() -> date:
    return utcnow().astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()


def upsert_setting(
    session: Session, stats: SeedStats, key: str, label: str, value: str, example: bool, position: int
) -> None:
    setting = session.get(Setting, key)
    if setting is None:
        setting = Setting(key=key)
        session.add(setting)
    wanted = {"label": label, "value": value, "is_example": example, "position": position}
    if apply_changes(setting, wanted):
        stats.note(f"setting {key}")


def unit_named(session: Session, stats: SeedStats, name: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.name == name))
    if unit is None:
        unit = Unit(name=name)
        session.add(unit)
        session.flush()
        stats.note(f"unit {name}")
    return unit


def apply_changes(obj: Any, wanted: dict[str, Any]) -> bool:
    changed = False
    for name, value in wanted.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed

"""Reminder rules and holidays from the office's data files, checked before anything is written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.datafile import DataFileError, data_file, read_toml, table_records
from bot.reminders.schedule import RuleTiming, Schedule, ScheduleError, parse_schedule
from bot.seed import SeedStep, apply_changes, seed_step
from models import Holiday, ReminderRule, Unit

RULES_FILE = "reminder_rules.toml"
HOLIDAYS_FILE = "holidays.toml"
ALL_UNITS = "ทุกหน่วยงาน"
_KEY = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


class RuleError(DataFileError):
    pass


@dataclass(frozen=True)
class RuleRecord:
    key: str
    measure: int | None
    units: tuple[str, ...]  # empty: every unit
    task: str
    schedule: dict[str, Any]
    grace_hours: int
    line: int


def load_rules(path: Path | None = None, known_units: set[str] | None = None) -> list[RuleRecord]:
    """Every rule of the file, or RuleError naming the file, the line of the bad rule and the reason."""
    path = path or data_file(RULES_FILE)
    raw, document = read_toml(path, RuleError)
    return table_records(
        path, raw, document, "rule", lambda entry, line: _rule(entry, line, known_units), RuleError,
        also=(ScheduleError,),
    )


def _rule(entry: dict[str, Any], line: int, known_units: set[str] | None) -> RuleRecord:
    key = entry.get("key")
    if not isinstance(key, str) or not _KEY.match(key):
        raise RuleError("'key' must be lower-case letters, digits, '.', '_' or '-'")
    measure = entry.get("measure")
    if measure is not None and (not isinstance(measure, int) or not 1 <= measure <= 99):
        raise RuleError("'measure' must be the measure's number")
    task = entry.get("task")
    if not isinstance(task, str) or not task.strip():
        raise RuleError("'task' must say what to do")
    units = entry.get("units", [ALL_UNITS])
    if not isinstance(units, list) or not units or not all(isinstance(u, str) and u.strip() for u in units):
        raise RuleError("'units' must be a list of unit names, or [\"ทุกหน่วยงาน\"]")
    names = () if ALL_UNITS in units else tuple(u.strip() for u in units)
    unknown = [u for u in names if known_units is not None and u not in known_units]
    if unknown:
        raise RuleError(f"unknown unit(s) {', '.join(unknown)}; known: {', '.join(sorted(known_units or []))}")
    grace = entry.get("grace_hours", 12)
    if not isinstance(grace, int) or isinstance(grace, bool) or not 0 <= grace <= 24 * 31:
        raise RuleError("'grace_hours' must be a whole number of hours from 0 to 744")
    parse_schedule(entry.get("schedule"))  # refuse a bad schedule now, not at the first tick
    return RuleRecord(key, measure, names, task.strip(), dict(entry["schedule"]), grace, line)


def load_holidays(path: Path | None = None) -> dict[date, str]:
    path = path or data_file(HOLIDAYS_FILE)
    _, document = read_toml(path, RuleError)
    holidays: dict[date, str] = {}
    for n, entry in enumerate(document.get("holiday", []), 1):
        day, name = entry.get("date"), entry.get("name")
        if not isinstance(day, date) or not isinstance(name, str) or not name.strip():
            raise RuleError(f"{path.name}: holiday #{n} needs a date (YYYY-MM-DD) and a name")
        holidays[day] = name.strip()
    return holidays


def seed_rules(session: Session, records: list[RuleRecord], holidays: dict[date, str]) -> list[str]:
    """Upsert rules by key (a rule gone from the file is switched off) and replace the holiday list."""
    changed: list[str] = []
    units = {u.name: u for u in session.scalars(select(Unit))}
    existing = {r.key: r for r in session.scalars(select(ReminderRule))}
    for record in records:
        rule = existing.pop(record.key, None)
        if rule is None:
            rule = ReminderRule(key=record.key)
            session.add(rule)
        wanted = {
            "measure_number": record.measure,
            "task": record.task,
            "schedule": record.schedule,
            "grace_hours": record.grace_hours,
            "active": True,
        }
        dirty = apply_changes(rule, wanted)
        if {u.name for u in rule.units} != set(record.units):
            rule.units = [units[name] for name in record.units]
            dirty = True
        if dirty:
            changed.append(f"rule {record.key}")
    for rule in existing.values():
        if rule.active:
            rule.active = False
            changed.append(f"rule {rule.key} switched off")
    stored = {h.day: h for h in session.scalars(select(Holiday))}
    for day, name in holidays.items():
        holiday = stored.pop(day, None)
        if holiday is None:
            session.add(Holiday(day=day, name=name))
            changed.append(f"holiday {day}")
        elif holiday.name != name:
            holiday.name = name
            changed.append(f"holiday {day}")
    for holiday in stored.values():
        session.delete(holiday)
        changed.append(f"holiday {holiday.day} removed")
    session.flush()
    return changed


def timing_of(rule: ReminderRule) -> RuleTiming:
    return RuleTiming(rule.key, schedule_of(rule), timedelta(hours=rule.grace_hours))


def schedule_of(rule: ReminderRule) -> Schedule:
    return parse_schedule(rule.schedule)


def _load_step(known_units: frozenset[str]) -> tuple[list[RuleRecord], dict[date, str]]:
    return load_rules(known_units=set(known_units)), load_holidays()


seed_step(SeedStep("reminders", 50, _load_step, lambda session, loaded, today: seed_rules(session, *loaded)))

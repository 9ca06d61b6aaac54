"""`flask --app wsgi seed`: the office's report and settings into the database, idempotently."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import DEFAULT_TIMEZONE
from bot.datafile import DataFileError, data_file, read_toml
from bot.ita.importer import ReportRecord, load_bundled_report
from models import Measure, Setting, Unit, utcnow

OFFICE_FILE = "office.toml"


class SeedError(DataFileError):
    pass


@dataclass
class SeedStats:
    changed: list[str] = field(default_factory=list)

    def note(self, what: str) -> None:
        self.changed.append(what)


@dataclass(frozen=True)
class ContactSetting:
    key: str
    label: str
    value: str
    example: bool


def load_contacts(path: Path | None = None) -> list[ContactSetting]:
    """The office's contact settings; a bad entry is refused with its position and the reason."""
    path = path or data_file(OFFICE_FILE)
    _, document = read_toml(path, SeedError)
    contacts = []
    for i, entry in enumerate(document.get("contact", []), 1):
        contacts.append(_contact(entry, f"{path.name}: contact #{i}"))
    keys = [c.key for c in contacts]
    if len(keys) != len(set(keys)):
        raise SeedError(f"{path.name}: duplicate contact keys")
    return contacts


def _contact(entry: dict[str, Any], where: str) -> ContactSetting:
    for name in ("key", "label", "value"):
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise SeedError(f"{where}: '{name}' must be a non-empty string")
    if not entry["key"].startswith("contact."):
        raise SeedError(f"{where}: key must start with 'contact.'")
    if not isinstance(entry.get("example", False), bool):
        raise SeedError(f"{where}: 'example' must be true or false")
    return ContactSetting(entry["key"], entry["label"].strip(), entry["value"].strip(), entry.get("example", False))


def seed(session: Session, report: ReportRecord, contacts: list[ContactSetting]) -> SeedStats:
    stats = SeedStats()
    office = [
        ("office.name", "ชื่อหน่วยงาน", report.office_name),
        ("office.district", "อำเภอ", report.district),
        ("office.province", "จังหวัด", report.province),
        ("ita.fiscal_year", "ปีงบประมาณของรายงาน ITA", str(report.fiscal_year)),
        ("ita.score", "คะแนน ITA", f"{report.ita_score:.2f}"),
        ("ita.level", "ระดับผลการประเมิน ITA", report.ita_level),
    ]
    for position, (key, label, value) in enumerate(office):
        _upsert_setting(session, stats, key, label, value, example=False, position=position)
    for position, contact in enumerate(contacts):
        _upsert_setting(session, stats, contact.key, contact.label, contact.value, contact.example, position)
    units = {name: _unit(session, stats, name) for m in report.measures for name in m.units}
    for record in report.measures:
        _upsert_measure(session, stats, report.fiscal_year, record, [units[n] for n in record.units])
    session.flush()
    return stats


def seed_bundled(session: Session, today: date | None = None) -> SeedStats:
    """Everything bundled; every file is read and checked before the first row is written.

    `today` is the office's date, from which the loans booked must fit the catalogue's stock. That check needs
    the database, so it comes after rows are written: call this in one transaction, which its SeedError rolls back
    (as the `seed` command does).
    """
    from bot.feedback.service import load_settings as load_feedback_settings
    from bot.loans.catalogue import StockConflict, load_catalogue, seed_assets
    from bot.qa.services import load_catalogue as load_services
    from bot.qa.services import load_units, seed_catalogue
    from bot.reminders.rules import load_holidays, load_rules, seed_rules

    try:
        report = load_bundled_report()
        contacts = load_contacts()
        # The report's units and those of units.toml: an office adds a unit there, and every file may name it.
        units = load_units()
        known_units = {name for m in report.measures for name in m.units} | {u.name for u in units}
        services = load_services(units=units, known_units=known_units)
        rules = load_rules(known_units=known_units)
        holidays = load_holidays()
        load_feedback_settings(known_units=known_units)  # checked only: it is read from the file at start-up
        catalogue = load_catalogue(known_units=known_units)
    except ValueError as exc:
        raise SeedError(str(exc)) from exc
    stats = seed(session, report, contacts)
    stats.changed.extend(seed_catalogue(session, services))
    stats.changed.extend(seed_rules(session, rules, holidays))
    try:
        stats.changed.extend(seed_assets(session, catalogue, today or _office_today()))
    except StockConflict as exc:
        raise SeedError(str(exc)) from exc
    return stats


def _office_today() -> date:
    return utcnow().astimezone(ZoneInfo(DEFAULT_TIMEZONE)).date()


def _upsert_setting(
    session: Session, stats: SeedStats, key: str, label: str, value: str, example: bool, position: int
) -> None:
    setting = session.get(Setting, key)
    if setting is None:
        setting = Setting(key=key)
        session.add(setting)
    wanted = {"label": label, "value": value, "is_example": example, "position": position}
    if _apply(setting, wanted):
        stats.note(f"setting {key}")


def _unit(session: Session, stats: SeedStats, name: str) -> Unit:
    unit = session.scalar(select(Unit).where(Unit.name == name))
    if unit is None:
        unit = Unit(name=name)
        session.add(unit)
        session.flush()
        stats.note(f"unit {name}")
    return unit


def _upsert_measure(session: Session, stats: SeedStats, fiscal_year: int, record: Any, units: list[Unit]) -> None:
    measure = session.scalar(select(Measure).where(Measure.fiscal_year == fiscal_year, Measure.number == record.number))
    if measure is None:
        measure = Measure(fiscal_year=fiscal_year, number=record.number)
        session.add(measure)
    wanted = {
        "title": record.title,
        "steps": list(record.steps),
        "period": record.period,
        "responsible": record.responsible,
        "all_units": record.all_units,
        "results": list(record.results),
        "outcomes": list(record.outcomes),
    }
    changed = _apply(measure, wanted)
    if {u.id for u in measure.units} != {u.id for u in units}:
        measure.units = units
        changed = True
    if changed:
        stats.note(f"measure {fiscal_year}/{record.number}")


def _apply(obj: Any, wanted: dict[str, Any]) -> bool:
    changed = False
    for name, value in wanted.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed

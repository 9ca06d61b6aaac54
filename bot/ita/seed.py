"""The office's report and contact details into the database: its settings, units and measures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.datafile import data_file, read_toml
from bot.ita.importer import ReportRecord, load_bundled_report
from bot.seed import SeedError, SeedStats, SeedStep, apply_changes, seed_step, unit_named, upsert_setting
from models import Measure, Unit

OFFICE_FILE = "office.toml"


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
        upsert_setting(session, stats, key, label, value, example=False, position=position)
    for position, contact in enumerate(contacts):
        upsert_setting(session, stats, contact.key, contact.label, contact.value, contact.example, position)
    units = {name: unit_named(session, stats, name) for m in report.measures for name in m.units}
    for record in report.measures:
        _upsert_measure(session, stats, report.fiscal_year, record, [units[n] for n in record.units])
    session.flush()
    return stats


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
    changed = apply_changes(measure, wanted)
    if {u.id for u in measure.units} != {u.id for u in units}:
        measure.units = units
        changed = True
    if changed:
        stats.note(f"measure {fiscal_year}/{record.number}")




@dataclass(frozen=True)
class OfficeData:
    report: ReportRecord
    contacts: list[ContactSetting]


def _load(known_units: frozenset[str]) -> OfficeData:
    return OfficeData(load_bundled_report(), load_contacts())


def _write(session: Session, data: OfficeData, today: date) -> list[str]:
    return seed(session, data.report, data.contacts).changed


seed_step(SeedStep(
    "office", 10, _load, _write, units=lambda data: {name for m in data.report.measures for name in m.units}
))
